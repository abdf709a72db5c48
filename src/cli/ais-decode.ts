/** `tally ais decode FILE...`: AIS messages to JSONL or CSV on stdout, a summary on stderr. */
import { statSync } from 'node:fs';
import {
  AisInputError,
  CsvRowSink,
  decodeFiles,
  type DecodeStats,
  JsonlRowSink,
  REJECT_REASONS,
  type RejectReason,
} from '../ais/index.js';
import { Progress, StdoutWriter, UsageError } from './util.js';

export interface DecodeCliOptions {
  format: string;
  types?: string;
  strict?: boolean;
  quiet?: boolean;
  summaryJson?: string;
}

export async function decodeAction(files: string[], opts: DecodeCliOptions): Promise<void> {
  if (opts.format !== 'jsonl' && opts.format !== 'csv')
    throw new UsageError(`--format: expected jsonl or csv, got ${JSON.stringify(opts.format)}`);
  let types: Set<number> | null = null;
  if (opts.types !== undefined) {
    types = new Set();
    for (const part of opts.types.split(',')) {
      const n = Number(part.trim());
      if (!Number.isInteger(n) || n < 1 || n > 27)
        throw new UsageError(
          `--types: expected message types 1 to 27 separated by commas, got ${JSON.stringify(part)}`,
        );
      types.add(n);
    }
  }
  let total = 0;
  for (const f of files) {
    if (f === '-') continue;
    try {
      total += statSync(f).size;
    } catch {
      throw new UsageError(`${f}: cannot read this file`);
    }
  }
  const out = new StdoutWriter();
  const sink = opts.format === 'csv' ? new CsvRowSink((s) => out.write(s)) : new JsonlRowSink((s) => out.write(s));
  const progress = new Progress(opts.quiet ? 0 : total, 'decoding');
  let stats: DecodeStats;
  try {
    stats = await decodeFiles(files, sink, { types, strict: opts.strict ?? false }, async (bytes) => {
      progress.add(bytes);
      await out.drained();
    });
  } catch (e) {
    sink.flush();
    await out.end();
    progress.stop();
    if (e instanceof AisInputError) throw new UsageError(e.message);
    throw e;
  }
  sink.flush();
  await out.end();
  progress.stop();
  if (!opts.quiet) process.stderr.write(formatSummary(stats));
  if (opts.summaryJson) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(opts.summaryJson, JSON.stringify(stats, null, 2) + '\n');
  }
}

export function formatSummary(s: DecodeStats): string {
  const lines: string[] = [];
  lines.push(`${s.messages} messages from ${s.sentences} sentences in ${s.lines} lines`);
  const types = Object.entries(s.byType).map(([t, n]) => `${t === '0' ? 'csv' : 'type ' + t}: ${n}`);
  if (types.length) lines.push('  by type: ' + types.join(', '));
  if (s.filtered) lines.push(`  left out by --types: ${s.filtered}`);
  if (s.ignored) lines.push(`  passed over (comments, blank lines, other NMEA): ${s.ignored}`);
  const rejected = Object.entries(s.rejected) as [RejectReason, number][];
  const nrej = rejected.reduce((a, [, n]) => a + n, 0);
  lines.push(`  rejected: ${nrej}`);
  for (const [r, n] of rejected) lines.push(`    ${r}: ${n} (${REJECT_REASONS[r]})`);
  return lines.join('\n') + '\n';
}
