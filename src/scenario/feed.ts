/**
 * A week of seeded AIS traffic at scale, for benchmarking the track stage:
 * position columns (typed arrays, no object per report) sorted by time, a
 * manifest of the encounters planted in it (and of the near misses that must
 * not be encounters), and (feed-csv.ts) a writer of MarineCadastre CSV for
 * the readers (Tally's `ais/csv.ts`, PostgreSQL's COPY). The vessels' legs
 * and how they are evaluated are in feed-legs.ts.
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
import type { PositionColumns } from '../ais/index.js';
import { DAY_MS, EARTH_RADIUS_M, HOUR_MS, KNOT_M_PER_S, MINUTE_MS } from '../util/index.js';
import { DEFAULT_FEED, type FeedOptions } from './defaults.js';
import { Random } from './random.js';
import { boxFeature, type GeoCollection, type GeoFeature } from './geojson.js';
import { bearingDeg, destination, distanceM, normLon, type LatLon } from './paths.js';
import {
  blank,
  evalAt,
  evalLeg,
  evalMove,
  FORM,
  moveLeg,
  settleLegs,
  STAY,
  stayLeg,
  TIDE_MS,
  type Fix,
  type Leg,
} from './feed-legs.js';

// The CSV writer is imported from here by the benchmarks and tests.
export { MARINECADASTRE_FEED_HEADER, writeFeedCsv } from './feed-csv.js';

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

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
  // One seeded stream, drawn in a fixed order: ports, vessels, planted pairs, the others, report counts.
  const rng = new Random(o.seed);
  const start = o.start;
  const end = start + o.days * DAY_MS;
  const area = new FeedArea(rng, o.bbox);
  area.placePorts(o.ports || Math.max(3, Math.round(o.vessels / 400)));

  const nPlanted = 2 * (o.plantedEncounters + o.plantedNearMisses);
  const rest = o.vessels - nPlanted;
  const nAnchored = Math.round(rest * 0.1);
  const nFishing = Math.round(rest * 0.15);
  const vessels = feedVessels(rng, vesselKinds(o.vessels, nPlanted, nAnchored, nFishing));

  const plans: Plan[] = new Array(o.vessels);
  const planted = plantPairs(area, o, start, end, vessels, plans);
  planOthers(area, vessels, nPlanted, start, end, plans);
  const segments = reportSegments(o, rng, vessels, plans, nPlanted, start, end);
  const columns = mergeReports(o, vessels, plans, segments);

  const manifest: FeedManifest = {
    seed: o.seed,
    vessels: o.vessels,
    area: o.bbox,
    days: o.days,
    positions: o.positions,
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
      ports: area.ports.length,
    },
    planted,
    notes: [...FEED_NOTES],
    ports: { type: 'FeatureCollection', features: area.ports.map(portFeature) },
  };
  return { columns, manifest, vessels };
}

const FEED_NOTES = [
  'Planted encounters: the second vessel holds 100-400 m from the first, both under 1 kn, from startMs to endMs (2 h 30 to 6 h, starting at minute 5 of a 10-minute slot), at least 40 km from every port centre. With DEFAULT_PARAMS and these ports the engine must find each, start and end within 15 min of the stated ones.',
  'Near misses: "too short" close for 60-100 min (at most 11 close slots even with a report gap at each end); "too far" 600-900 m apart for 2 h 30 to 6 h, slow; "too fast" 150-400 m apart for 2 h 30 to 4 h, both at 8-12 kn (they also sail together, close, for about an hour before and after). None is an encounter.',
  'With the ports given, no other encounter is expected at sea: transit vessels move at 8-20 kn except when moored inside a port polygon, fishing vessels at 2.5-4.5 kn; anchored vessels crowd the anchorages 4-6 km off the ports (close, slow pairs excluded by the 10 km port rule). Without ports, every anchored or moored pair that lies within 500 m for 2 h is an encounter.',
  'Ports are synthetic boxes in the area (not real coasts): anchored and moored vessels far from real land may count as loitering under the shore-distance rule.',
  'Each vessel reports at its own mean interval, jittered within equal cells (gaps 0 to twice the interval); planted vessels every 60-120 s from 1 h before to 1 h after their event. Positions carry about 2.5 m of noise and are rounded to 5 decimals; times are whole seconds.',
];

// --- the area, its ports and the routes in it ------------------------------------

/** The feed's area and ports, and the seeded stream that draws points, berths and routes in them. */
class FeedArea {
  readonly ports: Port[] = [];

  constructor(
    readonly rng: Random,
    private readonly bbox: [number, number, number, number],
  ) {}

  inBox(p: LatLon, m = 0): boolean {
    const [W, S, E, N] = this.bbox;
    return p.lat > S + m && p.lat < N - m && p.lon > W + m && p.lon < E - m;
  }

  randomPoint(m = 0): LatLon {
    const [W, S, E, N] = this.bbox;
    return { lat: this.rng.range(S + m, N - m), lon: this.rng.range(W + m, E - m) };
  }

  nearestPortM(p: LatLon): number {
    return Math.min(...this.ports.map((q) => distanceM(q.centre, p)));
  }

  /** A berth inside the port polygon. */
  berth(p: Port): LatLon {
    return destination(p.centre, this.rng.range(0, 360), Math.sqrt(this.rng.next()) * p.half * 0.7);
  }

  /** Ports at least 150 km apart (fewer if the area is small), each a box with an anchorage 4-6 km off. */
  placePorts(n: number): void {
    const rng = this.rng;
    const ports = this.ports;
    for (let tries = 0; ports.length < n && tries < 20_000; tries++) {
      const c = this.randomPoint(0.3);
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
  }

  /** A transit route from p at t until tEnd: legs in order, with a port call now and then. */
  transit(p: LatLon, t: number, tEnd: number): Leg[] {
    const rng = this.rng;
    const legs: Leg[] = [];
    const cruise = rng.range(8, 20);
    let at = p;
    while (t < tEnd) {
      if (this.ports.length && rng.chance(0.2)) {
        const port = rng.pick(this.ports);
        const b = this.berth(port);
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
      for (let k = 0; k < 10 && !this.inBox(q, 0.1); k++)
        q = destination(at, rng.range(0, 360), rng.range(40_000, 400_000));
      if (!this.inBox(q, 0.1)) q = this.randomPoint(0.1);
      const knots = cruise * rng.range(0.92, 1.08);
      const dt = Math.max(1000, Math.round((distanceM(at, q) / (knots * KNOT_M_PER_S)) * 1000));
      legs.push(moveLeg(at, q, t, t + dt));
      t += dt;
      at = q;
    }
    return legs;
  }

  /** The same kind of route run backwards in time: arriving at p at time t, from before tStart. */
  transitInto(p: LatLon, t: number, tStart: number): Leg[] {
    const fwd = this.transit(p, 0, t - tStart);
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
  }

  /** A fishing vessel's week: 3-15 km legs at 2.5-4.5 kn (status 7) around a ground away from the ports. */
  fishing(start: number, end: number): Leg[] {
    const rng = this.rng;
    let ground = this.randomPoint(0.5);
    for (let k = 0; k < 100 && this.ports.length && this.nearestPortM(ground) < 30_000; k++)
      ground = this.randomPoint(0.5);
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
    return legs;
  }
}

/** A port as GeoJSON: its box, with the anchorage as a property. */
function portFeature(p: Port): GeoFeature {
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
}

// --- vessels ------------------------------------------------------------------

/** Kinds in vessel order: the planted pairs first, then anchored, fishing and transit. */
function vesselKinds(n: number, nPlanted: number, nAnchored: number, nFishing: number): FeedVessel['kind'][] {
  const kinds: FeedVessel['kind'][] = [];
  for (let k = 0; k < nPlanted; k++) kinds.push('planted');
  for (let k = 0; k < nAnchored; k++) kinds.push('anchored');
  for (let k = 0; k < nFishing; k++) kinds.push('fishing');
  while (kinds.length < n) kinds.push('transit');
  return kinds;
}

/** Static data of each vessel: a unique MMSI under a real MID, name, IMO, callsign, type and size by kind. */
function feedVessels(rng: Random, kinds: FeedVessel['kind'][]): FeedVessel[] {
  const used = new Set<number>();
  return kinds.map((kind, k) => {
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
}

// --- planted encounters and near misses -------------------------------------------

/** When, where and how a planted pair meets (drawn before either vessel's legs). */
interface PairPlan {
  t0: number;
  t1: number;
  dur: number;
  /** The first vessel's position at t0 - lead. */
  centre: LatLon;
  fast: boolean;
  knots: number;
  course: number;
  /** The first vessel keeps its drift this long before t0 and after t1. */
  lead: number;
  /** The approach and departure: length (m) and duration (ms). */
  appM: number;
  appMs: number;
  /** The companion's distance from the first vessel: d0 + d1 sin(wd t). */
  d0: number;
  d1: number;
}

const NEAR_MISS_WHYS: PlantedNearMiss['why'][] = ['too short', 'too far', 'too fast'];

/**
 * The planted pairs (vessels 2k and 2k + 1): their plans go into `plans`;
 * returns the manifest's entries.
 */
function plantPairs(
  area: FeedArea,
  o: FeedOptions,
  start: number,
  end: number,
  vessels: FeedVessel[],
  plans: Plan[],
): FeedManifest['planted'] {
  const encounters: PlantedEncounter[] = [];
  const nearMisses: PlantedNearMiss[] = [];
  const centres: LatLon[] = [];
  for (let k = 0; k < o.plantedEncounters + o.plantedNearMisses; k++) {
    const why = k < o.plantedEncounters ? null : NEAR_MISS_WHYS[(k - o.plantedEncounters) % 3];
    const p = planPair(area, why, start, end, centres);
    const leader = leaderLegs(area, p, start, end);
    const companion = companionLegs(area, p, leader.drift, start, end);
    const dense: [number, number] = [p.t0 - HOUR_MS, p.t1 + HOUR_MS];
    plans[2 * k] = { legs: leader.legs, dense };
    plans[2 * k + 1] = { legs: companion.legs, dense };
    const entry = plantedEntry(area, p, leader.drift, companion.form, vessels[2 * k].mmsi, vessels[2 * k + 1].mmsi);
    if (why) nearMisses.push({ ...entry, why });
    else encounters.push(entry);
  }
  return { encounters, nearMisses };
}

/** Times, place (40 km from every port and every other pair), speeds and separation of one pair. */
function planPair(
  area: FeedArea,
  why: PlantedNearMiss['why'] | null,
  start: number,
  end: number,
  centres: LatLon[],
): PairPlan {
  const rng = area.rng;
  const durMin =
    why === 'too short' ? 10 * rng.int(6, 10) : why === 'too fast' ? 10 * rng.int(15, 24) : 10 * rng.int(15, 36);
  const dur = durMin * MINUTE_MS;
  const slot = 10 * MINUTE_MS;
  const t0 = Math.floor(rng.range(start + 12 * HOUR_MS, end - 12 * HOUR_MS - dur) / slot) * slot + 5 * MINUTE_MS;
  const t1 = t0 + dur;
  let c = area.randomPoint(0.8);
  for (let tries = 0; tries < 1000; tries++) {
    if ((!area.ports.length || area.nearestPortM(c) > 40_000) && centres.every((q) => distanceM(q, c) > 40_000)) break;
    c = area.randomPoint(0.8);
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
  return { t0, t1, dur, centre: c, fast, knots, course, lead, appM, appMs, d0, d1 };
}

/** The first vessel: transits, in from W, a steady (drift) leg from t0 - lead to t1 + lead, out to E, transits. */
function leaderLegs(area: FeedArea, p: PairPlan, start: number, end: number): { drift: Leg; legs: Leg[] } {
  const rng = area.rng;
  const A0 = p.centre;
  const driftM = p.knots * KNOT_M_PER_S * ((p.dur + 2 * p.lead) / 1000);
  const drift = moveLeg(A0, destination(A0, p.course, driftM), p.t0 - p.lead, p.t1 + p.lead);
  const A1 = evalAt(drift, drift.t1);
  const Wa = p.fast ? destination(A0, p.course + 180, p.appM) : destination(A0, rng.range(0, 360), p.appM);
  const Ea = p.fast ? destination(A1, p.course, p.appM) : destination(A1, rng.range(0, 360), p.appM);
  const legs = [
    ...area.transitInto(Wa, drift.t0 - p.appMs, start),
    moveLeg(Wa, A0, drift.t0 - p.appMs, drift.t0),
    drift,
    moveLeg(A1, Ea, drift.t1, drift.t1 + p.appMs),
    ...area.transit(Ea, drift.t1 + p.appMs, end),
  ];
  return { drift, legs };
}

/** The second vessel: transits, in to its place, held next to the first from t0 to t1, out, transits. */
function companionLegs(
  area: FeedArea,
  p: PairPlan,
  drift: Leg,
  start: number,
  end: number,
): { form: Leg; legs: Leg[] } {
  const rng = area.rng;
  const form = blank(p.t0, p.t1, FORM, 0);
  form.leader = drift;
  form.knots = p.knots;
  form.b0 = rng.range(0, 360);
  form.b1 = rng.range(0, 30);
  form.wb = (2 * Math.PI) / (rng.range(1, 3) * HOUR_MS);
  form.d0 = p.d0;
  form.d1 = p.d1;
  form.wd = (2 * Math.PI) / (rng.range(1, 3) * HOUR_MS);
  form.ph = 0;
  const F0 = destination(evalAt(drift, p.t0), form.b0, p.d0);
  const bEnd = form.b0 + form.b1 * Math.sin(form.wb * p.dur);
  const F1 = destination(evalAt(drift, p.t1), bEnd, p.d0 + p.d1 * Math.sin(form.wd * p.dur));
  const Wb = p.fast ? destination(F0, p.course + 180, p.appM) : destination(F0, form.b0, p.appM);
  const Eb = p.fast ? destination(F1, p.course, p.appM) : destination(F1, bEnd, p.appM);
  const legs = [
    ...area.transitInto(Wb, p.t0 - p.appMs, start),
    moveLeg(Wb, F0, p.t0 - p.appMs, p.t0),
    form,
    moveLeg(F1, Eb, p.t1, p.t1 + p.appMs),
    ...area.transit(Eb, p.t1 + p.appMs, end),
  ];
  return { form, legs };
}

/** The manifest's entry of a pair: least and greatest separation sampled each minute, the mid position. */
function plantedEntry(area: FeedArea, p: PairPlan, drift: Leg, form: Leg, ma: number, mb: number): PlantedEncounter {
  let lo = Infinity;
  let hi = 0;
  for (let t = p.t0; t <= p.t1; t += MINUTE_MS) {
    const dt = t - p.t0;
    const d = p.d0 + p.d1 * Math.sin(form.wd * dt);
    lo = Math.min(lo, d);
    hi = Math.max(hi, d);
  }
  const midFix = evalAt(drift, (p.t0 + p.t1) / 2);
  return {
    mmsi: (ma < mb ? [ma, mb] : [mb, ma]) as [number, number],
    startMs: p.t0,
    endMs: p.t1,
    start: isoOf(p.t0),
    end: isoOf(p.t1),
    distanceM: Math.round(p.d0),
    minDistanceM: Math.round(lo),
    maxDistanceM: Math.round(hi),
    speedKnots: Math.round(p.knots * 100) / 100,
    lat: Math.round(midFix.lat * 1e5) / 1e5,
    lon: Math.round(midFix.lon * 1e5) / 1e5,
    portDistanceM: area.ports.length ? Math.round(area.nearestPortM(p.centre)) : Infinity,
  };
}

// --- everyone else ---------------------------------------------------------------

/** Plans of the vessels after the planted pairs: at anchor off a port, fishing, or in transit. */
function planOthers(
  area: FeedArea,
  vessels: FeedVessel[],
  nPlanted: number,
  start: number,
  end: number,
  plans: Plan[],
): void {
  const rng = area.rng;
  const ports = area.ports;
  for (let v = nPlanted; v < vessels.length; v++) {
    const kind = vessels[v].kind;
    if (kind === 'anchored' && ports.length) {
      const port = ports[(v - nPlanted) % ports.length];
      const p = destination(port.anchorage, rng.range(0, 360), Math.sqrt(rng.next()) * 1200);
      plans[v] = {
        legs: [stayLeg(p, start - HOUR_MS, end + HOUR_MS, 1, rng.range(40, 80), rng.range(0, 360))],
        dense: null,
      };
    } else if (kind === 'fishing') {
      plans[v] = { legs: area.fishing(start, end), dense: null };
    } else {
      const p0 = ports.length && rng.chance(0.1) ? area.berth(rng.pick(ports)) : area.randomPoint(0.1);
      plans[v] = { legs: area.transit(p0, start - HOUR_MS, end + HOUR_MS), dense: null };
    }
  }
}

// --- report times and the rows ------------------------------------------------------

/** Reports of one vessel: segments [from, to, count], each count jittered in equal cells over its segment. */
type Segments = [number, number, number][];

/**
 * Report counts: planted vessels first (every 90 s on average over their
 * dense window, the mean interval elsewhere), then the rest by weight, so
 * that the total is exactly `o.positions`.
 */
function reportSegments(
  o: FeedOptions,
  rng: Random,
  vessels: FeedVessel[],
  plans: Plan[],
  nPlanted: number,
  start: number,
  end: number,
): Segments[] {
  const meanInterval = ((end - start) * o.vessels) / o.positions;
  const counts = new Float64Array(o.vessels);
  const segs: Segments[] = new Array(o.vessels);
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
  return segs;
}

/**
 * The rows: each vessel's reports merged in time order through a binary
 * heap keyed by its next report time (ties by vessel), each position
 * evaluated from the vessel's legs with its own noise stream. The hot loop
 * of the feed: typed arrays throughout, no object per row.
 */
function mergeReports(o: FeedOptions, vessels: FeedVessel[], plans: Plan[], segs: Segments[]): PositionColumns {
  settleLegs(plans);
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
  return cols;
}
