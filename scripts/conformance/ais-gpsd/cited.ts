/** What the comparison leaves aside or accepts: gpsd's not-available sentinels, and the differences cited as errors of a reference, each with its proof. */
import { Json } from './types.js';

export const SUPPORTED = new Set([1, 2, 3, 4, 5, 9, 11, 18, 19, 21, 24, 27]);

/** gpsd fields that are not message fields, or text legends of a code Tally prints as a number. */
export const GPSD_IGNORED = new Set(['class', 'device', 'scaled']);
export const isLegend = (f: string): boolean => f.endsWith('_text');

/** Tally fields that are not decoded message fields. */
export const TALLY_META = new Set(['time', 'station', 'payload', 'bits']);

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
export const EQUIVALENTS: { types: number[]; field: string; gpsd: Json; tally: Json }[] = [
  { types: [1, 2, 3], field: 'speed', gpsd: 'fast', tally: 102.2 },
];

export function isSentinel(type: number, field: string, v: Json | undefined): boolean {
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
export function citedField(c: CitedDifference, field: string): boolean {
  if (c.id === 'libais-sixbit-table')
    return ['name', 'shipname', 'callsign', 'destination', 'vendorid'].includes(field);
  return c.field === field;
}
