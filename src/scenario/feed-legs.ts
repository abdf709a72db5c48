/**
 * The feed's motion model: a vessel's plan is a list of legs in time order,
 * each a great-circle move at constant speed, a stay (moored, or swinging
 * at anchor with the tide), or a place held next to another vessel's move
 * (a planted encounter). Legs are plain objects with their trigonometry
 * precomputed, and are evaluated into a reused Fix: the generator evaluates
 * one per row, millions of times, without allocating.
 */
import { KNOT_M_PER_S, EARTH_RADIUS_M, HOUR_MS } from '../util/index.js';
import { bearingDeg, destination, distanceM, normLon, type LatLon } from './paths.js';

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;
/** One swing of a vessel at anchor: the semi-diurnal tide. */
export const TIDE_MS = 12.42 * HOUR_MS;

export const MOVE = 0;
export const STAY = 1;
export const FORM = 2;

/** A piece of a vessel's plan: a great-circle move, a stay (moored or at anchor), or a place held next to another vessel. */
export interface Leg {
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

export function blank(t0: number, t1: number, kind: number, status: number): Leg {
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

export function moveLeg(a: LatLon, b: LatLon, t0: number, t1: number, status = 0): Leg {
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

export function stayLeg(p: LatLon, t0: number, t1: number, status: number, swing: number, heading: number): Leg {
  const l = blank(t0, t1, STAY, status);
  l.lat0 = p.lat;
  l.lon0 = p.lon;
  l.swing = swing;
  l.heading = heading;
  return l;
}

/** Where a vessel is and how it moves at t: written into `out` (degrees, knots, degrees). */
export interface Fix {
  lat: number;
  lon: number;
  knots: number;
  course: number;
}

export function evalMove(l: Leg, t: number, out: Fix): void {
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

export function evalLeg(l: Leg, t: number, out: Fix): void {
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

export function evalAt(l: Leg, t: number): LatLon {
  const fx: Fix = { lat: 0, lon: 0, knots: 0, course: 0 };
  evalMove(l, t, fx);
  return { lat: fx.lat, lon: fx.lon };
}

/**
 * Touches every leg once, before the rows are written; returns the latest
 * leg end. A field first filled with whole numbers and later with a
 * fraction (the swing radius, first set by the anchored vessels, which are
 * planned last) changes V8's layout of the legs made before. Left alone,
 * those legs are re-laid one at a time inside the row loop, and each change
 * there keeps V8 from compiling the loop (half as fast again).
 */
export function settleLegs(plans: readonly { legs: readonly Leg[] }[]): number {
  let last = -Infinity;
  for (const p of plans) for (const l of p.legs) last = Math.max(last, l.t1);
  return last;
}
