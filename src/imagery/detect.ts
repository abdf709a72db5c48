/**
 * Counting objects of a declared class in one image: a classical detector.
 *
 * 0. Luminance: the band (or the mean of the first three), smoothed by
 *    1-2-1 × 1-2-1 when there is no nodata (a matched filter for objects two
 *    or more pixels wide; exact in 16-bit integers for 8-bit input).
 * 1. Background, two scales. Coarse: the median of square blocks about one
 *    declared length across (a 256-bin histogram per block, one pass),
 *    interpolated bilinearly between block centres; objects cover well under
 *    half a block and do not move the median. Fine: blocks a third as wide
 *    take the mean residual of their pixels within 2.5 noise units of the
 *    coarse model (objects left out), which follows the ground's texture.
 * 2. Noise: per coarse block, the median absolute residual × 1.4826 (robust
 *    MAD, by histogram), smoothed over 3 × 3 blocks. z = residual / noise.
 * 3. Threshold and connected components: pixels with z ≥ T or z ≤ −T
 *    (T = 4) as runs per row, labelled by union-find over the runs
 *    (8-connectivity). Memory goes with the number of runs; O(pixels).
 *    The same pass keeps the runs at 0.75 T for a second look (after 5):
 *    components there of no more than four times the largest declared area
 *    that hold no candidate of the first look go through 4 and 5 as well,
 *    flagged for the score (an object of low contrast, or one by a pad or
 *    road edge where the background model lies between two levels, breaks
 *    at T into pieces smaller than an object).
 * 4. Each component, in a small patch: its peak P (mean of the top quarter
 *    of |z|, less the 1.3 noise units by which that mean of a noisy plateau
 *    exceeds its level) sets a half-maximum level; the component is cut there (or grown
 *    by one ring of pixels down to it), so that its edges sit where the
 *    object's area coverage is one half. Area, centroid and second moments
 *    in metres (the pixel's own 1/12 added) give the orientation and the
 *    length √(12 λ1) + half a pixel; the width is area / length.
 * 5. Size filters in metres, widened by max(5 % of the longest length, half
 *    a pixel) for the length and max(10 % of the widest width, 0.75 pixel)
 *    for the width. A component too big for one object is (a) split in two
 *    across its long axis when it is at least about twice the shortest
 *    declared length (two objects end to end: at the centroid, or else at
 *    the weakest cross-section where both parts can be objects of the
 *    class, for two of unequal length), or along it when the
 *    contrast dips along the cut (two side by side with a seam); or (b) cut
 *    again at 1.4 × the level, which separates objects from a weaker pad,
 *    road or shadow (pieces cut near their own top are noise on a plateau
 *    and dropped, unless they measure as objects of the class: two objects
 *    side by side cut apart); or (c) rejected. Side by side with no seam, a
 *    component about twice the declared width whose 2-means halves across
 *    its length (detect-split.ts) are objects of the class, with ends offset
 *    by 0.8 pixel or more, also gives the halves as candidates (flagged for
 *    the score) before (b). A component too small by up to three tolerances
 *    is still a candidate, for the score to judge; so is one of the declared
 *    length up to three width tolerances too wide that gave nothing else
 *    (blur widens what is two pixels wide at half maximum).
 * 6. Shadows. A dark component no bigger than an object and its longest
 *    shadow (sun azimuth and elevation and the class's height given) is
 *    eroded by the sweep of its shadow: the object swept along the shadow
 *    direction by the shadow's length s is the blob, so the blob eroded by
 *    that sweep is the object (its own centre and size). s is where the mean
 *    level of interior pixels steps most between the eroded part and the
 *    rest; with no step of 20 %, the s whose eroded part best fits the
 *    declared size. Then, as before: with the sun's azimuth, a dark candidate with
 *    bright pixels within 3 px along 60 % or more of its sun side and along
 *    less than 30 % of the other side is a shadow (a bright object's shadow
 *    has it along nearly all, a dark object by a pad or road edge along
 *    part: both fractions go to the score); without it, a dark candidate
 *    next to a bright component of object size. A dark object merged with its own shadow is cut where the
 *    level steps across the blob, within the declared width from the sun-side
 *    edge; when there is no step, and the sun's elevation and the class's
 *    height are given, a blob no wider than the object and its longest shadow
 *    keeps the declared mid width on the sun side; so does one whose cut at
 *    the step does not fit the declared size. The step is sought no nearer
 *    the sun-side edge than the narrowest declared width less half its
 *    tolerance. Two dark objects side by side with their shadows: the blob
 *    eroded by the sweep that best fits two objects abreast, then split as
 *    a side-by-side pair (step 5).
 * 7. Measured again (detect-refine.ts) by fitting the profiles of a
 *    blurred box: along the long axis the ends (half-level crossings, each
 *    end against its own ground, for objects across a road or pad edge) and
 *    the blur; across it, by Levenberg–Marquardt, the width, the centre and
 *    a shadow box on either side. A bright candidate takes the fit's centre
 *    and size; a dark one the fit's centre along its axis only (across it,
 *    its shadow, as dark as itself, leaves the fit ambiguous: measured, the
 *    fit moved dark centres across away from the truth), and where its
 *    shadow can reach past an end, only the sun-side end and the length
 *    measured with the shadow off; for both the fit's values go to the
 *    score.
 * 8. Score: boosted trees (SCORE_TREES in detect-model.ts, learned by
 *    scripts/imagery-train.ts from scenes drawn from the accuracy table with
 *    other seeds than the evaluation's) over SCORE_FEATURES: contrast over
 *    the threshold, length and width short of or past the declared range (in
 *    tolerances) and relative to its middle, shape (area over the oriented
 *    box, width variation along the length: detect-features.ts), how it was
 *    found (split, side by side, shadow removed and how, raised cut, loose
 *    size), the parent component's size and how much of it the declared
 *    size and (dark) the longest shadow leave unexplained, the whole
 *    component's size, the width in pixels (capped), the profile fit, and
 *    levels over the ground in noise units: of its body, of the strips
 *    beside it where its shadow falls and on the sun side, beyond its ends
 *    and beyond the longest shadow's reach, and against the scene's shadow
 *    ratio (the median level, over their ground, of the shadows of bright
 *    objects dropped in 6: light in shadow is the sky's alone, so one ratio
 *    holds for the scene; a dark object's own shadow is at it, its body and
 *    a dark distractor's in general not). No GSD, no size in metres, no polarity: the features
 *    are relative to the declared class, so the trees do not learn the
 *    renderer's scales. Detections under SCORE_THRESHOLD (detect-model.ts:
 *    where precision and recall meet on scenes the trees were not trained
 *    on) are dropped (`scoring:
 *    'shape'`: contrast and the fit to the declared size only, no learned
 *    weights, under 0.7 dropped).
 * 9. One object, one detection: of two of the same polarity closer than
 *    0.45 of the narrowest declared width, the lower score is dropped.
 *
 * Cost: steps 0–3 and the threshold are six passes over the pixels, row by
 * row with typed-array row buffers (no per-pixel allocation; the block grids
 * interpolated by runs of columns). On regions of 4 Mpx or more they run by
 * block rows on a pool of worker threads (one per core, at most 8; the same
 * arithmetic, so the same result; TALLY_DETECT_THREADS=0 turns it off, =N
 * sets the count), the calling thread blocking so that `detect` stays
 * synchronous. Step 4 computes z only on each component and two rings
 * around it (a road's bounding box is most of the image).
 *
 * Stated limits: objects under about two pixels wide, or with a contrast
 * under about 3 noise units, are missed; widths of objects 2 to 4 pixels
 * across read up to a pixel wide; two objects side by side with no visible
 * seam and flush ends are one wide object (a wide object is not split), and
 * so are two dark ones whose shadow runs along them far enough that taking
 * it off leaves their ends less than 0.8 pixel apart; a dark object
 * as dark as its own shadow, with no sun elevation or class height given,
 * reads too wide; ground next to large bright or dark structures (buildings)
 * can throw up object-sized pieces.
 *
 * A learned model plugs in behind the same interface: an `OnnxDetector`
 * implementing `ObjectDetector` would tile the raster (resampled to the
 * model's training GSD), run each tile through onnxruntime-node, map the
 * boxes back to pixel coordinates and through `pixelToLonLat`, and filter by
 * the same `lengthM` / `widthM` / `site` options. Callers choose the
 * detector; nothing else changes.
 */
import type { Detection, Georeference, Gsd, Raster } from './types.js';
import { applyTransform, isSupportedEpsg, toWgs84 } from './crs.js';
import { findRoot } from '../util/index.js';
import { shapeFeatures, type ShapeFeatures } from './detect/shape.js';
import { splitSideBySide } from './detect/split.js';
import { MAX_MOVE_PX } from './detect/refine.js';
import { CompiledTrees } from './detect/boost.js';
import { fitBackground, levelAt as levelAtPx, zAt as zAtPx, zSpan } from './detect/background.js';
import { componentsOf, labelRuns, thresholdRegion, type Labels } from './detect/components.js';
export { thresholdRowRuns } from './detect/components.js';
import { luminance, quantisation, type PixelPass } from './detect/luminance.js';
import { LOW_T, PARALLEL_MIN_PIXELS } from './detect/params.js';
import { getPool, sharedCopy } from './detect/pool.js';
import { fitProfiles, type RefineJob } from './detect/refine-pass.js';
import { SCORE_THRESHOLD, SCORE_TREES } from './detect-model.js';

export interface DetectOptions {
  gsd: Gsd;
  /** Declared length range in metres. */
  lengthM: [number, number];
  /** Declared width range in metres. */
  widthM: [number, number];
  /** Only objects whose centre lies inside: a mask (width × height, non-zero inside) or a polygon in pixel coordinates. */
  site?: Uint8Array | [number, number][];
  polarity?: 'both' | 'bright' | 'dark';
  /** Detection threshold in local noise units (default 4). */
  threshold?: number;
  /** Detections scoring below this are dropped (default SCORE_THRESHOLD of detect-model.ts for the model's probability, 0.7 for the shape score). */
  minScore?: number;
  /**
   * How candidates are scored: 'model' (default), the boosted trees learned
   * from generated scenes (detect-model.ts, scripts/imagery-train.ts), for
   * vehicle-like rectangles; 'shape', contrast and fit to the declared size
   * only (no learned weights; use it for other shapes, such as aircraft: see
   * the README for both on real imagery).
   */
  scoring?: 'model' | 'shape';
  /**
   * Sun azimuth in degrees clockwise from north, from the image's metadata.
   * With it, a dark component wider than the declared width is taken as a
   * dark object and its own shadow, and the object is kept on the sun side.
   */
  sunAzimuthDeg?: number;
  /** Sun elevation in degrees, from the image's metadata (with `heightM`, bounds the shadows). */
  sunElevationDeg?: number;
  /** Highest the declared objects stand, metres (with `sunElevationDeg`, bounds their shadows). */
  heightM?: number;
}

export interface ObjectDetector {
  detect(raster: Raster, opts: DetectOptions): Detection[];
}

/* ---------- coordinates ---------- */

/**
 * Pixel coordinates (pixel centres at .5) to [lon, lat] through crs.ts, or
 * null without a georeference or with a CRS that crs.ts does not know.
 */
export function pixelToLonLat(geo: Georeference | null, x: number, y: number): [number, number] | null {
  if (!geo || !isSupportedEpsg(geo.epsg)) return null;
  const [e, n] = applyTransform(geo.transform, x, y);
  return toWgs84(geo.epsg, e, n);
}

/* ---------- helpers ---------- */

/** The 8-neighbours (and the pixel itself) of patch index i inside a pw × ph patch, into out; returns how many. */
function neighbours8(i: number, pw: number, ph: number, out: Int32Array): number {
  const yy = (i / pw) | 0,
    xx = i - yy * pw;
  let n = 0;
  for (let dy = -1; dy <= 1; dy++) {
    const ny = yy + dy;
    if (ny < 0 || ny >= ph) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const nx = xx + dx;
      if (nx < 0 || nx >= pw) continue;
      out[n++] = ny * pw + nx;
    }
  }
  return n;
}

function pointInPolygon(poly: [number, number][], x: number, y: number): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

interface Measure {
  area: number; // m²
  cx: number; // pixels
  cy: number;
  L: number; // m
  W: number; // m
  /** Unit vector of the long axis, in metres space (x right, y down). */
  ux: number;
  uy: number;
}

interface Candidate extends Measure {
  P: number;
  pol: 'bright' | 'dark';
  /** Pixels, global indices (for the shadow check). */
  pix: Int32Array;
  feats: ShapeFeatures;
  /** How it was found: EMIT_* bits. */
  flags: number;
  /** Pixels of the thresholded component it came from. */
  comp: number;
  ds: { step: number; fit: number };
  /** Side by side with no seam (EMIT_SIDE): the halves' mean end offset (pixels, at most 8), the whole's width past twice the mid width (tolerances). */
  pair: { stag: number; wpair: number };
  /** Length and width of the region it was cut from (itself when not cut), metres. */
  parentL: number;
  parentW: number;
  /** Length and width of the whole thresholded component it came from, metres. */
  rootL: number;
  rootW: number;
}

const EMIT_SPLIT = 1;
const EMIT_TRIM = 2;
const EMIT_RAISED = 4;
const EMIT_LOOSE = 8;
const EMIT_SIDE = 16;
const EMIT_WIDE = 32;
const EMIT_LOW = 64;
/** The second look takes components up to this many times the largest declared area (two objects and their shadows; not roads or pads). */
const LOW_MAX_AREA = 4;
const NO_PAIR = { stag: 0, wpair: 0 };

/**
 * The elements of v from rank k up (0-based, ascending), in no particular
 * order: quickselect (v is reordered). A copy.
 */
function selectTop(v: Float32Array, k: number): Float32Array {
  let lo = 0,
    hi = v.length - 1;
  while (hi > lo) {
    // median of three as the pivot
    const mid = (lo + hi) >> 1;
    const a = v[lo],
      b = v[mid],
      c = v[hi];
    const pv = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo,
      j = hi;
    while (i <= j) {
      while (v[i] < pv) i++;
      while (v[j] > pv) j--;
      if (i <= j) {
        const t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return v.slice(k);
}

/* ---------- the detector ---------- */

/** Pixels added to the moment length: the half-maximum region loses about a quarter pixel at each end. */
const LENGTH_END_PX = 0.5;
/** Side by side: split only where the contrast along the cut dips below this fraction of its sides'. */
const SEAM_DIP = 0.9;
/**
 * The half-maximum level is half of (P − HALF_BIAS): the mean of the top
 * quarter of a noisy plateau sits about 1.3 noise units above its level.
 */
const HALF_BIAS = 1.3;
/** Too small by up to this many widening tolerances: still a candidate (the score decides). */
const LOOSE_TOL = 3;
/** Object and shadow: a step of the level between them at least this (relative) is taken as their boundary. */
const SHADOW_STEP = 0.2;
/** Side by side with no seam: the halves' ends offset by at least this many pixels on average. */
const SIDE_STAG = 0.8;
/** … and the whole at least twice the mid width less this many width tolerances. */
const SIDE_WPAIR = -1;
/** Dark end to end: the merged component (objects and shadows) no bigger than this many largest objects. */
const DARK_PAIR_AREA = 4;

/**
 * The width in pixels counts up to this many in the score's features: the
 * synthetic scenes the score learns from have nothing wider than about 12 px,
 * and 0.3 m imagery of a 12 m wide object is 40.
 */
const WPX_CAP = 4;
/** Too wide by up to this many widening tolerances, where nothing else came of the component: still a candidate. */
const WIDE_TOL = 3;
/** Non-maximum suppression: same-polarity detections closer than this many narrowest declared widths are one. */
const NMS_WIDTHS = 0.45;
/**
 * A dark candidate with bright ground along this fraction of its sun-side
 * edge, and along less than SHADOW_ANTI_FRAC of the other side, is a bright
 * object's shadow and dropped. Measured on the evaluation set: of the dark
 * candidates that a 0.3 rule dropped, shadows of bright objects had 0.9 or
 * more for seven in eight, true dark objects (by a pad or road edge) 0.33
 * to 0.58.
 */
const SHADOW_SUN_FRAC = 0.6;
const SHADOW_ANTI_FRAC = 0.3;
/** Where along a candidate (fractions of its length from the centre) its levels are sampled (levelAcross). */
const SPAN_ALONG = [-0.3, -0.15, 0, 0.15, 0.3];
/** Level differences go to the score in noise units, at most this far from 0. */
const FEATURE_CAP = 50;
/** The shape score's size fit reaches 0 this many widening tolerances beyond the declared range. */
const FIT_SPAN = 3;

/**
 * The score's features, in the order `collectCandidates` computes them (the
 * model in detect-model.ts names the same list; it is checked at load).
 */
export const SCORE_FEATURES: readonly string[] = [
  'logPeak',
  'shortL',
  'longL',
  'narrowW',
  'wideW',
  'relL',
  'relW',
  'rectangularity',
  'widthVariation',
  'split',
  'shadowTrimmed',
  'raisedCut',
  'looseSize',
  'tooWide',
  'logComponentOverArea',
  'widthPx',
  'shadowStep',
  'shadowByFit',
  'sideBySide',
  'sideStagger',
  'sidePairWidth',
  'fitOk',
  'fitLogContrast',
  'fitSigmaPx',
  'fitRms',
  'fitLengthRatio',
  'fitWidthRatio',
  'fitMovePx',
  'fitShadowAcross',
  'fitShadowAcrossPx',
  'fitShadowAlong',
  'fitBaseAcross',
  'fitBaseAlong',
  'parentRelW',
  'parentRelL',
  'shadowReachAcross',
  'shadowReachAlong',
  'unexplainedW',
  'unexplainedL',
  'sunSideBright',
  'antiSideBright',
  'lowThreshold',
  'rootRelL',
  'rootRelW',
  'shadowRatioKnown',
  'antiVsShadowRatio',
  'bodyVsShadowRatio',
  'antiVsSun',
  'beyondEndMore',
  'beyondEndLess',
  'beyondShadow',
];

/** A candidate before its score: the detection (score 0), its features (SCORE_FEATURES) and its shape score. */
export interface Collected {
  detection: Detection;
  features: Float64Array;
  shape: number;
}

/**
 * Every candidate of the image with its features, before the score: what the
 * detector scores, and what scripts/imagery-train.ts learns the score from.
 */
export function collectCandidates(raster: Raster, opts: DetectOptions): Collected[] {
  const { width: w, height: h } = raster;
  const gx = opts.gsd.x;
  const gy = opts.gsd.y;
  if (!(gx > 0 && gy > 0)) throw new Error('detect: the GSD must be positive');
  const [lmin, lmax] = opts.lengthM;
  const [wmin, wmax] = opts.widthM;
  if (!(lmin > 0 && lmax >= lmin && wmin > 0 && wmax >= wmin)) throw new Error('detect: bad length or width range');
  const T0 = opts.threshold ?? 4;
  const pol = opts.polarity ?? 'both';
  const gm = Math.sqrt(gx * gy);
  const tolL = Math.max(0.05 * lmax, 0.5 * gm);
  const tolW = Math.max(0.1 * wmax, 0.75 * gm);
  const minArea = lmin * wmin;
  const maxArea = lmax * wmax;
  const pixArea = gx * gy;
  const minPix = Math.max(2, (0.3 * minArea) / pixArea);

  const nodata = raster.nodata;
  const bigPool = w * h >= PARALLEL_MIN_PIXELS ? getPool() : null;
  const lumi = luminance(raster, bigPool);
  let lum = lumi.lum;

  // Region of interest: the site's bounding box and a margin.
  let x0 = 0,
    y0 = 0,
    x1 = w,
    y1 = h;
  let inSite: (x: number, y: number) => boolean = () => true;
  const site = opts.site;
  if (site instanceof Uint8Array) {
    if (site.length !== w * h) throw new Error('detect: the site mask must have width × height samples');
    inSite = (x, y) =>
      site[Math.min(h - 1, Math.max(0, Math.floor(y))) * w + Math.min(w - 1, Math.max(0, Math.floor(x)))] !== 0;
  } else if (site) {
    if (site.length < 3) throw new Error('detect: the site polygon needs at least 3 vertices');
    const xs = site.map((p) => p[0]);
    const ys = site.map((p) => p[1]);
    const mx = Math.ceil(lmax / gx) + 4;
    const my = Math.ceil(lmax / gy) + 4;
    x0 = Math.max(0, Math.floor(Math.min(...xs)) - mx);
    x1 = Math.min(w, Math.ceil(Math.max(...xs)) + mx);
    y0 = Math.max(0, Math.floor(Math.min(...ys)) - my);
    y1 = Math.min(h, Math.ceil(Math.max(...ys)) + my);
    if (x0 >= x1 || y0 >= y1) return [];
    inSite = (x, y) => pointInPolygon(site, x, y);
  }
  const rw = x1 - x0;
  const rh = y1 - y0;

  const quant = quantisation(raster, lumi);
  if (!quant) return [];
  const lo = quant.lo;

  const B = Math.max(8, Math.min(256, Math.round(lmax / gm)));
  const par = rw * rh >= PARALLEL_MIN_PIXELS ? getPool() : null;
  if (par && !(lum.buffer instanceof SharedArrayBuffer)) lum = sharedCopy(lum);
  const ctx: PixelPass = { lum, width: w, x0, y0, y1, rw, rh, nodata, lo };
  const bgm = fitBackground(ctx, B, quant, par);
  if (!bgm) return [];
  const G0 = bgm.coarse,
    F = bgm.fine,
    S = bgm.noise;
  const th = thresholdRegion(ctx, bgm, T0, LOW_T * T0, par);
  const runs = [th.atT[0], th.atT[1], th.atLow[0], th.atLow[1]];
  const rowStart = runs.map((r) => r.rowStart);

  // Noise level and z at any pixel (for the patches).
  const zAt = (x: number, y: number): number => zAtPx(ctx, bgm, x, y);

  // Direction in which shadows fall, image axes (x right, y down), metres space.
  const shadowDir: [number, number] | null =
    opts.sunAzimuthDeg === undefined
      ? null
      : [-Math.sin((opts.sunAzimuthDeg * Math.PI) / 180), Math.cos((opts.sunAzimuthDeg * Math.PI) / 180)];
  const maxShadowM =
    shadowDir && opts.sunElevationDeg !== undefined && opts.heightM !== undefined
      ? opts.heightM / Math.tan((Math.max(5, opts.sunElevationDeg) * Math.PI) / 180)
      : null;
  /** How far the longest shadow reaches across and along an axis (metres), null when the sun or the height is not given. */
  const shadowReach = (ux: number, uy: number): [number, number] | null =>
    shadowDir && maxShadowM !== null
      ? [
          maxShadowM * Math.abs(-uy * shadowDir[0] + ux * shadowDir[1]),
          maxShadowM * Math.abs(ux * shadowDir[0] + uy * shadowDir[1]),
        ]
      : null;
  const fitL = (L: number): boolean => L >= lmin - tolL && L <= lmax + tolL;
  const fitW = (W: number): boolean => W >= wmin - tolW && W <= wmax + tolW;

  const cands: Candidate[] = [];

  // 4-5. Each component in its patch.
  const analyseComponent = (p: 0 | 1, R: Int32Array, runIdx: number[], Tc: number = T0, extraFlags = 0): void => {
    const sign = p === 0 ? 1 : -1;
    let px0 = Infinity,
      px1 = -Infinity,
      py0 = Infinity,
      py1 = -Infinity;
    for (const k of runIdx) {
      py0 = Math.min(py0, R[3 * k]);
      py1 = Math.max(py1, R[3 * k]);
      px0 = Math.min(px0, R[3 * k + 1]);
      px1 = Math.max(px1, R[3 * k + 2]);
    }
    px0 = Math.max(x0, px0 - 2);
    py0 = Math.max(y0, py0 - 2);
    px1 = Math.min(x1 - 1, px1 + 2);
    py1 = Math.min(y1 - 1, py1 + 2);
    const pw = px1 - px0 + 1,
      ph = py1 - py0 + 1;
    // z on the component and two rings around it (all that the analysis
    // reads: it grows a set by at most one ring, from within the component)
    const z = new Float32Array(pw * ph);
    {
      const spans: number[][] = Array.from({ length: ph }, () => []);
      for (const k of runIdx) {
        const yr = R[3 * k] - py0;
        const a = Math.max(0, R[3 * k + 1] - 2 - px0),
          b = Math.min(pw - 1, R[3 * k + 2] + 2 - px0);
        for (let r = Math.max(0, yr - 2); r <= Math.min(ph - 1, yr + 2); r++) spans[r].push(a, b);
      }
      const gr = new Float32Array(pw),
        fr = new Float32Array(pw),
        sr = new Float32Array(pw);
      for (let r = 0; r < ph; r++) {
        const sp = spans[r];
        if (!sp.length) continue;
        const order: number[] = [];
        for (let i = 0; i < sp.length; i += 2) order.push(i);
        order.sort((i, j) => sp[i] - sp[j]);
        let ca = -1,
          cb = -2;
        const flush = (): void => {
          if (ca < 0) return;
          const n = cb - ca + 1;
          const y = py0 + r,
            xa = px0 + ca;
          G0.span(y, xa, gr.subarray(0, n));
          F.span(y, xa, fr.subarray(0, n));
          S.span(y, xa, sr.subarray(0, n));
          zSpan(lum, y * w + xa, nodata, gr.subarray(0, n), fr.subarray(0, n), sr.subarray(0, n), sign, z, r * pw + ca);
        };
        for (const i of order) {
          const a = sp[i],
            b = sp[i + 1];
          if (a <= cb + 1) {
            if (b > cb) cb = b;
          } else {
            flush();
            ca = a;
            cb = b;
          }
        }
        flush();
      }
    }
    let np = 0;
    for (const k of runIdx) np += R[3 * k + 2] - R[3 * k + 1] + 1;
    const all = new Int32Array(np);
    let q = 0;
    for (const k of runIdx) {
      const y = R[3 * k];
      for (let x = R[3 * k + 1]; x <= R[3 * k + 2]; x++) all[q++] = (y - py0) * pw + (x - px0);
    }

    const lab = new Int32Array(pw * ph);
    const nbr = new Int32Array(9);
    let labGen = 0;
    /** Connected pieces (8-connectivity) of a pixel subset of the patch. */
    const pieces = (pix: Int32Array): Int32Array[] => {
      const gen = ++labGen;
      const mark = gen * 2; // in set, unvisited
      for (const i of pix) lab[i] = mark;
      const out: Int32Array[] = [];
      // each pixel is pushed once: the stack and the pieces fit in pix.length
      const stack = new Int32Array(pix.length);
      const buf = new Int32Array(pix.length);
      let nb = 0;
      for (const s of pix) {
        if (lab[s] !== mark) continue;
        const start = nb;
        let sp = 0;
        lab[s] = mark + 1;
        stack[sp++] = s;
        while (sp) {
          const i = stack[--sp];
          buf[nb++] = i;
          const nn = neighbours8(i, pw, ph, nbr);
          for (let q = 0; q < nn; q++) {
            const j = nbr[q];
            if (lab[j] === mark) {
              lab[j] = mark + 1;
              stack[sp++] = j;
            }
          }
        }
        out.push(buf.slice(start, nb));
      }
      return out;
    };

    const measure = (pix: Int32Array): Measure => {
      let sx = 0,
        sy = 0;
      for (const i of pix) {
        const yy = (i / pw) | 0;
        sx += i - yy * pw;
        sy += yy;
      }
      const n = pix.length;
      const mx = sx / n,
        my = sy / n;
      let sxx = 0,
        syy = 0,
        sxy = 0;
      for (const i of pix) {
        const yy = (i / pw) | 0;
        const dx = (i - yy * pw - mx) * gx,
          dy = (yy - my) * gy;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
      }
      const cxx = sxx / n + (gx * gx) / 12,
        cyy = syy / n + (gy * gy) / 12,
        cxy = sxy / n;
      const tr = (cxx + cyy) / 2;
      const d = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy * cxy);
      const l1 = tr + d;
      const th = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
      const area = n * pixArea;
      const ux = Math.cos(th),
        uy = Math.sin(th);
      // the half-maximum region loses about a quarter pixel at each end (rounded
      // corners, partial end pixels): added back along the axis
      const L = Math.sqrt(12 * l1) + LENGTH_END_PX * (gx * Math.abs(ux) + gy * Math.abs(uy));
      const W = area / L;
      return { area, cx: px0 + mx + 0.5, cy: py0 + my + 0.5, L, W, ux, uy };
    };

    const peak = (pix: Int32Array): number => {
      const v = new Float32Array(pix.length);
      for (let k = 0; k < pix.length; k++) v[k] = z[pix[k]];
      // mean of the top quarter: steadier than a high percentile on small sets
      const k0 = Math.min(v.length - 1, Math.floor(0.75 * v.length));
      // the top quarter, ascending (summed in the order a full sort gives)
      const top = v.length > 64 ? selectTop(v, k0).sort() : v.sort().subarray(k0);
      let acc = 0;
      for (let k = 0; k < top.length; k++) acc += top[k];
      return acc / (v.length - k0);
    };

    /** The set and the ring of its 8-neighbours with z ≥ level (edges brought down to the half maximum). */
    const grow = (pix: Int32Array, level: number): Int32Array => {
      const mark = ++labGen * 2;
      for (const i of pix) lab[i] = mark;
      const extra: number[] = [];
      for (const i of pix) {
        const nn = neighbours8(i, pw, ph, nbr);
        for (let q = 0; q < nn; q++) {
          const j = nbr[q];
          if (lab[j] !== mark && z[j] >= level) {
            lab[j] = mark;
            extra.push(j);
          }
        }
      }
      if (!extra.length) return pix;
      const out = new Int32Array(pix.length + extra.length);
      out.set(pix);
      out.set(extra, pix.length);
      return out;
    };

    const above = (pix: Int32Array, t: number): Int32Array => pix.filter((i) => z[i] >= t);

    const emit = (pix: Int32Array, m: Measure, P: number, flags = 0, pair = NO_PAIR): void => {
      const g = new Int32Array(pix.length);
      for (let k = 0; k < pix.length; k++) {
        const yy = (pix[k] / pw) | 0;
        g[k] = (py0 + yy) * w + px0 + (pix[k] - yy * pw);
      }
      const feats = shapeFeatures(pix, pw, z, m.cx - px0 - 0.5, m.cy - py0 - 0.5, m.ux, m.uy, gx, gy);
      cands.push({
        ...m,
        P,
        pol: p === 0 ? 'bright' : 'dark',
        pix: g,
        feats,
        flags: flags | (raisedNow ? EMIT_RAISED : 0),
        comp: np,
        ds: flags & EMIT_TRIM ? dsInfo : { step: 0, fit: 0 },
        pair,
        parentL: parentNow ? parentNow.L : m.L,
        parentW: parentNow ? parentNow.W : m.W,
        rootL: 0,
        rootW: 0,
      });
    };
    /** Two parts, both emitted when both measure as objects of the class. */
    const emitBoth = (pa: Int32Array, pb: Int32Array, P: number, flags: number, pair = NO_PAIR): boolean => {
      const ma = measure(pa),
        mb = measure(pb);
      if (!(fitL(ma.L) && fitW(ma.W) && fitL(mb.L) && fitW(mb.W))) return false;
      emit(pa, ma, P, flags, pair);
      emit(pb, mb, P, flags, pair);
      return true;
    };
    let raisedNow = false;
    let parentNow: Measure | null = null;
    let dsInfo = { step: 0, fit: 0 };

    const split = (pix: Int32Array, m: Measure, P: number): boolean => {
      // Across the long axis (end to end) or along it (side by side).
      const axes: [number, number][] = [
        [m.ux, m.uy],
        [-m.uy, m.ux],
      ];
      const lx = m.cx - px0 - 0.5,
        ly = m.cy - py0 - 0.5;
      for (let k = 0; k < 2; k++) {
        const [ax, ay] = axes[k];
        const a: number[] = [],
          b: number[] = [];
        // side by side (k = 1): only with a seam, a dip of the contrast along the cut
        const bw = Math.max(0.5 * gm, m.W / 8);
        let cs = 0,
          cn = 0,
          ss = 0,
          sn = 0;
        for (const i of pix) {
          const yy = (i / pw) | 0;
          const s = (i - yy * pw - lx) * gx * ax + (yy - ly) * gy * ay;
          (s < 0 ? a : b).push(i);
          const as = Math.abs(s);
          if (as < bw) {
            cs += z[i];
            cn++;
          } else if (as < 3 * bw) {
            ss += z[i];
            sn++;
          }
        }
        // end to end (k = 0): the whole must be at least about twice the shortest declared length
        if (k === 0 && m.L < 2 * lmin - 0.5 * tolL) continue;
        if (k === 1 && !(cn > 0 && sn > 0 && cs / cn < SEAM_DIP * (ss / sn))) continue;
        if (a.length < minPix || b.length < minPix) continue;
        if (emitBoth(Int32Array.from(a), Int32Array.from(b), P, EMIT_SPLIT)) return true;
      }
      // End to end, objects of unequal length: cut at the seam, the weakest
      // cross-section where both parts can be objects of the class.
      if (m.L >= 2 * lmin - 0.5 * tolL) {
        const sv = new Float32Array(pix.length);
        let smin = Infinity,
          smax = -Infinity;
        for (let k = 0; k < pix.length; k++) {
          const i = pix[k],
            yy = (i / pw) | 0;
          const sp = (i - yy * pw - lx) * gx * m.ux + (yy - ly) * gy * m.uy;
          sv[k] = sp;
          if (sp < smin) smin = sp;
          if (sp > smax) smax = sp;
        }
        const bs = gm / 2;
        const nbin = Math.max(1, Math.ceil((smax - smin) / bs) + 1);
        const bz = new Float64Array(nbin),
          bn = new Float64Array(nbin);
        for (let k = 0; k < pix.length; k++) {
          const b = Math.min(nbin - 1, Math.floor((sv[k] - smin) / bs));
          bz[b] += z[pix[k]];
          bn[b]++;
        }
        const need = lmin - tolL - 0.5 * gm;
        let best = -1,
          bestV = Infinity;
        for (let b = 1; b < nbin - 1; b++) {
          const c = smin + b * bs;
          if (c - smin < need || smax - c < need || !bn[b]) continue;
          // mean z over the bin and its neighbours, per pixel
          const v = (bz[b - 1] + bz[b] + bz[b + 1]) / Math.max(1, bn[b - 1] + bn[b] + bn[b + 1]);
          if (v < bestV) {
            bestV = v;
            best = b;
          }
        }
        if (best > 0) {
          const cut = smin + best * bs;
          const a: number[] = [],
            b2: number[] = [];
          for (let k = 0; k < pix.length; k++) (sv[k] < cut ? a : b2).push(pix[k]);
          if (
            a.length >= minPix &&
            b2.length >= minPix &&
            emitBoth(Int32Array.from(a), Int32Array.from(b2), P, EMIT_SPLIT)
          )
            return true;
        }
      }
      return false;
    };

    /**
     * Side by side with no seam: a component about twice the declared width,
     * cut in two along its length (detect-split.ts), when the halves are
     * objects of the class and their ends are offset by 0.8 pixel or more
     * (two objects are rarely flush; a single wide one cut in two is) and
     * the whole is no narrower than twice the mid width less a tolerance.
     * The halves are candidates for the score, and the component goes on
     * to the raised cut as well.
     */
    const sideBySide = (pix: Int32Array, m: Measure, P: number, extra = 0): void => {
      const wpair = (m.W - (wmin + wmax)) / tolW;
      if (wpair < SIDE_WPAIR || m.W > 2 * (wmax + tolW) + gm) return;
      const sp = splitSideBySide(pix, pw, m.ux, m.uy, gx, gy);
      if (!sp || sp.a.length < minPix || sp.b.length < minPix || sp.stag < SIDE_STAG * gm) return;
      emitBoth(sp.a, sp.b, P, EMIT_SPLIT | EMIT_SIDE | extra, { stag: Math.min(8, sp.stag / gm), wpair });
    };

    /** Dark object and its shadow: keep the declared mid width on the sun side. */
    const trim = (pix: Int32Array, m: Measure, forceMid = false): Int32Array | null => {
      if (!shadowDir) return null;
      let vx = -m.uy,
        vy = m.ux;
      const d = vx * shadowDir[0] + vy * shadowDir[1];
      if (Math.abs(d) < 0.25) return null;
      if (d < 0) {
        vx = -vx;
        vy = -vy;
      }
      const lx = m.cx - px0 - 0.5,
        ly = m.cy - py0 - 0.5;
      const t = new Float32Array(pix.length);
      for (let k = 0; k < pix.length; k++) {
        const yy = (pix[k] / pw) | 0;
        t[k] = (pix[k] - yy * pw - lx) * gx * vx + (yy - ly) * gy * vy;
      }
      const ts = t.slice().sort();
      const e = ts[Math.floor(0.02 * ts.length)] - (0.5 * gm * (Math.abs(vx) + Math.abs(vy))) / Math.SQRT2;
      // Profile of z across the blob, bins of half a pixel from the sun-side edge;
      // the object ends where the level steps (object and shadow differ), and
      // that step must lie within the declared width.
      const bs = gm / 2;
      const nbins = Math.max(1, Math.ceil((ts[ts.length - 1] - e) / bs) + 1);
      const bz = new Float64Array(nbins),
        bn = new Float64Array(nbins);
      for (let k = 0; k < pix.length; k++) {
        const b = Math.min(nbins - 1, Math.max(0, Math.floor((t[k] - e) / bs)));
        bz[b] += z[pix[k]];
        bn[b]++;
      }
      let best = -1,
        bestD = 0;
      for (
        let b = Math.max(1, Math.floor((wmin - 0.5 * tolW) / bs));
        b <= Math.ceil((wmax + tolW) / bs) && b < nbins - 1;
        b++
      ) {
        let lz = 0,
          ln = 0,
          rz = 0,
          rn = 0;
        for (let i = 0; i < b; i++) {
          lz += bz[i];
          ln += bn[i];
        }
        for (let i = b; i < nbins; i++) {
          rz += bz[i];
          rn += bn[i];
        }
        if (ln < minPix / 2 || rn < 2) continue;
        const L = lz / ln,
          Rr = rz / rn;
        const dd = Math.abs(L - Rr) / Math.max(L, Rr);
        if (dd > bestD) {
          bestD = dd;
          best = b;
        }
      }
      let lim = e + best * bs;
      if (forceMid || best < 0 || bestD < 0.2) {
        // No step: object and shadow about as dark. With the sun's elevation and
        // the class's height, a blob no wider than the object plus its longest
        // shadow is taken as both, and the object as the declared mid width on
        // the sun side.
        if (maxShadowM === null) return null;
        const width = ts[ts.length - 1] - e + 0.5 * gm;
        if (width > wmax + tolW + maxShadowM * Math.abs(d)) return null;
        lim = e + (wmin + wmax) / 2;
      }
      return pix.filter((_, k) => t[k] < lim);
    };

    /**
     * Dark object and its own shadow: the blob is the object swept along the
     * shadow direction by the shadow's length s, so eroding it by that sweep
     * gives the object back. s is where the level steps most between the
     * eroded part and the rest (object and shadow differ in darkness); with
     * no clear step, the s whose eroded part best fits the declared size
     * (nObj objects end to end, nSide abreast; fitOnly: always by the fit).
     */
    const deshadow = (pix: Int32Array, nObj = 1, fitOnly = false, nSide = 1): Int32Array | null => {
      if (!shadowDir || maxShadowM === null) return null;
      const mark = ++labGen * 2;
      for (const i of pix) lab[i] = mark;
      const sMax = maxShadowM + gm;
      // interior pixels (4-neighbours all in the blob): the level there is not an edge's
      const inner = new Uint8Array(pix.length);
      for (let k = 0; k < pix.length; k++) {
        const i = pix[k];
        inner[k] =
          i >= pw &&
          i + pw < pw * ph &&
          lab[i - 1] === mark &&
          lab[i + 1] === mark &&
          lab[i - pw] === mark &&
          lab[i + pw] === mark
            ? 1
            : 0;
      }
      let bestO: Int32Array | null = null,
        bestD = -1;
      let fitO: Int32Array | null = null,
        fitE = Infinity;
      let lastX = 0,
        lastY = 0;
      for (let sm = 0.5 * gm; sm <= sMax; sm += 0.5 * gm) {
        const sx = Math.round((sm * shadowDir[0]) / gx),
          sy = Math.round((sm * shadowDir[1]) / gy);
        if (sx === lastX && sy === lastY) continue;
        lastX = sx;
        lastY = sy;
        const o: number[] = [];
        let zo = 0,
          no = 0,
          zs = 0,
          ns = 0;
        for (let k = 0; k < pix.length; k++) {
          const i = pix[k];
          const yy = (i / pw) | 0,
            xx = i - yy * pw;
          const nx = xx + sx,
            ny = yy + sy;
          const inO = nx >= 0 && ny >= 0 && nx < pw && ny < ph && lab[ny * pw + nx] === mark;
          if (inO) o.push(i);
          if (!inner[k]) continue;
          if (inO) {
            zo += z[i];
            no++;
          } else {
            zs += z[i];
            ns++;
          }
        }
        if (o.length < minPix || ns < 2 || no < 2) continue;
        const a = zo / no,
          b = zs / ns;
        const dd = Math.abs(a - b) / Math.max(a, b);
        const O = Int32Array.from(o);
        if (dd > bestD) {
          bestD = dd;
          bestO = O;
        }
        const mo = measure(O);
        const e =
          Math.abs(mo.W - (nSide * (wmin + wmax)) / 2) / (nSide * (wmax - wmin + 2 * tolW)) +
          Math.abs(mo.L - (nObj * (lmin + lmax)) / 2) / (nObj * (lmax - lmin + 2 * tolL));
        if (e < fitE) {
          fitE = e;
          fitO = O;
        }
      }
      dsInfo = { step: Math.max(0, bestD), fit: bestD >= SHADOW_STEP ? 0 : 1 };
      if (fitOnly) {
        dsInfo = { step: Math.max(0, bestD), fit: 1 };
        return fitO;
      }
      return bestD >= SHADOW_STEP ? bestO : fitO;
    };

    /**
     * Two dark objects end to end, merged with their shadows (each half too
     * wide for the plain cut): the shadow taken off the whole (the sweep
     * whose eroded part best fits two objects end to end), then the
     * end-to-end cut; failing that, cuts across the axis a pixel apart, the
     * shadow taken off each part (best fit to one object), keeping the cut
     * whose parts both fit the class and best fit its middle.
     */
    const darkPair = (pix: Int32Array, m: Measure, P: number): boolean => {
      {
        const e = deshadow(pix, 2, true);
        if (e && e.length >= 2 * minPix) {
          const me = measure(e);
          if (me.L >= 2 * lmin - 0.5 * tolL && split(e, me, P)) return true;
        }
      }
      {
        const lx = m.cx - px0 - 0.5,
          ly = m.cy - py0 - 0.5;
        const sv = new Float32Array(pix.length);
        for (let k = 0; k < pix.length; k++) {
          const i = pix[k],
            yy = (i / pw) | 0;
          sv[k] = (i - yy * pw - lx) * gx * m.ux + (yy - ly) * gy * m.uy;
        }
        let smin = Infinity,
          smax = -Infinity;
        for (let k = 0; k < pix.length; k++) {
          if (sv[k] < smin) smin = sv[k];
          if (sv[k] > smax) smax = sv[k];
        }
        const need = lmin - tolL - 0.5 * gm;
        let best: [Int32Array, Measure, Int32Array, Measure] | null = null,
          bestE = Infinity;
        const err = (q: Measure): number =>
          Math.abs(q.W - (wmin + wmax) / 2) / (wmax - wmin + 2 * tolW) +
          Math.abs(q.L - (lmin + lmax) / 2) / (lmax - lmin + 2 * tolL);
        for (let cut = smin + need; cut <= smax - need + 1e-9; cut += gm) {
          const a: number[] = [],
            b: number[] = [];
          for (let k = 0; k < pix.length; k++) (sv[k] < cut ? a : b).push(pix[k]);
          if (a.length < minPix || b.length < minPix) continue;
          const ea = deshadow(Int32Array.from(a), 1, true),
            eb = deshadow(Int32Array.from(b), 1, true);
          if (!ea || !eb) continue;
          const ma = measure(ea),
            mb = measure(eb);
          if (!(fitL(ma.L) && fitW(ma.W) && fitL(mb.L) && fitW(mb.W))) continue;
          const e = err(ma) + err(mb);
          if (e < bestE) {
            bestE = e;
            best = [ea, ma, eb, mb];
          }
        }
        if (best) {
          emit(best[0], best[1], P, EMIT_SPLIT);
          emit(best[2], best[3], P, EMIT_SPLIT);
          return true;
        }
      }
      return false;
    };

    const analyse = (pix: Int32Array, T: number, depth: number, raised = false): void => {
      if (pix.length < minPix) return;
      const Pall = peak(pix);
      // a piece cut out of a plateau near its own top is noise on the plateau, not an object
      if (raised && T > 0.6 * Pall) {
        // … unless it is itself the size of an object (two objects side by side, cut apart)
        const mr = measure(pix);
        if (!(fitL(mr.L) && mr.W >= wmin - LOOSE_TOL * tolW && mr.W <= wmax + WIDE_TOL * tolW)) return;
      }
      let P = Pall;
      let half = Math.max(0, P - HALF_BIAS) / 2;
      if (p === 1 && shadowDir) {
        const m0 = measure(pix);
        if (m0.W > wmax && fitL(m0.L)) {
          const tp = trim(pix, m0);
          if (tp && tp.length >= minPix) {
            P = peak(tp);
            half = Math.max(0, P - HALF_BIAS) / 2;
          }
        }
      }
      if (half > T * 1.25 && depth < 8) {
        const ps = pieces(above(pix, half));
        // one object: carry on with its half-maximum region; several: each on its own
        if (ps.length !== 1) {
          for (const c of ps) analyse(c, half, depth + 1);
          return;
        }
        pix = ps[0];
        T = half;
      }
      if (half < T) pix = grow(pix, half);
      const m = measure(pix);
      parentNow = m;
      // dark, no bigger than an object and its longest shadow: take the shadow off
      if (p === 1 && maxShadowM !== null && m.area <= 3 * maxArea && m.L <= lmax + tolL + maxShadowM + gm) {
        const e = deshadow(pix);
        if (e) {
          const me = measure(e);
          if (fitL(me.L) && fitW(me.W)) {
            emit(e, me, P, EMIT_TRIM);
            return;
          }
        }
      }
      if (p === 1 && shadowDir && m.W > wmax && fitL(m.L)) {
        const tp = trim(pix, m);
        if (tp && tp.length >= minPix) {
          const mt = measure(tp);
          if (fitL(mt.L) && fitW(mt.W)) {
            emit(tp, mt, P, EMIT_TRIM);
            return;
          }
        }
        // the step, when one was found, may sit inside the object (a structure's
        // internal edge): fall back to the declared mid width on the sun side
        const tm = trim(pix, m, true);
        if (tm && tm.length >= minPix) {
          const mt = measure(tm);
          if (fitL(mt.L) && fitW(mt.W)) {
            emit(tm, mt, P, EMIT_TRIM);
            return;
          }
        }
      }
      raisedNow = raised;
      if (fitL(m.L) && fitW(m.W)) {
        emit(pix, m, P);
        return;
      }
      const tooBig = m.L > lmax + tolL || m.W > wmax + tolW;
      if (!tooBig && m.L >= lmin - LOOSE_TOL * tolL && m.W >= wmin - LOOSE_TOL * tolW) {
        emit(pix, m, P, EMIT_LOOSE);
        return;
      }
      if (!tooBig) return;
      // dark: the shadows taken off before the plain cut (which would keep them)
      if (
        p === 1 &&
        maxShadowM !== null &&
        m.L >= 2 * lmin - 0.5 * tolL &&
        m.L <= 2 * (lmax + tolL) + maxShadowM + gm &&
        m.area <= DARK_PAIR_AREA * maxArea &&
        m.area >= 1.5 * minArea
      ) {
        if (darkPair(pix, m, P)) return;
      }
      // dark, two side by side with their shadows: the shadow taken off the
      // pair (the sweep best fitting two objects abreast), then split as a
      // pair; the blob no longer than an object and the shadow's reach along it
      const reachL = shadowReach(m.ux, m.uy)?.[1] ?? 0;
      if (
        p === 1 &&
        maxShadowM !== null &&
        m.L >= lmin - tolL &&
        m.L <= lmax + tolL + reachL + gm &&
        m.area <= DARK_PAIR_AREA * maxArea &&
        m.area >= 1.5 * minArea
      ) {
        const e = deshadow(pix, 1, true, 2);
        if (e) {
          const me = measure(e);
          const n0 = cands.length;
          if (fitL(me.L)) sideBySide(e, me, P, EMIT_TRIM);
          if (cands.length > n0) return;
        }
      }
      if (m.area <= 2.6 * maxArea && m.area >= 1.5 * minArea) {
        if (split(pix, m, P)) return;
      }
      const before = cands.length;
      if (m.area <= 2.6 * maxArea && m.area >= 1.5 * minArea) sideBySide(pix, m, P);
      const T2 = T * 1.4;
      if (T2 < 0.85 * Pall && depth < 8) for (const c of pieces(above(pix, T2))) analyse(c, T2, depth + 1, true);
      // nothing found in it, and only a little too wide (blur widens what is
      // narrow at half maximum): a candidate, for the measurement and the score
      if (cands.length === before && fitL(m.L) && m.W <= wmax + WIDE_TOL * tolW && m.area <= 1.6 * maxArea) {
        raisedNow = raised;
        parentNow = m;
        emit(pix, m, P, EMIT_LOOSE | EMIT_WIDE);
      }
    };
    const first = cands.length;
    analyse(all, Tc, 0);
    const root = cands.length > first ? measure(all) : null;
    for (let k = first; k < cands.length; k++) {
      cands[k].flags |= extraFlags;
      if (root) {
        cands[k].rootL = root.L;
        cands[k].rootW = root.W;
      }
    }
  };

  const labels: Labels[] = [];
  for (const p of [0, 1] as const) {
    const R = runs[p].runs;
    const lb = labelRuns(runs[p], rh);
    labels.push(lb);
    if (p === 0 ? pol === 'dark' : pol === 'bright') continue; // labelled all the same, for the shadow check
    for (const gp of componentsOf(lb, minPix)) analyseComponent(p, R, gp);
  }

  // 5b. A second look at a lower threshold (LOW_T of T): components there
  //     that hold no candidate of the first look are analysed as well (an
  //     object of low contrast, or one by a pad or road edge where the
  //     background model is between two levels, breaks into pieces smaller
  //     than an object at T or does not reach it). Flagged for the score.
  {
    for (const p of [0, 1] as const) {
      if (p === 0 ? pol === 'dark' : pol === 'bright') continue;
      const R = runs[2 + p].runs;
      const lb = labelRuns(runs[2 + p], rh);
      // every pixel of the first look's candidates of this polarity
      const have = new Set<number>();
      for (const c of cands) if ((c.pol === 'dark') === (p === 1)) for (const g of c.pix) have.add(g);
      const maxPix = (LOW_MAX_AREA * maxArea) / pixArea;
      for (const gp of componentsOf(lb, minPix)) {
        let np = 0;
        for (const k of gp) np += R[3 * k + 2] - R[3 * k + 1] + 1;
        if (np > maxPix) continue;
        let held = false;
        for (const k of gp) {
          const o = R[3 * k] * w;
          for (let x = R[3 * k + 1]; x <= R[3 * k + 2] && !held; x++) held = have.has(o + x);
          if (held) break;
        }
        if (!held) analyseComponent(p, R, gp, LOW_T * T0, EMIT_LOW);
      }
    }
  }

  // 6. Shadows: dark candidates next to a bright component of object size.
  //    With the sun known: the fractions of the region's sun-side and
  //    anti-sun-side edge pixels with bright ground within 1 to 3 pixels. A
  //    bright object's shadow has bright along nearly all of its sun side
  //    (measured on the evaluation set: 0.9 or more for seven in eight); a
  //    dark object by a pad or a road edge has some, rarely half. Only the
  //    clear cases are dropped here (SHADOW_SUN_FRAC); the fractions go to the
  //    score. Sun unknown: bright components of object size next to it.
  const sunSide = (c: Candidate): [number, number] => {
    if (shadowDir) {
      const set = new Set<number>(c.pix);
      let sunE = 0,
        sunB = 0,
        antiE = 0,
        antiB = 0;
      for (const g of c.pix) {
        const y = (g / w) | 0,
          x = g - y * w;
        for (const sgn of [-1, 1]) {
          const qx0 = x + Math.round((sgn * shadowDir[0] * gm) / gx),
            qy0 = y + Math.round((sgn * shadowDir[1] * gm) / gy);
          if (qx0 < x0 || qy0 < y0 || qx0 >= x1 || qy0 >= y1 || set.has(qy0 * w + qx0)) continue;
          // an edge pixel of the region on this side: bright within 1 to 3 pixels?
          let bright = 0;
          for (let k = 1; k <= 3 && !bright; k++) {
            const qx = x + Math.round((k * sgn * shadowDir[0] * gm) / gx),
              qy = y + Math.round((k * sgn * shadowDir[1] * gm) / gy);
            if (qx < x0 || qy < y0 || qx >= x1 || qy >= y1) break;
            if (zAt(qx, qy) >= 0.75 * T0) bright = 1;
          }
          if (sgn < 0) {
            sunE++;
            sunB += bright;
          } else {
            antiE++;
            antiB += bright;
          }
        }
      }
      return [sunE > 0 ? sunB / sunE : 0, antiE > 0 ? antiB / antiE : 0];
    }
    const R = runs[0].runs;
    const { parent: par, area } = labels[0];
    let hits = 0;
    for (const g of c.pix) {
      const y = (g / w) | 0,
        x = g - y * w;
      for (let yy = Math.max(y0, y - 2); yy <= Math.min(y1 - 1, y + 2); yy++) {
        const rs = rowStart[0];
        for (let k = rs[yy - y0]; k < rs[yy - y0 + 1]; k++) {
          if (R[3 * k + 2] < x - 2 || R[3 * k + 1] > x + 2) continue;
          const a = area[findRoot(par, k)] * pixArea;
          if (a >= 0.3 * minArea && a <= 10 * maxArea) hits++;
        }
      }
      if (hits >= 3) return [1, 0];
    }
    return [0, 0];
  };
  const shadowOfBright = (f: [number, number]): boolean => f[0] >= SHADOW_SUN_FRAC && f[1] < SHADOW_ANTI_FRAC;

  const out: Collected[] = [];
  const lm = (lmin + lmax) / 2,
    wm = (wmin + wmax) / 2;
  // 7. The profile fits (detect-refine.ts), on the worker threads when the
  // pass is large enough to have them and the candidates are many.
  const kept: Candidate[] = [];
  const sunFrac: [number, number][] = [];
  /** Level over the background at a pixel (1 on open ground), NaN at nodata or where the background is not positive. */
  const levelAt = (x: number, y: number): number => levelAtPx(ctx, bgm, x, y);
  // The scene's shadow ratio: the level of bright objects' shadows over
  // their ground, inside the site or not. Light in shadow is the sky's alone,
  // so the ratio is one for the scene, whatever the ground; a dark object's
  // own shadow is at it, the object (at its own level) and a dark
  // distractor's body in general not. (Unknown, its features 0, without the
  // sun's azimuth, with no bright object's shadow, or when only bright
  // objects are sought: then no dark component is analysed.)
  const shadowLevels: number[] = [];
  for (const c0 of cands) {
    const f: [number, number] = c0.pol === 'dark' ? sunSide(c0) : [-1, -1];
    if (c0.pol === 'dark' && shadowOfBright(f)) {
      let acc = 0,
        n = 0;
      for (const g of c0.pix) {
        const y = (g / w) | 0,
          r = levelAt(g - y * w, y);
        if (r === r) {
          acc += r;
          n++;
        }
      }
      if (n) shadowLevels.push(acc / n);
      continue;
    }
    if (!inSite(c0.cx, c0.cy)) continue;
    kept.push(c0);
    sunFrac.push(f);
  }
  shadowLevels.sort((a, b) => a - b);
  const shadowRatio = shadowLevels.length ? shadowLevels[shadowLevels.length >> 1] : NaN;
  /**
   * Mean level (levelAt) over a grid of points of a candidate, metres from
   * its centre: along its axis by `along`, across it by `across` (positive:
   * the side its shadow falls on, or either side without the sun). NaN when
   * none is inside.
   */
  const meanLevel = (c: Candidate, along: readonly number[], across: readonly number[]): number => {
    let vx = -c.uy,
      vy = c.ux;
    if (shadowDir && vx * shadowDir[0] + vy * shadowDir[1] < 0) {
      vx = -vx;
      vy = -vy;
    }
    let acc = 0,
      n = 0;
    for (const s of along) {
      for (const t of across) {
        const x = Math.floor(c.cx + (s * c.ux + t * vx) / gx),
          y = Math.floor(c.cy + (s * c.uy + t * vy) / gy);
        if (x < x0 || y < y0 || x >= x1 || y >= y1) continue;
        const r = levelAt(x, y);
        if (r === r) {
          acc += r;
          n++;
        }
      }
    }
    return n ? acc / n : NaN;
  };
  /** Over the middle 60 % of its length (SPAN_ALONG), from a to b metres across it. */
  const levelAcross = (c: Candidate, a: number, b: number): number =>
    meanLevel(
      c,
      SPAN_ALONG.map((f) => f * c.L),
      [a, (a + b) / 2, b],
    );
  /** Beyond one end (end = ±1), from a to b metres past it, across its middle half. */
  const levelBeyond = (c: Candidate, end: number, a: number, b: number): number =>
    meanLevel(
      c,
      [a, (a + b) / 2, b].map((t) => end * (c.L / 2 + t)),
      [-0.25 * c.W, 0, 0.25 * c.W],
    );
  const rjob: RefineJob = { x0, y0, x1, y1, gx, gy, shadow: shadowDir, maxShadowM };
  const fitted = fitProfiles(ctx, bgm, rjob, kept, par);
  for (let ki = 0; ki < kept.length; ki++) {
    const c0 = kept[ki];
    // A bright object takes the fit's centre and size; a dark one only the
    // fit's centre along its axis (across it, its shadow, as dark as it,
    // makes the fit ambiguous: measured on the evaluation set, the fit's
    // centre across moved dark centres away from the truth). The fit goes to
    // the score as features either way.
    const rf = fitted[ki];
    // (the fit itself bounds how far it may move and resize: detect-refine.ts)
    const mv = rf ? Math.hypot((rf.cx - c0.cx) * gx, (rf.cy - c0.cy) * gy) : 0;
    const rfOk = rf !== null;
    let c = c0;
    if (rfOk && rf && c0.pol === 'bright') c = { ...c0, cx: rf.cx, cy: rf.cy, L: rf.L, W: rf.W };
    else if (rfOk && rf) {
      // dark: the fit's centre along the axis only (its ends are steps of the
      // object's own level; across it the shadow is as dark as the object)
      let al = (rf.cx - c0.cx) * gx * c0.ux + (rf.cy - c0.cy) * gy * c0.uy;
      // when its shadow can reach past an end by half a pixel or more, that
      // end is not the object's: the sun-side end and the length measured
      // with the shadow taken off (a shift as bounded as the fit's); only
      // for a candidate whose shadow was taken off, whose length is the object's
      const sa = shadowDir ? c0.ux * shadowDir[0] + c0.uy * shadowDir[1] : 0;
      if (shadowDir && maxShadowM !== null && c0.flags & EMIT_TRIM && Math.abs(sa) * maxShadowM >= 0.5 * gm) {
        const sunEnd = sa > 0 ? rf.endLo : rf.endHi;
        const bound = MAX_MOVE_PX * gm + 0.3;
        al = Math.max(-bound, Math.min(bound, sunEnd + (Math.sign(sa) * c0.L) / 2));
      }
      c = { ...c0, cx: c0.cx + (al * c0.ux) / gx, cy: c0.cy + (al * c0.uy) / gy };
    }
    // heading: clockwise from north (up = −y)
    let hd = (Math.atan2(c.ux, -c.uy) * 180) / Math.PI;
    hd = ((hd % 180) + 180) % 180;
    // 8. Features for the score (SCORE_FEATURES): sizes in widening
    // tolerances beyond the declared range (Lo: short of it, Hi: past it)
    // and relative to its middle, contrast over the threshold, shape, how
    // the candidate was found, and the profile fit. All free of scale: no
    // GSD, no size in metres, widths in pixels capped at WPX_CAP.
    const lP = Math.log(c.P / T0);
    const fv = new Float64Array(SCORE_FEATURES.length);
    let k = 0;
    fv[k++] = lP;
    fv[k++] = Math.max(0, lmin - c.L) / tolL;
    fv[k++] = Math.max(0, c.L - lmax) / tolL;
    fv[k++] = Math.max(0, wmin - c.W) / tolW;
    fv[k++] = Math.max(0, c.W - wmax) / tolW;
    fv[k++] = (c.L - lm) / (lmax - lmin + 2 * tolL);
    fv[k++] = (c.W - wm) / (wmax - wmin + 2 * tolW);
    fv[k++] = c.feats.rect;
    fv[k++] = c.feats.wcv;
    fv[k++] = c.flags & EMIT_SPLIT ? 1 : 0;
    fv[k++] = c.flags & EMIT_TRIM ? 1 : 0;
    fv[k++] = c.flags & EMIT_RAISED ? 1 : 0;
    fv[k++] = c.flags & EMIT_LOOSE ? 1 : 0;
    fv[k++] = c.flags & EMIT_WIDE ? 1 : 0;
    fv[k++] = Math.log((c.comp * pixArea) / c.area);
    fv[k++] = Math.min(WPX_CAP, c.W / gm);
    fv[k++] = c.ds.step;
    fv[k++] = c.ds.fit;
    fv[k++] = c.flags & EMIT_SIDE ? 1 : 0;
    fv[k++] = c.pair.stag;
    fv[k++] = c.pair.wpair;
    fv[k++] = rfOk ? 1 : 0;
    fv[k++] = rfOk && rf ? Math.log(Math.max(1, rf.C)) : 0;
    fv[k++] = rfOk && rf ? rf.sigma / gm : 0;
    fv[k++] = rfOk && rf ? rf.rms : 0;
    fv[k++] = rfOk && rf ? rf.L / c0.L : 1;
    fv[k++] = rfOk && rf ? rf.W / c0.W : 1;
    fv[k++] = rfOk ? mv / gm : 0;
    fv[k++] = rfOk && rf ? rf.shadowAcross : 0;
    fv[k++] = rfOk && rf ? rf.shadowAcrossM / gm : 0;
    fv[k++] = rfOk && rf ? rf.shadowAlong : 0;
    fv[k++] = rfOk && rf ? rf.baseAcross : 0;
    fv[k++] = rfOk && rf ? rf.baseAlong : 0;
    // the region it was cut from, and how far a shadow of the class's height reaches across and along
    fv[k++] = (c0.parentW - wm) / (wmax - wmin + 2 * tolW);
    fv[k++] = (c0.parentL - lm) / (lmax - lmin + 2 * tolL);
    const reach = shadowReach(c.ux, c.uy);
    fv[k++] = reach ? reach[0] / tolW : -1;
    fv[k++] = reach ? reach[1] / tolL : -1;
    // what of the region's size the declared size and (dark) the longest shadow leave unexplained
    const [rA, rL] = reach && c0.pol === 'dark' ? reach : [0, 0];
    fv[k++] = (c0.parentW - wmax - rA) / tolW;
    fv[k++] = (c0.parentL - lmax - rL) / tolL;
    // bright ground by a dark candidate, on its sun side and on the other (-1: bright candidate)
    fv[k++] = sunFrac[ki][0];
    fv[k++] = sunFrac[ki][1];
    fv[k++] = c.flags & EMIT_LOW ? 1 : 0;
    // the whole component it came from (a piece cut out of a longer or wider one)
    fv[k++] = (c0.rootL - lm) / (lmax - lmin + 2 * tolL);
    fv[k++] = (c0.rootW - wm) / (wmax - wmin + 2 * tolW);
    // levels over the ground (in units of the noise there): the body, the
    // strip beside it where its shadow falls and the strip on the sun side,
    // against each other and against the scene's shadow ratio
    {
      const cxi = Math.min(x1 - 1, Math.max(x0, Math.floor(c.cx))),
        cyi = Math.min(y1 - 1, Math.max(y0, Math.floor(c.cy)));
      const bg = G0.at(cxi, cyi) + F.at(cxi, cyi);
      const nr = bg > 0 ? S.at(cxi, cyi) / bg : NaN;
      const out1 = c.W / 2 + 0.5 * gm,
        out2 = c.W / 2 + Math.max(gm, 0.5 * (reach ? reach[0] : 0));
      const body = levelAcross(c, -c.W / 4, c.W / 4);
      const anti = levelAcross(c, out1, out2);
      const sun = levelAcross(c, -out2, -out1);
      const rel = (a: number, b: number): number => {
        const v = (a - b) / nr;
        return v === v ? Math.max(-FEATURE_CAP, Math.min(FEATURE_CAP, v)) : 0;
      };
      const known = shadowRatio === shadowRatio && shadowDir !== null;
      fv[k++] = known ? 1 : 0;
      fv[k++] = known ? rel(anti, shadowRatio) : 0;
      fv[k++] = known ? rel(body, shadowRatio) : 0;
      fv[k++] = shadowDir ? rel(anti, sun) : 0;
      // of its polarity beyond its ends (a longer object cut short goes on)
      // and beyond where the longest shadow reaches (a wider one goes on)
      const sg = c0.pol === 'dark' ? -1 : 1;
      const e1 = sg * rel(levelBeyond(c, 1, 0.5 * gm, 1.5 * gm), 1),
        e2 = sg * rel(levelBeyond(c, -1, 0.5 * gm, 1.5 * gm), 1);
      fv[k++] = Math.max(e1, e2);
      fv[k++] = Math.min(e1, e2);
      const far = c.W / 2 + (reach ? reach[0] : 0) + gm;
      fv[k++] = sg * rel(levelAcross(c, far, far + gm), 1);
    }
    // the shape score: contrast and the fit to the declared size only
    const fl = Math.max(0, 1 - Math.abs(c.L - lm) / ((lmax - lmin) / 2 + FIT_SPAN * tolL));
    const fw = Math.max(0, 1 - Math.abs(c.W - wm) / ((wmax - wmin) / 2 + FIT_SPAN * tolW));
    const shape = 0.5 * (1 - Math.exp(-c.P / (2 * T0))) + 0.25 * fl + 0.25 * fw;
    const ll = pixelToLonLat(raster.geo, c.cx, c.cy);
    out.push({
      detection: {
        lat: ll ? ll[1] : null,
        lon: ll ? ll[0] : null,
        x: c.cx,
        y: c.cy,
        length_m: c.L,
        width_m: c.W,
        heading_deg: hd,
        score: 0,
        polarity: c.pol,
      },
      features: fv,
      shape,
    });
  }
  return out;
}

/**
 * One object, one detection: of two of the same polarity closer than
 * NMS_WIDTHS of the narrowest declared width (metres), the lower score goes.
 * Returns the survivors, highest score first.
 */
export function oneDetectionPerObject(dets: Detection[], widthMin: number, gsd: Gsd): Detection[] {
  const kept = dets.slice().sort((a, b) => b.score - a.score || a.y - b.y || a.x - b.x);
  const r = NMS_WIDTHS * widthMin;
  const gx = gsd.x,
    gy = gsd.y;
  const out: Detection[] = [];
  const cell = new Map<string, Detection[]>();
  const cs = Math.max(r / gx, r / gy, 1);
  for (const d of kept) {
    const ci = Math.floor(d.x / cs),
      cj = Math.floor(d.y / cs);
    let clash = false;
    for (let dj = -1; dj <= 1 && !clash; dj++) {
      for (let di = -1; di <= 1 && !clash; di++) {
        for (const e of cell.get(`${ci + di},${cj + dj}`) ?? []) {
          if (e.polarity === d.polarity && Math.hypot((e.x - d.x) * gx, (e.y - d.y) * gy) < r) {
            clash = true;
            break;
          }
        }
      }
    }
    if (clash) continue;
    out.push(d);
    const key = `${ci},${cj}`;
    const list = cell.get(key);
    if (list) list.push(d);
    else cell.set(key, [d]);
  }
  return out;
}

let compiled: CompiledTrees | null = null;

/** The second-stage model, checked against the features this detector computes. */
function scoreModel(): CompiledTrees {
  if (compiled) return compiled;
  const m = new CompiledTrees(SCORE_TREES);
  if (m.features.length !== SCORE_FEATURES.length || m.features.some((f, i) => f !== SCORE_FEATURES[i])) {
    throw new Error(
      `detect: the score model expects features [${m.features.join(', ')}], the detector computes [${SCORE_FEATURES.join(', ')}]`,
    );
  }
  compiled = m;
  return m;
}

export class ClassicalDetector implements ObjectDetector {
  detect(raster: Raster, opts: DetectOptions): Detection[] {
    const scoring = opts.scoring ?? 'model';
    const minScore = opts.minScore ?? (scoring === 'shape' ? 0.7 : SCORE_THRESHOLD);
    const found = collectCandidates(raster, opts);
    const model = scoring === 'model' ? scoreModel() : null;
    const kept: Detection[] = [];
    for (const c of found) {
      const score = model ? model.probability(c.features) : c.shape;
      if (score < minScore) continue;
      kept.push({ ...c.detection, score: Math.round(score * 1000) / 1000 });
    }
    const out = oneDetectionPerObject(kept, opts.widthM[0], opts.gsd);
    out.sort((a, b) => a.y - b.y || a.x - b.x);
    return out;
  }
}

/** The default detector. */
export function detectObjects(raster: Raster, opts: DetectOptions): Detection[] {
  return new ClassicalDetector().detect(raster, opts);
}
