/**
 * The detector's background model on its own (src/imagery/detect/grid.ts,
 * background.ts, luminance.ts): block grids read back bilinearly, the
 * background and the noise of an image of known ground and noise, objects
 * left out of both, and the smoothing and quantisation of the luminance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/scenario/random.js';
import { Grid } from '../src/imagery/detect/grid.js';
import { fitBackground, levelAt, zAt } from '../src/imagery/detect/background.js';
import { luminance, quantisation, type PixelPass } from '../src/imagery/detect/luminance.js';
import type { Raster } from '../src/imagery/types.js';

/** A sloping ground (100 + x/20 grey levels) with Gaussian noise of sigma, and bright boxes of +60. */
function ground(w: number, h: number, sigma: number, boxes: [number, number, number, number][] = []): Float32Array {
  const r = new Random(11);
  const v = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[y * w + x] = 100 + x / 20 + sigma * r.normal();
  for (const [x0, y0, x1, y1] of boxes) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) v[y * w + x] += 60;
  return v;
}

function passOf(lum: Float32Array, w: number, h: number): PixelPass {
  return { lum, width: w, x0: 0, y0: 0, y1: h, rw: w, rh: h, nodata: null, lo: 0 };
}

test('a grid reads its block values at the block centres and interpolates between them', () => {
  const g = new Grid(10, 0, 0, 40, 30);
  assert.equal(g.gw, 4);
  assert.equal(g.gh, 3);
  g.values.set([0, 10, 20, 30, 100, 110, 120, 130, 200, 210, 220, 230]);
  // block (i, j) is centred on pixel coordinates (10 i + 5, 10 j + 5), pixel (x, y) on (x + 0.5, y + 0.5)
  const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-4;
  assert.equal(g.at(4, 4), 0);
  assert.ok(near(g.at(14, 4), 9.5));
  assert.ok(near(g.at(4, 14), 95));
  assert.ok(near(g.at(10, 15), 110.5));
  // at(), row() and span() agree everywhere
  const row = new Float32Array(40),
    span = new Float32Array(13);
  for (let y = 0; y < 30; y++) {
    g.row(y, row);
    g.span(y, 7, span);
    for (let x = 0; x < 40; x++) assert.ok(Math.abs(row[x] - g.at(x, y)) < 1e-3, `row at ${x}, ${y}`);
    for (let k = 0; k < 13; k++) assert.equal(span[k], Math.fround(g.at(7 + k, y)));
  }
  // beyond the outer centres: held, not extrapolated
  assert.equal(g.at(0, 0), g.at(3, 0));
});

test('blocks with no data take the mean of their valid neighbours', () => {
  const g = new Grid(8, 0, 0, 32, 8);
  g.values.set([4, 0, 0, 12]);
  g.fill(Uint8Array.from([1, 0, 0, 1]));
  assert.deepEqual([...g.values], [4, 4, 12, 12]);
});

test('the background follows the ground, the noise is the noise, and objects move neither', () => {
  const w = 300,
    h = 200,
    sigma = 3;
  const boxes: [number, number, number, number][] = [
    [40, 40, 80, 48],
    [150, 100, 158, 140],
    [220, 30, 260, 38],
  ];
  const lum = ground(w, h, sigma, boxes);
  const raster: Raster = { width: w, height: h, type: 'float32', bands: [lum], nodata: 0, geo: null };
  const quant = quantisation(raster, { lum, unit: 1 });
  assert.ok(quant);
  const pass = passOf(lum, w, h);
  pass.lo = quant.lo;
  const bg = fitBackground(pass, 40, quant, null);
  assert.ok(bg);
  let worst = 0,
    noiseMin = Infinity,
    noiseMax = 0;
  for (let y = 0; y < h; y += 7) {
    for (let x = 0; x < w; x += 7) {
      const b = bg.coarse.at(x, y) + bg.fine.at(x, y);
      worst = Math.max(worst, Math.abs(b - (100 + x / 20)));
      const s = bg.noise.at(x, y);
      noiseMin = Math.min(noiseMin, s);
      noiseMax = Math.max(noiseMax, s);
    }
  }
  // within a noise unit of the ground, under the boxes too
  assert.ok(worst < sigma, `background off by ${worst}`);
  assert.ok(noiseMin > 0.8 * sigma && noiseMax < 1.25 * sigma, `noise ${noiseMin} … ${noiseMax}, sigma ${sigma}`);
  // an object pixel stands 60 / 3 = 20 noise units out; open ground about 0
  assert.ok(zAt(pass, bg, 60, 44) > 15);
  assert.ok(Math.abs(zAt(pass, bg, 120, 180)) < 5);
  assert.ok(Math.abs(levelAt(pass, bg, 120, 180) - 1) < 0.1);
});

test('an image with no valid block has no background', () => {
  const w = 64,
    h = 64;
  const lum = new Float32Array(w * h); // all nodata
  const pass = { ...passOf(lum, w, h), nodata: 0 };
  assert.equal(fitBackground(pass, 16, { lo: 0, q: 1 }, null), null);
});

test('the luminance: 1-2-1 smoothing in integers for 8-bit, the mean of three bands with nodata', () => {
  const w = 5,
    h = 4;
  const band = new Uint8Array(w * h);
  band[2 * w + 2] = 16;
  const one = luminance({ width: w, height: h, type: 'uint8', bands: [band], nodata: null, geo: null }, null);
  assert.equal(one.unit, 16);
  assert.ok(one.lum instanceof Uint16Array);
  // the kernel's weights around the spike: 1 2 1 / 2 4 2 / 1 2 1, times 16
  assert.deepEqual([...one.lum.slice(w + 1, w + 4)], [16, 32, 16]);
  assert.deepEqual([...one.lum.slice(2 * w + 1, 2 * w + 4)], [32, 64, 32]);
  const rgb = luminance(
    {
      width: w,
      height: h,
      type: 'uint8',
      bands: [band.map(() => 30), band.map(() => 60), band.map(() => 90)],
      nodata: null,
      geo: null,
    },
    null,
  );
  assert.equal(rgb.unit, 48);
  assert.ok(rgb.lum.every((v) => v === 16 * 180));
  const a = Uint8Array.from({ length: w * h }, (_, i) => (i === 0 ? 0 : 30));
  const nd = luminance({ width: w, height: h, type: 'uint8', bands: [a, a, a], nodata: 0, geo: null }, null);
  assert.equal(nd.unit, 1);
  assert.equal(nd.lum[0], 0);
  assert.equal(nd.lum[1], 30);
  // 8-bit: exact bins of grey levels; otherwise the value range over 255 bins; flat: nothing
  assert.deepEqual(quantisation({ width: w, height: h, type: 'uint8', bands: [band], nodata: null, geo: null }, one), {
    lo: 0,
    q: 1 / 16,
  });
  const f = Float32Array.from({ length: w * h }, (_, i) => 10 + i);
  const q = quantisation(
    { width: w, height: h, type: 'float32', bands: [f], nodata: null, geo: null },
    { lum: f, unit: 1 },
  );
  assert.deepEqual(q, { lo: 10, q: 255 / (w * h - 1) });
  const flat = new Float32Array(w * h).fill(3);
  assert.equal(
    quantisation(
      { width: w, height: h, type: 'float32', bands: [flat], nodata: null, geo: null },
      { lum: flat, unit: 1 },
    ),
    null,
  );
});
