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
 *
 *   paths.ts              the sphere and paths in time
 *   geojson.ts            port and zone polygons
 *   traffic-builder.ts    vessels, tracks and the AIS writer
 *   traffic-events.ts     the answers, and meetings, crossings, runs in port
 *   traffic-scenarios.ts  the known-answer scenarios, one function each
 *   traffic.ts            the scenarios by name, expected.json, random traffic
 */
import type { PositionColumns } from '../ais/index.js';
import { HOUR_MS, MINUTE_MS } from '../util/index.js';
import { TRAFFIC_SCENARIO_NAMES, type TrafficScenarioName } from './defaults.js';
import { Random } from './random.js';
import { bearingDeg, drift, normLon, offset, piecewise, quantAis, velocity, type LatLon, type Path } from './paths.js';
import { iso, SCENARIO_DAY, type TrafficScenario } from './traffic-events.js';
import {
  antimeridian,
  borderline,
  chain,
  crossingPaths,
  darkPeriod,
  encounterMidnight,
  irregular,
  loitering,
  portVisit,
  shortPair,
  spoofedJump,
} from './traffic-scenarios.js';

export type { TrafficScenario } from './traffic-events.js';

/** The known-answer scenarios by name, each with its default seed. */
export const TRAFFIC_SCENARIOS: Record<TrafficScenarioName, (seed?: number) => TrafficScenario> = {
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
  return [...TRAFFIC_SCENARIO_NAMES];
}

/** One known-answer scenario by name (throws, naming the known ones, for another name). */
export function trafficScenario(name: string, seed?: number): TrafficScenario {
  const f = (TRAFFIC_SCENARIOS as Record<string, (seed?: number) => TrafficScenario>)[name];
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
