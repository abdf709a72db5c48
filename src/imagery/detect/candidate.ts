/**
 * A candidate (a region of a component that may be an object, with what is
 * known of how it was found) and the state shared while one component is
 * analysed (step 4–5 of the detector): the scene, the component's patch,
 * and what the last cuts set for the next candidate.
 */
import type { Background } from './background.js';
import type { PixelPass } from './luminance.js';
import type { DeclaredClass, Region, Sun } from './options.js';
import type { Measure, Patch } from './patch.js';
import { shapeFeatures, type ShapeFeatures } from './shape.js';
import { fitsLength, fitsWidth } from './options.js';

/** What the analysis of every component of one image shares. */
export interface Scene {
  pass: PixelPass;
  bg: Background;
  cls: DeclaredClass;
  sun: Sun;
  region: Region;
  /** The first look's threshold, noise units. */
  T: number;
}

/** How a candidate was found (bits of Candidate.flags), each a feature of the score. */
export const FOUND_SPLIT = 1;
/** Its shadow taken off (a dark object). */
export const FOUND_TRIM = 2;
/** A piece of the raised cut. */
export const FOUND_RAISED = 4;
/** Too small, or too wide, within LOOSE_TOL / WIDE_TOL tolerances. */
export const FOUND_LOOSE = 8;
/** Half of a side-by-side pair with no seam. */
export const FOUND_SIDE = 16;
/** Too wide, nothing else came of its component. */
export const FOUND_WIDE = 32;
/** Found by the second look, at the lower threshold. */
export const FOUND_LOW = 64;

/** Side by side with no seam: the halves' mean end offset (pixels, capped), the whole's width past twice the mid width (tolerances). */
export interface PairInfo {
  stag: number;
  wpair: number;
}
export const NO_PAIR: PairInfo = { stag: 0, wpair: 0 };

/** A shadow taken off by erosion: the relative step of the level found, and 1 when the cut fell back to the size fit. */
export interface ShadowCut {
  step: number;
  fit: number;
}

export interface Candidate extends Measure {
  /** Peak contrast, noise units. */
  peak: number;
  polarity: 'bright' | 'dark';
  /** Pixels, image indices (for the shadow check). */
  pixels: Int32Array;
  shape: ShapeFeatures;
  /** How it was found: FOUND_* bits. */
  flags: number;
  /** Pixels of the thresholded component it came from. */
  componentPx: number;
  shadowCut: ShadowCut;
  pair: PairInfo;
  /** Length and width of the region it was cut from (itself when not cut), metres. */
  parentL: number;
  parentW: number;
  /** Length and width of the whole thresholded component it came from, metres. */
  rootL: number;
  rootW: number;
}

/** One component under analysis, and what the cuts so far have set for the next candidate. */
export interface ComponentWork {
  scene: Scene;
  patch: Patch;
  dark: boolean;
  /** The component's pixel count. */
  componentPx: number;
  /** Where candidates go (the scene's list). */
  out: Candidate[];
  /** The region being analysed came of a raised cut (FOUND_RAISED). */
  raised: boolean;
  /** The region the next candidate is cut from. */
  parent: Measure | null;
  /** The last shadow erosion's outcome, for a candidate found with its shadow taken off. */
  shadowCut: ShadowCut;
}

/** A candidate of pixels pix (the patch's), measured as m, of peak P. */
export function emit(work: ComponentWork, pix: Int32Array, m: Measure, P: number, flags = 0, pair = NO_PAIR): void {
  const { patch, scene } = work;
  const { gx, gy } = scene.cls;
  const shape = shapeFeatures(
    pix,
    patch.width,
    patch.z,
    m.cx - patch.x0 - 0.5,
    m.cy - patch.y0 - 0.5,
    m.ux,
    m.uy,
    gx,
    gy,
  );
  const parent = work.parent;
  work.out.push({
    ...m,
    peak: P,
    polarity: work.dark ? 'dark' : 'bright',
    pixels: patch.toImage(pix, scene.pass.width),
    shape,
    flags: flags | (work.raised ? FOUND_RAISED : 0),
    componentPx: work.componentPx,
    shadowCut: flags & FOUND_TRIM ? work.shadowCut : { step: 0, fit: 0 },
    pair,
    parentL: parent ? parent.L : m.L,
    parentW: parent ? parent.W : m.W,
    rootL: 0,
    rootW: 0,
  });
}

/** Two parts, both emitted when both measure as objects of the class. */
export function emitBoth(
  work: ComponentWork,
  pa: Int32Array,
  pb: Int32Array,
  P: number,
  flags: number,
  pair = NO_PAIR,
): boolean {
  const { patch } = work;
  const cls = work.scene.cls;
  const ma = patch.measure(pa),
    mb = patch.measure(pb);
  if (!(fitsLength(cls, ma.L) && fitsWidth(cls, ma.W) && fitsLength(cls, mb.L) && fitsWidth(cls, mb.W))) return false;
  emit(work, pa, ma, P, flags, pair);
  emit(work, pb, mb, P, flags, pair);
  return true;
}
