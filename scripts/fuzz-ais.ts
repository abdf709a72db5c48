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
} from '../src/ais/index.js';
import { encodeSentences, nmeaChecksum } from '../src/ais/encode.js';
import { aisScenario } from '../src/scenario/ais.js';
import { csvFixtureRows, writeDmaCsv, writeMarineCadastreCsv } from '../src/scenario/csv.js';
import { Random } from '../src/scenario/random.js';

// ---------------------------------------------------------------------------
// Seed corpus

export interface Corpus {
  /** One sentence a line (single-sentence messages and fragments), most with tag blocks. */
  nmea: string[];
  /** Multi-sentence messages: their lines in order. */
  groups: string[][];
  /** Whole scenario logs, line by line. */
  logs: string[][];
  /** CSV files: header and rows. */
  csv: { header: string; rows: string[] }[];
  /** Lines the reader passes over or that carry context ($PGHP, comments, other NMEA). */
  other: string[];
}

/** `!body*hh` with the right checksum. */
export function sentence(body: string): string {
  return `!${body}*${nmeaChecksum(body)}`;
}

/** `\tags*hh\` with the right checksum. */
export function tagBlock(tags: string): string {
  return `\\${tags}*${nmeaChecksum(tags)}\\`;
}

const POS = {
  status: 0,
  turn: 0,
  speed: 12.3,
  accuracy: true,
  lon: -81.5,
  lat: 24.25,
  course: 123.4,
  heading: 122,
  second: 30,
  maneuver: 0,
  raim: false,
  radio: 0,
};

/** The encoder's output for the decoded types the scenario does not write, and a few hand-written sentences. */
function extraSentences(): { lines: string[]; groups: string[][] } {
  const recs = [
    { type: 2, repeat: 1, mmsi: 211000001, ...POS },
    { type: 3, repeat: 3, mmsi: 999999999 & 0x3fffffff, ...POS, turn: 'fastright', lat: -89.9, lon: 179.9 },
    {
      type: 4,
      repeat: 0,
      mmsi: 3669702,
      timestamp: '2007-05-14T19:57:39Z',
      accuracy: true,
      lon: -81.8,
      lat: 24.55,
      epfd: 7,
      raim: false,
      radio: 0,
    },
    {
      type: 9,
      repeat: 0,
      mmsi: 111232511,
      alt: 303,
      speed: 42,
      accuracy: false,
      lon: -6.27,
      lat: 58.14,
      course: 154.5,
      second: 15,
      regional: 0,
      dte: 1,
      assigned: false,
      raim: false,
      radio: 33392,
    },
    {
      type: 11,
      repeat: 0,
      mmsi: 3669702,
      timestamp: '1962-10-28T12:00:00Z',
      accuracy: false,
      lon: 10,
      lat: 55,
      epfd: 1,
      raim: false,
      radio: 0,
    },
    {
      type: 18,
      repeat: 0,
      mmsi: 338000001,
      reserved: 0,
      speed: 0.1,
      accuracy: false,
      lon: -70,
      lat: 40,
      course: 0,
      heading: null,
      second: 60,
      regional: 0,
      cs: true,
      display: false,
      dsc: true,
      band: true,
      msg22: true,
      assigned: false,
      raim: false,
      radio: 0,
    },
    {
      type: 19,
      repeat: 0,
      mmsi: 338000002,
      reserved: 0,
      speed: 5,
      accuracy: true,
      lon: -70.1,
      lat: 40.1,
      course: 359.9,
      heading: 359,
      second: 1,
      regional: 0,
      shipname: 'SEA DOG',
      shiptype: 37,
      to_bow: 5,
      to_stern: 5,
      to_port: 2,
      to_starboard: 2,
      epfd: 1,
      raim: false,
      dte: 0,
      assigned: false,
    },
    {
      type: 21,
      repeat: 0,
      mmsi: 993672085,
      aid_type: 1,
      name: 'NAVIGATION AID WITH A VERY LONG NAME',
      accuracy: false,
      lon: -80.1,
      lat: 25.7,
      to_bow: 0,
      to_stern: 0,
      to_port: 0,
      to_starboard: 0,
      epfd: 7,
      second: 20,
      off_position: false,
      regional: 0,
      raim: false,
      virtual_aid: false,
      assigned: false,
    },
    { type: 24, repeat: 0, mmsi: 338000003, part: 0, shipname: 'LITTLE BOAT' },
    {
      type: 24,
      repeat: 0,
      mmsi: 338000003,
      part: 1,
      shiptype: 36,
      vendorid: 'ABC',
      model: 2,
      serial: 12345,
      callsign: 'WDX1234',
      to_bow: 4,
      to_stern: 4,
      to_port: 1,
      to_starboard: 1,
    },
    {
      type: 24,
      repeat: 0,
      mmsi: 983380001,
      part: 1,
      shiptype: 36,
      vendorid: 'ABC',
      model: 2,
      serial: 12345,
      callsign: 'AUX',
      mothership_mmsi: 338000004,
    },
    {
      type: 27,
      repeat: 0,
      mmsi: 206914217,
      accuracy: false,
      raim: false,
      status: 5,
      lon: 137.03,
      lat: 4.84,
      speed: 57,
      course: 167,
      gnss: 0,
    },
    {
      type: 5,
      repeat: 0,
      mmsi: 273000001,
      ais_version: 0,
      imo: 9000001,
      callsign: 'UBCD',
      shipname: 'VOLGOLES',
      shiptype: 70,
      to_bow: 100,
      to_stern: 30,
      to_port: 10,
      to_starboard: 10,
      epfd: 1,
      eta: '10-28T12:00Z',
      draught: 7.5,
      destination: 'MARIEL',
      dte: 0,
    },
  ];
  const lines: string[] = [];
  const groups: string[][] = [];
  recs.forEach((r, k) => {
    const plain = encodeSentences(r, {
      channel: k % 2 ? 'A' : 'B',
      sequence: k % 10,
      talker: k % 3 ? 'AI' : 'BS',
      own: k === 4,
    });
    const tagged = encodeSentences(r, {
      channel: 'B',
      sequence: (k + 3) % 10,
      station: 'r003669945',
      time: 1241544035000 + k * 1234,
    });
    for (const ls of [plain, tagged]) {
      lines.push(...ls);
      if (ls.length > 1) groups.push(ls);
    }
  });
  // Raw types (yielded with their payload): binary messages and interrogations.
  lines.push(sentence('AIVDM,1,1,,A,85Mwp`1Kf3aCnsNvBWLi=wQuNhA5t43N`5nCuI=p<IBfVqnMgPGs,0'));
  lines.push(sentence('AIVDM,1,1,,B,6>jR0600V:C0>da4P106P00,2'));
  lines.push(sentence('AIVDM,1,1,,A,?03OwnB0ACVlD00,2'));
  lines.push(sentence('AIVDM,1,1,,A,H42O55i18tMET00000000000000,2'));
  // US Coast Guard trailing fields, then the same with a source on the second fragment only.
  lines.push(
    sentence('AIVDM,1,1,,A,15N4cJ`005Jrek0H@9n`DW5608EP,0') +
      ',s26054,d-104,T27.54538456,x124523,r003669945,1241544035',
  );
  lines.push(sentence('AIVDM,1,1,,B,15MgK45P3@G?fl0E`JbR0OwT0@MS,0') + ',b003669710,1241544036');
  return { lines, groups };
}

function otherLines(): string[] {
  const pghpBody = 'PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09';
  return [
    `$${pghpBody}*${nmeaChecksum(pghpBody)}`,
    `$${'PGHP,2,foo'}*${nmeaChecksum('PGHP,2,foo')}`,
    '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
    '!AIALR,000000.00,007,A,V,AIS: no sensor position in use*7D',
    '# a comment line',
    tagBlock('c:1241544035,s:r003669945'),
    '',
  ];
}

export function buildCorpus(seeds: readonly number[] = [1962, 7, 42, 2024]): Corpus {
  const nmea: string[] = [];
  const groups: string[][] = [];
  const logs: string[][] = [];
  for (const seed of seeds) {
    const log: string[] = [];
    for (const item of aisScenario({ seed, vessels: 10, durationMs: 90 * 60_000 })) {
      log.push(...item.lines);
      if (item.lines.length > 1) groups.push(item.lines);
    }
    logs.push(log);
    // Every line of the first log; a sample of the others (the corpus stays small).
    for (let k = 0; k < log.length; k += logs.length === 1 ? 1 : 7) nmea.push(log[k]);
  }
  const extra = extraSentences();
  nmea.push(...extra.lines);
  groups.push(...extra.groups);
  // A log of the extras with Gatehouse prefixes and other lines between.
  const other = otherLines();
  logs.push([
    other[0],
    extra.lines[0],
    ...extra.lines,
    other[2],
    other[4],
    '',
    other[3],
    other[5],
    ...extra.lines.slice(0, 6),
  ]);
  const csv: Corpus['csv'] = [];
  for (const seed of seeds) {
    for (const text of [writeMarineCadastreCsv(csvFixtureRows(seed, 40)), writeDmaCsv(csvFixtureRows(seed + 1, 40))]) {
      const lines = text.split('\n').filter((l) => l !== '');
      csv.push({ header: lines[0], rows: lines.slice(1) });
    }
  }
  const has = (re: RegExp): boolean => nmea.some((l) => re.test(l));
  if (!groups.length || !has(/,2,1,\d,[AB],5/) || !has(/,1,1,,[AB],H/))
    throw new Error('seed corpus lacks multi-sentence type 5 or type 24');
  return { nmea, groups, logs, csv, other };
}

// ---------------------------------------------------------------------------
// Mutations, as data (so that fast-check can generate and shrink them)

/** Interesting bytes for insertions and replacements. */
export const SPECIAL_BYTES = [
  0, 9, 10, 13, 32, 33, 34, 35, 36, 42, 44, 45, 46, 48, 57, 58, 64, 65, 87, 88, 92, 95, 96, 119, 120, 127, 128, 0xc3,
  0xa9, 0xef, 0xbb, 0xbf, 0xff,
];

const SENTENCE_FIELD_VALUES: string[][] = [
  ['AIVDM', 'AIVDO', 'BSVDM', 'AIVDX', 'VDM', 'AIVDMM', '', 'AIALR'],
  ['0', '1', '2', '3', '9', '10', '', 'a', '-1', ' 1', '01'],
  ['0', '1', '2', '3', '9', '10', '', 'a', '-1', '1.5'],
  ['', '0', '1', '9', '10', '-1', '1.5', 'x', '99999999999999999999', '-'],
  ['A', 'B', '', '1', '2', 'AB', 'C'],
  [], // payload: see payloadEdit
  ['0', '1', '2', '4', '5', '6', '9', '', '-1', 'a', '00', '0.5'],
];

const TAG_VALUES = [
  'c:1241544035',
  'c:1241544035123',
  'c:-1',
  'c:0',
  'c:1.5',
  'c:',
  'c:x',
  'c:9000000000000000',
  'c:-9000000000000000',
  'c:99999999999999999',
  'c:1e3',
  's:r003669945',
  's:',
  's:\\',
  'g:1-2-3',
  'g:2-2-3',
  'g:1-2-',
  'g:x',
  'g:1-2',
  'g:1-2-99999999999999999',
  'g:---',
  'g:1-2--1',
  'n:12',
  'x',
  '',
  ':',
  'c:1241544035,s:A,g:1-2-7',
  'd:dest',
  't:text',
];

export type Op =
  | { k: 'flip'; pos: number; bit: number }
  | { k: 'set'; pos: number; byte: number }
  | { k: 'ins'; pos: number; bytes: number[] }
  | { k: 'del'; pos: number; len: number }
  | { k: 'dup'; pos: number; len: number }
  | { k: 'trunc'; pos: number }
  | { k: 'splice'; pos: number; other: string; opos: number }
  | { k: 'junk'; bytes: number[] }
  | { k: 'pad'; n: number; byte: number; where: number }
  | { k: 'utf8'; pos: number; ch: string }
  /** Replace field `field` (0..6) of the `!` sentence. */
  | { k: 'field'; field: number; value: string }
  /** Edit the payload: 0 set type char, 1 truncate, 2 invalid armour char, 3 extend, 4 random armour char. */
  | { k: 'payload'; how: number; pos: number; value: number }
  /** Replace (or add, when there is none) the tag block's parameters. */
  | { k: 'tag'; value: string }
  /** Replace field `field` of a CSV row. */
  | { k: 'csv'; field: number; value: string }
  /** Recompute the checksums of every sentence and tag block. */
  | { k: 'fix' };

const CSV_VALUES = [
  '',
  '91',
  '-91',
  '181',
  '-181',
  '90.0000001',
  'abc',
  '1e309',
  'NaN',
  '"',
  '"x"y',
  '"a,b"',
  'Infinity',
  '0x10',
  '  ',
  '1,2',
  '-0',
  '102.3',
  '360',
  '511',
  '0',
  '999999999',
  '1000000000',
  'Unknown',
  'Undefined',
  'IMO0',
  'IMO1073741824',
  '2023-02-30T00:00:00',
  '31/12/1999 23:59:60',
  '2023-01-01T00:00:00.1234567891Z',
  '@@@@',
  'At anchor',
  'Class B',
  'Tanker',
  '-0.0',
  '1e1',
  '.5',
];

const ARMOUR_CHARS = '0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw';
const BAD_ARMOUR = 'XYZ[]^_xyz{|}~ "#$%&\'()+-./';

function clampPos(pos: number, len: number): number {
  return len === 0 ? 0 : ((pos % (len + 1)) + len + 1) % (len + 1);
}

/** The `!` sentence of a line: indexes of `!`, the commas, and `*` (or the line end). */
function sentenceSpan(s: string): { bang: number; star: number } | null {
  const bang = s.indexOf('!');
  if (bang < 0) return null;
  let star = s.indexOf('*', bang);
  if (star < 0) star = s.length;
  return { bang, star };
}

function replaceField(s: string, field: number, f: (old: string) => string): string {
  const span = sentenceSpan(s);
  if (!span) return s;
  const fields = s.slice(span.bang + 1, span.star).split(',');
  if (field >= fields.length) return s;
  fields[field] = f(fields[field]);
  return s.slice(0, span.bang + 1) + fields.join(',') + s.slice(span.star);
}

/** Recompute the checksum of every `!...*hh` and `\...*hh\` in the line (where two characters follow the `*`). */
export function fixChecksums(b: Uint8Array): Uint8Array {
  const out = Uint8Array.from(b);
  const hex = (n: number): number[] => [...n.toString(16).toUpperCase().padStart(2, '0')].map((c) => c.charCodeAt(0));
  for (let k = 0; k < out.length; k++) {
    if (out[k] !== 33 && out[k] !== 92) continue;
    const tag = out[k] === 92;
    let x = 0;
    let j = k + 1;
    for (; j < out.length && out[j] !== 42 && out[j] !== 10 && !(tag && out[j] === 92); j++) x ^= out[j];
    if (j + 2 < out.length + (tag ? 0 : 1) && out[j] === 42) {
      const [h1, h2] = hex(x);
      out[j + 1] = h1;
      out[j + 2] = h2;
      k = j + 2;
    } else k = j - 1;
  }
  return out;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

export function applyOp(b: Uint8Array, op: Op): Uint8Array {
  const n = b.length;
  switch (op.k) {
    case 'flip': {
      if (!n) return b;
      const out = Uint8Array.from(b);
      out[op.pos % n] ^= 1 << (op.bit & 7);
      return out;
    }
    case 'set': {
      if (!n) return b;
      const out = Uint8Array.from(b);
      out[op.pos % n] = op.byte & 255;
      return out;
    }
    case 'ins': {
      const p = clampPos(op.pos, n);
      return Uint8Array.from([...b.subarray(0, p), ...op.bytes.map((x) => x & 255), ...b.subarray(p)]);
    }
    case 'del': {
      const p = clampPos(op.pos, n);
      return Uint8Array.from([...b.subarray(0, p), ...b.subarray(Math.min(n, p + op.len))]);
    }
    case 'dup': {
      const p = clampPos(op.pos, n);
      const e = Math.min(n, p + op.len);
      return Uint8Array.from([...b.subarray(0, e), ...b.subarray(p, e), ...b.subarray(e)]);
    }
    case 'trunc':
      return b.subarray(0, clampPos(op.pos, n));
    case 'splice': {
      const o = bytes(op.other);
      return Uint8Array.from([...b.subarray(0, clampPos(op.pos, n)), ...o.subarray(clampPos(op.opos, o.length))]);
    }
    case 'junk':
      return Uint8Array.from(op.bytes.map((x) => x & 255));
    case 'pad': {
      const pad = new Uint8Array(op.n).fill(op.byte & 255);
      const out = new Uint8Array(n + op.n);
      const p = op.where === 0 ? 0 : op.where === 1 ? n : clampPos(op.where, n);
      out.set(b.subarray(0, p), 0);
      out.set(pad, p);
      out.set(b.subarray(p), p + op.n);
      return out;
    }
    case 'utf8': {
      const p = clampPos(op.pos, n);
      return Uint8Array.from([...b.subarray(0, p), ...Buffer.from(op.ch, 'utf8'), ...b.subarray(p)]);
    }
    case 'field': {
      const f = Math.max(0, Math.min(6, op.field));
      return bytes(replaceField(latin1(b), f, () => op.value));
    }
    case 'payload':
      return bytes(replaceField(latin1(b), 5, (p) => payloadEdit(p, op.how, op.pos, op.value)));
    case 'tag': {
      const s = latin1(b);
      const m = /^\\[^\\]*\\/.exec(s);
      return bytes(tagBlock(op.value) + (m ? s.slice(m[0].length) : s));
    }
    case 'csv': {
      const fields = latin1(b).split(',');
      fields[op.field % Math.max(1, fields.length)] = op.value;
      return bytes(fields.join(','));
    }
    case 'fix':
      return fixChecksums(b);
  }
}

function payloadEdit(p: string, how: number, pos: number, value: number): string {
  const at = clampPos(pos, Math.max(0, p.length - 1));
  switch (how % 5) {
    case 0: // message type: 0, 28..63 or any
      return ARMOUR_CHARS[value % 64] + p.slice(1);
    case 1: // short payload
      return p.slice(0, at);
    case 2: // a character outside the armour
      return p.slice(0, at) + BAD_ARMOUR[value % BAD_ARMOUR.length] + p.slice(at + 1);
    case 3: {
      // longer payload (up to ~900 characters)
      let s = '';
      for (let k = 0; k < (value % 900) + 1; k++) s += ARMOUR_CHARS[(value * 7 + k * 13) % 64];
      return p + s;
    }
    default: // a valid armour character: other field values, out-of-range ones included
      return p.slice(0, at) + ARMOUR_CHARS[value % 64] + p.slice(at + 1);
  }
}

export function applyOps(line: string | Uint8Array, ops: readonly Op[]): Uint8Array {
  let b = typeof line === 'string' ? bytes(line) : line;
  for (const op of ops) b = applyOp(b, op);
  return b;
}

/** A random mutation (and, half the time, checksums recomputed after it). */
export function randomOps(rng: Random, corpus: Corpus, csv: boolean): Op[] {
  const ops: Op[] = [];
  // Half the NMEA mutations are field-level edits with the checksums then recomputed, so that they reach
  // the fragment, fill-bit, armour and payload checks; the rest are byte-level.
  if (!csv && rng.chance(0.5)) {
    const n = rng.chance(0.7) ? 1 : 2;
    for (let k = 0; k < n; k++) {
      const w = rng.int(0, 9);
      if (w < 5)
        ops.push({
          k: 'payload',
          how: rng.pick([0, 0, 1, 1, 2, 2, 3, 4, 4, 4]),
          pos: rng.int(0, 80),
          value: rng.int(0, 10_000),
        });
      else if (w < 8) {
        const field = rng.pick([0, 1, 2, 3, 4, 6]);
        ops.push({ k: 'field', field, value: rng.pick(SENTENCE_FIELD_VALUES[field]) });
      } else
        ops.push({
          k: 'tag',
          value: rng.chance(0.5) ? rng.pick(TAG_VALUES) : `${rng.pick(TAG_VALUES)},${rng.pick(TAG_VALUES)}`,
        });
    }
    if (rng.chance(0.9)) ops.push({ k: 'fix' });
    return ops;
  }
  const count = rng.chance(0.6) ? 1 : rng.int(2, 4);
  const anyLine = (): string => (rng.chance(0.8) ? rng.pick(corpus.nmea) : rng.pick(rng.pick(corpus.csv).rows));
  const pos = (): number => rng.int(0, 200);
  for (let k = 0; k < count; k++) {
    const r = rng.int(0, csv ? 13 : 17);
    switch (r) {
      case 0:
        ops.push({ k: 'flip', pos: pos(), bit: rng.int(0, 7) });
        break;
      case 1:
        ops.push({ k: 'set', pos: pos(), byte: rng.chance(0.5) ? rng.pick(SPECIAL_BYTES) : rng.int(0, 255) });
        break;
      case 2:
        ops.push({
          k: 'ins',
          pos: pos(),
          bytes: Array.from({ length: rng.int(1, 4) }, () =>
            rng.chance(0.7) ? rng.pick(SPECIAL_BYTES) : rng.int(0, 255),
          ),
        });
        break;
      case 3:
        ops.push({ k: 'del', pos: pos(), len: rng.int(1, 10) });
        break;
      case 4:
        ops.push({ k: 'dup', pos: pos(), len: rng.int(1, 40) });
        break;
      case 5:
        ops.push({ k: 'trunc', pos: pos() });
        break;
      case 6:
        ops.push({ k: 'splice', pos: pos(), other: anyLine(), opos: pos() });
        break;
      case 7:
        ops.push({ k: 'utf8', pos: pos(), ch: rng.pick(['é', 'Ø', '中', '😀', '\ufeff', '\u0085', '\u2028']) });
        break;
      case 8:
        ops.push({ k: 'ins', pos: pos(), bytes: [rng.pick([0, 10, 13, 13, 0])] });
        break;
      case 9:
        ops.push({ k: 'pad', n: rng.int(1, 30), byte: rng.pick([32, 9, 13]), where: rng.int(0, 1) });
        break;
      case 10:
        ops.push({ k: 'pad', n: rng.int(900, 3000), byte: rng.pick([32, 9, 48, 65, 44]), where: rng.int(0, 200) });
        break;
      case 11:
        ops.push({ k: 'junk', bytes: Array.from({ length: rng.int(0, 120) }, () => rng.int(0, 255)) });
        break;
      case 12:
        ops.push({ k: 'set', pos: pos(), byte: rng.pick([44, 42, 33, 92]) });
        break;
      case 13:
        if (csv) ops.push({ k: 'csv', field: rng.int(0, 30), value: rng.pick(CSV_VALUES) });
        else
          ops.push({
            k: 'tag',
            value: rng.chance(0.5) ? rng.pick(TAG_VALUES) : `${rng.pick(TAG_VALUES)},${rng.pick(TAG_VALUES)}`,
          });
        break;
      case 14:
      case 15: {
        const field = rng.int(0, 6);
        if (field === 5) ops.push({ k: 'payload', how: rng.int(0, 4), pos: rng.int(0, 80), value: rng.int(0, 10_000) });
        else ops.push({ k: 'field', field, value: rng.pick(SENTENCE_FIELD_VALUES[field]) });
        break;
      }
      default:
        ops.push({
          k: 'payload',
          how: rng.pick([0, 0, 1, 2, 4, 4, 4, 3]),
          pos: rng.int(0, 80),
          value: rng.int(0, 10_000),
        });
    }
  }
  if (csv ? rng.chance(0.1) : rng.chance(0.3)) ops.push({ k: 'fix' });
  return ops;
}

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

// ---------------------------------------------------------------------------
// Case generation

function randomChunks(rng: Random, size: number): number[] {
  const n = rng.int(1, 12);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = rng.next();
    out.push(r < 0.3 ? rng.int(1, 3) : r < 0.7 ? rng.int(4, 100) : rng.int(100, Math.max(101, Math.min(65536, size))));
  }
  return out;
}

function joinLines(lines: (string | Uint8Array)[], eol: string, finalEol: boolean): Uint8Array {
  const parts: Buffer[] = [];
  lines.forEach((l, k) => {
    parts.push(typeof l === 'string' ? Buffer.from(l, 'latin1') : Buffer.from(l));
    if (k < lines.length - 1 || finalEol) parts.push(Buffer.from(eol, 'latin1'));
  });
  return new Uint8Array(Buffer.concat(parts));
}

const TYPE_SETS = [[1, 2, 3], [5, 24], [1, 2, 3, 18, 19, 27], [8]];

/** The next case of the fuzz (all randomness from `rng`). */
export function nextCase(rng: Random, corpus: Corpus): Case {
  const r = rng.next();
  const chunksFor = (b: Uint8Array): number[] => randomChunks(rng, b.length);
  const types = rng.chance(0.1) ? new Set(rng.pick(TYPE_SETS)) : null;
  const via = rng.chance(0.15) ? 'text' : rng.chance(0.15) ? 'batch' : null;
  const strict = rng.chance(0.5);
  if (r < 0.62) {
    // One NMEA line, mutated.
    const line = rng.chance(0.95) ? rng.pick(corpus.nmea) : rng.pick(corpus.other);
    const m = applyOps(line, randomOps(rng, corpus, false));
    const input = joinLines([m], rng.chance(0.2) ? '\r\n' : '\n', rng.chance(0.8));
    return { kind: 'line', input, exact: 'one-line', types, chunks: chunksFor(input), via, strict };
  }
  if (r < 0.72) {
    // A CSV header and one mutated row.
    const f = rng.pick(corpus.csv);
    const row = applyOps(rng.pick(f.rows), randomOps(rng, corpus, true));
    const input = joinLines([f.header, row], rng.chance(0.2) ? '\r\n' : '\n', rng.chance(0.8));
    return { kind: 'csv-row', input, exact: 'csv-row', types, chunks: chunksFor(input), via, strict };
  }
  if (r < 0.74) {
    // Binary junk: random bytes, newlines included.
    const input = Uint8Array.from({ length: rng.int(0, 400) }, () => (rng.chance(0.05) ? 10 : rng.int(0, 255)));
    return { kind: 'junk', input, exact: null, types, chunks: chunksFor(input), via, strict };
  }
  if (r < 0.85) {
    // A multi-sentence message: fragments mutated (checksums fixed), reordered, duplicated, dropped, interleaved.
    const g = [...rng.pick(corpus.groups)];
    let lines: (string | Uint8Array)[] = g;
    if (rng.chance(0.4)) lines = [...rng.pick(corpus.groups), ...lines];
    lines = lines.map((l) => (rng.chance(0.3) ? applyOps(l, [...randomOps(rng, corpus, false), { k: 'fix' }]) : l));
    const ops = rng.int(0, 3);
    for (let k = 0; k < ops; k++) {
      const i = rng.int(0, lines.length - 1);
      const j = rng.int(0, lines.length - 1);
      const w = rng.int(0, 4);
      if (w === 0) [lines[i], lines[j]] = [lines[j], lines[i]];
      else if (w === 1) lines.splice(j, 0, lines[i]);
      else if (w === 2 && lines.length > 1) lines.splice(i, 1);
      else if (w === 3) lines.splice(j, 0, rng.pick(corpus.nmea));
      else lines.reverse();
    }
    const input = joinLines(lines, rng.chance(0.2) ? '\r\n' : '\n', rng.chance(0.9));
    return { kind: 'group', input, exact: null, types, chunks: chunksFor(input), via, strict };
  }
  if (r < 0.96) {
    // A window of a log (or of a CSV file), some lines mutated.
    let lines: (string | Uint8Array)[];
    if (rng.chance(0.8)) {
      const log = rng.pick(corpus.logs);
      const at = rng.int(0, Math.max(0, log.length - 40));
      lines = log.slice(at, at + rng.int(5, 40));
    } else {
      const f = rng.pick(corpus.csv);
      lines = [
        rng.chance(0.7) ? f.header : applyOps(f.header, randomOps(rng, corpus, true)),
        ...f.rows.slice(0, rng.int(1, 20)),
      ];
    }
    const p = rng.range(0, 0.3);
    lines = lines.map((l) => (rng.chance(p) ? applyOps(l, randomOps(rng, corpus, false)) : l));
    if (rng.chance(0.1)) lines.splice(rng.int(0, lines.length), 0, rng.pick(corpus.other));
    const input = joinLines(lines, rng.chance(0.2) ? '\r\n' : '\n', rng.chance(0.9));
    return { kind: 'block', input, exact: null, types, chunks: chunksFor(input), via, strict };
  }
  // An overlong line (1 kB to 20 kB) between two valid sentences: rejected, and the next line still decodes.
  const good = (): string => rng.pick(corpus.nmea.filter((l) => /!..VD[MO],1,1,/.test(l)));
  const size = rng.int(1001, 20_000);
  const fillByte = rng.pick([65, 48, 44, 0, 255, 33, 92]);
  const long = rng.chance(0.5)
    ? applyOps(good(), [{ k: 'pad', n: size, byte: fillByte, where: rng.int(0, 100) }])
    : new Uint8Array(size).fill(fillByte);
  const input = joinLines([good(), long, good()], '\n', true);
  return { kind: 'long', input, exact: types ? null : 'long-between', types, chunks: chunksFor(input), via, strict };
}

/** A line of `megabytes` MB without a newline, then a valid sentence: fed in one piece and in large chunks. */
export function hugeCase(rng: Random, corpus: Corpus, megabytes: number): Case {
  const size = Math.round(megabytes * (1 << 20));
  const huge = new Uint8Array(size + 1);
  huge.fill(rng.pick([65, 32, 0, 33, 44]));
  if (huge[0] === 32) huge[0] = 65; // a line of spaces only is blank, not too long
  huge[size] = 10;
  const good = Buffer.from(rng.pick(corpus.nmea.filter((l) => /!..VD[MO],1,1,/.test(l))) + '\n', 'latin1');
  const input = new Uint8Array(Buffer.concat([huge, good]));
  const chunks = [rng.int(1 << 12, 1 << 20), rng.int(1 << 12, 1 << 20)];
  return { kind: 'huge', input, exact: null, chunks, strict: true };
}

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

const entry = process.argv[1] ? pathToFileURL(process.argv[1]).href : '';
if (isMainThread && import.meta.url === entry) main();
else if (!isMainThread && (workerData as { fuzzAis?: boolean } | null)?.fuzzAis) workerMain();
