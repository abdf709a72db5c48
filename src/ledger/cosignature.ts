// Cosignatures, C2SP tlog-cosignature v1.0.1, Ed25519 type (signature type 0x04).
//
// A cosignature is a note signature line on a checkpoint:
//   — <cosigner name> base64(key ID (4) || timestamp (8, big-endian) || Ed25519 signature (64))
// 76 bytes in all. Key ID = SHA-256(name || "\n" || 0x04 || 32-byte public key)[:4].
// The Ed25519 signature is over
//   "cosignature/v1\n" || "time " || <timestamp, decimal, no leading zero> || "\n" || <checkpoint body>
// where the checkpoint body is the whole note text (with its final newline,
// without signature lines). The timestamp is POSIX seconds, at most 2^63 - 1;
// this implementation also refuses timestamps above 2^53 - 1 (the year
// 285,428,751), a future the spec lets verifiers refuse.
//
// Keys: verifier keys are vkeys of type 0x04 (`name+id+base64(0x04||pub)`).
// Signer keys use Go's private key form with the type byte 0x04
// (`PRIVATE+KEY+name+<0x04 key ID>+base64(0x04||seed)`). A signed-note key
// (0x01) is refused: a cosignature made with it carries a key ID that no
// party's published verifier key (0x01) names, and each party holds a
// cosigner key of its own for this (server.md, "Parties, roles, keys").
//
// Split views: checkConsistentCheckpoints refuses a new checkpoint that is not
// proven consistent with the cosigner's last one; checkSplitView judges a
// pair of validly signed, inconsistent tree heads (the Go sumdb fork vector).

import {
  ed25519PrivateKeyObject,
  ed25519PublicKey,
  ed25519Sign,
  Ed25519PublicKey,
  generateEd25519Seed,
} from './ed25519.js';
import {
  addSignatures,
  computeKeyId,
  decodeBase64Strict,
  Ed25519NoteVerifier,
  formatSignatureLine,
  formatSignerKey,
  formatVerifierKey,
  isValidKeyName,
  keyIdHex,
  NoteError,
  openNote,
  parseSignerKeyParts,
  parseVerifierKeyParts,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  type NoteSigner,
  type NoteVerifier,
} from './note.js';
import { openCheckpoint, parseCheckpoint, type Checkpoint, type OpenedCheckpoint } from './checkpoint.js';
import { bytesEqual, verifyConsistency } from './merkle.js';
import type { KeyObject } from 'node:crypto';

const encoder = new TextEncoder();
const MAX_TIMESTAMP = (1n << 63n) - 1n;

export class CosignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CosignatureError';
  }
}

/** Two checkpoints of one log that cannot both be right (or a rollback). */
export class SplitViewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SplitViewError';
  }
}

function checkTimestamp(t: number): void {
  if (!Number.isSafeInteger(t) || t < 0)
    throw new CosignatureError(`cosignature timestamp must be an integer in [0, 2^53-1], got ${String(t)}`);
}

/** "cosignature/v1\ntime <t>\n" || body */
export function cosignedMessage(checkpointBody: string, timestamp: number): Uint8Array {
  checkTimestamp(timestamp);
  return encoder.encode(`cosignature/v1\ntime ${timestamp}\n${checkpointBody}`);
}

/** Splits the bytes after the key ID: timestamp (8) || signature (64). Null if not 72 bytes or timestamp > 2^63-1. */
function splitTimestamped(sig: Uint8Array): { timestamp: bigint; signature: Uint8Array } | null {
  if (sig.length !== 72) return null;
  const timestamp = new DataView(sig.buffer, sig.byteOffset, 8).getBigUint64(0, false);
  if (timestamp > MAX_TIMESTAMP) return null;
  return { timestamp, signature: sig.subarray(8) };
}

/** Parses a whole cosignature payload (the base64 of a signature line, decoded): key ID, timestamp, signature. */
export function parseCosignaturePayload(payload: Uint8Array | string): {
  keyId: number;
  timestamp: number;
  signature: Uint8Array;
} {
  const raw = typeof payload === 'string' ? decodeBase64Strict(payload) : payload;
  if (raw === null) throw new CosignatureError('cosignature is not canonical base64');
  if (raw.length !== 76)
    throw new CosignatureError(
      `cosignature must be 76 bytes (key ID, timestamp, Ed25519 signature), got ${raw.length}`,
    );
  const keyId = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, false);
  const t = splitTimestamped(raw.subarray(4));
  if (t === null) throw new CosignatureError('cosignature timestamp exceeds 2^63-1');
  if (t.timestamp > BigInt(Number.MAX_SAFE_INTEGER))
    throw new CosignatureError(`cosignature timestamp ${t.timestamp} is beyond 2^53-1`);
  return { keyId, timestamp: Number(t.timestamp), signature: Uint8Array.from(t.signature) };
}

/** Verifies Ed25519 cosignatures (type 0x04) of one cosigner. */
export class CosignatureV1Verifier implements NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  private readonly key: Ed25519PublicKey;

  constructor(name: string, publicKey: Uint8Array) {
    // Ed25519NoteVerifier checks the name and the key's encoding.
    const base = new Ed25519NoteVerifier(name, publicKey);
    this.name = name;
    this.publicKey = base.publicKey;
    this.key = new Ed25519PublicKey(this.publicKey);
    this.keyId = computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, this.publicKey);
  }

  verify(text: Uint8Array, sig: Uint8Array): boolean {
    const t = splitTimestamped(sig);
    if (t === null || t.timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return false;
    const header = encoder.encode(`cosignature/v1\ntime ${t.timestamp}\n`);
    const msg = new Uint8Array(header.length + text.length);
    msg.set(header);
    msg.set(text, header.length);
    return this.key.verify(msg, t.signature);
  }

  /** `name+id+base64(0x04||pub)` */
  toString(): string {
    return formatVerifierKey(this.name, SIG_TYPE_COSIGNATURE_V1, this.publicKey);
  }
}

/** A cosigner's key (Ed25519 seed) under its name. */
export class CosignerKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  private readonly seed: Uint8Array;
  private readonly key: KeyObject;

  constructor(name: string, seed: Uint8Array) {
    if (!(seed instanceof Uint8Array) || seed.length !== 32)
      throw new NoteError('bad-key', `cosigner key ${JSON.stringify(name)}: Ed25519 seed must be 32 bytes`);
    if (!isValidKeyName(name))
      throw new NoteError(
        'bad-name',
        `invalid cosigner name ${JSON.stringify(name)}: must be non-empty, with no spaces, '+' or control characters`,
      );
    this.publicKey = ed25519PublicKey(seed);
    this.name = name;
    this.seed = Uint8Array.from(seed);
    this.key = ed25519PrivateKeyObject(seed);
    this.keyId = computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, this.publicKey);
  }

  /** A note signer that cosigns at the given time (POSIX seconds). */
  signerAt(timeSec: number): NoteSigner {
    checkTimestamp(timeSec);
    return {
      name: this.name,
      keyId: this.keyId,
      sign: (text: Uint8Array): Uint8Array => {
        const header = encoder.encode(`cosignature/v1\ntime ${timeSec}\n`);
        const msg = new Uint8Array(header.length + text.length);
        msg.set(header);
        msg.set(text, header.length);
        const out = new Uint8Array(72);
        new DataView(out.buffer).setBigUint64(0, BigInt(timeSec), false);
        out.set(ed25519Sign(this.key, msg), 8);
        return out;
      },
    };
  }

  verifier(): CosignatureV1Verifier {
    return new CosignatureV1Verifier(this.name, this.publicKey);
  }

  verifierKey(): string {
    return formatVerifierKey(this.name, SIG_TYPE_COSIGNATURE_V1, this.publicKey);
  }

  /** `PRIVATE+KEY+name+<0x04 key ID>+base64(0x04||seed)` */
  signerKey(): string {
    return formatSignerKey(this.name, SIG_TYPE_COSIGNATURE_V1, this.keyId, this.seed);
  }
}

/** A fresh cosigner key pair: { signerKey, verifierKey } (type 0x04). */
export function generateCosignerKey(name: string): { signerKey: string; verifierKey: string } {
  const k = new CosignerKey(name, generateEd25519Seed());
  return { signerKey: k.signerKey(), verifierKey: k.verifierKey() };
}

/** Parses a cosigner private key (type 0x04); checks the key ID. A signed-note key (0x01) is refused. */
export function parseCosignerKey(skey: string): CosignerKey {
  const p = parseSignerKeyParts(skey);
  if (p.type === SIG_TYPE_ED25519) {
    throw new NoteError(
      'bad-key',
      `cosigner key ${JSON.stringify(p.name)}: this is a signed-note key (type 0x01); a cosigner key (type 0x04, tlog-cosignature) is needed`,
    );
  }
  if (p.type !== SIG_TYPE_COSIGNATURE_V1) {
    throw new NoteError(
      'bad-key',
      `cosigner key ${JSON.stringify(p.name)}: unsupported type 0x${p.type.toString(16).padStart(2, '0')} (expected 0x04, tlog-cosignature)`,
    );
  }
  if (p.seed.length !== 32)
    throw new NoteError(
      'bad-key',
      `cosigner key ${JSON.stringify(p.name)}: Ed25519 seed must be 32 bytes, got ${p.seed.length}`,
    );
  const k = new CosignerKey(p.name, p.seed);
  if (k.keyId !== p.keyId) {
    throw new NoteError(
      'bad-key',
      `cosigner key ${JSON.stringify(p.name)}: key ID ${keyIdHex(p.keyId)} does not match the key (expected ${keyIdHex(k.keyId)})`,
    );
  }
  return k;
}

/** Parses a cosigner verifier key `name+id+base64(0x04||pub)`. */
export function parseCosignerVerifierKey(vkey: string): CosignatureV1Verifier {
  const p = parseVerifierKeyParts(vkey);
  if (p.type !== SIG_TYPE_COSIGNATURE_V1) {
    throw new NoteError(
      'bad-key',
      `cosigner verifier key ${JSON.stringify(p.name)}: type 0x${p.type.toString(16).padStart(2, '0')} is not 0x04 (Ed25519 cosignature)`,
    );
  }
  if (p.publicKey.length !== 32)
    throw new NoteError(
      'bad-key',
      `cosigner verifier key ${JSON.stringify(p.name)}: Ed25519 public key must be 32 bytes, got ${p.publicKey.length}`,
    );
  return new CosignatureV1Verifier(p.name, p.publicKey);
}

/** Parses a verifier key of type 0x01 (note signature) or 0x04 (cosignature). */
export function parseAnyVerifierKey(vkey: string): Ed25519NoteVerifier | CosignatureV1Verifier {
  const p = parseVerifierKeyParts(vkey);
  if (p.publicKey.length !== 32 && (p.type === SIG_TYPE_ED25519 || p.type === SIG_TYPE_COSIGNATURE_V1)) {
    throw new NoteError(
      'bad-key',
      `verifier key ${JSON.stringify(p.name)}: Ed25519 public key must be 32 bytes, got ${p.publicKey.length}`,
    );
  }
  if (p.type === SIG_TYPE_ED25519) return new Ed25519NoteVerifier(p.name, p.publicKey);
  if (p.type === SIG_TYPE_COSIGNATURE_V1) return new CosignatureV1Verifier(p.name, p.publicKey);
  throw new NoteError(
    'bad-key',
    `verifier key ${JSON.stringify(p.name)}: unsupported signature type 0x${p.type.toString(16).padStart(2, '0')}`,
  );
}

/** The cosignature line (with its newline) of `key` on a checkpoint body at `timeSec`. */
export function cosign(checkpointBody: string, key: CosignerKey, timeSec: number): string {
  parseCheckpoint(checkpointBody);
  const sig = key.signerAt(timeSec).sign(encoder.encode(checkpointBody));
  return formatSignatureLine(key.name, key.keyId, sig);
}

export interface VerifiedCosignature {
  readonly timestamp: number;
  readonly checkpoint: Checkpoint;
  readonly body: string;
}

/**
 * Verifies that the checkpoint note carries a valid cosignature by
 * `cosigner`; returns its timestamp. Other signatures are ignored unless
 * `log` is given, in which case the log's signature is required too.
 * Throws NoteError, CheckpointError or CosignatureError.
 */
export function verifyCosignature(
  note: string | Uint8Array,
  cosigner: CosignatureV1Verifier,
  opts: { log?: NoteVerifier; notAfter?: number } = {},
): VerifiedCosignature {
  const verifiers: NoteVerifier[] = opts.log ? [opts.log, cosigner] : [cosigner];
  const opened = openNote(note, verifiers);
  const mine = opened.sigs.filter((s) => s.name === cosigner.name && s.keyId === cosigner.keyId);
  if (mine.length === 0)
    throw new NoteError('unknown-key', `checkpoint has no cosignature by ${cosigner.name}+${keyIdHex(cosigner.keyId)}`);
  if (opts.log && !opened.sigs.some((s) => s.name === opts.log!.name && s.keyId === opts.log!.keyId)) {
    throw new NoteError('unknown-key', `checkpoint is not signed by the log key ${opts.log.name}`);
  }
  const checkpoint = parseCheckpoint(opened.text);
  const timestamp = Math.max(
    ...mine.map((s) => Number(new DataView(s.signature.buffer, s.signature.byteOffset, 8).getBigUint64(0, false))),
  );
  if (opts.notAfter !== undefined && timestamp > opts.notAfter) {
    throw new CosignatureError(`cosignature by ${cosigner.name} is dated ${timestamp}, after ${opts.notAfter}`);
  }
  return { timestamp, checkpoint, body: opened.text };
}

// ---------------------------------------------------------------- consistency and split views

/**
 * Throws SplitViewError unless `next` is proven to extend `prev` (same origin,
 * size not smaller, and an RFC 9162 consistency proof; a size-0 `prev` is
 * extended by anything, equal sizes need equal roots).
 */
export function checkConsistentCheckpoints(prev: Checkpoint, next: Checkpoint, proof: readonly Uint8Array[]): void {
  if (prev.origin !== next.origin) {
    throw new SplitViewError(
      `checkpoints are of different logs: ${JSON.stringify(prev.origin)} and ${JSON.stringify(next.origin)}`,
    );
  }
  if (next.size < prev.size)
    throw new SplitViewError(
      `rollback: new checkpoint size ${next.size} is smaller than the last one seen, ${prev.size}`,
    );
  if (prev.size === 0) {
    if (proof.length !== 0) throw new SplitViewError('consistency from the empty tree takes an empty proof');
    return;
  }
  if (prev.size === next.size) {
    if (!bytesEqual(prev.root, next.root)) {
      throw new SplitViewError(`split view: two different roots for size ${prev.size}`);
    }
    if (proof.length !== 0) throw new SplitViewError('equal sizes take an empty consistency proof');
    return;
  }
  try {
    verifyConsistency(prev.size, next.size, proof, prev.root, next.root);
  } catch (e) {
    throw new SplitViewError(
      `checkpoint of size ${next.size} is not proven consistent with the one of size ${prev.size}: ${(e as Error).message}`,
    );
  }
}

/**
 * A cosigner's step: opens `note` with the log's key, checks it extends the
 * cosigner's last checkpoint (if any) with `proof`, and returns the note with
 * the cosignature appended. Throws (NoteError, CheckpointError, SplitViewError)
 * instead of cosigning anything it cannot check.
 */
export function cosignCheckpoint(args: {
  note: string;
  log: NoteVerifier;
  key: CosignerKey;
  timeSec: number;
  last?: Checkpoint;
  proof?: readonly Uint8Array[];
  origin?: string;
}): { note: string; checkpoint: OpenedCheckpoint } {
  const cp = openCheckpoint(args.note, args.log, args.origin !== undefined ? { origin: args.origin } : {});
  if (args.last) checkConsistentCheckpoints(args.last, cp, args.proof ?? []);
  return { note: addSignatures(args.note, [args.key.signerAt(args.timeSec)]), checkpoint: cp };
}

export interface SplitViewEvidence {
  readonly verifierKey: string;
  readonly oldNote: string;
  readonly newNote: string;
  /** base64 hashes of the consistency proof from the old size to the new. */
  readonly consistencyProof: readonly string[];
  /** Optional: the old-size root the new tree implies (base64). */
  readonly impliedOldRoot?: string;
}

export interface SplitViewVerdict {
  /** True when the two signed checkpoints cannot both be right. */
  readonly splitView: boolean;
  /** True when the proof verifies against the new root from a different old root (proof of a fork). */
  readonly proven: boolean;
  readonly reason: string;
  readonly old: OpenedCheckpoint;
  readonly new: OpenedCheckpoint;
}

function decodeHashes(list: readonly string[], what: string): Uint8Array[] {
  if (!Array.isArray(list)) throw new CosignatureError(`${what} must be an array of base64 hashes`);
  return list.map((h, i) => {
    const b = typeof h === 'string' ? decodeBase64Strict(h) : null;
    if (b === null || b.length !== 32) throw new CosignatureError(`${what}[${i}] is not a base64 32-byte hash`);
    return b;
  });
}

/**
 * Judges two checkpoints signed by the same log key (both signatures must
 * verify, else this throws: unsigned heads prove nothing). Returns
 * splitView = true when the consistency proof does not take the older signed
 * head to the newer one, i.e. a cosigner must refuse the newer head; proven =
 * true when, in addition, the proof verifies from `impliedOldRoot` to the new
 * signed root, which is then a different root for the old size: the log forked.
 */
export function checkSplitView(e: SplitViewEvidence): SplitViewVerdict {
  const log = parseAnyVerifierKey(e.verifierKey);
  if (!(log instanceof Ed25519NoteVerifier))
    throw new CosignatureError('split-view evidence: the log key must be an Ed25519 (0x01) note key');
  let a = openCheckpoint(e.oldNote, log);
  let b = openCheckpoint(e.newNote, log);
  if (b.size < a.size) [a, b] = [b, a];
  const proof = decodeHashes(e.consistencyProof, 'consistencyProof');
  try {
    checkConsistentCheckpoints(a, b, proof);
  } catch (err) {
    if (!(err instanceof SplitViewError)) throw err;
    let proven = false;
    let reason = err.message;
    if (e.impliedOldRoot !== undefined && a.size > 0 && a.size < b.size) {
      const implied = decodeHashes([e.impliedOldRoot], 'impliedOldRoot')[0]!;
      try {
        verifyConsistency(a.size, b.size, proof, implied, b.root);
        if (!bytesEqual(implied, a.root)) {
          proven = true;
          reason = `fork: the signed tree of size ${b.size} contains a tree of size ${a.size} with root ${Buffer.from(implied).toString('base64')}, but the log also signed root ${Buffer.from(a.root).toString('base64')} for size ${a.size}`;
        }
      } catch {
        // the proof proves nothing: the heads are unproven, not proven forked
      }
    } else if (a.size === b.size) {
      proven = !bytesEqual(a.root, b.root);
    }
    return { splitView: true, proven, reason, old: a, new: b };
  }
  return { splitView: false, proven: false, reason: 'consistent', old: a, new: b };
}
