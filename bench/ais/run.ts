/**
 * AIS decoding benchmark: Tally against gpsdecode, libais and two npm
 * decoders, on one file of at least 1,000,000 real sentences, in one run.
 *
 *   npm run bench:ais -- [--sentences N] [--data DIR] [--runs R] [--quick] [--json]
 *                        [--only a,b,...] [--no-memory-check]
 *
 * Every measurement runs in its own process, pinned to one core when
 * `taskset` exists; the reported rate is the best of the runs (the least
 * disturbed by whatever else the machine runs), the median is shown beside
 * it, peak RSS is the largest of the runs.
 */

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { buildInput, corpusSummary, inputName, type BuiltInput, type TypeMix } from './input.js';
import { loadTally, type ChildResult } from './child.js';
import { saveResults } from '../results.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/bench/ais -> repository root */
const repoRoot = resolve(here, '..', '..', '..');
const childJs = join(here, 'child.js');
const libaisPy = join(repoRoot, 'bench', 'ais', 'peers', 'libais_bench.py');
const cliJs = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/* ------------------------------------------------------------------ options */

interface Options {
  sentences: number;
  data: string;
  runs: number;
  json: boolean;
  quick: boolean;
  only: Set<string> | null;
  memoryCheck: boolean;
}

const USAGE = `usage: node dist/bench/ais/run.js [options]
  --sentences N      sentences in the input file, at least (default 1000000)
  --data DIR         folder of real AIS samples (default ../shared/data/ais from the repo root)
  --runs R           runs per decoder; the best and the median are reported (default 3)
  --quick            CI smoke run: 100000 sentences, 1 run
  --only LIST        comma-separated decoders: ${'' /* filled below */}
  --no-memory-check  skip the 4x-input streaming memory check
  --json             print one JSON object instead of tables`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    sentences: 1_000_000,
    data: resolve(repoRoot, '..', 'shared', 'data', 'ais'),
    runs: 3,
    json: false,
    quick: false,
    only: null,
    memoryCheck: true,
  };
  let sentencesGiven = false;
  let runsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const n = Number(val().replace(/_/g, ''));
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      return n;
    };
    switch (a) {
      case '--sentences':
        o.sentences = int();
        sentencesGiven = true;
        break;
      case '--data':
        o.data = resolve(process.cwd(), val());
        break;
      case '--runs':
        o.runs = int();
        runsGiven = true;
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--json':
        o.json = true;
        break;
      case '--only':
        o.only = new Set(
          val()
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        );
        break;
      case '--no-memory-check':
        o.memoryCheck = false;
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n    ${DECODERS.map((d) => d.id).join(', ')}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (o.quick) {
    if (!sentencesGiven) o.sentences = 100_000;
    if (!runsGiven) o.runs = 1;
  }
  return o;
}

/* --------------------------------------------------------------- processes */

interface Measured {
  seconds: number;
  /** Wall-clock seconds of the whole process, start included. */
  wallSeconds: number;
  maxRssKiB: number;
  messages: number | null;
  byType: Record<string, number> | null;
  errors: number | null;
  /** Tally only: rejects by reason. */
  rejected?: Record<string, number>;
  extra?: unknown;
}

const hasTaskset = existsSync('/usr/bin/taskset');
const hasGnuTime = existsSync('/usr/bin/time');

/** Pins a command to core 0, so each measurement is single-core. */
function pinned(cmd: string[]): string[] {
  return hasTaskset ? ['/usr/bin/taskset', '-c', '0', ...cmd] : cmd;
}

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  maxRssKiB: number;
}

/**
 * Runs a command; stdin from `stdinFile` (or nothing), stdout to /dev/null
 * unless `captureStdout`. Peak RSS comes from GNU time when present, else
 * from the command's own report (0 here).
 */
function runProcess(
  cmd: string[],
  opts: { stdinFile?: string; captureStdout?: boolean; onLine?: (l: string) => void } = {},
): Promise<Spawned> {
  return new Promise((resolvePromise, reject) => {
    const timeFile = join(tmpdir(), `tally-bench-time-${process.pid}-${Date.now()}`);
    const full = hasGnuTime ? ['/usr/bin/time', '-f', '%M', '-o', timeFile, ...cmd] : cmd;
    const stdin = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
    const devnull = opts.captureStdout || opts.onLine ? 'pipe' : openSync('/dev/null', 'w');
    const t0 = process.hrtime.bigint();
    const p = spawn(full[0], full.slice(1), { stdio: [stdin, devnull, 'pipe'] });
    let stdout = '';
    let stderr = '';
    if (p.stdout) {
      if (opts.onLine) {
        const rl = createInterface({ input: p.stdout, crlfDelay: Infinity });
        rl.on('line', opts.onLine);
      } else {
        p.stdout.setEncoding('utf8');
        p.stdout.on('data', (d: string) => {
          stdout += d;
        });
      }
    }
    p.stderr?.setEncoding('utf8');
    p.stderr?.on('data', (d: string) => {
      if (stderr.length < 100_000) stderr += d;
    });
    p.on('error', reject);
    p.on('close', (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (typeof stdin === 'number') closeSync(stdin);
      if (typeof devnull === 'number') closeSync(devnull);
      let maxRssKiB = 0;
      if (hasGnuTime && existsSync(timeFile)) {
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        maxRssKiB = Number(lines[lines.length - 1]) || 0;
        rmSync(timeFile, { force: true });
      }
      resolvePromise({ code: code ?? -1, stdout, stderr, wallSeconds, maxRssKiB });
    });
  });
}

function fail(what: string, r: Spawned): never {
  throw new Error(`${what} exited with ${r.code}\n${r.stderr.slice(-4000)}`);
}

/* ---------------------------------------------------------------- decoders */

interface Decoder {
  id: string;
  label: string;
  /** What the peer decodes and how it reassembles, from reading its source. */
  notes: string;
  /** Tally rows need the decoder in src/ais. */
  tally?: boolean;
  /** The path writes every message out as text (JSON lines), not into memory. */
  measure(file: string): Promise<Measured>;
  /** A run that reads the messages decoded, when `measure` cannot. */
  count?(
    file: string,
  ): Promise<{ messages: number; byType: Record<string, number>; rejected?: Record<string, number> }>;
}

function childDecoder(id: string): (file: string) => Promise<Measured> {
  return async (file) => {
    const r = await runProcess(pinned([process.execPath, childJs, id, file]), { captureStdout: true });
    if (r.code !== 0) fail(id, r);
    const c = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
    const rejected = (c.extra as { rejected?: Record<string, number> } | undefined)?.rejected;
    return {
      seconds: c.seconds,
      wallSeconds: r.wallSeconds,
      maxRssKiB: r.maxRssKiB || c.maxRssKiB,
      messages: c.messages,
      byType: c.byType,
      errors: c.errors,
      extra: c.extra,
      ...(rejected ? { rejected } : {}),
    };
  };
}

function libaisDecoder(mode: 'queue' | 'decode'): (file: string) => Promise<Measured> {
  return async (file) => {
    const r = await runProcess(pinned(['/usr/bin/python3', libaisPy, file, mode]), { captureStdout: true });
    if (r.code !== 0) fail(`libais ${mode}`, r);
    const c = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Omit<ChildResult, 'decoder'>;
    return {
      seconds: c.seconds,
      wallSeconds: r.wallSeconds,
      maxRssKiB: r.maxRssKiB || c.maxRssKiB,
      messages: c.messages,
      byType: c.byType,
      errors: c.errors,
    };
  };
}

/** Counts JSON lines of AIS messages by their "type" field. */
function jsonLineCounter(): {
  onLine: (l: string) => void;
  result: { messages: number; byType: Record<string, number> };
} {
  const result = { messages: 0, byType: {} as Record<string, number> };
  const re = /"type":(\d+)/;
  return {
    result,
    onLine: (l) => {
      const m = re.exec(l);
      if (!m) return;
      result.messages++;
      result.byType[m[1]] = (result.byType[m[1]] ?? 0) + 1;
    },
  };
}

const gpsdecodeCmd = ['/usr/bin/gpsdecode', '-j'];
const tallyJsonlCmd = (file: string): string[] => [process.execPath, cliJs, 'ais', 'decode', file, '--format', 'jsonl'];

const DECODERS: Decoder[] = [
  {
    id: 'gpsdecode',
    label: 'gpsdecode -j (gpsd 3.22, C)',
    notes:
      'types 1-27; reassembly per radio channel; type 24 A+B merged into one record (fewer type-24 lines by design); JSON text out',
    async measure(file) {
      const r = await runProcess(pinned(gpsdecodeCmd), { stdinFile: file });
      if (r.code !== 0) fail('gpsdecode', r);
      return {
        seconds: r.wallSeconds,
        wallSeconds: r.wallSeconds,
        maxRssKiB: r.maxRssKiB,
        messages: null,
        byType: null,
        errors: null,
      };
    },
    async count(file) {
      const c = jsonLineCounter();
      const r = await runProcess(gpsdecodeCmd, { stdinFile: file, onLine: c.onLine });
      if (r.code !== 0) fail('gpsdecode', r);
      return c.result;
    },
  },
  {
    id: 'libais',
    label: 'libais NmeaQueue (python3-ais)',
    notes:
      'types 1-27, but DecodeError on many type 6/8 DAC/FIDs and short payloads; multipart keyed by sequence id; into dicts',
    measure: libaisDecoder('queue'),
  },
  {
    id: 'libais-decode',
    label: 'libais ais.decode, own loop',
    notes: 'same C++ decoder, minimal Python loop (split, checksum, join by channel+seq id)',
    measure: libaisDecoder('decode'),
  },
  {
    id: 'ais-stream-decoder',
    label: 'ais-stream-decoder 2.1.2 (npm)',
    notes:
      'types 1-5, 8 (header + inland static only), 18, 24; one fragment buffer (interleaved groups lost); JSON strings out',
    measure: childDecoder('ais-stream-decoder'),
  },
  {
    id: 'ggencoder',
    label: 'ggencoder 1.0.10 (npm)',
    notes:
      'types 1-5, 8 (two DAC/FIDs), 9, 11, 14, 18, 19, 21, 24, 27; one session (interleaved groups lost); positions without lat/lon dropped; objects',
    measure: childDecoder('ggencoder'),
  },
  {
    id: 'tally-batch',
    label: 'Tally decodeBatchBuffer (columnar)',
    notes: 'every supported type fully decoded, checksums, reassembly; into the columnar batch',
    tally: true,
    measure: childDecoder('tally-batch'),
  },
  {
    id: 'tally-jsonl',
    label: 'Tally CLI ais decode --format jsonl',
    notes: '`tally ais decode FILE --format jsonl > /dev/null`; wall time incl. Node start',
    tally: true,
    async measure(file) {
      const r = await runProcess(pinned(tallyJsonlCmd(file)));
      if (r.code !== 0) fail('tally ais decode', r);
      return {
        seconds: r.wallSeconds,
        wallSeconds: r.wallSeconds,
        maxRssKiB: r.maxRssKiB,
        messages: null,
        byType: null,
        errors: null,
      };
    },
    async count(file) {
      // Counts the JSON lines actually written; the rejects come from --summary-json.
      const c = jsonLineCounter();
      const summary = join(tmpdir(), `tally-bench-summary-${process.pid}.json`);
      const r = await runProcess([...tallyJsonlCmd(file), '--summary-json', summary], { onLine: c.onLine });
      if (r.code !== 0) fail('tally ais decode', r);
      const stats = JSON.parse(readFileSync(summary, 'utf8')) as { rejected: Record<string, number> };
      rmSync(summary, { force: true });
      return { ...c.result, rejected: stats.rejected };
    },
  },
];

/* ------------------------------------------------------------------ report */

interface Row {
  id: string;
  label: string;
  notes: string;
  runs: Measured[];
  /** Best (shortest) run: what rates and targets use. */
  seconds: number;
  medianSeconds: number;
  sentencesPerSecond: number;
  medianSentencesPerSecond: number;
  mbPerSecond: number;
  maxRssMiB: number;
  messages: number | null;
  byType: Record<string, number> | null;
  /** Tally only: rejects by reason. */
  rejected?: Record<string, number>;
  /** Types of the file that the decoder returned no message for. */
  typesMissing: number[];
  error?: string;
}

interface Target {
  name: string;
  required: string;
  measured: string;
  pass: boolean | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;

function table(head: string[], rows: string[][], right: boolean[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i])))
      .join('  ')
      .trimEnd();
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function typeMixText(mix: TypeMix, input: BuiltInput): string {
  const types = Object.keys(mix.byType)
    .map(Number)
    .sort((a, b) => a - b);
  const rows = types.map((t) => [String(t), fmtInt(mix.byType[t]), pct(mix.byType[t], mix.messages)]);
  return [
    `Input: ${relative(process.cwd(), input.path) || input.path} (${(input.bytes / 1e6).toFixed(1)} MB, ` +
      `${fmtInt(mix.sentences)} sentences, ${fmtInt(mix.messages)} messages${input.reused ? ', reused' : ''})`,
    `  ${corpusSummary(input)}`,
    `  multipart: ${fmtInt(mix.multipartMessages)} messages (${pct(mix.multipartMessages, mix.messages)} of messages), ` +
      `${fmtInt(mix.multipartSentences)} sentences (${pct(mix.multipartSentences, mix.sentences)} of sentences); ` +
      `${fmtInt(mix.interleavedGroups)} groups interleaved with another group, ${fmtInt(mix.groupsWithoutSeqId)} without sequence id`,
    `  formatters: ${Object.entries(mix.byFormatter)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${pct(v, mix.messages)}`)
      .join(', ')}`,
    '',
    'Type mix (messages by type):',
    table(['type', 'messages', 'share'], rows, [true, true, true]),
  ].join('\n');
}

function countsText(mix: TypeMix, rows: Row[]): string {
  const withCounts = rows.filter((r) => r.byType);
  const types = Object.keys(mix.byType)
    .map(Number)
    .sort((a, b) => a - b);
  const head = ['type', 'file', ...withCounts.map((r) => r.id)];
  const body = types.map((t) => [
    String(t),
    fmtInt(mix.byType[t]),
    ...withCounts.map((r) => fmtInt(r.byType?.[t] ?? 0)),
  ]);
  const extraTypes = new Set<string>();
  for (const r of withCounts)
    for (const k of Object.keys(r.byType ?? {})) if (!(Number(k) in mix.byType)) extraTypes.add(k);
  for (const k of [...extraTypes].sort()) {
    body.push([`${k}?`, '0', ...withCounts.map((r) => fmtInt(r.byType?.[k] ?? 0))]);
  }
  body.push(['all', fmtInt(mix.messages), ...withCounts.map((r) => fmtInt(r.messages ?? 0))]);
  body.push(['of file', '100%', ...withCounts.map((r) => pct(r.messages ?? 0, mix.messages))]);
  return table(
    head,
    body,
    head.map(() => true),
  );
}

/* -------------------------------------------------------------------- main */

async function measureRow(
  d: Decoder,
  file: string,
  runs: number,
  input: BuiltInput,
  log: (s: string) => void,
): Promise<Row> {
  const ms: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    const m = await d.measure(file);
    ms.push(m);
    log(
      `  ${d.id} run ${i + 1}/${runs}: ${m.seconds.toFixed(3)} s, ${fmtInt(input.mix.sentences / m.seconds)} sentences/s, ` +
        `peak RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB`,
    );
  }
  let messages = ms[0].messages;
  let byType = ms[0].byType;
  let rejected = ms[0].rejected;
  if (messages === null && d.count) {
    const c = await d.count(file);
    messages = c.messages;
    byType = c.byType;
    rejected = c.rejected;
  }
  const seconds = Math.min(...ms.map((m) => m.seconds));
  const medianSeconds = median(ms.map((m) => m.seconds));
  const typesMissing = byType
    ? Object.keys(input.mix.byType)
        .map(Number)
        .filter((t) => !byType?.[t])
        .sort((a, b) => a - b)
    : [];
  return {
    id: d.id,
    label: d.label,
    notes: d.notes,
    runs: ms,
    seconds,
    medianSeconds,
    sentencesPerSecond: input.mix.sentences / seconds,
    medianSentencesPerSecond: input.mix.sentences / medianSeconds,
    mbPerSecond: input.bytes / 1e6 / seconds,
    maxRssMiB: Math.max(...ms.map((m) => m.maxRssKiB)) / 1024,
    messages,
    byType,
    typesMissing,
    ...(rejected ? { rejected } : {}),
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };
  const outDir = join(repoRoot, 'bench', 'data');

  log(`Building input from ${o.data} ...`);
  const input = buildInput(o.data, outDir, o.sentences);

  const tally = await loadTally();
  const cliReady = existsSync(cliJs);
  const selected = DECODERS.filter((d) => !o.only || o.only.has(d.id));
  const rows: Row[] = [];
  const skipped: string[] = [];
  for (const d of selected) {
    if (d.tally && !tally) {
      skipped.push(`${d.id}: src/ais/index.ts does not export decodeBatchBuffer yet`);
      continue;
    }
    if (d.id === 'tally-jsonl' && !cliReady) {
      skipped.push(`${d.id}: dist/src/cli/main.js not built`);
      continue;
    }
    log(`Measuring ${d.label} ...`);
    try {
      rows.push(await measureRow(d, input.path, o.runs, input, log));
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      log(`  ${d.id} failed: ${msg}`);
      skipped.push(`${d.id}: failed: ${msg}`);
    }
  }

  // Streaming memory: the CLI on an input four times as large.
  let memory: { small: number; large: number; largeSentences: number; ratio: number } | null = null;
  const jsonlRow = rows.find((r) => r.id === 'tally-jsonl');
  if (o.memoryCheck && jsonlRow && !hasGnuTime)
    skipped.push('streaming memory check: needs GNU time (/usr/bin/time, Debian package "time")');
  if (o.memoryCheck && jsonlRow && hasGnuTime) {
    log(`Building the 4x input for the streaming memory check ...`);
    const big = buildInput(o.data, outDir, o.sentences * 4);
    log(`Measuring ${inputName(o.sentences * 4)} with the CLI (jsonl) ...`);
    const m = await DECODERS.find((d) => d.id === 'tally-jsonl')!.measure(big.path);
    log(`  ${fmtInt(big.mix.sentences / m.seconds)} sentences/s, peak RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
    memory = {
      small: jsonlRow.maxRssMiB,
      large: m.maxRssKiB / 1024,
      largeSentences: big.mix.sentences,
      ratio: m.maxRssKiB / 1024 / jsonlRow.maxRssMiB,
    };
  }

  // Targets
  const get = (id: string): Row | undefined => rows.find((r) => r.id === id);
  const gps = get('gpsdecode');
  const batch = get('tally-batch');
  const npm = rows.filter((r) => r.id === 'ais-stream-decoder' || r.id === 'ggencoder');
  const npmBest = npm.length ? Math.max(...npm.map((r) => r.sentencesPerSecond)) : null;
  const rate = (r: Row | undefined): string => (r ? `${fmtInt(r.sentencesPerSecond)}/s` : 'not measured');
  const targets: Target[] = [
    {
      name: 'batch decode >= 1,500,000 sentences/s (single core)',
      required: '1,500,000/s',
      measured: rate(batch),
      pass: batch ? batch.sentencesPerSecond >= 1_500_000 : null,
    },
    {
      name: 'batch decode >= 4x gpsdecode (same run)',
      required: gps ? `${fmtInt(4 * gps.sentencesPerSecond)}/s` : '4x gpsdecode',
      measured: rate(batch),
      pass: batch && gps ? batch.sentencesPerSecond >= 4 * gps.sentencesPerSecond : null,
    },
    {
      name: 'batch decode >= 10x the npm decoders (same run)',
      required: npmBest ? `${fmtInt(10 * npmBest)}/s` : '10x npm',
      measured: rate(batch),
      pass: batch && npmBest ? batch.sentencesPerSecond >= 10 * npmBest : null,
    },
    {
      name: 'JSONL >= gpsdecode rate (same run)',
      required: gps ? `${fmtInt(gps.sentencesPerSecond)}/s` : 'gpsdecode',
      measured: rate(get('tally-jsonl')),
      pass: get('tally-jsonl') && gps ? get('tally-jsonl')!.sentencesPerSecond >= gps.sentencesPerSecond : null,
    },
    {
      name: 'streaming memory flat (peak RSS 4x input <= 1.25x peak RSS 1x input)',
      required: '<= 1.25x',
      measured: memory
        ? `${memory.small.toFixed(0)} -> ${memory.large.toFixed(0)} MiB (${memory.ratio.toFixed(2)}x)`
        : 'not measured',
      pass: memory ? memory.ratio <= 1.25 : null,
    },
  ];
  for (const r of rows.filter((x) => x.id.startsWith('tally-'))) {
    const rejects = Object.values(r.rejected ?? {}).reduce((a, b) => a + b, 0);
    targets.push({
      name: `${r.id}: every message of the file decoded or rejected with a reason`,
      required: fmtInt(input.mix.messages),
      measured: r.messages === null ? 'not counted' : `${fmtInt(r.messages)} + ${fmtInt(rejects)} rejected`,
      pass: r.messages === null ? null : r.messages + rejects === input.mix.messages,
    });
  }

  const result = {
    input: {
      path: input.path,
      bytes: input.bytes,
      repetitions: input.repetitions,
      reused: input.reused,
      mix: input.mix,
      corpus: input.corpus,
    },
    settings: {
      runs: o.runs,
      statistic: 'best of runs (median also given)',
      pinnedToOneCore: hasTaskset,
      node: process.version,
      peakRss: hasGnuTime ? 'GNU time %M of the measured process' : 'process self-report',
    },
    decoders: rows.map(({ runs, ...r }) => ({ ...r, runs: runs.map(({ extra, ...m }) => ({ ...m, extra })) })),
    memory,
    targets,
    skipped,
  };

  const readme = {
    title: 'AIS decoding',
    note: `${fmtInt(input.mix.sentences)} real sentences (${(input.bytes / 1e6).toFixed(1)} MB), each decoder in its own process${hasTaskset ? ' pinned to one core' : ''}, best of ${o.runs}`,
    columns: ['decoder', 'sentences/s', 'MB/s', 'messages', 'peak RSS'],
    rows: rows.map((r) => [
      r.label,
      fmtInt(r.sentencesPerSecond),
      r.mbPerSecond.toFixed(1),
      r.messages === null ? 'n/a' : `${((r.messages / input.mix.messages) * 100).toFixed(1)} %`,
      `${r.maxRssMiB.toFixed(0)} MiB`,
    ]),
    targets: targets.map((t) => ({ name: t.name, measured: t.measured, pass: t.pass })),
  };
  if (!o.quick && !o.only)
    process.stderr.write(`figures written to ${saveResults('ais', 'npm run bench:ais', readme, result)}\n`);
  if (o.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    const out: string[] = [];
    out.push(typeMixText(input.mix, input), '');
    out.push(
      `Decoders (${o.runs} run${o.runs > 1 ? 's' : ''} each: best, and median; ${hasTaskset ? 'pinned to one core' : 'not pinned'}; MB = 10^6 bytes):`,
    );
    out.push(
      table(
        ['decoder', 'sentences/s', 'median', 'MB/s', 'messages', 'peak RSS MiB', 'notes'],
        rows.map((r) => [
          r.label,
          fmtInt(r.sentencesPerSecond),
          fmtInt(r.medianSentencesPerSecond),
          r.mbPerSecond.toFixed(1),
          r.messages === null ? '-' : `${fmtInt(r.messages)} (${pct(r.messages, input.mix.messages)})`,
          r.maxRssMiB > 0 ? r.maxRssMiB.toFixed(0) : 'n/a',
          r.notes +
            (r.typesMissing.length ? `; no output for types ${r.typesMissing.join(',')}` : '') +
            (r.rejected && Object.keys(r.rejected).length
              ? `; rejected: ${Object.entries(r.rejected)
                  .map(([k, v]) => `${k} ${fmtInt(v)}`)
                  .join(', ')}`
              : ''),
        ]),
        [false, true, true, true, true, true, false],
      ),
    );
    if (o.quick) out.push('(--quick: a small input and one run; the rates are not representative.)');
    out.push('', 'Messages decoded by type (file = messages in the input):');
    out.push(countsText(input.mix, rows));
    if (memory) {
      out.push(
        '',
        `Streaming memory (CLI --format jsonl): ${fmtInt(input.mix.sentences)} sentences -> ${memory.small.toFixed(0)} MiB; ` +
          `${fmtInt(memory.largeSentences)} sentences -> ${memory.large.toFixed(0)} MiB (${memory.ratio.toFixed(2)}x)`,
      );
    }
    out.push('', 'Targets:');
    out.push(
      table(
        ['', 'target', 'required', 'measured'],
        targets.map((t) => [t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'MISS', t.name, t.required, t.measured]),
        [false, false, true, true],
      ),
    );
    if (skipped.length) out.push('', 'Not measured:', ...skipped.map((s) => `  ${s}`));
    process.stdout.write(out.join('\n') + '\n');
  }
  // A wrong message count always fails; a speed or memory miss fails full runs only.
  const missed = targets.filter((t) => t.pass === false);
  if (missed.some((t) => t.name.includes('every message')) || (!o.quick && missed.length)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
