/**
 * AIS CSV fixtures: writers for the two published layouts that `ais/csv.ts`
 * reads (US MarineCadastre and Danish Maritime Authority aisdk), and a seeded
 * generator of rows, so that the same seed gives the same bytes.
 *
 * The writers follow the published files: MarineCadastre writes the AIS
 * "not available" sentinels (LAT 91, LON 181, SOG 102.3, COG 360.0, Heading
 * 511.0) and `IMO9217242`-style IMO numbers; DMA writes day-first timestamps,
 * navigational status and ship type as English text, and `Unknown` for a
 * missing IMO, callsign or destination. Their tables are kept apart from the
 * reader's on purpose, so that a round trip checks one against the other.
 */
import { Random } from './random.js';

export interface CsvFixtureRow {
  /** ms since the Unix epoch, a whole second (both layouts write whole seconds). */
  timeMs: number;
  mmsi: number;
  lat: number | null;
  lon: number | null;
  /** knots */
  speed: number | null;
  /** degrees */
  course: number | null;
  heading: number | null;
  /** ITU navigational status 0-15 */
  status: number | null;
  shipname?: string | null;
  callsign?: string | null;
  imo?: number | null;
  /** AIS ship type code */
  shiptype?: number | null;
  /** metres */
  draught?: number | null;
  destination?: string | null;
  /** Overall length and width, metres (both layouts). */
  length?: number | null;
  width?: number | null;
  /** Antenna position, metres: DMA's A, B, C, D columns (MarineCadastre has none). */
  to_bow?: number | null;
  to_stern?: number | null;
  to_port?: number | null;
  to_starboard?: number | null;
}

export const MARINECADASTRE_HEADER =
  'MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,' +
  'Length,Width,Draft,Cargo,TransceiverClass';

export const DMA_HEADER =
  '# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,' +
  'IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,' +
  'Destination,ETA,Data source type,A,B,C,D';

/** Navigational status code -> the text DMA writes. */
const DMA_STATUS = [
  'Under way using engine',
  'At anchor',
  'Not under command',
  'Restricted maneuverability',
  'Constrained by her draught',
  'Moored',
  'Aground',
  'Engaged in fishing',
  'Under way sailing',
  'Reserved for future amendment [HSC]',
  'Reserved for future amendment [WIG]',
  'Reserved for future use [11]',
  'Reserved for future use [12]',
  'Reserved for future use [13]',
  'AIS-SART',
  'Unknown value',
];

const DMA_SHIP_TYPE_BY_CODE: Record<number, string> = {
  30: 'Fishing',
  31: 'Towing',
  32: 'Towing long/wide',
  33: 'Dredging',
  34: 'Diving',
  35: 'Military',
  36: 'Sailing',
  37: 'Pleasure',
  50: 'Pilot',
  51: 'SAR',
  52: 'Tug',
  53: 'Port tender',
  54: 'Anti-pollution',
  55: 'Law enforcement',
  56: 'Spare 1',
  57: 'Spare 2',
  58: 'Medical',
  59: 'Not party to conflict',
};

/** AIS ship type code -> the category text DMA writes. */
export function dmaShipTypeText(code: number | null | undefined): string {
  if (code === null || code === undefined || code === 0 || code > 99) return 'Undefined';
  if (code < 20 || code === 38 || code === 39) return 'Reserved';
  if (code < 30) return 'WIG';
  if (code >= 40 && code < 50) return 'HSC';
  if (code >= 60 && code < 70) return 'Passenger';
  if (code >= 70 && code < 80) return 'Cargo';
  if (code >= 80 && code < 90) return 'Tanker';
  if (code >= 90) return 'Other';
  return DMA_SHIP_TYPE_BY_CODE[code];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function parts(timeMs: number): Date {
  if (!Number.isInteger(timeMs / 1000)) throw new RangeError(`CSV fixture time ${timeMs} is not a whole second`);
  const d = new Date(timeMs);
  const y = d.getUTCFullYear();
  if (!(y >= 1000 && y <= 9999)) throw new RangeError(`CSV fixture time ${timeMs} is outside years 1000-9999`);
  return d;
}

/** `2023-01-01T00:00:06` */
function mcTime(timeMs: number): string {
  const d = parts(timeMs);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  );
}

/** `31/12/2015 23:59:59` */
function dmaTime(timeMs: number): string {
  const d = parts(timeMs);
  return (
    `${pad(d.getUTCDate(), 2)}/${pad(d.getUTCMonth() + 1, 2)}/${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  );
}

/** A number as the shortest text that reads back to the same double; `na` when null. */
function num(x: number | null | undefined, na = ''): string {
  if (x === null || x === undefined) return na;
  if (!Number.isFinite(x)) throw new RangeError(`CSV fixture value ${x} is not finite`);
  return String(x);
}

/** RFC 4180 quoting where needed; `na` when null or empty. */
function text(s: string | null | undefined, na = ''): string {
  if (s === null || s === undefined || s === '') return na;
  if (/[\r\n]/.test(s)) throw new RangeError(`CSV fixture text ${JSON.stringify(s)} holds a line break`);
  if (/[",]/.test(s) || s.trim() !== s) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

function lines(header: string, rows: string[]): string {
  return rows.length === 0 ? `${header}\n` : `${header}\n${rows.join('\n')}\n`;
}

/** A MarineCadastre daily-file CSV (2018-2024 layout) of the rows. */
export function writeMarineCadastreCsv(rows: CsvFixtureRow[]): string {
  return lines(
    MARINECADASTRE_HEADER,
    rows.map((r) =>
      [
        String(r.mmsi),
        mcTime(r.timeMs),
        num(r.lat, '91.0'),
        num(r.lon, '181.0'),
        num(r.speed, '102.3'),
        num(r.course, '360.0'),
        num(r.heading, '511.0'),
        text(r.shipname),
        r.imo === null || r.imo === undefined ? '' : `IMO${pad(r.imo, 7)}`,
        text(r.callsign),
        num(r.shiptype),
        num(r.status),
        num(r.length),
        num(r.width),
        num(r.draught),
        '',
        'A',
      ].join(','),
    ),
  );
}

/** A Danish Maritime Authority aisdk CSV (26-column layout) of the rows. */
export function writeDmaCsv(rows: CsvFixtureRow[]): string {
  return lines(
    DMA_HEADER,
    rows.map((r) =>
      [
        dmaTime(r.timeMs),
        'Class A',
        String(r.mmsi),
        num(r.lat, '91.000000'),
        num(r.lon, '181.000000'),
        r.status === null ? '' : DMA_STATUS[r.status],
        '',
        num(r.speed),
        num(r.course),
        num(r.heading),
        num(r.imo, 'Unknown'),
        text(r.callsign, 'Unknown'),
        text(r.shipname),
        dmaShipTypeText(r.shiptype),
        '',
        num(r.width),
        num(r.length),
        'GPS',
        num(r.draught),
        text(r.destination, 'Unknown'),
        '',
        'AIS',
        num(r.to_bow),
        num(r.to_stern),
        num(r.to_port),
        num(r.to_starboard),
      ].join(','),
    ),
  );
}

const NAME_WORDS = [
  'ALEKSANDROVSK',
  'KASIMOV',
  'OMSK',
  'POLTAVA',
  'DIVNOGORSK',
  'ANOSOV',
  'VOLGOLES',
  'METALLURG KURCHATOV',
  'BRATSK',
  'LABINSK',
  'ST. "MARY"',
  'NORD, SUD',
  'AURORA B',
];
const DESTINATIONS = [
  'MARIEL',
  'HAVANA',
  'CASILDA',
  'NUEVITAS',
  'SEVASTOPOL',
  'ODESSA',
  'DK AAR',
  'ROTTERDAM, NL',
  'US NYC',
];
const SHIP_TYPES = [30, 31, 36, 37, 52, 60, 61, 70, 71, 79, 80, 84, 90, 99];
const CALLSIGN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

interface Vessel {
  mmsi: number;
  lat: number;
  lon: number;
  shipname: string | null;
  callsign: string | null;
  imo: number | null;
  shiptype: number | null;
  draught: number | null;
  destination: string | null;
  length: number | null;
  width: number | null;
  to_bow: number | null;
  to_stern: number | null;
  to_port: number | null;
  to_starboard: number | null;
}

const YEAR_1960 = Date.UTC(1960, 0, 1);
const YEAR_2030 = Date.UTC(2030, 0, 1);

/**
 * `n` rows of a few vessels, seeded: the same seed gives the same rows. Times
 * are whole seconds between 1960 and 2030 (before 1970 is negative), rising;
 * values are rounded as the published files round them (lat/lon 5 decimals,
 * SOG/COG/draught 1 decimal) and sometimes not available.
 */
export function csvFixtureRows(seed: number, n: number): CsvFixtureRow[] {
  const rng = new Random(seed);
  const rnd = (): number => rng.next();
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const maybe = <T>(p: number, v: T): T | null => (rnd() < p ? null : v);
  const round = (x: number, decimals: number): number => {
    const f = 10 ** decimals;
    return Math.round(x * f) / f + 0;
  };

  const vessels: Vessel[] = [];
  const count = n === 0 ? 0 : int(1, Math.min(6, n));
  for (let i = 0; i < count; i++) {
    const hasStatic = rnd() >= 0.15;
    const length = int(10, 400);
    const width = int(3, 60);
    const toBow = int(1, length - 1);
    const toPort = int(1, width - 1);
    const callsign = Array.from({ length: int(4, 7) }, () => pick([...CALLSIGN_CHARS])).join('');
    vessels.push({
      mmsi: int(201_000_000, 775_999_999),
      lat: rnd() * 160 - 80,
      lon: rnd() * 340 - 170,
      shipname: hasStatic ? maybe(0.1, pick(NAME_WORDS)) : null,
      callsign: hasStatic ? maybe(0.1, callsign) : null,
      imo: hasStatic ? maybe(0.3, int(1_000_000, 9_999_999)) : null,
      shiptype: hasStatic ? maybe(0.1, pick(SHIP_TYPES)) : null,
      draught: hasStatic ? maybe(0.2, int(1, 255) / 10) : null,
      destination: hasStatic ? maybe(0.3, pick(DESTINATIONS)) : null,
      length: hasStatic ? length : null,
      width: hasStatic ? width : null,
      to_bow: hasStatic ? toBow : null,
      to_stern: hasStatic ? length - toBow : null,
      to_port: hasStatic ? toPort : null,
      to_starboard: hasStatic ? width - toPort : null,
    });
  }

  const rows: CsvFixtureRow[] = [];
  let timeMs = YEAR_1960 + Math.floor(rnd() * ((YEAR_2030 - YEAR_1960) / 1000 - 1e7)) * 1000;
  for (let i = 0; i < n; i++) {
    const v = pick(vessels);
    timeMs += int(1, 600) * 1000;
    v.lat = Math.max(-89.9, Math.min(89.9, v.lat + (rnd() - 0.5) * 0.02));
    v.lon = v.lon + (rnd() - 0.5) * 0.02;
    if (v.lon > 180) v.lon -= 360;
    if (v.lon < -180) v.lon += 360;
    const noPosition = rnd() < 0.03;
    const r = rnd();
    rows.push({
      timeMs,
      mmsi: v.mmsi,
      lat: noPosition ? null : round(v.lat, 5),
      lon: noPosition ? null : round(v.lon, 5),
      speed: r < 0.02 ? null : r < 0.03 ? 102.2 : round(rnd() * 30, 1),
      course: maybe(0.05, round(rnd() * 359.9, 1)),
      heading: maybe(0.1, int(0, 359)),
      status: maybe(0.05, int(0, 15)),
      shipname: v.shipname,
      callsign: v.callsign,
      imo: v.imo,
      shiptype: v.shiptype,
      draught: v.draught,
      destination: v.destination,
      length: v.length,
      width: v.width,
      to_bow: v.to_bow,
      to_stern: v.to_stern,
      to_port: v.to_port,
      to_starboard: v.to_starboard,
    });
  }
  return rows;
}
