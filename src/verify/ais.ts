/**
 * The AIS side of the custody chain: the case's AIS logs decoded into one
 * set of tracks, and the questions the chain asks of them (did V leave P,
 * when did V leave the zone, where was V at time t, how close did I and V
 * come, dark periods, meetings).
 */
import { decodeBatchFiles, PositionColumnsBuilder, type PositionColumns, type StaticReport } from '../ais/index.js';
import { aisParse, type AisParse, type GeoJsonCollection } from '../case/index.js';
import { haversineM, MINUTE_MS } from '../util/index.js';
import {
  buildTracks,
  findEncounters,
  portVisits,
  darkPeriods,
  vesselIndex,
  rendezvous,
  type EventParams,
  type TrackEvent,
  type Tracks,
} from '../tracks/index.js';
import { FLAG_GOOD } from '../tracks/index.js';
import { PolygonIndex, type NamedPolygons } from '../tracks/index.js';

export interface AisFile {
  path: string;
  abs: string;
}

export interface CaseTracks {
  tracks: Tracks;
  /** Which AIS files (case-relative paths) carry each MMSI: the evidence behind a vessel's track. */
  filesByMmsi: Map<number, string[]>;
  messages: number;
  rejected: number;
  /** What the decoder made of each file (case-relative path), for the results. */
  parseByFile: Map<string, AisParse>;
}

/** Decodes each AIS file (NMEA or CSV) and builds one set of tracks from all of them. */
export async function caseTracks(files: AisFile[], params: EventParams): Promise<CaseTracks> {
  const all = new PositionColumnsBuilder(1 << 16);
  const statics: StaticReport[] = [];
  const filesByMmsi = new Map<number, string[]>();
  let messages = 0;
  let rejected = 0;
  const parseByFile = new Map<string, AisParse>();
  for (const f of files) {
    const b = await decodeBatchFiles([f.abs], { file: f.path });
    parseByFile.set(f.path, aisParse(b.stats));
    messages += b.stats.messages;
    rejected += Object.values(b.stats.rejected).reduce((a: number, x) => a + (x ?? 0), 0);
    const p: PositionColumns = b.positions;
    const seen = new Set<number>();
    for (let i = 0; i < p.length; i++) {
      all.push(p.time[i], p.mmsi[i], p.lat[i], p.lon[i], p.speed[i], p.course[i], p.heading[i], p.type[i], p.status[i]);
      seen.add(p.mmsi[i]);
    }
    for (const s of b.statics) {
      statics.push(s);
      seen.add(s.mmsi);
    }
    for (const m of seen) {
      const l = filesByMmsi.get(m) ?? [];
      l.push(f.path);
      filesByMmsi.set(m, l);
    }
  }
  return { tracks: buildTracks(all.finish(), statics, params.tracks), filesByMmsi, messages, rejected, parseByFile };
}

/** GeoJSON features as the track stage's polygon index; each feature named by its id. */
export function polygonIndex(c: GeoJsonCollection, file: string): PolygonIndex {
  const np: NamedPolygons = { file, names: [], polygons: [], properties: [] };
  for (const f of c.features) {
    np.names.push(f.properties.id);
    const g = f.geometry;
    np.polygons.push((g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as [number, number][][][]);
    np.properties.push(f.properties);
  }
  return new PolygonIndex(np);
}

/** The good rows of a vessel (indices into the track columns), in time order. */
export function goodRowsOf(tr: Tracks, mmsi: number): number[] {
  const v = vesselIndex(tr, mmsi);
  if (v < 0) return [];
  const rows: number[] = [];
  for (let i = tr.start[v]; i < tr.start[v + 1]; i++) if (tr.flag[i] === FLAG_GOOD) rows.push(i);
  return rows;
}

/** The port visits of a vessel at one port (by id), in time order. */
export function visitsAt(
  tr: Tracks,
  mmsi: number,
  ports: PolygonIndex,
  portId: string,
  params: EventParams,
): TrackEvent[] {
  const v = vesselIndex(tr, mmsi);
  if (v < 0) return [];
  return portVisits(tr, v, ports, params.portVisit).filter((e) => e.port === portId);
}

/** When the vessel's track is first outside the zone after `afterMs`, having been inside it before; null when never. */
export function leftZoneAt(
  tr: Tracks,
  mmsi: number,
  zone: PolygonIndex,
  afterMs: number,
): { time: number; lat: number; lon: number } | null {
  let wasInside = false;
  for (const i of goodRowsOf(tr, mmsi)) {
    if (tr.time[i] < afterMs) continue;
    const inside = zone.contains(tr.lat[i], tr.lon[i]) >= 0;
    if (inside) wasInside = true;
    else if (wasInside) return { time: tr.time[i], lat: tr.lat[i], lon: tr.lon[i] };
  }
  return null;
}

/** The vessel's dark periods that touch the zone, from `fromMs` to `toMs`. */
export function darkInZone(
  tr: Tracks,
  mmsi: number,
  zone: PolygonIndex,
  params: EventParams,
  fromMs: number,
  toMs: number,
): TrackEvent[] {
  const v = vesselIndex(tr, mmsi);
  if (v < 0) return [];
  return darkPeriods(tr, v, params.dark, zone).filter((e) => e.endMs > fromMs && e.startMs < toMs);
}

/** Every encounter of the track stage (both slow, close, long enough, away from ports). */
export function allEncounters(tr: Tracks, params: EventParams, ports: PolygonIndex): TrackEvent[] {
  return findEncounters(tr, params.encounter, ports);
}

/** Position of a vessel at time t by linear interpolation between good reports at most `maxGapMs` apart; null when there is none. */
export function positionAt(
  tr: Tracks,
  rows: number[],
  t: number,
  maxGapMs: number,
): { lat: number; lon: number } | null {
  // Binary search for the last row at or before t.
  let lo = 0;
  let hi = rows.length - 1;
  if (hi < 0 || t < tr.time[rows[0]] || t > tr.time[rows[hi]]) return null;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tr.time[rows[mid]] <= t) lo = mid;
    else hi = mid - 1;
  }
  const a = rows[lo];
  if (tr.time[a] === t || lo === rows.length - 1) return { lat: tr.lat[a], lon: tr.lon[a] };
  const b = rows[lo + 1];
  const dt = tr.time[b] - tr.time[a];
  if (dt > maxGapMs) return null;
  const f = (t - tr.time[a]) / dt;
  let dLon = tr.lon[b] - tr.lon[a];
  if (dLon > 180) dLon -= 360;
  else if (dLon < -180) dLon += 360;
  let lon = tr.lon[a] + f * dLon;
  if (lon > 180) lon -= 360;
  else if (lon < -180) lon += 360;
  return { lat: tr.lat[a] + f * (tr.lat[b] - tr.lat[a]), lon };
}

export interface Approach {
  /** Closest distance found, metres; null when the vessel(s) had no position in the window. */
  minDistanceM: number | null;
  atMs: number | null;
  /** Minutes of the window in which a position was known (for both parties where there are two). */
  coveredMinutes: number;
}

const MINUTE = MINUTE_MS;

/**
 * The most minutes one window may be sampled at: a year. The terms bound a
 * window to a week either side; this bounds the loop itself, whatever calls it.
 */
export const MAX_WINDOW_SAMPLES = 366 * 24 * 60;

/**
 * The whole minutes in [from, to], as a first minute and a count. Counting
 * samples, rather than stepping a time until it passes `to`, ends on any
 * input: an infinite bound, NaN, or times so large that adding a minute no
 * longer changes them.
 */
export function minuteSamples(from: number, to: number): { first: number; count: number } {
  const first = Math.ceil(from / MINUTE) * MINUTE;
  const count = Math.floor((to - first) / MINUTE) + 1;
  if (!Number.isFinite(first) || !Number.isFinite(count) || !Number.isSafeInteger(first) || count <= 0)
    return { first: 0, count: 0 };
  if (count > MAX_WINDOW_SAMPLES)
    throw new RangeError(`a window of ${count} minutes is longer than ${MAX_WINDOW_SAMPLES} (a year)`);
  return { first, count };
}

/** Closest distance between two moving (or fixed) positions over [from, to], sampled each minute where both are known. */
function closest(
  a: (t: number) => { lat: number; lon: number } | null,
  b: (t: number) => { lat: number; lon: number } | null,
  from: number,
  to: number,
): Approach {
  let best: number | null = null;
  let at: number | null = null;
  let covered = 0;
  const { first, count } = minuteSamples(from, to);
  for (let i = 0; i < count; i++) {
    const t = first + i * MINUTE;
    const p = a(t);
    if (!p) continue;
    const q = b(t);
    if (!q) continue;
    covered++;
    const d = haversineM(p.lat, p.lon, q.lat, q.lon);
    if (best === null || d < best) {
      best = d;
      at = t;
    }
  }
  return { minDistanceM: best, atMs: at, coveredMinutes: covered };
}

/** Closest approach of a vessel to a fixed point within [from, to]. */
export function approachToPoint(
  tr: Tracks,
  mmsi: number,
  lat: number,
  lon: number,
  from: number,
  to: number,
  maxGapMs: number,
): Approach {
  const rows = goodRowsOf(tr, mmsi);
  const point = { lat, lon };
  return closest(
    (t) => positionAt(tr, rows, t, maxGapMs),
    () => point,
    from,
    to,
  );
}

/** Closest approach of two vessels within [from, to]. */
export function approachOfPair(tr: Tracks, a: number, b: number, from: number, to: number, maxGapMs: number): Approach {
  const ra = goodRowsOf(tr, a);
  const rb = goodRowsOf(tr, b);
  return closest(
    (t) => positionAt(tr, ra, t, maxGapMs),
    (t) => positionAt(tr, rb, t, maxGapMs),
    from,
    to,
  );
}

/**
 * Periods when the vessel's track stays within `distanceM` of a point,
 * sampled each minute, within [from, to]; the first (or null).
 */
export function overflight(
  tr: Tracks,
  mmsi: number,
  lat: number,
  lon: number,
  from: number,
  to: number,
  distanceM: number,
  maxGapMs: number,
): { start: number; end: number } | null {
  const rows = goodRowsOf(tr, mmsi);
  let start: number | null = null;
  let end = 0;
  const { first, count } = minuteSamples(from, to);
  for (let i = 0; i < count; i++) {
    const t = first + i * MINUTE;
    const p = positionAt(tr, rows, t, maxGapMs);
    const near = p !== null && haversineM(lat, lon, p.lat, p.lon) <= distanceM;
    if (near) {
      if (start === null) start = t;
      end = t;
    } else if (start !== null) break;
  }
  return start === null ? null : { start, end };
}

export { rendezvous };
