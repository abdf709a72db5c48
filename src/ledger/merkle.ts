/**
 * The Merkle tree of the log: RFC 9162 §2.1 (the same hashing as RFC 6962).
 *
 *   leaf hash  = SHA-256(0x00 || data)
 *   node hash  = SHA-256(0x01 || left || right)
 *   MTH({})    = SHA-256("")                       (the empty tree)
 *
 * Positions in the tree. A *full subtree* at level L and index i covers the
 * leaves [i·2^L, (i+1)·2^L); level 0 is the leaf hashes themselves. Storage
 * (tiles, an in-memory tree) serves such hashes through a `HashAt` function,
 * and proofs are generated from it: every node of an RFC 9162 proof is either
 * a full subtree or an "ephemeral" node on the right edge of the tree, which
 * is recomputed from the full subtrees that cover the same leaves.
 *
 * Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency) with the strictness of the transparency-dev/merkle test
 * vectors: the leaf hash and every proof hash must be exactly 32 bytes, the
 * proof must have exactly the expected number of hashes, and a consistency
 * proof from size 0 is an error ("meaningless"). Every tree is consistent
 * with the empty tree: a caller that may see size 0 (a witness that has not
 * seen the log yet) handles it before calling `verifyConsistency`.
 *
 * Sizes and indices are JavaScript numbers up to 2^53 − 1 (`bigint` is
 * accepted by the verifiers, so that a 64-bit value from the wire is checked,
 * not rounded); anything larger is rejected as unsupported.
 */

import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';

/** Bytes of a SHA-256 hash, and so of every hash in the tree. */
export const HASH_SIZE = 32;

/** A proof (or its inputs) did not verify. The message says what was expected and what came. */
export class ProofError extends Error {
  override name = 'ProofError';
}

/** The hash of the full subtree at `level` and `index` (leaves [index·2^level, (index+1)·2^level)). */
export type HashAt = (level: number, index: number) => Uint8Array;

/** A full subtree: the node at `level` whose leaves are [index·2^level, (index+1)·2^level). */
export interface NodeId {
  level: number;
  index: number;
}

// ---------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------

/** Scratch buffer for node hashes: one update of 65 bytes is the fastest form measured. */
const nodeBuf = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeBuf[0] = 0x01;
const LEAF_PREFIX = Buffer.of(0x00);

/** One-shot SHA-256 (crypto.hash, Node >= 20.12) where available: about a third faster than createHash for small inputs. */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;
/** Scratch buffer for leaf hashes of entries up to its size (0x00 || entry in one piece, for the one-shot hash). */
let leafBuf = Buffer.alloc(4096);

/** SHA-256(0x00 || data): the hash of a leaf whose entry is `data`. */
export function leafHash(data: Uint8Array): Uint8Array {
  if (oneShot !== undefined && data.length < 65536) {
    if (leafBuf.length < data.length + 1) leafBuf = Buffer.alloc(Math.max(data.length + 1, 2 * leafBuf.length));
    leafBuf[0] = 0x00;
    leafBuf.set(data, 1);
    return oneShot('sha256', leafBuf.subarray(0, data.length + 1), 'buffer');
  }
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right): an interior node. Both children must be 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new RangeError(
      `nodeHash: children must be ${HASH_SIZE}-byte hashes, got ${left.length} and ${right.length} bytes`,
    );
  }
  nodeBuf.set(left, 1);
  nodeBuf.set(right, 1 + HASH_SIZE);
  return oneShot !== undefined ? oneShot('sha256', nodeBuf, 'buffer') : createHash('sha256').update(nodeBuf).digest();
}

/** MTH of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return createHash('sha256').digest();
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

// ---------------------------------------------------------------------------
// Arithmetic on sizes (numbers up to 2^53 − 1: no 32-bit bitwise operators)
// ---------------------------------------------------------------------------

function isPow2(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function largestPow2Below(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer up to 2^53 - 1, got ${String(value)}`);
  }
}

/** A size or index from the caller (possibly a 64-bit value off the wire), as a safe number or a ProofError. */
function verifierCount(value: number | bigint, what: string): number {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new ProofError(`${what} must be non-negative, got ${value}`);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ProofError(`${what} ${value} is beyond the supported range (2^53 - 1)`);
    }
    return Number(value);
  }
  if (!Number.isInteger(value) || value < 0)
    throw new ProofError(`${what} must be a non-negative integer, got ${value}`);
  if (!Number.isSafeInteger(value)) throw new ProofError(`${what} ${value} is beyond the supported range (2^53 - 1)`);
  return value;
}

// ---------------------------------------------------------------------------
// Roots
// ---------------------------------------------------------------------------

/**
 * The full subtrees, left to right, whose fold is MTH(D[begin:end]). `begin`
 * must be a multiple of the largest power of two ≤ end − begin, which holds
 * for every range the RFC 9162 recursion produces (and for [0, n)).
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  checkCount(begin, 'begin');
  checkCount(end, 'end');
  if (end <= begin) throw new RangeError(`rangeNodes: empty range [${begin}, ${end})`);
  let k = 1;
  let level = 0;
  while (k * 2 <= end - begin) {
    k *= 2;
    level++;
  }
  if (begin % k !== 0)
    throw new RangeError(`rangeNodes: begin ${begin} is not aligned to ${k} for range [${begin}, ${end})`);
  const out: NodeId[] = [];
  let at = begin;
  for (; at < end; k /= 2, level--) {
    if (at + k <= end) {
      out.push({ level, index: at / k });
      at += k;
    }
  }
  return out;
}

function hashOf(hashAt: HashAt, n: NodeId): Uint8Array {
  const h = hashAt(n.level, n.index);
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new Error(
      `storage returned ${h instanceof Uint8Array ? `${h.length} bytes` : typeof h} for the node at level ${n.level} index ${n.index}, expected a ${HASH_SIZE}-byte hash`,
    );
  }
  return h;
}

/** Folds full subtree hashes listed left to right into the MTH of the range they cover. */
function foldRight(hashes: Uint8Array[]): Uint8Array {
  let r = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) r = nodeHash(hashes[i], r);
  return r;
}

/** MTH(D[begin:end]) from the full subtrees storage serves (see `rangeNodes` for the alignment rule). */
export function rangeRoot(begin: number, end: number, hashAt: HashAt): Uint8Array {
  if (begin === end) return emptyRoot();
  return foldRight(rangeNodes(begin, end).map((n) => hashOf(hashAt, n)));
}

/** MTH over the given leaf hashes (RFC 9162 §2.1.1). Size 0 gives SHA-256(""). */
export function rootOf(leafHashes: readonly Uint8Array[]): Uint8Array {
  const cr = new CompactRange();
  for (const h of leafHashes) cr.append(h);
  return cr.root();
}

/** The root of the full subtree at (level, index) over an array of leaf hashes. */
export function subtreeRoot(leafHashes: readonly Uint8Array[], level: number, index: number): Uint8Array {
  checkCount(level, 'level');
  checkCount(index, 'index');
  const width = 2 ** level;
  const begin = index * width;
  if (begin + width > leafHashes.length) {
    throw new RangeError(
      `subtree at level ${level} index ${index} needs leaves [${begin}, ${begin + width}), only ${leafHashes.length} given`,
    );
  }
  const cr = new CompactRange();
  for (let i = begin; i < begin + width; i++) cr.append(leafHashes[i]);
  return cr.root();
}

// ---------------------------------------------------------------------------
// Proof plans: which full subtrees make each proof hash
// ---------------------------------------------------------------------------

/**
 * The inclusion proof of leaf `index` in a tree of `size` (RFC 9162 §2.1.3.1
 * PATH), bottom-up, each proof hash given as the full subtrees (left to
 * right) whose fold is that hash. Fetch them from any storage, sync or async.
 */
export function inclusionProofNodes(index: number, size: number): NodeId[][] {
  checkCount(index, 'index');
  checkCount(size, 'size');
  if (index >= size) throw new RangeError(`inclusion proof: index ${index} is not below the tree size ${size}`);
  const topDown: NodeId[][] = [];
  let a = 0;
  let b = size;
  while (b - a > 1) {
    const k = largestPow2Below(b - a);
    if (index < a + k) {
      topDown.push(rangeNodes(a + k, b));
      b = a + k;
    } else {
      topDown.push(rangeNodes(a, a + k));
      a += k;
    }
  }
  return topDown.reverse();
}

/**
 * The consistency proof from `size1` to `size2` (RFC 9162 §2.1.4.1
 * SUBPROOF(m, D[0:n], true)), bottom-up, as `inclusionProofNodes` gives it.
 * 0 < size1 ≤ size2; size1 = size2 gives the empty proof.
 */
export function consistencyProofNodes(size1: number, size2: number): NodeId[][] {
  checkCount(size1, 'size1');
  checkCount(size2, 'size2');
  if (size1 === 0)
    throw new RangeError(
      'consistency proof: size1 is 0 (every tree is consistent with the empty tree; there is no proof to make)',
    );
  if (size1 > size2) throw new RangeError(`consistency proof: size1 ${size1} is greater than size2 ${size2}`);
  const topDown: NodeId[][] = [];
  let a = 0;
  let b = size2;
  let m = size1;
  let whole = true; // the RFC's flag b: true while the subtree is the old tree's own root
  while (true) {
    const n = b - a;
    if (m === n) {
      if (!whole) topDown.push(rangeNodes(a, b));
      break;
    }
    const k = largestPow2Below(n);
    if (m <= k) {
      topDown.push(rangeNodes(a + k, b));
      b = a + k;
    } else {
      topDown.push(rangeNodes(a, a + k));
      a += k;
      m -= k;
      whole = false;
    }
  }
  return topDown.reverse();
}

/** Number of hashes in the inclusion proof of `index` in a tree of `size` (index < size). */
export function inclusionProofLength(index: number, size: number): number {
  let count = 0;
  let a = 0;
  let b = size;
  while (b - a > 1) {
    const k = largestPow2Below(b - a);
    if (index < a + k) b = a + k;
    else a += k;
    count++;
  }
  return count;
}

/** Number of hashes in the consistency proof from `size1` to `size2` (0 < size1 ≤ size2). */
export function consistencyProofLength(size1: number, size2: number): number {
  let count = 0;
  let a = 0;
  let b = size2;
  let m = size1;
  let whole = true;
  while (true) {
    const n = b - a;
    if (m === n) return whole ? count : count + 1;
    const k = largestPow2Below(n);
    if (m <= k) b = a + k;
    else {
      a += k;
      m -= k;
      whole = false;
    }
    count++;
  }
}

function resolve(plan: NodeId[][], hashAt: HashAt): Uint8Array[] {
  return plan.map((nodes) => foldRight(nodes.map((n) => hashOf(hashAt, n))));
}

async function resolveAsync(
  plan: NodeId[][],
  hashAt: (level: number, index: number) => Uint8Array | Promise<Uint8Array>,
): Promise<Uint8Array[]> {
  const fetched = await Promise.all(
    plan.map((nodes) =>
      Promise.all(
        nodes.map(async (n) => {
          const h = await hashAt(n.level, n.index);
          return hashOf(() => h, n);
        }),
      ),
    ),
  );
  return fetched.map(foldRight);
}

/** The inclusion proof of leaf `index` in the tree of `size`, from storage. */
export function inclusionProof(index: number, size: number, hashAt: HashAt): Uint8Array[] {
  return resolve(inclusionProofNodes(index, size), hashAt);
}

/** The consistency proof from `size1` to `size2` (0 < size1 ≤ size2), from storage. */
export function consistencyProof(size1: number, size2: number, hashAt: HashAt): Uint8Array[] {
  return resolve(consistencyProofNodes(size1, size2), hashAt);
}

/** `inclusionProof` for storage that answers asynchronously; all nodes are fetched in parallel. */
export function inclusionProofAsync(
  index: number,
  size: number,
  hashAt: (level: number, index: number) => Uint8Array | Promise<Uint8Array>,
): Promise<Uint8Array[]> {
  return resolveAsync(inclusionProofNodes(index, size), hashAt);
}

/** `consistencyProof` for storage that answers asynchronously. */
export function consistencyProofAsync(
  size1: number,
  size2: number,
  hashAt: (level: number, index: number) => Uint8Array | Promise<Uint8Array>,
): Promise<Uint8Array[]> {
  return resolveAsync(consistencyProofNodes(size1, size2), hashAt);
}

/** The root of the tree of `size` from storage (size 0: the empty root). */
export function treeRoot(size: number, hashAt: HashAt): Uint8Array {
  checkCount(size, 'size');
  return rangeRoot(0, size, hashAt);
}

// ---------------------------------------------------------------------------
// Verification (RFC 9162 §2.1.3.2, §2.1.4.2)
// ---------------------------------------------------------------------------

function checkHash(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array)) throw new ProofError(`${what}: expected a ${HASH_SIZE}-byte hash, got ${typeof h}`);
  if (h.length !== HASH_SIZE) throw new ProofError(`${what}: expected a ${HASH_SIZE}-byte hash, got ${h.length} bytes`);
}

function checkProof(proof: readonly Uint8Array[], want: number, what: string): void {
  if (!Array.isArray(proof)) throw new ProofError(`${what}: the proof must be an array of hashes`);
  if (proof.length !== want) {
    throw new ProofError(`${what}: the proof has ${proof.length} hashes, expected exactly ${want}`);
  }
  proof.forEach((p, i) => checkHash(p, `${what}: proof hash ${i}`));
}

/**
 * The root that an inclusion proof implies for `leafHash` at `index` in a
 * tree of `size` (RFC 9162 §2.1.3.2 steps 1–5, without the comparison).
 * Throws ProofError when the inputs cannot form a proof.
 */
export function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number | bigint,
  size: number | bigint,
  proof: readonly Uint8Array[],
): Uint8Array {
  const idx = verifierCount(index, 'leaf index');
  const n = verifierCount(size, 'tree size');
  if (idx >= n) throw new ProofError(`leaf index ${idx} is not below the tree size ${n}`);
  checkHash(leaf, 'leaf hash');
  const what = `inclusion of leaf ${idx} in a tree of ${n}`;
  checkProof(proof, inclusionProofLength(idx, n), what);
  let fn = idx;
  let sn = n - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new ProofError(`${what}: the proof is longer than the path to the root`);
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError(`${what}: the proof is shorter than the path to the root`);
  return r;
}

/**
 * Checks that `leaf` (a 32-byte leaf hash, not the entry) is at `index` in
 * the tree of `size` whose root is `root`. Returns nothing; throws ProofError.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number | bigint,
  size: number | bigint,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const got = rootFromInclusionProof(leaf, index, size, proof);
  checkHash(root, 'root');
  if (!bytesEqual(got, root)) {
    throw new ProofError(
      `inclusion of leaf ${index} in a tree of ${size}: the proof leads to root ${hex(got)}, expected ${hex(root)}`,
    );
  }
}

/**
 * Checks that the tree of `size2` with `root2` extends the tree of `size1`
 * with `root1`. Returns nothing; throws ProofError.
 *
 * size1 = 0 is an error here (as in transparency-dev/merkle): every tree is
 * consistent with the empty one, so the log and its witnesses accept an old
 * size of 0 with an empty proof *before* calling this function.
 * size1 = size2 needs an empty proof and equal roots (compared byte for byte).
 */
export function verifyConsistency(
  size1: number | bigint,
  size2: number | bigint,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const m = verifierCount(size1, 'size1');
  const n = verifierCount(size2, 'size2');
  if (n < m) throw new ProofError(`consistency: size2 ${n} is smaller than size1 ${m}`);
  if (m === 0) {
    throw new ProofError(
      'consistency: size1 is 0; a proof from the empty tree is meaningless (handle size 0 before verifying: every tree extends the empty one)',
    );
  }
  if (!Array.isArray(proof)) throw new ProofError('consistency: the proof must be an array of hashes');
  if (m === n) {
    if (proof.length !== 0)
      throw new ProofError(`consistency: size1 = size2 = ${m} needs an empty proof, got ${proof.length} hashes`);
    if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array) || !bytesEqual(root1, root2)) {
      throw new ProofError(`consistency: size1 = size2 = ${m} but the roots differ`);
    }
    return;
  }
  const what = `consistency from ${m} to ${n}`;
  checkHash(root1, `${what}: root1`);
  checkHash(root2, `${what}: root2`);
  checkProof(proof, consistencyProofLength(m, n), what);
  // RFC 9162 §2.1.4.2.
  const path = isPow2(m) ? [root1, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) throw new ProofError(`${what}: the proof is longer than the path to the root`);
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError(`${what}: the proof is shorter than the path to the root`);
  if (!bytesEqual(fr, root1))
    throw new ProofError(`${what}: the proof leads to old root ${hex(fr)}, expected ${hex(root1)}`);
  if (!bytesEqual(sr, root2))
    throw new ProofError(`${what}: the proof leads to new root ${hex(sr)}, expected ${hex(root2)}`);
}

// ---------------------------------------------------------------------------
// The incremental tree
// ---------------------------------------------------------------------------

/** Called by `CompactRange.append` for each full subtree the append completes (the leaf itself first). */
export type OnNode = (level: number, index: number, hash: Uint8Array) => void;

/**
 * The right edge of a tree of `size` leaves: the roots of the full subtrees
 * [0, size) splits into, largest first (one per set bit of `size`). Enough to
 * append (O(log n) per leaf, amortised one node hash) and to compute the
 * root; serialisable so that appending resumes from disk.
 */
export class CompactRange {
  #size = 0;
  #hashes: Uint8Array[] = [];

  /** Number of leaves appended. */
  get size(): number {
    return this.#size;
  }

  /** The full subtree roots, left to right (largest first). Do not mutate. */
  get hashes(): readonly Uint8Array[] {
    return this.#hashes;
  }

  /** The full subtrees this range holds, left to right. */
  nodes(): NodeId[] {
    return this.#size === 0 ? [] : rangeNodes(0, this.#size);
  }

  /** Appends one leaf hash (32 bytes); `onNode` sees the leaf and every subtree it completes. */
  append(leaf: Uint8Array, onNode?: OnNode): void {
    if (leaf.length !== HASH_SIZE)
      throw new RangeError(`CompactRange.append: a leaf hash is ${HASH_SIZE} bytes, got ${leaf.length}`);
    if (this.#size >= Number.MAX_SAFE_INTEGER)
      throw new RangeError('CompactRange.append: the tree is full (2^53 - 1 leaves)');
    let h = leaf;
    let s = this.#size;
    let level = 0;
    let index = s;
    onNode?.(0, index, h);
    while (s % 2 === 1) {
      h = nodeHash(this.#hashes.pop() as Uint8Array, h);
      s = (s - 1) / 2;
      level++;
      index = (index - 1) / 2;
      onNode?.(level, index, h);
    }
    this.#hashes.push(h);
    this.#size++;
  }

  /** MTH of the leaves appended so far (size 0: SHA-256("")). */
  root(): Uint8Array {
    if (this.#size === 0) return emptyRoot();
    return foldRight(this.#hashes);
  }

  clone(): CompactRange {
    return CompactRange.fromHashes(this.#size, this.#hashes);
  }

  /** A range from its size and full subtree roots (one per set bit of size, largest first). */
  static fromHashes(size: number, hashes: readonly Uint8Array[]): CompactRange {
    checkCount(size, 'size');
    let bits = 0;
    for (let s = size; s > 0; s = Math.floor(s / 2)) bits += s % 2;
    if (hashes.length !== bits) {
      throw new RangeError(`CompactRange: size ${size} needs ${bits} subtree hashes, got ${hashes.length}`);
    }
    for (const h of hashes) {
      if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
        throw new RangeError(`CompactRange: subtree hashes are ${HASH_SIZE} bytes`);
    }
    const cr = new CompactRange();
    cr.#size = size;
    cr.#hashes = hashes.map((h) => Uint8Array.from(h));
    return cr;
  }

  /** The range of the tree of `size`, read from storage (log2(size) reads). */
  static fromHashAt(size: number, hashAt: HashAt): CompactRange {
    checkCount(size, 'size');
    if (size === 0) return new CompactRange();
    return CompactRange.fromHashes(
      size,
      rangeNodes(0, size).map((n) => hashOf(hashAt, n)),
    );
  }

  /** Binary form: uint64 big-endian size, then the subtree hashes (32 bytes each). */
  serialize(): Uint8Array {
    const out = Buffer.alloc(8 + HASH_SIZE * this.#hashes.length);
    out.writeBigUInt64BE(BigInt(this.#size), 0);
    this.#hashes.forEach((h, i) => out.set(h, 8 + HASH_SIZE * i));
    return out;
  }

  static deserialize(bytes: Uint8Array): CompactRange {
    if (bytes.length < 8 || (bytes.length - 8) % HASH_SIZE !== 0) {
      throw new RangeError(`CompactRange.deserialize: ${bytes.length} bytes is not 8 + a multiple of ${HASH_SIZE}`);
    }
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const size = b.readBigUInt64BE(0);
    if (size > BigInt(Number.MAX_SAFE_INTEGER))
      throw new RangeError(`CompactRange.deserialize: size ${size} beyond 2^53 - 1`);
    const hashes: Uint8Array[] = [];
    for (let at = 8; at < b.length; at += HASH_SIZE) hashes.push(Uint8Array.from(b.subarray(at, at + HASH_SIZE)));
    return CompactRange.fromHashes(Number(size), hashes);
  }

  /** JSON form: { size, hashes: base64[] }. */
  toJSON(): { size: number; hashes: string[] } {
    return { size: this.#size, hashes: this.#hashes.map((h) => Buffer.from(h).toString('base64')) };
  }

  static fromJSON(json: { size: number; hashes: string[] }): CompactRange {
    if (typeof json !== 'object' || json === null || !Array.isArray(json.hashes)) {
      throw new RangeError('CompactRange.fromJSON: expected { size, hashes }');
    }
    return CompactRange.fromHashes(
      json.size,
      json.hashes.map((s) => {
        if (typeof s !== 'string') throw new RangeError('CompactRange.fromJSON: hashes are base64 strings');
        return Buffer.from(s, 'base64');
      }),
    );
  }
}

// ---------------------------------------------------------------------------
// An in-memory tree (small trees: a lot's commitments, tests)
// ---------------------------------------------------------------------------

/** Every full subtree of a list of leaf hashes, level by level: O(1) `hashAt`, ~2n hashes of memory. */
export class MemoryTree {
  readonly #levels: Uint8Array[][] = [[]];

  constructor(leafHashes: readonly Uint8Array[] = []) {
    for (const h of leafHashes) this.append(h);
  }

  get size(): number {
    return this.#levels[0].length;
  }

  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_SIZE)
      throw new RangeError(`MemoryTree.append: a leaf hash is ${HASH_SIZE} bytes, got ${leaf.length}`);
    this.#levels[0].push(leaf);
    let level = 0;
    let i = this.#levels[0].length - 1;
    while (i % 2 === 1) {
      const row = this.#levels[level];
      const h = nodeHash(row[i - 1], row[i]);
      level++;
      if (this.#levels.length === level) this.#levels.push([]);
      this.#levels[level].push(h);
      i = (i - 1) / 2;
    }
  }

  /** The full subtree at (level, index); throws RangeError when it is not complete. */
  readonly hashAt: HashAt = (level, index) => {
    const h = this.#levels[level]?.[index];
    if (h === undefined)
      throw new RangeError(`MemoryTree: no full subtree at level ${level} index ${index} in a tree of ${this.size}`);
    return h;
  };

  root(size = this.size): Uint8Array {
    if (size > this.size) throw new RangeError(`MemoryTree: size ${size} beyond ${this.size}`);
    return treeRoot(size, this.hashAt);
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    if (size > this.size) throw new RangeError(`MemoryTree: size ${size} beyond ${this.size}`);
    return inclusionProof(index, size, this.hashAt);
  }

  consistencyProof(size1: number, size2 = this.size): Uint8Array[] {
    if (size2 > this.size) throw new RangeError(`MemoryTree: size ${size2} beyond ${this.size}`);
    return consistencyProof(size1, size2, this.hashAt);
  }
}
