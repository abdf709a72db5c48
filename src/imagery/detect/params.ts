/**
 * Every constant of the detector, in one place, each with the reason for its
 * value. Units: _PX pixels, _M metres, _Z noise units (z), _DEG degrees;
 * fractions and factors of the declared sizes, of the threshold or of a
 * peak carry no suffix. "Tolerance" is the widening of the declared length
 * or width range (LENGTH_TOL, WIDTH_TOL). The score's model and its floor
 * are data (score-model.txt), not constants.
 */

/* ---------- the declared class and the threshold ---------- */

/** Threshold in noise units (z) when the caller gives none: white noise passes it at about one pixel in 30,000 per polarity. */
export const DEFAULT_THRESHOLD_Z = 4;
/** The length range is widened by this fraction of the longest declared length (a measured length scatters by a few %)… */
export const LENGTH_TOL = 0.05;
/** …or by this many pixels, whichever is more (a half-maximum end moves by up to half a pixel). */
export const LENGTH_TOL_PX = 0.5;
/** The width range is widened by this fraction of the widest declared width (widths scatter more than lengths)… */
export const WIDTH_TOL = 0.1;
/** …or by this many pixels, whichever is more (a width of a few pixels is uncertain by most of a pixel). */
export const WIDTH_TOL_PX = 0.75;
/** A region of fewer pixels than this is never a candidate (no moments from one pixel). */
export const MIN_PIXELS = 2;
/** …nor one smaller than this fraction of the smallest declared area (it cannot measure as an object). */
export const MIN_AREA = 0.3;
/** Pixels of margin around the site's bounding box, beyond one longest length (the background's blocks need ground). */
export const SITE_MARGIN_PX = 4;
/** The lowest sun elevation a shadow's length is computed for (at 5° a shadow is already 11 heights long). */
export const MIN_SUN_ELEVATION_DEG = 5;

/* ---------- luminance and the background model ---------- */

/** Histogram bins per block: one per grey level of 8-bit input (exact), a 255th of the range otherwise. */
export const HIST_BINS = 256;
/** Pixels sampled for the value range of non-8-bit input: enough for its extremes, a fixed cost. */
export const RANGE_SAMPLE_PIXELS = 1_000_000;
/** Coarse background blocks are about one declared length across, but no fewer pixels than this (64 pixels for a median)… */
export const COARSE_BLOCK_MIN_PX = 8;
/** …and no more (the background must follow the ground's slope). */
export const COARSE_BLOCK_MAX_PX = 256;
/** The fine background's blocks are this fraction of the coarse ones across (they follow the ground's texture)… */
export const FINE_BLOCK_DIVISOR = 3;
/** …but at least this many pixels (a mean needs pixels). */
export const FINE_BLOCK_MIN_PX = 3;
/** Residual histograms resolve a quarter of a grey level (noise can be a grey level or two). */
export const RESIDUAL_BINS_PER_LEVEL = 4;
/** Median absolute deviation to standard deviation, for Gaussian noise. */
export const MAD_TO_SIGMA = 1.4826;
/** The noise is at least this many grey levels (flat or saturated ground must not give a noise of zero). */
export const NOISE_FLOOR_LEVELS = 0.5;
/** A block's median counts only when this fraction of its pixels has data (else it is filled from its neighbours). */
export const BLOCK_MIN_COVER = 0.25;
/** The fine background averages the residuals within this many noise units (objects left out). */
export const FINE_INLIER_Z = 2.5;
/** A fine block's mean counts only when this fraction of its pixels is inlying ground. */
export const FINE_MIN_COVER = 0.6;
/**
 * Block medians from every other row and column when a block holds 32 × 32
 * pixels or more: a quarter of the pixels, still 256 or more per block, keeps
 * a median's sampling error under a tenth of the noise (1.25 σ / √256), and
 * the passes over the pixels are most of the detector's time on large images.
 */
export const MEDIAN_SAMPLE_MIN_BLOCK_PX = 32;
/** The fine background's means from every other row when its blocks are this many pixels across or more. */
export const FINE_SAMPLE_MIN_BLOCK_PX = 12;

/* ---------- worker threads ---------- */

/** Below this many pixels in the region, the passes run on the calling thread (starting workers costs more). */
export const PARALLEL_MIN_PIXELS = 4_000_000;
/** Workers at most, one per core up to this (each holds its own copies of the block grids). */
export const MAX_WORKERS = 8;
/** A worker must answer its first message within this (ms), or the detector runs without workers. */
export const WORKER_START_TIMEOUT_MS = 30_000;
/** A job must finish within this (ms), or the pool is dropped and the detector fails loudly. */
export const WORKER_JOB_TIMEOUT_MS = 600_000;
/** Profile fits go to the workers only when there are this many candidates (fewer are quicker in line). */
export const PARALLEL_MIN_FITS = 64;

/* ---------- components and the second look ---------- */

/** The second look's threshold, as a fraction of the first's (objects of low contrast break into pieces at T). */
export const LOW_T = 0.75;
/** The second look takes components up to this many times the largest declared area (two objects and their shadows; not roads or pads). */
export const LOW_MAX_AREA = 4;
/** z is computed on a component and this many rings of pixels around it (the analysis grows a set by one ring at most). */
export const PATCH_RING_PX = 2;

/* ---------- candidates: measurement ---------- */

/** Pixels added to the moment length: the half-maximum region loses about a quarter pixel at each end. */
export const LENGTH_END_PX = 0.5;
/** The peak is the mean of the top quarter of |z|: steadier than a high percentile on small sets. */
export const PEAK_TOP = 0.75;
/** The top quarter by quickselect above this many pixels (a full sort below: the same sum, cheaper for few). */
export const PEAK_SELECT_MIN_PIXELS = 64;
/**
 * The half-maximum level is half of (P − HALF_BIAS_Z): the mean of the top
 * quarter of a noisy plateau sits about 1.3 noise units above its level.
 */
export const HALF_BIAS_Z = 1.3;
/** A component is cut at its half maximum when that is this much above the level it was found at (else grown to it). */
export const HALF_CUT = 1.25;
/** Cuts within cuts at most this deep (a plateau's noise would otherwise be cut for ever). */
export const MAX_CUT_DEPTH = 8;
/** A piece of a raised cut whose level is past this fraction of its own peak is noise on a plateau (unless object-sized). */
export const PLATEAU_TOP = 0.6;
/** The raised cut: the level times this, which separates objects from a weaker pad, road or shadow… */
export const RAISED_CUT = 1.4;
/** …tried only while it stays under this fraction of the region's peak. */
export const RAISED_CUT_MAX = 0.85;

/* ---------- candidates: sizes ---------- */

/** Too small by up to this many tolerances: still a candidate (the score decides). */
export const LOOSE_TOL = 3;
/** Too wide by up to this many tolerances, where nothing else came of the component: still a candidate. */
export const WIDE_TOL = 3;
/** …and no bigger than this many largest declared areas (not a pad). */
export const WIDE_MAX_AREA = 1.6;
/** A component is split in two only when its area lies between these many smallest and largest declared areas. */
export const SPLIT_MIN_AREA = 1.5;
export const SPLIT_MAX_AREA = 2.6;
/** End to end: the whole at least twice the shortest declared length less this many length tolerances. */
export const END_TO_END_SLACK_TOL = 0.5;
/** Side by side: split only where the contrast along the cut dips below this fraction of its sides'. */
export const SEAM_DIP = 0.9;
/** The seam's band is this fraction of the width across… */
export const SEAM_BAND = 1 / 8;
/** …but at least this many pixels (the band, twice this across, spans a pixel)… */
export const SEAM_BAND_MIN_PX = 0.5;
/** …and its sides reach this many bands from the cut. */
export const SEAM_SIDES = 3;
/** Side by side with no seam: the halves' ends offset by at least this many pixels on average. */
export const SIDE_STAG = 0.8;
/** …and the whole at least twice the mid width less this many width tolerances. */
export const SIDE_WPAIR = -1;
/** The halves' end offset counts up to this many pixels in the score (larger offsets tell no more). */
export const SIDE_STAG_CAP_PX = 8;

/* ---------- candidates: dark objects and their shadows ---------- */

/** Object and shadow: a step of the level between them at least this (relative) is taken as their boundary. */
export const SHADOW_STEP = 0.2;
/** A dark blob no bigger than this many largest objects is tried as one object and its shadow. */
export const SHADOWED_MAX_AREA = 3;
/** Dark end to end: the merged component (objects and shadows) no bigger than this many largest objects. */
export const DARK_PAIR_AREA = 4;
/** The sun-side cut needs the long axis at least this far (cosine) from the shadow's direction (else the shadow runs along it). */
export const SUN_SIDE_MIN_ANGLE = 0.25;
/** The sun-side edge is the blob's 2nd percentile across (one stray pixel does not move it). */
export const SUN_EDGE_QUANTILE = 0.02;

/* ---------- shadows of bright objects (step 6) ---------- */

/** Bright ground is looked for up to this many pixels beyond a dark candidate's edge. */
export const SUN_SIDE_REACH_PX = 3;
/** Ground this bright (a fraction of the threshold) counts as a bright object beside a shadow. */
export const BRIGHT_GROUND = 0.75;
/**
 * A dark candidate with bright ground along this fraction of its sun-side
 * edge, and along less than SHADOW_ANTI_FRAC of the other side, is a bright
 * object's shadow and dropped. Measured on the evaluation set: of the dark
 * candidates that a 0.3 rule dropped, shadows of bright objects had 0.9 or
 * more for seven in eight, true dark objects (by a pad or road edge) 0.33
 * to 0.58.
 */
export const SHADOW_SUN_FRAC = 0.6;
export const SHADOW_ANTI_FRAC = 0.3;
/** Sun unknown: bright runs this many pixels around a dark candidate's pixels are its neighbours. */
export const NEIGHBOUR_PX = 2;
/** …that belong to a bright component between these many smallest and largest declared areas (of object size)… */
export const NEIGHBOUR_MIN_AREA = 0.3;
export const NEIGHBOUR_MAX_AREA = 10;
/** …met this many times: the dark candidate is a shadow. */
export const NEIGHBOUR_HITS = 3;

/* ---------- the profile fits (refine.ts) ---------- */

/** Levenberg–Marquardt iterations at most (a good start converges in a handful). */
export const FIT_MAX_ITERATIONS = 10;
/**
 * How far the fit may take the first measurement: the centre by this many
 * pixels (and FIT_MOVE_M), the length and width within these factors, the
 * PSF sigma within these pixels. Bounded so that a fit cannot swap the object
 * for its shadow or a neighbour (unbounded, it did so on the evaluation set).
 */
export const MAX_MOVE_PX = 0.75;
export const FIT_MOVE_M = 0.3;
export const LENGTH_RANGE: readonly [number, number] = [0.85, 1.2];
export const WIDTH_RANGE: readonly [number, number] = [0.7, 1.35];
export const SIGMA_RANGE_PX: readonly [number, number] = [0.5, 1.6];
/** Past the first crossing by this much (metres) either side, the end's own inside and outside levels. */
export const END_GAP_M = 1.5;
/** The outside level over this much ground past the end (metres); the inside over a quarter of the length, at most END_IN_M. */
export const END_OUT_M = 3;
export const END_IN_M = 5;
/**
 * An end's own step at least this part of the plateau's height, or the first
 * crossing stays (past a dark object's end its shadow can be nearly as dark).
 */
export const END_MIN_STEP = 0.5;
/** Without a shadow length, the fit's window reaches this many metres past the object (a vehicle's shadow and ground past it). */
export const FIT_REACH_M = 4;
/** A dark candidate's fitted end on the shadow side is not its own when its shadow reaches this many pixels past it. */
export const SHADOW_PAST_END_PX = 0.5;

/* ---------- the score's features ---------- */

/**
 * The width in pixels counts up to this many in the score's features: the
 * synthetic scenes the score learns from have nothing wider than about 12 px,
 * and 0.3 m imagery of a 12 m wide object is 40.
 */
export const WPX_CAP = 4;
/** Where along a candidate (fractions of its length from the centre) its levels are sampled (levelAcross). */
export const SPAN_ALONG: readonly number[] = [-0.3, -0.15, 0, 0.15, 0.3];
/** Level differences go to the score in noise units, at most this far from 0. */
export const FEATURE_CAP = 50;

/* ---------- the score and one detection per object ---------- */

/** The shape score's size fit reaches 0 this many widening tolerances beyond the declared range. */
export const FIT_SPAN = 3;
/** The shape score: this weight on the contrast, 1 − exp(−P / (SHAPE_CONTRAST_T × T))… */
export const SHAPE_CONTRAST_WEIGHT = 0.5;
export const SHAPE_CONTRAST_T = 2;
/** …and this on each of the length's and the width's fit to the declared range. */
export const SHAPE_SIZE_WEIGHT = 0.25;
/** The shape score's floor when the caller gives none: contrast well over the threshold and a size near the declared. */
export const SHAPE_MIN_SCORE = 0.7;
/** Scores are reported to this many parts (three decimals). */
export const SCORE_ROUNDING = 1000;
/** Non-maximum suppression: same-polarity detections closer than this many narrowest declared widths are one. */
export const NMS_WIDTHS = 0.45;
