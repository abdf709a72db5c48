/**
 * The case manifest (`case.yaml`, format `tally/case/v1`) and the inspection
 * record (`tally/inspection/v1`), as TypeScript sees them once the JSON
 * Schemas in `schemas/` have accepted them. Paths in a manifest are relative
 * to the case directory. Times are ISO 8601 UTC strings in files.
 */

export const CASE_FORMAT = 'tally/case/v1';
export const INSPECTION_FORMAT = 'tally/inspection/v1';

export type PartyRole = 'declaring' | 'inspecting' | 'observer';

export interface Party {
  id: string;
  name: string;
  role: PartyRole;
  /** Ed25519 signed-note verifier key (type 0x01, `name+id+base64`): the party's submissions and request signatures. */
  public_key: string;
  /** tlog-cosignature verifier key (Ed25519, type 0x04): checks the party's cosignatures of checkpoints. */
  cosigner_key: string;
}

export type InspectorKind = 'ship' | 'aircraft';

export interface Inspector {
  id: string;
  kind: InspectorKind;
  name: string;
  /** Ships: the MMSI their AIS transmits. */
  mmsi?: number;
  /** Aircraft: registration or tail number. */
  registration?: string;
  party?: string;
}

export interface ItemClass {
  id: string;
  name: string;
  /** Length and width range of one item as seen from above, metres. */
  length_m: [number, number];
  width_m: [number, number];
  /** Highest the item stands, metres (bounds its shadow). */
  height_m?: number;
}

/** The agreed terms. Every number has a default (see DEFAULT_TERMS in src/case/terms.ts). */
export interface Terms {
  /** Date by which declared sites must be cleared (ISO 8601); a lot may set its own. */
  removal_deadline: string;
  /** Imagery finer than this ground sample distance (metres) may not be shared. */
  resolution_cap_m: number;
  item_classes: ItemClass[];
  /** Ship inspections: the inspector within distance_m of the vessel for min_duration_min, within window_min of the recorded time. */
  rendezvous?: { distance_m?: number; min_duration_min?: number; window_min?: number };
  /** Aerial inspections: the vessel's own track within distance_m of the recorded position within window_min of the recorded time. */
  aerial?: { distance_m?: number; window_min?: number };
  /** Meetings of a shipment vessel with other vessels (an encounter of the track stage). */
  encounter?: { distance_m?: number; max_speed_knots?: number; min_duration_min?: number };
  /** A silence longer than this inside the zone is a dark period. */
  dark_period?: { min_gap_hours?: number };
}

export interface Geography {
  /** GeoJSON FeatureCollection of Polygon/MultiPolygon features with `properties.id`, or a path to one. */
  sites: string | GeoJsonCollection;
  ports: string | GeoJsonCollection;
  /** The monitored zone: one Polygon/MultiPolygon feature (or a collection of them). */
  zone: string | GeoJsonCollection;
}

export interface GeoJsonCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
}

export interface GeoJsonFeature {
  type: 'Feature';
  properties: { id: string; name?: string; [k: string]: unknown };
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
}

export interface Lot {
  id: string;
  site: string;
  item_class: string;
  count: number;
  /** RFC 9162 Merkle root over the items' commitments, 64 hex digits. */
  root: string;
  removal_deadline?: string;
}

export interface Vessel {
  mmsi: number;
  imo?: number;
  name: string;
}

export interface Shipment {
  id: string;
  vessel: Vessel;
  port: string;
  /** Declared loading/departure date: AIS must show the vessel leaving the port after it. */
  date: string;
  count: number;
  lots: string[];
}

export interface Declarations {
  party: string;
  lots: Lot[];
  shipments: Shipment[];
}

/** Where a piece of evidence came from. */
export interface Provenance {
  /** Who or what produced it (agency, receiver network, sensor operator). */
  source?: string;
  /** When it was captured (ISO 8601); for a log spanning time, its start. */
  captured?: string;
  /** How it was captured (sensor, receiver, procedure). */
  method?: string;
  /** The party that submitted it. */
  submitted_by?: string;
  /** Optional pin: the file must have this SHA-256 (64 hex digits). */
  sha256?: string;
}

export interface AisEvidence extends Provenance {
  path: string;
}

export interface ImageryEvidence extends Provenance {
  path: string;
  site: string;
  /** Acquisition time of the pass (ISO 8601). */
  time: string;
  sensor: string;
  /** Ground sample distance in metres when the file carries no usable georeferencing. */
  source_gsd_m?: number;
}

export type InspectionEvidence = Provenance & { path: string };

export type DocumentEvidence = Provenance & { path: string; title?: string };

/** The opening of k challenged items of a lot (escrow, docs/escrow.md). */
export interface ChallengeEvidence extends Provenance {
  lot: string;
  /** SHA-256("tally/seed/v1\n" || seed), hex: logged before the declaration. */
  seed_commitment: string;
  /** The inspecting party's seed, hex, revealed after the declaration was logged. */
  seed: string;
  k: number;
  /** The declaring party's reveal file (tally/escrow/reveal/v1). */
  path: string;
}

export interface EvidenceList {
  ais?: AisEvidence[];
  imagery?: ImageryEvidence[];
  inspections?: InspectionEvidence[];
  documents?: DocumentEvidence[];
  challenges?: ChallengeEvidence[];
}

/** Which parts of a case are historical and which are reconstructed or synthetic. */
export interface ProvenanceNote {
  part: string;
  status: 'historical' | 'reconstructed' | 'synthetic';
  note: string;
}

export interface CaseManifest {
  format: typeof CASE_FORMAT;
  id: string;
  name: string;
  description?: string;
  notes?: ProvenanceNote[];
  /** The operator's log: origin and (optionally pinned) verifier key. */
  log?: { origin?: string; verifier_key?: string };
  parties: Party[];
  inspectors: Inspector[];
  terms: Terms;
  geography: Geography;
  declarations: Declarations;
  evidence: EvidenceList;
}

/** An inspection record at sea (tally/inspection/v1). */
export interface InspectionRecord {
  format: typeof INSPECTION_FORMAT;
  id: string;
  /** An inspector id of the manifest. */
  inspector: string;
  kind: InspectorKind;
  vessel_mmsi: number;
  vessel_name?: string;
  /** ISO 8601 UTC. */
  time: string;
  position: { lat: number; lon: number };
  observed_count: number;
  /** How the count was made (alongside, photographed deck cargo, helicopter pass...). */
  method: string;
  item_class?: string;
  notes?: string;
}
