/**
 * Fuzzes the AIS reader (src/ais/): feeds mutated NMEA sentences and CSV rows
 * and checks the robustness contract of the input stage:
 *
 *   - no exception escapes (in `strict` mode only an AisInputError, whose
 *     message starts with `file:line:` and names a reason of REJECT_REASONS,
 *     and which is the first reject the lenient run reported);
 *   - every reject carries a reason from REJECT_REASONS and a line number
 *     within the input, and the per-reason counts of `stats` equal the rejects
 *     reported through `onReject`;
 *   - every decoded value is in range for its field (lat -90..90, lon
 *     -180..180, speed, course 0..<360, heading 0..359, status, MMSI < 2^30,
 *     type 1..27, six-bit text, armoured payloads, ISO times), in the record
 *     objects, the JSONL and the columnar batch alike;
 *   - accounting: `stats.lines` is the number of lines of the input; for an
 *     input of one line holding at most one sentence (one `!`, no tag block
 *     after it), messages + rejects + ignored + filtered is exactly 1 (0 only
 *     when the line is a CSV header the reader accepted or a `$PGHP` line,
 *     which dates the next sentence and is not counted), and for a CSV header
 *     and one row it is exactly 1; a line with
 *     control or non-ASCII bytes that starts as NMEA never yields a message;
 *   - chunk-split invariance: the input fed in one piece and in random pieces
 *     gives identical JSONL, stats and rejects (reason and line);
 *   - time: each case is timed; a line that takes more than 50 ms (blocks:
 *     50 ms + 0.5 ms a line + 20 ms a MB), on the best of three tries, fails as
 *     a hint of a super-linear path; a watchdog thread ends a case stuck for
 *     more than 10 s (a hang) and saves its input.
 *
 * The seed corpus is the project's own: scenario logs of several seeds (types
 * 1, 3, 4, multi-sentence 5, 18, 24 A and B, with tag blocks c:, s:, g:), the
 * encoder's output for the other decoded types, USCG trailing fields, Gatehouse
 * $PGHP lines, other NMEA sentences, comments, and MarineCadastre and DMA CSV.
 * Mutations: bit flips, byte set/insert/delete/duplicate, truncation (at every
 * position in a systematic first pass), splices of two lines, random binary
 * junk, UTF-8 and other non-ASCII bytes, CR/LF/NUL injection, overlong lines
 * (1 kB to 20 kB, and now and then megabytes without a newline), whitespace
 * padding, field-level edits of the sentence (fragment count/number/sequence,
 * channel, payload: invalid armour, type 0 and 28-63, short and long
 * payloads; fill bits) and of the tag block (c:, s:, g:), each often followed
 * by recomputing the checksums so that the mutation gets past them; and for
 * multi-line cases: fragments reordered, duplicated, dropped, interleaved,
 * CRLF line ends, junk lines, mutated CSV headers. Inputs go through
 * AisReader (one piece and random chunk sizes, 1 byte to 64 kB), decodeText
 * and decodeBatchBuffer, with and without a `types` filter.
 *
 * Usage: npm run fuzz:ais -- [--count N] [--seed S] [--json] [--out DIR]
 *   --count N   mutated lines to feed (default 1,000,000)
 *   --seed S    seed of the mutations (default 1)
 *   --json      print the summary as JSON
 *   --out DIR   where failing inputs go (default out/fuzz-failures)
 * Progress goes to stderr every 100,000 lines, the summary to stdout; the exit
 * status is 1 when any check failed, and each failing input is written (as the
 * raw bytes, plus a .json describing the failure) to the --out folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Random } from '../src/scenario/random.js';
import { buildCorpus } from './fuzz-ais/corpus.js';
import { bytes, fixChecksums, latin1 } from './fuzz-ais/mutations.js';
import { type Case, type CaseResult, feed, runCase } from './fuzz-ais/checks.js';
import { hugeCase, joinLines, nextCase } from './fuzz-ais/cases.js';

// ---------------------------------------------------------------------------
// The fuzz loop (worker thread) and the watchdog (main thread)

export interface Summary {
  seed: number;
  target: number;
  linesFed: number;
  cases: number;
  casesByKind: Record<string, number>;
  messages: number;
  ignored: number;
  filtered: number;
  rejected: Record<string, number>;
  maxMsPerLine: number;
  maxMsCase: string;
  seconds: number;
  linesPerSecond: number;
  maxRssMB: number;
  failures: Record<string, number>;
  failureFiles: string[];
}

interface WorkerConfig {
  count: number;
  seed: number;
  outDir: string;
}

const WATCH_BYTES = 8 << 20;

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
}

function fuzzLoop(
  cfg: WorkerConfig,
  shared: SharedArrayBuffer | null,
  progress: (lines: number, cases: number, failures: number) => void,
): Summary {
  const t0 = performance.now();
  const rng = new Random(cfg.seed);
  const corpus = buildCorpus();
  const heart = shared ? new Int32Array(shared, 0, 4) : null;
  const watched = shared ? new Uint8Array(shared, 16) : null;
  const sum: Summary = {
    seed: cfg.seed,
    target: cfg.count,
    linesFed: 0,
    cases: 0,
    casesByKind: {},
    messages: 0,
    ignored: 0,
    filtered: 0,
    rejected: {},
    maxMsPerLine: 0,
    maxMsCase: '',
    seconds: 0,
    linesPerSecond: 0,
    maxRssMB: 0,
    failures: {},
    failureFiles: [],
  };
  const savedPerSig: Record<string, number> = {};
  let nextProgress = 100_000;
  let nextHuge = Math.min(50_000, Math.max(1, Math.floor(cfg.count / 3)));

  const record = (c: Case, res: CaseResult): void => {
    sum.cases++;
    sum.casesByKind[c.kind] = (sum.casesByKind[c.kind] ?? 0) + 1;
    sum.linesFed += res.lines;
    if (res.stats) {
      sum.messages += res.stats.messages;
      sum.ignored += res.stats.ignored;
      sum.filtered += res.stats.filtered;
      for (const [k, v] of Object.entries(res.stats.rejected)) sum.rejected[k] = (sum.rejected[k] ?? 0) + (v ?? 0);
    }
    const perLine = res.ms / Math.max(1, res.lines);
    if (perLine > sum.maxMsPerLine) {
      sum.maxMsPerLine = perLine;
      sum.maxMsCase = `${c.kind}, ${res.lines} line(s), ${c.input.length} bytes, ${res.ms.toFixed(2)} ms`;
    }
    for (const f of res.findings) {
      sum.failures[f.sig] = (sum.failures[f.sig] ?? 0) + 1;
      const n = savedPerSig[f.sig] ?? 0;
      if (cfg.outDir && n < 3 && sum.failureFiles.length < 200) {
        savedPerSig[f.sig] = n + 1;
        mkdirSync(cfg.outDir, { recursive: true });
        const base = join(cfg.outDir, `${sanitize(f.sig)}-${n + 1}`);
        writeFileSync(base + '.bin', c.input);
        writeFileSync(
          base + '.json',
          JSON.stringify(
            {
              signature: f.sig,
              detail: f.detail,
              seed: cfg.seed,
              case: sum.cases,
              kind: c.kind,
              chunks: c.chunks ?? null,
              types: c.types ? [...c.types] : null,
              inputLatin1: c.input.length <= 4096 ? latin1(c.input) : `${c.input.length} bytes, see .bin`,
            },
            null,
            2,
          ) + '\n',
        );
        sum.failureFiles.push(base + '.bin');
      }
    }
  };

  const timed = (c: Case): CaseResult => {
    if (heart && watched) {
      const n = Math.min(c.input.length, WATCH_BYTES);
      watched.set(c.input.subarray(0, n));
      Atomics.store(heart, 1, n);
      Atomics.store(heart, 2, sum.cases);
      Atomics.add(heart, 0, 1);
    }
    const res = runCase(c, `case-${sum.cases}.nmea`);
    // Watchdog on time: 50 ms a line (plus slack for blocks and big inputs); best of three tries against GC pauses.
    const bound = 50 + 0.5 * Math.max(0, res.lines - 1) + 20 * (c.input.length / (1 << 20));
    if (res.ms > bound) {
      let best = res.ms;
      for (let k = 0; k < 2 && best > bound; k++) {
        const t = performance.now();
        feed(c.input, { types: c.types ?? null });
        best = Math.min(best, performance.now() - t);
      }
      res.ms = best;
      if (best > bound)
        res.findings.push({
          sig: 'slow_line',
          detail: `${best.toFixed(1)} ms for ${res.lines} line(s) of ${c.input.length} bytes (bound ${bound.toFixed(1)} ms)`,
        });
    }
    return res;
  };

  // Systematic pass: every truncation of a sample of the corpus, as is and with checksums recomputed.
  const sample = [
    ...corpus.nmea.filter((_, k) => k % 97 === 0),
    ...corpus.other,
    ...corpus.csv.slice(0, 2).map((f) => f.rows[0]),
  ];
  outer: for (const line of sample) {
    const b = bytes(line);
    for (let p = 0; p <= b.length; p++) {
      for (const fix of [false, true]) {
        if (sum.linesFed >= cfg.count) break outer;
        const m = fix ? fixChecksums(b.subarray(0, p)) : b.subarray(0, p);
        const input = joinLines([m], '\n', true);
        const c: Case = { kind: 'truncate', input, exact: 'one-line', chunks: [rng.int(1, 40)], strict: true };
        record(c, timed(c));
      }
    }
  }

  while (sum.linesFed < cfg.count) {
    let c: Case;
    if (sum.linesFed >= nextHuge) {
      nextHuge += 250_000;
      c = hugeCase(rng, corpus, rng.range(1, 5));
    } else c = nextCase(rng, corpus);
    record(c, timed(c));
    if (sum.linesFed >= nextProgress) {
      nextProgress += 100_000;
      const rss = process.memoryUsage().rss / (1 << 20);
      sum.maxRssMB = Math.max(sum.maxRssMB, rss);
      progress(
        sum.linesFed,
        sum.cases,
        Object.values(sum.failures).reduce((a, b) => a + b, 0),
      );
    }
  }
  sum.maxRssMB = Math.max(sum.maxRssMB, process.memoryUsage().rss / (1 << 20));
  sum.seconds = (performance.now() - t0) / 1000;
  sum.linesPerSecond = Math.round(sum.linesFed / sum.seconds);
  return sum;
}

function parseArgs(argv: string[]): { count: number; seed: number; json: boolean; outDir: string } {
  const o = { count: 1_000_000, seed: 1, json: false, outDir: 'out/fuzz-failures' };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const val = (): string => {
      const v = argv[++k];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--count') o.count = Number(val());
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--json') o.json = true;
    else if (a === '--out') o.outDir = val();
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: fuzz-ais [--count N] [--seed S] [--json] [--out DIR]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(o.count) || o.count < 1) throw new Error('--count must be a positive whole number');
  if (!Number.isInteger(o.seed)) throw new Error('--seed must be a whole number');
  return o;
}

function printSummary(s: Summary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    return;
  }
  const lines = [
    `fuzz-ais: seed ${s.seed}, ${s.linesFed.toLocaleString('en')} lines fed in ${s.cases.toLocaleString('en')} cases, ${s.seconds.toFixed(1)} s (${s.linesPerSecond.toLocaleString('en')} lines/s), max RSS ${s.maxRssMB.toFixed(0)} MB`,
    `  cases: ${Object.entries(s.casesByKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  messages ${s.messages}, ignored ${s.ignored}, filtered ${s.filtered}`,
    `  rejects by reason:`,
    ...Object.entries(s.rejected)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `    ${k.padEnd(22)} ${v}`),
    `  max time per line: ${s.maxMsPerLine.toFixed(3)} ms (${s.maxMsCase})`,
  ];
  const fails = Object.entries(s.failures).sort((a, b) => b[1] - a[1]);
  if (fails.length === 0) lines.push('  failures: none');
  else {
    lines.push(`  FAILURES (${fails.reduce((a, [, v]) => a + v, 0)}), by signature:`);
    for (const [k, v] of fails) lines.push(`    ${String(v).padStart(7)}  ${k}`);
    lines.push(
      `  failing inputs: ${s.failureFiles.length} files under ${s.failureFiles.length ? s.failureFiles[0].replace(/\/[^/]*$/, '') : '-'}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

const HANG_MS = 10_000;

function main(): void {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz-ais: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const shared = new SharedArrayBuffer(16 + WATCH_BYTES);
  const heart = new Int32Array(shared, 0, 4);
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { fuzzAis: true, cfg: { count: args.count, seed: args.seed, outDir: args.outDir }, shared },
  });
  let last = -1;
  let lastChange = Date.now();
  let done = false;
  const timer = setInterval(() => {
    const beat = Atomics.load(heart, 0);
    if (beat !== last) {
      last = beat;
      lastChange = Date.now();
      return;
    }
    if (Date.now() - lastChange < HANG_MS) return;
    // A hang: save the input being decoded and stop.
    clearInterval(timer);
    done = true;
    const n = Atomics.load(heart, 1);
    mkdirSync(args.outDir, { recursive: true });
    const file = join(args.outDir, `hang-case-${Atomics.load(heart, 2)}.bin`);
    writeFileSync(file, new Uint8Array(shared, 16, n));
    process.stderr.write(`fuzz-ais: HANG: a case ran for more than ${HANG_MS / 1000} s; its input is in ${file}\n`);
    void worker.terminate().then(() => process.exit(1));
  }, 500);
  worker.on('message', (m: { progress?: [number, number, number]; summary?: Summary }) => {
    if (m.progress) {
      const [lines, cases, failures] = m.progress;
      process.stderr.write(
        `fuzz-ais: ${lines.toLocaleString('en')} lines, ${cases.toLocaleString('en')} cases, ${failures} failures\n`,
      );
    }
    if (m.summary) {
      done = true;
      clearInterval(timer);
      printSummary(m.summary, args.json);
      process.exitCode = Object.keys(m.summary.failures).length ? 1 : 0;
    }
  });
  worker.on('error', (e) => {
    clearInterval(timer);
    process.stderr.write(`fuzz-ais: the fuzz loop itself failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
  worker.on('exit', (code) => {
    clearInterval(timer);
    if (!done) {
      process.stderr.write(`fuzz-ais: worker exited with code ${code} before a summary\n`);
      process.exit(1);
    }
  });
}

function workerMain(): void {
  const { cfg, shared } = workerData as { cfg: WorkerConfig; shared: SharedArrayBuffer };
  const summary = fuzzLoop(cfg, shared, (lines, cases, failures) =>
    parentPort!.postMessage({ progress: [lines, cases, failures] }),
  );
  parentPort!.postMessage({ summary });
}

/** Run the fuzz in this thread (tests): the summary; failing inputs are written only when outDir is given. */
export function fuzzInProcess(count: number, seed: number, outDir = ''): Summary {
  return fuzzLoop({ count, seed, outDir }, null, () => undefined);
}

export const entry = process.argv[1] ? pathToFileURL(process.argv[1]).href : '';
if (isMainThread && import.meta.url === entry) main();
else if (!isMainThread && (workerData as { fuzzAis?: boolean } | null)?.fuzzAis) workerMain();

export { buildCorpus, sentence, tagBlock, type Corpus } from './fuzz-ais/corpus.js';
export { applyOps, SPECIAL_BYTES, type Op } from './fuzz-ais/mutations.js';
export { feed, runCase, type Case } from './fuzz-ais/checks.js';
