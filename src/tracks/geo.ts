/**
 * Geodesy on the sphere (R = 6,371,008.8 m): the distances every event
 * threshold is measured with, and interpolation that takes the short way
 * across the antimeridian.
 */
import { EARTH_RADIUS_M, KNOT_M_PER_S } from '../util/index.js';

/** Speed in knots implied by covering `metres` in `ms`. */
export function knots(metres: number, ms: number): number {
  return ms > 0 ? metres / (ms / 1000) / KNOT_M_PER_S : Infinity;
}

/** Longitude difference b - a folded into (-180, 180]: the short way round. */
export function lonDelta(a: number, b: number): number {
  let d = b - a;
  if (d > 180) d -= 360;
  else if (d <= -180) d += 360;
  return d;
}

/** Longitude folded into [-180, 180). */
export function wrapLon(lon: number): number {
  if (lon >= -180 && lon < 180) return lon;
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** Linear interpolation of a position at fraction f (0..1) from a to b, across the antimeridian the short way. */
export function interpolateLon(lonA: number, lonB: number, f: number): number {
  return wrapLon(lonA + lonDelta(lonA, lonB) * f);
}

/** Mean of longitudes that may straddle the antimeridian: averaged as offsets from the first. */
export class LonMean {
  private ref = NaN;
  private sum = 0;
  private n = 0;
  add(lon: number, weight = 1): void {
    if (this.n === 0) this.ref = lon;
    this.sum += lonDelta(this.ref, lon) * weight;
    this.n += weight;
  }
  get value(): number {
    return this.n === 0 ? NaN : wrapLon(this.ref + this.sum / this.n);
  }
}

/** Metres per degree of latitude on the sphere. */
export const M_PER_DEG_LAT = (EARTH_RADIUS_M * Math.PI) / 180;
