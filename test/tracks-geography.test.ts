import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GeographyError, PolygonIndex, parsePolygons, readPolygons, type Polygon } from '../src/tracks/geography.js';
import { ShoreDistance } from '../src/tracks/shore.js';
import { EARTH_RADIUS_M, haversineM, NAUTICAL_MILE_M } from '../src/util/index.js';
import { Random } from '../src/scenario/random.js';
import { wrapLon } from '../src/tracks/geo.js';

const DEG = Math.PI / 180;

/** Closed rectangular ring, counter-clockwise. */
function rect(lon0: number, lat0: number, lon1: number, lat1: number): [number, number][] {
  return [
    [lon0, lat0],
    [lon1, lat0],
    [lon1, lat1],
    [lon0, lat1],
    [lon0, lat0],
  ];
}

function fc(features: { name?: string; coordinates: unknown; type?: string }[]): string {
  return JSON.stringify(
    {
      type: 'FeatureCollection',
      features: features.map((f) => ({
        type: 'Feature',
        properties: f.name === undefined ? {} : { name: f.name },
        geometry: { type: f.type ?? 'Polygon', coordinates: f.coordinates },
      })),
    },
    null,
    2,
  );
}

/**
 * Independent check: least haversine distance from the point to many points
 * along each edge taken as a great-circle arc (unit vectors interpolated and
 * normalised), the model the index uses.
 */
function sampledDistance(lat: number, lon: number, ring: number[][], samples = 2000): number {
  const unit = (la: number, lo: number): [number, number, number] => [
    Math.cos(la * DEG) * Math.cos(lo * DEG),
    Math.cos(la * DEG) * Math.sin(lo * DEG),
    Math.sin(la * DEG),
  ];
  let best = Infinity;
  for (let k = 1; k < ring.length; k++) {
    const a = unit(ring[k - 1]![1]!, ring[k - 1]![0]!);
    const b = unit(ring[k]![1]!, ring[k]![0]!);
    for (let s = 0; s <= samples; s++) {
      const t = s / samples;
      const x = a[0] + t * (b[0] - a[0]),
        y = a[1] + t * (b[1] - a[1]),
        z = a[2] + t * (b[2] - a[2]);
      best = Math.min(best, haversineM(lat, lon, Math.atan2(z, Math.hypot(x, y)) / DEG, Math.atan2(y, x) / DEG));
    }
  }
  return best;
}

/** Longitude offset (degrees) that puts a point `m` metres due east along its parallel, by haversine. */
function eastOffsetDeg(lat: number, m: number): number {
  return (2 * Math.asin(Math.sin(m / (2 * EARTH_RADIUS_M)) / Math.cos(lat * DEG))) / DEG;
}

/** Seeded uniform numbers in [0, 1) (the project's generator). */
function mulberry32(seed: number): () => number {
  const g = new Random(seed);
  return () => g.next();
}

function expectError(fn: () => unknown, file: string, whereIncludes: string, messageIncludes: RegExp): GeographyError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof GeographyError, `expected a GeographyError, got ${String(caught)}`);
  assert.equal(caught.file, file);
  assert.ok(caught.where.includes(whereIncludes), `where ${JSON.stringify(caught.where)} should name ${whereIncludes}`);
  assert.ok(caught.message.startsWith(`${file}: `), caught.message);
  assert.match(caught.message, messageIncludes);
  return caught;
}

describe('parsePolygons', () => {
  it('reads a FeatureCollection of named polygons and multipolygons', () => {
    const text = fc([
      { name: 'Mariel', coordinates: [rect(-82.8, 22.98, -82.7, 23.05)] },
      {
        name: 'Havana',
        type: 'MultiPolygon',
        coordinates: [
          [rect(-82.4, 23.1, -82.3, 23.16)],
          [rect(-82.2, 23.1, -82.1, 23.16), rect(-82.18, 23.12, -82.12, 23.14)],
        ],
      },
      { coordinates: [rect(0, 0, 1, 1)] },
    ]);
    const p = parsePolygons(text, 'ports.geojson');
    assert.equal(p.file, 'ports.geojson');
    assert.deepEqual(p.names, ['Mariel', 'Havana', 'feature 2']);
    assert.equal(p.polygons[1]!.length, 2);
    assert.equal(p.polygons[1]![1]!.length, 2, 'outer ring and its hole');
    assert.deepEqual(p.polygons[0]![0]![0]![0], [-82.8, 22.98]);
    assert.deepEqual(p.properties[0], { name: 'Mariel' });
  });

  it('reads a single Feature and a bare Polygon', () => {
    const f = parsePolygons(
      JSON.stringify({
        type: 'Feature',
        properties: { name: 'Zone A' },
        geometry: { type: 'Polygon', coordinates: [rect(0, 0, 1, 1)] },
      }),
      'zone.geojson',
    );
    assert.deepEqual(f.names, ['Zone A']);
    const g = parsePolygons(JSON.stringify({ type: 'Polygon', coordinates: [rect(0, 0, 1, 1)] }), 'site.geojson');
    assert.deepEqual(g.names, ['feature 0']);
    assert.equal(g.polygons[0]!.length, 1);
  });

  it('rejects text that is not JSON, with line and column', () => {
    const e = expectError(
      () => parsePolygons('{\n  "type": "FeatureCollection",\n  "features": [ oops ]\n}', 'ports.geojson'),
      'ports.geojson',
      'line 3',
      /expected GeoJSON \(valid JSON\)/,
    );
    assert.equal(e.line, 3);
    assert.match(e.message, /^ports\.geojson: line 3, column \d+: /);
  });

  it('rejects a LineString, naming the feature and its line', () => {
    const text = JSON.stringify(
      {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { name: 'A' },
            geometry: { type: 'Polygon', coordinates: [rect(0, 0, 1, 1)] },
          },
          {
            type: 'Feature',
            properties: { name: 'B' },
            geometry: { type: 'Polygon', coordinates: [rect(0, 0, 1, 1)] },
          },
          {
            type: 'Feature',
            properties: { name: 'C' },
            geometry: { type: 'Polygon', coordinates: [rect(0, 0, 1, 1)] },
          },
          {
            type: 'Feature',
            properties: { name: 'D' },
            geometry: {
              type: 'LineString',
              coordinates: [
                [0, 0],
                [1, 1],
              ],
            },
          },
        ],
      },
      null,
      2,
    );
    const e = expectError(
      () => parsePolygons(text, 'ports.geojson'),
      'ports.geojson',
      'features[3].geometry',
      /expected a Polygon or MultiPolygon, got LineString/,
    );
    assert.equal(e.where, 'features[3].geometry');
    const expectedLine = text.split('\n').findIndex((l) => l.includes('"D"')); // 0-based line of the name, the feature starts a few lines up
    assert.ok(
      e.line !== undefined && e.line <= expectedLine + 1 && e.line >= expectedLine - 3,
      `line ${e.line} should be the start of feature 3 (near ${expectedLine + 1})`,
    );
    assert.match(
      e.message,
      /^ports\.geojson: features\[3\]\.geometry \(line \d+\): expected a Polygon or MultiPolygon, got LineString$/,
    );
  });

  it('rejects an unclosed ring', () => {
    const ring = [
      [0, 0],
      [1, 0],
      [0, 0],
    ];
    expectError(
      () => parsePolygons(fc([{ name: 'A', coordinates: [ring] }]), 'zones.geojson'),
      'zones.geojson',
      'features[0].geometry.coordinates[0]',
      /expected a ring of at least 4 positions/,
    );
    const ring5 = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0, 0.5],
    ];
    expectError(
      () => parsePolygons(fc([{ name: 'A', coordinates: [ring5] }]), 'zones.geojson'),
      'zones.geojson',
      'features[0].geometry.coordinates[0]',
      /expected a closed ring \(last position equal to the first\), got first \[0,0\] and last \[0,0\.5\]/,
    );
  });

  it('rejects a latitude of 95 and a longitude that is not a number', () => {
    const bad = rect(0, 0, 1, 1);
    bad[2] = [1, 95];
    expectError(
      () => parsePolygons(fc([{ name: 'A', coordinates: [bad] }]), 'sites.geojson'),
      'sites.geojson',
      'features[0].geometry.coordinates[0][2][1]',
      /expected a latitude in \[-90, 90\], got 95/,
    );
    expectError(
      () =>
        parsePolygons(
          fc([
            {
              name: 'A',
              coordinates: [
                [
                  [0, 0],
                  ['1', 0],
                  [1, 1],
                  [0, 0],
                ],
              ],
            },
          ]),
          'sites.geojson',
        ),
      'sites.geojson',
      'coordinates[0][1][0]',
      /expected a longitude \(number\), got "1"/,
    );
    expectError(
      () =>
        parsePolygons(
          fc([
            {
              name: 'A',
              coordinates: [
                [
                  [0, 0],
                  [400, 0],
                  [1, 1],
                  [0, 0],
                ],
              ],
            },
          ]),
          'sites.geojson',
        ),
      'sites.geojson',
      'coordinates[0][1][0]',
      /expected a longitude in \[-180, 180\].*got 400/,
    );
  });

  it('rejects an empty FeatureCollection and other shapes', () => {
    expectError(
      () => parsePolygons('{"type":"FeatureCollection","features":[]}', 'ports.geojson'),
      'ports.geojson',
      'features',
      /expected at least one feature, got an empty FeatureCollection/,
    );
    expectError(
      () => parsePolygons('{"type":"Point","coordinates":[0,0]}', 'ports.geojson'),
      'ports.geojson',
      'type',
      /expected a FeatureCollection, Feature, Polygon or MultiPolygon, got Point/,
    );
    expectError(
      () => parsePolygons('[1,2]', 'ports.geojson'),
      'ports.geojson',
      'top level',
      /expected a GeoJSON object/,
    );
    expectError(
      () => parsePolygons(fc([{ name: 'A', coordinates: 'x' }]), 'ports.geojson'),
      'ports.geojson',
      'features[0].geometry.coordinates',
      /expected an array of rings/,
    );
  });

  it('requires a name for ports when asked', () => {
    const text = fc([{ name: 'Mariel', coordinates: [rect(0, 0, 1, 1)] }, { coordinates: [rect(2, 2, 3, 3)] }]);
    expectError(
      () => parsePolygons(text, 'ports.geojson', { requireName: true }),
      'ports.geojson',
      'features[1].properties.name',
      /expected a non-empty string naming the port, got nothing/,
    );
    assert.deepEqual(parsePolygons(text, 'ports.geojson').names, ['Mariel', 'feature 1']);
    expectError(
      () =>
        parsePolygons(JSON.stringify({ type: 'Polygon', coordinates: [rect(0, 0, 1, 1)] }), 'ports.geojson', {
          requireName: true,
        }),
      'ports.geojson',
      'type',
      /properties\.name, got a bare Polygon/,
    );
    expectError(
      () => parsePolygons(fc([{ name: 7 as unknown as string, coordinates: [rect(0, 0, 1, 1)] }]), 'ports.geojson'),
      'ports.geojson',
      'features[0].properties.name',
      /expected a string, got 7/,
    );
  });

  it('refuses a ring that goes round a pole', () => {
    // 0 -> 120 -> -120 (= 240) -> 0 (= 360): eastward all the way round the North Pole
    expectError(
      () =>
        parsePolygons(
          fc([
            {
              name: 'Arctic',
              coordinates: [
                [
                  [0, 80],
                  [120, 80],
                  [-120, 80],
                  [0, 80],
                ],
              ],
            },
          ]),
          'zones.geojson',
        ),
      'zones.geojson',
      'features[0].geometry.coordinates[0]',
      /goes round a pole/,
    );
  });

  it('readPolygons reads a file and names it in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-geo-'));
    try {
      const good = join(dir, 'ports.geojson');
      await writeFile(good, fc([{ name: 'Mariel', coordinates: [rect(0, 0, 1, 1)] }]));
      assert.deepEqual((await readPolygons(good, { requireName: true })).names, ['Mariel']);
      const bad = join(dir, 'bad.geojson');
      await writeFile(bad, '{"type": "FeatureCollection", "features": [');
      await assert.rejects(
        readPolygons(bad),
        (e: unknown) => e instanceof GeographyError && e.file === bad && e.message.startsWith(`${bad}: line 1`),
      );
      await assert.rejects(
        readPolygons(join(dir, 'missing.geojson')),
        (e: unknown) => e instanceof GeographyError && /ENOENT/.test(e.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('PolygonIndex', () => {
  const square = rect(10, 45, 10.1, 45.1);
  const hole = rect(10.03, 45.03, 10.07, 45.07);
  const ports = parsePolygons(
    fc([
      { name: 'Square', coordinates: [square] },
      { name: 'Holed', coordinates: [rect(20, 45, 20.1, 45.1), hole.map(([x, y]) => [x + 10, y])] },
    ]),
    'ports.geojson',
  );
  const index = new PolygonIndex(ports);

  it('measures a point 10 km east of a square port as 10 km', () => {
    const lat = 45.05;
    const lon = 10.1 + eastOffsetDeg(lat, 10_000);
    const d = index.distance(lat, lon, 50_000);
    assert.ok(Math.abs(d - 10_000) < 50, `distance ${d} should be 10,000 m within 0.5 %`);
    const sampled = sampledDistance(lat, lon, square);
    assert.ok(Math.abs(d - sampled) < 1, `index ${d} vs sampled ${sampled}`);
    assert.equal(index.distance(lat, lon, 9_000), Infinity, 'nothing within 9 km');
    assert.equal(index.contains(lat, lon), -1);
    // north of the square, 5 km from its north edge along the meridian: the edge, a great-circle arc,
    // bulges 1.2 m north of the parallel at its middle (0.1° of longitude at 45°N)
    const dn = index.distance(45.1 + 5_000 / (EARTH_RADIUS_M * DEG), 10.05, 50_000);
    assert.ok(Math.abs(dn - 5_000) < 2, `${dn}`);
  });

  it('answers 0 inside, the port by name, and respects holes', () => {
    assert.equal(index.contains(45.05, 10.05), 0);
    assert.equal(index.name(0), 'Square');
    assert.equal(index.distance(45.05, 10.05, 1000), 0);
    assert.equal(index.size, 2);
    // in the holed port's ring, outside its hole
    assert.equal(index.contains(45.01, 20.01), 1);
    // in the hole: outside, the hole's shore is the nearest edge
    assert.equal(index.contains(45.05, 20.05), -1);
    const d = index.distance(45.05, 20.05, 50_000);
    const sampled = sampledDistance(
      45.05,
      20.05,
      hole.map(([x, y]) => [x + 10, y]),
    );
    assert.ok(Math.abs(d - sampled) < 1, `hole: index ${d} vs sampled ${sampled}`);
    assert.ok(d > 1500 && d < 1600, `${d}`);
    assert.equal(index.contains(0, 0), -1);
    assert.equal(index.distance(0, 0, 100_000), Infinity);
    assert.ok(Number.isNaN(index.distance(NaN, 0, 1)));
  });

  it('handles a port polygon straddling the antimeridian (jumping ring and ring past 180)', () => {
    const jumping = [
      [179.9, -17],
      [-179.9, -17],
      [-179.9, -16.9],
      [179.9, -16.9],
      [179.9, -17],
    ];
    const beyond = [
      [179.9, -16],
      [180.1, -16],
      [180.1, -15.9],
      [179.9, -15.9],
      [179.9, -16],
    ];
    const idx = new PolygonIndex(
      parsePolygons(
        fc([
          { name: 'Jump', coordinates: [jumping] },
          { name: 'Beyond', coordinates: [beyond] },
        ]),
        'fiji.geojson',
        { requireName: true },
      ),
    );
    for (const [lat, lon, want] of [
      [-16.95, 179.95, 0],
      [-16.95, -179.95, 0],
      [-16.95, 180, 0],
      [-16.95, -180, 0],
      [-15.95, 179.95, 1],
      [-15.95, -179.95, 1],
      [-15.95, 180.05, 1],
      [-16.95, 179.8, -1],
      [-16.95, -179.8, -1],
      [-16.5, 180, -1],
    ] as const) {
      assert.equal(idx.contains(lat, lon), want, `contains(${lat}, ${lon})`);
    }
    assert.equal(idx.distance(-16.95, -179.95, 1000), 0);
    for (const lon of [-179.8, 179.8]) {
      const edge = lon > 0 ? 179.9 : -179.9;
      const d = idx.distance(-16.95, lon, 50_000);
      const want = haversineM(-16.95, lon, -16.95, edge);
      assert.ok(Math.abs(d - want) < 1, `lon ${lon}: ${d} vs ${want}`);
    }
    // between the two ports, on 180: the nearer one is 0.4° of latitude south
    const mid = idx.distance(-16.5, 180, 100_000);
    assert.ok(Math.abs(mid - 0.4 * DEG * EARTH_RADIUS_M) < 5, `${mid} (the edge, an arc, bulges south by 2.5 m)`);
    assert.equal(idx.name(idx.contains(-15.95, -179.95)), 'Beyond');
  });

  it('round-trips through an ArrayBuffer transferred like a worker message', () => {
    const buf = index.toBuffer();
    const moved = structuredClone(buf, { transfer: [buf] });
    assert.equal(buf.byteLength, 0, 'transferred, not copied');
    const copy = PolygonIndex.fromBuffer(moved);
    assert.equal(copy.size, 2);
    assert.equal(copy.name(1), 'Holed');
    const rnd = mulberry32(7);
    for (let i = 0; i < 300; i++) {
      const lat = 44.9 + rnd() * 0.3,
        lon = 9.9 + rnd() * 10.4;
      assert.equal(copy.contains(lat, lon), index.contains(lat, lon));
      assert.equal(copy.distance(lat, lon, 30_000), index.distance(lat, lon, 30_000));
    }
    // and again from the rebuilt one
    const again = PolygonIndex.fromBuffer(copy.toBuffer());
    assert.equal(again.distance(45.05, 20.05, 50_000), index.distance(45.05, 20.05, 50_000));
    assert.throws(() => PolygonIndex.fromBuffer(new ArrayBuffer(64)), /bad magic/);
  });

  it('finds the same polygon and distance as a scan of all polygons', () => {
    const rnd = mulberry32(11);
    const features: { name: string; coordinates: unknown }[] = [];
    const rings: [number, number][][] = [];
    for (let i = 0; i < 200; i++) {
      const lon = -180 + rnd() * 359.8,
        lat = -60 + rnd() * 120,
        w = 0.01 + rnd() * 0.2,
        h = 0.01 + rnd() * 0.2;
      const ring = rect(lon, lat, lon + w, lat + h);
      rings.push(ring);
      features.push({ name: `p${i}`, coordinates: [ring] });
    }
    const idx = new PolygonIndex(parsePolygons(fc(features), 'many.geojson'));
    for (let q = 0; q < 300; q++) {
      const target = rings[Math.floor(rnd() * rings.length)]!;
      const lat = target[0]![1] + (rnd() - 0.3) * 0.5,
        lon = target[0]![0] + (rnd() - 0.3) * 0.5;
      let brute = Infinity;
      let inside = -1;
      rings.forEach((ring, i) => {
        const [[x0, y0], , [x1, y1]] = ring as [[number, number], [number, number], [number, number]];
        if (inside === -1 && lon > x0 && lon < x1 && lat > y0 && lat < y1) inside = i;
        // exact distance to a small rectangle: sampled fine enough for 1 m
        if (Math.abs(lat - y0) < 1 && Math.abs(lon - x0) < 1.5)
          brute = Math.min(brute, sampledDistance(lat, lon, ring, 400));
      });
      assert.equal(idx.contains(lat, lon), inside);
      const d = idx.distance(lat, lon, 20_000);
      if (inside !== -1) assert.equal(d, 0);
      else if (brute > 20_000 + 5) assert.equal(d, Infinity);
      else if (brute < 20_000 - 5) assert.ok(Math.abs(d - brute) < 0.001 * brute + 2, `index ${d} vs brute ${brute}`);
    }
  });
});

describe('ShoreDistance on a synthetic island', () => {
  // an island cut at the antimeridian as Natural Earth cuts land: two polygons meeting at ±180
  const west: Polygon = [rect(179, -10, 180, -9)];
  const east: Polygon = [rect(-180, -10, -179, -9)];
  const shore = new ShoreDistance([west, east]);

  it('is land on both sides of 180 and the cut is not a coast', () => {
    assert.equal(shore.onLand(-9.5, 179.99), true);
    assert.equal(shore.onLand(-9.5, -179.99), true);
    assert.equal(shore.onLand(-9.5, 180), true);
    assert.equal(shore.onLand(-8.9, 180), false);
    assert.equal(shore.distance(-9.5, 179.5), 0);
    // north of the island at 180: the nearest coast is the north edge, 0.1° away, not the cut
    const d = shore.distance(-8.9, 180, 50_000);
    assert.ok(Math.abs(d - 0.1 * DEG * EARTH_RADIUS_M) < 1, `${d}`);
    // east of the island across 180
    const e = shore.distance(-9.5, -178.9, 50_000);
    assert.ok(Math.abs(e - haversineM(-9.5, -178.9, -9.5, -179)) < 1, `${e}`);
    assert.equal(shore.coastEdges, 6, 'the two edges along ±180 are cut edges');
  });
});

describe('ShoreDistance (Natural Earth 1:10m)', () => {
  let shore: ShoreDistance;
  before(() => {
    shore = ShoreDistance.load('10m');
  });

  it('is cached per process', () => {
    assert.equal(ShoreDistance.load('10m'), shore);
    assert.equal(ShoreDistance.load(), shore);
  });

  it('puts the Havana harbour entrance on the coast', () => {
    const d = shore.distance(23.1505, -82.358, 37_040);
    assert.ok(d < 1000, `Havana harbour entrance: ${d} m`);
  });

  it('puts the middle of the North Atlantic far from shore', () => {
    assert.equal(shore.distance(30, -40, 37_040), Infinity);
    const d = shore.distance(30, -40);
    assert.ok(d > 1_000_000, `${d}`);
    assert.equal(d, shore.distanceBruteForce(30, -40));
  });

  it('measures a point about 20 nm off the north coast of Cuba as about 37 km, as a scan of every coast edge does', () => {
    const lat = 23.5,
      lon = -82.36; // north of Havana
    const d = shore.distance(lat, lon, 2 * 37_040);
    assert.ok(Math.abs(d - 20 * NAUTICAL_MILE_M) < 2_000, `${d} m should be about 37 km`);
    assert.equal(d, shore.distanceBruteForce(lat, lon));
    // independent scan: every coast edge, on a local equirectangular projection around the point (planar segments)
    const { coords, coast } = shore.edges();
    const kx = Math.cos(lat * DEG) * DEG * EARTH_RADIUS_M,
      ky = DEG * EARTH_RADIUS_M;
    let best = Infinity;
    for (let e = 0; e < coast.length; e++) {
      if (!coast[e]) continue;
      const ax = (coords[4 * e]! - lon) * kx,
        ay = (coords[4 * e + 1]! - lat) * ky;
      const bx = (coords[4 * e + 2]! - lon) * kx,
        by = (coords[4 * e + 3]! - lat) * ky;
      if (Math.abs(ay) > 200_000 || Math.abs(ax) > 200_000) continue;
      const dx = bx - ax,
        dy = by - ay;
      const t = Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy || 1)));
      best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
    }
    assert.ok(Math.abs(d - best) < 0.005 * best, `index ${d} vs planar scan ${best}`);
    assert.equal(shore.distance(lat, lon, 37_040 - 5_000), Infinity, 'nothing within 32 km');
  });

  it('knows Madrid is on land and the Gulf of Mexico is not', () => {
    assert.equal(shore.onLand(40.4168, -3.7038), true);
    assert.equal(shore.distance(40.4168, -3.7038, 37_040), 0);
    assert.equal(shore.onLand(25, -90), false);
    assert.equal(shore.onLand(30, -40), false);
    assert.equal(shore.onLand(-85, 0), true, 'Antarctica');
    assert.equal(shore.onLand(90, 0), false, 'North Pole');
  });

  it('agrees with brute force across the antimeridian', () => {
    for (const [lat, lon] of [
      [-16.8, 179.99],
      [-16.8, -179.99],
      [66, 179.9],
      [65.5, -179.95],
      [65, 180],
      [71.2, -179.5],
      [-17.5, -180],
    ] as const) {
      assert.equal(shore.onLand(lat, lon), shore.onLandBruteForce(lat, lon), `onLand(${lat}, ${lon})`);
      const want = shore.onLandBruteForce(lat, lon) ? 0 : shore.distanceBruteForce(lat, lon);
      assert.equal(shore.distance(lat, lon), want, `distance(${lat}, ${lon})`);
    }
  });

  it('agrees with brute force on random points near coasts (10m, 100 points)', () => {
    const { coords, coast } = shore.edges();
    const rnd = mulberry32(1962);
    for (let i = 0; i < 100; i++) {
      let e = Math.floor(rnd() * coast.length);
      while (!coast[e]) e = (e + 1) % coast.length;
      const lat = Math.max(-89.9, Math.min(89.9, coords[4 * e + 1]! + (rnd() - 0.5) * 0.8));
      const lon = coords[4 * e]! + (rnd() - 0.5) * 0.8;
      const land = shore.onLandBruteForce(lat, lon);
      assert.equal(shore.onLand(lat, lon), land, `onLand(${lat}, ${lon})`);
      const brute = land ? 0 : shore.distanceBruteForce(lat, lon);
      const want = brute <= 37_040 ? brute : Infinity;
      assert.equal(shore.distance(lat, lon, 37_040), want, `distance(${lat}, ${lon})`);
    }
  });
});

describe('ShoreDistance (Natural Earth 1:50m), index against brute force', () => {
  it('agrees on 1,000 random points, half near coasts, half anywhere', () => {
    const shore = ShoreDistance.load('50m');
    const { coords, coast } = shore.edges();
    const rnd = mulberry32(28_10_1962);
    let landCount = 0,
      finite = 0;
    for (let i = 0; i < 1000; i++) {
      let lat: number, lon: number;
      if (i % 2 === 0) {
        let e = Math.floor(rnd() * coast.length);
        while (!coast[e]) e = (e + 1) % coast.length;
        lat = Math.max(-89.9, Math.min(89.9, coords[4 * e + 1]! + (rnd() - 0.5) * 1.0));
        // Points near a coast at the antimeridian may step over it: fold them back, as positions come.
        lon = wrapLon(coords[4 * e]! + (rnd() - 0.5) * 1.0);
      } else {
        lat = Math.asin(2 * rnd() - 1) / DEG;
        lon = -180 + rnd() * 360;
      }
      const land = shore.onLandBruteForce(lat, lon);
      assert.equal(shore.onLand(lat, lon), land, `onLand(${lat}, ${lon})`);
      const brute = land ? 0 : shore.distanceBruteForce(lat, lon);
      const want = brute <= 37_040 ? brute : Infinity;
      // The same edges by two searches: equal up to rounding (1e-6 m).
      const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) < 1e-6;
      assert.ok(
        close(shore.distance(lat, lon, 37_040), want),
        `distance(${lat}, ${lon}, 37,040): ${shore.distance(lat, lon, 37_040)} vs ${want}`,
      );
      if (i % 10 === 0) assert.ok(close(shore.distance(lat, lon), brute), `distance(${lat}, ${lon}) unbounded`);
      if (land) landCount++;
      else if (want !== Infinity) finite++;
    }
    assert.ok(landCount > 200 && finite > 100, `a fair mix: ${landCount} on land, ${finite} within 20 nm`);
  });
});
