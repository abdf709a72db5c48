/**
 * All events of a feed: tracks built once, then port visits, dark periods
 * and loitering per vessel, and encounters across vessels on the resampled
 * grid. The rendezvous query for given pairs lives here too: the
 * verification calls it to corroborate inspections.
 */
import { Worker } from 'node:worker_threads';
import type { PositionColumns, StaticReport } from '../ais/index.js';
import type { PolygonIndex } from './geography.js';
import type { VesselEventsJob } from './worker.js';
import { buildTracks } from './build.js';
import { findEncounters, pairRuns, type PortDistance } from './encounters.js';
import { DEFAULT_PARAMS, type EventParams } from './params.js';
import type { EventKind, EventReport, TrackEvent, Tracks } from './types.js';
import { vesselEvents, type Polygons, type Shore } from './vessel-events.js';
import { HOUR_MS } from '../util/index.js';

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

const ORDER: Record<TrackEvent['kind'], number> = {
  port_visit: 0,
  encounter: 1,
  rendezvous: 2,
  dark_period: 3,
  loitering: 4,
};

function sortEvents(events: TrackEvent[]): TrackEvent[] {
  return events.sort(
    (a, b) =>
      a.startMs - b.startMs ||
      ORDER[a.kind] - ORDER[b.kind] ||
      a.mmsi[0] - b.mmsi[0] ||
      (a.mmsi[1] ?? 0) - (b.mmsi[1] ?? 0),
  );
}

/**
 * The same events on both cores: the per-vessel events in a worker thread
 * (reading the track columns in shared memory: build the tracks with
 * `{ shared: true }`, or they are copied), encounters here. Ports and zone
 * must be PolygonIndex (they travel as one buffer); the shore index is
 * rebuilt in the worker. The result equals `eventsOfTracks`.
 */
export async function eventsOfTracksParallel(
  tr: Tracks,
  opts: Omit<EventOptions, 'shore'> & {
    ports?: PolygonIndex | null;
    zone?: PolygonIndex | null;
    shore?: Shore | boolean | null;
  } = {},
): Promise<TrackEvent[]> {
  const p = opts.params ?? DEFAULT_PARAMS;
  const kinds: EventKind[] = [...(opts.kinds ?? ['port_visit', 'encounter', 'dark_period', 'loitering'])];
  const job: VesselEventsJob = {
    columns: {
      mmsi: tr.mmsi,
      start: tr.start,
      time: tr.time,
      lat: tr.lat,
      lon: tr.lon,
      speed: tr.speed,
      course: tr.course,
      source: tr.source,
      flag: tr.flag,
      segment: tr.segment,
    },
    ports: opts.ports ? opts.ports.toBuffer() : null,
    zone: opts.zone ? opts.zone.toBuffer() : null,
    shore: !!opts.shore,
    params: p,
    kinds: kinds.filter((k) => k !== 'encounter'),
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
  const perVessel = new Promise<TrackEvent[]>((resolve, reject) => {
    worker.once('message', (m: TrackEvent[]) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`tracks worker stopped with exit code ${code}`));
    });
  });
  const encounters = kinds.includes('encounter') ? findEncounters(tr, p.encounter, opts.ports) : [];
  const events = [...(await perVessel), ...encounters];
  await worker.terminate();
  return sortEvents(events);
}

/** Events of tracks already built. */
export function eventsOfTracks(tr: Tracks, opts: EventOptions = {}): TrackEvent[] {
  const p = opts.params ?? DEFAULT_PARAMS;
  const kinds = new Set<EventKind>(opts.kinds ?? ['port_visit', 'encounter', 'dark_period', 'loitering']);
  const events = vesselEvents(tr, {
    params: p,
    kinds: [...kinds],
    ports: opts.ports ?? null,
    zone: opts.zone ?? null,
    shore: opts.shore ?? null,
  });
  if (kinds.has('encounter')) events.push(...findEncounters(tr, p.encounter, opts.ports));
  return sortEvents(events);
}

/** From the columnar positions of `ais/` to the event list. */
export function findEvents(
  positions: PositionColumns,
  statics: readonly StaticReport[] = [],
  opts: EventOptions = {},
): EventReport & { tracks: Tracks } {
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
  const w = q.windowMs ?? 2 * HOUR_MS;
  const from = q.around !== undefined ? q.around - w : -Infinity;
  const to = q.around !== undefined ? q.around + w : Infinity;
  return pairRuns(
    tr,
    Math.min(a, b),
    Math.max(a, b),
    p.slotMs,
    p.maxInterpolationGapMs,
    p.maxDistanceM,
    p.minDurationMs,
    from,
    to,
  ).map((e) => ({ ...e, kind: 'rendezvous' as const }));
}
