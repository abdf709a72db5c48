/**
 * What a known-answer traffic scenario holds and the answers it carries:
 * the events the track engine must find (with their tolerances), those it
 * must not find (and why), the reports its cleaning must flag; and the
 * helpers that plant and time them: vessels meeting at sea, encounter
 * records, the crossing of a polygon's boundary, a run of reports in port.
 */
import type { EventKind } from '../tracks/index.js';
import { HOUR_MS, KNOT_M_PER_S, MINUTE_MS } from '../util/index.js';
import type { GeoCollection } from './geojson.js';
import { destination, drift, goTo, inRing, intermediate, offset, piecewise, type LatLon, type Path } from './paths.js';
import { Builder, type ScenarioVesselInfo, type Track, type Vessel } from './traffic-builder.js';

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

export const iso = (ms: number): string => new Date(ms).toISOString();
/** Monday 11 March 2024, 00:00 UTC: the day the scenarios happen on. */
export const SCENARIO_DAY = Date.UTC(2024, 2, 11);
/** Default start/end tolerance of an event on the 10-minute grid. */
export const SLOT_TOLERANCE = 15 * MINUTE_MS;

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
export function meeting(s: MeetingSpec): { paths: Path[]; start: number; end: number; base: Path } {
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

export const pairOf = (a: number, b: number): number[] => (a < b ? [a, b] : [b, a]);

export function encounterExpected(
  a: Vessel,
  b: Vessel,
  t0: number,
  t1: number,
  mid: LatLon,
  note: string,
): ExpectedEvent {
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
export function midOf(p: Path, q: Path, t0: number, t1: number): LatLon {
  const t = (t0 + t1) / 2;
  return intermediate(p(t), q(t), 0.5);
}

/** First time in [a, b] at which `inside` changes, to the second (bisection; assumes one change). */
export function crossing(path: Path, ring: number[][], a: number, b: number): number {
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
export function reportRun(track: Track, ring: number[][], t: number): [number, number] {
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
