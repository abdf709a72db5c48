/**
 * The NMEA framing and message decoder: bytes in, decoded messages out.
 *
 * Input is scanned as bytes (no string per line): checksums, tag blocks,
 * Gatehouse `$PGHP` prefixes, US Coast Guard trailing fields, multi-sentence
 * reassembly and the six-bit armour are all handled on the Buffer. Each
 * message is decoded by the compiled layout into one reused `AisMessage`
 * handed to a sink; sinks turn it into JSONL, CSV, objects or columns.
 */
import {
  AisInputError,
  type AisRecord,
  type DecodeStats,
  type Reject,
  type RejectReason,
  REJECT_REASONS,
} from './types.js';
import { compileLayout, type CompiledLayout, MAX_SLOTS, sixbitChar } from './compile.js';
import { HEADER_BITS, isAuxiliaryCraft, LAYOUTS } from './layouts.js';
import { LineSplitter, MAX_LINE_BYTES } from './lines.js';

export { MAX_LINE_BYTES };
/** A fragment waits this many lines for the rest of its message before it is declared an orphan. */
export const FRAGMENT_TTL_LINES = 100;
/** At most this many incomplete messages are held; the oldest is orphaned beyond it. */
export const MAX_PENDING = 4096;
/** Largest time a JavaScript Date holds (±100,000,000 days from 1970). */
const MAX_TIME_MS = 8.64e15;
/** Longest payload of a reassembled message: 9 fragments of 82-byte sentences. */
const MAX_PAYLOAD_CHARS = 9 * 80;

const compiledById = new Map<string, CompiledLayout>();
for (const l of LAYOUTS) compiledById.set(l.id, compileLayout(l));
/** Compiled layout per message type (24 is chosen per message, see `layoutFor`). */
const compiledByType: (CompiledLayout | null)[] = new Array(64).fill(null);
for (const l of LAYOUTS) if (l.type !== 24) compiledByType[l.type] = compiledById.get(l.id)!;
const TYPE24A = compiledById.get('24A')!;
const TYPE24B = compiledById.get('24B')!;
const TYPE24B_AUX = compiledById.get('24Baux')!;

export function compiledLayouts(): CompiledLayout[] {
  return [...compiledById.values()];
}

/** Six-bit value of each armour byte, -1 where the byte is not armour (ITU-R M.1371-5 Annex 8 §3, Table 44). */
const ARMOUR = new Int8Array(256).fill(-1);
for (let c = 48; c <= 87; c++) ARMOUR[c] = c - 48;
for (let c = 96; c <= 119; c++) ARMOUR[c] = c - 56;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}

const BANG = 33,
  DOLLAR = 36,
  HASH = 35,
  STAR = 42,
  COMMA = 44,
  BACKSLASH = 92,
  CR = 13,
  SPACE = 32,
  TAB = 9;

/** One decoded message; the decoder reuses a single instance, so copy what you keep. */
export class AisMessage {
  type = 0;
  repeat = 0;
  mmsi = 0;
  /** Receive time in ms since the epoch, NaN when the input had none. */
  time = NaN;
  station: string | null = null;
  file = '';
  /** Line of the (first) sentence. */
  line = 0;
  nbits = 0;
  /** Six-bit values of the payload, `ceil(nbits / 6)` of them in use. */
  six = new Uint8Array(MAX_PAYLOAD_CHARS + 8);
  /** The layout that decoded the fields; null for types yielded raw. */
  layout: CompiledLayout | null = null;
  /** Bit mask over `layout.checked`: fields whose value was out of range, now null. */
  invalid = 0;
  readonly v = new Float64Array(MAX_SLOTS);
  readonly t: (string | null)[] = new Array<string | null>(MAX_SLOTS).fill(null);

  /** The payload re-armoured (for the raw types and for provenance). */
  payload(): string {
    let s = '';
    const n = Math.ceil(this.nbits / 6);
    for (let k = 0; k < n; k++) {
      const c = this.six[k];
      s += String.fromCharCode(c < 40 ? c + 48 : c + 56);
    }
    return s;
  }

  /** The message as one line of gpsd-named JSON (no newline). */
  toJson(): string {
    let s = '{"type":' + this.type + ',"repeat":' + this.repeat + ',"mmsi":' + this.mmsi;
    if (this.time === this.time) s += ',"time":"' + isoTime(this.time) + '"';
    if (this.station !== null) s += ',"station":' + JSON.stringify(this.station);
    if (this.layout) s += this.layout.json(this.v, this.t);
    else s += ',"payload":' + JSON.stringify(this.payload()) + ',"bits":' + this.nbits;
    if (this.invalid) s += ',"invalid":' + JSON.stringify(this.invalidFields());
    return s + '}';
  }

  /** The message as a plain object with the same fields as `toJson`. */
  toRecord(): AisRecord {
    const o: AisRecord = { type: this.type, repeat: this.repeat, mmsi: this.mmsi };
    if (this.time === this.time) o.time = isoTime(this.time);
    if (this.station !== null) o.station = this.station;
    if (this.layout) this.layout.object(this.v, this.t, o);
    else {
      o.payload = this.payload();
      o.bits = this.nbits;
    }
    if (this.invalid) o.invalid = this.invalidFields();
    return o;
  }

  /** Names of the fields that held a value the standard does not allow. */
  invalidFields(): string[] {
    const names: string[] = [];
    const checked = this.layout ? this.layout.checked : [];
    for (let k = 0; k < checked.length; k++) if (this.invalid & (1 << k)) names.push(checked[k]);
    return names;
  }
}

/** ISO 8601 UTC with milliseconds; years before 1970 and after 9999 too. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export interface MessageSink {
  message(m: AisMessage): void;
}

export interface DecoderOptions {
  /** Name used in rejects and errors ("-" for stdin). */
  file?: string;
  /** Only these message types reach the sink (the rest are counted as filtered). */
  types?: ReadonlySet<number> | null;
  /** Throw an AisInputError at the first rejected line instead of counting it. */
  strict?: boolean;
  /** Called for each reject (after it is counted). */
  onReject?: (r: Reject) => void;
  /** Called for lines that are not AIS sentences, so that another reader (CSV) can take them. */
  onOtherLine?: (line: string, lineNo: number) => boolean;
}

/** An incomplete multi-sentence message; reused from a pool, so a fragment allocates nothing. */
class Pending {
  total = 0;
  /** Bit k set: fragment k + 1 is here. */
  have = 0;
  got = 0;
  /** Six-bit values of fragment k at k * MAX_PAYLOAD_CHARS. */
  readonly data = new Uint8Array(9 * MAX_PAYLOAD_CHARS);
  readonly length = new Int32Array(9);
  readonly lines = new Int32Array(9);
  fill = 0;
  time = NaN;
  station: string | null = null;
  firstLine = 0;
  lastLine = 0;

  reset(total: number, lineNo: number): this {
    this.total = total;
    this.have = 0;
    this.got = 0;
    this.fill = 0;
    this.time = NaN;
    this.station = null;
    this.firstLine = lineNo;
    this.lastLine = lineNo;
    return this;
  }

  has(num: number): boolean {
    return (this.have & (1 << (num - 1))) !== 0;
  }
}

export function emptyStats(): DecodeStats {
  return { lines: 0, sentences: 0, messages: 0, byType: {}, rejected: {}, ignored: 0, filtered: 0, outOfRange: {} };
}

/**
 * Streaming decoder. Feed it bytes with `write`, then call `end`; each
 * message goes to the sink as soon as its last sentence is read.
 */
export class AisDecoder extends LineSplitter {
  readonly msg = new AisMessage();
  private readonly sink: MessageSink;
  private file: string;
  private readonly types: Uint8Array | null;
  private readonly strict: boolean;
  private readonly onReject: ((r: Reject) => void) | undefined;
  private readonly onOtherLine: ((line: string, lineNo: number) => boolean) | undefined;

  private lineNo = 0;

  private readonly byType = new Float64Array(64);
  private readonly rejectCounts = new Float64Array(Object.keys(REJECT_REASONS).length);
  private sentences = 0;
  private messages = 0;
  private ignored = 0;
  private filtered = 0;
  private readonly outOfRange: Record<string, number> = {};
  /** Set after a reject that condemns the whole file (a CSV with an unknown header). */
  private skippingFile = false;

  /** Time and station carried by the line being read (tag block, $PGHP or trailing fields). */
  private lineTime = NaN;
  private lineStation: string | null = null;
  private lineGroup = -1;
  /** Set by a `$PGHP` line for the sentence on the next line. */
  private pghpTime = NaN;
  private pghpStation: string | null = null;
  private pghpLine = -1;

  /** Lines of the files read before the current one. */
  private linesBefore = 0;
  /** Index of the current line's first byte in the buffer being read (for columns in messages). */
  private lineStart = 0;
  /** Non-blank lines of the current file so far (a CSV header must be the first). */
  private contentLines = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly pool: Pending[] = [];
  private readonly fragScratch = new Uint8Array(MAX_LINE_BYTES);
  /** Positions of the commas of the sentence being read. */
  private readonly commaAt = new Int32Array(8);
  private readonly stationCache = new Map<number, string>();

  constructor(sink: MessageSink, opts: DecoderOptions = {}) {
    super();
    this.sink = sink;
    this.file = opts.file ?? '-';
    this.msg.file = this.file;
    this.strict = opts.strict ?? false;
    this.onReject = opts.onReject;
    this.onOtherLine = opts.onOtherLine;
    if (opts.types) {
      this.types = new Uint8Array(64);
      for (const t of opts.types) if (t >= 0 && t < 64) this.types[t] = 1;
    } else this.types = null;
  }

  /** Start a new input file: line numbers restart, incomplete messages of the last file become orphans. */
  nextFile(file: string): void {
    this.end();
    this.linesBefore += this.lineNo;
    this.file = file;
    this.msg.file = file;
    this.lineNo = 0;
    this.contentLines = 0;
    this.skippingFile = false;
  }

  /** The rest of the current file is counted as lines and otherwise passed over. */
  skipRestOfFile(): void {
    this.skippingFile = true;
  }

  get fileName(): string {
    return this.file;
  }

  /** 1 while the first non-blank line of the file is being read. */
  get contentLineCount(): number {
    return this.contentLines;
  }

  /** Count (or, in strict mode, throw) a reject found by another reader of the same input. */
  rejectFrom(r: Reject): void {
    this.reject(r.reason, r.line, r.detail);
  }

  get stats(): DecodeStats {
    const byType: Record<number, number> = {};
    for (let t = 0; t < 64; t++) if (this.byType[t]) byType[t] = this.byType[t];
    const rejected: Partial<Record<RejectReason, number>> = {};
    const reasons = Object.keys(REJECT_REASONS) as RejectReason[];
    reasons.forEach((r, k) => {
      if (this.rejectCounts[k]) rejected[r] = this.rejectCounts[k];
    });
    return {
      lines: this.linesBefore + this.lineNo,
      sentences: this.sentences,
      messages: this.messages,
      byType,
      rejected,
      ignored: this.ignored,
      filtered: this.filtered,
      outOfRange: { ...this.outOfRange },
    };
  }

  /** End of input: a last line without newline is read, incomplete messages become orphans. */
  end(): void {
    this.flushLines();
    for (const [key, p] of this.pending) {
      this.pending.delete(key);
      this.orphan(p);
    }
  }

  /** A line too long to hold, dropped as it streamed past. */
  protected override longLine(): void {
    this.lineNo++;
    if (this.skippingFile) return;
    this.contentLines++;
    this.reject('line_too_long', this.lineNo, `more than ${MAX_LINE_BYTES} bytes`);
  }

  private reject(reason: RejectReason, line: number, detail: string): void {
    this.rejectCounts[REJECT_INDEX[reason]]++;
    if (this.strict || this.onReject) {
      const r: Reject = { reason, file: this.file, line, detail };
      if (this.strict) throw new AisInputError(r);
      this.onReject!(r);
    }
  }

  /** One line, without its newline. */
  protected override line(buf: Uint8Array, start: number, end: number): void {
    const lineNo = ++this.lineNo;
    if (this.skippingFile) return;
    if (end > start && buf[end - 1] === CR) end--;
    // The limit applies to the line as written (blanks included), so that where a chunk ends cannot change the outcome.
    if (end - start > MAX_LINE_BYTES) {
      this.contentLines++;
      this.reject('line_too_long', lineNo, `${end - start} bytes, at most ${MAX_LINE_BYTES}`);
      return;
    }
    while (end > start && (buf[end - 1] === CR || buf[end - 1] === SPACE || buf[end - 1] === TAB)) end--;
    while (start < end && (buf[start] === SPACE || buf[start] === TAB)) start++;
    if (start === end) {
      this.ignored++;
      return;
    }
    this.contentLines++;
    this.lineStart = start;
    if (this.pghpLine >= 0 && this.pghpLine !== lineNo - 1) this.pghpLine = -1;
    const first = buf[start];
    if (first === HASH) {
      // Comments are passed over; the first line may be a CSV header that starts with "#" (DMA).
      if (
        this.contentLines === 1 &&
        this.onOtherLine &&
        isPrintable(buf, start, end) &&
        this.onOtherLine(latin1(buf, start, end), lineNo)
      )
        return;
      this.ignored++;
      return;
    }
    if (first === BANG || first === BACKSLASH) {
      this.lineTime = NaN;
      this.lineStation = null;
      this.lineGroup = -1;
      if (this.pghpLine === lineNo - 1) {
        this.lineTime = this.pghpTime;
        this.lineStation = this.pghpStation;
        this.pghpLine = -1;
      }
      this.segments(buf, start, end, lineNo);
      return;
    }
    for (let k = start; k < end; k++) {
      const c = buf[k];
      if (c < 32 || c > 126) {
        if (c !== TAB) {
          this.reject(
            'binary_data',
            lineNo,
            `byte 0x${c.toString(16).padStart(2, '0')} at column ${k - this.lineStart + 1}`,
          );
          return;
        }
      }
    }
    if (first === DOLLAR) {
      // $PGHP: Gatehouse receive time and source for the sentence on the next line.
      if (
        end - start > 6 &&
        buf[start + 1] === 80 &&
        buf[start + 2] === 71 &&
        buf[start + 3] === 72 &&
        buf[start + 4] === 80 &&
        buf[start + 5] === COMMA
      ) {
        this.pghp(buf, start, end, lineNo);
        return;
      }
      // Any other NMEA sentence (GPS fixes, wind, routes...) is passed over.
      this.ignored++;
      return;
    }
    if (this.onOtherLine && this.onOtherLine(latin1(buf, start, end), lineNo)) return;
    this.reject('not_nmea', lineNo, `starts with ${JSON.stringify(String.fromCharCode(first))}`);
  }

  /** A line of `[\tagblock\]!sentence[trailing fields]`, possibly several such in a row. */
  private segments(buf: Uint8Array, start: number, end: number, lineNo: number): void {
    let p = start;
    while (p < end) {
      if (buf[p] === BACKSLASH) {
        p = this.tagBlock(buf, p, end, lineNo);
        if (p < 0) return;
        if (p >= end) {
          // A tag block alone on a line carries nothing to decode.
          this.ignored++;
          return;
        }
      }
      if (buf[p] !== BANG) {
        this.rejectLineBytes(buf, p, end, lineNo, 'not_nmea', 'no "!" sentence after the tag block');
        return;
      }
      p = this.sentence(buf, p, end, lineNo);
      if (p < 0) return;
      // Some logs hold two sentences on one line joined by an escaped newline, written out as text.
      if (p < end && buf[p] === BACKSLASH) {
        const skip = escapedNewline(buf, p, end);
        if (skip > 0) {
          p += skip;
          if (p >= end) return;
          if (buf[p] === BANG) continue;
        }
      }
      // Another tag block may follow on the same line (fragments concatenated by some providers).
      if (p < end && buf[p] === BACKSLASH) {
        this.lineTime = NaN;
        this.lineStation = null;
        this.lineGroup = -1;
        continue;
      }
      return;
    }
  }

  private rejectLineBytes(
    buf: Uint8Array,
    from: number,
    end: number,
    lineNo: number,
    reason: RejectReason,
    detail: string,
  ): void {
    for (let k = from; k < end; k++) {
      const c = buf[k];
      if ((c < 32 && c !== TAB) || c > 126) {
        this.reject(
          'binary_data',
          lineNo,
          `byte 0x${c.toString(16).padStart(2, '0')} at column ${k - this.lineStart + 1}`,
        );
        return;
      }
    }
    this.reject(reason, lineNo, detail);
  }

  /** `\key:value,...*hh\`: returns the index after the closing backslash, or -1 after a reject. */
  private tagBlock(buf: Uint8Array, p: number, end: number, lineNo: number): number {
    let x = 0;
    let k = p + 1;
    let star = -1;
    for (; k < end; k++) {
      const c = buf[k];
      if (c === BACKSLASH) break;
      if (c < 32 || c > 126) {
        this.reject('binary_data', lineNo, `byte 0x${c.toString(16).padStart(2, '0')} in tag block`);
        return -1;
      }
      if (c === STAR && star < 0) star = k;
      else if (star < 0) x ^= c;
    }
    if (k >= end) {
      this.reject('bad_tag_block', lineNo, 'tag block without closing backslash');
      return -1;
    }
    if (star < 0 || k - star !== 3 || HEX[buf[star + 1]] < 0 || HEX[buf[star + 2]] < 0) {
      this.reject('bad_tag_block', lineNo, 'tag block without a two-digit *hh checksum');
      return -1;
    }
    const sum = HEX[buf[star + 1]] * 16 + HEX[buf[star + 2]];
    if (sum !== x) {
      this.reject('bad_tag_block', lineNo, `tag block checksum ${hex2(sum)}, computed ${hex2(x)}`);
      return -1;
    }
    // Parameters: c (UNIX time, s or ms), s (source station), g (sentence-group n-m-id); others passed over.
    let q = p + 1;
    while (q < star) {
      let e = q;
      while (e < star && buf[e] !== COMMA) e++;
      if (e - q >= 2 && buf[q + 1] === 58) {
        const key = buf[q];
        if (key === 99) {
          const t = parseNumber(buf, q + 2, e);
          if (t !== t) {
            this.reject('bad_tag_block', lineNo, `c: ${JSON.stringify(latin1(buf, q + 2, e))} is not a UNIX time`);
            return -1;
          }
          const ms = Math.abs(t) >= 1e11 ? Math.round(t) : Math.round(t * 1000);
          if (!(Math.abs(ms) <= MAX_TIME_MS)) {
            this.reject(
              'bad_tag_block',
              lineNo,
              `c: ${JSON.stringify(latin1(buf, q + 2, e))} is beyond the years a time can hold`,
            );
            return -1;
          }
          this.lineTime = ms;
        } else if (key === 115) {
          this.lineStation = this.stationString(buf, q + 2, e);
        } else if (key === 103) {
          // n-m-id: the group id keys reassembly when the fragments carry it.
          let d1 = q + 2;
          while (d1 < e && buf[d1] !== 45) d1++;
          let d2 = d1 + 1;
          while (d2 < e && buf[d2] !== 45) d2++;
          const id = parseNumber(buf, d2 + 1, e);
          if (d2 >= e || id !== id) {
            this.reject('bad_tag_block', lineNo, `g: ${JSON.stringify(latin1(buf, q + 2, e))} is not n-m-id`);
            return -1;
          }
          this.lineGroup = id;
        }
      }
      q = e + 1;
    }
    return k + 1;
  }

  private pghp(buf: Uint8Array, start: number, end: number, lineNo: number): void {
    // $PGHP,1,yyyy,mm,dd,hh,mi,ss,ms,country,region,pss-mmsi,online,cs-of-next*hh
    const star = buf.lastIndexOf(STAR, end - 1);
    let x = 0;
    for (let k = start + 1; k < star; k++) x ^= buf[k];
    if (
      star < start + 6 ||
      star + 3 !== end ||
      HEX[buf[star + 1]] < 0 ||
      HEX[buf[star + 2]] < 0 ||
      HEX[buf[star + 1]] * 16 + HEX[buf[star + 2]] !== x
    ) {
      this.reject('bad_time_prefix', lineNo, '$PGHP line with a missing or wrong checksum');
      return;
    }
    const f: number[] = [];
    let q = start + 6;
    while (q <= star && f.length < 26) {
      let e = q;
      while (e < star && buf[e] !== COMMA) e++;
      f.push(q, e);
      q = e + 1;
    }
    const num = (k: number): number => parseNumber(buf, f[2 * k], f[2 * k + 1]);
    if (f.length < 24 || num(0) !== 1) {
      this.ignored++; // other $PGHP message kinds carry no time
      return;
    }
    const y = num(1),
      mo = num(2),
      d = num(3),
      h = num(4),
      mi = num(5),
      s = num(6),
      ms = num(7);
    if (
      !(
        mo >= 1 &&
        mo <= 12 &&
        d >= 1 &&
        d <= 31 &&
        h >= 0 &&
        h < 24 &&
        mi >= 0 &&
        mi < 60 &&
        s >= 0 &&
        s < 61 &&
        ms >= 0 &&
        ms < 1000
      ) ||
      y !== y
    ) {
      this.reject('bad_time_prefix', lineNo, '$PGHP date or time out of range');
      return;
    }
    this.ignored++; // the line itself carries no message; its time goes to the next
    this.pghpTime = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    this.pghpStation = f[21] > f[20] ? this.stationString(buf, f[20], f[21]) : null;
    this.pghpLine = lineNo;
  }

  /** Interned station names: the same few strings recur on every line. */
  private stationString(buf: Uint8Array, from: number, to: number): string {
    let h = 0x811c9dc5;
    for (let k = from; k < to; k++) h = Math.imul(h ^ buf[k], 0x01000193);
    h = (h ^ (to - from)) >>> 0;
    let s = this.stationCache.get(h);
    if (s === undefined || s.length !== to - from) {
      s = latin1(buf, from, to);
      if (this.stationCache.size > 4096) this.stationCache.clear();
      this.stationCache.set(h, s);
    }
    return s;
  }

  /**
   * `!ccVDM,count,number,seq,channel,payload,fill*hh` and optional trailing
   * fields. Returns the index after what it consumed, or -1 after a reject.
   */
  private sentence(buf: Uint8Array, p: number, end: number, lineNo: number): number {
    // Sentence formatter: any two-character talker, then VDM or VDO.
    if (end - p < 6 || buf[p + 3] !== 86 || buf[p + 4] !== 68 || (buf[p + 5] !== 77 && buf[p + 5] !== 79)) {
      if (end - p >= 6 && buf[p + 6] === COMMA) {
        this.ignored++; // another "!" sentence (alarms, binary messages...): not AIS VDM
        return -1;
      }
      this.rejectLineBytes(buf, p, end, lineNo, 'malformed_sentence', 'expected !xxVDM or !xxVDO');
      return -1;
    }
    // One pass: checksum, printable check and the field separators.
    let x = 0;
    let k = p + 1;
    let commas = 0;
    const c1 = p + 6;
    const at = this.commaAt;
    for (; k < end; k++) {
      const c = buf[k];
      if (c === STAR) break;
      if (c === COMMA) {
        if (commas < 8) at[commas] = k;
        commas++;
      } else if (c < 32 || c > 126) {
        this.reject(
          'binary_data',
          lineNo,
          `byte 0x${c.toString(16).padStart(2, '0')} at column ${k - this.lineStart + 1}`,
        );
        return -1;
      }
      x ^= c;
    }
    const c2 = at[1],
      c3 = at[2],
      c4 = at[3],
      c5 = at[4],
      c6 = at[5],
      c7 = at[6];
    if (k + 3 > end || HEX[buf[k + 1]] < 0 || HEX[buf[k + 2]] < 0) {
      this.rejectLineBytes(buf, p, end, lineNo, 'malformed_sentence', 'no *hh checksum');
      return -1;
    }
    const after = k + 3;
    if (after < end && buf[after] !== COMMA && buf[after] !== BACKSLASH) {
      this.rejectLineBytes(buf, p, end, lineNo, 'malformed_sentence', 'unexpected text after the checksum');
      return -1;
    }
    const sum = HEX[buf[k + 1]] * 16 + HEX[buf[k + 2]];
    if (sum !== x) {
      this.sentences++;
      this.reject('bad_checksum', lineNo, `checksum ${hex2(sum)}, computed ${hex2(x)}`);
      return -1;
    }
    const star = k;
    // Navico GoFree writes an eighth field (a small number) after the fill bits; it is passed over.
    const fillEnd = commas === 7 && star - c7 >= 1 && star - c7 <= 4 && allDigits(buf, c7 + 1, star) ? c7 : star;
    if (commas !== 6 && fillEnd === star) {
      this.reject('malformed_sentence', lineNo, `${commas + 1} fields, expected 7`);
      return -1;
    }
    this.sentences++;
    // Fragment count and number: one digit each; sequence id: empty or digits.
    const total = c2 - c1 === 2 ? buf[c1 + 1] - 48 : -1;
    const num = c3 - c2 === 2 ? buf[c2 + 1] - 48 : -1;
    if (total < 1 || total > 9 || num < 1 || num > total) {
      this.reject('bad_fragment_header', lineNo, `fragment ${latin1(buf, c2 + 1, c3)} of ${latin1(buf, c1 + 1, c2)}`);
      return -1;
    }
    let seq = -1;
    if (c4 > c3 + 1) {
      seq = parseNumber(buf, c3 + 1, c4);
      if (seq !== seq || seq < 0) {
        this.reject('bad_fragment_header', lineNo, `sequence id ${JSON.stringify(latin1(buf, c3 + 1, c4))}`);
        return -1;
      }
    }
    const fill = c6 + 2 === fillEnd ? buf[c6 + 1] - 48 : -1;
    const nchars = c6 - c5 - 1;
    if (fill < 0 || fill > 5 || (nchars === 0 && fill !== 0)) {
      this.reject(
        'invalid_fill_bits',
        lineNo,
        `fill bits ${JSON.stringify(latin1(buf, c6 + 1, fillEnd))}, expected 0 to 5`,
      );
      return -1;
    }
    // Trailing fields of US Coast Guard logs: `,station,unix-time[,...]` (station rNNN or bNNN).
    if (after < end && buf[after] === COMMA) {
      if (!this.trailing(buf, after + 1, end, lineNo)) return -1;
    }
    const next = after < end && buf[after] === BACKSLASH ? after : end;

    if (nchars > MAX_PAYLOAD_CHARS) {
      this.reject('payload_too_long', lineNo, `${nchars} characters`);
      return -1;
    }
    if (total === 1) {
      if (!this.unarmour(buf, c5 + 1, c6, this.msg.six, lineNo)) return -1;
      this.emit(nchars * 6 - fill, nchars, lineNo, this.lineTime, this.lineStation, lineNo);
      return next;
    }

    return this.fragment(buf, lineNo, total, num, seq, fill, nchars, c4, c5, c6, next);
  }

  /**
   * One fragment of a multi-sentence message: kept until its siblings
   * arrive, in any order, then the message is emitted whole. Returns `next`.
   * The sentence's fields come as arguments, not an object: no allocation
   * per fragment.
   */
  private fragment(
    buf: Uint8Array,
    lineNo: number,
    total: number,
    num: number,
    seq: number,
    fill: number,
    nchars: number,
    c4: number,
    c5: number,
    c6: number,
    next: number,
  ): number {
    const frag = this.fragScratch;
    if (!this.unarmour(buf, c5 + 1, c6, frag, lineNo)) return -1;
    // Tag-block groups name their fragments (often only the first carries the station);
    // otherwise sequence id, channel and source tell concurrent messages apart.
    const key =
      this.lineGroup >= 0
        ? 'g' + this.lineGroup + '|' + seq + '|' + latin1(buf, c4 + 1, c5)
        : seq + '|' + latin1(buf, c4 + 1, c5) + '|' + (this.lineStation ?? '');
    let pend = this.pending.get(key);
    if (!pend && num > 1 && this.lineGroup < 0) {
      // The source may be named on one fragment only: by a USCG trailer on a later one,
      // or by a $PGHP line before the first. Fragment fields identify the message.
      const prefix = seq + '|' + latin1(buf, c4 + 1, c5) + '|';
      for (const [k2, p2] of this.pending) {
        if (
          k2.startsWith(prefix) &&
          p2.total === total &&
          !p2.has(num) &&
          (this.lineStation === null || k2 === prefix)
        ) {
          pend = p2;
          this.pending.delete(k2);
          this.pending.set(key, pend);
          break;
        }
      }
    }
    if (pend && (pend.total !== total || pend.has(num) || lineNo - pend.lastLine > FRAGMENT_TTL_LINES)) {
      this.pending.delete(key);
      this.orphan(pend);
      pend = undefined;
    }
    if (!pend) {
      if (this.pending.size >= MAX_PENDING) {
        const [oldKey, old] = this.pending.entries().next().value as [string, Pending];
        this.pending.delete(oldKey);
        this.orphan(old);
      }
      pend = (this.pool.pop() ?? new Pending()).reset(total, lineNo);
      this.pending.set(key, pend);
    }
    pend.data.set(frag.subarray(0, nchars), (num - 1) * MAX_PAYLOAD_CHARS);
    pend.length[num - 1] = nchars;
    pend.lines[pend.got] = lineNo;
    pend.have |= 1 << (num - 1);
    pend.got++;
    pend.lastLine = lineNo;
    if (num === total) pend.fill = fill;
    if (pend.time !== pend.time && this.lineTime === this.lineTime) pend.time = this.lineTime;
    if (pend.station === null) pend.station = this.lineStation;
    if (pend.got === total) {
      this.pending.delete(key);
      this.pool.push(pend);
      const six = this.msg.six;
      let o = 0;
      let first = lineNo;
      for (let k = 0; k < total; k++) {
        o += pend.length[k];
        if (pend.lines[k] < first) first = pend.lines[k];
      }
      if (o > MAX_PAYLOAD_CHARS) {
        this.reject('payload_too_long', lineNo, `${o} characters in ${total} fragments`);
        return next;
      }
      o = 0;
      for (let k = 0; k < total; k++) {
        six.set(pend.data.subarray(k * MAX_PAYLOAD_CHARS, k * MAX_PAYLOAD_CHARS + pend.length[k]), o);
        o += pend.length[k];
      }
      this.emit(o * 6 - pend.fill, o, first, pend.time, pend.station, lineNo);
    } else if ((lineNo & 255) === 0) {
      this.expire(lineNo);
    }
    return next;
  }

  /** Six-bit values of the armoured payload in buf[from, to) into `out`; false after a reject. */
  private unarmour(buf: Uint8Array, from: number, to: number, out: Uint8Array, lineNo: number): boolean {
    for (let q = from, o = 0; q < to; q++, o++) {
      const v = ARMOUR[buf[q]];
      if (v < 0) {
        this.reject(
          'invalid_armour',
          lineNo,
          `character ${JSON.stringify(String.fromCharCode(buf[q]))} at column ${q - this.lineStart + 1}`,
        );
        return false;
      }
      out[o] = v;
    }
    return true;
  }

  /** USCG trailing fields; returns false after a reject. */
  private trailing(buf: Uint8Array, p: number, end: number, lineNo: number): boolean {
    let sawTime = false;
    for (let k = p; k < end; k++) {
      const c = buf[k];
      if (c === BACKSLASH) break;
      if (c < 32 || c > 126) {
        this.reject(
          'binary_data',
          lineNo,
          `byte 0x${c.toString(16).padStart(2, '0')} at column ${k - this.lineStart + 1}`,
        );
        return false;
      }
    }
    while (p < end) {
      let e = p;
      while (e < end && buf[e] !== COMMA && buf[e] !== BACKSLASH) e++;
      const c = buf[p];
      if ((c === 114 || c === 98) && e - p >= 2 && buf[p + 1] >= 48 && buf[p + 1] <= 57) {
        this.lineStation = this.stationString(buf, p, e);
      } else if (!sawTime && c >= 48 && c <= 57 && e - p >= 9) {
        const t = parseNumber(buf, p, e);
        if (t !== t || Math.abs(t * 1000) > MAX_TIME_MS) {
          this.reject('bad_time_prefix', lineNo, `trailing time ${JSON.stringify(latin1(buf, p, e))}`);
          return false;
        }
        // The first UNIX time after the sentence is when the receiver logged it.
        if (this.lineTime !== this.lineTime) this.lineTime = Math.round(t * 1000);
        sawTime = true;
      }
      if (e < end && buf[e] === BACKSLASH) break;
      p = e + 1;
    }
    return true;
  }

  private expire(lineNo: number): void {
    for (const [key, p] of this.pending) {
      if (lineNo - p.lastLine > FRAGMENT_TTL_LINES) {
        this.pending.delete(key);
        this.orphan(p);
      }
    }
  }

  private orphan(p: Pending): void {
    this.pool.push(p);
    for (const line of p.lines.subarray(0, p.got))
      this.reject('orphan_fragment', line, `fragment of a ${p.total}-sentence message whose other parts never came`);
  }

  /** Decode the payload now in `msg.six` and hand it to the sink. */
  private emit(
    nbits: number,
    nchars: number,
    line: number,
    time: number,
    station: string | null,
    lastLine: number,
  ): void {
    const m = this.msg;
    const six = m.six;
    // Zero the tail so that fields past a short payload read as zero bits.
    six.fill(0, nchars, nchars + 72);
    if (nbits < HEADER_BITS) {
      this.reject('payload_too_short', lastLine, `${nbits} bits, a message needs at least ${HEADER_BITS}`);
      return;
    }
    const type = six[0];
    if (type === 0 || type > 27) {
      this.reject('invalid_message_type', lastLine, `type ${type}`);
      return;
    }
    const mmsi =
      ((six[1] & 15) << 26) | (six[2] << 20) | (six[3] << 14) | (six[4] << 8) | (six[5] << 2) | (six[6] >> 4);
    let layout = compiledByType[type];
    if (type === 24) {
      const part = (six[6] >> 2) & 3;
      if (part === 0) layout = TYPE24A;
      else if (part === 1) layout = isAuxiliaryCraft(mmsi) ? TYPE24B_AUX : TYPE24B;
      else layout = null; // parts 2 and 3 are not defined: yielded raw
    }
    if (layout && nbits < layout.layout.minBits) {
      this.reject(
        'payload_too_short',
        lastLine,
        `type ${type}: ${nbits} bits, at least ${layout.layout.minBits} expected`,
      );
      return;
    }
    if (this.types && this.types[type] === 0) {
      this.filtered++;
      return;
    }
    m.type = type;
    m.repeat = six[1] >> 4;
    m.mmsi = mmsi;
    m.nbits = nbits;
    m.time = time;
    m.station = station;
    m.line = line;
    m.layout = layout;
    m.invalid = 0;
    if (layout) {
      const bad = layout.decode(six, nbits, m.v, m.t);
      if (bad) {
        m.invalid = bad;
        for (let k = 0; k < layout.checked.length; k++) {
          if (bad & (1 << k)) this.outOfRange[layout.checked[k]] = (this.outOfRange[layout.checked[k]] ?? 0) + 1;
        }
      }
    }
    this.messages++;
    this.byType[type]++;
    this.sink.message(m);
  }
}

const REJECT_INDEX = Object.fromEntries(Object.keys(REJECT_REASONS).map((r, k) => [r, k])) as Record<
  RejectReason,
  number
>;

function isPrintable(buf: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if ((buf[k] < 32 && buf[k] !== TAB) || buf[k] > 126) return false;
  return true;
}

const ESCAPED_NEWLINES = ['\\r\\n', '\\n', '\\x0d\\x0a', '\\x0a'].map((s) => Buffer.from(s, 'latin1'));

/** Length of a textual "\r\n" (or "\n", "\x0d\x0a") at p, else 0. */
function escapedNewline(buf: Uint8Array, p: number, end: number): number {
  for (const e of ESCAPED_NEWLINES) {
    if (p + e.length > end) continue;
    let k = 0;
    while (k < e.length && (buf[p + k] === e[k] || (e[k] >= 97 && buf[p + k] === e[k] - 32))) k++;
    if (k === e.length) return k;
  }
  return 0;
}

function allDigits(buf: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (buf[k] < 48 || buf[k] > 57) return false;
  return true;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) s += String.fromCharCode(buf[k]);
  return s;
}

/** Decimal number (optional sign, optional fraction) in bytes; NaN when it is not one. */
function parseNumber(buf: Uint8Array, from: number, to: number): number {
  if (from >= to) return NaN;
  let k = from;
  let neg = false;
  if (buf[k] === 45) {
    neg = true;
    k++;
  }
  let v = 0;
  let digits = 0;
  for (; k < to; k++) {
    const d = buf[k] - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    digits++;
  }
  if (k < to && buf[k] === 46) {
    let scale = 0.1;
    for (k++; k < to; k++) {
      const d = buf[k] - 48;
      if (d < 0 || d > 9) return NaN;
      v += d * scale;
      scale /= 10;
      digits++;
    }
  }
  if (k !== to || digits === 0 || digits > 17) return NaN;
  return neg ? -v : v;
}

export { sixbitChar };
