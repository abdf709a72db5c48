/**
 * GeoJSON polygons of the traffic scenarios and the feed: the port and zone
 * boxes written as ports.geojson and zone.geojson, and the ring of one.
 */

export interface GeoFeature {
  type: 'Feature';
  properties: { name: string; [k: string]: unknown };
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
}

export interface GeoCollection {
  type: 'FeatureCollection';
  features: GeoFeature[];
}

export function boxFeature(
  name: string,
  west: number,
  south: number,
  east: number,
  north: number,
  props: Record<string, unknown> = {},
): GeoFeature {
  return {
    type: 'Feature',
    properties: { name, ...props },
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [west, south],
          [east, south],
          [east, north],
          [west, north],
          [west, south],
        ],
      ],
    },
  };
}

export const collection = (features: GeoFeature[]): GeoCollection => ({ type: 'FeatureCollection', features });

/** A port polygon: a box of about `halfM` metres around a point. */
export function portBox(name: string, lat: number, lon: number, halfM = 1500): GeoFeature {
  const dLat = halfM / 111_195;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  const r = (x: number): number => Math.round(x * 1e6) / 1e6;
  return boxFeature(name, r(lon - dLon), r(lat - dLat), r(lon + dLon), r(lat + dLat));
}

export const ringOf = (f: GeoFeature): number[][] =>
  f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
