/** `tally imagery info IMAGE`: what a GeoTIFF holds, as gdalinfo would say it. */
import { crsName, readGeoTiffInfo, resolveGsd, resolutionForCap, type ImageInfo } from '../imagery/index.js';
import { imageryAction, parseSourceGsd } from './imagery-common.js';

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(15).replace(/\.?0+$/, ''));
const pair = (p: [number, number]): string => `(${fmt(p[0])}, ${fmt(p[1])})`;

/** The JSON form of `imagery info`; `sourceGsd` serves only an image without georeferencing (its own GSD is authoritative). */
export function infoJson(info: ImageInfo, sourceGsd?: number): Record<string, unknown> {
  const user = info.gsd === null && sourceGsd !== undefined;
  const gsd = user ? { x: sourceGsd, y: sourceGsd } : info.gsd;
  return {
    file: info.path,
    format: info.format,
    size: [info.width, info.height],
    bands: info.bands,
    type: info.type,
    photometric: info.photometric,
    alpha_band: info.alphaBand,
    compression: info.compression,
    layout:
      info.format !== 'GTiff'
        ? null
        : info.tiled
          ? `tiled ${info.blockWidth}x${info.blockHeight}`
          : `striped, ${info.blockHeight} row(s) per strip`,
    planar: info.planar,
    nodata: info.nodata === null ? null : Number.isNaN(info.nodata) ? 'nan' : info.nodata,
    georeferenced: info.geo !== null,
    epsg: info.epsg,
    crs_name: info.epsg !== null ? crsName(info.epsg) : null,
    raster_type: info.rasterType,
    geotransform: info.transform,
    origin: info.transform ? [info.transform[0], info.transform[3]] : null,
    pixel_size: info.transform ? [info.transform[1], info.transform[5]] : null,
    corner_coordinates: info.corners,
    gsd_m: gsd,
    gsd_source: user ? 'user' : gsd ? 'georeferencing' : null,
    resolution_for_cap_m: gsd ? resolutionForCap(gsd) : null,
    overviews: info.overviews.map((o) => [o.width, o.height]),
    masks: info.masks.map((o) => [o.width, o.height]),
    ifd_count: info.ifdCount,
    description: info.description,
    notes: info.notes,
  };
}

function infoText(info: ImageInfo, sourceGsd?: number): string {
  const j = infoJson(info, sourceGsd);
  const L: string[] = [];
  L.push(`File: ${info.path}`);
  L.push(`Format: ${info.format}`);
  L.push(
    `Size: ${info.width} x ${info.height}, ${info.bands} band(s), ${info.type}${info.alphaBand !== null ? `, alpha is band ${info.alphaBand + 1}` : ''}`,
  );
  L.push(
    `Photometric: ${info.photometric}; compression: ${info.compression}${j['layout'] ? `; ${j['layout'] as string}` : ''}`,
  );
  if (info.nodata !== null) L.push(`NoData: ${String(j['nodata'])}`);
  if (info.epsg !== null)
    L.push(
      `CRS: EPSG:${info.epsg}${crsName(info.epsg) ? ` (${crsName(info.epsg)})` : ''}${info.rasterType === 'point' ? ', PixelIsPoint' : ''}`,
    );
  if (info.transform) {
    const t = info.transform;
    L.push(`Origin: ${pair([t[0], t[3]])}`);
    L.push(
      `Pixel size: ${pair([t[1], t[5]])}${t[2] !== 0 || t[4] !== 0 ? ` (rotated: row/column terms ${fmt(t[2])}, ${fmt(t[4])})` : ''}`,
    );
    L.push(`GeoTransform: ${t.map(fmt).join(', ')}`);
  }
  if (info.corners) {
    const c = info.corners;
    L.push('Corner coordinates:');
    L.push(`  Upper left  ${pair(c.upperLeft)}`);
    L.push(`  Lower left  ${pair(c.lowerLeft)}`);
    L.push(`  Upper right ${pair(c.upperRight)}`);
    L.push(`  Lower right ${pair(c.lowerRight)}`);
    L.push(`  Center      ${pair(c.center)}`);
  }
  const gsd = j['gsd_m'] as { x: number; y: number } | null;
  if (gsd)
    L.push(
      `GSD: ${gsd.x.toPrecision(4)} m x ${gsd.y.toPrecision(4)} m${j['gsd_source'] === 'user' ? ' (from --source-gsd)' : ''}; resolution for the cap: ${resolutionForCap(gsd).toPrecision(4)} m`,
    );
  if (info.overviews.length) L.push(`Overviews: ${info.overviews.map((o) => `${o.width}x${o.height}`).join(', ')}`);
  if (info.masks.length) L.push(`Masks: ${info.masks.map((o) => `${o.width}x${o.height}`).join(', ')}`);
  if (info.description) L.push(`Description: ${info.description}`);
  for (const n of info.notes) L.push(`Note: ${n}`);
  return L.join('\n') + '\n';
}

/** `tally imagery info IMAGE`: what it prints. */
export async function infoAction(image: string, opts: { json?: boolean; sourceGsd?: string }): Promise<void> {
  await imageryAction(async () => {
    const sourceGsd = parseSourceGsd(opts.sourceGsd);
    const info = await readGeoTiffInfo(image);
    // A --source-gsd that disagrees with the image's own is refused, with both values.
    if (info.geo && sourceGsd !== undefined) resolveGsd(info.geo, info.width, info.height, sourceGsd, image);
    process.stdout.write(
      opts.json ? JSON.stringify(infoJson(info, sourceGsd), null, 2) + '\n' : infoText(info, sourceGsd),
    );
  });
}
