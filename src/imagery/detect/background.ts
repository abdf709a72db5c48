/**
 * Steps 1–4 of the detector: the background and the noise over the region,
 * each a grid of blocks read back by bilinear interpolation (grid.ts).
 *
 * 1. Coarse background: the median of square blocks about one declared
 *    length across (a HIST_BINS-bin histogram per block, one pass); objects
 *    cover well under half a block and do not move the median.
 * 2. Noise, first estimate: per coarse block, the median absolute residual
 *    × 1.4826 (robust MAD, by histogram), smoothed over 3 × 3 blocks.
 * 3. Fine background: blocks a third as wide take the mean residual of their
 *    pixels within 2.5 noise units of the coarse model (objects left out),
 *    which follows the ground's texture.
 * 4. Noise: as in 2, of the residual from both backgrounds.
 *
 * z = (lum − coarse − fine) / noise. The passes over the pixels go row by
 * row with typed-array row buffers (no per-pixel allocation), by block rows;
 * on large regions the block rows are shared out to the worker threads
 * (pool.ts), which run the same functions.
 */
import { Grid, gridSpec } from './grid.js';
import type { Lum, PixelPass, Quantisation } from './luminance.js';
import { type Pool, runBlockJobs } from './pool.js';
import {
  BLOCK_MIN_COVER,
  FINE_BLOCK_DIVISOR,
  FINE_BLOCK_MIN_PX,
  FINE_INLIER_Z,
  FINE_MIN_COVER,
  FINE_SAMPLE_MIN_BLOCK_PX,
  HIST_BINS,
  MAD_TO_SIGMA,
  MEDIAN_SAMPLE_MIN_BLOCK_PX,
  NOISE_FLOOR_LEVELS,
  RESIDUAL_BINS_PER_LEVEL,
} from './params.js';

/** The background model of a region: z = (lum − coarse − fine) / noise. */
export interface Background {
  /** Block medians, blocks about one declared length across. */
  coarse: Grid;
  /** Mean residual of blocks a third as wide, objects left out. */
  fine: Grid;
  /** Robust standard deviation of the residual, coarse blocks. */
  noise: Grid;
}

/** What a block-median pass takes the median of: lum − lo, |lum − coarse|, or |lum − coarse − fine|. */
export const enum MedianOf {
  Level = 0,
  ResidualCoarse = 1,
  Residual = 2,
}

const TOP_BIN = HIST_BINS - 1;

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

/* ---------- row kernels (top level, monomorphic: the passes over every pixel) ---------- */

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

/** Per-block histograms of a row: bins (v·q)|0 clamped to 0 … TOP_BIN, NaN skipped. */
function histRow(
  row: Float32Array,
  block: number,
  gw: number,
  q: number,
  hist: Int32Array,
  cnt: Int32Array,
  step: number,
): void {
  const rw = row.length;
  const top = TOP_BIN;
  for (let i = 0, xa = 0; i < gw; i++, xa += block) {
    const xb = Math.min(rw, xa + block);
    const off = i * HIST_BINS;
    let c = 0;
    for (let xr = xa; xr < xb; xr += step) {
      const v = row[xr];
      if (v !== v) continue;
      let b = (v * q) | 0;
      if (b < 0) b = 0;
      else if (b > top) b = top;
      hist[off + b]++;
      c++;
    }
    cnt[i] += c;
  }
}

/** Fine background: per block, the sum and count of the residuals within FINE_INLIER_Z noise units. */
function fineRow(
  lum: Lum,
  o: number,
  nodata: number | null,
  bg: Float32Array,
  noise: Float32Array,
  block: number,
  gw: number,
  sum: Float64Array,
  num: Int32Array,
): void {
  const rw = bg.length;
  const inlier = FINE_INLIER_Z;
  for (let i = 0, xa = 0; i < gw; i++, xa += block) {
    const xb = Math.min(rw, xa + block);
    let s = sum[i],
      c = 0;
    for (let xr = xa; xr < xb; xr++) {
      const v = lum[o + xr];
      if (v === nodata) continue;
      const r = v - bg[xr];
      const lim = inlier * noise[xr];
      if (r > lim || r < -lim) continue;
      s += r;
      c++;
    }
    sum[i] = s;
    num[i] += c;
  }
}

/** sign · z over a span of a row, into z from offset zo (grid values from Grid.span). */
export function zSpan(
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

/* ---------- block passes (also run in the workers) ---------- */

/** Rows between the samples of a block median (MEDIAN_SAMPLE_MIN_BLOCK_PX). */
function medianStep(block: number): number {
  return block >= MEDIAN_SAMPLE_MIN_BLOCK_PX ? 2 : 1;
}

/**
 * Per-block medians over block rows [jA, jB) of g, quantised by q (bins
 * 0 … TOP_BIN) of `what` (MedianOf). Sampled (medianStep).
 */
export function medianBlockRows(
  c: PixelPass,
  g: Grid,
  q: number,
  what: MedianOf,
  bg: Grid | null,
  fine: Grid | null,
  jA: number,
  jB: number,
  vals: Float32Array,
  valid: Uint8Array,
): void {
  const { rw, width: w, x0, y0, y1 } = c;
  const hist = new Int32Array(g.gw * HIST_BINS);
  const cnt = new Int32Array(g.gw);
  const row = new Float32Array(rw),
    row2 = new Float32Array(rw),
    row3 = new Float32Array(rw);
  const step = medianStep(g.block);
  for (let j = jA; j < jB; j++) {
    hist.fill(0);
    cnt.fill(0);
    const ya = y0 + j * g.block,
      yb = Math.min(y1, ya + g.block);
    for (let y = ya; y < yb; y += step) {
      if (what === MedianOf.Level || !bg) copyRow(c.lum, y * w + x0, c.nodata, c.lo, row);
      else {
        bg.row(y, row2);
        if (what === MedianOf.Residual && fine) fine.row(y, row3);
        absResidual(c.lum, y * w + x0, c.nodata, row2, what === MedianOf.Residual ? row3 : null, row);
      }
      histRow(row, g.block, g.gw, q, hist, cnt, step);
    }
    for (let i = 0; i < g.gw; i++) {
      const area = Math.ceil((Math.min(rw, (i + 1) * g.block) - i * g.block) / step) * Math.ceil((yb - ya) / step);
      if (cnt[i] > 0 && cnt[i] >= BLOCK_MIN_COVER * area) {
        vals[j * g.gw + i] = medianOfHist(hist, i * HIST_BINS, HIST_BINS, cnt[i]) / q;
        valid[j * g.gw + i] = 1;
      }
    }
  }
}

/** Fine background over block rows [jA, jB) of F: the mean residual within FINE_INLIER_Z noise units. */
export function fineBlockRows(
  c: PixelPass,
  F: Grid,
  bg: Grid,
  noise: Grid,
  jA: number,
  jB: number,
  vals: Float32Array,
  valid: Uint8Array,
): void {
  const { rw, width: w, x0, y0, y1 } = c;
  const sum = new Float64Array(F.gw);
  const num = new Int32Array(F.gw);
  const row2 = new Float32Array(rw),
    row3 = new Float32Array(rw);
  const step = F.block >= FINE_SAMPLE_MIN_BLOCK_PX ? 2 : 1;
  for (let j = jA; j < jB; j++) {
    sum.fill(0);
    num.fill(0);
    const ya = y0 + j * F.block,
      yb = Math.min(y1, ya + F.block);
    for (let y = ya; y < yb; y += step) {
      bg.row(y, row2);
      noise.row(y, row3);
      fineRow(c.lum, y * w + x0, c.nodata, row2, row3, F.block, F.gw, sum, num);
    }
    for (let i = 0; i < F.gw; i++) {
      const area = (Math.min(rw, (i + 1) * F.block) - i * F.block) * Math.ceil((yb - ya) / step);
      if (num[i] >= FINE_MIN_COVER * area && num[i] > 0) {
        vals[j * F.gw + i] = sum[i] / num[i];
        valid[j * F.gw + i] = 1;
      }
    }
  }
}

/* ---------- the model ---------- */

/** Block medians of g (on the workers when there is a pool): values into g, validity into valid. */
function blockMedians(
  pass: PixelPass,
  pool: Pool | null,
  g: Grid,
  q: number,
  what: MedianOf,
  bg: Grid | null,
  fine: Grid | null,
  valid: Uint8Array,
): void {
  if (pool)
    runBlockJobs(
      pool,
      g.gh,
      (jA, jB) => ({
        kind: 'median',
        pass,
        grid: gridSpec(g),
        q,
        mode: what,
        bg: bg && gridSpec(bg),
        fine: fine && gridSpec(fine),
        jA,
        jB,
      }),
      g,
      valid,
    );
  else medianBlockRows(pass, g, q, what, bg, fine, 0, g.gh, g.values, valid);
}

/** Noise from block MADs: each block the mean of its 3 × 3 neighbourhood × MAD_TO_SIGMA, at least floor. */
function madToNoise(g: Grid, floor: number): void {
  const s2 = new Float32Array(g.values.length);
  for (let j = 0; j < g.gh; j++) {
    for (let i = 0; i < g.gw; i++) {
      let s = 0,
        n = 0;
      for (let dj = -1; dj <= 1; dj++) {
        for (let di = -1; di <= 1; di++) {
          const jj = j + dj,
            ii = i + di;
          if (jj < 0 || ii < 0 || jj >= g.gh || ii >= g.gw) continue;
          s += g.values[jj * g.gw + ii];
          n++;
        }
      }
      s2[j * g.gw + i] = Math.max((MAD_TO_SIGMA * s) / n, floor);
    }
  }
  g.values.set(s2);
}

/**
 * The background model of the pass's region, coarse blocks `block` pixels
 * across; null when no block has data.
 */
export function fitBackground(
  pass: PixelPass,
  block: number,
  quant: Quantisation,
  pool: Pool | null,
): Background | null {
  const { x0, y0, rw, rh } = pass;
  const qs = quant.q;
  // 1. coarse: block medians of the level
  const coarse = new Grid(block, x0, y0, rw, rh);
  const valid0 = new Uint8Array(coarse.gw * coarse.gh);
  blockMedians(pass, pool, coarse, qs, MedianOf.Level, null, null, valid0);
  if (!valid0.some((v) => v === 1)) return null;
  coarse.fill(valid0.slice());
  for (let k = 0; k < coarse.values.length; k++) coarse.values[k] += pass.lo;

  // 2. noise, first estimate: block MAD of the residual (bins of a fraction of a grey level)
  const rq = RESIDUAL_BINS_PER_LEVEL * qs;
  const noise0 = new Grid(block, x0, y0, rw, rh);
  const fine = new Grid(Math.max(FINE_BLOCK_MIN_PX, Math.round(block / FINE_BLOCK_DIVISOR)), x0, y0, rw, rh);
  {
    const vs = new Uint8Array(noise0.values.length);
    blockMedians(pass, pool, noise0, rq, MedianOf.ResidualCoarse, coarse, null, vs);
    noise0.fill(vs);
    madToNoise(noise0, NOISE_FLOOR_LEVELS / qs);
  }

  // 3. fine: per small block, the mean residual of the pixels within FINE_INLIER_Z noise units
  {
    const vf = new Uint8Array(fine.values.length);
    if (pool)
      runBlockJobs(
        pool,
        fine.gh,
        (jA, jB) => ({
          kind: 'fine',
          pass,
          grid: gridSpec(fine),
          bg: gridSpec(coarse),
          noise: gridSpec(noise0),
          jA,
          jB,
        }),
        fine,
        vf,
      );
    else fineBlockRows(pass, fine, coarse, noise0, 0, fine.gh, fine.values, vf);
    if (vf.some((v) => v === 1)) fine.fill(vf);
  }

  // 4. noise: block MAD of the final residual, smoothed over 3 × 3 blocks
  const noise = new Grid(block, x0, y0, rw, rh);
  {
    const vs = new Uint8Array(noise.values.length);
    blockMedians(pass, pool, noise, rq, MedianOf.Residual, coarse, fine, vs);
    noise.fill(vs);
    madToNoise(noise, NOISE_FLOOR_LEVELS / qs);
  }
  return { coarse, fine, noise };
}

/** z at one pixel (0 at nodata). */
export function zAt(pass: PixelPass, bg: Background, x: number, y: number): number {
  const v = pass.lum[y * pass.width + x];
  if (v === pass.nodata) return 0;
  return (v - bg.coarse.at(x, y) - bg.fine.at(x, y)) / bg.noise.at(x, y);
}

/** Level over the background at a pixel (1 on open ground), NaN at nodata or where the background is not positive. */
export function levelAt(pass: PixelPass, bg: Background, x: number, y: number): number {
  const v = pass.lum[y * pass.width + x];
  const b = bg.coarse.at(x, y) + bg.fine.at(x, y);
  return v === pass.nodata || !(b > 0) ? NaN : v / b;
}
