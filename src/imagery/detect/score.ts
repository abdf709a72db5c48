/**
 * Step 8 of the detector, the score. 'model': the boosted trees of
 * score-model.txt (learned by scripts/imagery-train.ts from scenes drawn from
 * the accuracy table with other seeds than the evaluation's), over the
 * features of features.ts; detections under the file's threshold (where
 * precision and recall meet on scenes the trees were not trained on) are
 * dropped. 'shape': contrast and the fit to the declared size only, no
 * learned weights, under SHAPE_MIN_SCORE dropped.
 *
 * The model file is read once, on first use, and kept. It lives in the
 * source tree (dist/ holds only compiled code): its path is resolved from
 * this module's place in dist/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompiledTrees } from './boost.js';
import type { Candidate } from './candidate.js';
import { SCORE_FEATURES } from './features.js';
import { parseScoreModel, type ScoreModelFile } from './model-file.js';
import type { DeclaredClass } from './options.js';
import { FIT_SPAN, SHAPE_CONTRAST_T, SHAPE_CONTRAST_WEIGHT, SHAPE_SIZE_WEIGHT } from './params.js';

/** The shipped model file (from dist/src/imagery/detect/, up to the repository and down into src/). */
export const SCORE_MODEL_PATH = fileURLToPath(
  new URL('../../../../src/imagery/detect/score-model.txt', import.meta.url),
);

/** The model ready to score: its trees and its default floor. */
export interface ScoreModel {
  trees: CompiledTrees;
  threshold: number;
  file: ScoreModelFile;
}

let loaded: ScoreModel | null = null;

/** Reads and checks a model file: its features must be the ones the detector computes, in order. */
export function loadScoreModel(path: string): ScoreModel {
  const file = parseScoreModel(readFileSync(path, 'utf8'), path);
  const names = file.trees.features;
  if (names.length !== SCORE_FEATURES.length || names.some((f, i) => f !== SCORE_FEATURES[i])) {
    throw new Error(
      `detect: the score model expects features [${names.join(', ')}], the detector computes [${SCORE_FEATURES.join(', ')}]`,
    );
  }
  return { trees: new CompiledTrees(file.trees), threshold: file.threshold, file };
}

/** The shipped model, read on first use. */
export function scoreModel(): ScoreModel {
  if (!loaded) loaded = loadScoreModel(SCORE_MODEL_PATH);
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
