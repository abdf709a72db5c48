/**
 * Reading GeoTIFF (and COG) files: metadata with geotiff.js, pixels with
 * sharp/libvips when it takes the file (much faster), geotiff.js otherwise.
 * JPEG and PNG files are read through sharp as rasters without georeferencing.
 *
 * The geotransform follows GDAL: ModelTransformation when present, else tie
 * point + pixel scale; for GTRasterTypeGeoKey = PixelIsPoint the origin is
 * moved by half a pixel up and left, as gdalinfo does.
 */
import { open, stat } from 'node:fs/promises';
import { fromFile, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import sharp, { type Metadata } from 'sharp';
import { ImageryError, SOURCE_GSD_HINT } from './errors.js';
import { applyTransform, gsdMetres, isSupportedEpsg } from './crs.js';
import type { BandArray, GeoTransform, Georeference, Gsd, Raster, SampleType } from './types.js';

// libvips caches opened files by name: evidence rewritten at the same path must be read again, never from the cache.
sharp.cache({ files: 0 });

/** TIFF compression codes Tally reads, with their names. */
export const COMPRESSIONS: Readonly<Record<number, string>> = {
  1: 'none',
  5: 'lzw',
  7: 'jpeg',
  8: 'deflate',
  32946: 'deflate',
  32773: 'packbits',
};

const KNOWN_COMPRESSIONS: Readonly<Record<number, string>> = {
  2: 'ccitt-rle',
  3: 'ccitt-g3',
  4: 'ccitt-g4',
  6: 'old-jpeg',
  34661: 'jbig',
  34676: 'sgilog',
  34712: 'jpeg2000',
  34887: 'lerc',
  34925: 'lzma',
  50000: 'zstd',
  50001: 'webp',
  50002: 'jpegxl',
};

const PHOTOMETRIC: Readonly<Record<number, string>> = {
  0: 'miniswhite',
  1: 'minisblack',
  2: 'rgb',
  3: 'palette',
  4: 'mask',
  5: 'separated',
  6: 'ycbcr',
  8: 'cielab',
};

export interface CornerCoordinates {
  upperLeft: [number, number];
  lowerLeft: [number, number];
  lowerRight: [number, number];
  upperRight: [number, number];
  center: [number, number];
}

export interface SubImage {
  /** Index of the IFD in the file (0 = the full-resolution image). */
  ifd: number;
  width: number;
  height: number;
}

export interface ImageInfo {
  path: string;
  format: 'GTiff' | 'JPEG' | 'PNG';
  width: number;
  height: number;
  bands: number;
  type: SampleType;
  bitsPerSample: number;
  /** TIFF photometric interpretation ('minisblack', 'rgb', 'ycbcr', ...); 'rgb' / 'grey' for JPEG and PNG. */
  photometric: string;
  /** 0-based index of the alpha band (TIFF ExtraSamples 1 or 2), or null. */
  alphaBand: number | null;
  /** 'none', 'lzw', 'deflate', 'jpeg', 'packbits' (JPEG and PNG files: their format). */
  compression: string;
  /** 'contiguous' or 'separate' (TIFF PlanarConfiguration). */
  planar: 'contiguous' | 'separate';
  /** Block layout: tiles or strips of blockWidth × blockHeight. */
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
  nodata: number | null;
  /** EPSG code from the geokeys (ProjectedCSTypeGeoKey / GeographicTypeGeoKey), or null. */
  epsg: number | null;
  /** GDAL-order geotransform, or null (no tie point / pixel scale / ModelTransformation). */
  transform: GeoTransform | null;
  /** Both of the above, with an EPSG code Tally supports; null otherwise. */
  geo: Georeference | null;
  /** GTRasterTypeGeoKey: 'area' (1, the default) or 'point' (2); null when there are no geokeys. */
  rasterType: 'area' | 'point' | null;
  /** Corners and centre in CRS units, as gdalinfo's cornerCoordinates. */
  corners: CornerCoordinates | null;
  /** Metres on the ground per pixel along each axis at the image centre. */
  gsd: Gsd | null;
  /** Reduced-resolution IFDs (NewSubfileType bit 0 set, bit 2 clear), largest first. */
  overviews: SubImage[];
  /** Transparency-mask IFDs (NewSubfileType bit 2 set). */
  masks: SubImage[];
  /** Number of IFDs in the file. */
  ifdCount: number;
  /** TIFF ImageDescription (where Tally writes provenance), or null. */
  description: string | null;
  /** Remarks a user should see, e.g. that the image has no georeferencing. */
  notes: string[];
}

export interface ReadOptions {
  /** Pixel window [x0, y0, x1, y1], end exclusive, in the pixels of the level read. */
  window?: [number, number, number, number];
  /** Overview level: 0 = full resolution, 1 = the first (largest) overview, ... */
  overview?: number;
  /** Throw NO_GEOREFERENCING when the image has none (default: return geo null). */
  requireGeo?: boolean;
  /** Which decoder: 'auto' (sharp when it takes the file), or force one (for tests and comparisons). */
  decoder?: 'auto' | 'sharp' | 'geotiff';
}

type Magic = 'tiff' | 'bigtiff' | 'jpeg' | 'png' | 'unknown';

async function sniff(path: string): Promise<{ magic: Magic; size: number; littleEndian: boolean; firstIfd: number }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageryError('NOT_FOUND', `${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, path);
  }
  const fh = await open(path, 'r');
  const head = Buffer.alloc(16);
  try {
    await fh.read(head, 0, 16, 0);
  } finally {
    await fh.close();
  }
  const le = head[0] === 0x49 && head[1] === 0x49;
  const be = head[0] === 0x4d && head[1] === 0x4d;
  if (size >= 8 && (le || be)) {
    const v = le ? head.readUInt16LE(2) : head.readUInt16BE(2);
    if (v === 42)
      return { magic: 'tiff', size, littleEndian: le, firstIfd: le ? head.readUInt32LE(4) : head.readUInt32BE(4) };
    if (v === 43 && size >= 16) {
      const off = le ? head.readBigUInt64LE(8) : head.readBigUInt64BE(8);
      return { magic: 'bigtiff', size, littleEndian: le, firstIfd: Number(off) };
    }
  }
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)
    return { magic: 'jpeg', size, littleEndian: false, firstIfd: 0 };
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { magic: 'png', size, littleEndian: false, firstIfd: 0 };
  }
  return { magic: 'unknown', size, littleEndian: false, firstIfd: 0 };
}

/** The loose view of a geotiff.js file directory used here. */
interface Fd {
  hasTag(t: string): boolean;
  loadValue(t: string): Promise<unknown>;
}

async function tag(fd: Fd, name: string): Promise<unknown> {
  return fd.hasTag(name) ? fd.loadValue(name) : undefined;
}

async function num(fd: Fd, name: string, dflt: number): Promise<number> {
  const v = await tag(fd, name);
  if (v === undefined) return dflt;
  if (typeof v === 'number') return v;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Number((v as ArrayLike<number>)[0]);
  return dflt;
}

async function nums(fd: Fd, name: string): Promise<number[] | undefined> {
  const v = await tag(fd, name);
  if (v === undefined) return undefined;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<number>, Number);
  return undefined;
}

function sampleType(bits: number, format: number): SampleType | null {
  if (bits === 8 && format === 1) return 'uint8';
  if (bits === 16 && format === 1) return 'uint16';
  if (bits === 16 && format === 2) return 'int16';
  if (bits === 32 && format === 3) return 'float32';
  return null;
}

const FORMAT_NAMES: Readonly<Record<number, string>> = {
  1: 'unsigned integer',
  2: 'signed integer',
  3: 'floating point',
  4: 'undefined',
  5: 'complex integer',
  6: 'complex floating point',
};

function parseNodata(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const s = v.replace(/\u0000/g, '').trim();
  if (s === '') return null;
  if (/^nan$/i.test(s)) return NaN;
  const n = Number(s);
  return Number.isNaN(n) ? null : n;
}

export function cornerCoordinates(t: GeoTransform, width: number, height: number): CornerCoordinates {
  return {
    upperLeft: applyTransform(t, 0, 0),
    lowerLeft: applyTransform(t, 0, height),
    lowerRight: applyTransform(t, width, height),
    upperRight: applyTransform(t, width, 0),
    center: applyTransform(t, width / 2, height / 2),
  };
}

interface Opened {
  tiff: GeoTIFF;
  info: ImageInfo;
  images: GeoTIFFImage[];
}

function wrapParseError(path: string, e: unknown, size: number, firstIfd: number): ImageryError {
  if (e instanceof ImageryError) return e;
  const msg = (e as Error).message ?? String(e);
  if (firstIfd + 2 > size || /bounds|outside|range|offset/i.test(msg) || e instanceof RangeError) {
    return new ImageryError('TRUNCATED', `${path}: truncated or damaged TIFF (${msg})`, path);
  }
  return new ImageryError('CORRUPT', `${path}: cannot parse the TIFF (${msg})`, path);
}

async function openTiff(path: string): Promise<Opened> {
  const s = await sniff(path);
  if (s.magic !== 'tiff' && s.magic !== 'bigtiff') {
    throw new ImageryError('NOT_TIFF', `${path}: not a TIFF file`, path);
  }
  if (s.firstIfd < 8 || s.firstIfd + 2 > s.size) {
    throw new ImageryError(
      'TRUNCATED',
      `${path}: truncated TIFF (first IFD at byte ${s.firstIfd}, file has ${s.size} bytes)`,
      path,
    );
  }
  let tiff: GeoTIFF;
  const images: GeoTIFFImage[] = [];
  try {
    tiff = await fromFile(path);
    const n = await tiff.getImageCount();
    for (let i = 0; i < n; i++) images.push(await tiff.getImage(i));
  } catch (e) {
    throw wrapParseError(path, e, s.size, s.firstIfd);
  }
  if (images.length === 0) throw new ImageryError('CORRUPT', `${path}: the TIFF holds no image`, path);
  try {
    const info = await describe(path, images, s.size);
    return { tiff, info, images };
  } catch (e) {
    throw wrapParseError(path, e, s.size, s.firstIfd);
  }
}

/** The main image's sample layout: what the pixels are and how they are stored. */
type Layout = Pick<
  ImageInfo,
  | 'type'
  | 'bitsPerSample'
  | 'photometric'
  | 'alphaBand'
  | 'compression'
  | 'planar'
  | 'tiled'
  | 'blockWidth'
  | 'blockHeight'
>;

/** The sample layout of the main image; throws on a compression or sample type Tally does not read. */
async function sampleLayout(path: string, fd: Fd, width: number, height: number, bands: number): Promise<Layout> {
  const compressionCode = await num(fd, 'Compression', 1);
  const compression = COMPRESSIONS[compressionCode];
  if (compression === undefined) {
    const name = KNOWN_COMPRESSIONS[compressionCode];
    throw new ImageryError(
      'UNSUPPORTED_COMPRESSION',
      `${path}: unsupported TIFF compression ${compressionCode}${name ? ` (${name})` : ''}; Tally reads none, LZW, DEFLATE, JPEG and PackBits`,
      path,
    );
  }
  const bitsAll = (await nums(fd, 'BitsPerSample')) ?? [1];
  const formatAll = (await nums(fd, 'SampleFormat')) ?? [1];
  const bits = bitsAll[0]!;
  const format = formatAll[0]!;
  if (bitsAll.some((b) => b !== bits) || formatAll.some((f) => f !== format)) {
    throw new ImageryError(
      'UNSUPPORTED_SAMPLE_FORMAT',
      `${path}: bands of different sample types (BitsPerSample ${bitsAll.join(',')}) are not supported`,
      path,
    );
  }
  const type = sampleType(bits, format);
  if (type === null) {
    throw new ImageryError(
      'UNSUPPORTED_SAMPLE_FORMAT',
      `${path}: unsupported sample format: ${bits}-bit ${FORMAT_NAMES[format] ?? `format ${format}`}; Tally reads 8-bit and 16-bit unsigned, 16-bit signed and 32-bit float`,
      path,
    );
  }
  const photometricCode = await num(fd, 'PhotometricInterpretation', bands >= 3 ? 2 : 1);
  const photometric = PHOTOMETRIC[photometricCode] ?? `photometric ${photometricCode}`;
  const extra = (await nums(fd, 'ExtraSamples')) ?? [];
  let alphaBand: number | null = null;
  extra.forEach((v, i) => {
    if ((v === 1 || v === 2) && alphaBand === null) alphaBand = bands - extra.length + i;
  });
  const planar = (await num(fd, 'PlanarConfiguration', 1)) === 2 ? 'separate' : 'contiguous';
  const tiled = fd.hasTag('TileWidth');
  const blockWidth = tiled ? await num(fd, 'TileWidth', width) : width;
  const blockHeight = tiled
    ? await num(fd, 'TileLength', height)
    : Math.min(height, await num(fd, 'RowsPerStrip', height));
  return { type, bitsPerSample: bits, photometric, alphaBand, compression, planar, tiled, blockWidth, blockHeight };
}

/** Every block of the main image must lie inside the file: TRUNCATED otherwise. */
async function checkBlocksInFile(path: string, fd: Fd, tiled: boolean, fileSize: number): Promise<void> {
  const offsets = await nums(fd, tiled ? 'TileOffsets' : 'StripOffsets');
  const counts = await nums(fd, tiled ? 'TileByteCounts' : 'StripByteCounts');
  if (!offsets || offsets.length === 0)
    throw new ImageryError('CORRUPT', `${path}: the TIFF has no ${tiled ? 'tile' : 'strip'} offsets`, path);
  if (counts) {
    let end = 0;
    for (let i = 0; i < offsets.length; i++) end = Math.max(end, offsets[i]! + (counts[i] ?? 0));
    if (end > fileSize) {
      throw new ImageryError(
        'TRUNCATED',
        `${path}: truncated TIFF: image data runs to byte ${end}, the file has ${fileSize} bytes`,
        path,
      );
    }
  }
}

/** The georeferencing of the main image, with notes on what is missing or not supported. */
async function georeferencing(
  im: GeoTIFFImage,
  fd: Fd,
  notes: string[],
): Promise<Pick<ImageInfo, 'epsg' | 'transform' | 'geo' | 'rasterType'>> {
  for (const t of ['GeoKeyDirectory', 'GeoDoubleParams', 'GeoAsciiParams']) await tag(fd, t);
  const keys = im.getGeoKeys() as Record<string, unknown> | null;
  let epsg: number | null = null;
  let rasterType: 'area' | 'point' | null = null;
  if (keys) {
    rasterType = keys['GTRasterTypeGeoKey'] === 2 ? 'point' : 'area';
    const model = keys['GTModelTypeGeoKey'];
    const projected = keys['ProjectedCSTypeGeoKey'];
    const geographic = keys['GeographicTypeGeoKey'];
    const code = model === 2 ? geographic : (projected ?? geographic);
    if (typeof code === 'number' && code > 0 && code !== 32767) epsg = code;
    else notes.push('the CRS is user-defined in the geokeys (no EPSG code); Tally needs an EPSG code');
  }
  let transform: GeoTransform | null = null;
  const mt = await nums(fd, 'ModelTransformation');
  const tp = await nums(fd, 'ModelTiepoint');
  const ps = await nums(fd, 'ModelPixelScale');
  if (mt && mt.length >= 16) {
    transform = [mt[3]!, mt[0]!, mt[1]!, mt[7]!, mt[4]!, mt[5]!];
  } else if (tp && tp.length >= 6 && ps && ps.length >= 2) {
    transform = [tp[3]! - tp[0]! * ps[0]!, ps[0]!, 0, tp[4]! - tp[1]! * -ps[1]!, 0, -ps[1]!];
  } else if (tp && tp.length >= 12) {
    notes.push(`the image is georeferenced by ${tp.length / 6} ground control points only; Tally needs a geotransform`);
  }
  if (transform && rasterType === 'point') {
    transform[0] -= transform[1] * 0.5 + transform[2] * 0.5;
    transform[3] -= transform[4] * 0.5 + transform[5] * 0.5;
  }
  let geo: Georeference | null = null;
  if (transform && epsg !== null) {
    if (isSupportedEpsg(epsg)) geo = { epsg, transform };
    else notes.push(`EPSG:${epsg} is not among the CRSs Tally supports; the image is treated as not georeferenced`);
  }
  if (!transform && !keys) notes.push(`the image has no georeferencing; ${SOURCE_GSD_HINT}`);
  else if (!transform) notes.push(`the image has geokeys but no geotransform; ${SOURCE_GSD_HINT}`);
  else if (epsg === null && !keys) notes.push(`the image has a geotransform but no CRS; ${SOURCE_GSD_HINT}`);
  return { epsg, transform, geo, rasterType };
}

/** The further IFDs: overviews and masks, with a note on any other page. */
async function subImages(
  images: GeoTIFFImage[],
  notes: string[],
): Promise<{ overviews: SubImage[]; masks: SubImage[] }> {
  const overviews: SubImage[] = [];
  const masks: SubImage[] = [];
  for (let i = 1; i < images.length; i++) {
    const sub = images[i]!;
    const t = await num(sub.getFileDirectory() as unknown as Fd, 'NewSubfileType', 0);
    const entry = { ifd: i, width: sub.getWidth(), height: sub.getHeight() };
    if (t & 4) masks.push(entry);
    else if (t & 1) overviews.push(entry);
  }
  const other = images.length - 1 - overviews.length - masks.length;
  if (other > 0) notes.push(`${other} further page(s) that are neither overviews nor masks are ignored`);
  return { overviews, masks };
}

async function describe(path: string, images: GeoTIFFImage[], fileSize: number): Promise<ImageInfo> {
  const im = images[0]!;
  const fd = im.getFileDirectory() as unknown as Fd;
  const width = im.getWidth();
  const height = im.getHeight();
  const bands = im.getSamplesPerPixel();
  const notes: string[] = [];
  const layout = await sampleLayout(path, fd, width, height, bands);
  await checkBlocksInFile(path, fd, layout.tiled, fileSize);
  const nodata = parseNodata(await tag(fd, 'GDAL_NODATA'));
  const descriptionV = await tag(fd, 'ImageDescription');
  const description = typeof descriptionV === 'string' ? descriptionV.replace(/\0+$/, '') : null;
  const { epsg, transform, geo, rasterType } = await georeferencing(im, fd, notes);
  const { overviews, masks } = await subImages(images, notes);
  return {
    path,
    format: 'GTiff',
    width,
    height,
    bands,
    type: layout.type,
    bitsPerSample: layout.bitsPerSample,
    photometric: layout.photometric,
    alphaBand: layout.alphaBand,
    compression: layout.compression,
    planar: layout.planar,
    tiled: layout.tiled,
    blockWidth: layout.blockWidth,
    blockHeight: layout.blockHeight,
    nodata,
    epsg,
    transform,
    geo,
    rasterType,
    corners: transform ? cornerCoordinates(transform, width, height) : null,
    gsd: geo ? gsdMetres(geo, width, height) : null,
    overviews,
    masks,
    ifdCount: images.length,
    description,
    notes,
  };
}

async function describeOther(path: string, format: 'JPEG' | 'PNG'): Promise<ImageInfo> {
  let meta: Metadata;
  try {
    meta = await sharp(path).metadata();
  } catch (e) {
    throw new ImageryError('CORRUPT', `${path}: cannot read the ${format} file (${(e as Error).message})`, path);
  }
  const bands = meta.channels ?? 1;
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const type: SampleType = meta.depth === 'ushort' ? 'uint16' : 'uint8';
  return {
    path,
    format,
    width,
    height,
    bands,
    type,
    bitsPerSample: type === 'uint16' ? 16 : 8,
    photometric: bands >= 3 ? 'rgb' : 'grey',
    alphaBand: meta.hasAlpha ? bands - 1 : null,
    compression: format.toLowerCase(),
    planar: 'contiguous',
    tiled: false,
    blockWidth: width,
    blockHeight: height,
    nodata: null,
    epsg: null,
    transform: null,
    geo: null,
    rasterType: null,
    corners: null,
    gsd: null,
    overviews: [],
    masks: [],
    ifdCount: 1,
    description: null,
    notes: [`the image is a ${format}, not a GeoTIFF: it has no georeferencing; ${SOURCE_GSD_HINT}`],
  };
}

/** Metadata of an image (GeoTIFF, or JPEG / PNG without georeferencing); reads no pixels. */
export async function readGeoTiffInfo(path: string): Promise<ImageInfo> {
  const s = await sniff(path);
  if (s.magic === 'jpeg') return describeOther(path, 'JPEG');
  if (s.magic === 'png') return describeOther(path, 'PNG');
  return (await openTiff(path)).info;
}

function newBand(type: SampleType, n: number): BandArray {
  switch (type) {
    case 'uint8':
      return new Uint8Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'float32':
      return new Float32Array(n);
  }
}

/** Splits sharp's interleaved output into bands; `map[k]` is the channel of band k. */
function deinterleave(data: Buffer, type: SampleType, channels: number, n: number, map: number[]): BandArray[] {
  let src: Uint8Array | Uint16Array;
  if (type === 'uint16') {
    const aligned = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
    src = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
  } else {
    src = data;
  }
  if (channels === 1 && map.length === 1) {
    return [type === 'uint16' ? (src as Uint16Array) : new Uint8Array(src.buffer, src.byteOffset, n)];
  }
  return map.map((c) => {
    const out = newBand(type, n);
    for (let i = 0, j = c; i < n; i++, j += channels) out[i] = src[j]!;
    return out;
  });
}

/** Whether sharp/libvips is expected to decode this TIFF to the same samples as GDAL. */
function sharpTakes(info: ImageInfo): boolean {
  if (info.type !== 'uint8' && info.type !== 'uint16') return false;
  if (info.planar === 'separate' && info.bands > 1) return false;
  // Several greyscale bands pass through libvips' grey-to-sRGB conversion, which is exact for 8 bits only.
  if (info.photometric === 'minisblack') return info.bands === 1 || info.type === 'uint8';
  if (info.photometric === 'rgb') return info.bands === 3 || info.bands === 4;
  if (info.photometric === 'ycbcr') return info.compression === 'jpeg' && info.bands === 3;
  return false;
}

async function readWithSharp(
  path: string,
  page: number,
  bands: number,
  type: SampleType,
  photometric: string,
  window: [number, number, number, number] | null,
): Promise<BandArray[] | null> {
  let img = sharp(path, { limitInputPixels: false, page, sequentialRead: window === null });
  if (window)
    img = img.extract({ left: window[0], top: window[1], width: window[2] - window[0], height: window[3] - window[1] });
  const grey = photometric === 'minisblack' || photometric === 'grey';
  // libvips turns greyscale into sRGB on output: one band stays one band through
  // toColourspace, several bands come out as 3 copies of band 0 followed by the others.
  if (grey && bands === 1) img = img.toColourspace(type === 'uint16' ? 'grey16' : 'b-w');
  const { data, info } = await img
    .raw({ depth: type === 'uint16' ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  let map: number[];
  if (info.channels === bands) map = Array.from({ length: bands }, (_, k) => k);
  else if (grey && info.channels === bands + 2) map = Array.from({ length: bands }, (_, k) => (k === 0 ? 0 : k + 2));
  else return null;
  if (data.length !== n * info.channels * (type === 'uint16' ? 2 : 1)) return null;
  return deinterleave(data, type, info.channels, n, map);
}

async function readWithGeotiff(
  image: GeoTIFFImage,
  type: SampleType,
  window: [number, number, number, number] | null,
): Promise<BandArray[]> {
  const r = await image.readRasters(window ? { window, interleave: false } : { interleave: false });
  const arrays = r as unknown as ArrayLike<number>[];
  return Array.from(arrays, (a) => {
    const want = newBand(type, 0).constructor as { new (x: ArrayLike<number>): BandArray };
    return a instanceof want ? (a as BandArray) : new want(a);
  });
}

/** Reads a JPEG or PNG as a raster without georeferencing. */
async function readOther(
  path: string,
  info: ImageInfo,
  window: [number, number, number, number] | null,
): Promise<Raster> {
  const bands = await readWithSharp(path, 0, info.bands, info.type, info.photometric, window);
  if (!bands) throw new ImageryError('CORRUPT', `${path}: cannot decode the ${info.format} file`, path);
  const width = window ? window[2] - window[0] : info.width;
  const height = window ? window[3] - window[1] : info.height;
  return { width, height, type: info.type, bands, nodata: null, geo: null };
}

function checkWindow(path: string, w: [number, number, number, number], width: number, height: number): void {
  const [x0, y0, x1, y1] = w;
  if (!w.every(Number.isInteger) || x0 < 0 || y0 < 0 || x1 > width || y1 > height || x0 >= x1 || y0 >= y1) {
    throw new ImageryError(
      'BAD_WINDOW',
      `${path}: window [${w.join(', ')}] is not inside the ${width} × ${height} image`,
      path,
    );
  }
}

/**
 * Reads the pixels of a GeoTIFF (or a JPEG / PNG, geo null): all bands, the
 * full image or a window, at full resolution or an overview. The returned
 * georeferencing is that of the pixels returned (window origin, overview scale).
 */
export async function readGeoTiff(path: string, opts: ReadOptions = {}): Promise<Raster> {
  const s = await sniff(path);
  const window = opts.window ?? null;
  const decoder = opts.decoder ?? 'auto';
  if (s.magic === 'jpeg' || s.magic === 'png') {
    const info = await describeOther(path, s.magic === 'jpeg' ? 'JPEG' : 'PNG');
    if (opts.requireGeo)
      throw new ImageryError(
        'NO_GEOREFERENCING',
        `${path}: the image has no georeferencing (${info.format}); ${SOURCE_GSD_HINT}`,
        path,
      );
    if ((opts.overview ?? 0) !== 0)
      throw new ImageryError('BAD_OVERVIEW', `${path}: a ${info.format} has no overviews`, path);
    if (window) checkWindow(path, window, info.width, info.height);
    return readOther(path, info, window);
  }
  const { info, images } = await openTiff(path);
  if (opts.requireGeo && !info.geo) {
    throw new ImageryError(
      'NO_GEOREFERENCING',
      `${path}: the image has no usable georeferencing (${info.notes.join('; ') || 'no EPSG code'}); ${SOURCE_GSD_HINT}`,
      path,
    );
  }
  const level = opts.overview ?? 0;
  let ifd = 0;
  let width = info.width;
  let height = info.height;
  if (level !== 0) {
    const ov = info.overviews[level - 1];
    if (!Number.isInteger(level) || level < 0 || !ov) {
      throw new ImageryError(
        'BAD_OVERVIEW',
        `${path}: no overview ${level} (the file has ${info.overviews.length})`,
        path,
      );
    }
    ({ ifd, width, height } = ov);
  }
  if (window) checkWindow(path, window, width, height);
  const image = images[ifd]!;
  if (ifd !== 0) {
    const sub = await describe(path, [image], s.size);
    if (sub.type !== info.type || sub.bands !== info.bands) {
      throw new ImageryError(
        'BAD_OVERVIEW',
        `${path}: overview ${level} differs from the image in bands or sample type`,
        path,
      );
    }
  }

  let bands: BandArray[] | null = null;
  const sharpOk = sharpTakes(info);
  if (decoder === 'sharp' && !sharpOk)
    throw new ImageryError(
      'UNSUPPORTED_LAYOUT',
      `${path}: sharp is not used for this layout (${info.photometric}, ${info.type}, ${info.planar})`,
      path,
    );
  if (decoder !== 'geotiff' && sharpOk) {
    try {
      bands = await readWithSharp(path, ifd, info.bands, info.type, info.photometric, window);
    } catch (e) {
      if (decoder === 'sharp')
        throw new ImageryError('CORRUPT', `${path}: sharp cannot decode the image (${(e as Error).message})`, path);
      bands = null;
    }
    if (!bands && decoder === 'sharp')
      throw new ImageryError('UNSUPPORTED_LAYOUT', `${path}: sharp gave an unexpected band layout`, path);
  }
  if (!bands) {
    if (info.photometric === 'ycbcr') {
      throw new ImageryError(
        'UNSUPPORTED_LAYOUT',
        `${path}: YCbCr pixels are decoded through libvips only, and it failed on this file`,
        path,
      );
    }
    try {
      bands = await readWithGeotiff(image, info.type, window);
    } catch (e) {
      throw new ImageryError('CORRUPT', `${path}: cannot decode the pixels (${(e as Error).message})`, path);
    }
  }

  let geo: Georeference | null = null;
  if (info.geo) {
    const t = [...info.geo.transform] as GeoTransform;
    if (ifd !== 0) {
      const fx = info.width / width;
      const fy = info.height / height;
      t[1] *= fx;
      t[4] *= fx;
      t[2] *= fy;
      t[5] *= fy;
    }
    if (window) {
      const [ox, oy] = applyTransform(t, window[0], window[1]);
      t[0] = ox;
      t[3] = oy;
    }
    geo = { epsg: info.geo.epsg, transform: t };
  }
  return {
    width: window ? window[2] - window[0] : width,
    height: window ? window[3] - window[1] : height,
    type: info.type,
    bands,
    nodata: info.nodata,
    geo,
  };
}

/**
 * Where the blocks (strips or tiles) of a TIFF's full-resolution image lie and
 * how they are coded: for readers that decode the blocks themselves (the
 * streaming degrade of degrade-file.ts). Null for a JPEG or PNG.
 */
export interface BlockLayout {
  info: ImageInfo;
  /** Byte offset of each block of IFD 0, in TIFF order (row-major; band-major when planar separate). */
  offsets: number[];
  /** Byte count of each block (empty when the file has no StripByteCounts / TileByteCounts). */
  counts: number[];
  /** TIFF Compression code (1 none, 8 / 32946 DEFLATE, ...). */
  compressionCode: number;
  /** TIFF Predictor (1 none, 2 horizontal differencing, 3 floating point). */
  predictor: number;
  /** TIFF FillOrder (1 = most significant bit first, the usual). */
  fillOrder: number;
  littleEndian: boolean;
}

/** The block layout of a TIFF's full-resolution image (see BlockLayout); null for JPEG / PNG. */
export async function readBlockLayout(path: string): Promise<BlockLayout | null> {
  const s = await sniff(path);
  if (s.magic === 'jpeg' || s.magic === 'png') return null;
  const { info, images } = await openTiff(path);
  const fd = images[0]!.getFileDirectory() as unknown as Fd;
  const tiled = info.tiled;
  return {
    info,
    offsets: (await nums(fd, tiled ? 'TileOffsets' : 'StripOffsets')) ?? [],
    counts: (await nums(fd, tiled ? 'TileByteCounts' : 'StripByteCounts')) ?? [],
    compressionCode: await num(fd, 'Compression', 1),
    predictor: await num(fd, 'Predictor', 1),
    fillOrder: await num(fd, 'FillOrder', 1),
    littleEndian: s.littleEndian,
  };
}
