/**
 * Whole verification cases from a scenario description.
 *
 * A scenario (strait.ts, cuba-1962.ts) describes a case: parties, sites,
 * ports, zone, lots, shipments, imagery passes (how many items each shows),
 * inspection records and every vessel's path with its report times. The
 * description is turned into a case directory in the format of
 * src/case/types.ts (case.yaml, GeoJSON geography, GeoTIFF scenes, AIS as
 * NMEA with tag blocks and as MarineCadastre CSV, inspection records,
 * commitments and reveals, keys), and the ground truth (truth.json) is
 * derived from the description by the verification rules of the design,
 * never by running the verifier.
 *
 * Everything random comes from seeded generators keyed by a label, so that
 * a seeded violation changes only what it means to change and the same seed
 * gives the same bytes.
 *
 *   case.ts        the description (this file), the truth's types, the violation codes
 *   case-build.ts  building blocks of descriptions: seeded streams, report times,
 *                  vessels, rings, an inspector alongside, background traffic
 *   case-truth.ts  the truth, by the rules, from the description
 *   case-write.ts  the case directory: keys, geography, commitments, scenes, AIS,
 *                  inspection records, case.yaml, truth.json
 */
import type { Inspector, InspectorKind, ProvenanceNote, Terms, PartyRole } from '../case/index.js';
import type { ViolationCode } from './defaults.js';
import type { LatLon, Path } from './paths.js';

export type Verdict = 'VERIFIED' | 'INCOMPLETE' | 'DISCREPANCY';
export type SubjectKind = 'site' | 'shipment' | 'inspection' | 'case' | 'evidence' | 'lot' | 'log';

export interface TruthFinding {
  code: ViolationCode;
  subject: { kind: SubjectKind; id: string };
}

export interface Truth {
  scenario: string;
  seed: number;
  scale: number;
  violations: ViolationCode[];
  verdict: Verdict;
  funnel: { declared: number; removed: number; departed: number; inspected: number; left_zone: number };
  findings: TruthFinding[];
  lots: Record<string, Verdict>;
  shipments: Record<string, Verdict>;
  sites: Record<string, Verdict>;
  notes: string[];
}

// ---------------------------------------------------------------------------
// The description

export interface VesselSpec {
  mmsi: number;
  name: string;
  imo?: number;
  callsign: string;
  shiptype: number;
  length: number;
  beam: number;
  draught: number;
  destination: string;
}

/** One vessel's AIS: its path, report times (whole seconds, rising) and the evidence file it goes to. */
export interface TrackSpec {
  vessel: VesselSpec;
  role: 'shipment' | 'inspector' | 'background';
  path: Path;
  times: number[];
  /** Evidence path (relative to the case) of the AIS file this track is written to. */
  file: string;
}

export interface AisFileSpec {
  path: string;
  format: 'nmea' | 'marinecadastre';
  source: string;
  method: string;
  submitted_by: string;
  /** Receiving stations named in tag blocks (NMEA). */
  stations: string[];
}

export interface SiteSpec {
  id: string;
  name: string;
  lat: number;
  lon: number;
  /** Half the side of the (square) site polygon, metres. */
  halfM: number;
  /** UTM EPSG code of the scenes. */
  epsg: number;
  properties?: Record<string, unknown>;
}

export interface PassSpec {
  /** File stem: evidence/imagery/<id>.tif */
  id: string;
  site: string;
  time: number;
  gsd: number;
  /** Items of the site's class on the ground at the time of the pass. */
  count: number;
  /** Cloud over this fraction of the scene (scenes.ts `cloudCover`); the truth takes any cover as hiding the site. */
  cloudCover?: number;
  sensor: string;
  source: string;
  method: string;
  submitted_by: string;
}

export interface PortSpec {
  id: string;
  name: string;
  lat: number;
  lon: number;
  halfM: number;
}

export interface LotSpec {
  id: string;
  site: string;
  item_class: string;
  count: number;
  /** Challenge k items (the inspecting party's seed drawn from the scenario's random stream). */
  challengeK?: number;
  /** The reveal's first item has its descriptor altered after committing (COMMITMENT_MISMATCH). */
  tamperReveal?: boolean;
  removal_deadline?: string;
}

export interface ShipmentSpec {
  id: string;
  vessel: VesselSpec;
  port: string;
  date: number;
  count: number;
  lots: string[];
}

export interface InspectionSpec {
  id: string;
  inspector: string;
  kind: InspectorKind;
  vessel_mmsi: number;
  vessel_name: string;
  time: number;
  position: LatLon;
  observed_count: number;
  method: string;
  notes?: string;
}

export interface CaseDescription {
  scenario: string;
  seed: number;
  scale: number;
  violations: ViolationCode[];
  id: string;
  name: string;
  description: string;
  notes: ProvenanceNote[];
  parties: { id: string; name: string; role: PartyRole }[];
  declaringParty: string;
  inspectors: Inspector[];
  terms: Terms;
  sites: SiteSpec[];
  ports: PortSpec[];
  zone: { id: string; name: string; ring: number[][] };
  lots: LotSpec[];
  shipments: ShipmentSpec[];
  passes: PassSpec[];
  inspections: InspectionSpec[];
  tracks: TrackSpec[];
  aisFiles: AisFileSpec[];
  /** Pin manifest.log.verifier_key to another key than keys/operator.key (LOG_INCONSISTENT). */
  pinWrongLogKey?: boolean;
  /** Notes for truth.json (what was seeded and how). */
  truthNotes: string[];
}

/** Thrown when the output directory cannot be written to (not empty, not a previous case). */
export class CaseDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaseDirError';
  }
}
