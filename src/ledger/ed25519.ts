// Ed25519 (RFC 8032) over node:crypto, with Tally's verification policy.
//
// VERIFICATION POLICY (the same for every verifier of a Tally log; pinned by
// the C2SP CCTV ed25519 vectors in scripts/conformance/tlog-notes.ts and by
// test/ledger-note.test.ts):
//
//   1. The public key must be 32 bytes and the signature 64 bytes.
//   2. S (the second half of the signature, little-endian) must be canonical:
//      S < L, L = 2^252 + 27742317777372353535851937790883648493.
//      (RFC 8032 §5.1.7 requires this; Wycheproof "SignatureMalleability".)
//   3. The points A (public key) and R (first half of the signature) must be
//      canonical encodings, as RFC 8032 §5.1.3 decoding requires: the 255-bit
//      y coordinate must be < p = 2^255 - 19, and the sign bit of x must not
//      be set when x = 0 (that is y = 1 or y = p - 1). Tally checks this
//      itself for BOTH A and R before calling OpenSSL: OpenSSL already rejects
//      a non-canonical R (it compares the re-encoded R) but ACCEPTS a
//      non-canonical A (CCTV flag non_canonical_A), as Go's crypto/ed25519
//      does; Tally rejects it, so that a key has exactly one encoding.
//   4. Everything else is OpenSSL's verification (via node:crypto), which is
//      the ref10 behaviour: A or R that do not decode to a curve point are
//      rejected; low-order A and R, and points with a low-order component,
//      are accepted (RFC 8032 does not reject them; no blocklist); the group
//      equation is the COFACTORLESS one, [S]B = R + [k]A, which RFC 8032
//      §5.1.7 explicitly allows ("sufficient, but not required"). So the CCTV
//      vectors flagged low_order_residue (which pass only the cofactored
//      equation [8][S]B = [8]R + [8][k]A) are rejected. Go's crypto/ed25519,
//      ed25519-dalek's verify() and OpenSSL agree on this choice, so the only
//      CCTV difference between Tally and Go's golang.org/x/mod/sumdb/note is
//      that Tally rejects non_canonical_A.
//
// Net effect on the 914 CCTV vectors: accept exactly those with none of the
// flags non_canonical_A, non_canonical_R, low_order_residue; reject the rest.
//
// Keys: a private key is the 32-byte RFC 8032 seed; a public key the 32-byte
// RFC 8032 encoding. Signing is deterministic (RFC 8032 §5.1.6).

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';

export const ED25519_SEED_SIZE = 32;
export const ED25519_PUBLIC_KEY_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;

/** The prime order of the base point. */
export const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;
/** The field prime. */
export const ED25519_P = (1n << 255n) - 19n;

// DER prefixes of a PKCS#8 private key and an SPKI public key for Ed25519
// (RFC 8410); the raw 32 bytes follow.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Reasons an Ed25519 verification fails under Tally's policy. */
export type Ed25519Rejection =
  | 'bad-public-key-length'
  | 'bad-signature-length'
  | 'non-canonical-s'
  | 'non-canonical-a'
  | 'non-canonical-r'
  | 'invalid'; // OpenSSL says no: wrong signature, point not on the curve, ...

export type Ed25519Result = { ok: true } | { ok: false; reason: Ed25519Rejection };

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** True when the 32 bytes encode a scalar < L (RFC 8032 §5.1.7). */
export function isCanonicalScalar(s: Uint8Array): boolean {
  return s.length === 32 && littleEndian(s) < ED25519_L;
}

/**
 * True when the 32 bytes are a canonical point encoding as far as RFC 8032
 * §5.1.3 decoding can tell without the curve arithmetic: y < p, and not
 * (x = 0 with the sign bit set). x = 0 exactly when y = 1 or y = p - 1.
 * Whether the point is on the curve at all is left to OpenSSL.
 */
export function isCanonicalPointEncoding(a: Uint8Array): boolean {
  if (a.length !== 32) return false;
  const signBit = (a[31]! & 0x80) !== 0;
  const y = littleEndian(a) & ((1n << 255n) - 1n);
  if (y >= ED25519_P) return false;
  if (signBit && (y === 1n || y === ED25519_P - 1n)) return false;
  return true;
}

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_SIZE) {
    throw new RangeError(`Ed25519 seed must be ${ED25519_SEED_SIZE} bytes`);
  }
}

/** A node:crypto private KeyObject from a 32-byte seed. */
export function ed25519PrivateKeyObject(seed: Uint8Array): KeyObject {
  checkSeed(seed);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/**
 * A node:crypto public KeyObject from 32 raw bytes (no validation of the
 * point: OpenSSL checks it at verification time). Throws on a wrong length.
 */
export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw new RangeError(`Ed25519 public key must be ${ED25519_PUBLIC_KEY_SIZE} bytes`);
  }
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** A fresh random 32-byte seed. */
export function generateEd25519Seed(): Uint8Array {
  return new Uint8Array(randomBytes(ED25519_SEED_SIZE));
}

/** The RFC 8032 public key of a seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(ed25519PrivateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

/** Deterministic RFC 8032 signature of msg. */
export function ed25519Sign(seedOrKey: Uint8Array | KeyObject, msg: Uint8Array): Uint8Array {
  const key = seedOrKey instanceof Uint8Array ? ed25519PrivateKeyObject(seedOrKey) : seedOrKey;
  return new Uint8Array(nodeSign(null, msg, key));
}

/**
 * Verifies under Tally's policy (see the top of this file) and says why a
 * signature is refused. Never throws for bad input bytes.
 */
export function ed25519VerifyDetailed(
  publicKey: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
  keyObject?: KeyObject,
): Ed25519Result {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
    return { ok: false, reason: 'bad-public-key-length' };
  }
  if (!(sig instanceof Uint8Array) || sig.length !== ED25519_SIGNATURE_SIZE) {
    return { ok: false, reason: 'bad-signature-length' };
  }
  if (!isCanonicalScalar(sig.subarray(32))) return { ok: false, reason: 'non-canonical-s' };
  if (!isCanonicalPointEncoding(publicKey)) return { ok: false, reason: 'non-canonical-a' };
  if (!isCanonicalPointEncoding(sig.subarray(0, 32))) return { ok: false, reason: 'non-canonical-r' };
  try {
    const key = keyObject ?? ed25519PublicKeyObject(publicKey);
    return nodeVerify(null, msg, key, sig) ? { ok: true } : { ok: false, reason: 'invalid' };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}

/** Verifies under Tally's policy; false for any refusal. */
export function ed25519Verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  return ed25519VerifyDetailed(publicKey, msg, sig).ok;
}

/**
 * A reusable verifier for one public key (caches the KeyObject). The key's
 * encoding is checked once here: a non-canonical A is refused up front.
 */
export class Ed25519PublicKey {
  readonly bytes: Uint8Array;
  private readonly keyObject: KeyObject;

  constructor(publicKey: Uint8Array) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
      throw new RangeError(`Ed25519 public key must be ${ED25519_PUBLIC_KEY_SIZE} bytes`);
    }
    if (!isCanonicalPointEncoding(publicKey)) {
      throw new RangeError(
        'Ed25519 public key is not a canonical point encoding (y >= p, or x = 0 with the sign bit set)',
      );
    }
    this.bytes = Uint8Array.from(publicKey);
    this.keyObject = ed25519PublicKeyObject(this.bytes);
  }

  verify(msg: Uint8Array, sig: Uint8Array): boolean {
    return ed25519VerifyDetailed(this.bytes, msg, sig, this.keyObject).ok;
  }
}

/** SHA-256 helper shared by the note modules. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
