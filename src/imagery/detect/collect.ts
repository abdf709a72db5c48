/**
 * Every candidate of an image with its features, before the score: what the
 * detector scores, and what scripts/imagery-train.ts learns the score from.
 * The steps in order, each in its own file:
 *
 *   0   luminance.ts    the luminance (smoothed) and its quantisation
 *   1–4 background.ts   background (coarse, fine) and noise: z
 *   5   components.ts   threshold into runs, components by union-find
 *   4–6 candidates.ts   each component in its patch (patch.ts): cut at half
 *                       maximum, measured, split (split.ts), shadows taken
 *                       off dark objects (own-shadow.ts); the second look
 *   6   shadows.ts      shadows of bright objects dropped, the scene's
 *                       shadow ratio
 *   7   refine-pass.ts  profile fits (refine.ts) and where they put it
 *   8   features.ts     the score's features (levels.ts for the levels)
 *
 * The passes over every pixel (steps 0–5) run by row strips or block rows on
 * worker threads (pool.ts) on regions of PARALLEL_MIN_PIXELS or more.
 */
import { applyTransform, isSupportedEpsg, toWgs84 } from '../crs.js';
import type { Detection, Georeference, Raster } from '../types.js';
import { fitBackground } from './background.js';
import type { Scene } from './candidate.js';
import { findCandidates } from './candidates.js';
import { thresholdRegion } from './components.js';
import { featureVector } from './features.js';
import { groundLevels } from './levels.js';
import { luminance, type PixelPass, quantisation } from './luminance.js';
import { type DetectOptions, declaredClass, shadowReach, siteRegion, sunOf } from './options.js';
import { COARSE_BLOCK_MAX_PX, COARSE_BLOCK_MIN_PX, DEFAULT_THRESHOLD_Z, LOW_T, PARALLEL_MIN_PIXELS } from './params.js';
import { getPool, sharedCopy } from './pool.js';
import type { Refined } from './refine.js';
import { fitProfiles, placeByFit } from './refine-pass.js';
import { shapeScore } from './score.js';
import { dropShadows, type Kept } from './shadows.js';

/** A candidate before its score: the detection (score 0), its features (SCORE_FEATURES) and its shape score. */
export interface Collected {
  detection: Detection;
  features: Float64Array;
  shape: number;
}

/**
 * Pixel coordinates (pixel centres at .5) to [lon, lat] through crs.ts, or
 * null without a georeference or with a CRS that crs.ts does not know.
 */
export function pixelToLonLat(geo: Georeference | null, x: number, y: number): [number, number] | null {
  if (!geo || !isSupportedEpsg(geo.epsg)) return null;
  const [e, n] = applyTransform(geo.transform, x, y);
  return toWgs84(geo.epsg, e, n);
}

/** Every candidate of the image with its features, in the order found. */
export function collectCandidates(raster: Raster, opts: DetectOptions): Collected[] {
  const { width: w, height: h } = raster;
  const cls = declaredClass(opts);
  const T = opts.threshold ?? DEFAULT_THRESHOLD_Z;
  // large images: the smoothed luminance goes straight into shared memory for the workers
  const lumi = luminance(raster, w * h >= PARALLEL_MIN_PIXELS ? getPool() : null);
  const region = siteRegion(w, h, opts.site, cls);
  if (!region) return [];
  const quant = quantisation(raster, lumi);
  if (!quant) return [];
  const { x0, y0, x1, y1 } = region;
  const rw = x1 - x0,
    rh = y1 - y0;
  const pool = rw * rh >= PARALLEL_MIN_PIXELS ? getPool() : null;
  const lum = pool && !(lumi.lum.buffer instanceof SharedArrayBuffer) ? sharedCopy(lumi.lum) : lumi.lum;
  const pass: PixelPass = { lum, width: w, x0, y0, y1, rw, rh, nodata: raster.nodata, lo: quant.lo };
  const block = Math.max(COARSE_BLOCK_MIN_PX, Math.min(COARSE_BLOCK_MAX_PX, Math.round(cls.lmax / cls.gm)));
  const bg = fitBackground(pass, block, quant, pool);
  if (!bg) return [];
  const th = thresholdRegion(pass, bg, T, LOW_T * T, pool);
  const scene: Scene = { pass, bg, cls, sun: sunOf(opts), region, T };
  const { found, brightLabels } = findCandidates(scene, th, opts.polarity ?? 'both');
  const { kept, shadowRatio } = dropShadows(scene, found, th.atT[0], brightLabels);
  const { shadowDir, maxShadowM } = scene.sun;
  const fits = fitProfiles(
    pass,
    bg,
    { x0, y0, x1, y1, gx: cls.gx, gy: cls.gy, shadow: shadowDir, maxShadowM },
    kept.map((k) => k.candidate),
    pool,
  );
  return kept.map((k, i) => collected(scene, raster.geo, k, fits[i], shadowRatio));
}

/** A kept candidate placed by its fit: the detection, the features and the shape score. */
function collected(
  scene: Scene,
  geo: Georeference | null,
  k: Kept,
  fit: Refined | null,
  shadowRatio: number,
): Collected {
  const found = k.candidate;
  const { placed: c, moved } = placeByFit(scene, found, fit);
  const reach = shadowReach(scene.sun, c.ux, c.uy);
  const features = featureVector({
    cls: scene.cls,
    T: scene.T,
    found,
    placed: c,
    fit,
    moved,
    reach,
    sunKnown: scene.sun.shadowDir !== null,
    sunFrac: k.sunFrac,
    shadowRatio,
    levels: groundLevels(scene, c, reach ? reach[0] : 0),
  });
  // heading: clockwise from north (up = −y)
  let hd = (Math.atan2(c.ux, -c.uy) * 180) / Math.PI;
  hd = ((hd % 180) + 180) % 180;
  const ll = pixelToLonLat(geo, c.cx, c.cy);
  return {
    detection: {
      lat: ll ? ll[1] : null,
      lon: ll ? ll[0] : null,
      x: c.cx,
      y: c.cy,
      length_m: c.L,
      width_m: c.W,
      heading_deg: hd,
      score: 0,
      polarity: c.polarity,
    },
    features,
    shape: shapeScore(scene.cls, scene.T, c),
  };
}
