/**
 * Conformance check: Tally's AIS decoder against gpsd's `gpsdecode`.
 *
 *   node dist/scripts/conformance/ais-gpsd.js [DIR|FILE ...] [--json] [--gpsdecode PATH]
 *        [--tally PATH] [--examples N] [--verbose]
 *
 * For every input file (default: ../shared/data/ais, every file but *.md, *.chk
 * and *.json) it decodes the file with Tally's CLI (`tally ais decode FILE
 * --format jsonl`) and with `gpsdecode -s -j -v` on the same sentences, aligns
 * the two message sequences (Myers diff on type, MMSI and a position / name
 * fingerprint, then type and MMSI inside the gaps) and compares every field of
 * every matched message. Beside that it compares Tally with the expected
 * outputs that ship with the samples: gpsd_sample.aivdm.chk (`gpsdecode -u -c`,
 * unscaled, pipe-separated) and libais_typeexamples.json (libais, float32).
 *
 * gpsdecode reads neither IEC 61162-450 tag blocks, nor `$PGHP` lines, nor the
 * USCG trailing fields, and drops sentences whose talker it does not know
 * (`!BYVDM`, `!--VDM`): it is fed the bare `!xxVDM` / `!xxVDO` sentences, one a
 * line, with such talkers rewritten to `AI` and the checksum recomputed (only
 * when the original checksum was right, so bad sentences stay bad). `-v`
 * echoes each sentence before its output, which gives every gpsd message its
 * input line. `-s` makes gpsd print each type 24 part (part B merged with the
 * cached part A of the same MMSI, as without `-s`); Tally's parts are merged
 * the same way before comparing, so the merge is checked too.
 *
 * Exit status: 0 when every field of the fully decoded types agrees (or
 * differs only as a cited difference, see CITED below); 1 when an uncited
 * disagreement exists in a fully decoded type; 2 on a usage or tool error.
 * Progress goes to stderr, results to stdout (`--json`: one JSON document).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = string | number | boolean | null;
type Rec = Record<string, Json | undefined>;

/** Types Tally decodes field by field; the others yield type, repeat, MMSI, payload and bits. */
const SUPPORTED = new Set([1, 2, 3, 4, 5, 9, 11, 18, 19, 21, 24, 27]);

/** gpsd fields that are not message fields, or text legends of a code Tally prints as a number. */
const GPSD_IGNORED = new Set(['class', 'device', 'scaled']);
const isLegend = (f: string): boolean => f.endsWith('_text');

/** Tally fields that are not decoded message fields. */
const TALLY_META = new Set(['time', 'station', 'payload', 'bits']);

// ---------------------------------------------------------------------------
// gpsd's "not available" values. Tally prints null for each; gpsd 3.22 prints
// the raw sentinel (scaled), or the string "nan" for turn and type 9 alt/speed.
// ---------------------------------------------------------------------------

const POS_TYPES = [1, 2, 3, 4, 9, 11, 18, 19, 21, 27];
const SENTINELS: { types: number[]; field: string; values: Json[] }[] = [
  { types: POS_TYPES, field: 'lat', values: [91] },
  { types: POS_TYPES, field: 'lon', values: [181] },
  { types: [1, 2, 3, 18, 19], field: 'speed', values: [102.3, 'nan'] },
  { types: [1, 2, 3, 9, 18, 19], field: 'course', values: [360] },
  { types: [1, 2, 3, 18, 19], field: 'heading', values: [511] },
  { types: [1, 2, 3, 9, 18, 19, 21], field: 'second', values: [60] },
  { types: [1, 2, 3], field: 'turn', values: ['nan', 'n/a'] },
  { types: [9], field: 'alt', values: ['nan', 4095] },
  { types: [9], field: 'speed', values: ['nan', 1023] },
  { types: [27], field: 'speed', values: [63] },
  { types: [27], field: 'course', values: [511] },
];

/**
 * Values gpsd 3.22 prints as a word where Tally prints the number the
 * specification gives them: SOG 1022 = "102.2 knots or higher" (ITU-R M.1371-5
 * Annex 8 §3.1 Table 45), which gpsd prints as "fast".
 */
const EQUIVALENTS: { types: number[]; field: string; gpsd: Json; tally: Json }[] = [
  { types: [1, 2, 3], field: 'speed', gpsd: 'fast', tally: 102.2 },
];

function isSentinel(type: number, field: string, v: Json | undefined): boolean {
  if (v === undefined || v === null) return false;
  for (const s of SENTINELS) {
    if (s.field === field && s.types.includes(type) && s.values.some((x) => x === v)) return true;
  }
  return false;
}

/** gpsd 3.22's navigational status legends (gpsd_json.c), code by code. */
const NAV_STATUS_TEXT = [
  'Under way using engine',
  'At anchor',
  'Not under command',
  'Restricted manoeuverability',
  'Constrained by her draught',
  'Moored',
  'Aground',
  'Engaged in fishing',
  'Under way sailing',
  'Reserved for HSC',
  'Reserved for WIG',
  'Reserved',
  'Reserved',
  'Reserved',
  'Reserved',
  'Not defined',
];

// ---------------------------------------------------------------------------
// Cited differences: where gpsd (or libais) is wrong by the specification.
// Each one names the field and types it applies to, the condition, the
// citation that proves it, and `accepts`, which checks that the two values
// differ only in that way; anything else is still a disagreement. Each has a
// unit test in test/ais-gpsd-differences.test.ts.
// ---------------------------------------------------------------------------

export interface CitedDifference {
  id: string;
  /** Which reference output it concerns. */
  against: 'gpsd' | 'libais';
  types: number[];
  field: string;
  condition: string;
  citation: string;
  accepts(ref: Json | undefined, tally: Json | undefined): boolean;
}

/** Values the standard does not allow, which Tally gives as null and lists in the record's `invalid`. */
const OUT_OF_RANGE: Record<string, (x: number) => boolean> = {
  lat: (x) => Math.abs(x) > 90,
  lon: (x) => Math.abs(x) > 180,
  course: (x) => x >= 360,
  heading: (x) => x >= 360 && x !== 511,
};

function outOfRangeCited(against: 'gpsd' | 'libais', field: string): CitedDifference {
  return {
    id: `out-of-range-${field}`,
    against,
    types: [1, 2, 3, 4, 9, 11, 18, 19, 21, 27],
    field,
    condition:
      `a ${field} the standard does not allow (${field === 'lat' ? 'beyond ±90°' : field === 'lon' ? 'beyond ±180°' : 'of 360 or more'}): ` +
      `${against} prints the raw value; Tally gives null and names the field in the record's "invalid" list ` +
      '(and counts it in the summary). Agreement: Tally null where the reference value is out of range.',
    citation:
      'ITU-R M.1371-5 Annex 8 §3.1 Table 45 (longitude ±180°, 181 = not available; latitude ±90°, ' +
      '91 = not available; COG 0-3 599 in 1/10°, 3 600 = not available, 3 601-4 095 "should not be used"; ' +
      'true heading 0-359°, 511 = not available), the same ranges in Tables 46, 55, 67, 68, 72 and 84',
    accepts: (ref, tally) => tally === null && typeof ref === 'number' && OUT_OF_RANGE[field](ref),
  };
}

export const CITED: CitedDifference[] = [
  ...(['gpsd', 'libais'] as const).flatMap((a) => Object.keys(OUT_OF_RANGE).map((f) => outOfRangeCited(a, f))),
  {
    id: 'type24-vendorid-42-bits',
    against: 'gpsd',
    types: [24],
    field: 'vendorid',
    condition:
      'gpsd 3.22 prints bits 48-89 of part B as one 7-character string; Tally prints the ' +
      '3-character manufacturer ID (bits 48-65) and the model (66-69) and serial (70-89) as numbers. ' +
      'Agreement is checked on the first 3 characters.',
    citation:
      "ITU-R M.1371-5 Annex 8 §3.23 Table 81 (Message 24 part B: vendor ID = manufacturer's ID " +
      "18 bits, unit model code 4 bits, unit serial number 20 bits); gpsd's own AIVDM description " +
      '(www/AIVDM.adoc v1.56, "Type 24: Static Data Report": bits 48-65 "Vendor ID ... 3 six-bit chars", ' +
      '"Bits 48-89 are as described in ITU-R 1371-4. In earlier versions to 1371-3 this was one ' +
      'sixbit-encoded 42-bit (7-character) string field")',
    accepts: (ref, tally) =>
      typeof ref === 'string' && ref.length > 3 && ref.slice(0, 3).replace(/ +$/, '') === (tally ?? ''),
  },
  {
    id: 'turn-sign-dropped',
    against: 'gpsd',
    types: [1, 2, 3],
    field: 'turn',
    condition:
      'for a negative rate of turn (turning left, raw -1..-126) gpsd 3.22 prints the magnitude ' +
      'without its sign (raw -9: gpsd 4, Tally -3.62; gpsd -u prints the raw -9 itself). Agreement is ' +
      "checked on the magnitude, within gpsd's rounding, for a negative Tally value.",
    citation:
      'ITU-R M.1371-5 Annex 8 §3.1 Table 45 (Message 1, rate of turn ROT_AIS: "0 to -126 = turning ' +
      'left at up to 708 deg per min", ROT_AIS = 4.733 SQRT(ROT_sensor)); gpsd\'s AIVDM description ' +
      '(www/AIVDM.adoc, "Common Navigation Block": turn is a signed field, I3, negative values turning left)',
    accepts: (ref, tally) =>
      typeof ref === 'number' &&
      typeof tally === 'number' &&
      tally < 0 &&
      ref >= 0 &&
      Math.abs(-tally - ref) <= 0.5 + 0.005 + 1e-9,
  },
  {
    id: 'radio-past-fill-bits',
    against: 'gpsd',
    types: [1, 2, 3],
    field: 'radio',
    condition:
      'a position report whose payload ends before bit 168 (e.g. 163 bits: 28 characters with 5 ' +
      'fill bits) still carries every navigation field (they end at bit 149), so Tally decodes it, but ' +
      'its 19-bit radio status is incomplete and Tally gives null; gpsd reads the radio field on into ' +
      "the fill bits. Agreement: Tally null where gpsd prints a number. (Tally's radio is never null " +
      'otherwise: the field has no not-available value.)',
    citation:
      'ITU-R M.1371-5 Annex 8 §3.1 Table 45 (Message 1: communication state, bits 149-167, 19 bits; ' +
      'number of bits 168); IEC 61162-1 / NMEA 0183 VDM sentence, "number of fill-bits": bits added to ' +
      'complete the last six-bit character, not part of the message',
    accepts: (ref, tally) => typeof ref === 'number' && tally === null,
  },
  {
    id: 'type27-status-as-text',
    against: 'gpsd',
    types: [27],
    field: 'status',
    condition:
      'gpsd 3.22 prints the navigational status of type 27 as its legend ("Moored") in the ' +
      'scaled JSON, where every other type prints the code (and "status_text" beside it); Tally prints ' +
      "the code. Agreement is checked by mapping gpsd's legend back to its code(s).",
    citation:
      'ITU-R M.1371-5 Annex 8 §3.26 Table 84 (Message 27: navigational status, 4 bits, ' +
      'codes as in Message 1); gpsd\'s AIVDM description (www/AIVDM.adoc v1.56, "Type 27: Long Range ' +
      'AIS Broadcast message": bits 40-43 "Navigation Status | status | u", an unsigned integer)',
    accepts: (ref, tally) => typeof ref === 'string' && typeof tally === 'number' && NAV_STATUS_TEXT[tally] === ref,
  },
  {
    id: 'libais-sixbit-table',
    against: 'libais',
    types: [5, 19, 21, 24],
    field: 'name',
    condition:
      'libais prints six-bit value 31 as "-" and 39 as "`"; Tally (and gpsd) print "_" and "\'". ' +
      'Agreement is checked character by character with those two substitutions.',
    citation:
      'ITU-R M.1371-5 Annex 8 §3.3.7 Table 47 (6-bit ASCII: value 31 = "_" (0x5F), value 39 = "\'" (0x27)); ' +
      'gpsd\'s AIVDM description ("AIS Payload Data Types", six-bit text table)',
    accepts: (ref, tally) =>
      typeof ref === 'string' &&
      typeof tally === 'string' &&
      ref.length === tally.length &&
      [...ref].every((c, k) => c === tally[k] || (c === '-' && tally[k] === '_') || (c === '`' && tally[k] === "'")),
  },
  {
    id: 'libais-type27-gnss-inverted',
    against: 'libais',
    types: [27],
    field: 'gnss',
    condition:
      'libais prints the inverse of bit 94 of message 27; Tally (and gpsd) print the bit as sent ' +
      '(true = 1 = not a current GNSS position / latency over 5 s, the default).',
    citation:
      'ITU-R M.1371-5 Annex 8 §3.26 Table 84 (Message 27, bit 94 position latency: 0 = less than ' +
      '5 s, 1 = greater than 5 s = default); gpsd\'s AIVDM description ("Type 27": bit 94 "GNSS Position ' +
      'status | gnss | u | 0 = current GNSS position, 1 = not GNSS position (default)")',
    accepts: (ref, tally) => typeof ref === 'boolean' && typeof tally === 'boolean' && ref === !tally,
  },
  {
    id: 'libais-type9-speed-tenths',
    against: 'libais',
    types: [9],
    field: 'speed',
    condition:
      'libais scales the SAR aircraft speed by 1/10 knot like a Class A SOG; Tally (and gpsd) ' +
      'print whole knots. Agreement is checked on libais x 10.',
    citation:
      'ITU-R M.1371-5 Annex 8 §3.8 Table 55 (Message 9: SOG, 10 bits, in 1-knot steps, ' +
      '0-1 022 knots, 1 023 = not available); gpsd\'s AIVDM description ("Type 9: Standard SAR ' +
      'Aircraft Position Report": Speed Over Ground, knots)',
    accepts: (ref, tally) =>
      typeof ref === 'number' &&
      typeof tally === 'number' &&
      Math.abs(ref * 10 - tally) <= 1e-4 * Math.max(1, Math.abs(tally)),
  },
];

/** The six-bit table difference concerns every text field; the others one field each. */
function citedField(c: CitedDifference, field: string): boolean {
  if (c.id === 'libais-sixbit-table')
    return ['name', 'shipname', 'callsign', 'destination', 'vendorid'].includes(field);
  return c.field === field;
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

interface Options {
  inputs: string[];
  json: boolean;
  gpsdecode: string;
  tally: string;
  examples: number;
  verbose: boolean;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function usage(msg?: string): never {
  if (msg) process.stderr.write(`ais-gpsd: ${msg}\n`);
  process.stderr.write(
    'usage: node dist/scripts/conformance/ais-gpsd.js [DIR|FILE ...] [--json] [--gpsdecode PATH]\n' +
      '         [--tally CLI.js] [--examples N] [--verbose]\n' +
      '  default input: ../shared/data/ais (relative to the repository root)\n',
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    inputs: [],
    json: false,
    gpsdecode: 'gpsdecode',
    tally: path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'),
    examples: 3,
    verbose: false,
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const next = (): string => {
      const v = argv[++k];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--json') o.json = true;
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--gpsdecode') o.gpsdecode = next();
    else if (a === '--tally') o.tally = path.resolve(next());
    else if (a === '--examples') o.examples = Number(next());
    else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else o.inputs.push(a);
  }
  if (o.inputs.length === 0) o.inputs.push(path.join(REPO_ROOT, '..', 'shared', 'data', 'ais'));
  if (!Number.isInteger(o.examples) || o.examples < 0) usage('--examples takes a whole number');
  return o;
}

function listInputs(inputs: string[]): string[] {
  const files: string[] = [];
  for (const p of inputs) {
    if (!existsSync(p)) usage(`no such file or directory: ${p}`);
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (/\.(md|chk|json)$/i.test(name)) continue;
        const f = path.join(p, name);
        if (statSync(f).isFile()) files.push(f);
      }
    } else files.push(p);
  }
  return files;
}

// ---------------------------------------------------------------------------
// Feeding gpsdecode
// ---------------------------------------------------------------------------

/** Talkers that gpsd 3.22's packet lexer accepts for VDM/VDO (tested against /usr/bin/gpsdecode). */
const GPSD_TALKERS = new Set(['AI', 'AB', 'AD', 'AN', 'AR', 'AS', 'AT', 'AX', 'BS', 'SA']);
const SENTENCE_RE = /[!$]([A-Z0-9-]{2})(VD[MO]),([^!$\\*]*)\*([0-9A-Fa-f]{2})/g;

export function nmeaChecksum(body: string): number {
  let c = 0;
  for (let k = 0; k < body.length; k++) c ^= body.charCodeAt(k);
  return c;
}

export interface FedSentence {
  /** 1-based line of the input file. */
  line: number;
  /** The sentence as it stands in the input (for examples). */
  original: string;
  /** The sentence as fed to gpsdecode. */
  fed: string;
}

/**
 * The bare VDM/VDO sentences of `text`, one per element: tag blocks, `$PGHP`
 * lines, comments, other NMEA and trailing receiver fields are left out; a
 * line holding several sentences (Spire style) gives several elements.
 */
export function sentencesForGpsd(text: string): FedSentence[] {
  const out: FedSentence[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const src = lines[n];
    // comment lines (gpsd's sample files quote sentences in them) are not input
    if (!src.includes('VD') || /^\s*#/.test(src)) continue;
    SENTENCE_RE.lastIndex = 0;
    for (let m = SENTENCE_RE.exec(src); m !== null; m = SENTENCE_RE.exec(src)) {
      const [whole, talker, kind, fields, sum] = m;
      let fed = whole.startsWith('$') ? '!' + whole.slice(1) : whole;
      const body = `${talker}${kind},${fields}`;
      if (!GPSD_TALKERS.has(talker) && nmeaChecksum(body) === parseInt(sum, 16)) {
        const aiBody = `AI${kind},${fields}`;
        fed = `!${aiBody}*${nmeaChecksum(aiBody).toString(16).toUpperCase().padStart(2, '0')}`;
      }
      out.push({ line: n + 1, original: whole, fed });
    }
  }
  return out;
}

export interface RefMessage {
  rec: Rec;
  /** Decimals gpsd printed for each numeric field (its rounding). */
  decimals: Record<string, number>;
  line: number;
  sentence: string;
  /**
   * gpsd printed a type 24 part B merged with the queued part A of the same
   * MMSI: the record is turned back into the part B and the name it took from
   * part A is kept here, to be checked against Tally's last part A.
   */
  mergedShipname?: Json;
}

function decimalsOf(jsonLine: string): Record<string, number> {
  const d: Record<string, number> = {};
  const re = /"(\w+)":(-?\d+)(?:\.(\d+))?(?=[,}])/g;
  for (let m = re.exec(jsonLine); m !== null; m = re.exec(jsonLine)) d[m[1]] = m[3] ? m[3].length : 0;
  return d;
}

export function runGpsdecode(bin: string, fed: FedSentence[]): RefMessage[] {
  const input = fed.map((s) => s.fed).join('\n') + '\n';
  const r = spawnSync(bin, ['-s', '-j', '-v'], { input, maxBuffer: 1 << 30, encoding: 'latin1' });
  if (r.error) throw new Error(`cannot run ${bin}: ${r.error.message}`);
  const out: RefMessage[] = [];
  let k = 0;
  let cur: FedSentence | undefined;
  for (const raw of r.stdout.split('\n')) {
    const l = raw.replace(/\r$/, '');
    if (l === '') continue;
    if (l.startsWith('{')) {
      let rec: Rec;
      try {
        rec = JSON.parse(l) as Rec;
      } catch {
        continue;
      }
      if (rec.class !== 'AIS') continue;
      const m: RefMessage = { rec, decimals: decimalsOf(l), line: cur?.line ?? 0, sentence: cur?.original ?? '' };
      if (rec.type === 24 && rec.part === undefined && rec.callsign !== undefined) {
        m.mergedShipname = rec.shipname ?? null;
        m.rec = { ...rec, part: 'B' };
        delete m.rec.shipname;
      }
      out.push(m);
    } else {
      // The echo of the sentence gpsd just read: find it among the fed sentences.
      let j = k;
      while (j < fed.length && fed[j].fed !== l) j++;
      if (j < fed.length) {
        cur = fed[j];
        k = j + 1;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Tally
// ---------------------------------------------------------------------------

interface TallyRun {
  records: Rec[];
  error?: string;
}

export function runTally(cli: string, file: string): TallyRun {
  const r = spawnSync(process.execPath, [cli, 'ais', 'decode', file, '--format', 'jsonl'], {
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  if (r.error) return { records: [], error: r.error.message };
  const records: Rec[] = [];
  for (const l of r.stdout.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      records.push(JSON.parse(l) as Rec);
    } catch {
      return { records, error: `unreadable JSONL line: ${l.slice(0, 120)}` };
    }
  }
  if (r.status !== 0 && records.length === 0) {
    return { records, error: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  }
  return { records };
}

/** One Tally message ready to compare: type 24 parts merged as gpsd 3.22 merges them. */
interface TallyMessage {
  rec: Rec;
  /** Index of the record in Tally's output (the part B for a merged type 24). */
  index: number;
}

/**
 * Type 24 as `gpsdecode` prints it without `-s`: a part B merged with the
 * earlier part A of the same MMSI (which is consumed), nothing for a lone
 * part. (gpsd 3.22 queues the last 8 part A per radio channel; Tally's records
 * carry no channel, so the queue here is unbounded.) With `split`, every part
 * as itself.
 */
export function mergeType24(records: Rec[], split: boolean): TallyMessage[] {
  const queue = new Map<number, Json | undefined>();
  const out: TallyMessage[] = [];
  records.forEach((rec, index) => {
    if (split || rec.type !== 24 || (rec.part !== 0 && rec.part !== 1)) {
      out.push({ rec, index });
      return;
    }
    const mmsi = rec.mmsi as number;
    if (rec.part === 0) {
      queue.set(mmsi, rec.shipname);
      return;
    }
    if (queue.has(mmsi)) {
      const merged: Rec = { ...rec, shipname: queue.get(mmsi) };
      delete merged.part;
      queue.delete(mmsi);
      out.push({ rec: merged, index });
    }
  });
  return out;
}

/** For each record, the name of the last type 24 part A of its MMSI before it (undefined when none). */
function lastPartANames(records: Rec[]): (Json | undefined)[] {
  const last = new Map<number, Json>();
  return records.map((r) => {
    const before = last.get(r.mmsi as number);
    if (r.type === 24 && r.part === 0) last.set(r.mmsi as number, r.shipname ?? null);
    return before;
  });
}

// ---------------------------------------------------------------------------
// Alignment: Myers' O(ND) diff on fine keys, then an LCS on coarse keys
// (type and MMSI) inside each gap, so that messages one side dropped stay
// unmatched and a message whose fields disagree still pairs with its twin.
// ---------------------------------------------------------------------------

/** Pairs [i, j] with a[i] === b[j] of a longest common subsequence (null when the edit distance passes `maxD`). */
export function myersPairs(a: string[], b: string[], maxD = 3000): [number, number][] | null {
  const n = a.length,
    m = b.length,
    max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(max, maxD); d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(trace, d, n, m);
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  return null;
}

function backtrack(trace: Int32Array[], dEnd: number, n: number, m: number): [number, number][] {
  const pairs: [number, number][] = [];
  let x = n,
    y = m;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d - 1];
    const at = (k: number): number => v[k + d - 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK),
      prevY = prevX - prevK;
    while (x > prevX && y > prevY) pairs.push([--x, --y]);
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) pairs.push([--x, --y]);
  return pairs.reverse();
}

function lcsPairs(a: string[], b: string[], a0: number, b0: number): [number, number][] {
  const n = a.length,
    m = b.length;
  if (n === 0 || m === 0 || n * m > 4_000_000) return [];
  const t = new Uint16Array((n + 1) * (m + 1));
  const w = m + 1;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
    }
  }
  const out: [number, number][] = [];
  let i = 0,
    j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) out.push([a0 + i++, b0 + j++]);
    else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) i++;
    else j++;
  }
  return out;
}

/** Greedy fallback for inputs too far apart for the diff: resynchronise on the nearest equal pair. */
function greedyPairs(a: string[], b: string[], window = 200): [number, number][] {
  const out: [number, number][] = [];
  let i = 0,
    j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push([i++, j++]);
      continue;
    }
    let best: [number, number] | null = null;
    for (let s = 1; s <= window && !best; s++) {
      for (let di = 0; di <= s; di++) {
        const ii = i + di,
          jj = j + s - di;
        if (ii < a.length && jj < b.length && a[ii] === b[jj]) {
          best = [ii, jj];
          break;
        }
      }
    }
    if (!best) {
      i++;
      j++;
      continue;
    }
    [i, j] = best;
  }
  return out;
}

export function align(fineA: string[], fineB: string[], coarseA: string[], coarseB: string[]): [number, number][] {
  const anchors = myersPairs(fineA, fineB) ?? greedyPairs(fineA, fineB);
  const out: [number, number][] = [];
  let pa = 0,
    pb = 0;
  for (const [i, j] of [...anchors, [fineA.length, fineB.length] as [number, number]]) {
    if (i > pa && j > pb) out.push(...lcsPairs(coarseA.slice(pa, i), coarseB.slice(pb, j), pa, pb));
    if (i < fineA.length) out.push([i, j]);
    pa = i + 1;
    pb = j + 1;
  }
  return out;
}

export function coarseKey(r: Rec): string {
  return `${r.type}:${r.mmsi}`;
}

export function fineKey(r: Rec): string {
  const t = r.type as number;
  if (!SUPPORTED.has(t)) return coarseKey(r);
  let f = '';
  const lat = normalizeRef(t, 'lat', r.lat),
    lon = normalizeRef(t, 'lon', r.lon);
  if (typeof lat === 'number' && typeof lon === 'number') f = `${lat.toFixed(2)},${lon.toFixed(2)}`;
  if (t === 24) f = `${r.part ?? 'AB'}|${r.shipname ?? ''}|${r.callsign ?? ''}`;
  else if (t === 5) f = `${r.shipname ?? ''}|${r.callsign ?? ''}`;
  else if (t === 4 || t === 11) f += `|${r.timestamp ?? ''}`;
  return `${coarseKey(r)}|${f}|${r.radio ?? ''}`;
}

// ---------------------------------------------------------------------------
// Field comparison
// ---------------------------------------------------------------------------

/** gpsd's value with its "not available" sentinels as null, empty strings as null, part "A"/"B" as 0/1. */
function normalizeRef(type: number, field: string, v: Json | undefined): Json | undefined {
  if (v === undefined) return undefined;
  if (isSentinel(type, field, v)) return null;
  if (v === '') return null;
  if (field === 'part' && type === 24) return v === 'A' ? 0 : v === 'B' ? 1 : v;
  for (const e of EQUIVALENTS) if (e.field === field && e.types.includes(type) && e.gpsd === v) return e.tally;
  return v;
}

function normalizeTally(v: Json | undefined): Json | undefined {
  return v === '' ? null : v;
}

type Verdict = 'agree' | 'cited' | 'disagree';

interface FieldResult {
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

interface Count {
  compared: number;
  agreed: number;
  cited: number;
  disagreed: number;
}
const newCount = (): Count => ({ compared: 0, agreed: 0, cited: 0, disagreed: 0 });

interface Example {
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

interface OneSided {
  count: number;
  byType: Record<string, number>;
  examples: { line: number; type: number; mmsi: number; sentence: string }[];
}

interface FileReport {
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

class Collector {
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

function oneSided(): OneSided {
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

function checkFile(opts: Options, col: Collector, filePath: string): FileReport {
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

// ---------------------------------------------------------------------------
// Expected outputs shipped with the samples
// ---------------------------------------------------------------------------

/** Tally's value in gpsd's unscaled units, as `gpsdecode -u -c` prints it. */
function unscaled(type: number, field: string, v: Json | undefined): Json | undefined {
  if (v === undefined) return undefined;
  const longRange = type === 27;
  switch (field) {
    case 'lon':
      return v === null
        ? longRange
          ? 181 * 600
          : 181 * 600000
        : Math.round((v as number) * (longRange ? 600 : 600000));
    case 'lat':
      return v === null ? (longRange ? 91 * 600 : 91 * 600000) : Math.round((v as number) * (longRange ? 600 : 600000));
    case 'speed':
      if (type === 27) return v === null ? 63 : v;
      if (type === 9) return v === null ? 1023 : v;
      return v === null ? 1023 : Math.round((v as number) * 10);
    case 'course':
      if (type === 27) return v === null ? 511 : v;
      return v === null ? 3600 : Math.round((v as number) * 10);
    case 'heading':
      return v === null ? 511 : v;
    case 'second':
      return v === null ? 60 : v;
    case 'alt':
      return v === null ? 4095 : v;
    case 'draught':
      return v === null ? 0 : Math.round((v as number) * 10);
    case 'turn':
      if (v === null) return -128;
      if (v === 'fastleft') return -127;
      if (v === 'fastright') return 127;
      if (typeof v === 'number') {
        // Tally prints the rate of turn to 0.01 degree per minute: back to the raw integer
        const raw = Math.sign(v) * 4.733 * Math.sqrt(Math.abs(v));
        return Math.abs(raw - Math.round(raw)) < 0.25 ? Math.round(raw) : raw;
      }
      return v;
    default:
      if (typeof v === 'boolean') return v ? 1 : 0;
      return v === null ? '' : v;
  }
}

/** Field names of each `gpsdecode -u -c` line after type|repeat|mmsi (gpsd 3.22 gpsdecode.c aivdm_csv_dump). */
const CHK_FIELDS: Record<number, string[]> = {
  1: ['status', 'turn', 'speed', 'accuracy', 'lon', 'lat', 'course', 'heading', 'second', 'maneuver', 'raim', 'radio'],
  4: ['timestamp', 'accuracy', 'lon', 'lat', 'epfd', 'raim', 'radio'],
  5: [
    'imo',
    'ais_version',
    'callsign',
    'shipname',
    'shiptype',
    'to_bow',
    'to_stern',
    'to_port',
    'to_starboard',
    'epfd',
    'eta',
    'draught',
    'destination',
    'dte',
  ],
  9: ['alt', 'speed', 'accuracy', 'lon', 'lat', 'course', 'second', 'regional', 'dte', 'raim', 'radio'],
  18: [
    'reserved',
    'speed',
    'accuracy',
    'lon',
    'lat',
    'course',
    'heading',
    'second',
    'regional',
    'cs',
    'display',
    'dsc',
    'band',
    'msg22',
    'raim',
    'radio',
  ],
  19: [
    'reserved',
    'speed',
    'accuracy',
    'lon',
    'lat',
    'course',
    'heading',
    'second',
    'regional',
    'shipname',
    'shiptype',
    'to_bow',
    'to_stern',
    'to_port',
    'to_starboard',
    'epfd',
    'raim',
    'dte',
    'assigned',
  ],
  21: [
    'aid_type',
    'name',
    'accuracy',
    'lon',
    'lat',
    'to_bow',
    'to_stern',
    'to_port',
    'to_starboard',
    'epfd',
    'second',
    'regional',
    'off_position',
    'raim',
    'virtual_aid',
  ],
  24: [
    'shipname',
    'shiptype',
    'vendorid',
    'model',
    'serial',
    'callsign',
    'to_bow',
    'to_stern',
    'to_port',
    'to_starboard',
  ],
  27: ['status', 'accuracy', 'lon', 'lat', 'speed', 'course', 'raim', 'gnss'],
};
CHK_FIELDS[2] = CHK_FIELDS[3] = CHK_FIELDS[1];
CHK_FIELDS[11] = CHK_FIELDS[4];

function chkValue(s: string): Json {
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s, 16);
  if (/^-?\d+$/.test(s) && !/^0\d/.test(s)) return Number(s);
  return s;
}

export interface ExpectedReport {
  name: string;
  reference: string;
  referenceMessages: number;
  tallyMessages: number;
  matched: number;
  onlyReference: number;
  onlyTally: number;
  fields: Record<string, Record<string, Count>>;
}

function checkChk(opts: Options, col: Collector, nmeaPath: string, chkPath: string): ExpectedReport {
  const lines = readFileSync(chkPath, 'latin1')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const refs: { rec: Rec; line: number }[] = [];
  lines.forEach((l, n) => {
    const parts = l.replace(/\r$/, '').split('|');
    const type = Number(parts[0]);
    const rec: Rec = { type, repeat: Number(parts[1]), mmsi: Number(parts[2]) };
    const names = CHK_FIELDS[type];
    if (names) {
      const vals = parts.slice(3);
      // type 24 of an auxiliary craft prints the mother ship's MMSI in place of the four dimensions
      const fieldNames = type === 24 && vals.length === 7 ? [...names.slice(0, 6), 'mothership_mmsi'] : names;
      fieldNames.forEach((f, k) => {
        const s = vals[k] ?? '';
        rec[f] = /^(callsign|shipname|destination|name|vendorid|timestamp|eta)$/.test(f) ? s : chkValue(s);
      });
    }
    refs.push({ rec, line: n + 1 });
  });
  const run = runTally(opts.tally, nmeaPath);
  const tally = mergeType24(run.records, false);
  const report: ExpectedReport = {
    name: path.basename(nmeaPath),
    reference: path.basename(chkPath),
    referenceMessages: refs.length,
    tallyMessages: tally.length,
    matched: 0,
    onlyReference: 0,
    onlyTally: 0,
    fields: {},
  };
  const keys = (r: Rec): string => coarseKey(r);
  const fine = (r: Rec): string => `${coarseKey(r)}|${r.radio ?? ''}`;
  const pairs = align(
    refs.map((r) => fine(r.rec)),
    tally.map((m) => fine(m.rec)),
    refs.map((r) => keys(r.rec)),
    tally.map((m) => keys(m.rec)),
  );
  report.matched = pairs.length;
  report.onlyReference = refs.length - pairs.length;
  report.onlyTally = tally.length - pairs.length;
  const fake: FileReport = {
    file: '',
    gpsdMessages: 0,
    tallyMessages: 0,
    matched: 0,
    onlyGpsd: oneSided(),
    onlyTally: oneSided(),
    fields: report.fields,
  };
  for (const [i, j] of pairs) {
    const ref = refs[i].rec,
      t = tally[j].rec;
    const type = ref.type as number;
    const names = SUPPORTED.has(type) ? Object.keys(ref) : ['type', 'repeat', 'mmsi'];
    for (const f of names) {
      const tv = f === 'type' || f === 'repeat' || f === 'mmsi' ? t[f] : unscaled(type, f, t[f]);
      const ex: Example = {
        file: report.reference,
        line: refs[i].line,
        sentence: lines[refs[i].line - 1],
        mmsi: ref.mmsi as number,
        reference: ref[f],
        tally: t[f],
      };
      let r: FieldResult;
      if (tv === ref[f]) r = { verdict: 'agree' };
      else if (typeof tv === 'number' && typeof ref[f] === 'number' && Math.abs(tv - (ref[f] as number)) < 1e-6)
        r = { verdict: 'agree' };
      else {
        const cited = CITED.find(
          (c) => c.against === 'gpsd' && citedField(c, f) && c.types.includes(type) && c.accepts(ref[f], t[f]),
        );
        r = cited
          ? { verdict: 'cited', cited, category: cited.id }
          : { verdict: 'disagree', category: t[f] === undefined ? 'only gpsd prints it' : 'values differ (unscaled)' };
      }
      col.record(fake, type, f, r, ex);
    }
  }
  return report;
}

/** libais names that differ from gpsd's. */
const LIBAIS_RENAME: Record<string, string> = { part_num: 'part' };

function checkLibais(opts: Options, col: Collector, nmeaPath: string, jsonPath: string): ExpectedReport {
  const lines = readFileSync(jsonPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const refs = lines.map((l, n) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    const rec: Rec = {};
    for (const [k, v] of Object.entries(o)) {
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) rec[LIBAIS_RENAME[k] ?? k] = v as Json;
    }
    return { rec, line: n + 1 };
  });
  const nmeaLines = readFileSync(nmeaPath, 'latin1').split('\n');
  const run = runTally(opts.tally, nmeaPath);
  const tally = run.records.map((rec, index) => ({ rec, index }));
  const report: ExpectedReport = {
    name: path.basename(nmeaPath),
    reference: path.basename(jsonPath),
    referenceMessages: refs.length,
    tallyMessages: tally.length,
    matched: 0,
    onlyReference: 0,
    onlyTally: 0,
    fields: {},
  };
  const keys = (r: Rec): string => coarseKey(r);
  const pairs = align(
    refs.map((r) => keys(r.rec)),
    tally.map((m) => keys(m.rec)),
    refs.map((r) => keys(r.rec)),
    tally.map((m) => keys(m.rec)),
  );
  report.matched = pairs.length;
  report.onlyReference = refs.length - pairs.length;
  report.onlyTally = tally.length - pairs.length;
  const fake: FileReport = {
    file: '',
    gpsdMessages: 0,
    tallyMessages: 0,
    matched: 0,
    onlyGpsd: oneSided(),
    onlyTally: oneSided(),
    fields: report.fields,
  };
  for (const [i, j] of pairs) {
    const ref = refs[i].rec,
      t = tally[j].rec;
    const type = ref.type as number;
    const shared = SUPPORTED.has(type)
      ? Object.keys(ref).filter((f) => f in t && !GPSD_IGNORED.has(f) && !isLegend(f) && !TALLY_META.has(f))
      : ['type', 'repeat', 'mmsi'];
    for (const f of shared) {
      let rv = ref[f];
      // libais: lat 91 / lon 181 and heading 511 / second 60 etc. for "not available", turn null
      if (isSentinel(type, f, rv)) rv = null;
      if (f === 'imo' && typeof rv === 'string' && /^\d+$/.test(rv)) rv = Number(rv);
      if (rv === '') rv = null;
      const tv = normalizeTally(t[f]);
      const ex: Example = {
        file: report.reference,
        line: refs[i].line,
        sentence: (nmeaLines[refs[i].line - 1] ?? '').trim(),
        mmsi: ref.mmsi as number,
        reference: ref[f],
        tally: t[f],
      };
      let same: boolean;
      if (rv === null || tv === null || rv === undefined || tv === undefined) same = (rv ?? null) === (tv ?? null);
      else if (typeof rv === 'number' && typeof tv === 'number') {
        // libais stores float32; Tally prints the rate of turn to 0.01 degree per minute
        same = Math.abs(rv - tv) <= Math.max(1e-6, 1e-6 * Math.abs(rv)) + (f === 'turn' ? 0.005 : 0);
      } else same = rv === tv;
      let r: FieldResult;
      if (same) r = { verdict: 'agree' };
      else {
        const cited = CITED.find(
          (c) => c.against === 'libais' && citedField(c, f) && c.types.includes(type) && c.accepts(ref[f], t[f]),
        );
        r = cited
          ? { verdict: 'cited', cited, category: cited.id }
          : { verdict: 'disagree', category: 'values differ (libais)' };
      }
      col.record(fake, type, f, r, ex);
    }
  }
  return report;
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

const pct = (c: Count): string =>
  c.compared === 0
    ? '-'
    : `${((100 * (c.agreed + c.cited)) / c.compared).toFixed(c.agreed + c.cited === c.compared ? 0 : 2)}%`;

function sum(byField: Record<string, Count>): Count {
  const s = newCount();
  for (const c of Object.values(byField)) {
    s.compared += c.compared;
    s.agreed += c.agreed;
    s.cited += c.cited;
    s.disagreed += c.disagreed;
  }
  return s;
}

function countText(c: Count): string {
  return `${c.agreed + c.cited}/${c.compared}${c.cited ? ` (${c.cited} cited)` : ''}`;
}

function fieldTable(out: string[], byType: Record<string, Record<string, Count>>, indent: string): void {
  out.push(
    `${indent}${'type'.padEnd(5)} ${'field'.padEnd(16)} ${'compared'.padStart(9)} ${'agreed'.padStart(9)} ${'cited'.padStart(6)} ${'differ'.padStart(7)} ${'agree%'.padStart(8)}`,
  );
  for (const type of Object.keys(byType)
    .map(Number)
    .sort((a, b) => a - b)) {
    const byField = byType[type];
    for (const f of Object.keys(byField).sort()) {
      const c = byField[f];
      out.push(
        `${indent}${String(type).padEnd(5)} ${f.padEnd(16)} ${String(c.compared).padStart(9)} ${String(c.agreed).padStart(9)} ${String(c.cited).padStart(6)} ${String(c.disagreed).padStart(7)} ${pct(c).padStart(8)}`,
      );
    }
  }
}

function compactTypes(out: string[], byType: Record<string, Record<string, Count>>, indent: string): void {
  for (const type of Object.keys(byType)
    .map(Number)
    .sort((a, b) => a - b)) {
    const byField = byType[type];
    const all = sum(byField);
    const messages = byField.mmsi?.compared ?? 0;
    const partial = Object.entries(byField).filter(([, c]) => c.agreed + c.cited < c.compared);
    const citedFields = Object.entries(byField)
      .filter(([, c]) => c.cited > 0)
      .map(([f]) => f);
    let line = `${indent}type ${String(type).padEnd(2)} ${String(messages).padStart(6)} msgs  ${Object.keys(byField).length} fields  ${countText(all)} values  ${pct(all)}`;
    if (partial.length === 0)
      line += citedFields.length ? `  (all agree; cited: ${citedFields.join(', ')})` : '  (all agree)';
    else line += `  below 100%: ${partial.map(([f, c]) => `${f} ${countText(c)} ${pct(c)}`).join('; ')}`;
    out.push(line);
  }
}

function oneSidedText(o: OneSided): string {
  const types = Object.entries(o.byType)
    .map(([t, n]) => `type ${t}: ${n}`)
    .join(', ');
  return `${o.count}${o.count ? ` (${types})` : ''}`;
}

function show(v: Json | undefined): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const probe = spawnSync(opts.gpsdecode, ['-V'], { encoding: 'utf8' });
  if (probe.error) {
    process.stderr.write(`ais-gpsd: cannot run ${opts.gpsdecode} (${probe.error.message}); install gpsd-clients\n`);
    process.exit(2);
  }
  const gpsdVersion = `${probe.stdout}${probe.stderr}`.trim();
  if (!existsSync(opts.tally)) {
    process.stderr.write(`ais-gpsd: ${opts.tally} not found; run npm run build\n`);
    process.exit(2);
  }
  const files = listInputs(opts.inputs);
  const col = new Collector('gpsdecode', opts.examples);
  const expectedCol = new Collector('expected', opts.examples);
  const reports: FileReport[] = [];
  const expected: ExpectedReport[] = [];
  for (const f of files) {
    process.stderr.write(`ais-gpsd: ${path.basename(f)}\n`);
    reports.push(checkFile(opts, col, f));
    const chk = `${f}.chk`;
    if (existsSync(chk)) {
      process.stderr.write(`ais-gpsd: ${path.basename(f)} against ${path.basename(chk)}\n`);
      expected.push(checkChk(opts, expectedCol, f, chk));
    }
    const libaisJson = f.replace(/\.nmea$/, '.json');
    if (/^libais_.*\.nmea$/.test(path.basename(f)) && existsSync(libaisJson)) {
      process.stderr.write(`ais-gpsd: ${path.basename(f)} against ${path.basename(libaisJson)}\n`);
      expected.push(checkLibais(opts, expectedCol, f, libaisJson));
    }
  }

  const categories = [...col.categories.values(), ...expectedCol.categories.values()].sort(
    (a, b) =>
      a.comparison.localeCompare(b.comparison) ||
      a.type - b.type ||
      a.field.localeCompare(b.field) ||
      b.count - a.count,
  );
  const uncited = categories.filter((c) => c.cited === null && c.supported);
  const tallyErrors = reports.filter((r) => r.tallyError);
  const pass = uncited.length === 0 && tallyErrors.length === 0;

  if (opts.json) {
    const doc = {
      gpsdecode: gpsdVersion,
      pass,
      files: reports,
      overall: col.overall,
      expected,
      expectedOverall: expectedCol.overall,
      categories,
      onlyTallyFields: Object.fromEntries(col.onlyTallyFields),
      cited: CITED.map(({ id, against, types, field, condition, citation }) => ({
        id,
        against,
        types,
        field,
        condition,
        citation,
      })),
    };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    process.exit(pass ? 0 : 1);
  }

  const out: string[] = [];
  out.push(`AIS conformance: Tally vs ${gpsdVersion} (gpsdecode -s -j), ${files.length} files`);
  out.push('');
  out.push('Per file (messages: gpsd / Tally / matched; only one side; per type: values agreeing / compared):');
  for (const r of reports) {
    out.push(`${r.file}: gpsd ${r.gpsdMessages}, Tally ${r.tallyMessages}, matched ${r.matched}`);
    if (r.tallyError) out.push(`  TALLY ERROR: ${r.tallyError}`);
    out.push(`  only gpsd: ${oneSidedText(r.onlyGpsd)}`);
    for (const e of r.onlyGpsd.examples)
      out.push(`    ${r.file}:${e.line} type ${e.type} mmsi ${e.mmsi}  ${e.sentence}`);
    out.push(`  only Tally: ${oneSidedText(r.onlyTally)}`);
    for (const e of r.onlyTally.examples) out.push(`    after ${r.file}:${e.line} type ${e.type} mmsi ${e.mmsi}`);
    if (opts.verbose) fieldTable(out, r.fields, '  ');
    else compactTypes(out, r.fields, '  ');
  }
  out.push('');
  out.push('All files, per message type and field (agree% counts cited differences as agreeing):');
  fieldTable(out, col.overall, '  ');
  if (col.onlyTallyFields.size) {
    out.push(
      `  fields only Tally prints (gpsd 3.22 omits them; not compared): ${[...col.onlyTallyFields].map(([k, n]) => `${k} (${n})`).join(', ')}`,
    );
  }
  for (const e of expected) {
    out.push('');
    out.push(
      `Expected output ${e.reference} for ${e.name}: reference ${e.referenceMessages}, Tally ${e.tallyMessages}, matched ${e.matched}, only reference ${e.onlyReference}, only Tally ${e.onlyTally}`,
    );
    compactTypes(out, e.fields, '  ');
  }
  out.push('');
  out.push(`Disagreement categories (${categories.length}; ${uncited.length} uncited in fully decoded types):`);
  for (const c of categories) {
    const tag = c.cited ? `CITED ${c.cited}` : c.supported ? 'UNCITED' : 'uncited, type not fully decoded';
    out.push(`  [${c.comparison}] type ${c.type} ${c.field}: ${c.kind} x${c.count} -- ${tag}`);
    for (const e of c.examples) {
      out.push(
        `      ${e.file}:${e.line} mmsi ${e.mmsi}: reference ${show(e.reference)}, Tally ${show(e.tally)}  ${e.sentence}`,
      );
    }
  }
  out.push('');
  out.push('Cited differences:');
  for (const c of CITED) {
    out.push(`  ${c.id} (${c.against}; type ${c.types.join(',')} ${c.field}): ${c.condition}`);
    out.push(`      citation: ${c.citation}`);
  }
  out.push('');
  if (tallyErrors.length) out.push(`FAIL: Tally failed on ${tallyErrors.map((r) => r.file).join(', ')}`);
  out.push(
    pass
      ? 'PASS: every field of the fully decoded types agrees or differs only as cited'
      : `FAIL: ${uncited.length} uncited disagreement categories in fully decoded types`,
  );
  process.stdout.write(out.join('\n') + '\n');
  process.exit(pass ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
