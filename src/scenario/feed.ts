/**
 * A week of seeded AIS traffic at scale, for benchmarking the track stage:
 * position columns (typed arrays, no object per report) sorted by time, a
 * manifest of the encounters planted in it (and of the near misses that must
 * not be encounters), and a writer of MarineCadastre CSV for the readers
 * (Tally's `ais/csv.ts`, PostgreSQL's COPY).
 *
 * Traffic:
 * - transit (about 75 %): great-circle legs at 8-20 kn between random
 *   waypoints in the area, calling at ports (moored 6-30 h at a berth inside
 *   the port polygon, status 5);
 * - fishing (about 15 %): short legs at 2.5-4.5 kn around a fishing ground
 *   (status 7), so their median speed is above the encounter's 2 kn;
 * - anchored (about 10 %): all week at an anchorage 4-6 km off a port,
 *   swinging on 40-80 m of chain (status 1, under 0.3 kn), crowded within
 *   1.2 km of each other: close, slow pairs that would be encounters but for
 *   the 10 km port rule, as would vessels moored together in a port.
 * So, with the ports given, the encounters at sea are exactly the planted
 * ones: the only slow vessels away from ports are the planted pairs.
 *
 * Report times: each vessel reports at its own mean interval (log-uniform
 * over a factor of 9 around the mean that makes the total come out at
 * exactly `positions`), each time jittered within its own cell, so gaps run
 * from 0 to twice the vessel's interval. Planted vessels report every 60-120 s
 * from an hour before to an hour after their event. Positions carry about
 * 2.5 m of GPS noise and are rounded to 5 decimals (what the CSV holds), so
 * the columns and the CSV agree exactly.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { PositionColumns } from '../ais/index.js';
import { DAY_MS, EARTH_RADIUS_M, HOUR_MS, KNOT_M_PER_S, MINUTE_MS } from '../util/index.js';
import { Random } from './random.js';
import { boxFeature, type GeoCollection } from './geojson.js';
import { bearingDeg, destination, distanceM, normLon, type LatLon } from './paths.js';

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;
const TIDE_MS = 12.42 * HOUR_MS;

export interface FeedOptions {
  seed: number;
  vessels: number;
  days: number;
  /** Exactly this many position rows. */
  positions: number;
  /** [west, south, east, north], degrees (not across the antimeridian). */
  bbox: [number, number, number, number];
  /** Start time, ms since the epoch. */
  start: number;
  plantedEncounters: number;
  plantedNearMisses: number;
  /** Number of ports (0: one per 400 vessels, at least 3). */
  ports: number;
}

export const DEFAULT_FEED: FeedOptions = {
  seed: 1,
  vessels: 5000,
  days: 7,
  positions: 10_000_000,
  // The western North Atlantic between the US east coast and the Azores: open sea (Bermuda aside).
  bbox: [-72, 28, -50, 40],
  start: Date.UTC(2024, 2, 4),
  plantedEncounters: 40,
  plantedNearMisses: 60,
  ports: 0,
};

export interface PlantedEncounter {
  /** Ascending. */
  mmsi: [number, number];
  /** The second vessel holds its place next to the first from startMs to endMs (minute 5 of a 10-minute slot). */
  startMs: number;
  endMs: number;
  start: string;
  end: string;
  /** Nominal separation, and its least and greatest over the event (before 2.5 m of GPS noise), metres. */
  distanceM: number;
  minDistanceM: number;
  maxDistanceM: number;
  /** Speed of the pair over the event, knots. */
  speedKnots: number;
  /** Position of the first vessel halfway through. */
  lat: number;
  lon: number;
  /** Distance from the first vessel at startMs to the nearest port's centre, metres. */
  portDistanceM: number;
}

export interface PlantedNearMiss extends Omit<PlantedEncounter, 'mmsi'> {
  mmsi: [number, number];
  why: 'too short' | 'too far' | 'too fast';
}

export interface FeedManifest {
  seed: number;
  vessels: number;
  area: [number, number, number, number];
  days: number;
  positions: number;
  startMs: number;
  endMs: number;
  start: string;
  end: string;
  /** How the rows are ordered. */
  order: 'time, then vessel';
  counts: { transit: number; fishing: number; anchored: number; planted: number; ports: number };
  planted: { encounters: PlantedEncounter[]; nearMisses: PlantedNearMiss[] };
  notes: string[];
  ports: GeoCollection;
}

export interface FeedVessel {
  mmsi: number;
  kind: 'transit' | 'fishing' | 'anchored' | 'planted';
  classB: boolean;
  shipname: string;
  imo: number | null;
  callsign: string;
  shiptype: number;
  length: number;
  width: number;
  draught: number | null;
}

export interface Feed {
  columns: PositionColumns;
  manifest: FeedManifest;
  vessels: FeedVessel[];
}

// --- legs ---------------------------------------------------------------------

const MOVE = 0;
const STAY = 1;
const FORM = 2;

/** A piece of a vessel's plan: a great-circle move, a stay (moored or at anchor), or a place held next to another vessel. */
interface Leg {
  t0: number;
  t1: number;
  kind: number;
  status: number;
  knots: number;
  /** MOVE: start (radians) and trig of start latitude and bearing; STAY: the anchor point. */
  lat0: number;
  lon0: number;
  sinLat0: number;
  cosLat0: number;
  sinB: number;
  cosB: number;
  /** MOVE: angular length (radians). */
  ang: number;
  /** STAY: swing radius (m) and heading; FORM: bearing and distance (m) as b0 + b1 sin(wb t), d0 + d1 sin(wd t + ph). */
  swing: number;
  heading: number;
  leader: Leg | null;
  b0: number;
  b1: number;
  wb: number;
  d0: number;
  d1: number;
  wd: number;
  ph: number;
}

function blank(t0: number, t1: number, kind: number, status: number): Leg {
  return {
    t0,
    t1,
    kind,
    status,
    knots: 0,
    lat0: 0,
    lon0: 0,
    sinLat0: 0,
    cosLat0: 1,
    sinB: 0,
    cosB: 1,
    ang: 0,
    swing: 0,
    heading: 0,
    leader: null,
    b0: 0,
    b1: 0,
    wb: 0,
    d0: 0,
    d1: 0,
    wd: 0,
    ph: 0,
  };
}

function moveLeg(a: LatLon, b: LatLon, t0: number, t1: number, status = 0): Leg {
  const l = blank(t0, t1, MOVE, status);
  const d = distanceM(a, b);
  const brg = d === 0 ? 0 : bearingDeg(a, b) * D2R;
  l.lat0 = a.lat * D2R;
  l.lon0 = a.lon * D2R;
  l.sinLat0 = Math.sin(l.lat0);
  l.cosLat0 = Math.cos(l.lat0);
  l.sinB = Math.sin(brg);
  l.cosB = Math.cos(brg);
  l.ang = d / EARTH_RADIUS_M;
  l.knots = t1 > t0 ? d / ((t1 - t0) / 1000) / KNOT_M_PER_S : 0;
  return l;
}

function stayLeg(p: LatLon, t0: number, t1: number, status: number, swing: number, heading: number): Leg {
  const l = blank(t0, t1, STAY, status);
  l.lat0 = p.lat;
  l.lon0 = p.lon;
  l.swing = swing;
  l.heading = heading;
  return l;
}

/** Where a vessel is and how it moves at t: written into `out` (degrees, knots, degrees). */
interface Fix {
  lat: number;
  lon: number;
  knots: number;
  course: number;
}

function evalMove(l: Leg, t: number, out: Fix): void {
  const f = l.t1 > l.t0 ? Math.min(1, Math.max(0, (t - l.t0) / (l.t1 - l.t0))) : 0;
  const d = l.ang * f;
  const cd = Math.cos(d);
  const sd = Math.sin(d);
  const sinLat = l.sinLat0 * cd + l.cosLat0 * sd * l.cosB;
  out.lat = Math.asin(sinLat) * R2D;
  out.lon = normLon((l.lon0 + Math.atan2(l.sinB * sd * l.cosLat0, cd - l.sinLat0 * sinLat)) * R2D);
  out.knots = l.knots;
  out.course = (Math.atan2(l.sinB * l.cosLat0, l.cosB * l.cosLat0 * cd - l.sinLat0 * sd) * R2D + 360) % 360;
}

function evalLeg(l: Leg, t: number, out: Fix): void {
  if (l.kind === MOVE) {
    evalMove(l, t, out);
  } else if (l.kind === STAY) {
    if (l.swing > 0) {
      const p = destination({ lat: l.lat0, lon: l.lon0 }, l.heading + (360 * (t - l.t0)) / TIDE_MS, l.swing);
      out.lat = p.lat;
      out.lon = p.lon;
      out.knots = (2 * Math.PI * l.swing) / (TIDE_MS / 1000) / KNOT_M_PER_S;
    } else {
      out.lat = l.lat0;
      out.lon = l.lon0;
      out.knots = 0;
    }
    out.course = NaN;
  } else {
    evalMove(l.leader!, t, out);
    const dt = t - l.t0;
    const p = destination(out, l.b0 + l.b1 * Math.sin(l.wb * dt), l.d0 + l.d1 * Math.sin(l.wd * dt + l.ph));
    out.lat = p.lat;
    out.lon = p.lon;
  }
}

// --- the generator -----------------------------------------------------------------

interface Port {
  name: string;
  centre: LatLon;
  half: number;
  anchorage: LatLon;
}

interface Plan {
  legs: Leg[];
  /** Dense reporting window (planted vessels), or null. */
  dense: [number, number] | null;
}

const NAME_A = [
  'ATLANTIC',
  'NORTHERN',
  'SOUTHERN',
  'GOLDEN',
  'OCEAN',
  'SEA',
  'STAR',
  'CAPE',
  'BLUE',
  'GULF',
  'IRON',
  'SILVER',
];
const NAME_B = [
  'SPIRIT',
  'TRADER',
  'PIONEER',
  'HARMONY',
  'VOYAGER',
  'EAGLE',
  'FORTUNE',
  'BREEZE',
  'GLORY',
  'PRIDE',
  'EXPRESS',
  'WAVE',
];
const MIDS = [
  209, 210, 212, 215, 229, 235, 236, 248, 249, 256, 257, 258, 273, 303, 304, 305, 311, 316, 338, 351, 352, 355, 366,
  367, 369, 370, 371, 372, 373, 412, 413, 414, 431, 440, 441, 477, 538, 563, 564, 565, 566, 636, 657,
];

const isoOf = (ms: number): string => new Date(ms).toISOString();

/**
 * Generate the feed. Deterministic in the options: the same options give
 * the same columns and manifest. Rows are sorted by time, then vessel.
 */
export function generateFeed(options: Partial<FeedOptions> = {}): Feed {
  const o: FeedOptions = { ...DEFAULT_FEED, ...options };
  if (!(o.vessels >= 2 * (o.plantedEncounters + o.plantedNearMisses) + 3)) {
    throw new Error(
      `feed: ${o.vessels} vessels cannot hold ${o.plantedEncounters} planted encounters and ${o.plantedNearMisses} near misses (two vessels each, and a few others)`,
    );
  }
  const rng = new Random(o.seed);
  const [W, S, E, N] = o.bbox;
  const start = o.start;
  const end = start + o.days * DAY_MS;
  const span = end - start;
  const inBox = (p: LatLon, m = 0): boolean => p.lat > S + m && p.lat < N - m && p.lon > W + m && p.lon < E - m;
  const randomPoint = (m = 0): LatLon => ({ lat: rng.range(S + m, N - m), lon: rng.range(W + m, E - m) });

  // Ports: at least 150 km apart (fewer if the area is small), each a box with an anchorage 4-6 km off.
  const nPorts = o.ports || Math.max(3, Math.round(o.vessels / 400));
  const ports: Port[] = [];
  for (let tries = 0; ports.length < nPorts && tries < 20_000; tries++) {
    const c = randomPoint(0.3);
    const minSep = tries < 10_000 ? 150_000 : 30_000;
    if (ports.some((p) => distanceM(p.centre, c) < minSep)) continue;
    const half = rng.range(1000, 2500);
    ports.push({
      name: `PORT ${String(ports.length + 1).padStart(2, '0')}`,
      centre: c,
      half,
      anchorage: destination(c, rng.range(0, 360), half + rng.range(4000, 6000)),
    });
  }
  const portFeatures = ports.map((p) => {
    const dLat = (p.half / EARTH_RADIUS_M) * R2D;
    const dLon = dLat / Math.cos(p.centre.lat * D2R);
    const r = (x: number): number => Math.round(x * 1e6) / 1e6;
    return boxFeature(
      p.name,
      r(p.centre.lon - dLon),
      r(p.centre.lat - dLat),
      r(p.centre.lon + dLon),
      r(p.centre.lat + dLat),
      {
        anchorage: [Math.round(p.anchorage.lon * 1e5) / 1e5, Math.round(p.anchorage.lat * 1e5) / 1e5],
      },
    );
  });
  const nearestPortM = (p: LatLon): number => Math.min(...ports.map((q) => distanceM(q.centre, p)));
  const berth = (p: Port): LatLon => destination(p.centre, rng.range(0, 360), Math.sqrt(rng.next()) * p.half * 0.7);

  // Vessels and kinds.
  const nPlanted = 2 * (o.plantedEncounters + o.plantedNearMisses);
  const rest = o.vessels - nPlanted;
  const nAnchored = Math.round(rest * 0.1);
  const nFishing = Math.round(rest * 0.15);
  const kinds: FeedVessel['kind'][] = [];
  for (let k = 0; k < nPlanted; k++) kinds.push('planted');
  for (let k = 0; k < nAnchored; k++) kinds.push('anchored');
  for (let k = 0; k < nFishing; k++) kinds.push('fishing');
  while (kinds.length < o.vessels) kinds.push('transit');
  const used = new Set<number>();
  const vessels: FeedVessel[] = kinds.map((kind, k) => {
    let mmsi: number;
    do mmsi = rng.pick(MIDS) * 1_000_000 + rng.int(100_000, 999_999);
    while (used.has(mmsi));
    used.add(mmsi);
    const classB = kind === 'fishing' ? rng.chance(0.5) : kind === 'transit' ? rng.chance(0.05) : false;
    const length = classB ? rng.int(10, 30) : kind === 'fishing' ? rng.int(20, 70) : rng.int(80, 330);
    let callsign = '';
    for (let c = 0; c < 5; c++) callsign += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[rng.int(0, c === 0 ? 25 : 35)];
    return {
      mmsi,
      kind,
      classB,
      shipname: `${rng.pick(NAME_A)} ${rng.pick(NAME_B)} ${k + 1}`,
      imo: classB ? null : rng.int(9_000_000, 9_899_999),
      callsign,
      shiptype: kind === 'fishing' ? 30 : rng.pick([70, 70, 70, 71, 79, 80, 80, 84, 60]),
      length,
      width: Math.max(4, Math.round(length / rng.range(5.5, 7.5))),
      draught: classB ? null : Math.round(rng.range(4, 14) * 10) / 10,
    };
  });

  /** A transit route from p over [0, dur] (relative times): legs in order. */
  const transit = (p: LatLon, t: number, tEnd: number): Leg[] => {
    const legs: Leg[] = [];
    const cruise = rng.range(8, 20);
    let at = p;
    while (t < tEnd) {
      if (ports.length && rng.chance(0.2)) {
        const port = rng.pick(ports);
        const b = berth(port);
        const dt = Math.round((distanceM(at, b) / (cruise * KNOT_M_PER_S)) * 1000);
        legs.push(moveLeg(at, b, t, t + dt));
        t += dt;
        const stay = Math.round(rng.range(6, 30) * HOUR_MS);
        legs.push(stayLeg(b, t, t + stay, 5, 0, rng.range(0, 360)));
        t += stay;
        at = b;
        continue;
      }
      let q = destination(at, rng.range(0, 360), rng.range(40_000, 400_000));
      for (let k = 0; k < 10 && !inBox(q, 0.1); k++) q = destination(at, rng.range(0, 360), rng.range(40_000, 400_000));
      if (!inBox(q, 0.1)) q = randomPoint(0.1);
      const knots = cruise * rng.range(0.92, 1.08);
      const dt = Math.max(1000, Math.round((distanceM(at, q) / (knots * KNOT_M_PER_S)) * 1000));
      legs.push(moveLeg(at, q, t, t + dt));
      t += dt;
      at = q;
    }
    return legs;
  };

  /** The same kind of route run backwards in time: arriving at p at time t, from before tStart. */
  const transitInto = (p: LatLon, t: number, tStart: number): Leg[] => {
    const fwd = transit(p, 0, t - tStart);
    const back: Leg[] = [];
    for (let k = fwd.length - 1; k >= 0; k--) {
      const l = fwd[k];
      if (l.kind === STAY) {
        back.push(stayLeg({ lat: l.lat0, lon: l.lon0 }, t - l.t1, t - l.t0, l.status, 0, l.heading));
      } else {
        const a = { lat: l.lat0 * R2D, lon: l.lon0 * R2D };
        const fx: Fix = { lat: 0, lon: 0, knots: 0, course: 0 };
        evalMove(l, l.t1, fx);
        back.push(moveLeg({ lat: fx.lat, lon: fx.lon }, a, t - l.t1, t - l.t0));
      }
    }
    return back;
  };

  const plans: Plan[] = new Array(o.vessels);
  // Planted pairs.
  const encounters: PlantedEncounter[] = [];
  const nearMisses: PlantedNearMiss[] = [];
  const centres: LatLon[] = [];
  const whys: PlantedNearMiss['why'][] = ['too short', 'too far', 'too fast'];
  for (let k = 0; k < o.plantedEncounters + o.plantedNearMisses; k++) {
    const isEnc = k < o.plantedEncounters;
    const why = isEnc ? null : whys[(k - o.plantedEncounters) % 3];
    const durMin =
      why === 'too short' ? 10 * rng.int(6, 10) : why === 'too fast' ? 10 * rng.int(15, 24) : 10 * rng.int(15, 36);
    const dur = durMin * MINUTE_MS;
    const slot = 10 * MINUTE_MS;
    const t0 = Math.floor(rng.range(start + 12 * HOUR_MS, end - 12 * HOUR_MS - dur) / slot) * slot + 5 * MINUTE_MS;
    const t1 = t0 + dur;
    let c = randomPoint(0.8);
    for (let tries = 0; tries < 1000; tries++) {
      if ((!ports.length || nearestPortM(c) > 40_000) && centres.every((q) => distanceM(q, c) > 40_000)) break;
      c = randomPoint(0.8);
    }
    centres.push(c);
    const fast = why === 'too fast';
    const knots = fast ? rng.range(8, 12) : rng.range(0.2, 1.0);
    const course = rng.range(0, 360);
    const lead = fast ? 0 : 20 * MINUTE_MS;
    const appKnots = fast ? knots : rng.range(10, 14);
    const appM = fast ? knots * KNOT_M_PER_S * 3600 : rng.range(15_000, 30_000);
    const appMs = Math.round((appM / (appKnots * KNOT_M_PER_S)) * 1000);
    let d0: number;
    let d1: number;
    if (why === 'too far') {
      d0 = rng.range(650, 850);
      d1 = rng.range(0, Math.min(d0 - 600, 900 - d0));
    } else {
      d0 = rng.range(150, 350);
      d1 = rng.range(0, Math.min(d0 - 100, 400 - d0));
    }
    // First vessel: in from W, steady (drift) leg from t0 - lead to t1 + lead, out to E.
    const drift = moveLeg(
      c,
      destination(c, course, knots * KNOT_M_PER_S * ((dur + 2 * lead) / 1000)),
      t0 - lead,
      t1 + lead,
    );
    const fx: Fix = { lat: 0, lon: 0, knots: 0, course: 0 };
    evalMove(drift, drift.t1, fx);
    const A1 = { lat: fx.lat, lon: fx.lon };
    const A0 = c;
    const Wa = fast ? destination(A0, course + 180, appM) : destination(A0, rng.range(0, 360), appM);
    const Ea = fast ? destination(A1, course, appM) : destination(A1, rng.range(0, 360), appM);
    const a = 2 * k;
    const legsA = [
      ...transitInto(Wa, drift.t0 - appMs, start),
      moveLeg(Wa, A0, drift.t0 - appMs, drift.t0),
      drift,
      moveLeg(A1, Ea, drift.t1, drift.t1 + appMs),
      ...transit(Ea, drift.t1 + appMs, end),
    ];
    // Second vessel: in to its place, held from t0 to t1, out.
    const form = blank(t0, t1, FORM, 0);
    form.leader = drift;
    form.knots = knots;
    form.b0 = rng.range(0, 360);
    form.b1 = rng.range(0, 30);
    form.wb = (2 * Math.PI) / (rng.range(1, 3) * HOUR_MS);
    form.d0 = d0;
    form.d1 = d1;
    form.wd = (2 * Math.PI) / (rng.range(1, 3) * HOUR_MS);
    form.ph = 0;
    const F0 = destination(evalAt(drift, t0), form.b0, d0);
    const bEnd = form.b0 + form.b1 * Math.sin(form.wb * dur);
    const F1 = destination(evalAt(drift, t1), bEnd, d0 + d1 * Math.sin(form.wd * dur));
    const Wb = fast ? destination(F0, course + 180, appM) : destination(F0, form.b0, appM);
    const Eb = fast ? destination(F1, course, appM) : destination(F1, bEnd, appM);
    const legsB = [
      ...transitInto(Wb, t0 - appMs, start),
      moveLeg(Wb, F0, t0 - appMs, t0),
      form,
      moveLeg(F1, Eb, t1, t1 + appMs),
      ...transit(Eb, t1 + appMs, end),
    ];
    const dense: [number, number] = [t0 - HOUR_MS, t1 + HOUR_MS];
    plans[a] = { legs: legsA, dense };
    plans[a + 1] = { legs: legsB, dense };
    // Least and greatest separation over the event, sampled each minute.
    let lo = Infinity;
    let hi = 0;
    for (let t = t0; t <= t1; t += MINUTE_MS) {
      const dt = t - t0;
      const d = d0 + d1 * Math.sin(form.wd * dt);
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    const midFix = evalAt(drift, (t0 + t1) / 2);
    const ma = vessels[a].mmsi;
    const mb = vessels[a + 1].mmsi;
    const entry = {
      mmsi: (ma < mb ? [ma, mb] : [mb, ma]) as [number, number],
      startMs: t0,
      endMs: t1,
      start: isoOf(t0),
      end: isoOf(t1),
      distanceM: Math.round(d0),
      minDistanceM: Math.round(lo),
      maxDistanceM: Math.round(hi),
      speedKnots: Math.round(knots * 100) / 100,
      lat: Math.round(midFix.lat * 1e5) / 1e5,
      lon: Math.round(midFix.lon * 1e5) / 1e5,
      portDistanceM: ports.length ? Math.round(nearestPortM(c)) : Infinity,
    };
    if (why) nearMisses.push({ ...entry, why });
    else encounters.push(entry);
  }
  // Everyone else.
  for (let v = nPlanted; v < o.vessels; v++) {
    const kind = vessels[v].kind;
    if (kind === 'anchored' && ports.length) {
      const port = ports[(v - nPlanted) % ports.length];
      const p = destination(port.anchorage, rng.range(0, 360), Math.sqrt(rng.next()) * 1200);
      plans[v] = {
        legs: [stayLeg(p, start - HOUR_MS, end + HOUR_MS, 1, rng.range(40, 80), rng.range(0, 360))],
        dense: null,
      };
    } else if (kind === 'fishing') {
      let ground = randomPoint(0.5);
      for (let k = 0; k < 100 && ports.length && nearestPortM(ground) < 30_000; k++) ground = randomPoint(0.5);
      const legs: Leg[] = [];
      let at = destination(ground, rng.range(0, 360), rng.range(0, 20_000));
      for (let t = start - HOUR_MS; t < end + HOUR_MS;) {
        const away = distanceM(at, ground);
        const brg = away > 40_000 ? bearingDeg(at, ground) + rng.range(-40, 40) : rng.range(0, 360);
        const q = destination(at, brg, rng.range(3000, 15_000));
        const knots = rng.range(2.5, 4.5);
        const dt = Math.round((distanceM(at, q) / (knots * KNOT_M_PER_S)) * 1000);
        const leg = moveLeg(at, q, t, t + dt, 7);
        legs.push(leg);
        t += dt;
        at = q;
      }
      plans[v] = { legs, dense: null };
    } else {
      const p0 = ports.length && rng.chance(0.1) ? berth(rng.pick(ports)) : randomPoint(0.1);
      plans[v] = { legs: transit(p0, start - HOUR_MS, end + HOUR_MS), dense: null };
    }
  }

  // Report counts: planted vessels first (dense window plus the mean elsewhere), the rest by weight.
  const meanInterval = (span * o.vessels) / o.positions;
  const counts = new Float64Array(o.vessels);
  const segs: [number, number, number][][] = new Array(o.vessels);
  let plantedRows = 0;
  for (let v = 0; v < nPlanted; v++) {
    const [w0, w1] = plans[v].dense!;
    const a = Math.max(start, w0);
    const b = Math.min(end, w1);
    const nd = Math.round((b - a) / (90 * 1000));
    const nb = Math.round((a - start) / meanInterval);
    const na = Math.round((end - b) / meanInterval);
    segs[v] = [
      [start, a, nb],
      [a, b, nd],
      [b, end, na],
    ];
    counts[v] = nb + nd + na;
    plantedRows += counts[v];
  }
  const remaining = o.positions - plantedRows;
  if (remaining < 0)
    throw new Error(`feed: ${o.positions} positions are too few for the planted vessels' ${plantedRows}`);
  const weights = new Float64Array(o.vessels);
  let wsum = 0;
  for (let v = nPlanted; v < o.vessels; v++) {
    const kindFactor = vessels[v].kind === 'anchored' ? 0.5 : vessels[v].kind === 'fishing' ? 1 : 1.2;
    weights[v] = kindFactor * Math.exp(rng.range(Math.log(1 / 3), Math.log(3)));
    wsum += weights[v];
  }
  let assigned = 0;
  for (let v = nPlanted; v < o.vessels; v++) {
    counts[v] = Math.floor((remaining * weights[v]) / wsum);
    assigned += counts[v];
  }
  for (let v = nPlanted; assigned < remaining; v = v + 1 < o.vessels ? v + 1 : nPlanted) {
    counts[v]++;
    assigned++;
  }
  for (let v = nPlanted; v < o.vessels; v++) segs[v] = [[start, end, counts[v]]];

  // Merge the vessels' reports in time order through a binary heap keyed by each vessel's next report time.
  const n = o.positions;
  const cols: PositionColumns = {
    length: n,
    time: new Float64Array(n),
    mmsi: new Uint32Array(n),
    lat: new Float64Array(n),
    lon: new Float64Array(n),
    speed: new Float32Array(n),
    course: new Float32Array(n),
    heading: new Float32Array(n),
    type: new Uint8Array(n),
    status: new Uint8Array(n),
  };
  const V = o.vessels;
  const vrng: Random[] = [];
  for (let v = 0; v < V; v++) vrng.push(new Random((o.seed * 7919 + v * 104_729 + 1) >>> 0));
  const segIdx = new Int32Array(V);
  const kIdx = new Int32Array(V);
  const legIdx = new Int32Array(V);
  const nextT = new Float64Array(V);
  const lastT = new Float64Array(V).fill(-Infinity);
  const heap = new Int32Array(V);
  let hn = 0;
  const less = (a: number, b: number): boolean => nextT[a] < nextT[b] || (nextT[a] === nextT[b] && a < b);
  const advance = (v: number): boolean => {
    const ss = segs[v];
    while (segIdx[v] < ss.length && kIdx[v] >= ss[segIdx[v]][2]) {
      segIdx[v]++;
      kIdx[v] = 0;
    }
    if (segIdx[v] >= ss.length) return false;
    const [a, b, c] = ss[segIdx[v]];
    let t = Math.floor((a + ((kIdx[v] + vrng[v].next()) * (b - a)) / c) / 1000) * 1000;
    if (t <= lastT[v]) t = lastT[v] + 1000;
    kIdx[v]++;
    nextT[v] = t;
    lastT[v] = t;
    return true;
  };
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= hn) return;
      const r = l + 1;
      const m = r < hn && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[m], heap[i])) return;
      const x = heap[i];
      heap[i] = heap[m];
      heap[m] = x;
      i = m;
    }
  };
  for (let v = 0; v < V; v++) if (advance(v)) heap[hn++] = v;
  for (let i = (hn >> 1) - 1; i >= 0; i--) siftDown(i);
  const fx: Fix = { lat: 0, lon: 0, knots: 0, course: 0 };
  const noiseDeg = 2.5 / 111_195;
  for (let row = 0; row < n; row++) {
    const v = heap[0];
    const t = nextT[v];
    const legs = plans[v].legs;
    let li = legIdx[v];
    while (li + 1 < legs.length && t >= legs[li].t1) li++;
    legIdx[v] = li;
    const leg = legs[li];
    evalLeg(leg, t, fx);
    const r = vrng[v];
    const lat = fx.lat + r.normal() * noiseDeg;
    const lon = normLon(fx.lon + (r.normal() * noiseDeg) / Math.cos(fx.lat * D2R));
    cols.time[row] = t;
    cols.mmsi[row] = vessels[v].mmsi;
    cols.lat[row] = Math.round(lat * 1e5) / 1e5;
    cols.lon[row] = Math.round(lon * 1e5) / 1e5;
    let knots: number;
    let course: number;
    let heading: number;
    if (leg.kind === STAY) {
      knots = leg.swing > 0 ? Math.abs(r.normal() * 0.1) : 0;
      course = r.range(0, 360);
      heading = leg.heading + (leg.swing > 0 ? (360 * (t - leg.t0)) / TIDE_MS : 0);
    } else {
      knots = Math.max(0, fx.knots + r.normal() * 0.15);
      course = fx.course + r.normal();
      heading = course + r.normal() * 2;
    }
    cols.speed[row] = Math.min(102.2, Math.round(knots * 10) / 10);
    cols.course[row] = (Math.round((((course % 360) + 360) % 360) * 10) / 10) % 360;
    cols.heading[row] = Math.round(((heading % 360) + 360) % 360) % 360;
    const classB = vessels[v].classB;
    cols.type[row] = classB ? 18 : r.chance(0.1) ? 3 : 1;
    cols.status[row] = classB ? 255 : leg.status;
    // Next report of this vessel.
    if (advance(v)) {
      siftDown(0);
    } else {
      heap[0] = heap[--hn];
      siftDown(0);
    }
  }

  const manifest: FeedManifest = {
    seed: o.seed,
    vessels: o.vessels,
    area: o.bbox,
    days: o.days,
    positions: n,
    startMs: start,
    endMs: end,
    start: isoOf(start),
    end: isoOf(end),
    order: 'time, then vessel',
    counts: {
      transit: o.vessels - nPlanted - nAnchored - nFishing,
      fishing: nFishing,
      anchored: nAnchored,
      planted: nPlanted,
      ports: ports.length,
    },
    planted: { encounters, nearMisses },
    notes: [
      'Planted encounters: the second vessel holds 100-400 m from the first, both under 1 kn, from startMs to endMs (2 h 30 to 6 h, starting at minute 5 of a 10-minute slot), at least 40 km from every port centre. With DEFAULT_PARAMS and these ports the engine must find each, start and end within 15 min of the stated ones.',
      'Near misses: "too short" close for 60-100 min (at most 11 close slots even with a report gap at each end); "too far" 600-900 m apart for 2 h 30 to 6 h, slow; "too fast" 150-400 m apart for 2 h 30 to 4 h, both at 8-12 kn (they also sail together, close, for about an hour before and after). None is an encounter.',
      'With the ports given, no other encounter is expected at sea: transit vessels move at 8-20 kn except when moored inside a port polygon, fishing vessels at 2.5-4.5 kn; anchored vessels crowd the anchorages 4-6 km off the ports (close, slow pairs excluded by the 10 km port rule). Without ports, every anchored or moored pair that lies within 500 m for 2 h is an encounter.',
      'Ports are synthetic boxes in the area (not real coasts): anchored and moored vessels far from real land may count as loitering under the shore-distance rule.',
      'Each vessel reports at its own mean interval, jittered within equal cells (gaps 0 to twice the interval); planted vessels every 60-120 s from 1 h before to 1 h after their event. Positions carry about 2.5 m of noise and are rounded to 5 decimals; times are whole seconds.',
    ],
    ports: { type: 'FeatureCollection', features: portFeatures },
  };
  return { columns: cols, manifest, vessels };
}

function evalAt(l: Leg, t: number): LatLon {
  const fx: Fix = { lat: 0, lon: 0, knots: 0, course: 0 };
  evalMove(l, t, fx);
  return { lat: fx.lat, lon: fx.lon };
}

// --- MarineCadastre CSV ---------------------------------------------------------

export const MARINECADASTRE_FEED_HEADER =
  'MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass';

/** Bytes of a CSV row written straight into a buffer: no string per number. */
class ByteWriter {
  buf = Buffer.allocUnsafe(1 << 24);
  pos = 0;
  bytes = 0;
  constructor(private readonly fd: number) {}

  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.bytes += this.pos;
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.flush();
  }

  bytesOf(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** A non-negative integer. */
  uint(n: number): void {
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (digits-- > 0) {
      const q = Math.floor(n / 10);
      this.buf[--p] = 48 + (n - q * 10);
      n = q;
    }
  }

  /** x rounded to `decimals` places, written with exactly that many. */
  fixed(x: number, decimals: number, scale: number): void {
    let n = Math.round(x * scale);
    if (n < 0) {
      this.buf[this.pos++] = 45;
      n = -n;
    }
    const ip = Math.floor(n / scale);
    this.uint(ip);
    this.buf[this.pos++] = 46;
    let f = n - ip * scale;
    let p = this.pos + decimals;
    this.pos = p;
    for (let k = 0; k < decimals; k++) {
      const q = Math.floor(f / 10);
      this.buf[--p] = 48 + (f - q * 10);
      f = q;
    }
  }
}

/**
 * Writes the columns as a MarineCadastre daily-file CSV (2018-2024 layout):
 * times as whole seconds `YYYY-MM-DDTHH:MM:SS`, LAT/LON with 5 decimals,
 * SOG/COG with 1, Heading as `N.0` (511.0 when not available, as are 102.3
 * and 360.0 for SOG and COG), Status empty where the row has none (255). The
 * static columns come from `vessels` where given (by MMSI), else empty.
 * Synchronous, written straight into 16 MB buffers; returns rows and bytes.
 */
export function writeFeedCsv(
  columns: PositionColumns,
  path: string,
  vessels?: readonly FeedVessel[],
): { rows: number; bytes: number } {
  const statics = new Map<number, [Buffer, Buffer]>();
  for (const v of vessels ?? []) {
    const text = (s: string): string => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    statics.set(v.mmsi, [
      Buffer.from(
        `,${text(v.shipname)},${v.imo === null ? '' : `IMO${v.imo}`},${text(v.callsign)},${v.shiptype},`,
        'latin1',
      ),
      Buffer.from(
        `,${v.length},${v.width},${v.draught === null ? '' : v.draught},,${v.classB ? 'B' : 'A'}\n`,
        'latin1',
      ),
    ]);
  }
  const none: [Buffer, Buffer] = [Buffer.from(',,,,,'), Buffer.from(',,,,,\n')];
  const fd = openSync(path, 'w');
  const w = new ByteWriter(fd);
  try {
    w.bytesOf(Buffer.from(MARINECADASTRE_FEED_HEADER + '\n'));
    let lastMinute = NaN;
    let minutePrefix = Buffer.alloc(0);
    let lastMmsi = -1;
    let st = none;
    for (let i = 0; i < columns.length; i++) {
      w.ensure(1024);
      const t = columns.time[i];
      const sec = Math.floor(t / 1000);
      const minute = Math.floor(sec / 60);
      if (minute !== lastMinute) {
        minutePrefix = Buffer.from(new Date(minute * MINUTE_MS).toISOString().slice(0, 17), 'latin1');
        lastMinute = minute;
      }
      const mmsi = columns.mmsi[i];
      if (mmsi !== lastMmsi) {
        st = statics.get(mmsi) ?? none;
        lastMmsi = mmsi;
      }
      w.uint(mmsi);
      w.byte(44);
      w.bytesOf(minutePrefix);
      const s = sec - minute * 60;
      w.byte(48 + Math.floor(s / 10));
      w.byte(48 + (s % 10));
      w.byte(44);
      w.fixed(columns.lat[i], 5, 1e5);
      w.byte(44);
      w.fixed(columns.lon[i], 5, 1e5);
      w.byte(44);
      const sog = columns.speed[i];
      w.fixed(Number.isNaN(sog) ? 102.3 : sog, 1, 10);
      w.byte(44);
      const cog = columns.course[i];
      w.fixed(Number.isNaN(cog) ? 360 : cog, 1, 10);
      w.byte(44);
      const hdg = columns.heading[i];
      w.fixed(Number.isNaN(hdg) ? 511 : hdg, 1, 10);
      w.bytesOf(st[0]);
      const status = columns.status[i];
      if (status !== 255) w.uint(status);
      w.bytesOf(st[1]);
    }
    w.flush();
  } finally {
    closeSync(fd);
  }
  return { rows: columns.length, bytes: w.bytes };
}
