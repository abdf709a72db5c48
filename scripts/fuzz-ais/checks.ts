/** What the fuzzer checks of each run: no foreign exception, every reject with a listed reason, values in range, chunking without effect. */
import { latin1 } from './mutations.js';
import { performance } from 'node:perf_hooks';
import {
  AisInputError,
  AisReader,
  decodeBatchBuffer,
  decodeText,
  detectCsvDialect,
  REJECT_REASONS,
  type AisMessage,
  type AisRecord,
  type CsvRow,
  type DecodeStats,
  type Reject,
  type RowSink,
} from '../../src/ais/index.js';

// ---------------------------------------------------------------------------
// Checks

export interface Finding {
  /** Short signature of the kind of failure (grouping key), e.g. `value_range:lat`. */
  sig: string;
  detail: string;
}

const SIXBIT_TEXT = /^[\x20-\x3f\x41-\x5f]*$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
/** CSV values: printable ASCII, and tabs (which the reader takes as text inside a field). */
const CSV_TEXT = /^[\t\x20-\x7e]*$/;
const ARMOUR_TEXT = /^[0-W`-w]*$/;
const ISO_TIME = /^(?:\d{4}|[+-]\d{6})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TEXT_FIELDS = new Set(['shipname', 'callsign', 'destination', 'name', 'vendorid']);
const KNOWN_REASONS = new Set(Object.keys(REJECT_REASONS));
const INVALID_FIELDS = new Set(['lat', 'lon', 'course', 'heading']);

function inRange(v: unknown, lo: number, hi: number, below = false): boolean {
  return v === null || (typeof v === 'number' && v >= lo && (below ? v < hi : v <= hi));
}

/** Problems with the values of one decoded record (AIS message, or CSV row when type is 0). */
export function recordProblems(r: AisRecord): Finding[] {
  const out: Finding[] = [];
  const bad = (field: string, why = 'out of range'): void => {
    out.push({ sig: `value_range:${field}`, detail: `type ${r.type} ${field}=${JSON.stringify(r[field])} ${why}` });
  };
  const csv = r.type === 0;
  if (!Number.isInteger(r.type) || r.type < 0 || r.type > 27) bad('type');
  if (!Number.isInteger(r.repeat) || r.repeat < 0 || r.repeat > 3) bad('repeat');
  if (!Number.isInteger(r.mmsi) || r.mmsi < 0 || r.mmsi >= 2 ** 30) bad('mmsi');
  for (const [k, v] of Object.entries(r)) {
    if (k === 'invalid') {
      // Fields the decoder found out of range: a list of checked names, each now null.
      if (!Array.isArray(v) || v.length === 0 || v.some((f) => !INVALID_FIELDS.has(f) || r[f] !== null))
        bad(k, 'not a list of nulled fields');
      continue;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) bad(k, 'not finite');
    else if (v !== null && v !== undefined && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean')
      bad(k, 'of a bad kind');
    else if (typeof v === 'string') {
      if (k === 'time') {
        if (!ISO_TIME.test(v)) bad(k, 'not an ISO time');
      } else if (k === 'payload') {
        if (!ARMOUR_TEXT.test(v) || typeof r.bits !== 'number' || v.length !== Math.ceil(r.bits / 6))
          bad(k, `not the armour of ${r.bits} bits`);
      } else if (!csv && TEXT_FIELDS.has(k)) {
        if (!SIXBIT_TEXT.test(v)) bad(k, 'not six-bit text');
      } else if (k === 'eta') {
        if (!/^\d\d-\d\dT\d\d:\d\dZ$/.test(v)) bad(k, 'not MM-DDTHH:MMZ');
      } else if (k === 'timestamp') {
        if (!/^\d{4,5}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(v)) bad(k, 'not a timestamp');
      } else if (k === 'turn') {
        if (v !== 'fastright' && v !== 'fastleft') bad(k);
      } else if (!(csv ? CSV_TEXT : PRINTABLE).test(v)) bad(k, 'holds control or non-ASCII characters');
    }
  }
  if (!inRange(r.lat ?? null, -90, 90)) bad('lat');
  if (!inRange(r.lon ?? null, -180, 180)) bad('lon');
  const maxSpeed = r.type === 9 ? 1022 : r.type === 27 ? 62 : 102.2;
  if (!inRange(r.speed ?? null, 0, maxSpeed)) bad('speed');
  if (!inRange(r.course ?? null, 0, 360, true)) bad('course');
  if (
    !inRange(r.heading ?? null, 0, csv ? 360 : 359, csv) ||
    (!csv && typeof r.heading === 'number' && !Number.isInteger(r.heading))
  )
    bad('heading');
  if (!inRange(r.status ?? null, 0, 15)) bad('status');
  if (!inRange(r.second ?? null, 0, 63)) bad('second');
  if (typeof r.turn === 'number' && !inRange(r.turn, -720, 720)) bad('turn');
  if (r.payload !== undefined && (typeof r.bits !== 'number' || r.bits < 38)) bad('bits');
  if (!csv && r.payload === undefined && r.bits !== undefined) bad('bits', 'without payload');
  return out;
}

/** Sink that checks every message and keeps the JSONL (as JsonlRowSink writes it). */
class CheckSink implements RowSink {
  readonly out: string[] = [];
  readonly findings: Finding[] = [];
  messageLines: number[] = [];
  message(m: AisMessage): void {
    this.out.push(m.toJson() + '\n');
    const rec = m.toRecord();
    this.findings.push(...recordProblems(rec));
    this.messageLines.push(m.line);
    if (m.type < 1 || m.type > 27) this.findings.push({ sig: 'value_range:type', detail: `message type ${m.type}` });
  }
  csvRow(row: CsvRow): void {
    this.out.push(JSON.stringify(row.record) + '\n');
    this.findings.push(...recordProblems(row.record));
  }
}

export interface Run {
  jsonl: string;
  stats: DecodeStats | null;
  rejects: Reject[];
  error: unknown;
  findings: Finding[];
  messageLines: number[];
}

export interface FeedOptions {
  strict?: boolean;
  types?: ReadonlySet<number> | null;
  file?: string;
  /** Chunk sizes, used in turn; null: one piece. */
  chunks?: readonly number[] | null;
}

/** Feed bytes through an AisReader (in one piece or in chunks) into a checking sink. */
export function feed(input: Uint8Array, o: FeedOptions = {}): Run {
  const sink = new CheckSink();
  const rejects: Reject[] = [];
  const reader = new AisReader(sink, {
    file: o.file ?? 'fuzz.nmea',
    strict: o.strict ?? false,
    types: o.types ?? null,
    onReject: (r) => rejects.push({ ...r }),
  });
  let error: unknown = null;
  let stats: DecodeStats | null = null;
  try {
    if (!o.chunks || o.chunks.length === 0) reader.write(input);
    else {
      let p = 0;
      let k = 0;
      while (p < input.length) {
        const n = Math.max(1, o.chunks[k++ % o.chunks.length]);
        reader.write(input.subarray(p, p + n));
        p += n;
      }
    }
    reader.end();
    stats = reader.stats;
  } catch (e) {
    error = e;
  }
  return { jsonl: sink.out.join(''), stats, rejects, error, findings: sink.findings, messageLines: sink.messageLines };
}

/** Lines of an input as the reader counts them: one per LF, and a last one without LF. */
export function lineCount(b: Uint8Array): number {
  let n = 0;
  for (let k = 0; k < b.length; k++) if (b[k] === 10) n++;
  if (b.length && b[b.length - 1] !== 10) n++;
  return n;
}

function errorSig(e: unknown): string {
  if (e instanceof AisInputError) return `exception:AisInputError:${e.reject.reason}`;
  if (e instanceof Error) return `exception:${e.name}: ${e.message.replace(/\d+/g, '#').slice(0, 70)}`;
  return `exception:${typeof e}`;
}

function outcomes(s: DecodeStats): number {
  let n = s.messages + s.ignored + s.filtered;
  for (const v of Object.values(s.rejected)) n += v ?? 0;
  return n;
}

/** Checks on one lenient run: reasons, reject lines, counts, values. */
function checkRun(input: Uint8Array, run: Run, lines: number, label: string): Finding[] {
  const out: Finding[] = [];
  if (run.error !== null) {
    out.push({
      sig: errorSig(run.error),
      detail: `${label}: ${run.error instanceof Error ? run.error.stack : String(run.error)}`,
    });
    return out;
  }
  const s = run.stats!;
  out.push(...run.findings);
  if (s.lines !== lines)
    out.push({
      sig: `accounting:lines_count${label === 'whole' ? '' : ':' + label}`,
      detail: `${label}: stats.lines ${s.lines}, the input has ${lines}`,
    });
  const counted: Record<string, number> = {};
  for (const r of run.rejects) {
    if (!KNOWN_REASONS.has(r.reason)) out.push({ sig: `unknown_reason:${r.reason}`, detail: JSON.stringify(r) });
    if (!Number.isInteger(r.line) || r.line < 1 || r.line > lines)
      out.push({ sig: `reject_line:${r.reason}`, detail: `${label}: ${JSON.stringify(r)} of ${lines} lines` });
    if (typeof r.detail !== 'string' || !r.detail)
      out.push({ sig: `reject_detail:${r.reason}`, detail: JSON.stringify(r) });
    counted[r.reason] = (counted[r.reason] ?? 0) + 1;
  }
  for (const reason of new Set([...Object.keys(counted), ...Object.keys(s.rejected)])) {
    if (!KNOWN_REASONS.has(reason))
      out.push({ sig: `unknown_reason:${reason}`, detail: `in stats: ${JSON.stringify(s.rejected)}` });
    if ((counted[reason] ?? 0) !== (s.rejected[reason as keyof typeof s.rejected] ?? 0)) {
      out.push({
        sig: `accounting:reject_counts`,
        detail: `${reason}: ${counted[reason] ?? 0} reported, ${s.rejected[reason as keyof typeof s.rejected] ?? 0} in stats`,
      });
    }
  }
  const byType = Object.values(s.byType).reduce((a, b) => a + b, 0);
  const jsonlLines = run.jsonl === '' ? 0 : run.jsonl.split('\n').length - 1;
  if (byType !== s.messages || jsonlLines !== s.messages) {
    out.push({
      sig: 'accounting:messages',
      detail: `${label}: stats.messages ${s.messages}, byType sum ${byType}, ${jsonlLines} JSONL lines`,
    });
  }
  for (const l of run.messageLines)
    if (l < 1 || l > lines) out.push({ sig: 'accounting:message_line', detail: `message on line ${l} of ${lines}` });
  void input;
  return out;
}

export type Exactness = 'one-line' | 'csv-row' | 'long-between' | null;

export interface Case {
  kind: string;
  input: Uint8Array;
  exact: Exactness;
  types?: ReadonlySet<number> | null;
  chunks?: readonly number[];
  /** Also decode with decodeText / decodeBatchBuffer and compare. */
  via?: 'text' | 'batch' | null;
  strict?: boolean;
}

export interface CaseResult {
  findings: Finding[];
  lines: number;
  ms: number;
  stats: DecodeStats | null;
  rejects: Reject[];
}

function sameRejects(a: Reject[], b: Reject[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k].reason !== b[k].reason || a[k].line !== b[k].line) return false;
  return true;
}

/** Is this a line the reader takes as NMEA with one sentence at most? */
function simpleLine(b: Uint8Array): boolean {
  const s = latin1(b);
  const bang = s.indexOf('!');
  if (bang < 0) return true;
  return s.indexOf('!', bang + 1) < 0 && s.indexOf('\\', bang) < 0;
}

function startsAsNmea(b: Uint8Array): boolean {
  for (const c of b) {
    if (c === 32 || c === 9) continue;
    return c === 33 || c === 92;
  }
  return false;
}

function hasBinary(b: Uint8Array): boolean {
  // The reader strips spaces, tabs and CRs at the end of a line (a CR there is a line end, not binary).
  let end = b.length;
  while (end > 0 && (b[end - 1] === 13 || b[end - 1] === 10 || b[end - 1] === 32 || b[end - 1] === 9)) end--;
  for (let k = 0; k < end; k++) if ((b[k] < 32 && b[k] !== 9) || b[k] > 126) return true;
  return false;
}

/** Run one case through every check; never throws. */
export function runCase(c: Case, file = 'fuzz.nmea'): CaseResult {
  const findings: Finding[] = [];
  const lines = lineCount(c.input);
  const types = c.types ?? null;
  const t0 = performance.now();
  const whole = feed(c.input, { types, file });
  const ms = performance.now() - t0;
  findings.push(...checkRun(c.input, whole, lines, 'whole'));
  const s = whole.stats;

  // Exact accounting.
  if (s && c.exact === 'one-line' && lines === 1) {
    const text = latin1(c.input).replace(/[\r\n]+$/, '');
    const n = outcomes(s);
    if (n === 0) {
      // Nothing to count: only a CSV header the reader took, or a $PGHP line that dates the next sentence.
      if (detectCsvDialect(text.trim()) === null && !/^\s*\$PGHP,/.test(text))
        findings.push({
          sig: 'accounting:line_unaccounted',
          detail: `no message, reject or ignore for the line; stats ${JSON.stringify(s)}`,
        });
    } else if (n !== 1 && simpleLine(c.input)) {
      findings.push({
        sig: 'accounting:line_counted_twice',
        detail: `${n} outcomes for one line holding one sentence: ${JSON.stringify(s)}`,
      });
    }
    if (startsAsNmea(c.input) && hasBinary(c.input) && s.messages > 0) {
      findings.push({
        sig: 'binary_accepted',
        detail: `a line with control or non-ASCII bytes gave ${s.messages} message(s): ${whole.jsonl.slice(0, 300)}`,
      });
    }
  } else if (s && c.exact === 'csv-row' && lines === 2) {
    if (outcomes(s) !== 1)
      findings.push({
        sig: 'accounting:csv_row',
        detail: `${outcomes(s)} outcomes for one CSV row: ${JSON.stringify(s)}`,
      });
  } else if (s && c.exact === 'long-between') {
    // A valid sentence, an overlong line, a valid sentence.
    const want = { lines: 3, messages: 2, rejected: { line_too_long: 1 } };
    if (
      s.lines !== 3 ||
      s.messages + s.filtered !== 2 ||
      JSON.stringify(s.rejected) !== JSON.stringify(want.rejected)
    ) {
      findings.push({ sig: 'accounting:long_line', detail: `want ${JSON.stringify(want)}, got ${JSON.stringify(s)}` });
    }
  }

  // Chunk-split invariance.
  if (c.chunks && c.chunks.length) {
    const split = feed(c.input, { types, file, chunks: c.chunks });
    const f = checkRun(c.input, split, lines, 'chunked');
    findings.push(...f.filter((x) => !x.sig.startsWith('value_range')));
    if (whole.error === null && split.error === null) {
      const diffs: string[] = [];
      if (whole.jsonl !== split.jsonl) diffs.push('jsonl');
      if (JSON.stringify(whole.stats) !== JSON.stringify(split.stats)) diffs.push('stats');
      if (!sameRejects(whole.rejects, split.rejects)) diffs.push('rejects');
      if (diffs.length) {
        findings.push({
          sig: `chunk_variance:${diffs.join('+')}`,
          detail:
            `chunks ${JSON.stringify(c.chunks.slice(0, 20))}: whole ${JSON.stringify(whole.stats)} ${JSON.stringify(whole.rejects.slice(0, 5).map((r) => r.reason + '@' + r.line))}; ` +
            `split ${JSON.stringify(split.stats)} ${JSON.stringify(split.rejects.slice(0, 5).map((r) => r.reason + '@' + r.line))}`,
        });
      }
    }
  }

  // The other entry points.
  if (c.via === 'text' && whole.error === null) {
    try {
      const r = decodeText(latin1(c.input), { types, file });
      if (
        JSON.stringify(r.stats) !== JSON.stringify(s) ||
        !sameRejects(r.rejects, whole.rejects) ||
        r.records.length !== s!.messages
      ) {
        findings.push({
          sig: 'entry_points:decodeText',
          detail: `decodeText ${JSON.stringify(r.stats)} vs reader ${JSON.stringify(s)}`,
        });
      }
    } catch (e) {
      findings.push({
        sig: errorSig(e) + ' (decodeText)',
        detail: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
    }
  } else if (c.via === 'batch') {
    try {
      const b = decodeBatchBuffer(c.input, { types, file });
      if (s && JSON.stringify(b.stats) !== JSON.stringify(s))
        findings.push({
          sig: 'entry_points:decodeBatchBuffer',
          detail: `batch ${JSON.stringify(b.stats)} vs reader ${JSON.stringify(s)}`,
        });
      findings.push(...batchProblems(b.positions, b.stats.messages));
    } catch (e) {
      findings.push({
        sig: errorSig(e) + ' (decodeBatchBuffer)',
        detail: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
    }
  }

  // Strict mode: the first reject throws, naming the file and line.
  if (c.strict && whole.error === null) {
    const strictFile = 'strict-' + file;
    const st = feed(c.input, { types, file: strictFile, strict: true });
    const first = whole.rejects[0];
    if (!first) {
      if (st.error !== null) findings.push({ sig: 'strict:threw_without_reject', detail: String(st.error) });
    } else if (!(st.error instanceof AisInputError)) {
      findings.push({
        sig: st.error === null ? 'strict:no_throw' : errorSig(st.error) + ' (strict)',
        detail: `expected AisInputError for ${first.reason}@${first.line}`,
      });
    } else {
      const e = st.error;
      const prefix = `${strictFile}:${first.line}: ${first.reason}:`;
      if (!e.message.startsWith(prefix) || !KNOWN_REASONS.has(e.reject.reason) || e.reject.file !== strictFile) {
        findings.push({
          sig: 'strict:wrong_error',
          detail: `expected ${JSON.stringify(prefix)}..., got ${JSON.stringify(e.message.slice(0, 200))}`,
        });
      }
    }
  }
  return { findings, lines, ms, stats: s, rejects: whole.rejects };
}

interface Columns {
  length: number;
  time: Float64Array;
  mmsi: Uint32Array;
  lat: Float64Array;
  lon: Float64Array;
  speed: Float32Array;
  course: Float32Array;
  heading: Float32Array;
  type: Uint8Array;
  status: Uint8Array;
}

/** Problems in the columnar batch (NaN is "not available"). */
export function batchProblems(p: Columns, messages: number): Finding[] {
  const out: Finding[] = [];
  const nanOr = (v: number, lo: number, hi: number, below = false): boolean =>
    v !== v || (v >= lo && (below ? v < hi : v <= hi));
  const bad = (field: string, k: number, v: number): void => {
    out.push({ sig: `batch_range:${field}`, detail: `row ${k} (type ${p.type[k]}) ${field}=${v}` });
  };
  if (p.length > messages)
    out.push({ sig: 'batch_range:length', detail: `${p.length} position rows, ${messages} messages` });
  for (let k = 0; k < p.length; k++) {
    if (!nanOr(p.lat[k], -90, 90)) bad('lat', k, p.lat[k]);
    if (!nanOr(p.lon[k], -180, 180)) bad('lon', k, p.lon[k]);
    if (!nanOr(p.speed[k], 0, p.type[k] === 9 ? 1022 : 102.3)) bad('speed', k, p.speed[k]);
    if (!nanOr(p.course[k], 0, 360, true)) bad('course', k, p.course[k]);
    if (!nanOr(p.heading[k], 0, 360, true)) bad('heading', k, p.heading[k]);
    if (p.type[k] > 27) bad('type', k, p.type[k]);
    if (p.status[k] > 15 && p.status[k] !== 255) bad('status', k, p.status[k]);
    if (p.mmsi[k] >= 2 ** 30) bad('mmsi', k, p.mmsi[k]);
    if (p.time[k] === p.time[k] && !Number.isFinite(p.time[k])) bad('time', k, p.time[k]);
    if (out.length > 20) break;
  }
  return out;
}
