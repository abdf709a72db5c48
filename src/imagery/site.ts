/**
 * A site polygon (GeoJSON lon/lat) on an image's pixel grid: through the
 * image's georeference (fromWgs84, then the inverse geotransform) to pixel
 * coordinates, rasterised at pixel centres (even-odd rule over all rings)
 * into the mask that detection and change restrict to.
 */
import { fromWgs84, invertTransform } from './crs.js';
import type { Georeference } from './types.js';

/** Rings in pixel coordinates (corners at integers), even-odd filled at pixel centres. */
export function rasteriseRings(rings: [number, number][][], width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const xs: number[] = [];
  for (let row = 0; row < height; row++) {
    const yc = row + 0.5;
    xs.length = 0;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [x0, y0] = ring[j];
        const [x1, y1] = ring[i];
        if (y0 > yc !== y1 > yc) xs.push(x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0));
      }
    }
    if (xs.length < 2) continue;
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // pixel centres col + .5 in [xs[k], xs[k+1])
      const c0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const c1 = Math.min(width - 1, Math.ceil(xs[k + 1] - 0.5) - 1);
      if (c1 >= c0) mask.fill(1, row * width + c0, row * width + c1 + 1);
    }
  }
  return mask;
}

/** GeoJSON rings ([lon, lat]) to pixel coordinates of the georeference (column, row; corners at integers). */
export function sitePixelRings(polygons: [number, number][][][], geo: Georeference): [number, number][][] {
  const out: [number, number][][] = [];
  for (const poly of polygons) {
    for (const ring of poly) {
      out.push(
        ring.map(([lon, lat]) => {
          const [x, y] = fromWgs84(geo.epsg, lon, lat);
          return invertTransform(geo.transform, x, y);
        }),
      );
    }
  }
  return out;
}
