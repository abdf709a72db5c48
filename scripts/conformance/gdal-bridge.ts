/**
 * Hands in-memory rasters to GDAL's command-line tools and reads their results
 * back, without going through Tally's own GeoTIFF code: a raster is written as
 * raw samples behind a VRT, turned into a plain GeoTIFF by gdal_translate, and
 * GDAL's outputs come back as ENVI raw files (samples) plus `gdalinfo -json`
 * (size and geotransform). Used by the degrade conformance check and its tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { BandArray, GeoTransform, Raster, SampleType } from '../../src/imagery/types.js';

const GDAL_TYPE: Record<SampleType, string> = { uint8: 'Byte', uint16: 'UInt16', int16: 'Int16', float32: 'Float32' };
const BYTES: Record<SampleType, number> = { uint8: 1, uint16: 2, int16: 2, float32: 4 };

/** GDAL's version line, or null when gdal_translate is not on PATH. */
export function gdalVersion(): string | null {
  const r = spawnSync('gdal_translate', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim();
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A scratch directory, removed by dispose(). */
export class GdalScratch {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'tally-gdal-'));
  private n = 0;

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes the raster as an uncompressed GeoTIFF through GDAL (no overviews) and returns its path. */
  toGeoTiff(r: Raster): string {
    const id = `r${this.n++}`;
    const bands = r.bands.map((b, i) => {
      const file = `${id}_b${i}.raw`;
      writeFileSync(path.join(this.dir, file), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      const bytes = BYTES[r.type];
      return (
        `<VRTRasterBand dataType="${GDAL_TYPE[r.type]}" band="${i + 1}" subClass="VRTRawRasterBand">` +
        (r.nodata !== null ? `<NoDataValue>${r.nodata}</NoDataValue>` : '') +
        `<SourceFilename relativetoVRT="1">${file}</SourceFilename><ImageOffset>0</ImageOffset>` +
        `<PixelOffset>${bytes}</PixelOffset><LineOffset>${bytes * r.width}</LineOffset><ByteOrder>LSB</ByteOrder></VRTRasterBand>`
      );
    });
    const geo = r.geo
      ? `<SRS>EPSG:${r.geo.epsg}</SRS><GeoTransform>${r.geo.transform.map((v) => v.toPrecision(17)).join(', ')}</GeoTransform>`
      : '';
    const vrt = path.join(this.dir, `${id}.vrt`);
    writeFileSync(
      vrt,
      `<VRTDataset rasterXSize="${r.width}" rasterYSize="${r.height}">${geo}${bands.join('')}</VRTDataset>`,
    );
    const tif = path.join(this.dir, `${id}.tif`);
    run('gdal_translate', ['-q', '-of', 'GTiff', vrt, tif]);
    return tif;
  }

  /** Reads a GDAL-written ENVI file back as a Raster of the given sample type. */
  readEnvi(file: string, type: SampleType, nodata: number | null): Raster {
    const info = JSON.parse(run('gdalinfo', ['-json', file])) as {
      size: [number, number];
      geoTransform?: number[];
      bands: unknown[];
    };
    const [w, h] = info.size;
    const buf = readFileSync(file);
    const n = w * h;
    const bands: BandArray[] = [];
    for (let i = 0; i < info.bands.length; i++) {
      const off = i * n * BYTES[type];
      const slice = buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + n * BYTES[type]);
      bands.push(
        type === 'uint8'
          ? new Uint8Array(slice)
          : type === 'uint16'
            ? new Uint16Array(slice)
            : type === 'int16'
              ? new Int16Array(slice)
              : new Float32Array(slice),
      );
    }
    const geo = info.geoTransform ? { epsg: 0, transform: info.geoTransform as GeoTransform } : null;
    return { width: w, height: h, type, bands, nodata, geo };
  }

  /** `gdal_translate -r average -outsize outW outH` on a GeoTIFF (overviews ignored). */
  translateAverage(tif: string, outW: number, outH: number, type: SampleType, nodata: number | null): Raster {
    const out = path.join(this.dir, `t${this.n++}.bin`);
    run('gdal_translate', [
      '-q',
      '-oo',
      'OVERVIEW_LEVEL=NONE',
      '-r',
      'average',
      '-outsize',
      String(outW),
      String(outH),
      '-of',
      'ENVI',
      '-co',
      'INTERLEAVE=BSQ',
      tif,
      out,
    ]);
    return this.readEnvi(out, type, nodata);
  }

  /**
   * `gdalwarp -r average -tr RX RY -te ...` onto the grid of `grid` (north-up):
   * the same extent and pixel size, so the pixels line up with Tally's.
   */
  warpAverage(tif: string, grid: Raster, type: SampleType, nodata: number | null): Raster {
    if (!grid.geo) throw new Error('warpAverage needs a georeferenced grid');
    const t = grid.geo.transform;
    if (t[2] !== 0 || t[4] !== 0) throw new Error('warpAverage needs a north-up grid');
    const xmin = t[0];
    const xmax = t[0] + grid.width * t[1];
    const ymax = t[3];
    const ymin = t[3] + grid.height * t[5];
    const out = path.join(this.dir, `w${this.n++}.bin`);
    const args = [
      '-q',
      '-ovr',
      'NONE',
      '-r',
      'average',
      '-tr',
      String(t[1]),
      String(-t[5]),
      '-te',
      String(xmin),
      String(ymin),
      String(xmax),
      String(ymax),
      '-of',
      'ENVI',
      '-co',
      'INTERLEAVE=BSQ',
    ];
    if (nodata !== null) args.push('-dstnodata', String(nodata));
    args.push(tif, out);
    run('gdalwarp', args);
    return this.readEnvi(out, type, nodata);
  }
}

/**
 * Largest absolute sample difference and count of differing samples, over all
 * bands. With `nodata`: samples where both sides hold a stand-in for a mean
 * that rounded to the nodata value (nodata ± 1: gdal_translate takes nodata + 1,
 * gdalwarp nodata − 1) are counted apart as `replaced`; samples that one side
 * calls nodata and the other does not (gdalwarp decides coverage its own way)
 * are counted apart as `coverage`. With `alphaBand`: the alpha band is not
 * compared, and pixels that either side makes transparent count as `coverage`.
 * Neither kind is in `differing` or `maxDiff`; callers report them.
 */
export function compareRasters(
  a: Raster,
  b: Raster,
  nodata: number | null = null,
  alphaBand: number | null = null,
): { maxDiff: number; differing: number; replaced: number; coverage: number; samples: number } {
  if (a.width !== b.width || a.height !== b.height || a.bands.length !== b.bands.length) {
    throw new Error(
      `shape differs: ${a.width}×${a.height}×${a.bands.length} vs ${b.width}×${b.height}×${b.bands.length}`,
    );
  }
  let maxDiff = 0;
  let differing = 0;
  let replaced = 0;
  let coverage = 0;
  const aa = alphaBand !== null ? a.bands[alphaBand] : null;
  const ba = alphaBand !== null ? b.bands[alphaBand] : null;
  for (let k = 0; k < a.bands.length; k++) {
    if (k === alphaBand) continue;
    const x = a.bands[k];
    const y = b.bands[k];
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - y[i]);
      if (d !== 0) {
        if (nodata !== null && Math.abs(x[i] - nodata) === 1 && Math.abs(y[i] - nodata) === 1) {
          replaced++;
          continue;
        }
        if ((nodata !== null && (x[i] === nodata || y[i] === nodata)) || (aa && ba && (aa[i] === 0 || ba[i] === 0))) {
          coverage++;
          continue;
        }
        differing++;
        if (d > maxDiff) maxDiff = d;
      }
    }
  }
  return { maxDiff, differing, replaced, coverage, samples: a.bands.length * a.width * a.height };
}
