/**
 * Evidence: every input of a case hashed (SHA-256), described with its
 * provenance, and recorded in the case's log before it is used.
 *
 *   collect.ts   collectEvidence(c)        -> the case's inputs, hashed, in log order
 *   records.ts   declarationRecords(c)     -> seed commitments, lots, shipments and seeds as log records
 *   record.ts    recordEvidence(c, items)  -> appends what the log does not hold yet (idempotent), signs a
 *                                             checkpoint, audits; with readOnly, only checks (an auditor);
 *                                             reads end at the checkpoint signed under the trusted key
 */
export { collectEvidence, type EvidenceItem, type EvidenceRole } from './collect.js';
export { declarationRecords, type LoggedRecord } from './records.js';
export {
  recordEvidence,
  cosigners,
  hasLog,
  logDirOf,
  operatorKeyPath,
  operatorVerifierKey,
  keyName,
  OperatorKeyError,
  type DeclarationOrder,
  type OrderEntry,
  type LogProblem,
  type RecordedCase,
  type RecordOptions,
} from './record.js';
