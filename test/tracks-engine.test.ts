import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PositionColumnsBuilder, type PositionColumns } from '../src/ais/index.js';
import {
  buildTracks,
  closePairs,
  DEFAULT_PARAMS,
  FLAG_JUMP,
  findEncounters,
  findEvents,
  resample,
  rendezvous,
  withParams,
  type Polygons,
} from '../src/tracks/index.js';
import { Random } from '../src/scenario/random.js';
import { haversineM } from '../src/util/index.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const R = 6_371_008.8;

/** A point `m` metres from (lat, lon) along bearing `deg`. */
function offset(lat: number, lon: number, m: number, deg: number): [number, number] {
  const d = m / R;
  const b = (deg * Math.PI) / 180;
  const la = (lat * Math.PI) / 180;
  const lo = (lon * Math.PI) / 180;
  const la2 = Math.asin(Math.sin(la) * Math.cos(d) + Math.cos(la) * Math.sin(d) * Math.cos(b));
  const lo2 = lo + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(la), Math.cos(d) - Math.sin(la) * Math.sin(la2));
  return [(la2 * 180) / Math.PI, (((lo2 * 180) / Math.PI + 540) % 360) - 180];
}

interface Leg {
  mmsi: number;
  t0: number;
  t1: number;
  every: number;
  at: (t: number) => [number, number];
  speed: number;
}

function feed(legs: Leg[], extra: [number, number, number, number, number][] = []): PositionColumns {
  const b = new PositionColumnsBuilder(1024);
  for (const l of legs) {
    for (let t = l.t0; t <= l.t1; t += l.every) {
      const [la, lo] = l.at(t);
      b.push(t, l.mmsi, la, lo, l.speed, 0, NaN, 1, 0);
    }
  }
  for (const [t, mmsi, la, lo, sp] of extra) b.push(t, mmsi, la, lo, sp, 0, NaN, 1, 0);
  return b.finish();
}

const T0 = Date.UTC(2024, 0, 1, 22, 0);
const still = (lat: number, lon: number) => (): [number, number] => [lat, lon];

test('two vessels drifting 300 m apart for 3 h across midnight: one encounter', () => {
  const [la, lo] = offset(25, -60, 300, 90);
  const cols = feed([
    { mmsi: 111, t0: T0, t1: T0 + 3 * HOUR, every: 3 * MIN, at: still(25, -60), speed: 0.4 },
    { mmsi: 222, t0: T0 + MIN, t1: T0 + 3 * HOUR + 4 * MIN, every: 4 * MIN, at: still(la, lo), speed: 0.6 },
  ]);
  const { events } = findEvents(cols, [], { kinds: ['encounter'] });
  assert.equal(events.length, 1);
  const e = events[0];
  assert.deepEqual(e.mmsi, [111, 222]);
  assert.equal(e.start, '2024-01-01T22:10:00.000Z');
  assert.equal(e.end, '2024-01-02T01:00:00.000Z');
  assert.ok(Math.abs(e.median_distance_m! - 300) < 1);
  assert.ok(e.positions.length > 10);
});

test('passing at speed, or close for only 1.5 h, is not an encounter', () => {
  const speed = (12 * 1852) / 3600; // m/s
  const pass = feed([
    {
      mmsi: 1,
      t0: T0,
      t1: T0 + 4 * HOUR,
      every: MIN,
      at: (t) => offset(25, -60, (speed * (t - T0)) / 1000, 90),
      speed: 12,
    },
    {
      mmsi: 2,
      t0: T0,
      t1: T0 + 4 * HOUR,
      every: MIN,
      at: (t) => offset(25.0001, -60, (speed * (t - T0)) / 1000, 90),
      speed: 12,
    },
  ]);
  assert.equal(findEvents(pass, [], { kinds: ['encounter'] }).events.length, 0);
  const [la, lo] = offset(25, -60, 300, 0);
  const short = feed([
    { mmsi: 1, t0: T0, t1: T0 + 90 * MIN, every: 2 * MIN, at: still(25, -60), speed: 0.5 },
    { mmsi: 2, t0: T0, t1: T0 + 90 * MIN, every: 2 * MIN, at: still(la, lo), speed: 0.5 },
  ]);
  assert.equal(findEvents(short, [], { kinds: ['encounter'] }).events.length, 0);
});

test('near a port polygon the encounter is left out; the Skylight preset finds shorter ones', () => {
  const [la, lo] = offset(25, -60, 200, 0);
  const cols = feed([
    { mmsi: 1, t0: T0, t1: T0 + 50 * MIN, every: MIN, at: still(25, -60), speed: 0.5 },
    { mmsi: 2, t0: T0, t1: T0 + 50 * MIN, every: MIN, at: still(la, lo), speed: 0.5 },
  ]);
  const tracks = buildTracks(cols);
  assert.equal(findEncounters(tracks, DEFAULT_PARAMS.encounter).length, 0);
  const sky = withParams({ encounter: { maxDistanceM: 250, minDurationMs: 30 * MIN } });
  assert.equal(findEncounters(tracks, sky.encounter).length, 1);
  const nearPort = { distance: () => 5_000 };
  assert.equal(findEncounters(tracks, sky.encounter, nearPort).length, 0);
});

test('a spoofed jump is flagged and breaks nothing', () => {
  const speed = (10 * 1852) / 3600;
  const cols = feed(
    [
      {
        mmsi: 7,
        t0: T0,
        t1: T0 + 2 * HOUR,
        every: 5 * MIN,
        at: (t) => offset(10, 20, (speed * (t - T0)) / 1000, 45),
        speed: 10,
      },
    ],
    [[T0 + 62 * MIN, 7, 14, 24, 10]],
  );
  const { tracks, events } = findEvents(cols, [], {});
  assert.equal(tracks.flagged[FLAG_JUMP], 1);
  const row = Array.from(tracks.flag).indexOf(FLAG_JUMP);
  assert.equal(tracks.lat[row], 14);
  assert.equal(events.length, 0);
});

test('a silence of 18 h is one dark period with the positions either side', () => {
  const cols = feed([
    { mmsi: 9, t0: T0, t1: T0 + 2 * HOUR, every: 10 * MIN, at: still(20, -80), speed: 8 },
    { mmsi: 9, t0: T0 + 20 * HOUR, t1: T0 + 21 * HOUR, every: 10 * MIN, at: still(21, -79), speed: 8 },
  ]);
  const { events } = findEvents(cols, [], { kinds: ['dark_period'] });
  assert.equal(events.length, 1);
  assert.equal(events[0].endMs - events[0].startMs, 18 * HOUR);
  assert.deepEqual(events[0].last, { time: new Date(T0 + 2 * HOUR).toISOString(), lat: 20, lon: -80 });
  assert.ok(Math.abs(events[0].distance_m! - haversineM(20, -80, 21, -79)) < 1);
});

test('port visits: arrival, exit; shifting berth to another port within 6 h is not a departure', () => {
  // Two square "ports" as polygons of a test double.
  const squares = [
    { name: 'MARIEL', lat: [22.98, 23.02], lon: [-82.78, -82.74] },
    { name: 'HAVANA', lat: [23.1, 23.16], lon: [-82.4, -82.32] },
  ];
  const ports: Polygons = {
    contains: (la, lo) =>
      squares.findIndex((q) => la >= q.lat[0] && la <= q.lat[1] && lo >= q.lon[0] && lo <= q.lon[1]),
    distance: (la, lo) => (ports.contains(la, lo) >= 0 ? 0 : 50_000),
    name: (i) => squares[i].name,
  };
  const at = (pts: [number, number, number][]): [number, number, number, number, number][] =>
    pts.map(([h, la, lo]) => [T0 + h * HOUR, 5, la, lo, 0.1]);
  const cols = feed(
    [],
    at([
      [0, 23.0, -82.76],
      [1, 23.0, -82.76],
      [2, 23.05, -82.6], // leaves Mariel...
      [3, 23.13, -82.36],
      [5, 23.13, -82.36], // ...and berths in Havana 1 h later: the same visit
      [6, 23.3, -82.2],
      [8, 23.5, -82.0],
      [13, 24.0, -81.5], // leaves for good
    ]),
  );
  const tracks = buildTracks(cols);
  const { events } = findEvents(cols, [], {
    kinds: ['port_visit'],
    ports: { ...ports } as Polygons & { distance: () => number },
  });
  assert.deepEqual(
    events.map((e) => [e.port, e.departed, e.start, e.end]),
    [
      ['MARIEL', false, new Date(T0).toISOString(), new Date(T0 + 2 * HOUR).toISOString()],
      ['HAVANA', true, new Date(T0 + 3 * HOUR).toISOString(), new Date(T0 + 6 * HOUR).toISOString()],
    ],
  );
  assert.equal(tracks.mmsi.length, 1);
});

test('rendezvous: 1,000 m for 15 minutes at any speed, near a given time', () => {
  const speed = (14 * 1852) / 3600;
  const cols = feed([
    {
      mmsi: 366000001,
      t0: T0,
      t1: T0 + HOUR,
      every: 20_000,
      at: (t) => offset(24, -81, (speed * (t - T0)) / 1000, 0),
      speed: 14,
    },
    {
      mmsi: 273000001,
      t0: T0,
      t1: T0 + HOUR,
      every: 30_000,
      at: (t) => offset(...offset(24, -81, 600, 90), (speed * (t - T0)) / 1000, 0),
      speed: 14,
    },
  ]);
  const tracks = buildTracks(cols);
  const found = rendezvous(tracks, 366000001, 273000001, { around: T0 + 30 * MIN });
  assert.equal(found.length, 1);
  assert.equal(found[0].kind, 'rendezvous');
  assert.ok(found[0].endMs - found[0].startMs >= 55 * MIN);
  assert.equal(rendezvous(tracks, 366000001, 273000001, { around: T0 + 10 * HOUR }).length, 0);
  assert.equal(rendezvous(tracks, 366000001, 999, {}).length, 0);
});

test('close pairs on the grid equal a brute-force scan (random, dense, antimeridian, high latitude)', () => {
  const rng = new Random(42);
  for (const [clat, clon, spread] of [
    [25, -60, 0.05],
    [0, 179.99, 0.05],
    [78, 15, 0.05],
    [-40, -179.995, 0.02],
    [89.997, 0, 0.002],
  ]) {
    const b = new PositionColumnsBuilder(1024);
    for (let k = 0; k < 12_000; k++) {
      const mmsi = 1000 + rng.int(0, 299);
      const t = T0 + rng.int(0, 6 * 60) * MIN + rng.int(0, 59_999);
      // Near the pole, any meridian: close pairs across the pole must be found too.
      let lon = clat > 89 ? rng.range(-180, 180) : clon + rng.range(-spread, spread) * 3;
      if (lon > 180) lon -= 360;
      if (lon < -180) lon += 360;
      b.push(t, mmsi, clat + rng.range(-spread, spread), lon, rng.range(0, 3), 0, NaN, 1, 0);
    }
    const tracks = buildTracks(b.finish(), [], { ...DEFAULT_PARAMS.tracks, maxImpliedSpeedKnots: 1e9 });
    const grid = resample(tracks, 10 * MIN, HOUR);
    assert.ok(grid.vessel.length > 10_000);
    const fast = new Set<string>();
    closePairs(grid, 500, (a, c, slot, d) => {
      assert.ok(d <= 500);
      fast.add(`${slot}:${a}:${c}`);
    });
    const brute = new Set<string>();
    for (let s = 0; s < grid.slots; s++) {
      for (let i = grid.offsets[s]; i < grid.offsets[s + 1]; i++) {
        for (let j = i + 1; j < grid.offsets[s + 1]; j++) {
          if (haversineM(grid.lat[i], grid.lon[i], grid.lat[j], grid.lon[j]) <= 500) {
            const [x, y] =
              grid.vessel[i] < grid.vessel[j] ? [grid.vessel[i], grid.vessel[j]] : [grid.vessel[j], grid.vessel[i]];
            brute.add(`${grid.firstSlot + s}:${x}:${y}`);
          }
        }
      }
    }
    assert.ok(brute.size > 100, `only ${brute.size} close pairs at ${clat},${clon}`);
    assert.deepEqual([...fast].sort(), [...brute].sort());
  }
});

test('resampling interpolates only across gaps of up to 1 h, the short way across 180°', () => {
  const cols = feed(
    [],
    [
      [T0, 1, 10, 179.9, 5],
      [T0 + 50 * MIN, 1, 10, -179.9, 5], // 0.2° across the antimeridian in 50 min
      [T0 + 3 * HOUR, 1, 10, -179.5, 5], // 2 h 10 min later: no slots in between
    ],
  );
  const tracks = buildTracks(cols, [], { ...DEFAULT_PARAMS.tracks, maxImpliedSpeedKnots: 1e9 });
  const g = resample(tracks, 10 * MIN, HOUR);
  // 22:00 and 22:50 (reports at slot times), 22:10..22:40 interpolated, nothing until 01:00 (a report).
  assert.equal(g.vessel.length, 7);
  assert.equal(g.firstSlot * 10 * MIN, T0);
  assert.deepEqual(Array.from(g.offsets.subarray(0, 7)), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(g.offsets[g.slots] - g.offsets[g.slots - 1], 1);
  for (let k = 1; k < 5; k++) assert.ok(Math.abs(g.lon[k]) >= 179.9, `lon ${g.lon[k]} took the long way`);
});

test('loitering: under 2 kn for 8 h far from shore is one event; near shore or for 3.5 h it is not', () => {
  const drift = (0.5 * 1852) / 3600;
  const cols = feed([
    {
      mmsi: 31,
      t0: T0,
      t1: T0 + 8 * HOUR,
      every: 6 * MIN,
      at: (t) => offset(25, -60, (drift * (t - T0)) / 1000, 200),
      speed: 0.5,
    },
    {
      mmsi: 32,
      t0: T0,
      t1: T0 + 210 * MIN,
      every: 6 * MIN,
      at: (t) => offset(26, -61, (drift * (t - T0)) / 1000, 200),
      speed: 0.5,
    },
  ]);
  let queries = 0;
  const farShore = {
    distance: (_la: number, _lo: number, max = Infinity) => {
      queries++;
      return 400_000 > max ? Infinity : 400_000;
    },
  };
  const { events } = findEvents(cols, [], { kinds: ['loitering'], shore: farShore });
  assert.equal(events.length, 1);
  assert.deepEqual(events[0].mmsi, [31]);
  assert.equal(events[0].endMs - events[0].startMs, 8 * HOUR);
  assert.equal(events[0].shore_distance_m, 400_000);
  assert.ok(queries < 20, `${queries} shore queries for 2 drifting vessels: the cell cache should answer most`);
  const nearShore = { distance: () => 15_000 };
  assert.equal(findEvents(cols, [], { kinds: ['loitering'], shore: nearShore }).events.length, 0);
});

test('encounters equal a brute-force reference on random traffic (12,000 positions)', async () => {
  const { randomTraffic } = await import('../src/scenario/traffic.js');
  const p = DEFAULT_PARAMS.encounter;
  for (const seed of [1, 2, 3]) {
    const cols = randomTraffic(seed, {
      vessels: 40,
      positions: 12_000,
      hours: 24,
      bbox: [-60.03, 24.97, -59.97, 25.03],
    });
    const tracks = buildTracks(cols);
    const fast = findEncounters(tracks, p);
    // Reference: every pair at every slot, straight from the definition.
    const grid = resample(tracks, p.slotMs, p.maxInterpolationGapMs);
    const at = new Map<string, { lat: number; lon: number; speed: number }>();
    for (let s = 0; s < grid.slots; s++) {
      for (let i = grid.offsets[s]; i < grid.offsets[s + 1]; i++)
        at.set(`${grid.firstSlot + s}:${grid.vessel[i]}`, { lat: grid.lat[i], lon: grid.lon[i], speed: grid.speed[i] });
    }
    const V = tracks.mmsi.length;
    const ref: { a: number; b: number; first: number; last: number }[] = [];
    for (let a = 0; a < V; a++) {
      for (let b = a + 1; b < V; b++) {
        let run: { first: number; last: number; sa: number[]; sb: number[] } | null = null;
        const close = (): void => {
          if (run && run.last - run.first + 1 >= 12) {
            const med = (x: number[]): number => {
              const y = x.filter((v) => v === v).sort((m, n) => m - n);
              return y.length % 2 ? y[(y.length - 1) / 2] : (y[y.length / 2 - 1] + y[y.length / 2]) / 2;
            };
            if (med(run.sa) < 2 && med(run.sb) < 2) ref.push({ a, b, first: run.first, last: run.last });
          }
          run = null;
        };
        for (let s = grid.firstSlot; s < grid.firstSlot + grid.slots; s++) {
          const x = at.get(`${s}:${a}`);
          const y = at.get(`${s}:${b}`);
          if (x && y && haversineM(x.lat, x.lon, y.lat, y.lon) <= 500) {
            run ??= { first: s, last: s, sa: [], sb: [] };
            run.last = s;
            run.sa.push(x.speed);
            run.sb.push(y.speed);
          } else close();
        }
        close();
      }
    }
    // Merge as the definition says: same pair, less than 4 h apart.
    const merged: { a: number; b: number; first: number; last: number }[] = [];
    for (const r of ref) {
      const m = merged[merged.length - 1];
      if (m && m.a === r.a && m.b === r.b && (r.first - m.last) * p.slotMs < p.mergeGapMs) m.last = r.last;
      else merged.push({ ...r });
    }
    const key = (a: number, b: number, s: number, e: number): string => `${a}/${b} ${s}..${e}`;
    assert.ok(merged.length >= 3, `seed ${seed}: only ${merged.length} encounters to compare`);
    assert.deepEqual(
      fast.map((e) => key(e.mmsi[0], e.mmsi[1], e.startMs, e.endMs)).sort(),
      merged.map((r) => key(tracks.mmsi[r.a], tracks.mmsi[r.b], r.first * p.slotMs, r.last * p.slotMs)).sort(),
    );
  }
});

test('input order does not matter: shuffled rows give the same tracks and events', async () => {
  const { randomTraffic } = await import('../src/scenario/traffic.js');
  const cols = randomTraffic(9, { vessels: 30, positions: 6_000, hours: 12, bbox: [-60.03, 24.97, -59.97, 25.03] });
  const rng = new Random(5);
  const perm = Array.from({ length: cols.length }, (_, k) => k);
  for (let k = perm.length - 1; k > 0; k--) {
    const j = rng.int(0, k);
    [perm[k], perm[j]] = [perm[j], perm[k]];
  }
  const b = new PositionColumnsBuilder(cols.length);
  for (const r of perm)
    b.push(
      cols.time[r],
      cols.mmsi[r],
      cols.lat[r],
      cols.lon[r],
      cols.speed[r],
      cols.course[r],
      cols.heading[r],
      cols.type[r],
      cols.status[r],
    );
  const shuffled = b.finish();
  const t1 = buildTracks(cols);
  const t2 = buildTracks(shuffled);
  assert.deepEqual(Array.from(t2.time), Array.from(t1.time));
  assert.deepEqual(Array.from(t2.lat), Array.from(t1.lat));
  assert.deepEqual(
    Array.from(t2.source).map((r) => perm[r]),
    Array.from(t1.source),
  );
  const strip = (e: { positions: number[] }[]): unknown[] => e.map((x) => ({ ...x, positions: x.positions.length }));
  assert.deepEqual(
    strip(findEncounters(t2, DEFAULT_PARAMS.encounter)),
    strip(findEncounters(t1, DEFAULT_PARAMS.encounter)),
  );
});
