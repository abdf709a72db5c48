/**
 * The second core: per-vessel events (port visits, dark periods, loitering)
 * computed in a worker thread over the same track columns (shared memory,
 * no copy) while the main thread finds encounters.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PolygonIndex } from './geography.js';
import type { EventParams } from './params.js';
import { ShoreDistance } from './shore.js';
import type { EventKind, Tracks } from './types.js';
import { vesselEvents } from './vessel-events.js';

export interface VesselEventsJob {
  columns: Pick<Tracks, 'mmsi' | 'start' | 'time' | 'lat' | 'lon' | 'speed' | 'course' | 'source' | 'flag' | 'segment'>;
  ports: ArrayBuffer | null;
  zone: ArrayBuffer | null;
  shore: boolean;
  params: EventParams;
  kinds: EventKind[];
}

if (parentPort && workerData) {
  const job = workerData as VesselEventsJob;
  const tr: Tracks = { ...job.columns, vessels: new Map(), flagged: { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0 } };
  const events = vesselEvents(tr, {
    params: job.params,
    kinds: job.kinds,
    ports: job.ports ? PolygonIndex.fromBuffer(job.ports) : null,
    zone: job.zone ? PolygonIndex.fromBuffer(job.zone) : null,
    shore: job.shore ? ShoreDistance.load() : null,
  });
  parentPort.postMessage(events);
}
