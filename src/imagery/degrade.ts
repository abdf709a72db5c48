/**
 * Degrading an image to a coarser ground sample distance by exact area
 * averaging: the resolution cap of the design ("imagery finer than the cap is
 * degraded to the cap before it is shared").
 *
 * Each output pixel is the area-weighted mean of the input pixels that its
 * footprint covers (for an integer factor, the plain mean of the f × f block),
 * nodata samples left out of the mean, an output pixel whose inputs are all
 * nodata being nodata.
 *
 * The arithmetic is GDAL's averaging kernel (gcore/overview.cpp,
 * GDALResampleChunk_AverageOrRMS_T, which `gdal_translate -r average -outsize`
 * runs through GDALRasterBand::RasterIOResampled), reproduced operation for
 * operation so that the result is the same pixel for pixel:
 *
 * - the output grid spans the whole input: output pixel i covers input
 *   columns [i·r, (i+1)·r) with r = W / outW (double);
 * - its first source column is trunc(i·r + 1e-8), its end ceil((i+1)·r − 1e-8);
 *   the first column weighs 1 − (i·r − first) (1 when it is the only one), the
 *   last 1 − (end − (i+1)·r), the ones between 1; rows alike;
 * - a line total is left·v + Σ middle v + right·v (in that order), the pixel
 *   total Σ over rows of line total × row weight, top to bottom;
 * - without nodata, the total weight is (Σ column weights) × (Σ row weights);
 *   with nodata, Σ over rows of (Σ valid column weights) × row weight;
 * - 8- and 16-bit results are trunc(total / weight + 0.5): halves round up;
 * - with an alpha band and no nodata value, samples of alpha 0 are the ones
 *   left out (GDAL's PER_DATASET ALPHA mask), see DegradeOptions;
 * - a mean that rounds to the nodata value itself is replaced by GDAL's
 *   replacement value (nodata + 1, or nodata − 1 at the top of the range).
 *
 * The work is separable: every input row is reduced once along x into line
 * totals, which are then combined along y. An integer factor on a grid that it
 * divides has every weight 1 and runs on integer sums (the same values: sums of
 * integers are exact in doubles).
 *
 * When the factor does not divide the size, the output has floor(W / f)
 * columns spread over the whole input (GDAL's `-outsize`): the effective
 * factor W / outW is then a little larger than f, so the result is never
 * finer than asked (what a resolution cap needs). The georeference is scaled
 * by the effective factors along both image axes, origin kept.
 */
import type { BandArray, GeoTransform, Gsd, Raster } from './types.js';

/** How the source columns (or rows) of each output column (or row) are weighed. */
interface AxisPlan {
  /** First source index of output i. */
  first: Int32Array;
  /** One past the last source index of output i. */
  end: Int32Array;
  /** Weight of the first source index. */
  wFirst: Float64Array;
  /** Weight of the last source index (when end > first + 1). */
  wLast: Float64Array;
  /** Sum of all the weights of output i. */
  total: Float64Array;
  /** The source-to-output ratio, nSrc / nDst. */
  ratio: number;
  /** The integer factor when every output takes exactly that many whole source pixels, else 0. */
  uniform: number;
}

/** GDAL's precomputation for one axis (see the module comment). */
function planAxis(nSrc: number, nDst: number): AxisPlan {
  const ratio = nSrc / nDst;
  const first = new Int32Array(nDst);
  const end = new Int32Array(nDst);
  const wFirst = new Float64Array(nDst);
  const wLast = new Float64Array(nDst);
  const total = new Float64Array(nDst);
  let uniform = Number.isInteger(ratio) ? ratio : 0;
  for (let i = 0; i < nDst; i++) {
    const off = i * ratio;
    let n0 = Math.trunc(off + 1e-8);
    const off2 = (i + 1) * ratio;
    let n1 = Math.ceil(off2 - 1e-8);
    if (n0 < 0) n0 = 0;
    if (n1 === n0) n1++;
    if (n1 > nSrc) n1 = nSrc;
    first[i] = n0;
    end[i] = n1;
    wFirst[i] = n1 === n0 + 1 ? 1.0 : 1 - (off - n0);
    wLast[i] = 1 - (n1 - off2);
    let t = wFirst[i];
    if (n0 + 1 < n1) {
      t += n1 - n0 - 2;
      t += wLast[i];
    }
    total[i] = t;
    if (uniform && (n0 !== i * uniform || n1 !== n0 + uniform)) uniform = 0;
  }
  return { first, end, wFirst, wLast, total, ratio, uniform };
}

/** The value GDAL writes instead of a mean that rounds to the nodata value. */
export function nodataReplacement(type: Raster['type'], nodata: number): number {
  const max = type === 'uint8' ? 255 : type === 'uint16' ? 65535 : type === 'int16' ? 32767 : Infinity;
  if (type === 'float32') {
    // GDAL takes the next float32 towards +inf (towards -inf at the top).
    const f = new Float32Array([nodata]);
    const u = new Int32Array(f.buffer);
    if (nodata === 3.4028234663852886e38) u[0] -= 1;
    else if (nodata >= 0) u[0] += 1;
    else u[0] -= 1;
    return f[0];
  }
  return nodata === max ? nodata - 1 : nodata + 1;
}

function newBand(type: Raster['type'], n: number): BandArray {
  switch (type) {
    case 'uint8':
      return new Uint8Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'float32':
      return new Float32Array(n);
  }
}

/**
 * Integer factor f dividing both sizes, no nodata: integer block sums, then
 * trunc(sum / f² + 0.5), which is GDAL's double arithmetic on the same exact sums.
 */
function degradeUniform(
  src: BandArray,
  w: number,
  fx: number,
  fy: number,
  outW: number,
  outH: number,
  dst: BandArray,
  isInt: boolean,
): void {
  const n = fx * fy;
  const acc = new Float64Array(outW);
  for (let oy = 0; oy < outH; oy++) {
    acc.fill(0);
    for (let k = 0; k < fy; k++) {
      let p = (oy * fy + k) * w;
      if (fx === 2) {
        for (let ox = 0; ox < outW; ox++, p += 2) acc[ox] += src[p] + src[p + 1];
      } else if (fx === 4) {
        for (let ox = 0; ox < outW; ox++, p += 4) acc[ox] += src[p] + src[p + 1] + src[p + 2] + src[p + 3];
      } else {
        for (let ox = 0; ox < outW; ox++) {
          let s = 0;
          for (let j = 0; j < fx; j++) s += src[p++];
          acc[ox] += s;
        }
      }
    }
    const o = oy * outW;
    if (isInt) for (let ox = 0; ox < outW; ox++) dst[o + ox] = Math.trunc(acc[ox] / n + 0.5);
    else for (let ox = 0; ox < outW; ox++) dst[o + ox] = acc[ox] / n;
  }
}

/** Same for 8-bit, with 32-bit integer sums and a lookup table for the division. */
function degradeUniformU8(
  src: Uint8Array,
  w: number,
  fx: number,
  fy: number,
  outW: number,
  outH: number,
  dst: Uint8Array,
): void {
  const n = fx * fy;
  const lut = new Uint8Array(255 * n + 1);
  for (let s = 0; s < lut.length; s++) lut[s] = Math.trunc(s / n + 0.5);
  const acc = new Int32Array(outW);
  for (let oy = 0; oy < outH; oy++) {
    acc.fill(0);
    for (let k = 0; k < fy; k++) {
      let p = (oy * fy + k) * w;
      if (fx === 2) {
        for (let ox = 0; ox < outW; ox++, p += 2) acc[ox] += src[p] + src[p + 1];
      } else if (fx === 4) {
        for (let ox = 0; ox < outW; ox++, p += 4) acc[ox] += src[p] + src[p + 1] + src[p + 2] + src[p + 3];
      } else if (fx === 3) {
        for (let ox = 0; ox < outW; ox++, p += 3) acc[ox] += src[p] + src[p + 1] + src[p + 2];
      } else {
        for (let ox = 0; ox < outW; ox++) {
          let s = 0;
          for (let j = 0; j < fx; j++) s += src[p++];
          acc[ox] += s;
        }
      }
    }
    const o = oy * outW;
    for (let ox = 0; ox < outW; ox++) dst[o + ox] = lut[acc[ox]];
  }
}

/** The general kernel: any ratio, with or without nodata. */
function degradeGeneral(
  src: BandArray,
  w: number,
  px: AxisPlan,
  py: AxisPlan,
  outW: number,
  outH: number,
  dst: BandArray,
  type: Raster['type'],
  nodata: number | null,
  alpha: BandArray | null = null,
): void {
  const isInt = type !== 'float32';
  const line = new Float64Array(outW);
  const lineW = new Float64Array(outW);
  const lineN = new Int32Array(outW);
  const acc = new Float64Array(outW);
  const accW = new Float64Array(outW);
  const accN = new Float64Array(outW);
  const { first: xf, end: xe, wFirst: xwf, wLast: xwl, total: xtot } = px;
  // A nodata value wins over an alpha band (GDAL's mask flags: NODATA before PER_DATASET ALPHA).
  if (nodata !== null) alpha = null;
  const hasNd = nodata !== null || alpha !== null;
  // GDAL compares samples with the nodata value cast to the sample type.
  const nd = nodata !== null ? (type === 'float32' ? Math.fround(nodata) : nodata) : 0;
  const ndIsNaN = nodata !== null && Number.isNaN(nd);
  const repl = nodata !== null ? nodataReplacement(type, nd) : 0;
  const valid = alpha
    ? (_v: number, i: number): boolean => alpha[i] !== 0
    : (v: number): boolean => (ndIsNaN ? !Number.isNaN(v) : v !== nd);

  for (let oy = 0; oy < outH; oy++) {
    const y0 = py.first[oy];
    const y1 = py.end[oy];
    acc.fill(0);
    if (hasNd) {
      accW.fill(0);
      accN.fill(0);
    }
    for (let y = y0; y < y1; y++) {
      const wy = y === y0 ? py.wFirst[oy] : y + 1 === y1 ? py.wLast[oy] : 1.0;
      const row = y * w;
      if (!hasNd) {
        for (let ox = 0; ox < outW; ox++) {
          const a = xf[ox];
          const b = xe[ox];
          let t = src[row + a] * xwf[ox];
          if (a + 1 < b) {
            for (let x = a + 1; x + 1 < b; x++) t += src[row + x];
            t += src[row + b - 1] * xwl[ox];
          }
          line[ox] = t;
        }
        for (let ox = 0; ox < outW; ox++) acc[ox] += line[ox] * wy;
      } else {
        for (let ox = 0; ox < outW; ox++) {
          const a = xf[ox];
          const b = xe[ox];
          let t = 0;
          let tw = 0;
          let c = 0;
          let v = src[row + a];
          if (valid(v, row + a)) {
            c++;
            tw = xwf[ox];
            t = v * xwf[ox];
          }
          if (a + 1 < b) {
            for (let x = a + 1; x + 1 < b; x++) {
              v = src[row + x];
              if (valid(v, row + x)) {
                c++;
                tw += 1;
                t += v;
              }
            }
            v = src[row + b - 1];
            if (valid(v, row + b - 1)) {
              c++;
              tw += xwl[ox];
              t += v * xwl[ox];
            }
          }
          line[ox] = t;
          lineW[ox] = tw;
          lineN[ox] = c;
        }
        for (let ox = 0; ox < outW; ox++) {
          acc[ox] += line[ox] * wy;
          accW[ox] += lineW[ox] * wy;
          accN[ox] += lineN[ox];
        }
      }
    }
    const o = oy * outW;
    const ytot = py.total[oy];
    for (let ox = 0; ox < outW; ox++) {
      let tw: number;
      if (hasNd) {
        if (accN[ox] === 0) {
          dst[o + ox] = nd;
          continue;
        }
        tw = accW[ox];
      } else {
        tw = xtot[ox] * ytot;
      }
      let v = isInt ? Math.trunc(acc[ox] / tw + 0.5) : acc[ox] / tw;
      if (!isInt) v = Math.fround(v);
      if (nodata !== null && (v === nd || (ndIsNaN && Number.isNaN(v)))) v = repl;
      dst[o + ox] = v;
    }
  }
}

/**
 * Output size of a degrade by `factor` along an axis of `n` pixels:
 * floor(n / factor), at least 1. A factor within 1e-9 of an integer counts as that integer.
 */
export function degradedSize(n: number, factor: number): number {
  const q = n / factor;
  const r = Math.round(q);
  return Math.max(1, Math.abs(q - r) < 1e-9 * Math.max(1, q) ? r : Math.floor(q));
}

/**
 * Resamples the whole raster onto an outW × outH grid by area averaging
 * (`gdal_translate -r average -outsize outW outH`). Only reductions: outW ≤ width, outH ≤ height.
 */
export function averageToSize(raster: Raster, outW: number, outH: number, opts: DegradeOptions = {}): Raster {
  const { width: w, height: h, type, nodata } = raster;
  if (!Number.isInteger(outW) || !Number.isInteger(outH) || outW < 1 || outH < 1) {
    throw new RangeError(`output size must be positive integers, got ${outW} × ${outH}`);
  }
  if (outW > w || outH > h) {
    throw new RangeError(`averaging cannot enlarge: ${w} × ${h} to ${outW} × ${outH}`);
  }
  const px = planAxis(w, outW);
  const py = planAxis(h, outH);
  const ab = opts.alphaBand ?? null;
  if (ab !== null && (!Number.isInteger(ab) || ab < 0 || ab >= raster.bands.length)) {
    throw new RangeError(`alpha band ${ab} out of range (0 to ${raster.bands.length - 1})`);
  }
  const alpha = ab !== null && nodata === null ? raster.bands[ab] : null;
  const bands = raster.bands.map((src, k) => {
    const dst = newBand(type, outW * outH);
    const mask = k === ab ? null : alpha;
    if (nodata === null && mask === null && px.uniform && py.uniform) {
      if (type === 'uint8') {
        degradeUniformU8(src as Uint8Array, w, px.uniform, py.uniform, outW, outH, dst as Uint8Array);
      } else {
        degradeUniform(src, w, px.uniform, py.uniform, outW, outH, dst, type !== 'float32');
      }
    } else {
      degradeGeneral(src, w, px, py, outW, outH, dst, type, nodata, mask);
    }
    return dst;
  });
  let geo = raster.geo;
  if (geo) {
    const t = geo.transform;
    const rx = w / outW;
    const ry = h / outH;
    const nt: GeoTransform = [t[0], t[1] * rx, t[2] * ry, t[3], t[4] * rx, t[5] * ry];
    geo = { ...geo, transform: nt };
  }
  return { width: outW, height: outH, type, bands, nodata, geo };
}

export interface DegradeOptions {
  /**
   * Index of an alpha band: when the raster has no nodata value, samples whose
   * alpha is 0 are left out of the other bands' means (an output with none
   * left is 0), as GDAL does with a PER_DATASET ALPHA mask; the alpha band
   * itself is averaged like any band.
   */
  alphaBand?: number | null;
}

/**
 * Degrades by factorX along the columns and factorY along the rows (each ≥ 1).
 * The output has degradedSize(width, factorX) × degradedSize(height, factorY)
 * pixels over the whole input; see the module comment for the arithmetic.
 */
export function degrade(raster: Raster, factorX: number, factorY: number, opts: DegradeOptions = {}): Raster {
  for (const f of [factorX, factorY]) {
    if (!Number.isFinite(f) || f < 1 - 1e-9) throw new RangeError(`a degrade factor must be at least 1, got ${f}`);
  }
  return averageToSize(raster, degradedSize(raster.width, factorX), degradedSize(raster.height, factorY), opts);
}

/** The factors along x and y that bring an image of GSD `gsd` to the cap `targetM` (see degradeToGsd). */
export function factorsForGsd(gsd: Gsd, targetM: number): { x: number; y: number } {
  if (!(targetM > 0) || !Number.isFinite(targetM))
    throw new RangeError(`target GSD must be a positive number of metres, got ${targetM}`);
  if (!(gsd.x > 0) || !(gsd.y > 0)) throw new RangeError(`the image's GSD must be positive, got ${gsd.x} × ${gsd.y} m`);
  const finer = Math.min(gsd.x, gsd.y);
  if (targetM < finer * (1 - 1e-9)) {
    throw new RangeError(
      `cannot degrade to ${targetM} m: the image is already coarser (${fmt(gsd.x)} × ${fmt(gsd.y)} m, finer axis ${fmt(finer)} m)`,
    );
  }
  const snap = (f: number): number => (Math.abs(f - Math.round(f)) < 1e-9 * f ? Math.round(f) : f);
  return { x: gsd.x < targetM ? snap(targetM / gsd.x) : 1, y: gsd.y < targetM ? snap(targetM / gsd.y) : 1 };
}

const fmt = (v: number): string => String(Number(v.toPrecision(6)));

/**
 * Degrades an image of ground sample distance `gsdNow` (metres per pixel along
 * x and y) so that its resolution for the cap, its finer axis, becomes
 * `targetM`: each axis finer than the target is degraded to it (the effective
 * GSD may come out a hair coarser when the factor does not divide the size),
 * an axis already at or above it is left alone. Throws a RangeError when the
 * target is finer than the image's finer axis.
 */
export function degradeToGsd(raster: Raster, gsdNow: Gsd, targetM: number, opts: DegradeOptions = {}): Raster {
  const f = factorsForGsd(gsdNow, targetM);
  return degrade(raster, f.x, f.y, opts);
}
