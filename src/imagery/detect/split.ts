/**
 * Step 5 of the detector, a component too big for one object cut in two:
 *
 * - end to end, across its long axis, when it is at least about twice the
 *   shortest declared length: at the centroid, or else at the weakest
 *   cross-section where both parts can be objects of the class (two of
 *   unequal length);
 * - side by side, along its axis, where the contrast dips along the cut (a
 *   seam);
 * - side by side with no visible seam: a component about twice the declared
 *   width is cut in two along its length by a 1-D 2-means of its pixels'
 *   positions across the common axis. The common axis is that of the pooled
 *   covariance of the two halves (the component's own axis tilts when the
 *   two are staggered), found by a second round. How the halves' ends differ
 *   tells a pair (rarely flush: staggered, of unequal length) from a single
 *   wide object cut in two (flush).
 */
import { type ComponentWork, emitBoth, FOUND_SIDE, FOUND_SPLIT } from './candidate.js';
import type { Measure } from './patch.js';
import {
  END_TO_END_SLACK_TOL,
  SEAM_BAND,
  SEAM_BAND_MIN_PX,
  SEAM_DIP,
  SEAM_SIDES,
  SIDE_STAG,
  SIDE_STAG_CAP_PX,
  SIDE_WPAIR,
} from './params.js';

/**
 * Split end to end or side by side at a seam (the first that gives two
 * objects of the class); false when neither does.
 */
export function splitInTwo(work: ComponentWork, pix: Int32Array, m: Measure, P: number): boolean {
  const { patch } = work;
  const { gx, gy, gm, lmin, tolL, minPix } = work.scene.cls;
  const pw = patch.width,
    z = patch.z;
  // Across the long axis (end to end) or along it (side by side).
  const axes: [number, number][] = [
    [m.ux, m.uy],
    [-m.uy, m.ux],
  ];
  const lx = m.cx - patch.x0 - 0.5,
    ly = m.cy - patch.y0 - 0.5;
  // end to end: the whole at least about twice the shortest declared length
  const twiceShortest = 2 * lmin - END_TO_END_SLACK_TOL * tolL;
  for (let k = 0; k < 2; k++) {
    const [ax, ay] = axes[k];
    const a: number[] = [],
      b: number[] = [];
    // side by side (k = 1): only with a seam, a dip of the contrast along the cut
    const bw = Math.max(SEAM_BAND_MIN_PX * gm, m.W * SEAM_BAND);
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
      } else if (as < SEAM_SIDES * bw) {
        ss += z[i];
        sn++;
      }
    }
    if (k === 0 && m.L < twiceShortest) continue;
    if (k === 1 && !(cn > 0 && sn > 0 && cs / cn < SEAM_DIP * (ss / sn))) continue;
    if (a.length < minPix || b.length < minPix) continue;
    if (emitBoth(work, Int32Array.from(a), Int32Array.from(b), P, FOUND_SPLIT)) return true;
  }
  return m.L >= twiceShortest && splitAtWeakest(work, pix, m, P);
}

/**
 * End to end, objects of unequal length: cut at the seam, the weakest
 * cross-section (mean z over bins of half a pixel along the axis) where both
 * parts can be objects of the class.
 */
function splitAtWeakest(work: ComponentWork, pix: Int32Array, m: Measure, P: number): boolean {
  const { patch } = work;
  const { gx, gy, gm, lmin, tolL, minPix } = work.scene.cls;
  const pw = patch.width,
    z = patch.z;
  const lx = m.cx - patch.x0 - 0.5,
    ly = m.cy - patch.y0 - 0.5;
  // positions along the axis, stored in float32; their range from the exact values
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
  // each part at least the shortest declared length, less a tolerance and half a pixel
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
  if (best <= 0) return false;
  const cut = smin + best * bs;
  const a: number[] = [],
    b2: number[] = [];
  for (let k = 0; k < pix.length; k++) (sv[k] < cut ? a : b2).push(pix[k]);
  return (
    a.length >= minPix && b2.length >= minPix && emitBoth(work, Int32Array.from(a), Int32Array.from(b2), P, FOUND_SPLIT)
  );
}

/**
 * Side by side with no seam: a component about twice the declared width,
 * cut in two along its length (splitSideBySide), when the halves are
 * objects of the class and their ends are offset by SIDE_STAG pixel or more
 * (two objects are rarely flush; a single wide one cut in two is) and the
 * whole is no narrower than twice the mid width less a tolerance. The
 * halves are candidates for the score (extra: more FOUND_* bits), and the
 * component goes on to the raised cut as well.
 */
export function sideBySide(work: ComponentWork, pix: Int32Array, m: Measure, P: number, extra = 0): void {
  const { gx, gy, gm, wmin, wmax, tolW, minPix } = work.scene.cls;
  const wpair = (m.W - (wmin + wmax)) / tolW;
  if (wpair < SIDE_WPAIR || m.W > 2 * (wmax + tolW) + gm) return;
  const sp = splitSideBySide(pix, work.patch.width, m.ux, m.uy, gx, gy);
  if (!sp || sp.a.length < minPix || sp.b.length < minPix || sp.stag < SIDE_STAG * gm) return;
  emitBoth(work, sp.a, sp.b, P, FOUND_SPLIT | FOUND_SIDE | extra, {
    stag: Math.min(SIDE_STAG_CAP_PX, sp.stag / gm),
    wpair,
  });
}

export interface SideSplit {
  a: Int32Array;
  b: Int32Array;
  /** Mean offset of the halves' ends along the axis, metres. */
  stag: number;
}

/**
 * pix: indices into a patch pw wide;
 * (ux, uy): the component's long axis (metres space); gx, gy: GSD in metres.
 * Null when a half is empty.
 */
export function splitSideBySide(
  pix: Int32Array,
  pw: number,
  ux: number,
  uy: number,
  gx: number,
  gy: number,
): SideSplit | null {
  const n = pix.length;
  if (n < 4) return null;
  const X = new Float64Array(n),
    Y = new Float64Array(n);
  let mx = 0,
    my = 0;
  for (let k = 0; k < n; k++) {
    const i = pix[k],
      yy = (i / pw) | 0;
    X[k] = (i - yy * pw) * gx;
    Y[k] = yy * gy;
    mx += X[k];
    my += Y[k];
  }
  mx /= n;
  my /= n;
  const t = new Float64Array(n);
  const side = new Uint8Array(n);
  /** 2-means of the positions across (ax, ay): the cut, and side[k] = 1 past it. */
  const twoMeans = (ax: number, ay: number): number => {
    let lo = Infinity,
      hi = -Infinity;
    for (let k = 0; k < n; k++) {
      const v = -(X[k] - mx) * ay + (Y[k] - my) * ax;
      t[k] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    let cut = 0;
    for (let it = 0; it < 8; it++) {
      let sa = 0,
        na = 0,
        sb = 0,
        nb = 0;
      for (let k = 0; k < n; k++) {
        if (t[k] < cut) {
          sa += t[k];
          na++;
        } else {
          sb += t[k];
          nb++;
        }
      }
      if (!na || !nb) {
        cut = (lo + hi) / 2;
        continue;
      }
      const c = (sa / na + sb / nb) / 2;
      if (Math.abs(c - cut) < 0.01 * gx) {
        cut = c;
        break;
      }
      cut = c;
    }
    for (let k = 0; k < n; k++) side[k] = t[k] < cut ? 0 : 1;
    return cut;
  };
  let ax = ux,
    ay = uy;
  twoMeans(ax, ay);
  // the common axis: that of the pooled covariance of the two halves
  {
    const s = [0, 0],
      sx = [0, 0],
      sy = [0, 0];
    for (let k = 0; k < n; k++) {
      s[side[k]]++;
      sx[side[k]] += X[k];
      sy[side[k]] += Y[k];
    }
    if (!s[0] || !s[1]) return null;
    const cx = [sx[0] / s[0], sx[1] / s[1]],
      cy = [sy[0] / s[0], sy[1] / s[1]];
    let cxx = 0,
      cyy = 0,
      cxy = 0;
    for (let k = 0; k < n; k++) {
      const dx = X[k] - cx[side[k]],
        dy = Y[k] - cy[side[k]];
      cxx += dx * dx;
      cyy += dy * dy;
      cxy += dx * dy;
    }
    const th = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
    ax = Math.cos(th);
    ay = Math.sin(th);
  }
  twoMeans(ax, ay);
  const a: number[] = [],
    b: number[] = [];
  const ends = [Infinity, -Infinity, Infinity, -Infinity];
  for (let k = 0; k < n; k++) {
    const s = (X[k] - mx) * ax + (Y[k] - my) * ay;
    const o = 2 * side[k];
    if (s < ends[o]) ends[o] = s;
    if (s > ends[o + 1]) ends[o + 1] = s;
    (side[k] ? b : a).push(pix[k]);
  }
  if (!a.length || !b.length) return null;
  return {
    a: Int32Array.from(a),
    b: Int32Array.from(b),
    stag: (Math.abs(ends[0] - ends[2]) + Math.abs(ends[1] - ends[3])) / 2,
  };
}
