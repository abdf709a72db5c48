/**
 * Positions on the sphere and paths in time, for the scenarios that plan
 * vessel movements (the known-answer traffic, the feed, the cases): the
 * distance, bearing and destination on the sphere the track stage measures
 * with (haversine, R = 6,371,008.8 m), paths as functions of time (standing
 * still, dead reckoning, great-circle legs, waypoint routes, pieces), the
 * velocity of a path, a point-in-ring test, and the AIS quantisation of a
 * position (1/600 000 degree).
 */
import { wrapLon as normLon } from '../tracks/index.js';
import { EARTH_RADIUS_M, haversineM, KNOT_M_PER_S } from '../util/index.js';

// The longitude wrap is the track stage's own: the scenarios are measured as they will be judged.
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
