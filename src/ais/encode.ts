/**
 * The encoder: a record with gpsd field names and scaled units becomes a
 * payload by the same declared layouts the decoder uses, then AIVDM
 * sentences (split at 60 payload characters) with an IEC 61162-450 tag block.
 * Used by `src/scenario/` to write the project's own AIS logs.
 */
import { sixbitCode } from './compile.js';
import { type FieldSpec, isAuxiliaryCraft, LAYOUTS, type MessageLayout } from './layouts.js';

const layoutById = new Map(LAYOUTS.map((l) => [l.id, l]));

type Value = string | number | boolean | null | undefined;
export type EncodableRecord = Record<string, Value>;

function layoutFor(rec: EncodableRecord): MessageLayout {
  const type = Number(rec.type);
  if (type === 24) {
    const part = Number(rec.part ?? 0);
    if (part === 0) return layoutById.get('24A')!;
    return layoutById.get(isAuxiliaryCraft(Number(rec.mmsi)) ? '24Baux' : '24B')!;
  }
  const l = layoutById.get(String(type));
  if (!l)
    throw new Error(
      `cannot encode message type ${rec.type}: expected one of ${[...new Set(LAYOUTS.map((x) => x.type))].join(', ')}`,
    );
  return l;
}

/** Raw integer of a field from its scaled value (null/undefined: the not-available value, or 0). */
function rawValue(f: FieldSpec, value: Value, layout: MessageLayout): number {
  if (value === null || value === undefined) return f.na ?? 0;
  if (f.kind === 'bool') return value ? 1 : 0;
  if (f.kind === 'rot') {
    if (value === 'fastright') return 127;
    if (value === 'fastleft') return -127;
    const deg = Number(value);
    const raw = Math.round(4.733 * Math.sqrt(Math.abs(deg)));
    return Math.min(126, raw) * Math.sign(deg);
  }
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new Error(`type ${layout.id} field ${f.name}: expected a number, got ${JSON.stringify(value)}`);
  const raw = Math.round(f.scale ? n * f.scale : n);
  const max = f.kind === 'int' ? 2 ** (f.bits - 1) - 1 : 2 ** f.bits - 1;
  const min = f.kind === 'int' ? -(2 ** (f.bits - 1)) : 0;
  if (raw < min || raw > max) throw new Error(`type ${layout.id} field ${f.name}: ${n} does not fit in ${f.bits} bits`);
  return raw;
}

/** Values of the parts of a derived field ("2007-05-14T19:57:39Z", "05-15T14:00Z"). */
function derivedParts(layout: MessageLayout, rec: EncodableRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of layout.derived ?? []) {
    const s = rec[d.name];
    if (typeof s !== 'string') continue;
    const m =
      d.format === 'datetime'
        ? /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/.exec(s)
        : /^(\d\d)-(\d\d)T(\d\d):(\d\d)Z$/.exec(s);
    if (!m) throw new Error(`type ${layout.id} field ${d.name}: cannot read ${JSON.stringify(s)}`);
    d.from.forEach((name, k) => (out[name] = Number(m[k + 1])));
  }
  return out;
}

/** Payload of one message: armoured characters and fill bits. */
export function encodeMessage(rec: EncodableRecord): { payload: string; fill: number } {
  const layout = layoutFor(rec);
  const parts = derivedParts(layout, rec);
  const bits: number[] = [];
  let pendingExt = '';
  const put = (raw: number, width: number): void => {
    for (let k = width - 1; k >= 0; k--) bits.push(Math.floor(raw / 2 ** k) & 1);
  };
  for (const f of layout.fields) {
    if (f.kind === 'spare') {
      put(0, f.bits);
      continue;
    }
    if (f.kind === 'text') {
      if (f.appendTo) continue; // name extensions are written as part of the name below
      let text = String(rec[f.name] ?? '').toUpperCase();
      const chars = f.bits / 6;
      const ext = layout.fields.find((x) => x.appendTo === f.name);
      let extText = '';
      if (ext && text.length > chars) {
        extText = text.slice(chars, chars + ext.bits / 6);
        text = text.slice(0, chars);
      }
      if (text.length > chars)
        throw new Error(`type ${layout.id} field ${f.name}: ${JSON.stringify(text)} longer than ${chars} characters`);
      for (let k = 0; k < chars; k++) put(k < text.length ? charCode(text[k], f.name) : 0, 6);
      if (ext) pendingExt = extText;
      continue;
    }
    const v = f.name in parts ? parts[f.name] : rec[f.name];
    const raw = rawValue(f, v, layout);
    put(raw < 0 ? raw + 2 ** f.bits : raw, f.bits);
  }
  // Type 21: the name extension follows the fixed part, in whole characters.
  if (pendingExt) {
    for (const ch of pendingExt) put(charCode(ch, 'name'), 6);
    pendingExt = '';
  }
  const fill = (6 - (bits.length % 6)) % 6;
  for (let k = 0; k < fill; k++) bits.push(0);
  let payload = '';
  for (let k = 0; k < bits.length; k += 6) {
    let v = 0;
    for (let j = 0; j < 6; j++) v = v * 2 + bits[k + j];
    payload += String.fromCharCode(v < 40 ? v + 48 : v + 56);
  }
  return { payload, fill };
}

function charCode(ch: string, field: string): number {
  const c = sixbitCode(ch);
  if (c < 0) throw new Error(`field ${field}: ${JSON.stringify(ch)} has no six-bit code`);
  return c;
}

export function nmeaChecksum(body: string): string {
  let x = 0;
  for (let k = 0; k < body.length; k++) x ^= body.charCodeAt(k);
  return x.toString(16).toUpperCase().padStart(2, '0');
}

export interface EncodeOptions {
  /** Receive time, ms since the epoch: written as the tag block's `c:` in seconds (with decimals when not whole). */
  time?: number;
  /** Source station, the tag block's `s:`. */
  station?: string;
  /** Radio channel, A or B. */
  channel?: string;
  /** Sequence id 0-9 for multi-sentence messages. */
  sequence?: number;
  talker?: string;
  /** VDO (own ship) instead of VDM. */
  own?: boolean;
}

/** Sentences (one line each, no newline) for one message, the first with a tag block. */
export function encodeSentences(rec: EncodableRecord, opts: EncodeOptions = {}): string[] {
  const { payload, fill } = encodeMessage(rec);
  const chunks: string[] = [];
  for (let k = 0; k < payload.length; k += 60) chunks.push(payload.slice(k, k + 60));
  if (chunks.length === 0) chunks.push('');
  const talker = opts.talker ?? 'AI';
  const formatter = opts.own ? 'VDO' : 'VDM';
  const channel = opts.channel ?? 'A';
  const seq = chunks.length > 1 ? String(opts.sequence ?? 0) : '';
  const group = chunks.length > 1 ? Math.floor(Math.abs(opts.sequence ?? 0)) + 1 : 0;
  return chunks.map((chunk, k) => {
    const body = `${talker}${formatter},${chunks.length},${k + 1},${seq},${channel},${chunk},${k === chunks.length - 1 ? fill : 0}`;
    const sentence = `!${body}*${nmeaChecksum(body)}`;
    const tags: string[] = [];
    if (chunks.length > 1) tags.push(`g:${k + 1}-${chunks.length}-${group}`);
    if (k === 0 && opts.station !== undefined) tags.push(`s:${opts.station}`);
    if (k === 0 && opts.time !== undefined) {
      const t = opts.time;
      tags.push(`c:${t % 1000 === 0 ? t / 1000 : (t / 1000).toFixed(3)}`);
    }
    if (tags.length === 0) return sentence;
    const tag = tags.join(',');
    return `\\${tag}*${nmeaChecksum(tag)}\\${sentence}`;
  });
}
