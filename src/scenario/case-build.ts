/**
 * Building blocks of the case descriptions (strait.ts, cuba-1962.ts):
 * seeded streams keyed by a label, report times, vessels (MMSI, name,
 * callsign, IMO, size), site and zone rings, the position a report
 * carries, an inspector ship's path alongside a vessel (the rendezvous),
 * the time a path leaves the zone, and background traffic.
 */
import { createHash } from 'node:crypto';
import { MINUTE_MS, NAUTICAL_MILE_M, HOUR_MS } from '../util/index.js';
import { Random } from './random.js';
import {
  bearingDeg,
  distanceM,
  inRing,
  quantAis,
  velocity,
  destination,
  route,
  type LatLon,
  type Path,
} from './paths.js';
import type { PortSpec, TrackSpec, VesselSpec } from './case.js';

/** A 32-bit seed for a labelled stream: the same (seed, label) always gives the same stream. */
export function subSeed(seed: number, label: string): number {
  const h = createHash('sha256')
    .update(`${seed >>> 0}/${label}`)
    .digest();
  return h.readUInt32BE(0);
}

export function rngFor(seed: number, label: string): Random {
  return new Random(subSeed(seed, label));
}

/** n bytes from a Random. */
export function randomBytesFrom(rng: Random): (n: number) => Uint8Array {
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = rng.uint32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  };
}

/** A port's polygon: the square of its half side around it. */
export function portRing(p: PortSpec): number[][] {
  return squareRing(p.lat, p.lon, p.halfM);
}

/** Whole-second report times from t0 to t1 (t0 included), intervals uniform in [minS, maxS] s, optionally silent in (skip0, skip1). */
export function reportTimes(
  rng: Random,
  t0: number,
  t1: number,
  minS: number,
  maxS: number,
  skips: [number, number][] = [],
): number[] {
  const out: number[] = [];
  let t = Math.round(t0 / 1000) * 1000;
  while (t <= t1) {
    if (!skips.some(([a, b]) => t > a && t < b)) out.push(t);
    t += rng.int(minS, maxS) * 1000;
  }
  return out;
}

/** Merges report time lists (dense during meetings), keeping whole seconds, unique, rising. */
export function mergeTimes(...lists: number[][]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

export function vesselSpec(
  rng: Random,
  mmsi: number,
  name: string,
  shiptype: number,
  destination: string,
  imo?: number,
): VesselSpec {
  let callsign = '';
  for (let c = 0; c < 4; c++) callsign += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[rng.int(0, 25)];
  const length = shiptype === 35 ? rng.int(110, 135) : rng.int(120, 170);
  const v: VesselSpec = {
    mmsi,
    name: name.toUpperCase().slice(0, 20),
    callsign,
    shiptype,
    length,
    beam: Math.max(10, Math.round(length / 7)),
    draught: Math.round(rng.range(5, 9) * 10) / 10,
    destination: destination.toUpperCase().slice(0, 20),
  };
  if (imo !== undefined) v.imo = imo;
  return v;
}

/** A square polygon ring (lon/lat, closed, counter-clockwise) of half side `halfM` around a point. */
export function squareRing(lat: number, lon: number, halfM: number): number[][] {
  const dLat = halfM / 111_195;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  const r = (x: number): number => Math.round(x * 1e7) / 1e7;
  const w = r(lon - dLon),
    e = r(lon + dLon),
    s = r(lat - dLat),
    n = r(lat + dLat);
  return [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ];
}

export function boxRing(west: number, south: number, east: number, north: number): number[][] {
  return [
    [west, south],
    [east, south],
    [east, north],
    [west, north],
    [west, south],
  ];
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The position a report at t carries (as sent: quantised). */
export function sentAt(track: TrackSpec, t: number): LatLon {
  const p = track.path(t);
  return { lat: quantAis(p.lat), lon: quantAis(p.lon) };
}

/**
 * An inspector ship's path: steams in from `fromBearing` at `knots`, runs
 * alongside the vessel at `sideM` metres abeam (starboard) from t0 to t1,
 * then leaves the way it came. `awayM`: instead keeps that far off abeam
 * the whole time (an inspection its AIS cannot corroborate).
 */
export function alongsidePath(
  vessel: Path,
  t0: number,
  t1: number,
  opts: { sideM: number; knots: number; approachMs: number; fromBearing: number; awayM?: number },
): Path {
  const abeam = (t: number): number => {
    const v = velocity(vessel, t, 30_000);
    return Number.isFinite(v.course) ? (v.course + 90) % 360 : 90;
  };
  if (opts.awayM !== undefined) {
    const d = opts.awayM;
    return (t) => destination(vessel(t), abeam(t), d);
  }
  const side = (t: number): LatLon => destination(vessel(t), abeam(t), opts.sideM);
  const p0 = side(t0);
  const p1 = side(t1);
  const run = (opts.knots * NAUTICAL_MILE_M * opts.approachMs) / HOUR_MS;
  const a = destination(p0, opts.fromBearing, run);
  const b = destination(p1, opts.fromBearing, run);
  return (t) => {
    if (t < t0) {
      const f = Math.max(0, 1 - (t0 - t) / opts.approachMs);
      return interp(a, p0, f);
    }
    if (t <= t1) return side(t);
    const f = Math.min(1, (t - t1) / opts.approachMs);
    return interp(p1, b, f);
  };
}

/** The point a fraction `f` of the way from a to b (an inspector's approach and departure). */
function interp(a: LatLon, b: LatLon, f: number): LatLon {
  const d = distanceM(a, b);
  if (d === 0 || f <= 0) return { lat: a.lat, lon: a.lon };
  if (f >= 1) return { lat: b.lat, lon: b.lon };
  const brg = bearing(a, b);
  return destination(a, brg, d * f);
}

/**
 * Initial bearing from a to b, degrees. The same formula as bearingDeg with
 * its own order of operations: the cases' bytes were generated with it.
 */
function bearing(a: LatLon, b: LatLon): number {
  const D = Math.PI / 180;
  const y = Math.sin((b.lon - a.lon) * D) * Math.cos(b.lat * D);
  const x =
    Math.cos(a.lat * D) * Math.sin(b.lat * D) -
    Math.sin(a.lat * D) * Math.cos(b.lat * D) * Math.cos((b.lon - a.lon) * D);
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

/** First time (1-minute steps) in [from, to] at which the path is outside the ring; null when it never is. */
export function exitTime(path: Path, ring: number[][], from: number, to: number): number | null {
  for (let t = from; t <= to; t += MINUTE_MS) {
    const p = path(t);
    if (!inRing(ring, p.lat, p.lon)) return t;
  }
  return null;
}

/** Background traffic: vessels under way (never slow) on great circles through a box, each in its own seeded stream. */
export function backgroundTracks(
  seed: number,
  n: number,
  opts: {
    bbox: [number, number, number, number];
    start: number;
    spanMs: number;
    mmsiBase: number;
    file: string;
    names: string[];
    destinations: string[];
    /** Shipping lanes (from, to): when given, each vessel sails part of one (either way, up to 8 km off its axis) instead of a random line in bbox. */
    lanes?: [LatLon, LatLon][];
  },
): TrackSpec[] {
  const out: TrackSpec[] = [];
  const [w, s, e, nn] = opts.bbox;
  for (let k = 0; k < n; k++) {
    const rng = rngFor(seed, `background/${k}`);
    const name =
      k < opts.names.length
        ? opts.names[k]
        : `${opts.names[k % opts.names.length]} ${Math.floor(k / opts.names.length) + 1}`;
    const v = vesselSpec(
      rng,
      opts.mmsiBase + k * 7 + 1,
      name,
      rng.pick([70, 70, 79, 80, 71]),
      rng.pick(opts.destinations),
      rng.int(5_000_000, 9_999_999),
    );
    const knots = rng.range(8, 14);
    const t0 = opts.start + Math.round((rng.range(0, 0.3) * opts.spanMs) / 1000) * 1000;
    let t1 = t0 + Math.round((rng.range(0.4, 0.7) * opts.spanMs) / 1000) * 1000;
    let path: Path;
    if (opts.lanes && opts.lanes.length > 0) {
      const lane = opts.lanes[rng.int(0, opts.lanes.length - 1)];
      const [a, b] = rng.chance(0.5) ? lane : [lane[1], lane[0]];
      const side = rng.range(-8000, 8000);
      const brg = bearingDeg(a, b);
      const a1 = destination(a, brg + 90, side);
      const b1 = destination(b, brg + 90, side);
      const p0 = destination(a1, brg, rng.range(0, 0.4) * distanceM(a1, b1));
      const r = route(p0, t0, [{ to: b1, knots }]);
      path = r.path;
      // Under way throughout: the reports stop before the end of the lane.
      t1 = Math.min(t1, r.end - 10 * MINUTE_MS);
    } else {
      const p0 = { lat: rng.range(s, nn), lon: rng.range(w, e) };
      const far = destination(p0, rng.range(0, 360), knots * NAUTICAL_MILE_M * 200);
      path = route(p0, t0, [{ to: far, knots }]).path;
    }
    out.push({ vessel: v, role: 'background', path, times: reportTimes(rng, t0, t1, 180, 360), file: opts.file });
  }
  return out;
}
