/**
 * Boosted trees (src/imagery/detect/boost.ts, boost-train.ts): learns a
 * non-linear rule a linear one cannot, survives JSON, rejects malformed
 * models by tree and node, trains deterministically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledTrees, type BoostedTrees } from '../src/imagery/detect/boost.js';
import { trainBoostedTrees } from '../src/imagery/detect/boost-train.js';
import { Random } from '../src/scenario/random.js';

/** The project's seeded generator, so the data are the same on every run. */
function generator(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

const FEATURES = ['a', 'b', 'noise1', 'noise2', 'noise3', 'noise4'];

/** XOR of the signs of a and b; the other features are noise. */
function xorData(n: number, seed: number): { X: Float64Array; y: Uint8Array } {
  const random = generator(seed);
  const d = FEATURES.length;
  const X = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) X[i * d + f] = random() * 2 - 1;
    y[i] = X[i * d] > 0 !== X[i * d + 1] > 0 ? 1 : 0;
  }
  return { X, y };
}

function accuracy(predict: (x: Float64Array) => number, X: Float64Array, y: Uint8Array): number {
  const d = X.length / y.length;
  let right = 0;
  for (let i = 0; i < y.length; i++) {
    if ((predict(X.subarray(i * d, (i + 1) * d)) >= 0.5 ? 1 : 0) === y[i]) right++;
  }
  return right / y.length;
}

/** Least-squares linear rule w·x + c >= 0.5, by the normal equations. */
function linearRule(X: Float64Array, y: Uint8Array): (x: Float64Array) => number {
  const n = y.length,
    d = X.length / n,
    m = d + 1;
  const A = Array.from({ length: m }, () => new Float64Array(m + 1));
  for (let i = 0; i < n; i++) {
    const row = [...X.subarray(i * d, (i + 1) * d), 1];
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) A[r][c] += row[r] * row[c];
      A[r][m] += row[r] * y[i];
    }
  }
  for (let p = 0; p < m; p++) {
    for (let r = p + 1; r < m; r++) {
      const k = A[r][p] / A[p][p];
      for (let c = p; c <= m; c++) A[r][c] -= k * A[p][c];
    }
  }
  const w = new Float64Array(m);
  for (let r = m - 1; r >= 0; r--) {
    let s = A[r][m];
    for (let c = r + 1; c < m; c++) s -= A[r][c] * w[c];
    w[r] = s / A[r][r];
  }
  return (x) => {
    let s = w[d];
    for (let f = 0; f < d; f++) s += w[f] * x[f];
    return s;
  };
}

const train = xorData(3000, 1);
const heldOut = xorData(2000, 2);
const model = trainBoostedTrees(train.X, train.y, FEATURES, { iterations: 150, learningRate: 0.1 });

test('boosted trees learn XOR on held-out rows, where a linear rule cannot', () => {
  const compiled = new CompiledTrees(model);
  const boosted = accuracy((x) => compiled.probability(x), heldOut.X, heldOut.y);
  const linear = accuracy(linearRule(train.X, train.y), heldOut.X, heldOut.y);
  assert.ok(boosted > 0.95, `boosted accuracy ${boosted}`);
  assert.ok(linear < 0.65, `linear accuracy ${linear}`);
  assert.ok(
    model.trees.every((t) => t.value.filter((_, i) => t.feature[i] < 0).length <= 15),
    'at most 15 leaves a tree',
  );
});

test('probabilities lie strictly between 0 and 1 and are the logistic of raw', () => {
  const compiled = new CompiledTrees(model);
  const d = FEATURES.length;
  for (let i = 0; i < heldOut.y.length; i++) {
    const x = heldOut.X.subarray(i * d, (i + 1) * d);
    const p = compiled.probability(x);
    assert.ok(p > 0 && p < 1, `p = ${p}`);
    assert.ok(Math.abs(p - 1 / (1 + Math.exp(-compiled.raw(x)))) < 1e-12);
  }
});

test('a model round-trips through JSON with identical predictions', () => {
  const copy = JSON.parse(JSON.stringify(model)) as BoostedTrees;
  const a = new CompiledTrees(model),
    b = new CompiledTrees(copy);
  assert.deepEqual(b.features, FEATURES);
  const d = FEATURES.length;
  for (let i = 0; i < heldOut.y.length; i++) {
    const x = heldOut.X.subarray(i * d, (i + 1) * d);
    assert.equal(b.raw(x), a.raw(x));
  }
});

test('training is deterministic', () => {
  const again = trainBoostedTrees(train.X, train.y, FEATURES, { iterations: 150, learningRate: 0.1 });
  assert.equal(JSON.stringify(again), JSON.stringify(model));
});

/** base 0.5; tree 0 splits feature 1 at 2; tree 1 is a single leaf. */
function handModel(): BoostedTrees {
  return {
    format: 'tally-boost/v1',
    features: ['u', 'v'],
    base: 0.5,
    trees: [
      { feature: [1, -1, -1], threshold: [2, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, -1, 1] },
      { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0.25] },
    ],
  };
}

test('inference follows the model: left when <= threshold, and NaN goes left', () => {
  const compiled = new CompiledTrees(handModel());
  assert.equal(compiled.raw([0, 2]), 0.5 - 1 + 0.25);
  assert.equal(compiled.raw([0, 2.5]), 0.5 + 1 + 0.25);
  assert.equal(compiled.raw([0, NaN]), 0.5 - 1 + 0.25);
  assert.throws(() => compiled.raw([1]), /input has 1 values/);
});

test('a malformed model is rejected with the tree and node named', () => {
  const bad = (edit: (m: BoostedTrees) => void): BoostedTrees => {
    const m = handModel();
    edit(m);
    return m;
  };
  assert.throws(
    () =>
      new CompiledTrees(
        bad((m) => {
          m.trees[0].right[0] = 7;
        }),
      ),
    /tree 0, node 0: right child 7 is out of range/,
  );
  assert.throws(
    () =>
      new CompiledTrees(
        bad((m) => {
          m.trees[0].feature[0] = 2;
        }),
      ),
    /tree 0, node 0: feature 2 is out of range/,
  );
  assert.throws(
    () =>
      new CompiledTrees(
        bad((m) => {
          // Node 2 points back at the root.
          m.trees[1] = {
            feature: [0, -1, 0],
            threshold: [1, 0, 1],
            left: [1, -1, 0],
            right: [2, -1, 1],
            value: [0, 1, 0],
          };
        }),
      ),
    /tree 1, node 2: left child 0 is reached twice/,
  );
  assert.throws(
    () =>
      new CompiledTrees(
        bad((m) => {
          m.trees[1].value[0] = NaN;
        }),
      ),
    /tree 1, node 0: leaf value NaN/,
  );
  assert.throws(
    () =>
      new CompiledTrees(
        bad((m) => {
          m.trees[1].left = [];
        }),
      ),
    /tree 1: left has 0 entries/,
  );
  assert.throws(
    () =>
      new CompiledTrees(
        bad((m) => {
          (m as { format: string }).format = 'other';
        }),
      ),
    /format/,
  );
});

test('training rejects inconsistent input', () => {
  assert.throws(() => trainBoostedTrees(new Float64Array(5), new Uint8Array(2), ['a', 'b']), /X has 5 values/);
  assert.throws(() => trainBoostedTrees(new Float64Array(2), new Uint8Array(2), ['a']), /both classes/);
});

test('NaN in training data is binned with the lowest values, as inference sends it left', () => {
  const random = generator(3);
  const n = 1000;
  const X = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    X[i] = i % 10 === 0 ? NaN : random() * 2 - 1;
    y[i] = Number.isNaN(X[i]) || X[i] < 0 ? 1 : 0;
  }
  const compiled = new CompiledTrees(trainBoostedTrees(X, y, ['a'], { iterations: 50, learningRate: 0.2 }));
  assert.ok(compiled.probability([NaN]) > 0.9, `NaN: ${compiled.probability([NaN])}`);
  assert.ok(compiled.probability([-0.5]) > 0.9);
  assert.ok(compiled.probability([0.5]) < 0.1);
});
