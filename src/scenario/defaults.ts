/**
 * The scenario names and defaults that the command line declares (in its
 * help texts and its options' defaults) before any generator is loaded:
 * this file imports nothing, so that `tally --help` stays quick.
 */

/** The finding codes a scenario can seed (`--violate CODE`). */
export const VIOLATION_CODES = [
  'SITE_NOT_CLEARED',
  'SITE_UNOBSERVED',
  'SHIPMENT_NOT_DEPARTED',
  'SHIPMENT_UNINSPECTED',
  'INSPECTION_UNCORROBORATED',
  'COUNT_MISMATCH',
  'INVENTORY_SHORTFALL',
  'DARK_PERIOD',
  'UNDECLARED_ENCOUNTER',
  'RESOLUTION_VIOLATION',
  'COMMITMENT_MISMATCH',
  'LOG_INCONSISTENT',
] as const;
export type ViolationCode = (typeof VIOLATION_CODES)[number];

/**
 * Situations a case scenario can stage besides the seeded codes (`stage` of
 * generateCase, strait only): another form of a code (a transfer under way
 * is an UNDECLARED_ENCOUNTER, a silence to the end a DARK_PERIOD), a silence
 * where nothing is heard (missing coverage, INCOMPLETE), and look-alikes that
 * must raise nothing (crossing traffic, a pilot boat at the harbour mouth).
 */
export const STAGED_SITUATIONS = [
  'transfer-under-way',
  'silent-to-end',
  'silent-unheard',
  'crossing-traffic',
  'pilot-boat',
] as const;
export type StagedSituation = (typeof STAGED_SITUATIONS)[number];

/** The scenarios that generate whole cases (`tally scenario generate NAME`), sorted. */
export const CASE_SCENARIO_NAMES = ['cuba-1962', 'strait'] as const;
export type CaseScenarioName = (typeof CASE_SCENARIO_NAMES)[number];

/** The known-answer traffic scenarios for the track stage (`tally scenario tracks NAME`). */
export const TRAFFIC_SCENARIO_NAMES = [
  'port-visit',
  'encounter-midnight',
  'crossing',
  'short-pair',
  'dark',
  'loitering',
  'irregular',
  'antimeridian',
  'spoofed-jump',
  'borderline',
  'chain',
] as const;
export type TrafficScenarioName = (typeof TRAFFIC_SCENARIO_NAMES)[number];

export interface FeedOptions {
  seed: number;
  vessels: number;
  days: number;
  /** Exactly this many position rows. */
  positions: number;
  /** [west, south, east, north], degrees (not across the antimeridian). */
  bbox: [number, number, number, number];
  /** Start time, ms since the epoch. */
  start: number;
  plantedEncounters: number;
  plantedNearMisses: number;
  /** Number of ports (0: one per 400 vessels, at least 3). */
  ports: number;
}

/** The benchmark feed (`tally scenario feed`): a week of 5,000 vessels, 10 million rows. */
export const DEFAULT_FEED: FeedOptions = {
  seed: 1,
  vessels: 5000,
  days: 7,
  positions: 10_000_000,
  // The western North Atlantic between the US east coast and the Azores: open sea (Bermuda aside).
  bbox: [-72, 28, -50, 40],
  start: Date.UTC(2024, 2, 4),
  plantedEncounters: 40,
  plantedNearMisses: 60,
  ports: 0,
};
