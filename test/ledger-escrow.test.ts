import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  canonicalDescriptor,
  challengesNeeded,
  checkReveal,
  checkSeed,
  commitLot,
  commitment,
  confidenceFraction,
  declaration,
  drawAttempt,
  drawChallenge,
  fromHex,
  loadSecrets,
  lotRoot,
  reveal,
  secretsFile,
  seedCommitment,
  seedRevealRecord,
  survivalFraction,
  survivalProbability,
  toHex,
  type Descriptor,
  type Reveal,
  type RevealedItem,
} from '../src/ledger/escrow.js';

const DOC = readFileSync(new URL('../../docs/escrow.md', import.meta.url), 'utf8');

const seq32 = (start: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => start + i);
const sha = (s: string): Uint8Array => new Uint8Array(createHash('sha256').update(s).digest());

/** Deterministic "random" bytes for lots in tests. */
function counterBytes(tag: string): (n: number) => Uint8Array {
  let i = 0;
  return (n) => {
    assert.equal(n, 32);
    return sha(`${tag}/${i++}`);
  };
}

// ---------------------------------------------------------------------------
// The worked example of docs/escrow.md, value by value

const EX = {
  descriptors: [
    { serial: '8K63-0417', class: 'R-12', site: 'San Cristóbal' },
    { class: 'R-12', serial: '8K63-0422', site: 'Sagua la Grande' },
    { class: 'R-12', serial: '8K63-0431', site: 'Sagua la Grande', launcher: 3 },
  ] as Descriptor[],
  canonical: [
    '{"class":"R-12","serial":"8K63-0417","site":"San Cristóbal"}',
    '{"class":"R-12","serial":"8K63-0422","site":"Sagua la Grande"}',
    '{"class":"R-12","launcher":3,"serial":"8K63-0431","site":"Sagua la Grande"}',
  ],
  salts: [
    '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
    '404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f',
  ],
  commitments: [
    '023d40cf7a9f7034ef742d56c0565cb27583a26233440ee884a6f02815adcb13',
    'a53b4fb37406f36447c6d900745396f8791e8e8b81457d74ad3ecca3d292012b',
    '3dbd123cf342e8551e1ce694e00d6a220a8281af7cde5cf5c6a3e881685bf282',
  ],
  /** Input positions in sorted order. */
  sortedFrom: [0, 2, 1],
  leafHashes: [
    'e664aad4f8c427974363b2d979456d8d4b30d7aa1dfff96a0f3bd158fbffb1ec',
    '1f4a8f8ddf817bec247e411fffd93c67e2a041673959a6fd1c3d83ffc16d83ec',
    'f6a71c2ee4da71e8e6d4660702bdb96be470c1b58f5a91be8ce5ca01401e1955',
  ],
  node01: '9258ac48b4ae986de5164101a0b3af09b77f21fd310cc6424c7bd6777ae1ab1c',
  root: '707417d3cd6479aa08ac116eac0db61300cbe0ff07ac86aa271e0dbe3764e1f1',
  seed: 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
  seedCommitment: '335914e3d155089157cea8084931833b78c317173b2d311abb8696ade9a80c3e',
  draws: [
    { i: 0, h8: 'f872c6856e726314', x: 17902589745137083156n, index: 1, repeat: false },
    { i: 1, h8: '1086b264920a3917', x: 1190835296502692119n, index: 1, repeat: true },
    { i: 2, h8: '5e443e9f795a6605', x: 6792622992638240261n, index: 2, repeat: false },
    { i: 3, h8: 'c403e880fec6c338', x: 14124388497091904312n, index: 2, repeat: true },
    { i: 4, h8: '73d900e91931f612', x: 8347704385458009618n, index: 0, repeat: false },
  ],
  challengeK2: [1, 2],
  challengeK3: [1, 2, 0],
  proofs: {
    1: [
      'e664aad4f8c427974363b2d979456d8d4b30d7aa1dfff96a0f3bd158fbffb1ec',
      'f6a71c2ee4da71e8e6d4660702bdb96be470c1b58f5a91be8ce5ca01401e1955',
    ],
    2: ['9258ac48b4ae986de5164101a0b3af09b77f21fd310cc6424c7bd6777ae1ab1c'],
  } as Record<number, string[]>,
  rejection: {
    n: 6755399441055744,
    i: 4869,
    h: 'fff2345363f662eee2dab6a57eb41a5f43ddf901b7a1c940a024a2e3793f0607',
    x: 18442860956799623918n,
    limit: 18442240474082181120n,
    previousIndex: 3269810370456307,
    nextIndex: 6030542518249497,
  },
};

function exampleLot() {
  let j = 0;
  return commitLot(EX.descriptors, () => fromHex(EX.salts[j++]));
}

test('worked example: canonical JSON, commitments, sorted order, leaves, root', () => {
  EX.descriptors.forEach((d, i) => {
    assert.equal(canonicalDescriptor(d), EX.canonical[i]);
    assert.equal(toHex(commitment(d, EX.salts[i])), EX.commitments[i]);
  });
  const lot = exampleLot();
  assert.equal(lot.root, EX.root);
  assert.equal(lot.count, 3);
  assert.deepEqual(
    lot.commitments,
    EX.sortedFrom.map((j) => EX.commitments[j]),
  );
  assert.deepEqual(
    lot.secrets.map((s) => s.salt),
    EX.sortedFrom.map((j) => EX.salts[j]),
  );
  const leaves = lot.commitments.map((c) => createHash('sha256').update(Buffer.of(0)).update(fromHex(c)).digest('hex'));
  assert.deepEqual(leaves, EX.leafHashes);
  const node = (a: string, b: string): string =>
    createHash('sha256').update(Buffer.of(1)).update(fromHex(a)).update(fromHex(b)).digest('hex');
  assert.equal(node(EX.leafHashes[0], EX.leafHashes[1]), EX.node01);
  assert.equal(node(EX.node01, EX.leafHashes[2]), EX.root);
  assert.equal(toHex(lotRoot(EX.commitments)), EX.root);
});

test('worked example: seed commitment, draw trace, challenge for k = 1, 2, 3', () => {
  assert.equal(toHex(seedCommitment(EX.seed)), EX.seedCommitment);
  checkSeed(EX.seed, EX.seedCommitment);
  const trace: { i: number; h8: string; x: bigint; index?: number; repeat: boolean }[] = [];
  assert.deepEqual(
    drawChallenge(fromHex(EX.seed), fromHex(EX.root), 3, 3, (a) =>
      trace.push({ i: a.i, h8: a.h.slice(0, 16), x: a.x, index: a.index, repeat: a.repeat }),
    ),
    EX.challengeK3,
  );
  assert.deepEqual(trace, EX.draws);
  assert.deepEqual(drawChallenge(EX.seed, EX.root, 3, 2), EX.challengeK2);
  assert.deepEqual(drawChallenge(EX.seed, EX.root, 3, 1), [1]);
  for (const d of EX.draws) {
    const a = drawAttempt(EX.seed, EX.root, 3, d.i);
    assert.equal(a.limit, 18446744073709551615n);
    assert.equal(a.x, d.x);
  }
});

test('worked example: the reveal for k = 2 and its check', () => {
  const lot = exampleLot();
  const rev = reveal(lot, EX.challengeK2);
  assert.equal(rev.root, EX.root);
  assert.deepEqual(
    rev.items.map((it) => it.index),
    [1, 2],
  );
  for (const it of rev.items) {
    assert.deepEqual(it.proof, EX.proofs[it.index]);
    assert.equal(it.commitment, EX.commitments[EX.sortedFrom[it.index]]);
    assert.equal(it.salt, EX.salts[EX.sortedFrom[it.index]]);
  }
  assert.deepEqual(
    checkReveal(JSON.parse(JSON.stringify(rev)), {
      root: EX.root,
      count: 3,
      seed: EX.seed,
      k: 2,
      seedCommitment: EX.seedCommitment,
    }),
    [],
  );
});

test('worked example: the rejection vector (n = 3 * 2^51)', () => {
  const r = EX.rejection;
  const a = drawAttempt(EX.seed, EX.root, r.n, r.i);
  assert.equal(a.accepted, false);
  assert.equal(a.h, r.h);
  assert.equal(a.x, r.x);
  assert.equal(a.limit, r.limit);
  assert.equal(a.limit, (2n ** 64n / BigInt(r.n)) * BigInt(r.n));
  for (let i = 0; i < r.i; i++) assert.equal(drawAttempt(EX.seed, EX.root, r.n, i).accepted, true, `draw ${i}`);
  const drawn = drawChallenge(EX.seed, EX.root, r.n, r.i + 1);
  assert.equal(new Set(drawn).size, r.i + 1);
  assert.equal(drawn[r.i - 1], r.previousIndex);
  assert.equal(drawn[r.i], r.nextIndex); // draw r.i is skipped: the last index comes from draw r.i + 1
  assert.notEqual(drawn[r.i], Number(r.x % BigInt(r.n)));
});

test('docs/escrow.md contains every value of the worked example', () => {
  const values = [
    ...EX.canonical,
    ...EX.salts,
    ...EX.commitments,
    ...EX.leafHashes,
    EX.node01,
    EX.root,
    EX.seed,
    EX.seedCommitment,
    ...EX.draws.flatMap((d) => [d.h8, String(d.x)]),
    EX.rejection.h,
    String(EX.rejection.x),
    String(EX.rejection.limit),
    String(EX.rejection.n),
    String(EX.rejection.i),
    String(EX.rejection.nextIndex),
    String(EX.rejection.previousIndex),
    '[1, 2]',
    '[1, 2, 0]',
    ...Object.values(EX.proofs).flat(),
  ];
  for (const v of values) assert.ok(DOC.includes(v), `docs/escrow.md lacks ${v}`);
  // The JSON examples in the doc are exactly what the code writes.
  const lot = exampleLot();
  const blocks = [...DOC.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]) as Record<string, unknown>);
  const byFormat = new Map(blocks.map((b) => [b.format, b]));
  assert.deepEqual(byFormat.get('tally/escrow/secrets/v1'), JSON.parse(JSON.stringify(secretsFile(lot, 'R-12'))));
  assert.deepEqual(byFormat.get('tally/escrow/declaration/v1'), declaration(lot, 'R-12'));
  assert.deepEqual(byFormat.get('tally/escrow/seed/v1'), seedRevealRecord(EX.seed));
  assert.deepEqual(byFormat.get('tally/escrow/seed-commitment/v1'), {
    format: 'tally/escrow/seed-commitment/v1',
    seedCommitment: EX.seedCommitment,
  });
  assert.deepEqual(byFormat.get('tally/escrow/reveal/v1'), JSON.parse(JSON.stringify(reveal(lot, EX.challengeK2))));
});

// ---------------------------------------------------------------------------
// Commitments and secrets

test('commitments: key order and whitespace do not matter, values do; UTF-8 of the canonical form', () => {
  const salt = seq32(7);
  assert.equal(
    toHex(commitment({ a: 1, b: 'x' }, salt)),
    toHex(commitment(JSON.parse('{ "b" : "x", "a" : 1.0 }') as Descriptor, salt)),
  );
  assert.notEqual(toHex(commitment({ a: 1 }, salt)), toHex(commitment({ a: 2 }, salt)));
  assert.notEqual(toHex(commitment({ a: 1 }, salt)), toHex(commitment({ a: 1 }, seq32(8))));
  const d = { site: 'San Cristóbal' };
  const manual = createHash('sha256')
    .update('tally/commit/v1\n')
    .update(salt)
    .update(Buffer.from('{"site":"San Cristóbal"}', 'utf8'))
    .digest('hex');
  assert.equal(toHex(commitment(d, salt)), manual);
  assert.throws(() => commitment({ a: 1 }, new Uint8Array(31)), /32 bytes/);
  assert.throws(() => canonicalDescriptor([] as unknown as Descriptor), /JSON object/);
  assert.throws(() => canonicalDescriptor({ a: NaN }), /NaN/);
});

test('commitLot: sorted, root over sorted commitments, secrets file round trip, tampering refused', () => {
  fc.assert(
    fc.property(
      fc.array(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), {
        maxLength: 30,
      }),
      fc.string(),
      (items, tag) => {
        const lot = commitLot(items as Descriptor[], counterBytes(tag));
        assert.equal(lot.count, items.length);
        for (let i = 1; i < lot.commitments.length; i++) assert.ok(lot.commitments[i - 1] < lot.commitments[i]);
        assert.equal(toHex(lotRoot([...lot.commitments].reverse())), lot.root);
        const file = JSON.parse(JSON.stringify(secretsFile(lot, 'R-12')));
        assert.deepEqual(loadSecrets(file).items, JSON.parse(JSON.stringify(lot.secrets)));
        if (lot.count > 0) {
          const bad = structuredClone(file);
          bad.items[0].salt = (bad.items[0].salt[0] === '0' ? '1' : '0') + bad.items[0].salt.slice(1);
          assert.throws(() => loadSecrets(bad), /secrets file/);
          const badRoot = { ...structuredClone(file), root: '00'.repeat(32) };
          assert.throws(() => loadSecrets(badRoot), /root/);
        }
      },
    ),
    { numRuns: 100 },
  );
  assert.equal(commitLot([]).root, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.throws(() => commitLot([{ a: 1 }, { a: 1 }], () => seq32(0)), /same commitment/);
  assert.throws(() => commitLot([{ a: 1 }], () => new Uint8Array(16)), /32 bytes/);
  assert.throws(() => loadSecrets({ format: 'nope' }), /format/);
});

// ---------------------------------------------------------------------------
// Seeds and the draw

test('draw: clear errors', () => {
  const seed = seq32(0);
  const root = EX.root;
  assert.throws(() => drawChallenge(seed, root, 0, 0), /n = 0/);
  assert.throws(() => drawChallenge(seed, root, 3, 4), /k = 4.*n = 3/);
  assert.throws(() => drawChallenge(seed, root, 3, -1), /k must/);
  assert.throws(() => drawChallenge(new Uint8Array(31), root, 3, 1), /seed must be 32 bytes/);
  assert.throws(() => drawChallenge('ab', root, 3, 1), /seed must be 32 bytes/);
  assert.throws(() => drawChallenge(seed, 'AB'.repeat(32), 3, 1), /root must be 32 bytes/);
  assert.throws(() => drawChallenge(seed, root, 2 ** 53, 1), /safe integer/);
  assert.throws(() => checkSeed(seq32(1), EX.seedCommitment), /does not open/);
  assert.throws(() => checkSeed(new Uint8Array(33), EX.seedCommitment), /seed must be 32 bytes/);
  assert.deepEqual(drawChallenge(seed, root, 5, 0), []);
});

test('draw: distinct, in range, deterministic, k = n is a permutation', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.integer({ min: 1, max: 200 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (seed, root, n, kf) => {
        const k = Math.floor(kf * n);
        const a = drawChallenge(seed, root, n, k);
        assert.equal(a.length, k);
        assert.equal(new Set(a).size, k);
        for (const i of a) assert.ok(Number.isInteger(i) && i >= 0 && i < n);
        assert.deepEqual(drawChallenge(Uint8Array.from(seed), toHex(root), n, k), a);
        // A prefix property: the first j of k draws are the draw for j.
        const j = Math.floor(k / 2);
        assert.deepEqual(drawChallenge(seed, root, n, j), a.slice(0, j));
        if (n <= 50)
          assert.deepEqual(
            [...drawChallenge(seed, root, n, n)].sort((x, y) => x - y),
            Array.from({ length: n }, (_, i) => i),
          );
      },
    ),
    { numRuns: 300 },
  );
});

test('draw: uniform enough (chi-square over deterministic seeds, p = 0.001 critical values)', () => {
  // chi-square critical values at p = 0.001 by degrees of freedom
  const crit: Record<number, number> = { 1: 10.828, 2: 13.816, 4: 18.467, 6: 22.458, 9: 27.877, 12: 32.909 };
  const root = fromHex(EX.root);
  for (const n of [2, 3, 5, 7, 10, 13]) {
    for (const pos of [0, 1]) {
      if (pos >= n) continue;
      const trials = 400 * n;
      const counts = new Array<number>(n).fill(0);
      for (let t = 0; t < trials; t++) {
        const d = drawChallenge(sha(`chi/${n}/${t}`), root, n, pos + 1);
        counts[d[pos]]++;
      }
      const e = trials / n;
      const chi = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
      assert.ok(
        chi < crit[n - 1],
        `n = ${n}, position ${pos}: chi-square ${chi.toFixed(2)} >= ${crit[n - 1]} (${counts.join(',')})`,
      );
    }
  }
  // Pairs for n = 4, k = 2: the 12 ordered pairs equally likely.
  const counts = new Map<string, number>();
  const trials = 12 * 400;
  for (let t = 0; t < trials; t++) {
    const k = drawChallenge(sha(`pair/${t}`), root, 4, 2).join(',');
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  assert.equal(counts.size, 12);
  const chi = [...counts.values()].reduce((s, c) => s + (c - 400) ** 2 / 400, 0);
  assert.ok(chi < 31.264, `pairs chi-square ${chi}`); // df = 11
});

// ---------------------------------------------------------------------------
// Reveals

const descriptorArb = fc.record(
  {
    class: fc.constantFrom('R-12', 'R-14', 'Il-28'),
    serial: fc.string({ minLength: 1, maxLength: 12 }),
    site: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ['class', 'serial'] },
);

const lotArb = fc.record({
  items: fc.uniqueArray(descriptorArb, { minLength: 1, maxLength: 40, selector: (d) => canonicalDescriptor(d) }),
  tag: fc.string(),
  seed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  kf: fc.double({ min: 0, max: 1, noNaN: true }),
});

function setup(l: { items: Descriptor[]; tag: string; seed: Uint8Array; kf: number }) {
  const lot = commitLot(l.items, counterBytes(l.tag));
  const k = Math.max(1, Math.floor(l.kf * lot.count));
  const indices = drawChallenge(l.seed, lot.root, lot.count, k);
  const rev = JSON.parse(
    JSON.stringify(reveal(loadSecrets(JSON.parse(JSON.stringify(secretsFile(lot, 'R-12')))), indices)),
  ) as Reveal;
  return { lot, k, rev, opts: { root: lot.root, count: lot.count, seed: l.seed, k } };
}

test('reveals of random lots verify (with and without the draw)', () => {
  fc.assert(
    fc.property(lotArb, (l) => {
      const { lot, rev, opts } = setup(l);
      assert.deepEqual(checkReveal(rev, opts), []);
      assert.deepEqual(checkReveal(rev, { root: lot.root, count: lot.count }), []);
      // Any subset in any order is a sound reveal when no draw is imposed.
      const all = reveal(
        lot,
        Array.from({ length: lot.count }, (_, i) => lot.count - 1 - i),
      );
      assert.deepEqual(checkReveal(all, { root: lot.root, count: lot.count }), []);
    }),
    { numRuns: 150 },
  );
});

type Mutation = (it: RevealedItem, rev: Reveal, pick: number) => boolean;

const flipHex = (h: string, pick: number): string => {
  const p = pick % h.length;
  const c = parseInt(h[p], 16) ^ (1 + (pick % 15));
  return h.slice(0, p) + c.toString(16) + h.slice(p + 1);
};

const MUTATIONS: Record<string, Mutation> = {
  descriptorValue: (it) => {
    it.descriptor.serial = `${String(it.descriptor.serial)}x`;
    return true;
  },
  descriptorAddKey: (it) => {
    it.descriptor.extra = 1;
    return true;
  },
  descriptorDropKey: (it) => {
    delete it.descriptor.serial;
    return true;
  },
  descriptorNotObject: (it) => {
    (it as unknown as Record<string, unknown>).descriptor = [it.descriptor];
    return true;
  },
  salt: (it, _r, pick) => {
    it.salt = flipHex(it.salt, pick);
    return true;
  },
  saltUppercase: (it) => {
    const up = it.salt.toUpperCase();
    if (up === it.salt) return false;
    it.salt = up;
    return true;
  },
  saltShort: (it) => {
    it.salt = it.salt.slice(2);
    return true;
  },
  commitment: (it, _r, pick) => {
    it.commitment = flipHex(it.commitment, pick);
    return true;
  },
  proofByte: (it, _r, pick) => {
    if (it.proof.length === 0) return false;
    const j = pick % it.proof.length;
    it.proof[j] = flipHex(it.proof[j], pick >> 3);
    return true;
  },
  proofDrop: (it, _r, pick) => {
    if (it.proof.length === 0) return false;
    it.proof.splice(pick % it.proof.length, 1);
    return true;
  },
  proofAdd: (it, _r, pick) => {
    it.proof.splice(pick % (it.proof.length + 1), 0, toHex(sha(`extra/${pick}`)));
    return true;
  },
  proofSwap: (it) => {
    if (it.proof.length < 2) return false;
    [it.proof[0], it.proof[1]] = [it.proof[1], it.proof[0]];
    return true;
  },
  proofNotArray: (it) => {
    (it as unknown as Record<string, unknown>).proof = it.proof.join('');
    return true;
  },
  indexOther: (it, rev, pick) => {
    if (rev.count < 2) return false;
    it.index = (it.index + 1 + (pick % (rev.count - 1))) % rev.count;
    return true;
  },
  indexOutOfRange: (it, rev, pick) => {
    it.index = pick % 2 === 0 ? rev.count + (pick % 5) : -1 - (pick % 5);
    return true;
  },
  indexNotInteger: (it, _r, pick) => {
    (it as unknown as Record<string, unknown>).index = [0.5 + it.index, String(it.index), null, undefined][pick % 4];
    return true;
  },
  dropItem: (it, rev) => {
    rev.items.splice(rev.items.indexOf(it), 1);
    return true;
  },
  duplicateItem: (it, rev) => {
    rev.items.push(structuredClone(it));
    return true;
  },
  replaceItem: (it, rev, pick) => {
    rev.items[rev.items.indexOf(it)] = [null, 7, 'x', [], {}][pick % 5] as unknown as RevealedItem;
    return true;
  },
  root: (_it, rev, pick) => {
    rev.root = flipHex(rev.root, pick);
    return true;
  },
  count: (_it, rev) => {
    rev.count += 1;
    return true;
  },
};

test('any mutation of a revealed descriptor, salt, commitment, proof or index is a finding, never an exception', () => {
  const names = Object.keys(MUTATIONS);
  const tally = new Map<string, number>();
  fc.assert(
    fc.property(lotArb, fc.constantFrom(...names), fc.nat(), fc.nat(), (l, name, which, pick) => {
      const { rev, opts } = setup(l);
      const it = rev.items[which % rev.items.length];
      if (!MUTATIONS[name](it, rev, pick)) return;
      tally.set(name, (tally.get(name) ?? 0) + 1);
      // Checked with the draw, and without it: the mutation must be caught by the opening and the proof alone,
      // except dropping an item (a sound reveal of fewer items when no draw is imposed).
      const withDraw = checkReveal(rev, opts);
      assert.ok(withDraw.length > 0, `${name} accepted with the draw`);
      for (const f of withDraw) assert.equal(f.code, 'COMMITMENT_MISMATCH');
      if (name !== 'dropItem') {
        const noDraw = checkReveal(rev, { root: opts.root, count: opts.count });
        assert.ok(noDraw.length > 0, `${name} accepted without the draw`);
      }
    }),
    { numRuns: 1500 },
  );
  for (const n of names) if (n !== 'saltUppercase') assert.ok((tally.get(n) ?? 0) > 0, `mutation ${n} never ran`);
});

test('checkReveal: garbage in, findings out; findings name the index', () => {
  const lot = exampleLot();
  const opts = { root: EX.root, count: 3 };
  fc.assert(
    fc.property(fc.anything(), (x) => {
      const f = checkReveal(x, opts);
      assert.ok(f.length > 0);
      const g = checkReveal({ format: 'tally/escrow/reveal/v1', root: EX.root, count: 3, items: [x] }, opts);
      assert.ok(g.length > 0);
    }),
    { numRuns: 500 },
  );
  const rev = reveal(lot, [1, 2]);
  rev.items[1].descriptor = { ...rev.items[1].descriptor, serial: '8K63-9999' };
  const f = checkReveal(rev, opts);
  assert.deepEqual(
    f.map((x) => [x.code, x.problem, x.index]),
    [['COMMITMENT_MISMATCH', 'DOES_NOT_OPEN', 2]],
  );
  // The wrong indices revealed: one not drawn, one drawn and unanswered.
  const wrong = reveal(lot, [0, 1]);
  const w = checkReveal(wrong, { ...opts, seed: EX.seed, k: 2 });
  assert.deepEqual(
    w.map((x) => [x.problem, x.index]),
    [
      ['NOT_CHALLENGED', 0],
      ['CHALLENGE_UNANSWERED', 2],
    ],
  );
  // A seed that does not open the logged seed commitment.
  const s = checkReveal(reveal(lot, drawChallenge(seq32(1), EX.root, 3, 2)), {
    ...opts,
    seed: seq32(1),
    k: 2,
    seedCommitment: EX.seedCommitment,
  });
  assert.deepEqual(
    s.map((x) => x.problem),
    ['SEED_MISMATCH'],
  );
  // Bad options are programming errors.
  assert.throws(() => checkReveal(rev, { root: 'xx', count: 3 }), /root must be 32 bytes/);
  assert.throws(() => checkReveal(rev, { ...opts, seed: EX.seed }), /seed and k/);
  assert.throws(() => checkReveal(rev, { ...opts, seed: EX.seed, k: 4 }), /k = 4/);
});

test('checkReveal: an unsorted lot and a doubly committed item are findings', () => {
  // A lot whose "root" is over unsorted commitments: proofs verify, but the order does not.
  const salts = [seq32(0), seq32(1), seq32(2)];
  const ds: Descriptor[] = [{ s: 'a' }, { s: 'b' }, { s: 'a' }];
  const cs = ds.map((d, i) => toHex(commitment(d, salts[i])));
  const order = [...cs.keys()].sort((a, b) => (cs[a] < cs[b] ? 1 : -1)); // descending
  const fake = {
    format: 'tally/escrow/secrets/v1' as const,
    class: 'x',
    count: 3,
    root: '',
    items: order.map((j, index) => ({ index, descriptor: ds[j], salt: toHex(salts[j]), commitment: cs[j] })),
  };
  // The root over the list as given (not sorted), built with the same Merkle code.
  const leafs = fake.items.map((it) =>
    createHash('sha256').update(Buffer.of(0)).update(fromHex(it.commitment)).digest(),
  );
  const node = (a: Uint8Array, b: Uint8Array): Uint8Array =>
    createHash('sha256').update(Buffer.of(1)).update(a).update(b).digest();
  fake.root = toHex(node(node(leafs[0], leafs[1]), leafs[2]));
  const rev = reveal(fake, [0, 1, 2]);
  const f = checkReveal(rev, { root: fake.root, count: 3 });
  assert.ok(f.some((x) => x.problem === 'NOT_SORTED'));
  assert.ok(f.some((x) => x.problem === 'DUPLICATE_DESCRIPTOR'));
  assert.ok(f.every((x) => x.code === 'COMMITMENT_MISMATCH'));
  assert.throws(() => loadSecrets(fake), /ascending/);
});

// ---------------------------------------------------------------------------
// Confidence

function binom(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
}

/** A BigInt fraction to a double, independently of the module's rounding (a few ulps). */
function fracToNumber(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  let n = num;
  let steps = 0;
  while (n < den) {
    n *= 10n ** 20n;
    steps++;
  }
  let v = Number((n * 10n ** 40n) / den) / 1e40;
  for (let i = 0; i < steps; i++) v /= 1e20;
  return v;
}

test('survivalProbability: C(n-f, k) / C(n, k) exactly for small n', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
      const f = a % (n + 1);
      const k = b % (n + 1);
      const { num, den } = survivalFraction(n, f, k);
      assert.equal(num * binom(n, k), den * binom(n - f, k));
      const want = fracToNumber(binom(n - f, k), binom(n, k));
      const got = survivalProbability(n, f, k);
      assert.ok(
        want === 0 ? got === 0 : Math.abs(got - want) / want < 1e-13,
        `n=${n} f=${f} k=${k}: ${got} vs ${want}`,
      );
    }),
    { numRuns: 500 },
  );
  assert.equal(survivalProbability(42, 1, 38), 4 / 42);
  assert.equal(survivalProbability(10, 0, 10), 1);
  assert.equal(survivalProbability(10, 10, 1), 0);
  assert.equal(survivalProbability(10, 5, 6), 0);
  assert.throws(() => survivalProbability(10, 11, 1), /f must/);
  assert.throws(() => survivalProbability(0, 0, 0), /n must/);
});

test('survivalProbability: the floating path (min(k, f) > 10^4) agrees with the exact fraction', () => {
  for (const [n, f, k] of [
    [1_000_000, 11_000, 11_000],
    [5_000_000, 20_000, 40_000],
    [200_000, 10_001, 12_000],
  ]) {
    const { num, den } = survivalFraction(n, f, k);
    const want = fracToNumber(num, den);
    const got = survivalProbability(n, f, k);
    assert.ok(Math.abs(got - want) / want < 1e-9, `n=${n} f=${f} k=${k}: ${got} vs ${want}`);
  }
  assert.equal(survivalProbability(1e9, 5e8, 5e8), 0); // underflows
});

test('challengesNeeded: f = 1 is k = ceil(confidence * n) exactly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.constantFrom(0.9, 0.95, 0.99, 0.5, 0.999), (n, c) => {
      const { num, den } = confidenceFraction(c);
      const k = challengesNeeded(n, 1, c);
      assert.ok(BigInt(k) * den >= num * BigInt(n) && BigInt(k - 1) * den < num * BigInt(n));
      if (n <= 10_000) {
        // The general search agrees with the closed form.
        const s = survivalFraction(n, 1, k);
        assert.ok(s.num * den <= (den - num) * s.den);
        if (k > 0) {
          const p = survivalFraction(n, 1, k - 1);
          assert.ok(p.num * den > (den - num) * p.den);
        }
      }
    }),
    { numRuns: 300 },
  );
  assert.equal(challengesNeeded(100, 1, 0.9), 90); // exactly 90 %, not 91 for the double nearest 0.9
  assert.deepEqual(confidenceFraction(0.95), { num: 95n, den: 100n });
  assert.deepEqual(confidenceFraction(1e-7), { num: 1n, den: 10_000_000n });
  assert.throws(() => confidenceFraction(1), /confidence/);
  assert.throws(() => challengesNeeded(10, 0, 0.9), /f must/);
});

test('challengesNeeded: minimal k (exact check) for random n, f', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.constantFrom(0.9, 0.95, 0.99), (n, a, c) => {
      const f = 1 + (a % n);
      const k = challengesNeeded(n, f, c);
      const { num, den } = confidenceFraction(c);
      const caught = (kk: number): boolean => binom(n - f, kk) * den <= (den - num) * binom(n, kk);
      assert.ok(caught(k));
      if (k > 0) assert.ok(!caught(k - 1));
    }),
    { numRuns: 300 },
  );
  // Large n: the floating search, checked exactly around its answer.
  for (const [n, f, c] of [
    [1_000_000, 50_000, 0.99],
    [123_456_789, 6_172_840, 0.95],
    [1e9, 2, 0.99],
    [250_000, 3, 0.9],
  ] as const) {
    const k = challengesNeeded(n, f, c);
    const { num, den } = confidenceFraction(c);
    const s = survivalFraction(n, f, k);
    assert.ok(s.num * den <= (den - num) * s.den, `n=${n} f=${f}`);
    const p = survivalFraction(n, f, k - 1);
    assert.ok(p.num * den > (den - num) * p.den, `n=${n} f=${f}`);
  }
});

const TABLE: [number, number, number, number, number][] = [
  [42, 1, 38, 40, 42],
  [42, 3, 22, 26, 33],
  [100, 1, 90, 95, 99],
  [100, 5, 37, 45, 59],
  [1000, 1, 900, 950, 990],
  [1000, 50, 44, 57, 86],
  [10000, 1, 9000, 9500, 9900],
  [10000, 500, 45, 59, 90],
];

test('the confidence table of docs/escrow.md', () => {
  for (const [n, f, k90, k95, k99] of TABLE) {
    assert.equal(f === 1 ? 1 : Math.ceil(n / 20), f);
    assert.deepEqual(
      [0.9, 0.95, 0.99].map((c) => challengesNeeded(n, f, c)),
      [k90, k95, k99],
      `n=${n} f=${f}`,
    );
  }
  // The doc's table rows, parsed: | n | f | k90 | k95 | k99 | ...
  const rows = [
    ...DOC.matchAll(/^\| *([\d,]+) *\| *(\d[\d,]*) *\| *(\d[\d,]*) *\| *(\d[\d,]*) *\| *(\d[\d,]*) *\|/gm),
  ].map((m) => m.slice(1, 6).map((s) => Number(s.replaceAll(',', ''))));
  assert.deepEqual(rows, TABLE);
});
