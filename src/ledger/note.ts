// Signed notes, C2SP signed-note v1.0.0 (the format of golang.org/x/mod/sumdb/note).
//
//   <text, ending in "\n">
//   <blank line>
//   — <key name> <base64(key ID (4 bytes, big-endian) || signature)>\n   (one or more)
//
// Key ID = SHA-256(key name || 0x0A || signature type || public key)[:4].
// Verifier key:  <name>+<hex key ID>+<base64(type || public key)>
// Signer key (Go's private key form): PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>
//
// Rules enforced by openNote (each a NoteError with a code, never a silent
// acceptance):
//   - the whole note is valid UTF-8, has no control character but "\n", and
//     is at most MAX_NOTE_BYTES long;
//   - the text is separated from the signatures by the LAST blank line; the
//     signature block is non-empty and each of its lines is "— name base64\n"
//     with a valid key name and canonical standard base64 (with padding) of at
//     least 5 bytes; at most MAX_SIGNATURES lines;
//   - a signature whose (name, key ID) matches a known verifier is verified,
//     every time it appears: one that fails rejects the whole note
//     ('bad-signature'); signatures from unknown keys are returned as
//     `unverified` (ignored, as the spec requires);
//   - at least one known key must have signed ('unknown-key').
// Differences from Go's implementation, all stricter: base64 must be
// canonical (Go accepts non-zero padding bits), repeated signature lines from
// a known key are each verified (Go skips repeats), key names reject U+FEFF
// as well as the Unicode spaces.

import {
  ed25519PublicKey,
  Ed25519PublicKey,
  ed25519PrivateKeyObject,
  ed25519Sign,
  generateEd25519Seed,
  sha256,
} from './ed25519.js';
import type { KeyObject } from 'node:crypto';

export const SIG_TYPE_ED25519 = 0x01;
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;
/** Notes larger than this are refused (a checkpoint is ~200 bytes). */
export const MAX_NOTE_BYTES = 1 << 20;
/** At most this many signature lines (the spec asks for at least 16; Go allows 100). */
export const MAX_SIGNATURES = 100;

export type NoteErrorCode =
  | 'malformed' // not a signed note (structure, encoding, a bad signature line)
  | 'bad-text' // text to sign is not valid note text
  | 'no-signature' // no signature block at all
  | 'unknown-key' // signed, but by no known key
  | 'bad-signature' // a known key's signature does not verify
  | 'bad-name' // a key name with a space, a '+', or empty
  | 'bad-key' // a verifier or signer key that does not parse or whose key ID is wrong
  | 'ambiguous-key'; // two verifiers with the same name and key ID

export class NoteError extends Error {
  readonly code: NoteErrorCode;
  constructor(code: NoteErrorCode, message: string) {
    super(message);
    this.name = 'NoteError';
    this.code = code;
  }
}

/** Verifies one note signature (the bytes after the key ID) over the note text. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, sig: Uint8Array): boolean;
}

/** Produces one note signature (the bytes after the key ID) over the note text. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Uint8Array;
}

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the 4-byte key ID. */
  readonly signature: Uint8Array;
  /** The base64 field of the line, as written. */
  readonly base64: string;
}

export interface OpenedNote {
  /** The note text, with its final newline. */
  readonly text: string;
  /** Signatures by known keys, all verified (repeats listed once). */
  readonly sigs: NoteSignature[];
  /** Signatures by unknown keys: not verified, to be ignored (repeats listed once). */
  readonly unverified: NoteSignature[];
}

const SIG_PREFIX = '\u2014 '; // em dash, space
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ---------------------------------------------------------------- helpers

/** Canonical RFC 4648 §4 base64 (standard alphabet, padding, zero pad bits), or null. */
export function decodeBase64Strict(s: string): Uint8Array | null {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64') !== s) return null;
  return new Uint8Array(b);
}

export function encodeBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** A key name: non-empty, no Unicode space, no '+' (and no control character). */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !/[\p{White_Space}\uFEFF+\p{Cc}]/u.test(name) &&
    !/\p{Cs}/u.test(name)
  );
}

function checkKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new NoteError(
      'bad-name',
      `invalid key name ${JSON.stringify(name)}: must be non-empty, with no spaces, '+' or control characters`,
    );
  }
}

/** Key ID = SHA-256(name || 0x0A || type || publicKey)[:4] as a uint32. */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const h = sha256(encoder.encode(name), Uint8Array.of(0x0a, type), publicKey);
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

export function keyIdHex(id: number): string {
  return (id >>> 0).toString(16).padStart(8, '0');
}

function parseKeyIdHex(s: string): number | null {
  return /^[0-9a-fA-F]{8}$/.test(s) ? Number.parseInt(s, 16) >>> 0 : null;
}

/** Splits at the first occurrence of sep (Go's chop). */
function chop(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** Throws 'bad-text' unless s is valid note text (ends in "\n", no control chars but "\n", UTF-8). */
export function checkNoteText(text: string): void {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new NoteError('bad-text', 'note text must end with a newline');
  }
  if (/\p{Cs}/u.test(text)) throw new NoteError('bad-text', 'note text is not valid Unicode (lone surrogate)');
  // eslint-disable-next-line no-control-regex
  const m = /[\u0000-\u0009\u000b-\u001f]/.exec(text);
  if (m) {
    throw new NoteError(
      'bad-text',
      `note text contains control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} at offset ${m.index}`,
    );
  }
  if (encoder.encode(text).length > MAX_NOTE_BYTES)
    throw new NoteError('bad-text', `note text is over ${MAX_NOTE_BYTES} bytes`);
}

// ---------------------------------------------------------------- keys

export interface VerifierKeyParts {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  /** The public key bytes after the type byte. */
  readonly publicKey: Uint8Array;
}

/**
 * Parses `name+hexid+base64(type||key)` for any signature type and checks
 * that the key ID matches SHA-256(name || 0x0A || type || key)[:4].
 */
export function parseVerifierKeyParts(vkey: string): VerifierKeyParts {
  if (typeof vkey !== 'string') throw new NoteError('bad-key', 'verifier key must be a string');
  const [name, rest] = chop(vkey, '+');
  const [hex, b64] = chop(rest, '+');
  if (!isValidKeyName(name)) {
    throw new NoteError('bad-key', `verifier key: invalid key name ${JSON.stringify(name)}`);
  }
  const id = parseKeyIdHex(hex);
  if (id === null)
    throw new NoteError(
      'bad-key',
      `verifier key ${JSON.stringify(name)}: key ID must be 8 hex digits, got ${JSON.stringify(hex)}`,
    );
  const key = decodeBase64Strict(b64);
  if (key === null || key.length < 1) {
    throw new NoteError('bad-key', `verifier key ${JSON.stringify(name)}: key is not non-empty canonical base64`);
  }
  const type = key[0]!;
  const publicKey = key.subarray(1);
  const want = computeKeyId(name, type, publicKey);
  if (want !== id) {
    throw new NoteError(
      'bad-key',
      `verifier key ${JSON.stringify(name)}: key ID ${keyIdHex(id)} does not match the key (expected ${keyIdHex(want)})`,
    );
  }
  return { name, keyId: id, type, publicKey: Uint8Array.from(publicKey) };
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  checkKeyName(name);
  const id = computeKeyId(name, type, publicKey);
  return `${name}+${keyIdHex(id)}+${encodeBase64(Uint8Array.of(type, ...publicKey))}`;
}

export interface SignerKeyParts {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly seed: Uint8Array;
}

/** Parses Go's `PRIVATE+KEY+name+hexid+base64(type||seed)`; the key ID is NOT checked here. */
export function parseSignerKeyParts(skey: string): SignerKeyParts {
  if (typeof skey !== 'string') throw new NoteError('bad-key', 'signer key must be a string');
  const [p1, r1] = chop(skey, '+');
  const [p2, r2] = chop(r1, '+');
  const [name, r3] = chop(r2, '+');
  const [hex, b64] = chop(r3, '+');
  if (p1 !== 'PRIVATE' || p2 !== 'KEY') throw new NoteError('bad-key', 'signer key must start with PRIVATE+KEY+');
  if (!isValidKeyName(name)) throw new NoteError('bad-key', `signer key: invalid key name ${JSON.stringify(name)}`);
  const id = parseKeyIdHex(hex);
  if (id === null) throw new NoteError('bad-key', `signer key ${JSON.stringify(name)}: key ID must be 8 hex digits`);
  const key = decodeBase64Strict(b64);
  if (key === null || key.length < 1)
    throw new NoteError('bad-key', `signer key ${JSON.stringify(name)}: key is not non-empty canonical base64`);
  return { name, keyId: id, type: key[0]!, seed: Uint8Array.from(key.subarray(1)) };
}

export function formatSignerKey(name: string, type: number, keyId: number, seed: Uint8Array): string {
  checkKeyName(name);
  return `PRIVATE+KEY+${name}+${keyIdHex(keyId)}+${encodeBase64(Uint8Array.of(type, ...seed))}`;
}

/** An Ed25519 (type 0x01) note verifier. */
export class Ed25519NoteVerifier implements NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  private readonly key: Ed25519PublicKey;

  constructor(name: string, publicKey: Uint8Array) {
    checkKeyName(name);
    try {
      this.key = new Ed25519PublicKey(publicKey);
    } catch (e) {
      throw new NoteError('bad-key', `verifier key ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
    this.name = name;
    this.publicKey = this.key.bytes;
    this.keyId = computeKeyId(name, SIG_TYPE_ED25519, this.publicKey);
  }

  verify(text: Uint8Array, sig: Uint8Array): boolean {
    return this.key.verify(text, sig);
  }

  /** `name+hexid+base64(0x01||pub)`. */
  toString(): string {
    return formatVerifierKey(this.name, SIG_TYPE_ED25519, this.publicKey);
  }
}

/** An Ed25519 (type 0x01) note signer. */
export class Ed25519NoteSigner implements NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  private readonly key: KeyObject;

  constructor(name: string, seed: Uint8Array) {
    checkKeyName(name);
    if (!(seed instanceof Uint8Array) || seed.length !== 32)
      throw new NoteError('bad-key', `signer key ${JSON.stringify(name)}: Ed25519 seed must be 32 bytes`);
    this.name = name;
    this.key = ed25519PrivateKeyObject(seed);
    this.publicKey = ed25519PublicKey(seed);
    this.keyId = computeKeyId(name, SIG_TYPE_ED25519, this.publicKey);
  }

  sign(text: Uint8Array): Uint8Array {
    return ed25519Sign(this.key, text);
  }

  /** The matching verifier key string. */
  verifierKey(): string {
    return formatVerifierKey(this.name, SIG_TYPE_ED25519, this.publicKey);
  }

  verifier(): Ed25519NoteVerifier {
    return new Ed25519NoteVerifier(this.name, this.publicKey);
  }
}

/** Parses an Ed25519 (type 0x01) verifier key `name+hexid+base64(0x01||pub)`. */
export function parseVerifierKey(vkey: string): Ed25519NoteVerifier {
  const p = parseVerifierKeyParts(vkey);
  if (p.type !== SIG_TYPE_ED25519) {
    throw new NoteError(
      'bad-key',
      `verifier key ${JSON.stringify(p.name)}: unsupported signature type 0x${p.type.toString(16).padStart(2, '0')} (expected 0x01 Ed25519)`,
    );
  }
  if (p.publicKey.length !== 32) {
    throw new NoteError(
      'bad-key',
      `verifier key ${JSON.stringify(p.name)}: Ed25519 public key must be 32 bytes, got ${p.publicKey.length}`,
    );
  }
  return new Ed25519NoteVerifier(p.name, p.publicKey);
}

/** Parses Go's Ed25519 private key form and checks its key ID. */
export function parseSignerKey(skey: string): Ed25519NoteSigner {
  const p = parseSignerKeyParts(skey);
  if (p.type !== SIG_TYPE_ED25519) {
    throw new NoteError(
      'bad-key',
      `signer key ${JSON.stringify(p.name)}: unsupported signature type 0x${p.type.toString(16).padStart(2, '0')} (expected 0x01 Ed25519)`,
    );
  }
  if (p.seed.length !== 32)
    throw new NoteError(
      'bad-key',
      `signer key ${JSON.stringify(p.name)}: Ed25519 seed must be 32 bytes, got ${p.seed.length}`,
    );
  const signer = new Ed25519NoteSigner(p.name, p.seed);
  if (signer.keyId !== p.keyId) {
    throw new NoteError(
      'bad-key',
      `signer key ${JSON.stringify(p.name)}: key ID ${keyIdHex(p.keyId)} does not match the key (expected ${keyIdHex(signer.keyId)})`,
    );
  }
  return signer;
}

/** A fresh Ed25519 key pair in Go's forms: { signerKey: 'PRIVATE+KEY+...', verifierKey: 'name+id+...' }. */
export function generateKey(name: string): { signerKey: string; verifierKey: string } {
  checkKeyName(name);
  const seed = generateEd25519Seed();
  const signer = new Ed25519NoteSigner(name, seed);
  return {
    signerKey: formatSignerKey(name, SIG_TYPE_ED25519, signer.keyId, seed),
    verifierKey: signer.verifierKey(),
  };
}

// ---------------------------------------------------------------- notes

/** `— name base64(keyID||sig)\n` */
export function formatSignatureLine(name: string, keyId: number, sig: Uint8Array): string {
  checkKeyName(name);
  const b = new Uint8Array(4 + sig.length);
  new DataView(b.buffer).setUint32(0, keyId >>> 0, false);
  b.set(sig, 4);
  return `${SIG_PREFIX}${name} ${encodeBase64(b)}\n`;
}

/** Signs text with each signer; returns the note (text, blank line, one line per signer). */
export function signNote(
  text: string,
  signers: readonly NoteSigner[],
  existingSignatureLines: readonly string[] = [],
): string {
  checkNoteText(text);
  if (existingSignatureLines.length + signers.length === 0) throw new NoteError('no-signature', 'signNote: no signers');
  const bytes = encoder.encode(text);
  const lines = [...existingSignatureLines];
  for (const s of signers) lines.push(formatSignatureLine(s.name, s.keyId, s.sign(bytes)));
  const note = `${text}\n${lines.join('')}`;
  parseNote(note); // never emit what openNote would call malformed
  return note;
}

interface ParsedNote {
  text: string;
  textBytes: Uint8Array;
  lines: Array<NoteSignature & { line: string }>;
}

function toNoteString(note: string | Uint8Array): string {
  if (typeof note === 'string') {
    if (/\p{Cs}/u.test(note)) throw new NoteError('malformed', 'malformed note: not valid Unicode (lone surrogate)');
    return note;
  }
  if (!(note instanceof Uint8Array)) throw new NoteError('malformed', 'malformed note: expected a string or bytes');
  if (note.length > MAX_NOTE_BYTES) throw new NoteError('malformed', `malformed note: over ${MAX_NOTE_BYTES} bytes`);
  try {
    return decoder.decode(note);
  } catch {
    throw new NoteError('malformed', 'malformed note: not valid UTF-8');
  }
}

/** Splits a note into text and signature lines, checking the syntax only (no verification). */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const s = toNoteString(note);
  if (s.length > MAX_NOTE_BYTES) throw new NoteError('malformed', `malformed note: over ${MAX_NOTE_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  const m = /[\u0000-\u0009\u000b-\u001f]/.exec(s);
  if (m) {
    throw new NoteError(
      'malformed',
      `malformed note: control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} at offset ${m.index}`,
    );
  }
  const split = s.lastIndexOf('\n\n');
  if (split < 0)
    throw new NoteError('no-signature', 'note has no signature block (no blank line before signature lines)');
  const text = s.slice(0, split + 1);
  let sigs = s.slice(split + 2);
  if (sigs.length === 0) throw new NoteError('no-signature', 'note has an empty signature block');
  if (!sigs.endsWith('\n'))
    throw new NoteError('malformed', 'malformed note: the last signature line does not end with a newline');
  const lines: ParsedNote['lines'] = [];
  while (sigs.length > 0) {
    const i = sigs.indexOf('\n');
    const line = sigs.slice(0, i);
    sigs = sigs.slice(i + 1);
    if (lines.length >= MAX_SIGNATURES)
      throw new NoteError('malformed', `malformed note: more than ${MAX_SIGNATURES} signatures`);
    if (!line.startsWith(SIG_PREFIX)) {
      throw new NoteError(
        'malformed',
        `malformed note: signature line ${lines.length + 1} does not start with "— " (em dash, space)`,
      );
    }
    const [name, b64] = chop(line.slice(SIG_PREFIX.length), ' ');
    if (!isValidKeyName(name)) {
      throw new NoteError(
        'bad-name',
        `malformed note: signature line ${lines.length + 1} has an invalid key name ${JSON.stringify(name)}`,
      );
    }
    const raw = decodeBase64Strict(b64);
    if (raw === null || b64 === '') {
      throw new NoteError(
        'malformed',
        `malformed note: signature line ${lines.length + 1} (${name}) is not canonical base64`,
      );
    }
    if (raw.length < 5)
      throw new NoteError('malformed', `malformed note: signature line ${lines.length + 1} (${name}) is too short`);
    const keyId = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, false);
    lines.push({ name, keyId, signature: raw.subarray(4), base64: b64, line });
  }
  return { text, textBytes: encoder.encode(text), lines };
}

/**
 * Opens a signed note: checks its syntax, verifies every signature from a
 * known verifier, and returns the text with the verified and the ignored
 * (unknown-key) signatures. Throws NoteError on any failure.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const k = `${v.name}\u0000${v.keyId >>> 0}`;
    if (known.has(k)) throw new NoteError('ambiguous-key', `two verifiers for key ${v.name}+${keyIdHex(v.keyId)}`);
    known.set(k, v);
  }
  const parsed = parseNote(note);
  const sigs: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const l of parsed.lines) {
    const v = known.get(`${l.name}\u0000${l.keyId}`);
    const sig: NoteSignature = {
      name: l.name,
      keyId: l.keyId,
      signature: Uint8Array.from(l.signature),
      base64: l.base64,
    };
    if (v === undefined) {
      if (!seen.has(l.line)) unverified.push(sig);
      seen.add(l.line);
      continue;
    }
    let ok = false;
    try {
      ok = v.verify(parsed.textBytes, l.signature);
    } catch {
      ok = false;
    }
    if (!ok) throw new NoteError('bad-signature', `invalid signature by known key ${l.name}+${keyIdHex(l.keyId)}`);
    if (!seen.has(l.line)) sigs.push(sig);
    seen.add(l.line);
  }
  if (sigs.length === 0) {
    const names = unverified.map((u) => `${u.name}+${keyIdHex(u.keyId)}`).join(', ');
    throw new NoteError('unknown-key', `note is not signed by any known key (signed by: ${names})`);
  }
  return { text: parsed.text, sigs, unverified };
}

/**
 * Adds signatures to an already signed note (keeping its existing lines, not
 * verifying them): used to append cosignatures to a checkpoint.
 */
export function addSignatures(note: string | Uint8Array, signers: readonly NoteSigner[]): string {
  const parsed = parseNote(note);
  return signNote(
    parsed.text,
    signers,
    parsed.lines.map((l) => `${l.line}\n`),
  );
}
