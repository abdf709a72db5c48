/**
 * Benchmark of the tamper-evident log (src/ledger): durable appends of 1 KB
 * entries in batches of 1,000 up to a log of 10,000,000 entries, then the
 * checkpoint, inclusion and consistency proofs at that size, and memory.
 *
 *   npm run bench:ledger -- [--entries N] [--quick] [--json] [--dir DIR] [--keep]
 *                           [--index-entries N] [--proofs N] [--runs N]
 *
 * The log is written exactly as `tally log append` writes it (every batch
 * fsynced and committed before the next one starts). The default size
 * (10,000,000 entries, about 11 GB) is scaled down to what fits in the free
 * disk (keeping 10% and 2 GiB spare), never below 1,000,000 (the script
 * stops instead). `--quick` is the CI smoke run: 100,000 entries.
 *
 * Figures:
 *   - appends/s over the whole run (time in Log.append only, and wall time
 *     including making the entries), and per segment (per million entries,
 *     or per tenth of a smaller run) to show that the rate stays flat;
 *   - appends/s through the SQLite index (appendRecords: idempotency check,
 *     append, index), on a separate log of `--index-entries` entries;
 *   - the time to sign and publish a checkpoint at the final size;
 *   - inclusion and consistency proofs at the final size: median (and p99)
 *     of `--proofs` random proofs, cold (a fresh tile reader per proof, tiles
 *     read from the files) and warm (one reader, its tile cache shared), and
 *     the full tlog-proof bundle (`tally log proof`) for reference;
 *   - peak RSS up to 1,000,000 entries (or the first tenth) and at the end;
 *   - disk used by the log.
 *
 * With `--runs N` the append and proof phases run N times, each on a new
 * log (the previous one deleted first), and every figure reported is the
 * median over the runs; a line per run shows each run's own figures
 * (whole-run appends/s, slowest segment, proofs), so that a run that missed
 * a target is visible, not hidden by the median.
 */

import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { Log } from '../../src/ledger/log.js';
import { saveResults } from '../results.js';
import { hashAtFromDir } from '../../src/ledger/storage/posix.js';
import { appendRecords, LogIndex } from '../../src/ledger/store.js';
import { isCanonicalEntry } from '../../src/ledger/entries.js';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';

const ENTRY_BYTES = 1024;
const BATCH = 1000;
const DEFAULT_ENTRIES = 10_000_000;
const MIN_ENTRIES = 1_000_000;
/** Disk per entry: the bundle (2 + 1024 bytes), its level-0 hash (32), the tiles above, file-system slack. */
const DISK_PER_ENTRY = 1100;

const TARGET_APPENDS = 100_000;
const TARGET_PROOF_MS = 1;
/** "Flat" memory: peak RSS at the end within 1.25x (and 64 MiB) of the peak at the first checkpoint of the run. */
const FLAT_RATIO = 1.25;
const FLAT_SLACK = 64 * 1024 * 1024;

interface Options {
  entries: number;
  entriesGiven: boolean;
  quick: boolean;
  json: boolean;
  dir: string | null;
  keep: boolean;
  indexEntries: number | null;
  proofs: number;
  runs: number;
}

const USAGE = `usage: node dist/bench/ledger/run.js [options]
  --entries N         log size to reach (default 10000000, scaled down to the free disk, at least 1000000)
  --quick             CI smoke run: 100000 entries (no disk minimum)
  --index-entries N   entries appended through the SQLite index (default: min(entries, 1000000); 0 to skip)
  --proofs N          random proofs per measurement (default 1000)
  --runs N            repeat the append and proof phases N times on fresh logs; report medians, and each run (default 1)
  --dir DIR           where to create the logs (default: a new folder in the system temp dir)
  --keep              keep the logs afterwards
  --json              print one JSON object instead of tables`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    entries: DEFAULT_ENTRIES,
    entriesGiven: false,
    quick: false,
    json: false,
    dir: null,
    keep: false,
    indexEntries: null,
    proofs: 1000,
    runs: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const s = val();
      const n = Number(s.replace(/_/g, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${a}: not a non-negative integer: ${s}`);
      return n;
    };
    switch (a) {
      case '--entries':
        o.entries = int();
        o.entriesGiven = true;
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--json':
        o.json = true;
        break;
      case '--dir':
        o.dir = val();
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--index-entries':
        o.indexEntries = int();
        break;
      case '--proofs':
        o.proofs = Math.max(1, int());
        break;
      case '--runs':
        o.runs = Math.max(1, int());
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (o.quick && !o.entriesGiven) o.entries = 100_000;
  if (o.entries < 1) throw new Error('--entries must be at least 1');
  return o;
}

/* ---------------------------------------------------------------- entries */

/**
 * A batch of 1 KB canonical entries (RFC 8785: keys sorted, no spaces,
 * integers and ASCII strings), `{"i":N,"kind":"bench","mmsi":M,"pad":"…","site":"S"}`,
 * padded to exactly ENTRY_BYTES bytes. Cheap to make, so that the figures are the log's.
 */
class EntryMaker {
  readonly #pad = randomBytes(ENTRY_BYTES).toString('base64').replace(/[+/=]/g, 'x');
  batch(first: number, n: number): Uint8Array[] {
    const out: Uint8Array[] = new Array(n);
    for (let j = 0; j < n; j++) {
      const i = first + j;
      const head = `{"i":${i},"kind":"bench","mmsi":${200000000 + (i % 5000)},"pad":"`;
      const tail = `","site":"S${i % 97}"}`;
      const padLen = ENTRY_BYTES - head.length - tail.length;
      // Rotate the padding so that entries differ beyond their index.
      const off = (i * 7) % (this.#pad.length - padLen);
      out[j] = Buffer.from(head + this.#pad.slice(off, off + padLen) + tail, 'latin1');
    }
    return out;
  }
}

/* ---------------------------------------------------------------- helpers */

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function duBytes(path: string): number {
  let total = 0;
  const walk = (p: string): void => {
    const st = statSync(p);
    total += st.blocks * 512;
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(path);
  return total;
}

function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}

const MiB = 1024 * 1024;
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (n < 1 ? n.toFixed(3) : n.toFixed(1));
const fmtBytes = (n: number): string =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / MiB).toFixed(0)} MiB`;

/* ---------------------------------------------------------------- phases */

interface Segment {
  upTo: number;
  appendsPerSec: number;
  wallPerSec: number;
  rssMiB: number;
}

interface AppendResult {
  entries: number;
  appendMs: number;
  wallMs: number;
  makeMs: number;
  appendsPerSec: number;
  wallPerSec: number;
  segments: Segment[];
  batchMsMedian: number;
  batchMsP99: number;
  peakRssEarly: number;
  earlyAt: number;
  peakRssEnd: number;
  heapEarly: number;
  heapEnd: number;
}

async function appendPhase(dir: string, total: number, progress: boolean): Promise<AppendResult> {
  const log = await Log.open(dir, { write: true });
  const maker = new EntryMaker();
  const segSize = total >= 2 * MIN_ENTRIES ? MIN_ENTRIES : Math.max(BATCH, Math.ceil(total / 10 / BATCH) * BATCH);
  const earlyAt = segSize;
  const segments: Segment[] = [];
  const batchMs: number[] = [];
  let appendMs = 0;
  let makeMs = 0;
  let segAppend = 0;
  let segStartWall = now();
  let segStartSize = 0;
  let peakRss = 0;
  let peakRssEarly = 0;
  let heapEarly = 0;
  const t0 = now();
  try {
    const first = maker.batch(0, 1);
    if (!isCanonicalEntry(first[0]) || first[0].length !== ENTRY_BYTES)
      throw new Error('internal: the bench entries are not 1 KB canonical JSON');
    while (log.size < total) {
      const n = Math.min(BATCH, total - log.size);
      const tm = now();
      const entries = maker.batch(log.size, n);
      const ta = now();
      await log.append(entries);
      const tb = now();
      makeMs += ta - tm;
      appendMs += tb - ta;
      segAppend += tb - ta;
      batchMs.push(tb - ta);
      if ((log.size / BATCH) % 16 === 0 || log.size === total) {
        const rss = process.memoryUsage.rss();
        if (rss > peakRss) peakRss = rss;
      }
      if (log.size % segSize === 0 || log.size === total) {
        const rss = process.memoryUsage.rss();
        if (rss > peakRss) peakRss = rss;
        const tw = now();
        const count = log.size - segStartSize;
        segments.push({
          upTo: log.size,
          appendsPerSec: count / (segAppend / 1000),
          wallPerSec: count / ((tw - segStartWall) / 1000),
          rssMiB: rss / MiB,
        });
        if (log.size === earlyAt) {
          peakRssEarly = peakRss;
          heapEarly = process.memoryUsage().heapUsed;
        }
        if (progress) {
          process.stderr.write(
            `  ${fmtInt(log.size)} entries: ${fmtInt(segments[segments.length - 1].appendsPerSec)} appends/s, RSS ${(rss / MiB).toFixed(0)} MiB\n`,
          );
        }
        segAppend = 0;
        segStartWall = tw;
        segStartSize = log.size;
      }
    }
  } finally {
    log.close();
  }
  const wallMs = now() - t0;
  const heapEnd = process.memoryUsage().heapUsed;
  return {
    entries: total,
    appendMs,
    wallMs,
    makeMs,
    appendsPerSec: total / (appendMs / 1000),
    wallPerSec: total / (wallMs / 1000),
    segments,
    batchMsMedian: median(batchMs),
    batchMsP99: quantile(batchMs, 0.99),
    peakRssEarly: peakRssEarly || peakRss,
    earlyAt,
    peakRssEnd: peakRss,
    heapEarly,
    heapEnd,
  };
}

interface IndexResult {
  entries: number;
  appendsPerSec: number;
  batchMsMedian: number;
}

async function indexPhase(dir: string, total: number): Promise<IndexResult> {
  const log = await Log.open(dir, { write: true });
  const index = LogIndex.forLog(log);
  const maker = new EntryMaker();
  const batchMs: number[] = [];
  let ms = 0;
  try {
    while (log.size < total) {
      const n = Math.min(BATCH, total - log.size);
      const entries = maker.batch(log.size, n);
      const t = now();
      await appendRecords(log, index, entries);
      const d = now() - t;
      ms += d;
      batchMs.push(d);
    }
    if (index.size !== log.size) throw new Error(`internal: the index has ${index.size} entries, the log ${log.size}`);
  } finally {
    index.close();
    log.close();
  }
  return { entries: total, appendsPerSec: total / (ms / 1000), batchMsMedian: median(batchMs) };
}

interface ProofStats {
  medianMs: number;
  p99Ms: number;
}

interface ProofResult {
  size: number;
  checkpointMs: number;
  inclusionCold: ProofStats;
  inclusionWarm: ProofStats;
  consistencyCold: ProofStats;
  consistencyWarm: ProofStats;
  bundle: ProofStats;
  openMs: number;
}

function stats(xs: number[]): ProofStats {
  return { medianMs: median(xs), p99Ms: quantile(xs, 0.99) };
}

async function proofPhase(dir: string, count: number): Promise<ProofResult> {
  const t0 = now();
  const log = await Log.open(dir, { write: true });
  const openMs = now() - t0;
  try {
    const size = log.size;
    const tc = now();
    const cp = await log.checkpoint();
    const checkpointMs = now() - tc;
    const root = cp.root;
    const indices = Array.from({ length: count }, () => randomInt(0, size));
    // Entries' leaf hashes, read before timing (the proofs are checked after, untimed).
    const leaves = indices.map((i) => leafHash(log.entry(i)));
    // Old sizes: sizes the log had after some batch (the only sizes whose partial tiles exist, so that their roots can be checked).
    const olds = Array.from({ length: count }, () =>
      Math.min(size, BATCH * (1 + randomInt(0, Math.max(1, Math.floor((size - 1) / BATCH))))),
    );

    const timeEach = (f: (k: number) => void): number[] => {
      const out: number[] = [];
      for (let k = 0; k < count; k++) {
        const t = now();
        f(k);
        out.push(now() - t);
      }
      return out;
    };
    const inclProofs: Uint8Array[][] = new Array(count);
    // Cold: a fresh tile reader per proof, every tile read from its file and hashed up again.
    const inclCold = timeEach((k) => {
      inclProofs[k] = inclusionProof(indices[k], size, hashAtFromDir(dir, size));
    });
    // Warm: one reader for the checkpoint's size, its tile cache shared across proofs (a server's steady state).
    const warm = hashAtFromDir(dir, size);
    const inclWarm = timeEach((k) => {
      inclProofs[k] = inclusionProof(indices[k], size, warm);
    });
    for (let k = 0; k < count; k++) verifyInclusion(leaves[k], indices[k], size, inclProofs[k], root);

    const consProofs: Uint8Array[][] = new Array(count);
    const consCold = timeEach((k) => {
      consProofs[k] = consistencyProof(olds[k], size, hashAtFromDir(dir, size));
    });
    const consWarm = timeEach((k) => {
      consProofs[k] = consistencyProof(olds[k], size, warm);
    });
    // Check a sample of consistency proofs against roots recomputed from the tiles (untimed).
    for (let k = 0; k < Math.min(count, 20); k++) {
      const m = olds[k];
      if (m < size) verifyConsistency(m, size, consProofs[k], treeRoot(m, hashAtFromDir(dir, m)), root);
    }
    // The full tlog-proof bundle as `tally log proof` prints it (reads and opens the checkpoint, reads the entry).
    const bundle = timeEach((k) => {
      log.proof(indices[k]);
    });
    return {
      size,
      checkpointMs,
      openMs,
      inclusionCold: stats(inclCold),
      inclusionWarm: stats(inclWarm),
      consistencyCold: stats(consCold),
      consistencyWarm: stats(consWarm),
      bundle: stats(bundle),
    };
  } finally {
    log.close();
  }
}

/* ---------------------------------------------------------------- main */

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const base = o.dir ?? mkdtempSync(join(tmpdir(), 'tally-bench-ledger-'));
  const logDir = join(base, 'log');
  const indexDir = join(base, 'log-index');
  const indexEntries = o.indexEntries ?? Math.min(o.entries, MIN_ENTRIES);

  // Disk: scale the size down to what fits, keeping 10% and 2 GiB of the free space spare.
  const free = freeBytes(existsSync(base) ? base : tmpdir());
  const usable = Math.max(0, free * 0.9 - 2 * 1024 ** 3);
  const needed = (o.entries + indexEntries) * DISK_PER_ENTRY;
  let entries = o.entries;
  let scaled = false;
  if (needed > usable) {
    entries = Math.floor((usable / DISK_PER_ENTRY - indexEntries) / BATCH) * BATCH;
    scaled = true;
    if (entries < MIN_ENTRIES && !o.quick) {
      throw new Error(
        `not enough free disk in ${base}: ${fmtBytes(free)} free, a log of ${fmtInt(MIN_ENTRIES)} entries needs about ${fmtBytes((MIN_ENTRIES + indexEntries) * DISK_PER_ENTRY)}`,
      );
    }
    entries = Math.max(entries, BATCH);
  }
  const progress = !o.json;
  if (progress) {
    process.stderr.write(
      `ledger bench: ${fmtInt(entries)} entries of ${ENTRY_BYTES} bytes in batches of ${fmtInt(BATCH)}${scaled ? ` (scaled down from ${fmtInt(o.entries)} to fit ${fmtBytes(free)} free)` : ''}, in ${base}\n`,
    );
  }

  try {
    const runs: { app: AppendResult; proofs: ProofResult; disk: number }[] = [];
    for (let run = 1; run <= o.runs; run++) {
      if (run > 1) rmSync(logDir, { recursive: true, force: true });
      if (progress && o.runs > 1) process.stderr.write(`  run ${run} of ${o.runs}\n`);
      await Log.init(logDir, { origin: 'bench.tally.example/ledger', keyPath: join(base, 'bench-ledger.key') });
      const app = await appendPhase(logDir, entries, progress);
      if (progress) process.stderr.write('  proofs...\n');
      const proofs = await proofPhase(logDir, o.proofs);
      runs.push({ app, proofs, disk: duBytes(logDir) });
    }
    const { app, proofs, disk } = medianOf(runs);
    let idx: IndexResult | null = null;
    if (indexEntries > 0) {
      if (progress) process.stderr.write(`  ${fmtInt(indexEntries)} entries through the SQLite index...\n`);
      await Log.init(indexDir, {
        origin: 'bench.tally.example/ledger-index',
        keyPath: join(base, 'bench-ledger-index.key'),
      });
      idx = await indexPhase(indexDir, indexEntries);
    }
    report(o, { entries, scaled, requested: o.entries, free, app, proofs, disk, idx, runs });
  } finally {
    if (!o.keep) rmSync(base, { recursive: true, force: true });
    else if (progress) process.stderr.write(`kept ${base}\n`);
  }
}

interface Report {
  entries: number;
  scaled: boolean;
  requested: number;
  free: number;
  app: AppendResult;
  proofs: ProofResult;
  disk: number;
  idx: IndexResult | null;
  /** Every run's own figures (the ones above are their medians). */
  runs: { app: AppendResult; proofs: ProofResult; disk: number }[];
}

/** Field by field median of runs of the same shape (numbers: median; arrays: element by element; objects: key by key). */
function medianOf<T>(xs: T[]): T {
  const first = xs[0] as unknown;
  if (typeof first === 'number') {
    // The true median: with an even number of runs, the mean of the two middle ones (not the better one).
    const v = [...(xs as number[])].sort((a, b) => a - b);
    const m = Math.floor(v.length / 2);
    return (v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2) as T;
  }
  if (Array.isArray(first)) return first.map((_, i) => medianOf((xs as unknown[][]).map((x) => x[i]))) as T;
  if (typeof first === 'object' && first !== null) {
    return Object.fromEntries(
      Object.keys(first).map((k) => [k, medianOf(xs.map((x) => (x as Record<string, unknown>)[k]))]),
    ) as T;
  }
  return first as T;
}

function report(o: Options, r: Report): void {
  const { app, proofs } = r;
  // With several runs: the median of each run's own slowest segment (not the slowest of the per-segment medians, which no run had).
  const minSeg = medianOf(r.runs.map((x) => Math.min(...x.app.segments.map((s) => s.appendsPerSec))));
  const flat = app.peakRssEnd <= Math.max(app.peakRssEarly * FLAT_RATIO, app.peakRssEarly + FLAT_SLACK);
  const rows: { figure: string; value: string; target: string; pass: boolean | null }[] = [
    {
      figure: `appends/s, whole run (Log.append time)`,
      value: fmtInt(app.appendsPerSec),
      target: `>= ${fmtInt(TARGET_APPENDS)}`,
      pass: app.appendsPerSec >= TARGET_APPENDS,
    },
    {
      figure: `appends/s, whole run (wall, incl. making entries)`,
      value: fmtInt(app.wallPerSec),
      target: `>= ${fmtInt(TARGET_APPENDS)}`,
      pass: app.wallPerSec >= TARGET_APPENDS,
    },
    {
      figure: `appends/s, slowest segment`,
      value: fmtInt(minSeg),
      target: `>= ${fmtInt(TARGET_APPENDS)}`,
      pass: minSeg >= TARGET_APPENDS,
    },
    {
      figure: `batch of ${fmtInt(BATCH)}: median / p99 ms`,
      value: `${fmtMs(app.batchMsMedian)} / ${fmtMs(app.batchMsP99)}`,
      target: '',
      pass: null,
    },
    ...(r.idx
      ? [
          {
            figure: `appends/s through the SQLite index (${fmtInt(r.idx.entries)} entries)`,
            value: fmtInt(r.idx.appendsPerSec),
            target: `(>= ${fmtInt(TARGET_APPENDS)})`,
            pass: null,
          },
        ]
      : []),
    { figure: `checkpoint (sign + publish) ms`, value: fmtMs(proofs.checkpointMs), target: '', pass: null },
    { figure: `open the log for writing ms`, value: fmtMs(proofs.openMs), target: '', pass: null },
    {
      figure: `inclusion proof, cold: median (p99) ms`,
      value: `${fmtMs(proofs.inclusionCold.medianMs)} (${fmtMs(proofs.inclusionCold.p99Ms)})`,
      target: `< ${TARGET_PROOF_MS}`,
      pass: proofs.inclusionCold.medianMs < TARGET_PROOF_MS,
    },
    {
      figure: `inclusion proof, warm: median (p99) ms`,
      value: `${fmtMs(proofs.inclusionWarm.medianMs)} (${fmtMs(proofs.inclusionWarm.p99Ms)})`,
      target: `< ${TARGET_PROOF_MS}`,
      pass: proofs.inclusionWarm.medianMs < TARGET_PROOF_MS,
    },
    {
      figure: `consistency proof, cold: median (p99) ms`,
      value: `${fmtMs(proofs.consistencyCold.medianMs)} (${fmtMs(proofs.consistencyCold.p99Ms)})`,
      target: `< ${TARGET_PROOF_MS}`,
      pass: proofs.consistencyCold.medianMs < TARGET_PROOF_MS,
    },
    {
      figure: `consistency proof, warm: median (p99) ms`,
      value: `${fmtMs(proofs.consistencyWarm.medianMs)} (${fmtMs(proofs.consistencyWarm.p99Ms)})`,
      target: `< ${TARGET_PROOF_MS}`,
      pass: proofs.consistencyWarm.medianMs < TARGET_PROOF_MS,
    },
    {
      figure: `tlog-proof bundle (tally log proof): median (p99) ms`,
      value: `${fmtMs(proofs.bundle.medianMs)} (${fmtMs(proofs.bundle.p99Ms)})`,
      target: '',
      pass: null,
    },
    {
      figure: `peak RSS at ${fmtInt(app.earlyAt)} / at ${fmtInt(app.entries)}`,
      value: `${fmtBytes(app.peakRssEarly)} / ${fmtBytes(app.peakRssEnd)}`,
      target: 'flat',
      pass: flat,
    },
    {
      figure: `JS heap used at ${fmtInt(app.earlyAt)} / at the end`,
      value: `${fmtBytes(app.heapEarly)} / ${fmtBytes(app.heapEnd)}`,
      target: '',
      pass: null,
    },
    {
      figure: `disk used by the log`,
      value: `${fmtBytes(r.disk)} (${(r.disk / app.entries).toFixed(0)} B/entry)`,
      target: '',
      pass: null,
    },
  ];
  const figures = {
    entries: r.entries,
    requested: r.requested,
    scaledToDisk: r.scaled,
    entryBytes: ENTRY_BYTES,
    batch: BATCH,
    node: process.version,
    append: app,
    index: r.idx,
    proofs,
    diskBytes: r.disk,
    runs: r.runs.length > 1 ? r.runs : undefined,
    targets: { appendsPerSec: TARGET_APPENDS, proofMs: TARGET_PROOF_MS, flatRatio: FLAT_RATIO },
    pass: Object.fromEntries(rows.filter((x) => x.pass !== null).map((x) => [x.figure, x.pass])),
    rows,
  };
  const readme = {
    title: 'The log',
    note: `${fmtInt(r.entries)} durable appends of ${ENTRY_BYTES}-byte entries in batches of ${fmtInt(BATCH)}, then proofs at that size${r.runs.length > 1 ? `, median of ${r.runs.length} runs` : ''}`,
    columns: ['figure', 'measured', 'target'],
    rows: rows.map((x) => [x.figure, x.value, x.target]),
    targets: rows
      .filter((x) => x.pass !== null)
      .map((x) => ({ name: `${x.figure}: ${x.target}`, measured: x.value, pass: x.pass })),
  };
  if (!o.quick)
    process.stderr.write(`figures written to ${saveResults('ledger', 'npm run bench:ledger', readme, figures)}\n`);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(
    `Tally ledger benchmark: ${fmtInt(r.entries)} entries of ${ENTRY_BYTES} bytes, batches of ${fmtInt(BATCH)}, Node ${process.version}${r.scaled ? ` (scaled down from ${fmtInt(r.requested)} to fit the disk)` : ''}`,
  );
  out.push('');
  out.push('appends/s per segment (Log.append time; wall time; RSS at its end):');
  for (const s of app.segments)
    out.push(
      `  up to ${fmtInt(s.upTo).padStart(12)}  ${fmtInt(s.appendsPerSec).padStart(9)}/s  ${fmtInt(s.wallPerSec).padStart(9)}/s wall  ${s.rssMiB.toFixed(0).padStart(5)} MiB`,
    );
  if (r.runs.length > 1) {
    out.push('');
    out.push(`each run (the table below gives the medians of ${r.runs.length} runs):`);
    r.runs.forEach((x, i) => {
      const slow = Math.min(...x.app.segments.map((s) => s.appendsPerSec));
      const p = x.proofs;
      out.push(
        `  run ${i + 1}: ${fmtInt(x.app.appendsPerSec)}/s append, ${fmtInt(x.app.wallPerSec)}/s wall, slowest segment ${fmtInt(slow)}/s; ` +
          `inclusion ${fmtMs(p.inclusionCold.medianMs)}/${fmtMs(p.inclusionWarm.medianMs)} ms, consistency ${fmtMs(p.consistencyCold.medianMs)}/${fmtMs(p.consistencyWarm.medianMs)} ms (cold/warm)`,
      );
    });
  }
  out.push('');
  const w0 = Math.max(...rows.map((x) => x.figure.length));
  const w1 = Math.max(...rows.map((x) => x.value.length));
  const w2 = Math.max(...rows.map((x) => x.target.length), 6);
  out.push(`${'figure'.padEnd(w0)}  ${'value'.padStart(w1)}  ${'target'.padEnd(w2)}  result`);
  for (const x of rows)
    out.push(
      `${x.figure.padEnd(w0)}  ${x.value.padStart(w1)}  ${x.target.padEnd(w2)}  ${x.pass === null ? '' : x.pass ? 'PASS' : 'MISS'}`,
    );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:ledger: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
