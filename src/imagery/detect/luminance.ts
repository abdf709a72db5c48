/**
 * Step 0 of the detector: the luminance it works on, and its quantisation
 * for the background's histograms.
 *
 * The luminance is the band, or the mean of the first three; then, without
 * nodata, a 1-2-1 × 1-2-1 smoothing (a matched filter for objects two or
 * more pixels wide: white noise down 2.7 times, edges at half maximum barely
 * moved). For 8-bit input this is exact in 16-bit integers (the sums are
 * kept unscaled: `unit` says by how much).
 */
import type { BandArray, Raster } from '../types.js';
import { type Pool, runJobs, sharedCopy, splitRange } from './pool.js';
import { HIST_BINS, RANGE_SAMPLE_PIXELS } from './params.js';

export type Lum = BandArray | Float32Array;

/**
 * The luminance and the region of it that the passes over every pixel read
 * (plain data: it goes to the worker threads as it is). Rows y0 … y1 − 1,
 * columns x0 … x0 + rw − 1; lo is subtracted before the histograms.
 */
export interface PixelPass {
  lum: Lum;
  /** The image's width (the row stride of lum). */
  width: number;
  x0: number;
  y0: number;
  y1: number;
  rw: number;
  rh: number;
  nodata: number | null;
  lo: number;
}

export interface Luminance {
  lum: Lum;
  /** lum = grey level × unit. */
  unit: number;
}

/**
 * The detector's luminance of a raster. With a pool (large images), the
 * result is in shared memory for the workers, and a single band is smoothed
 * by row strips on them (the same arithmetic).
 */
export function luminance(raster: Raster, pool: Pool | null): Luminance {
  const { width: w, height: h } = raster;
  const nodata = raster.nodata;
  const nb = raster.bands.length >= 3 ? 3 : 1;
  const lumArray = (n: number): Uint16Array | Float32Array => {
    const u8 = raster.type === 'uint8';
    if (!pool) return u8 ? new Uint16Array(n) : new Float32Array(n);
    return u8 ? new Uint16Array(new SharedArrayBuffer(2 * n)) : new Float32Array(new SharedArrayBuffer(4 * n));
  };
  if (nodata === null && nb === 1 && pool) {
    const band = raster.bands[0];
    const src = band.buffer instanceof SharedArrayBuffer ? band : sharedCopy(band);
    const sum = lumArray(w * h);
    runJobs(
      pool,
      splitRange(h, pool.workers.length).map(([a, b]) => ({ kind: 'smooth', src, out: sum, w, h, yA: a, yB: b })),
    );
    return { lum: sum, unit: 16 };
  }
  if (nodata === null) {
    const sum = lumArray(w * h);
    smoothAll(raster, nb, sum);
    return { lum: sum, unit: 16 * nb };
  }
  if (nb === 3) {
    const a = raster.bands[0],
      b = raster.bands[1],
      c = raster.bands[2];
    const m = new Float32Array(w * h);
    for (let i = 0; i < m.length; i++) m[i] = a[i] === nodata ? nodata : (a[i] + b[i] + c[i]) / 3;
    return { lum: m, unit: 1 };
  }
  return { lum: raster.bands[0], unit: 1 };
}

/** 1-2-1 × 1-2-1 sums of the band (or of the sum of the first three) into sum, on the calling thread. */
function smoothAll(raster: Raster, nb: number, sum: Uint16Array | Float32Array): void {
  const { width: w, height: h } = raster;
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
}

/**
 * 1-2-1 × 1-2-1 smoothing of one band, rows [yA, yB) of out (edges
 * replicated): the same sums, in the same order and precision (out's type),
 * as the whole-image pass (a worker's share of it).
 */
export function smoothRows(
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

/** Histogram bins: bin = (lum − lo) · q, clamped to 0 … HIST_BINS − 1. */
export interface Quantisation {
  lo: number;
  /** Bins per unit of lum. */
  q: number;
}

/**
 * The histograms' quantisation: exact grey levels for 8-bit input, else the
 * sampled value range over the bins. Null when the image is flat (nothing
 * to find).
 */
export function quantisation(raster: Raster, lm: Luminance): Quantisation | null {
  if (raster.type === 'uint8') return { lo: 0, q: 1 / lm.unit };
  const { lum } = lm;
  const n = raster.width * raster.height;
  const nodata = raster.nodata;
  let mn = Infinity,
    mx = -Infinity;
  const step = Math.max(1, Math.floor(n / RANGE_SAMPLE_PIXELS));
  for (let i = 0; i < n; i += step) {
    const v = lum[i];
    if (v === nodata) continue;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  if (!(mx > mn)) return null;
  return { lo: mn, q: (HIST_BINS - 1) / (mx - mn) };
}
