/**
 * The agreed terms with every default filled in, in the units the stages
 * use (milliseconds, metres). Defaults are the design's numbers: a ship's
 * inspection is a rendezvous within 1,000 m for 15 minutes within 2 hours
 * of the recorded time; an aerial one, the vessel within 5 km within 30
 * minutes; encounters and dark periods as the track stage defines them.
 */
import { DEFAULT_PARAMS, withParams, type EventParams } from '../tracks/index.js';
import { HOUR_MS as HOUR, MINUTE_MS as MINUTE } from '../util/index.js';
import type { ItemClass, Terms } from './types.js';

export interface ResolvedTerms {
  removalDeadlineMs: number;
  resolutionCapM: number;
  itemClasses: Map<string, ItemClass>;
  rendezvous: { distanceM: number; minDurationMs: number; windowMs: number };
  aerial: { distanceM: number; windowMs: number };
  encounter: { distanceM: number; maxSpeedKnots: number; minDurationMs: number };
  dark: { minGapMs: number };
  /** The track stage's parameters under these terms. */
  params: EventParams;
}

export const DEFAULT_TERMS = {
  rendezvous: { distance_m: 1000, min_duration_min: 15, window_min: 120 },
  aerial: { distance_m: 5000, window_min: 30 },
  encounter: {
    distance_m: DEFAULT_PARAMS.encounter.maxDistanceM,
    max_speed_knots: DEFAULT_PARAMS.encounter.maxMedianSpeedKnots,
    min_duration_min: DEFAULT_PARAMS.encounter.minDurationMs / MINUTE,
  },
  dark_period: { min_gap_hours: DEFAULT_PARAMS.dark.minGapMs / HOUR },
} as const;

/** ISO 8601 to ms; a date without a time is midnight UTC. NaN when it does not parse. */
export function parseTime(s: string): number {
  const t = /^-?\d{4,6}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T00:00:00Z`) : Date.parse(s);
  return Number.isFinite(t) ? t : NaN;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function resolveTerms(t: Terms): ResolvedTerms {
  const rv = { ...DEFAULT_TERMS.rendezvous, ...t.rendezvous };
  const ae = { ...DEFAULT_TERMS.aerial, ...t.aerial };
  const en = { ...DEFAULT_TERMS.encounter, ...t.encounter };
  const dk = { ...DEFAULT_TERMS.dark_period, ...t.dark_period };
  const params = withParams({
    rendezvous: { maxDistanceM: rv.distance_m, minDurationMs: rv.min_duration_min * MINUTE },
    encounter: {
      maxDistanceM: en.distance_m,
      maxMedianSpeedKnots: en.max_speed_knots,
      minDurationMs: en.min_duration_min * MINUTE,
    },
    dark: { minGapMs: dk.min_gap_hours * HOUR },
  });
  return {
    removalDeadlineMs: parseTime(t.removal_deadline),
    resolutionCapM: t.resolution_cap_m,
    itemClasses: new Map(t.item_classes.map((c) => [c.id, c])),
    rendezvous: {
      distanceM: rv.distance_m,
      minDurationMs: rv.min_duration_min * MINUTE,
      windowMs: rv.window_min * MINUTE,
    },
    aerial: { distanceM: ae.distance_m, windowMs: ae.window_min * MINUTE },
    encounter: {
      distanceM: en.distance_m,
      maxSpeedKnots: en.max_speed_knots,
      minDurationMs: en.min_duration_min * MINUTE,
    },
    dark: { minGapMs: dk.min_gap_hours * HOUR },
    params,
  };
}

/** The terms as applied, for results.json. */
export function termsJson(t: Terms): Record<string, unknown> {
  return {
    removal_deadline: t.removal_deadline,
    resolution_cap_m: t.resolution_cap_m,
    item_classes: t.item_classes,
    rendezvous: { ...DEFAULT_TERMS.rendezvous, ...t.rendezvous },
    aerial: { ...DEFAULT_TERMS.aerial, ...t.aerial },
    encounter: { ...DEFAULT_TERMS.encounter, ...t.encounter },
    dark_period: { ...DEFAULT_TERMS.dark_period, ...t.dark_period },
  };
}
