/**
 * Benchmark of the imagery stage (src/imagery) against GDAL + numpy + scipy
 * doing the same work (issue 4, "Benchmark").
 *
 *   npm run bench:imagery -- [--quick] [--json] [--size N] [--runs N] [--regen] [--only change|degrade]
 *
 * Inputs: two co-registered N × N 8-bit single-band GeoTIFFs (default
 * 10,000 × 10,000; `--quick` 2,000 × 2,000), a "before" and an "after" pass
 * rendered with src/scenario/scenes.ts renderScene (textured terrain, roads,
 * pads, noise, explicit objects of the declared class 20–25 m × 2.5–3.5 m at
 * 0.5 m GSD), a quarter of the objects removed in the after pass. Each pass is
 * written twice with src/imagery/write.ts: uncompressed striped and DEFLATE
 * tiled 512. They are cached in bench/data/imagery/ (git-ignored).
 *
 * Measurements (each in its own child process, best of `--runs`, default 3;
 * the time is taken inside the process, so neither Node's nor Python's start
 * is counted, except for gdal_translate, which is timed as a whole process):
 *   (a) change + count. Tally: readGeoTiff both, detectChange (residual shift
 *       estimate and correction, radiometric normalisation, robust threshold,
 *       blob labelling), ClassicalDetector.detect on both passes.
 *       Peer (bench/imagery/peer.py): gdal.Open + ReadAsArray both, numpy
 *       difference + robust (MAD) threshold, scipy.ndimage.label +
 *       find_objects for the changed blobs (small blobs dropped), and on each
 *       pass a threshold-based object count (deviation from a box-filtered
 *       background beyond k robust sigmas, label, find_objects, size filter
 *       by pixel count and bounding box in metres).
 *   (b) degrade 4× by exact averaging, read and write included. Tally:
 *       readDegraded(4, 4) (src/imagery/degrade-file.ts: the streaming
 *       read + average of `tally imagery degrade`, the same raster as
 *       readGeoTiff + degrade), writeGeoTiff (uncompressed striped).
 *       Peer: `gdal_translate -r average -outsize 25% 25%` (uncompressed).
 * Peak RSS: process.resourceUsage().maxRSS in the child (Tally), and
 * resource.getrusage(RUSAGE_SELF) in the peer (RUSAGE_CHILDREN for
 * gdal_translate).
 *
 * Targets: (a) faster than GDAL+numpy+scipy on both inputs; (b) no slower
 * than gdal_translate. They are stretch goals: reported, never enforced.
 */

import { saveResults } from '../results.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readGeoTiff } from '../../src/imagery/read.js';
import { writeGeoTiff } from '../../src/imagery/write.js';
import { detectChange } from '../../src/imagery/change.js';
import { ClassicalDetector } from '../../src/imagery/detect/index.js';
import { readDegraded } from '../../src/imagery/degrade-file.js';
import { renderScene, type SceneObject } from '../../src/scenario/scenes.js';
import type { Raster } from '../../src/imagery/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Repository root: dist/bench/imagery → ../../..; the script is always run compiled. */
const ROOT = resolve(HERE, '..', '..', '..');
const DATA = join(ROOT, 'bench', 'data', 'imagery');
const PEER = join(ROOT, 'bench', 'imagery', 'peer.py');
const PYTHON = '/usr/bin/python3';

const GSD = 0.5;
const LENGTH_M: [number, number] = [20, 25];
const WIDTH_M: [number, number] = [2.5, 3.5];
const FACTOR = 4;
/** Scene generator version: bump when the inputs change so cached files are remade. */
const GEN_VERSION = 1;

interface Options {
  size: number;
  quick: boolean;
  json: boolean;
  runs: number;
  regen: boolean;
  only: 'all' | 'change' | 'degrade';
}

interface Sample {
  ms: number;
  rss: number;
  result: Record<string, unknown>;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { size: 10_000, quick: false, json: false, runs: 3, regen: false, only: 'all' };
  let sizeGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--regen') o.regen = true;
    else if (a === '--size') {
      o.size = Number(argv[++i]);
      sizeGiven = true;
    } else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--only') {
      const v = argv[++i];
      if (v !== 'change' && v !== 'degrade' && v !== 'all') throw new Error('--only must be change, degrade or all');
      o.only = v;
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.quick && !sizeGiven) o.size = 2000;
  if (!Number.isInteger(o.size) || o.size < 256) throw new Error('--size must be an integer ≥ 256');
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer');
  return o;
}

/* ---------- inputs ---------- */

/** Small deterministic PRNG (mulberry32) for object placement. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Objects on a jittered grid (one per 100 m cell, so they never overlap). */
function placeObjects(sizeM: number): SceneObject[] {
  const r = prng(20240404);
  const cell = 100;
  const out: SceneObject[] = [];
  for (let y = cell / 2; y < sizeM - cell / 2; y += cell) {
    for (let x = cell / 2; x < sizeM - cell / 2; x += cell) {
      if (r() > 0.35) continue;
      out.push({
        x_m: x + (r() - 0.5) * 40,
        y_m: y + (r() - 0.5) * 40,
        length_m: 20 + r() * 5,
        width_m: 2.5 + r(),
        heading_deg: r() * 180,
        polarity: r() < 0.3 ? 'dark' : 'bright',
        contrast: 40 + r() * 40,
      });
    }
  }
  return out;
}

interface Inputs {
  before: { none: string; deflate: string };
  after: { none: string; deflate: string };
  objects: number;
  removed: number;
  renderMs: number;
}

async function makeInputs(o: Options, log: (s: string) => void): Promise<Inputs> {
  mkdirSync(DATA, { recursive: true });
  const n = o.size;
  const name = (pass: string, c: string): string => join(DATA, `${pass}-${n}-${c}.tif`);
  const paths = {
    before: { none: name('before', 'none'), deflate: name('before', 'deflate') },
    after: { none: name('after', 'none'), deflate: name('after', 'deflate') },
  };
  const metaPath = join(DATA, `scene-${n}.meta.json`);
  const all = [paths.before.none, paths.before.deflate, paths.after.none, paths.after.deflate];
  if (!o.regen && existsSync(metaPath) && all.every((p) => existsSync(p))) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as {
      version: number;
      objects: number;
      removed: number;
      renderMs: number;
    };
    if (meta.version === GEN_VERSION)
      return { ...paths, objects: meta.objects, removed: meta.removed, renderMs: meta.renderMs };
  }
  const sizeM = n * GSD;
  const objects = placeObjects(sizeM);
  const r = prng(7);
  const kept = objects.filter(() => r() >= 0.25);
  const spec = {
    widthPx: n,
    heightPx: n,
    gsd: GSD,
    terrain: { base: 110, contrast: 14, scaleM: 60, octaves: 5 },
    roads: Math.max(2, Math.round(n / 2000)),
    pads: Math.max(3, Math.round(n / 800)),
    noise: 3,
    blurPx: 0,
  };
  let renderMs = 0;
  for (const [pass, objs] of [
    ['before', objects],
    ['after', kept],
  ] as const) {
    log(`rendering ${pass} pass ${n} × ${n} (${objs.length} objects)…`);
    const t0 = performance.now();
    const scene = renderScene({ ...spec, objects: objs }, 1234);
    renderMs += performance.now() - t0;
    const raster = scene.raster.bands.length === 1 ? scene.raster : { ...scene.raster, bands: [scene.raster.bands[0]] };
    await writeGeoTiff(paths[pass].none, raster, { compression: 'none' });
    await writeGeoTiff(paths[pass].deflate, raster, { compression: 'deflate', tileSize: 512 });
  }
  writeFileSync(
    metaPath,
    JSON.stringify(
      { version: GEN_VERSION, size: n, objects: objects.length, removed: objects.length - kept.length, renderMs },
      null,
      2,
    ),
  );
  return { ...paths, objects: objects.length, removed: objects.length - kept.length, renderMs };
}

/* ---------- child measurements ---------- */

function rssNow(): number {
  return process.resourceUsage().maxRSS * 1024;
}

async function childChange(before: string, after: string): Promise<Sample> {
  const t0 = performance.now();
  const [a, b] = await Promise.all([readGeoTiff(before), readGeoTiff(after)]);
  const tRead = performance.now();
  const ch = detectChange(a, b);
  const tChange = performance.now();
  const det = new ClassicalDetector();
  const gsd = { x: GSD, y: GSD };
  const countOf = (r: Raster): number => det.detect(r, { gsd, lengthM: LENGTH_M, widthM: WIDTH_M }).length;
  const nBefore = countOf(a);
  const nAfter = countOf(b);
  const t1 = performance.now();
  return {
    ms: t1 - t0,
    rss: rssNow(),
    result: {
      read_ms: tRead - t0,
      change_ms: tChange - tRead,
      detect_ms: t1 - tChange,
      changed_fraction: ch.changed_fraction,
      blobs: ch.blobs.length,
      shift_px: ch.shift_px,
      count_before: nBefore,
      count_after: nAfter,
    },
  };
}

async function childDegrade(input: string, output: string): Promise<Sample> {
  const t0 = performance.now();
  // degradeFile(input, output, …) is these two steps; they are timed apart here.
  const d = await readDegraded(input, FACTOR, FACTOR);
  const tAvg = performance.now();
  await writeGeoTiff(output, d, { compression: 'none' });
  const t1 = performance.now();
  return {
    ms: t1 - t0,
    rss: rssNow(),
    result: { read_average_ms: tAvg - t0, write_ms: t1 - tAvg, width: d.width, height: d.height },
  };
}

function runTallyChild(args: string[]): Sample {
  const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (p.status !== 0) throw new Error(`tally child ${args.join(' ')} failed: ${p.stderr}`);
  return JSON.parse(p.stdout.trim().split('\n').pop() as string) as Sample;
}

function runPeer(args: string[]): Sample {
  const p = spawnSync(PYTHON, [PEER, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (p.status !== 0) throw new Error(`peer ${args.join(' ')} failed: ${p.stderr}`);
  return JSON.parse(p.stdout.trim().split('\n').pop() as string) as Sample;
}

function best(runs: number, f: () => Sample): Sample & { all_ms: number[] } {
  const all: Sample[] = [];
  for (let i = 0; i < runs; i++) all.push(f());
  const b = all.reduce((x, y) => (y.ms < x.ms ? y : x));
  return { ...b, rss: Math.max(...all.map((s) => s.rss)), all_ms: all.map((s) => Math.round(s.ms)) };
}

/* ---------- main ---------- */

interface Row {
  what: string;
  input: string;
  tally: Sample & { all_ms: number[] };
  peer: Sample & { all_ms: number[] };
  peerName: string;
  target: string;
  pass: boolean;
}

function checkPeer(): string {
  const p = spawnSync(
    PYTHON,
    ['-c', 'import osgeo.gdal, scipy, numpy; print(osgeo.gdal.__version__, scipy.__version__, numpy.__version__)'],
    { encoding: 'utf8' },
  );
  if (p.status !== 0) {
    throw new Error(
      `${PYTHON} lacks GDAL or scipy: apt-get install -y python3-gdal python3-scipy gdal-bin\n${p.stderr}`,
    );
  }
  const [g, s, n] = p.stdout.trim().split(' ');
  const gt = execFileSync('gdal_translate', ['--version'], { encoding: 'utf8' }).trim();
  return `GDAL ${g} (${gt}), scipy ${s}, numpy ${n}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [kind, a, b] = argv.slice(1);
    const s = kind === 'change' ? await childChange(a, b) : await childDegrade(a, b);
    process.stdout.write(JSON.stringify(s) + '\n');
    return;
  }
  const o = parseArgs(argv);
  const log = (s: string): void => {
    if (!o.json) console.error(s);
  };
  const versions = checkPeer();
  const inputs = await makeInputs(o, log);
  const outDir = join(DATA, 'out');
  mkdirSync(outDir, { recursive: true });
  const rows: Row[] = [];
  for (const c of o.only === 'degrade' ? [] : (['none', 'deflate'] as const)) {
    const label = c === 'none' ? 'uncompressed striped' : 'DEFLATE tiled 512';
    log(`change + count, ${label}…`);
    const tally = best(o.runs, () => runTallyChild(['change', inputs.before[c], inputs.after[c]]));
    const peer = best(o.runs, () => runPeer(['change', inputs.before[c], inputs.after[c], String(GSD)]));
    rows.push({
      what: 'change + count',
      input: label,
      tally,
      peer,
      peerName: 'GDAL+numpy+scipy',
      target: 'faster than peer',
      pass: tally.ms < peer.ms,
    });
  }
  for (const c of o.only === 'change' ? [] : (['none', 'deflate'] as const)) {
    const label = c === 'none' ? 'uncompressed striped' : 'DEFLATE tiled 512';
    log(`degrade ${FACTOR}×, ${label}…`);
    const tOut = join(outDir, `tally-degrade-${c}.tif`);
    const gOut = join(outDir, `gdal-degrade-${c}.tif`);
    const tally = best(o.runs, () => runTallyChild(['degrade', inputs.before[c], tOut]));
    const peer = best(o.runs, () => runPeer(['degrade', inputs.before[c], gOut]));
    // Sanity: the two outputs must agree pixel for pixel (the issue requires it for integer factors).
    const eq = runPeer(['compare', tOut, gOut]).result as { equal: boolean; max_abs_diff: number };
    peer.result = { ...peer.result, tally_equals_gdal: eq.equal, max_abs_diff: eq.max_abs_diff };
    rows.push({
      what: `degrade ${FACTOR}× (read+avg+write)`,
      input: label,
      tally,
      peer,
      peerName: 'gdal_translate',
      target: 'no slower than peer',
      pass: tally.ms <= peer.ms,
    });
  }
  rmSync(outDir, { recursive: true, force: true });

  const meta = {
    size: `${o.size} × ${o.size}`,
    gsd_m: GSD,
    objects_before: inputs.objects,
    objects_removed: inputs.removed,
    inputs_bytes: { uncompressed: statSync(inputs.before.none).size, deflate: statSync(inputs.before.deflate).size },
    generator: 'src/scenario/scenes.ts renderScene',
    render_ms_both_passes: Math.round(inputs.renderMs),
    runs: o.runs,
    node: process.version,
    peer: versions,
  };
  const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const figures = { meta, rows: rows.map((r) => ({ ...r, ratio: r.tally.ms / r.peer.ms })) };
  if (!o.quick && o.only === 'all') {
    const readme = {
      title: 'Imagery',
      note: `two co-registered ${meta.size} 8-bit passes at ${GSD} m (${inputs.objects} objects, ${inputs.removed} removed), each measurement in its own process, best of ${o.runs}`,
      columns: ['work', 'input', 'Tally', 'peer', 'peer time', 'Tally / peer'],
      rows: rows.map((r) => [
        r.what,
        r.input,
        `${s(r.tally.ms)} (${mb(r.tally.rss)})`,
        r.peerName,
        `${s(r.peer.ms)} (${mb(r.peer.rss)})`,
        `${(r.tally.ms / r.peer.ms).toFixed(2)}x`,
      ]),
      targets: rows.map((r) => ({
        name: `${r.what}, ${r.input}: ${r.target}`,
        measured: `${(r.tally.ms / r.peer.ms).toFixed(2)}x`,
        pass: r.pass,
      })),
    };
    log(`figures written to ${saveResults('imagery', 'npm run bench:imagery', readme, figures)}`);
  }
  if (o.json) {
    console.log(JSON.stringify(figures, null, 2));
    return;
  }
  console.log(
    `\nImagery benchmark: ${meta.size} px, 8-bit, GSD ${GSD} m, ${inputs.objects} objects, ${inputs.removed} removed; best of ${o.runs}`,
  );
  console.log(`Tally: Node ${process.version}; peer: ${versions}\n`);
  const head = ['work', 'input', 'Tally', 'Tally RSS', 'peer', 'peer time', 'peer RSS', 'Tally/peer', 'target', ''];
  const body = rows.map((r) => [
    r.what,
    r.input,
    s(r.tally.ms),
    mb(r.tally.rss),
    r.peerName,
    s(r.peer.ms),
    mb(r.peer.rss),
    (r.tally.ms / r.peer.ms).toFixed(2) + '×',
    r.target,
    r.pass ? 'PASS' : 'MISS',
  ]);
  const wid = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const line of [head, wid.map((w) => '-'.repeat(w)), ...body])
    console.log(line.map((c, i) => c.padEnd(wid[i])).join('  '));
  console.log('\nDetail (best run):');
  for (const r of rows) {
    console.log(`  ${r.what}, ${r.input}: Tally ${JSON.stringify(r.tally.result)} runs ${r.tally.all_ms.join('/')} ms`);
    console.log(
      `  ${' '.repeat(r.what.length)}  peer  ${JSON.stringify(r.peer.result)} runs ${r.peer.all_ms.join('/')} ms`,
    );
  }
  console.log('\nTargets are stretch goals (issue 4): reported, not enforced.');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
