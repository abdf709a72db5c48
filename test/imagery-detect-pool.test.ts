/**
 * The detector's worker threads on their own (src/imagery/detect/pool.ts,
 * worker.ts): each pass they run gives, share by share, what the calling
 * thread computes alone, and a job that fails fails loudly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderScene } from '../src/scenario/scenes.js';
import { getPool, runJobs, splitRange } from '../src/imagery/detect/pool.js';
import { fitBackground } from '../src/imagery/detect/background.js';
import { thresholdRegion } from '../src/imagery/detect/components.js';
import { luminance, quantisation, type PixelPass } from '../src/imagery/detect/luminance.js';
import { fitProfiles, type FitStart } from '../src/imagery/detect/refine-pass.js';
import { setDetectorThreads } from '../src/imagery/detect/pool.js';

// two workers even on one core (taken when the pool first starts)
setDetectorThreads(2);

const scene = renderScene(
  {
    widthM: 300,
    heightM: 200,
    gsd: 0.5,
    terrain: { base: 110, contrast: 10 },
    noise: 3,
    random: {
      count: 8,
      classes: [{ lengthM: [20, 25], widthM: [2.7, 3.3] }],
      darkFraction: 0.5,
      contrast: [30, 60],
      touchingFraction: 0,
    },
    sun: { azimuthDeg: 120, elevationDeg: 50 },
  },
  9,
);

/** The scene's luminance, background model and pass, with or without the pool. */
function passes(pool: ReturnType<typeof getPool>) {
  const raster = scene.raster;
  const lum = luminance(raster, pool);
  const quant = quantisation(raster, lum)!;
  const pass: PixelPass = {
    lum: lum.lum,
    width: raster.width,
    x0: 0,
    y0: 0,
    y1: raster.height,
    rw: raster.width,
    rh: raster.height,
    nodata: raster.nodata,
    lo: quant.lo,
  };
  const bg = fitBackground(pass, 44, quant, pool)!;
  return { lum, pass, bg, th: thresholdRegion(pass, bg, 4, 3, pool) };
}

test('ranges split [0, n) into contiguous shares', () => {
  assert.deepEqual(splitRange(10, 3), [
    [0, 4],
    [4, 8],
    [8, 10],
  ]);
  assert.deepEqual(splitRange(2, 8), [
    [0, 1],
    [1, 2],
  ]);
  assert.deepEqual(splitRange(0, 4), []);
});

test('the workers answer, and give what the calling thread computes', (t) => {
  const pool = getPool();
  if (!pool) return t.skip('no worker threads here');
  assert.equal(pool.workers.length, 2);
  assert.deepEqual(runJobs(pool, [{ kind: 'ping' }, { kind: 'ping' }]), [{}, {}]);
  const alone = passes(null);
  const shared = passes(pool);
  assert.ok(shared.lum.lum.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...shared.lum.lum], [...alone.lum.lum]);
  for (const k of ['coarse', 'fine', 'noise'] as const) assert.deepEqual(shared.bg[k].values, alone.bg[k].values);
  for (const k of ['atT', 'atLow'] as const)
    for (const p of [0, 1]) {
      const a = alone.th[k][p],
        b = shared.th[k][p];
      assert.equal(b.count, a.count);
      assert.deepEqual(b.runs.slice(0, 3 * b.count), a.runs.slice(0, 3 * a.count));
      assert.deepEqual(b.rowStart, a.rowStart);
    }
  // profile fits: enough candidates to go to the workers (the truth, over and again)
  const starts: FitStart[] = [];
  for (let k = 0; starts.length < 70; k++) {
    const o = scene.truth[k % scene.truth.length];
    const th = (o.heading_deg * Math.PI) / 180;
    starts.push({
      cx: o.x + (k % 3) * 0.2,
      cy: o.y,
      L: o.length_m,
      W: o.width_m,
      ux: Math.sin(th),
      uy: -Math.cos(th),
      polarity: o.polarity,
    });
  }
  const job = {
    x0: 0,
    y0: 0,
    x1: scene.raster.width,
    y1: scene.raster.height,
    gx: 0.5,
    gy: 0.5,
    shadow: null,
    maxShadowM: null,
  };
  const fitsAlone = fitProfiles(alone.pass, alone.bg, job, starts, null);
  const fitsShared = fitProfiles(shared.pass, shared.bg, job, starts, pool);
  assert.deepEqual(fitsShared, fitsAlone);
  assert.ok(fitsAlone.filter((f) => f).length > 50);
});

test('a job that throws in a worker fails the call, naming the error', (t) => {
  const pool = getPool();
  if (!pool) return t.skip('no worker threads here');
  const bad = { kind: 'median', pass: null, grid: null, q: 1, mode: 0, bg: null, fine: null, jA: 0, jB: 1 };
  assert.throws(
    () => runJobs(pool, [bad as unknown as Parameters<typeof runJobs>[1][number], { kind: 'ping' }]),
    /worker thread failed/,
  );
  // and the pool still answers
  assert.deepEqual(runJobs(pool, [{ kind: 'ping' }, { kind: 'ping' }]), [{}, {}]);
});
