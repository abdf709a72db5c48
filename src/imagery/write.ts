/**
 * Writing GeoTIFF: a baseline little-endian TIFF (classic, under 4 GiB) with
 * its IFD first, then the pixel blocks; chunky (PlanarConfiguration 1),
 * Predictor none, uncompressed or DEFLATE (node:zlib), striped or tiled; the
 * GeoTIFF tags (ModelPixelScale + ModelTiepoint when north-up,
 * ModelTransformation otherwise; GeoKeyDirectory with the EPSG code,
 * GTModelType, GTRasterType PixelIsArea), GDAL_NODATA, and the provenance in
 * ImageDescription.
 */
import { writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import { ImageryError } from './errors.js';
import { isGeographic, isSupportedEpsg } from './crs.js';
import type { BandArray, Raster, SampleType } from './types.js';

const deflateAsync = promisify(deflate);

export interface WriteOptions {
  compression?: 'none' | 'deflate';
  /** Tile edge in pixels (a multiple of 16); striped when absent. */
  tileSize?: number;
  /** What the image was derived from (a sha256 or a path): recorded in ImageDescription. */
  derivedFrom?: string;
  /** The command that derived it, e.g. 'tally imagery degrade --gsd 0.3'. */
  derivedBy?: string;
  /** ImageDescription verbatim (overrides derivedFrom / derivedBy). */
  description?: string;
  /** The last band is alpha (ExtraSamples 2, unassociated). */
  alpha?: boolean;
  /** Photometric interpretation; default RGB for 3 or 4 uint8 bands (as GDAL), else minisblack. */
  photometric?: 'minisblack' | 'rgb';
  /** GTRasterTypeGeoKey; the geotransform read back is the same either way. Default 'area'. */
  rasterType?: 'area' | 'point';
  /** DEFLATE level 1–9 (default 6). */
  level?: number;
}

// TIFF field types.
const SHORT = 3;
const LONG = 4;
const ASCII = 2;
const DOUBLE = 12;

interface Entry {
  tag: number;
  type: number;
  values: number[] | string;
}

const BYTES: Record<SampleType, number> = { uint8: 1, uint16: 2, int16: 2, float32: 4 };
const FORMAT: Record<SampleType, number> = { uint8: 1, uint16: 1, int16: 2, float32: 3 };

function checkRaster(path: string, r: Raster): void {
  const n = r.width * r.height;
  if (!Number.isInteger(r.width) || !Number.isInteger(r.height) || r.width < 1 || r.height < 1) {
    throw new ImageryError('BAD_RASTER', `${path}: raster size ${r.width} × ${r.height} is not valid`, path);
  }
  if (r.bands.length < 1) throw new ImageryError('BAD_RASTER', `${path}: raster has no bands`, path);
  const ctor = { uint8: Uint8Array, uint16: Uint16Array, int16: Int16Array, float32: Float32Array }[r.type];
  for (const b of r.bands) {
    if (!(b instanceof ctor) || b.length !== n) {
      throw new ImageryError('BAD_RASTER', `${path}: every band must be a ${ctor.name} of ${n} samples`, path);
    }
  }
  if (r.geo) {
    if (!isSupportedEpsg(r.geo.epsg))
      throw new ImageryError('UNSUPPORTED_CRS', `${path}: EPSG:${r.geo.epsg} is not supported`, path);
    if (!r.geo.transform.every(Number.isFinite))
      throw new ImageryError('BAD_RASTER', `${path}: geotransform is not finite`, path);
  }
}

/** Copies the block (x0, y0, w × h, clipped to the raster) into a chunky little-endian buffer of bw × bh pixels. */
function packBlock(r: Raster, x0: number, y0: number, bw: number, bh: number): Buffer {
  const nb = r.bands.length;
  const bps = BYTES[r.type];
  const buf = Buffer.alloc(bw * bh * nb * bps);
  const cw = Math.min(bw, r.width - x0);
  const ch = Math.min(bh, r.height - y0);
  const swap = endianness() !== 'LE';
  if (bps === 1) {
    const out = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    for (let b = 0; b < nb; b++) {
      const band = r.bands[b] as Uint8Array;
      for (let y = 0; y < ch; y++) {
        let s = (y0 + y) * r.width + x0;
        let d = y * bw * nb + b;
        if (nb === 1) out.set(band.subarray(s, s + cw), d);
        else for (let x = 0; x < cw; x++, s++, d += nb) out[d] = band[s]!;
      }
    }
    return buf;
  }
  const Ctor = r.type === 'float32' ? Float32Array : r.type === 'int16' ? Int16Array : Uint16Array;
  const out = new Ctor(buf.buffer, buf.byteOffset, bw * bh * nb);
  for (let b = 0; b < nb; b++) {
    const band = r.bands[b] as BandArray;
    for (let y = 0; y < ch; y++) {
      let s = (y0 + y) * r.width + x0;
      let d = y * bw * nb + b;
      for (let x = 0; x < cw; x++, s++, d += nb) out[d] = band[s]!;
    }
  }
  if (swap) {
    if (bps === 2) buf.swap16();
    else buf.swap32();
  }
  return buf;
}

function geoKeyDirectory(epsg: number, rasterType: 'area' | 'point'): number[] {
  const geographic = isGeographic(epsg);
  const keys: [number, number][] = [
    [1024, geographic ? 2 : 1], // GTModelTypeGeoKey: 1 projected, 2 geographic
    [1025, rasterType === 'point' ? 2 : 1], // GTRasterTypeGeoKey: 1 PixelIsArea
  ];
  if (geographic)
    keys.push([2048, epsg], [2054, 9102]); // GeographicTypeGeoKey, GeogAngularUnitsGeoKey = degree
  else keys.push([3072, epsg], [3076, 9001]); // ProjectedCSTypeGeoKey, ProjLinearUnitsGeoKey = metre
  const out = [1, 1, 0, keys.length];
  for (const [k, v] of keys) out.push(k, 0, 1, v);
  return out;
}

function formatNodata(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  return Number.isInteger(v) ? String(v) : v.toPrecision(17).replace(/\.?0+$/, '');
}

/** The pixel blocks, packed (and compressed): tiles of `tile`, or strips of about 64 KiB. */
async function pixelBlocks(
  raster: Raster,
  opts: WriteOptions,
  tile: number | undefined,
): Promise<{ blocks: Buffer[]; bh: number }> {
  const { width, height, type } = raster;
  const nb = raster.bands.length;
  const bps = BYTES[type];
  const bw = tile ?? width;
  const bh = tile ?? Math.max(1, Math.min(height, Math.floor((1 << 16) / Math.max(1, width * nb * bps))));
  const across = Math.ceil(width / bw);
  const down = Math.ceil(height / bh);
  const raw: Buffer[] = [];
  for (let by = 0; by < down; by++) {
    for (let bx = 0; bx < across; bx++) {
      const rows = tile ? bh : Math.min(bh, height - by * bh);
      raw.push(packBlock(raster, bx * bw, by * bh, bw, rows));
    }
  }
  if ((opts.compression ?? 'none') !== 'deflate') return { blocks: raw, bh };
  const level = opts.level ?? 6;
  const blocks: Buffer[] = [];
  const batch = 64;
  for (let i = 0; i < raw.length; i += batch) {
    blocks.push(...(await Promise.all(raw.slice(i, i + batch).map((b) => deflateAsync(b, { level })))));
  }
  return { blocks, bh };
}

/** The GeoTIFF tags: georeferencing (pixel scale and tie point when north-up, else the transformation) and its keys. */
function geoEntries(raster: Raster, opts: WriteOptions): Entry[] {
  if (!raster.geo) return [];
  const entries: Entry[] = [];
  const t = raster.geo.transform;
  const rasterType = opts.rasterType ?? 'area';
  // PixelIsPoint: the tie point names the centre of pixel (0, 0); readers move it back by half a pixel.
  const ox = rasterType === 'point' ? t[0] + 0.5 * t[1] + 0.5 * t[2] : t[0];
  const oy = rasterType === 'point' ? t[3] + 0.5 * t[4] + 0.5 * t[5] : t[3];
  if (t[2] === 0 && t[4] === 0 && t[5] < 0 && t[1] > 0) {
    entries.push({ tag: 33550, type: DOUBLE, values: [t[1], -t[5], 0] });
    entries.push({ tag: 33922, type: DOUBLE, values: [0, 0, 0, ox, oy, 0] });
  } else {
    entries.push({
      tag: 34264,
      type: DOUBLE,
      values: [t[1], t[2], 0, ox, t[4], t[5], 0, oy, 0, 0, 0, 0, 0, 0, 0, 1],
    });
  }
  entries.push({ tag: 34735, type: SHORT, values: geoKeyDirectory(raster.geo.epsg, rasterType) });
  return entries;
}

/**
 * The file's head: the TIFF header, the IFD of the entries (sorted by tag)
 * and their out-of-line values, with the block offsets filled in for
 * blocks that follow it. Returns the head and the file's total size.
 */
function tiffHead(path: string, entries: Entry[], blocks: Buffer[]): { head: Buffer; size: number } {
  const size = (e: Entry): number => {
    const n =
      typeof e.values === 'string'
        ? Buffer.byteLength(e.values) + 1
        : e.tag === 273 || e.tag === 324
          ? blocks.length
          : e.values.length;
    return n * (e.type === SHORT ? 2 : e.type === LONG ? 4 : e.type === DOUBLE ? 8 : 1);
  };
  const ifdSize = 2 + entries.length * 12 + 4;
  let extraBytes = 0;
  for (const e of entries) {
    const s = size(e);
    if (s > 4) extraBytes += s + (s % 2);
  }
  const dataStart = 8 + ifdSize + extraBytes;
  const offsets: number[] = [];
  let pos = dataStart;
  for (const b of blocks) {
    offsets.push(pos);
    pos += b.length;
  }
  if (pos > 0xffffffff)
    throw new ImageryError('BAD_RASTER', `${path}: the image would exceed 4 GiB (BigTIFF is not written)`, path);
  for (const e of entries) if (e.tag === 273 || e.tag === 324) e.values = offsets;

  const head = Buffer.alloc(dataStart);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(8, 4);
  head.writeUInt16LE(entries.length, 8);
  let extraPos = 8 + ifdSize;
  entries.forEach((e, i) => {
    const at = 10 + i * 12;
    const s = size(e);
    const count = typeof e.values === 'string' ? Buffer.byteLength(e.values) + 1 : e.values.length;
    head.writeUInt16LE(e.tag, at);
    head.writeUInt16LE(e.type, at + 2);
    head.writeUInt32LE(count, at + 4);
    let p: number;
    if (s > 4) {
      head.writeUInt32LE(extraPos, at + 8);
      p = extraPos;
      extraPos += s + (s % 2);
    } else {
      p = at + 8;
    }
    if (typeof e.values === 'string') {
      head.write(e.values, p, 'utf8');
    } else {
      for (const v of e.values) {
        if (e.type === SHORT) {
          head.writeUInt16LE(v, p);
          p += 2;
        } else if (e.type === LONG) {
          head.writeUInt32LE(v, p);
          p += 4;
        } else {
          head.writeDoubleLE(v, p);
          p += 8;
        }
      }
    }
  });
  head.writeUInt32LE(0, 8 + 2 + entries.length * 12); // no next IFD
  return { head, size: pos };
}

/**
 * Writes a raster as a GeoTIFF (a plain TIFF when `raster.geo` is null).
 * Resolves when the file is on disk.
 */
export async function writeGeoTiff(path: string, raster: Raster, opts: WriteOptions = {}): Promise<void> {
  checkRaster(path, raster);
  const { width, height, type } = raster;
  const nb = raster.bands.length;
  const bps = BYTES[type];
  const compression = opts.compression ?? 'none';
  const tile = opts.tileSize;
  if (tile !== undefined && (!Number.isInteger(tile) || tile < 16 || tile % 16 !== 0)) {
    throw new ImageryError('BAD_RASTER', `${path}: tile size ${tile} must be a positive multiple of 16`, path);
  }
  const alpha = opts.alpha ?? false;
  const photometric =
    opts.photometric ?? (type === 'uint8' && (nb === 3 || (nb === 4 && alpha)) ? 'rgb' : 'minisblack');
  if (photometric === 'rgb' && nb < 3)
    throw new ImageryError('BAD_RASTER', `${path}: RGB needs at least 3 bands`, path);
  const baseSamples = photometric === 'rgb' ? 3 : 1;
  const extra = nb - baseSamples;
  const { blocks, bh } = await pixelBlocks(raster, opts, tile);

  const entries: Entry[] = [
    { tag: 254, type: LONG, values: [0] }, // NewSubfileType: the full-resolution image
    { tag: 256, type: LONG, values: [width] },
    { tag: 257, type: LONG, values: [height] },
    { tag: 258, type: SHORT, values: new Array<number>(nb).fill(bps * 8) },
    { tag: 259, type: SHORT, values: [compression === 'deflate' ? 8 : 1] },
    { tag: 262, type: SHORT, values: [photometric === 'rgb' ? 2 : 1] },
    { tag: 277, type: SHORT, values: [nb] },
    { tag: 284, type: SHORT, values: [1] },
    { tag: 305, type: ASCII, values: 'tally' },
    { tag: 317, type: SHORT, values: [1] },
    { tag: 339, type: SHORT, values: new Array<number>(nb).fill(FORMAT[type]) },
  ];
  const description =
    opts.description ??
    (opts.derivedFrom !== undefined
      ? `derived from ${opts.derivedFrom}${opts.derivedBy ? ` by ${opts.derivedBy}` : ''}`
      : undefined);
  if (description !== undefined) entries.push({ tag: 270, type: ASCII, values: description });
  if (extra > 0) {
    const ex = new Array<number>(extra).fill(0);
    if (alpha) ex[extra - 1] = 2;
    entries.push({ tag: 338, type: SHORT, values: ex });
  }
  const counts = blocks.map((b) => b.length);
  if (tile) {
    entries.push({ tag: 322, type: SHORT, values: [tile] }, { tag: 323, type: SHORT, values: [tile] });
    entries.push({ tag: 324, type: LONG, values: [] }, { tag: 325, type: LONG, values: counts });
  } else {
    entries.push({ tag: 278, type: LONG, values: [bh] });
    entries.push({ tag: 273, type: LONG, values: [] }, { tag: 279, type: LONG, values: counts });
  }
  entries.push(...geoEntries(raster, opts));
  if (raster.nodata !== null) entries.push({ tag: 42113, type: ASCII, values: formatNodata(raster.nodata) });
  entries.sort((a, b) => a.tag - b.tag);
  const { head, size } = tiffHead(path, entries, blocks);
  await writeFile(path, Buffer.concat([head, ...blocks], size));
}
