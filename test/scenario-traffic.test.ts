/**
 * The traffic scenarios say what they contain: checked here from the decoded
 * AIS (or the columns) with an independent haversine and interpolation onto
 * the 10-minute grid, not with the generator's own geometry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBatchFiles, decodeText } from '../src/ais/index.js';
import type { PositionColumns } from '../src/ais/batch.js';
import { randomTraffic, trafficScenario, trafficScenarioNames, type TrafficScenario } from '../src/scenario/traffic.js';
import { generateFeed, writeFeedCsv } from '../src/scenario/feed.js';
import { HOUR_MS, MINUTE_MS } from '../src/util/index.js';

const R = 6_371_008.8;
const SLOT = 10 * MINUTE_MS;

function hav(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * r) / 2) ** 2 +
    Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(a));
}

interface Track {
  t: number[];
  lat: number[];
  lon: number[];
  speed: number[];
}

function tracksOf(rows: { time: number; mmsi: number; lat: number; lon: number; speed: number }[]): Map<number, Track> {
  const m = new Map<number, Track>();
  for (const r of rows) {
    let tr = m.get(r.mmsi);
    if (!tr) m.set(r.mmsi, (tr = { t: [], lat: [], lon: [], speed: [] }));
    tr.t.push(r.time);
    tr.lat.push(r.lat);
    tr.lon.push(r.lon);
    tr.speed.push(r.speed);
  }
  return m;
}

function decodedTracks(s: TrafficScenario): Map<number, Track> {
  const d = decodeText(s.nmea);
  assert.equal(d.rejects.length, 0, `${s.name}: ${JSON.stringify(d.rejects.slice(0, 2))}`);
  const rows = d.records
    .filter((r) => typeof r.lat === 'number' && typeof r.lon === 'number')
    .map((r) => ({
      time: Date.parse(String(r.time)),
      mmsi: Number(r.mmsi),
      lat: Number(r.lat),
      lon: Number(r.lon),
      speed: Number(r.speed),
    }));
  for (const r of rows) assert.ok(Number.isFinite(r.time), `${s.name}: a position report without a receive time`);
  return tracksOf(rows);
}

function columnTracks(c: PositionColumns): Map<number, Track> {
  const rows = [];
  for (let i = 0; i < c.length; i++)
    rows.push({ time: c.time[i], mmsi: c.mmsi[i], lat: c.lat[i], lon: c.lon[i], speed: c.speed[i] });
  return tracksOf(rows);
}

/** Linear interpolation at t between reports at most 1 h apart (longitude unwrapped), or null. */
function at(tr: Track, t: number): { lat: number; lon: number } | null {
  let lo = 0;
  let hi = tr.t.length - 1;
  if (t < tr.t[0] || t > tr.t[hi]) return null;
  while (hi - lo > 1) {
    const m = (lo + hi) >> 1;
    if (tr.t[m] <= t) lo = m;
    else hi = m;
  }
  if (tr.t[hi] - tr.t[lo] > HOUR_MS) return null;
  const f = tr.t[hi] === tr.t[lo] ? 0 : (t - tr.t[lo]) / (tr.t[hi] - tr.t[lo]);
  let dl = tr.lon[hi] - tr.lon[lo];
  if (dl > 180) dl -= 360;
  if (dl < -180) dl += 360;
  return { lat: tr.lat[lo] + f * (tr.lat[hi] - tr.lat[lo]), lon: tr.lon[lo] + f * dl };
}

/** Distances at every slot where both have a position: [slot time, metres]. */
function slotDistances(a: Track, b: Track): [number, number][] {
  const out: [number, number][] = [];
  const t0 = Math.ceil(Math.max(a.t[0], b.t[0]) / SLOT) * SLOT;
  const t1 = Math.min(a.t[a.t.length - 1], b.t[b.t.length - 1]);
  for (let t = t0; t <= t1; t += SLOT) {
    const p = at(a, t);
    const q = at(b, t);
    if (p && q) out.push([t, hav(p.lat, p.lon, q.lat, q.lon)]);
  }
  return out;
}

/** Longest run of consecutive close slots: [count, first slot, last slot]. */
function longestRun(d: [number, number][], maxM = 500): [number, number, number] {
  let best: [number, number, number] = [0, NaN, NaN];
  let run = 0;
  let first = NaN;
  for (let k = 0; k < d.length; k++) {
    const consecutive = k > 0 && d[k][0] - d[k - 1][0] === SLOT;
    if (d[k][1] <= maxM) {
      if (run === 0 || !consecutive) {
        run = 0;
        first = d[k][0];
      }
      run++;
      if (run > best[0]) best = [run, first, d[k][0]];
    } else run = 0;
  }
  return best;
}

const scenarios = new Map(trafficScenarioNames().map((n) => [n, trafficScenario(n)]));
const tracks = new Map([...scenarios].map(([n, s]) => [n, decodedTracks(s)]));

test('known-answer scenarios: the same seed gives the same bytes, another seed others', () => {
  for (const n of ['borderline', 'irregular']) {
    assert.equal(trafficScenario(n).nmea, scenarios.get(n)!.nmea);
    assert.notEqual(trafficScenario(n, 9999).nmea, scenarios.get(n)!.nmea);
  }
});

test('known-answer scenarios decode without rejects, with tag-block times and the message types they claim', () => {
  const types = new Set<number>();
  for (const s of scenarios.values()) {
    const d = decodeText(s.nmea);
    assert.equal(d.rejects.length, 0);
    for (const r of d.records) {
      types.add(Number(r.type));
      assert.ok(r.time !== undefined && r.time !== null, `${s.name}: record without receive time`);
    }
    const lines = s.nmea.trimEnd().split('\n');
    assert.ok(
      lines.every((l) => l.startsWith('\\')),
      `${s.name}: every sentence has a tag block`,
    );
    assert.ok(lines.some((l) => /s:[^,*]+/.test(l)));
    assert.ok(s.ports.features.every((f) => typeof f.properties.name === 'string'));
    assert.ok(s.zone.features.length > 0);
    for (const e of s.expected) assert.ok(e.startMs <= e.endMs && e.toleranceMs > 0, `${s.name}: ${e.kind}`);
  }
  for (const t of [1, 3, 5, 18, 24]) assert.ok(types.has(t), `type ${t} appears`);
});

test('expected encounters: close (<= 500 m) at 12 or more consecutive slots, both slow, over the stated interval', () => {
  for (const [name, s] of scenarios) {
    const tr = tracks.get(name)!;
    for (const e of s.expected.filter((x) => x.kind === 'encounter')) {
      const [a, b] = e.mmsi.map((m) => tr.get(m)!);
      const [n, first, last] = longestRun(slotDistances(a, b));
      assert.ok(n >= 12, `${name} ${e.mmsi}: ${n} close slots`);
      assert.ok(
        Math.abs(first - e.startMs) <= e.toleranceMs && Math.abs(last - e.endMs) <= e.toleranceMs,
        `${name}: run ${new Date(first).toISOString()} - ${new Date(last).toISOString()}`,
      );
      for (const v of [a, b]) {
        const sp = v.speed.filter((_, k) => v.t[k] >= first && v.t[k] <= last).sort((x, y) => x - y);
        assert.ok(sp[sp.length >> 1] < 2, `${name}: median speed ${sp[sp.length >> 1]}`);
      }
    }
    for (const e of s.notExpected.filter((x) => x.kind === 'encounter')) {
      const [a, b] = e.mmsi.map((m) => tr.get(m)!);
      const run = longestRun(slotDistances(a, b))[0];
      const fast = name === 'crossing' && a.speed.every((x) => x > 2);
      assert.ok(run < 12 || fast || name === 'port-visit', `${name} ${e.mmsi}: ${run} close slots`);
    }
  }
});

test('borderline pairs: separations and close-slot counts as stated', () => {
  const s = scenarios.get('borderline')!;
  const tr = tracks.get('borderline')!;
  const byName = new Map(s.vessels.map((v) => [v.shipname, v.mmsi]));
  const pair = (label: string): [number, number][] =>
    slotDistances(tr.get(byName.get(`${label} A`)!)!, tr.get(byName.get(`${label} B`)!)!);
  for (const [label, sep] of [
    ['SEP480', 480],
    ['SEP490', 490],
    ['SEP510', 510],
    ['SEP520', 520],
  ] as const) {
    const d = pair(label);
    const held = d.filter(([, m]) => Math.abs(m - sep) < 3);
    assert.equal(held.length, 18, `${label}: ${held.length} slots at ${sep} m`);
    assert.equal(longestRun(d)[0], sep < 500 ? 18 : 0, label);
  }
  for (const [label, slots] of [
    ['DUR110', 11],
    ['DUR120', 12],
    ['DUR130', 13],
  ] as const) {
    const d = pair(label);
    const [n, first] = longestRun(d);
    assert.equal(n, slots, label);
    assert.equal(new Date(first).toISOString().slice(11, 16), '02:10');
    assert.ok(
      d.filter(([, m]) => m <= 500).every(([, m]) => Math.abs(m - 300) < 3),
      `${label}: close slots at 300 m`,
    );
    // The slots either side of the close run are far, not borderline.
    const k = d.findIndex(([t]) => t === first);
    assert.ok(d[k - 1][1] > 1000 && d[k + n][1] > 1000);
  }
  assert.equal(s.expected.length, 4);
  assert.equal(s.notExpected.length, 3);
});

test('chain: A-B and B-C about 300 m, A-C about 600 m', () => {
  const s = scenarios.get('chain')!;
  const tr = tracks.get('chain')!;
  const [a, b, c] = s.vessels.map((v) => tr.get(v.mmsi)!);
  const mid = s.expected[0].startMs + HOUR_MS;
  const d = (p: Track, q: Track): number => {
    const x = at(p, mid)!;
    const y = at(q, mid)!;
    return hav(x.lat, x.lon, y.lat, y.lon);
  };
  assert.ok(Math.abs(d(a, b) - 300) < 5 && Math.abs(d(b, c) - 300) < 5 && Math.abs(d(a, c) - 600) < 5);
});

test('dark: one 18 h silence inside the zone, the other vessel 11 h; last and first positions as stated', () => {
  const s = scenarios.get('dark')!;
  const tr = tracks.get('dark')!;
  const e = s.expected[0];
  const gaps = (v: Track): number[] =>
    v.t
      .slice(1)
      .map((t, k) => t - v.t[k])
      .sort((x, y) => y - x);
  const d = tr.get(e.mmsi[0])!;
  assert.equal(gaps(d)[0], 18 * HOUR_MS);
  assert.ok(gaps(d)[1] <= 150_000);
  const k = d.t.indexOf(e.startMs);
  assert.equal(d.t[k + 1], e.endMs);
  assert.deepEqual(
    [d.lat[k], d.lon[k], d.lat[k + 1], d.lon[k + 1]],
    [e.last!.lat, e.last!.lon, e.first!.lat, e.first!.lon],
  );
  const ring = s.zone.features[0].geometry.coordinates[0] as number[][];
  const [w, so] = ring[0];
  const [ea, n] = ring[2];
  for (const j of [k, k + 1]) assert.ok(d.lat[j] > so && d.lat[j] < n && d.lon[j] > w && d.lon[j] < ea);
  assert.equal(gaps(tr.get(s.notExpected[0].mmsi[0])!)[0], 11 * HOUR_MS);
});

test('loitering: under 2 kn for 8 h at 25N 60W; the other slow for under 4 h', () => {
  const s = scenarios.get('loitering')!;
  const tr = tracks.get('loitering')!;
  const e = s.expected[0];
  const l = tr.get(e.mmsi[0])!;
  const inside = l.t.map((t, k) => [t, k]).filter(([t]) => t > e.startMs + MINUTE_MS && t < e.endMs - MINUTE_MS);
  assert.ok(inside.length > 300);
  assert.ok(inside.every(([, k]) => l.speed[k] < 2));
  assert.ok(inside.every(([, k]) => hav(l.lat[k], l.lon[k], 25, -60) < 20_000));
  const q = tr.get(s.notExpected[0].mmsi[0])!;
  const slow = q.t.filter((_, k) => q.speed[k] < 2);
  assert.ok(slow[slow.length - 1] - slow[0] < 4 * HOUR_MS && slow[slow.length - 1] - slow[0] > 3 * HOUR_MS);
});

test('irregular: intervals from 2 s to 6 min', () => {
  for (const v of tracks.get('irregular')!.values()) {
    const gaps = v.t.slice(1).map((t, k) => t - v.t[k]);
    assert.ok(
      Math.min(...gaps) >= 2000 &&
        Math.max(...gaps) <= 360_000 &&
        Math.max(...gaps) > 200_000 &&
        Math.min(...gaps) < 30_000,
    );
  }
});

test('antimeridian: both vessels report on both sides of 180 degrees, 250 m apart', () => {
  const tr = tracks.get('antimeridian')!;
  for (const v of tr.values()) {
    assert.ok(v.lon.some((x) => x > 179.99) && v.lon.some((x) => x < -179.99));
  }
  const s = scenarios.get('antimeridian')!;
  const [a, b] = s.expected[0].mmsi.map((m) => tr.get(m)!);
  const d = slotDistances(a, b).filter(([t]) => t > s.expected[0].startMs && t < s.expected[0].endMs);
  assert.ok(d.length === 18 && d.every(([, m]) => Math.abs(m - 250) < 3));
  assert.ok(Math.abs(Math.abs(s.expected[0].lon!) - 180) < 0.05);
});

test('spoofed jump: one report 500 km off a steady 12 kn track, the next one normal', () => {
  const s = scenarios.get('spoofed-jump')!;
  const f = s.expectedFlags[0];
  const v = tracks.get('spoofed-jump')!.get(f.mmsi)!;
  const k = v.t.indexOf(f.timeMs);
  assert.deepEqual([v.lat[k], v.lon[k]], [f.lat, f.lon]);
  const kn = (i: number, j: number): number =>
    hav(v.lat[i], v.lon[i], v.lat[j], v.lon[j]) / ((v.t[j] - v.t[i]) / 1000) / (1852 / 3600);
  assert.ok(Math.abs(hav(v.lat[k - 1], v.lon[k - 1], v.lat[k], v.lon[k]) - 500_000) < 2000);
  assert.ok(kn(k - 1, k) > 50);
  assert.ok(Math.abs(kn(k - 1, k + 1) - 12) < 0.5);
  let jumps = 0;
  for (let i = 1; i < v.t.length; i++) if (i !== k + 1 && kn(i - 1, i) > 50) jumps++;
  assert.equal(jumps, 1);
});

test('port visit: reports inside the stated polygons at the stated times', () => {
  const s = scenarios.get('port-visit')!;
  const tr = tracks.get('port-visit')!;
  for (const e of s.expected) {
    const ring = s.ports.features.find((f) => f.properties.name === e.port)!.geometry.coordinates[0] as number[][];
    const inBox = (lat: number, lon: number): boolean =>
      lat > ring[0][1] && lat < ring[2][1] && lon > ring[0][0] && lon < ring[2][0];
    const v = tr.get(e.mmsi[0])!;
    const insideTimes = v.t.filter((_, k) => inBox(v.lat[k], v.lon[k]));
    assert.ok(
      Math.abs(insideTimes[0] - e.startMs) <= 2 * MINUTE_MS,
      `${e.port}: first inside ${new Date(insideTimes[0]).toISOString()}`,
    );
    const lastInRun = insideTimes.filter((t) => t <= e.endMs + 2 * MINUTE_MS).pop()!;
    assert.ok(Math.abs(lastInRun - e.endMs) <= 2 * MINUTE_MS);
  }
  const leaver = tr.get(s.expected[2].mmsi[0])!;
  assert.ok(
    leaver.t[leaver.t.length - 1] - s.expected[2].endMs > 6 * HOUR_MS,
    'the leaver stays at sea for more than 6 h',
  );
});

test('randomTraffic: exact count, sorted by time, many pairs within 500 m', () => {
  const o = {
    vessels: 120,
    positions: 12_000,
    hours: 12,
    bbox: [-60.06, 25.0, -60.0, 25.05] as [number, number, number, number],
  };
  const c = randomTraffic(7, o);
  assert.equal(c.length, 12_000);
  for (let i = 1; i < c.length; i++) assert.ok(c.time[i] >= c.time[i - 1]);
  assert.deepEqual(randomTraffic(7, o).lat, c.lat);
  const tr = [...columnTracks(c).values()];
  let closePairs = 0;
  for (let i = 0; i < tr.length; i++) {
    for (let j = i + 1; j < tr.length; j++) if (longestRun(slotDistances(tr[i], tr[j]))[0] > 0) closePairs++;
  }
  assert.ok(closePairs >= 50, `${closePairs} pairs ever within 500 m`);
});

test('feed: exact counts, sorted by time, planted encounters and near misses as the manifest says, CSV round trip', async () => {
  const opts = { seed: 5, vessels: 300, days: 2, positions: 150_000, plantedEncounters: 6, plantedNearMisses: 6 };
  const f = generateFeed(opts);
  const c = f.columns;
  assert.equal(c.length, 150_000);
  assert.equal(new Set(c.mmsi).size, 300);
  for (let i = 1; i < c.length; i++) assert.ok(c.time[i] >= c.time[i - 1]);
  const again = generateFeed(opts);
  assert.deepEqual(again.columns.lon, c.lon);
  assert.deepEqual(again.manifest, f.manifest);
  const tr = columnTracks(c);
  for (const v of tr.values()) for (let k = 1; k < v.t.length; k++) assert.ok(v.t[k] > v.t[k - 1]);
  const m = f.manifest.planted;
  assert.equal(m.encounters.length, 6);
  assert.equal(m.nearMisses.length, 6);
  for (const e of m.encounters) {
    const [a, b] = e.mmsi.map((x) => tr.get(x)!);
    const d = slotDistances(a, b).filter(([t]) => t > e.startMs + SLOT && t < e.endMs - SLOT);
    assert.ok(
      d.length >= 12 && d.every(([, x]) => x <= 420 && x >= 80),
      `encounter ${e.mmsi}: ${d.map((x) => Math.round(x[1]))}`,
    );
    assert.ok(longestRun(slotDistances(a, b))[0] >= 12);
    assert.ok(e.portDistanceM > 30_000);
    for (const v of [a, b])
      assert.ok(v.speed.filter((_, k) => v.t[k] > e.startMs + SLOT && v.t[k] < e.endMs - SLOT).every((x) => x < 2));
  }
  for (const e of m.nearMisses) {
    const [a, b] = e.mmsi.map((x) => tr.get(x)!);
    const d = slotDistances(a, b);
    if (e.why === 'too short')
      assert.ok(longestRun(d)[0] > 0 && longestRun(d)[0] <= 11, `too short: ${longestRun(d)[0]}`);
    if (e.why === 'too far') assert.equal(longestRun(d)[0], 0);
    if (e.why === 'too fast') {
      assert.ok(longestRun(d)[0] >= 12);
      assert.ok(a.speed.filter((_, k) => a.t[k] > e.startMs && a.t[k] < e.endMs).every((x) => x > 2));
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'tally-feed-'));
  try {
    const path = join(dir, 'feed.csv');
    writeFeedCsv(c, path, f.vessels);
    const back = await decodeBatchFiles([path]);
    assert.deepEqual(back.stats.rejected, {});
    const p = back.positions;
    assert.equal(p.length, c.length);
    for (let i = 0; i < c.length; i += 997) {
      assert.deepEqual(
        [p.time[i], p.mmsi[i], p.lat[i], p.lon[i], p.speed[i], p.course[i]],
        [c.time[i], c.mmsi[i], c.lat[i], c.lon[i], c.speed[i], c.course[i]],
      );
    }
    assert.ok(back.statics.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
