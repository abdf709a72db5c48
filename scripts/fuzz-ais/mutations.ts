/** Mutations of the fuzzer, declared as data so that fast-check can generate and shrink them, and how they are applied. */
import { Random } from '../../src/scenario/random.js';
import { type Corpus, tagBlock } from './corpus.js';

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

export const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
export const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

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
