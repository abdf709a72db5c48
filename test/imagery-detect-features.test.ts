/**
 * The score's feature table on its own (src/imagery/detect/features.ts): one
 * entry per feature, names unique and those the model file names, and each
 * name reading the quantity it says (changing one input moves the features
 * named for it, and no other).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Candidate,
  FOUND_LOOSE,
  FOUND_LOW,
  FOUND_RAISED,
  FOUND_SIDE,
  FOUND_SPLIT,
  FOUND_TRIM,
  FOUND_WIDE,
} from '../src/imagery/detect/candidate.js';
import { FEATURES, featureVector, SCORE_FEATURES, type FeatureInput } from '../src/imagery/detect/features.js';
import { declaredClass } from '../src/imagery/detect/options.js';
import { scoreModel } from '../src/imagery/detect/score.js';
import type { Refined } from '../src/imagery/detect/refine.js';

const cls = declaredClass({ gsd: { x: 0.5, y: 0.5 }, lengthM: [20, 25], widthM: [2.7, 3.3] });

function candidate(extra: Partial<Candidate> = {}): Candidate {
  return {
    area: 66,
    cx: 50.5,
    cy: 40.5,
    L: 22,
    W: 3,
    ux: 1,
    uy: 0,
    peak: 12,
    polarity: 'bright',
    pixels: new Int32Array(0),
    shape: { rect: 0.9, wcv: 0.1, zcv: 0.2 },
    flags: 0,
    componentPx: 300,
    shadowCut: { step: 0, fit: 0 },
    pair: { stag: 0, wpair: 0 },
    parentL: 22,
    parentW: 3,
    rootL: 22,
    rootW: 3,
    ...extra,
  };
}

const fit: Refined = {
  cx: 50.6,
  cy: 40.4,
  L: 22.5,
  W: 2.9,
  C: 20,
  sigma: 0.4,
  rms: 0.05,
  shadowAcross: -0.2,
  shadowAcrossM: 1.5,
  shadowAlong: -0.1,
  baseAcross: 0.01,
  baseAlong: 0.02,
  endLo: -11,
  endHi: 11,
};

function input(extra: Partial<FeatureInput> = {}): FeatureInput {
  const c = candidate();
  return {
    cls,
    T: 4,
    found: c,
    placed: c,
    fit: null,
    moved: 0,
    reach: null,
    sunKnown: false,
    sunFrac: [-1, -1],
    shadowRatio: NaN,
    levels: { noiseRatio: 0.02, body: 1.3, anti: 0.95, sun: 1.01, endPlus: 1.02, endMinus: 0.99, beyondShadow: 1 },
    ...extra,
  };
}

/** The features whose values differ between two inputs. */
function moved(a: FeatureInput, b: FeatureInput): string[] {
  const va = featureVector(a),
    vb = featureVector(b);
  return SCORE_FEATURES.filter((_, k) => !Object.is(va[k], vb[k]));
}

test('one entry per feature: names unique, the vector in their order, the model names the same', () => {
  assert.equal(new Set(SCORE_FEATURES).size, SCORE_FEATURES.length);
  assert.deepEqual(
    [...SCORE_FEATURES],
    FEATURES.map((f) => f.name),
  );
  assert.equal(featureVector(input()).length, SCORE_FEATURES.length);
  assert.deepEqual(scoreModel().file.trees.features, [...SCORE_FEATURES]);
  assert.ok(Object.isFrozen(SCORE_FEATURES));
});

test('each way of being found moves its own feature only', () => {
  const bits: [number, string][] = [
    [FOUND_SPLIT, 'split'],
    [FOUND_TRIM, 'shadowTrimmed'],
    [FOUND_RAISED, 'raisedCut'],
    [FOUND_LOOSE, 'looseSize'],
    [FOUND_WIDE, 'tooWide'],
    [FOUND_SIDE, 'sideBySide'],
    [FOUND_LOW, 'lowThreshold'],
  ];
  for (const [bit, name] of bits) {
    const c = candidate({ flags: bit });
    const v = featureVector(input({ found: c, placed: c }));
    assert.deepEqual(moved(input(), input({ found: c, placed: c })), [name]);
    assert.equal(v[SCORE_FEATURES.indexOf(name)], 1);
  }
});

test('each named quantity moves the features named for it', () => {
  const base = input();
  const cases: [string, FeatureInput, string[]][] = [
    ['peak', input({ placed: candidate({ peak: 20 }) }), ['logPeak']],
    ['too short', input({ placed: candidate({ L: 17 }) }), ['shortL', 'relL']],
    ['too long', input({ placed: candidate({ L: 30 }) }), ['longL', 'relL']],
    ['too narrow', input({ placed: candidate({ W: 1.5 }) }), ['narrowW', 'relW', 'widthPx']],
    ['too wide', input({ placed: candidate({ W: 4 }) }), ['wideW', 'relW']],
    ['rectangularity', input({ placed: candidate({ shape: { rect: 0.7, wcv: 0.1, zcv: 0.2 } }) }), ['rectangularity']],
    ['width variation', input({ placed: candidate({ shape: { rect: 0.9, wcv: 0.3, zcv: 0.2 } }) }), ['widthVariation']],
    ['component', input({ placed: candidate({ componentPx: 900 }) }), ['logComponentOverArea']],
    ['shadow step', input({ placed: candidate({ shadowCut: { step: 0.4, fit: 0 } }) }), ['shadowStep']],
    ['shadow by fit', input({ placed: candidate({ shadowCut: { step: 0, fit: 1 } }) }), ['shadowByFit']],
    ['stagger', input({ placed: candidate({ pair: { stag: 2, wpair: 0 } }) }), ['sideStagger']],
    ['pair width', input({ placed: candidate({ pair: { stag: 0, wpair: 0.5 } }) }), ['sidePairWidth']],
    ['parent length', input({ found: candidate({ parentL: 40 }) }), ['parentRelL', 'unexplainedL']],
    ['parent width', input({ found: candidate({ parentW: 6 }) }), ['parentRelW', 'unexplainedW']],
    ['root length', input({ found: candidate({ rootL: 40 }) }), ['rootRelL']],
    ['root width', input({ found: candidate({ rootW: 6 }) }), ['rootRelW']],
    ['sun side', input({ sunFrac: [0.5, -1] }), ['sunSideBright']],
    ['anti side', input({ sunFrac: [-1, 0.5] }), ['antiSideBright']],
    ['reach, bright', input({ reach: [2, 3] }), ['shadowReachAcross', 'shadowReachAlong']],
    ['end plus', input({ levels: { ...base.levels, endPlus: 1.5 } }), ['beyondEndMore']],
    ['end minus', input({ levels: { ...base.levels, endMinus: 0.5 } }), ['beyondEndLess']],
    ['beyond shadow', input({ levels: { ...base.levels, beyondShadow: 1.2 } }), ['beyondShadow']],
  ];
  for (const [what, changed, names] of cases) assert.deepEqual(moved(base, changed), names, what);
  // a dark candidate's reach also explains its region's size
  const dark = candidate({ polarity: 'dark' });
  assert.deepEqual(moved(input({ found: dark, placed: dark }), input({ found: dark, placed: dark, reach: [2, 3] })), [
    'shadowReachAcross',
    'shadowReachAlong',
    'unexplainedW',
    'unexplainedL',
  ]);
});

test('the fit, the sun and the shadow ratio move their features, with the values they say', () => {
  const f = input({ fit, moved: 0.2 });
  const v = featureVector(f);
  const at = (name: string): number => v[SCORE_FEATURES.indexOf(name)];
  assert.equal(at('fitOk'), 1);
  assert.equal(at('fitLogContrast'), Math.log(20));
  assert.equal(at('fitSigmaPx'), 0.4 / 0.5);
  assert.equal(at('fitRms'), 0.05);
  assert.equal(at('fitLengthRatio'), 22.5 / 22);
  assert.equal(at('fitWidthRatio'), 2.9 / 3);
  assert.equal(at('fitMovePx'), 0.2 / 0.5);
  assert.equal(at('fitShadowAcross'), -0.2);
  assert.equal(at('fitShadowAcrossPx'), 1.5 / 0.5);
  assert.equal(at('fitShadowAlong'), -0.1);
  assert.equal(at('fitBaseAcross'), 0.01);
  assert.equal(at('fitBaseAlong'), 0.02);
  // without a fit: 0, and 1 for the ratios
  const none = featureVector(input());
  assert.equal(none[SCORE_FEATURES.indexOf('fitOk')], 0);
  assert.equal(none[SCORE_FEATURES.indexOf('fitLengthRatio')], 1);
  // the sun's azimuth: the strips on either side compared; a shadow ratio known as well: both against it
  assert.deepEqual(moved(input(), input({ sunKnown: true })), ['antiVsSun']);
  assert.deepEqual(moved(input({ sunKnown: true }), input({ sunKnown: true, shadowRatio: 0.6 })), [
    'shadowRatioKnown',
    'antiVsShadowRatio',
    'bodyVsShadowRatio',
  ]);
  // levels in noise units, capped
  const s = featureVector(input({ sunKnown: true, shadowRatio: 0.6 }));
  assert.equal(s[SCORE_FEATURES.indexOf('antiVsShadowRatio')], (0.95 - 0.6) / 0.02);
  assert.equal(s[SCORE_FEATURES.indexOf('bodyVsShadowRatio')], (1.3 - 0.6) / 0.02);
  const bright = input({ sunKnown: true, shadowRatio: 0.6, levels: { ...input().levels, body: 2 } });
  assert.equal(featureVector(bright)[SCORE_FEATURES.indexOf('bodyVsShadowRatio')], 50);
});
