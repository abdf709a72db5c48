/**
 * Readers for AIS CSV as published by national authorities, detected from the
 * header line:
 *
 * - US MarineCadastre / NOAA ("marinecadastre"). 2018-2024 daily files:
 *   `MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,
 *   VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass`; 2015-2017
 *   files lack TransceiverClass; 2025 files use snake_case names
 *   (`mmsi,base_date_time,longitude,latitude,...,call_sign,vessel_type,...,
 *   transceiver`). BaseDateTime is UTC `2023-01-01T00:00:06` (a space instead
 *   of `T`, fractional seconds and a trailing `Z` are accepted). IMO is text
 *   such as `IMO9217242`. VesselType and Status are AIS codes; Length and
 *   Width are overall size in metres.
 * - Danish Maritime Authority aisdk ("dma"): `# Timestamp,Type of mobile,MMSI,
 *   Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,
 *   Name,Ship type,Cargo type,Width,Length,Type of position fixing device,
 *   Draught,Destination,ETA,Data source type,A,B,C,D` (older files stop at
 *   Data source type). Timestamp is UTC `dd/mm/yyyy HH:MM:SS`; navigational
 *   status and ship type are English text; `Unknown` / `Undefined` mean not
 *   available.
 *
 * Columns are matched by name (case, spaces, `_` and a leading `#` ignored),
 * so reordered and extra columns work. MMSI, the time, latitude and longitude
 * columns are required; every other column is optional. Quoted fields
 * (RFC 4180, `""` for a quote) are read.
 *
 * Values: the AIS "not available" sentinels become null (latitude 91,
 * longitude 181, SOG 102.3, COG 360, heading 511, ship type 0, draught,
 * length and width 0, IMO 0); an empty field is null. A value that cannot be
 * read or lies outside its range rejects the row with `csv_bad_value`, naming
 * the column and the value: latitude -90..90, longitude -180..180, SOG
 * 0..102.2 kn, COG 0..<360, heading 0..<360, status 0..15, ship type 0..255,
 * IMO 1..2^30-1, draught 0..25.5 m, length 0..1022 m, width 0..126 m,
 * A/B 0..511 m, C/D 0..63 m, ROT -720..720 deg/min, MMSI 1..999999999.
 */

import { AisInputError, type AisRecord, type Reject } from './types.js';
import type { StaticReport } from './batch.js';

export type CsvDialect = 'marinecadastre' | 'dma';

/** The static part of a CSV row; `length`/`width` carry overall size when the CSV gives it. */
export interface CsvStaticReport extends StaticReport {
  length?: number | null;
  width?: number | null;
}

export interface CsvRow {
  /** gpsd field names and units; `type` 0 and `repeat` 0 (a CSV row has no AIS message type). */
  record: AisRecord;
  /** ms since the Unix epoch (negative before 1970). */
  timeMs: number;
  /** Latitude and longitude both present. */
  hasPosition: boolean;
  /** Present when the row has any static field (name, callsign, IMO, ship type, size, draught, destination). */
  static: CsvStaticReport | null;
}

// Column slots.
const S_MMSI = 0;
const S_TIME = 1;
const S_LAT = 2;
const S_LON = 3;
const S_SOG = 4;
const S_COG = 5;
const S_HEADING = 6;
const S_STATUS = 7;
const S_ROT = 8;
const S_NAME = 9;
const S_IMO = 10;
const S_CALLSIGN = 11;
const S_SHIPTYPE = 12;
const S_DRAUGHT = 13;
const S_DEST = 14;
const S_LENGTH = 15;
const S_WIDTH = 16;
const S_A = 17;
const S_B = 18;
const S_C = 19;
const S_D = 20;
const S_CLASS = 21;
const N_SLOTS = 22;

/** Normalised header name -> slot, for both dialects (the time column is dialect-specific). */
const COMMON_COLUMNS: Record<string, number> = {
  mmsi: S_MMSI,
  lat: S_LAT,
  latitude: S_LAT,
  lon: S_LON,
  longitude: S_LON,
  sog: S_SOG,
  cog: S_COG,
  heading: S_HEADING,
  status: S_STATUS,
  navigationalstatus: S_STATUS,
  rot: S_ROT,
  vesselname: S_NAME,
  name: S_NAME,
  imo: S_IMO,
  callsign: S_CALLSIGN,
  vesseltype: S_SHIPTYPE,
  shiptype: S_SHIPTYPE,
  draft: S_DRAUGHT,
  draught: S_DRAUGHT,
  destination: S_DEST,
  length: S_LENGTH,
  width: S_WIDTH,
  a: S_A,
  sizea: S_A,
  b: S_B,
  sizeb: S_B,
  c: S_C,
  sizec: S_C,
  d: S_D,
  sized: S_D,
  transceiverclass: S_CLASS,
  transceiver: S_CLASS,
  typeofmobile: S_CLASS,
};

const TIME_COLUMN: Record<CsvDialect, string> = { marinecadastre: 'basedatetime', dma: 'timestamp' };
const LAYOUT_NAME: Record<CsvDialect, string> = {
  marinecadastre: 'MarineCadastre',
  dma: 'Danish Maritime Authority',
};
const REQUIRED: readonly [number, string][] = [
  [S_MMSI, 'MMSI'],
  [S_TIME, 'time'],
  [S_LAT, 'latitude'],
  [S_LON, 'longitude'],
];

const EXPECTED_LAYOUTS =
  'expected a MarineCadastre header (MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,...) ' +
  'or a Danish Maritime Authority header (# Timestamp,Type of mobile,MMSI,Latitude,Longitude,...)';

/**
 * Navigational status text (as the DMA and some MarineCadastre exports write
 * it) -> ITU-R M.1371 code. Keys are lower case with single spaces.
 */
const STATUS_TEXT: Record<string, number> = {
  'under way using engine': 0,
  'at anchor': 1,
  'not under command': 2,
  'restricted maneuverability': 3,
  'restricted manoeuvrability': 3,
  'constrained by her draught': 4,
  'constrained by her draft': 4,
  moored: 5,
  aground: 6,
  'engaged in fishing': 7,
  'under way sailing': 8,
  'reserved for future amendment [hsc]': 9,
  'reserved for future amendment (hsc)': 9,
  'reserved for future amendment [wig]': 10,
  'reserved for future amendment (wig)': 10,
  'reserved for future use [11]': 11,
  'power-driven vessel towing astern': 11,
  'reserved for future use [12]': 12,
  'power-driven vessel pushing ahead or towing alongside': 12,
  'reserved for future use [13]': 13,
  'ais-sart': 14,
  'ais-sart (active)': 14,
  'unknown value': 15,
  undefined: 15,
  'not defined': 15,
};

/**
 * DMA ship type text -> AIS ship type code. The text names a category, so a
 * category spanning ten codes (Passenger 60-69, Cargo 70-79, Tanker 80-89,
 * Other 90-99, HSC 40-49, WIG 20-29) reads as its first code; `Reserved`
 * (codes 1-19, 38-39) and `Undefined` read as null.
 */
export const DMA_SHIP_TYPES: Readonly<Record<string, number | null>> = {
  undefined: null,
  reserved: null,
  wig: 20,
  fishing: 30,
  towing: 31,
  'towing long/wide': 32,
  dredging: 33,
  diving: 34,
  military: 35,
  sailing: 36,
  pleasure: 37,
  hsc: 40,
  pilot: 50,
  sar: 51,
  tug: 52,
  'port tender': 53,
  'anti-pollution': 54,
  'law enforcement': 55,
  'spare 1': 56,
  'spare 2': 57,
  medical: 58,
  'not party to conflict': 59,
  passenger: 60,
  cargo: 70,
  tanker: 80,
  other: 90,
};

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MMSI_RE = /^\d{1,9}$/;
const MAX_IMO = 0x3fffffff;

/** An own property of a lookup table (never one inherited from Object.prototype). */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function normaliseName(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Splits one CSV line (RFC 4180 quoting, a trailing CR ignored) into `out`,
 * storing at most `max` fields. Returns the number of fields, or -(i + 1)
 * when field i is a quoted field that is unterminated or followed by text.
 */
function splitCsv(line: string, out: string[], max: number): number {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  let n = 0;
  let i = 0;
  while (true) {
    if (i < end && line.charCodeAt(i) === 34) {
      let value = '';
      let start = i + 1;
      let j = start;
      while (true) {
        const q = line.indexOf('"', j);
        if (q < 0 || q >= end) return -(n + 1);
        if (q + 1 < end && line.charCodeAt(q + 1) === 34) {
          value += line.slice(start, q + 1);
          j = start = q + 2;
          continue;
        }
        value += line.slice(start, q);
        i = q + 1;
        break;
      }
      if (n < max) out[n] = value;
      n++;
      if (i >= end) return n;
      if (line.charCodeAt(i) !== 44) return -n;
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0 || c >= end) {
        if (n < max) out[n] = line.slice(i, end);
        return n + 1;
      }
      if (n < max) out[n] = line.slice(i, c);
      n++;
      i = c + 1;
    }
  }
}

function splitHeader(header: string): string[] | null {
  let h = header;
  if (h.charCodeAt(0) === 0xfeff) h = h.slice(1);
  const out: string[] = [];
  const n = splitCsv(h, out, 10_000);
  if (n < 0 || n > 10_000) return null;
  out.length = n;
  return out;
}

function detectFromNames(raw: string[], names: string[]): CsvDialect | null {
  if (!names.includes('mmsi')) return null;
  if (names.includes('basedatetime')) return 'marinecadastre';
  if (names.includes('timestamp') && (names.includes('typeofmobile') || raw[0].trimStart().startsWith('#'))) {
    return 'dma';
  }
  return null;
}

/** The dialect of a header line, or null when it is neither known layout. */
export function detectCsvDialect(headerLine: string): CsvDialect | null {
  const raw = splitHeader(headerLine);
  if (raw === null) return null;
  return detectFromNames(raw, raw.map(normaliseName));
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** ms since the epoch, or NaN when a part is out of range. Years 1000-9999. */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return NaN;
  const days = mo === 2 && isLeap(y) ? 29 : MONTH_DAYS[mo - 1];
  if (d > days) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/** The decimal number of v[start, start + len), or -1 when a character is not a digit. */
function digits(v: string, start: number, len: number): number {
  let n = 0;
  for (let i = start; i < start + len; i++) {
    const c = v.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** `yyyy-mm-ddTHH:MM:SS` (or a space for `T`), then optional `.fff...` and `Z`; NaN when not one. */
function parseMcTime(v: string): number {
  const len = v.length;
  if (len < 19 || v[4] !== '-' || v[7] !== '-' || (v[10] !== 'T' && v[10] !== ' ') || v[13] !== ':' || v[16] !== ':')
    return NaN;
  const y = digits(v, 0, 4),
    mo = digits(v, 5, 2),
    d = digits(v, 8, 2);
  const h = digits(v, 11, 2),
    mi = digits(v, 14, 2),
    s = digits(v, 17, 2);
  if ((y | mo | d | h | mi | s) < 0) return NaN;
  let i = 19;
  let ms = 0;
  if (i < len && v[i] === '.') {
    const fracLen = (v[len - 1] === 'Z' ? len - 1 : len) - 20;
    if (fracLen < 1 || fracLen > 9) return NaN;
    const frac = digits(v, 20, fracLen);
    if (frac < 0) return NaN;
    ms = Math.floor(frac / 10 ** (fracLen - 3));
    i = 20 + fracLen;
  }
  if (i < len && v[i] === 'Z') i++;
  if (i !== len) return NaN;
  return utcMs(y, mo, d, h, mi, s, ms);
}

/** `dd/mm/yyyy HH:MM:SS`; NaN when not one. */
function parseDmaTime(v: string): number {
  if (v.length !== 19 || v[2] !== '/' || v[5] !== '/' || v[10] !== ' ' || v[13] !== ':' || v[16] !== ':') return NaN;
  const d = digits(v, 0, 2),
    mo = digits(v, 3, 2),
    y = digits(v, 6, 4);
  const h = digits(v, 11, 2),
    mi = digits(v, 14, 2),
    s = digits(v, 17, 2);
  if ((y | mo | d | h | mi | s) < 0) return NaN;
  return utcMs(y, mo, d, h, mi, s, 0);
}

function collapse(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Reads the data rows of one AIS CSV file. Construct it with the header line;
 * `parse` each following line. Rows are independent, so a bad row never
 * affects the next.
 */
export class AisCsvReader {
  readonly dialect: CsvDialect;
  /** Column names as the header writes them. */
  readonly columns: readonly string[];
  private readonly slot: Int32Array = new Int32Array(N_SLOTS).fill(-1);
  private readonly fields: string[];
  /** First problem found in the current row ("" when none). */
  private bad = '';
  /** The last time read and its ISO text: rows often share a second. */
  private lastTimeMs = NaN;
  private lastTime = '';
  /** Status and ship type texts already read, as written -> code (texts repeat on every row). */
  private readonly textCodes = new Map<string, number | null>();

  /** @throws AisInputError (csv_bad_header) when the header is not a known layout. */
  constructor(
    readonly file: string,
    header: string,
    readonly headerLine: number,
  ) {
    const fail = (detail: string): AisInputError =>
      new AisInputError({ reason: 'csv_bad_header', file, line: headerLine, detail });
    const raw = splitHeader(header);
    if (raw === null) throw fail(`${EXPECTED_LAYOUTS}; got a header with a malformed quoted field`);
    const cols = raw.map((c) => c.trim());
    const names = cols.map(normaliseName);
    const dialect = detectFromNames(cols, names);
    if (dialect === null) {
      const got = header.length > 160 ? `${header.slice(0, 160)}...` : header;
      throw fail(`${EXPECTED_LAYOUTS}; got ${JSON.stringify(got)}`);
    }
    this.dialect = dialect;
    this.columns = cols;
    const timeName = TIME_COLUMN[dialect];
    for (let i = 0; i < names.length; i++) {
      const s = names[i] === timeName ? S_TIME : lookup(COMMON_COLUMNS, names[i]);
      if (s === undefined) continue;
      if (this.slot[s] >= 0) {
        throw fail(
          `${LAYOUT_NAME[dialect]} header has both ${JSON.stringify(cols[this.slot[s]])} ` +
            `and ${JSON.stringify(cols[i])} (columns ${this.slot[s] + 1} and ${i + 1}) for the same field`,
        );
      }
      this.slot[s] = i;
    }
    for (const [s, what] of REQUIRED) {
      if (this.slot[s] < 0) throw fail(`${LAYOUT_NAME[dialect]} header has no ${what} column`);
    }
    this.fields = new Array<string>(cols.length).fill('');
  }

  /**
   * Parse one data row. Returns the row, or a Reject (csv_field_count, or
   * csv_bad_value with a detail naming the column and the value).
   */
  parse(line: string, lineNo: number): CsvRow | Reject {
    const width = this.columns.length;
    const n = splitCsv(line, this.fields, width);
    if (n < 0) {
      const col = -n - 1;
      const name = col < width ? this.columns[col] : `column ${col + 1}`;
      return this.reject(
        'csv_bad_value',
        lineNo,
        `${name}: quoted field is not terminated or has text after its closing quote`,
      );
    }
    if (n !== width) {
      return this.reject(
        'csv_field_count',
        lineNo,
        `${n} fields, but the header (line ${this.headerLine}) has ${width}`,
      );
    }
    this.bad = '';
    const dma = this.dialect === 'dma';

    const mmsi = this.mmsi();
    const timeMs = this.time(dma);
    const lat = this.num(S_LAT, -90, 90, 91);
    const lon = this.num(S_LON, -180, 180, 181);
    const speed = this.num(S_SOG, 0, 102.2, 102.3);
    const course = this.numBelow(S_COG, 360, 360);
    const heading = this.numBelow(S_HEADING, 360, 511);
    const turn = this.num(S_ROT, -720, 720, NaN);
    const status = this.status();
    const shipname = this.text(S_NAME, false);
    const callsign = this.text(S_CALLSIGN, dma);
    const imo = this.imo(dma);
    const shiptype = this.shiptype(dma);
    const draught = this.num(S_DRAUGHT, 0, 25.5, 0);
    const destination = this.text(S_DEST, dma);
    const length = this.num(S_LENGTH, 0, 1022, 0);
    const width_ = this.num(S_WIDTH, 0, 126, 0);
    const toBow = this.int(S_A, 0, 511);
    const toStern = this.int(S_B, 0, 511);
    const toPort = this.int(S_C, 0, 63);
    const toStarboard = this.int(S_D, 0, 63);
    const transceiver = this.transceiver();
    if (this.bad !== '') return this.reject('csv_bad_value', lineNo, this.bad);

    if (timeMs !== this.lastTimeMs) {
      this.lastTimeMs = timeMs;
      this.lastTime = new Date(timeMs).toISOString();
    }
    const time = this.lastTime;
    const record: AisRecord = {
      type: 0,
      repeat: 0,
      mmsi,
      time,
      lat,
      lon,
      speed,
      course,
      heading,
      turn,
      status,
      shipname,
      callsign,
      imo,
      shiptype,
      to_bow: toBow,
      to_stern: toStern,
      to_port: toPort,
      to_starboard: toStarboard,
      length,
      width: width_,
      draught,
      destination,
      transceiver,
    };
    const hasStatic =
      shipname !== null ||
      callsign !== null ||
      imo !== null ||
      shiptype !== null ||
      toBow !== null ||
      toStern !== null ||
      toPort !== null ||
      toStarboard !== null ||
      length !== null ||
      width_ !== null ||
      draught !== null ||
      destination !== null;
    return {
      record,
      timeMs,
      hasPosition: lat !== null && lon !== null,
      static: hasStatic
        ? {
            time: timeMs,
            mmsi,
            type: 0,
            shipname,
            callsign,
            imo,
            shiptype,
            to_bow: toBow,
            to_stern: toStern,
            to_port: toPort,
            to_starboard: toStarboard,
            draught,
            destination,
            length,
            width: width_,
          }
        : null,
    };
  }

  private reject(reason: 'csv_bad_value' | 'csv_field_count', line: number, detail: string): Reject {
    return { reason, file: this.file, line, detail };
  }

  /** Records the first problem of the row; returns null for convenience. */
  private fail(s: number, value: string, why: string): null {
    if (this.bad === '') this.bad = `${this.columns[this.slot[s]]}: ${JSON.stringify(value)} ${why}`;
    return null;
  }

  /** The trimmed field of slot s, or "" when the column is absent. */
  private field(s: number): string {
    const i = this.slot[s];
    return i < 0 ? '' : this.fields[i].trim();
  }

  private mmsi(): number {
    const v = this.field(S_MMSI);
    if (!MMSI_RE.test(v) || Number(v) === 0) {
      this.fail(S_MMSI, v, v === '' ? 'is empty' : 'is not an MMSI (1 to 9 digits, not 0)');
      return 0;
    }
    return Number(v);
  }

  private time(dma: boolean): number {
    const v = this.field(S_TIME);
    const t = dma ? parseDmaTime(v) : parseMcTime(v);
    if (Number.isNaN(t)) {
      this.fail(S_TIME, v, dma ? 'is not a time dd/mm/yyyy HH:MM:SS' : 'is not a time yyyy-mm-ddTHH:MM:SS');
      return 0;
    }
    return t;
  }

  /** A number in [min, max]; empty or equal to `na` is null. */
  private num(s: number, min: number, max: number, na: number): number | null {
    const v = this.field(s);
    if (v === '') return null;
    if (!NUMBER_RE.test(v)) return this.fail(s, v, 'is not a number');
    const x = Number(v);
    if (x === na) return null;
    if (!(x >= min && x <= max)) return this.fail(s, v, `is out of range ${min}..${max}`);
    return x + 0;
  }

  /** A number in [0, limit); empty or equal to `na` is null. */
  private numBelow(s: number, limit: number, na: number): number | null {
    const v = this.field(s);
    if (v === '') return null;
    if (!NUMBER_RE.test(v)) return this.fail(s, v, 'is not a number');
    const x = Number(v);
    if (x === na) return null;
    if (!(x >= 0 && x < limit)) return this.fail(s, v, `is out of range 0..${limit} (${limit} excluded)`);
    return x + 0;
  }

  private int(s: number, min: number, max: number): number | null {
    const v = this.field(s);
    if (v === '') return null;
    const x = NUMBER_RE.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(x)) return this.fail(s, v, 'is not a whole number');
    if (x < min || x > max) return this.fail(s, v, `is out of range ${min}..${max}`);
    return x + 0;
  }

  private status(): number | null {
    const v = this.field(S_STATUS);
    if (v === '') return null;
    if (NUMBER_RE.test(v)) {
      const x = Number(v);
      if (!Number.isInteger(x) || x < 0 || x > 15) return this.fail(S_STATUS, v, 'is not a navigational status 0..15');
      return x + 0;
    }
    const key = `s${v}`;
    const known = this.textCodes.get(key);
    if (known !== undefined) return known;
    const code = lookup(STATUS_TEXT, collapse(v));
    if (code === undefined) return this.fail(S_STATUS, v, 'is not a known navigational status');
    this.remember(key, code);
    return code;
  }

  private remember(key: string, code: number | null): void {
    if (this.textCodes.size < 256) this.textCodes.set(key, code);
  }

  /** Text with AIS padding (trailing `@`) removed; empty is null, and so is DMA's `Unknown`. */
  private text(s: number, unknownIsNull: boolean): string | null {
    let v = this.field(s);
    if (v.endsWith('@')) v = v.replace(/@+$/, '').trimEnd();
    if (v === '' || (unknownIsNull && v === 'Unknown')) return null;
    return v;
  }

  private imo(dma: boolean): number | null {
    let v = this.field(S_IMO);
    if (v === '' || (dma && v === 'Unknown')) return null;
    if (/^imo/i.test(v)) v = v.slice(3).trim();
    if (!/^\d{1,10}$/.test(v)) return this.fail(S_IMO, this.field(S_IMO), 'is not an IMO number');
    const x = Number(v);
    if (x > MAX_IMO) return this.fail(S_IMO, this.field(S_IMO), `is out of range 0..${MAX_IMO}`);
    return x === 0 ? null : x;
  }

  private shiptype(dma: boolean): number | null {
    const v = this.field(S_SHIPTYPE);
    if (v === '') return null;
    if (NUMBER_RE.test(v)) {
      const x = Number(v);
      if (!Number.isInteger(x) || x < 0 || x > 255) return this.fail(S_SHIPTYPE, v, 'is not an AIS ship type 0..255');
      return x === 0 ? null : x;
    }
    if (dma) {
      const key = `t${v}`;
      const known = this.textCodes.get(key);
      if (known !== undefined) return known;
      const code = lookup(DMA_SHIP_TYPES, collapse(v));
      if (code !== undefined) {
        this.remember(key, code);
        return code;
      }
    }
    return this.fail(S_SHIPTYPE, v, 'is not a known ship type');
  }

  /** "A" / "B" for class A / B transceivers; DMA's other mobile types (e.g. "Base Station") as written. */
  private transceiver(): string | null {
    const v = this.field(S_CLASS);
    if (v === '' || v === 'Undefined' || v === 'Unknown') return null;
    if (v === 'Class A') return 'A';
    if (v === 'Class B') return 'B';
    return v;
  }
}

/** True when `parse` returned a reject rather than a row. */
export function isCsvReject(r: CsvRow | Reject): r is Reject {
  return (r as Reject).reason !== undefined;
}
