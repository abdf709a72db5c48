import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';

import {
  CompactRange,
  MemoryTree,
  ProofError,
  consistencyProof,
  consistencyProofAsync,
  consistencyProofLength,
  emptyRoot,
  inclusionProof,
  inclusionProofAsync,
  inclusionProofLength,
  leafHash,
  nodeHash,
  rangeNodes,
  rootFromInclusionProof,
  rootOf,
  subtreeRoot,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../src/ledger/merkle.js';
import {
  TileError,
  decodeEntryBundle,
  decodeTile,
  encodeEntryBundle,
  encodeTile,
  encodeTileIndex,
  entriesPath,
  entryBundlesForSize,
  hashAtFromTiles,
  parseTileIndex,
  parseTilePath,
  tileFromHashAt,
  tilePath,
  tilesForSize,
  tilesToWrite,
  tileWidth,
} from '../src/ledger/tiles.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => Buffer.from(s, 'hex');

/** RFC 6962 reference leaves (transparency-dev/merkle testonly) and MTH for sizes 0..8. */
const REF_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const REF_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

// --- an independent, naive RFC 9162 §2.1 implementation to compare with -------

function sha(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}
function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0];
  const s = k(d.length);
  return sha(Uint8Array.of(1), mth(d.slice(0, s)), mth(d.slice(s)));
}
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))]
    : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

// --- a 2,000-leaf tree shared by the property tests ----------------------------

const MAX = 2000;
const LEAVES: Uint8Array[] = [];
for (let i = 0; i < MAX; i++) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(i);
  LEAVES.push(leafHash(b));
}
const TREE = new MemoryTree(LEAVES);
const ROOTS: Uint8Array[] = [];
{
  const cr = new CompactRange();
  ROOTS.push(cr.root());
  for (const l of LEAVES) {
    cr.append(l);
    ROOTS.push(cr.root());
  }
}

function flipBit(proof: Uint8Array[], which: number): Uint8Array[] {
  const out = proof.map((p) => Uint8Array.from(p));
  const bit = which % (out.length * 256);
  out[Math.floor(bit / 256)][Math.floor((bit % 256) / 8)] ^= 1 << (bit % 8);
  return out;
}

describe('ledger/merkle: hashing and roots (RFC 6962 reference tree)', () => {
  const leaves = REF_LEAVES.map((h) => leafHash(unhex(h)));

  it('leaf hash of the empty entry and node hashing', () => {
    assert.equal(hex(leaves[0]), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    assert.equal(hex(nodeHash(leaves[0], leaves[1])), REF_ROOTS[2]);
    assert.equal(hex(emptyRoot()), REF_ROOTS[0]);
    assert.throws(() => nodeHash(new Uint8Array(31), leaves[0]), RangeError);
  });

  it('rootOf, CompactRange and MemoryTree give the reference roots for sizes 0..8', () => {
    const cr = new CompactRange();
    const tree = new MemoryTree(leaves);
    for (let n = 0; n <= 8; n++) {
      assert.equal(hex(rootOf(leaves.slice(0, n))), REF_ROOTS[n], `rootOf ${n}`);
      assert.equal(hex(cr.root()), REF_ROOTS[n], `CompactRange ${n}`);
      assert.equal(hex(tree.root(n)), REF_ROOTS[n], `MemoryTree ${n}`);
      assert.equal(hex(mth(leaves.slice(0, n))), REF_ROOTS[n], `naive ${n}`);
      if (n < 8) cr.append(leaves[n]);
    }
  });

  it('subtreeRoot and rangeNodes', () => {
    assert.equal(hex(subtreeRoot(leaves, 3, 0)), REF_ROOTS[8]);
    assert.equal(hex(subtreeRoot(leaves, 2, 0)), REF_ROOTS[4]);
    assert.equal(hex(subtreeRoot(leaves, 0, 5)), hex(leaves[5]));
    assert.throws(() => subtreeRoot(leaves, 3, 1), RangeError);
    assert.deepEqual(rangeNodes(0, 7), [
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    assert.deepEqual(rangeNodes(8, 13), [
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    assert.throws(() => rangeNodes(2, 7), RangeError); // not a range of the RFC recursion
  });

  it('the RFC 6962 reference proofs: inclusion of leaf 0 in 8, consistency 1 -> 8 and 6 -> 8', () => {
    const tree = new MemoryTree(leaves);
    const root8 = unhex(REF_ROOTS[8]);
    assert.deepEqual(tree.inclusionProof(0, 8).map(hex), [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    verifyInclusion(leaves[0], 0, 8, tree.inclusionProof(0, 8), root8);
    assert.deepEqual(tree.consistencyProof(1, 8).map(hex), tree.inclusionProof(0, 8).map(hex));
    verifyConsistency(6, 8, tree.consistencyProof(6, 8), unhex(REF_ROOTS[6]), root8);
    assert.equal(tree.consistencyProof(6, 8).length, 3);
  });
});

describe('ledger/merkle: verifier strictness', () => {
  const leaves = REF_LEAVES.map((h) => leafHash(unhex(h)));
  const tree = new MemoryTree(leaves);

  it('rejects a leaf hash that is not 32 bytes, even for a tree of one', () => {
    assert.throws(() => verifyInclusion(new Uint8Array(0), 0, 1, [], new Uint8Array(0)), ProofError);
    assert.throws(() => verifyInclusion(new Uint8Array(31), 0, 1, [], new Uint8Array(31)), /32-byte/);
    verifyInclusion(leaves[0], 0, 1, [], leaves[0]);
  });

  it('rejects index >= size, size 0, unsafe 64-bit values, and proofs of the wrong length', () => {
    assert.throws(() => verifyInclusion(leaves[0], 1, 1, [], leaves[0]), /not below/);
    assert.throws(() => verifyInclusion(leaves[0], 0, 0, [], emptyRoot()), ProofError);
    assert.throws(() => verifyInclusion(leaves[0], 2n ** 64n - 1n, 2n ** 64n, [], leaves[0]), /supported range/);
    assert.throws(() => verifyInclusion(leaves[0], -1, 8, [], leaves[0]), ProofError);
    const p = tree.inclusionProof(3, 8);
    assert.throws(() => verifyInclusion(leaves[3], 3, 8, p.slice(1), tree.root()), /expected exactly 3/);
    assert.throws(() => verifyInclusion(leaves[3], 3, 8, [...p, p[0]], tree.root()), /expected exactly 3/);
    assert.throws(() => verifyInclusion(leaves[3], 3, 8, [p[0], p[1].subarray(1), p[2]], tree.root()), /proof hash 1/);
    verifyInclusion(leaves[3], 3n, 8n, p, tree.root());
  });

  it('consistency: size1 = 0 is an error (the log handles it), size1 = size2 needs an empty proof and equal roots', () => {
    assert.throws(() => verifyConsistency(0, 0, [], emptyRoot(), emptyRoot()), /size1 is 0/);
    assert.throws(() => verifyConsistency(0, 8, [], emptyRoot(), tree.root()), /size1 is 0/);
    assert.throws(() => verifyConsistency(5, 4, [], tree.root(5), tree.root(4)), /smaller/);
    verifyConsistency(5, 5, [], tree.root(5), tree.root(5));
    assert.throws(() => verifyConsistency(5, 5, [tree.root(5)], tree.root(5), tree.root(5)), /empty proof/);
    assert.throws(() => verifyConsistency(5, 5, [], tree.root(5), tree.root(6)), /roots differ/);
    assert.throws(() => verifyConsistency(1, 2, [], leaves[0], tree.root(2)), /expected exactly 1/);
    assert.throws(() => consistencyProof(0, 4, tree.hashAt), RangeError);
  });

  it('the error says what was expected and what came', () => {
    const p = tree.inclusionProof(2, 8);
    try {
      verifyInclusion(leaves[2], 2, 8, p, tree.root(7));
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof ProofError);
      assert.match(e.message, new RegExp(`leads to root ${hex(tree.root(8))}, expected ${hex(tree.root(7))}`));
    }
  });
});

describe('ledger/merkle: property tests up to 2,000 leaves', () => {
  it('generated proofs equal the naive RFC 9162 PATH and SUBPROOF', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (size, a, b) => {
        const d = LEAVES.slice(0, size);
        const idx = a % size;
        assert.deepEqual(inclusionProof(idx, size, TREE.hashAt).map(hex), path(idx, d).map(hex));
        assert.equal(inclusionProofLength(idx, size), path(idx, d).length);
        const size1 = 1 + (b % size);
        assert.deepEqual(consistencyProof(size1, size, TREE.hashAt).map(hex), subproof(size1, d, true).map(hex));
        assert.equal(consistencyProofLength(size1, size), subproof(size1, d, true).length);
        assert.equal(hex(treeRoot(size, TREE.hashAt)), hex(mth(d)));
      }),
      { numRuns: 200 },
    );
  });

  it('for random sizes, every index: inclusion proofs verify; a flipped bit, a wrong index or a wrong size fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX }), fc.nat(), (size, seed) => {
        const root = ROOTS[size];
        for (let i = 0; i < size; i++) {
          const proof = inclusionProof(i, size, TREE.hashAt);
          verifyInclusion(LEAVES[i], i, size, proof, root);
          if (proof.length > 0) {
            assert.throws(() => verifyInclusion(LEAVES[i], i, size, flipBit(proof, seed + i * 7919), root), ProofError);
          }
          const leafBit = Uint8Array.from(LEAVES[i]);
          leafBit[(seed + i) % 32] ^= 1 << ((seed >> 5) % 8);
          assert.throws(() => verifyInclusion(leafBit, i, size, proof, root), ProofError);
          const wrong = (i + 1 + ((seed + i) % Math.max(1, size - 1))) % size;
          if (wrong !== i) assert.throws(() => verifyInclusion(LEAVES[i], wrong, size, proof, root), ProofError);
          // A wrong size with that size's root. (With the same root, a proof can also fit a larger size of
          // the same shape: 0 in 3 and 0 in 4. The checkpoint binds root and size, so that is no forgery.)
          if (size < MAX)
            assert.throws(() => verifyInclusion(LEAVES[i], i, size + 1, proof, ROOTS[size + 1]), ProofError);
          if (size - 1 > i)
            assert.throws(() => verifyInclusion(LEAVES[i], i, size - 1, proof, ROOTS[size - 1]), ProofError);
          if (size > 1) assert.throws(() => verifyInclusion(LEAVES[i], i, size, proof, ROOTS[size - 1]), ProofError);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('consistency proofs for random size pairs verify; mutations fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 1, max: MAX }), fc.nat(), (x, y, seed) => {
        const size1 = Math.min(x, y);
        const size2 = Math.max(x, y);
        const proof = consistencyProof(size1, size2, TREE.hashAt);
        verifyConsistency(size1, size2, proof, ROOTS[size1], ROOTS[size2]);
        if (size1 === size2) return;
        assert.throws(
          () => verifyConsistency(size1, size2, flipBit(proof, seed), ROOTS[size1], ROOTS[size2]),
          ProofError,
        );
        const r1 = Uint8Array.from(ROOTS[size1]);
        r1[seed % 32] ^= 0x80;
        assert.throws(() => verifyConsistency(size1, size2, proof, r1, ROOTS[size2]), ProofError);
        const r2 = Uint8Array.from(ROOTS[size2]);
        r2[seed % 32] ^= 0x01;
        assert.throws(() => verifyConsistency(size1, size2, proof, ROOTS[size1], r2), ProofError);
        if (size1 > 1)
          assert.throws(() => verifyConsistency(size1 - 1, size2, proof, ROOTS[size1 - 1], ROOTS[size2]), ProofError);
        if (size1 + 1 < size2)
          assert.throws(() => verifyConsistency(size1 + 1, size2, proof, ROOTS[size1 + 1], ROOTS[size2]), ProofError);
        if (size2 < MAX)
          assert.throws(() => verifyConsistency(size1, size2 + 1, proof, ROOTS[size1], ROOTS[size2 + 1]), ProofError);
        assert.throws(() => verifyConsistency(size1, size2 - 1, proof, ROOTS[size1], ROOTS[size2 - 1]), ProofError);
        assert.throws(
          () => verifyConsistency(size1, size2, proof.slice(0, -1), ROOTS[size1], ROOTS[size2]),
          ProofError,
        );
        assert.throws(
          () => verifyConsistency(size1, size2, [...proof, proof[0]], ROOTS[size1], ROOTS[size2]),
          ProofError,
        );
        assert.throws(() => verifyConsistency(size1, size2, proof, ROOTS[size2], ROOTS[size1]), ProofError);
      }),
      { numRuns: 2000 },
    );
  });

  it('CompactRange root equals rootOf at every size; serialised forms resume appends', () => {
    const cr = new CompactRange();
    const seen: string[] = [];
    for (let n = 0; n < MAX; n++) {
      assert.equal(hex(cr.root()), hex(ROOTS[n]));
      if (n % 97 === 0) {
        assert.equal(hex(cr.root()), hex(rootOf(LEAVES.slice(0, n))));
        const back = CompactRange.deserialize(cr.serialize());
        const json = CompactRange.fromJSON(JSON.parse(JSON.stringify(cr)) as { size: number; hashes: string[] });
        const fromStore = CompactRange.fromHashAt(n, TREE.hashAt);
        for (const other of [back, json, fromStore, cr.clone()]) {
          assert.equal(other.size, n);
          other.append(LEAVES[n]);
          assert.equal(hex(other.root()), hex(ROOTS[n + 1]));
        }
      }
      cr.append(LEAVES[n], (level, index, h) => seen.push(`${level}/${index}/${hex(h)}`));
    }
    // Every full subtree is reported once, with the hash storage holds.
    const want: string[] = [];
    for (let level = 0; 2 ** level <= MAX; level++) {
      for (let i = 0; (i + 1) * 2 ** level <= MAX; i++) want.push(`${level}/${i}/${hex(TREE.hashAt(level, i))}`);
    }
    assert.deepEqual([...seen].sort(), want.sort());
  });

  it('CompactRange rejects bad input', () => {
    assert.throws(() => new CompactRange().append(new Uint8Array(31)), RangeError);
    assert.throws(() => CompactRange.fromHashes(3, [LEAVES[0]]), /needs 2/);
    assert.throws(() => CompactRange.deserialize(new Uint8Array(9)), RangeError);
    assert.equal(hex(CompactRange.deserialize(new CompactRange().serialize()).root()), REF_ROOTS[0]);
  });

  it('async proof generation gives the same proofs', async () => {
    const asyncHashAt = async (l: number, i: number): Promise<Uint8Array> => TREE.hashAt(l, i);
    assert.deepEqual(
      (await inclusionProofAsync(1234, 1999, asyncHashAt)).map(hex),
      inclusionProof(1234, 1999, TREE.hashAt).map(hex),
    );
    assert.deepEqual(
      (await consistencyProofAsync(777, 1999, asyncHashAt)).map(hex),
      consistencyProof(777, 1999, TREE.hashAt).map(hex),
    );
  });

  it('a storage that returns a wrong-length hash is an error, not a proof', () => {
    assert.throws(() => inclusionProof(0, 8, () => new Uint8Array(3)), /expected a 32-byte hash/);
  });

  it('rootFromInclusionProof gives the root the proof implies', () => {
    const p = inclusionProof(5, 11, TREE.hashAt);
    assert.equal(hex(rootFromInclusionProof(LEAVES[5], 5, 11, p)), hex(ROOTS[11]));
  });
});

describe('ledger/tiles: paths (C2SP tlog-tiles v0.1.0)', () => {
  it('index encoding', () => {
    const cases: [number, string][] = [
      [1234067, 'x001/x234/067'],
      [0, '000'],
      [5, '005'],
      [999, '999'],
      [1000, 'x001/000'],
      [123456078, 'x123/x456/078'],
    ];
    for (const [n, s] of cases) {
      assert.equal(encodeTileIndex(n), s);
      assert.equal(parseTileIndex(s), n);
    }
    assert.throws(() => parseTileIndex('001/234/067'), TileError);
    assert.throws(() => parseTileIndex('x000/005'), TileError);
    assert.throws(() => parseTileIndex('5'), TileError);
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => parseTileIndex(encodeTileIndex(n)) === n));
  });

  it('tile and entry paths, and parsing them back', () => {
    assert.equal(tilePath(0, 1234067), 'tile/0/x001/x234/067');
    assert.equal(tilePath(2, 0, 1), 'tile/2/000.p/1');
    assert.equal(tilePath(1, 1, 256), 'tile/1/001');
    assert.equal(entriesPath(273, 112), 'tile/entries/273.p/112');
    assert.throws(() => tilePath(64, 0), RangeError);
    assert.throws(() => tilePath(0, 0, 0), RangeError);
    assert.deepEqual(parseTilePath('tile/1/001.p/17'), { kind: 'tile', level: 1, index: 1, width: 17 });
    assert.deepEqual(parseTilePath('tile/entries/x001/000'), { kind: 'entries', index: 1000, width: 256 });
    for (const bad of [
      'tile/01/000',
      'tile/64/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/012',
      'tile/4/0/001',
      'tile/3/5/x123/x456/078',
      'tile/3/5/123/456/078',
      'tile/1/data/x003/x057/500',
      'tile/0/1',
    ]) {
      assert.throws(() => parseTilePath(bad), TileError, bad);
    }
  });

  it('tiles for sizes 1, 255, 256, 257, 65536, 70000', () => {
    const paths = (n: number): string[] => tilesForSize(n).map((t) => t.path);
    assert.deepEqual(paths(0), []);
    assert.deepEqual(paths(1), ['tile/0/000.p/1']);
    assert.deepEqual(paths(255), ['tile/0/000.p/255']);
    assert.deepEqual(paths(256), ['tile/0/000', 'tile/1/000.p/1']);
    assert.deepEqual(paths(257), ['tile/0/000', 'tile/0/001.p/1', 'tile/1/000.p/1']);
    const p65536 = paths(65536);
    assert.equal(p65536.length, 258);
    assert.deepEqual(p65536.slice(-2), ['tile/1/000', 'tile/2/000.p/1']);
    const t70k = tilesForSize(70000);
    assert.equal(t70k.filter((t) => t.level === 0 && t.width === 256).length, 273);
    assert.deepEqual(
      t70k.filter((t) => t.width < 256).map((t) => t.path),
      ['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1'],
    );
    assert.deepEqual(
      t70k.filter((t) => t.level === 1).map((t) => t.path),
      ['tile/1/000', 'tile/1/001.p/17'],
    );
    assert.deepEqual(entryBundlesForSize(70000).at(-1), { index: 273, width: 112, path: 'tile/entries/273.p/112' });
    assert.equal(entryBundlesForSize(70000).length, 274);
    assert.equal(tileWidth(1, 1, 70000), 17);
    assert.equal(tileWidth(3, 0, 70000), 0);
    assert.deepEqual(
      tilesToWrite(256, 257).map((t) => t.path),
      ['tile/0/001.p/1'],
    );
    assert.deepEqual(
      tilesToWrite(255, 256).map((t) => t.path),
      ['tile/0/000', 'tile/1/000.p/1'],
    );
  });
});

describe('ledger/tiles: contents and proofs from tiles', () => {
  const N = 70000;
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < N; i++) leaves.push(leafHash(Buffer.from(`entry ${i}`)));
  const tree = new MemoryTree(leaves);
  const reads: string[] = [];
  const readTileAt =
    (size: number, wider = false) =>
    (level: number, index: number, width: number): Uint8Array => {
      assert.equal(width, tileWidth(level, index, size), 'the adapter asks for the width the tree has');
      reads.push(tilePath(level, index, width));
      return tileFromHashAt(level, index, wider ? tileWidth(level, index, N) : width, tree.hashAt);
    };

  it('proofs and roots from tiles equal those from the full tree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: N }), fc.nat(), fc.nat(), fc.boolean(), (size, a, b, wider) => {
        const hashAt = hashAtFromTiles(readTileAt(size, wider), size);
        const idx = a % size;
        assert.deepEqual(inclusionProof(idx, size, hashAt).map(hex), inclusionProof(idx, size, tree.hashAt).map(hex));
        const size1 = 1 + (b % size);
        assert.deepEqual(
          consistencyProof(size1, size, hashAt).map(hex),
          consistencyProof(size1, size, tree.hashAt).map(hex),
        );
        const root = treeRoot(size, hashAt);
        assert.equal(hex(root), hex(tree.root(size)));
        verifyInclusion(leaves[idx], idx, size, inclusionProof(idx, size, hashAt), root);
      }),
      { numRuns: 60 },
    );
    for (const size of [1, 255, 256, 257, 65536, 70000]) {
      const hashAt = hashAtFromTiles(readTileAt(size), size);
      assert.equal(hex(treeRoot(size, hashAt)), hex(tree.root(size)), `root at ${size}`);
      assert.deepEqual(
        inclusionProof(size - 1, size, hashAt).map(hex),
        inclusionProof(size - 1, size, tree.hashAt).map(hex),
      );
    }
  });

  it('the adapter refuses nodes that are not complete and tiles of the wrong size', () => {
    const hashAt = hashAtFromTiles(readTileAt(300), 300);
    assert.throws(() => hashAt(8, 1), /not complete/);
    const short = hashAtFromTiles(() => new Uint8Array(32 * 3), 300);
    assert.throws(() => short(0, 260), TileError);
    const ragged = hashAtFromTiles(() => new Uint8Array(33), 300);
    assert.throws(() => ragged(0, 0), TileError);
  });

  it('tile encoding', () => {
    const t = encodeTile(leaves.slice(0, 256));
    assert.equal(t.length, 8192);
    assert.deepEqual(decodeTile(t).map(hex), leaves.slice(0, 256).map(hex));
    assert.deepEqual(decodeTile(t, 3, true).map(hex), leaves.slice(0, 3).map(hex));
    assert.throws(() => decodeTile(t, 3), TileError);
    assert.throws(() => decodeTile(new Uint8Array(0)), TileError);
    assert.throws(() => decodeTile(new Uint8Array(8224)), TileError);
    assert.throws(() => encodeTile([]), RangeError);
    assert.equal(hex(tileFromHashAt(1, 0, 1, tree.hashAt)), hex(tree.hashAt(8, 0)));
  });

  it('entry bundles: uint16 big-endian lengths, at most 65,535 bytes an entry', () => {
    const entries = [new Uint8Array(0), Buffer.from('hello'), new Uint8Array(65535).fill(7)];
    const b = encodeEntryBundle(entries);
    assert.deepEqual([...b.subarray(0, 4)], [0, 0, 0, 5]);
    assert.equal(b.length, 2 + 7 + 2 + 65535);
    assert.deepEqual(
      decodeEntryBundle(b, 3).map((e) => Buffer.from(e)),
      entries.map((e) => Buffer.from(e)),
    );
    assert.throws(() => encodeEntryBundle([new Uint8Array(65536)]), /65535/);
    assert.throws(() => decodeEntryBundle(b.subarray(0, b.length - 1)), TileError);
    assert.throws(() => decodeEntryBundle(b, 2), TileError);
    assert.equal(decodeEntryBundle(b, 2, true).length, 2);
    assert.throws(() => decodeEntryBundle(new Uint8Array(0)), TileError);
    assert.throws(() => decodeEntryBundle(Uint8Array.of(0)), TileError);
    const many = encodeEntryBundle(new Array<Uint8Array>(256).fill(new Uint8Array(1)));
    assert.throws(() => decodeEntryBundle(Buffer.concat([many, Uint8Array.of(0, 0)])), TileError);
  });

  it('the reads a proof needs are few', () => {
    reads.length = 0;
    const hashAt = hashAtFromTiles(readTileAt(N), N);
    inclusionProof(12345, N, hashAt);
    assert.ok(reads.length <= 6, `read ${reads.join(' ')}`);
  });
});
