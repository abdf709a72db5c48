/**
 * Whether a pass shows the ground inside a site: a pass over cloud, haze,
 * snow cover, a blank fill, a saturated or a nodata image counts nothing
 * and must not clear a site (design: SITE_UNOBSERVED). The site's pixels
 * are judged in cells of CELL_PX pixels from their luminance: the fraction
 * of nodata and of saturated pixels, the median brightness and the spread
 * between the 10th and 90th percentiles (texture and local contrast), as
 * fractions of the image's full scale. A cell is obscured when it is mostly
 * nodata or saturated, blank (no spread at all), bright and smooth (cloud,
 * snow) or pale and flat (haze), and has enough obscured neighbours for its
 * kind (a cloud is larger than a roof). The pass is visible when no
 * connected patch of obscured ground inside the site, nor the part of the
 * site outside the image, could hide one of the smallest declared items
 * (its footprint). Every constant is in visibility-params.ts with its
 * reason.
 */
import * as P from './visibility-params.js';
import type { Gsd, Raster } from './types.js';

export type ObscuredKind = 'nodata' | 'saturated' | 'blank' | 'cloud or snow' | 'haze' | 'outside the image';

const KINDS: ObscuredKind[] = ['nodata', 'saturated', 'blank', 'cloud or snow', 'haze'];
const KIND = { nodata: 0, saturated: 1, blank: 2, cloud: 3, haze: 4 } as const;

export interface Visibility {
  /** The ground inside the site is visible: no unseen patch could hide HIDDEN_ITEMS of the smallest items. */
  visible: boolean;
  /** The site's area and the part that cannot be seen, square metres. */
  siteAreaM2: number;
  obscuredAreaM2: number;
  /** The largest connected patch of it, square metres: where an item could hide. */
  largestPatchM2: number;
  /** Obscured area / site area, per kind of obscuring (kinds with none are left out). */
  obscured: Partial<Record<ObscuredKind, number>>;
  /** The area the obscured ground may not reach (HIDDEN_ITEMS smallest footprints), square metres. */
  allowedAreaM2: number;
  /** Median brightness and 10-90 % spread over the site's visible cells, fractions of full scale (null when none is visible). */
  brightness: number | null;
  spread: number | null;
}

/** The full scale of the data: 255 for 8 bits; for wider integers the smallest 2^k - 1 that holds the brightest value. */
export function fullScale(r: Raster, lum: Float32Array): number {
  if (r.type === 'uint8') return 255;
  let max = 0;
  for (let i = 0; i < lum.length; i++) if (lum[i] > max) max = lum[i];
  if (r.type === 'float32') return Math.max(1, max);
  return Math.max(255, 2 ** Math.ceil(Math.log2(max + 1)) - 1);
}

/** The luminance of the visible bands (the first three of three or more; else the first), NaN where nodata. */
export function visibleLuminance(r: Raster): Float32Array {
  const n = r.width * r.height;
  const bands = r.bands.length >= 3 ? r.bands.slice(0, 3) : [r.bands[0]];
  const out = new Float32Array(n);
  for (const b of bands) for (let i = 0; i < n; i++) out[i] += b[i];
  if (bands.length > 1) for (let i = 0; i < n; i++) out[i] /= bands.length;
  const nd = r.nodata;
  if (nd !== null) {
    for (let i = 0; i < n; i++) {
      let all = true;
      for (const b of bands) if (!(b[i] === nd || (Number.isNaN(nd) && Number.isNaN(b[i])))) all = false;
      if (all) out[i] = NaN;
    }
  }
  return out;
}

/**
 * Judges the ground inside `site` (a mask over the raster's pixels, 1 inside)
 * on `r` at GSD `gsd`. `outsidePx` is the site's area outside the image, in
 * square pixels (siteAreaPx: ground the pass does not show);
 * `smallestItemM2` the footprint of the smallest declared item.
 */
export function judgeVisibility(
  r: Raster,
  gsd: Gsd,
  site: Uint8Array,
  outsidePx: number,
  smallestItemM2: number,
): Visibility {
  const { width: w, height: h } = r;
  const lum = visibleLuminance(r);
  const F = fullScale(r, lum);
  const pxM2 = gsd.x * gsd.y;
  const count: Record<ObscuredKind, number> = {
    nodata: 0,
    saturated: 0,
    blank: 0,
    'cloud or snow': 0,
    haze: 0,
    'outside the image': 0,
  };
  const medians: number[] = [];
  const spreads: number[] = [];
  let sitePx = 0;
  const cols = Math.ceil(w / P.CELL_PX);
  const rows = Math.ceil(h / P.CELL_PX);
  // Per cell: its kind of obscuring (-1 none), its pixels inside the site and the nodata ones among them.
  const kinds = new Int8Array(cols * rows).fill(-1);
  const inSite = new Int32Array(cols * rows);
  const nodataInSite = new Int32Array(cols * rows);
  const vals = new Float32Array(P.CELL_PX * P.CELL_PX);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const cell = r * cols + c;
      const x0 = c * P.CELL_PX;
      const y0 = r * P.CELL_PX;
      const x1 = Math.min(w, x0 + P.CELL_PX);
      const y1 = Math.min(h, y0 + P.CELL_PX);
      let n = 0;
      let nodata = 0;
      let saturated = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = y * w + x;
          const v = lum[i];
          if (site[i]) {
            inSite[cell]++;
            if (Number.isNaN(v)) nodataInSite[cell]++;
          }
          if (Number.isNaN(v)) {
            nodata++;
            continue;
          }
          if (v >= P.SATURATED * F) saturated++;
          vals[n++] = v;
        }
      }
      // The cell's statistics come from all its pixels, the area it obscures from its pixels inside the site.
      if (nodata > P.CELL_MAX_NODATA * (n + nodata)) kinds[cell] = KIND.nodata;
      else if (saturated > P.CELL_MAX_SATURATED * n) kinds[cell] = KIND.saturated;
      else {
        const s = vals.subarray(0, n).sort();
        const med = s[Math.floor(n / 2)] / F;
        const spread = (s[Math.min(n - 1, Math.floor(n * P.SPREAD_HIGH))] - s[Math.floor(n * P.SPREAD_LOW)]) / F;
        if (spread < P.BLANK_SPREAD) kinds[cell] = KIND.blank;
        else if (med >= P.CLOUD_BRIGHTNESS && spread < P.CLOUD_SPREAD) kinds[cell] = KIND.cloud;
        else if (med >= P.HAZE_BRIGHTNESS && spread < P.HAZE_SPREAD) kinds[cell] = KIND.haze;
        else if (inSite[cell] > 0) {
          medians.push(med);
          spreads.push(spread);
        }
      }
    }
  }
  const kept = keepByNeighbours(kinds, cols, rows);
  let scatteredNodata = 0;
  for (let cell = 0; cell < kinds.length; cell++) {
    if (inSite[cell] === 0) continue;
    sitePx += inSite[cell];
    const k = kept[cell];
    if (k === KIND.nodata) count.nodata += inSite[cell];
    else {
      count.nodata += nodataInSite[cell];
      scatteredNodata += nodataInSite[cell];
      if (k >= 0) count[KINDS[k]] += inSite[cell] - nodataInSite[cell];
    }
  }
  // A hundredth of a pixel outside the image is round-off in the site's corners.
  count['outside the image'] = outsidePx >= 0.01 ? outsidePx : 0;
  const area = (sitePx + count['outside the image']) * pxM2;
  const obscured: Visibility['obscured'] = {};
  let obscuredPx = 0;
  for (const k of Object.keys(count) as ObscuredKind[]) {
    obscuredPx += count[k];
    if (count[k] > 0) obscured[k] = (count[k] * pxM2) / area;
  }
  // Nodata pixels scattered in visible cells, and the site beyond the image, are each taken as one patch.
  const largestPx = patchSizes(kept, inSite, cols, rows).reduce(
    (m, x) => Math.max(m, x),
    Math.max(scatteredNodata, count['outside the image']),
  );
  const allowed = P.HIDDEN_ITEMS * smallestItemM2;
  const median = (a: number[]): number | null => (a.length ? a.sort((p, q) => p - q)[Math.floor(a.length / 2)] : null);
  return {
    visible: largestPx * pxM2 < allowed,
    siteAreaM2: area,
    obscuredAreaM2: obscuredPx * pxM2,
    largestPatchM2: largestPx * pxM2,
    obscured,
    allowedAreaM2: allowed,
    brightness: median(medians),
    spread: median(spreads),
  };
}

/**
 * Cloud, haze and fills cover country, not a roof: a cell of these kinds
 * counts only with as many obscured cells around it as its kind asks
 * (NEIGHBOURS). Beyond the image edge the ground is unknown: it counts as
 * obscured. The kinds kept, -1 for the others.
 */
function keepByNeighbours(kinds: Int8Array, cols: number, rows: number): Int8Array {
  const kept = kinds.slice();
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const k = kinds[r * cols + c];
      if (k < 0) continue;
      let around = 0;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          if (dr === 0 && dc === 0) continue;
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || cc < 0 || rr >= rows || cc >= cols || kinds[rr * cols + cc] >= 0) around++;
        }
      }
      if (around < P.NEIGHBOURS[KINDS[k] as keyof typeof P.NEIGHBOURS]) kept[r * cols + c] = -1;
    }
  }
  return kept;
}

/**
 * The site's pixels in each 8-connected patch of obscured cells: an item
 * hides under one patch, so a patch is what must be too small to hide one.
 */
function patchSizes(kept: Int8Array, inSite: Int32Array, cols: number, rows: number): number[] {
  const seen = new Uint8Array(kept.length);
  const sizes: number[] = [];
  for (let cell = 0; cell < kept.length; cell++) {
    if (kept[cell] < 0 || seen[cell]) continue;
    let px = 0;
    const stack = [cell];
    seen[cell] = 1;
    while (stack.length) {
      const q = stack.pop()!;
      px += inSite[q];
      const r = Math.floor(q / cols);
      const c = q - r * cols;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
          const nq = rr * cols + cc;
          if (kept[nq] >= 0 && !seen[nq]) {
            seen[nq] = 1;
            stack.push(nq);
          }
        }
      }
    }
    if (px > 0) sizes.push(px);
  }
  return sizes;
}

/** Why a pass is not visible, in words: the share of the site each kind of obscuring hides. */
export function visibilityProblem(v: Visibility): string {
  const parts = Object.entries(v.obscured)
    .sort((a, b) => b[1] - a[1])
    .map(([k, f]) => `${k} ${pct(f)}`);
  return (
    `the ground inside the site is not visible on ${pct(v.obscuredAreaM2 / v.siteAreaM2)} of it (${parts.join(', ')}): ` +
    `an unseen patch of ${Math.round(v.largestPatchM2)} m² could hide an item (${Math.round(v.allowedAreaM2)} m² each)`
  );
}

const pct = (f: number): string => (f > 0 && f < 0.01 ? '<1 %' : `${Math.round(f * 100)} %`);
