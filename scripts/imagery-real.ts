/**
 * The imagery commands on the real sample data (../shared/data/imagery, or
 * --dir DIR): a report, not a pass/fail check (exit 0 unless something
 * crashes). `node dist/scripts/imagery-real.js [--dir DIR] [--json]`.
 *
 * - change: the NAIP 2009/2020 pair (offset grids) and the Landsat 1985/2020
 *   pair, through `imagery change` (shift, changed fraction, blob count, time).
 * - DR Congo: planet_drc_forest_difference_2017.tif is the difference of two
 *   forest/non-forest classifications (Sep and Nov 2017) with values 0, 100
 *   and 200. The notebook text was not at hand; our reading comes from the
 *   data: 100 covers 83 % of the image (16.6 M px) and never a labelled-change
 *   pixel, 200 covers 17 % and every labelled-change pixel, 0 only 66 k px.
 *   So the values read as 100 × (1 + after − before) with forest = 0 and
 *   non-forest = 1: 100 = unchanged, 200 = forest lost (the new roads), 0 =
 *   forest gained (or the edge). A "changed pixel" is value ≠ 100 (the
 *   primary row); rows for 200 alone (loss) and for "100 or 200" (our first,
 *   wrong reading, kept as a check) are printed too. Scored against the
 *   hand-labelled masks (band 1 = 255 labelled; the alpha band ignored):
 *   precision = |labelled change ∩ predicted| / |predicted ∩ (change ∪ no-change labels)|,
 *   recall = |labelled change ∩ predicted| / |labelled change|.
 * - count: the ship clip (4 ships; class 60..400 m × 10..60 m at 5 m GSD:
 *   anchored cargo ships and tankers, from a coaster to a large tanker), the
 *   RarePlanes tile (2 jet aircraft, --source-gsd 0.3; class 25..75 m ×
 *   10..75 m, fixed before looking at the result: a large jet's fuselage
 *   length and span are both 30–70 m) and the Atlanta scene (43 labelled
 *   buildings; class 8..40 m × 6..30 m, detached houses). Counts are
 *   reported against the truth as they come.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { readGeoTiff } from '../src/imagery/index.js';
import { runImageryChange } from '../src/cli/imagery-change.js';
import { runImageryCount } from '../src/cli/imagery-count.js';

interface Row {
  case: string;
  result: string;
  truth: string;
  ms: number;
  detail?: Record<string, unknown>;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const dir = arg('--dir') ?? '../shared/data/imagery';
const json = process.argv.includes('--json');
const rows: Row[] = [];

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, Math.round(performance.now() - t0)];
}

async function guard(name: string, f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    // A missing or unreadable file is reported in the table; anything else is a crash.
    const msg = (e as Error).message;
    if ((e as Error).name === 'UsageError' || (e as Error).name === 'ImageryError')
      rows.push({ case: name, result: `ERROR: ${msg}`, truth: '', ms: 0 });
    else throw e;
  }
}

for (const [name, a, b] of [
  ['change NAIP 2009→2020', 'naip_nd_m_4709963_se_14_20090818.tif', 'naip_nd_m_4709963_se_14_20200831.tif'],
  ['change Landsat 1985→2020', 'landsat_peru_1985.tif', 'landsat_peru_2020.tif'],
] as const) {
  await guard(name, async () => {
    const [r, ms] = await timed(() => runImageryChange(join(dir, a), join(dir, b), {}));
    rows.push({
      case: name,
      result: `shift ${r.shift_px.x.toFixed(2)}, ${r.shift_px.y.toFixed(2)} px; changed ${(100 * r.changed_fraction).toFixed(2)} %; ${r.blobs.length} blobs`,
      truth: 'runs end to end (no labels)',
      ms,
      detail: {
        shift_px: r.shift_px,
        changed_fraction: r.changed_fraction,
        blobs: r.blobs.length,
        timings_ms: r.timings_ms,
      },
    });
  });
}

await guard('DRC difference vs labels', async () => {
  const [res, ms] = await timed(async () => {
    const diff = await readGeoTiff(join(dir, 'planet_drc_forest_difference_2017.tif'));
    const ch = await readGeoTiff(join(dir, 'planet_drc_forest_difference_2017_label_change.tif'));
    const nc = await readGeoTiff(join(dir, 'planet_drc_forest_difference_2017_label_nochange.tif'));
    const d = diff.bands[0],
      c = ch.bands[0],
      n = nc.bands[0];
    const hist = new Map<number, number>();
    for (let i = 0; i < d.length; i++) hist.set(d[i], (hist.get(d[i]) ?? 0) + 1);
    const score = (
      pred: (v: number) => boolean,
    ): { precision: number; recall: number; tp: number; fp: number; fn: number } => {
      let tp = 0,
        fp = 0,
        fn = 0;
      for (let i = 0; i < d.length; i++) {
        const lc = c[i] === 255,
          ln = n[i] === 255;
        const p = pred(d[i]);
        if (lc && p) tp++;
        else if (lc) fn++;
        else if (ln && p) fp++;
      }
      return { precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn), tp, fp, fn };
    };
    let labelledChange = 0,
      labelledNo = 0;
    for (let i = 0; i < c.length; i++) {
      if (c[i] === 255) labelledChange++;
      if (n[i] === 255) labelledNo++;
    }
    return {
      histogram: Object.fromEntries([...hist.entries()].sort((p, q) => p[0] - q[0])),
      labelledChange,
      labelledNo,
      changed: score((v) => v !== 100),
      loss: score((v) => v === 200),
      v100or200: score((v) => v === 100 || v === 200),
    };
  });
  const p = (s: { precision: number; recall: number }): string =>
    `precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}`;
  rows.push({
    case: 'DRC: changed = value != 100',
    result: p(res.changed),
    truth: `${res.labelledChange} change / ${res.labelledNo} no-change px labelled`,
    ms,
    detail: res,
  });
  rows.push({ case: 'DRC: changed = 200 (loss)', result: p(res.loss), truth: '(reading check)', ms: 0 });
  rows.push({ case: 'DRC: changed = 100 or 200', result: p(res.v100or200), truth: '(rejected reading)', ms: 0 });
});

for (const scoring of ['model', 'shape'] as const)
  for (const [label, file, length, width, truth, sourceGsd] of [
    ['count ships (SF Bay, 5 m)', 'planet_sfbay_ships_rapideye_2017-03-08.tif', '60..400', '10..60', 4, undefined],
    ['count aircraft (RarePlanes, 0.3 m)', 'rareplanes_aircraft_tile_512.jpeg', '25..75', '10..75', 2, '0.3'],
    ['count buildings (Atlanta, 0.5 m)', 'spacenet_atlanta_pan_0p5m.tif', '8..40', '6..30', 43, undefined],
  ] as const) {
    const name = `${label}, --scoring ${scoring}`;
    await guard(name, async () => {
      const [r, ms] = await timed(() =>
        runImageryCount(join(dir, file), { length, width, ...(sourceGsd ? { sourceGsd } : {}), scoring }),
      );
      rows.push({
        case: name,
        result: `${r.count} found (class ${length} × ${width} m)`,
        truth: `${truth} true`,
        ms,
        detail: {
          count: r.count,
          truth,
          detections: r.detections.map((d) => ({
            lat: d.lat,
            lon: d.lon,
            x: d.x,
            y: d.y,
            length_m: d.length_m,
            width_m: d.width_m,
            score: d.score,
          })),
        },
      });
    });
  }

if (json) {
  process.stdout.write(`${JSON.stringify({ dir, rows }, null, 2)}\n`);
} else {
  const head = ['case', 'result', 'truth', 'ms'];
  const table = rows.map((r) => [r.case, r.result, r.truth, String(r.ms)]);
  const wd = head.map((h, k) => Math.max(h.length, ...table.map((t) => t[k].length)));
  const line = (t: string[]): string => `| ${t.map((v, k) => v.padEnd(wd[k])).join(' | ')} |\n`;
  process.stdout.write(line(head) + line(wd.map((n) => '-'.repeat(n))) + table.map(line).join(''));
}
