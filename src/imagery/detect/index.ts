/**
 * Counting objects of a declared class in one image: a classical detector.
 * This file is the folder's API; collect.ts lists which file holds each step.
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
 *    its length (split.ts) are objects of the class, with ends offset
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
 * 7. Measured again (refine.ts) by fitting the profiles of a
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
 * 8. Score: boosted trees (score-model.txt, learned by
 *    scripts/imagery-train.ts from scenes drawn from the accuracy table with
 *    other seeds than the evaluation's) over SCORE_FEATURES: contrast over
 *    the threshold, length and width short of or past the declared range (in
 *    tolerances) and relative to its middle, shape (area over the oriented
 *    box, width variation along the length: shape.ts), how it was
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
 *    renderer's scales. Detections under the model file's threshold (
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
 * arithmetic, so the same result; setDetectorThreads(0) turns it off, N
 * sets the count, and the command reads TALLY_DETECT_THREADS), the calling thread blocking so that `detect` stays
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
export { ClassicalDetector, detectObjects, oneDetectionPerObject } from './detector.js';
export { collectCandidates, pixelToLonLat, type Collected } from './collect.js';
export { setDetectorThreads } from './pool.js';
export type { DetectOptions, ObjectDetector } from './options.js';
export { SCORE_FEATURES } from './features.js';
export { scoreModel, loadScoreModel, SCORE_MODEL_PATH, type ScoreModel } from './score.js';
export {
  formatScoreModel,
  parseScoreModel,
  parseSeeds,
  type BoostSettings,
  type ScoreModelFile,
  type ThresholdRow,
} from './model-file.js';
