/**
 * tlog-proof (c2sp.org/tlog-proof@v1): the receipt handed to a party for an
 * entry, an inclusion proof against a signed checkpoint, verifiable offline.
 *
 *   c2sp.org/tlog-proof@v1\n[extra <base64>\n]index <n>\n<base64 hash>\n...\n\n<checkpoint note>
 */

import { bytesEqual, leafHash, rootFromInclusionProof, verifyInclusion } from './merkle.js';
import { decodeBase64Strict, encodeBase64, type NoteVerifier } from './note.js';
import { openCheckpoint, type OpenedCheckpoint } from './checkpoint.js';
import { LogError } from './errors.js';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface TlogProof {
  index: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  checkpoint: string;
  /** Opaque extra data: Tally puts the entry's bytes here. */
  extra?: Uint8Array;
}

/**
 * Formats a tlog-proof:
 *   c2sp.org/tlog-proof@v1\n[extra <base64>\n]index <n>\n<base64 hash>\n...\n\n<checkpoint note>
 */
export function formatTlogProof(p: TlogProof): string {
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra !== undefined) lines.push(`extra ${encodeBase64(p.extra)}`);
  lines.push(`index ${p.index}`);
  for (const h of p.proof) lines.push(encodeBase64(h));
  return `${lines.join('\n')}\n\n${p.checkpoint}`;
}

/** Parses a tlog-proof strictly (header, canonical index, 32-byte canonical base64 hashes, a checkpoint); throws LogError. */
export function parseTlogProof(text: string): TlogProof {
  if (typeof text !== 'string') throw new LogError('tlog-proof: expected text');
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw new LogError('tlog-proof: no blank line before the checkpoint');
  const head = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (head[0] !== TLOG_PROOF_HEADER)
    throw new LogError(`tlog-proof: the first line must be ${JSON.stringify(TLOG_PROOF_HEADER)}`);
  let i = 1;
  let extra: Uint8Array | undefined;
  if (head[i]?.startsWith('extra ')) {
    const b = decodeBase64Strict(head[i].slice(6));
    if (b === null) throw new LogError('tlog-proof: the extra line is not canonical base64');
    extra = b;
    i++;
  }
  const m = /^index (0|[1-9][0-9]*)$/.exec(head[i] ?? '');
  if (!m) throw new LogError(`tlog-proof: line ${i + 1} must be "index <decimal, no leading zero>"`);
  const index = Number(m[1]);
  if (!Number.isSafeInteger(index)) throw new LogError(`tlog-proof: index ${m[1]} is beyond 2^53 - 1`);
  const proof: Uint8Array[] = [];
  for (i++; i < head.length; i++) {
    const h = decodeBase64Strict(head[i]);
    if (h === null || h.length !== 32 || head[i] === '')
      throw new LogError(`tlog-proof: line ${i + 1} is not a base64 32-byte hash`);
    proof.push(h);
  }
  if (proof.length > 64) throw new LogError('tlog-proof: more than 64 proof hashes');
  if (checkpoint.length === 0) throw new LogError('tlog-proof: no checkpoint after the blank line');
  return { index, proof, checkpoint, ...(extra !== undefined ? { extra } : {}) };
}

/**
 * Verifies a tlog-proof with the log's key: the checkpoint's signature, then
 * the inclusion of `entry` (or, without it, of the proof's extra data) at
 * the proof's index in the checkpointed tree. Returns the checkpoint and the
 * entry proven; throws (LogError, NoteError, CheckpointError, ProofError).
 */
export function verifyTlogProof(
  text: string,
  log: NoteVerifier,
  opts: { entry?: Uint8Array; origin?: string; others?: readonly NoteVerifier[] } = {},
): { index: number; entry: Uint8Array; checkpoint: OpenedCheckpoint } {
  const p = parseTlogProof(text);
  const checkpoint = openCheckpoint(p.checkpoint, log, {
    ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
    ...(opts.others ? { others: opts.others } : {}),
  });
  const entry = opts.entry ?? p.extra;
  if (entry === undefined)
    throw new LogError('tlog-proof: no entry to check (the proof has no extra data and none was given)');
  if (opts.entry !== undefined && p.extra !== undefined && !bytesEqual(opts.entry, p.extra)) {
    throw new LogError("tlog-proof: the entry given differs from the entry in the proof's extra data");
  }
  verifyInclusion(leafHash(entry), p.index, checkpoint.size, p.proof, checkpoint.root);
  return { index: p.index, entry, checkpoint };
}

/** The root the inclusion proof in a tlog-proof leads to, for tests and tools. */
export function tlogProofRoot(p: TlogProof, entry: Uint8Array, size: number): Uint8Array {
  return rootFromInclusionProof(leafHash(entry), p.index, size, p.proof);
}
