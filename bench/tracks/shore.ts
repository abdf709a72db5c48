/**
 * Distance-from-shore benchmark: load time, memory and queries per second of
 * `ShoreDistance` with the loitering rule's radius (20 nm = 37,040 m), on
 * random points in the North Atlantic and in the Caribbean around Cuba; and
 * how far the 1:50m coast's answers are from the 1:10m one's.
 *
 *   npm run build && node --expose-gc dist/bench/tracks/shore.js [--n 200000] [--runs 5] [--json]
 */

import { ShoreDistance, type ShoreResolution } from '../../src/tracks/shore.js';
import { NAUTICAL_MILE_M } from '../../src/util/index.js';
import { Random } from '../../src/scenario/random.js';

interface Region {
  name: string;
  lat: [number, number];
  lon: [number, number];
}

const REGIONS: Region[] = [
  { name: 'North Atlantic (10..60N, 70..10W)', lat: [10, 60], lon: [-70, -10] },
  { name: 'Caribbean near Cuba (19..25N, 86..73W)', lat: [19, 25], lon: [-86, -73] },
];
const MAX_M = 20 * NAUTICAL_MILE_M;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`--${name}: expected a positive number, got ${process.argv[i + 1]}`);
  return v;
}

/** Seeded uniform numbers in [0, 1) (the project's generator). */
function mulberry32(seed: number): () => number {
  const g = new Random(seed);
  return () => g.next();
}

function points(r: Region, n: number, seed: number): { lat: Float64Array; lon: Float64Array } {
  const rnd = mulberry32(seed);
  const lat = new Float64Array(n),
    lon = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lat[i] = r.lat[0] + rnd() * (r.lat[1] - r.lat[0]);
    lon[i] = r.lon[0] + rnd() * (r.lon[1] - r.lon[0]);
  }
  return { lat, lon };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Best and median rate (per second) of `runs` timed passes of fn over n items. */
function rate(n: number, runs: number, fn: () => void): { best: number; median: number } {
  fn(); // warm-up
  const r: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    r.push(n / ((performance.now() - t0) / 1000));
  }
  r.sort((a, b) => a - b);
  return { best: r[r.length - 1]!, median: r[Math.floor(r.length / 2)]! };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function main(): void {
  const n = arg('n', 200_000);
  const runs = arg('runs', 5);
  const json = process.argv.includes('--json');
  const out: Record<string, unknown> = {
    n,
    runs,
    maxM: MAX_M,
    node: process.version,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
  const log = (s: string): void => {
    if (!json) console.log(s);
  };

  const loaded = new Map<ShoreResolution, ShoreDistance>();
  const loads: Record<string, unknown> = {};
  for (const res of ['10m', '50m'] as ShoreResolution[]) {
    gc();
    const m0 = process.memoryUsage();
    const t0 = performance.now();
    const shore = ShoreDistance.load(res);
    const ms = performance.now() - t0;
    gc();
    const m1 = process.memoryUsage();
    loaded.set(res, shore);
    loads[res] = {
      loadMs: Math.round(ms),
      edges: shore.edgeCount,
      coastEdges: shore.coastEdges,
      structureBytes: shore.byteLength,
      rssDelta: m1.rss - m0.rss,
      heapDelta: m1.heapUsed - m0.heapUsed,
      arrayBuffersDelta: m1.arrayBuffers - m0.arrayBuffers,
    };
    log(
      `${res}: load ${ms.toFixed(0)} ms, ${shore.coastEdges.toLocaleString('en')} coast edges, structure ${mb(shore.byteLength)}; ` +
        `after load rss +${mb(m1.rss - m0.rss)}, heap +${mb(m1.heapUsed - m0.heapUsed)}, array buffers +${mb(m1.arrayBuffers - m0.arrayBuffers)}`,
    );
  }
  out.load = loads;
  out.rssAfterLoads = process.memoryUsage().rss;

  const regions: Record<string, unknown>[] = [];
  REGIONS.forEach((region, ri) => {
    const { lat, lon } = points(region, n, 1962 + ri);
    const row: Record<string, unknown> = { region: region.name };
    log(`\n${region.name}, ${n.toLocaleString('en')} random points`);
    const answers = new Map<ShoreResolution, Float64Array>();
    for (const [res, shore] of loaded) {
      const d = new Float64Array(n);
      const dist = rate(n, runs, () => {
        for (let i = 0; i < n; i++) d[i] = shore.distance(lat[i]!, lon[i]!, MAX_M);
      });
      answers.set(res, d);
      let land = 0,
        near = 0;
      for (const v of d) {
        if (v === 0) land++;
        else if (v !== Infinity) near++;
      }
      // the hard case alone: points at sea within 20 nm of the coast
      const hardLat: number[] = [],
        hardLon: number[] = [];
      for (let i = 0; i < n; i++)
        if (d[i]! > 0 && d[i]! !== Infinity) {
          hardLat.push(lat[i]!);
          hardLon.push(lon[i]!);
        }
      const hn = hardLat.length;
      const hard =
        hn > 0
          ? rate(hn, runs, () => {
              for (let i = 0; i < hn; i++) shore.distance(hardLat[i]!, hardLon[i]!, MAX_M);
            })
          : { best: NaN, median: NaN };
      const onLand = rate(n, runs, () => {
        for (let i = 0; i < n; i++) shore.onLand(lat[i]!, lon[i]!);
      });
      const un = Math.min(n, 20_000);
      const unbounded = rate(un, Math.min(runs, 3), () => {
        for (let i = 0; i < un; i++) shore.distance(lat[i]!, lon[i]!);
      });
      row[res] = {
        distanceQps: Math.round(dist.best),
        distanceQpsMedian: Math.round(dist.median),
        land,
        withinMaxM: near,
        nearCoastQps: Math.round(hard.best),
        onLandQps: Math.round(onLand.best),
        unboundedQps: Math.round(unbounded.best),
      };
      log(
        `  ${res}: distance(maxM = 37,040) ${Math.round(dist.best).toLocaleString('en')} q/s (median ${Math.round(dist.median).toLocaleString('en')}); ` +
          `${land} on land, ${near} within 20 nm; those ${near} alone ${Math.round(hard.best).toLocaleString('en')} q/s; ` +
          `onLand ${Math.round(onLand.best).toLocaleString('en')} q/s; unbounded distance ${Math.round(unbounded.best).toLocaleString('en')} q/s`,
      );
    }
    const a = answers.get('10m')!,
      b = answers.get('50m')!;
    const diffs: number[] = [];
    let landDisagree = 0,
      ruleDisagree = 0;
    for (let i = 0; i < n; i++) {
      if ((a[i] === 0) !== (b[i] === 0)) landDisagree++;
      if (a[i]! >= MAX_M !== b[i]! >= MAX_M) ruleDisagree++;
      if (a[i]! > 0 && b[i]! > 0 && a[i] !== Infinity && b[i] !== Infinity) diffs.push(Math.abs(a[i]! - b[i]!));
    }
    diffs.sort((x, y) => x - y);
    row.compare = {
      bothWithinMaxM: diffs.length,
      medianAbsDiffM: Math.round(quantile(diffs, 0.5)),
      p95AbsDiffM: Math.round(quantile(diffs, 0.95)),
      maxAbsDiffM: Math.round(diffs[diffs.length - 1] ?? NaN),
      landDisagree,
      loiteringRuleDisagree: ruleDisagree,
    };
    log(
      `  10m vs 50m: on ${diffs.length} points within 20 nm of both, |difference| median ${Math.round(quantile(diffs, 0.5))} m, ` +
        `95th percentile ${Math.round(quantile(diffs, 0.95))} m, max ${Math.round(diffs[diffs.length - 1] ?? NaN)} m; ` +
        `land/sea differs on ${landDisagree} points, the 20 nm rule on ${ruleDisagree} (of ${n})`,
    );
    regions.push(row);
  });
  out.regions = regions;
  out.rssEnd = process.memoryUsage().rss;
  log(`\nrss at the end ${mb(process.memoryUsage().rss)}`);
  if (json) console.log(JSON.stringify(out, null, 2));
}

main();
