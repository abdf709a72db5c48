/**
 * One measurement in its own Node process, so that peak RSS belongs to one
 * decoder and one run. Usage:
 *
 *   node dist/bench/ais/child.js DECODER FILE
 *
 * DECODER: tally-batch | ais-stream-decoder | ggencoder
 *
 * Prints one JSON line (ChildResult). The time covers reading the file and
 * decoding all of it; it leaves out Node's start and module loading.
 */

import { once } from 'node:events';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export interface ChildResult {
  decoder: string;
  seconds: number;
  messages: number;
  byType: Record<string, number>;
  /** Lines or messages the decoder refused or failed on (as far as it tells). */
  errors: number;
  maxRssKiB: number;
  /** Extra figures the decoder reports (Tally: its DecodeStats). */
  extra?: unknown;
}

/** The part of Tally's `src/ais/index.ts` the benchmark uses. */
export interface TallyAisApi {
  decodeBatchBuffer(
    buf: Buffer,
    opts?: { file?: string },
  ): {
    positions: { length: number };
    statics: unknown[];
    stats: {
      lines: number;
      sentences: number;
      messages: number;
      byType: Record<number, number>;
      rejected: Partial<Record<string, number>>;
      ignored: number;
      filtered: number;
    };
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Loads Tally's AIS module from the build output (dist/src/ais/index.js). */
export async function loadTally(): Promise<TallyAisApi | null> {
  try {
    const mod = (await import(join(here, '..', '..', 'src', 'ais', 'index.js'))) as Partial<TallyAisApi>;
    return typeof mod.decodeBatchBuffer === 'function' ? (mod as TallyAisApi) : null;
  } catch {
    return null;
  }
}

function bump(r: Record<string, number>, k: number | string): void {
  r[k] = (r[k] ?? 0) + 1;
}

/**
 * The file's lines, read 1 MiB at a time, so the peers' peak RSS shows the
 * decoder and not a copy of the whole input held by this harness.
 */
function* lines(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let rest = '';
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const parts = (rest + buf.toString('latin1', 0, n)).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) yield l;
    }
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}

async function runTallyBatch(file: string): Promise<Omit<ChildResult, 'decoder' | 'maxRssKiB'>> {
  const tally = await loadTally();
  if (!tally) throw new Error('src/ais/index.ts does not export decodeBatchBuffer yet');
  const t0 = process.hrtime.bigint();
  const buf = readFileSync(file);
  const batch = tally.decodeBatchBuffer(buf, { file });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const s = batch.stats;
  const byType: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.byType)) byType[k] = v;
  const errors = Object.values(s.rejected).reduce<number>((a, b) => a + (b ?? 0), 0);
  return {
    seconds,
    messages: s.messages,
    byType,
    errors,
    extra: { ...s, positions: batch.positions.length, statics: batch.statics.length },
  };
}

interface StreamDecoder {
  on(ev: 'data', f: (s: string) => void): void;
  on(ev: 'error', f: (e: Error) => void): void;
  write(line: string): boolean;
  end(): void;
}

/**
 * ais-stream-decoder, used as its README shows: a Transform stream fed one
 * line per write, decoded messages read as JSON strings from 'data'.
 */
async function runAisStreamDecoder(file: string): Promise<Omit<ChildResult, 'decoder' | 'maxRssKiB'>> {
  const Decoder = (require('ais-stream-decoder') as { default: new (o: { silent: boolean }) => StreamDecoder }).default;
  const t0 = process.hrtime.bigint();
  const byType: Record<string, number> = {};
  let messages = 0;
  let errors = 0;
  let dec = new Decoder({ silent: true });
  const attach = (d: StreamDecoder): Promise<unknown> => {
    d.on('data', (s: string) => {
      messages++;
      // the message JSON starts with {"type":N,
      bump(byType, s.slice(8, s.indexOf(',', 8)));
    });
    return once(d as unknown as NodeJS.EventEmitter, 'finish');
  };
  let finished = attach(dec);
  let failed: Error | null = null;
  dec.on('error', (e) => {
    failed = e;
  });
  for (const line of lines(file)) {
    if (!dec.write(line)) await once(dec as unknown as NodeJS.EventEmitter, 'drain');
    if (failed) {
      // A non-DecodingError (e.g. a TypeError on an odd payload) ends the stream:
      // count it and carry on with a fresh decoder, as a user would have to.
      errors++;
      failed = null;
      dec = new Decoder({ silent: true });
      finished = attach(dec);
      dec.on('error', (e) => {
        failed = e;
      });
    }
  }
  dec.end();
  await finished;
  await new Promise((r) => setImmediate(r));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, messages, byType, errors };
}

interface GgDecoded {
  valid: boolean;
  aistype?: number;
}

/** ggencoder: `new AisDecode(line, session)`, one session object for multipart, as its README shows. */
async function runGgencoder(file: string): Promise<Omit<ChildResult, 'decoder' | 'maxRssKiB'>> {
  const AisDecode = (require('ggencoder') as { AisDecode: new (l: string, s: object) => GgDecoded }).AisDecode;
  const t0 = process.hrtime.bigint();
  const byType: Record<string, number> = {};
  let messages = 0;
  let errors = 0;
  const session = {};
  for (const line of lines(file)) {
    let d: GgDecoded;
    try {
      d = new AisDecode(line, session);
    } catch {
      errors++;
      continue;
    }
    if (d.valid) {
      messages++;
      bump(byType, d.aistype ?? 0);
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, messages, byType, errors };
}

async function main(): Promise<void> {
  const [decoder, file] = process.argv.slice(2);
  if (!decoder || !file) throw new Error('usage: child.js DECODER FILE');
  const runners: Record<string, (f: string) => Promise<Omit<ChildResult, 'decoder' | 'maxRssKiB'>>> = {
    'tally-batch': runTallyBatch,
    'ais-stream-decoder': runAisStreamDecoder,
    ggencoder: runGgencoder,
  };
  const run = runners[decoder];
  if (!run) throw new Error(`unknown decoder ${decoder}`);
  const r = await run(file);
  const out: ChildResult = { decoder, ...r, maxRssKiB: process.resourceUsage().maxRSS };
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
