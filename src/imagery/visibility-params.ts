/**
 * Every constant of the visibility test (visibility.ts), each with the
 * reason for its value. Brightness and spreads are fractions of the image's
 * full scale (255 for 8-bit data; for 16-bit data the smallest 2^k - 1 that
 * holds its brightest pixel, e.g. 2047 for 11-bit panchromatic), so that the
 * same values serve 8-bit visual products and raw 11- or 12-bit data.
 * Measured on the generated cloud of scenario/scenes.ts and on the real
 * passes of ../shared/data/imagery (docs/imagery.md, "Can the pass see the
 * ground"); `node dist/scripts/imagery-visibility.js` prints both.
 */

/**
 * Cells are this many pixels across: 64 pixels give percentiles that move by
 * about a grey level between cells of the same ground, and a cloud a few
 * cells across (12 m at 0.5 m GSD) fills whole cells, so that a cloud that
 * could hide an item is seen.
 */
export const CELL_PX = 8;
/** A cell is nodata when over half its pixels are (its median would describe the fill, not the ground). */
export const CELL_MAX_NODATA = 0.5;
/** A pixel is saturated within half an 8-bit level of full scale (the sensor clipped: nothing under it can be measured). */
export const SATURATED = 1 - 0.5 / 255;
/** A cell is saturated when over half its pixels are (a few clipped pixels are bright objects, not a clipped scene). */
export const CELL_MAX_SATURATED = 0.5;
/** Percentiles of a cell's spread: the 10th to the 90th, so that one object or a few noisy pixels do not make a cloud look textured. */
export const SPREAD_LOW = 0.1;
export const SPREAD_HIGH = 0.9;
/**
 * A cell whose spread is under one 8-bit level is blank: every sensor shows
 * at least a level of noise over real ground, so a spread below it is a fill
 * (a black frame, a constant), not an image of the ground.
 */
export const BLANK_SPREAD = 1 / 255;
/**
 * Cloud and snow are bright and smooth: a median over 70 % of full scale
 * (ground in 8-bit visual products sits at 15 to 60 %; thick cloud and fresh
 * snow at 80 to 100 %)…
 */
export const CLOUD_BRIGHTNESS = 0.7;
/** …with a 10-90 % spread under 8 % of full scale (ground that bright, such as concrete or sand, shows its joints, tracks and shadows). */
export const CLOUD_SPREAD = 0.08;
/**
 * Haze and thin cloud lift the ground towards white and flatten it: a
 * median over 50 % of full scale with a spread under 3 % (a level of
 * contrast at which the items, 45 levels above the ground in the scenes,
 * keep under 8 levels and vanish in the noise of a textured background).
 */
export const HAZE_BRIGHTNESS = 0.5;
export const HAZE_SPREAD = 0.03;
/**
 * How many of its eight neighbours must be obscured too (by any kind; beyond
 * the image edge counts) for a cell of each kind to count. Nodata and a
 * clipped sensor are what they are: none. A cloud is larger than a cell
 * (4 m at 0.5 m GSD; real clouds are tens of metres and more), a bright flat
 * roof often is not: one. Haze and blank fills cover country, while a pale
 * flat apron, calm water or a flat block of a JPEG is a few cells: all eight.
 */
export const NEIGHBOURS = { nodata: 0, saturated: 0, blank: 8, 'cloud or snow': 1, haze: 8 } as const;
/**
 * The pass is unusable when a connected patch of ground that cannot be seen
 * inside the site (obscured cells, nodata, or the part of the site outside
 * the image) could hide this many of the smallest declared items (their
 * footprint, length × width, each the smallest of the declared range): one
 * item hidden is one item unaccounted for.
 */
export const HIDDEN_ITEMS = 1;
