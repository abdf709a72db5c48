/**
 * Counting objects of a declared class in one image: a classical detector.
 *
 * 0. Luminance: the band (or the mean of the first three), smoothed by
 *    1-2-1 × 1-2-1 when there is no nodata (a matched filter for objects two
 *    or more pixels wide; exact in 16-bit integers for 8-bit input).
 * 1. Background, two scales. Coarse: the median of square blocks about one
 *    declared length across (a 256-bin histogram per block, one pass),
 *    interpolated bilinearly between block centres; objects cover well under
 *    half a block and do not move the median. Fine: blocks a third as wide
 *    take the mean residual of their pixels within 2.5 noise units of the
 *    coarse model (objects left out), which follows the ground's texture.
 * 2. Noise: per coarse block, the median absolute residual × 1.4826 (robust
 *    MAD, by histogram), smoothed over 3 × 3 blocks. z = residual / noise.
 * 3. Threshold and connected components: pixels with z ≥ T or z ≤ −T
 *    (T = 4) as runs per row, labelled by union-find over the runs
 *    (8-connectivity). Memory goes with the number of runs; O(pixels).
 * 4. Each component, in a small patch: its peak P (mean of the top quarter
 *    of |z|) sets a half-maximum level; the component is cut there (or grown
 *    by one ring of pixels down to it), so that its edges sit where the
 *    object's area coverage is one half. Area, centroid and second moments
 *    in metres (the pixel's own 1/12 added) give the orientation and the
 *    length √(12 λ1) + half a pixel; the width is area / length.
 * 5. Size filters in metres, widened by max(5 % of the longest length, half
 *    a pixel) for the length and max(10 % of the widest width, 0.75 pixel)
 *    for the width. A component too big for one object is (a) split in two
 *    across its long axis when it is at least about twice the shortest
 *    declared length (two objects end to end), or along it when the
 *    contrast dips along the cut (two side by side with a seam); or (b) cut
 *    again at 1.4 × the level, which separates objects from a weaker pad,
 *    road or shadow (pieces cut near their own top are noise on a plateau
 *    and dropped); or (c) rejected.
 * 6. Shadows. With the sun's azimuth (image metadata), a dark candidate with
 *    bright pixels within 3 px on its sun side and not on the other side is
 *    a shadow; without it, a dark candidate next to a bright component of
 *    object size. A dark object merged with its own shadow is cut where the
 *    level steps across the blob, within the declared width from the sun-side
 *    edge; when there is no step, and the sun's elevation and the class's
 *    height are given, a blob no wider than the object and its longest shadow
 *    keeps the declared mid width on the sun side; so does one whose cut at
 *    the step does not fit the declared size. The step is sought no nearer
 *    the sun-side edge than the narrowest declared width less half its
 *    tolerance.
 * 7. Score: 0.5 × (1 − exp(−P / 2T)) + 0.25 × each of the length and width
 *    fits (1 at the middle of the declared range, 0 three tolerances beyond
 *    its edge); detections under 0.7 are dropped.
 *
 * Stated limits: objects under about two pixels wide, or with a contrast
 * under about 4 noise units, are missed; widths of objects 2 to 4 pixels
 * across read up to a pixel wide; two objects side by side with no visible
 * seam are one wide object (and a wide object is not split); a dark object
 * as dark as its own shadow, with no sun elevation or class height given,
 * reads too wide; ground next to large bright or dark structures (buildings)
 * can throw up object-sized pieces.
 *
 * A learned model plugs in behind the same interface: an `OnnxDetector`
 * implementing `ObjectDetector` would tile the raster (resampled to the
 * model's training GSD), run each tile through onnxruntime-node, map the
 * boxes back to pixel coordinates and through `pixelToLonLat`, and filter by
 * the same `lengthM` / `widthM` / `site` options. Callers choose the
 * detector; nothing else changes.
 */
import proj4 from 'proj4';
import type { BandArray, Detection, Georeference, Gsd, Raster } from './types.js';

export interface DetectOptions {
  gsd: Gsd;
  /** Declared length range in metres. */
  lengthM: [number, number];
  /** Declared width range in metres. */
  widthM: [number, number];
  /** Only objects whose centre lies inside: a mask (width × height, non-zero inside) or a polygon in pixel coordinates. */
  site?: Uint8Array | [number, number][];
  polarity?: 'both' | 'bright' | 'dark';
  /** Detection threshold in local noise units (default 4). */
  threshold?: number;
  /** Detections scoring below this are dropped (default 0.7). */
  minScore?: number;
  /**
   * Sun azimuth in degrees clockwise from north, from the image's metadata.
   * With it, a dark component wider than the declared width is taken as a
   * dark object and its own shadow, and the object is kept on the sun side.
   */
  sunAzimuthDeg?: number;
  /** Sun elevation in degrees, from the image's metadata (with `heightM`, bounds the shadows). */
  sunElevationDeg?: number;
  /** Highest the declared objects stand, metres (with `sunElevationDeg`, bounds their shadows). */
  heightM?: number;
}

export interface ObjectDetector {
  detect(raster: Raster, opts: DetectOptions): Detection[];
}

/* ---------- coordinates ---------- */

const convCache = new Map<number, ((x: number, y: number) => [number, number]) | null>();

function projDef(epsg: number): string | null {
  if (epsg >= 32601 && epsg <= 32660) return `+proj=utm +zone=${epsg - 32600} +datum=WGS84 +units=m +no_defs`;
  if (epsg >= 32701 && epsg <= 32760) return `+proj=utm +zone=${epsg - 32700} +south +datum=WGS84 +units=m +no_defs`;
  if (epsg >= 26901 && epsg <= 26923) return `+proj=utm +zone=${epsg - 26900} +datum=NAD83 +units=m +no_defs`;
  if (epsg === 3857) return 'EPSG:3857';
  return null;
}

/** CRS coordinates to [lon, lat] in degrees, or null when the CRS is not known here. */
export function crsToLonLat(epsg: number, x: number, y: number): [number, number] | null {
  if (epsg === 4326) return [x, y];
  let f = convCache.get(epsg);
  if (f === undefined) {
    const def = projDef(epsg);
    f = null;
    if (def) {
      const conv = proj4(def, 'EPSG:4326');
      f = (a: number, b: number) => conv.forward([a, b]) as [number, number];
    }
    convCache.set(epsg, f);
  }
  return f ? f(x, y) : null;
}

/** Pixel coordinates (pixel centres at .5) to [lon, lat], or null without a known georeference. */
export function pixelToLonLat(geo: Georeference | null, x: number, y: number): [number, number] | null {
  if (!geo) return null;
  const t = geo.transform;
  return crsToLonLat(geo.epsg, t[0] + x * t[1] + y * t[2], t[3] + x * t[4] + y * t[5]);
}

/* ---------- helpers ---------- */

class Grow {
  a: Int32Array;
  n = 0;
  constructor(cap = 1024) { this.a = new Int32Array(cap); }
  push3(p: number, q: number, r: number): void {
    if (this.n + 3 > this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = p;
    this.a[this.n++] = q;
    this.a[this.n++] = r;
  }
}

function find(par: Int32Array, i: number): number {
  while (par[i] !== i) {
    par[i] = par[par[i]];
    i = par[i];
  }
  return i;
}

function pointInPolygon(poly: [number, number][], x: number, y: number): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

function medianOfHist(hist: Int32Array, off: number, nb: number, total: number): number {
  const half = total / 2;
  let acc = 0;
  for (let b = 0; b < nb; b++) {
    const c = hist[off + b];
    if (acc + c >= half) return b + (c > 0 ? (half - acc) / c : 0);
    acc += c;
  }
  return nb - 1;
}

/**
 * Values on a grid of square blocks (B pixels) over a region, read back at
 * any pixel by bilinear interpolation between block centres.
 */
class Grid {
  readonly gw: number;
  readonly gh: number;
  readonly v: Float32Array;
  private readonly cx0: Int32Array;
  private readonly cx1: Int32Array;
  private readonly cwx: Float32Array;
  private readonly tmp: Float32Array;
  constructor(readonly B: number, readonly x0: number, readonly y0: number, rw: number, rh: number) {
    this.gw = Math.ceil(rw / B);
    this.gh = Math.ceil(rh / B);
    this.v = new Float32Array(this.gw * this.gh);
    this.cx0 = new Int32Array(rw);
    this.cx1 = new Int32Array(rw);
    this.cwx = new Float32Array(rw);
    this.tmp = new Float32Array(this.gw);
    for (let x = 0; x < rw; x++) {
      const f = (x + 0.5) / B - 0.5;
      const a = Math.max(0, Math.min(this.gw - 1, Math.floor(f)));
      this.cx0[x] = a;
      this.cx1[x] = Math.min(this.gw - 1, a + 1);
      this.cwx[x] = Math.max(0, Math.min(1, f - a));
    }
  }

  /** Interpolated values of image row y, for the region's columns. */
  row(y: number, out: Float32Array): void {
    const { gw, gh, v, tmp, cx0, cx1, cwx } = this;
    const f = (y - this.y0 + 0.5) / this.B - 0.5;
    const a = Math.max(0, Math.min(gh - 1, Math.floor(f)));
    const b = Math.min(gh - 1, a + 1);
    const t = Math.max(0, Math.min(1, f - a));
    for (let i = 0; i < gw; i++) tmp[i] = v[a * gw + i] * (1 - t) + v[b * gw + i] * t;
    for (let x = 0; x < out.length; x++) {
      const p = tmp[cx0[x]];
      out[x] = p + (tmp[cx1[x]] - p) * cwx[x];
    }
  }

  at(x: number, y: number): number {
    const { gw, gh, v } = this;
    const fy = (y - this.y0 + 0.5) / this.B - 0.5;
    const a = Math.max(0, Math.min(gh - 1, Math.floor(fy)));
    const b = Math.min(gh - 1, a + 1);
    const t = Math.max(0, Math.min(1, fy - a));
    const xr = x - this.x0;
    const i0 = this.cx0[xr], i1 = this.cx1[xr], u = this.cwx[xr];
    const top = v[a * gw + i0] + (v[a * gw + i1] - v[a * gw + i0]) * u;
    const bot = v[b * gw + i0] + (v[b * gw + i1] - v[b * gw + i0]) * u;
    return top + (bot - top) * t;
  }

  /** Blocks not marked valid (1) take the mean of valid neighbours, repeatedly. */
  fill(valid: Uint8Array): void {
    const { gw, gh, v } = this;
    for (let pass = 0; pass < gw + gh; pass++) {
      let missing = 0;
      for (let j = 0; j < gh; j++) {
        for (let i = 0; i < gw; i++) {
          const k = j * gw + i;
          if (valid[k]) continue;
          let s = 0, n = 0;
          for (let dj = -1; dj <= 1; dj++) {
            for (let di = -1; di <= 1; di++) {
              const jj = j + dj, ii = i + di;
              if (jj < 0 || ii < 0 || jj >= gh || ii >= gw || valid[jj * gw + ii] !== 1) continue;
              s += v[jj * gw + ii];
              n++;
            }
          }
          if (n) { v[k] = s / n; valid[k] = 2; } else missing++;
        }
      }
      for (let k = 0; k < valid.length; k++) if (valid[k] === 2) valid[k] = 1;
      if (!missing) break;
    }
  }
}

interface Measure {
  area: number; // m²
  cx: number; // pixels
  cy: number;
  L: number; // m
  W: number; // m
  /** Unit vector of the long axis, in metres space (x right, y down). */
  ux: number;
  uy: number;
}

interface Candidate extends Measure {
  P: number;
  pol: 'bright' | 'dark';
  /** Pixels, global indices (for the shadow check). */
  pix: Int32Array;
}

/* ---------- the detector ---------- */

/** Pixels added to the moment length: the half-maximum region loses about a quarter pixel at each end. */
const LENGTH_END_PX = 0.5;
/** The score's shape fit reaches 0 this many widening tolerances beyond the declared range. */
const FIT_SPAN = 3;

export class ClassicalDetector implements ObjectDetector {
  detect(raster: Raster, opts: DetectOptions): Detection[] {
    const { width: w, height: h } = raster;
    const gx = opts.gsd.x;
    const gy = opts.gsd.y;
    if (!(gx > 0 && gy > 0)) throw new Error('detect: the GSD must be positive');
    const [lmin, lmax] = opts.lengthM;
    const [wmin, wmax] = opts.widthM;
    if (!(lmin > 0 && lmax >= lmin && wmin > 0 && wmax >= wmin)) throw new Error('detect: bad length or width range');
    const T0 = opts.threshold ?? 4;
    const minScore = opts.minScore ?? 0.7;
    const pol = opts.polarity ?? 'both';
    const gm = Math.sqrt(gx * gy);
    const tolL = Math.max(0.05 * lmax, 0.5 * gm);
    const tolW = Math.max(0.1 * wmax, 0.75 * gm);
    const minArea = lmin * wmin;
    const maxArea = lmax * wmax;
    const pixArea = gx * gy;
    const minPix = Math.max(2, (0.3 * minArea) / pixArea);

    // Luminance: the band, or the mean of the first three; then, without
    // nodata, a 1-2-1 × 1-2-1 smoothing (a matched filter for objects two or
    // more pixels wide: white noise down 2.7 times, edges at half maximum
    // barely moved). For 8-bit input this is exact in 16-bit integers.
    const nodata = raster.nodata;
    let lum: BandArray | Float32Array = raster.bands[0];
    let unit = 1; // lum = grey level × unit
    const nb = raster.bands.length >= 3 ? 3 : 1;
    if (nodata === null) {
      const sum = raster.type === 'uint8' ? new Uint16Array(w * h) : new Float32Array(w * h);
      const tmp = raster.type === 'uint8' ? new Uint16Array(w) : new Float32Array(w);
      const b0 = raster.bands[0], b1 = raster.bands[nb - 1 > 0 ? 1 : 0], b2 = raster.bands[nb - 1];
      const px = nb === 3 ? (i: number): number => b0[i] + b1[i] + b2[i] : (i: number): number => b0[i];
      // horizontal
      if (nb === 1) {
        for (let y = 0; y < h; y++) {
          const o = y * w;
          let l = b0[o], c = b0[o];
          for (let x = 0; x < w; x++) {
            const r = x < w - 1 ? b0[o + x + 1] : c;
            sum[o + x] = l + 2 * c + r;
            l = c;
            c = r;
          }
        }
      } else {
        for (let y = 0; y < h; y++) {
          const o = y * w;
          for (let x = 0; x < w; x++) {
            const l = px(o + (x > 0 ? x - 1 : x)), c = px(o + x), r = px(o + (x < w - 1 ? x + 1 : x));
            sum[o + x] = l + 2 * c + r;
          }
        }
      }
      // vertical, in place, keeping the previous row's horizontal sums
      let prev = sum.slice(0, w);
      let cur = sum.slice(0, w);
      for (let y = 0; y < h; y++) {
        const o = y * w;
        const dn = y < h - 1 ? o + w : o;
        for (let x = 0; x < w; x++) {
          const c = sum[o + x];
          cur[x] = c;
          tmp[x] = prev[x] + 2 * c + sum[dn + x];
        }
        sum.set(tmp, o);
        const t = prev;
        prev = cur;
        cur = t;
      }
      lum = sum;
      unit = 16 * nb;
    } else if (nb === 3) {
      const a = raster.bands[0], b = raster.bands[1], c = raster.bands[2];
      const m = new Float32Array(w * h);
      for (let i = 0; i < m.length; i++) m[i] = a[i] === nodata ? nodata : (a[i] + b[i] + c[i]) / 3;
      lum = m;
    }

    // Region of interest: the site's bounding box and a margin.
    let x0 = 0, y0 = 0, x1 = w, y1 = h;
    let inSite: (x: number, y: number) => boolean = () => true;
    const site = opts.site;
    if (site instanceof Uint8Array) {
      if (site.length !== w * h) throw new Error('detect: the site mask must have width × height samples');
      inSite = (x, y) => site[Math.min(h - 1, Math.max(0, Math.floor(y))) * w + Math.min(w - 1, Math.max(0, Math.floor(x)))] !== 0;
    } else if (site) {
      if (site.length < 3) throw new Error('detect: the site polygon needs at least 3 vertices');
      const xs = site.map((p) => p[0]);
      const ys = site.map((p) => p[1]);
      const mx = Math.ceil(lmax / gx) + 4;
      const my = Math.ceil(lmax / gy) + 4;
      x0 = Math.max(0, Math.floor(Math.min(...xs)) - mx);
      x1 = Math.min(w, Math.ceil(Math.max(...xs)) + mx);
      y0 = Math.max(0, Math.floor(Math.min(...ys)) - my);
      y1 = Math.min(h, Math.ceil(Math.max(...ys)) + my);
      if (x0 >= x1 || y0 >= y1) return [];
      inSite = (x, y) => pointInPolygon(site, x, y);
    }
    const rw = x1 - x0;
    const rh = y1 - y0;

    // Value quantisation for the histograms (exact for 8-bit).
    let lo = 0, qs = 1 / unit;
    if (raster.type !== 'uint8') {
      let mn = Infinity, mx = -Infinity;
      const step = Math.max(1, Math.floor((w * h) / 1_000_000));
      for (let i = 0; i < w * h; i += step) {
        const v = lum[i];
        if (v === nodata) continue;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      if (!(mx > mn)) return [];
      lo = mn;
      qs = 255 / (mx - mn);
    }

    // 1. Background, coarse: block medians (histograms, one pass).
    const NB = 256;
    const B = Math.max(8, Math.min(256, Math.round(lmax / gm)));
    const G0 = new Grid(B, x0, y0, rw, rh);
    const hist = new Int32Array(G0.gw * NB);
    const cnt = new Int32Array(G0.gw);
    const row = new Float32Array(rw);
    const row2 = new Float32Array(rw);
    const row3 = new Float32Array(rw);
    /** Per-block median of f(pixel) quantised by q (bins 0..255), over block rows of grid g. */
    const blockMedian = (g: Grid, q: number, f: (y: number) => void, vals: Float32Array, valid: Uint8Array): void => {
      for (let j = 0; j < g.gh; j++) {
        hist.fill(0);
        cnt.fill(0);
        const ya = y0 + j * g.B, yb = Math.min(y1, ya + g.B);
        for (let y = ya; y < yb; y++) {
          f(y); // fills row with the quantity, NaN where no data
          for (let xr = 0; xr < rw; xr++) {
            const v = row[xr];
            if (v !== v) continue;
            let b = (v * q) | 0;
            if (b < 0) b = 0; else if (b > 255) b = 255;
            const i = (xr / g.B) | 0;
            hist[i * NB + b]++;
            cnt[i]++;
          }
        }
        for (let i = 0; i < g.gw; i++) {
          const area = (Math.min(rw, (i + 1) * g.B) - i * g.B) * (yb - ya);
          if (cnt[i] > 0 && cnt[i] >= 0.25 * area) {
            vals[j * g.gw + i] = medianOfHist(hist, i * NB, NB, cnt[i]) / q;
            valid[j * g.gw + i] = 1;
          }
        }
      }
    };
    const readRow = (y: number): void => {
      const o = y * w + x0;
      for (let xr = 0; xr < rw; xr++) {
        const v = lum[o + xr];
        row[xr] = v === nodata ? NaN : v - lo;
      }
    };
    const valid0 = new Uint8Array(G0.gw * G0.gh);
    blockMedian(G0, qs, readRow, G0.v, valid0);
    if (!valid0.some((v) => v === 1)) return [];
    G0.fill(valid0.slice());
    for (let k = 0; k < G0.v.length; k++) G0.v[k] += lo;

    // 2. Noise, first estimate: block MAD of the residual (bins of a quarter grey level).
    const rq = 4 * qs;
    const S0 = new Grid(B, x0, y0, rw, rh);
    const F = new Grid(Math.max(3, Math.round(B / 3)), x0, y0, rw, rh);
    /** Residual |v − background| into row; background = G0 (+ F when withFine). */
    const absResidualRow = (withFine: boolean) => (y: number): void => {
      G0.row(y, row2);
      if (withFine) F.row(y, row3);
      const o = y * w + x0;
      for (let xr = 0; xr < rw; xr++) {
        const v = lum[o + xr];
        const r = v - row2[xr] - (withFine ? row3[xr] : 0);
        row[xr] = v === nodata ? NaN : r < 0 ? -r : r;
      }
    };
    const smoothed = (g: Grid, floor: number): void => {
      const s2 = new Float32Array(g.v.length);
      for (let j = 0; j < g.gh; j++) {
        for (let i = 0; i < g.gw; i++) {
          let s = 0, n = 0;
          for (let dj = -1; dj <= 1; dj++) {
            for (let di = -1; di <= 1; di++) {
              const jj = j + dj, ii = i + di;
              if (jj < 0 || ii < 0 || jj >= g.gh || ii >= g.gw) continue;
              s += g.v[jj * g.gw + ii];
              n++;
            }
          }
          s2[j * g.gw + i] = Math.max((1.4826 * s) / n, floor);
        }
      }
      g.v.set(s2);
    };
    {
      const vs = new Uint8Array(S0.v.length);
      blockMedian(S0, rq, absResidualRow(false), S0.v, vs);
      S0.fill(vs);
      smoothed(S0, 0.5 / qs);
    }

    // 3. Background, fine: per small block, the mean residual of the pixels
    //    within 2.5 noise units (objects left out), blocks a quarter as wide.
    {
      const sum = new Float64Array(F.gw);
      const num = new Int32Array(F.gw);
      const vf = new Uint8Array(F.v.length);
      for (let j = 0; j < F.gh; j++) {
        sum.fill(0);
        num.fill(0);
        const ya = y0 + j * F.B, yb = Math.min(y1, ya + F.B);
        for (let y = ya; y < yb; y++) {
          G0.row(y, row2);
          S0.row(y, row3);
          const o = y * w + x0;
          for (let xr = 0; xr < rw; xr++) {
            const v = lum[o + xr];
            if (v === nodata) continue;
            const r = v - row2[xr];
            const lim = 2.5 * row3[xr];
            if (r > lim || r < -lim) continue;
            const i = (xr / F.B) | 0;
            sum[i] += r;
            num[i]++;
          }
        }
        for (let i = 0; i < F.gw; i++) {
          const area = (Math.min(rw, (i + 1) * F.B) - i * F.B) * (yb - ya);
          if (num[i] >= 0.6 * area && num[i] > 0) {
            F.v[j * F.gw + i] = sum[i] / num[i];
            vf[j * F.gw + i] = 1;
          }
        }
      }
      if (vf.some((v) => v === 1)) F.fill(vf);
    }

    // 4. Noise: block MAD of the final residual, smoothed over 3 × 3 blocks.
    const S = new Grid(B, x0, y0, rw, rh);
    {
      const vs = new Uint8Array(S.v.length);
      blockMedian(S, rq, absResidualRow(true), S.v, vs);
      S.fill(vs);
      smoothed(S, 0.5 / qs);
    }
    // 5. Threshold into runs (label by union-find below).
    const runs: Grow[] = [new Grow(), new Grow()]; // 0 bright, 1 dark: (y, xa, xb) inclusive
    const rowStart: Int32Array[] = [new Int32Array(rh + 1), new Int32Array(rh + 1)];
    const bgRow = new Float32Array(rw);
    for (let y = y0; y < y1; y++) {
      G0.row(y, bgRow);
      F.row(y, row3);
      S.row(y, row2);
      rowStart[0][y - y0] = runs[0].n / 3;
      rowStart[1][y - y0] = runs[1].n / 3;
      const o = y * w + x0;
      let sb = -1, sd = -1;
      for (let xr = 0; xr < rw; xr++) {
        const v = lum[o + xr];
        const z = v === nodata ? 0 : (v - bgRow[xr] - row3[xr]) / row2[xr];
        const x = xr + x0;
        if (z >= T0) { if (sb < 0) sb = x; } else if (sb >= 0) { runs[0].push3(y, sb, x - 1); sb = -1; }
        if (z <= -T0) { if (sd < 0) sd = x; } else if (sd >= 0) { runs[1].push3(y, sd, x - 1); sd = -1; }
      }
      if (sb >= 0) runs[0].push3(y, sb, x1 - 1);
      if (sd >= 0) runs[1].push3(y, sd, x1 - 1);
    }
    rowStart[0][rh] = runs[0].n / 3;
    rowStart[1][rh] = runs[1].n / 3;

    const label = (p: 0 | 1): { par: Int32Array; area: Float64Array } => {
      const R = runs[p].a;
      const n = runs[p].n / 3;
      const par = new Int32Array(n);
      for (let i = 0; i < n; i++) par[i] = i;
      const rs = rowStart[p];
      for (let yr = 1; yr < rh; yr++) {
        let i = rs[yr - 1];
        const ie = rs[yr];
        for (let k = rs[yr]; k < rs[yr + 1]; k++) {
          const a = R[3 * k + 1], b = R[3 * k + 2];
          while (i < ie && R[3 * i + 2] < a - 1) i++;
          for (let m = i; m < ie && R[3 * m + 1] <= b + 1; m++) {
            const ra = find(par, k), rb = find(par, m);
            if (ra !== rb) par[Math.max(ra, rb)] = Math.min(ra, rb);
          }
        }
      }
      const area = new Float64Array(n);
      for (let k = 0; k < n; k++) area[find(par, k)] += R[3 * k + 2] - R[3 * k + 1] + 1;
      return { par, area };
    };

    // Noise level and z at any pixel (for the patches).
    const zAt = (x: number, y: number): number => {
      const v = lum[y * w + x];
      if (v === nodata) return 0;
      return (v - G0.at(x, y) - F.at(x, y)) / S.at(x, y);
    };

    // Direction in which shadows fall, image axes (x right, y down), metres space.
    const shadowDir: [number, number] | null = opts.sunAzimuthDeg === undefined ? null
      : [-Math.sin((opts.sunAzimuthDeg * Math.PI) / 180), Math.cos((opts.sunAzimuthDeg * Math.PI) / 180)];
    const maxShadowM = shadowDir && opts.sunElevationDeg !== undefined && opts.heightM !== undefined
      ? opts.heightM / Math.tan((Math.max(5, opts.sunElevationDeg) * Math.PI) / 180) : null;
    const fitL = (L: number): boolean => L >= lmin - tolL && L <= lmax + tolL;
    const fitW = (W: number): boolean => W >= wmin - tolW && W <= wmax + tolW;

    const cands: Candidate[] = [];

    // 4-5. Each component in its patch.
    const analyseComponent = (p: 0 | 1, R: Int32Array, runIdx: number[]): void => {
      const sign = p === 0 ? 1 : -1;
      let px0 = Infinity, px1 = -Infinity, py0 = Infinity, py1 = -Infinity;
      for (const k of runIdx) {
        py0 = Math.min(py0, R[3 * k]); py1 = Math.max(py1, R[3 * k]);
        px0 = Math.min(px0, R[3 * k + 1]); px1 = Math.max(px1, R[3 * k + 2]);
      }
      px0 = Math.max(x0, px0 - 2); py0 = Math.max(y0, py0 - 2);
      px1 = Math.min(x1 - 1, px1 + 2); py1 = Math.min(y1 - 1, py1 + 2);
      const pw = px1 - px0 + 1, ph = py1 - py0 + 1;
      const z = new Float32Array(pw * ph);
      for (let y = py0; y <= py1; y++) for (let x = px0; x <= px1; x++) z[(y - py0) * pw + (x - px0)] = sign * zAt(x, y);
      let np = 0;
      for (const k of runIdx) np += R[3 * k + 2] - R[3 * k + 1] + 1;
      const all = new Int32Array(np);
      let q = 0;
      for (const k of runIdx) {
        const y = R[3 * k];
        for (let x = R[3 * k + 1]; x <= R[3 * k + 2]; x++) all[q++] = (y - py0) * pw + (x - px0);
      }

      const lab = new Int32Array(pw * ph);
      let labGen = 0;
      /** Connected pieces (8-connectivity) of a pixel subset of the patch. */
      const pieces = (pix: Int32Array): Int32Array[] => {
        const gen = ++labGen;
        const mark = gen * 2; // in set, unvisited
        for (const i of pix) lab[i] = mark;
        const out: Int32Array[] = [];
        const stack: number[] = [];
        for (const s of pix) {
          if (lab[s] !== mark) continue;
          const piece: number[] = [];
          lab[s] = mark + 1;
          stack.push(s);
          while (stack.length) {
            const i = stack.pop()!;
            piece.push(i);
            const yy = (i / pw) | 0, xx = i - yy * pw;
            for (let dy = -1; dy <= 1; dy++) {
              const ny = yy + dy;
              if (ny < 0 || ny >= ph) continue;
              for (let dx = -1; dx <= 1; dx++) {
                const nx = xx + dx;
                if (nx < 0 || nx >= pw) continue;
                const j = ny * pw + nx;
                if (lab[j] === mark) { lab[j] = mark + 1; stack.push(j); }
              }
            }
          }
          out.push(Int32Array.from(piece));
        }
        return out;
      };

      const measure = (pix: Int32Array): Measure => {
        let sx = 0, sy = 0;
        for (const i of pix) { const yy = (i / pw) | 0; sx += i - yy * pw; sy += yy; }
        const n = pix.length;
        const mx = sx / n, my = sy / n;
        let sxx = 0, syy = 0, sxy = 0;
        for (const i of pix) {
          const yy = (i / pw) | 0;
          const dx = (i - yy * pw - mx) * gx, dy = (yy - my) * gy;
          sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
        }
        const cxx = sxx / n + (gx * gx) / 12, cyy = syy / n + (gy * gy) / 12, cxy = sxy / n;
        const tr = (cxx + cyy) / 2;
        const d = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy * cxy);
        const l1 = tr + d;
        const th = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
        const area = n * pixArea;
        const ux = Math.cos(th), uy = Math.sin(th);
        // the half-maximum region loses about a quarter pixel at each end (rounded
        // corners, partial end pixels): added back along the axis
        const L = Math.sqrt(12 * l1) + LENGTH_END_PX * (gx * Math.abs(ux) + gy * Math.abs(uy));
        const W = area / L;
        return { area, cx: px0 + mx + 0.5, cy: py0 + my + 0.5, L, W, ux, uy };
      };

      const peak = (pix: Int32Array): number => {
        const v = new Float32Array(pix.length);
        for (let k = 0; k < pix.length; k++) v[k] = z[pix[k]];
        v.sort();
        // mean of the top quarter: steadier than a high percentile on small sets
        const k0 = Math.min(v.length - 1, Math.floor(0.75 * v.length));
        let acc = 0;
        for (let k = k0; k < v.length; k++) acc += v[k];
        return acc / (v.length - k0);
      };

      /** The set and the ring of its 8-neighbours with z ≥ level (edges brought down to the half maximum). */
      const grow = (pix: Int32Array, level: number): Int32Array => {
        const mark = ++labGen * 2;
        for (const i of pix) lab[i] = mark;
        const extra: number[] = [];
        for (const i of pix) {
          const yy = (i / pw) | 0, xx = i - yy * pw;
          for (let dy = -1; dy <= 1; dy++) {
            const ny = yy + dy;
            if (ny < 0 || ny >= ph) continue;
            for (let dx = -1; dx <= 1; dx++) {
              const nx = xx + dx;
              if (nx < 0 || nx >= pw) continue;
              const j = ny * pw + nx;
              if (lab[j] !== mark && z[j] >= level) { lab[j] = mark; extra.push(j); }
            }
          }
        }
        if (!extra.length) return pix;
        const out = new Int32Array(pix.length + extra.length);
        out.set(pix);
        out.set(extra, pix.length);
        return out;
      };

      const above = (pix: Int32Array, t: number): Int32Array => pix.filter((i) => z[i] >= t);

      const emit = (pix: Int32Array, m: Measure, P: number): void => {
        const g = new Int32Array(pix.length);
        for (let k = 0; k < pix.length; k++) {
          const yy = (pix[k] / pw) | 0;
          g[k] = (py0 + yy) * w + px0 + (pix[k] - yy * pw);
        }
        cands.push({ ...m, P, pol: p === 0 ? 'bright' : 'dark', pix: g });
      };

      const split = (pix: Int32Array, m: Measure, P: number): boolean => {
        // Across the long axis (end to end) or along it (side by side).
        const axes: [number, number][] = [[m.ux, m.uy], [-m.uy, m.ux]];
        const lx = m.cx - px0 - 0.5, ly = m.cy - py0 - 0.5;
        for (let k = 0; k < 2; k++) {
          const [ax, ay] = axes[k];
          const a: number[] = [], b: number[] = [];
          // side by side (k = 1): only with a seam, a dip of the contrast along the cut
          const bw = Math.max(0.5 * gm, m.W / 8);
          let cs = 0, cn = 0, ss = 0, sn = 0;
          for (const i of pix) {
            const yy = (i / pw) | 0;
            const s = (i - yy * pw - lx) * gx * ax + (yy - ly) * gy * ay;
            (s < 0 ? a : b).push(i);
            const as = Math.abs(s);
            if (as < bw) { cs += z[i]; cn++; } else if (as < 3 * bw) { ss += z[i]; sn++; }
          }
          // end to end (k = 0): the whole must be at least about twice the shortest declared length
          if (k === 0 && m.L < 2 * lmin - 0.5 * tolL) continue;
          if (k === 1 && !(cn > 0 && sn > 0 && cs / cn < 0.9 * (ss / sn))) continue;
          if (a.length < minPix || b.length < minPix) continue;
          const pa = Int32Array.from(a), pb = Int32Array.from(b);
          const ma = measure(pa), mb = measure(pb);
          if (fitL(ma.L) && fitW(ma.W) && fitL(mb.L) && fitW(mb.W)) {
            emit(pa, ma, P);
            emit(pb, mb, P);
            return true;
          }
        }
        return false;
      };

      /** Dark object and its shadow: keep the declared mid width on the sun side. */
      const trim = (pix: Int32Array, m: Measure, forceMid = false): Int32Array | null => {
        if (!shadowDir) return null;
        let vx = -m.uy, vy = m.ux;
        const d = vx * shadowDir[0] + vy * shadowDir[1];
        if (Math.abs(d) < 0.25) return null;
        if (d < 0) { vx = -vx; vy = -vy; }
        const lx = m.cx - px0 - 0.5, ly = m.cy - py0 - 0.5;
        const t = new Float32Array(pix.length);
        for (let k = 0; k < pix.length; k++) {
          const yy = (pix[k] / pw) | 0;
          t[k] = (pix[k] - yy * pw - lx) * gx * vx + (yy - ly) * gy * vy;
        }
        const ts = t.slice().sort();
        const e = ts[Math.floor(0.02 * ts.length)] - 0.5 * gm * (Math.abs(vx) + Math.abs(vy)) / Math.SQRT2;
        // Profile of z across the blob, bins of half a pixel from the sun-side edge;
        // the object ends where the level steps (object and shadow differ), and
        // that step must lie within the declared width.
        const bs = gm / 2;
        const nbins = Math.max(1, Math.ceil((ts[ts.length - 1] - e) / bs) + 1);
        const bz = new Float64Array(nbins), bn = new Float64Array(nbins);
        for (let k = 0; k < pix.length; k++) {
          const b = Math.min(nbins - 1, Math.max(0, Math.floor((t[k] - e) / bs)));
          bz[b] += z[pix[k]];
          bn[b]++;
        }
        let best = -1, bestD = 0;
        for (let b = Math.max(1, Math.floor((wmin - 0.5 * tolW) / bs)); b <= Math.ceil((wmax + tolW) / bs) && b < nbins - 1; b++) {
          let lz = 0, ln = 0, rz = 0, rn = 0;
          for (let i = 0; i < b; i++) { lz += bz[i]; ln += bn[i]; }
          for (let i = b; i < nbins; i++) { rz += bz[i]; rn += bn[i]; }
          if (ln < minPix / 2 || rn < 2) continue;
          const L = lz / ln, Rr = rz / rn;
          const dd = Math.abs(L - Rr) / Math.max(L, Rr);
          if (dd > bestD) { bestD = dd; best = b; }
        }
        let lim = e + best * bs;
        if (forceMid || best < 0 || bestD < 0.2) {
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
      };

      const analyse = (pix: Int32Array, T: number, depth: number, raised = false): void => {
        if (pix.length < minPix) return;
        const Pall = peak(pix);
        // a piece cut out of a plateau near its own top is noise on the plateau, not an object
        if (raised && T > 0.6 * Pall) return;
        let P = Pall;
        let half = P / 2;
        if (p === 1 && shadowDir) {
          const m0 = measure(pix);
          if (m0.W > wmax && fitL(m0.L)) {
            const tp = trim(pix, m0);
            if (tp && tp.length >= minPix) { P = peak(tp); half = P / 2; }
          }
        }
        if (half > T * 1.25 && depth < 8) {
          const ps = pieces(above(pix, half));
          // one object: carry on with its half-maximum region; several: each on its own
          if (ps.length !== 1) {
            for (const c of ps) analyse(c, half, depth + 1);
            return;
          }
          pix = ps[0];
          T = half;
        }
        if (half < T) pix = grow(pix, half);
        const m = measure(pix);
        if (p === 1 && shadowDir && m.W > wmax && fitL(m.L)) {
          const tp = trim(pix, m);
          if (tp && tp.length >= minPix) {
            const mt = measure(tp);
            if (fitL(mt.L) && fitW(mt.W)) { emit(tp, mt, P); return; }
          }
          // the step, when one was found, may sit inside the object (a structure's
          // internal edge): fall back to the declared mid width on the sun side
          const tm = trim(pix, m, true);
          if (tm && tm.length >= minPix) {
            const mt = measure(tm);
            if (fitL(mt.L) && fitW(mt.W)) { emit(tm, mt, P); return; }
          }
        }
        if (fitL(m.L) && fitW(m.W)) { emit(pix, m, P); return; }
        const tooBig = m.L > lmax + tolL || m.W > wmax + tolW;
        if (!tooBig) return;
        if (m.area <= 2.6 * maxArea && m.area >= 1.5 * minArea && split(pix, m, P)) return;
        const T2 = T * 1.4;
        if (T2 < 0.85 * Pall && depth < 8) for (const c of pieces(above(pix, T2))) analyse(c, T2, depth + 1, true);
      };
      analyse(all, T0, 0);
    };

    const labels: { par: Int32Array; area: Float64Array }[] = [];
    for (const p of [0, 1] as const) {
      const lb = label(p);
      labels.push(lb);
      const R = runs[p].a;
      const n = runs[p].n / 3;
      const groups = new Map<number, number[]>();
      for (let k = 0; k < n; k++) {
        const r = find(lb.par, k);
        if (lb.area[r] < minPix) continue;
        let gp = groups.get(r);
        if (!gp) { gp = []; groups.set(r, gp); }
        gp.push(k);
      }
      if (p === 0 ? pol === 'dark' : pol === 'bright') continue; // labelled all the same, for the shadow check
      for (const gp of groups.values()) analyseComponent(p, R, gp);
    }

    // 6. Shadows: dark candidates next to a bright component of object size.
    const brightNear = (c: Candidate): boolean => {
      if (shadowDir) {
        // Sun known: bright on the sun side of the dark region and not on the other side.
        const set = new Set<number>(c.pix);
        let sunE = 0, sunB = 0, antiE = 0, antiB = 0;
        for (const g of c.pix) {
          const y = (g / w) | 0, x = g - y * w;
          for (const sgn of [-1, 1]) {
            const qx0 = x + Math.round((sgn * shadowDir[0] * gm) / gx), qy0 = y + Math.round((sgn * shadowDir[1] * gm) / gy);
            if (qx0 < x0 || qy0 < y0 || qx0 >= x1 || qy0 >= y1 || set.has(qy0 * w + qx0)) continue;
            // an edge pixel of the region on this side: bright within 1 to 3 pixels?
            let bright = 0;
            for (let k = 1; k <= 3 && !bright; k++) {
              const qx = x + Math.round((k * sgn * shadowDir[0] * gm) / gx), qy = y + Math.round((k * sgn * shadowDir[1] * gm) / gy);
              if (qx < x0 || qy < y0 || qx >= x1 || qy >= y1) break;
              if (zAt(qx, qy) >= 0.75 * T0) bright = 1;
            }
            if (sgn < 0) { sunE++; sunB += bright; } else { antiE++; antiB += bright; }
          }
        }
        return sunE > 0 && sunB >= 0.3 * sunE && !(antiE > 0 && antiB >= 0.3 * antiE);
      }
      const R = runs[0].a;
      const { par, area } = labels[0];
      let hits = 0;
      for (const g of c.pix) {
        const y = (g / w) | 0, x = g - y * w;
        for (let yy = Math.max(y0, y - 2); yy <= Math.min(y1 - 1, y + 2); yy++) {
          const rs = rowStart[0];
          for (let k = rs[yy - y0]; k < rs[yy - y0 + 1]; k++) {
            if (R[3 * k + 2] < x - 2 || R[3 * k + 1] > x + 2) continue;
            const a = area[find(par, k)] * pixArea;
            if (a >= 0.3 * minArea && a <= 10 * maxArea) hits++;
          }
        }
        if (hits >= 3) return true;
      }
      return false;
    };

    const out: Detection[] = [];
    for (const c of cands) {
      if (!inSite(c.cx, c.cy)) continue;
      if (c.pol === 'dark' && brightNear(c)) continue;
      const ll = pixelToLonLat(raster.geo, c.cx, c.cy);
      // heading: clockwise from north (up = −y)
      let hd = (Math.atan2(c.ux, -c.uy) * 180) / Math.PI;
      hd = ((hd % 180) + 180) % 180;
      // shape fit: 1 at the middle of the declared range, 0 three tolerances beyond its edge
      const lm = (lmin + lmax) / 2, wm = (wmin + wmax) / 2;
      const fl = Math.max(0, 1 - Math.abs(c.L - lm) / ((lmax - lmin) / 2 + FIT_SPAN * tolL));
      const fw = Math.max(0, 1 - Math.abs(c.W - wm) / ((wmax - wmin) / 2 + FIT_SPAN * tolW));
      const score = 0.5 * (1 - Math.exp(-c.P / (2 * T0))) + 0.25 * fl + 0.25 * fw;
      if (score < minScore) continue;
      out.push({
        lat: ll ? ll[1] : null, lon: ll ? ll[0] : null,
        x: c.cx, y: c.cy, length_m: c.L, width_m: c.W, heading_deg: hd,
        score: Math.round(score * 1000) / 1000, polarity: c.pol,
      });
    }
    out.sort((a, b) => a.y - b.y || a.x - b.x);
    return out;
  }
}

/** The default detector. */
export function detectObjects(raster: Raster, opts: DetectOptions): Detection[] {
  return new ClassicalDetector().detect(raster, opts);
}
