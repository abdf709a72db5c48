/**
 * Meetings under way: any approach of one vessel to another that could pass
 * cargo, at any speed. The rendezvous rule (params.ts, `rendezvous`: within
 * 1,000 m for 15 minutes) against every other vessel in the tracks, not
 * only a named pair. What it keeps out, and why:
 *
 * - crossing traffic: two vessels stay within 1,000 m for 15 minutes only
 *   when they close at under about 4 kn (2 km of chord in 15 minutes), which
 *   vessels crossing at any real angle and speed never do;
 * - vessels in a traffic lane, one overtaking another: they must hold
 *   station (`meeting.maxRelativeKnots`, under 1 kn relative over some 15
 *   minutes of the close period), which a vessel passing another does not;
 * - a pilot boat, tug or launch at a port: a meeting whose mean position is
 *   within `encounter.minPortDistanceM` (10 km) of a port polygon is port
 *   traffic, as for the encounter.
 *
 * Two vessels steaming in line at the same speed less than 1,000 m apart
 * hold station too: AIS cannot tell them from a transfer, and they are kept.
 */
import { pairRuns, type PortDistance } from './encounters.js';
import { vesselIndex } from './events.js';
import { DEFAULT_PARAMS, type EventParams } from './params.js';
import { FLAG_GOOD, type TrackEvent, type Tracks } from './types.js';
import { haversineM, KNOT_M_PER_S } from '../util/index.js';
import { lonDelta, M_PER_DEG_LAT } from './geo.js';

export interface MeetingQuery {
  params?: EventParams;
  /** Port polygons for the distance-from-port rule (skipped when absent). */
  ports?: PortDistance | null;
  /** Only meetings that overlap [fromMs, toMs]. */
  fromMs?: number;
  toMs?: number;
  /** Vessels not to look at (MMSI): the inspectors, whose meetings are inspections. */
  exclude?: ReadonlySet<number>;
}

/** First and last good report times of vessel v, or null. */
function span(tr: Tracks, v: number): [number, number] | null {
  let first = Infinity;
  let last = -Infinity;
  for (let i = tr.start[v]; i < tr.start[v + 1]; i++) {
    if (tr.flag[i] !== FLAG_GOOD) continue;
    if (tr.time[i] < first) first = tr.time[i];
    if (tr.time[i] > last) last = tr.time[i];
  }
  return first <= last ? [first, last] : null;
}

/** Every meeting under way of `mmsi` with another vessel (kind 'rendezvous'), in time order. */
export function meetingsUnderWay(tr: Tracks, mmsi: number, q: MeetingQuery = {}): TrackEvent[] {
  const p = q.params ?? DEFAULT_PARAMS;
  const r = p.rendezvous;
  const a = vesselIndex(tr, mmsi);
  if (a < 0) return [];
  const own = span(tr, a);
  if (!own) return [];
  const ra = goodRows(tr, a);
  const from = Math.max(own[0], q.fromMs ?? -Infinity);
  const to = Math.min(own[1], q.toMs ?? Infinity);
  const out: TrackEvent[] = [];
  for (let b = 0; b < tr.mmsi.length; b++) {
    if (b === a || q.exclude?.has(tr.mmsi[b])) continue;
    const other = span(tr, b);
    if (!other || other[1] < from || other[0] > to) continue;
    if (!everNear(tr, ra, b, p)) continue;
    const runs = pairRuns(
      tr,
      Math.min(a, b),
      Math.max(a, b),
      r.slotMs,
      r.maxInterpolationGapMs,
      r.maxDistanceM,
      r.minDurationMs,
    );
    for (const e of runs) {
      if (e.endMs < from || e.startMs > to) continue;
      const minPort = p.encounter.minPortDistanceM;
      if (q.ports && minPort > 0 && q.ports.distance(e.lat, e.lon, minPort) < minPort) continue;
      if (!heldStation(tr, a, b, e.startMs, e.endMs, p)) continue;
      out.push({ ...e, kind: 'rendezvous' });
    }
  }
  return out.sort((x, y) => x.startMs - y.startMs || x.mmsi[0] - y.mmsi[0] || x.mmsi[1] - y.mmsi[1]);
}

/** Good rows of vessel v, in time order. */
function goodRows(tr: Tracks, v: number): number[] {
  const rows: number[] = [];
  for (let i = tr.start[v]; i < tr.start[v + 1]; i++) if (tr.flag[i] === FLAG_GOOD) rows.push(i);
  return rows;
}

/** Position of a vessel at t, interpolated between good reports at most `maxGapMs` apart; null when none. */
function at(tr: Tracks, rows: number[], t: number, maxGapMs: number): [number, number] | null {
  let lo = 0;
  let hi = rows.length - 1;
  if (hi < 0 || t < tr.time[rows[0]] || t > tr.time[rows[hi]]) return null;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tr.time[rows[mid]] <= t) lo = mid;
    else hi = mid - 1;
  }
  const i = rows[lo];
  if (tr.time[i] === t || lo === rows.length - 1) return [tr.lat[i], tr.lon[i]];
  const j = rows[lo + 1];
  const dt = tr.time[j] - tr.time[i];
  if (dt > maxGapMs) return null;
  const f = (t - tr.time[i]) / dt;
  return [tr.lat[i] + f * (tr.lat[j] - tr.lat[i]), tr.lon[i] + f * lonDelta(tr.lon[i], tr.lon[j])];
}

/**
 * Whether, somewhere in [fromMs, toMs], vessel b's position relative to a
 * moves at most `meeting.maxRelativeKnots` (end to end) over
 * `rendezvous.minDurationMs`: the two held station.
 */
function heldStation(tr: Tracks, a: number, b: number, fromMs: number, toMs: number, p: EventParams): boolean {
  const r = p.rendezvous;
  const w = r.minDurationMs;
  const maxM = p.meeting.maxRelativeKnots * KNOT_M_PER_S * (w / 1000);
  const ra = goodRows(tr, a);
  const rb = goodRows(tr, b);
  // b relative to a, metres east and north (local flat approximation: the two are within 1,000 m).
  const rel = (t: number): [number, number] | null => {
    const pa = at(tr, ra, t, r.maxInterpolationGapMs);
    const pb = at(tr, rb, t, r.maxInterpolationGapMs);
    if (!pa || !pb) return null;
    const cos = Math.cos((pa[0] * Math.PI) / 180);
    return [lonDelta(pa[1], pb[1]) * cos * M_PER_DEG_LAT, (pb[0] - pa[0]) * M_PER_DEG_LAT];
  };
  for (let t = fromMs; t + w <= toMs; t += r.slotMs) {
    const x = rel(t);
    const y = rel(t + w);
    if (x && y && Math.hypot(y[0] - x[0], y[1] - x[1]) <= maxM) return true;
  }
  return false;
}

/**
 * A cheap bound before the pair is resampled: whether some report of b lies
 * near enough to a's report nearest in time that the two could have been
 * within the rendezvous distance. Positions are interpolated across gaps of
 * at most `maxInterpolationGapMs`, and between good reports a vessel moves
 * at most `tracks.maxImpliedSpeedKnots` (faster is a jump, flagged), so a
 * pair ever that close passes.
 */
function everNear(tr: Tracks, ra: number[], b: number, p: EventParams): boolean {
  if (ra.length === 0) return false;
  const gap = p.rendezvous.maxInterpolationGapMs;
  const speed = p.tracks.maxImpliedSpeedKnots * KNOT_M_PER_S;
  for (let i = tr.start[b]; i < tr.start[b + 1]; i++) {
    if (tr.flag[i] !== FLAG_GOOD) continue;
    const t = tr.time[i];
    // a's report nearest in time to t.
    let lo = 0;
    let hi = ra.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tr.time[ra[mid]] < t) lo = mid + 1;
      else hi = mid;
    }
    let k = ra[lo];
    if (lo > 0 && Math.abs(tr.time[ra[lo - 1]] - t) < Math.abs(tr.time[k] - t)) k = ra[lo - 1];
    const dt = Math.abs(tr.time[k] - t);
    if (dt > 3 * gap) continue;
    const reach = p.rendezvous.maxDistanceM + (speed * (dt + 4 * gap)) / 1000;
    if (haversineM(tr.lat[i], tr.lon[i], tr.lat[k], tr.lon[k]) <= reach) return true;
  }
  return false;
}
