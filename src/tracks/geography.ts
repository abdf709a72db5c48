/**
 * Ports, zones and sites as GeoJSON polygons: parsing with clear errors, and
 * an index answering "which polygon contains this point" and "how far is the
 * nearest polygon" fast enough for every report of a feed.
 *
 * Geometry model (shared with `shore.ts`):
 * - Containment is planar in longitude/latitude, as RFC 7946 defines a
 *   polygon's edges (straight lines between positions); ray casting, even-odd
 *   over all rings, so holes are respected.
 * - Distances are on the sphere of radius EARTH_RADIUS_M: the exact distance
 *   from the point to each edge taken as a great-circle arc (point-to-arc on
 *   unit vectors), never a projection. For edges of a few kilometres the arc
 *   and the straight lon/lat line differ by metres, far below the thresholds.
 *   Point-to-point distances equal haversine's.
 * - The antimeridian: a ring whose longitudes jump by more than 180° between
 *   consecutive positions (179.9 -> -179.9), or that continues past ±180
 *   (179.9 -> 180.1, longitudes up to ±360 are accepted for this), crosses
 *   180°: it is unwrapped into continuous longitudes and indexed under both
 *   of its longitude ranges, so points on either side of 180° find it. A ring
 *   that never comes back (it encircles a pole) is refused: split it.
 */

import { readFile } from 'node:fs/promises';
import Flatbush from 'flatbush';
import { EARTH_RADIUS_M } from '../util/index.js';
import { wrapLon } from './geo.js';

const DEG = Math.PI / 180;

/* ------------------------------------------------------------------ errors */

/** A polygon file that is not what Tally expects; the message names the file, the place in it, what was expected and what came. */
export class GeographyError extends Error {
  /** The file as the caller named it. */
  readonly file: string;
  /** Where in the file: `features[3].geometry.coordinates[0][2]`, `features[0].properties.name`, `line 4, column 7`. */
  readonly where: string;
  /** Line of the feature (or of the JSON syntax error) in the file, when found. */
  readonly line: number | undefined;

  constructor(file: string, where: string, what: string, line?: number) {
    super(`${file}: ${where}${line !== undefined && !where.startsWith('line ') ? ` (line ${line})` : ''}: ${what}`);
    this.name = 'GeographyError';
    this.file = file;
    this.where = where;
    this.line = line;
  }
}

/* ------------------------------------------------------------------ parsed shapes */

/** [longitude, latitude] in degrees, as GeoJSON orders them. */
export type Position = [lon: number, lat: number];
/** A closed ring: first position equal to the last, at least 4 positions. */
export type Ring = Position[];
/** The outer ring, then its holes. */
export type Polygon = Ring[];

export interface NamedPolygons {
  /** The file as the caller named it (for messages). */
  file: string;
  /** One per feature: `properties.name`, or `feature N` (N the index in `features`). */
  names: string[];
  /** One per feature: its polygons (a Polygon gives one, a MultiPolygon its parts), coordinates as in the file. */
  polygons: Polygon[][];
  /** One per feature: its `properties` object as in the file (null when none). */
  properties: (Record<string, unknown> | null)[];
}

export interface ParseOptions {
  /** Every feature must carry a non-empty string `properties.name` (ports). */
  requireName?: boolean;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Offsets of the elements of the top-level `features` array, found by a light scan of the text (strings and nesting only). */
function featureOffsets(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let inFeatures = false;
  let expectElement = false;
  let lastKey: string | null = null;
  let keyDepth = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (inFeatures && expectElement && depth === 2 && c !== 93 /* ] */) {
      out.push(i);
      expectElement = false;
    }
    if (c === 34 /* " */) {
      const start = i + 1;
      i++;
      while (i < text.length && text.charCodeAt(i) !== 34) {
        if (text.charCodeAt(i) === 92 /* \ */) i++;
        i++;
      }
      lastKey = text.slice(start, i);
      keyDepth = depth;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (c === 91 && depth === 2 && keyDepth === 1 && lastKey === 'features') {
        inFeatures = true;
        expectElement = true;
      }
      lastKey = null;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (inFeatures && depth === 1) return out;
      lastKey = null;
    } else if (c === 44 /* , */) {
      if (inFeatures && depth === 2) expectElement = true;
      lastKey = null;
    } else if (c !== 58 /* : */) {
      lastKey = null;
    }
  }
  return out;
}

/**
 * Offset of the first JSON syntax error in `text` (text.length when it ends
 * too early): a small recursive-descent checker, run only after JSON.parse
 * failed without saying where (V8's messages often quote instead).
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  class Stop {
    constructor(readonly at: number) {}
  }
  const ws = (): void => {
    while (i < n && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new Stop(Math.min(i, n));
  };
  const str = (): void => {
    i++;
    while (i < n && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (c === 92) {
        i++;
        if (i >= n) fail();
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i]!)) fail();
      }
      i++;
    }
    if (i >= n) fail();
    i++;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    ws();
    if (i >= n) fail();
    const c = text[i]!;
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '"') return str();
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!lit) fail();
    i += lit![0].length;
  };
  try {
    value(0);
    ws();
    return i < n ? i : 0;
  } catch (e) {
    if (e instanceof Stop) return e.at;
    return 0;
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses a GeoJSON FeatureCollection, Feature, or bare Polygon/MultiPolygon
 * into named polygons, validating everything the index relies on. Throws a
 * GeographyError naming the file, the feature and the field.
 */
export function parsePolygons(text: string, file: string, opts: ParseOptions = {}): NamedPolygons {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /at position (\d+)/.exec(msg);
    const pos = m ? Number(m[1]) : jsonErrorOffset(text);
    const line = lineAt(text, pos);
    const column = pos - text.lastIndexOf('\n', pos - 1);
    throw new GeographyError(
      file,
      `line ${line}, column ${column}`,
      `expected GeoJSON (valid JSON), got a syntax error: ${msg}`,
      line,
    );
  }

  let offsets: number[] | null = null;
  const lineOf = (i: number): number | undefined => {
    offsets ??= featureOffsets(text);
    const off = offsets[i];
    return off === undefined ? undefined : lineAt(text, off);
  };

  const reader = new PolygonReader(file, opts);

  if (!isObject(root)) {
    throw new GeographyError(
      file,
      'top level',
      `expected a GeoJSON object (FeatureCollection, Feature, Polygon or MultiPolygon), got ${show(root)}`,
    );
  }

  switch (root.type) {
    case 'FeatureCollection': {
      const fs = root.features;
      if (!Array.isArray(fs))
        throw new GeographyError(file, 'features', `expected an array of Features, got ${show(fs)}`);
      if (fs.length === 0)
        throw new GeographyError(file, 'features', 'expected at least one feature, got an empty FeatureCollection');
      fs.forEach((f, i) => reader.feature(f, `features[${i}]`, i, lineOf(i)));
      break;
    }
    case 'Feature':
      reader.feature(root, '', 0, undefined);
      break;
    case 'Polygon':
    case 'MultiPolygon':
      if (opts.requireName) {
        throw new GeographyError(
          file,
          'type',
          `expected a Feature or FeatureCollection whose features carry properties.name, got a bare ${root.type}`,
        );
      }
      reader.out.names.push('feature 0');
      reader.out.polygons.push(reader.geometry(root, '', undefined));
      reader.out.properties.push(null);
      break;
    default:
      throw new GeographyError(
        file,
        'type',
        `expected a FeatureCollection, Feature, Polygon or MultiPolygon, got ${typeof root.type === 'string' ? root.type : show(root.type)}`,
      );
  }
  return reader.out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads features, geometries, polygons and rings of one file, each checked, with where it failed. */
class PolygonReader {
  readonly out: NamedPolygons;

  constructor(
    readonly file: string,
    readonly opts: ParseOptions,
  ) {
    this.out = { file, names: [], polygons: [], properties: [] };
  }

  feature(f: unknown, prefix: string, index: number, line: number | undefined): void {
    const at = (field: string): string => (prefix ? `${prefix}.${field}` : field);
    if (!isObject(f))
      throw new GeographyError(this.file, prefix || 'top level', `expected a Feature object, got ${show(f)}`, line);
    if (f.type !== 'Feature')
      throw new GeographyError(this.file, at('type'), `expected "Feature", got ${show(f.type)}`, line);
    const props = f.properties;
    if (props !== undefined && props !== null && !isObject(props)) {
      throw new GeographyError(this.file, at('properties'), `expected an object or null, got ${show(props)}`, line);
    }
    const name = isObject(props) ? props.name : undefined;
    let finalName: string;
    if (name === undefined || name === null || name === '') {
      if (this.opts.requireName) {
        throw new GeographyError(
          this.file,
          at('properties.name'),
          `expected a non-empty string naming the port, got ${show(name)}`,
          line,
        );
      }
      finalName = `feature ${index}`;
    } else if (typeof name !== 'string') {
      throw new GeographyError(this.file, at('properties.name'), `expected a string, got ${show(name)}`, line);
    } else {
      finalName = name;
    }
    const polys = this.geometry(f.geometry, at('geometry'), line);
    this.out.names.push(finalName);
    this.out.polygons.push(polys);
    this.out.properties.push(isObject(props) ? props : null);
  }

  geometry(g: unknown, where: string, line: number | undefined): Polygon[] {
    if (!isObject(g))
      throw new GeographyError(this.file, where, `expected a Polygon or MultiPolygon geometry, got ${show(g)}`, line);
    const sub = (s: string): string => (where ? `${where}.${s}` : s);
    if (g.type === 'Polygon') return [this.polygon(g.coordinates, sub('coordinates'), line)];
    if (g.type === 'MultiPolygon') {
      const c = g.coordinates;
      if (!Array.isArray(c) || c.length === 0) {
        throw new GeographyError(
          this.file,
          sub('coordinates'),
          `expected an array of at least one polygon, got ${show(c)}`,
          line,
        );
      }
      return c.map((p, i) => this.polygon(p, `${sub('coordinates')}[${i}]`, line));
    }
    throw new GeographyError(
      this.file,
      where || 'type',
      `expected a Polygon or MultiPolygon, got ${typeof g.type === 'string' ? g.type : show(g.type)}`,
      line,
    );
  }

  polygon(c: unknown, where: string, line: number | undefined): Polygon {
    if (!Array.isArray(c) || c.length === 0) {
      throw new GeographyError(this.file, where, `expected an array of rings (outer ring first), got ${show(c)}`, line);
    }
    return c.map((r, i) => this.ring(r, `${where}[${i}]`, line));
  }

  ring(r: unknown, where: string, line: number | undefined): Ring {
    if (!Array.isArray(r))
      throw new GeographyError(this.file, where, `expected a ring (an array of positions), got ${show(r)}`, line);
    if (r.length < 4)
      throw new GeographyError(
        this.file,
        where,
        `expected a ring of at least 4 positions (closed: last equal to first), got ${r.length}`,
        line,
      );
    const ring: Ring = [];
    for (let k = 0; k < r.length; k++) {
      const p: unknown = r[k];
      const pw = `${where}[${k}]`;
      if (!Array.isArray(p) || p.length < 2)
        throw new GeographyError(this.file, pw, `expected a position [longitude, latitude], got ${show(p)}`, line);
      const [lon, lat] = p as unknown[];
      if (typeof lon !== 'number' || !Number.isFinite(lon))
        throw new GeographyError(this.file, `${pw}[0]`, `expected a longitude (number), got ${show(lon)}`, line);
      if (typeof lat !== 'number' || !Number.isFinite(lat))
        throw new GeographyError(this.file, `${pw}[1]`, `expected a latitude (number), got ${show(lat)}`, line);
      if (lon < -360 || lon > 360) {
        throw new GeographyError(
          this.file,
          `${pw}[0]`,
          `expected a longitude in [-180, 180] (up to ±360 for a ring continued across the antimeridian), got ${lon}`,
          line,
        );
      }
      if (lat < -90 || lat > 90)
        throw new GeographyError(this.file, `${pw}[1]`, `expected a latitude in [-90, 90], got ${lat}`, line);
      ring.push([lon, lat]);
    }
    const first = ring[0]!;
    const last = ring[ring.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      throw new GeographyError(
        this.file,
        where,
        `expected a closed ring (last position equal to the first), got first ${JSON.stringify(first)} and last ${JSON.stringify(last)}`,
        line,
      );
    }
    const unwrapped = unwrapRing(ring);
    const u0 = unwrapped[0]!;
    const u1 = unwrapped[unwrapped.length - 1]!;
    if (Math.abs(u0[0] - u1[0]) > 1e-9) {
      throw new GeographyError(
        this.file,
        where,
        'expected a ring that comes back across the antimeridian, got one that goes round a pole: split it into polygons that do not contain a pole',
        line,
      );
    }
    return ring;
  }
}

/** Reads and parses a GeoJSON polygon file (see `parsePolygons`). */
export async function readPolygons(path: string, opts: ParseOptions = {}): Promise<NamedPolygons> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new GeographyError(
      path,
      'file',
      `expected a readable GeoJSON file, got ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parsePolygons(text, path, opts);
}

/* ------------------------------------------------------------------ spherical geometry */

/** Squared chord (on the unit sphere) of an arc of `m` metres; 4 (the diameter squared) from half the circumference on. */
export function metresToChord2(m: number): number {
  const a = m / EARTH_RADIUS_M;
  if (!(a < Math.PI)) return 4;
  const c = 2 * Math.sin(a / 2);
  return c * c;
}

/** Metres of the great-circle arc whose squared chord on the unit sphere is `c2`. */
export function chord2ToMetres(c2: number): number {
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(c2) / 2));
}

/**
 * Squared chord from unit vector p to the great-circle arc a-b (the shorter
 * one), all unit vectors: the perpendicular foot when it falls inside the
 * arc, else the nearer endpoint.
 */
export function arcChord2(
  px: number,
  py: number,
  pz: number,
  ax: number,
  ay: number,
  az: number,
  bx: number,
  by: number,
  bz: number,
): number {
  const dax = px - ax,
    day = py - ay,
    daz = pz - az;
  const dbx = px - bx,
    dby = py - by,
    dbz = pz - bz;
  const da = dax * dax + day * day + daz * daz;
  const db = dbx * dbx + dby * dby + dbz * dbz;
  const nx = ay * bz - az * by,
    ny = az * bx - ax * bz,
    nz = ax * by - ay * bx;
  const nn = nx * nx + ny * ny + nz * nz;
  if (nn > 1e-30) {
    // foot inside the arc: p on the positive side of both planes (n x a) and (b x n), and on a's and b's hemisphere
    const ta = px * (ny * az - nz * ay) + py * (nz * ax - nx * az) + pz * (nx * ay - ny * ax);
    const tb = px * (by * nz - bz * ny) + py * (bz * nx - bx * nz) + pz * (bx * ny - by * nx);
    if (ta >= 0 && tb >= 0 && px * (ax + bx) + py * (ay + by) + pz * (az + bz) > 0) {
      const s = px * nx + py * ny + pz * nz;
      const sin2 = (s * s) / nn;
      // chord^2 = 2 - 2 cos d, written without cancellation
      return (2 * sin2) / (1 + Math.sqrt(Math.max(0, 1 - sin2)));
    }
  }
  return da < db ? da : db;
}

/**
 * Latitude range (degrees) of the great-circle arc between unit vectors a
 * and b whose endpoint latitudes are latA and latB: wider than the endpoints'
 * when the arc bulges poleward (its vertex lies inside it).
 */
export function arcLatRange(
  ax: number,
  ay: number,
  az: number,
  latA: number,
  bx: number,
  by: number,
  bz: number,
  latB: number,
): [number, number] {
  let lo = Math.min(latA, latB);
  let hi = Math.max(latA, latB);
  const nx = ay * bz - az * by,
    ny = az * bx - ax * bz,
    nz = ax * by - ay * bx;
  const nn = nx * nx + ny * ny + nz * nz;
  if (nn > 1e-24) {
    // highest point of the great circle: the north pole projected onto its plane
    const vx = -nx * nz,
      vy = -ny * nz,
      vz = nx * nx + ny * ny;
    for (const sgn of [1, -1]) {
      const wx = sgn * vx,
        wy = sgn * vy,
        wz = sgn * vz;
      const ta = wx * (ny * az - nz * ay) + wy * (nz * ax - nx * az) + wz * (nx * ay - ny * ax);
      const tb = wx * (by * nz - bz * ny) + wy * (bz * nx - bx * nz) + wz * (bx * ny - by * nx);
      if (ta > 0 && tb > 0) {
        const lat = Math.atan2(wz, Math.hypot(wx, wy)) / DEG;
        if (lat > hi) hi = lat;
        if (lat < lo) lo = lat;
      }
    }
  }
  return [lo, hi];
}

/**
 * Longitude/latitude boxes (within [-180, 180]) that hold every point within
 * `maxM` metres of (lat, lon): latitude +- maxM/R; longitude +- asin(sin(d) /
 * cos(the box's most poleward latitude)), the whole circle when the cap
 * reaches a pole; split in two where it crosses the antimeridian. Returns
 * the number of boxes written into `out` (4 numbers each: minLon, minLat,
 * maxLon, maxLat).
 */
export function searchBoxes(lat: number, lon: number, maxM: number, out: Float64Array): number {
  const d = maxM / EARTH_RADIUS_M;
  const pad = 1e-9;
  if (!(d < Math.PI / 2)) {
    out[0] = -180;
    out[1] = -90;
    out[2] = 180;
    out[3] = 90;
    return 1;
  }
  const dLat = d / DEG + pad;
  const minLat = lat - dLat;
  const maxLat = lat + dLat;
  if (minLat <= -90 || maxLat >= 90) {
    out[0] = -180;
    out[1] = Math.max(-90, minLat);
    out[2] = 180;
    out[3] = Math.min(90, maxLat);
    return 1;
  }
  const phi = Math.max(Math.abs(minLat), Math.abs(maxLat)) * DEG;
  const s = Math.sin(d) / Math.cos(phi);
  if (s >= 1) {
    out[0] = -180;
    out[1] = minLat;
    out[2] = 180;
    out[3] = maxLat;
    return 1;
  }
  const dLon = Math.asin(s) / DEG + pad;
  const minLon = lon - dLon;
  const maxLon = lon + dLon;
  if (dLon >= 180) {
    out[0] = -180;
    out[1] = minLat;
    out[2] = 180;
    out[3] = maxLat;
    return 1;
  }
  if (minLon < -180) {
    out[0] = -180;
    out[1] = minLat;
    out[2] = maxLon;
    out[3] = maxLat;
    out[4] = minLon + 360;
    out[5] = minLat;
    out[6] = 180;
    out[7] = maxLat;
    return 2;
  }
  if (maxLon > 180) {
    out[0] = minLon;
    out[1] = minLat;
    out[2] = 180;
    out[3] = maxLat;
    out[4] = -180;
    out[5] = minLat;
    out[6] = maxLon - 360;
    out[7] = maxLat;
    return 2;
  }
  out[0] = minLon;
  out[1] = minLat;
  out[2] = maxLon;
  out[3] = maxLat;
  return 1;
}

/**
 * The ring with continuous longitudes: each step of more than 180° is taken
 * the short way round (±360). A ring that crosses 180° comes back to its first
 * longitude; one that goes round a pole ends 360° away from it.
 */
export function unwrapRing(ring: readonly (readonly number[])[]): Position[] {
  const out: Position[] = [];
  let shift = 0;
  let prev = NaN;
  for (const p of ring) {
    const lon = p[0]!;
    if (out.length > 0) {
      const d = lon + shift - prev;
      if (d > 180) shift -= 360 * Math.round(d / 360);
      else if (d < -180) shift += 360 * Math.round(-d / 360);
    }
    const u = lon + shift;
    out.push([u, p[1]!]);
    prev = u;
  }
  return out;
}

/* ------------------------------------------------------------------ the index */

const MAGIC = 0x504c4754; // "TGLP" little-endian
const VERSION = 1;
const HEADER_U32 = 10;

function align8(n: number): number {
  return (n + 7) & ~7;
}

interface IndexArrays {
  featurePoly: Uint32Array; // nFeatures + 1
  polyFeature: Uint32Array; // nPolys
  polyRing: Uint32Array; // nPolys + 1
  ringVert: Uint32Array; // nRings + 1
  itemPoly: Uint32Array; // nItems
  itemShift: Float64Array; // nItems: added to a query longitude to reach the polygon's unwrapped longitudes
  lon: Float64Array; // nVerts, unwrapped
  lat: Float64Array;
  xyz: Float64Array; // 3 * nVerts, unit vectors
}

/**
 * Polygons (ports, zones, sites) indexed for point queries: a flatbush on the
 * polygons' boxes, then ray casting (containment) or exact point-to-arc
 * distances (see the file's comment for the model). The whole structure is
 * one ArrayBuffer (`toBuffer`/`fromBuffer`) that can be transferred to a
 * worker thread.
 */
export class PolygonIndex {
  /** Number of features (ports, zones...). */
  readonly size: number;
  private readonly names: string[];
  private readonly a: IndexArrays;
  private readonly tree: Flatbush | null;
  private readonly stamp: Uint32Array;
  private stampNow = 0;
  private readonly boxes = new Float64Array(8);

  constructor(p: NamedPolygons);
  /** @internal */
  constructor(p: null, parts: { names: string[]; a: IndexArrays; tree: Flatbush | null });
  constructor(p: NamedPolygons | null, parts?: { names: string[]; a: IndexArrays; tree: Flatbush | null }) {
    if (p) {
      const built = build(p);
      this.names = p.names.slice();
      this.a = built.a;
      this.tree = built.tree;
    } else {
      this.names = parts!.names;
      this.a = parts!.a;
      this.tree = parts!.tree;
    }
    this.size = this.names.length;
    this.stamp = new Uint32Array(this.a.polyFeature.length);
  }

  /** The feature's name (`properties.name`, or `feature N`). */
  name(i: number): string {
    const n = this.names[i];
    if (n === undefined) throw new RangeError(`polygon index ${i} out of range (size ${this.size})`);
    return n;
  }

  /** Index of a feature with a polygon containing the point (holes respected; the lowest index when several do), or -1. */
  contains(lat: number, lon: number): number {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || !this.tree) return -1;
    lon = wrapLon(lon);
    const { itemPoly, itemShift, polyFeature } = this.a;
    let best = -1;
    const items = this.tree.search(lon, lat, lon, lat);
    for (const k of items) {
      const poly = itemPoly[k]!;
      const f = polyFeature[poly]!;
      if (best !== -1 && f >= best) continue;
      if (this.inPolygon(poly, lon + itemShift[k]!, lat)) best = f;
    }
    return best;
  }

  /**
   * Metres from the point to the nearest polygon (0 inside one), looking no
   * farther than maxM: Infinity when none is within maxM. Exact on the
   * sphere: point to great-circle arc for each edge.
   */
  distance(lat: number, lon: number, maxM = Infinity): number {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Number.isNaN(maxM)) return NaN;
    if (!this.tree || maxM < 0) return Infinity;
    if (this.contains(lat, lon) !== -1) return 0;
    lon = wrapLon(lon);
    const cl = Math.cos(lat * DEG);
    const px = cl * Math.cos(lon * DEG),
      py = cl * Math.sin(lon * DEG),
      pz = Math.sin(lat * DEG);
    const limit = metresToChord2(maxM);
    let best = Infinity;
    const { itemPoly, polyRing, ringVert, xyz } = this.a;
    const tick = ++this.stampNow;
    if (tick === 0xffffffff) {
      this.stamp.fill(0);
      this.stampNow = 1;
    }
    const nb = searchBoxes(lat, lon, maxM, this.boxes);
    for (let b = 0; b < nb; b++) {
      const o = b * 4;
      const items: number[] = this.tree.search(
        this.boxes[o]!,
        this.boxes[o + 1]!,
        this.boxes[o + 2]!,
        this.boxes[o + 3]!,
      );
      for (const k of items) {
        const poly = itemPoly[k]!;
        if (this.stamp[poly] === this.stampNow) continue;
        this.stamp[poly] = this.stampNow;
        for (let r = polyRing[poly]!; r < polyRing[poly + 1]!; r++) {
          const end = ringVert[r + 1]! - 1;
          for (let v = ringVert[r]!; v < end; v++) {
            const i = 3 * v;
            const c2 = arcChord2(px, py, pz, xyz[i]!, xyz[i + 1]!, xyz[i + 2]!, xyz[i + 3]!, xyz[i + 4]!, xyz[i + 5]!);
            if (c2 < best) best = c2;
          }
        }
      }
    }
    return best <= limit ? Math.min(chord2ToMetres(best), maxM) : Infinity;
  }

  /** Even-odd ray casting over every ring of the polygon, in its unwrapped longitudes. */
  private inPolygon(poly: number, x: number, y: number): boolean {
    const { polyRing, ringVert, lon, lat } = this.a;
    let inside = false;
    for (let r = polyRing[poly]!; r < polyRing[poly + 1]!; r++) {
      const end = ringVert[r + 1]!;
      for (let v = ringVert[r]! + 1; v < end; v++) {
        const y0 = lat[v - 1]!,
          y1 = lat[v]!;
        if (y0 > y !== y1 > y) {
          const x0 = lon[v - 1]!,
            x1 = lon[v]!;
          if (x < x0 + ((y - y0) / (y1 - y0)) * (x1 - x0)) inside = !inside;
        }
      }
    }
    return inside;
  }

  /**
   * The whole index as one ArrayBuffer: a versioned header, the polygon
   * arrays, the names (JSON) and flatbush's own data. Transfer it to a
   * worker (`postMessage(buf, [buf])`) and rebuild there with `fromBuffer`,
   * which copies nothing.
   */
  toBuffer(): ArrayBuffer {
    const a = this.a;
    const names = new TextEncoder().encode(JSON.stringify(this.names));
    const t = this.tree;
    // flatbush's own bytes: its 8-byte header, the boxes, then the indices
    const treeData = t
      ? new Uint8Array(t.data, t.byteOffset, t._indices.byteOffset + t._indices.byteLength - t.byteOffset)
      : new Uint8Array(0);
    const parts: ArrayBufferView[] = [
      a.featurePoly,
      a.polyFeature,
      a.polyRing,
      a.ringVert,
      a.itemPoly,
      a.itemShift,
      a.lon,
      a.lat,
      a.xyz,
      names,
      treeData,
    ];
    let size = align8(HEADER_U32 * 4);
    for (const p of parts) size += align8(p.byteLength);
    const buf = new ArrayBuffer(size);
    const h = new Uint32Array(buf, 0, HEADER_U32);
    h[0] = MAGIC;
    h[1] = VERSION;
    h[2] = this.names.length;
    h[3] = a.polyFeature.length;
    h[4] = a.ringVert.length - 1;
    h[5] = a.lon.length;
    h[6] = a.itemPoly.length;
    h[7] = names.byteLength;
    h[8] = treeData.byteLength;
    let off = align8(HEADER_U32 * 4);
    const bytes = new Uint8Array(buf);
    for (const p of parts) {
      bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), off);
      off += align8(p.byteLength);
    }
    return buf;
  }

  /** Rebuilds an index from `toBuffer`'s output (views into the buffer, no copy). */
  static fromBuffer(buf: ArrayBuffer | SharedArrayBuffer): PolygonIndex {
    if (buf.byteLength < HEADER_U32 * 4) throw new Error('PolygonIndex.fromBuffer: buffer too short for the header');
    const h = new Uint32Array(buf, 0, HEADER_U32);
    if (h[0] !== MAGIC) throw new Error('PolygonIndex.fromBuffer: not a polygon index (bad magic)');
    if (h[1] !== VERSION) throw new Error(`PolygonIndex.fromBuffer: expected version ${VERSION}, got ${h[1]}`);
    const [nFeatures, nPolys, nRings, nVerts, nItems, nameBytes, treeBytes] = [
      h[2]!,
      h[3]!,
      h[4]!,
      h[5]!,
      h[6]!,
      h[7]!,
      h[8]!,
    ];
    let off = align8(HEADER_U32 * 4);
    const u32 = (n: number): Uint32Array => {
      const v = new Uint32Array(buf, off, n);
      off += align8(n * 4);
      return v;
    };
    const f64 = (n: number): Float64Array => {
      const v = new Float64Array(buf, off, n);
      off += align8(n * 8);
      return v;
    };
    const a: IndexArrays = {
      featurePoly: u32(nFeatures + 1),
      polyFeature: u32(nPolys),
      polyRing: u32(nPolys + 1),
      ringVert: u32(nRings + 1),
      itemPoly: u32(nItems),
      itemShift: f64(nItems),
      lon: f64(nVerts),
      lat: f64(nVerts),
      xyz: f64(3 * nVerts),
    };
    const names = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, off, nameBytes))) as string[];
    off += align8(nameBytes);
    const tree = treeBytes > 0 ? Flatbush.from(buf, off) : null;
    return new PolygonIndex(null, { names, a, tree });
  }
}

function build(p: NamedPolygons): { a: IndexArrays; tree: Flatbush | null } {
  const nFeatures = p.names.length;
  if (p.polygons.length !== nFeatures)
    throw new Error(`PolygonIndex: ${p.file}: ${nFeatures} names for ${p.polygons.length} features`);
  const featurePoly = new Uint32Array(nFeatures + 1);
  const polyFeatureL: number[] = [];
  const polyRingL: number[] = [0];
  const ringVertL: number[] = [0];
  const lonL: number[] = [];
  const latL: number[] = [];
  const boxes: number[] = []; // per polygon: minLon, minLat, maxLon, maxLat (unwrapped)
  for (let f = 0; f < nFeatures; f++) {
    for (const poly of p.polygons[f]!) {
      let outerCentre = NaN;
      let minLon = Infinity,
        maxLon = -Infinity,
        minLat = Infinity,
        maxLat = -Infinity;
      poly.forEach((ring, r) => {
        let u = unwrapRing(ring);
        let lo = Infinity,
          hi = -Infinity;
        for (const q of u) {
          if (q[0] < lo) lo = q[0];
          if (q[0] > hi) hi = q[0];
        }
        // outer ring: its west end in [-180, 180); holes: the copy nearest the outer ring
        const shift =
          r === 0 ? -360 * Math.floor((lo + 180) / 360) : -360 * Math.round(((lo + hi) / 2 - outerCentre) / 360);
        if (shift !== 0) u = u.map(([x, y]) => [x + shift, y]);
        if (r === 0) outerCentre = (lo + hi) / 2 + shift;
        for (const [x, y] of u) {
          lonL.push(x);
          latL.push(y);
          if (x < minLon) minLon = x;
          if (x > maxLon) maxLon = x;
          if (y < minLat) minLat = y;
          if (y > maxLat) maxLat = y;
        }
        ringVertL.push(lonL.length);
      });
      polyFeatureL.push(f);
      polyRingL.push(ringVertL.length - 1);
      boxes.push(minLon, minLat, maxLon, maxLat);
    }
    featurePoly[f + 1] = polyFeatureL.length;
  }
  const nVerts = lonL.length;
  const lon = Float64Array.from(lonL);
  const lat = Float64Array.from(latL);
  const xyz = new Float64Array(3 * nVerts);
  for (let v = 0; v < nVerts; v++) {
    const cl = Math.cos(lat[v]! * DEG);
    xyz[3 * v] = cl * Math.cos(lon[v]! * DEG);
    xyz[3 * v + 1] = cl * Math.sin(lon[v]! * DEG);
    xyz[3 * v + 2] = Math.sin(lat[v]! * DEG);
  }
  const polyRing = Uint32Array.from(polyRingL);
  const ringVert = Uint32Array.from(ringVertL);
  // widen each polygon's latitude range by the poleward bulge of its great-circle edges
  const nPolys = polyFeatureL.length;
  for (let q = 0; q < nPolys; q++) {
    for (let r = polyRing[q]!; r < polyRing[q + 1]!; r++) {
      for (let v = ringVert[r]! + 1; v < ringVert[r + 1]!; v++) {
        const i = 3 * (v - 1);
        const [lo, hi] = arcLatRange(
          xyz[i]!,
          xyz[i + 1]!,
          xyz[i + 2]!,
          lat[v - 1]!,
          xyz[i + 3]!,
          xyz[i + 4]!,
          xyz[i + 5]!,
          lat[v]!,
        );
        if (lo < boxes[4 * q + 1]!) boxes[4 * q + 1] = lo;
        if (hi > boxes[4 * q + 3]!) boxes[4 * q + 3] = hi;
      }
    }
  }
  const itemPolyL: number[] = [];
  const itemShiftL: number[] = [];
  for (let q = 0; q < nPolys; q++) {
    itemPolyL.push(q);
    itemShiftL.push(0);
    if (boxes[4 * q + 2]! > 180) {
      itemPolyL.push(q);
      itemShiftL.push(360);
    }
  }
  let tree: Flatbush | null = null;
  if (itemPolyL.length > 0) {
    tree = new Flatbush(itemPolyL.length);
    for (let k = 0; k < itemPolyL.length; k++) {
      const q = itemPolyL[k]!,
        s = itemShiftL[k]!;
      tree.add(boxes[4 * q]! - s, boxes[4 * q + 1]!, boxes[4 * q + 2]! - s, boxes[4 * q + 3]!);
    }
    tree.finish();
  }
  return {
    a: {
      featurePoly,
      polyFeature: Uint32Array.from(polyFeatureL),
      polyRing,
      ringVert,
      itemPoly: Uint32Array.from(itemPolyL),
      itemShift: Float64Array.from(itemShiftL),
      lon,
      lat,
      xyz,
    },
    tree,
  };
}
