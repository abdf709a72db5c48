/**
 * Step 8 of the detector, the score's features: one table of named
 * computations, from which both the feature names (SCORE_FEATURES, what the
 * model file names and is checked against) and each candidate's feature
 * vector are derived, so that a name and its value cannot drift apart. A
 * new feature is one entry here, and a new model (scripts/imagery-train.ts).
 *
 * All free of scale: sizes in widening tolerances beyond the declared range
 * and relative to its middle, no GSD, no size in metres, widths in pixels
 * capped at WPX_CAP, no polarity (the trees do not learn the renderer's
 * scales): contrast over the threshold, shape (shape.ts), how the candidate
 * was found, the profile fit, the region it was cut from and the whole
 * component, how far the longest shadow reaches, the bright ground by a
 * dark candidate, and levels over the ground in noise units (levels.ts).
 */
import {
  type Candidate,
  FOUND_LOOSE,
  FOUND_LOW,
  FOUND_RAISED,
  FOUND_SIDE,
  FOUND_SPLIT,
  FOUND_TRIM,
  FOUND_WIDE,
} from './candidate.js';
import type { Levels } from './levels.js';
import type { DeclaredClass } from './options.js';
import { FEATURE_CAP, WPX_CAP } from './params.js';
import type { Refined } from './refine.js';

/** What a candidate's features are computed from. */
export interface FeatureInput {
  cls: DeclaredClass;
  /** The threshold, noise units. */
  T: number;
  /** The candidate as found (before the fit). */
  found: Candidate;
  /** Where the fit put it (found, with the fit's centre, and size for a bright one). */
  placed: Candidate;
  /** The profile fit, null where it failed. */
  fit: Refined | null;
  /** How far the fit moved the centre, metres. */
  moved: number;
  /** The longest shadow's reach across and along its axis, metres; null without the sun or the class's height. */
  reach: [number, number] | null;
  /** Whether the sun's azimuth is known. */
  sunKnown: boolean;
  /** Bright ground by a dark candidate, sun side and other side (−1: a bright candidate). */
  sunFrac: [number, number];
  /** The scene's shadow ratio (shadows.ts), NaN when unknown. */
  shadowRatio: number;
  levels: Levels;
}

export interface Feature {
  name: string;
  compute: (f: FeatureInput) => number;
}

/** Middle and widened span of the declared length and width, metres. */
const midL = (c: DeclaredClass): number => (c.lmin + c.lmax) / 2;
const midW = (c: DeclaredClass): number => (c.wmin + c.wmax) / 2;
const spanL = (c: DeclaredClass): number => c.lmax - c.lmin + 2 * c.tolL;
const spanW = (c: DeclaredClass): number => c.wmax - c.wmin + 2 * c.tolW;

const flag = (f: FeatureInput, bit: number): number => (f.placed.flags & bit ? 1 : 0);

/** a − b in units of the noise at the centre, capped at ±FEATURE_CAP; 0 where undefined. */
function rel(f: FeatureInput, a: number, b: number): number {
  const v = (a - b) / f.levels.noiseRatio;
  return v === v ? Math.max(-FEATURE_CAP, Math.min(FEATURE_CAP, v)) : 0;
}

/** The shadow ratio is known: the sun's azimuth given and bright objects' shadows seen. */
const ratioKnown = (f: FeatureInput): boolean => f.shadowRatio === f.shadowRatio && f.sunKnown;
/** +1 bright, −1 dark: levels of its own polarity come out positive. */
const sign = (f: FeatureInput): number => (f.found.polarity === 'dark' ? -1 : 1);
/** Beyond either end, of its polarity (a longer object cut short goes on). */
const beyondEnd = (f: FeatureInput, end: 1 | -1): number =>
  sign(f) * rel(f, end > 0 ? f.levels.endPlus : f.levels.endMinus, 1);
/** The longest shadow's reach across and along, counted for a dark candidate only. */
const darkReach = (f: FeatureInput): [number, number] => (f.reach && f.found.polarity === 'dark' ? f.reach : [0, 0]);

/** The score's features, in the order of the vector. */
export const FEATURES: readonly Feature[] = [
  // contrast over the threshold
  { name: 'logPeak', compute: (f) => Math.log(f.placed.peak / f.T) },
  // size: short of or past the declared range (tolerances), and relative to its middle
  { name: 'shortL', compute: (f) => Math.max(0, f.cls.lmin - f.placed.L) / f.cls.tolL },
  { name: 'longL', compute: (f) => Math.max(0, f.placed.L - f.cls.lmax) / f.cls.tolL },
  { name: 'narrowW', compute: (f) => Math.max(0, f.cls.wmin - f.placed.W) / f.cls.tolW },
  { name: 'wideW', compute: (f) => Math.max(0, f.placed.W - f.cls.wmax) / f.cls.tolW },
  { name: 'relL', compute: (f) => (f.placed.L - midL(f.cls)) / spanL(f.cls) },
  { name: 'relW', compute: (f) => (f.placed.W - midW(f.cls)) / spanW(f.cls) },
  // shape
  { name: 'rectangularity', compute: (f) => f.placed.shape.rect },
  { name: 'widthVariation', compute: (f) => f.placed.shape.wcv },
  // how it was found
  { name: 'split', compute: (f) => flag(f, FOUND_SPLIT) },
  { name: 'shadowTrimmed', compute: (f) => flag(f, FOUND_TRIM) },
  { name: 'raisedCut', compute: (f) => flag(f, FOUND_RAISED) },
  { name: 'looseSize', compute: (f) => flag(f, FOUND_LOOSE) },
  { name: 'tooWide', compute: (f) => flag(f, FOUND_WIDE) },
  { name: 'logComponentOverArea', compute: (f) => Math.log((f.placed.componentPx * f.cls.pixArea) / f.placed.area) },
  { name: 'widthPx', compute: (f) => Math.min(WPX_CAP, f.placed.W / f.cls.gm) },
  { name: 'shadowStep', compute: (f) => f.placed.shadowCut.step },
  { name: 'shadowByFit', compute: (f) => f.placed.shadowCut.fit },
  { name: 'sideBySide', compute: (f) => flag(f, FOUND_SIDE) },
  { name: 'sideStagger', compute: (f) => f.placed.pair.stag },
  { name: 'sidePairWidth', compute: (f) => f.placed.pair.wpair },
  // the profile fit
  { name: 'fitOk', compute: (f) => (f.fit ? 1 : 0) },
  { name: 'fitLogContrast', compute: (f) => (f.fit ? Math.log(Math.max(1, f.fit.C)) : 0) },
  { name: 'fitSigmaPx', compute: (f) => (f.fit ? f.fit.sigma / f.cls.gm : 0) },
  { name: 'fitRms', compute: (f) => (f.fit ? f.fit.rms : 0) },
  { name: 'fitLengthRatio', compute: (f) => (f.fit ? f.fit.L / f.found.L : 1) },
  { name: 'fitWidthRatio', compute: (f) => (f.fit ? f.fit.W / f.found.W : 1) },
  { name: 'fitMovePx', compute: (f) => (f.fit ? f.moved / f.cls.gm : 0) },
  { name: 'fitShadowAcross', compute: (f) => (f.fit ? f.fit.shadowAcross : 0) },
  { name: 'fitShadowAcrossPx', compute: (f) => (f.fit ? f.fit.shadowAcrossM / f.cls.gm : 0) },
  { name: 'fitShadowAlong', compute: (f) => (f.fit ? f.fit.shadowAlong : 0) },
  { name: 'fitBaseAcross', compute: (f) => (f.fit ? f.fit.baseAcross : 0) },
  { name: 'fitBaseAlong', compute: (f) => (f.fit ? f.fit.baseAlong : 0) },
  // the region it was cut from, and how far a shadow of the class's height reaches across and along
  { name: 'parentRelW', compute: (f) => (f.found.parentW - midW(f.cls)) / spanW(f.cls) },
  { name: 'parentRelL', compute: (f) => (f.found.parentL - midL(f.cls)) / spanL(f.cls) },
  { name: 'shadowReachAcross', compute: (f) => (f.reach ? f.reach[0] / f.cls.tolW : -1) },
  { name: 'shadowReachAlong', compute: (f) => (f.reach ? f.reach[1] / f.cls.tolL : -1) },
  // what of the region's size the declared size and (dark) the longest shadow leave unexplained
  { name: 'unexplainedW', compute: (f) => (f.found.parentW - f.cls.wmax - darkReach(f)[0]) / f.cls.tolW },
  { name: 'unexplainedL', compute: (f) => (f.found.parentL - f.cls.lmax - darkReach(f)[1]) / f.cls.tolL },
  // bright ground by a dark candidate, on its sun side and on the other (-1: bright candidate)
  { name: 'sunSideBright', compute: (f) => f.sunFrac[0] },
  { name: 'antiSideBright', compute: (f) => f.sunFrac[1] },
  { name: 'lowThreshold', compute: (f) => flag(f, FOUND_LOW) },
  // the whole component it came from (a piece cut out of a longer or wider one)
  { name: 'rootRelL', compute: (f) => (f.found.rootL - midL(f.cls)) / spanL(f.cls) },
  { name: 'rootRelW', compute: (f) => (f.found.rootW - midW(f.cls)) / spanW(f.cls) },
  // levels over the ground (noise units): the body, the strip beside it where
  // its shadow falls and the strip on the sun side, against each other and
  // against the scene's shadow ratio
  { name: 'shadowRatioKnown', compute: (f) => (ratioKnown(f) ? 1 : 0) },
  { name: 'antiVsShadowRatio', compute: (f) => (ratioKnown(f) ? rel(f, f.levels.anti, f.shadowRatio) : 0) },
  { name: 'bodyVsShadowRatio', compute: (f) => (ratioKnown(f) ? rel(f, f.levels.body, f.shadowRatio) : 0) },
  { name: 'antiVsSun', compute: (f) => (f.sunKnown ? rel(f, f.levels.anti, f.levels.sun) : 0) },
  // of its polarity beyond its ends, and beyond where the longest shadow reaches (a wider one goes on)
  { name: 'beyondEndMore', compute: (f) => Math.max(beyondEnd(f, 1), beyondEnd(f, -1)) },
  { name: 'beyondEndLess', compute: (f) => Math.min(beyondEnd(f, 1), beyondEnd(f, -1)) },
  { name: 'beyondShadow', compute: (f) => sign(f) * rel(f, f.levels.beyondShadow, 1) },
];

/** The features' names, in the order of the vector (the model file names the same list; it is checked at load). */
export const SCORE_FEATURES: readonly string[] = Object.freeze(FEATURES.map((f) => f.name));

/** A candidate's feature vector, in the order of FEATURES. */
export function featureVector(f: FeatureInput): Float64Array {
  const v = new Float64Array(FEATURES.length);
  for (let k = 0; k < FEATURES.length; k++) v[k] = FEATURES[k].compute(f);
  return v;
}
