/**
 * `tally imagery degrade IMAGE OUT --gsd METRES [--source-gsd M]`: the image
 * brought to a coarser ground sample distance by exact area averaging (see
 * src/imagery/degrade.ts), written as a GeoTIFF with its georeferencing and a
 * provenance note in ImageDescription: the input's path and sha256, the GSD
 * before and after.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { factorsForGsd } from '../imagery/index.js';
import { readDegraded } from '../imagery/index.js';
import { gsdMetres, readGeoTiffInfo, resolutionForCap, resolveGsd, writeGeoTiff, type Gsd } from '../imagery/index.js';
import { imageryAction, parseSourceGsd } from './imagery-common.js';
import { UsageError } from './util.js';

/**
 * The file's sha256, read 1 MiB at a time on this thread, yielding between
 * chunks: run beside the degrade, it fills the time the degrade waits for
 * DEFLATE blocks inflating on the thread pool (where a read stream's reads
 * would queue behind them).
 */
async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; ;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

const m = (v: number): string => String(Number(v.toPrecision(6)));
const gsdText = (g: Gsd): string => `${m(g.x)} × ${m(g.y)} m`;

export interface DegradeCliOptions {
  gsd: string;
  sourceGsd?: string;
  compression?: string;
  json?: boolean;
}

export async function runImageryDegrade(
  image: string,
  out: string,
  o: DegradeCliOptions,
): Promise<Record<string, unknown>> {
  const target = Number(o.gsd);
  if (!Number.isFinite(target) || target <= 0)
    throw new UsageError(`--gsd: expected a positive number of metres, got ${JSON.stringify(o.gsd)}`);
  const compression = o.compression ?? 'deflate';
  if (compression !== 'none' && compression !== 'deflate') {
    throw new UsageError(`--compression: expected none or deflate, got ${JSON.stringify(compression)}`);
  }
  const sourceGsd = parseSourceGsd(o.sourceGsd);
  // The header only: the pixels are read by the streaming degrade (readDegraded), which
  // gives what readGeoTiff + degradeToGsd gives without holding the full-resolution raster.
  const info = await readGeoTiffInfo(image);
  const raster = { width: info.width, height: info.height, geo: info.geo };
  // An alpha band (RGBA imagery) masks the averages when there is no nodata value, as GDAL does.
  const alphaBand = info.alphaBand;
  const before = resolveGsd(raster.geo, raster.width, raster.height, sourceGsd, image);
  const finer = resolutionForCap(before);
  if (target < finer * (1 - 1e-9)) {
    throw new UsageError(
      `${image}: its resolution is ${gsdText(before)} (finer axis ${m(finer)} m); ` +
        `--gsd ${o.gsd} is finer than that, and a degrade can only make an image coarser`,
    );
  }
  const factors = factorsForGsd(before, target);
  const [sha256, result] = await Promise.all([
    sha256File(image),
    readDegraded(image, factors.x, factors.y, alphaBand !== null ? { alphaBand } : {}),
  ]);
  // The GSD after: from the new georeference when the input has one (its own
  // GSD is authoritative), else the user's GSD times the effective factors.
  const after: Gsd = raster.geo
    ? gsdMetres(result.geo!, result.width, result.height)
    : { x: before.x * (raster.width / result.width), y: before.y * (raster.height / result.height) };
  const provenance = {
    tally: 'imagery degrade',
    method: 'exact area average (GDAL average kernel), nodata excluded',
    derived_from: { path: image, sha256 },
    size_before: [raster.width, raster.height],
    size_after: [result.width, result.height],
    gsd_before_m: { x: before.x, y: before.y },
    gsd_after_m: { x: after.x, y: after.y },
    gsd_source: raster.geo ? 'georeferencing' : 'user (--source-gsd)',
    target_gsd_m: target,
    factors: { x: raster.width / result.width, y: raster.height / result.height },
  };
  await writeGeoTiff(out, result, { compression, description: JSON.stringify(provenance) });
  return { output: out, ...provenance, requested_factors: factors };
}

/** Adds `degrade` to the `tally imagery` command. */
/** `tally imagery degrade IMAGE OUT`: what it prints. */
export async function degradeAction(image: string, out: string, o: DegradeCliOptions): Promise<void> {
  await imageryAction(async () => {
    const r = await runImageryDegrade(image, out, o);
    if (o.json) {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    } else {
      const b = r.gsd_before_m as Gsd;
      const a = r.gsd_after_m as Gsd;
      const [w0, h0] = r.size_before as number[];
      const [w1, h1] = r.size_after as number[];
      process.stdout.write(
        `${out}: ${w1} × ${h1} px at ${gsdText(a)} (from ${w0} × ${h0} px at ${gsdText(b)}, ${image})\n`,
      );
    }
  });
}
