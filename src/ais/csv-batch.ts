/**
 * Byte-level fast path for AIS CSV (MarineCadastre, DMA) into the columnar
 * batch, used by `decodeBatchBuffer` and `decodeBatchFiles`.
 *
 * The result is identical to the string path (`AisReader` -> `AisCsvReader`
 * -> `BatchRowSink.csvRow`): same positions in the same order with the same
 * values bit for bit, the same statics, the same rejects (reason, line,
 * detail, order) and the same totals. It gets there by doing only the common
 * case itself and handing everything else to the existing code:
 *
 * - Lines are framed by the same `LineSplitter` as the decoder's (carry
 *   across chunks, the 1,000-byte limit and its two reject details, CR and
 *   blank trimming, line numbers).
 * - A data row whose bytes are printable ASCII without a double quote and
 *   with as many commas as the header is split into an Int32Array of comma
 *   offsets. MMSI, time, lat, lon, SOG, COG, heading, ROT and status are read
 *   from the bytes: numbers only in the form `[+-]digits[.digits]` with at most
 *   15 significant digits and 22 decimals, computed as `m / 10**k`, which is
 *   correctly rounded and therefore equal to `Number(text)`; times as whole
 *   seconds by days-from-civil arithmetic (equal to `Date.UTC`).
 * - The remaining columns (the static ones and any others) are compared byte
 *   for byte with those of the last row of the same MMSI whose outcome is
 *   known; when equal, the row's static part is known to be valid and to push
 *   nothing (see the statics rule below), so it is not read at all.
 * - Anything else (a quote, a tab, a control or non-ASCII byte, a wrong field
 *   count, a value the byte readers do not take exactly, an out-of-range
 *   value, changed static bytes, a `#`, `!`, `\` or `$` line) goes to the
 *   existing code: `AisCsvReader.parse` on the line as a latin1 string, or
 *   the NMEA decoder itself (with its line counter brought level first), so
 *   rejects and edge cases come from the code that defines them.
 *
 * Statics rule (batch APIs only, both paths): a CSV row's StaticReport is
 * pushed only when its static fields differ from the last StaticReport
 * pushed for the same MMSI (an NMEA type 5/19/24 report for that MMSI counts
 * as different). MarineCadastre repeats the vessel's name, IMO, size... on
 * every row; the track stage keeps only the latest per vessel anyway, so a
 * run of unchanged statics is one report, stamped with the time of its first
 * row. See `CsvStaticTracker`.
 */
import type { AisDecoder } from './decoder.js';
import { LineSplitter, MAX_LINE_BYTES } from './lines.js';
import type { PositionColumnsBuilder, StaticReport } from './batch.js';
import { AisCsvReader, detectCsvDialect, isCsvReject } from './csv.js';
import { AisInputError, type DecodeStats, type RejectReason } from './types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../util/index.js';

/** What `number()` returns for a value the fast path does not take: the row goes the string way. */
const OUT = -Infinity;
const TAB = 9,
  LF = 10,
  CR = 13,
  SPACE = 32,
  BANG = 33,
  QUOTE = 34,
  HASH = 35,
  DOLLAR = 36;
const PLUS = 43,
  COMMA = 44,
  MINUS = 45,
  DOT = 46,
  SLASH = 47,
  COLON = 58,
  T_UPPER = 84,
  Z_UPPER = 90,
  BACKSLASH = 92;

/** Exact powers of ten 10^0..10^22 (parsed, so correctly rounded, hence exact). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Bytes of a file held while looking for its first content line. */
const MAX_HELD_BYTES = 16 << 20;
const NEWLINES = new Uint8Array(1 << 16).fill(LF);
/** Per byte in a data row: 0 plain, 1 comma, 2 anything the byte path leaves to the string path (quote, tab, control, non-ASCII). */
const BYTE_CLASS = new Uint8Array(256).fill(2);
for (let c = 32; c <= 126; c++) BYTE_CLASS[c] = c === COMMA ? 1 : c === QUOTE ? 2 : 0;

// ---------------------------------------------------------------------------
// Statics

/** What is known of one MMSI's CSV statics. */
interface StaticEntry {
  /** The last CSV StaticReport pushed for this MMSI (null: none yet). */
  report: StaticReport | null;
  /**
   * The bytes of the non-positional columns of a row of this MMSI that read
   * without error to either no static part or one equal to `report`; each
   * column followed by a comma. Null when unknown.
   */
  bytes: Uint8Array | null;
  /** The file layout `bytes` belong to (columns differ between files). */
  layout: number;
}

function sameStatic(a: StaticReport, b: StaticReport): boolean {
  return (
    a.type === b.type &&
    a.shipname === b.shipname &&
    a.callsign === b.callsign &&
    a.imo === b.imo &&
    a.shiptype === b.shiptype &&
    a.to_bow === b.to_bow &&
    a.to_stern === b.to_stern &&
    a.to_port === b.to_port &&
    a.to_starboard === b.to_starboard &&
    a.draught === b.draught &&
    a.destination === b.destination &&
    a.length === b.length &&
    a.width === b.width
  );
}

/**
 * The batch statics rule: a CSV row's StaticReport is pushed only when its
 * static fields (name, callsign, IMO, ship type, A/B/C/D, draught,
 * destination, length, width) differ from the last StaticReport pushed for
 * the same MMSI. Shared by `BatchRowSink.csvRow` (string path) and the fast
 * path, so both push the same reports.
 */
export class CsvStaticTracker {
  private readonly last = new Map<number, StaticEntry>();

  /** True when `s` should be pushed (and it is then taken as the last one pushed for its MMSI). */
  offer(s: StaticReport): boolean {
    const e = this.last.get(s.mmsi);
    if (e === undefined) {
      this.last.set(s.mmsi, { report: s, bytes: null, layout: 0 });
      return true;
    }
    if (e.report !== null && sameStatic(e.report, s)) return false;
    e.report = s;
    e.bytes = null;
    return true;
  }

  /** Another kind of static report (NMEA) was pushed for `mmsi`: the next CSV one differs from it. */
  forget(mmsi: number): void {
    this.last.delete(mmsi);
  }

  /** @internal The fast path's view of one MMSI. */
  entry(mmsi: number): StaticEntry | undefined {
    return this.last.get(mmsi);
  }

  /** @internal Bytes whose reading is known to push nothing for `mmsi` (given the current `report`). */
  remember(mmsi: number, layout: number, bytes: Uint8Array): void {
    const e = this.last.get(mmsi);
    if (e === undefined) this.last.set(mmsi, { report: null, bytes, layout });
    else {
      e.bytes = bytes;
      e.layout = layout;
    }
  }
}

/** Where the fast path puts what it reads: `BatchRowSink` is one. */
export interface CsvBatchTarget {
  readonly positions: PositionColumnsBuilder;
  readonly statics: StaticReport[];
  readonly csvStatics: CsvStaticTracker;
}

/** The parts of `AisReader` the router drives (structural, to keep the import one way). */
export interface CsvBatchReader {
  readonly decoder: AisDecoder;
  file(name: string): void;
  write(chunk: Uint8Array): void;
  end(): void;
  readonly stats: DecodeStats;
}

// ---------------------------------------------------------------------------
// Byte readers (exported for the property tests)

/**
 * `Number(text)` of bytes `[+-]digits[.digits]` (or `[+-].digits`, `digits.`)
 * with at most 15 significant digits and 22 decimals; NaN for anything else
 * (the caller then falls back to the string path).
 */
export function parseDecimal(buf: Uint8Array, a: number, b: number): number {
  let k = a;
  let neg = false;
  if (k < b) {
    const c0 = buf[k];
    if (c0 === MINUS) {
      neg = true;
      k++;
    } else if (c0 === PLUS) k++;
  }
  let m = 0;
  let digits = 0;
  let sig = 0;
  let frac = -1;
  for (; k < b; k++) {
    const c = buf[k];
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
      if (m !== 0) sig++;
      if (frac >= 0) frac++;
    } else if (c === DOT && frac < 0) frac = 0;
    else return NaN;
  }
  if (digits === 0 || sig > 15 || frac > 22) return NaN;
  const x = frac > 0 ? m / POW10[frac] : m;
  return neg ? -x : x;
}

/** Days from 1970-01-01 to the proleptic Gregorian date (y >= 1). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function d2(buf: Uint8Array, k: number): number {
  const a = buf[k] - 48,
    b = buf[k + 1] - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return NaN;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 && leap ? 29 : MONTH_DAYS[mo - 1])) return NaN;
  return daysFromCivil(y, mo, d) * DAY_MS + h * HOUR_MS + mi * MINUTE_MS + s * SECOND_MS;
}

/** MarineCadastre `yyyy-mm-ddTHH:MM:SS` (or a space for `T`, optional `Z`), whole seconds; NaN otherwise. */
export function parseMcTimeBytes(buf: Uint8Array, a: number, b: number): number {
  const len = b - a;
  if (!(len === 19 || (len === 20 && buf[a + 19] === Z_UPPER))) return NaN;
  if (
    buf[a + 4] !== MINUS ||
    buf[a + 7] !== MINUS ||
    (buf[a + 10] !== T_UPPER && buf[a + 10] !== SPACE) ||
    buf[a + 13] !== COLON ||
    buf[a + 16] !== COLON
  )
    return NaN;
  const y1 = d2(buf, a),
    y2 = d2(buf, a + 2);
  if (y1 < 0 || y2 < 0) return NaN;
  return utcMs(y1 * 100 + y2, d2(buf, a + 5), d2(buf, a + 8), d2(buf, a + 11), d2(buf, a + 14), d2(buf, a + 17));
}

/** DMA `dd/mm/yyyy HH:MM:SS`; NaN otherwise. */
export function parseDmaTimeBytes(buf: Uint8Array, a: number, b: number): number {
  if (
    b - a !== 19 ||
    buf[a + 2] !== SLASH ||
    buf[a + 5] !== SLASH ||
    buf[a + 10] !== SPACE ||
    buf[a + 13] !== COLON ||
    buf[a + 16] !== COLON
  )
    return NaN;
  const y1 = d2(buf, a + 6),
    y2 = d2(buf, a + 8);
  if (y1 < 0 || y2 < 0) return NaN;
  return utcMs(y1 * 100 + y2, d2(buf, a + 3), d2(buf, a), d2(buf, a + 11), d2(buf, a + 14), d2(buf, a + 17));
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('latin1');
}

// ---------------------------------------------------------------------------
// Header detection (the rules of AisDecoder.line + AisReader.otherLine)

function looksLikeCsvHeader(line: string): boolean {
  return /mmsi/i.test(line) && line.split(',').length >= 4;
}

/**
 * Where the string path would take the first content line of `buf` as a
 * known CSV header: that line (trimmed, latin1) and its number; null when it
 * would not (NMEA, another text, a bad header: the string path reads the
 * file); undefined when `buf` ends before the first content line does and
 * more input may follow.
 */
export function findCsvHeader(buf: Uint8Array, final: boolean): { line: string; lineNo: number } | null | undefined {
  let p = 0;
  let lineNo = 0;
  const n = buf.length;
  while (true) {
    const nl = buf.indexOf(LF, p);
    if (nl < 0) {
      if (!final) return n - p > MAX_LINE_BYTES + 1 ? null : undefined;
      if (p >= n) return null;
    }
    let s = p;
    let e = nl < 0 ? n : nl;
    lineNo++;
    if (e > s && buf[e - 1] === CR) e--;
    if (e - s > MAX_LINE_BYTES) return null;
    while (e > s && (buf[e - 1] === CR || buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
    while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
    if (s === e) {
      if (nl < 0) return null;
      p = nl + 1;
      continue;
    }
    const first = buf[s];
    if (first === BANG || first === BACKSLASH || first === DOLLAR) return null;
    for (let k = s; k < e; k++) {
      const c = buf[k];
      if ((c < 32 && c !== TAB) || c > 126) return null;
    }
    const line = latin1(buf, s, e);
    if (!looksLikeCsvHeader(line) || detectCsvDialect(line) === null) return null;
    return { line, lineNo };
  }
}

// ---------------------------------------------------------------------------
// One CSV file on the fast path

/** Totals of the fast path over all files. */
interface FastTotals {
  csvRows: number;
  /** Blank and comment lines. */
  ignored: number;
  /** Blank lines fed to the decoder to bring its line counter level (it counted them as ignored). */
  padding: number;
}

const ROLE_NAMES = (dialect: 'marinecadastre' | 'dma'): Record<string, number> => ({
  mmsi: R_MMSI,
  [dialect === 'dma' ? 'timestamp' : 'basedatetime']: R_TIME,
  lat: R_LAT,
  latitude: R_LAT,
  lon: R_LON,
  longitude: R_LON,
  sog: R_SOG,
  cog: R_COG,
  heading: R_HEADING,
  rot: R_ROT,
  status: R_STATUS,
  navigationalstatus: R_STATUS,
});
const R_MMSI = 0,
  R_TIME = 1,
  R_LAT = 2,
  R_LON = 3,
  R_SOG = 4,
  R_COG = 5,
  R_HEADING = 6,
  R_ROT = 7,
  R_STATUS = 8,
  N_ROLES = 9;

let nextLayout = 1;

/**
 * The column of each field the fast path reads, as `AisCsvReader` assigns
 * them (-1 when absent); every other column is "rest". Exported for a test
 * that checks it against the reader.
 */
export function fastColumns(csv: AisCsvReader): Int32Array {
  const col = new Int32Array(N_ROLES).fill(-1);
  const names = ROLE_NAMES(csv.dialect);
  csv.columns.forEach((c, i) => {
    const key = c.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (Object.hasOwn(names, key)) col[names[key]] = i;
  });
  return col;
}

class FastCsvFile extends LineSplitter {
  private lineNo = 0;
  private headerSeen = false;
  /** Lines the decoder has been given in this file (for `delegate`). */
  private decoderLines = 0;

  private readonly width: number;
  private readonly at: Int32Array;
  private readonly layout = nextLayout++;
  private readonly cMmsi: number;
  private readonly cTime: number;
  private readonly cLat: number;
  private readonly cLon: number;
  private readonly cSog: number;
  private readonly cCog: number;
  private readonly cHeading: number;
  private readonly cRot: number;
  private readonly cStatus: number;
  private readonly dma: boolean;
  /** Columns compared as bytes (statics and any column the fast path does not read). */
  private readonly rest: Int32Array;
  /** Status texts seen (bytes as written) and their codes (255: none). */
  private readonly statusBytes: Uint8Array[] = [];
  private readonly statusCodes: number[] = [];
  private lastMmsi = -1;
  private lastEntry: StaticEntry | undefined = undefined;

  constructor(
    private readonly csv: AisCsvReader,
    private readonly decoder: AisDecoder,
    private readonly target: CsvBatchTarget,
    private readonly totals: FastTotals,
  ) {
    super();
    this.width = csv.columns.length;
    this.at = new Int32Array(this.width + 1);
    const col = fastColumns(csv);
    this.cMmsi = col[R_MMSI];
    this.cTime = col[R_TIME];
    this.cLat = col[R_LAT];
    this.cLon = col[R_LON];
    this.cSog = col[R_SOG];
    this.cCog = col[R_COG];
    this.cHeading = col[R_HEADING];
    this.cRot = col[R_ROT];
    this.cStatus = col[R_STATUS];
    this.dma = csv.dialect === 'dma';
    const used = new Set(col);
    const rest: number[] = [];
    for (let i = 0; i < this.width; i++) if (!used.has(i)) rest.push(i);
    this.rest = Int32Array.from(rest);
  }

  get lines(): number {
    return this.lineNo;
  }

  /** As `AisDecoder.end`, less the orphans (the decoder reports those). */
  end(): void {
    this.flushLines();
  }

  private reject(reason: RejectReason, line: number, detail: string): void {
    this.decoder.rejectFrom({ reason, file: this.decoder.fileName, line, detail });
  }

  protected override longLine(): void {
    this.lineNo++;
    this.reject('line_too_long', this.lineNo, `more than ${MAX_LINE_BYTES} bytes`);
  }

  /** As `AisDecoder.line` for a file whose first content line is a CSV header. */
  protected override line(buf: Uint8Array, start: number, end: number): void {
    const lineNo = ++this.lineNo;
    if (end > start && buf[end - 1] === CR) end--;
    if (end - start > MAX_LINE_BYTES) {
      this.reject('line_too_long', lineNo, `${end - start} bytes, at most ${MAX_LINE_BYTES}`);
      return;
    }
    while (end > start) {
      const c = buf[end - 1];
      if (c !== CR && c !== SPACE && c !== TAB) break;
      end--;
    }
    while (start < end && (buf[start] === SPACE || buf[start] === TAB)) start++;
    if (start === end) {
      this.totals.ignored++;
      return;
    }
    if (!this.headerSeen) {
      // The header, already read by the router (findCsvHeader).
      this.headerSeen = true;
      return;
    }
    this.row(buf, start, end, lineNo);
  }

  /**
   * The number in column `c` (absent when c < 0): NaN when empty, absent or
   * equal to `na` (the not-available value); OUT when the byte reader does
   * not take it or it lies outside [lo, hi] ([lo, hi) with `hiOpen`), so
   * that the row goes the string way and is judged there.
   */
  private number(buf: Uint8Array, c: number, na: number, lo: number, hi: number, hiOpen: boolean): number {
    if (c < 0) return NaN;
    const a = this.at[c] + 1;
    const b = this.at[c + 1];
    if (a >= b) return NaN;
    const x = parseDecimal(buf, a, b);
    if (x === na) return NaN;
    if (!(x >= lo && (hiOpen ? x < hi : x <= hi))) return OUT;
    return x + 0;
  }

  /** One data row, trimmed, not empty. */
  private row(buf: Uint8Array, s: number, e: number, lineNo: number): void {
    const first = buf[s];
    if (first === HASH || first === BANG || first === BACKSLASH || first === DOLLAR) {
      this.other(buf, s, e, lineNo, false);
      return;
    }
    // Split on commas; any quote, tab, control or non-ASCII byte, or a wrong count, goes the string way.
    const at = this.at;
    const width = this.width;
    let n = 0;
    at[0] = s - 1;
    for (let k = s; k < e; k++) {
      const t = BYTE_CLASS[buf[k]];
      if (t === 0) continue;
      if (t === 1 && ++n < width) at[n] = k;
      else {
        this.other(buf, s, e, lineNo, false);
        return;
      }
    }
    if (n !== width - 1) {
      this.other(buf, s, e, lineNo, false);
      return;
    }
    at[width] = e;

    // MMSI: 1-9 digits, not 0.
    let a = at[this.cMmsi] + 1;
    let b = at[this.cMmsi + 1];
    if (b - a < 1 || b - a > 9) {
      this.other(buf, s, e, lineNo, true);
      return;
    }
    let mmsi = 0;
    for (let k = a; k < b; k++) {
      const d = buf[k] - 48;
      if (d < 0 || d > 9) {
        this.other(buf, s, e, lineNo, true);
        return;
      }
      mmsi = mmsi * 10 + d;
    }
    if (mmsi === 0) {
      this.other(buf, s, e, lineNo, true);
      return;
    }

    a = at[this.cTime] + 1;
    b = at[this.cTime + 1];
    const time = this.dma ? parseDmaTimeBytes(buf, a, b) : parseMcTimeBytes(buf, a, b);
    if (time !== time) {
      this.other(buf, s, e, lineNo, true);
      return;
    }

    // Numbers: NaN for not available; a value the byte reader does not take, or out of range, goes the string way.
    const lat = this.number(buf, this.cLat, 91, -90, 90, false);
    const lon = this.number(buf, this.cLon, 181, -180, 180, false);
    const sog = this.number(buf, this.cSog, 102.3, 0, 102.2, false);
    const cog = this.number(buf, this.cCog, 360, 0, 360, true);
    const heading = this.number(buf, this.cHeading, 511, 0, 360, true);
    // Rate of turn is not kept in the columns, only checked (no not-available value: NaN stands in).
    const rot = this.number(buf, this.cRot, NaN, -720, 720, false);
    if (lat === OUT || lon === OUT || sog === OUT || cog === OUT || heading === OUT || rot === OUT) {
      this.other(buf, s, e, lineNo, true);
      return;
    }
    let status = 255;
    if (this.cStatus >= 0) {
      a = at[this.cStatus] + 1;
      b = at[this.cStatus + 1];
      const len = b - a;
      if (len > 0) {
        const d0 = buf[a] - 48;
        const d1 = len === 2 ? buf[a + 1] - 48 : 0;
        if (len <= 2 && d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9) {
          status = len === 2 ? d0 * 10 + d1 : d0;
          if (status > 15) {
            this.other(buf, s, e, lineNo, true);
            return;
          }
        } else {
          const k = this.findStatus(buf, a, b);
          if (k < 0) {
            this.other(buf, s, e, lineNo, true);
            return;
          }
          status = this.statusCodes[k];
        }
      }
    }

    // The other columns: unchanged since a row of this vessel whose outcome is known?
    let entry = this.lastEntry;
    if (mmsi !== this.lastMmsi) {
      entry = this.target.csvStatics.entry(mmsi);
      this.lastMmsi = mmsi;
      this.lastEntry = entry;
    }
    if (
      entry === undefined ||
      entry.bytes === null ||
      entry.layout !== this.layout ||
      !this.sameRest(buf, entry.bytes)
    ) {
      this.other(buf, s, e, lineNo, true);
      return;
    }

    this.totals.csvRows++;
    if (lat === lat && lon === lon) this.target.positions.push(time, mmsi, lat, lon, sog, cog, heading, 0, status);
  }

  private sameRest(buf: Uint8Array, stored: Uint8Array): boolean {
    const at = this.at;
    const rest = this.rest;
    const n = stored.length;
    let p = 0;
    for (let r = 0; r < rest.length; r++) {
      const j = rest[r];
      const a = at[j] + 1;
      const len = at[j + 1] - a;
      if (p + len >= n || stored[p + len] !== COMMA) return false;
      for (let k = 0; k < len; k++) if (stored[p + k] !== buf[a + k]) return false;
      p += len + 1;
    }
    return p === n;
  }

  private restBytes(buf: Uint8Array): Uint8Array {
    const at = this.at;
    const rest = this.rest;
    let n = 0;
    for (let r = 0; r < rest.length; r++) n += at[rest[r] + 1] - at[rest[r]];
    const out = new Uint8Array(n);
    let p = 0;
    for (let r = 0; r < rest.length; r++) {
      const j = rest[r];
      out.set(buf.subarray(at[j] + 1, at[j + 1]), p);
      p += at[j + 1] - at[j] - 1;
      out[p++] = COMMA;
    }
    return out;
  }

  private findStatus(buf: Uint8Array, a: number, b: number): number {
    const len = b - a;
    const all = this.statusBytes;
    outer: for (let k = 0; k < all.length; k++) {
      const t = all[k];
      if (t.length !== len) continue;
      for (let i = 0; i < len; i++) if (t[i] !== buf[a + i]) continue outer;
      return k;
    }
    return -1;
  }

  /** Everything the byte path does not read itself, as the string path reads it. `split`: `at` holds this line's commas. */
  private other(buf: Uint8Array, s: number, e: number, lineNo: number, split: boolean): void {
    const first = buf[s];
    if (first === HASH) {
      this.totals.ignored++;
      return;
    }
    if (first === BANG || first === BACKSLASH || first === DOLLAR) {
      this.delegate(buf, s, e, lineNo);
      return;
    }
    for (let k = s; k < e; k++) {
      const c = buf[k];
      if ((c < 32 && c !== TAB) || c > 126) {
        this.reject('binary_data', lineNo, `byte 0x${c.toString(16).padStart(2, '0')} at column ${k - s + 1}`);
        return;
      }
    }
    const r = this.csv.parse(latin1(buf, s, e), lineNo);
    if (isCsvReject(r)) {
      this.decoder.rejectFrom(r);
      return;
    }
    this.totals.csvRows++;
    const rec = r.record;
    if (r.hasPosition) {
      const num = (x: unknown): number => (typeof x === 'number' ? x : NaN);
      this.target.positions.push(
        r.timeMs,
        rec.mmsi,
        num(rec.lat),
        num(rec.lon),
        num(rec.speed),
        num(rec.course),
        num(rec.heading),
        0,
        typeof rec.status === 'number' ? rec.status : 255,
      );
    }
    const tracker = this.target.csvStatics;
    if (r.static !== null && tracker.offer(r.static)) this.target.statics.push(r.static);
    this.lastMmsi = -1;
    if (split) {
      // This row read without error, and its static part is now null or equal to the last pushed: remember its bytes.
      tracker.remember(rec.mmsi, this.layout, this.restBytes(buf));
      if (this.cStatus >= 0 && this.statusBytes.length < 64) {
        const a = this.at[this.cStatus] + 1;
        const b = this.at[this.cStatus + 1];
        if (this.findStatus(buf, a, b) < 0) {
          this.statusBytes.push(buf.slice(a, b));
          this.statusCodes.push(typeof rec.status === 'number' ? rec.status : 255);
        }
      }
    }
  }

  /** A line for the NMEA decoder: bring its line counter level with blank lines, then hand it the line. */
  private delegate(buf: Uint8Array, s: number, e: number, lineNo: number): void {
    let pad = lineNo - 1 - this.decoderLines;
    while (pad > 0) {
      const k = Math.min(pad, NEWLINES.length);
      this.decoder.write(NEWLINES.subarray(0, k));
      this.totals.padding += k;
      pad -= k;
    }
    const line = new Uint8Array(e - s + 1);
    line.set(buf.subarray(s, e));
    line[e - s] = LF;
    this.decoderLines = lineNo;
    // The line may push an NMEA static, which makes the tracker forget the MMSI.
    this.lastMmsi = -1;
    this.decoder.write(line);
  }
}

// ---------------------------------------------------------------------------
// Routing files between the fast path and the string path

/**
 * Drives an `AisReader` (NMEA, and CSV files whose header the fast path does
 * not take) and the fast path (files whose first content line is a known
 * CSV header), with the reader's semantics: `file(name)` starts the next
 * file, `write` feeds bytes (split anywhere), `end` finishes; `stats` after
 * `end` are what the reader alone would report.
 */
export class CsvBatchRouter {
  private readonly totals: FastTotals = { csvRows: 0, ignored: 0, padding: 0 };
  /** Chunks of the current file held until its first content line is seen. */
  private held: Uint8Array[] = [];
  private mode: 'undecided' | 'reader' | 'fast' = 'undecided';
  /** Name of the current file; null for the reader's own first input (no `file` call). */
  private name: string | null = null;
  private fast: FastCsvFile | null = null;
  /** Lines of fast-path files beyond what the string reader counted of them (it sees only their NMEA lines). */
  private fastExtraLines = 0;
  private readerLinesAtFileStart = 0;

  constructor(
    private readonly reader: CsvBatchReader,
    private readonly target: CsvBatchTarget,
  ) {}

  file(name: string): void {
    this.finishFile();
    this.name = name;
    this.mode = 'undecided';
  }

  write(chunk: Uint8Array): void {
    if (this.mode === 'fast') this.fast!.write(chunk);
    else if (this.mode === 'reader') this.reader.write(chunk);
    else {
      this.held.push(chunk);
      this.decide(false);
    }
  }

  end(): void {
    this.finishFile();
    this.reader.end();
  }

  get stats(): DecodeStats {
    const s = this.reader.stats;
    const t = this.totals;
    if (t.csvRows) {
      s.messages += t.csvRows;
      s.byType[0] = (s.byType[0] ?? 0) + t.csvRows;
    }
    s.ignored += t.ignored - t.padding;
    s.lines += this.fastExtraLines;
    return s;
  }

  private finishFile(): void {
    if (this.mode === 'undecided' && (this.name !== null || this.held.length > 0)) this.decide(true);
    if (this.mode === 'fast') {
      this.fast!.end();
      this.fastExtraLines += this.fast!.lines - (this.reader.decoder.stats.lines - this.readerLinesAtFileStart);
      this.fast = null;
    }
    this.mode = 'undecided';
    this.name = null;
  }

  private decide(final: boolean): void {
    const held = this.held;
    // Scan the chunks joined, but replay them as they came: where a chunk ends can change a reject's detail.
    const buf = held.length === 1 ? held[0] : Buffer.concat(held);
    let header = buf.length === 0 && !final ? undefined : findCsvHeader(buf, final);
    if (header === undefined) {
      if (buf.length <= MAX_HELD_BYTES) return;
      // No content line in the first 16 MiB (blank lines only): the string path, which is the reference anyway.
      header = null;
    }
    if (this.name !== null) this.reader.file(this.name);
    this.readerLinesAtFileStart = this.reader.decoder.stats.lines;
    this.held = [];
    if (header !== null) {
      let csv: AisCsvReader | null = null;
      try {
        csv = new AisCsvReader(this.reader.decoder.fileName, header.line, header.lineNo);
      } catch (e) {
        if (!(e instanceof AisInputError)) throw e;
      }
      if (csv !== null) {
        this.mode = 'fast';
        this.fast = new FastCsvFile(csv, this.reader.decoder, this.target, this.totals);
        for (const c of held) this.fast.write(c);
        return;
      }
    }
    this.mode = 'reader';
    for (const c of held) this.reader.write(c);
  }
}
