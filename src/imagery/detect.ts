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
import { availableParallelism } from 'node:os';
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import type { BandArray, Detection, Georeference, Gsd, Raster } from './types.js';
import { applyTransform, isSupportedEpsg, toWgs84 } from './crs.js';
import { shapeFeatures, type ShapeFeatures } from './detect-features.js';
import { splitSideBySide } from './detect-split.js';
import { MAX_MOVE_PX, refineCandidate } from './detect-refine.js';
import { CompiledTrees } from './boost.js';
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

class Grow {
  a: Int32Array;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Int32Array(cap);
  }
  push3(p: number, q: number, r: number): void {
    if (this.n + 3 > this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = p;
    this.a[this.n++] = q;
    this.a[this.n++] = r;
  }
}

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

function find(par: Int32Array, i: number): number {
  while (par[i] !== i) {
    par[i] = par[par[i]];
    i = par[i];
  }
  return i;
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

function medianOfHist(hist: Int32Array, off: number, nb: number, total: number): number {
  const half = total / 2;
  let acc = 0;
  for (let b = 0; b < nb; b++) {
    const c = hist[off + b];
    if (acc + c >= half) return b + (c > 0 ? (half - acc) / c : 0);
    acc += c;
  }
  return nb - 1;
}

/**
 * Values on a grid of square blocks (B pixels) over a region, read back at
 * any pixel by bilinear interpolation between block centres.
 */
class Grid {
  readonly gw: number;
  readonly gh: number;
  readonly v: Float32Array;
  private readonly cx0: Int32Array;
  private readonly cx1: Int32Array;
  private readonly cwx: Float32Array;
  private readonly tmp: Float32Array;
  /** Ends (exclusive) of the runs of columns that share their two block centres. */
  private readonly segEnd: Int32Array;
  constructor(
    readonly B: number,
    readonly x0: number,
    readonly y0: number,
    readonly rw: number,
    readonly rh: number,
  ) {
    this.gw = Math.ceil(rw / B);
    this.gh = Math.ceil(rh / B);
    this.v = new Float32Array(this.gw * this.gh);
    this.cx0 = new Int32Array(rw);
    this.cx1 = new Int32Array(rw);
    this.cwx = new Float32Array(rw);
    this.tmp = new Float32Array(this.gw);
    const ends: number[] = [];
    for (let x = 0; x < rw; x++) {
      const f = (x + 0.5) / B - 0.5;
      const a = Math.max(0, Math.min(this.gw - 1, Math.floor(f)));
      this.cx0[x] = a;
      this.cx1[x] = Math.min(this.gw - 1, a + 1);
      this.cwx[x] = Math.max(0, Math.min(1, f - a));
      if (x > 0 && a !== this.cx0[x - 1]) ends.push(x);
    }
    ends.push(rw);
    this.segEnd = Int32Array.from(ends);
  }

  /** Interpolated values of image row y, for the region's columns. */
  row(y: number, out: Float32Array): void {
    const { gw, gh, v, tmp, cx0, cx1, cwx } = this;
    const f = (y - this.y0 + 0.5) / this.B - 0.5;
    const a = Math.max(0, Math.min(gh - 1, Math.floor(f)));
    const b = Math.min(gh - 1, a + 1);
    const t = Math.max(0, Math.min(1, f - a));
    for (let i = 0; i < gw; i++) tmp[i] = v[a * gw + i] * (1 - t) + v[b * gw + i] * t;
    // by runs of columns between the same two block centres
    const segEnd = this.segEnd;
    let x = 0;
    for (let sgi = 0; sgi < segEnd.length; sgi++) {
      const p = tmp[cx0[x]];
      const d = tmp[cx1[x]] - p;
      const e = segEnd[sgi];
      for (; x < e; x++) out[x] = p + d * cwx[x];
    }
  }

  /** at(x, y) for x = xa … xa + out.length − 1 (the same arithmetic, the row's part hoisted). */
  span(y: number, xa: number, out: Float32Array): void {
    const { gw, gh, v } = this;
    const fy = (y - this.y0 + 0.5) / this.B - 0.5;
    const a = Math.max(0, Math.min(gh - 1, Math.floor(fy)));
    const b = Math.min(gh - 1, a + 1);
    const t = Math.max(0, Math.min(1, fy - a));
    const ao = a * gw,
      bo = b * gw;
    const cx0 = this.cx0,
      cx1 = this.cx1,
      cwx = this.cwx;
    const r0 = xa - this.x0;
    for (let k = 0; k < out.length; k++) {
      const xr = r0 + k;
      const i0 = cx0[xr],
        i1 = cx1[xr],
        u = cwx[xr];
      const top = v[ao + i0] + (v[ao + i1] - v[ao + i0]) * u;
      const bot = v[bo + i0] + (v[bo + i1] - v[bo + i0]) * u;
      out[k] = top + (bot - top) * t;
    }
  }

  at(x: number, y: number): number {
    const { gw, gh, v } = this;
    const fy = (y - this.y0 + 0.5) / this.B - 0.5;
    const a = Math.max(0, Math.min(gh - 1, Math.floor(fy)));
    const b = Math.min(gh - 1, a + 1);
    const t = Math.max(0, Math.min(1, fy - a));
    const xr = x - this.x0;
    const i0 = this.cx0[xr],
      i1 = this.cx1[xr],
      u = this.cwx[xr];
    const top = v[a * gw + i0] + (v[a * gw + i1] - v[a * gw + i0]) * u;
    const bot = v[b * gw + i0] + (v[b * gw + i1] - v[b * gw + i0]) * u;
    return top + (bot - top) * t;
  }

  /** Blocks not marked valid (1) take the mean of valid neighbours, repeatedly. */
  fill(valid: Uint8Array): void {
    const { gw, gh, v } = this;
    for (let pass = 0; pass < gw + gh; pass++) {
      let missing = 0;
      for (let j = 0; j < gh; j++) {
        for (let i = 0; i < gw; i++) {
          const k = j * gw + i;
          if (valid[k]) continue;
          let s = 0,
            n = 0;
          for (let dj = -1; dj <= 1; dj++) {
            for (let di = -1; di <= 1; di++) {
              const jj = j + dj,
                ii = i + di;
              if (jj < 0 || ii < 0 || jj >= gh || ii >= gw || valid[jj * gw + ii] !== 1) continue;
              s += v[jj * gw + ii];
              n++;
            }
          }
          if (n) {
            v[k] = s / n;
            valid[k] = 2;
          } else missing++;
        }
      }
      for (let k = 0; k < valid.length; k++) if (valid[k] === 2) valid[k] = 1;
      if (!missing) break;
    }
  }
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
/** The second look's threshold, as a fraction of the first's. */
const LOW_T = 0.75;
/** The second look takes components up to this many times the largest declared area (two objects and their shadows; not roads or pads). */
const LOW_MAX_AREA = 4;
const NO_PAIR = { stag: 0, wpair: 0 };

/* ---------- row kernels (top level, monomorphic: the passes over every pixel) ---------- */

type Lum = BandArray | Float32Array;

/** Row of lum from offset o, minus lo (float32), NaN at nodata. */
function copyRow(lum: Lum, o: number, nodata: number | null, lo: number, row: Float32Array): void {
  const n = row.length;
  if (nodata === null) {
    for (let x = 0; x < n; x++) row[x] = lum[o + x] - lo;
    return;
  }
  for (let x = 0; x < n; x++) {
    const v = lum[o + x];
    row[x] = v === nodata ? NaN : v - lo;
  }
}

/** |lum − bg (− fine)| of a row (float32), NaN at nodata. */
function absResidual(
  lum: Lum,
  o: number,
  nodata: number | null,
  bg: Float32Array,
  fine: Float32Array | null,
  row: Float32Array,
): void {
  const n = row.length;
  if (nodata === null) {
    if (fine) {
      for (let x = 0; x < n; x++) {
        const r = lum[o + x] - bg[x] - fine[x];
        row[x] = r < 0 ? -r : r;
      }
    } else {
      for (let x = 0; x < n; x++) {
        const r = lum[o + x] - bg[x];
        row[x] = r < 0 ? -r : r;
      }
    }
    return;
  }
  for (let x = 0; x < n; x++) {
    const v = lum[o + x];
    const r = fine ? v - bg[x] - fine[x] : v - bg[x] - 0;
    row[x] = v === nodata ? NaN : r < 0 ? -r : r;
  }
}

/** Per-block histograms of a row: bins (v·q)|0 clamped to 0..255, NaN skipped. */
function histRow(
  row: Float32Array,
  B: number,
  gw: number,
  q: number,
  hist: Int32Array,
  cnt: Int32Array,
  step: number,
): void {
  const rw = row.length;
  for (let i = 0, xa = 0; i < gw; i++, xa += B) {
    const xb = Math.min(rw, xa + B);
    const off = i * 256;
    let c = 0;
    for (let xr = xa; xr < xb; xr += step) {
      const v = row[xr];
      if (v !== v) continue;
      let b = (v * q) | 0;
      if (b < 0) b = 0;
      else if (b > 255) b = 255;
      hist[off + b]++;
      c++;
    }
    cnt[i] += c;
  }
}

/** Fine background: per block, the sum and count of the residuals within 2.5 noise units. */
function fineRow(
  lum: Lum,
  o: number,
  nodata: number | null,
  bg: Float32Array,
  noise: Float32Array,
  B: number,
  gw: number,
  sum: Float64Array,
  num: Int32Array,
): void {
  const rw = bg.length;
  for (let i = 0, xa = 0; i < gw; i++, xa += B) {
    const xb = Math.min(rw, xa + B);
    let s = sum[i],
      c = 0;
    for (let xr = xa; xr < xb; xr++) {
      const v = lum[o + xr];
      if (v === nodata) continue;
      const r = v - bg[xr];
      const lim = 2.5 * noise[xr];
      if (r > lim || r < -lim) continue;
      s += r;
      c++;
    }
    sum[i] = s;
    num[i] += c;
  }
}

/**
 * One row's runs (y, first x, last x) of z ≥ T (bright), z ≤ −T (dark), z ≥ TL
 * and z ≤ −TL (the second look's), z = (lum − bg − fine) / noise, in one
 * pass. Exported for its test.
 */
export function thresholdRowRuns(
  lum: Float32Array,
  bg: Float32Array,
  fine: Float32Array,
  noise: Float32Array,
  T: number,
  TL: number,
  y: number,
): Int32Array[] {
  const out = [new Grow(), new Grow(), new Grow(), new Grow()];
  thresholdRow(lum, 0, null, bg, fine, noise, T, TL, y, 0, out);
  return out.map((g) => g.a.slice(0, g.n));
}

/** Runs of |z| at or above T (bright, dark) and at or above the lower TL (brightL, darkL), one pass. */
function thresholdRow(
  lum: Lum,
  o: number,
  nodata: number | null,
  bg: Float32Array,
  fine: Float32Array,
  noise: Float32Array,
  T: number,
  TL: number,
  y: number,
  x0: number,
  out: Grow[],
): void {
  const rw = bg.length;
  const [bright, dark, brightL, darkL] = out;
  let sb = -1,
    sd = -1,
    sbl = -1,
    sdl = -1;
  for (let xr = 0; xr < rw; xr++) {
    const v = lum[o + xr];
    const z = v === nodata ? 0 : (v - bg[xr] - fine[xr]) / noise[xr];
    if (z >= TL) {
      if (sbl < 0) sbl = xr;
      if (z >= T) {
        if (sb < 0) sb = xr;
      } else if (sb >= 0) {
        bright.push3(y, sb + x0, xr - 1 + x0);
        sb = -1;
      }
      if (sdl >= 0) {
        darkL.push3(y, sdl + x0, xr - 1 + x0);
        sdl = -1;
      }
      if (sd >= 0) {
        dark.push3(y, sd + x0, xr - 1 + x0);
        sd = -1;
      }
      continue;
    }
    if (sbl >= 0) {
      brightL.push3(y, sbl + x0, xr - 1 + x0);
      sbl = -1;
    }
    if (sb >= 0) {
      bright.push3(y, sb + x0, xr - 1 + x0);
      sb = -1;
    }
    if (z <= -TL) {
      if (sdl < 0) sdl = xr;
      if (z <= -T) {
        if (sd < 0) sd = xr;
      } else if (sd >= 0) {
        dark.push3(y, sd + x0, xr - 1 + x0);
        sd = -1;
      }
      continue;
    }
    if (sdl >= 0) {
      darkL.push3(y, sdl + x0, xr - 1 + x0);
      sdl = -1;
    }
    if (sd >= 0) {
      dark.push3(y, sd + x0, xr - 1 + x0);
      sd = -1;
    }
  }
  if (sb >= 0) bright.push3(y, sb + x0, rw - 1 + x0);
  if (sd >= 0) dark.push3(y, sd + x0, rw - 1 + x0);
  if (sbl >= 0) brightL.push3(y, sbl + x0, rw - 1 + x0);
  if (sdl >= 0) darkL.push3(y, sdl + x0, rw - 1 + x0);
}

/** sign · z over a span of a row, into z from offset zo (grid values from Grid.span). */
function zSpan(
  lum: Lum,
  o: number,
  nodata: number | null,
  g: Float32Array,
  f: Float32Array,
  s: Float32Array,
  sign: number,
  z: Float32Array,
  zo: number,
): void {
  for (let k = 0; k < g.length; k++) {
    const v = lum[o + k];
    z[zo + k] = v === nodata ? 0 : sign * ((v - g[k] - f[k]) / s[k]);
  }
}

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

/* ---------- the passes over every pixel, by block rows (also run in workers) ---------- */

interface PassCtx {
  lum: Lum;
  w: number;
  x0: number;
  y0: number;
  y1: number;
  rw: number;
  rh: number;
  nodata: number | null;
  lo: number;
}
interface GridSpec {
  B: number;
  x0: number;
  y0: number;
  rw: number;
  rh: number;
  v: Float32Array;
}

function gridSpec(g: Grid): GridSpec {
  return { B: g.B, x0: g.x0, y0: g.y0, rw: g.rw, rh: g.rh, v: g.v };
}

function gridOf(s: GridSpec): Grid {
  const g = new Grid(s.B, s.x0, s.y0, s.rw, s.rh);
  g.v.set(s.v);
  return g;
}

/**
 * Block medians from every other row and column when a block holds 32 × 32
 * pixels or more: a quarter of the pixels, still 256 or more per block, keeps
 * a median's sampling error under a tenth of the noise (1.25 σ / √256), and
 * the passes over the pixels are most of the detector's time on large images.
 */
const MEDIAN_SAMPLE_MIN_B = 32;
function medianStep(B: number): number {
  return B >= MEDIAN_SAMPLE_MIN_B ? 2 : 1;
}
/** The fine background's means from every other row when its blocks are this many pixels across or more. */
const FINE_SAMPLE_MIN_B = 12;

/**
 * Per-block medians over block rows [jA, jB) of g, quantised by q (bins
 * 0..255): mode 0 of lum − lo, 1 of |lum − bg|, 2 of |lum − bg − fine|.
 * Sampled (medianStep).
 */
function medianBlockRows(
  c: PassCtx,
  g: Grid,
  q: number,
  mode: 0 | 1 | 2,
  bg: Grid | null,
  fine: Grid | null,
  jA: number,
  jB: number,
  vals: Float32Array,
  valid: Uint8Array,
): void {
  const { rw, w, x0, y0, y1 } = c;
  const hist = new Int32Array(g.gw * 256);
  const cnt = new Int32Array(g.gw);
  const row = new Float32Array(rw),
    row2 = new Float32Array(rw),
    row3 = new Float32Array(rw);
  const step = medianStep(g.B);
  for (let j = jA; j < jB; j++) {
    hist.fill(0);
    cnt.fill(0);
    const ya = y0 + j * g.B,
      yb = Math.min(y1, ya + g.B);
    for (let y = ya; y < yb; y += step) {
      if (mode === 0 || !bg) copyRow(c.lum, y * w + x0, c.nodata, c.lo, row);
      else {
        bg.row(y, row2);
        if (mode === 2 && fine) fine.row(y, row3);
        absResidual(c.lum, y * w + x0, c.nodata, row2, mode === 2 ? row3 : null, row);
      }
      histRow(row, g.B, g.gw, q, hist, cnt, step);
    }
    for (let i = 0; i < g.gw; i++) {
      const area = Math.ceil((Math.min(rw, (i + 1) * g.B) - i * g.B) / step) * Math.ceil((yb - ya) / step);
      if (cnt[i] > 0 && cnt[i] >= 0.25 * area) {
        vals[j * g.gw + i] = medianOfHist(hist, i * 256, 256, cnt[i]) / q;
        valid[j * g.gw + i] = 1;
      }
    }
  }
}

/** Fine background over block rows [jA, jB) of F: the mean residual within 2.5 noise units. */
function fineBlockRows(
  c: PassCtx,
  F: Grid,
  bg: Grid,
  noise: Grid,
  jA: number,
  jB: number,
  vals: Float32Array,
  valid: Uint8Array,
): void {
  const { rw, w, x0, y0, y1 } = c;
  const sum = new Float64Array(F.gw);
  const num = new Int32Array(F.gw);
  const row2 = new Float32Array(rw),
    row3 = new Float32Array(rw);
  const step = F.B >= FINE_SAMPLE_MIN_B ? 2 : 1;
  for (let j = jA; j < jB; j++) {
    sum.fill(0);
    num.fill(0);
    const ya = y0 + j * F.B,
      yb = Math.min(y1, ya + F.B);
    for (let y = ya; y < yb; y += step) {
      bg.row(y, row2);
      noise.row(y, row3);
      fineRow(c.lum, y * w + x0, c.nodata, row2, row3, F.B, F.gw, sum, num);
    }
    for (let i = 0; i < F.gw; i++) {
      const area = (Math.min(rw, (i + 1) * F.B) - i * F.B) * Math.ceil((yb - ya) / step);
      if (num[i] >= 0.6 * area && num[i] > 0) {
        vals[j * F.gw + i] = sum[i] / num[i];
        valid[j * F.gw + i] = 1;
      }
    }
  }
}

/** Rows [yA, yB) thresholded at ±T and ±TL into four run lists (thresholdRow). */
function thresholdRows(
  c: PassCtx,
  bg: Grid,
  fine: Grid,
  noise: Grid,
  T: number,
  TL: number,
  yA: number,
  yB: number,
  out: Grow[],
): void {
  const { rw, w, x0 } = c;
  const r1 = new Float32Array(rw),
    r2 = new Float32Array(rw),
    r3 = new Float32Array(rw);
  for (let y = yA; y < yB; y++) {
    bg.row(y, r1);
    fine.row(y, r3);
    noise.row(y, r2);
    thresholdRow(c.lum, y * w + x0, c.nodata, r1, r3, r2, T, TL, y, x0, out);
  }
}

/* ---------- worker threads ---------- */

/** Below this many pixels in the region, the passes run on the calling thread. */
const PARALLEL_MIN_PIXELS = 4_000_000;

type Job = Record<string, unknown> & { kind: 'ping' | 'smooth' | 'median' | 'fine' | 'threshold' | 'refine' };
interface Pool {
  workers: Worker[];
  ports: MessagePort[];
  flag: Int32Array;
}
let pool: Pool | null | undefined;

/** The worker pool (one per core, at most 8), or null where there are no workers to be had. */
function getPool(): Pool | null {
  if (pool !== undefined) return pool;
  pool = null;
  if (process.env.TALLY_DETECT_THREADS === '0') return pool;
  try {
    const n = Math.min(8, Number(process.env.TALLY_DETECT_THREADS) || availableParallelism());
    if (n < 2) return pool;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const workers: Worker[] = [],
      ports: MessagePort[] = [];
    for (let k = 0; k < n; k++) {
      const { port1, port2 } = new MessageChannel();
      const wk = new Worker(new URL(import.meta.url), {
        workerData: { tallyDetectWorker: true, port: port2, flag },
        transferList: [port2],
      });
      wk.unref();
      workers.push(wk);
      ports.push(port1);
    }
    const p: Pool = { workers, ports, flag };
    // a first round trip (workers that cannot start must not hang detect): else inline
    runJobs(
      p,
      workers.map(() => ({ kind: 'ping' }) as Job),
      30_000,
    );
    pool = p;
  } catch {
    pool = null;
  }
  return pool;
}

/** Runs one job per worker and waits for them all (the caller's thread blocks: detect stays synchronous). */
function runJobs(p: Pool, jobs: Job[], timeoutMs = 600_000): Record<string, unknown>[] {
  Atomics.store(p.flag, 0, 0);
  jobs.forEach((j, k) => p.workers[k].postMessage(j));
  const t0 = Date.now();
  for (;;) {
    const v = Atomics.load(p.flag, 0);
    if (v >= jobs.length) break;
    const left = timeoutMs - (Date.now() - t0);
    if (left <= 0 || Atomics.wait(p.flag, 0, v, left) === 'timed-out') {
      for (const wk of p.workers) void wk.terminate();
      pool = null;
      throw new Error('detect: a worker thread did not answer');
    }
  }
  return jobs.map((_, k) => {
    const m = receiveMessageOnPort(p.ports[k]);
    const r = m?.message as Record<string, unknown> | undefined;
    if (!r || typeof r.error === 'string') throw new Error(`detect: worker thread failed: ${String(r?.error)}`);
    return r;
  });
}

/** Contiguous ranges splitting [0, n) into at most k parts. */
function splitRange(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  const step = Math.ceil(n / k);
  for (let a = 0; a < n; a += step) out.push([a, Math.min(n, a + step)]);
  return out;
}

/** Block-row jobs whose results (values and validity of their rows) go into g.v and valid. */
function runBlockJobs(p: Pool, gh: number, job: (jA: number, jB: number) => Job, g: Grid, valid: Uint8Array): void {
  const ranges = splitRange(gh, p.workers.length);
  const res = runJobs(
    p,
    ranges.map(([a, b]) => job(a, b)),
  );
  res.forEach((r, k) => {
    const [a] = ranges[k];
    g.v.set(r.vals as Float32Array, a * g.gw);
    valid.set(r.valid as Uint8Array, a * g.gw);
  });
}

/**
 * 1-2-1 × 1-2-1 smoothing of one band, rows [yA, yB) of out (edges
 * replicated): the same sums, in the same order and precision (out's type),
 * as the whole-image pass in detect.
 */
function smoothRows(
  src: BandArray,
  out: Uint16Array | Float32Array,
  w: number,
  h: number,
  yA: number,
  yB: number,
): void {
  const mk = (): Uint16Array | Float32Array => (out instanceof Uint16Array ? new Uint16Array(w) : new Float32Array(w));
  const hrow = (y: number, d: Uint16Array | Float32Array): void => {
    const o = y * w;
    let l = src[o],
      c = src[o];
    for (let x = 0; x < w; x++) {
      const r = x < w - 1 ? src[o + x + 1] : c;
      d[x] = l + 2 * c + r;
      l = c;
      c = r;
    }
  };
  let up = mk(),
    cur = mk(),
    dn = mk();
  hrow(Math.max(0, yA - 1), up);
  hrow(yA, cur);
  for (let y = yA; y < yB; y++) {
    hrow(Math.min(h - 1, y + 1), dn);
    const o = y * w;
    for (let x = 0; x < w; x++) out[o + x] = up[x] + 2 * cur[x] + dn[x];
    const t = up;
    up = cur;
    cur = dn;
    dn = t;
  }
}

/** z along a row (sign: +1 bright, −1 dark), from the pass's luminance and its three grids. */
function makeZRow(
  c: PassCtx,
  G0: Grid,
  F: Grid,
  S: Grid,
): (sign: number) => (y: number, xa: number, row: Float32Array) => void {
  let gr = new Float32Array(64),
    fr = new Float32Array(64),
    sr = new Float32Array(64);
  return (sign) => (y, xa, row) => {
    const n = row.length;
    if (gr.length < n) {
      gr = new Float32Array(n);
      fr = new Float32Array(n);
      sr = new Float32Array(n);
    }
    G0.span(y, xa, gr.subarray(0, n));
    F.span(y, xa, fr.subarray(0, n));
    S.span(y, xa, sr.subarray(0, n));
    zSpan(c.lum, y * c.w + xa, c.nodata, gr.subarray(0, n), fr.subarray(0, n), sr.subarray(0, n), sign, row, 0);
  };
}

/** Per candidate in a refine job: cx, cy, L, W, ux, uy, sign (+1 bright, −1 dark). */
const REFINE_IN = 7;
/** Per candidate out: ok, cx, cy, L, W, C, sigma, rms, shadowAcross, shadowAcrossM, shadowAlong, baseAcross, baseAlong, endLo, endHi. */
const REFINE_OUT = 15;

interface RefineJob {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  gx: number;
  gy: number;
  shadow: [number, number] | null;
  maxShadowM: number | null;
}

/** Profile fits of packed candidates (REFINE_IN each) into REFINE_OUT each. */
function refineAll(
  zRow: (sign: number) => (y: number, xa: number, row: Float32Array) => void,
  r: RefineJob,
  cin: Float64Array,
): Float64Array {
  const n = cin.length / REFINE_IN;
  const out = new Float64Array(n * REFINE_OUT);
  for (let k = 0; k < n; k++) {
    const o = k * REFINE_IN;
    const sign = cin[o + 6];
    const rf = refineCandidate(
      zRow(sign),
      r.x0,
      r.y0,
      r.x1,
      r.y1,
      { cx: cin[o], cy: cin[o + 1], L: cin[o + 2], W: cin[o + 3], ux: cin[o + 4], uy: cin[o + 5] },
      r.gx,
      r.gy,
      r.shadow,
      r.maxShadowM,
      sign < 0,
    );
    if (!rf) continue;
    out.set(
      [
        1,
        rf.cx,
        rf.cy,
        rf.L,
        rf.W,
        rf.C,
        rf.sigma,
        rf.rms,
        rf.shadowAcross,
        rf.shadowAcrossM,
        rf.shadowAlong,
        rf.baseAcross,
        rf.baseAlong,
        rf.endLo,
        rf.endHi,
      ],
      k * REFINE_OUT,
    );
  }
  return out;
}

function workerJob(j: Job): Record<string, unknown> {
  if (j.kind === 'ping') return {};
  if (j.kind === 'refine') {
    const zRow = makeZRow(
      j.ctx as PassCtx,
      gridOf(j.bg as GridSpec),
      gridOf(j.fine as GridSpec),
      gridOf(j.noise as GridSpec),
    );
    return { out: refineAll(zRow, j.job as RefineJob, j.cands as Float64Array) };
  }
  if (j.kind === 'smooth') {
    smoothRows(
      j.src as BandArray,
      j.out as Uint16Array | Float32Array,
      j.w as number,
      j.h as number,
      j.yA as number,
      j.yB as number,
    );
    return {};
  }
  const c = j.ctx as PassCtx;
  if (j.kind === 'threshold') {
    const out = [new Grow(), new Grow(), new Grow(), new Grow()];
    thresholdRows(
      c,
      gridOf(j.bg as GridSpec),
      gridOf(j.fine as GridSpec),
      gridOf(j.noise as GridSpec),
      j.T as number,
      j.TL as number,
      j.yA as number,
      j.yB as number,
      out,
    );
    return { runs: out.map((g) => g.a.slice(0, g.n)) };
  }
  const g = gridOf(j.g as GridSpec);
  const jA = j.jA as number,
    jB = j.jB as number;
  const valid = new Uint8Array(g.v.length);
  if (j.kind === 'median') {
    medianBlockRows(
      c,
      g,
      j.q as number,
      j.mode as 0 | 1 | 2,
      j.bg ? gridOf(j.bg as GridSpec) : null,
      j.fine ? gridOf(j.fine as GridSpec) : null,
      jA,
      jB,
      g.v,
      valid,
    );
  } else {
    fineBlockRows(c, g, gridOf(j.bg as GridSpec), gridOf(j.fine as GridSpec), jA, jB, g.v, valid);
  }
  return { vals: g.v.slice(jA * g.gw, jB * g.gw), valid: valid.slice(jA * g.gw, jB * g.gw) };
}

if (!isMainThread && (workerData as { tallyDetectWorker?: boolean } | null)?.tallyDetectWorker) {
  const wd = workerData as { port: MessagePort; flag: Int32Array };
  parentPort?.on('message', (j: Job) => {
    let r: Record<string, unknown>;
    try {
      r = workerJob(j);
    } catch (e) {
      r = { error: (e as Error).stack ?? String(e) };
    }
    wd.port.postMessage(r);
    Atomics.add(wd.flag, 0, 1);
    Atomics.notify(wd.flag, 0);
  });
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

  // Luminance: the band, or the mean of the first three; then, without
  // nodata, a 1-2-1 × 1-2-1 smoothing (a matched filter for objects two or
  // more pixels wide: white noise down 2.7 times, edges at half maximum
  // barely moved). For 8-bit input this is exact in 16-bit integers.
  const nodata = raster.nodata;
  let lum: BandArray | Float32Array = raster.bands[0];
  let unit = 1; // lum = grey level × unit
  const nb = raster.bands.length >= 3 ? 3 : 1;
  // large images: the smoothed luminance goes straight into shared memory for the workers
  const bigPool = w * h >= PARALLEL_MIN_PIXELS ? getPool() : null;
  const lumArray = (n: number): Uint16Array | Float32Array => {
    const u8 = raster.type === 'uint8';
    if (!bigPool) return u8 ? new Uint16Array(n) : new Float32Array(n);
    return u8 ? new Uint16Array(new SharedArrayBuffer(2 * n)) : new Float32Array(new SharedArrayBuffer(4 * n));
  };
  if (nodata === null && nb === 1 && bigPool) {
    // by row strips on the workers (the same arithmetic as below)
    const band = raster.bands[0];
    let src: BandArray = band;
    if (!(band.buffer instanceof SharedArrayBuffer)) {
      const sh =
        band instanceof Uint8Array
          ? new Uint8Array(new SharedArrayBuffer(band.byteLength))
          : band instanceof Uint16Array
            ? new Uint16Array(new SharedArrayBuffer(band.byteLength))
            : band instanceof Int16Array
              ? new Int16Array(new SharedArrayBuffer(band.byteLength))
              : new Float32Array(new SharedArrayBuffer(band.byteLength));
      sh.set(band);
      src = sh;
    }
    const sum = lumArray(w * h);
    runJobs(
      bigPool,
      splitRange(h, bigPool.workers.length).map(
        ([a, b]) => ({ kind: 'smooth', src, out: sum, w, h, yA: a, yB: b }) as Job,
      ),
    );
    lum = sum;
    unit = 16;
  } else if (nodata === null) {
    const sum = lumArray(w * h);
    const tmp = raster.type === 'uint8' ? new Uint16Array(w) : new Float32Array(w);
    const b0 = raster.bands[0],
      b1 = raster.bands[nb - 1 > 0 ? 1 : 0],
      b2 = raster.bands[nb - 1];
    const px = nb === 3 ? (i: number): number => b0[i] + b1[i] + b2[i] : (i: number): number => b0[i];
    // horizontal
    if (nb === 1) {
      for (let y = 0; y < h; y++) {
        const o = y * w;
        let l = b0[o],
          c = b0[o];
        for (let x = 0; x < w; x++) {
          const r = x < w - 1 ? b0[o + x + 1] : c;
          sum[o + x] = l + 2 * c + r;
          l = c;
          c = r;
        }
      }
    } else {
      for (let y = 0; y < h; y++) {
        const o = y * w;
        for (let x = 0; x < w; x++) {
          const l = px(o + (x > 0 ? x - 1 : x)),
            c = px(o + x),
            r = px(o + (x < w - 1 ? x + 1 : x));
          sum[o + x] = l + 2 * c + r;
        }
      }
    }
    // vertical, in place, keeping the previous row's horizontal sums
    let prev = sum.slice(0, w);
    let cur = sum.slice(0, w);
    for (let y = 0; y < h; y++) {
      const o = y * w;
      const dn = y < h - 1 ? o + w : o;
      for (let x = 0; x < w; x++) {
        const c = sum[o + x];
        cur[x] = c;
        tmp[x] = prev[x] + 2 * c + sum[dn + x];
      }
      sum.set(tmp, o);
      const t = prev;
      prev = cur;
      cur = t;
    }
    lum = sum;
    unit = 16 * nb;
  } else if (nb === 3) {
    const a = raster.bands[0],
      b = raster.bands[1],
      c = raster.bands[2];
    const m = new Float32Array(w * h);
    for (let i = 0; i < m.length; i++) m[i] = a[i] === nodata ? nodata : (a[i] + b[i] + c[i]) / 3;
    lum = m;
  }

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

  // Value quantisation for the histograms (exact for 8-bit).
  let lo = 0,
    qs = 1 / unit;
  if (raster.type !== 'uint8') {
    let mn = Infinity,
      mx = -Infinity;
    const step = Math.max(1, Math.floor((w * h) / 1_000_000));
    for (let i = 0; i < w * h; i += step) {
      const v = lum[i];
      if (v === nodata) continue;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (!(mx > mn)) return [];
    lo = mn;
    qs = 255 / (mx - mn);
  }

  // 1. Background, coarse: block medians (histograms, one pass). The passes
  //    over every pixel go by block rows, split over worker threads on large
  //    images (the same arithmetic, so the same result).
  const B = Math.max(8, Math.min(256, Math.round(lmax / gm)));
  const G0 = new Grid(B, x0, y0, rw, rh);
  const ctx: PassCtx = { lum, w, x0, y0, y1, rw, rh, nodata, lo };
  const par = rw * rh >= PARALLEL_MIN_PIXELS ? getPool() : null;
  if (par && !(lum.buffer instanceof SharedArrayBuffer)) {
    const shared =
      lum instanceof Uint16Array
        ? new Uint16Array(new SharedArrayBuffer(lum.byteLength))
        : lum instanceof Uint8Array
          ? new Uint8Array(new SharedArrayBuffer(lum.byteLength))
          : lum instanceof Int16Array
            ? new Int16Array(new SharedArrayBuffer(lum.byteLength))
            : new Float32Array(new SharedArrayBuffer(lum.byteLength));
    shared.set(lum);
    ctx.lum = shared;
  }
  const medians = (
    g: Grid,
    q: number,
    mode: 0 | 1 | 2,
    bg: Grid | null,
    fine: Grid | null,
    valid: Uint8Array,
  ): void => {
    if (par)
      runBlockJobs(
        par,
        g.gh,
        (jA, jB) => ({
          kind: 'median',
          ctx,
          g: gridSpec(g),
          q,
          mode,
          bg: bg && gridSpec(bg),
          fine: fine && gridSpec(fine),
          jA,
          jB,
        }),
        g,
        valid,
      );
    else medianBlockRows(ctx, g, q, mode, bg, fine, 0, g.gh, g.v, valid);
  };
  const valid0 = new Uint8Array(G0.gw * G0.gh);
  medians(G0, qs, 0, null, null, valid0);
  if (!valid0.some((v) => v === 1)) return [];
  G0.fill(valid0.slice());
  for (let k = 0; k < G0.v.length; k++) G0.v[k] += lo;

  // 2. Noise, first estimate: block MAD of the residual (bins of a quarter grey level).
  const rq = 4 * qs;
  const S0 = new Grid(B, x0, y0, rw, rh);
  const F = new Grid(Math.max(3, Math.round(B / 3)), x0, y0, rw, rh);
  const smoothed = (g: Grid, floor: number): void => {
    const s2 = new Float32Array(g.v.length);
    for (let j = 0; j < g.gh; j++) {
      for (let i = 0; i < g.gw; i++) {
        let s = 0,
          n = 0;
        for (let dj = -1; dj <= 1; dj++) {
          for (let di = -1; di <= 1; di++) {
            const jj = j + dj,
              ii = i + di;
            if (jj < 0 || ii < 0 || jj >= g.gh || ii >= g.gw) continue;
            s += g.v[jj * g.gw + ii];
            n++;
          }
        }
        s2[j * g.gw + i] = Math.max((1.4826 * s) / n, floor);
      }
    }
    g.v.set(s2);
  };
  {
    const vs = new Uint8Array(S0.v.length);
    medians(S0, rq, 1, G0, null, vs);
    S0.fill(vs);
    smoothed(S0, 0.5 / qs);
  }

  // 3. Background, fine: per small block, the mean residual of the pixels
  //    within 2.5 noise units (objects left out), blocks a quarter as wide.
  {
    const vf = new Uint8Array(F.v.length);
    if (par)
      runBlockJobs(
        par,
        F.gh,
        (jA, jB) => ({ kind: 'fine', ctx, g: gridSpec(F), bg: gridSpec(G0), fine: gridSpec(S0), jA, jB }),
        F,
        vf,
      );
    else fineBlockRows(ctx, F, G0, S0, 0, F.gh, F.v, vf);
    if (vf.some((v) => v === 1)) F.fill(vf);
  }

  // 4. Noise: block MAD of the final residual, smoothed over 3 × 3 blocks.
  const S = new Grid(B, x0, y0, rw, rh);
  {
    const vs = new Uint8Array(S.v.length);
    medians(S, rq, 2, G0, F, vs);
    S.fill(vs);
    smoothed(S, 0.5 / qs);
  }
  // 5. Threshold into runs (label by union-find below).
  // (one pass, two levels: T for the components, LOW_T × T for the second look, 5b)
  const thresholdAll = (T: number, TL: number): { runs: Grow[]; rowStart: Int32Array[] } => {
    const rr: Grow[] = [new Grow(), new Grow(), new Grow(), new Grow()]; // bright, dark at T; bright, dark at TL: (y, xa, xb) inclusive
    if (par) {
      const res = runJobs(
        par,
        splitRange(rh, par.workers.length).map(
          ([a, b]) =>
            ({
              kind: 'threshold',
              ctx,
              bg: gridSpec(G0),
              fine: gridSpec(F),
              noise: gridSpec(S),
              T,
              TL,
              yA: y0 + a,
              yB: y0 + b,
            }) as Job,
        ),
      );
      for (const r of res) {
        (r.runs as Int32Array[]).forEach((a, p) => {
          for (let k = 0; k < a.length; k += 3) rr[p].push3(a[k], a[k + 1], a[k + 2]);
        });
      }
    } else thresholdRows(ctx, G0, F, S, T, TL, y0, y1, rr);
    const rst = rr.map((g) => {
      const R = g.a,
        n = g.n / 3,
        rs = new Int32Array(rh + 1);
      let k = 0;
      for (let yr = 0; yr < rh; yr++) {
        rs[yr] = k;
        while (k < n && R[3 * k] === yr + y0) k++;
      }
      rs[rh] = n;
      return rs;
    });
    return { runs: rr, rowStart: rst };
  };
  const { runs, rowStart } = thresholdAll(T0, LOW_T * T0);

  const label = (R: Int32Array, n: number, rs: Int32Array): { par: Int32Array; area: Float64Array } => {
    const par = new Int32Array(n);
    for (let i = 0; i < n; i++) par[i] = i;
    for (let yr = 1; yr < rh; yr++) {
      let i = rs[yr - 1];
      const ie = rs[yr];
      for (let k = rs[yr]; k < rs[yr + 1]; k++) {
        const a = R[3 * k + 1],
          b = R[3 * k + 2];
        while (i < ie && R[3 * i + 2] < a - 1) i++;
        for (let m = i; m < ie && R[3 * m + 1] <= b + 1; m++) {
          const ra = find(par, k),
            rb = find(par, m);
          if (ra !== rb) par[Math.max(ra, rb)] = Math.min(ra, rb);
        }
      }
    }
    const area = new Float64Array(n);
    for (let k = 0; k < n; k++) area[find(par, k)] += R[3 * k + 2] - R[3 * k + 1] + 1;
    return { par, area };
  };

  // Noise level and z at any pixel (for the patches).
  const zAt = (x: number, y: number): number => {
    const v = lum[y * w + x];
    if (v === nodata) return 0;
    return (v - G0.at(x, y) - F.at(x, y)) / S.at(x, y);
  };

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

  /** Runs of each component of at least minPix pixels. */
  const componentsOf = (lb: { par: Int32Array; area: Float64Array }): number[][] => {
    const groups = new Map<number, number[]>();
    for (let k = 0; k < lb.par.length; k++) {
      const r = find(lb.par, k);
      if (lb.area[r] < minPix) continue;
      let gp = groups.get(r);
      if (!gp) {
        gp = [];
        groups.set(r, gp);
      }
      gp.push(k);
    }
    return [...groups.values()];
  };
  const labels: { par: Int32Array; area: Float64Array }[] = [];
  for (const p of [0, 1] as const) {
    const R = runs[p].a;
    const lb = label(R, runs[p].n / 3, rowStart[p]);
    labels.push(lb);
    if (p === 0 ? pol === 'dark' : pol === 'bright') continue; // labelled all the same, for the shadow check
    for (const gp of componentsOf(lb)) analyseComponent(p, R, gp);
  }

  // 5b. A second look at a lower threshold (LOW_T of T): components there
  //     that hold no candidate of the first look are analysed as well (an
  //     object of low contrast, or one by a pad or road edge where the
  //     background model is between two levels, breaks into pieces smaller
  //     than an object at T or does not reach it). Flagged for the score.
  {
    for (const p of [0, 1] as const) {
      if (p === 0 ? pol === 'dark' : pol === 'bright') continue;
      const R = runs[2 + p].a;
      const lb = label(R, runs[2 + p].n / 3, rowStart[2 + p]);
      // every pixel of the first look's candidates of this polarity
      const have = new Set<number>();
      for (const c of cands) if ((c.pol === 'dark') === (p === 1)) for (const g of c.pix) have.add(g);
      const maxPix = (LOW_MAX_AREA * maxArea) / pixArea;
      for (const gp of componentsOf(lb)) {
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
    const R = runs[0].a;
    const { par, area } = labels[0];
    let hits = 0;
    for (const g of c.pix) {
      const y = (g / w) | 0,
        x = g - y * w;
      for (let yy = Math.max(y0, y - 2); yy <= Math.min(y1 - 1, y + 2); yy++) {
        const rs = rowStart[0];
        for (let k = rs[yy - y0]; k < rs[yy - y0 + 1]; k++) {
          if (R[3 * k + 2] < x - 2 || R[3 * k + 1] > x + 2) continue;
          const a = area[find(par, k)] * pixArea;
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
  const levelAt = (x: number, y: number): number => {
    const v = lum[y * w + x];
    const b = G0.at(x, y) + F.at(x, y);
    return v === nodata || !(b > 0) ? NaN : v / b;
  };
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
  const cin = new Float64Array(kept.length * REFINE_IN);
  kept.forEach((c0, k) => cin.set([c0.cx, c0.cy, c0.L, c0.W, c0.ux, c0.uy, c0.pol === 'dark' ? -1 : 1], k * REFINE_IN));
  const rjob: RefineJob = { x0, y0, x1, y1, gx, gy, shadow: shadowDir, maxShadowM };
  let fits: Float64Array;
  if (par && kept.length >= 64) {
    const ranges = splitRange(kept.length, par.workers.length);
    const res = runJobs(
      par,
      ranges.map(
        ([a, b]) =>
          ({
            kind: 'refine',
            ctx,
            bg: gridSpec(G0),
            fine: gridSpec(F),
            noise: gridSpec(S),
            job: rjob,
            cands: cin.slice(a * REFINE_IN, b * REFINE_IN),
          }) as Job,
      ),
    );
    fits = new Float64Array(kept.length * REFINE_OUT);
    res.forEach((r, k) => fits.set(r.out as Float64Array, ranges[k][0] * REFINE_OUT));
  } else {
    fits = refineAll(makeZRow(ctx, G0, F, S), rjob, cin);
  }
  for (let ki = 0; ki < kept.length; ki++) {
    const c0 = kept[ki];
    // A bright object takes the fit's centre and size; a dark one only the
    // fit's centre along its axis (across it, its shadow, as dark as it,
    // makes the fit ambiguous: measured on the evaluation set, the fit's
    // centre across moved dark centres away from the truth). The fit goes to
    // the score as features either way.
    const fo = ki * REFINE_OUT;
    const rf =
      fits[fo] === 1
        ? {
            cx: fits[fo + 1],
            cy: fits[fo + 2],
            L: fits[fo + 3],
            W: fits[fo + 4],
            C: fits[fo + 5],
            sigma: fits[fo + 6],
            rms: fits[fo + 7],
            shadowAcross: fits[fo + 8],
            shadowAcrossM: fits[fo + 9],
            shadowAlong: fits[fo + 10],
            baseAcross: fits[fo + 11],
            baseAlong: fits[fo + 12],
            endLo: fits[fo + 13],
            endHi: fits[fo + 14],
          }
        : null;
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
