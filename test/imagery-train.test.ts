import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  trainingSet,
  modelFile,
  thresholdTable,
  thresholdCounts,
  balancedThreshold,
  crossValidatedTable,
} from '../scripts/imagery-train.js';
import { trainBoostedTrees } from '../src/imagery/detect/boost-train.js';
import { parseScoreModel, SCORE_FEATURES, scoreModel } from '../src/imagery/detect/index.js';

test('the shipped score model names the features the detector computes', () => {
  const { file, trees } = scoreModel();
  assert.deepEqual(file.trees.features, [...SCORE_FEATURES]);
  const p = trees.probability(new Float64Array(SCORE_FEATURES.length));
  assert.ok(p > 0 && p < 1);
});

test('training rows: candidates of generated scenes labelled by the matching distance, in a fixed order', async () => {
  const a = await trainingSet([201], 6);
  const b = await trainingSet([201], 6);
  assert.equal(a.scenes, 6);
  assert.ok(a.rows > 20, `${a.rows} candidates`);
  assert.ok(a.positives > 0 && a.positives < a.rows, `${a.positives} of ${a.rows} on a true object`);
  assert.equal(a.X.length, a.rows * SCORE_FEATURES.length);
  assert.deepEqual(Array.from(a.y), Array.from(b.y));
  assert.deepEqual(Array.from(a.X), Array.from(b.X));
  assert.equal(a.sceneRefs.length, 6);
  assert.equal(a.sceneRefs[5].b, a.rows);
  const model = trainBoostedTrees(a.X, a.y, [...SCORE_FEATURES], { iterations: 5, minLeaf: 2 });
  const table = thresholdTable(model, a, [0.2, 0.5, 0.8]);
  assert.equal(table.length, 3);
  for (const r of table) assert.ok(r.precision >= 0 && r.precision <= 1 && r.recall >= 0 && r.recall <= 1);
  // a higher floor never finds more
  assert.ok(table[0].recall >= table[2].recall);
  const chosen = balancedThreshold(table);
  const text = modelFile(model, [201], a, chosen, table, [[201]], { iterations: 5, minLeaf: 2 });
  assert.match(text, new RegExp(`^threshold ${chosen.threshold}$`, 'm'));
  assert.match(text, /^command node dist\/scripts\/imagery-train.js --seeds 201 --folds 1 --iterations 5$/m);
  assert.match(text, /^held-out 19621028 7$/m);
  assert.match(text, /^boost iterations=5 learningRate=0.05 maxLeaves=15 minLeaf=2 l2=1 bins=255$/m);
  assert.match(text, new RegExp(`^trained-on candidates=${a.rows} positives=${a.positives} scenes=6$`, 'm'));
  // the file reads back: its trees, features, floor and table
  const back = parseScoreModel(text);
  assert.equal(back.trees.trees.length, 5);
  assert.deepEqual(back.trees.features, [...SCORE_FEATURES]);
  assert.equal(back.threshold, chosen.threshold);
  assert.equal(back.table.length, 3);
});

test('the floor is chosen on out-of-fold scores: each group of seeds scored by trees trained on the others', async () => {
  const set = await trainingSet([201, 202], 4);
  const boost = { iterations: 5, minLeaf: 2 };
  const th = [0.2, 0.5];
  const { table, groups } = crossValidatedTable(set, [201, 202], 2, boost, th);
  assert.deepEqual(groups, [[201], [202]]);
  // by hand: seed 202's scenes train the trees for seed 201's, and the other way round
  const a = await trainingSet([201], 4),
    b = await trainingSet([202], 4);
  const ca = thresholdCounts(trainBoostedTrees(b.X, b.y, [...SCORE_FEATURES], boost), a, th);
  const cb = thresholdCounts(trainBoostedTrees(a.X, a.y, [...SCORE_FEATURES], boost), b, th);
  th.forEach((t, k) => {
    const tp = ca[k].tp + cb[k].tp,
      fp = ca[k].fp + cb[k].fp,
      fn = ca[k].fn + cb[k].fn;
    assert.equal(table[k].threshold, t);
    assert.equal(table[k].precision, tp + fp ? tp / (tp + fp) : 1);
    assert.equal(table[k].recall, tp + fn ? tp / (tp + fn) : 1);
  });
});

test('the evaluation seed and the held-out seed are never trained on', async () => {
  await assert.rejects(trainingSet([19621028], 1), /held out/);
  await assert.rejects(trainingSet([7], 1), /held out/);
});
