/**
 * Units every stage shares. Times are Float64 milliseconds since the Unix
 * epoch (the design's rule), so durations are milliseconds too.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The international nautical mile, metres. */
export const NAUTICAL_MILE_M = 1852;
/** One knot (a nautical mile an hour) in metres per second. */
export const KNOT_M_PER_S = NAUTICAL_MILE_M / 3600;
