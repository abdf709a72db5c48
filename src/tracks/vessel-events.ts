/**
 * Events of one vessel at a time: port visits, dark periods, loitering.
 * Each walks the vessel's good reports once, in time order.
 */
import { haversineM, median } from '../util/index.js';
import { knots, LonMean } from './geo.js';
import type { DarkParams, EventParams, LoiteringParams, PortVisitParams } from './params.js';
import { FLAG_GOOD, type EventKind, type TrackEvent, type Tracks } from './types.js';

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
  constructor(
    private readonly shore: Shore,
    private readonly minM: number,
  ) {}

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
      const half =
        0.5 * Math.hypot(c * 111_195, c * 111_195 * Math.cos((Math.max(0, Math.abs(clat) - c) * Math.PI) / 180));
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
 * Port visits: each stay inside a port polygon, from the first report inside
 * to the exit (the first report after the last one inside). A vessel that
 * leaves and is back inside the same polygon within `departureGraceMs` is on
 * the same visit. The visit is `departed` when after its exit the vessel is
 * not inside any port polygon for `departureGraceMs` (seen outside that long):
 * a vessel shifting berth to another polygon has not departed; its next
 * visit starts there. A visit whose vessel is still inside when its reports
 * end has no exit: it ends at the last report and has not departed.
 */
export function portVisits(tr: Tracks, v: number, ports: Polygons, p: PortVisitParams): TrackEvent[] {
  const rows = good(tr, v);
  const { time, lat, lon } = tr;
  // Stints: maximal runs of consecutive reports inside one polygon.
  const stints: { port: number; first: number; last: number; rows: number[] }[] = [];
  const inside = rows.map((i) => ports.contains(lat[i], lon[i]));
  for (let k = 0; k < rows.length; k++) {
    const port = inside[k];
    if (port < 0) continue;
    const cur = stints[stints.length - 1];
    if (cur && cur.port === port && (k === 0 || inside[k - 1] === port)) {
      cur.last = k;
      cur.rows.push(rows[k]);
    } else stints.push({ port, first: k, last: k, rows: [rows[k]] });
  }
  // The same polygon again within the grace period: the same visit.
  const visits: typeof stints = [];
  for (const st of stints) {
    const prev = visits[visits.length - 1];
    if (
      prev &&
      prev.port === st.port &&
      prev.last + 1 < rows.length &&
      time[rows[st.first]] - time[rows[prev.last + 1]] <= p.departureGraceMs &&
      !inside.slice(prev.last + 1, st.first).some((x) => x >= 0)
    ) {
      prev.last = st.last;
      prev.rows.push(...st.rows);
    } else visits.push({ ...st, rows: [...st.rows] });
  }
  const events: TrackEvent[] = [];
  for (const vis of visits) {
    const exitK = vis.last + 1 < rows.length ? vis.last + 1 : -1;
    let departed = false;
    if (exitK >= 0) {
      const exitT = time[rows[exitK]];
      let back = false;
      let seenUntil = exitT;
      for (let k = exitK; k < rows.length && time[rows[k]] - exitT <= p.departureGraceMs; k++) {
        if (inside[k] >= 0) {
          back = true;
          break;
        }
        seenUntil = time[rows[k]];
      }
      // Departed: not back in any port within the grace period, and seen (or still reporting) beyond it.
      departed =
        !back && (seenUntil - exitT >= p.departureGraceMs || time[rows[rows.length - 1]] - exitT > p.departureGraceMs);
    }
    const first = rows[vis.first];
    const end = exitK >= 0 ? rows[exitK] : rows[vis.last];
    const lonMean = new LonMean();
    let latSum = 0;
    for (const i of vis.rows) {
      latSum += lat[i];
      lonMean.add(lon[i]);
    }
    events.push({
      kind: 'port_visit',
      mmsi: [tr.mmsi[v]],
      port: ports.name(vis.port),
      start: iso(time[first]),
      end: iso(time[end]),
      startMs: time[first],
      endMs: time[end],
      lat: latSum / vis.rows.length,
      lon: lonMean.value,
      departed,
      positions: (exitK >= 0 ? [...vis.rows, rows[exitK]] : vis.rows).map((r) => tr.source[r]),
    });
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
      kind: 'dark_period',
      mmsi: [tr.mmsi[v]],
      start: iso(time[a]),
      end: iso(time[b]),
      startMs: time[a],
      endMs: time[b],
      lat: (lat[a] + lat[b]) / 2,
      lon: lonMean.value,
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
export function loitering(
  tr: Tracks,
  v: number,
  p: LoiteringParams,
  shore: Shore,
  segmentGapMs: number,
  far = new ShoreThreshold(shore, p.minShoreDistanceM),
): TrackEvent[] {
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
          kind: 'loitering',
          mmsi: [tr.mmsi[v]],
          start: iso(time[a]),
          end: iso(time[b]),
          startMs: time[a],
          endMs: time[b],
          lat: meanLat,
          lon: lonMean.value,
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

/** Port visits, dark periods and loitering of every vessel, in vessel order. */
export function vesselEvents(
  tr: Tracks,
  o: {
    params: EventParams;
    kinds: readonly EventKind[];
    ports?: Polygons | null;
    zone?: Polygons | null;
    shore?: Shore | null;
  },
): TrackEvent[] {
  const p = o.params;
  const kinds = new Set(o.kinds);
  const out: TrackEvent[] = [];
  const far = o.shore ? new ShoreThreshold(o.shore, p.loitering.minShoreDistanceM) : null;
  for (let v = 0; v < tr.mmsi.length; v++) {
    if (o.ports && kinds.has('port_visit')) out.push(...portVisits(tr, v, o.ports, p.portVisit));
    if (kinds.has('dark_period')) out.push(...darkPeriods(tr, v, p.dark, o.zone));
    if (o.shore && far && kinds.has('loitering'))
      out.push(...loitering(tr, v, p.loitering, o.shore, p.tracks.segmentGapMs, far));
  }
  return out;
}
