/**
 * Tracks and maritime events: from decoded AIS to port visits, encounters,
 * dark periods and loitering, and the rendezvous query that corroborates
 * inspections at sea.
 *
 *   buildTracks(positions, statics)        -> Tracks (columns, per vessel, cleaned)
 *   findEvents(positions, statics, opts)   -> { events, tracks, flagged }
 *   eventsOfTracks(tracks, opts)           -> events of tracks already built
 *   rendezvous(tracks, mmsiA, mmsiB, q)    -> close periods of one pair
 */
export * from './types.js';
export * from './params.js';
export { buildTracks } from './build.js';
export { resample, type SlotGrid } from './resample.js';
export { findEncounters, closePairs, type PortDistance } from './encounters.js';
export { portVisits, darkPeriods, loitering, type Polygons, type Shore } from './vessel-events.js';
export {
  findEvents,
  eventsOfTracks,
  eventsOfTracksParallel,
  rendezvous,
  vesselIndex,
  type EventOptions,
  type RendezvousQuery,
} from './events.js';
export { haversineM } from './geo.js';
