/**
 * The scene renderer and the classical object detector: determinism, truth
 * geometry, clean-scene accuracy, size filters, touching pairs, shadows, the
 * site restriction and a small slice of the accuracy script's evaluation set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderScene, type SceneObject, type SceneSpec } from '../src/scenario/scenes.js';
import { ClassicalDetector, type DetectOptions } from '../src/imagery/detect/index.js';
import { thresholdRowRuns } from '../src/imagery/detect/components.js';
import { matchDetections, runEvaluation } from '../scripts/imagery-accuracy.js';
import type { Detection } from '../src/imagery/types.js';

const det = new ClassicalDetector();
const R12: Pick<DetectOptions, 'lengthM' | 'widthM'> = { lengthM: [20, 25], widthM: [2.7, 3.3] };

function opts(gsd: number, extra: Partial<DetectOptions> = {}): DetectOptions {
  return { gsd: { x: gsd, y: gsd }, ...R12, ...extra };
}

function obj(
  x: number,
  y: number,
  heading: number,
  polarity: 'bright' | 'dark',
  extra: Partial<SceneObject> = {},
): SceneObject {
  return { x_m: x, y_m: y, length_m: 22, width_m: 3, heading_deg: heading, polarity, contrast: 50, ...extra };
}

function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % 180;
  return Math.min(d, 180 - d);
}

const base: SceneSpec = { widthM: 200, heightM: 200, gsd: 0.5, terrain: { base: 110, contrast: 6 }, noise: 2 };

test('the renderer is deterministic and its truth lies inside the image', () => {
  const spec: SceneSpec = {
    ...base,
    roads: 1,
    pads: 1,
    random: {
      count: 8,
      classes: [{ lengthM: [20, 25], widthM: [2.7, 3.3] }],
      darkFraction: 0.4,
      contrast: [30, 60],
      touchingFraction: 0.25,
      heightM: [2, 3],
    },
    distractors: { nearLength: 2, wide: 1, blobs: 1, small: 2, large: 1 },
    sun: { azimuthDeg: 135, elevationDeg: 50 },
    blurPx: 0.7,
    shiftPx: [0.3, -0.2],
    cloud: true,
  };
  const a = renderScene(spec, 42);
  const b = renderScene(spec, 42);
  const c = renderScene(spec, 43);
  assert.deepEqual(Buffer.from(a.raster.bands[0]), Buffer.from(b.raster.bands[0]));
  assert.deepEqual(a.truth, b.truth);
  assert.notDeepEqual(Buffer.from(a.raster.bands[0]), Buffer.from(c.raster.bands[0]));
  assert.equal(a.truth.length, 8);
  assert.ok(a.truth.some((t) => t.touching));
  for (const t of a.truth) {
    assert.ok(t.x > 0 && t.x < a.raster.width && t.y > 0 && t.y < a.raster.height, `truth at ${t.x}, ${t.y}`);
    assert.ok(t.heading_deg >= 0 && t.heading_deg < 180);
    // near Cuba (UTM zone 17 N by default)
    assert.ok(t.lat > 21 && t.lat < 24 && t.lon > -84 && t.lon < -81, `${t.lat}, ${t.lon}`);
  }
  assert.equal(a.raster.geo?.epsg, 32617);
  assert.equal(a.raster.geo?.transform[1], 0.5);
  // three bands, and a size in pixels
  const rgb = renderScene({ widthPx: 300, heightPx: 200, gsd: 0.5, objects: [obj(75, 50, 45, 'bright')] }, 1);
  assert.equal(rgb.raster.width, 300);
  assert.equal(rgb.raster.height, 200);
  const rgb3 = renderScene(
    { widthPx: 300, heightPx: 200, gsd: 0.5, bands: 3, objects: [obj(75, 50, 45, 'bright')] },
    1,
  );
  assert.equal(rgb3.raster.bands.length, 3);
  assert.equal(det.detect(rgb3.raster, opts(0.5)).length, 1);
});

test('a clean scene: every bright and dark object found with its length, width and heading', () => {
  const objects = [
    obj(40, 40, 0, 'bright'),
    obj(100, 40, 35, 'bright'),
    obj(160, 50, 90, 'bright'),
    obj(50, 110, 140, 'bright'),
    obj(110, 110, 60, 'dark'),
    obj(160, 120, 170, 'dark'),
    obj(80, 165, 115, 'dark'),
  ];
  for (const gsd of [0.3, 0.6, 1.0]) {
    const s = renderScene({ ...base, gsd, objects }, 7);
    const dets = det.detect(s.raster, opts(gsd));
    const m = matchDetections(s.truth, dets, gsd);
    assert.equal(dets.length, objects.length, `GSD ${gsd}: ${dets.length} detections`);
    s.truth.forEach((t, i) => {
      const d = dets[m.truthToDet[i]];
      assert.ok(d, `GSD ${gsd}: object ${i} missed`);
      assert.equal(d.polarity, t.polarity);
      assert.ok(
        Math.abs(d.length_m - t.length_m) <= 0.2 * t.length_m,
        `GSD ${gsd}: length ${d.length_m} vs ${t.length_m}`,
      );
      // ±20 % where the object is at least 4 pixels wide; narrower ones read up to 1.2 pixels wider (a stated limit)
      const tolW = t.width_m / gsd >= 4 ? 0.2 * t.width_m : 1.2 * gsd;
      assert.ok(Math.abs(d.width_m - t.width_m) <= tolW, `GSD ${gsd}: width ${d.width_m} vs ${t.width_m}`);
      assert.ok(
        angleDiff(d.heading_deg, t.heading_deg) <= 10,
        `GSD ${gsd}: heading ${d.heading_deg} vs ${t.heading_deg}`,
      );
      assert.ok(d.score > 0 && d.score <= 1);
      assert.ok(d.lat !== null && Math.abs(d.lat - t.lat) < 1e-4 && Math.abs((d.lon ?? 0) - t.lon) < 1e-4);
    });
  }
});

test('distractors of the wrong size are rejected', () => {
  const objects = [
    obj(40, 40, 20, 'bright', { length_m: 30 }), // 20 % too long
    obj(100, 40, 80, 'dark', { length_m: 16 }), // 20 % too short
    obj(160, 60, 0, 'bright', { length_m: 22, width_m: 5 }), // too wide
    obj(60, 120, 45, 'bright', { length_m: 4, width_m: 2 }), // much smaller
    obj(140, 140, 10, 'dark', { length_m: 60, width_m: 30 }), // much larger
    obj(60, 170, 100, 'bright'), // the one that counts
  ];
  const s = renderScene({ ...base, gsd: 0.5, objects }, 3);
  const dets = det.detect(s.raster, opts(0.5));
  assert.equal(dets.length, 1, JSON.stringify(dets.map((d) => [d.x, d.y, d.length_m, d.width_m])));
  assert.ok(Math.hypot(dets[0].x - s.truth[5].x, dets[0].y - s.truth[5].y) < 2);
});

test('two objects touching end to end are counted as two', () => {
  // heading 60°: unit vector (sin 60, −cos 60) in image axes
  const ux = Math.sin(Math.PI / 3),
    uy = -Math.cos(Math.PI / 3);
  const objects = [obj(100 - 11 * ux, 100 - 11 * uy, 60, 'bright'), obj(100 + 11 * ux, 100 + 11 * uy, 60, 'bright')];
  for (const gsd of [0.5, 1.0]) {
    const s = renderScene({ ...base, gsd, objects }, 5);
    const dets = det.detect(s.raster, opts(gsd));
    const m = matchDetections(s.truth, dets, gsd);
    assert.equal(dets.length, 2, `GSD ${gsd}`);
    assert.ok(
      m.truthToDet.every((j) => j >= 0),
      `GSD ${gsd}: ${JSON.stringify(dets)}`,
    );
  }
});

test('shadows are not counted as dark objects', () => {
  const objects = [
    obj(50, 50, 30, 'bright', { height_m: 3 }),
    obj(140, 60, 100, 'bright', { height_m: 3 }),
    obj(60, 140, 160, 'bright', { height_m: 3 }),
    obj(150, 150, 75, 'bright', { height_m: 3 }),
  ];
  const spec: SceneSpec = {
    ...base,
    gsd: 0.5,
    objects,
    sun: { azimuthDeg: 150, elevationDeg: 35 },
    shadowDarkening: 0.5,
  };
  const s = renderScene(spec, 11);
  for (const sun of [undefined, 150]) {
    const dets: Detection[] = det.detect(s.raster, opts(0.5, { sunAzimuthDeg: sun }));
    assert.equal(
      dets.filter((d) => d.polarity === 'dark').length,
      0,
      `sun ${sun}: ${JSON.stringify(dets.filter((d) => d.polarity === 'dark'))}`,
    );
    assert.equal(dets.filter((d) => d.polarity === 'bright').length, 4, `sun ${sun}`);
  }
});

test('a dark object with a brighter pad along part of its sun side is not taken for a shadow', () => {
  // the pad runs along the west half of the object, 0.6 m off its sun-side
  // edge: bright along about half of that side (a bright object's shadow has
  // it along nearly all)
  const misses: string[] = [];
  for (const [gsd, az] of [
    [0.5, 0],
    [0.8, 0],
    [0.5, 180],
    [1.0, 0],
  ] as const) {
    const objects = [obj(100, 100, 90, 'dark', { contrast: 45, height_m: 2.5 })];
    const s = renderScene(
      { ...base, gsd, objects, sun: { azimuthDeg: az, elevationDeg: 50 }, shadowDarkening: 0.35 },
      5,
    );
    const { width: w, height: h } = s.raster;
    const b = s.raster.bands[0];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const xm = (x + 0.5) * gsd,
          ym = (y + 0.5) * gsd;
        const onPad =
          xm > 60 && xm < 100 && (az === 0 ? ym > 60 && ym < 100 - 1.5 - 0.6 : ym > 100 + 1.5 + 0.6 && ym < 140);
        if (onPad) b[y * w + x] = Math.min(255, b[y * w + x] + 25);
      }
    }
    const dets = det.detect(s.raster, opts(gsd, { sunAzimuthDeg: az, sunElevationDeg: 50, heightM: 3.5 }));
    const m = matchDetections(s.truth, dets, gsd);
    if (dets.length !== 1 || m.truthToDet[0] !== 0) misses.push(`GSD ${gsd}, sun ${az}°: ${JSON.stringify(dets)}`);
  }
  assert.deepEqual(misses, []);
});

test('one threshold pass gives the runs at both levels, as two separate passes would', () => {
  // bright next to dark with nothing between (an object beside its shadow), runs at the row's ends, noise
  const rows = [
    [5, 5, -5, -5, 0, 3.5, 3.5, 0, -3.5, 5, 4, -4.5, -3.2, 3.1, 0, 6],
    Array.from({ length: 200 }, (_, i) => 6 * Math.sin(i * 0.7) + 3 * Math.cos(i * 2.3)),
  ];
  const naive = (z: number[], t: number, sign: number): number[] => {
    const out: number[] = [];
    let a = -1;
    z.forEach((v, x) => {
      if (sign * v >= t) {
        if (a < 0) a = x;
      } else if (a >= 0) {
        out.push(7, a, x - 1);
        a = -1;
      }
    });
    if (a >= 0) out.push(7, a, z.length - 1);
    return out;
  };
  for (const z of rows) {
    const n = z.length;
    const runs = thresholdRowRuns(
      Float32Array.from(z),
      new Float32Array(n),
      new Float32Array(n),
      new Float32Array(n).fill(1),
      4,
      3,
      7,
    );
    assert.deepEqual(
      runs.map((r) => [...r]),
      [naive(z, 4, 1), naive(z, 4, -1), naive(z, 3, 1), naive(z, 3, -1)],
    );
  }
});

test('objects of low contrast are found by the second look at a lower threshold', () => {
  // contrast 11 over noise 6: about 3.5 noise units after the smoothing,
  // under the first threshold for much of each object (the first look alone
  // found 4 of these 24)
  let found = 0,
    falses = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const objects = [0, 1, 2, 3].map((k) => obj(40 + 40 * k, 60 + 25 * k, 30 + 35 * k, 'bright', { contrast: 11 }));
    const s = renderScene({ ...base, terrain: { base: 110, contrast: 0 }, noise: 6, objects }, seed);
    const dets = det.detect(s.raster, opts(0.5));
    const m = matchDetections(s.truth, dets, 0.5);
    found += m.truthToDet.filter((j) => j >= 0).length;
    falses += m.detToTruth.filter((j) => j < 0).length;
  }
  assert.ok(found >= 15, `found ${found} of 24`);
  assert.equal(falses, 0);
});

test('the site restricts the detections (mask or polygon)', () => {
  const objects = [
    obj(40, 50, 0, 'bright'),
    obj(50, 150, 45, 'dark'),
    obj(150, 50, 90, 'bright'),
    obj(150, 150, 135, 'dark'),
  ];
  const s = renderScene({ ...base, gsd: 0.5, objects }, 9);
  const { width: w, height: h } = s.raster;
  const all = det.detect(s.raster, opts(0.5));
  assert.equal(all.length, 4);
  const poly: [number, number][] = [
    [0, 0],
    [w / 2, 0],
    [w / 2, h],
    [0, h],
  ];
  const left = det.detect(s.raster, opts(0.5, { site: poly }));
  assert.equal(left.length, 2);
  assert.ok(left.every((d) => d.x < w / 2));
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h / 2; y++) mask.fill(1, y * w, (y + 1) * w);
  const top = det.detect(s.raster, opts(0.5, { site: mask }));
  assert.equal(top.length, 2);
  assert.ok(top.every((d) => d.y < h / 2));
  assert.equal(det.detect(s.raster, opts(0.5, { polarity: 'dark' })).length, 2);
});

// Measured on the first 20 scenes of the evaluation set: 0.916 precision, 0.897 recall (131 of 146
// objects, 12 false). The 0.95 target is the accuracy script's (scripts/imagery-accuracy.ts),
// which reports it over all 240 scenes and fails while it is not met.
test('a small evaluation (20 scenes of the accuracy set): no regression below the measured level', () => {
  const r = runEvaluation(20);
  assert.ok(r.overall.precision >= 0.88, `precision ${r.overall.precision}`);
  assert.ok(r.overall.recall >= 0.86, `recall ${r.overall.recall}`);
});

test('two objects side by side with no seam, staggered, are counted as two; one wide object is not', () => {
  // heading 30°: along (sin 30, −cos 30), across (cos 30, sin 30) in image axes
  const ux = Math.sin(Math.PI / 6),
    uy = -Math.cos(Math.PI / 6);
  const vx = -uy,
    vy = ux;
  const objects = [
    obj(100 - 1.5 * vx - 1.5 * ux, 100 - 1.5 * vy - 1.5 * uy, 30, 'bright', { length_m: 21 }),
    obj(100 + 1.5 * vx + 1.5 * ux, 100 + 1.5 * vy + 1.5 * uy, 30, 'bright', { length_m: 24 }),
  ];
  for (const gsd of [0.8, 1.2]) {
    const s = renderScene({ ...base, gsd, objects }, 3);
    const dets = det.detect(s.raster, opts(gsd));
    const m = matchDetections(s.truth, dets, gsd);
    assert.equal(dets.length, 2, `GSD ${gsd}: ${JSON.stringify(dets)}`);
    assert.ok(
      m.truthToDet.every((j) => j >= 0),
      `GSD ${gsd}: ${JSON.stringify(dets)}`,
    );
    const wide = renderScene({ ...base, gsd, objects: [obj(100, 100, 30, 'bright', { width_m: 5.5 })] }, 3);
    assert.equal(det.detect(wide.raster, opts(gsd)).length, 0, `GSD ${gsd}: one wide object`);
  }
});

test('two dark objects side by side with their shadows, staggered, are counted as two', () => {
  // heading 120°, the sun across the pair: its shadow widens the blob on one side
  const ux = Math.sin((2 * Math.PI) / 3),
    uy = -Math.cos((2 * Math.PI) / 3);
  const vx = -uy,
    vy = ux;
  const objects = [
    obj(100 - 1.5 * vx - 1 * ux, 100 - 1.5 * vy - 1 * uy, 120, 'dark', { length_m: 21, height_m: 2.5, contrast: 45 }),
    obj(100 + 1.5 * vx + 1 * ux, 100 + 1.5 * vy + 1 * uy, 120, 'dark', { length_m: 23, height_m: 2.5, contrast: 45 }),
  ];
  const misses: string[] = [];
  // (with the sun at 60° the sweep that takes the shadow off also shortens the
  // ends on its side, the stagger left is under 0.8 pixel and the pair is one:
  // a stated limit)
  for (const [gsd, az] of [
    [0.5, 30],
    [0.7, 210],
  ] as const) {
    const spec: SceneSpec = { ...base, gsd, objects, sun: { azimuthDeg: az, elevationDeg: 50 }, shadowDarkening: 0.35 };
    const s = renderScene(spec, 5);
    const dets = det.detect(s.raster, opts(gsd, { sunAzimuthDeg: az, sunElevationDeg: 50, heightM: 3.5 }));
    const m = matchDetections(s.truth, dets, gsd);
    if (!m.truthToDet.every((j) => j >= 0) || dets.length !== 2)
      misses.push(`GSD ${gsd}, sun ${az}°: ${dets.length} detections, truth matched ${JSON.stringify(m.truthToDet)}`);
  }
  assert.deepEqual(misses, []);
});
