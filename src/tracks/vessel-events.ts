/**
 * Events of one vessel at a time: port visits, dark periods, loitering.
 * Each walks the vessel's good reports once, in time order.
 */
import { haversineM, knots, LonMean, median } from './geo.js';
import type { DarkParams, LoiteringParams, PortVisitParams } from './params.js';
import { FLAG_GOOD, type TrackEvent, type Tracks } from './types.js';

/** Port or zone polygons, as `geography.ts`'s PolygonIndex provides them. */
export interface Polygons {
  contains(lat: number, lon: number): number;
  distance(lat: number, lon: number, maxM: number): number;
  name(i: number): string;
}

/** Distance from shore, as `shore.ts`'s ShoreDistance provides it. */
export interface Shore {
  distance(lat: number, lon: number, maxM?: number): number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * "At least `minM` from shore", answered per cell of a 0.05° grid where a
 * whole cell is clearly on one side (one shore query at its centre, kept),
 * and per point only in the cells the threshold crosses. Slow vessels sit
 * in few cells, so a feed of millions of reports asks the index little.
 */
export class ShoreThreshold {
  private readonly cells = new Map<number, number>();
  private static readonly CELL = 0.05;
  constructor(private readonly shore: Shore, private readonly minM: number) {}

  isFar(lat: number, lon: number): boolean {
    const c = ShoreThreshold.CELL;
    const cy = Math.floor((lat + 90) / c);
    const cx = Math.floor((lon + 180) / c);
    const key = cy * 7200 + cx;
    let state = this.cells.get(key);
    if (state === undefined) {
      const clat = (cy + 0.5) * c - 90;
      const clon = (cx + 0.5) * c - 180;
      // Half the cell's diagonal, in metres (its longitude side is the longer at the cell's low-latitude edge).
      const half = 0.5 * Math.hypot(c * 111_195, c * 111_195 * Math.cos((Math.max(0, Math.abs(clat) - c) * Math.PI) / 180));
      const d = this.shore.distance(clat, clon, this.minM + half);
      state = d >= this.minM + half ? 1 : d <= this.minM - half ? 0 : 2;
      this.cells.set(key, state);
    }
    if (state !== 2) return state === 1;
    return this.shore.distance(lat, lon, this.minM) >= this.minM;
  }
}

function good(tr: Tracks, v: number): number[] {
  const rows: number[] = [];
  for (let i = tr.start[v]; i < tr.start[v + 1]; i++) if (tr.flag[i] === FLAG_GOOD) rows.push(i);
  return rows;
}

/**
 * Port visits: from the first report inside a port polygon to the exit after
 * which the vessel is not back inside any port polygon within
 * `departureGraceMs` (moving between berths or polygons is one visit). The
 * visit is `departed` when such an exit was seen; otherwise the vessel was
 * still in port (or back within the grace period) when its reports end.
 */
export function portVisits(tr: Tracks, v: number, ports: Polygons, p: PortVisitParams): TrackEvent[] {
  const rows = good(tr, v);
  const { time, lat, lon } = tr;
  const events: TrackEvent[] = [];
  let visit: { ports: string[]; first: number; lastInside: number; rows: number[]; lat: number; lon: LonMean; n: number } | null = null;
  let exitRow = -1;
  const close = (departed: boolean): void => {
    if (!visit) return;
    const endRow = departed ? exitRow : visit.lastInside;
    const positions = departed ? [...visit.rows, exitRow] : visit.rows;
    events.push({
      kind: 'port_visit', mmsi: [tr.mmsi[v]], port: visit.ports[0],
      start: iso(time[visit.first]), end: iso(time[endRow]), startMs: time[visit.first], endMs: time[endRow],
      lat: visit.lat / visit.n, lon: visit.lon.value, departed,
      ...(visit.ports.length > 1 ? { ports: visit.ports } : {}),
      positions: positions.map((r) => tr.source[r]),
    });
    visit = null;
    exitRow = -1;
  };
  for (const i of rows) {
    const inside = ports.contains(lat[i], lon[i]);
    if (inside >= 0) {
      if (visit && exitRow >= 0 && time[i] - time[exitRow] > p.departureGraceMs) close(true);
      if (!visit) visit = { ports: [], first: i, lastInside: i, rows: [], lat: 0, lon: new LonMean(), n: 0 };
      const name = ports.name(inside);
      if (!visit.ports.includes(name)) visit.ports.push(name);
      visit.lastInside = i;
      visit.rows.push(i);
      visit.lat += lat[i];
      visit.lon.add(lon[i]);
      visit.n++;
      exitRow = -1;
    } else if (visit) {
      if (exitRow < 0) exitRow = i;
      else if (time[i] - time[exitRow] > p.departureGraceMs) close(true);
    }
  }
  // Reports end: departed if it left and was seen outside for the whole grace period.
  if (visit) {
    const lastRow = rows[rows.length - 1];
    close(exitRow >= 0 && time[lastRow] - time[exitRow] >= p.departureGraceMs);
  }
  return events;
}

/**
 * Dark periods: consecutive good reports at least `minGapMs` apart, when the
 * vessel was inside the zone at either end (or always, with no zone).
 */
export function darkPeriods(tr: Tracks, v: number, p: DarkParams, zone?: Polygons | null): TrackEvent[] {
  const rows = good(tr, v);
  const { time, lat, lon } = tr;
  const out: TrackEvent[] = [];
  for (let k = 1; k < rows.length; k++) {
    const a = rows[k - 1];
    const b = rows[k];
    const gap = time[b] - time[a];
    if (gap < p.minGapMs) continue;
    if (zone && zone.contains(lat[a], lon[a]) < 0 && zone.contains(lat[b], lon[b]) < 0) continue;
    const lonMean = new LonMean();
    lonMean.add(lon[a]);
    lonMean.add(lon[b]);
    const d = haversineM(lat[a], lon[a], lat[b], lon[b]);
    out.push({
      kind: 'dark_period', mmsi: [tr.mmsi[v]],
      start: iso(time[a]), end: iso(time[b]), startMs: time[a], endMs: time[b],
      lat: (lat[a] + lat[b]) / 2, lon: lonMean.value,
      last: { time: iso(time[a]), lat: lat[a], lon: lon[a] },
      first: { time: iso(time[b]), lat: lat[b], lon: lon[b] },
      distance_m: Math.round(d),
      implied_speed_knots: Math.round(knots(d, gap) * 100) / 100,
      positions: [tr.source[a], tr.source[b]],
    });
  }
  return out;
}

/** Speed of report i: its SOG, or implied from the report before it. */
function speedAt(tr: Tracks, prev: number, i: number): number {
  const s = tr.speed[i];
  if (s === s) return s;
  if (prev < 0) return NaN;
  return knots(haversineM(tr.lat[prev], tr.lon[prev], tr.lat[i], tr.lon[i]), tr.time[i] - tr.time[prev]);
}

/**
 * Loitering: a run of consecutive reports under `maxSpeedKnots`, all at
 * least `minShoreDistanceM` from shore, lasting at least `minDurationMs`;
 * a silence longer than the track's segment gap ends the run. Shore
 * distance is asked only for reports in slow runs already long enough.
 */
export function loitering(tr: Tracks, v: number, p: LoiteringParams, shore: Shore, segmentGapMs: number, far = new ShoreThreshold(shore, p.minShoreDistanceM)): TrackEvent[] {
  const rows = good(tr, v);
  const { time, lat, lon } = tr;
  const out: TrackEvent[] = [];
  // Slow runs first (cheap), then the shore rule inside them.
  const runs: number[][] = [];
  let run: number[] = [];
  let prev = -1;
  for (const i of rows) {
    const sp = speedAt(tr, prev, i);
    const broken = prev >= 0 && time[i] - time[prev] > segmentGapMs;
    if (broken || !(sp < p.maxSpeedKnots)) {
      if (run.length) runs.push(run);
      run = [];
    }
    if (sp < p.maxSpeedKnots) run.push(i);
    prev = i;
  }
  if (run.length) runs.push(run);
  for (const r of runs) {
    if (time[r[r.length - 1]] - time[r[0]] < p.minDurationMs) continue;
    let part: number[] = [];
    const emit = (): void => {
      if (part.length && time[part[part.length - 1]] - time[part[0]] >= p.minDurationMs) {
        const lonMean = new LonMean();
        let latSum = 0;
        const speeds: number[] = [];
        let pp = -1;
        for (const i of part) {
          latSum += lat[i];
          lonMean.add(lon[i]);
          const s = speedAt(tr, pp, i);
          if (s === s) speeds.push(s);
          pp = i;
        }
        const a = part[0];
        const b = part[part.length - 1];
        const meanLat = latSum / part.length;
        const shoreM = shore.distance(meanLat, lonMean.value, 2_000_000);
        out.push({
          kind: 'loitering', mmsi: [tr.mmsi[v]],
          start: iso(time[a]), end: iso(time[b]), startMs: time[a], endMs: time[b],
          lat: meanLat, lon: lonMean.value,
          median_speed_knots: [Math.round(median(speeds) * 100) / 100],
          shore_distance_m: Number.isFinite(shoreM) ? Math.round(shoreM) : null,
          positions: part.map((i) => tr.source[i]),
        });
      }
      part = [];
    };
    for (const i of r) {
      if (!far.isFar(lat[i], lon[i])) {
        emit();
        continue;
      }
      part.push(i);
    }
    emit();
  }
  return out;
}
