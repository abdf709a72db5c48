/**
 * Traffic scenarios for the track stage (port visits, encounters, dark
 * periods, loitering, cleaning), each with the answer the engine must give:
 *
 * - known-answer scenarios (`trafficScenario(name)`): a few vessels written
 *   as AIS (types 1/3/18 positions, 5/24 statics, tag blocks with receive
 *   time and station) through the project's encoder, with port and zone
 *   polygons and the events expected and not expected under DEFAULT_PARAMS;
 * - `randomTraffic`: dense seeded traffic in a small area, as position
 *   columns, for checking the fast path against a brute-force reference.
 *
 * Motion is dead reckoning on the sphere the engine uses (haversine,
 * R = 6,371,008.8 m); positions are quantised to the AIS resolution
 * (1/600 000 degree) and speeds and courses rounded as AIS carries them
 * (0.1 kn, 0.1 degree). The same seed gives the same bytes.
 */
import { encodeSentences, type EncodableRecord } from '../ais/index.js';
import type { PositionColumns } from '../ais/index.js';
import type { EventKind } from '../tracks/index.js';
import { Random } from './random.js';
import { wrapLon as normLon } from '../tracks/index.js';
import { EARTH_RADIUS_M, haversineM, HOUR_MS, KNOT_M_PER_S, MINUTE_MS, DAY_MS } from '../util/index.js';

// The sphere and its distances are the track stage's own: the scenarios are measured as they will be judged.
export { EARTH_RADIUS_M, haversineM } from '../util/index.js';
export { wrapLon as normLon } from '../tracks/index.js';
const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

export interface LatLon {
  lat: number;
  lon: number;
}

export function distanceM(a: LatLon, b: LatLon): number {
  return haversineM(a.lat, a.lon, b.lat, b.lon);
}

/** Initial bearing from a to b, degrees [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const p1 = a.lat * D2R;
  const p2 = b.lat * D2R;
  const dl = (b.lon - a.lon) * D2R;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return (((Math.atan2(y, x) * R2D) % 360) + 360) % 360;
}

/** The point `distM` metres from `p` along the great circle leaving it at `bearing` degrees (negative: backwards). */
export function destination(p: LatLon, bearing: number, distM: number): LatLon {
  const d = distM / EARTH_RADIUS_M;
  const t = bearing * D2R;
  const p1 = p.lat * D2R;
  const sinP2 = Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(t);
  const p2 = Math.asin(Math.max(-1, Math.min(1, sinP2)));
  const l2 = p.lon * D2R + Math.atan2(Math.sin(t) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * sinP2);
  return { lat: p2 * R2D, lon: normLon(l2 * R2D) };
}

/** The point a fraction `f` of the way from a to b along the great circle. */
export function intermediate(a: LatLon, b: LatLon, f: number): LatLon {
  const d = distanceM(a, b);
  if (d === 0) return { lat: a.lat, lon: a.lon };
  return destination(a, bearingDeg(a, b), d * f);
}

/** Degrees quantised to the AIS resolution (1/10 000 minute), so that decoding gives them back exactly. */
export function quantAis(deg: number): number {
  return Math.round(deg * 600000) / 600000;
}

/** A position as a function of time (ms since the epoch). */
export type Path = (t: number) => LatLon;

/** Standing still. */
export function still(p: LatLon): Path {
  return () => ({ lat: p.lat, lon: p.lon });
}

/** Dead reckoning from `p` at time `t0` along a great circle at constant speed (before t0: backwards). */
export function drift(p: LatLon, t0: number, course: number, knots: number): Path {
  return (t) => destination(p, course, (knots * KNOT_M_PER_S * (t - t0)) / 1000);
}

/** From a at t0 to b at t1 along the great circle at constant speed; held at either end outside [t0, t1]. */
export function goTo(a: LatLon, b: LatLon, t0: number, t1: number): Path {
  const d = distanceM(a, b);
  const brg = d === 0 ? 0 : bearingDeg(a, b);
  return (t) => {
    const f = t <= t0 ? 0 : t >= t1 ? 1 : (t - t0) / (t1 - t0);
    if (f === 1) return { lat: b.lat, lon: b.lon };
    return destination(a, brg, d * f);
  };
}

/** A path kept at a bearing and distance (each constant or a function of time) from another. */
export function offset(
  base: Path,
  bearing: number | ((t: number) => number),
  distM: number | ((t: number) => number),
): Path {
  return (t) =>
    destination(
      base(t),
      typeof bearing === 'number' ? bearing : bearing(t),
      typeof distM === 'number' ? distM : distM(t),
    );
}

/** Pieces in time order: each [start time, path] holds from its start until the next piece's. */
export function piecewise(parts: [number, Path][]): Path {
  return (t) => {
    let k = 0;
    while (k + 1 < parts.length && t >= parts[k + 1][0]) k++;
    return parts[k][1](t);
  };
}

/**
 * Waypoint route from `p` at `t0`: each leg a great circle at its speed
 * (knots); a leg with `holdMs` stays put that long instead. Returns the path
 * (held at the last point after the end), the end time and the end point.
 */
export function route(
  p: LatLon,
  t0: number,
  legs: ({ to: LatLon; knots: number } | { holdMs: number })[],
): { path: Path; end: number; at: LatLon } {
  const parts: [number, Path][] = [];
  let at = p;
  let t = t0;
  for (const leg of legs) {
    if ('holdMs' in leg) {
      parts.push([t, still(at)]);
      t += leg.holdMs;
      continue;
    }
    const dt = Math.round((distanceM(at, leg.to) / (leg.knots * KNOT_M_PER_S)) * 1000);
    parts.push([t, goTo(at, leg.to, t, t + dt)]);
    t += dt;
    at = leg.to;
  }
  parts.push([t, still(at)]);
  return { path: piecewise(parts), end: t, at };
}

/** Speed (knots) and course (degrees) of a path at t, by a central difference over ±`h` ms. */
export function velocity(path: Path, t: number, h = 5000): { knots: number; course: number } {
  const a = path(t - h);
  const b = path(t + h);
  const d = distanceM(a, b);
  return { knots: d / ((2 * h) / 1000) / KNOT_M_PER_S, course: d < 1e-3 ? NaN : bearingDeg(a, b) };
}

/** Ray-casting point in polygon (one ring, degrees, no antimeridian crossing). */
export function inRing(ring: readonly (readonly number[])[], lat: number, lon: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// ---------------------------------------------------------------------------
// Known-answer scenarios for the track stage.
// ---------------------------------------------------------------------------

export interface GeoFeature {
  type: 'Feature';
  properties: { name: string; [k: string]: unknown };
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
}

export interface GeoCollection {
  type: 'FeatureCollection';
  features: GeoFeature[];
}

/** An event the track engine must find, with how far its times may be off. */
export interface ExpectedEvent {
  kind: EventKind;
  /** One vessel, or two (ascending) for an encounter. */
  mmsi: number[];
  startMs: number;
  endMs: number;
  /** ISO 8601 UTC of startMs / endMs, for people reading expected.json. */
  start: string;
  end: string;
  /** The engine's start and end may each differ from these by up to this much. */
  toleranceMs: number;
  /** Port visits. */
  port?: string;
  departed?: boolean;
  /** Approximate mean position, and how far the engine's may be from it. */
  lat?: number;
  lon?: number;
  positionToleranceM?: number;
  /** Dark periods: the last report before and the first after the silence, exactly as sent. */
  last?: { timeMs: number; time: string; lat: number; lon: number };
  first?: { timeMs: number; time: string; lat: number; lon: number };
  /** Dark periods: great-circle distance between last and first, metres. */
  distanceM?: number;
  note: string;
}

/** An event the engine must not report, and why not. */
export interface NotExpectedEvent {
  kind: EventKind;
  mmsi: number[];
  /** Port visits: only a visit to this port must be absent. */
  port?: string;
  why: string;
}

/** A report the cleaning must flag (one of POSITION_FLAGS). */
export interface ExpectedFlag {
  mmsi: number;
  timeMs: number;
  time: string;
  flag: 'jump';
  lat: number;
  lon: number;
  why: string;
}

export interface ScenarioVesselInfo {
  mmsi: number;
  shipname: string;
  classB: boolean;
  role: string;
}

export interface TrafficScenario {
  name: string;
  description: string;
  /** First and last report time, ms. */
  startMs: number;
  endMs: number;
  /** AIVDM lines with tag blocks (c: receive time, s: station), in receive order, newline-terminated. */
  nmea: string;
  ports: GeoCollection;
  zone: GeoCollection;
  vessels: ScenarioVesselInfo[];
  expected: ExpectedEvent[];
  notExpected: NotExpectedEvent[];
  expectedFlags: ExpectedFlag[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** Monday 11 March 2024, 00:00 UTC: the day the scenarios happen on. */
export const SCENARIO_DAY = Date.UTC(2024, 2, 11);
/** Default start/end tolerance of an event on the 10-minute grid. */
const SLOT_TOLERANCE = 15 * MINUTE_MS;

export function boxFeature(
  name: string,
  west: number,
  south: number,
  east: number,
  north: number,
  props: Record<string, unknown> = {},
): GeoFeature {
  return {
    type: 'Feature',
    properties: { name, ...props },
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [west, south],
          [east, south],
          [east, north],
          [west, north],
          [west, south],
        ],
      ],
    },
  };
}

const collection = (features: GeoFeature[]): GeoCollection => ({ type: 'FeatureCollection', features });

/** A port polygon: a box of about `halfM` metres around a point. */
function portBox(name: string, lat: number, lon: number, halfM = 1500): GeoFeature {
  const dLat = halfM / 111_195;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  const r = (x: number): number => Math.round(x * 1e6) / 1e6;
  return boxFeature(name, r(lon - dLon), r(lat - dLat), r(lon + dLon), r(lat + dLat));
}

interface Vessel {
  mmsi: number;
  shipname: string;
  callsign: string;
  imo: number;
  shiptype: number;
  classB: boolean;
  length: number;
  beam: number;
  draught: number;
  destination: string;
  role: string;
}

interface Track {
  vessel: Vessel;
  path: Path;
  /** Report times, ms (whole seconds), rising. */
  times: number[];
  /** Reports sent from elsewhere than the path: time -> position (spoofing). */
  spoofed?: Map<number, LatLon>;
  /** Navigational status at t (class A), default: 0 under way, 5 moored / 1 at anchor when still. */
  status?: (t: number) => number;
}

/** One scenario under construction: vessels, their paths and report times, then the NMEA. */
class Builder {
  readonly rng: Random;
  readonly tracks: Track[] = [];
  private count = 0;

  constructor(
    seed: number,
    private readonly mmsiBase: number,
    private readonly stations: string[],
  ) {
    this.rng = new Random(seed);
  }

  vessel(
    role: string,
    shipname: string,
    opts: { classB?: boolean; shiptype?: number; destination?: string } = {},
  ): Vessel {
    const rng = this.rng;
    const classB = opts.classB ?? false;
    const k = ++this.count;
    let callsign = '';
    for (let c = 0; c < 5; c++) callsign += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[rng.int(0, 25)];
    const length = classB ? rng.int(10, 24) : rng.int(80, 220);
    return {
      mmsi: this.mmsiBase + k,
      shipname,
      callsign,
      imo: classB ? 0 : rng.int(9_000_000, 9_899_999),
      shiptype: opts.shiptype ?? (classB ? 30 : 70),
      classB,
      length,
      beam: Math.max(4, Math.round(length / 6.5)),
      draught: classB ? 0 : Math.round(rng.range(5, 11) * 10) / 10,
      destination: opts.destination ?? '',
      role,
    };
  }

  /** Whole-second report times from t0 to t1 (inclusive of t0), intervals uniform in [minS, maxS] seconds. */
  times(t0: number, t1: number, minS: number, maxS: number, skip?: [number, number]): number[] {
    const out: number[] = [];
    let t = Math.round(t0 / 1000) * 1000;
    while (t <= t1) {
      if (!skip || t <= skip[0] || t >= skip[1]) out.push(t);
      t += this.rng.int(minS, maxS) * 1000;
    }
    if (skip) {
      // The silence starts at a report and ends at one.
      if (!out.includes(skip[0])) out.push(skip[0]);
      if (!out.includes(skip[1])) out.push(skip[1]);
      out.sort((a, b) => a - b);
    }
    return out;
  }

  add(track: Track): Track {
    this.tracks.push(track);
    return track;
  }

  /** The position a report at t carries (as sent: quantised). */
  static sentPosition(track: Track, t: number): LatLon {
    const p = track.spoofed?.get(t) ?? track.path(t);
    return { lat: quantAis(p.lat), lon: quantAis(normLon(p.lon)) };
  }

  nmea(): string {
    const rng = this.rng;
    interface Item {
      time: number;
      order: number;
      record: EncodableRecord;
    }
    const items: Item[] = [];
    this.tracks.forEach((track, ti) => {
      const v = track.vessel;
      let lastCourse = 0;
      let nextStatic = -Infinity;
      track.times.forEach((t, k) => {
        const order = ti * 1_000_000 + k * 4;
        if (t >= nextStatic) {
          nextStatic = t + HOUR_MS;
          staticRecords(v, t).forEach((record, j) => items.push({ time: t, order: order + j, record }));
        }
        const p = Builder.sentPosition(track, t);
        const vel = velocity(track.path, t);
        const knots = Math.min(102.2, Math.round(vel.knots * 10) / 10);
        if (Number.isFinite(vel.course) && vel.knots >= 0.05) lastCourse = vel.course;
        const course = knots === 0 ? null : (Math.round(lastCourse * 10) / 10) % 360;
        const heading = Math.round(lastCourse) % 360;
        const second = new Date(t).getUTCSeconds();
        const status = track.status ? track.status(t) : vel.knots < 0.05 ? 5 : 0;
        const record: EncodableRecord = v.classB
          ? {
              type: 18,
              repeat: 0,
              mmsi: v.mmsi,
              reserved: 0,
              speed: knots,
              accuracy: false,
              lon: p.lon,
              lat: p.lat,
              course,
              heading,
              second,
              regional: 0,
              cs: true,
              display: false,
              dsc: true,
              band: true,
              msg22: true,
              assigned: false,
              raim: false,
              radio: 0,
            }
          : {
              type: rng.chance(0.2) ? 3 : 1,
              repeat: 0,
              mmsi: v.mmsi,
              status,
              turn: 0,
              speed: knots,
              accuracy: false,
              lon: p.lon,
              lat: p.lat,
              course,
              heading,
              second,
              maneuver: 0,
              raim: false,
              radio: 0,
            };
        items.push({ time: t, order: order + 3, record });
      });
    });
    items.sort((a, b) => a.time - b.time || a.order - b.order);
    const lines: string[] = [];
    let seq = 0;
    for (const it of items) {
      const ls = encodeSentences(it.record, {
        time: it.time,
        station: rng.pick(this.stations),
        channel: rng.chance(0.5) ? 'A' : 'B',
        sequence: seq,
      });
      if (ls.length > 1) seq = (seq + 1) % 10;
      for (const l of ls) lines.push(l);
    }
    return lines.join('\n') + '\n';
  }

  info(): ScenarioVesselInfo[] {
    return this.tracks.map((t) => ({
      mmsi: t.vessel.mmsi,
      shipname: t.vessel.shipname,
      classB: t.vessel.classB,
      role: t.vessel.role,
    }));
  }

  span(): [number, number] {
    let a = Infinity;
    let b = -Infinity;
    for (const t of this.tracks) {
      if (t.times.length === 0) continue;
      a = Math.min(a, t.times[0]);
      b = Math.max(b, t.times[t.times.length - 1]);
    }
    return [a, b];
  }
}

function staticRecords(v: Vessel, t: number): EncodableRecord[] {
  const toBow = Math.round(v.length * 0.6);
  const toPort = Math.floor(v.beam / 2);
  const dims = { to_bow: toBow, to_stern: v.length - toBow, to_port: toPort, to_starboard: v.beam - toPort };
  if (v.classB) {
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
  }
  const eta = new Date(t + 2 * DAY_MS);
  const p = (x: number): string => String(x).padStart(2, '0');
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
      eta: `${p(eta.getUTCMonth() + 1)}-${p(eta.getUTCDate())}T${p(eta.getUTCHours())}:00Z`,
      draught: v.draught,
      destination: v.destination,
      dte: 0,
    },
  ];
}

/** One vessel of a meeting other than the first: where it stays relative to the first. */
interface Companion {
  bearing: number | ((t: number) => number);
  distM: number | ((t: number) => number);
  /** Bearing (from its place at t0) it comes from, and (from its place at t1) it leaves towards; default: away from the first vessel. */
  from?: number;
  to?: number;
}

interface MeetingSpec {
  /** The first vessel's position at t0. */
  centre: LatLon;
  /** The companions hold their places from t0 to t1. */
  t0: number;
  t1: number;
  course: number;
  knots: number;
  /** The first vessel arrives this long before t0 and leaves this long after t1 (default 15 min). */
  leadMs?: number;
  approachMs?: number;
  approachKnots?: number;
  from: number;
  to: number;
  companions: Companion[];
}

/**
 * Vessels that meet: the first comes in at speed, drifts (dead reckoning at
 * `knots` on `course`) from t0 - lead to t1 + lead, and leaves; each
 * companion comes in at speed to its place, holds it relative to the first
 * from t0 to t1, and leaves. Outside [t0, t1] the companions are moving at
 * `approachKnots`, so the close period starts and ends within a minute or two
 * of t0 and t1.
 */
function meeting(s: MeetingSpec): { paths: Path[]; start: number; end: number; base: Path } {
  const lead = s.leadMs ?? 15 * MINUTE_MS;
  const appMs = s.approachMs ?? HOUR_MS;
  const appM = ((s.approachKnots ?? 11) * KNOT_M_PER_S * appMs) / 1000;
  const base = drift(s.centre, s.t0, s.course, s.knots);
  const a0 = s.t0 - lead;
  const a1 = s.t1 + lead;
  const A0 = base(a0);
  const A1 = base(a1);
  const W = destination(A0, s.from, appM);
  const E = destination(A1, s.to, appM);
  const first = piecewise([
    [a0 - appMs, goTo(W, A0, a0 - appMs, a0)],
    [a0, base],
    [a1, goTo(A1, E, a1, a1 + appMs)],
  ]);
  const paths = [first];
  for (const c of s.companions) {
    const f = offset(base, c.bearing, c.distM);
    const F0 = f(s.t0);
    const F1 = f(s.t1);
    const bAt = (t: number): number => (typeof c.bearing === 'number' ? c.bearing : c.bearing(t));
    const Wk = destination(F0, c.from ?? bAt(s.t0), appM);
    const Ek = destination(F1, c.to ?? bAt(s.t1), appM);
    paths.push(
      piecewise([
        [s.t0 - appMs, goTo(Wk, F0, s.t0 - appMs, s.t0)],
        [s.t0, f],
        [s.t1, goTo(F1, Ek, s.t1, s.t1 + appMs)],
      ]),
    );
  }
  return { paths, start: Math.min(a0, s.t0) - appMs, end: Math.max(a1, s.t1) + appMs, base };
}

const pairOf = (a: number, b: number): number[] => (a < b ? [a, b] : [b, a]);

function encounterExpected(a: Vessel, b: Vessel, t0: number, t1: number, mid: LatLon, note: string): ExpectedEvent {
  return {
    kind: 'encounter',
    mmsi: pairOf(a.mmsi, b.mmsi),
    startMs: t0,
    endMs: t1,
    start: iso(t0),
    end: iso(t1),
    toleranceMs: SLOT_TOLERANCE,
    lat: Math.round(mid.lat * 1e5) / 1e5,
    lon: Math.round(mid.lon * 1e5) / 1e5,
    positionToleranceM: 1500,
    note,
  };
}

/** Midpoint of two paths at the middle of [t0, t1]. */
function midOf(p: Path, q: Path, t0: number, t1: number): LatLon {
  const t = (t0 + t1) / 2;
  return intermediate(p(t), q(t), 0.5);
}

/** First time in [a, b] at which `inside` changes, to the second (bisection; assumes one change). */
function crossing(path: Path, ring: number[][], a: number, b: number): number {
  const ins = (t: number): boolean => {
    const p = path(t);
    return inRing(ring, p.lat, p.lon);
  };
  const ia = ins(a);
  if (ins(b) === ia) throw new Error('crossing: no change of side in the interval');
  while (b - a > 1000) {
    const m = Math.round((a + b) / 2000) * 1000;
    if (m <= a || m >= b) break;
    if (ins(m) === ia) a = m;
    else b = m;
  }
  return b;
}

/** Reports inside a ring: the first and last report times of a run containing t. */
function reportRun(track: Track, ring: number[][], t: number): [number, number] {
  const inside = track.times.map((x) => {
    const p = Builder.sentPosition(track, x);
    return inRing(ring, p.lat, p.lon);
  });
  let k = track.times.findIndex((x) => x >= t);
  if (k < 0) k = track.times.length - 1;
  if (!inside[k]) throw new Error('reportRun: the report at t is not inside');
  let i = k;
  let j = k;
  while (i > 0 && inside[i - 1]) i--;
  while (j + 1 < inside.length && inside[j + 1]) j++;
  return [track.times[i], track.times[j]];
}

const ringOf = (f: GeoFeature): number[][] =>
  f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];

// --- the scenarios ---------------------------------------------------------

const FLORIDA_STATIONS = ['rKEYWEST', 'rHAVANA', 'rMARATHON'];
const OCEAN_STATIONS = ['sSAT-A', 'sSAT-B'];
const FLORIDA_ZONE = collection([boxFeature('FLORIDA STRAITS ZONE', -86, 21.5, -74, 26.5)]);
const FLORIDA_PORTS = [portBox('KEY WEST', 24.555, -81.79), portBox('HAVANA', 23.137, -82.345, 2500)];

function portVisit(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_011_000, FLORIDA_STATIONS);
  const S = SCENARIO_DAY;
  const E = S + 21 * HOUR_MS;
  const sierra = boxFeature('HAVANA SIERRA MAESTRA', -82.356, 23.128, -82.349, 23.136);
  const regla = boxFeature('HAVANA REGLA', -82.336, 23.122, -82.326, 23.13);
  const mariel = portBox('MARIEL', 22.99, -82.76);
  const ports = collection([sierra, regla, mariel, portBox('KEY WEST', 24.555, -81.79)]);

  // The berth shifter: moored at Sierra Maestra from the start, shifts to Regla at 04:00, stays to the end.
  const shifter = b.vessel('shifts berth between two port polygons within 6 h: never departs', 'MAR CARIBE', {
    destination: 'HAVANA',
  });
  const smBerth = { lat: 23.132, lon: -82.352 };
  const reglaBerth = { lat: 23.126, lon: -82.331 };
  const sh = route(smBerth, S, [{ holdMs: 4 * HOUR_MS }, { to: reglaBerth, knots: 3 }, { holdMs: 48 * HOUR_MS }]);
  const shTrack = b.add({ vessel: shifter, path: sh.path, times: b.times(S, E, 45, 75) });

  // The departing vessel: in from the north at 03:00, moored at Regla 200 m from the shifter's new berth, out at 13:00.
  const leaver = b.vessel('arrives, moors, departs and stays at sea', 'PUERTO PADRE', { destination: 'NASSAU' });
  const sea0 = { lat: 23.42, lon: -82.36 };
  const channel = { lat: 23.165, lon: -82.36 };
  const entrance = { lat: 23.152, lon: -82.358 };
  const lBerth = destination(reglaBerth, 90, 200);
  const tIn = S + 1 * HOUR_MS;
  const inbound = route(sea0, tIn, [
    { to: channel, knots: 12 },
    { to: entrance, knots: 6 },
    { to: lBerth, knots: 4 },
  ]);
  const tOut = S + 12 * HOUR_MS;
  const outbound = route(lBerth, tOut, [
    { to: entrance, knots: 4 },
    { to: channel, knots: 6 },
    { to: { lat: 23.6, lon: -81.9 }, knots: 12 },
    { to: { lat: 24.05, lon: -80.8 }, knots: 12 },
    { to: { lat: 24.2, lon: -80.2 }, knots: 12 },
  ]);
  const lvPath = piecewise([
    [tIn, inbound.path],
    [inbound.end, still(lBerth)],
    [tOut, outbound.path],
  ]);
  b.add({ vessel: leaver, path: lvPath, times: b.times(tIn, outbound.end, 45, 75) });

  const sr = ringOf(sierra);
  const rr = ringOf(regla);
  const shExit = crossing(sh.path, sr, S + 4 * HOUR_MS, S + 5 * HOUR_MS);
  const shEntry = crossing(sh.path, rr, shExit, S + 6 * HOUR_MS);
  const lvEntry = crossing(lvPath, rr, tIn, inbound.end);
  const lvExit = crossing(lvPath, rr, tOut, tOut + 2 * HOUR_MS);
  const [shFirst] = reportRun(shTrack, sr, S);
  const [, shLast] = reportRun(shTrack, rr, E);
  const visit = (v: Vessel, port: string, a: number, z: number, departed: boolean, note: string): ExpectedEvent => ({
    kind: 'port_visit',
    mmsi: [v.mmsi],
    port,
    departed,
    startMs: a,
    endMs: z,
    start: iso(a),
    end: iso(z),
    toleranceMs: 5 * MINUTE_MS,
    note,
  });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'port-visit',
    description:
      'Havana: a vessel arrives from sea, moors at Regla for about 9 h and departs north (one port visit, departed); ' +
      'another, moored at Sierra Maestra from the start, shifts berth to Regla at 04:00 through 1.3 km of water outside ' +
      'any port polygon and stays there (two visits, neither departed: it was back inside a port within the 6 h grace). ' +
      'The two lie 200 m apart at Regla for 7 h, slow: an encounter the 10 km port rule must exclude.',
    startMs,
    endMs,
    nmea,
    ports,
    zone: collection([boxFeature('CUBA NORTH COAST ZONE', -84, 22.5, -80, 24.6)]),
    vessels: b.info(),
    expected: [
      visit(
        shifter,
        'HAVANA SIERRA MAESTRA',
        shFirst,
        shExit,
        false,
        'in port from the first report; leaves the polygon at the boundary crossing (end ± one report interval)',
      ),
      visit(
        shifter,
        'HAVANA REGLA',
        shEntry,
        shLast,
        false,
        'entered 15 min after leaving Sierra Maestra: the shift is not a departure; still in port at the end of the data',
      ),
      visit(
        leaver,
        'HAVANA REGLA',
        lvEntry,
        lvExit,
        true,
        'entry and exit at the polygon boundary crossings; then at sea (outside every port) for more than 6 h',
      ),
    ],
    notExpected: [
      {
        kind: 'port_visit',
        mmsi: [leaver.mmsi],
        port: 'HAVANA SIERRA MAESTRA',
        why: 'it passes 1.4 km east of HAVANA SIERRA MAESTRA without entering it; no visit there',
      },
      {
        kind: 'encounter',
        mmsi: pairOf(shifter.mmsi, leaver.mmsi),
        why: 'moored 200 m apart at Regla for 7 h, but inside a port polygon (less than 10 km from port)',
      },
      { kind: 'loitering', mmsi: [leaver.mmsi], why: 'stopped only in port, within 20 nm of the Cuban shore' },
      { kind: 'dark_period', mmsi: [shifter.mmsi], why: 'reports every 45-75 s throughout' },
    ],
    expectedFlags: [],
  };
}

function encounterMidnight(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_012_000, FLORIDA_STATIONS);
  const t0 = SCENARIO_DAY + 22 * HOUR_MS + 35 * MINUTE_MS;
  const t1 = t0 + 3 * HOUR_MS;
  const bearing = (t: number): number => 20 + (90 * (t - t0)) / (t1 - t0);
  const dist = (t: number): number => 200 + 90 * Math.sin((2 * Math.PI * (t - t0)) / (100 * MINUTE_MS));
  const m = meeting({
    centre: { lat: 23.9, lon: -81.4 },
    t0,
    t1,
    course: 70,
    knots: 0.6,
    from: 250,
    to: 250,
    companions: [{ bearing, distM: dist }],
  });
  const a = b.vessel('meets B at sea across midnight', 'CASILDA STAR');
  const c = b.vessel('meets A at sea across midnight', 'OCEAN GRACE', { shiptype: 80 });
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 40, 80) });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'encounter-midnight',
    description:
      'Two vessels meet in the Florida Straits 75 km from Key West, drift under 1 kn 110-290 m apart from 22:35 to 01:35 UTC ' +
      '(across midnight), and leave at 11 kn: one encounter.',
    startMs,
    endMs,
    nmea,
    ports: collection(FLORIDA_PORTS),
    zone: FLORIDA_ZONE,
    vessels: b.info(),
    expected: [
      encounterExpected(
        a,
        c,
        t0,
        t1,
        midOf(m.paths[0], m.paths[1], t0, t1),
        'close from 22:35 to 01:35 UTC: slots 22:40 ... 01:30 (18 slots, 3 h), one encounter across the change of day',
      ),
    ],
    notExpected: [
      { kind: 'loitering', mmsi: [a.mmsi], why: 'slow for 3 h 30 min only (under 4 h)' },
      { kind: 'port_visit', mmsi: [a.mmsi], why: 'never inside a port polygon' },
    ],
    expectedFlags: [],
  };
}

function crossingPaths(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_013_000, FLORIDA_STATIONS);
  const X = { lat: 23.95, lon: -81.0 };
  const tc = SCENARIO_DAY + 9 * HOUR_MS;
  const speed = 12;
  const a = b.vessel("crosses B's path at 12 kn", 'NORTHERN LIGHT');
  const c = b.vessel("crosses A's path at 12 kn", 'SANTA CLARA');
  const pa = drift(X, tc, 90, speed);
  const pc = drift(X, tc + 45_000, 0, speed);
  b.add({ vessel: a, path: pa, times: b.times(tc - 90 * MINUTE_MS, tc + 90 * MINUTE_MS, 20, 40) });
  b.add({ vessel: c, path: pc, times: b.times(tc - 90 * MINUTE_MS, tc + 90 * MINUTE_MS, 20, 40) });
  let least = Infinity;
  let closeS = 0;
  for (let t = tc - 10 * MINUTE_MS; t <= tc + 10 * MINUTE_MS; t += 1000) {
    const d = distanceM(pa(t), pc(t));
    least = Math.min(least, d);
    if (d <= 500) closeS++;
  }
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'crossing',
    description:
      `Two vessels at ${speed} kn on courses 090 and 000 cross the same point 45 s apart (closest approach ${Math.round(least)} m, ` +
      `within 500 m for ${closeS} s): no encounter.`,
    startMs,
    endMs,
    nmea,
    ports: collection(FLORIDA_PORTS),
    zone: FLORIDA_ZONE,
    vessels: b.info(),
    expected: [],
    notExpected: [
      {
        kind: 'encounter',
        mmsi: pairOf(a.mmsi, c.mmsi),
        why: `within 500 m for about ${closeS} s (at most one 10-minute slot), both at ${speed} kn`,
      },
    ],
    expectedFlags: [],
  };
}

function shortPair(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_014_000, FLORIDA_STATIONS);
  const t0 = SCENARIO_DAY + 10 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 90 * MINUTE_MS;
  const m = meeting({
    centre: { lat: 24.05, lon: -80.6 },
    t0,
    t1,
    course: 120,
    knots: 0.5,
    from: 200,
    to: 200,
    companions: [{ bearing: 10, distM: 200 }],
  });
  const a = b.vessel('close to B for 1 h 30 min only', 'RIO CAUTO');
  const c = b.vessel('close to A for 1 h 30 min only', 'LA GOMERA');
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 40, 80) });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'short-pair',
    description:
      'Two vessels drift 200 m apart at 0.5 kn from 10:05 to 11:35 UTC (1 h 30 min) and leave: no encounter.',
    startMs,
    endMs,
    nmea,
    ports: collection(FLORIDA_PORTS),
    zone: FLORIDA_ZONE,
    vessels: b.info(),
    expected: [],
    notExpected: [
      {
        kind: 'encounter',
        mmsi: pairOf(a.mmsi, c.mmsi),
        why: 'close at slots 10:10 ... 11:30 only: 9 slots = 90 min, under 2 h',
      },
    ],
    expectedFlags: [],
  };
}

function darkPeriod(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_015_000, FLORIDA_STATIONS);
  const S = SCENARIO_DAY;
  const d = b.vessel('silent for 18 h inside the zone', 'DIVNOGORSK');
  const dPath = drift({ lat: 23.95, lon: -85.3 }, S, 90, 10);
  const dGap: [number, number] = [S + 6 * HOUR_MS, S + 24 * HOUR_MS];
  const dTrack = b.add({ vessel: d, path: dPath, times: b.times(S, S + 30 * HOUR_MS, 90, 150, dGap) });
  const e = b.vessel('silent for 11 h inside the zone (under the 12 h minimum)', 'KIMOVSK');
  const ePath = drift({ lat: 23.45, lon: -84.9 }, S, 80, 9);
  b.add({
    vessel: e,
    path: ePath,
    times: b.times(S + 1 * HOUR_MS, S + 26 * HOUR_MS, 90, 150, [S + 8 * HOUR_MS, S + 19 * HOUR_MS]),
  });
  const pos = (t: number): { timeMs: number; time: string; lat: number; lon: number } => {
    const p = Builder.sentPosition(dTrack, t);
    return { timeMs: t, time: iso(t), lat: p.lat, lon: p.lon };
  };
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'dark',
    description:
      'A vessel steaming east at 10 kn through the Florida Straits zone stops reporting at 06:00 UTC and reappears 18 h later ' +
      '180 nm further east, still inside the zone: one dark period. Another is silent for 11 h: none.',
    startMs,
    endMs,
    nmea,
    ports: collection(FLORIDA_PORTS),
    zone: FLORIDA_ZONE,
    vessels: b.info(),
    expected: [
      {
        kind: 'dark_period',
        mmsi: [d.mmsi],
        startMs: dGap[0],
        endMs: dGap[1],
        start: iso(dGap[0]),
        end: iso(dGap[1]),
        toleranceMs: 1000,
        last: pos(dGap[0]),
        first: pos(dGap[1]),
        distanceM: Math.round(distanceM(pos(dGap[0]), pos(dGap[1]))),
        note: 'silence from the last report before it to the first after it, both inside the zone; the track also splits into two segments (gap > 12 h)',
      },
    ],
    notExpected: [
      { kind: 'dark_period', mmsi: [e.mmsi], why: 'silent for 11 h, under the 12 h minimum' },
      { kind: 'encounter', mmsi: pairOf(d.mmsi, e.mmsi), why: 'never within 30 km of each other' },
    ],
    expectedFlags: [],
  };
}

function loitering(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_016_000, OCEAN_STATIONS);
  const rng = b.rng;
  const t0 = SCENARIO_DAY + 6 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 8 * HOUR_MS;
  const P0 = { lat: 25.0, lon: -60.0 };
  // Drift: 40-minute legs at 0.3-1.5 kn on random courses.
  const parts: [number, Path][] = [];
  const W = destination(P0, 270, 10 * KNOT_M_PER_S * 7200);
  parts.push([t0 - 2 * HOUR_MS, goTo(W, P0, t0 - 2 * HOUR_MS, t0)]);
  let at = P0;
  for (let t = t0; t < t1; t += 40 * MINUTE_MS) {
    const leg = drift(at, t, rng.range(0, 360), rng.range(0.3, 1.5));
    parts.push([t, leg]);
    at = leg(Math.min(t + 40 * MINUTE_MS, t1));
  }
  const E = destination(at, 90, 10 * KNOT_M_PER_S * 7200);
  parts.push([t1, goTo(at, E, t1, t1 + 2 * HOUR_MS)]);
  const l = b.vessel('drifts for 8 h in open ocean', 'ATLANTIC DAWN', { shiptype: 30 });
  const lPath = piecewise(parts);
  b.add({ vessel: l, path: lPath, times: b.times(t0 - 2 * HOUR_MS, t1 + 2 * HOUR_MS, 40, 80), status: () => 0 });
  // A second vessel 60 km north, slow for 3 h 30 min only.
  const s0 = t0 + 2 * HOUR_MS;
  const Q = destination(P0, 0, 60_000);
  const q = b.vessel('drifts for 3 h 30 min only', 'SARGASSO', { shiptype: 30 });
  const qPath = piecewise([
    [s0 - HOUR_MS, goTo(destination(Q, 180, 10 * KNOT_M_PER_S * 3600), Q, s0 - HOUR_MS, s0)],
    [s0, drift(Q, s0, 300, 0.8)],
    [
      s0 + 3.5 * HOUR_MS,
      goTo(
        drift(Q, s0, 300, 0.8)(s0 + 3.5 * HOUR_MS),
        destination(Q, 0, 30_000),
        s0 + 3.5 * HOUR_MS,
        s0 + 4.5 * HOUR_MS,
      ),
    ],
  ]);
  b.add({ vessel: q, path: qPath, times: b.times(s0 - HOUR_MS, s0 + 4.5 * HOUR_MS, 40, 80), status: () => 0 });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'loitering',
    description:
      'A vessel comes in at 10 kn, drifts at 0.3-1.5 kn for 8 h around 25N 60W (some 900 km from the nearest land) from 06:05 ' +
      'to 14:05 UTC, and leaves at 10 kn: one loitering event. Another, 60 km north, is slow for 3 h 30 min: none.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('HAMILTON', 32.29, -64.78)]),
    zone: collection([boxFeature('SARGASSO SEA ZONE', -66, 20, -54, 30)]),
    vessels: b.info(),
    expected: [
      {
        kind: 'loitering',
        mmsi: [l.mmsi],
        startMs: t0,
        endMs: t1,
        start: iso(t0),
        end: iso(t1),
        toleranceMs: SLOT_TOLERANCE,
        lat: 25.0,
        lon: -60.0,
        positionToleranceM: 10_000,
        note: 'under 2 kn from 06:05 to 14:05 UTC, hundreds of km from shore',
      },
    ],
    notExpected: [
      { kind: 'loitering', mmsi: [q.mmsi], why: 'under 2 kn for 3 h 30 min only (the minimum is 4 h)' },
      { kind: 'encounter', mmsi: pairOf(l.mmsi, q.mmsi), why: 'never within 50 km of each other' },
    ],
    expectedFlags: [],
  };
}

function irregular(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_017_000, OCEAN_STATIONS);
  const t0 = SCENARIO_DAY + 14 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 3 * HOUR_MS;
  const m = meeting({
    centre: { lat: 26.5, lon: -62.0 },
    t0,
    t1,
    course: 200,
    knots: 0.7,
    from: 30,
    to: 30,
    companions: [
      {
        bearing: (t) => 120 + 40 * Math.sin((t - t0) / HOUR_MS),
        distM: (t) => 250 + 50 * Math.cos((t - t0) / (40 * MINUTE_MS)),
      },
    ],
  });
  const a = b.vessel('meets B; reports at random intervals of 2 s to 6 min', 'KASIMOV');
  const c = b.vessel('meets A; Class B, reports at random intervals of 2 s to 6 min', 'PESCADOR', { classB: true });
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 2, 360) });
  b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 2, 360) });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'irregular',
    description:
      'Two vessels (one Class A, one Class B) reporting at random intervals of 2 s to 6 min drift 200-300 m apart at 0.7 kn ' +
      'from 14:05 to 17:05 UTC: one encounter, found through interpolation onto the 10-minute grid.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('HAMILTON', 32.29, -64.78)]),
    zone: collection([boxFeature('SARGASSO SEA ZONE', -66, 20, -54, 30)]),
    vessels: b.info(),
    expected: [
      encounterExpected(a, c, t0, t1, midOf(m.paths[0], m.paths[1], t0, t1), 'close from 14:05 to 17:05 UTC (3 h)'),
    ],
    notExpected: [{ kind: 'dark_period', mmsi: [a.mmsi], why: 'the longest silence is 6 min' }],
    expectedFlags: [],
  };
}

function antimeridian(seed: number): TrafficScenario {
  const b = new Builder(seed, 512_018_000, OCEAN_STATIONS);
  const t0 = SCENARIO_DAY + 3 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 3 * HOUR_MS;
  const m = meeting({
    centre: { lat: -35.0, lon: 179.985 },
    t0,
    t1,
    course: 90,
    knots: 0.8,
    from: 270,
    to: 90,
    companions: [{ bearing: 60, distM: 250 }],
  });
  const a = b.vessel('meets B while drifting east across 180°', 'TASMAN TRADER');
  const c = b.vessel('meets A while drifting east across 180°', 'KERMADEC', { shiptype: 80 });
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 40, 80) });
  // When each crosses 180°.
  const cross = (p: Path): number => {
    for (let t = t0 - 15 * MINUTE_MS; t <= t1 + 15 * MINUTE_MS; t += 1000) if (p(t).lon < 0) return t;
    return NaN;
  };
  const ca = cross(m.paths[0]);
  const cc = cross(m.paths[1]);
  const mid = midOf(m.paths[0], m.paths[1], t0, t1);
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'antimeridian',
    description:
      'Two vessels 250 m apart (B to the north-east of A) drift east at 0.8 kn across the 180th meridian at 35S from 03:05 to ' +
      `06:05 UTC; B crosses at ${iso(cc).slice(11, 16)}, A at ${iso(ca).slice(11, 16)}, so for a while one reports +179.99x and the ` +
      'other -179.99x: one encounter, with its mean position at the meridian (not near 0°). The zone is split at the meridian (MultiPolygon).',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox("NUKU'ALOFA", -21.135, -175.2)]),
    zone: collection([
      {
        type: 'Feature',
        properties: { name: 'KERMADEC ZONE' },
        geometry: {
          type: 'MultiPolygon',
          coordinates: [
            [
              [
                [170, -40],
                [180, -40],
                [180, -30],
                [170, -30],
                [170, -40],
              ],
            ],
            [
              [
                [-180, -40],
                [-170, -40],
                [-170, -30],
                [-180, -30],
                [-180, -40],
              ],
            ],
          ],
        },
      },
    ]),
    vessels: b.info(),
    expected: [
      encounterExpected(
        a,
        c,
        t0,
        t1,
        mid,
        'close from 03:05 to 06:05 UTC; mean position within 1.5 km of the stated one (longitude about ±180)',
      ),
    ],
    notExpected: [
      {
        kind: 'dark_period',
        mmsi: [a.mmsi],
        why: 'reports every 40-80 s; a wrong longitude difference must not be read as a jump either',
      },
    ],
    expectedFlags: [],
  };
}

function spoofedJump(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_019_000, OCEAN_STATIONS);
  const S = SCENARIO_DAY + 8 * HOUR_MS;
  const s = b.vessel('steady at 12 kn; one report spoofed 500 km away', 'VOLGOLES');
  const sPath = drift({ lat: 30.0, lon: -45.0 }, S, 60, 12);
  const times = b.times(S, S + 6 * HOUR_MS, 30, 60);
  const tSpoof = times.find((t) => t >= S + 3 * HOUR_MS)!;
  const spoofPos = destination(sPath(tSpoof), 150, 500_000);
  const sTrack = b.add({ vessel: s, path: sPath, times, spoofed: new Map([[tSpoof, spoofPos]]) });
  // A vessel drifting where the spoofed report lands.
  const x = b.vessel('drifts where the spoofed report lands', 'LABINSK');
  const xPath = drift(destination(spoofPos, 200, 150), tSpoof, 30, 0.4);
  b.add({
    vessel: x,
    path: xPath,
    times: b.times(tSpoof - 90 * MINUTE_MS, tSpoof + 90 * MINUTE_MS, 40, 80),
    status: () => 0,
  });
  const sent = Builder.sentPosition(sTrack, tSpoof);
  const k = times.indexOf(tSpoof);
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'spoofed-jump',
    description:
      'A vessel steaming at 12 kn in mid-Atlantic sends one report, at ' +
      iso(tSpoof).slice(11, 19) +
      ' UTC, placed 500 km away, ' +
      'next to a vessel drifting there; the reports either side are normal. The report is flagged as a jump; nothing else follows from it.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('PONTA DELGADA', 37.74, -25.66)]),
    zone: collection([boxFeature('MID-ATLANTIC ZONE', -55, 20, -30, 40)]),
    vessels: b.info(),
    expected: [],
    notExpected: [
      {
        kind: 'dark_period',
        mmsi: [s.mmsi],
        why: `dropping the spoofed report leaves a gap of ${(times[k + 1] - times[k - 1]) / 1000} s`,
      },
      {
        kind: 'encounter',
        mmsi: pairOf(s.mmsi, x.mmsi),
        why: 'only the spoofed report is near the drifting vessel; the real track is 500 km away',
      },
      { kind: 'loitering', mmsi: [x.mmsi], why: 'slow for 3 h only (under 4 h)' },
      { kind: 'loitering', mmsi: [s.mmsi], why: 'steady at 12 kn' },
    ],
    expectedFlags: [
      {
        mmsi: s.mmsi,
        timeMs: tSpoof,
        time: iso(tSpoof),
        flag: 'jump',
        lat: sent.lat,
        lon: sent.lon,
        why: 'implies some 20,000 kn from the report before it; the report after it, compared with the last good one, is normal and not flagged',
      },
    ],
  };
}

function borderline(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_020_000, OCEAN_STATIONS);
  const t0 = SCENARIO_DAY + 2 * HOUR_MS + 5 * MINUTE_MS;
  const expected: ExpectedEvent[] = [];
  const notExpected: NotExpectedEvent[] = [];
  let lon = -64.0;
  const pair = (label: string, distM: number, durMin: number, encounter: boolean, why: string): void => {
    const t1 = t0 + durMin * MINUTE_MS;
    const m = meeting({
      centre: { lat: 27.0, lon },
      t0,
      t1,
      course: 90,
      knots: 0.5,
      from: 180,
      to: 180,
      companions: [{ bearing: 0, distM }],
    });
    lon += 0.3;
    const a = b.vessel(`${label}: first of the pair`, `${label} A`);
    const c = b.vessel(`${label}: second of the pair, ${distM} m due north of the first`, `${label} B`);
    b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 45, 75) });
    b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 45, 75) });
    if (encounter) expected.push(encounterExpected(a, c, t0, t1, midOf(m.paths[0], m.paths[1], t0, t1), why));
    else notExpected.push({ kind: 'encounter', mmsi: pairOf(a.mmsi, c.mmsi), why });
  };
  pair('SEP480', 480, 180, true, '480 m apart for 3 h (02:05-05:05): within 500 m at 18 slots');
  pair('SEP490', 490, 180, true, '490 m apart for 3 h: within 500 m at 18 slots');
  pair('SEP510', 510, 180, false, '510 m apart for 3 h: never within 500 m');
  pair('SEP520', 520, 180, false, '520 m apart for 3 h: never within 500 m');
  pair(
    'DUR110',
    300,
    110,
    false,
    '300 m apart 02:05-03:55: close at slots 02:10 ... 03:50 = 11 slots = 110 min, under 2 h',
  );
  pair(
    'DUR120',
    300,
    120,
    true,
    '300 m apart 02:05-04:05: close at slots 02:10 ... 04:00 = 12 slots = 120 min, exactly the 2 h minimum (duration = slots x 10 min >= 2 h)',
  );
  pair('DUR130', 300, 130, true, '300 m apart 02:05-04:15: close at slots 02:10 ... 04:10 = 13 slots = 130 min');
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'borderline',
    description:
      'Seven pairs 30 km apart along 27N, each drifting east at 0.5 kn, the second vessel due north of the first. Separations ' +
      '480, 490, 510 and 520 m held for 3 h: the first two are encounters, the last two not. Separation 300 m held for 1 h 50, 2 h 00 and ' +
      '2 h 10 from 02:05 UTC, halfway between two 10-minute slots (the companions arrive and leave at 11 kn, more than 1.5 km away at ' +
      'the slots either side): 11, 12 and 13 close slots, so 2 h 00 and 2 h 10 are encounters and 1 h 50 is not.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('HAMILTON', 32.29, -64.78)]),
    zone: collection([boxFeature('SARGASSO SEA ZONE', -66, 20, -54, 30)]),
    vessels: b.info(),
    expected,
    notExpected,
    expectedFlags: [],
  };
}

function chain(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_021_000, OCEAN_STATIONS);
  const t0 = SCENARIO_DAY + 16 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 3 * HOUR_MS;
  const m = meeting({
    centre: { lat: 26.0, lon: -58.0 },
    t0,
    t1,
    course: 45,
    knots: 0.5,
    from: 270,
    to: 270,
    companions: [
      { bearing: 90, distM: 300, from: 0, to: 0 },
      { bearing: 90, distM: 600, from: 180, to: 180 },
    ],
  });
  const a = b.vessel('west end of a line of three', 'CHAIN A');
  const bb = b.vessel('middle of a line of three, 300 m from each end', 'CHAIN B');
  const c = b.vessel('east end of a line of three, Class B', 'CHAIN C', { classB: true });
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: bb, path: m.paths[1], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: c, path: m.paths[2], times: b.times(m.start, m.end, 40, 80) });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'chain',
    description:
      'Three vessels in a line drift at 0.5 kn from 16:05 to 19:05 UTC: A-B 300 m, B-C 300 m, A-C 600 m. Encounters A-B and B-C; not A-C.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('HAMILTON', 32.29, -64.78)]),
    zone: collection([boxFeature('SARGASSO SEA ZONE', -66, 20, -54, 30)]),
    vessels: b.info(),
    expected: [
      encounterExpected(a, bb, t0, t1, midOf(m.paths[0], m.paths[1], t0, t1), 'A-B 300 m apart for 3 h'),
      encounterExpected(bb, c, t0, t1, midOf(m.paths[1], m.paths[2], t0, t1), 'B-C 300 m apart for 3 h'),
    ],
    notExpected: [
      {
        kind: 'encounter',
        mmsi: pairOf(a.mmsi, c.mmsi),
        why: 'A-C 600 m apart: never within 500 m (closeness is not transitive)',
      },
    ],
    expectedFlags: [],
  };
}

/** The known-answer scenarios by name, each with its default seed. */
export const TRAFFIC_SCENARIOS: Record<string, (seed?: number) => TrafficScenario> = {
  'port-visit': (seed = 101) => portVisit(seed),
  'encounter-midnight': (seed = 102) => encounterMidnight(seed),
  crossing: (seed = 103) => crossingPaths(seed),
  'short-pair': (seed = 104) => shortPair(seed),
  dark: (seed = 105) => darkPeriod(seed),
  loitering: (seed = 106) => loitering(seed),
  irregular: (seed = 107) => irregular(seed),
  antimeridian: (seed = 108) => antimeridian(seed),
  'spoofed-jump': (seed = 109) => spoofedJump(seed),
  borderline: (seed = 110) => borderline(seed),
  chain: (seed = 111) => chain(seed),
};

export function trafficScenarioNames(): string[] {
  return Object.keys(TRAFFIC_SCENARIOS);
}

/** One known-answer scenario by name (throws, naming the known ones, for another name). */
export function trafficScenario(name: string, seed?: number): TrafficScenario {
  const f = TRAFFIC_SCENARIOS[name];
  if (!f)
    throw new Error(
      `unknown traffic scenario ${JSON.stringify(name)}: expected one of ${trafficScenarioNames().join(', ')}`,
    );
  return f(seed);
}

/** What `tally scenario tracks` writes as expected.json. */
export function expectedJson(s: TrafficScenario): object {
  return {
    name: s.name,
    description: s.description,
    params: 'DEFAULT_PARAMS (src/tracks/params.ts)',
    start: iso(s.startMs),
    end: iso(s.endMs),
    startMs: s.startMs,
    endMs: s.endMs,
    vessels: s.vessels,
    expected: s.expected,
    notExpected: s.notExpected,
    expectedFlags: s.expectedFlags,
  };
}

// ---------------------------------------------------------------------------
// Dense random traffic, as columns.
// ---------------------------------------------------------------------------

export interface RandomTrafficOptions {
  vessels: number;
  /** Exactly this many rows. */
  positions: number;
  hours: number;
  /** [west, south, east, north], degrees: keep it small (a few km) so that many pairs come close. */
  bbox: [number, number, number, number];
  /** Start time, ms (default SCENARIO_DAY). */
  start?: number;
}

/**
 * Seeded traffic crowded into a small area, as position columns sorted by
 * time (ties in vessel order), for checking the encounter fast path against
 * a brute-force reference. Vessels come in groups: a leader wandering slowly
 * (0.2-3 kn legs of 20-90 min, turned back towards the middle of the box
 * when near its edge) and followers holding a bearing and distance from it
 * that drift (distance 40-1,400 m, so pairs cross the 500 m threshold in
 * both directions); about one vessel in eight transits at 8-15 kn. Report
 * intervals are irregular (each vessel's times jittered in equal cells);
 * about one vessel in seven falls silent for 1-2.5 h, longer than the 1 h
 * interpolation limit. Positions are AIS-quantised, speeds and courses
 * rounded as AIS carries them; mmsi 200000001 upwards, types 1 and 18.
 */
export function randomTraffic(seed: number, o: RandomTrafficOptions): PositionColumns {
  const rng = new Random(seed);
  const start = o.start ?? SCENARIO_DAY;
  const end = start + o.hours * HOUR_MS;
  const [w, s, e, n] = o.bbox;
  const mid = { lat: (s + n) / 2, lon: (w + e) / 2 };
  const inBox = (p: LatLon): boolean => p.lat > s && p.lat < n && p.lon > w && p.lon < e;
  const wander = (p0: LatLon): Path => {
    const parts: [number, Path][] = [];
    let at = p0;
    for (let t = start - HOUR_MS; t < end + HOUR_MS;) {
      const len = rng.int(20, 90) * MINUTE_MS;
      const knots = rng.chance(0.7) ? rng.range(0.2, 1.8) : rng.range(1.8, 3);
      const course = inBox(at) && rng.chance(0.8) ? rng.range(0, 360) : bearingDeg(at, mid) + rng.range(-30, 30);
      const leg = drift(at, t, course, knots);
      parts.push([t, leg]);
      t += len;
      at = leg(t);
    }
    return piecewise(parts);
  };
  const paths: Path[] = [];
  const classB: boolean[] = [];
  while (paths.length < o.vessels) {
    const p0 = { lat: rng.range(s, n), lon: rng.range(w, e) };
    if (rng.chance(0.12)) {
      paths.push(drift(p0, start + rng.range(0, o.hours) * HOUR_MS, rng.range(0, 360), rng.range(8, 15)));
      classB.push(false);
      continue;
    }
    const leader = wander(p0);
    paths.push(leader);
    classB.push(rng.chance(0.3));
    const followers = rng.int(0, 3);
    for (let f = 0; f < followers && paths.length < o.vessels; f++) {
      const b0 = rng.range(0, 360);
      const b1 = rng.range(0, 60);
      const wb = (2 * Math.PI) / (rng.range(1, 6) * HOUR_MS);
      const d0 = rng.range(150, 900);
      const d1 = rng.range(0, 500);
      const wd = (2 * Math.PI) / (rng.range(1, 5) * HOUR_MS);
      const ph = rng.range(0, 2 * Math.PI);
      paths.push(
        offset(
          leader,
          (t) => b0 + b1 * Math.sin(wb * (t - start)),
          (t) => Math.max(40, d0 + d1 * Math.sin(wd * (t - start) + ph)),
        ),
      );
      classB.push(rng.chance(0.3));
    }
  }
  // Report counts: exactly o.positions in all, weights log-uniform over a factor of 9.
  const weights = paths.map(() => Math.exp(rng.range(Math.log(1 / 3), Math.log(3))));
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((x) => Math.floor((o.positions * x) / total));
  let left = o.positions - counts.reduce((a, b) => a + b, 0);
  for (let v = 0; left > 0; v = (v + 1) % counts.length, left--) counts[v]++;
  const time = new Float64Array(o.positions);
  const vessel = new Uint32Array(o.positions);
  let row = 0;
  paths.forEach((_, v) => {
    const c = counts[v];
    const silent = rng.chance(0.15) ? [start + rng.range(0.1, 0.7) * (end - start), rng.range(1, 2.5) * HOUR_MS] : null;
    const span = end - start - (silent ? silent[1] : 0);
    let last = -Infinity;
    for (let k = 0; k < c; k++) {
      let t = start + ((k + rng.next()) * span) / c;
      if (silent && t >= silent[0]) t += silent[1];
      t = Math.max(Math.floor(t / 1000) * 1000, last + 1000);
      last = t;
      time[row] = t;
      vessel[row++] = v;
    }
  });
  const order = new Uint32Array(o.positions);
  for (let k = 0; k < order.length; k++) order[k] = k;
  order.sort((a, b) => time[a] - time[b] || vessel[a] - vessel[b] || a - b);
  const out: PositionColumns = {
    length: o.positions,
    time: new Float64Array(o.positions),
    mmsi: new Uint32Array(o.positions),
    lat: new Float64Array(o.positions),
    lon: new Float64Array(o.positions),
    speed: new Float32Array(o.positions),
    course: new Float32Array(o.positions),
    heading: new Float32Array(o.positions),
    type: new Uint8Array(o.positions),
    status: new Uint8Array(o.positions),
  };
  for (let r = 0; r < order.length; r++) {
    const k = order[r];
    const v = vessel[k];
    const t = time[k];
    const p = paths[v](t);
    const vel = velocity(paths[v], t);
    out.time[r] = t;
    out.mmsi[r] = 200_000_001 + v;
    out.lat[r] = quantAis(p.lat);
    out.lon[r] = quantAis(normLon(p.lon));
    out.speed[r] = Math.round(vel.knots * 10) / 10;
    out.course[r] = Number.isFinite(vel.course) ? (Math.round(vel.course * 10) / 10) % 360 : NaN;
    out.heading[r] = Number.isFinite(vel.course) ? Math.round(vel.course) % 360 : NaN;
    out.type[r] = classB[v] ? 18 : 1;
    out.status[r] = classB[v] ? 255 : 0;
  }
  return out;
}
