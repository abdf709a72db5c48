/**
 * Turns the declared layouts of `layouts.ts` into straight-line JavaScript at
 * load time: one decoding function per layout that reads every field with
 * constant shifts and masks from the six-bit values, and one JSON writer.
 * This keeps the table the single source of truth while decoding runs as
 * fast as hand-written code (no per-field loop, no per-record allocation).
 */
import type { AisRecord } from './types.js';
import type { StaticReport } from './batch.js';
import { type DerivedField, type FieldSpec, type MessageLayout } from './layouts.js';

/**
 * Decoded values of one message: numbers in `v` (NaN = not available), text in `t`.
 * Returns a bit mask of the range-checked fields (`CompiledLayout.checked`) that held a value
 * the standard does not allow, now null.
 */
export type DecodeFn = (s: Uint8Array, nbits: number, v: Float64Array, t: (string | null)[]) => number;
/** The static-report object of a message (types 5, 19, 24), fixed shape. */
export type StaticFn = (
  v: Float64Array,
  t: (string | null)[],
  time: number,
  mmsi: number,
  type: number,
) => StaticReport;
/** JSON text of the fields after the header (starts with a comma). */
export type JsonFn = (v: Float64Array, t: (string | null)[]) => string;
export type ObjectFn = (v: Float64Array, t: (string | null)[], out: AisRecord) => void;

export interface CompiledLayout {
  layout: MessageLayout;
  /** Field name to its slot in `v` / `t`. */
  slot: Record<string, number>;
  decode: DecodeFn;
  json: JsonFn;
  object: ObjectFn;
  /** Visible field names in output order (derived fields included). */
  columns: string[];
  /** Names of the range-checked fields, in the order of the bits of the decoder's result. */
  checked: string[];
  /** Static report builder; null for layouts without static fields. */
  staticReport: StaticFn | null;
  /** Slots used by the columnar batch; -1 where the layout lacks the field. */
  pos: { lat: number; lon: number; speed: number; course: number; heading: number; status: number };
}

/** Largest number of fields in any layout: the size of the value scratch arrays. */
export const MAX_SLOTS = 64;

/** JavaScript expression for `w` bits at bit offset `o` of the six-bit array `s` (w <= 30). */
export function bitsExpr(o: number, w: number): string {
  if (w > 30) throw new Error(`field of ${w} bits: the compiled reader handles at most 30`);
  const terms: string[] = [];
  const end = o + w;
  for (let c = Math.floor(o / 6); c <= Math.floor((end - 1) / 6); c++) {
    const cs = c * 6;
    const lo = Math.max(o, cs);
    const hi = Math.min(end, cs + 6);
    const take = hi - lo;
    const rshift = cs + 6 - hi;
    let term = `s[${c}]`;
    if (rshift) term = `(${term} >> ${rshift})`;
    if (take < 6 && lo !== cs) term = `(${term} & ${(1 << take) - 1})`;
    const lshift = end - hi;
    terms.push(lshift ? `(${term} << ${lshift})` : term);
  }
  return terms.join(' | ');
}

/** Reads `w` bits at `o` (any width up to 53), for code that is not compiled. */
export function readBits(s: Uint8Array, o: number, w: number): number {
  let r = 0;
  for (let k = 0; k < w; k++) {
    const bit = o + k;
    r = r * 2 + ((s[(bit / 6) | 0] >> (5 - (bit % 6))) & 1);
  }
  return r;
}

const SIXBIT_ASCII = '@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !"#$%&\'()*+,-./0123456789:;<=>?';

const SIXBIT_CODES = Uint8Array.from(SIXBIT_ASCII, (c) => c.charCodeAt(0));
const textScratch = Buffer.alloc(256);

/**
 * Six-bit text: stops at the first `@` (padding / not available); trailing
 * spaces trimmed unless `keepSpaces`. One string per field, no concatenation.
 */
export function readText(s: Uint8Array, o: number, nchars: number, keepSpaces = false): string {
  let i = (o / 6) | 0;
  const sh = o % 6;
  let n = 0;
  for (let k = 0; k < nchars; k++, i++) {
    // A character straddles two six-bit values unless the field is aligned.
    const c = sh === 0 ? s[i] : ((s[i] << sh) | (s[i + 1] >> (6 - sh))) & 63;
    if (c === 0) break;
    textScratch[n++] = SIXBIT_CODES[c];
  }
  if (!keepSpaces) while (n > 0 && textScratch[n - 1] === 32) n--;
  return n === 0 ? '' : textScratch.toString('latin1', 0, n);
}

export function sixbitChar(code: number): string {
  return SIXBIT_ASCII[code];
}

export function sixbitCode(ch: string): number {
  return SIXBIT_ASCII.indexOf(ch);
}

/** gpsd's scaled rate of turn: degrees per minute, or its words for the special values. */
export function rotValue(raw: number): number | string | null {
  if (raw === -128 || raw !== raw) return null;
  if (raw === 127) return 'fastright';
  if (raw === -127) return 'fastleft';
  const r = raw / 4.733;
  const deg = Math.round(r * r * 100) / 100;
  return raw < 0 ? -deg : deg;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** gpsd's `timestamp` of types 4 and 11 ("2007-05-14T19:57:39Z"), the raw values kept as sent. */
export function formatDatetime(y: number, mo: number, d: number, h: number, mi: number, s: number): string {
  const ys = String(y);
  return (
    '0000'.slice(ys.length) + ys + '-' + pad2(mo) + '-' + pad2(d) + 'T' + pad2(h) + ':' + pad2(mi) + ':' + pad2(s) + 'Z'
  );
}

/** gpsd's `eta` of type 5 ("05-15T14:00Z"). */
export function formatEta(mo: number, d: number, h: number, mi: number): string {
  return pad2(mo) + '-' + pad2(d) + 'T' + pad2(h) + ':' + pad2(mi) + 'Z';
}

const helpers = { readText, rotValue, formatDatetime, formatEta };

/** Static and voyage fields carried into `StaticReport`. */
const STATIC_FIELDS = [
  'shipname',
  'callsign',
  'imo',
  'shiptype',
  'to_bow',
  'to_stern',
  'to_port',
  'to_starboard',
  'draught',
  'destination',
];

export function compileLayout(layout: MessageLayout): CompiledLayout {
  const slot: Record<string, number> = {};
  const fields: PlacedField[] = [];
  let o = 0;
  for (const f of layout.fields) {
    if (f.kind !== 'spare') {
      if (slot[f.name] !== undefined) throw new Error(`layout ${layout.id}: field ${f.name} declared twice`);
      slot[f.name] = fields.length;
      fields.push({ f, o, slot: fields.length });
    }
    o += f.bits;
  }
  if (fields.length > MAX_SLOTS) throw new Error(`layout ${layout.id}: ${fields.length} fields, at most ${MAX_SLOTS}`);

  const { decode, checked } = compileDecoder(layout, fields, slot);
  const out = outputOrder(layout, fields);
  const { json, object } = compileWriters(layout, out, slot);
  const staticReport = compileStaticReport(layout, fields, slot);
  const s = (n: string): number => slot[n] ?? -1;
  return {
    layout,
    slot,
    decode,
    json,
    object,
    checked,
    staticReport,
    columns: out.map((e) => (e.kind === 'derived' ? e.d.name : e.f.name)),
    pos: {
      lat: s('lat'),
      lon: s('lon'),
      speed: s('speed'),
      course: s('course'),
      heading: s('heading'),
      status: s('status'),
    },
  };
}

/** A field of a layout with its bit offset and its slot in the decoded values. */
interface PlacedField {
  f: FieldSpec;
  o: number;
  slot: number;
}

/** Where each visible field, and each derived one (at the place of its first part), goes in the output. */
type OutputField = { kind: 'field'; f: FieldSpec; slot: number } | { kind: 'derived'; d: DerivedField };

/** The decoder: straight-line code of constant shifts and masks, one line per field. */
function compileDecoder(
  layout: MessageLayout,
  fields: PlacedField[],
  slot: Record<string, number>,
): { decode: DecodeFn; checked: string[] } {
  const lines: string[] = ['let r = 0; let bad = 0;'];
  const texts: number[] = [];
  const checked: string[] = [];
  for (const { f, o: off, slot: k } of fields) {
    const guarded = off + f.bits > layout.minBits;
    let code: string;
    if (f.kind === 'text') {
      const chars = Math.floor(f.bits / 6);
      const n = f.rest ? `Math.min(${chars}, Math.floor((nbits - ${off}) / 6))` : String(chars);
      // A field that takes an extension keeps its spaces until the extension is on.
      const appended = layout.fields.some((x) => x.appendTo === f.name);
      code = `t[${k}] = h.readText(s, ${off}, ${n}${appended ? ', true' : ''});`;
      if (appended) texts.push(k);
      if (guarded) code = `if (nbits > ${off}) { ${code} } else t[${k}] = ${f.rest ? "''" : 'null'};`;
    } else {
      let value = `(${bitsExpr(off, f.bits)})`;
      if (f.kind === 'int' || f.kind === 'rot') value = `((${value} << ${32 - f.bits}) >> ${32 - f.bits})`;
      code = `r = ${value};`;
      if (f.kind === 'rot') code += ` v[${k}] = r;`;
      else if (f.kind === 'bool') code += ` v[${k}] = r;`;
      else {
        const scaled = f.scale ? `r / ${f.scale}` : 'r';
        code += f.na !== undefined ? ` v[${k}] = r === ${f.na} ? NaN : ${scaled};` : ` v[${k}] = ${scaled};`;
        if (f.valid) {
          const na = f.na !== undefined ? `r !== ${f.na} && ` : '';
          code += ` if (${na}(r < ${f.valid[0]} || r > ${f.valid[1]})) { v[${k}] = NaN; bad |= ${1 << checked.length}; }`;
          checked.push(f.name);
        }
      }
      if (guarded) code = `if (nbits >= ${off + f.bits}) { ${code} } else v[${k}] = NaN;`;
    }
    lines.push(code);
  }
  for (const { f, slot: k } of fields) {
    if (f.appendTo) {
      const a = slot[f.appendTo];
      // The extension counts only after a name that fills its field (M.1371-5 §3.20: used when more than 20 characters are needed).
      const full = Math.floor(layout.fields.find((x) => x.name === f.appendTo)!.bits / 6);
      lines.push(`if (t[${a}] !== null && t[${a}].length === ${full} && t[${k}]) t[${a}] = t[${a}] + t[${k}];`);
    }
  }
  for (const k of texts) lines.push(`if (t[${k}] !== null) t[${k}] = t[${k}].trimEnd();`);
  lines.push('return bad;');
  const decode = new Function('h', `return function decode_${layout.id}(s, nbits, v, t) {\n${lines.join('\n')}\n};`)(
    helpers,
  ) as DecodeFn;

  return { decode, checked };
}

/** The output order: visible fields, derived ones at the place of their first part. */
function outputOrder(layout: MessageLayout, fields: PlacedField[]): OutputField[] {
  const out: OutputField[] = [];
  const derivedAt = new Map<string, DerivedField>();
  for (const d of layout.derived ?? []) derivedAt.set(d.from[0], d);
  for (const { f, slot: k } of fields) {
    const d = derivedAt.get(f.name);
    if (d) out.push({ kind: 'derived', d });
    if (!f.hidden && !['type', 'repeat', 'mmsi'].includes(f.name)) out.push({ kind: 'field', f, slot: k });
  }

  return out;
}

/** The JSON writer and the record writer, both in the output order. */
function compileWriters(
  layout: MessageLayout,
  out: OutputField[],
  slot: Record<string, number>,
): { json: JsonFn; object: ObjectFn } {
  const parts: string[] = [];
  const objLines: string[] = [];
  for (const e of out) {
    if (e.kind === 'derived') {
      const args = e.d.from.map((n) => `v[${slot[n]}]`).join(', ');
      const fn = e.d.format === 'datetime' ? 'h.formatDatetime' : 'h.formatEta';
      const nullCheck = e.d.from.map((n) => `v[${slot[n]}] !== v[${slot[n]}]`).join(' || ');
      parts.push(`',"${e.d.name}":' + (${nullCheck} ? 'null' : '"' + ${fn}(${args}) + '"')`);
      objLines.push(`o.${e.d.name} = ${nullCheck} ? null : ${fn}(${args});`);
      continue;
    }
    const { f, slot: k } = e;
    const key = `',"${f.name}":'`;
    if (f.kind === 'text') {
      parts.push(`${key} + (t[${k}] === null ? 'null' : JSON.stringify(t[${k}]))`);
      objLines.push(`o.${f.name} = t[${k}];`);
    } else if (f.kind === 'bool') {
      parts.push(`${key} + (v[${k}] !== v[${k}] ? 'null' : v[${k}] ? 'true' : 'false')`);
      objLines.push(`o.${f.name} = v[${k}] !== v[${k}] ? null : v[${k}] === 1;`);
    } else if (f.kind === 'rot') {
      parts.push(`${key} + JSON.stringify(h.rotValue(v[${k}]))`);
      objLines.push(`o.${f.name} = h.rotValue(v[${k}]);`);
    } else {
      parts.push(`${key} + (v[${k}] !== v[${k}] ? 'null' : v[${k}])`);
      objLines.push(`o.${f.name} = v[${k}] !== v[${k}] ? null : v[${k}];`);
    }
  }
  const json = new Function(
    'h',
    `return function json_${layout.id}(v, t) {\nreturn ''${parts.length ? ' + ' + parts.join('\n + ') : ''};\n};`,
  )(helpers) as JsonFn;
  const object = new Function('h', `return function object_${layout.id}(v, t, o) {\n${objLines.join('\n')}\n};`)(
    helpers,
  ) as ObjectFn;

  return { json, object };
}

/** The static report: the fields the track stage joins to positions; null for layouts without them. */
function compileStaticReport(
  layout: MessageLayout,
  fields: PlacedField[],
  slot: Record<string, number>,
): StaticFn | null {
  const statics = STATIC_FIELDS.filter((n) => slot[n] !== undefined);
  if (statics.includes('shipname') || statics.includes('callsign') || statics.includes('shiptype')) {
    const props = statics.map((n) => {
      const f = fields[slot[n]].f;
      return f.kind === 'text'
        ? `${n}: t[${slot[n]}] === '' ? null : t[${slot[n]}]`
        : `${n}: v[${slot[n]}] !== v[${slot[n]}] ? null : v[${slot[n]}]`;
    });
    return new Function(
      `return function static_${layout.id}(v, t, time, mmsi, type) {\nreturn { time, mmsi, type, ${props.join(', ')} };\n};`,
    )() as StaticFn;
  }

  return null;
}
