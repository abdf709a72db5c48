/**
 * Step 7 of the detector, over all candidates: each one's profile fits
 * (refine.ts), on the worker threads when the region is large enough to have
 * them and the candidates are many. The candidates travel packed in a
 * Float64Array (FIT_IN numbers each) and come back packed (FIT_OUT each).
 */
import { type Background, zSpan } from './background.js';
import { type Candidate, FOUND_TRIM, type Scene } from './candidate.js';
import { Grid, gridSpec } from './grid.js';
import type { PixelPass } from './luminance.js';
import { FIT_MOVE_M, MAX_MOVE_PX, PARALLEL_MIN_FITS, SHADOW_PAST_END_PX } from './params.js';
import { type Pool, runJobs, splitRange } from './pool.js';
import { type ContrastRow, type Refined, refineCandidate } from './refine.js';

/** Per candidate in: cx, cy, L, W, ux, uy, sign (+1 bright, −1 dark). */
const FIT_IN = 7;
/** Per candidate out: ok, cx, cy, L, W, C, sigma, rms, shadowAcross, shadowAcrossM, shadowAlong, baseAcross, baseAlong, endLo, endHi. */
const FIT_OUT = 15;

/** What every fit of a pass shares: the region, the GSD, the sun. */
export interface RefineJob {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  gx: number;
  gy: number;
  shadow: [number, number] | null;
  maxShadowM: number | null;
}

/** What a candidate's fit starts from. */
export interface FitStart {
  cx: number;
  cy: number;
  L: number;
  W: number;
  ux: number;
  uy: number;
  polarity: 'bright' | 'dark';
}

/** z along a row (sign: +1 bright, −1 dark), from the pass's luminance and its background model. */
export function makeZRow(c: PixelPass, coarse: Grid, fine: Grid, noise: Grid): (sign: number) => ContrastRow {
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
    coarse.span(y, xa, gr.subarray(0, n));
    fine.span(y, xa, fr.subarray(0, n));
    noise.span(y, xa, sr.subarray(0, n));
    zSpan(c.lum, y * c.width + xa, c.nodata, gr.subarray(0, n), fr.subarray(0, n), sr.subarray(0, n), sign, row, 0);
  };
}

/** Profile fits of packed candidates (FIT_IN each) into FIT_OUT each (ok = 0 where a fit failed); also a worker's job. */
export function refineAll(zRow: (sign: number) => ContrastRow, r: RefineJob, cin: Float64Array): Float64Array {
  const n = cin.length / FIT_IN;
  const out = new Float64Array(n * FIT_OUT);
  for (let k = 0; k < n; k++) {
    const o = k * FIT_IN;
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
      k * FIT_OUT,
    );
  }
  return out;
}

/** Fit k of a packed result, or null where it failed. */
function unpack(fits: Float64Array, k: number): Refined | null {
  const fo = k * FIT_OUT;
  return fits[fo] === 1
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
}

/** Each candidate's profile fit, or null where it failed, in the candidates' order. */
export function fitProfiles(
  pass: PixelPass,
  bg: Background,
  job: RefineJob,
  cands: readonly FitStart[],
  pool: Pool | null,
): (Refined | null)[] {
  const cin = new Float64Array(cands.length * FIT_IN);
  cands.forEach((c0, k) =>
    cin.set([c0.cx, c0.cy, c0.L, c0.W, c0.ux, c0.uy, c0.polarity === 'dark' ? -1 : 1], k * FIT_IN),
  );
  let fits: Float64Array;
  if (pool && cands.length >= PARALLEL_MIN_FITS) {
    const ranges = splitRange(cands.length, pool.workers.length);
    const res = runJobs(
      pool,
      ranges.map(([a, b]) => ({
        kind: 'refine',
        pass,
        bg: gridSpec(bg.coarse),
        fine: gridSpec(bg.fine),
        noise: gridSpec(bg.noise),
        job,
        cands: cin.slice(a * FIT_IN, b * FIT_IN),
      })),
    );
    fits = new Float64Array(cands.length * FIT_OUT);
    res.forEach((r, k) => fits.set(r.out as Float64Array, ranges[k][0] * FIT_OUT));
  } else {
    fits = refineAll(makeZRow(pass, bg.coarse, bg.fine, bg.noise), job, cin);
  }
  return cands.map((_, k) => unpack(fits, k));
}

/**
 * Where the fit puts a candidate, and how far it moved the centre (metres).
 * A bright object takes the fit's centre and size; a dark one only the
 * fit's centre along its axis (across it, its shadow, as dark as it, makes
 * the fit ambiguous: measured on the evaluation set, the fit's centre
 * across moved dark centres away from the truth). The fit goes to the score
 * as features either way.
 */
export function placeByFit(scene: Scene, c0: Candidate, rf: Refined | null): { placed: Candidate; moved: number } {
  const { gx, gy, gm } = scene.cls;
  const { shadowDir, maxShadowM } = scene.sun;
  // (the fit itself bounds how far it may move and resize: refine.ts)
  const moved = rf ? Math.hypot((rf.cx - c0.cx) * gx, (rf.cy - c0.cy) * gy) : 0;
  if (!rf) return { placed: c0, moved };
  if (c0.polarity === 'bright') return { placed: { ...c0, cx: rf.cx, cy: rf.cy, L: rf.L, W: rf.W }, moved };
  // dark: the fit's centre along the axis only (its ends are steps of the
  // object's own level; across it the shadow is as dark as the object)
  let al = (rf.cx - c0.cx) * gx * c0.ux + (rf.cy - c0.cy) * gy * c0.uy;
  // when its shadow can reach past an end by half a pixel or more, that
  // end is not the object's: the sun-side end and the length measured
  // with the shadow taken off (a shift as bounded as the fit's); only
  // for a candidate whose shadow was taken off, whose length is the object's
  const sa = shadowDir ? c0.ux * shadowDir[0] + c0.uy * shadowDir[1] : 0;
  if (
    shadowDir &&
    maxShadowM !== null &&
    c0.flags & FOUND_TRIM &&
    Math.abs(sa) * maxShadowM >= SHADOW_PAST_END_PX * gm
  ) {
    const sunEnd = sa > 0 ? rf.endLo : rf.endHi;
    const bound = MAX_MOVE_PX * gm + FIT_MOVE_M;
    al = Math.max(-bound, Math.min(bound, sunEnd + (Math.sign(sa) * c0.L) / 2));
  }
  return { placed: { ...c0, cx: c0.cx + (al * c0.ux) / gx, cy: c0.cy + (al * c0.uy) / gy }, moved };
}
