/**
 * Tracks and maritime events: from decoded AIS to port visits, encounters,
 * dark periods and loitering, and the rendezvous query that corroborates
 * inspections at sea.
 *
 *   buildTracks(positions, statics)        -> Tracks (columns, per vessel, cleaned)
 *   findEvents(positions, statics, opts)   -> { events, tracks, flagged }
 *   eventsOfTracks(tracks, opts)           -> events of tracks already built
 *   rendezvous(tracks, mmsiA, mmsiB, q)    -> close periods of one pair
 *   meetingsUnderWay(tracks, mmsi, q)      -> one vessel's meetings with any other, at any speed
 *   silenceAtEnd, heardNear                -> the reception rule: a dark vessel, or nothing heard there
 *   PolygonIndex, readPolygons             -> ports and zones as GeoJSON, point-in-polygon and distance
 *   ShoreDistance                          -> distance to the nearest coast (Natural Earth)
 *   toGeoJson, toKml, toCsv, eventJson     -> events and tracks for GIS tools and scripts
 *   keptIndices                            -> a track thinned for drawing
 */
export {
  POSITION_FLAGS,
  FLAG_GOOD,
  FLAG_INVALID,
  FLAG_DUPLICATE,
  FLAG_JUMP,
  FLAG_NO_TIME,
  type VesselInfo,
  type Tracks,
  type EventKind,
  type TrackEvent,
  type EventReport,
} from './types.js';
export {
  DEFAULT_PARAMS,
  SKYLIGHT_RENDEZVOUS,
  withParams,
  type TrackParams,
  type PortVisitParams,
  type EncounterParams,
  type RendezvousParams,
  type DarkParams,
  type ReceptionParams,
  type MeetingParams,
  type LoiteringParams,
  type EventParams,
  type ParamOverrides,
} from './params.js';
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
export { meetingsUnderWay, type MeetingQuery } from './meetings.js';
export { heardNear, silenceAtEnd, feedEnd, type SilenceAtEnd } from './reception.js';
export { wrapLon, lonDelta } from './geo.js';
export {
  GeographyError,
  PolygonIndex,
  readPolygons,
  parsePolygons,
  type NamedPolygons,
  type ParseOptions,
  type Position,
  type Ring,
  type Polygon,
} from './geography.js';
export { ShoreDistance, type ShoreResolution } from './shore.js';
export { eventJson, toGeoJson, toKml, toCsv, trackLines } from './formats.js';
export { keptIndices } from './thin.js';
