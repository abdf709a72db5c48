/**
 * All events of a feed: tracks built once, then port visits, dark periods
 * and loitering per vessel, and encounters across vessels on the resampled
 * grid. The rendezvous query for given pairs lives here too: the
 * verification calls it to corroborate inspections.
 */
import type { PositionColumns, StaticReport } from '../ais/index.js';
import { buildTracks } from './build.js';
import { findEncounters, pairRuns, type PortDistance } from './encounters.js';
import { DEFAULT_PARAMS, type EventParams } from './params.js';
import type { EventReport, TrackEvent, Tracks } from './types.js';
import { darkPeriods, loitering, portVisits, ShoreThreshold, type Polygons, type Shore } from './vessel-events.js';

export interface EventOptions {
  params?: EventParams;
  /** Port polygons: port visits, and the distance-from-port rule of encounters. */
  ports?: (Polygons & PortDistance) | null;
  /** Zone of interest: dark periods only inside it (anywhere when absent). */
  zone?: Polygons | null;
  /** Distance from shore: loitering (skipped when absent). */
  shore?: Shore | null;
  /** Which kinds to look for (all by default). */
  kinds?: readonly TrackEvent['kind'][];
}

const ORDER: Record<TrackEvent['kind'], number> = { port_visit: 0, encounter: 1, rendezvous: 2, dark_period: 3, loitering: 4 };

/** Events of tracks already built. */
export function eventsOfTracks(tr: Tracks, opts: EventOptions = {}): TrackEvent[] {
  const p = opts.params ?? DEFAULT_PARAMS;
  const kinds = new Set(opts.kinds ?? ['port_visit', 'encounter', 'dark_period', 'loitering']);
  const events: TrackEvent[] = [];
  const far = opts.shore ? new ShoreThreshold(opts.shore, p.loitering.minShoreDistanceM) : null;
  for (let v = 0; v < tr.mmsi.length; v++) {
    if (opts.ports && kinds.has('port_visit')) events.push(...portVisits(tr, v, opts.ports, p.portVisit));
    if (kinds.has('dark_period')) events.push(...darkPeriods(tr, v, p.dark, opts.zone));
    if (opts.shore && far && kinds.has('loitering')) events.push(...loitering(tr, v, p.loitering, opts.shore, p.tracks.segmentGapMs, far));
  }
  if (kinds.has('encounter')) events.push(...findEncounters(tr, p.encounter, opts.ports));
  events.sort((a, b) => a.startMs - b.startMs || ORDER[a.kind] - ORDER[b.kind] || a.mmsi[0] - b.mmsi[0] || (a.mmsi[1] ?? 0) - (b.mmsi[1] ?? 0));
  return events;
}

/** From the columnar positions of `ais/` to the event list. */
export function findEvents(positions: PositionColumns, statics: readonly StaticReport[] = [], opts: EventOptions = {}): EventReport & { tracks: Tracks } {
  const p = opts.params ?? DEFAULT_PARAMS;
  const tracks = buildTracks(positions, statics, p.tracks);
  return {
    tracks,
    events: eventsOfTracks(tracks, opts),
    vessels: tracks.mmsi.length,
    positions: positions.length,
    flagged: tracks.flagged,
  };
}

/** Vessel index of an MMSI in the tracks, -1 when absent. */
export function vesselIndex(tr: Tracks, mmsi: number): number {
  let lo = 0;
  let hi = tr.mmsi.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (tr.mmsi[mid] === mmsi) return mid;
    if (tr.mmsi[mid] < mmsi) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export interface RendezvousQuery {
  /** Look only within `windowMs` of this time (ms). */
  around?: number;
  windowMs?: number;
  params?: EventParams;
}

/**
 * Rendezvous of one pair: within `rendezvous.maxDistanceM` for at least
 * `rendezvous.minDurationMs`, at any speed (the design's corroboration of an
 * inspection by ship). Empty when either vessel has no track.
 */
export function rendezvous(tr: Tracks, mmsiA: number, mmsiB: number, q: RendezvousQuery = {}): TrackEvent[] {
  const p = (q.params ?? DEFAULT_PARAMS).rendezvous;
  const a = vesselIndex(tr, mmsiA);
  const b = vesselIndex(tr, mmsiB);
  if (a < 0 || b < 0 || a === b) return [];
  const w = q.windowMs ?? 2 * 3_600_000;
  const from = q.around !== undefined ? q.around - w : -Infinity;
  const to = q.around !== undefined ? q.around + w : Infinity;
  return pairRuns(tr, Math.min(a, b), Math.max(a, b), p.slotMs, p.maxInterpolationGapMs, p.maxDistanceM, p.minDurationMs, from, to)
    .map((e) => ({ ...e, kind: 'rendezvous' as const }));
}
