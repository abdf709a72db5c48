/**
 * The case: its manifest (case.yaml, schemas/case.schema.json), geography,
 * inspection records (schemas/inspection.schema.json) and evidence files,
 * loaded and checked before anything is logged or computed.
 *
 *   loadCase(dir)        -> LoadedCase, or CaseError listing every problem (file, line, field)
 *   checkImageryResolution(case) -> CaseError when an imagery entry's source_gsd_m disagrees with its file
 *   checkEvidenceParse(case) -> each AIS and imagery file through its parser; CaseError for one that does not parse
 *   resolveTerms(terms)  -> the agreed terms with defaults, in ms and metres
 */
export {
  CASE_FORMAT,
  INSPECTION_FORMAT,
  type PartyRole,
  type Party,
  type InspectorKind,
  type Inspector,
  type ItemClass,
  type Terms,
  type Geography,
  type GeoJsonCollection,
  type GeoJsonFeature,
  type Lot,
  type Vessel,
  type Shipment,
  type Declarations,
  type Provenance,
  type AisEvidence,
  type ImageryEvidence,
  type InspectionEvidence,
  type DocumentEvidence,
  type ChallengeEvidence,
  type EvidenceList,
  type ProvenanceNote,
  type CaseManifest,
  type InspectionRecord,
} from './types.js';
export { CaseError, formatIssue, type CaseIssue } from './source.js';
export {
  loadCase,
  findManifest,
  caseFile,
  timeProblem,
  SECRET_FOLDERS,
  schemaPath,
  aisFormatProblem,
  tiffFormatProblem,
  MANIFEST_NAMES,
  type LoadedCase,
} from './load.js';
export { checkImageryResolution } from './imagery-check.js';
export {
  checkEvidenceParse,
  aisParse,
  rejectRate,
  reasons as rejectReasons,
  type AisParse,
  type EvidenceParse,
} from './evidence-parse.js';
export { resolveTerms, termsJson, parseTime, isoTime, DEFAULT_TERMS, type ResolvedTerms } from './terms.js';
