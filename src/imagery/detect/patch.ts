/**
 * Step 4 of the detector, for one component: its patch (the component's
 * bounding box and PATCH_RING_PX rings around it), z computed only on the
 * component and those rings (a road's bounding box is most of the image),
 * and the operations the analysis makes on sets of the patch's pixels:
 * connected pieces (flood fill), growing by one ring down to a level, the
 * peak contrast, and the measurement (area, centroid, second moments).
 * Pixel sets are Int32Arrays of patch indices (row-major, `width` wide).
 */
import { type Background, zSpan } from './background.js';
import type { PixelPass } from './luminance.js';
import type { DeclaredClass } from './options.js';
import { LENGTH_END_PX, PATCH_RING_PX, PEAK_SELECT_MIN_PIXELS, PEAK_TOP } from './params.js';

/** A region's size and place: metres, and pixel coordinates for the centre. */
export interface Measure {
  /** Square metres. */
  area: number;
  /** Centroid, pixel coordinates (pixel centres at .5). */
  cx: number;
  cy: number;
  /** Length and width, metres. */
  L: number;
  W: number;
  /** Unit vector of the long axis, in metres space (x right, y down). */
  ux: number;
  uy: number;
}

/** The 8-neighbours (and the pixel itself) of patch index i inside a pw × ph patch, into out; returns how many. */
function neighbours8(i: number, pw: number, ph: number, out: Int32Array): number {
  const yy = (i / pw) | 0,
    xx = i - yy * pw;
  let n = 0;
  for (let dy = -1; dy <= 1; dy++) {
    const ny = yy + dy;
    if (ny < 0 || ny >= ph) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const nx = xx + dx;
      if (nx < 0 || nx >= pw) continue;
      out[n++] = ny * pw + nx;
    }
  }
  return n;
}

/**
 * The elements of v from rank k up (0-based, ascending), in no particular
 * order: quickselect (v is reordered). A copy.
 */
function selectTop(v: Float32Array, k: number): Float32Array {
  let lo = 0,
    hi = v.length - 1;
  while (hi > lo) {
    // median of three as the pivot
    const mid = (lo + hi) >> 1;
    const a = v[lo],
      b = v[mid],
      c = v[hi];
    const pv = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo,
      j = hi;
    while (i <= j) {
      while (v[i] < pv) i++;
      while (v[j] > pv) j--;
      if (i <= j) {
        const t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return v.slice(k);
}

export class Patch {
  /** Image coordinates of the patch's top-left pixel. */
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
  /** Signed contrast (the component's polarity positive), noise units; 0 away from the component. */
  readonly z: Float32Array;
  /** The component's pixels. */
  readonly pixels: Int32Array;
  /** Marks of the current pixel set, for the set operations (a new generation each time, never cleared). */
  readonly marks: Int32Array;
  private generation = 0;
  private readonly nbr = new Int32Array(9);

  /**
   * The patch of a component (runs runIdx of R, each (y, first x, last x)),
   * z of the given sign (+1 bright, −1 dark) on it and its rings.
   */
  constructor(
    pass: PixelPass,
    bg: Background,
    private readonly cls: DeclaredClass,
    sign: number,
    R: Int32Array,
    runIdx: readonly number[],
    region: { x0: number; y0: number; x1: number; y1: number },
  ) {
    const ring = PATCH_RING_PX;
    let px0 = Infinity,
      px1 = -Infinity,
      py0 = Infinity,
      py1 = -Infinity;
    for (const k of runIdx) {
      py0 = Math.min(py0, R[3 * k]);
      py1 = Math.max(py1, R[3 * k]);
      px0 = Math.min(px0, R[3 * k + 1]);
      px1 = Math.max(px1, R[3 * k + 2]);
    }
    px0 = Math.max(region.x0, px0 - ring);
    py0 = Math.max(region.y0, py0 - ring);
    px1 = Math.min(region.x1 - 1, px1 + ring);
    py1 = Math.min(region.y1 - 1, py1 + ring);
    const pw = px1 - px0 + 1,
      ph = py1 - py0 + 1;
    this.x0 = px0;
    this.y0 = py0;
    this.width = pw;
    this.height = ph;
    this.z = new Float32Array(pw * ph);
    this.contrastOnRings(pass, bg, sign, R, runIdx);
    let np = 0;
    for (const k of runIdx) np += R[3 * k + 2] - R[3 * k + 1] + 1;
    const all = new Int32Array(np);
    let q = 0;
    for (const k of runIdx) {
      const y = R[3 * k];
      for (let x = R[3 * k + 1]; x <= R[3 * k + 2]; x++) all[q++] = (y - py0) * pw + (x - px0);
    }
    this.pixels = all;
    this.marks = new Int32Array(pw * ph);
  }

  /**
   * z on the component and its rings (all that the analysis reads: it grows
   * a set by at most one ring, from within the component), by merged spans
   * of each row.
   */
  private contrastOnRings(
    pass: PixelPass,
    bg: Background,
    sign: number,
    R: Int32Array,
    runIdx: readonly number[],
  ): void {
    const { x0: px0, y0: py0, width: pw, height: ph, z } = this;
    const ring = PATCH_RING_PX;
    const spans: number[][] = Array.from({ length: ph }, () => []);
    for (const k of runIdx) {
      const yr = R[3 * k] - py0;
      const a = Math.max(0, R[3 * k + 1] - ring - px0),
        b = Math.min(pw - 1, R[3 * k + 2] + ring - px0);
      for (let r = Math.max(0, yr - ring); r <= Math.min(ph - 1, yr + ring); r++) spans[r].push(a, b);
    }
    const gr = new Float32Array(pw),
      fr = new Float32Array(pw),
      sr = new Float32Array(pw);
    for (let r = 0; r < ph; r++) {
      const sp = spans[r];
      if (!sp.length) continue;
      const order: number[] = [];
      for (let i = 0; i < sp.length; i += 2) order.push(i);
      order.sort((i, j) => sp[i] - sp[j]);
      let ca = -1,
        cb = -2;
      const flush = (): void => {
        if (ca < 0) return;
        const n = cb - ca + 1;
        const y = py0 + r,
          xa = px0 + ca;
        bg.coarse.span(y, xa, gr.subarray(0, n));
        bg.fine.span(y, xa, fr.subarray(0, n));
        bg.noise.span(y, xa, sr.subarray(0, n));
        zSpan(
          pass.lum,
          y * pass.width + xa,
          pass.nodata,
          gr.subarray(0, n),
          fr.subarray(0, n),
          sr.subarray(0, n),
          sign,
          z,
          r * pw + ca,
        );
      };
      for (const i of order) {
        const a = sp[i],
          b = sp[i + 1];
        if (a <= cb + 1) {
          if (b > cb) cb = b;
        } else {
          flush();
          ca = a;
          cb = b;
        }
      }
      flush();
    }
  }

  /** Marks the pixels of a set with a new generation's mark (even), and returns it. */
  markSet(pix: Int32Array): number {
    const mark = ++this.generation * 2;
    const marks = this.marks;
    for (const i of pix) marks[i] = mark;
    return mark;
  }

  /** Connected pieces (8-connectivity) of a pixel set, each in the order of a depth-first fill. */
  pieces(pix: Int32Array): Int32Array[] {
    const { width: pw, height: ph, marks: lab, nbr } = this;
    const mark = this.markSet(pix); // in set, unvisited; mark + 1: visited
    const out: Int32Array[] = [];
    // each pixel is pushed once: the stack and the pieces fit in pix.length
    const stack = new Int32Array(pix.length);
    const buf = new Int32Array(pix.length);
    let nb = 0;
    for (const s of pix) {
      if (lab[s] !== mark) continue;
      const start = nb;
      let sp = 0;
      lab[s] = mark + 1;
      stack[sp++] = s;
      while (sp) {
        const i = stack[--sp];
        buf[nb++] = i;
        const nn = neighbours8(i, pw, ph, nbr);
        for (let q = 0; q < nn; q++) {
          const j = nbr[q];
          if (lab[j] === mark) {
            lab[j] = mark + 1;
            stack[sp++] = j;
          }
        }
      }
      out.push(buf.slice(start, nb));
    }
    return out;
  }

  /** The set and the ring of its 8-neighbours with z ≥ level (edges brought down to the half maximum). */
  grow(pix: Int32Array, level: number): Int32Array {
    const { width: pw, height: ph, marks: lab, nbr, z } = this;
    const mark = this.markSet(pix);
    const extra: number[] = [];
    for (const i of pix) {
      const nn = neighbours8(i, pw, ph, nbr);
      for (let q = 0; q < nn; q++) {
        const j = nbr[q];
        if (lab[j] !== mark && z[j] >= level) {
          lab[j] = mark;
          extra.push(j);
        }
      }
    }
    if (!extra.length) return pix;
    const out = new Int32Array(pix.length + extra.length);
    out.set(pix);
    out.set(extra, pix.length);
    return out;
  }

  /** The pixels of a set with z ≥ t. */
  above(pix: Int32Array, t: number): Int32Array {
    const z = this.z;
    return pix.filter((i) => z[i] >= t);
  }

  /**
   * Peak contrast: the mean of the top quarter of z (steadier than a high
   * percentile on small sets).
   */
  peak(pix: Int32Array): number {
    const z = this.z;
    const v = new Float32Array(pix.length);
    for (let k = 0; k < pix.length; k++) v[k] = z[pix[k]];
    const k0 = Math.min(v.length - 1, Math.floor(PEAK_TOP * v.length));
    // the top quarter, ascending (summed in the order a full sort gives)
    const top = v.length > PEAK_SELECT_MIN_PIXELS ? selectTop(v, k0).sort() : v.sort().subarray(k0);
    let acc = 0;
    for (let k = 0; k < top.length; k++) acc += top[k];
    return acc / (v.length - k0);
  }

  /**
   * Area, centroid and second moments in metres (the pixel's own 1/12
   * added) give the orientation and the length √(12 λ1) + LENGTH_END_PX;
   * the width is area / length.
   */
  measure(pix: Int32Array): Measure {
    const pw = this.width;
    const { gx, gy, pixArea } = this.cls;
    let sx = 0,
      sy = 0;
    for (const i of pix) {
      const yy = (i / pw) | 0;
      sx += i - yy * pw;
      sy += yy;
    }
    const n = pix.length;
    const mx = sx / n,
      my = sy / n;
    let sxx = 0,
      syy = 0,
      sxy = 0;
    for (const i of pix) {
      const yy = (i / pw) | 0;
      const dx = (i - yy * pw - mx) * gx,
        dy = (yy - my) * gy;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    const cxx = sxx / n + (gx * gx) / 12,
      cyy = syy / n + (gy * gy) / 12,
      cxy = sxy / n;
    const tr = (cxx + cyy) / 2;
    const d = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy * cxy);
    const l1 = tr + d;
    const th = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
    const area = n * pixArea;
    const ux = Math.cos(th),
      uy = Math.sin(th);
    // the half-maximum region loses about a quarter pixel at each end (rounded
    // corners, partial end pixels): added back along the axis
    const L = Math.sqrt(12 * l1) + LENGTH_END_PX * (gx * Math.abs(ux) + gy * Math.abs(uy));
    const W = area / L;
    return { area, cx: this.x0 + mx + 0.5, cy: this.y0 + my + 0.5, L, W, ux, uy };
  }

  /** Positions of a set along an axis (ax, ay), metres from (lx, ly) (patch pixel coordinates). */
  along(pix: Int32Array, lx: number, ly: number, ax: number, ay: number): Float32Array {
    const pw = this.width;
    const { gx, gy } = this.cls;
    const t = new Float32Array(pix.length);
    for (let k = 0; k < pix.length; k++) {
      const yy = (pix[k] / pw) | 0;
      t[k] = (pix[k] - yy * pw - lx) * gx * ax + (yy - ly) * gy * ay;
    }
    return t;
  }

  /** The set's pixels as indices of the image (width w). */
  toImage(pix: Int32Array, w: number): Int32Array {
    const pw = this.width;
    const g = new Int32Array(pix.length);
    for (let k = 0; k < pix.length; k++) {
      const yy = (pix[k] / pw) | 0;
      g[k] = (this.y0 + yy) * w + this.x0 + (pix[k] - yy * pw);
    }
    return g;
  }
}
