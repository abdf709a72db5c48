/**
 * Step 6 of the detector, for dark objects: a dark object merged with its
 * own shadow (as dark, or nearly) reads too wide, or too long where the
 * shadow runs past an end. Two ways to take the shadow off:
 *
 * - keepSunSide: cut across the blob where the level steps (object and
 *   shadow differ), within the declared width from the sun-side edge; with
 *   no step, and the sun's elevation and the class's height given, keep the
 *   declared mid width on the sun side of a blob no wider than an object
 *   and its longest shadow;
 * - erodeShadow: the blob is the object swept along the shadow direction by
 *   the shadow's length s, so the blob eroded by that sweep is the object. s
 *   is where the mean level of interior pixels steps most between the
 *   eroded part and the rest; with no step of SHADOW_STEP, the s whose
 *   eroded part best fits the declared size.
 *
 * darkPair: two dark objects end to end merged with their shadows.
 */
import { type ComponentWork, emit, FOUND_SPLIT } from './candidate.js';
import { fitsLength, fitsWidth } from './options.js';
import type { Measure } from './patch.js';
import { END_TO_END_SLACK_TOL, SHADOW_STEP, SUN_EDGE_QUANTILE, SUN_SIDE_MIN_ANGLE } from './params.js';
import { splitInTwo } from './split.js';

/**
 * Dark object and its shadow: the part of the blob on the sun side of the
 * step in level across it, or (forceMid, or no step) the declared mid width
 * on the sun side; null when the sun does not allow it.
 */
export function keepSunSide(work: ComponentWork, pix: Int32Array, m: Measure, forceMid = false): Int32Array | null {
  const { shadowDir, maxShadowM } = work.scene.sun;
  if (!shadowDir) return null;
  const { patch } = work;
  const { gm, wmin, wmax, tolW, minPix } = work.scene.cls;
  const z = patch.z;
  let vx = -m.uy,
    vy = m.ux;
  const d = vx * shadowDir[0] + vy * shadowDir[1];
  if (Math.abs(d) < SUN_SIDE_MIN_ANGLE) return null;
  if (d < 0) {
    vx = -vx;
    vy = -vy;
  }
  const t = patch.along(pix, m.cx - patch.x0 - 0.5, m.cy - patch.y0 - 0.5, vx, vy);
  const ts = t.slice().sort();
  // the sun-side edge, half a pixel's footprint out from the outermost pixel centres
  const e = ts[Math.floor(SUN_EDGE_QUANTILE * ts.length)] - (0.5 * gm * (Math.abs(vx) + Math.abs(vy))) / Math.SQRT2;
  // Profile of z across the blob, bins of half a pixel from the sun-side edge;
  // the object ends where the level steps (object and shadow differ), and
  // that step must lie within the declared width.
  const bs = gm / 2;
  const nbins = Math.max(1, Math.ceil((ts[ts.length - 1] - e) / bs) + 1);
  const bz = new Float64Array(nbins),
    bn = new Float64Array(nbins);
  for (let k = 0; k < pix.length; k++) {
    const b = Math.min(nbins - 1, Math.max(0, Math.floor((t[k] - e) / bs)));
    bz[b] += z[pix[k]];
    bn[b]++;
  }
  // no nearer the edge than the narrowest declared width less half its tolerance
  let best = -1,
    bestD = 0;
  for (
    let b = Math.max(1, Math.floor((wmin - 0.5 * tolW) / bs));
    b <= Math.ceil((wmax + tolW) / bs) && b < nbins - 1;
    b++
  ) {
    let lz = 0,
      ln = 0,
      rz = 0,
      rn = 0;
    for (let i = 0; i < b; i++) {
      lz += bz[i];
      ln += bn[i];
    }
    for (let i = b; i < nbins; i++) {
      rz += bz[i];
      rn += bn[i];
    }
    if (ln < minPix / 2 || rn < 2) continue;
    const L = lz / ln,
      Rr = rz / rn;
    const dd = Math.abs(L - Rr) / Math.max(L, Rr);
    if (dd > bestD) {
      bestD = dd;
      best = b;
    }
  }
  let lim = e + best * bs;
  if (forceMid || best < 0 || bestD < SHADOW_STEP) {
    // No step: object and shadow about as dark. With the sun's elevation and
    // the class's height, a blob no wider than the object plus its longest
    // shadow is taken as both, and the object as the declared mid width on
    // the sun side.
    if (maxShadowM === null) return null;
    const width = ts[ts.length - 1] - e + 0.5 * gm;
    if (width > wmax + tolW + maxShadowM * Math.abs(d)) return null;
    lim = e + (wmin + wmax) / 2;
  }
  return pix.filter((_, k) => t[k] < lim);
}

/**
 * Dark object and its own shadow: the blob is the object swept along the
 * shadow direction by the shadow's length s, so eroding it by that sweep
 * gives the object back. s (in steps of half a pixel, up to the longest
 * shadow and a pixel) is where the level steps most between the eroded part
 * and the rest (object and shadow differ in darkness); with no clear step,
 * the s whose eroded part best fits the declared size (nObj objects end to
 * end, nSide abreast; fitOnly: always by the fit). Sets work.shadowCut.
 */
export function erodeShadow(
  work: ComponentWork,
  pix: Int32Array,
  nObj = 1,
  fitOnly = false,
  nSide = 1,
): Int32Array | null {
  const { shadowDir, maxShadowM } = work.scene.sun;
  if (!shadowDir || maxShadowM === null) return null;
  const { patch } = work;
  const { gx, gy, gm, lmin, lmax, wmin, wmax, tolL, tolW, minPix } = work.scene.cls;
  const { width: pw, height: ph, z, marks: lab } = patch;
  const mark = patch.markSet(pix);
  const sMax = maxShadowM + gm;
  // interior pixels (4-neighbours all in the blob): the level there is not an edge's
  const inner = new Uint8Array(pix.length);
  for (let k = 0; k < pix.length; k++) {
    const i = pix[k];
    inner[k] =
      i >= pw &&
      i + pw < pw * ph &&
      lab[i - 1] === mark &&
      lab[i + 1] === mark &&
      lab[i - pw] === mark &&
      lab[i + pw] === mark
        ? 1
        : 0;
  }
  let bestO: Int32Array | null = null,
    bestD = -1;
  let fitO: Int32Array | null = null,
    fitE = Infinity;
  let lastX = 0,
    lastY = 0;
  for (let sm = 0.5 * gm; sm <= sMax; sm += 0.5 * gm) {
    const sx = Math.round((sm * shadowDir[0]) / gx),
      sy = Math.round((sm * shadowDir[1]) / gy);
    if (sx === lastX && sy === lastY) continue;
    lastX = sx;
    lastY = sy;
    const o: number[] = [];
    let zo = 0,
      no = 0,
      zs = 0,
      ns = 0;
    for (let k = 0; k < pix.length; k++) {
      const i = pix[k];
      const yy = (i / pw) | 0,
        xx = i - yy * pw;
      const nx = xx + sx,
        ny = yy + sy;
      const inO = nx >= 0 && ny >= 0 && nx < pw && ny < ph && lab[ny * pw + nx] === mark;
      if (inO) o.push(i);
      if (!inner[k]) continue;
      if (inO) {
        zo += z[i];
        no++;
      } else {
        zs += z[i];
        ns++;
      }
    }
    if (o.length < minPix || ns < 2 || no < 2) continue;
    const a = zo / no,
      b = zs / ns;
    const dd = Math.abs(a - b) / Math.max(a, b);
    const O = Int32Array.from(o);
    if (dd > bestD) {
      bestD = dd;
      bestO = O;
    }
    const mo = patch.measure(O);
    const e =
      Math.abs(mo.W - (nSide * (wmin + wmax)) / 2) / (nSide * (wmax - wmin + 2 * tolW)) +
      Math.abs(mo.L - (nObj * (lmin + lmax)) / 2) / (nObj * (lmax - lmin + 2 * tolL));
    if (e < fitE) {
      fitE = e;
      fitO = O;
    }
  }
  work.shadowCut = { step: Math.max(0, bestD), fit: bestD >= SHADOW_STEP ? 0 : 1 };
  if (fitOnly) {
    work.shadowCut = { step: Math.max(0, bestD), fit: 1 };
    return fitO;
  }
  return bestD >= SHADOW_STEP ? bestO : fitO;
}

/**
 * Two dark objects end to end, merged with their shadows (each half too
 * wide for the plain cut): the shadow taken off the whole (the sweep
 * whose eroded part best fits two objects end to end), then the
 * end-to-end cut; failing that, cuts across the axis a pixel apart, the
 * shadow taken off each part (best fit to one object), keeping the cut
 * whose parts both fit the class and best fit its middle.
 */
export function darkPair(work: ComponentWork, pix: Int32Array, m: Measure, P: number): boolean {
  const { patch } = work;
  const cls = work.scene.cls;
  const { gx, gy, gm, lmin, lmax, wmin, wmax, tolL, tolW, minPix } = cls;
  {
    const e = erodeShadow(work, pix, 2, true);
    if (e && e.length >= 2 * minPix) {
      const me = patch.measure(e);
      if (me.L >= 2 * lmin - END_TO_END_SLACK_TOL * tolL && splitInTwo(work, e, me, P)) return true;
    }
  }
  const pw = patch.width;
  const lx = m.cx - patch.x0 - 0.5,
    ly = m.cy - patch.y0 - 0.5;
  const sv = new Float32Array(pix.length);
  for (let k = 0; k < pix.length; k++) {
    const i = pix[k],
      yy = (i / pw) | 0;
    sv[k] = (i - yy * pw - lx) * gx * m.ux + (yy - ly) * gy * m.uy;
  }
  let smin = Infinity,
    smax = -Infinity;
  for (let k = 0; k < pix.length; k++) {
    if (sv[k] < smin) smin = sv[k];
    if (sv[k] > smax) smax = sv[k];
  }
  // each part at least the shortest declared length, less a tolerance and half a pixel
  const need = lmin - tolL - 0.5 * gm;
  let best: [Int32Array, Measure, Int32Array, Measure] | null = null,
    bestE = Infinity;
  const err = (q: Measure): number =>
    Math.abs(q.W - (wmin + wmax) / 2) / (wmax - wmin + 2 * tolW) +
    Math.abs(q.L - (lmin + lmax) / 2) / (lmax - lmin + 2 * tolL);
  for (let cut = smin + need; cut <= smax - need + 1e-9; cut += gm) {
    const a: number[] = [],
      b: number[] = [];
    for (let k = 0; k < pix.length; k++) (sv[k] < cut ? a : b).push(pix[k]);
    if (a.length < minPix || b.length < minPix) continue;
    const ea = erodeShadow(work, Int32Array.from(a), 1, true),
      eb = erodeShadow(work, Int32Array.from(b), 1, true);
    if (!ea || !eb) continue;
    const ma = patch.measure(ea),
      mb = patch.measure(eb);
    if (!(fitsLength(cls, ma.L) && fitsWidth(cls, ma.W) && fitsLength(cls, mb.L) && fitsWidth(cls, mb.W))) continue;
    const e = err(ma) + err(mb);
    if (e < bestE) {
      bestE = e;
      best = [ea, ma, eb, mb];
    }
  }
  if (!best) return false;
  emit(work, best[0], best[1], P, FOUND_SPLIT);
  emit(work, best[2], best[3], P, FOUND_SPLIT);
  return true;
}
