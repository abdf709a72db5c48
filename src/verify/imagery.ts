/**
 * The imagery side of the custody chain: each pass over a declared site is
 * checked against the resolution cap (finer imagery is a finding, and is
 * degraded to the cap before it is looked at); a pass counts only where it
 * can show the items (its coarser axis at most half the smallest declared
 * width) and the ground inside the site is visible (imagery/visibility.ts:
 * no cloud, haze, snow, blank, saturated or nodata ground that could hide
 * an item); then the items of the declared class are counted inside the
 * site polygon. A crop of the site, with what was found, goes to the report.
 */
import sharp from 'sharp';
import type { GeoJsonFeature, ImageryEvidence, ItemClass } from '../case/index.js';
import {
  degradeToGsd,
  detectObjects,
  gsdMetres,
  judgeVisibility,
  rasteriseRings,
  siteAreaPx,
  readGeoTiff,
  resolutionForCap,
  resolveGsd,
  sitePixelRings,
  visibilityProblem,
  type Detection,
  type Gsd,
  type Raster,
  type Visibility,
} from '../imagery/index.js';

/** A tolerance on the cap: a GSD within 0.1 % of it is at the cap (float round-off in geotransforms). */
const CAP_TOLERANCE = 1e-3;

export interface PassAnalysis {
  evidence: ImageryEvidence;
  timeMs: number;
  gsd: Gsd | null;
  /** The resolution the cap rule compares (the finer axis), metres. */
  resolutionM: number | null;
  finerThanCap: boolean;
  analysedGsdM: number | null;
  coversSite: boolean;
  /** Whether the ground inside the site could be seen, and how much could not; null when not judged. */
  visibility: Visibility | null;
  detections: Detection[];
  count: number | null;
  /** Why the pass could not be used, when it could not. */
  problem: string | null;
  crop: {
    png: Uint8Array;
    width: number;
    height: number;
    detections: { x: number; y: number; length_px: number; width_px: number; heading_deg: number; score: number }[];
    outline: [number, number][][];
  } | null;
}

/** Metres of margin around the site in the report's crop, as a fraction of the site's size. */
const CROP_MARGIN = 0.15;
const CROP_MAX_PX = 400;

/** Counts the items of `classes` inside the site on one pass. */
export async function analysePass(
  abs: string,
  evidence: ImageryEvidence,
  site: GeoJsonFeature,
  classes: ItemClass[],
  capM: number,
  timeMs: number,
): Promise<PassAnalysis> {
  const out: PassAnalysis = {
    evidence,
    timeMs,
    gsd: null,
    resolutionM: null,
    finerThanCap: false,
    analysedGsdM: null,
    coversSite: false,
    visibility: null,
    detections: [],
    count: null,
    problem: null,
    crop: null,
  };
  let raster: Raster;
  try {
    raster = await readGeoTiff(abs);
    out.gsd = resolveGsd(raster.geo, raster.width, raster.height, evidence.source_gsd_m, evidence.path);
  } catch (e) {
    out.problem = `cannot be read as georeferenced imagery: ${(e as Error).message}`;
    return out;
  }
  out.resolutionM = resolutionForCap(out.gsd);
  out.finerThanCap = out.resolutionM < capM * (1 - CAP_TOLERANCE);
  let gsd = out.gsd;
  if (out.finerThanCap) {
    // The agreement allows nothing finer than the cap to be looked at: degrade first.
    raster = degradeToGsd(raster, gsd, capM);
    gsd = raster.geo ? gsdMetres(raster.geo, raster.width, raster.height) : { x: capM, y: capM };
  }
  out.analysedGsdM = Math.max(gsd.x, gsd.y);
  if (!raster.geo) {
    out.problem = 'has no georeferencing: the site cannot be placed on it';
    return out;
  }
  const polys = (site.geometry.type === 'Polygon' ? [site.geometry.coordinates] : site.geometry.coordinates) as [
    number,
    number,
  ][][][];
  const rings = sitePixelRings(polys, raster.geo);
  const mask = rasteriseRings(rings, raster.width, raster.height);
  let pixels = 0;
  for (let i = 0; i < mask.length; i++) pixels += mask[i];
  if (pixels === 0) {
    out.problem = `does not cover the site ${site.properties.id}`;
    return out;
  }
  out.coversSite = true;
  // What the pass can show: its coarser axis at most half the smallest declared width (design: SITE_UNOBSERVED).
  const minWidth = Math.min(...classes.map((c) => c.width_m[0]));
  const problems: string[] = [];
  if (out.analysedGsdM > (minWidth / 2) * (1 + CAP_TOLERANCE)) {
    problems.push(
      `at ${fmtGsd(out.analysedGsdM)} m it cannot show the items: the resolution must be at most half the smallest declared width (${fmtGsd(minWidth)} m), ${fmtGsd(minWidth / 2)} m`,
    );
  }
  const { inside, whole } = siteAreaPx(
    polys.map((p) => sitePixelRings([p], raster.geo!)),
    raster.width,
    raster.height,
  );
  const smallestItemM2 = Math.min(...classes.map((c) => c.length_m[0] * c.width_m[0]));
  out.visibility = judgeVisibility(raster, gsd, mask, whole - inside, smallestItemM2);
  if (!out.visibility.visible) problems.push(visibilityProblem(out.visibility));
  if (problems.length) {
    out.problem = problems.join('; ');
    return out;
  }
  for (const c of classes) {
    const opts: Parameters<typeof detectObjects>[1] = { gsd, lengthM: c.length_m, widthM: c.width_m, site: mask };
    if (c.height_m !== undefined) opts.heightM = c.height_m;
    out.detections.push(...detectObjects(raster, opts));
  }
  out.count = out.detections.length;
  out.crop = await cropOf(raster, rings, out.detections, gsd);
  return out;
}

/** The site with a margin, as an 8-bit grey PNG no larger than CROP_MAX_PX, with detections and outline in its pixels. */
async function cropOf(
  r: Raster,
  rings: [number, number][][],
  dets: Detection[],
  gsd: Gsd,
): Promise<PassAnalysis['crop']> {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const ring of rings) {
    for (const [x, y] of ring) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  const mx = (x1 - x0) * CROP_MARGIN + 4;
  const my = (y1 - y0) * CROP_MARGIN + 4;
  const cx0 = Math.max(0, Math.floor(x0 - mx));
  const cy0 = Math.max(0, Math.floor(y0 - my));
  const cx1 = Math.min(r.width, Math.ceil(x1 + mx));
  const cy1 = Math.min(r.height, Math.ceil(y1 + my));
  const w = cx1 - cx0;
  const h = cy1 - cy0;
  if (w <= 0 || h <= 0) return null;
  const grey = new Uint8Array(w * h);
  const bands = r.bands.length >= 3 ? r.bands.slice(0, 3) : [r.bands[0]];
  // A 2-98 % stretch keeps 16-bit and dim scenes readable.
  const sample = (i: number): number =>
    bands.length === 3 ? 0.299 * bands[0][i] + 0.587 * bands[1][i] + 0.114 * bands[2][i] : bands[0][i];
  const vals: number[] = [];
  const step = Math.max(1, Math.floor((w * h) / 20000));
  for (let k = 0; k < w * h; k += step) vals.push(sample((cy0 + Math.floor(k / w)) * r.width + cx0 + (k % w)));
  vals.sort((a, b) => a - b);
  const lo = vals[Math.floor(vals.length * 0.02)] ?? 0;
  const hi = vals[Math.floor(vals.length * 0.98)] ?? 255;
  const scale = hi > lo ? 255 / (hi - lo) : 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = (sample((cy0 + y) * r.width + cx0 + x) - lo) * scale;
      grey[y * w + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  const k = Math.min(1, CROP_MAX_PX / Math.max(w, h));
  const ow = Math.max(1, Math.round(w * k));
  const oh = Math.max(1, Math.round(h * k));
  let img = sharp(Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength), {
    raw: { width: w, height: h, channels: 1 },
  });
  if (k < 1) img = img.resize(ow, oh, { kernel: 'lanczos3' });
  const png = new Uint8Array(await img.png({ compressionLevel: 9, palette: true, colours: 32, dither: 0 }).toBuffer());
  const sx = ow / w;
  const sy = oh / h;
  return {
    png,
    width: ow,
    height: oh,
    detections: dets.map((d) => ({
      x: round1((d.x - cx0) * sx),
      y: round1((d.y - cy0) * sy),
      length_px: round1((d.length_m / gsd.x) * sx),
      width_px: round1((d.width_m / gsd.x) * sx),
      heading_deg: round1(d.heading_deg),
      score: Math.round(d.score * 1000) / 1000,
    })),
    outline: rings.map((ring) =>
      ring.map(([x, y]) => [round1((x - cx0) * sx), round1((y - cy0) * sy)] as [number, number]),
    ),
  };
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const fmtGsd = (v: number): string => String(Number(v.toPrecision(3)));
