/**
 * Step 5 of the detector: the threshold and the connected components.
 * Pixels with z ≥ T or z ≤ −T as runs per row (and, in the same pass, the
 * runs at the second look's lower level), labelled by union-find over the
 * runs (8-connectivity). Memory goes with the number of runs; O(pixels).
 */
import { findRoot, unionRoots } from '../../util/index.js';
import type { Background } from './background.js';
import { Grid, gridSpec } from './grid.js';
import type { Lum, PixelPass } from './luminance.js';
import { type Pool, runJobs, splitRange } from './pool.js';

/** A growing list of runs, three ints each: row y, first column, last column (inclusive). */
export class RunList {
  data: Int32Array;
  /** Ints written (three per run). */
  n = 0;
  constructor(cap = 1024) {
    this.data = new Int32Array(cap);
  }
  push3(p: number, q: number, r: number): void {
    if (this.n + 3 > this.data.length) {
      const b = new Int32Array(this.data.length * 2);
      b.set(this.data);
      this.data = b;
    }
    this.data[this.n++] = p;
    this.data[this.n++] = q;
    this.data[this.n++] = r;
  }
}

/** The runs of one polarity at one level, in row order, and where each row's runs start. */
export interface RunSet {
  /** (y, first x, last x) per run; only the first 3 × count ints are runs. */
  runs: Int32Array;
  count: number;
  /** Index of the first run of region row yr (yr = y − y0), and the count at rh. */
  rowStart: Int32Array;
}

/** The thresholded region: bright and dark runs at T, and at the second look's lower level. */
export interface Thresholded {
  /** Indexed by polarity: 0 bright, 1 dark. */
  atT: [RunSet, RunSet];
  atLow: [RunSet, RunSet];
}

/** Components labelled over a run set: each run's parent (a root is its own), and each root's pixel count. */
export interface Labels {
  parent: Int32Array;
  area: Float64Array;
}

/** Runs of |z| at or above T (bright, dark) and at or above the lower TL (brightL, darkL), one pass over a row. */
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
  out: RunList[],
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

/**
 * One row's runs (y, first x, last x) of z ≥ T (bright), z ≤ −T (dark), z ≥ TL
 * and z ≤ −TL (the second look's), z = (lum − bg − fine) / noise, in one
 * pass. For the tests.
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
  const out = [new RunList(), new RunList(), new RunList(), new RunList()];
  thresholdRow(lum, 0, null, bg, fine, noise, T, TL, y, 0, out);
  return out.map((g) => g.data.slice(0, g.n));
}

/** Rows [yA, yB) thresholded at ±T and ±TL into four run lists (thresholdRow); also a worker's job. */
export function thresholdRows(
  c: PixelPass,
  bg: Grid,
  fine: Grid,
  noise: Grid,
  T: number,
  TL: number,
  yA: number,
  yB: number,
  out: RunList[],
): void {
  const { rw, width: w, x0 } = c;
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

/** The region thresholded at ±T and ±TL in one pass (by row strips on the workers when there is a pool). */
export function thresholdRegion(
  pass: PixelPass,
  bg: Background,
  T: number,
  TL: number,
  pool: Pool | null,
): Thresholded {
  const { y0, y1, rh } = pass;
  // bright, dark at T; bright, dark at TL
  const lists: RunList[] = [new RunList(), new RunList(), new RunList(), new RunList()];
  if (pool) {
    const res = runJobs(
      pool,
      splitRange(rh, pool.workers.length).map(([a, b]) => ({
        kind: 'threshold',
        pass,
        bg: gridSpec(bg.coarse),
        fine: gridSpec(bg.fine),
        noise: gridSpec(bg.noise),
        T,
        TL,
        yA: y0 + a,
        yB: y0 + b,
      })),
    );
    for (const r of res) {
      (r.runs as Int32Array[]).forEach((a, p) => {
        for (let k = 0; k < a.length; k += 3) lists[p].push3(a[k], a[k + 1], a[k + 2]);
      });
    }
  } else thresholdRows(pass, bg.coarse, bg.fine, bg.noise, T, TL, y0, y1, lists);
  const [bright, dark, brightLow, darkLow] = lists.map((g): RunSet => {
    const R = g.data,
      n = g.n / 3,
      rs = new Int32Array(rh + 1);
    let k = 0;
    for (let yr = 0; yr < rh; yr++) {
      rs[yr] = k;
      while (k < n && R[3 * k] === yr + y0) k++;
    }
    rs[rh] = n;
    return { runs: R, count: n, rowStart: rs };
  });
  return { atT: [bright, dark], atLow: [brightLow, darkLow] };
}

/** Connected components (8-connectivity) of a run set over rh rows: union-find over the runs. */
export function labelRuns(set: RunSet, rh: number): Labels {
  const { runs: R, count: n, rowStart: rs } = set;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let yr = 1; yr < rh; yr++) {
    let i = rs[yr - 1];
    const ie = rs[yr];
    for (let k = rs[yr]; k < rs[yr + 1]; k++) {
      const a = R[3 * k + 1],
        b = R[3 * k + 2];
      while (i < ie && R[3 * i + 2] < a - 1) i++;
      for (let m = i; m < ie && R[3 * m + 1] <= b + 1; m++) unionRoots(parent, k, m);
    }
  }
  const area = new Float64Array(n);
  for (let k = 0; k < n; k++) area[findRoot(parent, k)] += R[3 * k + 2] - R[3 * k + 1] + 1;
  return { parent, area };
}

/** The runs of each component of at least minPix pixels, components in the order of their first run. */
export function componentsOf(labels: Labels, minPix: number): number[][] {
  const groups = new Map<number, number[]>();
  for (let k = 0; k < labels.parent.length; k++) {
    const r = findRoot(labels.parent, k);
    if (labels.area[r] < minPix) continue;
    let gp = groups.get(r);
    if (!gp) {
      gp = [];
      groups.set(r, gp);
    }
    gp.push(k);
  }
  return [...groups.values()];
}
