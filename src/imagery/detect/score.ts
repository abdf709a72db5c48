/**
 * Step 8 of the detector, the score. 'model': the boosted trees of
 * detect-model.ts (learned by scripts/imagery-train.ts from scenes drawn from
 * the accuracy table with other seeds than the evaluation's), over the
 * features of features.ts; detections under its threshold (where precision
 * and recall meet on scenes the trees were not trained on) are dropped.
 * 'shape': contrast and the fit to the declared size only, no learned
 * weights, under SHAPE_MIN_SCORE dropped.
 */
import { CompiledTrees } from './boost.js';
import type { Candidate } from './candidate.js';
import { SCORE_FEATURES } from './features.js';
import type { DeclaredClass } from './options.js';
import { FIT_SPAN, SHAPE_CONTRAST_T, SHAPE_CONTRAST_WEIGHT, SHAPE_SIZE_WEIGHT } from './params.js';
import { SCORE_THRESHOLD, SCORE_TREES } from '../detect-model.js';

/** The model ready to score: its trees and its default floor. */
export interface ScoreModel {
  trees: CompiledTrees;
  threshold: number;
}

let loaded: ScoreModel | null = null;

/** The second-stage model, checked against the features this detector computes. */
export function scoreModel(): ScoreModel {
  if (loaded) return loaded;
  const m = new CompiledTrees(SCORE_TREES);
  if (m.features.length !== SCORE_FEATURES.length || m.features.some((f, i) => f !== SCORE_FEATURES[i])) {
    throw new Error(
      `detect: the score model expects features [${m.features.join(', ')}], the detector computes [${SCORE_FEATURES.join(', ')}]`,
    );
  }
  loaded = { trees: m, threshold: SCORE_THRESHOLD };
  return loaded;
}

/** The shape score: contrast over the threshold, and the fit of length and width to the declared range. */
export function shapeScore(cls: DeclaredClass, T: number, c: Candidate): number {
  const { lmin, lmax, wmin, wmax, tolL, tolW } = cls;
  const lm = (lmin + lmax) / 2,
    wm = (wmin + wmax) / 2;
  const fl = Math.max(0, 1 - Math.abs(c.L - lm) / ((lmax - lmin) / 2 + FIT_SPAN * tolL));
  const fw = Math.max(0, 1 - Math.abs(c.W - wm) / ((wmax - wmin) / 2 + FIT_SPAN * tolW));
  return (
    SHAPE_CONTRAST_WEIGHT * (1 - Math.exp(-c.peak / (SHAPE_CONTRAST_T * T))) +
    SHAPE_SIZE_WEIGHT * fl +
    SHAPE_SIZE_WEIGHT * fw
  );
}
