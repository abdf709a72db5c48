/**
 * Shapes of the track stage: per-vessel tracks in one set of columns, and
 * the events found in them.
 */

/** Why a position is left out of the event logic (kept, counted, reported). */
export const POSITION_FLAGS = {
  0: 'good',
  1: 'invalid: no position, or latitude/longitude out of range',
  2: 'duplicate: same vessel and time (within the duplicate window) as the report before it; the first stands',
  3: 'jump: implied speed from the last good report is impossible (spoofed or mis-decoded)',
  4: 'no time: the report carries no receive time',
} as const;
export const FLAG_GOOD = 0;
export const FLAG_INVALID = 1;
export const FLAG_DUPLICATE = 2;
export const FLAG_JUMP = 3;
export const FLAG_NO_TIME = 4;

/** Static and voyage data of one vessel, the latest seen. */
export interface VesselInfo {
  mmsi: number;
  shipname: string | null;
  imo: number | null;
  callsign: string | null;
  shiptype: number | null;
  /** Length and beam in metres, from to_bow + to_stern and to_port + to_starboard (or the CSV's). */
  length: number | null;
  beam: number | null;
  destination: string | null;
}

/**
 * Every vessel's reports sorted by time, vessel after vessel (ascending
 * MMSI), in one set of typed arrays: vessel v owns rows start[v] to
 * start[v + 1] - 1.
 */
export interface Tracks {
  /** Distinct MMSIs, ascending. */
  mmsi: Uint32Array;
  /** Row offsets, length mmsi.length + 1. */
  start: Uint32Array;
  time: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  /** Knots; NaN when not reported. */
  speed: Float32Array;
  course: Float32Array;
  /** Row of the report in the input columns: the position record an event cites. */
  source: Uint32Array;
  /** One of POSITION_FLAGS per row. */
  flag: Uint8Array;
  /** Segment of the row within its vessel's track (0, 1, ...): a new one after each long silence. */
  segment: Uint32Array;
  /** Static data by MMSI. */
  vessels: Map<number, VesselInfo>;
  /** Rows by flag, for the cleaning report. */
  flagged: Record<keyof typeof POSITION_FLAGS, number>;
}

export type EventKind = 'port_visit' | 'encounter' | 'dark_period' | 'loitering' | 'rendezvous';

export interface TrackEvent {
  kind: EventKind;
  /** One vessel, or two for an encounter (ascending). */
  mmsi: number[];
  /** ISO 8601 UTC, milliseconds. */
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  /** Mean position of the event. */
  lat: number;
  lon: number;
  /** Port visits: the port's name. */
  port?: string;
  /** Port visits: whether the vessel left (exited and stayed out of every port for the grace period). */
  departed?: boolean;
  /** Encounters: median and least distance between the two vessels over the close slots, metres. */
  median_distance_m?: number;
  min_distance_m?: number;
  /** Encounters and loitering: median speed of each vessel, knots. */
  median_speed_knots?: number[];
  /** Dark periods: the last position before and the first after the silence, and the distance between them. */
  last?: { time: string; lat: number; lon: number };
  first?: { time: string; lat: number; lon: number };
  distance_m?: number;
  /** Dark periods: the speed the vessel must have made good to cover that distance, knots. */
  implied_speed_knots?: number;
  /** Loitering: distance from shore at the event's mean position, metres (null beyond 2,000 km). */
  shore_distance_m?: number | null;
  /** Rows of the input position columns that support the event. */
  positions: number[];
}

/** What a caller gets from `findEvents`: the events and what the cleaning left out. */
export interface EventReport {
  events: TrackEvent[];
  vessels: number;
  positions: number;
  flagged: Tracks['flagged'];
}
