/** `tally imagery ...`: the imagery stage's commands. */
import type { Command } from 'commander';
import { crsName, ImageryError, readGeoTiffInfo, resolutionForCap, type ImageInfo } from '../imagery/index.js';
import { UsageError } from './util.js';

/** Runs an imagery action, turning bad input (ImageryError) into a usage error: message, exit status 2. */
export async function imageryAction(f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof ImageryError) throw new UsageError(e.message);
    throw e;
  }
}

/** Parses `--source-gsd`. */
export function parseSourceGsd(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--source-gsd: expected a positive number of metres, got ${JSON.stringify(v)}`);
  return n;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(15).replace(/\.?0+$/, ''));
const pair = (p: [number, number]): string => `(${fmt(p[0])}, ${fmt(p[1])})`;

/** The JSON form of `imagery info`. */
export function infoJson(info: ImageInfo, sourceGsd?: number): Record<string, unknown> {
  const gsd = sourceGsd !== undefined ? { x: sourceGsd, y: sourceGsd } : info.gsd;
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
    gsd_source: sourceGsd !== undefined ? 'user' : gsd ? 'georeferencing' : null,
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
      `GSD: ${gsd.x.toPrecision(4)} m x ${gsd.y.toPrecision(4)} m${sourceGsd !== undefined ? ' (from --source-gsd)' : ''}; resolution for the cap: ${resolutionForCap(gsd).toPrecision(4)} m`,
    );
  if (info.overviews.length) L.push(`Overviews: ${info.overviews.map((o) => `${o.width}x${o.height}`).join(', ')}`);
  if (info.masks.length) L.push(`Masks: ${info.masks.map((o) => `${o.width}x${o.height}`).join(', ')}`);
  if (info.description) L.push(`Description: ${info.description}`);
  for (const n of info.notes) L.push(`Note: ${n}`);
  return L.join('\n') + '\n';
}

export function registerImagery(program: Command): Command {
  const imagery = program
    .command('imagery')
    .description('overhead imagery: inspect, degrade to the resolution cap, count objects, detect change');
  imagery
    .command('info')
    .description(
      'size, bands, sample type, CRS, geotransform, corners and GSD of an image (exit 0 also when it has no georeferencing)',
    )
    .argument('<image>', 'GeoTIFF / COG (or JPEG / PNG, without georeferencing)')
    .option('--json', 'print one JSON object')
    .option('--source-gsd <metres>', 'ground resolution to assume (for images without georeferencing)')
    .action(async (image: string, opts: { json?: boolean; sourceGsd?: string }) => {
      await imageryAction(async () => {
        const sourceGsd = parseSourceGsd(opts.sourceGsd);
        const info = await readGeoTiffInfo(image);
        process.stdout.write(
          opts.json ? JSON.stringify(infoJson(info, sourceGsd), null, 2) + '\n' : infoText(info, sourceGsd),
        );
      });
    });
  return imagery;
}
