/**
 * Sub-pixel measurement of a candidate (step 7 of the detector): the half-maximum
 * region that finds an object is a poor ruler at coarse GSD (an object two
 * pixels wide, blurred by the optics and the detector's own smoothing,
 * measures three at half maximum) and its centroid is off by the pixels an
 * edge happened to gain or lose. Here the object is measured instead by
 * fitting profiles of a blurred box, the image of a rectangle through a
 * Gaussian point-spread function:
 *
 *   B(t; X, σ) = ½ [erf((t + X/2) / (√2 σ)) − erf((t − X/2) / (√2 σ))]
 *
 * first along the long axis, where the ends are steps much longer than the
 * blur: their half-level crossings give the length and the centre along the
 * axis, their rise the blur σ. Then across it, with σ held, by
 * Levenberg–Marquardt on binned means (a few dozen bins, up to 8
 * parameters): the width and the centre across, with a second box against
 * either side for the shadow (darker ground beside a bright object, or more
 * darkness beside a dark one), its own amplitude and extent, so that it
 * does not widen the object.
 */

import { median } from '../../util/index.js';
import {
  END_GAP_M,
  END_IN_M,
  END_MIN_STEP,
  END_OUT_M,
  FIT_MOVE_M,
  FIT_REACH_M,
  LENGTH_RANGE,
  FIT_MAX_ITERATIONS,
  MAX_MOVE_PX,
  SIGMA_RANGE_PX,
  WIDTH_RANGE,
} from './params.js';

/**
 * Signed contrast (object polarity positive, noise units) of the pixels
 * xa … xa + out.length − 1 of row y, written to out.
 */
export type ContrastRow = (y: number, xa: number, out: Float32Array) => void;

export interface RefineInput {
  /** Centre in pixel coordinates (pixel centres at .5). */
  cx: number;
  cy: number;
  /** Length and width in metres, and the long axis (unit, metres space). */
  L: number;
  W: number;
  ux: number;
  uy: number;
}

export interface Refined {
  cx: number;
  cy: number;
  L: number;
  W: number;
  /** Contrast of the box (noise units) and the PSF sigma in metres. */
  C: number;
  sigma: number;
  /** RMS residual of the cross-section fit over its contrast. */
  rms: number;
  /** The shadow box across: amplitude (over C) and extent (m); along: the level just past the ends over the plateau's. */
  shadowAcross: number;
  shadowAcrossM: number;
  shadowAlong: number;
  /** The level around it: across (the fit's b over C) and past the ends (over the plateau's height). */
  baseAcross: number;
  baseAlong: number;
  /** The ends along the axis (half-level crossings, unbounded), metres from the input centre. */
  endLo: number;
  endHi: number;
}

const SQRT1_2 = Math.SQRT1_2;

/** erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/**
 * The profile model. p: [b, C, t0, X, σ, D−, E−, D+, E+]: a box of contrast C
 * and width X centred at t0 over a level b, and against its − and + sides a
 * shadow box of contrast D and width E; sides: which shadow boxes are in the
 * model (bit 1: the − side, bit 2: the + side). Each box is the difference of
 * two erf edges, so the value and the derivatives come from the edges'
 * erf and Gaussian terms: with k = 1/(√2 σ) and g(a) = k/√π · exp(−a²k²),
 * d/da ½ erf(a k) = g(a). With jac, the derivatives are written to
 * jac[0..8]; σ is held in every fit, so jac[4] is left 0.
 */
function model(p: Float64Array, t: number, sides: number, jac: Float64Array | null): number {
  const b = p[0],
    C = p[1],
    t0 = p[2],
    X = p[3],
    sg = p[4];
  const k = SQRT1_2 / sg;
  const gk = k * INV_SQRT_PI;
  const s = t - t0;
  const a1 = s + X / 2,
    a2 = s - X / 2;
  const e1 = erf(a1 * k),
    e2 = erf(a2 * k);
  let v = b + 0.5 * C * (e1 - e2);
  if (jac) {
    const g1 = gk * Math.exp(-a1 * a1 * k * k),
      g2 = gk * Math.exp(-a2 * a2 * k * k);
    jac[0] = 1;
    jac[1] = 0.5 * (e1 - e2);
    jac[2] = -C * (g1 - g2);
    jac[3] = 0.5 * C * (g1 + g2);
    jac[4] = jac[5] = jac[6] = jac[7] = jac[8] = 0;
  }
  if (sides & 1) {
    // from t0 − X/2 − E to t0 − X/2
    const D = p[5],
      E = p[6];
    const o = s + X / 2,
      q = o + E;
    const eo = erf(o * k),
      eq = erf(q * k);
    v += 0.5 * D * (eq - eo);
    if (jac) {
      const go = gk * Math.exp(-o * o * k * k),
        gq = gk * Math.exp(-q * q * k * k);
      jac[2] -= D * (gq - go);
      jac[3] += 0.5 * D * (gq - go);
      jac[5] = 0.5 * (eq - eo);
      jac[6] = D * gq;
    }
  }
  if (sides & 2) {
    // from t0 + X/2 to t0 + X/2 + E
    const D = p[7],
      E = p[8];
    const o = s - X / 2,
      q = o - E;
    const eo = erf(o * k),
      eq = erf(q * k);
    v += 0.5 * D * (eo - eq);
    if (jac) {
      const go = gk * Math.exp(-o * o * k * k),
        gq = gk * Math.exp(-q * q * k * k);
      jac[2] -= D * (go - gq);
      jac[3] -= 0.5 * D * (go - gq);
      jac[7] = 0.5 * (eo - eq);
      jac[8] = D * gq;
    }
  }
  return v;
}

/** Solve the n × n system A x = g in place (Gaussian elimination, partial pivoting); false if singular. */
function solve(A: Float64Array, g: Float64Array, n: number): boolean {
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[piv * n + c])) piv = r;
    if (Math.abs(A[piv * n + c]) < 1e-12) return false;
    if (piv !== c) {
      for (let k = 0; k < n; k++) {
        const tmp = A[c * n + k];
        A[c * n + k] = A[piv * n + k];
        A[piv * n + k] = tmp;
      }
      const tg = g[c];
      g[c] = g[piv];
      g[piv] = tg;
    }
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c] / A[c * n + c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) A[r * n + k] -= f * A[c * n + k];
      g[r] -= f * g[c];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = g[c];
    for (let k = c + 1; k < n; k++) s -= A[c * n + k] * g[k];
    g[c] = s / A[c * n + c];
  }
  return true;
}

/**
 * Levenberg–Marquardt on a binned profile (t, mean, weight). free: indices
 * of the parameters fitted (the rest held), each kept within [lo, hi] and
 * pulled towards its start by ridge. Returns the weighted RMS residual.
 */
function fitProfile(
  t: Float64Array,
  y: Float64Array,
  wt: Float64Array,
  p: Float64Array,
  free: number[],
  sides: number,
  lo: Float64Array,
  hi: Float64Array,
  ridge: Float64Array,
): number {
  const n = t.length,
    m = free.length;
  const p0 = p.slice();
  const cost = (q: Float64Array): number => {
    let c = 0;
    for (let i = 0; i < n; i++) {
      const e = y[i] - model(q, t[i], sides, null);
      c += wt[i] * e * e;
    }
    for (let j = 0; j < m; j++) {
      const k = free[j];
      c += ridge[k] * (q[k] - p0[k]) ** 2;
    }
    return c;
  };
  let c0 = cost(p);
  let lambda = 1e-2;
  const jac = new Float64Array(9);
  const A = new Float64Array(m * m),
    g = new Float64Array(m),
    q = new Float64Array(p.length);
  const M = new Float64Array(m * m),
    d = new Float64Array(m);
  for (let it = 0; it < FIT_MAX_ITERATIONS; it++) {
    A.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const r = y[i] - model(p, t[i], sides, jac);
      for (let a = 0; a < m; a++) {
        const ja = jac[free[a]] * wt[i];
        g[a] += ja * r;
        for (let b = 0; b <= a; b++) A[a * m + b] += ja * jac[free[b]];
      }
    }
    let tr = 0;
    for (let a = 0; a < m; a++) {
      const k = free[a];
      g[a] -= ridge[k] * (p[k] - p0[k]);
      A[a * m + a] += ridge[k];
      for (let b = 0; b < a; b++) A[b * m + a] = A[a * m + b];
      tr += A[a * m + a];
    }
    let improved = false;
    for (let tries = 0; tries < 6; tries++) {
      M.set(A);
      d.set(g);
      // Marquardt's scaling, with a floor: a parameter the data cannot see
      // (a shadow's extent while its amplitude is zero) has a zero column
      for (let a = 0; a < m; a++) M[a * m + a] += lambda * Math.max(A[a * m + a], 1e-9 * tr + 1e-12);
      if (!solve(M, d, m)) {
        lambda *= 10;
        continue;
      }
      q.set(p);
      for (let a = 0; a < m; a++) {
        const k = free[a];
        q[k] = Math.min(hi[k], Math.max(lo[k], p[k] + d[a]));
      }
      const c1 = cost(q);
      if (c1 < c0) {
        const rel = (c0 - c1) / Math.max(1e-12, c0);
        p.set(q);
        c0 = c1;
        lambda = Math.max(1e-6, lambda / 3);
        improved = rel > 1e-5;
        break;
      }
      lambda *= 8;
    }
    if (!improved) break;
  }
  let sw = 0,
    se = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i] - model(p, t[i], sides, null);
    sw += wt[i];
    se += wt[i] * e * e;
  }
  return Math.sqrt(se / Math.max(1e-12, sw));
}

interface Profile {
  t: Float64Array;
  y: Float64Array;
  w: Float64Array;
}

/** Mean contrast in bins of `bs` metres of t over the samples passing `keep`. */
function binProfile(
  ts: Float64Array,
  ss: Float64Array,
  zs: Float64Array,
  n: number,
  keep: (s: number) => boolean,
  tmin: number,
  tmax: number,
  bs: number,
): Profile | null {
  const nb = Math.max(1, Math.ceil((tmax - tmin) / bs));
  const sz = new Float64Array(nb),
    st = new Float64Array(nb),
    sn = new Float64Array(nb);
  for (let k = 0; k < n; k++) {
    if (!keep(ss[k])) continue;
    const b = Math.floor((ts[k] - tmin) / bs);
    if (b < 0 || b >= nb) continue;
    sz[b] += zs[k];
    st[b] += ts[k];
    sn[b]++;
  }
  let c = 0;
  for (let b = 0; b < nb; b++) if (sn[b]) c++;
  if (c < 8) return null;
  const t = new Float64Array(c),
    y = new Float64Array(c),
    w = new Float64Array(c);
  let i = 0;
  for (let b = 0; b < nb; b++) {
    if (!sn[b]) continue;
    t[i] = st[b] / sn[b];
    y[i] = sz[b] / sn[b];
    w[i] = sn[b];
    i++;
  }
  return { t, y, w };
}

/** Sample buffers, reused from one candidate to the next. */
let buf = { us: new Float64Array(0), vs: new Float64Array(0), zs: new Float64Array(0), row: new Float32Array(0) };

interface Along {
  centre: number;
  length: number;
  sigma: number;
  beyond: number;
  base: number;
  lo: number;
  hi: number;
}

/** Where a profile crosses `level` going out from bin i0 in direction dir (interpolated), or NaN. */
function crossing(p: Profile, i0: number, dir: number, level: number): number {
  for (let i = i0 + dir; i >= 0 && i < p.t.length; i += dir) {
    if (p.y[i] < level) {
      const j = i - dir;
      const f = (p.y[j] - level) / Math.max(1e-9, p.y[j] - p.y[i]);
      return p.t[j] + f * (p.t[i] - p.t[j]);
    }
  }
  return NaN;
}

/** The half-level crossing of one end (dir +1: the + end) between its own inside and outside levels. */
function localEnd(p: Profile, E: number, dir: number, L0: number, h: number): number {
  const inside: number[] = [],
    outside: number[] = [];
  let j0 = -1,
    bj = Infinity;
  for (let i = 0; i < p.t.length; i++) {
    const d = (p.t[i] - E) * dir;
    if (d < -END_GAP_M && d > -END_GAP_M - Math.min(L0 / 4, END_IN_M)) inside.push(p.y[i]);
    if (d > END_GAP_M && d < END_GAP_M + END_OUT_M) outside.push(p.y[i]);
    const e = Math.abs(d + END_GAP_M);
    if (e < bj) {
      bj = e;
      j0 = i;
    }
  }
  if (inside.length < 2 || outside.length < 2) return E;
  const a = median(inside),
    b = median(outside);
  if (!(a - b > END_MIN_STEP * h) || p.y[j0] < (a + b) / 2) return E;
  const x = crossing(p, j0, dir, (a + b) / 2);
  return Number.isFinite(x) ? x : E;
}

/** The along-axis profile's ends, centre, edge sigma and the level just past the ends (over the plateau's). */
function alongEdges(p: Profile, L0: number, reach: number): Along | null {
  const mid: number[] = [],
    out: number[] = [];
  let i0 = -1,
    best = Infinity;
  for (let i = 0; i < p.t.length; i++) {
    const a = Math.abs(p.t[i]);
    if (a < L0 / 4) mid.push(p.y[i]);
    if (a > L0 / 2 + reach) out.push(p.y[i]);
    if (a < best) {
      best = a;
      i0 = i;
    }
  }
  if (mid.length < 3 || i0 < 0) return null;
  const top = median(mid);
  const base = out.length >= 2 ? median(out) : 0;
  const h = top - base;
  if (!(h > 0)) return null;
  let r50 = crossing(p, i0, 1, base + 0.5 * h),
    l50 = crossing(p, i0, -1, base + 0.5 * h);
  // each end again at the half level between its own inside and outside: an
  // object that crosses a road or a pad edge stands higher over one end's
  // ground than over the other's, and one level for both moves its centre
  if (Number.isFinite(r50)) r50 = localEnd(p, r50, 1, L0, h);
  if (Number.isFinite(l50)) l50 = localEnd(p, l50, -1, L0, h);
  const r25 = crossing(p, i0, 1, base + 0.25 * h),
    l25 = crossing(p, i0, -1, base + 0.25 * h);
  const r75 = crossing(p, i0, 1, base + 0.75 * h),
    l75 = crossing(p, i0, -1, base + 0.75 * h);
  if (!Number.isFinite(r50) || !Number.isFinite(l50)) return null;
  // (the blur from the crossings at the profile's own levels: over two grounds
  // an end's rise can read wider than the blur, which only widens the window below)
  const rises: number[] = [];
  if (Number.isFinite(r25) && Number.isFinite(r75)) rises.push(r25 - r75);
  if (Number.isFinite(l25) && Number.isFinite(l75)) rises.push(l75 - l25);
  const sigma = rises.length ? rises.reduce((x, y) => x + y, 0) / rises.length / 1.349 : NaN;
  // past each end by two sigma: ground, or a shadow (negative beside a bright object)
  let sum = 0,
    cnt = 0;
  for (let i = 0; i < p.t.length; i++) {
    const t = p.t[i];
    if ((t > r50 + 2 * sigma && t < r50 + 2 * sigma + 2) || (t < l50 - 2 * sigma && t > l50 - 2 * sigma - 2)) {
      sum += p.y[i] - base;
      cnt++;
    }
  }
  return {
    centre: (r50 + l50) / 2,
    length: r50 - l50,
    sigma: Number.isFinite(sigma) ? sigma : 0,
    beyond: cnt ? sum / cnt / h : 0,
    base: base / h,
    lo: l50,
    hi: r50,
  };
}

/**
 * The samples of the window of half-sizes hu along and hv across the
 * candidate's axis (metres), rows ya … yb and columns xa … xb at most:
 * positions along (us) and across (vs) and contrast (zs), into buf, row by
 * row over only the span each row crosses. Returns how many.
 */
function windowSamples(
  zRow: ContrastRow,
  c: RefineInput,
  xa: number,
  xb: number,
  ya: number,
  yb: number,
  hu: number,
  hv: number,
  gx: number,
  gy: number,
): number {
  const { ux, uy } = c;
  const vx = -uy,
    vy = ux;
  const cap = (xb - xa + 1) * (yb - ya + 1);
  if (buf.us.length < cap)
    buf = { us: new Float64Array(cap), vs: new Float64Array(cap), zs: new Float64Array(cap), row: buf.row };
  const { us, vs, zs } = buf;
  let n = 0;
  for (let y = ya; y <= yb; y++) {
    const dy = (y + 0.5 - c.cy) * gy;
    // |dx ux + dy uy| <= hu and |dx vx + dy vy| <= hv, as a range of dx
    let lo = -Infinity,
      hi = Infinity;
    for (const [a, b, hh] of [
      [ux, dy * uy, hu],
      [vx, dy * vy, hv],
    ] as const) {
      if (Math.abs(a) < 1e-12) {
        if (Math.abs(b) > hh) {
          lo = 1;
          hi = 0;
        }
        continue;
      }
      const p = (-hh - b) / a,
        q = (hh - b) / a;
      lo = Math.max(lo, Math.min(p, q));
      hi = Math.min(hi, Math.max(p, q));
    }
    const xs = Math.max(xa, Math.ceil(c.cx + lo / gx - 0.5)),
      xe = Math.min(xb, Math.floor(c.cx + hi / gx - 0.5));
    if (xe < xs) continue;
    if (buf.row.length < xe - xs + 1) buf.row = new Float32Array(2 * (xe - xs + 1));
    const row = buf.row.subarray(0, xe - xs + 1);
    zRow(y, xs, row);
    for (let x = xs; x <= xe; x++) {
      const dx = (x + 0.5 - c.cx) * gx;
      us[n] = dx * ux + dy * uy;
      vs[n] = dx * vx + dy * vy;
      zs[n] = row[x - xs];
      n++;
    }
  }
  return n;
}

/**
 * Refine one candidate. shadow: the direction shadows fall (unit, metres
 * space) or null; maxShadowM: their longest reach (or null). Returns null
 * when a fit fails or lands outside what the first measurement allows.
 */
export function refineCandidate(
  zRow: ContrastRow,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  c: RefineInput,
  gx: number,
  gy: number,
  shadow: [number, number] | null,
  maxShadowM: number | null,
  dark: boolean,
): Refined | null {
  const gm = Math.sqrt(gx * gy);
  const { ux, uy } = c;
  const vx = -uy,
    vy = ux;
  const reach = (maxShadowM ?? FIT_REACH_M) + 2 * gm;
  const hu = c.L / 2 + reach + 2 * gm,
    hv = c.W / 2 + reach + 2 * gm;
  const ex = (Math.abs(ux) * hu + Math.abs(vx) * hv) / gx,
    ey = (Math.abs(uy) * hu + Math.abs(vy) * hv) / gy;
  const xa = Math.max(x0, Math.floor(c.cx - ex)),
    xb = Math.min(x1 - 1, Math.ceil(c.cx + ex));
  const ya = Math.max(y0, Math.floor(c.cy - ey)),
    yb = Math.min(y1 - 1, Math.ceil(c.cy + ey));
  if (xb <= xa || yb <= ya) return null;
  const n = windowSamples(zRow, c, xa, xb, ya, yb, hu, hv, gx, gy);
  const { us, vs, zs } = buf;
  // the shadow's side across: 1 = the − side, 2 = the + side, 3 = either
  const side = (d: number): number => (shadow === null ? 3 : d > 0.2 ? 2 : d < -0.2 ? 1 : 0);
  const sv = shadow ? shadow[0] * vx + shadow[1] * vy : 0;
  // bins: a pixel along the axis (the edges are steps, sampled at every
  // pixel's own offset), half a pixel across (the width is a few pixels)
  const bsL = Math.max(0.15, gm),
    bsW = Math.max(0.15, gm / 2);
  const NP = 9;
  const lo = new Float64Array(NP),
    hi = new Float64Array(NP),
    ridge = new Float64Array(NP);

  // 1. Along the long axis, on the central strip: the ends are steps much
  // longer than the blur, so their half-level crossings are the ends and the
  // rise from a quarter to three quarters of the level is 1.349 σ.
  const strip = Math.max(0.6 * gm, c.W / 4);
  const pl = binProfile(us, vs, zs, n, (s) => Math.abs(s) <= strip, -hu, hu, bsL);
  if (!pl) return null;
  const al = alongEdges(pl, c.L, reach);
  if (!al) return null;
  const mv = MAX_MOVE_PX * gm + FIT_MOVE_M;
  const uc = Math.max(-mv, Math.min(mv, al.centre));
  const L = Math.max(LENGTH_RANGE[0] * c.L, Math.min(LENGTH_RANGE[1] * c.L, al.length));
  const sigma = Math.max(SIGMA_RANGE_PX[0] * gm, Math.min(SIGMA_RANGE_PX[1] * gm, al.sigma));
  // a shadow darkens: below the ground beside a bright object, the same way as a dark one
  const dLo = dark ? 0 : -1e9,
    dHi = dark ? 1e9 : 0;

  // 2. Across it, over the middle of the length, sigma held.
  const mid = Math.max(L / 4, L / 2 - 2 * sigma - gm);
  const pc = binProfile(vs, us, zs, n, (s) => Math.abs(s - uc) <= mid, -hv, hv, bsW);
  if (!pc) return null;
  let topc = 0;
  for (let i = 0; i < pc.y.length; i++) if (Math.abs(pc.t[i]) < c.W / 2 && pc.y[i] > topc) topc = pc.y[i];
  if (!(topc > 0)) return null;
  const pW = Float64Array.of(0, topc, 0, c.W, sigma, 0, gm, 0, gm);
  lo.set([-1e9, 0, -mv, WIDTH_RANGE[0] * c.W, sigma, dLo, 0, dLo, 0]);
  hi.set([1e9, 1e9, mv, WIDTH_RANGE[1] * c.W, sigma, dHi, reach, dHi, reach]);
  const sideW = side(sv);
  ridge.fill(0);
  ridge[5] = ridge[7] = (1e-3 * pc.w.reduce((a, b) => a + b, 0)) / (topc * topc + 1);
  const freeW = [0, 1, 2, 3];
  if (sideW & 1) freeW.push(5, 6);
  if (sideW & 2) freeW.push(7, 8);
  const rms = fitProfile(pc.t, pc.y, pc.w, pW, freeW, sideW, lo, hi, ridge);
  const vc = pW[2],
    W = pW[3],
    C = pW[1];
  if (!(C > 0) || !(W > 0) || !(L > 0)) return null;
  return {
    cx: c.cx + (uc * ux + vc * vx) / gx,
    cy: c.cy + (uc * uy + vc * vy) / gy,
    L,
    W,
    C,
    sigma,
    rms: rms / C,
    shadowAcross: (pW[5] + pW[7]) / C,
    shadowAcrossM: Math.abs(pW[5]) > Math.abs(pW[7]) ? Math.abs(pW[6]) : Math.abs(pW[8]),
    shadowAlong: al.beyond,
    baseAcross: pW[0] / C,
    baseAlong: al.base,
    endLo: al.lo,
    endHi: al.hi,
  };
}
