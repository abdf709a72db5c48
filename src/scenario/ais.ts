/**
 * Seeded vessel traffic written as AIS through the project's own encoder:
 * Class A ships (types 1/3 and 5), Class B craft (types 18 and 24), a base
 * station (type 4), each sentence with an IEC 61162-450 tag block carrying
 * receive time and station. The truth (every report as sent) comes back
 * with the lines, so tests can decode and compare.
 */
import { encodeSentences, type EncodableRecord } from '../ais/index.js';
import { DAY_MS, EARTH_RADIUS_M, HOUR_MS, KNOT_M_PER_S, MINUTE_MS } from '../util/index.js';
import { Random } from './random.js';

export interface ScenarioVessel {
  mmsi: number;
  shipname: string;
  callsign: string;
  imo: number;
  shiptype: number;
  classB: boolean;
  to_bow: number;
  to_stern: number;
  to_port: number;
  to_starboard: number;
  draught: number;
  destination: string;
}

export interface AisScenarioOptions {
  seed: number;
  vessels: number;
  /** Start time, ms since the epoch (negative before 1970). */
  start: number;
  durationMs: number;
  /** Time between position reports of one vessel. */
  reportIntervalMs: number;
  /** Time between static reports (type 5, 24) of one vessel. */
  staticIntervalMs: number;
  /** Area the vessels start in: [west, south, east, north] degrees. */
  bbox: [number, number, number, number];
  /** Receiving stations named in the tag blocks. */
  stations: string[];
  /** Base station MMSI reporting every `baseIntervalMs` (0: none). */
  baseStation: number;
  baseIntervalMs: number;
}

export const DEFAULT_AIS_SCENARIO: AisScenarioOptions = {
  seed: 1962,
  vessels: 12,
  start: Date.UTC(1962, 10, 7, 0, 0, 0),
  durationMs: 6 * HOUR_MS,
  reportIntervalMs: MINUTE_MS,
  staticIntervalMs: 6 * MINUTE_MS,
  // Florida Straits and the waters north of Cuba.
  bbox: [-84.5, 22.2, -79.0, 24.4],
  stations: ['rKEYWEST', 'rHAVANA'],
  baseStation: 3669702,
  baseIntervalMs: 10 * MINUTE_MS,
};

/** One report as sent: the record the encoder was given, its time and station. */
export interface SentReport {
  time: number;
  station: string;
  record: EncodableRecord;
}

const NAMES = [
  'ALEKSANDROVSK',
  'DIVNOGORSK',
  'METALLURG ANOSOV',
  'VOLGOLES',
  'LABINSK',
  'FIZIK KURCHATOV',
  'BRATSK',
  'IVAN POLZUNOV',
  'OMSK',
  'POLTAVA',
  'KIMOVSK',
  'ANOSOV',
  'BARRY',
  'VESOLE',
  'LEARY',
  'BLANDY',
  'DUPONT',
  'BIDDLE',
  'NORFOLK',
  'CHARLES P CECIL',
];
const DESTINATIONS = ['MARIEL', 'HAVANA', 'CASILDA', 'NUEVITAS', 'ODESSA', 'SEVASTOPOL', 'NORFOLK', 'KEY WEST'];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function makeVessel(rng: Random, k: number): ScenarioVessel {
  const classB = rng.chance(0.25);
  const mid = rng.pick([273, 338, 366, 323, 636]);
  const mmsi = mid * 1_000_000 + rng.int(0, 999_999);
  const base = NAMES[k % NAMES.length];
  const shipname = k < NAMES.length ? base : `${base} ${Math.floor(k / NAMES.length) + 1}`;
  let callsign = '';
  for (let c = 0; c < 4; c++) callsign += LETTERS[rng.int(0, 25)];
  const length = classB ? rng.int(8, 25) : rng.int(60, 180);
  const beam = Math.max(3, Math.round(length / rng.range(5, 8)));
  const toBow = Math.round(length * rng.range(0.5, 0.8));
  const toPort = Math.round(beam / 2);
  return {
    mmsi,
    shipname: shipname.slice(0, 20),
    callsign,
    imo: classB ? 0 : rng.int(5_000_000, 9_999_999),
    shiptype: classB ? rng.pick([36, 37]) : rng.pick([70, 71, 79, 80, 35]),
    classB,
    to_bow: toBow,
    to_stern: length - toBow,
    to_port: toPort,
    to_starboard: beam - toPort,
    draught: classB ? 0 : Math.round(rng.range(4, 9) * 10) / 10,
    destination: classB ? '' : rng.pick(DESTINATIONS),
  };
}

/** Degrees quantised to the AIS resolution (1/10 000 minute), so that decoding gives them back exactly. */
const q = (deg: number): number => Math.round(deg * 600000) / 600000;

/** Where a vessel is and what it does between its reports (dead reckoning). */
interface VesselState {
  lat: number;
  lon: number;
  speed: number;
  course: number;
  status: number;
  /** Time of its next position report and next static report. */
  next: number;
  nextStatic: number;
  /** Time of its last report of either kind. */
  last: number;
}

/**
 * Lines of the scenario's AIS log, in receive order, with the reports that
 * produced them. Lazily produced: a feed of millions of lines never sits in
 * memory as a whole.
 */
export function* aisScenario(
  options: Partial<AisScenarioOptions> = {},
): Generator<{ lines: string[]; sent: SentReport }> {
  const o = { ...DEFAULT_AIS_SCENARIO, ...options };
  const rng = new Random(o.seed);
  const vessels = Array.from({ length: o.vessels }, (_, k) => makeVessel(rng, k));
  const [w, s, e, n] = o.bbox;
  const state: VesselState[] = vessels.map((v) => ({
    lat: rng.range(s, n),
    lon: rng.range(w, e),
    speed: v.classB ? rng.range(0, 8) : rng.range(6, 16),
    course: rng.range(0, 360),
    status: 0,
    // Stagger the vessels so their reports interleave.
    next: o.start + rng.int(0, Math.max(0, o.reportIntervalMs - 1)),
    nextStatic: o.start + rng.int(0, Math.max(0, o.staticIntervalMs - 1)),
    last: o.start,
  }));
  let nextBase = o.baseStation && o.baseIntervalMs ? o.start : Infinity;
  let seq = 0;
  const end = o.start + o.durationMs;
  while (true) {
    // The next event: the earliest due vessel report or base station report.
    let best = -1;
    let bestTime = nextBase;
    let isStatic = false;
    for (let k = 0; k < state.length; k++) {
      if (state[k].next < bestTime) {
        bestTime = state[k].next;
        best = k;
        isStatic = false;
      }
      if (state[k].nextStatic < bestTime) {
        bestTime = state[k].nextStatic;
        best = k;
        isStatic = true;
      }
    }
    if (bestTime >= end) return;
    const station = rng.pick(o.stations);
    const channel = rng.chance(0.5) ? 'A' : 'B';
    if (best < 0) {
      const record = baseStationReport(o.baseStation, bestTime);
      yield {
        lines: encodeSentences(record, { time: bestTime, station, channel }),
        sent: { time: bestTime, station, record },
      };
      nextBase += o.baseIntervalMs;
      continue;
    }
    const v = vessels[best];
    const st = state[best];
    deadReckon(st, v, bestTime, rng);
    let records: EncodableRecord[];
    if (isStatic) {
      st.nextStatic += o.staticIntervalMs;
      records = staticReports(v, bestTime);
    } else {
      st.next += o.reportIntervalMs;
      records = [positionReport(v, st, bestTime, rng)];
    }
    for (const record of records) {
      const lines = encodeSentences(record, { time: bestTime, station, channel, sequence: seq });
      if (lines.length > 1) seq = (seq + 1) % 10;
      yield { lines, sent: { time: bestTime, station, record } };
    }
  }
}

/** The base station's report (type 4): its UTC time and its position at Key West. */
function baseStationReport(mmsi: number, time: number): EncodableRecord {
  const d = new Date(time);
  return {
    type: 4,
    repeat: 0,
    mmsi,
    timestamp: d.toISOString().slice(0, 19) + 'Z',
    accuracy: true,
    lon: q(-81.8),
    lat: q(24.55),
    epfd: 7,
    raim: false,
    radio: 0,
  };
}

/** Dead reckoning since the vessel's last report, then a small random change of course and speed. */
function deadReckon(st: VesselState, v: ScenarioVessel, t: number, rng: Random): void {
  const dt = (t - st.last) / 1000;
  const dist = st.speed * KNOT_M_PER_S * dt;
  const crs = (st.course * Math.PI) / 180;
  st.lat += ((dist * Math.cos(crs)) / EARTH_RADIUS_M) * (180 / Math.PI);
  st.lon += ((dist * Math.sin(crs)) / (EARTH_RADIUS_M * Math.cos((st.lat * Math.PI) / 180))) * (180 / Math.PI);
  if (st.lat > 89 || st.lat < -89) st.course = (180 - st.course + 360) % 360;
  if (st.lon > 180) st.lon -= 360;
  if (st.lon < -180) st.lon += 360;
  st.last = t;
  st.course = (st.course + rng.normal() * 3 + 360) % 360;
  st.speed = Math.max(0, Math.min(v.classB ? 12 : 20, st.speed + rng.normal() * 0.2));
  st.status = st.speed < 0.5 ? 1 : 0;
}

/** Static and voyage data: type 5 for Class A (ETA two days on), type 24 parts A and B for Class B. */
function staticReports(v: ScenarioVessel, t: number): EncodableRecord[] {
  const dims = { to_bow: v.to_bow, to_stern: v.to_stern, to_port: v.to_port, to_starboard: v.to_starboard };
  if (v.classB)
    return [
      { type: 24, repeat: 0, mmsi: v.mmsi, part: 0, shipname: v.shipname },
      {
        type: 24,
        repeat: 0,
        mmsi: v.mmsi,
        part: 1,
        shiptype: v.shiptype,
        vendorid: 'TLY',
        model: 1,
        serial: v.mmsi % 1_000_000,
        callsign: v.callsign,
        ...dims,
      },
    ];
  return [
    {
      type: 5,
      repeat: 0,
      mmsi: v.mmsi,
      ais_version: 0,
      imo: v.imo,
      callsign: v.callsign,
      shipname: v.shipname,
      shiptype: v.shiptype,
      ...dims,
      epfd: 1,
      eta: etaOf(t + 2 * DAY_MS),
      draught: v.draught,
      destination: v.destination,
      dte: 0,
    },
  ];
}

/** A position report: type 18 for Class B, type 1 (or 3, one in five) for Class A. */
function positionReport(v: ScenarioVessel, st: VesselState, t: number, rng: Random): EncodableRecord {
  const heading = Math.round(st.course) % 360;
  if (v.classB)
    return {
      type: 18,
      repeat: 0,
      mmsi: v.mmsi,
      reserved: 0,
      speed: Math.round(st.speed * 10) / 10,
      accuracy: false,
      lon: q(st.lon),
      lat: q(st.lat),
      course: (Math.round(st.course * 10) / 10) % 360,
      heading,
      second: new Date(t).getUTCSeconds(),
      regional: 0,
      cs: true,
      display: false,
      dsc: true,
      band: true,
      msg22: true,
      assigned: false,
      raim: false,
      radio: 0,
    };
  return {
    type: rng.chance(0.8) ? 1 : 3,
    repeat: 0,
    mmsi: v.mmsi,
    status: st.status,
    turn: 0,
    speed: Math.round(st.speed * 10) / 10,
    accuracy: false,
    lon: q(st.lon),
    lat: q(st.lat),
    course: (Math.round(st.course * 10) / 10) % 360,
    heading,
    second: new Date(t).getUTCSeconds(),
    maneuver: 0,
    raim: false,
    radio: 0,
  };
}

function etaOf(ms: number): string {
  const d = new Date(ms);
  const p = (x: number): string => String(x).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}Z`;
}

/** The whole log as text, and the reports as sent (for tests and the demo). */
export function aisScenarioText(options: Partial<AisScenarioOptions> = {}): { text: string; sent: SentReport[] } {
  const lines: string[] = [];
  const sent: SentReport[] = [];
  for (const item of aisScenario(options)) {
    lines.push(...item.lines);
    sent.push(item.sent);
  }
  return { text: lines.join('\n') + '\n', sent };
}
