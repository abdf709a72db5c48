import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { averageToSize, degrade, degradeToGsd, degradedSize, factorsForGsd } from '../src/imagery/degrade.js';
import type { BandArray, Raster, SampleType } from '../src/imagery/types.js';
import { GdalScratch, compareRasters, gdalVersion } from '../scripts/conformance/gdal-bridge.js';
import { Random } from '../src/scenario/random.js';

/** Seeded uniform numbers in [0, 1) (the project's generator). */
function rng(seed: number): () => number {
  const g = new Random(seed);
  return () => g.next();
}

function makeRaster(
  w: number,
  h: number,
  type: SampleType,
  opts: { seed?: number; bands?: number; nodata?: number | null; nodataFraction?: number; max?: number } = {},
): Raster {
  const r = rng(opts.seed ?? 1);
  const max = opts.max ?? (type === 'uint8' ? 255 : 65535);
  const nb = opts.bands ?? 1;
  const nodata = opts.nodata ?? null;
  const bands: BandArray[] = [];
  for (let b = 0; b < nb; b++) {
    const a = type === 'uint8' ? new Uint8Array(w * h) : new Uint16Array(w * h);
    for (let i = 0; i < a.length; i++) {
      let v = Math.floor(r() * (max + 1));
      if (nodata !== null && v === nodata) v = (v + 1) % (max + 1);
      a[i] = v;
    }
    if (nodata !== null) {
      const frac = opts.nodataFraction ?? 0.2;
      // Random samples plus a whole nodata block, so that some outputs have no valid input.
      for (let i = 0; i < a.length; i++) if (r() < frac) a[i] = nodata;
      for (let y = 0; y < Math.min(h, 9); y++) for (let x = 0; x < Math.min(w, 9); x++) a[y * w + x] = nodata;
    }
    bands.push(a);
  }
  return {
    width: w,
    height: h,
    type,
    bands,
    nodata,
    geo: { epsg: 32614, transform: [500000, 0.6, 0, 5200000, 0, -0.6] },
  };
}

/**
 * The exact area-weighted mean of the input over output pixel (ox, oy) on an
 * outW × outH grid spanning the input (brute force: overlap of rectangles).
 */
function exactMean(r: Raster, band: number, outW: number, outH: number, ox: number, oy: number): number | null {
  const rx = r.width / outW;
  const ry = r.height / outH;
  const x0 = ox * rx;
  const x1 = (ox + 1) * rx;
  const y0 = oy * ry;
  const y1 = (oy + 1) * ry;
  let s = 0;
  let sw = 0;
  for (let y = Math.floor(y0); y < Math.min(r.height, Math.ceil(y1)); y++) {
    const wy = Math.min(y + 1, y1) - Math.max(y, y0);
    for (let x = Math.floor(x0); x < Math.min(r.width, Math.ceil(x1)); x++) {
      const wx = Math.min(x + 1, x1) - Math.max(x, x0);
      const v = r.bands[band][y * r.width + x];
      if (r.nodata !== null && v === r.nodata) continue;
      s += v * wx * wy;
      sw += wx * wy;
    }
  }
  return sw === 0 ? null : s / sw;
}

function checkExact(r: Raster, out: Raster): void {
  for (let b = 0; b < r.bands.length; b++) {
    for (let oy = 0; oy < out.height; oy++) {
      for (let ox = 0; ox < out.width; ox++) {
        const m = exactMean(r, b, out.width, out.height, ox, oy);
        const v = out.bands[b][oy * out.width + ox];
        if (m === null) {
          assert.equal(v, r.nodata, `(${ox},${oy}) all nodata`);
        } else if (r.nodata !== null && Math.floor(m + 0.5) === r.nodata) {
          assert.ok(Math.abs(v - r.nodata) === 1, `(${ox},${oy}) replaced`);
        } else {
          // Round half up of the exact mean; 1e-7 of slack for float ties.
          assert.ok(Math.abs(v - m) <= 0.5 + 1e-6, `(${ox},${oy}) band ${b}: got ${v}, exact mean ${m}`);
        }
      }
    }
  }
}

describe('degrade: exact area averaging', () => {
  it('integer factors equal the block mean rounded half up', () => {
    const r = makeRaster(40, 24, 'uint8', { seed: 3 });
    for (const f of [1, 2, 3, 4, 8]) {
      const out = degrade(r, f, f);
      assert.equal(out.width, Math.floor(40 / f));
      checkExact(r, out);
    }
    // Halves round up: 1, 2 → 2 (1.5), never banker's rounding.
    const tiny: Raster = {
      width: 2,
      height: 1,
      type: 'uint8',
      bands: [new Uint8Array([1, 2])],
      nodata: null,
      geo: null,
    };
    assert.equal(degrade(tiny, 2, 1).bands[0][0], 2);
    const tiny2: Raster = {
      width: 2,
      height: 1,
      type: 'uint8',
      bands: [new Uint8Array([2, 3])],
      nodata: null,
      geo: null,
    };
    assert.equal(degrade(tiny2, 2, 1).bands[0][0], 3);
  });

  it('non-integer factors weight by area', () => {
    const r = makeRaster(53, 41, 'uint8', { seed: 4 });
    for (const [fx, fy] of [
      [1.5, 1.5],
      [2.5, 3.3],
      [1.37, 4.1],
      [7, 3],
      [3, 3],
    ]) {
      const out = degrade(r, fx, fy);
      assert.equal(out.width, degradedSize(53, fx));
      assert.equal(out.height, degradedSize(41, fy));
      checkExact(r, out);
    }
  });

  it('16-bit, several bands, nodata left out of the means', () => {
    const r = makeRaster(37, 29, 'uint16', { seed: 5, bands: 3, nodata: 0 });
    for (const f of [2, 3, 2.6]) {
      const out = degrade(r, f, f);
      assert.equal(out.type, 'uint16');
      assert.equal(out.bands.length, 3);
      checkExact(r, out);
    }
    const r8 = makeRaster(30, 30, 'uint8', { seed: 6, nodata: 255, nodataFraction: 0.5 });
    const out8 = degrade(r8, 3, 3);
    checkExact(r8, out8);
    assert.equal(out8.bands[0][0], 255, 'a block of nodata stays nodata');
    assert.equal(out8.nodata, 255);
  });

  it('scales the georeference along both axes, origin kept, rotated transforms too', () => {
    const r = makeRaster(40, 30, 'uint8', { seed: 7 });
    r.geo = { epsg: 32614, transform: [1000, 0.5, 0.1, 2000, 0.2, -0.5] };
    const out = degrade(r, 4, 3);
    assert.deepEqual(out.geo?.transform, [1000, 2, 0.30000000000000004, 2000, 0.8, -1.5]);
    // The corner (W, H) of the input is the corner of the output.
    const t = r.geo.transform;
    const u = out.geo!.transform;
    assert.ok(Math.abs(t[0] + 40 * t[1] + 30 * t[2] - (u[0] + out.width * u[1] + out.height * u[2])) < 1e-9);
    assert.ok(Math.abs(t[3] + 40 * t[4] + 30 * t[5] - (u[3] + out.width * u[4] + out.height * u[5])) < 1e-9);
    // A remainder spreads the output over the whole input: the effective factor is W / outW.
    const odd = degrade(makeRaster(41, 30, 'uint8'), 4, 4);
    assert.equal(odd.width, 10);
    assert.ok(Math.abs(odd.geo!.transform[1] - (0.6 * 41) / 10) < 1e-12);
  });

  it('degradeToGsd brings the finer axis to the target and refuses to sharpen', () => {
    assert.deepEqual(factorsForGsd({ x: 0.3, y: 0.24 }, 0.3), { x: 1, y: 1.25 });
    assert.deepEqual(factorsForGsd({ x: 0.15, y: 0.15 }, 0.6), { x: 4, y: 4 });
    assert.deepEqual(factorsForGsd({ x: 0.1, y: 0.1 }, 0.3), { x: 3, y: 3 }, 'float noise snapped to the integer');
    assert.throws(() => factorsForGsd({ x: 0.5, y: 0.5 }, 0.3), /already coarser/);
    const r = makeRaster(64, 48, 'uint8');
    const out = degradeToGsd(r, { x: 0.6, y: 0.6 }, 2.4);
    assert.equal(out.width, 16);
    assert.equal(out.height, 12);
    assert.equal(out.geo!.transform[1], 2.4);
    assert.throws(() => degrade(r, 0.5, 1), RangeError);
    assert.throws(() => averageToSize(r, 65, 48), RangeError);
  });

  it('is fast: 4000 × 4000 8-bit by 4', () => {
    const w = 4000;
    const a = new Uint8Array(w * w);
    for (let i = 0; i < a.length; i++) a[i] = (i * 2654435761) >>> 24;
    const r: Raster = { width: w, height: w, type: 'uint8', bands: [a], nodata: null, geo: null };
    const t0 = performance.now();
    const out = degrade(r, 4, 4);
    const ms = performance.now() - t0;
    assert.equal(out.width, 1000);
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
  });
});

describe('degrade against GDAL', () => {
  const version = gdalVersion();
  const skip = version === null ? 'GDAL not installed (apt-get install gdal-bin): comparison skipped' : false;

  const cases: { name: string; r: Raster }[] = [
    { name: 'uint8 103×77', r: makeRaster(103, 77, 'uint8', { seed: 11 }) },
    { name: 'uint8 3 bands 96×64', r: makeRaster(96, 64, 'uint8', { seed: 12, bands: 3 }) },
    { name: 'uint8 nodata 0', r: makeRaster(101, 67, 'uint8', { seed: 13, nodata: 0 }) },
    { name: 'uint8 nodata 37 (means land on it)', r: makeRaster(64, 64, 'uint8', { seed: 14, nodata: 37, max: 75 }) },
    { name: 'uint16 88×90', r: makeRaster(88, 90, 'uint16', { seed: 15 }) },
    { name: 'uint16 nodata 65535', r: makeRaster(79, 83, 'uint16', { seed: 16, nodata: 65535 }) },
  ];

  it('integer factors equal gdal_translate -r average -outsize pixel for pixel (remainders included)', { skip }, () => {
    const g = new GdalScratch();
    try {
      for (const { name, r } of cases) {
        const tif = g.toGeoTiff(r);
        for (const f of [2, 3, 4, 5, 7]) {
          const ours = degrade(r, f, f);
          const theirs = g.translateAverage(tif, ours.width, ours.height, r.type, r.nodata);
          const c = compareRasters(ours, theirs);
          assert.equal(c.differing, 0, `${name} ×${f}: ${c.differing} samples differ (max ${c.maxDiff})`);
          const gt = theirs.geo!.transform;
          ours.geo!.transform.forEach((v, i) =>
            assert.ok(
              Math.abs(v - gt[i]) <= 1e-9 * Math.max(1, Math.abs(v)),
              `${name} ×${f}: geotransform[${i}] ${v} vs ${gt[i]}`,
            ),
          );
        }
      }
    } finally {
      g.dispose();
    }
  });

  it('non-integer factors stay within one grey level of gdalwarp -r average', { skip }, () => {
    const g = new GdalScratch();
    try {
      for (const { name, r } of cases) {
        const tif = g.toGeoTiff(r);
        for (const f of [1.5, 2.5, 3.3]) {
          const ours = degrade(r, f, f);
          const warped = g.warpAverage(tif, ours, r.type, r.nodata);
          const c = compareRasters(ours, warped, r.nodata);
          assert.ok(c.maxDiff <= 1, `${name} ×${f}: max difference ${c.maxDiff} (${c.differing} samples differ)`);
          // And gdal_translate runs the very same kernel: identical.
          const translated = g.translateAverage(tif, ours.width, ours.height, r.type, r.nodata);
          assert.equal(compareRasters(ours, translated).differing, 0, `${name} ×${f} vs gdal_translate`);
        }
      }
    } finally {
      g.dispose();
    }
  });
});
