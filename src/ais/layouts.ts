/**
 * AIS message layouts, declared as data: one row per field, in transmission
 * order, with its width in bits, how to read it, its scale and its
 * "not available" value. `compile.ts` turns each layout into decoding,
 * JSON and encoding functions at load time; nothing here is executed per bit.
 *
 * Field names are gpsd's AIS JSON names (https://gpsd.io/AIVDM.html) so that
 * tools built on gpsd read Tally's output. Widths and meanings follow
 * ITU-R M.1371-5, Annex 8 (https://www.itu.int/rec/R-REC-M.1371-5-201402-I/en).
 */

export type FieldKind =
  /** unsigned integer */
  | 'uint'
  /** two's complement signed integer */
  | 'int'
  /** one bit, true when set */
  | 'bool'
  /** six-bit ASCII, `bits / 6` characters, trimmed at the first `@` and of trailing spaces */
  | 'text'
  /** rate of turn: signed 8 bits, ROT_AIS = 4.733 * sqrt(ROT deg/min); ±127 = turning fast, no indicator */
  | 'rot'
  /** not read */
  | 'spare';

export interface FieldSpec {
  name: string;
  bits: number;
  kind: FieldKind;
  /** The value is raw / scale. */
  scale?: number;
  /** Raw value meaning "not available": decoded as null. */
  na?: number;
  /**
   * Raw values the standard allows, [min, max]; another value (lat 100°,
   * heading 400) is decoded as null and the message names it in `invalid`.
   */
  valid?: [number, number];
  /** Read in the decode but not printed (parts of a derived field). */
  hidden?: boolean;
  /** Text field that takes whatever whole characters remain (up to `bits`). */
  rest?: boolean;
  /** Text appended to the named text field (type 21 name extension). */
  appendTo?: string;
}

/** A field printed from others, e.g. gpsd's `timestamp` and `eta` strings. */
export interface DerivedField {
  name: string;
  format: 'datetime' | 'eta';
  from: string[];
}

export interface MessageLayout {
  /** Key in the table: the type number, or "24A"/"24B"/"24Baux" for variants. */
  id: string;
  type: number;
  title: string;
  /** Specification section the layout comes from. */
  ref: string;
  /** Shortest payload accepted, in bits. */
  minBits: number;
  fields: FieldSpec[];
  derived?: DerivedField[];
}

const M1371 = 'ITU-R M.1371-5 Annex 8';

const u = (name: string, bits: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  bits,
  kind: 'uint',
  ...extra,
});
const i = (name: string, bits: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  bits,
  kind: 'int',
  ...extra,
});
const b = (name: string): FieldSpec => ({ name, bits: 1, kind: 'bool' });
const t = (name: string, bits: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  bits,
  kind: 'text',
  ...extra,
});
const spare = (bits: number): FieldSpec => ({ name: 'spare', bits, kind: 'spare' });

const HEADER: FieldSpec[] = [u('type', 6), u('repeat', 2), u('mmsi', 30)];

/** 1/10 000 minute positions: 181° and 91° mean not available. */
const LON = i('lon', 28, { scale: 600000, na: 181 * 600000, valid: [-180 * 600000, 180 * 600000] });
const LAT = i('lat', 27, { scale: 600000, na: 91 * 600000, valid: [-90 * 600000, 90 * 600000] });
const SOG = u('speed', 10, { scale: 10, na: 1023 });
const COG = u('course', 12, { scale: 10, na: 3600, valid: [0, 3599] });
const HDG = u('heading', 9, { na: 511, valid: [0, 359] });
const SECOND = u('second', 6, { na: 60 });
const DIMENSIONS: FieldSpec[] = [u('to_bow', 9), u('to_stern', 9), u('to_port', 6), u('to_starboard', 6)];

const POSITION_REPORT_CLASS_A: FieldSpec[] = [
  ...HEADER,
  u('status', 4),
  { name: 'turn', bits: 8, kind: 'rot', na: -128 },
  SOG,
  b('accuracy'),
  LON,
  LAT,
  COG,
  HDG,
  SECOND,
  u('maneuver', 2),
  spare(3),
  b('raim'),
  u('radio', 19),
];

const BASE_STATION_REPORT: FieldSpec[] = [
  ...HEADER,
  u('year', 14, { hidden: true }),
  u('month', 4, { hidden: true }),
  u('day', 5, { hidden: true }),
  u('hour', 5, { hidden: true }),
  u('minute', 6, { hidden: true }),
  u('second', 6, { hidden: true }),
  b('accuracy'),
  LON,
  LAT,
  u('epfd', 4),
  spare(10),
  b('raim'),
  u('radio', 19),
];
const BASE_STATION_DERIVED: DerivedField[] = [
  { name: 'timestamp', format: 'datetime', from: ['year', 'month', 'day', 'hour', 'minute', 'second'] },
];

export const LAYOUTS: MessageLayout[] = [
  ...[1, 2, 3].map((type): MessageLayout => ({
    id: String(type),
    type,
    title: 'Position report (Class A)',
    // 168 bits by the standard; some transmitters cut the radio status short. Every navigation
    // field ends by bit 149: shorter is rejected, and a radio field cut short is null.
    ref: `${M1371} §3.1 Table 45`,
    minBits: 149,
    fields: POSITION_REPORT_CLASS_A,
  })),
  {
    id: '4',
    type: 4,
    title: 'Base station report',
    ref: `${M1371} §3.2 Table 46`,
    minBits: 168,
    fields: BASE_STATION_REPORT,
    derived: BASE_STATION_DERIVED,
  },
  {
    id: '5',
    type: 5,
    title: 'Static and voyage related data',
    ref: `${M1371} §3.3 Table 48`,
    // 424 bits by the standard; many transponders send 420 (gpsd accepts them too).
    minBits: 420,
    fields: [
      ...HEADER,
      u('ais_version', 2),
      u('imo', 30),
      t('callsign', 42),
      t('shipname', 120),
      u('shiptype', 8),
      ...DIMENSIONS,
      u('epfd', 4),
      u('month', 4, { hidden: true }),
      u('day', 5, { hidden: true }),
      u('hour', 5, { hidden: true }),
      u('minute', 6, { hidden: true }),
      u('draught', 8, { scale: 10 }),
      t('destination', 120),
      u('dte', 1),
      spare(1),
    ],
    derived: [{ name: 'eta', format: 'eta', from: ['month', 'day', 'hour', 'minute'] }],
  },
  {
    id: '9',
    type: 9,
    title: 'Standard SAR aircraft position report',
    ref: `${M1371} §3.8 Table 55`,
    minBits: 168,
    fields: [
      ...HEADER,
      u('alt', 12, { na: 4095 }),
      u('speed', 10, { na: 1023 }),
      b('accuracy'),
      LON,
      LAT,
      COG,
      SECOND,
      u('regional', 8),
      u('dte', 1),
      spare(3),
      b('assigned'),
      b('raim'),
      u('radio', 20),
    ],
  },
  {
    id: '11',
    type: 11,
    title: 'UTC/date response',
    ref: `${M1371} §3.2 Table 46`,
    minBits: 168,
    fields: BASE_STATION_REPORT,
    derived: BASE_STATION_DERIVED,
  },
  {
    id: '18',
    type: 18,
    title: 'Standard Class B equipment position report',
    ref: `${M1371} §3.17 Table 67`,
    minBits: 168,
    fields: [
      ...HEADER,
      u('reserved', 8),
      SOG,
      b('accuracy'),
      LON,
      LAT,
      COG,
      HDG,
      SECOND,
      u('regional', 2),
      b('cs'),
      b('display'),
      b('dsc'),
      b('band'),
      b('msg22'),
      b('assigned'),
      b('raim'),
      u('radio', 20),
    ],
  },
  {
    id: '19',
    type: 19,
    title: 'Extended Class B equipment position report',
    ref: `${M1371} §3.18 Table 68`,
    minBits: 312,
    fields: [
      ...HEADER,
      u('reserved', 8),
      SOG,
      b('accuracy'),
      LON,
      LAT,
      COG,
      HDG,
      SECOND,
      u('regional', 4),
      t('shipname', 120),
      u('shiptype', 8),
      ...DIMENSIONS,
      u('epfd', 4),
      b('raim'),
      u('dte', 1),
      b('assigned'),
      spare(4),
    ],
  },
  {
    id: '21',
    type: 21,
    title: 'Aids-to-navigation report',
    ref: `${M1371} §3.20 Table 72`,
    minBits: 272,
    fields: [
      ...HEADER,
      u('aid_type', 5),
      t('name', 120),
      b('accuracy'),
      LON,
      LAT,
      ...DIMENSIONS,
      u('epfd', 4),
      SECOND,
      b('off_position'),
      u('regional', 8),
      b('raim'),
      b('virtual_aid'),
      b('assigned'),
      spare(1),
      t('name_ext', 88, { rest: true, hidden: true, appendTo: 'name' }),
    ],
  },
  {
    id: '24A',
    type: 24,
    title: 'Static data report, part A',
    ref: `${M1371} §3.23 Table 80`,
    minBits: 160,
    fields: [...HEADER, u('part', 2), t('shipname', 120)],
  },
  {
    id: '24B',
    type: 24,
    title: 'Static data report, part B',
    ref: `${M1371} §3.23 Table 81`,
    minBits: 168,
    fields: [
      ...HEADER,
      u('part', 2),
      u('shiptype', 8),
      t('vendorid', 18),
      u('model', 4),
      u('serial', 20),
      t('callsign', 42),
      ...DIMENSIONS,
      spare(6),
    ],
  },
  {
    // Auxiliary craft (MMSI 98MIDxxxx) give their mother ship's MMSI in place of the dimensions.
    id: '24Baux',
    type: 24,
    title: 'Static data report, part B, auxiliary craft',
    ref: `${M1371} §3.23 Table 81`,
    minBits: 168,
    fields: [
      ...HEADER,
      u('part', 2),
      u('shiptype', 8),
      t('vendorid', 18),
      u('model', 4),
      u('serial', 20),
      t('callsign', 42),
      u('mothership_mmsi', 30),
      spare(6),
    ],
  },
  {
    id: '27',
    type: 27,
    title: 'Position report for long-range applications',
    ref: `${M1371} §3.26 Table 84`,
    minBits: 96,
    fields: [
      ...HEADER,
      b('accuracy'),
      b('raim'),
      u('status', 4),
      i('lon', 18, { scale: 600, na: 181 * 600, valid: [-180 * 600, 180 * 600] }),
      i('lat', 17, { scale: 600, na: 91 * 600, valid: [-90 * 600, 90 * 600] }),
      u('speed', 6, { na: 63 }),
      u('course', 9, { na: 511, valid: [0, 359] }),
      b('gnss'),
      spare(1),
    ],
  },
];

/** Bits every message starts with; the layout of any other type stops here. */
export const HEADER_BITS = 38;

/** Types decoded field by field; the others yield type, repeat, MMSI and their raw payload. */
export const DECODED_TYPES: readonly number[] = [1, 2, 3, 4, 5, 9, 11, 18, 19, 21, 24, 27];

/** Where a layout's type field sits: bits 38-39 of type 24 select part A or B. */
export const TYPE24_PART_BIT = 38;

export function isAuxiliaryCraft(mmsi: number): boolean {
  return mmsi >= 980000000 && mmsi <= 989999999;
}
