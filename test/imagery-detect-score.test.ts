/**
 * The score model's file and its loader on their own
 * (src/imagery/detect/model-file.ts, score.ts): the shipped file reads once
 * and is kept, text and numbers survive a round trip exactly, and a file out
 * of place is refused with the line that is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatScoreModel,
  parseScoreModel,
  parseSeeds,
  seedRanges,
  type ScoreModelFile,
} from '../src/imagery/detect/model-file.js';
import { loadScoreModel, SCORE_MODEL_PATH, scoreModel } from '../src/imagery/detect/score.js';
import { SCORE_FEATURES } from '../src/imagery/detect/features.js';
import type { BoostedTrees } from '../src/imagery/detect/boost.js';

const shipped = readFileSync(SCORE_MODEL_PATH, 'utf8');

function small(features: string[] = ['a', 'b']): ScoreModelFile {
  const trees: BoostedTrees = {
    format: 'tally-boost/v1',
    features,
    base: -0.123456789,
    trees: [
      {
        feature: [0, -1, -1],
        threshold: [0.5000000001, 0, 0],
        left: [1, -1, -1],
        right: [2, -1, -1],
        value: [0, -1e-9, 2 / 3],
      },
      { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0.25] },
    ],
  };
  return {
    trees,
    threshold: 0.35,
    table: [{ threshold: 0.35, precision: 0.9, recall: 0.8 }],
    training: {
      seeds: [1, 2, 3, 5],
      heldOut: [7],
      folds: [
        [1, 2],
        [3, 5],
      ],
      boost: { iterations: 2, learningRate: 0.1, maxLeaves: 3, minLeaf: 1, l2: 1, bins: 255 },
      candidates: 10,
      positives: 4,
      scenes: 2,
    },
  };
}

test('the shipped model reads once and is kept; it names the detector features and a floor', () => {
  const a = scoreModel();
  assert.equal(scoreModel(), a);
  assert.deepEqual(a.file.trees.features, [...SCORE_FEATURES]);
  assert.ok(a.threshold > 0 && a.threshold < 1);
  assert.equal(a.trees.size, a.file.training.boost.iterations);
  assert.match(shipped, /^command node dist\/scripts\/imagery-train\.js --seeds \S+ --folds \d+ --iterations \d+$/m);
});

test('the shipped text reads back and writes out the same, number for number', () => {
  const file = parseScoreModel(shipped);
  assert.equal(formatScoreModel(file), shipped);
  // written from what it read: the same doubles
  const again = parseScoreModel(formatScoreModel(file));
  assert.deepEqual(again, file);
});

test('numbers are written at seven significant digits and read back as written', () => {
  const text = formatScoreModel(small());
  assert.match(text, /^base -0\.1234568$/m);
  assert.match(text, /^tree f0<=0\.5\?1:2 =-1e-9 =0\.6666667$/m);
  assert.match(text, /^feature +0 a 1$/m);
  assert.match(text, /^seeds 1-3 5$/m);
  assert.match(text, /^folds 1-2 3,5$/m);
  const back = parseScoreModel(text);
  assert.equal(back.trees.base, -0.1234568);
  assert.deepEqual(back.trees.trees[0].value, [0, -1e-9, 0.6666667]);
  assert.deepEqual(back.trees.trees[1], small().trees.trees[1]);
  assert.deepEqual(back.training, small().training);
  assert.equal(formatScoreModel(back), text);
});

test('seeds as ranges and back', () => {
  assert.equal(seedRanges([101, 102, 103, 105, 107, 108]), '101-103 105 107-108');
  assert.deepEqual(parseSeeds('101-103,105 107-108'), [101, 102, 103, 105, 107, 108]);
  assert.throws(() => parseSeeds('101-x'), /ranges like 101-108/);
});

test('a file out of place is refused, naming the line', () => {
  const text = formatScoreModel(small());
  const lineOf = (s: string): number => text.split('\n').findIndex((l) => l.startsWith(s)) + 1;
  const cases: [string, RegExp][] = [
    [text.replace('format tally-score-model/1', 'format tally-score-model/2'), /:5: format "tally-score-model\/2"/],
    [text.replace('tree f0<=0.5?1:2', 'tree f0<0.5?1:2'), new RegExp(`:${lineOf('tree f0')}: node "f0<0.5\\?1:2"`)],
    [text.replace('=0.6666667', '=x'), /"x" is not a number/],
    [text.replace(/feature +0 a 1/, 'feature 0 a 2'), /feature a is tested by 1 splits, the file says 2/],
    [text.replace('trees 2', 'trees 3'), /ended where "tree" was expected/],
    [text.replace('trees 2', 'trees 1'), /more than the 1 trees declared/],
    [text.replace('threshold 0.35', 'floor 0.35'), /expected "threshold", found "floor"/],
  ];
  for (const [bad, message] of cases) assert.throws(() => parseScoreModel(bad, 'model.txt'), message);
});

test('a model over other features than the detector computes is refused at load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-score-'));
  const path = join(dir, 'model.txt');
  writeFileSync(path, formatScoreModel(small()));
  assert.throws(
    () => loadScoreModel(path),
    /the score model expects features \[a, b\], the detector computes \[logPeak/,
  );
  writeFileSync(path, formatScoreModel(small([...SCORE_FEATURES])));
  const m = loadScoreModel(path);
  assert.equal(m.threshold, 0.35);
  // the second tree is a single leaf: 0.25 more log-odds, whatever the input
  const x = new Float64Array(SCORE_FEATURES.length);
  assert.equal(m.trees.raw(x), -0.1234568 + -1e-9 + 0.25);
});
