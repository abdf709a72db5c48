/**
 * `results.json` (schema `tally/results/v1`, schemas/results.schema.json):
 * what `tally verify` computes from a case. Everything in it is a function
 * of the logged evidence and the public manifest, so an auditor recomputes
 * it byte for byte (`tally verify --reproduce`); nothing depends on the
 * clock or the machine, except `generated_at`, which comparisons ignore.
 */
import type { AisParse } from '../case/index.js';

export const RESULTS_SCHEMA = 'tally/results/v1';

export const FINDING_CODES = [
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
  'DECLARATION_AMENDED',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export type Verdict = 'VERIFIED' | 'DISCREPANCY' | 'INCOMPLETE';

export type SubjectKind = 'case' | 'lot' | 'shipment' | 'site' | 'vessel' | 'inspection' | 'evidence' | 'log';

/** A reference to a logged piece of evidence (or a log entry such as a declaration). */
export interface EvidenceRef {
  sha256: string;
  /** Index of the entry in the case's log that records it; null when it is not logged (e.g. a tampered file). */
  log_index: number | null;
  /** The file, relative to the case directory (absent for entries that are not files). */
  path?: string;
}

export interface Finding {
  /** Stable across runs: code, subject and what distinguishes two findings of the same code and subject. */
  id: string;
  code: FindingCode;
  /** The verdict this finding forces on its subject and everything that depends on it. */
  effect: 'DISCREPANCY' | 'INCOMPLETE';
  subject: { kind: SubjectKind; id: string };
  message: string;
  evidence: EvidenceRef[];
  /** When it happened (ISO 8601), where it applies. */
  time?: string;
  /** Where it happened, where it applies. */
  position?: { lat: number; lon: number };
  /** Figures behind the message (counts, distances, durations). */
  details?: Record<string, unknown>;
}

export interface Funnel {
  declared: number;
  removed: number;
  departed: number;
  inspected: number;
  left_zone: number;
}

export interface ImageryPass {
  evidence: EvidenceRef;
  time: string;
  /** Ground sample distance of the file as shared, metres (the coarser axis). */
  gsd_m: number;
  /** GSD the analysis ran at (the file's, or the cap when the file was finer). */
  analysed_gsd_m: number;
  /** Whether the pass covers the site (some of the site polygon falls on the image). */
  covers_site: boolean;
  /** Objects of the declared class counted inside the site. */
  count: number | null;
  /** Before/after the site's removal deadline. */
  phase: 'before' | 'after';
  detections: {
    lat: number | null;
    lon: number | null;
    length_m: number;
    width_m: number;
    heading_deg: number;
    score: number;
  }[];
  /** Why the pass could not be used to count, when it could not. */
  problem?: string;
}

export interface SiteResult {
  id: string;
  name: string;
  verdict: Verdict;
  declared: number;
  /** Items the latest usable pass after the deadline still shows; null when there is none. */
  remaining: number | null;
  removed: number;
  /** Change between the last pass before and the first after the deadline: objects gone, objects new. */
  change: { before: string; after: string; disappeared: number; appeared: number; persisted: number } | null;
  passes: ImageryPass[];
  findings: string[];
}

export interface LotResult {
  id: string;
  site: string;
  item_class: string;
  count: number;
  root: string;
  verdict: Verdict;
  /** The log entry of the declaration. */
  declaration: EvidenceRef;
  shipments: string[];
  findings: string[];
  /** Stages that no evidence confirms and no finding covers (the part is then INCOMPLETE). */
  unconfirmed?: string[];
}

export interface InspectionResult {
  id: string;
  evidence: EvidenceRef;
  inspector: string;
  kind: 'ship' | 'aircraft';
  time: string;
  position: { lat: number; lon: number };
  observed_count: number;
  corroborated: boolean;
  /** What corroborates it, or why not. */
  corroboration: {
    /** 'rendezvous' (ship), 'overflight' (aircraft), or null. */
    kind: 'rendezvous' | 'overflight' | null;
    start?: string;
    end?: string;
    /** Closest approach found within the window, metres. */
    min_distance_m?: number | null;
    /** Whether AIS covered both parties (ship) or the vessel (aircraft) within the window. */
    ais_available: boolean;
    message: string;
  };
}

export interface ShipmentResult {
  id: string;
  vessel: { mmsi: number; imo?: number; name: string };
  port: string;
  count: number;
  lots: string[];
  verdict: Verdict;
  declaration: EvidenceRef;
  /** When AIS shows the vessel leaving the port after the declared date; null when it never does. */
  departed_at: string | null;
  inspections: InspectionResult[];
  /** The count the inspections observed (the corroborated ones), null when there is none. */
  observed_count: number | null;
  /** When the vessel's track leaves the zone; null when it does not. */
  left_zone_at: string | null;
  findings: string[];
  /** Stages that no evidence confirms and no finding covers (the part is then INCOMPLETE). */
  unconfirmed?: string[];
}

export interface ResultsCheckpoint {
  origin: string;
  size: number;
  /** Base64 root hash, as in the checkpoint note. */
  root: string;
  /** The signed checkpoint note, verbatim (with the cosignatures it had). */
  note: string;
  /** Parties whose cosignature on this checkpoint verifies under their manifest key. */
  cosigned_by: string[];
}

export interface Results {
  schema: typeof RESULTS_SCHEMA;
  /** The tally version that computed it. */
  tally: string;
  case: { id: string; name: string; manifest: EvidenceRef };
  verdict: Verdict;
  checkpoint: ResultsCheckpoint;
  funnel: Funnel;
  findings: Finding[];
  lots: LotResult[];
  shipments: ShipmentResult[];
  sites: SiteResult[];
  /** Every input, as logged. */
  evidence: (EvidenceRef & {
    role: 'manifest' | 'geography' | 'ais' | 'imagery' | 'inspection' | 'document' | 'reveal';
    name: string;
    /** AIS: messages the decoder accepted and lines it rejected, by reason. */
    parse?: AisParse;
  })[];
  /** The terms as applied (defaults filled in). */
  terms: Record<string, unknown>;
  generated_at?: string;
}

/** An event the custody chain found on its way (a departure, a rendezvous, a dark period, a pass...), for the map and the timeline. */
export interface CustodyEvent {
  kind:
    | 'port_visit'
    | 'departure'
    | 'encounter'
    | 'rendezvous'
    | 'overflight'
    | 'dark_period'
    | 'inspection'
    | 'imagery'
    | 'left_zone'
    | 'declaration';
  /** ISO 8601. */
  start: string;
  end: string;
  lat: number | null;
  lon: number | null;
  mmsi: number[];
  label: string;
  /** A finding it supports, by id. */
  finding?: string;
  /** The shipment, site or inspection it belongs to. */
  subject?: { kind: string; id: string };
}
