/**
 * The verification: a case in, findings and verdicts out.
 *
 *   verify.ts    verifyCase(dir, opts)        -> { results, and what they were computed from }
 *   custody/     the custody chain: each lot, shipment and site through its stages, the findings, the verdicts
 *   ais.ts       the AIS evidence as tracks and the events the chain asks about
 *   imagery.ts   one imagery pass counted inside its site, under the resolution cap
 *   compare.ts   compareResults(given, again) -> the reproduction, finding by finding
 *   types.ts     results.json (`tally/results/v1`) and its parts
 */
export {
  verifyCase,
  tallyVersion,
  resultsJson,
  type Verification,
  type VerifiedPass,
  type VerifyOptions,
} from './verify.js';
export { compareResults, type Comparison } from './compare.js';
export { worst } from './custody/index.js';
export type { PassAnalysis } from './imagery.js';
export {
  RESULTS_SCHEMA,
  FINDING_CODES,
  type FindingCode,
  type Verdict,
  type SubjectKind,
  type EvidenceRef,
  type Finding,
  type Funnel,
  type ImageryPass,
  type SiteResult,
  type LotResult,
  type InspectionResult,
  type ShipmentResult,
  type ResultsCheckpoint,
  type Results,
  type CustodyEvent,
} from './types.js';
