/**
 * Every parameter of the track and event engine, in one place. Defaults
 * follow Global Fishing Watch's published definitions (encounters, loitering,
 * port visits); `SKYLIGHT_RENDEZVOUS` is the stricter preset of Skylight's
 * rendezvous. A case overrides any of them (see `withParams`).
 *
 * Distances are geodesic on a sphere: haversine with the mean Earth radius
 * R = 6,371,008.8 m (IUGG). Against WGS 84 geodesics the error is under
 * 0.5 %, far below the 500 m / 1 km thresholds' own uncertainty.
 */
import { HOUR_MS, MINUTE_MS, NAUTICAL_MILE_M } from '../util/index.js';

export interface TrackParams {
  /** A silence longer than this starts a new segment of the track. */
  segmentGapMs: number;
  /** Two reports implying a speed above this (knots) make a jump: the later one is flagged. */
  maxImpliedSpeedKnots: number;
  /** A report less than this (ms) after the vessel's previous good one is a duplicate. */
  duplicateWindowMs: number;
}

export interface PortVisitParams {
  /** A vessel back inside any port polygon within this time of leaving has not departed (it shifted berth). */
  departureGraceMs: number;
}

export interface EncounterParams {
  /** Both vessels within this distance (m) at a slot count as close. */
  maxDistanceM: number;
  /** Close for at least this long: number of consecutive close slots times the slot length. */
  minDurationMs: number;
  /** Each vessel's median speed over the encounter must be below this (knots). */
  maxMedianSpeedKnots: number;
  /** The encounter's mean position must be at least this far (m) from every port polygon. */
  minPortDistanceM: number;
  /** Resampling grid: positions are interpolated at multiples of this (ms since the epoch). */
  slotMs: number;
  /** Interpolate only between reports at most this far apart (ms); otherwise the vessel has no position at the slot. */
  maxInterpolationGapMs: number;
  /** Encounters of the same pair less than this apart (ms, end to start) merge into one. */
  mergeGapMs: number;
}

export interface RendezvousParams {
  /** Within this distance (m)... */
  maxDistanceM: number;
  /** ...for at least this long (ms), at any speed. */
  minDurationMs: number;
  /** Resampling grid for the query (ms). */
  slotMs: number;
  maxInterpolationGapMs: number;
}

/** A meeting under way (meetings.ts): the rendezvous rule against any vessel, holding station. */
export interface MeetingParams {
  /**
   * Over some `rendezvous.minDurationMs` of the close period, the other
   * vessel's position relative to this one moves at most this fast (knots,
   * end to end): they hold station. A vessel overtaking or crossing moves past.
   */
  maxRelativeKnots: number;
}

export interface DarkParams {
  /** No report for at least this long (ms) inside the zone (or anywhere) is a dark period. */
  minGapMs: number;
}

/**
 * The reception rule: whether a vessel's silence is its own doing (a dark
 * period) or a place nothing is heard (missing coverage). The live feed
 * and the real-data cases ask the same question with the same numbers.
 */
export interface ReceptionParams {
  /** Another vessel heard within this distance (m) of where the silent one was last heard is near it. */
  nearM: number;
  /** At least this many distinct other vessels must be heard near it... */
  minVessels: number;
  /** ...within this long (ms) after its last report. */
  windowMs: number;
}

export interface LoiteringParams {
  /** Below this speed (knots)... */
  maxSpeedKnots: number;
  /** ...for at least this long (ms)... */
  minDurationMs: number;
  /** ...at least this far from shore (m). */
  minShoreDistanceM: number;
}

export interface EventParams {
  tracks: TrackParams;
  portVisit: PortVisitParams;
  encounter: EncounterParams;
  rendezvous: RendezvousParams;
  meeting: MeetingParams;
  dark: DarkParams;
  reception: ReceptionParams;
  loitering: LoiteringParams;
}

const HOUR = HOUR_MS;
const MINUTE = MINUTE_MS;

export const DEFAULT_PARAMS: EventParams = {
  tracks: { segmentGapMs: 12 * HOUR, maxImpliedSpeedKnots: 50, duplicateWindowMs: 1000 },
  portVisit: { departureGraceMs: 6 * HOUR },
  // Global Fishing Watch encounters: within 500 m for at least 2 h, both under 2 kn median,
  // at least 10 km from port, on a 10-minute grid interpolated across gaps of up to 1 h,
  // encounters of the same pair less than 4 h apart merged.
  encounter: {
    maxDistanceM: 500,
    minDurationMs: 2 * HOUR,
    maxMedianSpeedKnots: 2,
    minPortDistanceM: 10_000,
    slotMs: 10 * MINUTE,
    maxInterpolationGapMs: HOUR,
    mergeGapMs: 4 * HOUR,
  },
  // The design's corroboration of an inspection by ship: within 1,000 m for at least 15 minutes, any speed.
  rendezvous: { maxDistanceM: 1000, minDurationMs: 15 * MINUTE, slotMs: MINUTE, maxInterpolationGapMs: HOUR },
  // Holding station: under 1 kn relative. Vessels passing cargo under way (replenishment at sea, ship-to-ship
  // transfer) keep station at near zero relative speed; one overtaking another in a traffic lane passes it at
  // a knot or more, so it moves over 460 m relative to it in 15 minutes.
  meeting: { maxRelativeKnots: 1 },
  dark: { minGapMs: 12 * HOUR },
  // Near: 20 nmi, the range the US Coast Guard's Navigation Center gives for AIS ("similar to VHF voice,
  // typically 20 nm"): a receiver that hears another vessel that close would have heard this one. Two
  // vessels, not one: a single report can be a spoofed or misdecoded position. Over 12 h after the last
  // report, Global Fishing Watch's dark-period gap: reception is shown over the span that makes a dark period.
  reception: { nearM: 20 * NAUTICAL_MILE_M, minVessels: 2, windowMs: 12 * HOUR },
  // Global Fishing Watch loitering: under 2 kn for at least 4 h, at least 20 nm from shore.
  loitering: { maxSpeedKnots: 2, minDurationMs: 4 * HOUR, minShoreDistanceM: 20 * NAUTICAL_MILE_M },
};

/** Skylight's rendezvous as an encounter preset: 250 m for 30 minutes. */
export const SKYLIGHT_RENDEZVOUS: Partial<EncounterParams> = { maxDistanceM: 250, minDurationMs: 30 * MINUTE };

export type ParamOverrides = { [K in keyof EventParams]?: Partial<EventParams[K]> };

/** The defaults with a case's overrides applied, section by section. */
export function withParams(overrides: ParamOverrides = {}): EventParams {
  const out = structuredClone(DEFAULT_PARAMS);
  for (const key of Object.keys(overrides) as (keyof EventParams)[]) {
    const section = overrides[key];
    if (!section) continue;
    for (const [k, v] of Object.entries(section)) {
      if (!(k in out[key]))
        throw new Error(
          `event parameter ${key}.${k} does not exist (expected one of ${Object.keys(out[key]).join(', ')})`,
        );
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new Error(`event parameter ${key}.${k}: expected a number >= 0, got ${JSON.stringify(v)}`);
      (out[key] as unknown as Record<string, number>)[k] = v;
    }
  }
  return out;
}
