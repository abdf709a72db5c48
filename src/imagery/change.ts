/**
 * Change between two passes over the same place.
 *
 * 1. registerToGrid: AFTER is resampled (bilinear) onto BEFORE's grid through
 *    the two georeferences (real passes are offset by metres and differ by a
 *    row or two); pixels that fall outside AFTER, or next to its nodata, are
 *    invalid.
 * 2. estimateShift: what misregistration is left, in pixels, by phase
 *    correlation (Hann-windowed, radix-2 FFT over a central power-of-two
 *    window, integer peak refined by a parabola through its neighbours), then
 *    polished by a few Gauss–Newton steps that fit shift, gain and offset
 *    between the two windows (Lucas–Kanade on bilinear samples).
 * 3. detectChange: AFTER is moved back by that shift; its radiometry is
 *    brought onto BEFORE's by a robust linear fit (least squares, then again
 *    without the residuals beyond 3 σ); the difference, smoothed by a 3 × 3
 *    mean, is thresholded at k robust standard deviations (1.4826 × MAD),
 *    opened by a 3 × 3 square (speckle and the one-pixel rims that resampling
 *    leaves along sharp edges go), closed by it (fragments of one object
 *    joined), and cut into
 *    8-connected blobs, the ones under `minBlobM2` dropped. The difference
 *    and its mean are computed row by row (three-row ring buffers, float32 as
 *    a stored image would be) and thresholded straight into runs; opening,
 *    closing and labelling work on the runs (O(runs), not O(pixels)).
 * 4. objectChanges: detections before and after matched one to one by
 *    distance (closest pairs first): the unmatched before are removed, the
 *    unmatched after added. Independent of the detector.
 *
 * Sign convention: a shift (x, y) means AFTER shows BEFORE's content moved by
 * +x columns and +y rows: after(p) ≈ before(p − shift).
 */
import { applyTransform, gsdMetres, invertTransform, toWgs84 } from './crs.js';
import { ImageryError } from './errors.js';
import type { BandArray, Detection, Raster } from './types.js';
import { findRoot, haversineM, medianHigh, unionRoots } from '../util/index.js';

// ---------------------------------------------------------------------------
// Registration onto one grid
// ---------------------------------------------------------------------------

/** Mean of the bands as float32, NaN where any band is nodata. */
export function luminance(r: Raster): Float32Array {
  const n = r.width * r.height;
  const out = new Float32Array(n);
  const nb = r.bands.length;
  const nd = r.nodata;
  if (nb === 1 && nd === null) {
    out.set(r.bands[0]);
    return out;
  }
  for (const b of r.bands) for (let i = 0; i < n; i++) out[i] += b[i];
  if (nb > 1) for (let i = 0; i < n; i++) out[i] /= nb;
  if (nd !== null) {
    for (const b of r.bands) for (let i = 0; i < n; i++) if (b[i] === nd) out[i] = NaN;
  }
  return out;
}

/** The luminance without a copy when it is the one band as it is (no nodata). */
function lumView(r: Raster): BandArray {
  return r.bands.length === 1 && r.nodata === null ? r.bands[0] : luminance(r);
}

/**
 * Bilinear sampling of a float image at (u, v) in pixel-centre coordinates
 * (the centre of pixel (0, 0) is (0, 0)); within the outer half pixel the edge
 * value is held; NaN outside the image or next to a NaN.
 */
function bilinear(img: BandArray, w: number, h: number, u: number, v: number): number {
  if (!(u >= -0.5 && v >= -0.5 && u <= w - 0.5 && v <= h - 0.5)) return NaN;
  if (u < 0) u = 0;
  else if (u > w - 1) u = w - 1;
  if (v < 0) v = 0;
  else if (v > h - 1) v = h - 1;
  let x0 = Math.floor(u);
  let y0 = Math.floor(v);
  if (x0 === w - 1) x0 = w - 2 < 0 ? 0 : w - 2;
  if (y0 === h - 1) y0 = h - 2 < 0 ? 0 : h - 2;
  const fx = u - x0;
  const fy = v - y0;
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const a = img[y0 * w + x0];
  const b = img[y0 * w + x1];
  const c = img[y1 * w + x0];
  const d = img[y1 * w + x1];
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/**
 * Resamples a float image by an affine map from output pixel centres to input
 * pixel centres: (u, v) = (a0 + a1 x + a2 y, b0 + b1 x + b2 y).
 */
function warpAffine(
  img: BandArray,
  w: number,
  h: number,
  outW: number,
  outH: number,
  a: [number, number, number],
  b: [number, number, number],
): Float32Array {
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    let u = a[0] + a[2] * y;
    let v = b[0] + b[2] * y;
    const o = y * outW;
    for (let x = 0; x < outW; x++, u += a[1], v += b[1]) out[o + x] = bilinear(img, w, h, u, v);
  }
  return out;
}

/** The affine map from BEFORE's pixel centres to AFTER's (null when the grids are the same). */
function gridMap(before: Raster, after: Raster): { a: [number, number, number]; b: [number, number, number] } | null {
  if (!before.geo || !after.geo) {
    if (before.width !== after.width || before.height !== after.height) {
      throw new ImageryError(
        'BAD_RASTER',
        `the two passes differ in size (${before.width} × ${before.height} and ` +
          `${after.width} × ${after.height}) and ${before.geo ? 'AFTER' : 'BEFORE'} has no georeferencing to put them on one grid`,
      );
    }
    return null;
  }
  if (before.geo.epsg !== after.geo.epsg) {
    throw new ImageryError(
      'UNSUPPORTED_CRS',
      `the two passes are in different CRS (EPSG:${before.geo.epsg} and ` +
        `EPSG:${after.geo.epsg}); reproject one onto the other first (e.g. gdalwarp -t_srs EPSG:${before.geo.epsg})`,
    );
  }
  const tb = before.geo.transform;
  const ta = after.geo.transform;
  if (before.width === after.width && before.height === after.height && tb.every((v, i) => v === ta[i])) return null;
  // after pixel position of before pixel centre (x + .5, y + .5), minus .5.
  const at = (x: number, y: number): [number, number] => {
    const [cx, cy] = applyTransform(tb, x + 0.5, y + 0.5);
    const [u, v] = invertTransform(ta, cx, cy);
    return [u - 0.5, v - 0.5];
  };
  const [u0, v0] = at(0, 0);
  const [ux, vx] = at(1, 0);
  const [uy, vy] = at(0, 1);
  return { a: [u0, ux - u0, uy - u0], b: [v0, vx - v0, vy - v0] };
}

/**
 * AFTER resampled (bilinear) onto BEFORE's grid, every band; same CRS
 * required. Pixels of BEFORE's grid that AFTER does not cover (or that touch
 * its nodata) get AFTER's nodata value, or 0 when it has none.
 */
export function registerToGrid(before: Raster, after: Raster): Raster {
  const map = gridMap(before, after);
  if (!map) return after;
  const { width: w, height: h } = before;
  const nd = after.nodata ?? 0;
  const isInt = after.type !== 'float32';
  const bands = after.bands.map((band) => {
    const f = new Float32Array(band.length);
    for (let i = 0; i < band.length; i++) f[i] = after.nodata !== null && band[i] === after.nodata ? NaN : band[i];
    const r = warpAffine(f, after.width, after.height, w, h, map.a, map.b);
    const out =
      after.type === 'uint8'
        ? new Uint8Array(w * h)
        : after.type === 'uint16'
          ? new Uint16Array(w * h)
          : after.type === 'int16'
            ? new Int16Array(w * h)
            : new Float32Array(w * h);
    for (let i = 0; i < r.length; i++) {
      const v = r[i];
      out[i] = Number.isNaN(v) ? nd : isInt ? Math.round(v) : v;
    }
    return out;
  });
  return { width: w, height: h, type: after.type, bands, nodata: after.nodata ?? 0, geo: before.geo };
}

// ---------------------------------------------------------------------------
// FFT and phase correlation
// ---------------------------------------------------------------------------

/** In-place iterative radix-2 complex FFT of length n (a power of two); inverse without the 1/n. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n & (n - 1)) throw new RangeError(`FFT length must be a power of two, got ${n}`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const p = i + k;
        const q = p + half;
        const xr = re[q] * cr - im[q] * ci;
        const xi = re[q] * ci + im[q] * cr;
        re[q] = re[p] - xr;
        im[q] = im[p] - xi;
        re[p] += xr;
        im[p] += xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/** 2-D FFT of an n × n complex image, rows then columns. */
function fft2(re: Float64Array, im: Float64Array, n: number, inverse = false): void {
  const r = new Float64Array(n);
  const i = new Float64Array(n);
  for (let y = 0; y < n; y++) {
    const row = re.subarray(y * n, y * n + n);
    const rowI = im.subarray(y * n, y * n + n);
    fft(row, rowI, inverse);
  }
  for (let x = 0; x < n; x++) {
    for (let y = 0; y < n; y++) {
      r[y] = re[y * n + x];
      i[y] = im[y * n + x];
    }
    fft(r, i, inverse);
    for (let y = 0; y < n; y++) {
      re[y * n + x] = r[y];
      im[y * n + x] = i[y];
    }
  }
}

/** The largest power of two ≤ v. */
function pow2Floor(v: number): number {
  let p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}

interface Window {
  x0: number;
  y0: number;
  n: number;
}

/** A central n × n window of a w × h image, n a power of two up to `max`. */
function centralWindow(w: number, h: number, max: number): Window {
  const n = Math.min(max, pow2Floor(Math.min(w, h)));
  return { x0: Math.floor((w - n) / 2), y0: Math.floor((h - n) / 2), n };
}

/** Window samples, NaN replaced by the window's mean, mean removed, Hann-tapered. */
function taperedWindow(img: BandArray, w: number, win: Window): Float64Array {
  const { x0, y0, n } = win;
  const out = new Float64Array(n * n);
  let s = 0;
  let c = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const v = img[(y0 + y) * w + x0 + x];
      if (!Number.isNaN(v)) {
        s += v;
        c++;
      }
    }
  }
  const mean = c ? s / c : 0;
  const hann = new Float64Array(n);
  for (let i = 0; i < n; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const v = img[(y0 + y) * w + x0 + x];
      out[y * n + x] = ((Number.isNaN(v) ? mean : v) - mean) * hann[x] * hann[y];
    }
  }
  return out;
}

/** Phase correlation of two n × n windows: the shift of b against a, integer peak plus parabolic refinement. */
function phaseCorrelate(a: Float64Array, b: Float64Array, n: number): { x: number; y: number; peak: number } {
  const ar = a;
  const ai = new Float64Array(n * n);
  const br = b;
  const bi = new Float64Array(n * n);
  fft2(ar, ai, n);
  fft2(br, bi, n);
  // Cross-power spectrum B · conj(A) / |B · conj(A)|.
  for (let k = 0; k < n * n; k++) {
    const r = br[k] * ar[k] + bi[k] * ai[k];
    const i = bi[k] * ar[k] - br[k] * ai[k];
    const m = Math.hypot(r, i) + 1e-12;
    ar[k] = r / m;
    ai[k] = i / m;
  }
  fft2(ar, ai, n, true);
  let best = 0;
  for (let k = 1; k < n * n; k++) if (ar[k] > ar[best]) best = k;
  const py = Math.floor(best / n);
  const px = best % n;
  const at = (x: number, y: number): number => ar[((y + n) % n) * n + ((x + n) % n)];
  const c = at(px, py);
  const sub = (m: number, p: number): number => {
    const d = m - 2 * c + p;
    return d < 0 ? (0.5 * (m - p)) / d : 0;
  };
  const dx = sub(at(px - 1, py), at(px + 1, py));
  const dy = sub(at(px, py - 1), at(px, py + 1));
  const wrap = (v: number): number => (v > n / 2 ? v - n : v);
  return { x: wrap(px) + dx, y: wrap(py) + dy, peak: c / (n * n) };
}

/**
 * Gauss–Newton refinement of shift d, gain g and offset o minimising
 * Σ (b(p) − g·a(p − d) − o)² over a window; returns the refined shift, or
 * null when it does not converge near the start.
 */
function refineShift(
  a: BandArray,
  b: BandArray,
  w: number,
  h: number,
  win: Window,
  start: { x: number; y: number },
): { x: number; y: number } | null {
  let dx = start.x;
  let dy = start.y;
  let g = 1;
  let o = 0;
  const margin = Math.ceil(Math.max(Math.abs(dx), Math.abs(dy))) + 3;
  const x0 = Math.max(win.x0, margin);
  const y0 = Math.max(win.y0, margin);
  const x1 = Math.min(win.x0 + win.n, w - margin);
  const y1 = Math.min(win.y0 + win.n, h - margin);
  if (x1 - x0 < 8 || y1 - y0 < 8) return null;
  // Subsample large windows: every pixel up to 256², a regular lattice beyond.
  const step = Math.max(1, Math.floor(Math.sqrt(((x1 - x0) * (y1 - y0)) / 65536)));
  // Residuals beyond 3 robust σ of the previous iteration are left out
  // (changed pixels must not pull the fit).
  let cut = Infinity;
  for (let iter = 0; iter < 30; iter++) {
    // Normal equations for parameters (dx, dy, g, o).
    const M = new Float64Array(16);
    const r = new Float64Array(4);
    let sumAbs = 0;
    let used = 0;
    for (let y = y0; y < y1; y += step) {
      for (let x = x0; x < x1; x += step) {
        const bv = b[y * w + x];
        const u = x - dx;
        const v = y - dy;
        const av = bilinear(a, w, h, u, v);
        const gx = bilinear(a, w, h, u + 0.5, v) - bilinear(a, w, h, u - 0.5, v);
        const gy = bilinear(a, w, h, u, v + 0.5) - bilinear(a, w, h, u, v - 0.5);
        if (Number.isNaN(bv) || Number.isNaN(av) || Number.isNaN(gx) || Number.isNaN(gy)) continue;
        const res = bv - g * av - o;
        sumAbs += Math.abs(res);
        used++;
        if (Math.abs(res) > cut) continue;
        // d(model)/d(dx) = -g·∂a/∂x, d/d(dy) = -g·∂a/∂y, d/dg = a, d/do = 1.
        const J0 = -g * gx;
        const J1 = -g * gy;
        const J = [J0, J1, av, 1];
        for (let i = 0; i < 4; i++) {
          r[i] += J[i] * res;
          for (let j = i; j < 4; j++) M[i * 4 + j] += J[i] * J[j];
        }
      }
    }
    for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) M[i * 4 + j] = M[j * 4 + i];
    const delta = solve4(M, r);
    if (!delta) return null;
    dx += delta[0];
    dy += delta[1];
    g += delta[2];
    o += delta[3];
    if (!Number.isFinite(dx) || Math.hypot(dx - start.x, dy - start.y) > 1.5) return null;
    const newCut = Math.max(1e-3, 3 * 1.2533 * (sumAbs / Math.max(1, used)));
    if (Math.hypot(delta[0], delta[1]) < 1e-4 && iter >= 3 && newCut >= cut * 0.98) break;
    cut = newCut;
  }
  return { x: dx, y: dy };
}

/** Solves a 4 × 4 linear system by Gaussian elimination with partial pivoting. */
function solve4(M: Float64Array, r: Float64Array): number[] | null {
  const A = Array.from({ length: 4 }, (_, i) => [M[i * 4], M[i * 4 + 1], M[i * 4 + 2], M[i * 4 + 3], r[i]]);
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let i = c + 1; i < 4; i++) if (Math.abs(A[i][c]) > Math.abs(A[p][c])) p = i;
    if (Math.abs(A[p][c]) < 1e-12) return null;
    [A[c], A[p]] = [A[p], A[c]];
    for (let i = c + 1; i < 4; i++) {
      const f = A[i][c] / A[c][c];
      for (let j = c; j < 5; j++) A[i][j] -= f * A[c][j];
    }
  }
  const x = [0, 0, 0, 0];
  for (let i = 3; i >= 0; i--) {
    let s = A[i][4];
    for (let j = i + 1; j < 4; j++) s -= A[i][j] * x[j];
    x[i] = s / A[i][i];
  }
  return x;
}

/** Shift estimate on luminance images of the same size. */
function shiftOf(a: BandArray, b: BandArray, w: number, h: number, maxWindow = 512): { x: number; y: number } {
  if (w < 8 || h < 8) return { x: 0, y: 0 };
  const win = centralWindow(w, h, maxWindow);
  const pc = phaseCorrelate(taperedWindow(a, w, win), taperedWindow(b, w, win), win.n);
  const refined = refineShift(a, b, w, h, win, pc);
  return refined ?? { x: pc.x, y: pc.y };
}

/**
 * The residual shift of B against A, in pixels, both on the same grid (use
 * registerToGrid first): b(p) ≈ a(p − shift). Phase correlation over a
 * central window of up to 512 × 512 (shifts up to a quarter of it), refined to
 * a few hundredths of a pixel. Bands are averaged; nodata is left out.
 */
export function estimateShift(a: Raster, b: Raster): { x: number; y: number } {
  if (a.width !== b.width || a.height !== b.height) {
    throw new ImageryError(
      'BAD_RASTER',
      `estimateShift needs two rasters on one grid (got ${a.width} × ${a.height} and ` +
        `${b.width} × ${b.height}); use registerToGrid first`,
    );
  }
  return shiftOf(lumView(a), lumView(b), a.width, a.height);
}

// ---------------------------------------------------------------------------
// Change detection
// ---------------------------------------------------------------------------

export interface ChangeOptions {
  /** Pixels of BEFORE's grid that belong to the site (1) or not (0); the whole image when absent. */
  site?: Uint8Array;
  /** Threshold on the normalised difference, in robust standard deviations of the noise (default 4). */
  threshold?: number;
  /** Or an absolute threshold in grey levels of BEFORE (overrides `threshold`). */
  thresholdAbs?: number;
  /** Smallest blob kept, square metres (default: 6 pixels). */
  minBlobM2?: number;
  /** Ground sample distance in metres when BEFORE has no georeferencing (default 1). */
  gsdM?: number;
  /** Skip the residual shift estimate and correction. */
  noShift?: boolean;
}

export interface ChangeBlob {
  /** Centroid in BEFORE's pixel coordinates (pixel centres at .5). */
  x: number;
  y: number;
  lat?: number;
  lon?: number;
  area_m2: number;
  pixels: number;
  /** Bounding box in pixels: [col0, row0, col1, row1], end exclusive. */
  bbox: [number, number, number, number];
  /** Mean normalised difference after − before over the blob (grey levels): < 0 darker after. */
  mean_diff: number;
}

export interface ChangeResult {
  shift_px: { x: number; y: number };
  changed_fraction: number;
  blobs: ChangeBlob[];
  /** 1 where changed (after cleanup), on BEFORE's grid. */
  changedMask: Uint8Array;
  /** after ≈ gain · before + offset on the unchanged pixels. */
  normalisation: { gain: number; offset: number };
  /** Robust standard deviation of the difference (grey levels) and the threshold applied. */
  noise_sigma: number;
  threshold: number;
  /** Pixels compared: valid in both passes and inside the site. */
  valid_pixels: number;
}

/** Growable list of runs (x0, x1 inclusive) grouped by row. */
class Runs {
  xs: Int32Array;
  n = 0; // runs
  readonly rowStart: Int32Array;
  constructor(h: number, cap = 1024) {
    this.xs = new Int32Array(2 * cap);
    this.rowStart = new Int32Array(h + 1);
  }
  push(a: number, b: number): void {
    if (2 * this.n + 2 > this.xs.length) {
      const nx = new Int32Array(this.xs.length * 2);
      nx.set(this.xs);
      this.xs = nx;
    }
    this.xs[2 * this.n] = a;
    this.xs[2 * this.n + 1] = b;
    this.n++;
  }
}

/**
 * Binary 3 × 3 erosion (min) or dilation (max) of a run-length mask, edges
 * replicated (the same as the pixelwise separable filter): along the rows,
 * then across them. O(runs), whatever the image size.
 */
function morphRuns(m: Runs, w: number, h: number, dilate: boolean): Runs {
  // horizontal
  const hz = new Runs(h, Math.max(16, m.n));
  for (let y = 0; y < h; y++) {
    hz.rowStart[y] = hz.n;
    for (let k = m.rowStart[y]; k < m.rowStart[y + 1]; k++) {
      let a = m.xs[2 * k],
        b = m.xs[2 * k + 1];
      if (dilate) {
        a = a > 0 ? a - 1 : 0;
        b = b < w - 1 ? b + 1 : w - 1;
        if (hz.n > hz.rowStart[y] && a <= hz.xs[2 * hz.n - 1] + 1) {
          if (b > hz.xs[2 * hz.n - 1]) hz.xs[2 * hz.n - 1] = b;
          continue;
        }
      } else {
        if (a > 0) a++;
        if (b < w - 1) b--;
        if (a > b) continue;
      }
      hz.push(a, b);
    }
  }
  hz.rowStart[h] = hz.n;
  // vertical: rows y − 1, y, y + 1 (clamped)
  const out = new Runs(h, Math.max(16, hz.n));
  const rs = hz.rowStart,
    xs = hz.xs;
  for (let y = 0; y < h; y++) {
    out.rowStart[y] = out.n;
    const ya = y > 0 ? y - 1 : y,
      yb = y < h - 1 ? y + 1 : y;
    if (dilate) {
      // union: merge the three sorted lists by start, then join overlapping or adjacent runs
      let i0 = rs[ya],
        i1 = rs[y],
        i2 = rs[yb];
      const e0 = rs[ya + 1],
        e1 = rs[y + 1],
        e2 = rs[yb + 1];
      let ca = -1,
        cb = -2;
      for (;;) {
        let best = -1,
          ba = 0x7fffffff;
        if (i0 < e0 && xs[2 * i0] < ba) {
          best = 0;
          ba = xs[2 * i0];
        }
        if (i1 < e1 && xs[2 * i1] < ba) {
          best = 1;
          ba = xs[2 * i1];
        }
        if (i2 < e2 && xs[2 * i2] < ba) {
          best = 2;
          ba = xs[2 * i2];
        }
        if (best < 0) break;
        const k = best === 0 ? i0++ : best === 1 ? i1++ : i2++;
        const a = xs[2 * k],
          b = xs[2 * k + 1];
        if (a <= cb + 1) {
          if (b > cb) cb = b;
        } else {
          if (cb >= ca && ca >= 0) out.push(ca, cb);
          ca = a;
          cb = b;
        }
      }
      if (ca >= 0 && cb >= ca) out.push(ca, cb);
    } else {
      // intersection of the three lists
      let i1 = rs[ya];
      const e1 = rs[ya + 1];
      let i2 = rs[yb];
      const e2 = rs[yb + 1];
      for (let k = rs[y]; k < rs[y + 1]; k++) {
        const a = xs[2 * k],
          b = xs[2 * k + 1];
        while (i1 < e1 && xs[2 * i1 + 1] < a) i1++;
        for (let p = i1; p < e1 && xs[2 * p] <= b; p++) {
          const a1 = Math.max(a, xs[2 * p]),
            b1 = Math.min(b, xs[2 * p + 1]);
          if (a1 > b1) continue;
          while (i2 < e2 && xs[2 * i2 + 1] < a1) i2++;
          for (let q = i2; q < e2 && xs[2 * q] <= b1; q++) {
            const a2 = Math.max(a1, xs[2 * q]),
              b2 = Math.min(b1, xs[2 * q + 1]);
            if (a2 <= b2) out.push(a2, b2);
          }
        }
      }
    }
  }
  out.rowStart[h] = out.n;
  return out;
}

/** One row of the difference (b − off)·ig − a, float32, NaN outside the site; returns the valid count. */
function diffRowOf(
  a: BandArray,
  b: BandArray,
  o: number,
  w: number,
  off: number,
  ig: number,
  site: Uint8Array | null,
  out: Float32Array,
): number {
  let ok = 0;
  if (!site) {
    for (let x = 0; x < w; x++) {
      const d = (b[o + x] - off) * ig - a[o + x];
      out[x] = d;
      if (d === d) ok++;
    }
    return ok;
  }
  for (let x = 0; x < w; x++) {
    const i = o + x;
    const d = (b[i] - off) * ig - a[i];
    if (d === d && site[i]) {
      out[x] = d;
      ok++;
    } else out[x] = NaN;
  }
  return ok;
}

/** Horizontal 3-sums (float32) and counts of the valid samples of a row; `full` when it has no NaN. */
function hsum3(d: Float32Array, s: Float32Array, c: Uint8Array, full: boolean): void {
  const w = d.length;
  if (full && w >= 2) {
    s[0] = d[0] + d[1];
    c[0] = 2;
    for (let x = 1; x < w - 1; x++) s[x] = d[x - 1] + d[x] + d[x + 1];
    c.fill(3, 1, w - 1);
    s[w - 1] = d[w - 2] + d[w - 1];
    c[w - 1] = 2;
    return;
  }
  for (let x = 0; x < w; x++) {
    let t = 0,
      k = 0;
    if (x > 0) {
      const v = d[x - 1];
      if (v === v) {
        t += v;
        k++;
      }
    }
    {
      const v = d[x];
      if (v === v) {
        t += v;
        k++;
      }
    }
    if (x < w - 1) {
      const v = d[x + 1];
      if (v === v) {
        t += v;
        k++;
      }
    }
    s[x] = t;
    c[x] = k;
  }
}

/**
 * The 3 × 3 mean of a row from the horizontal sums of the rows above, at and
 * below (null beyond the image), summed (up + centre) + down as a stored
 * float32 image would be; NaN where the centre is. `full`: no NaN in the three.
 */
function vmean3(
  dc: Float32Array,
  sU: Float32Array | null,
  nU: Uint8Array | null,
  sC: Float32Array,
  nC: Uint8Array,
  sD: Float32Array | null,
  nD: Uint8Array | null,
  full: boolean,
  out: Float32Array,
): void {
  const w = dc.length;
  if (full && sU && sD && w >= 2) {
    // no NaN in the three rows: the counts are 9 inside, 6 at the ends
    out[0] = (sU[0] + sC[0] + sD[0]) / 6;
    for (let x = 1; x < w - 1; x++) out[x] = (sU[x] + sC[x] + sD[x]) / 9;
    out[w - 1] = (sU[w - 1] + sC[w - 1] + sD[w - 1]) / 6;
    return;
  }
  for (let x = 0; x < w; x++) {
    if (dc[x] !== dc[x]) {
      out[x] = NaN;
      continue;
    }
    let s = 0,
      c = 0;
    if (sU && nU) {
      s = sU[x];
      c = nU[x];
    }
    s += sC[x];
    c += nC[x];
    if (sD && nD) {
      s += sD[x];
      c += nD[x];
    }
    out[x] = s / c;
  }
}

/** Row minus the median (float32), runs of |v| > thr appended. */
function thresholdRow(row: Float32Array, med: number, thr: number, mask: Runs): void {
  const w = row.length;
  let st = -1;
  for (let x = 0; x < w; x++) {
    row[x] -= med;
    const v = row[x];
    if (v > thr || v < -thr) {
      if (st < 0) st = x;
    } else if (st >= 0) {
      mask.push(st, x - 1);
      st = -1;
    }
  }
  if (st >= 0) mask.push(st, w - 1);
}

/** Robust linear fit after ≈ g·before + o over pixels valid in both (and in the site). */
function robustFit(a: BandArray, b: BandArray, mask: Uint8Array | null): { gain: number; offset: number } {
  const n = a.length;
  const step = Math.max(1, Math.floor(n / (1 << 21)));
  let gain = 1;
  let offset = 0;
  let limit = Infinity;
  for (let iter = 0; iter < 3; iter++) {
    let sa = 0;
    let sb = 0;
    let saa = 0;
    let sab = 0;
    let c = 0;
    let sr = 0;
    for (let i = 0; i < n; i += step) {
      if (mask && !mask[i]) continue;
      const x = a[i];
      const y = b[i];
      if (x !== x || y !== y) continue;
      if (Math.abs(y - gain * x - offset) > limit) continue;
      sa += x;
      sb += y;
      saa += x * x;
      sab += x * y;
      c++;
    }
    if (c < 2) break;
    const va = saa / c - (sa / c) ** 2;
    const cov = sab / c - (sa / c) * (sb / c);
    gain = va > 1e-9 ? cov / va : 1;
    offset = sb / c - gain * (sa / c);
    // Residual spread for the next pass: 3 robust σ (from the mean absolute residual).
    c = 0;
    for (let i = 0; i < n; i += step) {
      if (mask && !mask[i]) continue;
      const x = a[i];
      const y = b[i];
      if (x !== x || y !== y) continue;
      sr += Math.abs(y - gain * x - offset);
      c++;
    }
    limit = Math.max(1e-6, 3 * 1.2533 * (sr / Math.max(1, c)));
  }
  return { gain, offset };
}

/** AFTER's luminance on BEFORE's grid, the residual shift taken out (unless noShift). */
function alignAfter(
  before: Raster,
  after: Raster,
  a: BandArray,
  noShift: boolean,
): { b: BandArray; shift: { x: number; y: number } } {
  const { width: w, height: h } = before;
  const map = gridMap(before, after);
  let b: BandArray = map ? warpAffine(lumView(after), after.width, after.height, w, h, map.a, map.b) : lumView(after);
  let shift = { x: 0, y: 0 };
  if (!noShift) {
    shift = shiftOf(a, b, w, h);
    if (Math.hypot(shift.x, shift.y) > 0.02) {
      // b'(p) = b(p + shift) ≈ a(p).
      b = warpAffine(b, w, h, w, h, [shift.x, 1, 0], [shift.y, 0, 1]);
    }
  }
  return { b, shift };
}

/**
 * The normalised difference (b − off)·ig − a at single pixels, float32 like
 * a stored image, NaN where either pass has no data or outside the site.
 */
function differenceAt(
  a: BandArray,
  b: BandArray,
  off: number,
  ig: number,
  site: Uint8Array | null,
): (i: number) => number {
  const one = new Float32Array(1);
  return (i) => {
    one[0] = (b[i] - off) * ig - a[i];
    const d = one[0];
    return d === d && (!site || site[i]) ? d : NaN;
  };
}

/**
 * The median and the robust standard deviation (1.4826 × MAD) of the
 * difference's 3 × 3 mean, from a strided sample of about a million pixels
 * (0 for either when no pixel is valid).
 */
function differenceStats(diffAt: (i: number) => number, w: number, h: number): { med: number; sigma: number } {
  const n = w * h;
  const one = new Float32Array(1);
  const smAt = (i: number): number => {
    const x = i % w,
      y = (i - x) / w;
    if (diffAt(i) !== diffAt(i)) return NaN;
    let s = 0,
      c = 0;
    for (let yy = y - 1; yy <= y + 1; yy++) {
      if (yy < 0 || yy >= h) continue;
      let t = 0;
      for (let xx = x - 1; xx <= x + 1; xx++) {
        if (xx < 0 || xx >= w) continue;
        const v = diffAt(yy * w + xx);
        if (v === v) {
          t += v;
          c++;
        }
      }
      one[0] = t;
      s += one[0];
    }
    one[0] = s / c;
    return one[0];
  };
  const step = Math.max(1, Math.floor(n / (1 << 20)));
  const samp: number[] = [];
  for (let i = 0; i < n; i += step) samp.push(smAt(i));
  // the high median (the upper middle value), 0 when there is none
  const valid = samp.filter((v) => v === v);
  const med = valid.length ? medianHigh(valid) : 0;
  const dev: number[] = [];
  for (const v of samp) {
    if (v !== v) continue;
    one[0] = v - med;
    dev.push(Math.abs(one[0]));
  }
  return { med, sigma: 1.4826 * (dev.length ? medianHigh(dev) : 0) };
}

/**
 * One pass over the rows: the difference (diffRow), its 3 × 3 mean, less
 * the median, thresholded at ±thr straight into runs. Returns the runs and
 * the count of valid pixels.
 */
function thresholdDifference(
  diffRow: (y: number, out: Float32Array) => number,
  w: number,
  h: number,
  med: number,
  thr: number,
): { mask: Runs; valid: number } {
  let valid = 0;
  const mask = new Runs(h);
  const d = [new Float32Array(w), new Float32Array(w), new Float32Array(w)];
  const hs = [new Float32Array(w), new Float32Array(w), new Float32Array(w)];
  const hc = [new Uint8Array(w), new Uint8Array(w), new Uint8Array(w)];
  const smRow = new Float32Array(w);
  // slot (y mod 3) holds row y
  const full = [false, false, false];
  {
    const ok = diffRow(0, d[0]);
    valid += ok;
    full[0] = ok === w;
    hsum3(d[0], hs[0], hc[0], full[0]);
  }
  for (let y = 0; y < h; y++) {
    if (y + 1 < h) {
      const s = (y + 1) % 3;
      const ok = diffRow(y + 1, d[s]);
      valid += ok;
      full[s] = ok === w;
      hsum3(d[s], hs[s], hc[s], full[s]);
    }
    const c0 = y % 3;
    const cu = y > 0 ? (y - 1) % 3 : -1,
      cd = y + 1 < h ? (y + 1) % 3 : -1;
    const dc = d[c0],
      sC = hs[c0],
      nC = hc[c0];
    const sU = cu >= 0 ? hs[cu] : null,
      nU = cu >= 0 ? hc[cu] : null;
    const sD = cd >= 0 ? hs[cd] : null,
      nD = cd >= 0 ? hc[cd] : null;
    vmean3(dc, sU, nU, sC, nC, sD, nD, sU !== null && sD !== null && full[c0] && full[cu] && full[cd], smRow);
    mask.rowStart[y] = mask.n;
    thresholdRow(smRow, med, thr, mask);
  }
  mask.rowStart[h] = mask.n;
  return { mask, valid };
}

/**
 * Opening (speckle and one-pixel rims along edges, the trace of
 * resampling, go), then closing; what closing reached outside the valid
 * area clipped back.
 */
function cleanMask(mask: Runs, w: number, h: number, diffAt: (i: number) => number): Runs {
  mask = morphRuns(morphRuns(mask, w, h, false), w, h, true);
  mask = morphRuns(morphRuns(mask, w, h, true), w, h, false);
  const clip = new Runs(h, Math.max(16, mask.n));
  for (let y = 0; y < h; y++) {
    clip.rowStart[y] = clip.n;
    for (let r = mask.rowStart[y]; r < mask.rowStart[y + 1]; r++) {
      let st = -1;
      const xa = mask.xs[2 * r],
        xb = mask.xs[2 * r + 1];
      for (let x = xa; x <= xb; x++) {
        const v = diffAt(y * w + x);
        if (v === v) {
          if (st < 0) st = x;
        } else if (st >= 0) {
          clip.push(st, x - 1);
          st = -1;
        }
      }
      if (st >= 0) clip.push(st, xb);
    }
  }
  clip.rowStart[h] = clip.n;
  return clip;
}

/**
 * 8-connected blobs of the mask: union-find over the runs (the root of a
 * blob is its first run in raster order), labelled 1 … count in that order.
 */
function labelBlobs(mask: Runs, h: number): { lab: Int32Array; count: number } {
  const nr = mask.n,
    xs = mask.xs,
    rs = mask.rowStart;
  const par = new Int32Array(nr);
  for (let i = 0; i < nr; i++) par[i] = i;
  for (let y = 1; y < h; y++) {
    let i = rs[y - 1];
    const ie = rs[y];
    for (let r = rs[y]; r < rs[y + 1]; r++) {
      const ra0 = xs[2 * r],
        rb0 = xs[2 * r + 1];
      while (i < ie && xs[2 * i + 1] < ra0 - 1) i++;
      for (let m = i; m < ie && xs[2 * m] <= rb0 + 1; m++) unionRoots(par, r, m);
    }
  }
  const lab = new Int32Array(nr);
  let count = 0;
  for (let r = 0; r < nr; r++) {
    const root = findRoot(par, r);
    lab[r] = root === r ? ++count : lab[root];
  }
  return { lab, count };
}

/**
 * The blobs of at least minPixels (largest first), their pixels in
 * changedMask, and how many pixels changed.
 */
function blobsOf(
  before: Raster,
  mask: Runs,
  diffAt: (i: number) => number,
  minPixels: number,
  pixelArea: number,
): { blobs: ChangeBlob[]; changedMask: Uint8Array; changed: number } {
  const { width: w, height: h } = before;
  const xs = mask.xs,
    rs = mask.rowStart;
  const { lab, count } = labelBlobs(mask, h);
  const px = new Float64Array(count + 1);
  const sx = new Float64Array(count + 1);
  const sy = new Float64Array(count + 1);
  const sd = new Float64Array(count + 1);
  const bx0 = new Int32Array(count + 1).fill(w);
  const by0 = new Int32Array(count + 1).fill(h);
  const bx1 = new Int32Array(count + 1);
  const by1 = new Int32Array(count + 1);
  for (let y = 0; y < h; y++) {
    for (let r = rs[y]; r < rs[y + 1]; r++) {
      const l = lab[r];
      const xa = xs[2 * r],
        xb = xs[2 * r + 1];
      for (let x = xa; x <= xb; x++) {
        px[l]++;
        sx[l] += x + 0.5;
        sy[l] += y + 0.5;
        sd[l] += diffAt(y * w + x);
      }
      if (xa < bx0[l]) bx0[l] = xa;
      if (y < by0[l]) by0[l] = y;
      if (xb + 1 > bx1[l]) bx1[l] = xb + 1;
      if (y + 1 > by1[l]) by1[l] = y + 1;
    }
  }
  const keep = new Uint8Array(count + 1);
  const blobs: ChangeBlob[] = [];
  for (let l = 1; l <= count; l++) {
    if (px[l] < minPixels) continue;
    keep[l] = 1;
    const cx = sx[l] / px[l];
    const cy = sy[l] / px[l];
    const blob: ChangeBlob = {
      x: cx,
      y: cy,
      area_m2: px[l] * pixelArea,
      pixels: px[l],
      bbox: [bx0[l], by0[l], bx1[l], by1[l]],
      mean_diff: sd[l] / px[l],
    };
    if (before.geo) {
      const [ex, ny] = applyTransform(before.geo.transform, cx, cy);
      const [lon, lat] = toWgs84(before.geo.epsg, ex, ny);
      blob.lat = lat;
      blob.lon = lon;
    }
    blobs.push(blob);
  }
  let changed = 0;
  const changedMask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let r = rs[y]; r < rs[y + 1]; r++) {
      if (!keep[lab[r]]) continue;
      const xa = xs[2 * r],
        xb = xs[2 * r + 1];
      changedMask.fill(1, y * w + xa, y * w + xb + 1);
      changed += xb - xa + 1;
    }
  }
  blobs.sort((p, q) => q.area_m2 - p.area_m2);
  return { blobs, changedMask, changed };
}

/**
 * Change between BEFORE and AFTER: AFTER regridded onto BEFORE's grid, the
 * residual shift estimated and removed, radiometry matched, the difference
 * thresholded and cut into blobs (see the module comment).
 */
export function detectChange(before: Raster, after: Raster, opts: ChangeOptions = {}): ChangeResult {
  const { width: w, height: h } = before;
  const n = w * h;
  if (opts.site && opts.site.length !== n) {
    throw new ImageryError('BAD_RASTER', `site mask has ${opts.site.length} pixels, BEFORE has ${n}`);
  }
  const a = lumView(before);
  const { b, shift } = alignAfter(before, after, a, opts.noShift ?? false);

  const site = opts.site ?? null;
  const norm = robustFit(a, b, site);
  // Difference in BEFORE's grey levels: (b − o)/g − a, as float32; NaN where
  // either pass has no data or outside the site. Computed row by row, never
  // stored whole: its 3 × 3 mean (NaN-aware, float32 like a stored image)
  // is thresholded on the fly into runs.
  const ig = norm.gain !== 0 ? 1 / norm.gain : 1;
  const off = norm.offset;
  const diffAt = differenceAt(a, b, off, ig, site);
  const { med, sigma } = differenceStats(diffAt, w, h);
  const k = opts.threshold ?? 4;
  const thr = opts.thresholdAbs ?? Math.max(k * sigma, 1e-3);

  const diffRow = (y: number, out: Float32Array): number => diffRowOf(a, b, y * w, w, off, ig, site, out);
  const { mask: raw, valid } = thresholdDifference(diffRow, w, h, med, thr);
  const mask = cleanMask(raw, w, h, diffAt);

  const gsd = before.geo ? gsdMetres(before.geo, w, h) : { x: opts.gsdM ?? 1, y: opts.gsdM ?? 1 };
  const t = before.geo?.transform;
  const pixelArea = t
    ? gsd.x * gsd.y * Math.abs(Math.sin(Math.atan2(t[4], t[1]) - Math.atan2(t[5], t[2])))
    : gsd.x * gsd.y;
  const minPixels = opts.minBlobM2 !== undefined ? opts.minBlobM2 / pixelArea : 6;
  const { blobs, changedMask, changed } = blobsOf(before, mask, diffAt, minPixels, pixelArea);
  return {
    shift_px: shift,
    changed_fraction: valid ? changed / valid : 0,
    blobs,
    changedMask,
    normalisation: norm,
    noise_sigma: sigma,
    threshold: thr,
    valid_pixels: valid,
  };
}

// ---------------------------------------------------------------------------
// Object-level change
// ---------------------------------------------------------------------------

/** Distance in metres between two detections: the haversine from lat/lon, else pixels × gsdM. */
function detDistanceM(p: Detection, q: Detection, gsdM: number): number {
  if (p.lat !== null && p.lon !== null && q.lat !== null && q.lon !== null)
    return haversineM(p.lat, p.lon, q.lat, q.lon);
  return Math.hypot(p.x - q.x, p.y - q.y) * gsdM;
}

export interface ObjectChanges<D extends Detection = Detection> {
  /** Present before, unmatched after. */
  removed: D[];
  /** Present after, unmatched before. */
  added: D[];
  /** One-to-one pairs within the distance, with their distance in metres. */
  matched: { before: D; after: D; distance_m: number }[];
}

/**
 * Matches detections of two passes one to one, closest pairs first, pairs no
 * farther apart than `maxMatchDistanceM`. Distances from lat/lon when both
 * detections have them, else from pixel positions times `gsdM` (default 1).
 */
export function objectChanges<D extends Detection>(
  beforeDets: D[],
  afterDets: D[],
  maxMatchDistanceM: number,
  opts: { gsdM?: number } = {},
): ObjectChanges<D> {
  const gsdM = opts.gsdM ?? 1;
  const pairs: { i: number; j: number; d: number }[] = [];
  for (let i = 0; i < beforeDets.length; i++) {
    for (let j = 0; j < afterDets.length; j++) {
      const d = detDistanceM(beforeDets[i], afterDets[j], gsdM);
      if (d <= maxMatchDistanceM) pairs.push({ i, j, d });
    }
  }
  pairs.sort((p, q) => p.d - q.d || p.i - q.i || p.j - q.j);
  const usedB = new Uint8Array(beforeDets.length);
  const usedA = new Uint8Array(afterDets.length);
  const matched: ObjectChanges<D>['matched'] = [];
  for (const p of pairs) {
    if (usedB[p.i] || usedA[p.j]) continue;
    usedB[p.i] = 1;
    usedA[p.j] = 1;
    matched.push({ before: beforeDets[p.i], after: afterDets[p.j], distance_m: p.d });
  }
  return {
    removed: beforeDets.filter((_, i) => !usedB[i]),
    added: afterDets.filter((_, j) => !usedA[j]),
    matched,
  };
}
