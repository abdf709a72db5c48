/**
 * The detector's components on their own (src/imagery/detect/components.ts):
 * the threshold into runs and the union-find over them give the same
 * components as a flood fill of the thresholded pixels (8-connectivity).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../src/scenario/random.js';
import { Grid } from '../src/imagery/detect/grid.js';
import { componentsOf, labelRuns, RunList, thresholdRegion } from '../src/imagery/detect/components.js';
import type { PixelPass } from '../src/imagery/detect/luminance.js';

/** A background model of 0 with noise 1: z is the luminance itself. */
function unitModel(w: number, h: number): { coarse: Grid; fine: Grid; noise: Grid } {
  const noise = new Grid(8, 0, 0, w, h);
  noise.values.fill(1);
  return { coarse: new Grid(8, 0, 0, w, h), fine: new Grid(8, 0, 0, w, h), noise };
}

/** Components of the pixels where keep(z) holds, by flood fill: each a sorted list of pixel indices. */
function floodFill(z: Float32Array, w: number, h: number, keep: (v: number) => boolean): number[][] {
  const seen = new Uint8Array(w * h);
  const out: number[][] = [];
  for (let s = 0; s < w * h; s++) {
    if (seen[s] || !keep(z[s])) continue;
    const comp: number[] = [];
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      comp.push(i);
      const x = i % w,
        y = (i - x) / w;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx,
            ny = y + dy;
          const j = ny * w + nx;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h || seen[j] || !keep(z[j])) continue;
          seen[j] = 1;
          stack.push(j);
        }
    }
    out.push(comp.sort((a, b) => a - b));
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The pixels of each component found from the runs, as sorted index lists. */
function fromRuns(R: Int32Array, comps: number[][], w: number): number[][] {
  return comps
    .map((runs) => {
      const pix: number[] = [];
      for (const k of runs) for (let x = R[3 * k + 1]; x <= R[3 * k + 2]; x++) pix.push(R[3 * k] * w + x);
      return pix.sort((a, b) => a - b);
    })
    .sort((a, b) => a[0] - b[0]);
}

test('components from runs and union-find are those of a flood fill, bright and dark, at both levels', () => {
  const w = 61,
    h = 47;
  const r = new Random(5);
  // smoothed noise: blobs of every shape, touching diagonally here and there
  const raw = Float32Array.from({ length: w * h }, () => r.normal());
  const z = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++)
          s += raw[Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))];
      z[y * w + x] = s;
    }
  const pass: PixelPass = { lum: z, width: w, x0: 0, y0: 0, y1: h, rw: w, rh: h, nodata: null, lo: 0 };
  const T = 3,
    TL = 2;
  const th = thresholdRegion(pass, unitModel(w, h), T, TL, null);
  const cases: [(typeof th.atT)[0], (v: number) => boolean][] = [
    [th.atT[0], (v) => v >= T],
    [th.atT[1], (v) => v <= -T],
    [th.atLow[0], (v) => v >= TL],
    [th.atLow[1], (v) => v <= -TL],
  ];
  let total = 0;
  for (const [set, keep] of cases) {
    const labels = labelRuns(set, h);
    const comps = componentsOf(labels, 1);
    const expected = floodFill(z, w, h, keep);
    assert.deepEqual(fromRuns(set.runs, comps, w), expected);
    // each root's area is its component's pixel count; a run's root is its component's first run
    for (const runs of comps) {
      const root = runs[0];
      let n = 0;
      for (const k of runs) n += set.runs[3 * k + 2] - set.runs[3 * k + 1] + 1;
      assert.equal(labels.area[root], n);
    }
    // the rows' first runs
    for (let y = 0; y < h; y++)
      for (let k = set.rowStart[y]; k < set.rowStart[y + 1]; k++) assert.equal(set.runs[3 * k], y);
    total += expected.length;
  }
  assert.ok(total > 20, `${total} components`);
});

test('components under the fewest pixels are left out', () => {
  const w = 20,
    h = 10;
  const z = new Float32Array(w * h);
  z[2 * w + 2] = 9; // one pixel
  for (let x = 10; x < 15; x++) z[5 * w + x] = 9; // five
  const pass: PixelPass = { lum: z, width: w, x0: 0, y0: 0, y1: h, rw: w, rh: h, nodata: null, lo: 0 };
  const th = thresholdRegion(pass, unitModel(w, h), 4, 3, null);
  const labels = labelRuns(th.atT[0], h);
  assert.equal(componentsOf(labels, 1).length, 2);
  assert.equal(componentsOf(labels, 2).length, 1);
  assert.equal(componentsOf(labels, 6).length, 0);
});

test('a run list grows past its first capacity', () => {
  const list = new RunList(3);
  for (let k = 0; k < 100; k++) list.push3(k, 2 * k, 3 * k);
  assert.equal(list.n, 300);
  assert.deepEqual([...list.data.slice(297, 300)], [99, 198, 297]);
});
