/**
 * `tally imagery count IMAGE --length MIN..MAX --width MIN..MAX [--site
 * SITE.geojson] [--source-gsd M] [--json]`: the objects of the declared class
 * (sized in metres) inside the site polygon, or in the whole image, found by
 * the classical detector (src/imagery/detect/).
 *
 * The site is GeoJSON in WGS 84 lon/lat (a FeatureCollection, Feature,
 * Polygon or MultiPolygon, holes allowed); it is taken through the image's
 * georeference (fromWgs84, then the inverse geotransform) to pixel
 * coordinates and rasterised at pixel centres (even-odd rule over all rings)
 * into a mask that the detector (and `imagery change`) restricts to. A site
 * that covers no pixel of the image is an error (exit 2).
 */
import {
  applyTransform,
  detectObjects,
  readGeoTiff,
  resolveGsd,
  toWgs84,
  type Detection,
  type Georeference,
  type Gsd,
  type Raster,
} from '../imagery/index.js';
import { GeographyError, readPolygons } from '../tracks/index.js';
import { detectorThreadsFromEnvironment, imageryAction, parseSourceGsd } from './imagery-common.js';
import { rasteriseRings, sitePixelRings } from '../imagery/index.js';
import { UsageError } from './util.js';

/** Parses `MIN..MAX` (positive metres, MIN ≤ MAX). */
export function parseRange(flag: string, v: string | undefined): [number, number] {
  const m =
    v === undefined
      ? null
      : /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*\.\.\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*$/i.exec(v);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || !(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) {
    throw new UsageError(
      `${flag}: expected MIN..MAX in metres with 0 < MIN <= MAX (e.g. 20..25), got ${JSON.stringify(v ?? '')}`,
    );
  }
  return [lo, hi];
}

/** A site rasterised onto an image grid. */
export interface SiteMask {
  file: string;
  names: string[];
  /** 1 inside (pixel centre inside the polygon), width × height. */
  mask: Uint8Array;
  pixels: number;
  /** Whether some of the polygon lies outside the image. */
  partial: boolean;
}

/** Reads a site file and rasterises it onto the grid of `raster`; errors (exit 2) when it covers no pixel. */
export async function siteMask(path: string, raster: Raster, image: string): Promise<SiteMask> {
  if (!raster.geo) {
    throw new UsageError(
      `${image}: the image has no georeferencing, so the site ${path} (lon/lat) cannot be placed on it`,
    );
  }
  let site;
  try {
    site = await readPolygons(path);
  } catch (e) {
    if (e instanceof GeographyError) throw new UsageError(e.message);
    throw e;
  }
  const rings = sitePixelRings(site.polygons.flat(), raster.geo);
  const { width: w, height: h } = raster;
  const mask = rasteriseRings(rings, w, h);
  let pixels = 0;
  for (let i = 0; i < mask.length; i++) pixels += mask[i];
  let partial = false;
  for (const r of rings) for (const [x, y] of r) if (x < 0 || y < 0 || x > w || y > h) partial = true;
  if (pixels === 0) {
    const [x0, y0, x1, y1] = bbox(rings);
    throw new UsageError(
      `${path}: the site polygon lies outside the image ${image} (the site spans pixels ` +
        `${x0.toFixed(1)}..${x1.toFixed(1)} × ${y0.toFixed(1)}..${y1.toFixed(1)}, the image is ${w} × ${h}); ` +
        'it covers no pixel of it',
    );
  }
  return { file: path, names: site.names, mask, pixels, partial };
}

function bbox(rings: [number, number][][]): [number, number, number, number] {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const r of rings) {
    for (const [x, y] of r) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  return [x0, y0, x1, y1];
}

/** The JSON form of a detection (the same in `count` and `change`). */
export function detectionJson(d: Detection): Record<string, unknown> {
  return {
    lat: d.lat,
    lon: d.lon,
    x: r3(d.x),
    y: r3(d.y),
    length_m: r3(d.length_m),
    width_m: r3(d.width_m),
    heading_deg: Math.round(d.heading_deg * 10) / 10,
    score: d.score,
    polarity: d.polarity,
  };
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Lat/lon of pixel position (x, y) on a georeference (null without). */
export function pixelLatLon(
  geo: Georeference | null,
  x: number,
  y: number,
): { lat: number | null; lon: number | null } {
  if (!geo) return { lat: null, lon: null };
  const [e, n] = applyTransform(geo.transform, x, y);
  const [lon, lat] = toWgs84(geo.epsg, e, n);
  return { lat, lon };
}

export interface CountCliOptions {
  length?: string;
  width?: string;
  site?: string;
  sourceGsd?: string;
  scoring?: string;
  json?: boolean;
}

export interface CountResult {
  image: string;
  site: string | null;
  site_pixels: number | null;
  gsd_m: Gsd;
  length_m: [number, number];
  width_m: [number, number];
  count: number;
  detections: Detection[];
}

export async function runImageryCount(image: string, o: CountCliOptions): Promise<CountResult> {
  const lengthM = parseRange('--length', o.length);
  const widthM = parseRange('--width', o.width);
  const sourceGsd = parseSourceGsd(o.sourceGsd);
  const raster = await readGeoTiff(image);
  const gsd = resolveGsd(raster.geo, raster.width, raster.height, sourceGsd, image);
  const site = o.site !== undefined ? await siteMask(o.site, raster, image) : null;
  if (o.scoring !== undefined && o.scoring !== 'model' && o.scoring !== 'shape') {
    throw new UsageError(`--scoring: expected model or shape, got ${JSON.stringify(o.scoring)}`);
  }
  const scoring = o.scoring as 'model' | 'shape' | undefined;
  const detections = detectObjects(raster, {
    gsd,
    lengthM,
    widthM,
    ...(site ? { site: site.mask } : {}),
    ...(scoring ? { scoring } : {}),
  });
  return {
    image,
    site: site?.file ?? null,
    site_pixels: site?.pixels ?? null,
    gsd_m: gsd,
    length_m: lengthM,
    width_m: widthM,
    count: detections.length,
    detections,
  };
}

export function countJson(r: CountResult): Record<string, unknown> {
  return { ...r, detections: r.detections.map(detectionJson) };
}

const f = (v: number, d = 2): string => v.toFixed(d);

export function detectionLine(d: Detection): string {
  const where =
    d.lat !== null && d.lon !== null ? `${d.lat.toFixed(6)}, ${d.lon.toFixed(6)}` : `pixel ${f(d.x, 1)}, ${f(d.y, 1)}`;
  return `  ${where}  ${f(d.length_m, 1)} × ${f(d.width_m, 1)} m  heading ${f(d.heading_deg, 0)}°  score ${f(d.score)}  ${d.polarity}\n`;
}

/** Adds `count` to the `tally imagery` command. */
/** `tally imagery count IMAGE`: what it prints. */
export async function countAction(image: string, o: CountCliOptions): Promise<void> {
  detectorThreadsFromEnvironment();
  await imageryAction(async () => {
    const r = await runImageryCount(image, o);
    if (o.json) {
      process.stdout.write(`${JSON.stringify(countJson(r), null, 2)}\n`);
      return;
    }
    let s =
      `${r.count} object(s) of ${r.length_m.join('..')} × ${r.width_m.join('..')} m in ${image}` +
      `${r.site ? ` inside the site ${r.site} (${r.site_pixels} px)` : ''}, GSD ${f(r.gsd_m.x, 3)} × ${f(r.gsd_m.y, 3)} m\n`;
    for (const d of r.detections) s += detectionLine(d);
    process.stdout.write(s);
  });
}
