/**
 * Detections carry WGS 84 lat/lon on every CRS that crs.ts supports: the
 * detector converts through crs.ts, not a table of its own (one that lacked
 * ETRS89 once left detections on EPSG:25832 and EPSG:4258 without lat/lon).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderScene, type SceneSpec } from '../src/scenario/scenes.js';
import { ClassicalDetector, type DetectOptions } from '../src/imagery/detect/index.js';
import { applyTransform, toWgs84 } from '../src/imagery/crs.js';
import type { Detection, GeoTransform, Raster } from '../src/imagery/types.js';

const GSD = 0.5;
const spec: SceneSpec = {
  widthM: 120,
  heightM: 120,
  gsd: GSD,
  terrain: { base: 110, contrast: 6 },
  noise: 2,
  objects: [
    { x_m: 40, y_m: 50, length_m: 22, width_m: 3, heading_deg: 30, polarity: 'bright', contrast: 50 },
    { x_m: 80, y_m: 75, length_m: 22, width_m: 3, heading_deg: 120, polarity: 'bright', contrast: 50 },
  ],
};
const opts: DetectOptions = { gsd: { x: GSD, y: GSD }, lengthM: [20, 25], widthM: [2.7, 3.3] };

function detectOn(raster: Raster, epsg: number, transform: GeoTransform): Detection[] {
  const found = new ClassicalDetector().detect({ ...raster, geo: { epsg, transform } }, opts);
  assert.equal(found.length, 2, `${found.length} detections on EPSG:${epsg}`);
  return found;
}

test('detections on ETRS89 / UTM 32N (EPSG:25832) carry their lat/lon', () => {
  const { raster } = renderScene(spec, 3);
  // easting 500,000 m, the zone's central meridian (9° E), falls on column 100
  const t: GeoTransform = [500_000 - 100 * GSD, GSD, 0, 5_540_000, 0, -GSD];
  const etrs = detectOn(raster, 25832, t);
  // WGS 84 and ETRS89 agree to well under a metre: the same image on WGS 84 / UTM 32N
  const wgs = detectOn(raster, 32632, t);
  etrs.forEach((d, k) => {
    assert.ok(d.lat !== null && d.lon !== null, 'lat/lon present');
    const [lon, lat] = toWgs84(25832, ...applyTransform(t, d.x, d.y));
    assert.equal(d.lon, lon);
    assert.equal(d.lat, lat);
    assert.ok(Math.abs(d.lat - wgs[k].lat!) < 1e-7 && Math.abs(d.lon - wgs[k].lon!) < 1e-7);
    // about 50° N, and east or west of 9° E as the column is right or left of 100
    assert.ok(d.lat > 49.9 && d.lat < 50.1, `lat ${d.lat}`);
    assert.equal(Math.sign(d.lon - 9), Math.sign(d.x - 100));
  });
  // on the central meridian itself, the longitude is 9° exactly
  assert.ok(Math.abs(toWgs84(25832, ...applyTransform(t, 100, 0))[0] - 9) < 1e-9);
});

test('detections on ETRS89 geographic (EPSG:4258) carry their lat/lon', () => {
  const { raster } = renderScene(spec, 3);
  const deg = 5e-6;
  const t: GeoTransform = [9, deg, 0, 50, 0, -deg];
  for (const d of detectOn(raster, 4258, t)) {
    assert.ok(d.lat !== null && d.lon !== null, 'lat/lon present');
    // ETRS89 and WGS 84 coordinates agree far below the pixel
    assert.ok(Math.abs(d.lon - (9 + d.x * deg)) < 1e-8, `lon ${d.lon}`);
    assert.ok(Math.abs(d.lat - (50 - d.y * deg)) < 1e-8, `lat ${d.lat}`);
  }
});

test('an image on a CRS crs.ts does not know gives detections without lat/lon', () => {
  const { raster } = renderScene(spec, 3);
  for (const d of detectOn(raster, 2154, [700_000, GSD, 0, 6_600_000, 0, -GSD])) {
    assert.equal(d.lat, null);
    assert.equal(d.lon, null);
  }
});
