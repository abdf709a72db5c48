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
 *   log.ts          the log on disk: durable batched appends, tiles, checkpoints, proofs, audit
 *   store.ts        the SQLite index beside the log (by hash, kind, vessel, site)
 */
export * from './merkle.js';
export * from './tiles.js';
export * from './ed25519.js';
export * from './note.js';
export * from './checkpoint.js';
export * from './cosignature.js';
export * from './escrow.js';
export * from './entries.js';
export * from './log.js';
export * from './store.js';
