/**
 * Distance from shore, from Natural Earth's land polygons as packaged by
 * world-atlas (TopoJSON, land-10m by default).
 *
 * - Coastline: every edge of every land ring (holes included: the Caspian's
 *   shore is a shore), less the artificial edges where Natural Earth cuts
 *   land at the antimeridian (edges along ±180°) and around the South Pole.
 *   One flatbush box per edge, in lon/lat; a query with maxM up to 50 km
 *   (the loitering rule's 37,040 m) searches only the box that holds every
 *   point within maxM (see `searchBoxes`), then takes the exact distance to
 *   each edge as a great-circle arc on the sphere of radius EARTH_RADIUS_M
 *   (no projection). A larger maxM, when nothing lies within 50 km, walks
 *   flatbush's tree best-first with a geodesic lower bound per node box
 *   (reading its packed arrays `_boxes`, `_indices`, `_levelBounds`), and
 *   stops at maxM.
 * - On land: planar point in polygon (RFC 7946's straight lon/lat edges),
 *   even-odd over all rings. A 0.1° grid records which cells no edge touches
 *   and whether each of those is land or sea; a point in such a cell is
 *   answered from the grid, one in a cell that an edge touches by a short ray
 *   cast east to the next untouched cell of its row.
 *
 * Precision: world-atlas quantizes the coordinates to a grid of 0.0036° in
 * longitude by about 0.0017° in latitude (about 400 m by 190 m at the
 * equator), and Natural Earth's 1:10m generalisation itself is of the order
 * of a few hundred metres: distances are exact to the polygons, the
 * polygons are that close to the real coast.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Flatbush from 'flatbush';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { arcChord2, arcLatRange, chord2ToMetres, metresToChord2, searchBoxes, type Polygon } from './geography.js';
import { wrapLon } from './geo.js';

const DEG = Math.PI / 180;
/** Grid cells per degree for the land/sea grid. */
const GRID_PER_DEG = 10;
const SEA = 0;
const LAND = 1;
const MIXED = 2;
/** Up to this radius (m) a query searches the box around the point; beyond, the tree best-first (faster when the coast is far). */
const FIRST_RADIUS_M = 50_000;

export type ShoreResolution = '10m' | '50m' | '110m';

const cache = new Map<ShoreResolution, ShoreDistance>();

/** Is this longitude the antimeridian (±180) up to the data's rounding? */
function onAntimeridian(lon: number): boolean {
  return Math.abs(lon) > 180 - 1e-9;
}

/**
 * Natural Earth rings meet the antimeridian with vertices at ±180, and
 * world-atlas writes some +180 as -180: give each such vertex the sign of its
 * nearest neighbour off the antimeridian. Then a ring that still jumps across
 * 180° once goes round a pole (Antarctica): replace the jump by a detour
 * along the antimeridian to the pole and back. Returns [lon, lat] pairs,
 * closed, and for each edge (from vertex k to k + 1) whether it is real coast.
 */
function normaliseRing(ring: readonly (readonly number[])[]): { pts: number[]; coast: boolean[] } {
  const n = ring.length - 1; // distinct vertices; ring[n] repeats ring[0]
  const lon: number[] = [];
  const lat: number[] = [];
  for (let k = 0; k < n; k++) {
    lon.push(ring[k]![0]!);
    lat.push(ring[k]![1]!);
  }
  for (let k = 0; k < n; k++) {
    if (!onAntimeridian(lon[k]!)) continue;
    for (let step = 1; step <= n / 2 + 1; step++) {
      const f = lon[(k + step) % n]!;
      if (!onAntimeridian(f)) {
        lon[k] = f > 0 ? 180 : -180;
        break;
      }
      const b = lon[(k - step + n) % n]!;
      if (!onAntimeridian(b)) {
        lon[k] = b > 0 ? 180 : -180;
        break;
      }
    }
  }
  let jumps = 0;
  let meanLat = 0;
  for (let k = 0; k < n; k++) {
    if (Math.abs(lon[(k + 1) % n]! - lon[k]!) > 180) jumps++;
    meanLat += lat[k]!;
  }
  meanLat /= Math.max(1, n);
  const pts: number[] = [];
  const coast: boolean[] = [];
  const push = (x: number, y: number, edgeIsCoast: boolean | null): void => {
    if (edgeIsCoast !== null) coast.push(edgeIsCoast);
    pts.push(x, y);
  };
  const pole = meanLat < 0 ? -90 : 90;
  for (let k = 0; k <= n; k++) {
    const x = lon[k % n]!,
      y = lat[k % n]!;
    if (k === 0) {
      push(x, y, null);
      continue;
    }
    const px = pts[pts.length - 2]!,
      py = pts[pts.length - 1]!;
    if (jumps % 2 === 1 && Math.abs(x - px) > 180) {
      // crossing 180° the short way: interpolate the crossing latitude, detour by the pole
      const east = px > 0; // going east across +180 to -180
      const span = east ? x + 360 - px : px + 360 - x;
      const t = span > 0 ? (east ? 180 - px : px + 180) / span : 0;
      const yc = py + (y - py) * t;
      const s = east ? 180 : -180;
      push(s, yc, !onAntimeridian(px));
      push(s, pole, false);
      push(-s, pole, false);
      push(-s, yc, false);
      push(x, y, !onAntimeridian(x));
      continue;
    }
    const artificial =
      (onAntimeridian(x) && onAntimeridian(px) && x === px) || (Math.abs(y) === 90 && Math.abs(py) === 90);
    push(x, y, !artificial);
  }
  return { pts, coast };
}

/** Edges of the land, for checks and tools: four numbers per edge (lon1, lat1, lon2, lat2) and whether it is coast. */
export interface ShoreEdges {
  coords: Float64Array;
  coast: Uint8Array;
}

/**
 * Metres from a position to the nearest coastline, and whether it is on
 * land. Build with `ShoreDistance.load()` (Natural Earth via world-atlas) or
 * from any land polygons.
 */
export class ShoreDistance {
  /** Number of coastline edges indexed. */
  readonly coastEdges: number;
  /** Number of edges in all (coast and artificial). */
  readonly edgeCount: number;
  private readonly lonLat: Float64Array; // 2 per vertex
  private readonly xyz: Float64Array; // 3 per vertex
  private readonly edgeStart: Uint32Array; // edge e runs from vertex edgeStart[e] to edgeStart[e] + 1
  private readonly coast: Uint8Array;
  private readonly tree: Flatbush;
  private readonly grid: Uint8Array;
  private readonly gridW = 360 * GRID_PER_DEG;
  private readonly gridH = 180 * GRID_PER_DEG;
  private readonly boxes = new Float64Array(8);
  private readonly heap = new MinHeap();
  // state of the query in flight, read by the flatbush callbacks
  private qx = 0;
  private qy = 0;
  private qz = 0;
  private best = Infinity;
  private rayX = 0;
  private rayY = 0;
  private rayEnd = 0;
  private crossings = 0;

  /**
   * Land polygons as [lon, lat] rings (outer ring, then holes), longitudes
   * within [-180, 180] (Natural Earth's cut at the antimeridian is handled).
   */
  constructor(polygons: readonly Polygon[]) {
    const lonLat: number[] = [];
    const edgeStart: number[] = [];
    const coast: number[] = [];
    for (const poly of polygons) {
      for (const ring of poly) {
        if (ring.length < 4) continue;
        const { pts, coast: c } = normaliseRing(ring);
        const v0 = lonLat.length / 2;
        for (let k = 0; k < c.length; k++) {
          edgeStart.push(v0 + k);
          coast.push(c[k] ? 1 : 0);
        }
        for (const x of pts) lonLat.push(x);
      }
    }
    this.lonLat = Float64Array.from(lonLat);
    const nv = this.lonLat.length / 2;
    this.xyz = new Float64Array(3 * nv);
    for (let v = 0; v < nv; v++) {
      const lo = this.lonLat[2 * v]! * DEG,
        la = this.lonLat[2 * v + 1]! * DEG;
      const cl = Math.cos(la);
      this.xyz[3 * v] = cl * Math.cos(lo);
      this.xyz[3 * v + 1] = cl * Math.sin(lo);
      this.xyz[3 * v + 2] = Math.sin(la);
    }
    this.edgeStart = Uint32Array.from(edgeStart);
    this.coast = Uint8Array.from(coast);
    this.edgeCount = this.edgeStart.length;
    this.coastEdges = coast.reduce((s, c) => s + c, 0);
    if (this.edgeCount === 0) throw new Error('ShoreDistance: no land polygons');

    this.tree = new Flatbush(this.edgeCount);
    const { xyz } = this;
    for (let e = 0; e < this.edgeCount; e++) {
      const a = this.edgeStart[e]!,
        b = a + 1;
      const x0 = this.lonLat[2 * a]!,
        y0 = this.lonLat[2 * a + 1]!,
        x1 = this.lonLat[2 * b]!,
        y1 = this.lonLat[2 * b + 1]!;
      let lo = Math.min(y0, y1),
        hi = Math.max(y0, y1);
      if (this.coast[e]) {
        [lo, hi] = arcLatRange(
          xyz[3 * a]!,
          xyz[3 * a + 1]!,
          xyz[3 * a + 2]!,
          y0,
          xyz[3 * b]!,
          xyz[3 * b + 1]!,
          xyz[3 * b + 2]!,
          y1,
        );
      }
      this.tree.add(Math.min(x0, x1), lo, Math.max(x0, x1), hi);
    }
    this.tree.finish();
    this.grid = this.buildGrid();
  }

  /**
   * Natural Earth's land at 1:10m (default), 1:50m or 1:110m from the
   * world-atlas package; built once per process and resolution.
   */
  static load(resolution: ShoreResolution = '10m'): ShoreDistance {
    const hit = cache.get(resolution);
    if (hit) return hit;
    if (resolution !== '10m' && resolution !== '50m' && resolution !== '110m') {
      throw new Error(`ShoreDistance.load: expected a resolution of 10m, 50m or 110m, got ${String(resolution)}`);
    }
    const path = createRequire(import.meta.url).resolve(`world-atlas/land-${resolution}.json`);
    const topology = JSON.parse(readFileSync(path, 'utf8')) as Topology;
    const land = topology.objects.land as GeometryCollection | undefined;
    if (!land) throw new Error(`ShoreDistance.load: ${path} has no "land" object`);
    const fc = feature(topology, land) as FeatureCollection | Feature;
    const polygons: Polygon[] = [];
    const add = (g: Geometry | null): void => {
      if (!g) return;
      if (g.type === 'Polygon') polygons.push(g.coordinates as Polygon);
      else if (g.type === 'MultiPolygon') for (const p of g.coordinates) polygons.push(p as Polygon);
      else if (g.type === 'GeometryCollection') g.geometries.forEach(add);
    };
    if (fc.type === 'FeatureCollection') for (const f of fc.features) add(f.geometry);
    else add(fc.geometry);
    const shore = new ShoreDistance(polygons);
    cache.set(resolution, shore);
    return shore;
  }

  /**
   * Metres from (lat, lon) to the nearest coastline point; 0 on land;
   * Infinity when the coast is farther than maxM (the search stops there).
   */
  distance(lat: number, lon: number, maxM = Infinity): number {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat < -90 || lat > 90 || Number.isNaN(maxM)) return NaN;
    lon = wrapLon(lon);
    if (this.onLand(lat, lon)) return 0;
    if (maxM < 0) return Infinity;
    const cl = Math.cos(lat * DEG);
    this.qx = cl * Math.cos(lon * DEG);
    this.qy = cl * Math.sin(lon * DEG);
    this.qz = Math.sin(lat * DEG);
    const limit = metresToChord2(maxM);
    // near: one box search (the loitering rule's 37 km is this case); found nothing: best-first, pruned at maxM
    const radius = Math.min(maxM, FIRST_RADIUS_M);
    let c2 = this.nearestChord2(lat, lon, radius);
    if (!(c2 <= metresToChord2(radius)) && radius < maxM) c2 = this.nearestChord2BestFirst(lat, lon, limit);
    return c2 <= limit ? Math.min(chord2ToMetres(c2), maxM) : Infinity;
  }

  /** Metres to the nearest coastline by scanning every edge (no index, no grid): for checks. Ignores land: 0 only on the coast itself. */
  distanceBruteForce(lat: number, lon: number): number {
    const cl = Math.cos(lat * DEG);
    const px = cl * Math.cos(lon * DEG),
      py = cl * Math.sin(lon * DEG),
      pz = Math.sin(lat * DEG);
    const { xyz, edgeStart, coast } = this;
    let best = Infinity;
    for (let e = 0; e < this.edgeCount; e++) {
      if (!coast[e]) continue;
      const i = 3 * edgeStart[e]!;
      const c2 = arcChord2(px, py, pz, xyz[i]!, xyz[i + 1]!, xyz[i + 2]!, xyz[i + 3]!, xyz[i + 4]!, xyz[i + 5]!);
      if (c2 < best) best = c2;
    }
    return chord2ToMetres(best);
  }

  /** True when the point is on land (inside a land polygon). */
  onLand(lat: number, lon: number): boolean {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat < -90 || lat > 90) return false;
    lon = wrapLon(lon);
    const W = this.gridW;
    const row = Math.min(this.gridH - 1, Math.floor((lat + 90) * GRID_PER_DEG));
    const col = Math.min(W - 1, Math.floor((lon + 180) * GRID_PER_DEG));
    const base = row * W;
    const cell = this.grid[base + col]!;
    if (cell !== MIXED) return cell === LAND;
    // ray east to the next cell that no edge touches: its state, flipped by each crossing on the way
    for (let c = col + 1; c < W; c++) {
      const s = this.grid[base + c]!;
      if (s === MIXED) continue;
      const x0 = -180 + c / GRID_PER_DEG;
      return (this.crossingsEast(lat, lon, x0) % 2 === 1) !== (s === LAND);
    }
    return this.crossingsEast(lat, lon, Infinity) % 2 === 1;
  }

  /** Whether the point is inside the land polygons by a ray cast over every edge (no index, no grid): for checks. */
  onLandBruteForce(lat: number, lon: number): boolean {
    lon = wrapLon(lon);
    const { lonLat, edgeStart } = this;
    let inside = false;
    for (let e = 0; e < this.edgeCount; e++) {
      const a = 2 * edgeStart[e]!;
      const y0 = lonLat[a + 1]!,
        y1 = lonLat[a + 3]!;
      if (y0 > lat !== y1 > lat) {
        const x0 = lonLat[a]!,
          x1 = lonLat[a + 2]!;
        if (lon < x0 + ((lat - y0) / (y1 - y0)) * (x1 - x0)) inside = !inside;
      }
    }
    return inside;
  }

  /** Every edge's coordinates and whether it is coast (the antimeridian and polar cuts are not). */
  edges(): ShoreEdges {
    const coords = new Float64Array(4 * this.edgeCount);
    for (let e = 0; e < this.edgeCount; e++) {
      const a = 2 * this.edgeStart[e]!;
      coords.set(this.lonLat.subarray(a, a + 4), 4 * e);
    }
    return { coords, coast: this.coast.slice() };
  }

  /** Bytes held by the structure's typed arrays (index and grid included). */
  get byteLength(): number {
    return (
      this.lonLat.byteLength +
      this.xyz.byteLength +
      this.edgeStart.byteLength +
      this.coast.byteLength +
      this.tree.data.byteLength +
      this.grid.byteLength
    );
  }

  /* -------------------------------------------------------------- internals */

  /** Least squared chord from the current query point to a coast edge whose box meets the search box of `radius` metres around it. */
  private nearestChord2(lat: number, lon: number, radius: number): number {
    this.best = Infinity;
    const nb = searchBoxes(lat, lon, radius, this.boxes);
    for (let b = 0; b < nb; b++) {
      const o = 4 * b;
      this.tree.search(this.boxes[o]!, this.boxes[o + 1]!, this.boxes[o + 2]!, this.boxes[o + 3]!, this.visitEdge);
    }
    return this.best;
  }

  /**
   * Least squared chord from the current query point to a coast edge, if
   * below `limit` (else Infinity): best-first over flatbush's tree (its
   * packed boxes), nodes ordered by a lower bound of the geodesic distance to
   * their box, so a far coast costs a few hundred nodes, not every edge in a
   * continent-sized box.
   */
  private nearestChord2BestFirst(lat: number, lon: number, limit: number): number {
    const t = this.tree;
    const boxes = t._boxes as Float64Array;
    const indices = t._indices;
    const levelBounds = t._levelBounds;
    const nodeSize4 = t.nodeSize * 4;
    const leaves4 = t.numItems * 4;
    const xyz = this.xyz,
      edgeStart = this.edgeStart,
      coast = this.coast;
    const qx = this.qx,
      qy = this.qy,
      qz = this.qz;
    const cosLat = Math.cos(lat * DEG);
    const poleGap = (90 - Math.abs(lat)) * DEG;
    let best = limit;
    let found = false;
    const heap = this.heap;
    heap.clear();
    let node = boxes.length - 4;
    for (;;) {
      let upper = 0;
      while (levelBounds[upper]! <= node) upper++;
      const end = Math.min(node + nodeSize4, levelBounds[upper]!);
      for (let pos = node; pos < end; pos += 4) {
        const index = indices[pos >> 2]!;
        if (pos < leaves4) {
          if (coast[index] === 0) continue;
          const i = 3 * edgeStart[index]!;
          const c2 = arcChord2(qx, qy, qz, xyz[i]!, xyz[i + 1]!, xyz[i + 2]!, xyz[i + 3]!, xyz[i + 4]!, xyz[i + 5]!);
          if (c2 <= best) {
            best = c2;
            found = true;
          }
          continue;
        }
        // lower bound of the distance to the box: its latitude gap, and the gap to the nearer bounding meridian
        const x0 = boxes[pos]!,
          y0 = boxes[pos + 1]!,
          x1 = boxes[pos + 2]!,
          y1 = boxes[pos + 3]!;
        let a = (y0 > lat ? y0 - lat : lat > y1 ? lat - y1 : 0) * DEG;
        if (lon < x0 || lon > x1) {
          let dl = x0 - lon;
          if (dl < 0) dl += 360;
          let dr = lon - x1;
          if (dr < 0) dr += 360;
          const dLon = (dl < dr ? dl : dr) * DEG;
          const m = dLon >= Math.PI / 2 ? poleGap : Math.asin(Math.sin(dLon) * cosLat);
          if (m > a) a = m;
        }
        const h = Math.sin(a / 2);
        const lb = 4 * h * h;
        if (lb <= best) heap.push(index, lb);
      }
      if (heap.length === 0) break;
      if (heap.peekPriority() > best) break;
      node = heap.pop();
    }
    return found ? best : Infinity;
  }

  private readonly visitEdge = (e: number): boolean => {
    if (this.coast[e] === 0) return false;
    const i = 3 * this.edgeStart[e]!;
    const x = this.xyz;
    const c2 = arcChord2(this.qx, this.qy, this.qz, x[i]!, x[i + 1]!, x[i + 2]!, x[i + 3]!, x[i + 4]!, x[i + 5]!);
    if (c2 < this.best) this.best = c2;
    return false;
  };

  /** Edges crossed by the horizontal ray from (lon, lat) east to xEnd (exclusive; Infinity: to the end of the map, inclusive). */
  private crossingsEast(lat: number, lon: number, xEnd: number): number {
    this.rayX = lon;
    this.rayY = lat;
    this.rayEnd = xEnd;
    this.crossings = 0;
    this.tree.search(lon, lat, Math.min(xEnd, 180), lat, this.visitRay);
    return this.crossings;
  }

  private readonly visitRay = (e: number): boolean => {
    const a = 2 * this.edgeStart[e]!;
    const ll = this.lonLat;
    const y0 = ll[a + 1]!,
      y1 = ll[a + 3]!,
      y = this.rayY;
    if (y0 > y !== y1 > y) {
      const x0 = ll[a]!,
        x1 = ll[a + 2]!;
      const xi = x0 + ((y - y0) / (y1 - y0)) * (x1 - x0);
      if (xi > this.rayX && xi < this.rayEnd) this.crossings++;
    }
    return false;
  };

  /**
   * The land/sea grid: cells that an edge's box touches are MIXED; the others
   * take the state of their centre, from a sweep of each row's centre line.
   */
  private buildGrid(): Uint8Array {
    const W = this.gridW,
      H = this.gridH;
    const grid = new Uint8Array(W * H);
    const eps = 1e-9;
    const col = (x: number): number => Math.max(0, Math.min(W - 1, Math.floor((x + 180) * GRID_PER_DEG)));
    const row = (y: number): number => Math.max(0, Math.min(H - 1, Math.floor((y + 90) * GRID_PER_DEG)));
    const ll = this.lonLat;
    for (let e = 0; e < this.edgeCount; e++) {
      const a = 2 * this.edgeStart[e]!;
      const x0 = ll[a]!,
        y0 = ll[a + 1]!,
        x1 = ll[a + 2]!,
        y1 = ll[a + 3]!;
      const c0 = col(Math.min(x0, x1) - eps),
        c1 = col(Math.max(x0, x1) + eps);
      const r0 = row(Math.min(y0, y1) - eps),
        r1 = row(Math.max(y0, y1) + eps);
      for (let r = r0; r <= r1; r++) grid.fill(MIXED, r * W + c0, r * W + c1 + 1);
    }
    const xs: number[] = [];
    for (let r = 0; r < H; r++) {
      const y = -90 + (r + 0.5) / GRID_PER_DEG;
      xs.length = 0;
      this.tree.search(-180, y, 180, y, (e) => {
        const a = 2 * this.edgeStart[e]!;
        const ya = ll[a + 1]!,
          yb = ll[a + 3]!;
        if (ya > y !== yb > y) {
          const xa = ll[a]!,
            xb = ll[a + 2]!;
          xs.push(xa + ((y - ya) / (yb - ya)) * (xb - xa));
        }
        return false;
      });
      xs.sort((p, q) => p - q);
      // crossings east of the cell centre: all of them less those at or west of it
      let west = 0;
      for (let c = 0; c < W; c++) {
        const x = -180 + (c + 0.5) / GRID_PER_DEG;
        while (west < xs.length && xs[west]! <= x) west++;
        const i = r * W + c;
        if (grid[i] !== MIXED) grid[i] = (xs.length - west) % 2 === 1 ? LAND : SEA;
      }
    }
    return grid;
  }
}

/** A binary min-heap of (id, priority), reused across queries. */
class MinHeap {
  private ids = new Uint32Array(1024);
  private pri = new Float64Array(1024);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(id: number, p: number): void {
    if (this.length === this.ids.length) {
      const ids = new Uint32Array(this.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const pri = new Float64Array(this.length * 2);
      pri.set(this.pri);
      this.pri = pri;
    }
    let i = this.length++;
    const { ids, pri } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pp = pri[parent]!;
      if (pp <= p) break;
      ids[i] = ids[parent]!;
      pri[i] = pp;
      i = parent;
    }
    ids[i] = id;
    pri[i] = p;
  }

  peekPriority(): number {
    return this.pri[0]!;
  }

  pop(): number {
    const { ids, pri } = this;
    const top = ids[0]!;
    const n = --this.length;
    if (n > 0) {
      const id = ids[n]!,
        p = pri[n]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && pri[c + 1]! < pri[c]!) c++;
        if (pri[c]! >= p) break;
        ids[i] = ids[c]!;
        pri[i] = pri[c]!;
        i = c;
      }
      ids[i] = id;
      pri[i] = p;
    }
    return top;
  }
}
