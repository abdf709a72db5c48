/**
 * Coordinate systems of the imagery stage, through proj4: EPSG:4326, EPSG:3857,
 * WGS 84 UTM (32601–32660, 32701–32760), NAD83 UTM (26901–26923), ETRS89 UTM
 * (25828–25838) and the NAD83 / ETRS89 geographic systems (4269, 4258); and the
 * ground sample distance in metres whatever the CRS.
 */
import proj4 from 'proj4';
import { ImageryError, SOURCE_GSD_HINT } from './errors.js';
import type { GeoTransform, Georeference, Gsd } from './types.js';

interface Ellipsoid {
  a: number;
  f: number;
}
const WGS84: Ellipsoid = { a: 6378137, f: 1 / 298.257223563 };
const GRS80: Ellipsoid = { a: 6378137, f: 1 / 298.257222101 };

interface CrsDef {
  proj4: string;
  geographic: boolean;
  ellipsoid: Ellipsoid;
  name: string;
}

function crsDef(epsg: number): CrsDef | null {
  if (epsg === 4326)
    return { proj4: '+proj=longlat +datum=WGS84 +no_defs', geographic: true, ellipsoid: WGS84, name: 'WGS 84' };
  if (epsg === 4269)
    return { proj4: '+proj=longlat +datum=NAD83 +no_defs', geographic: true, ellipsoid: GRS80, name: 'NAD83' };
  if (epsg === 4258)
    return {
      proj4: '+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs',
      geographic: true,
      ellipsoid: GRS80,
      name: 'ETRS89',
    };
  if (epsg === 3857) {
    return {
      proj4:
        '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs',
      geographic: false,
      ellipsoid: WGS84,
      name: 'WGS 84 / Pseudo-Mercator',
    };
  }
  if ((epsg >= 32601 && epsg <= 32660) || (epsg >= 32701 && epsg <= 32760)) {
    const south = epsg >= 32701;
    const zone = epsg - (south ? 32700 : 32600);
    return {
      proj4: `+proj=utm +zone=${zone}${south ? ' +south' : ''} +datum=WGS84 +units=m +no_defs`,
      geographic: false,
      ellipsoid: WGS84,
      name: `WGS 84 / UTM zone ${zone}${south ? 'S' : 'N'}`,
    };
  }
  if (epsg >= 26901 && epsg <= 26923) {
    const zone = epsg - 26900;
    return {
      proj4: `+proj=utm +zone=${zone} +datum=NAD83 +units=m +no_defs`,
      geographic: false,
      ellipsoid: GRS80,
      name: `NAD83 / UTM zone ${zone}N`,
    };
  }
  if (epsg >= 25828 && epsg <= 25838) {
    const zone = epsg - 25800;
    return {
      proj4: `+proj=utm +zone=${zone} +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs`,
      geographic: false,
      ellipsoid: GRS80,
      name: `ETRS89 / UTM zone ${zone}N`,
    };
  }
  return null;
}

/** Whether Tally knows this EPSG code. */
export function isSupportedEpsg(epsg: number): boolean {
  return crsDef(epsg) !== null;
}

/** The CRS's name (as EPSG spells it), or null when unknown to Tally. */
export function crsName(epsg: number): string | null {
  return crsDef(epsg)?.name ?? null;
}

/** Whether the CRS is geographic (axes in degrees of longitude and latitude). */
export function isGeographic(epsg: number): boolean {
  return requireDef(epsg).geographic;
}

function requireDef(epsg: number): CrsDef {
  const d = crsDef(epsg);
  if (!d) {
    throw new ImageryError(
      'UNSUPPORTED_CRS',
      `EPSG:${epsg} is not supported (supported: 4326, 4269, 4258, 3857, 326xx/327xx WGS 84 UTM, 26901–26923 NAD83 UTM, 25828–25838 ETRS89 UTM)`,
    );
  }
  return d;
}

const converters = new Map<number, proj4.Converter>();
function converter(epsg: number): proj4.Converter {
  let c = converters.get(epsg);
  if (!c) {
    c = proj4(requireDef(epsg).proj4, crsDef(4326)!.proj4);
    converters.set(epsg, c);
  }
  return c;
}

/** CRS coordinates to WGS 84 [lon, lat] in degrees. */
export function toWgs84(epsg: number, x: number, y: number): [number, number] {
  if (epsg === 4326) return [x, y];
  const [lon, lat] = converter(epsg).forward([x, y]);
  return [lon!, lat!];
}

/** WGS 84 [lon, lat] in degrees to CRS coordinates [x, y]. */
export function fromWgs84(epsg: number, lon: number, lat: number): [number, number] {
  if (epsg === 4326) return [lon, lat];
  const [x, y] = converter(epsg).inverse([lon, lat]);
  return [x!, y!];
}

/** CRS position of pixel position (col, row) (corners at integers, centres at .5). */
export function applyTransform(t: GeoTransform, col: number, row: number): [number, number] {
  return [t[0] + col * t[1] + row * t[2], t[3] + col * t[4] + row * t[5]];
}

/** Pixel position (col, row) of a CRS position; throws on a degenerate transform. */
export function invertTransform(t: GeoTransform, x: number, y: number): [number, number] {
  const det = t[1] * t[5] - t[2] * t[4];
  if (det === 0) throw new ImageryError('BAD_RASTER', 'degenerate geotransform (zero determinant)');
  const dx = x - t[0];
  const dy = y - t[3];
  return [(t[5] * dx - t[2] * dy) / det, (-t[4] * dx + t[1] * dy) / det];
}

/** Metres per radian of latitude (meridian radius M) and of longitude (N cos φ) at latitude φ. */
function radii(e: Ellipsoid, latDeg: number): { m: number; n: number } {
  const e2 = e.f * (2 - e.f);
  const s = Math.sin((latDeg * Math.PI) / 180);
  const w = 1 - e2 * s * s;
  return { m: (e.a * (1 - e2)) / (w * Math.sqrt(w)), n: e.a / Math.sqrt(w) };
}

/**
 * Ground sample distance in metres along each image axis at the image centre:
 * the ground length of the column vector (x) and of the row vector (y).
 * Geographic CRS: degrees to metres on the CRS's ellipsoid at the centre latitude.
 * EPSG:3857: projected metres divided by the Web Mercator scale factor at the
 * centre latitude (N cos φ / a east–west, M cos φ / a north–south).
 * Other projected CRS: the lengths of the pixel vectors in CRS metres.
 */
export function gsdMetres(geo: Georeference, width: number, height: number): Gsd {
  const d = requireDef(geo.epsg);
  const t = geo.transform;
  const [cx, cy] = applyTransform(t, width / 2, height / 2);
  let ke = 1; // metres on the ground per CRS unit, east
  let kn = 1; // and north
  if (d.geographic) {
    const { m, n } = radii(d.ellipsoid, cy);
    const rad = Math.PI / 180;
    ke = n * Math.cos(cy * rad) * rad;
    kn = m * rad;
  } else if (geo.epsg === 3857) {
    const lat = toWgs84(3857, cx, cy)[1];
    const { m, n } = radii(d.ellipsoid, lat);
    const c = Math.cos((lat * Math.PI) / 180);
    ke = (n * c) / 6378137;
    kn = (m * c) / 6378137;
  }
  return { x: Math.hypot(t[1] * ke, t[4] * kn), y: Math.hypot(t[2] * ke, t[5] * kn) };
}

/** The resolution that the cap rule compares: the finer axis (0.30 × 0.24 m counts as 0.24 m). */
export function resolutionForCap(g: Gsd): number {
  return Math.min(g.x, g.y);
}

/** How far a declared GSD may differ from a georeferenced file's own before it is refused: 1 % (round-off in declared values). */
export const GSD_AGREEMENT = 0.01;

/**
 * Why a declared GSD disagrees with a file's own (more than GSD_AGREEMENT
 * from both axes), with both values; null when it agrees. A declared GSD
 * that halves the file's would make every object measure twice its size and
 * hide imagery finer than the cap.
 */
export function gsdDisagreement(own: Gsd, declared: number): string | null {
  const near = (axis: number): boolean => Math.abs(declared - axis) <= GSD_AGREEMENT * axis;
  if (near(own.x) || near(own.y)) return null;
  const ownText = Math.abs(own.x - own.y) <= 1e-9 * own.x ? `${fmt(own.x)} m` : `${fmt(own.x)} m x ${fmt(own.y)} m`;
  return `declared ${fmt(declared)} m, but the file's georeferencing gives ${ownText} (more than ${GSD_AGREEMENT * 100} % apart); a georeferenced file's own resolution is authoritative`;
}

const fmt = (v: number): string => String(Number(v.toPrecision(4)));

/**
 * The GSD of an image: from its georeferencing, which is authoritative;
 * the user's `--source-gsd` (square pixels) serves only an image without
 * georeferencing, and one given for a georeferenced image must agree with
 * it (GSD_AGREEMENT) or BAD_RASTER names both values. Neither:
 * NO_GEOREFERENCING naming the file.
 */
export function resolveGsd(
  geo: Georeference | null,
  width: number,
  height: number,
  sourceGsd: number | undefined,
  path: string,
): Gsd {
  if (sourceGsd !== undefined && (!(sourceGsd > 0) || !Number.isFinite(sourceGsd))) {
    throw new ImageryError('BAD_RASTER', `--source-gsd: expected a positive number of metres, got ${sourceGsd}`, path);
  }
  if (geo) {
    const own = gsdMetres(geo, width, height);
    const why = sourceGsd !== undefined ? gsdDisagreement(own, sourceGsd) : null;
    if (why) throw new ImageryError('BAD_RASTER', `${path}: source GSD ${why}`, path);
    return own;
  }
  if (sourceGsd !== undefined) return { x: sourceGsd, y: sourceGsd };
  throw new ImageryError('NO_GEOREFERENCING', `${path}: the image has no georeferencing; ${SOURCE_GSD_HINT}`, path);
}
