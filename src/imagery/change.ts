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
 *    8-connected blobs, the ones under `minBlobM2` dropped.
 * 4. objectChanges: detections before and after matched one to one by
 *    distance (closest pairs first): the unmatched before are removed, the
 *    unmatched after added. Independent of the detector.
 *
 * Sign convention: a shift (x, y) means AFTER shows BEFORE's content moved by
 * +x columns and +y rows: after(p) ≈ before(p − shift).
 */
import { applyTransform, gsdMetres, invertTransform, toWgs84 } from './crs.js';
import { ImageryError } from './errors.js';
import type { Detection, Raster } from './types.js';

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

/**
 * Bilinear sampling of a float image at (u, v) in pixel-centre coordinates
 * (the centre of pixel (0, 0) is (0, 0)); within the outer half pixel the edge
 * value is held; NaN outside the image or next to a NaN.
 */
function bilinear(img: Float32Array, w: number, h: number, u: number, v: number): number {
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
function warpAffine(img: Float32Array, w: number, h: number, outW: number, outH: number,
  a: [number, number, number], b: [number, number, number]): Float32Array {
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
      throw new ImageryError('BAD_RASTER', `the two passes differ in size (${before.width} × ${before.height} and ` +
        `${after.width} × ${after.height}) and ${before.geo ? 'AFTER' : 'BEFORE'} has no georeferencing to put them on one grid`);
    }
    return null;
  }
  if (before.geo.epsg !== after.geo.epsg) {
    throw new ImageryError('UNSUPPORTED_CRS', `the two passes are in different CRS (EPSG:${before.geo.epsg} and ` +
      `EPSG:${after.geo.epsg}); reproject one onto the other first (e.g. gdalwarp -t_srs EPSG:${before.geo.epsg})`);
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
    const out = after.type === 'uint8' ? new Uint8Array(w * h) : after.type === 'uint16' ? new Uint16Array(w * h)
      : after.type === 'int16' ? new Int16Array(w * h) : new Float32Array(w * h);
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
      let t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
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
function taperedWindow(img: Float32Array, w: number, win: Window): Float64Array {
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
function refineShift(a: Float32Array, b: Float32Array, w: number, h: number, win: Window,
  start: { x: number; y: number }): { x: number; y: number } | null {
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
        const gx = (bilinear(a, w, h, u + 0.5, v) - bilinear(a, w, h, u - 0.5, v));
        const gy = (bilinear(a, w, h, u, v + 0.5) - bilinear(a, w, h, u, v - 0.5));
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
function shiftOf(a: Float32Array, b: Float32Array, w: number, h: number, maxWindow = 512): { x: number; y: number } {
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
    throw new ImageryError('BAD_RASTER', `estimateShift needs two rasters on one grid (got ${a.width} × ${a.height} and ` +
      `${b.width} × ${b.height}); use registerToGrid first`);
  }
  return shiftOf(luminance(a), luminance(b), a.width, a.height);
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

/** Median of a sample of the finite values (strided when large). */
function robustMedian(v: Float32Array, mask: Uint8Array | null, absolute: boolean, maxSamples = 1 << 20): number {
  const n = v.length;
  const step = Math.max(1, Math.floor(n / maxSamples));
  const s: number[] = [];
  for (let i = 0; i < n; i += step) {
    if (mask && !mask[i]) continue;
    const x = v[i];
    if (!Number.isNaN(x)) s.push(absolute ? Math.abs(x) : x);
  }
  if (s.length === 0) return 0;
  const f = Float64Array.from(s).sort();
  return f[Math.floor(f.length / 2)];
}

/** 3 × 3 box mean of a float image, NaN-aware (NaN where the centre is NaN). */
function boxMean3(img: Float32Array, w: number, h: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const cnt = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      let c = 0;
      for (let k = -1; k <= 1; k++) {
        const xx = x + k;
        if (xx < 0 || xx >= w) continue;
        const v = img[o + xx];
        if (v === v) {
          s += v;
          c++;
        }
      }
      tmp[o + x] = s;
      cnt[o + x] = c;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      if (img[o + x] !== img[o + x]) {
        out[o + x] = NaN;
        continue;
      }
      let s = 0;
      let c = 0;
      for (let k = -1; k <= 1; k++) {
        const yy = y + k;
        if (yy < 0 || yy >= h) continue;
        s += tmp[yy * w + x];
        c += cnt[yy * w + x];
      }
      out[o + x] = s / c;
    }
  }
  return out;
}

/** Binary 3 × 3 dilation (max) or erosion (min), separable. */
function morph3(m: Uint8Array, w: number, h: number, dilate: boolean): Uint8Array {
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? m[o + x - 1] : m[o + x];
      const r = x < w - 1 ? m[o + x + 1] : m[o + x];
      const c = m[o + x];
      tmp[o + x] = dilate ? l | c | r : l & c & r;
    }
  }
  for (let y = 0; y < h; y++) {
    const o = y * w;
    const up = y > 0 ? o - w : o;
    const dn = y < h - 1 ? o + w : o;
    for (let x = 0; x < w; x++) {
      out[o + x] = dilate ? tmp[up + x] | tmp[o + x] | tmp[dn + x] : tmp[up + x] & tmp[o + x] & tmp[dn + x];
    }
  }
  return out;
}

/** 8-connected components of a binary mask: labels (0 = background) and the count. */
function label8(m: Uint8Array, w: number, h: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  let count = 0;
  for (let i = 0; i < m.length; i++) {
    if (!m[i] || labels[i]) continue;
    count++;
    let sp = 0;
    stack[sp++] = i;
    labels[i] = count;
    while (sp) {
      const p = stack[--sp];
      const px = p % w;
      const py = (p - px) / w;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = py + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = px + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (m[q] && !labels[q]) {
            labels[q] = count;
            stack[sp++] = q;
          }
        }
      }
    }
  }
  return { labels, count };
}

/** Robust linear fit after ≈ g·before + o over pixels valid in both (and in the site). */
function robustFit(a: Float32Array, b: Float32Array, mask: Uint8Array | null): { gain: number; offset: number } {
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
  const a = luminance(before);
  const map = gridMap(before, after);
  let b = map ? warpAffine(luminance(after), after.width, after.height, w, h, map.a, map.b) : luminance(after);

  let shift = { x: 0, y: 0 };
  if (!opts.noShift) {
    shift = shiftOf(a, b, w, h);
    if (Math.hypot(shift.x, shift.y) > 0.02) {
      // b'(p) = b(p + shift) ≈ a(p).
      b = warpAffine(b, w, h, w, h, [shift.x, 1, 0], [shift.y, 0, 1]);
    }
  }

  const site = opts.site ?? null;
  const norm = robustFit(a, b, site);
  // Difference in BEFORE's grey levels: (b − o)/g − a.
  const diff = new Float32Array(n);
  const ig = norm.gain !== 0 ? 1 / norm.gain : 1;
  let valid = 0;
  for (let i = 0; i < n; i++) {
    const d = (b[i] - norm.offset) * ig - a[i];
    const ok = d === d && (!site || site[i]);
    diff[i] = ok ? d : NaN;
    if (ok) valid++;
  }
  const sm = boxMean3(diff, w, h);
  const med = robustMedian(sm, null, false);
  for (let i = 0; i < n; i++) sm[i] -= med;
  const sigma = 1.4826 * robustMedian(sm, null, true);
  const k = opts.threshold ?? 4;
  const thr = opts.thresholdAbs ?? Math.max(k * sigma, 1e-3);

  let mask: Uint8Array = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = sm[i];
    if (v === v && Math.abs(v) > thr) mask[i] = 1;
  }
  // Opening (speckle and one-pixel rims along edges, the trace of resampling, go), then closing.
  mask = morph3(morph3(mask, w, h, false), w, h, true);
  mask = morph3(morph3(mask, w, h, true), w, h, false);
  // Closing may reach outside the valid area: clip it back.
  for (let i = 0; i < n; i++) if (mask[i] && diff[i] !== diff[i]) mask[i] = 0;

  const gsd = before.geo ? gsdMetres(before.geo, w, h) : { x: opts.gsdM ?? 1, y: opts.gsdM ?? 1 };
  const t = before.geo?.transform;
  const pixelArea = t ? gsd.x * gsd.y * Math.abs(Math.sin(Math.atan2(t[4], t[1]) - Math.atan2(t[5], t[2]))) : gsd.x * gsd.y;
  const minPixels = opts.minBlobM2 !== undefined ? opts.minBlobM2 / pixelArea : 6;

  const { labels, count } = label8(mask, w, h);
  const px = new Float64Array(count + 1);
  const sx = new Float64Array(count + 1);
  const sy = new Float64Array(count + 1);
  const sd = new Float64Array(count + 1);
  const bx0 = new Int32Array(count + 1).fill(w);
  const by0 = new Int32Array(count + 1).fill(h);
  const bx1 = new Int32Array(count + 1);
  const by1 = new Int32Array(count + 1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const l = labels[y * w + x];
      if (!l) continue;
      px[l]++;
      sx[l] += x + 0.5;
      sy[l] += y + 0.5;
      sd[l] += diff[y * w + x];
      if (x < bx0[l]) bx0[l] = x;
      if (y < by0[l]) by0[l] = y;
      if (x + 1 > bx1[l]) bx1[l] = x + 1;
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
      x: cx, y: cy, area_m2: px[l] * pixelArea, pixels: px[l],
      bbox: [bx0[l], by0[l], bx1[l], by1[l]], mean_diff: sd[l] / px[l],
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
  const changedMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (keep[labels[i]] && labels[i]) {
      changedMask[i] = 1;
      changed++;
    }
  }
  blobs.sort((p, q) => q.area_m2 - p.area_m2);
  return {
    shift_px: shift, changed_fraction: valid ? changed / valid : 0, blobs, changedMask,
    normalisation: norm, noise_sigma: sigma, threshold: thr, valid_pixels: valid,
  };
}

// ---------------------------------------------------------------------------
// Object-level change
// ---------------------------------------------------------------------------

/** Distance in metres between two detections: on the ellipsoid's sphere from lat/lon, else pixels × gsdM. */
function detDistanceM(p: Detection, q: Detection, gsdM: number): number {
  if (p.lat !== null && p.lon !== null && q.lat !== null && q.lon !== null) {
    const R = 6371008.8;
    const rad = Math.PI / 180;
    const dLat = (q.lat - p.lat) * rad;
    const dLon = (q.lon - p.lon) * rad;
    const s = Math.sin(dLat / 2) ** 2 + Math.cos(p.lat * rad) * Math.cos(q.lat * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(s)));
  }
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
export function objectChanges<D extends Detection>(beforeDets: D[], afterDets: D[], maxMatchDistanceM: number,
  opts: { gsdM?: number } = {}): ObjectChanges<D> {
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
