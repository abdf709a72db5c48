/**
 * Steps 4–6 of the detector: each component of the threshold, in its patch,
 * becomes candidates.
 *
 * 4. Its peak P (mean of the top quarter of |z|, less the HALF_BIAS_Z noise
 *    units by which that mean of a noisy plateau exceeds its level) sets a
 *    half-maximum level; the component is cut there (or grown by one ring of
 *    pixels down to it), so that its edges sit where the object's area
 *    coverage is one half, and measured (patch.ts).
 * 5. Sizes in metres, widened by the tolerances. A component too big for one
 *    object is split in two (split.ts), or cut again at RAISED_CUT × the
 *    level, which separates objects from a weaker pad, road or shadow (pieces
 *    cut near their own top are noise on a plateau and dropped, unless they
 *    measure as objects of the class), or rejected. A component too small by
 *    up to LOOSE_TOL tolerances is still a candidate, for the score to judge;
 *    so is one of the declared length up to WIDE_TOL width tolerances too
 *    wide that gave nothing else (blur widens what is two pixels wide at
 *    half maximum).
 * 6. A dark component no bigger than an object and its longest shadow has
 *    its shadow taken off first (own-shadow.ts).
 *
 * Then a second look at LOW_T of the threshold: components there that hold
 * no candidate of the first look are analysed as well (an object of low
 * contrast, or one by a pad or road edge where the background model is
 * between two levels, breaks into pieces smaller than an object at T or does
 * not reach it), flagged for the score.
 */
import {
  type Candidate,
  type ComponentWork,
  emit,
  FOUND_LOOSE,
  FOUND_LOW,
  FOUND_TRIM,
  FOUND_WIDE,
  type Scene,
} from './candidate.js';
import { componentsOf, type Labels, labelRuns, type Thresholded } from './components.js';
import { fitsLength, fitsWidth, shadowReach } from './options.js';
import { darkPair, erodeShadow, keepSunSide } from './own-shadow.js';
import {
  DARK_PAIR_AREA,
  END_TO_END_SLACK_TOL,
  HALF_BIAS_Z,
  HALF_CUT,
  LOOSE_TOL,
  LOW_MAX_AREA,
  LOW_T,
  MAX_CUT_DEPTH,
  PLATEAU_TOP,
  RAISED_CUT,
  RAISED_CUT_MAX,
  SHADOWED_MAX_AREA,
  SPLIT_MAX_AREA,
  SPLIT_MIN_AREA,
  WIDE_MAX_AREA,
  WIDE_TOL,
} from './params.js';
import { type Measure, Patch } from './patch.js';
import { sideBySide, splitInTwo } from './split.js';

/** The candidates of every component of the region (of the polarities sought), and the bright components' labels. */
export function findCandidates(
  scene: Scene,
  th: Thresholded,
  polarity: 'both' | 'bright' | 'dark',
): { found: Candidate[]; brightLabels: Labels } {
  const { rh } = scene.pass;
  const { minPix } = scene.cls;
  const found: Candidate[] = [];
  // the bright components are labelled whatever is sought, for the shadow check (shadows.ts)
  const brightLabels = labelRuns(th.atT[0], rh);
  for (const p of [0, 1] as const) {
    if (p === 0 ? polarity === 'dark' : polarity === 'bright') continue;
    const set = th.atT[p];
    const lb = p === 0 ? brightLabels : labelRuns(set, rh);
    for (const gp of componentsOf(lb, minPix)) analyseComponent(scene, found, p === 1, set.runs, gp, scene.T, 0);
  }
  secondLook(scene, th, polarity, found);
  return { found, brightLabels };
}

/**
 * The second look: components at LOW_T of the threshold, no bigger than
 * LOW_MAX_AREA largest objects, that hold no pixel of a candidate of their
 * polarity, analysed at that level and flagged FOUND_LOW.
 */
function secondLook(scene: Scene, th: Thresholded, polarity: 'both' | 'bright' | 'dark', found: Candidate[]): void {
  const { rh, width: w } = scene.pass;
  const { maxArea, pixArea, minPix } = scene.cls;
  for (const p of [0, 1] as const) {
    if (p === 0 ? polarity === 'dark' : polarity === 'bright') continue;
    const set = th.atLow[p];
    const R = set.runs;
    const lb = labelRuns(set, rh);
    // every pixel of the first look's candidates of this polarity
    const have = new Set<number>();
    for (const c of found) if ((c.polarity === 'dark') === (p === 1)) for (const g of c.pixels) have.add(g);
    const maxPix = (LOW_MAX_AREA * maxArea) / pixArea;
    for (const gp of componentsOf(lb, minPix)) {
      let np = 0;
      for (const k of gp) np += R[3 * k + 2] - R[3 * k + 1] + 1;
      if (np > maxPix) continue;
      let held = false;
      for (const k of gp) {
        const o = R[3 * k] * w;
        for (let x = R[3 * k + 1]; x <= R[3 * k + 2] && !held; x++) held = have.has(o + x);
        if (held) break;
      }
      if (!held) analyseComponent(scene, found, p === 1, R, gp, LOW_T * scene.T, FOUND_LOW);
    }
  }
}

/**
 * One component (runs runIdx of R) found at threshold T: its candidates go
 * to out, with extraFlags and the whole component's size.
 */
function analyseComponent(
  scene: Scene,
  out: Candidate[],
  dark: boolean,
  R: Int32Array,
  runIdx: number[],
  T: number,
  extraFlags: number,
): void {
  const patch = new Patch(scene.pass, scene.bg, scene.cls, dark ? -1 : 1, R, runIdx, scene.region);
  const work: ComponentWork = {
    scene,
    patch,
    dark,
    componentPx: patch.pixels.length,
    out,
    raised: false,
    parent: null,
    shadowCut: { step: 0, fit: 0 },
  };
  const first = out.length;
  analyse(work, patch.pixels, T, 0);
  const root = out.length > first ? patch.measure(patch.pixels) : null;
  for (let k = first; k < out.length; k++) {
    out[k].flags |= extraFlags;
    if (root) {
      out[k].rootL = root.L;
      out[k].rootW = root.W;
    }
  }
}

/** A region found at level T (depth cuts deep; raised: a piece of a raised cut): steps 4–6. */
function analyse(work: ComponentWork, pix: Int32Array, T: number, depth: number, raised = false): void {
  const { patch } = work;
  const cls = work.scene.cls;
  const { lmax, wmin, wmax, tolL, tolW, minArea, maxArea, minPix } = cls;
  if (pix.length < minPix) return;
  const Pall = patch.peak(pix);
  // a piece cut out of a plateau near its own top is noise on the plateau, not an object
  if (raised && T > PLATEAU_TOP * Pall) {
    // … unless it is itself the size of an object (two objects side by side, cut apart)
    const mr = patch.measure(pix);
    if (!(fitsLength(cls, mr.L) && mr.W >= wmin - LOOSE_TOL * tolW && mr.W <= wmax + WIDE_TOL * tolW)) return;
  }
  let P = Pall;
  let half = Math.max(0, P - HALF_BIAS_Z) / 2;
  if (work.dark && work.scene.sun.shadowDir) {
    // the peak of a dark object, not of its shadow
    const m0 = patch.measure(pix);
    if (m0.W > wmax && fitsLength(cls, m0.L)) {
      const tp = keepSunSide(work, pix, m0);
      if (tp && tp.length >= minPix) {
        P = patch.peak(tp);
        half = Math.max(0, P - HALF_BIAS_Z) / 2;
      }
    }
  }
  if (half > T * HALF_CUT && depth < MAX_CUT_DEPTH) {
    const ps = patch.pieces(patch.above(pix, half));
    // one object: carry on with its half-maximum region; several: each on its own
    if (ps.length !== 1) {
      for (const c of ps) analyse(work, c, half, depth + 1);
      return;
    }
    pix = ps[0];
    T = half;
  }
  if (half < T) pix = patch.grow(pix, half);
  const m = patch.measure(pix);
  work.parent = m;
  if (work.dark && takeShadowOff(work, pix, m, P)) return;
  work.raised = raised;
  if (fitsLength(cls, m.L) && fitsWidth(cls, m.W)) {
    emit(work, pix, m, P);
    return;
  }
  const tooBig = m.L > lmax + tolL || m.W > wmax + tolW;
  if (!tooBig && m.L >= cls.lmin - LOOSE_TOL * tolL && m.W >= wmin - LOOSE_TOL * tolW) {
    emit(work, pix, m, P, FOUND_LOOSE);
    return;
  }
  if (!tooBig) return;
  if (splitTooBig(work, pix, m, P)) return;
  const before = work.out.length;
  if (m.area <= SPLIT_MAX_AREA * maxArea && m.area >= SPLIT_MIN_AREA * minArea) sideBySide(work, pix, m, P);
  const T2 = T * RAISED_CUT;
  if (T2 < RAISED_CUT_MAX * Pall && depth < MAX_CUT_DEPTH)
    for (const c of patch.pieces(patch.above(pix, T2))) analyse(work, c, T2, depth + 1, true);
  // nothing found in it, and only a little too wide (blur widens what is
  // narrow at half maximum): a candidate, for the measurement and the score
  if (
    work.out.length === before &&
    fitsLength(cls, m.L) &&
    m.W <= wmax + WIDE_TOL * tolW &&
    m.area <= WIDE_MAX_AREA * maxArea
  ) {
    work.raised = raised;
    work.parent = m;
    emit(work, pix, m, P, FOUND_LOOSE | FOUND_WIDE);
  }
}

/**
 * A dark region: with the sun and the class's height, one no bigger than an
 * object and its longest shadow eroded by the shadow's sweep; with the
 * sun's azimuth, one too wide cut on its sun side (at the step, else at the
 * declared mid width). True when that gave a candidate of the class.
 */
function takeShadowOff(work: ComponentWork, pix: Int32Array, m: Measure, P: number): boolean {
  const { patch } = work;
  const cls = work.scene.cls;
  const { gm, lmax, wmax, tolL, maxArea, minPix } = cls;
  const { shadowDir, maxShadowM } = work.scene.sun;
  const fits = (q: Measure): boolean => fitsLength(cls, q.L) && fitsWidth(cls, q.W);
  if (maxShadowM !== null && m.area <= SHADOWED_MAX_AREA * maxArea && m.L <= lmax + tolL + maxShadowM + gm) {
    const e = erodeShadow(work, pix);
    if (e) {
      const me = patch.measure(e);
      if (fits(me)) {
        emit(work, e, me, P, FOUND_TRIM);
        return true;
      }
    }
  }
  if (shadowDir && m.W > wmax && fitsLength(cls, m.L)) {
    const tp = keepSunSide(work, pix, m);
    if (tp && tp.length >= minPix) {
      const mt = patch.measure(tp);
      if (fits(mt)) {
        emit(work, tp, mt, P, FOUND_TRIM);
        return true;
      }
    }
    // the step, when one was found, may sit inside the object (a structure's
    // internal edge): fall back to the declared mid width on the sun side
    const tm = keepSunSide(work, pix, m, true);
    if (tm && tm.length >= minPix) {
      const mt = patch.measure(tm);
      if (fits(mt)) {
        emit(work, tm, mt, P, FOUND_TRIM);
        return true;
      }
    }
  }
  return false;
}

/**
 * A region too big for one object, cut in two: dark, the shadows taken off
 * first (end to end, then side by side); then the plain cuts (split.ts).
 * True when that gave candidates.
 */
function splitTooBig(work: ComponentWork, pix: Int32Array, m: Measure, P: number): boolean {
  const cls = work.scene.cls;
  const { gm, lmin, lmax, tolL, minArea, maxArea } = cls;
  const { maxShadowM } = work.scene.sun;
  // dark: the shadows taken off before the plain cut (which would keep them)
  if (
    work.dark &&
    maxShadowM !== null &&
    m.L >= 2 * lmin - END_TO_END_SLACK_TOL * tolL &&
    m.L <= 2 * (lmax + tolL) + maxShadowM + gm &&
    m.area <= DARK_PAIR_AREA * maxArea &&
    m.area >= SPLIT_MIN_AREA * minArea
  ) {
    if (darkPair(work, pix, m, P)) return true;
  }
  // dark, two side by side with their shadows: the shadow taken off the
  // pair (the sweep best fitting two objects abreast), then split as a
  // pair; the blob no longer than an object and the shadow's reach along it
  const reachL = shadowReach(work.scene.sun, m.ux, m.uy)?.[1] ?? 0;
  if (
    work.dark &&
    maxShadowM !== null &&
    m.L >= lmin - tolL &&
    m.L <= lmax + tolL + reachL + gm &&
    m.area <= DARK_PAIR_AREA * maxArea &&
    m.area >= SPLIT_MIN_AREA * minArea
  ) {
    const e = erodeShadow(work, pix, 1, true, 2);
    if (e) {
      const me = work.patch.measure(e);
      const n0 = work.out.length;
      if (fitsLength(cls, me.L)) sideBySide(work, e, me, P, FOUND_TRIM);
      if (work.out.length > n0) return true;
    }
  }
  return m.area <= SPLIT_MAX_AREA * maxArea && m.area >= SPLIT_MIN_AREA * minArea && splitInTwo(work, pix, m, P);
}
