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

/**
 * A site's area in square pixels, whole and inside the image [0, width] × [0, height]
 * (each polygon's outer ring less its holes, clipped exactly), from its rings
 * in pixel coordinates grouped by polygon: the part outside is ground a pass
 * does not show.
 */
export function siteAreaPx(
  polygons: [number, number][][][],
  width: number,
  height: number,
): { whole: number; inside: number } {
  let whole = 0;
  let inside = 0;
  for (const poly of polygons) {
    poly.forEach((ring, k) => {
      const sign = k === 0 ? 1 : -1;
      whole += sign * Math.abs(ringArea(ring));
      inside += sign * Math.abs(ringArea(clipRing(ring, width, height)));
    });
  }
  return { whole: Math.max(0, whole), inside: Math.max(0, inside) };
}

function ringArea(ring: [number, number][]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return s / 2;
}

/** Sutherland-Hodgman: the ring clipped to the rectangle [0, w] × [0, h]. */
function clipRing(ring: [number, number][], w: number, h: number): [number, number][] {
  const edges: [(p: [number, number]) => number][] = [
    [(p) => p[0]],
    [(p) => w - p[0]],
    [(p) => p[1]],
    [(p) => h - p[1]],
  ];
  let out = ring;
  for (const [d] of edges) {
    const inp = out;
    out = [];
    for (let i = 0; i < inp.length; i++) {
      const a = inp[(i + inp.length - 1) % inp.length];
      const b = inp[i];
      const da = d(a);
      const db = d(b);
      if (db >= 0) {
        if (da < 0) out.push(lerp(a, b, da / (da - db)));
        out.push(b);
      } else if (da >= 0) out.push(lerp(a, b, da / (da - db)));
    }
    if (!out.length) break;
  }
  return out;
}

const lerp = (a: [number, number], b: [number, number], t: number): [number, number] => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
];
