/**
 * Shape features of a candidate region, for the detector's second-stage
 * score (features.ts): how rectangular it is, how constant its width is
 * along its length, and how even its contrast is.
 */

export interface ShapeFeatures {
  /** Area over the oriented bounding box (length × width extents): 1 for a rectangle, π/4 for an ellipse. */
  rect: number;
  /** Coefficient of variation of the width along the middle 80 % of the length. */
  wcv: number;
  /** Coefficient of variation of z over the region. */
  zcv: number;
}

/**
 * pix: indices into a patch pw wide; z: the patch's signed contrast;
 * (lx, ly): the centroid in patch pixel coordinates; (ux, uy): the long
 * axis (metres space); gx, gy: GSD in metres.
 */
export function shapeFeatures(
  pix: Int32Array,
  pw: number,
  z: Float32Array,
  lx: number,
  ly: number,
  ux: number,
  uy: number,
  gx: number,
  gy: number,
): ShapeFeatures {
  const n = pix.length;
  const s = new Float32Array(n),
    t = new Float32Array(n);
  let smin = Infinity,
    smax = -Infinity,
    tmin = Infinity,
    tmax = -Infinity;
  let zs = 0,
    zz = 0;
  for (let k = 0; k < n; k++) {
    const i = pix[k],
      yy = (i / pw) | 0;
    const dx = (i - yy * pw - lx) * gx,
      dy = (yy - ly) * gy;
    const a = dx * ux + dy * uy,
      b = -dx * uy + dy * ux;
    s[k] = a;
    t[k] = b;
    if (a < smin) smin = a;
    if (a > smax) smax = a;
    if (b < tmin) tmin = b;
    if (b > tmax) tmax = b;
    const v = z[i];
    zs += v;
    zz += v * v;
  }
  // a pixel's footprint along each axis
  const fs = gx * Math.abs(ux) + gy * Math.abs(uy),
    ft = gx * Math.abs(uy) + gy * Math.abs(ux);
  const len = smax - smin + fs,
    wid = tmax - tmin + ft;
  const pixArea = gx * gy;
  const rect = (n * pixArea) / (len * wid);
  // width along the length: 8 bins over the middle 80 %
  const nb = 8;
  const a0 = smin + 0.1 * (smax - smin),
    a1 = smax - 0.1 * (smax - smin);
  const cnt = new Float64Array(nb);
  const bl = (a1 - a0) / nb;
  if (bl > 0) {
    for (let k = 0; k < n; k++) {
      const b = Math.floor((s[k] - a0) / bl);
      if (b >= 0 && b < nb) cnt[b]++;
    }
  }
  let m = 0,
    q = 0;
  for (let b = 0; b < nb; b++) {
    m += cnt[b];
    q += cnt[b] * cnt[b];
  }
  m /= nb;
  const wcv = m > 0 ? Math.sqrt(Math.max(0, q / nb - m * m)) / m : 0;
  const zm = zs / n;
  const zcv = zm > 0 ? Math.sqrt(Math.max(0, zz / n - zm * zm)) / zm : 0;
  return { rect, wcv, zcv };
}
