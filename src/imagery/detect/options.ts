/**
 * What the caller asks of the detector (DetectOptions), and what the
 * detector derives from it once per image: the declared class in the
 * image's terms (sizes and their tolerances, areas, the GSD), the sun's
 * geometry (where shadows fall and how far), and the region the site
 * allows.
 */
import type { Detection, Gsd, Raster } from '../types.js';
import {
  LENGTH_TOL,
  LENGTH_TOL_PX,
  MIN_AREA,
  MIN_PIXELS,
  MIN_SUN_ELEVATION_DEG,
  SITE_MARGIN_PX,
  WIDTH_TOL,
  WIDTH_TOL_PX,
} from './params.js';

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
  /** Detections scoring below this are dropped (default: the model's threshold in score-model.txt for its probability, 0.7 for the shape score). */
  minScore?: number;
  /**
   * How candidates are scored: 'model' (default), the boosted trees learned
   * from generated scenes (score-model.txt, scripts/imagery-train.ts), for
   * vehicle-like rectangles; 'shape', contrast and fit to the declared size
   * only (no learned weights; use it for other shapes, such as aircraft: see
   * the README for both on real imagery).
   */
  scoring?: 'model' | 'shape';
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

/** The declared class in the image's terms. Sizes in metres, areas in square metres. */
export interface DeclaredClass {
  /** GSD along x and y, and their geometric mean. */
  gx: number;
  gy: number;
  gm: number;
  /** Area of one pixel. */
  pixArea: number;
  lmin: number;
  lmax: number;
  wmin: number;
  wmax: number;
  /** Tolerances: how far a measured length or width may fall outside the declared range. */
  tolL: number;
  tolW: number;
  minArea: number;
  maxArea: number;
  /** Fewest pixels of a candidate. */
  minPix: number;
}

/** The declared class of the options; throws on a GSD or a size range that cannot be. */
export function declaredClass(opts: DetectOptions): DeclaredClass {
  const gx = opts.gsd.x;
  const gy = opts.gsd.y;
  if (!(gx > 0 && gy > 0)) throw new Error('detect: the GSD must be positive');
  const [lmin, lmax] = opts.lengthM;
  const [wmin, wmax] = opts.widthM;
  if (!(lmin > 0 && lmax >= lmin && wmin > 0 && wmax >= wmin)) throw new Error('detect: bad length or width range');
  const gm = Math.sqrt(gx * gy);
  const minArea = lmin * wmin;
  const pixArea = gx * gy;
  return {
    gx,
    gy,
    gm,
    pixArea,
    lmin,
    lmax,
    wmin,
    wmax,
    tolL: Math.max(LENGTH_TOL * lmax, LENGTH_TOL_PX * gm),
    tolW: Math.max(WIDTH_TOL * wmax, WIDTH_TOL_PX * gm),
    minArea,
    maxArea: lmax * wmax,
    minPix: Math.max(MIN_PIXELS, (MIN_AREA * minArea) / pixArea),
  };
}

/** A length within the declared range, widened by its tolerance. */
export function fitsLength(cls: DeclaredClass, L: number): boolean {
  return L >= cls.lmin - cls.tolL && L <= cls.lmax + cls.tolL;
}

/** A width within the declared range, widened by its tolerance. */
export function fitsWidth(cls: DeclaredClass, W: number): boolean {
  return W >= cls.wmin - cls.tolW && W <= cls.wmax + cls.tolW;
}

/** Where shadows fall and how far, as far as the options tell. */
export interface Sun {
  /** Direction in which shadows fall, image axes (x right, y down), metres space; null without the sun's azimuth. */
  shadowDir: [number, number] | null;
  /** The longest shadow, metres; null without the azimuth, the elevation or the class's height. */
  maxShadowM: number | null;
}

export function sunOf(opts: DetectOptions): Sun {
  const shadowDir: [number, number] | null =
    opts.sunAzimuthDeg === undefined
      ? null
      : [-Math.sin((opts.sunAzimuthDeg * Math.PI) / 180), Math.cos((opts.sunAzimuthDeg * Math.PI) / 180)];
  const maxShadowM =
    shadowDir && opts.sunElevationDeg !== undefined && opts.heightM !== undefined
      ? opts.heightM / Math.tan((Math.max(MIN_SUN_ELEVATION_DEG, opts.sunElevationDeg) * Math.PI) / 180)
      : null;
  return { shadowDir, maxShadowM };
}

/** How far the longest shadow reaches across and along an axis (metres), null when the sun or the height is not given. */
export function shadowReach(sun: Sun, ux: number, uy: number): [number, number] | null {
  const { shadowDir, maxShadowM } = sun;
  return shadowDir && maxShadowM !== null
    ? [
        maxShadowM * Math.abs(-uy * shadowDir[0] + ux * shadowDir[1]),
        maxShadowM * Math.abs(ux * shadowDir[0] + uy * shadowDir[1]),
      ]
    : null;
}

/** The part of the image the detector looks at: columns x0 … x1 − 1, rows y0 … y1 − 1. */
export interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Whether a candidate centred at (x, y) (pixel coordinates) lies inside the site. */
  inSite: (x: number, y: number) => boolean;
}

/**
 * The region of interest: the site polygon's bounding box and a margin of
 * one longest length (the whole image for a mask or no site); null when
 * that leaves nothing. Throws on a mask or polygon that cannot be.
 */
export function siteRegion(w: number, h: number, site: DetectOptions['site'], cls: DeclaredClass): Region | null {
  if (site instanceof Uint8Array) {
    if (site.length !== w * h) throw new Error('detect: the site mask must have width × height samples');
    const inSite = (x: number, y: number): boolean =>
      site[Math.min(h - 1, Math.max(0, Math.floor(y))) * w + Math.min(w - 1, Math.max(0, Math.floor(x)))] !== 0;
    return { x0: 0, y0: 0, x1: w, y1: h, inSite };
  }
  if (!site) return { x0: 0, y0: 0, x1: w, y1: h, inSite: () => true };
  if (site.length < 3) throw new Error('detect: the site polygon needs at least 3 vertices');
  const xs = site.map((p) => p[0]);
  const ys = site.map((p) => p[1]);
  const mx = Math.ceil(cls.lmax / cls.gx) + SITE_MARGIN_PX;
  const my = Math.ceil(cls.lmax / cls.gy) + SITE_MARGIN_PX;
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - mx);
  const x1 = Math.min(w, Math.ceil(Math.max(...xs)) + mx);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)) - my);
  const y1 = Math.min(h, Math.ceil(Math.max(...ys)) + my);
  if (x0 >= x1 || y0 >= y1) return null;
  return { x0, y0, x1, y1, inSite: (x, y) => pointInPolygon(site, x, y) };
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
