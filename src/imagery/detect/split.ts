/**
 * Two objects side by side with no visible seam (`detect.ts`): a component
 * about twice the declared width is cut in two along its length, by a 1-D
 * 2-means of its pixels' positions across the common axis. The common axis
 * is that of the pooled covariance of the two halves (the component's own
 * axis tilts when the two are staggered), found by a second round.
 *
 * It also reports how the halves differ at their ends: a pair is rarely
 * flush (staggered, of unequal length); a single wide object cut in two is.
 */

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
