import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { detectChange, estimateShift, fft, objectChanges, registerToGrid } from '../src/imagery/change.js';
import type { Detection, Raster } from '../src/imagery/types.js';
import { Random } from '../src/scenario/random.js';

/** Seeded uniform numbers in [0, 1) (the project's generator). */
function rng(seed: number): () => number {
  const g = new Random(seed);
  return () => g.next();
}

/** Smooth random ground: white noise through three box blurs of radius r, scaled to [lo, hi]. */
function texture(w: number, h: number, seed: number, r = 3, lo = 40, hi = 200): Float32Array {
  const rand = rng(seed);
  let img = new Float32Array(w * h);
  for (let i = 0; i < img.length; i++) img[i] = rand();
  for (let pass = 0; pass < 3; pass++) {
    const tmp = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += img[y * w + Math.min(w - 1, Math.max(0, x + k))];
        tmp[y * w + x] = s / (2 * r + 1);
      }
    }
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x];
        out[y * w + x] = s / (2 * r + 1);
      }
    }
    img = out;
  }
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of img) {
    mn = Math.min(mn, v);
    mx = Math.max(mx, v);
  }
  for (let i = 0; i < img.length; i++) img[i] = lo + ((img[i] - mn) / (mx - mn)) * (hi - lo);
  return img;
}

/** Bilinear sample of img at (u, v) (pixel-centre coordinates), clamped to the edge. */
function sample(img: Float32Array, w: number, h: number, u: number, v: number): number {
  u = Math.min(w - 1, Math.max(0, u));
  v = Math.min(h - 1, Math.max(0, v));
  const x0 = Math.min(w - 2, Math.floor(u));
  const y0 = Math.min(h - 2, Math.floor(v));
  const fx = u - x0;
  const fy = v - y0;
  const p = (x: number, y: number): number => img[y * w + x];
  return (
    (p(x0, y0) * (1 - fx) + p(x0 + 1, y0) * fx) * (1 - fy) + (p(x0, y0 + 1) * (1 - fx) + p(x0 + 1, y0 + 1) * fx) * fy
  );
}

/** A w × h crop starting at (ox, oy) of img moved by (dx, dy): out(p) = img(p + origin − d). */
function crop(
  img: Float32Array,
  iw: number,
  ih: number,
  ox: number,
  oy: number,
  w: number,
  h: number,
  dx = 0,
  dy = 0,
  gain = 1,
  offset = 0,
  noise = 0,
  seed = 9,
): Uint8Array {
  const rand = rng(seed);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = gain * sample(img, iw, ih, ox + x - dx, oy + y - dy) + offset;
      if (noise) v += noise * (rand() + rand() + rand() - 1.5) * 2;
      out[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}

const geo = (x0: number, y0: number, px = 0.5): Raster['geo'] => ({ epsg: 32614, transform: [x0, px, 0, y0, 0, -px] });
const raster = (w: number, h: number, band: Uint8Array, g: Raster['geo'] = geo(500000, 5200000)): Raster => ({
  width: w,
  height: h,
  type: 'uint8',
  bands: [band],
  nodata: null,
  geo: g,
});

describe('FFT', () => {
  it('matches a direct DFT and inverts', () => {
    const n = 16;
    const rand = rng(2);
    const re = Float64Array.from({ length: n }, rand);
    const im = Float64Array.from({ length: n }, rand);
    const r0 = re.slice();
    const i0 = im.slice();
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * k * t) / n;
        sr += r0[t] * Math.cos(a) - i0[t] * Math.sin(a);
        si += r0[t] * Math.sin(a) + i0[t] * Math.cos(a);
      }
      assert.ok(Math.abs(sr - re[k]) < 1e-9 && Math.abs(si - im[k]) < 1e-9);
    }
    fft(re, im, true);
    for (let t = 0; t < n; t++) assert.ok(Math.abs(re[t] / n - r0[t]) < 1e-12);
  });
});

describe('estimateShift', () => {
  const W = 420;
  const base = texture(W, W, 1);
  for (const [dx, dy] of [
    [3.37, -1.62],
    [-0.41, 0.77],
    [12.8, 5.25],
    [0, 0],
  ]) {
    it(`recovers a shift of (${dx}, ${dy}) px within 0.2 px, with gain, offset and noise`, () => {
      const a = raster(360, 340, crop(base, W, W, 30, 30, 360, 340));
      const b = raster(360, 340, crop(base, W, W, 30, 30, 360, 340, dx, dy, 1.15, -12, 3, 4));
      const s = estimateShift(a, b);
      const err = Math.hypot(s.x - dx, s.y - dy);
      assert.ok(err < 0.2, `estimated (${s.x.toFixed(3)}, ${s.y.toFixed(3)}), error ${err.toFixed(3)} px`);
      assert.ok(err < 0.05, `sub-pixel refinement: error ${err.toFixed(3)} px`);
    });
  }
});

describe('registerToGrid', () => {
  it('regrids AFTER onto BEFORE across an offset of metres and an extra row', () => {
    const W = 300;
    const base = texture(W, W, 3, 4);
    // BEFORE at 0.5 m starting at pixel (20, 20) of the base; AFTER offset by (1.3 m, -0.7 m), one row more.
    const before = raster(240, 230, crop(base, W, W, 20, 20, 240, 230), geo(500010, 5199990));
    const after = raster(240, 231, crop(base, W, W, 20 + 2.6, 20 + 1.4, 240, 231), geo(500010 + 1.3, 5199990 - 0.7));
    const reg = registerToGrid(before, after);
    assert.equal(reg.width, 240);
    assert.equal(reg.height, 230);
    assert.deepEqual(reg.geo, before.geo);
    let maxErr = 0;
    for (let y = 10; y < 220; y++) {
      for (let x = 10; x < 230; x++)
        maxErr = Math.max(maxErr, Math.abs(reg.bands[0][y * 240 + x] - before.bands[0][y * 240 + x]));
    }
    assert.ok(maxErr <= 3, `max difference ${maxErr}`);
    const s = estimateShift(before, reg);
    assert.ok(Math.hypot(s.x, s.y) < 0.1, `residual (${s.x}, ${s.y})`);
  });

  it('refuses passes in different CRS, and unreferenced passes of different sizes', () => {
    const a = raster(10, 10, new Uint8Array(100));
    const b = raster(10, 10, new Uint8Array(100), { epsg: 32615, transform: [0, 1, 0, 0, 0, -1] });
    assert.throws(() => registerToGrid(a, b), /different CRS.*EPSG:32614.*EPSG:32615/);
    assert.throws(() => detectChange(a, b), /different CRS/);
    const c = { ...raster(10, 10, new Uint8Array(100)), geo: null };
    const d = { ...raster(10, 11, new Uint8Array(110)), geo: null };
    assert.throws(() => registerToGrid(c, d), /differ in size/);
  });
});

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
  v: number;
}

describe('detectChange', () => {
  it('finds generated removals with precision and recall ≥ 0.95 under shift, gain and noise', () => {
    const W = 620;
    const w = 560;
    const h = 540;
    const base = texture(W, W, 5);
    const rand = rng(77);
    // 60 objects (vehicles 6 × 18 px, either orientation, bright or dark) on a jittered lattice.
    const objects: Rect[] = [];
    for (let gy = 0; gy < 6; gy++) {
      for (let gx = 0; gx < 10; gx++) {
        const vertical = rand() < 0.5;
        objects.push({
          x: 20 + gx * 53 + Math.floor(rand() * 12),
          y: 25 + gy * 84 + Math.floor(rand() * 20),
          w: vertical ? 6 : 18,
          h: vertical ? 18 : 6,
          v: rand() < 0.5 ? 225 : 20,
        });
      }
    }
    const removedIdx = new Set<number>();
    while (removedIdx.size < 25) removedIdx.add(Math.floor(rand() * objects.length));
    const removed = objects.filter((_, i) => removedIdx.has(i));
    const kept = objects.filter((_, i) => !removedIdx.has(i));
    const [dx, dy] = [3.37, -1.62];
    // Objects belong to the ground: painted into the scene, which AFTER sees moved by (dx, dy).
    const sceneBefore = base.slice();
    const sceneAfter = base.slice();
    const paintF = (img: Float32Array, rects: Rect[]): void => {
      for (const r of rects) {
        for (let y = r.y + 30; y < r.y + 30 + r.h; y++)
          for (let x = r.x + 30; x < r.x + 30 + r.w; x++) img[y * W + x] = r.v;
      }
    };
    paintF(sceneBefore, objects);
    paintF(sceneAfter, kept);
    const b0 = crop(sceneBefore, W, W, 30, 30, w, h, 0, 0, 1, 0, 2, 1);
    const a0 = crop(sceneAfter, W, W, 30, 30, w, h, dx, dy, 1.1, 6, 2, 2);
    const res = detectChange(raster(w, h, b0), raster(w, h, a0), { minBlobM2: 6 });
    assert.ok(Math.hypot(res.shift_px.x - dx, res.shift_px.y - dy) < 0.2, `shift ${JSON.stringify(res.shift_px)}`);
    const inside = (bx: number, by: number, r: Rect, pad: number): boolean =>
      bx >= r.x - pad && bx <= r.x + r.w + pad && by >= r.y - pad && by <= r.y + r.h + pad;
    const tp = res.blobs.filter((b) => removed.some((r) => inside(b.x, b.y, r, 3))).length;
    const found = removed.filter((r) => res.blobs.some((b) => inside(b.x, b.y, r, 3))).length;
    const precision = tp / Math.max(1, res.blobs.length);
    const recall = found / removed.length;
    assert.ok(
      precision >= 0.95 && recall >= 0.95,
      `precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} (${res.blobs.length} blobs, ${removed.length} removed)`,
    );
    // Blob sizes: a 6 × 18 px object at 0.5 m is 27 m².
    for (const b of res.blobs) assert.ok(b.area_m2 > 15 && b.area_m2 < 60, `blob area ${b.area_m2}`);
    assert.ok(res.blobs.every((b) => b.lat !== undefined && b.lat > 46 && b.lat < 48));
  });

  it('measures the changed fraction of a known mask, inside a site', () => {
    const W = 420;
    const w = 400;
    const h = 400;
    const base = texture(W, W, 6);
    const other = texture(W, W, 60, 2);
    const before = crop(base, W, W, 10, 10, w, h, 0, 0, 1, 0, 1.5, 1);
    const after = crop(base, W, W, 10, 10, w, h, 0, 0, 1, 0, 1.5, 2);
    const truth = new Uint8Array(w * h);
    // 16 000 px changed: a 100 × 100 square of other ground and a 60 × 100 strip.
    for (let y = 50; y < 150; y++) for (let x = 200; x < 300; x++) truth[y * w + x] = 1;
    for (let y = 250; y < 350; y++) for (let x = 40; x < 100; x++) truth[y * w + x] = 1;
    for (let i = 0; i < w * h; i++) {
      if (truth[i]) after[i] = Math.round(255 - other[i] * 0.5 - before[i] * 0.5);
    }
    const res = detectChange(raster(w, h, before), raster(w, h, after));
    const want = 16000 / (w * h);
    assert.ok(Math.abs(res.changed_fraction - want) < 0.01, `changed fraction ${res.changed_fraction} vs ${want}`);
    let inter = 0;
    let uni = 0;
    for (let i = 0; i < w * h; i++) {
      if (truth[i] && res.changedMask[i]) inter++;
      if (truth[i] || res.changedMask[i]) uni++;
    }
    assert.ok(inter / uni > 0.9, `IoU ${inter / uni}`);
    // The site: the left half only, which holds the strip (6 000 of its 80 000 px).
    const site = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < 200; x++) site[y * w + x] = 1;
    const inSite = detectChange(raster(w, h, before), raster(w, h, after), { site });
    assert.equal(inSite.valid_pixels, 80000);
    assert.ok(Math.abs(inSite.changed_fraction - 6000 / 80000) < 0.01, `site fraction ${inSite.changed_fraction}`);
    // Nothing changed: nothing found.
    const same = detectChange(raster(w, h, before), raster(w, h, crop(base, W, W, 10, 10, w, h, 0, 0, 1, 0, 1.5, 3)));
    assert.equal(same.blobs.length, 0);
    assert.ok(same.changed_fraction < 0.001);
  });
});

describe('objectChanges', () => {
  const det = (x: number, y: number, lat: number | null = null, lon: number | null = null): Detection => ({
    x,
    y,
    lat,
    lon,
    length_m: 20,
    width_m: 3,
    heading_deg: 0,
    score: 1,
    polarity: 'bright',
  });

  it('matches one to one, closest first, and lists the removed and the added', () => {
    const before = [det(10, 10), det(12, 10), det(100, 100), det(200, 50)];
    const after = [det(11, 10.5), det(201, 50), det(400, 400)];
    const r = objectChanges(before, after, 4, { gsdM: 0.5 });
    assert.equal(r.matched.length, 2);
    assert.deepEqual(
      r.removed.map((d) => d.x),
      [12, 100],
    );
    assert.deepEqual(
      r.added.map((d) => d.x),
      [400],
    );
    assert.equal(r.matched.find((m) => m.after.x === 11)?.before.x, 10, 'the closer of two candidates wins');
  });

  it('uses lat/lon when both detections have them', () => {
    const r = objectChanges([det(0, 0, 47.0, -100.0)], [det(500, 500, 47.00005, -100.0)], 10);
    assert.equal(r.matched.length, 1);
    assert.ok(Math.abs(r.matched[0].distance_m - 5.56) < 0.05);
    assert.equal(objectChanges([det(0, 0, 47, -100)], [det(0, 0, 47.001, -100)], 10).removed.length, 1);
  });
});
