/**
 * `tally imagery count` and `tally imagery change` end to end through the
 * CLI, on GeoTIFFs generated here (renderScene + writeGeoTiff): the JSON
 * contract, a known number of objects, the site restriction, a site outside
 * the image, a shifted and regridded pair with removed objects, bad arguments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderScene, type SceneObject, type SceneSpec } from '../src/scenario/scenes.js';
import { applyTransform, toWgs84, writeGeoTiff, type Raster } from '../src/imagery/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tally-cli-imagery-'));

function tally(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function obj(x: number, y: number, heading: number, polarity: 'bright' | 'dark'): SceneObject {
  return { x_m: x, y_m: y, length_m: 22, width_m: 3, heading_deg: heading, polarity, contrast: 50 };
}

const CLASS = ['--length', '20..25', '--width', '2.7..3.3'];
const base: SceneSpec = { widthM: 200, heightM: 200, gsd: 0.5, terrain: { base: 110, contrast: 6 }, noise: 2 };
const objects = [
  obj(40, 50, 0, 'bright'),
  obj(50, 150, 45, 'dark'),
  obj(150, 50, 90, 'bright'),
  obj(150, 150, 135, 'dark'),
  obj(100, 100, 20, 'bright'),
];
const scene = renderScene({ ...base, objects }, 9);
const image = join(dir, 'site.tif');
await writeGeoTiff(image, scene.raster);

/** A GeoJSON polygon file over pixel rectangle [c0, c1] × [r0, r1] of the raster, in lon/lat. */
function siteFile(name: string, r: Raster, c0: number, r0: number, c1: number, r1: number, dLon = 0): string {
  const t = r.geo!.transform;
  const ring = [
    [c0, r0],
    [c1, r0],
    [c1, r1],
    [c0, r1],
    [c0, r0],
  ].map(([c, rr]) => {
    const [e, n] = applyTransform(t, c, rr);
    const [lon, lat] = toWgs84(r.geo!.epsg, e, n);
    return [lon + dLon, lat];
  });
  const p = join(dir, name);
  writeFileSync(
    p,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { name }, geometry: { type: 'Polygon', coordinates: [ring] } }],
    }),
  );
  return p;
}

interface Det {
  lat: number;
  lon: number;
  length_m: number;
  width_m: number;
  heading_deg: number;
  score: number;
  x: number;
  y: number;
}

test('count --json: the contract fields and every object of the class', () => {
  const r = tally(['imagery', 'count', image, ...CLASS, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    gsd_m: { x: number; y: number };
    detections: Det[];
    count: number;
    site: unknown;
    image: string;
  };
  assert.deepEqual(j.gsd_m, { x: 0.5, y: 0.5 });
  assert.equal(j.count, objects.length);
  assert.equal(j.detections.length, objects.length);
  assert.equal(j.site, null);
  assert.equal(j.image, image);
  for (const d of j.detections) {
    for (const k of ['lat', 'lon', 'length_m', 'width_m', 'heading_deg', 'score'])
      assert.equal(typeof (d as unknown as Record<string, unknown>)[k], 'number', k);
    assert.ok(d.score >= 0 && d.score <= 1);
    assert.ok(d.heading_deg >= 0 && d.heading_deg <= 180);
    // one truth object within a metre or so (1e-5° ≈ 1.1 m)
    assert.ok(
      scene.truth.some((t) => Math.abs(t.lat - d.lat) < 1e-5 && Math.abs(t.lon - d.lon) < 1e-5),
      JSON.stringify(d),
    );
  }
  const text = tally(['imagery', 'count', image, ...CLASS]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^${objects.length} object\\(s\\)`));
});

test('count --site: only the objects inside the polygon', () => {
  const { width: w, height: h } = scene.raster;
  const left = siteFile('left.geojson', scene.raster, 0, 0, w / 2 - 20, h); // x < 90 m: the objects at x = 40 and 50 m
  const r = tally(['imagery', 'count', image, ...CLASS, '--site', left, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { detections: Det[]; count: number; site: string; site_pixels: number };
  assert.equal(j.count, 2);
  assert.equal(j.site, left);
  assert.equal(j.site_pixels, (w / 2 - 20) * h);
  assert.ok(j.detections.every((d) => d.x < w / 2 - 20));
  // a site partly outside the image still counts what is inside
  const over = siteFile('over.geojson', scene.raster, w / 2 + 20, -50, w + 80, h / 2);
  const o = JSON.parse(tally(['imagery', 'count', image, ...CLASS, '--site', over, '--json']).stdout) as {
    count: number;
  };
  assert.equal(o.count, 1); // the one at (150, 50) m
});

test('a site polygon outside the image: a clear error, exit 2', () => {
  const away = siteFile('away.geojson', scene.raster, 0, 0, 100, 100, 0.5);
  const r = tally(['imagery', 'count', image, ...CLASS, '--site', away]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /site polygon lies outside the image/);
  assert.ok(!/at .*\.js:\d+/.test(r.stderr), 'no stack trace');
  const c = tally(['imagery', 'change', image, image, '--site', away]);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /outside the image/);
  const bad = join(dir, 'bad.geojson');
  writeFileSync(bad, '{"type": "Point", "coordinates": [0, 0]}');
  const b = tally(['imagery', 'count', image, ...CLASS, '--site', bad]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /bad\.geojson/);
});

test('change: a shifted pass on another grid is registered back within 0.2 px and the removed objects are listed', async () => {
  const shift: [number, number] = [1.3, -0.7];
  const kept = [objects[0], objects[2], objects[4]];
  // Rendered without noise, then given its own (the renderer's noise would repeat BEFORE's pixel for pixel).
  const after = renderScene({ ...base, noise: 0, objects: kept, shiftPx: shift }, 9);
  let seed = 12345;
  const u = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const b0 = after.raster.bands[0];
  for (let i = 0; i < b0.length; i++)
    b0[i] = Math.max(0, Math.min(255, Math.round(b0[i] + 2 * (u() + u() + u() - 1.5) * 2)));
  // AFTER on a different grid: cropped by 6 columns and 4 rows, its georeference moved to match (same ground).
  const a = after.raster;
  const dx = 6,
    dy = 4;
  const w2 = a.width - dx,
    h2 = a.height - dy;
  const band = new Uint8Array(w2 * h2);
  for (let y = 0; y < h2; y++)
    band.set(a.bands[0].subarray((y + dy) * a.width + dx, (y + dy) * a.width + a.width), y * w2);
  const t = a.geo!.transform;
  const cropped: Raster = {
    ...a,
    width: w2,
    height: h2,
    bands: [band],
    geo: { epsg: a.geo!.epsg, transform: [t[0] + dx * t[1], t[1], 0, t[3] + dy * t[5], 0, t[5]] },
  };
  const afterPath = join(dir, 'after.tif');
  await writeGeoTiff(afterPath, cropped);
  const r = tally(['imagery', 'change', image, afterPath, ...CLASS, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    shift_px: { x: number; y: number };
    changed_fraction: number;
    blobs: { lat: number; lon: number; area_m2: number }[];
    removed: Det[];
    added: Det[];
  };
  assert.ok(
    Math.abs(j.shift_px.x - shift[0]) <= 0.2 && Math.abs(j.shift_px.y - shift[1]) <= 0.2,
    JSON.stringify(j.shift_px),
  );
  assert.ok(j.changed_fraction > 0 && j.changed_fraction < 0.05, String(j.changed_fraction));
  assert.ok(j.blobs.length >= 2);
  const gone = [scene.truth[1], scene.truth[3]];
  assert.equal(j.removed.length, 2, JSON.stringify(j.removed));
  assert.equal(j.added.length, 0, JSON.stringify(j.added));
  for (const g of gone) {
    assert.ok(
      j.removed.some((d) => Math.abs(d.lat - g.lat) < 2e-5 && Math.abs(d.lon - g.lon) < 2e-5),
      `removed object at ${g.lat}, ${g.lon}`,
    );
    // a changed blob near it
    assert.ok(j.blobs.some((b) => Math.abs(b.lat - g.lat) < 1e-4 && Math.abs(b.lon - g.lon) < 1e-4));
  }
  // the site restricts the change to its pixels: the left part holds one removal (50, 150 m)
  const { width: w, height: h } = scene.raster;
  const left = siteFile('left2.geojson', scene.raster, 0, 0, w / 2 - 20, h);
  const s = JSON.parse(tally(['imagery', 'change', image, afterPath, ...CLASS, '--site', left, '--json']).stdout) as {
    removed: Det[];
    blobs: unknown[];
  };
  assert.equal(s.removed.length, 1);
  // without a class, no object lists but the same pixel change
  const n = tally(['imagery', 'change', image, afterPath]);
  assert.equal(n.code, 0, n.stderr);
  assert.match(n.stdout, /Residual shift: 1\.[0-9]+, -0\.[0-9]+ px/);
  assert.match(n.stdout, /Changed: /);
});

test('bad arguments and images without georeferencing: clear errors, exit 2', () => {
  for (const [args, re] of [
    [['imagery', 'count', image, '--length', '20-25', '--width', '2..3'], /--length: expected MIN\.\.MAX/],
    [['imagery', 'count', image, '--length', '25..20', '--width', '2..3'], /--length: expected MIN\.\.MAX/],
    [['imagery', 'count', image, '--length', '20..25', '--width', 'wide'], /--width: expected MIN\.\.MAX/],
    [['imagery', 'count', image, '--width', '2..3'], /--length/],
    [['imagery', 'count', join(dir, 'missing.tif'), ...CLASS], /missing\.tif/],
    [['imagery', 'count', image, ...CLASS, '--source-gsd', '-1'], /--source-gsd/],
    [['imagery', 'change', image, image, '--length', '20..25'], /--length and --width/],
  ] as [string[], RegExp][]) {
    const r = tally(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
});

test('no georeferencing: count needs --source-gsd, and then reports pixel positions', async () => {
  const plain = join(dir, 'plain.tif');
  await writeGeoTiff(plain, { ...scene.raster, geo: null });
  const r = tally(['imagery', 'count', plain, ...CLASS]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no georeferencing.*--source-gsd/);
  const g = tally(['imagery', 'count', plain, ...CLASS, '--source-gsd', '0.5', '--json']);
  assert.equal(g.code, 0, g.stderr);
  const j = JSON.parse(g.stdout) as { count: number; detections: { lat: null; x: number }[] };
  assert.equal(j.count, objects.length);
  assert.ok(j.detections.every((d) => d.lat === null && d.x > 0));
  const s = tally(['imagery', 'count', plain, ...CLASS, '--source-gsd', '0.5', '--site', join(dir, 'left.geojson')]);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /no georeferencing/);
});
