/**
 * Commitments (escrow): committed declarations of secret items, the
 * challenge draw, reveals and the confidence a challenge buys.
 *
 * Byte-for-byte rules (see docs/escrow.md and the design's "Formal
 * monitoring" section):
 *   commitment = SHA-256("tally/commit/v1\n" || salt(32) || UTF-8(RFC8785(d)))
 *   root       = RFC 9162 Merkle root over the commitments sorted bytewise
 *                ascending, each commitment being a leaf's data
 *   seed commitment = SHA-256("tally/seed/v1\n" || seed(32))
 *   draw i     = SHA-256(seed || root || uint32_be(i)), x = uint64_be(h[0..8]),
 *                rejected when x >= floor(2^64 / n) * n, else index x mod n;
 *                repeats skipped until k distinct indices.
 */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { MemoryTree, ProofError, leafHash, rootOf, verifyInclusion } from './merkle.js';

// ---------------------------------------------------------------------------
// Constants and formats

export const COMMIT_PREFIX = 'tally/commit/v1\n';
export const SEED_PREFIX = 'tally/seed/v1\n';
export const SALT_BYTES = 32;
export const SEED_BYTES = 32;
export const HASH_BYTES = 32;

export const SECRETS_FORMAT = 'tally/escrow/secrets/v1';
export const DECLARATION_FORMAT = 'tally/escrow/declaration/v1';
export const SEED_COMMITMENT_FORMAT = 'tally/escrow/seed-commitment/v1';
export const SEED_REVEAL_FORMAT = 'tally/escrow/seed/v1';
export const REVEAL_FORMAT = 'tally/escrow/reveal/v1';

/** The largest lot the draw accepts: indices must be exact doubles. */
export const MAX_LOT_SIZE = Number.MAX_SAFE_INTEGER;
/** Draw counters are uint32: at most 2^32 attempts. */
const MAX_DRAWS = 2 ** 32;

const COMMIT_PREFIX_BYTES = new TextEncoder().encode(COMMIT_PREFIX);
const SEED_PREFIX_BYTES = new TextEncoder().encode(SEED_PREFIX);
const TWO_64 = 1n << 64n;

/** A JSON object describing one item; only its RFC 8785 form is committed. */
export type Descriptor = { [key: string]: unknown };

export interface SecretItem {
  /** Position in the sorted commitment list (0-based). */
  index: number;
  descriptor: Descriptor;
  /** 32 bytes, lowercase hex. */
  salt: string;
  /** 32 bytes, lowercase hex. */
  commitment: string;
}

export interface Lot {
  /** In the sorted order: secrets[i].commitment === commitments[i]. */
  secrets: SecretItem[];
  /** Lowercase hex, sorted bytewise ascending (== lexicographic on lowercase hex). */
  commitments: string[];
  /** RFC 9162 root over the sorted commitments, lowercase hex. */
  root: string;
  count: number;
}

/** The file the declaring party keeps (never logged). */
export interface SecretsFile {
  format: typeof SECRETS_FORMAT;
  class: string;
  root: string;
  count: number;
  items: SecretItem[];
}

/** What goes in the log: counts and roots, no descriptor. */
export interface Declaration {
  format: typeof DECLARATION_FORMAT;
  class: string;
  count: number;
  root: string;
}

export interface SeedCommitmentRecord {
  format: typeof SEED_COMMITMENT_FORMAT;
  seedCommitment: string;
}

export interface SeedRevealRecord {
  format: typeof SEED_REVEAL_FORMAT;
  seed: string;
  seedCommitment: string;
}

export interface RevealedItem {
  index: number;
  descriptor: Descriptor;
  salt: string;
  commitment: string;
  /** RFC 9162 inclusion proof of the commitment's leaf, lowercase hex. */
  proof: string[];
}

export interface Reveal {
  format: typeof REVEAL_FORMAT;
  root: string;
  count: number;
  items: RevealedItem[];
}

/** Why a reveal fails; every one of them is a COMMITMENT_MISMATCH finding. */
export type RevealProblem =
  | 'MALFORMED' // not the reveal shape, bad hex, bad index type...
  | 'ROOT_MISMATCH' // the reveal names another root than the logged one
  | 'LOT_SIZE_MISMATCH' // the reveal names another count than the logged one
  | 'INDEX_OUT_OF_RANGE'
  | 'DUPLICATE_INDEX'
  | 'DOES_NOT_OPEN' // descriptor + salt do not hash to the commitment
  | 'PROOF_INVALID' // the commitment is not the leaf at that index under the root
  | 'NOT_SORTED' // two revealed commitments out of bytewise ascending order
  | 'DUPLICATE_DESCRIPTOR' // one item committed twice (counted twice)
  | 'NOT_CHALLENGED' // an index revealed that the draw did not pick
  | 'CHALLENGE_UNANSWERED' // a drawn index that was not revealed
  | 'SEED_MISMATCH'; // the seed does not open the logged seed commitment

export interface Finding {
  code: 'COMMITMENT_MISMATCH';
  problem: RevealProblem;
  /** The lot's root as logged (lowercase hex) when known. */
  root?: string;
  /** The index in the sorted list the finding concerns, when it concerns one. */
  index?: number;
  message: string;
}

// ---------------------------------------------------------------------------
// Hex and bytes

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict: lowercase hex of an even length (of exactly `length` bytes when given). */
export function isHex(s: unknown, length?: number): s is string {
  return typeof s === 'string' && HEX_RE.test(s) && (length === undefined || s.length === 2 * length);
}

/** Parses strict lowercase hex; throws on anything else (programming error). */
export function fromHex(s: string, length?: number): Uint8Array {
  if (!isHex(s, length)) {
    throw new TypeError(
      `expected lowercase hex${length === undefined ? '' : ` of ${length} bytes`}, got ${JSON.stringify(s).slice(0, 80)}`,
    );
  }
  return new Uint8Array(Buffer.from(s, 'hex'));
}

function bytesArg(v: Uint8Array | string, length: number, what: string): Uint8Array {
  if (typeof v === 'string') {
    if (!isHex(v, length)) throw new RangeError(`${what} must be ${length} bytes (${2 * length} lowercase hex digits)`);
    return fromHex(v);
  }
  if (!(v instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array or hex string`);
  if (v.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${v.length}`);
  return v;
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

// ---------------------------------------------------------------------------
// Commitments

function isPlainJsonObject(d: unknown): d is Descriptor {
  return typeof d === 'object' && d !== null && !Array.isArray(d);
}

/**
 * RFC 8785 canonical JSON of a descriptor. Throws when `d` is not a JSON
 * object or cannot be canonicalized (NaN, lone surrogate, cycle...).
 */
export function canonicalDescriptor(d: Descriptor): string {
  if (!isPlainJsonObject(d)) throw new TypeError('a descriptor must be a JSON object');
  const s = canonicalize(d);
  if (typeof s !== 'string') throw new TypeError('descriptor has no JSON form');
  return s;
}

/** c = SHA-256("tally/commit/v1\n" || salt || UTF-8(RFC8785(d))). */
export function commitment(d: Descriptor, salt: Uint8Array | string): Uint8Array {
  const s = bytesArg(salt, SALT_BYTES, 'salt');
  return sha256(COMMIT_PREFIX_BYTES, s, new TextEncoder().encode(canonicalDescriptor(d)));
}

/** Root of a lot given its commitments (any order; they are sorted here). */
export function lotRoot(commitments: (Uint8Array | string)[]): Uint8Array {
  const cs = commitments.map((c, i) => bytesArg(c, HASH_BYTES, `commitment ${i}`)).sort(compareBytes);
  return rootOf(cs.map((c) => leafHash(c)));
}

/**
 * Commits a lot: a fresh salt per item (from `randomBytes`, by default
 * node:crypto), the commitments sorted bytewise ascending, the root.
 * Throws when two items get the same commitment (a reused salt).
 */
export function commitLot(items: Descriptor[], randomBytes: (n: number) => Uint8Array = nodeRandomBytes): Lot {
  if (!Array.isArray(items)) throw new TypeError('items must be an array of descriptors');
  if (items.length > MAX_LOT_SIZE) throw new RangeError('lot too large');
  const made = items.map((d, i) => {
    if (!isPlainJsonObject(d)) throw new TypeError(`item ${i} is not a JSON object`);
    const salt = randomBytes(SALT_BYTES);
    if (!(salt instanceof Uint8Array) || salt.length !== SALT_BYTES)
      throw new RangeError('randomBytes must return 32 bytes');
    const saltCopy = new Uint8Array(salt);
    // Keep a JSON copy of the descriptor so later mutation of the input cannot change the secret.
    const descriptor = JSON.parse(canonicalDescriptor(d)) as Descriptor;
    return { descriptor, salt: saltCopy, c: commitment(descriptor, saltCopy) };
  });
  made.sort((a, b) => compareBytes(a.c, b.c));
  for (let i = 1; i < made.length; i++) {
    if (compareBytes(made[i - 1].c, made[i].c) === 0)
      throw new Error('two items have the same commitment (reused salt?)');
  }
  const leaves = made.map((m) => leafHash(m.c));
  const root = toHex(rootOf(leaves));
  const secrets = made.map((m, index) => ({
    index,
    descriptor: m.descriptor,
    salt: toHex(m.salt),
    commitment: toHex(m.c),
  }));
  return { secrets, commitments: secrets.map((s) => s.commitment), root, count: secrets.length };
}

export function secretsFile(lot: Lot, itemClass: string): SecretsFile {
  return { format: SECRETS_FORMAT, class: itemClass, root: lot.root, count: lot.count, items: lot.secrets };
}

export function declaration(lot: Pick<Lot, 'root' | 'count'>, itemClass: string): Declaration {
  return { format: DECLARATION_FORMAT, class: itemClass, count: lot.count, root: lot.root };
}

/**
 * Reads a secrets file (parsed JSON) and checks it completely: every salt
 * opens its commitment, the order is strictly ascending, the root and count
 * match. Throws with a clear message otherwise: the secrets are the
 * declaring party's own file, a bad one is an error, not a finding.
 */
export function loadSecrets(json: unknown): SecretsFile {
  const fail = (m: string): never => {
    throw new Error(`secrets file: ${m}`);
  };
  if (!isPlainJsonObject(json)) fail('not a JSON object');
  const f = json as Record<string, unknown>;
  if (f.format !== SECRETS_FORMAT) fail(`format must be ${SECRETS_FORMAT}`);
  if (typeof f.class !== 'string') fail('class must be a string');
  if (!isHex(f.root, HASH_BYTES)) fail('root must be 32 bytes of lowercase hex');
  if (!Array.isArray(f.items)) fail('items must be an array');
  const items = f.items as unknown[];
  if (f.count !== items.length) fail(`count ${String(f.count)} but ${items.length} items`);
  const out: SecretItem[] = [];
  items.forEach((it, i) => {
    if (!isPlainJsonObject(it)) fail(`item ${i} is not an object`);
    const o = it as Record<string, unknown>;
    if (o.index !== i) fail(`item ${i} has index ${String(o.index)}`);
    if (!isPlainJsonObject(o.descriptor)) fail(`item ${i}: descriptor must be a JSON object`);
    if (!isHex(o.salt, SALT_BYTES)) fail(`item ${i}: salt must be 32 bytes of lowercase hex`);
    if (!isHex(o.commitment, HASH_BYTES)) fail(`item ${i}: commitment must be 32 bytes of lowercase hex`);
    const c = toHex(commitment(o.descriptor as Descriptor, o.salt as string));
    if (c !== o.commitment) fail(`item ${i}: descriptor and salt do not open the commitment`);
    if (i > 0 && !(out[i - 1].commitment < c)) fail(`item ${i}: commitments not strictly ascending`);
    out.push({ index: i, descriptor: o.descriptor as Descriptor, salt: o.salt as string, commitment: c });
  });
  const root = toHex(lotRoot(out.map((s) => s.commitment)));
  if (root !== f.root) fail(`root ${String(f.root)} does not match the items (${root})`);
  return { format: SECRETS_FORMAT, class: f.class as string, root, count: out.length, items: out };
}

// ---------------------------------------------------------------------------
// Seeds and the challenge draw

/** SHA-256("tally/seed/v1\n" || seed). */
export function seedCommitment(seed: Uint8Array | string): Uint8Array {
  return sha256(SEED_PREFIX_BYTES, bytesArg(seed, SEED_BYTES, 'seed'));
}

export function newSeed(randomBytes: (n: number) => Uint8Array = nodeRandomBytes): Uint8Array {
  return new Uint8Array(randomBytes(SEED_BYTES));
}

/** Throws unless `seed` is 32 bytes and opens `commitment`. */
export function checkSeed(seed: Uint8Array | string, commitmentOfSeed: Uint8Array | string): void {
  const s = bytesArg(seed, SEED_BYTES, 'seed');
  const c = bytesArg(commitmentOfSeed, HASH_BYTES, 'seed commitment');
  if (compareBytes(seedCommitment(s), c) !== 0) {
    throw new Error(`seed does not open the seed commitment ${toHex(c)}`);
  }
}

export function seedCommitmentRecord(seed: Uint8Array | string): SeedCommitmentRecord {
  return { format: SEED_COMMITMENT_FORMAT, seedCommitment: toHex(seedCommitment(seed)) };
}

export function seedRevealRecord(seed: Uint8Array | string): SeedRevealRecord {
  const s = bytesArg(seed, SEED_BYTES, 'seed');
  return { format: SEED_REVEAL_FORMAT, seed: toHex(s), seedCommitment: toHex(seedCommitment(s)) };
}

function checkLotSize(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`lot size must be a non-negative safe integer, got ${n}`);
  if (n === 0) throw new RangeError('cannot draw from an empty lot (n = 0)');
}

export interface DrawAttempt {
  i: number;
  /** The full hash, lowercase hex. */
  h: string;
  /** uint64_be(h[0..8]). */
  x: bigint;
  /** floor(2^64 / n) * n. */
  limit: bigint;
  accepted: boolean;
  /** x mod n when accepted. */
  index?: number;
}

/** One attempt of the draw, exposed for audits and the worked example. */
export function drawAttempt(seed: Uint8Array | string, root: Uint8Array | string, n: number, i: number): DrawAttempt {
  const s = bytesArg(seed, SEED_BYTES, 'seed');
  const r = bytesArg(root, HASH_BYTES, 'root');
  checkLotSize(n);
  if (!Number.isInteger(i) || i < 0 || i >= MAX_DRAWS) throw new RangeError(`draw number must be a uint32, got ${i}`);
  return attempt(s, r, BigInt(n), (TWO_64 / BigInt(n)) * BigInt(n), i);
}

function attempt(seed: Uint8Array, root: Uint8Array, n: bigint, limit: bigint, i: number): DrawAttempt {
  const ctr = new Uint8Array(4);
  new DataView(ctr.buffer).setUint32(0, i, false);
  const h = sha256(seed, root, ctr);
  const x = new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0, false);
  const accepted = x < limit;
  const a: DrawAttempt = { i, h: toHex(h), x, limit, accepted };
  if (accepted) a.index = Number(x % n);
  return a;
}

/**
 * The k distinct challenged indices of a lot of n items, in draw order.
 * Throws on n = 0, k > n, k not a non-negative integer, seed or root not
 * 32 bytes. `trace`, when given, receives every attempt.
 */
export function drawChallenge(
  seed: Uint8Array | string,
  root: Uint8Array | string,
  n: number,
  k: number,
  trace?: (a: DrawAttempt & { repeat: boolean }) => void,
): number[] {
  const s = bytesArg(seed, SEED_BYTES, 'seed');
  const r = bytesArg(root, HASH_BYTES, 'root');
  checkLotSize(n);
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  if (k > n) throw new RangeError(`cannot draw k = ${k} distinct indices from a lot of n = ${n}`);
  const nb = BigInt(n);
  const limit = (TWO_64 / nb) * nb;
  const seen = new Set<number>();
  const out: number[] = [];
  for (let i = 0; out.length < k; i++) {
    if (i >= MAX_DRAWS) throw new Error('draw counter exhausted (2^32 attempts)');
    const a = attempt(s, r, nb, limit, i);
    const repeat = a.accepted && seen.has(a.index as number);
    if (trace) trace({ ...a, repeat });
    if (!a.accepted || repeat) continue;
    seen.add(a.index as number);
    out.push(a.index as number);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Reveals

/** Opens the items at `indices` (positions in the sorted list), each with its inclusion proof. */
export function reveal(secrets: SecretsFile | Lot, indices: number[]): Reveal {
  const items = 'items' in secrets ? secrets.items : secrets.secrets;
  const n = items.length;
  if (secrets.count !== n) throw new Error(`secrets name count ${secrets.count} but hold ${n} items`);
  const tree = new MemoryTree(items.map((s) => leafHash(fromHex(s.commitment, HASH_BYTES))));
  const seen = new Set<number>();
  const out: RevealedItem[] = indices.map((index) => {
    if (!Number.isInteger(index) || index < 0 || index >= n)
      throw new RangeError(`index ${index} out of range for a lot of ${n}`);
    if (seen.has(index)) throw new RangeError(`index ${index} revealed twice`);
    seen.add(index);
    const s = items[index];
    const proof = tree.inclusionProof(index, n).map((p) => toHex(p));
    return { index, descriptor: s.descriptor, salt: s.salt, commitment: s.commitment, proof };
  });
  return { format: REVEAL_FORMAT, root: secrets.root, count: n, items: out };
}

/** Step 3 of `checkReveal`: the opened commitments ascend strictly with their indices, and no descriptor is revealed twice. */
function checkOrder(
  opened: readonly { index: number; commitment: string; canon: string }[],
  add: (problem: RevealProblem, message: string, index?: number) => void,
): void {
  const byIndex = [...opened].sort((a, b) => a.index - b.index);
  for (let j = 1; j < byIndex.length; j++) {
    const a = byIndex[j - 1];
    const b = byIndex[j];
    if (!(a.commitment < b.commitment)) {
      add('NOT_SORTED', `commitments at ${a.index} and ${b.index} are not in strictly ascending order`, b.index);
    }
  }
  const byCanon = new Map<string, number>();
  for (const o of byIndex) {
    if (o.canon === '') continue;
    const prev = byCanon.get(o.canon);
    if (prev !== undefined)
      add('DUPLICATE_DESCRIPTOR', `indices ${prev} and ${o.index} reveal the same descriptor`, o.index);
    else byCanon.set(o.canon, o.index);
  }
}

export interface CheckRevealOptions {
  /** The root as logged in the declaration (hex or bytes). */
  root: Uint8Array | string;
  /** The count as logged in the declaration. */
  count: number;
  /** The inspecting party's revealed seed; with `k`, the reveal must answer exactly the draw. */
  seed?: Uint8Array | string;
  k?: number;
  /** The logged seed commitment; checked against `seed` when both are given. */
  seedCommitment?: Uint8Array | string;
}

/**
 * Verifies a reveal (parsed JSON, untrusted) against the logged declaration.
 * Returns findings (empty when the reveal is sound); never throws for bad
 * reveal data. Throws only for bad options (a programming error).
 */
export function checkReveal(rev: unknown, opts: CheckRevealOptions): Finding[] {
  const root = bytesArg(opts.root, HASH_BYTES, 'root');
  const rootHex = toHex(root);
  const n = opts.count;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`count must be a non-negative safe integer, got ${n}`);
  const wantDraw = opts.seed !== undefined || opts.k !== undefined;
  if (wantDraw && (opts.seed === undefined || opts.k === undefined)) throw new TypeError('seed and k go together');

  const findings: Finding[] = [];
  const add = (problem: RevealProblem, message: string, index?: number): void => {
    const f: Finding = { code: 'COMMITMENT_MISMATCH', problem, root: rootHex, message };
    if (index !== undefined) f.index = index;
    findings.push(f);
  };

  // The challenge, when asked for: computed first, so that a malformed reveal still reports it.
  let drawn: number[] | undefined;
  if (wantDraw) {
    const seed = bytesArg(opts.seed as Uint8Array | string, SEED_BYTES, 'seed');
    if (opts.seedCommitment !== undefined) {
      const sc = bytesArg(opts.seedCommitment, HASH_BYTES, 'seed commitment');
      if (compareBytes(seedCommitment(seed), sc) !== 0)
        add('SEED_MISMATCH', `the seed does not open the logged seed commitment ${toHex(sc)}`);
    }
    const k = opts.k as number;
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
    if (n === 0 || k > n) throw new RangeError(`cannot draw k = ${k} of n = ${n}`);
    drawn = drawChallenge(seed, root, n, k);
  }

  if (!isPlainJsonObject(rev)) {
    add('MALFORMED', 'the reveal is not a JSON object');
    return findings;
  }
  const r = rev as Record<string, unknown>;
  if (r.format !== REVEAL_FORMAT) add('MALFORMED', `format must be ${REVEAL_FORMAT}`);
  if (r.root !== rootHex)
    add('ROOT_MISMATCH', `the reveal names root ${JSON.stringify(r.root)}, the declaration ${rootHex}`);
  if (r.count !== n)
    add('LOT_SIZE_MISMATCH', `the reveal names count ${JSON.stringify(r.count)}, the declaration ${n}`);
  if (!Array.isArray(r.items)) {
    add('MALFORMED', 'items must be an array');
    if (drawn) for (const d of drawn) add('CHALLENGE_UNANSWERED', `challenged index ${d} not revealed`, d);
    return findings;
  }

  const drawnSet = new Set(drawn ?? []);
  const revealed = new Set<number>();
  const opened: { index: number; commitment: string; canon: string }[] = [];
  (r.items as unknown[]).forEach((it, pos) => {
    if (!isPlainJsonObject(it)) {
      add('MALFORMED', `item #${pos} is not an object`);
      return;
    }
    const o = it as Record<string, unknown>;
    const index = o.index;
    if (typeof index !== 'number' || !Number.isSafeInteger(index)) {
      add('MALFORMED', `item #${pos}: index must be an integer, got ${JSON.stringify(index)}`);
      return;
    }
    if (index < 0 || index >= n) {
      add('INDEX_OUT_OF_RANGE', `item #${pos}: index ${index} outside a lot of ${n}`, index);
      return;
    }
    if (revealed.has(index)) {
      add('DUPLICATE_INDEX', `index ${index} revealed more than once`, index);
      return;
    }
    revealed.add(index);
    if (drawn && !drawnSet.has(index)) add('NOT_CHALLENGED', `index ${index} was not drawn`, index);

    const bad: string[] = [];
    if (!isPlainJsonObject(o.descriptor)) bad.push('descriptor must be a JSON object');
    if (!isHex(o.salt, SALT_BYTES)) bad.push('salt must be 32 bytes of lowercase hex');
    if (!isHex(o.commitment, HASH_BYTES)) bad.push('commitment must be 32 bytes of lowercase hex');
    if (!Array.isArray(o.proof) || !o.proof.every((p) => isHex(p, HASH_BYTES)))
      bad.push('proof must be an array of 32-byte lowercase hex hashes');
    if (bad.length > 0) {
      add('MALFORMED', `index ${index}: ${bad.join('; ')}`, index);
      return;
    }
    const cHex = o.commitment as string;

    // 1. The descriptor and salt open the commitment.
    let canon: string | undefined;
    try {
      canon = canonicalDescriptor(o.descriptor as Descriptor);
    } catch (e) {
      add('MALFORMED', `index ${index}: descriptor has no RFC 8785 form (${(e as Error).message})`, index);
    }
    if (canon !== undefined) {
      const c = toHex(commitment(o.descriptor as Descriptor, o.salt as string));
      if (c !== cHex)
        add('DOES_NOT_OPEN', `index ${index}: descriptor and salt hash to ${c}, not to the commitment ${cHex}`, index);
    }

    // 2. The commitment is the leaf at that index under the logged root.
    // verifyInclusion throws ProofError on any failure (wrong length, wrong root).
    try {
      const proof = (o.proof as string[]).map((p) => fromHex(p));
      verifyInclusion(leafHash(fromHex(cHex)), index, n, proof, root);
    } catch (e) {
      if (!(e instanceof ProofError)) throw e;
      add(
        'PROOF_INVALID',
        `index ${index}: the inclusion proof of ${cHex} does not lead to the root ${rootHex} (${(e as Error).message})`,
        index,
      );
    }
    opened.push({ index, commitment: cHex, canon: canon ?? '' });
  });

  // 3. Revealed commitments are in strictly ascending order of their indices,
  //    and no item is committed twice.
  checkOrder(opened, add);

  // 4. Every challenged index was answered.
  if (drawn) {
    for (const d of drawn) if (!revealed.has(d)) add('CHALLENGE_UNANSWERED', `challenged index ${d} not revealed`, d);
  }
  return findings;
}

// ---------------------------------------------------------------------------
// Confidence

/** Below this n (and when min(k, f) is at most this), probabilities are exact rationals. */
export const EXACT_LIMIT = 10_000;

function checkNFK(n: number, f: number, k: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(f) || f < 0 || f > n) throw new RangeError(`f must be an integer in [0, n], got ${f}`);
  if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new RangeError(`k must be an integer in [0, n], got ${k}`);
}

/**
 * The survival probability as an exact fraction C(n-f, k) / C(n, k),
 * computed as prod_{j<m} (n - M - j) / (n - j) with m = min(k, f),
 * M = max(k, f) (the identity C(n-f,k)/C(n,k) = C(n-k,f)/C(n,f)).
 * Not reduced.
 */
export function survivalFraction(n: number, f: number, k: number): { num: bigint; den: bigint } {
  checkNFK(n, f, k);
  const m = Math.min(k, f);
  const M = Math.max(k, f);
  if (n - M < m) return { num: 0n, den: 1n };
  let num = 1n;
  let den = 1n;
  for (let j = 0; j < m; j++) {
    num *= BigInt(n - M - j);
    den *= BigInt(n - j);
  }
  return { num, den };
}

/** num/den as the nearest double (up to one truncation in the 64-bit quotient). */
function ratioToNumber(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  if (num >= den) return num === den ? 1 : Number(num) / Number(den);
  // Scale so the quotient has at least 64 significant bits.
  const shift = den.toString(2).length - num.toString(2).length + 64;
  const q = (num << BigInt(shift)) / den;
  // q * 2^-shift; split the exponent so neither factor overflows.
  let v = Number(q);
  let s = shift;
  while (s > 0) {
    const step = Math.min(s, 1000);
    v *= 2 ** -step;
    s -= step;
  }
  return v;
}

/**
 * log of the survival probability in floating point,
 * sum_{j<m} log1p(-M / (n - j)); stops early below -800 (the double is 0).
 */
function logSurvival(n: number, f: number, k: number): number {
  const m = Math.min(k, f);
  const M = Math.max(k, f);
  if (n - M < m) return -Infinity;
  let s = 0;
  for (let j = 0; j < m; j++) {
    s += Math.log1p(-M / (n - j));
    if (s < -800) return -Infinity;
  }
  return s;
}

/**
 * The probability that none of f false items among n is among k drawn
 * without replacement: C(n-f, k) / C(n, k) (hypergeometric, zero successes).
 * Exact (BigInt rational, rounded once to the nearest double) when n <= 10^4
 * or min(k, f) <= 10^4; otherwise a floating product of min(k, f) factors
 * summed in log space with log1p (relative error about min(k,f) * 2^-52).
 */
export function survivalProbability(n: number, f: number, k: number): number {
  checkNFK(n, f, k);
  if (n <= EXACT_LIMIT || Math.min(k, f) <= EXACT_LIMIT) {
    const { num, den } = survivalFraction(n, f, k);
    return ratioToNumber(num, den);
  }
  return Math.exp(logSurvival(n, f, k));
}

/**
 * A confidence as an exact fraction: the decimal number it prints as
 * (0.9 is exactly 9/10, not the double nearest to it).
 */
export function confidenceFraction(confidence: number): { num: bigint; den: bigint } {
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  }
  const s = String(confidence);
  const m = /^0\.(\d+)$/.exec(s);
  if (m) return { num: BigInt(m[1]), den: 10n ** BigInt(m[1].length) };
  const e = /^(\d)(?:\.(\d+))?e-(\d+)$/.exec(s);
  if (e) {
    const digits = e[1] + (e[2] ?? '');
    return { num: BigInt(digits), den: 10n ** BigInt(Number(e[3]) + (e[2]?.length ?? 0)) };
  }
  throw new RangeError(`cannot read confidence ${s}`);
}

/**
 * The least k such that 1 - survivalProbability(n, f, k) >= confidence,
 * i.e. a declaration with f false items among n is caught by k challenges
 * with at least that probability. The comparison is exact (rational) when
 * n <= 10^4, for f = 1 at any n (k = ceil(confidence * n)), and whenever
 * the floating estimate is within 1e-9 (relative) of the threshold and
 * min(k, f) <= 10^4; otherwise it is floating point.
 */
export function challengesNeeded(n: number, f: number, confidence: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(f) || f < 1 || f > n) throw new RangeError(`f must be an integer in [1, n], got ${f}`);
  const c = confidenceFraction(confidence);
  if (f === 1) {
    // S(k) = (n - k) / n <= 1 - c  <=>  k >= c * n.
    const t = BigInt(n) * c.num;
    return Number((t + c.den - 1n) / c.den);
  }
  const tNum = c.den - c.num; // the survival threshold (c.den - c.num) / c.den
  const tDen = c.den;
  const exactCaught = (k: number): boolean => {
    const { num, den } = survivalFraction(n, f, k);
    return num * tDen <= tNum * den;
  };
  const caught = (k: number): boolean => {
    if (n <= EXACT_LIMIT) return exactCaught(k);
    const ls = logSurvival(n, f, k);
    const lt = Math.log(Number(tNum) / Number(tDen));
    if (Math.abs(ls - lt) < 1e-9 && Math.min(k, f) <= EXACT_LIMIT) return exactCaught(k);
    return ls <= lt;
  };
  // S is non-increasing in k and S(n - f + 1) = 0: binary search.
  let lo = 0;
  let hi = n - f + 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (caught(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
