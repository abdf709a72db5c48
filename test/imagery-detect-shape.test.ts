/**
 * Shape features of the detector's second-stage score (src/imagery/detect/shape.ts),
 * and the shadow removal of dark objects (src/imagery/detect/own-shadow.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shapeFeatures } from '../src/imagery/detect/shape.js';
import { renderScene } from '../src/scenario/scenes.js';
import { ClassicalDetector } from '../src/imagery/detect/index.js';

/** Pixels of a patch pw wide where inside(x, y) holds, with z = 10 there. */
function region(
  pw: number,
  ph: number,
  inside: (x: number, y: number) => boolean,
): { pix: Int32Array; z: Float32Array; cx: number; cy: number } {
  const pix: number[] = [];
  const z = new Float32Array(pw * ph);
  let sx = 0,
    sy = 0;
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      if (!inside(x + 0.5, y + 0.5)) continue;
      pix.push(y * pw + x);
      z[y * pw + x] = 10;
      sx += x;
      sy += y;
    }
  }
  return { pix: Int32Array.from(pix), z, cx: sx / pix.length, cy: sy / pix.length };
}

test('shape features: a rectangle is rectangular and of constant width, an ellipse is not', () => {
  const r = region(80, 30, (x, y) => x >= 10 && x < 70 && y >= 10 && y < 20);
  const fr = shapeFeatures(r.pix, 80, r.z, r.cx, r.cy, 1, 0, 0.5, 0.5);
  assert.ok(fr.rect > 0.95, `rectangle: ${fr.rect}`);
  assert.ok(fr.wcv < 0.02, `rectangle width cv: ${fr.wcv}`);
  assert.ok(fr.zcv < 1e-6);
  const e = region(80, 40, (x, y) => ((x - 40) / 30) ** 2 + ((y - 20) / 10) ** 2 <= 1);
  const fe = shapeFeatures(e.pix, 80, e.z, e.cx, e.cy, 1, 0, 0.5, 0.5);
  assert.ok(Math.abs(fe.rect - Math.PI / 4) < 0.05, `ellipse: ${fe.rect}`);
  assert.ok(fe.wcv > 0.1, `ellipse width cv: ${fe.wcv}`);
});

test('a dark object with its own shadow along its length is found at its own centre', () => {
  // sun from the south, low: the shadow falls north, along the object's length
  const scene = renderScene(
    {
      widthM: 80,
      heightM: 80,
      gsd: 0.5,
      terrain: { base: 120, contrast: 4, scaleM: 40 },
      noise: 2,
      objects: [
        { x_m: 40, y_m: 40, length_m: 13, width_m: 3, heading_deg: 0, polarity: 'dark', contrast: 45, height_m: 3 },
      ],
      sun: { azimuthDeg: 180, elevationDeg: 40 },
      shadowDarkening: 0.4,
    },
    5,
  );
  const dets = new ClassicalDetector().detect(scene.raster, {
    gsd: { x: 0.5, y: 0.5 },
    lengthM: [10, 14],
    widthM: [2.5, 3.5],
    sunAzimuthDeg: 180,
    sunElevationDeg: 40,
    heightM: 3.5,
  });
  assert.equal(dets.length, 1);
  const t = scene.truth[0];
  const off = Math.hypot(dets[0].x - t.x, dets[0].y - t.y) * 0.5;
  assert.ok(off < 1, `centre off by ${off.toFixed(2)} m`);
  assert.ok(Math.abs(dets[0].length_m - 13) < 1.5, `length ${dets[0].length_m}`);
});
