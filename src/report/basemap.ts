/**
 * The offline basemap: Natural Earth land (1:50m) from the world-atlas
 * package, read from node_modules when a report is rendered, so the report
 * needs no tile server and no network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { MultiPolygon, Polygon, Position } from 'geojson';

/** One land polygon (outer ring first) with its lon/lat bounding box, for a cheap cull before projecting. */
export interface LandPolygon {
  rings: Position[][];
  bbox: [number, number, number, number];
}

let cached: LandPolygon[] | null = null;

/** Land polygons of Natural Earth 1:50m, parsed once per process. */
export function landPolygons(): LandPolygon[] {
  if (cached !== null) return cached;
  const require = createRequire(import.meta.url);
  const path = require.resolve('world-atlas/land-50m.json');
  const topology = JSON.parse(readFileSync(path, 'utf8')) as Topology<{ land: GeometryCollection }>;
  const land = feature(topology, topology.objects.land);
  const polygons: LandPolygon[] = [];
  for (const f of land.features) {
    const g = f.geometry as Polygon | MultiPolygon | null;
    if (g === null) continue;
    const parts = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    for (const rings of parts) polygons.push({ rings, bbox: ringBbox(rings[0] ?? []) });
  }
  cached = polygons;
  return polygons;
}

function ringBbox(ring: Position[]): [number, number, number, number] {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const [x = 0, y = 0] of ring) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

/** The polygons whose bounding box meets the view's (lon/lat); polygons across the antimeridian span all longitudes and are kept. */
export function landInView(view: [number, number, number, number]): LandPolygon[] {
  const [vx0, vy0, vx1, vy1] = view;
  return landPolygons().filter(({ bbox: [x0, y0, x1, y1] }) => x0 <= vx1 && x1 >= vx0 && y0 <= vy1 && y1 >= vy0);
}
