/** Field by field comparison of matched messages, the tallies per file, type and field, and the comparison of one file against gpsdecode. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Json, Rec } from './types.js';
import {
  CITED,
  CitedDifference,
  EQUIVALENTS,
  GPSD_IGNORED,
  SUPPORTED,
  TALLY_META,
  citedField,
  isLegend,
  isSentinel,
} from './cited.js';
import type { Options } from '../ais-gpsd.js';
import { RefMessage, lastPartANames, mergeType24, runGpsdecode, runTally, sentencesForGpsd } from './decoders.js';
import { align, coarseKey, fineKey } from './align.js';

// ---------------------------------------------------------------------------
// Field comparison
// ---------------------------------------------------------------------------

/** gpsd's value with its "not available" sentinels as null, empty strings as null, part "A"/"B" as 0/1. */
export function normalizeRef(type: number, field: string, v: Json | undefined): Json | undefined {
  if (v === undefined) return undefined;
  if (isSentinel(type, field, v)) return null;
  if (v === '') return null;
  if (field === 'part' && type === 24) return v === 'A' ? 0 : v === 'B' ? 1 : v;
  for (const e of EQUIVALENTS) if (e.field === field && e.types.includes(type) && e.gpsd === v) return e.tally;
  return v;
}

export function normalizeTally(v: Json | undefined): Json | undefined {
  return v === '' ? null : v;
}

type Verdict = 'agree' | 'cited' | 'disagree';

export interface FieldResult {
  verdict: Verdict;
  category?: string;
  cited?: CitedDifference;
}

function compareValue(
  against: 'gpsd' | 'libais',
  type: number,
  field: string,
  refRaw: Json | undefined,
  tallyRaw: Json | undefined,
  tolerance: number,
): FieldResult {
  const ref = against === 'gpsd' ? normalizeRef(type, field, refRaw) : refRaw;
  const tally = normalizeTally(tallyRaw);
  let same: boolean;
  if (ref === undefined) same = false;
  else if (tally === undefined) same = false;
  else if (ref === null || tally === null) same = ref === tally;
  else if (typeof ref === 'number' && typeof tally === 'number') same = Math.abs(ref - tally) <= tolerance;
  else same = ref === tally;
  if (same) return { verdict: 'agree' };
  for (const c of CITED) {
    if (c.against === against && citedField(c, field) && c.types.includes(type) && c.accepts(refRaw, tallyRaw)) {
      return { verdict: 'cited', cited: c, category: c.id };
    }
  }
  let category: string;
  if (tally === undefined) category = `only ${against} prints it`;
  else if (ref === undefined) category = 'only Tally prints it';
  else if (tally === null) category = `Tally null, ${against} a value`;
  else if (ref === null) category = `Tally a value, ${against} "not available"`;
  else if (typeof ref !== typeof tally) category = `different kinds (${against} ${typeof ref}, Tally ${typeof tally})`;
  else category = 'values differ';
  return { verdict: 'disagree', category };
}

/** gpsd's printing precision: half a unit of the last decimal it printed. */
function gpsdTolerance(decimals: number | undefined): number {
  return 0.5 * 10 ** -(decimals ?? 0) + 1e-9;
}

// ---------------------------------------------------------------------------
// Tallies
// ---------------------------------------------------------------------------

export interface Count {
  compared: number;
  agreed: number;
  cited: number;
  disagreed: number;
}
export const newCount = (): Count => ({ compared: 0, agreed: 0, cited: 0, disagreed: 0 });

export interface Example {
  file: string;
  line: number;
  sentence: string;
  mmsi: number;
  reference: Json | undefined;
  tally: Json | undefined;
}

interface Category {
  comparison: string;
  type: number;
  field: string;
  kind: string;
  supported: boolean;
  cited: string | null;
  count: number;
  examples: Example[];
}

export interface OneSided {
  count: number;
  byType: Record<string, number>;
  examples: { line: number; type: number; mmsi: number; sentence: string }[];
}

export interface FileReport {
  file: string;
  gpsdMessages: number;
  tallyMessages: number;
  matched: number;
  onlyGpsd: OneSided;
  onlyTally: OneSided;
  tallyError?: string;
  /** type -> field -> count */
  fields: Record<string, Record<string, Count>>;
}

export class Collector {
  readonly categories = new Map<string, Category>();
  readonly overall: Record<string, Record<string, Count>> = {};
  readonly onlyTallyFields = new Map<string, number>();
  constructor(
    readonly comparison: string,
    readonly examples: number,
  ) {}

  record(file: FileReport | null, type: number, field: string, r: FieldResult, ex: Example): void {
    for (const target of file ? [file.fields, this.overall] : [this.overall]) {
      const byField = (target[type] ??= {});
      const c = (byField[field] ??= newCount());
      c.compared++;
      if (r.verdict === 'agree') c.agreed++;
      else if (r.verdict === 'cited') c.cited++;
      else c.disagreed++;
    }
    if (r.verdict === 'agree') return;
    const kind = r.category ?? '';
    const key = `${type}|${field}|${kind}`;
    let cat = this.categories.get(key);
    if (!cat) {
      cat = {
        comparison: this.comparison,
        type,
        field,
        kind,
        supported: SUPPORTED.has(type),
        cited: r.cited ? r.cited.id : null,
        count: 0,
        examples: [],
      };
      this.categories.set(key, cat);
    }
    cat.count++;
    if (cat.examples.length < this.examples) cat.examples.push(ex);
  }
}

export function oneSided(): OneSided {
  return { count: 0, byType: {}, examples: [] };
}

function addOneSided(o: OneSided, max: number, line: number, type: number, mmsi: number, sentence: string): void {
  o.count++;
  o.byType[type] = (o.byType[type] ?? 0) + 1;
  if (o.examples.length < max) o.examples.push({ line, type, mmsi, sentence });
}

// ---------------------------------------------------------------------------
// Comparison against gpsdecode, file by file
// ---------------------------------------------------------------------------

function compareMessages(
  col: Collector,
  file: FileReport,
  name: string,
  g: RefMessage,
  t: Rec,
  lastPartA: Json | undefined,
): void {
  const type = g.rec.type as number;
  const ex = (field: string): Example => ({
    file: name,
    line: g.line,
    sentence: g.sentence,
    mmsi: g.rec.mmsi as number,
    reference: g.rec[field],
    tally: t[field],
  });
  if (!SUPPORTED.has(type)) {
    for (const f of ['type', 'repeat', 'mmsi']) {
      col.record(file, type, f, compareValue('gpsd', type, f, g.rec[f], t[f], 0), ex(f));
    }
    return;
  }
  const fields = new Set<string>();
  for (const f of Object.keys(g.rec)) if (!GPSD_IGNORED.has(f) && !isLegend(f)) fields.add(f);
  for (const f of Object.keys(t)) {
    if (TALLY_META.has(f) || fields.has(f)) continue;
    // Fields only Tally prints (gpsd 3.22 leaves them out): listed, not compared.
    const k = `${type}.${f}`;
    col.onlyTallyFields.set(k, (col.onlyTallyFields.get(k) ?? 0) + 1);
  }
  for (const f of fields) {
    const r = compareValue('gpsd', type, f, g.rec[f], t[f], gpsdTolerance(g.decimals[f]));
    col.record(file, type, f, r, ex(f));
  }
  if (g.mergedShipname !== undefined) {
    // gpsd merged this part B with its queued part A: the name must be that of Tally's last part A.
    const f = 'shipname(merged)';
    const r: FieldResult =
      lastPartA === undefined
        ? { verdict: 'disagree', category: 'gpsd merged a part A that Tally does not have before this part B' }
        : compareValue('gpsd', type, 'shipname', g.mergedShipname, lastPartA, 0);
    col.record(file, type, f, r, { ...ex(f), reference: g.mergedShipname, tally: lastPartA });
  }
}

export function checkFile(opts: Options, col: Collector, filePath: string): FileReport {
  const name = path.basename(filePath);
  const text = readFileSync(filePath, 'latin1');
  const fed = sentencesForGpsd(text);
  const gpsd = runGpsdecode(opts.gpsdecode, fed);
  const tallyRun = runTally(opts.tally, filePath);
  const tally = mergeType24(tallyRun.records, true);
  const partA = lastPartANames(tallyRun.records);
  const report: FileReport = {
    file: name,
    gpsdMessages: gpsd.length,
    tallyMessages: tallyRun.records.length,
    matched: 0,
    onlyGpsd: oneSided(),
    onlyTally: oneSided(),
    fields: {},
  };
  if (tallyRun.error) report.tallyError = tallyRun.error;

  const pairs = align(
    gpsd.map((m) => fineKey(m.rec)),
    tally.map((m) => fineKey(m.rec)),
    gpsd.map((m) => coarseKey(m.rec)),
    tally.map((m) => coarseKey(m.rec)),
  );
  report.matched = pairs.length;
  const gMatched = new Uint8Array(gpsd.length),
    tMatched = new Uint8Array(tally.length);
  /** For Tally-only messages: the input line of the nearest matched neighbour. */
  const nearLine = new Int32Array(tally.length);
  for (const [i, j] of pairs) {
    gMatched[i] = 1;
    tMatched[j] = 1;
    nearLine[j] = gpsd[i].line;
    compareMessages(col, report, name, gpsd[i], tally[j].rec, partA[tally[j].index]);
  }
  gpsd.forEach((m, i) => {
    if (!gMatched[i]) {
      addOneSided(report.onlyGpsd, opts.examples, m.line, m.rec.type as number, m.rec.mmsi as number, m.sentence);
    }
  });
  let last = 0;
  tally.forEach((m, j) => {
    if (tMatched[j]) last = nearLine[j];
    else addOneSided(report.onlyTally, opts.examples, last, m.rec.type as number, m.rec.mmsi as number, '');
  });
  return report;
}
