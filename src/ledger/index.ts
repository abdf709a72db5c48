/**
 * The tamper-evident log and committed declarations.
 *
 *   merkle.ts       RFC 9162 hashing, roots, inclusion and consistency proofs, CompactRange
 *   tiles.ts        C2SP tlog-tiles v0.1.0 paths, tile and entry-bundle contents, proofs from tiles
 *   ed25519.ts      Ed25519 with the log's verification policy (canonical S, A and R)
 *   note.ts         C2SP signed-note v1.0.0: keys, key IDs, signing and opening notes
 *   checkpoint.ts   C2SP tlog-checkpoint v1.0.0
 *   cosignature.ts  C2SP tlog-cosignature v1.0.1, consistency before cosigning, split views
 *   escrow.ts       commitments, lot roots, the challenge draw, reveals, confidence
 *   entries.ts      the records appended (evidence, declarations, inspections, reveals), RFC 8785
 *
 *   storage/        the log's storage: interface.ts (TileStore, Sequencer, CheckpointStore),
 *                   posix.ts (the files driver), writer-record.ts (the writer's own record),
 *                   lease-file.ts (its .lock), durable.ts (fsync, atomic replace)
 *   layout.ts       the names of a log's files beside its tiles
 *   errors.ts       LogError, AuditError, LeaseHeldError, KeyFileError
 *   keys.ts         key files: the log's signing key, cosigner keys
 *   tile-reader.ts  tiles and bundles read from any TileStore (a HashAt for proofs)
 *   tile-edge.ts    the right edge of the tile tree, as entries are appended
 *   log.ts          the writer: init, open, durable batched appends, checkpoints, proofs
 *   tlog-proof.ts   C2SP tlog-proof receipts: format, parse, verify
 *   verify.ts       the current checkpoint against the key and the tiles
 *   audit.ts        everything recomputed from the entries, every checkpoint checked
 *   cosign.ts       a cosigner's step on a log
 *   store.ts        the SQLite index beside the log (by hash, kind, vessel, site)
 *
 * Other folders use the ledger through this file only.
 */

// RFC 9162 Merkle trees
export {
  HASH_SIZE,
  ProofError,
  leafHash,
  nodeHash,
  emptyRoot,
  bytesEqual,
  rangeNodes,
  rangeRoot,
  rootOf,
  subtreeRoot,
  inclusionProofNodes,
  consistencyProofNodes,
  inclusionProofLength,
  consistencyProofLength,
  inclusionProof,
  consistencyProof,
  inclusionProofAsync,
  consistencyProofAsync,
  treeRoot,
  rootFromInclusionProof,
  verifyInclusion,
  verifyConsistency,
  CompactRange,
  MemoryTree,
  type HashAt,
  type NodeId,
  type OnNode,
} from './merkle.js';

// C2SP tlog-tiles
export {
  TILE_HEIGHT,
  TILE_WIDTH,
  FULL_TILE_BYTES,
  MAX_ENTRY_SIZE,
  MAX_TILE_LEVEL,
  TileError,
  encodeTileIndex,
  parseTileIndex,
  tilePath,
  entriesPath,
  parseTilePath,
  hashesAtLevel,
  tileWidth,
  tilesForSize,
  entryBundlesForSize,
  tilesToWrite,
  encodeTile,
  decodeTile,
  tileFromHashAt,
  encodeEntryBundle,
  decodeEntryBundle,
  hashAtFromTiles,
  type TileRef,
  type BundleRef,
  type ParsedPath,
  type ReadTile,
} from './tiles.js';

// Ed25519
export {
  ED25519_SEED_SIZE,
  ED25519_PUBLIC_KEY_SIZE,
  ED25519_SIGNATURE_SIZE,
  ED25519_L,
  ED25519_P,
  isCanonicalScalar,
  isCanonicalPointEncoding,
  ed25519PrivateKeyObject,
  ed25519PublicKeyObject,
  generateEd25519Seed,
  ed25519PublicKey,
  ed25519Sign,
  ed25519VerifyDetailed,
  ed25519Verify,
  Ed25519PublicKey,
  sha256,
  type Ed25519Rejection,
  type Ed25519Result,
} from './ed25519.js';

// C2SP signed-note
export {
  SIG_TYPE_ED25519,
  SIG_TYPE_COSIGNATURE_V1,
  MAX_NOTE_BYTES,
  MAX_SIGNATURES,
  NoteError,
  decodeBase64Strict,
  encodeBase64,
  isValidKeyName,
  computeKeyId,
  keyIdHex,
  checkNoteText,
  parseVerifierKeyParts,
  formatVerifierKey,
  parseSignerKeyParts,
  formatSignerKey,
  Ed25519NoteVerifier,
  Ed25519NoteSigner,
  parseVerifierKey,
  parseSignerKey,
  generateKey,
  formatSignatureLine,
  signNote,
  parseNote,
  openNote,
  addSignatures,
  type NoteErrorCode,
  type NoteVerifier,
  type NoteSigner,
  type NoteSignature,
  type OpenedNote,
  type VerifierKeyParts,
  type SignerKeyParts,
} from './note.js';

// C2SP tlog-checkpoint
export {
  CheckpointError,
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  openCheckpoint,
  type Checkpoint,
  type OpenedCheckpoint,
  type OpenCheckpointOptions,
} from './checkpoint.js';

// C2SP tlog-cosignature
export {
  CosignatureError,
  SplitViewError,
  cosignedMessage,
  parseCosignaturePayload,
  CosignatureV1Verifier,
  CosignerKey,
  generateCosignerKey,
  parseCosignerKey,
  parseCosignerVerifierKey,
  parseAnyVerifierKey,
  cosign,
  verifyCosignature,
  checkConsistentCheckpoints,
  cosignCheckpoint,
  checkSplitView,
  type VerifiedCosignature,
  type SplitViewEvidence,
  type SplitViewVerdict,
} from './cosignature.js';

// Committed declarations (escrow)
export {
  COMMIT_PREFIX,
  SEED_PREFIX,
  SALT_BYTES,
  SEED_BYTES,
  HASH_BYTES,
  SECRETS_FORMAT,
  DECLARATION_FORMAT,
  SEED_COMMITMENT_FORMAT,
  SEED_REVEAL_FORMAT,
  REVEAL_FORMAT,
  MAX_LOT_SIZE,
  toHex,
  isHex,
  fromHex,
  canonicalDescriptor,
  commitment,
  lotRoot,
  commitLot,
  secretsFile,
  declaration,
  loadSecrets,
  seedCommitment,
  newSeed,
  checkSeed,
  seedCommitmentRecord,
  seedRevealRecord,
  drawAttempt,
  drawChallenge,
  reveal,
  checkReveal,
  EXACT_LIMIT,
  survivalFraction,
  survivalProbability,
  confidenceFraction,
  challengesNeeded,
  type Descriptor,
  type SecretItem,
  type Lot,
  type SecretsFile,
  type Declaration,
  type SeedCommitmentRecord,
  type SeedRevealRecord,
  type RevealedItem,
  type Reveal,
  type RevealProblem,
  type Finding,
  type DrawAttempt,
  type CheckRevealOptions,
} from './escrow.js';

// Entries
export {
  EntryError,
  mediaTypeOf,
  checkEntrySize,
  encodeEntry,
  decodeEntry,
  isCanonicalEntry,
  evidenceRecord,
  entryFromFile,
  entryHash,
  type EvidenceRecord,
  type DeclarationRecord,
  type InspectionRecord,
  type RevealRecord,
  type EntryRecord,
  type EvidenceOptions,
} from './entries.js';

// The log: errors, layout, storage
export { LogError, AuditError, LeaseHeldError, KeyFileError } from './errors.js';
export { readSignerKeyFile, readCosignerKeyFile, writeKeyFile } from './keys.js';
export { originSlug, type LogConfig } from './layout.js';
export type {
  StoredFile,
  TileStore,
  CheckpointStore,
  AppendedEntry,
  Sequencer,
  SequencerLease,
  DurabilityHooks,
  LogStorage,
  PublishedLog,
} from './storage/interface.js';
export {
  readConfig,
  isLogDir,
  hashAtFromDir,
  createPosixLog,
  openPosixStorage,
  PosixTileStore,
  PosixCheckpointStore,
  PosixSequencer,
  type PosixOptions,
} from './storage/posix.js';
export { writerRecordPath } from './storage/writer-record.js';
export { hashAtFromStore } from './tile-reader.js';

// The log: writer, receipts, verification, audit, cosigning
export { Log, type InitOptions, type InitResult, type OpenOptions, type CheckpointResult } from './log.js';
export {
  TLOG_PROOF_HEADER,
  formatTlogProof,
  parseTlogProof,
  verifyTlogProof,
  tlogProofRoot,
  type TlogProof,
} from './tlog-proof.js';
export { verifyLog, verifyPublished } from './verify.js';
export { auditLog, auditStorage, type AuditReport, type AuditOptions } from './audit.js';
export { cosignLog, cosignPublished, type CosignResult, type CosignOptions } from './cosign.js';

// The index beside the log
export {
  INDEX_FILE,
  indexedFields,
  LogIndex,
  appendRecords,
  type IndexedFields,
  type IndexedEntry,
  type AppendResult,
} from './store.js';
