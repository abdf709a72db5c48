/**
 * A pass that shows nothing (issue 14, item 17): a pass after the deadline
 * over cloud, or too coarse to show the items, must not clear a site. The
 * visibility test (src/imagery/visibility.ts) on generated scenes, then the
 * verification end to end through the CLI on a generated case whose pass
 * after the deadline is replaced by the same pass under cloud, and by the
 * same pass at 1 m.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  degradeToGsd,
  judgeVisibility,
  readGeoTiff,
  visibilityProblem,
  writeGeoTiff,
  type Raster,
} from '../src/imagery/index.js';
import { generateCase } from '../src/scenario/index.js';
import { addCloudLayer, renderScene, type SceneSpec } from '../src/scenario/scenes.js';
import type { Results } from '../src/verify/index.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-visibility-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The scenario's passes: 0.5 m, flat ground at 100, six items of 22 × 2.8 m. */
const SPEC: SceneSpec = {
  widthM: 200,
  heightM: 200,
  gsd: 0.5,
  terrain: { base: 100, contrast: 6, octaves: 3 },
  noise: 2,
  random: {
    count: 6,
    classes: [{ lengthM: [20, 25], widthM: [2.4, 3.2] }],
    darkFraction: 0,
    contrast: [40, 50],
    touchingFraction: 0,
  },
};
const ITEM_M2 = 20 * 1.6;
const whole = (r: Raster): Uint8Array => new Uint8Array(r.width * r.height).fill(1);

describe('the visibility test on generated scenes', () => {
  it('sees the ground of a clear scene', () => {
    const s = renderScene(SPEC, 7);
    const v = judgeVisibility(s.raster, { x: 0.5, y: 0.5 }, whole(s.raster), 0, ITEM_M2);
    assert.ok(v.visible, JSON.stringify(v));
    assert.deepEqual(v.obscured, {});
  });

  it('judges a scene under full cloud unusable, naming cloud', () => {
    const s = renderScene({ ...SPEC, cloudCover: { fraction: 1 } }, 7);
    const v = judgeVisibility(s.raster, { x: 0.5, y: 0.5 }, whole(s.raster), 0, ITEM_M2);
    assert.ok(!v.visible);
    assert.ok((v.obscured['cloud or snow'] ?? 0) > 0.99, JSON.stringify(v.obscured));
    assert.match(visibilityProblem(v), /cloud or snow 100 %/);
  });

  it('judges a cloud over a tenth of the site unusable, and never calls a pass with an item under cloud usable', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const s = renderScene({ ...SPEC, cloudCover: { fraction: 0.1 } }, seed);
      const v = judgeVisibility(s.raster, { x: 0.5, y: 0.5 }, whole(s.raster), 0, ITEM_M2);
      assert.ok(!v.visible, `seed ${seed}`);
    }
  });

  it('judges a blank fill, a nodata image and a clipped sensor unusable', () => {
    const s = renderScene(SPEC, 3);
    const n = s.raster.width * s.raster.height;
    const blank: Raster = { ...s.raster, bands: [new Uint8Array(n).fill(40)] };
    const nodata: Raster = { ...s.raster, nodata: 0, bands: [new Uint8Array(n)] };
    const clipped: Raster = { ...s.raster, bands: [new Uint8Array(n).fill(255)] };
    const g = { x: 0.5, y: 0.5 };
    assert.deepEqual(Object.keys(judgeVisibility(blank, g, whole(blank), 0, ITEM_M2).obscured), ['blank']);
    assert.deepEqual(Object.keys(judgeVisibility(nodata, g, whole(nodata), 0, ITEM_M2).obscured), ['nodata']);
    assert.deepEqual(Object.keys(judgeVisibility(clipped, g, whole(clipped), 0, ITEM_M2).obscured), ['saturated']);
  });

  it('counts the part of the site outside the image as unseen', () => {
    const s = renderScene(SPEC, 5);
    const v = judgeVisibility(s.raster, { x: 0.5, y: 0.5 }, whole(s.raster), 200, ITEM_M2);
    assert.ok(!v.visible);
    assert.ok((v.obscured['outside the image'] ?? 0) > 0);
  });
});

const tally = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const PASS = 'evidence/imagery/site-a-after.tif';

/** Verifies DIR through the CLI into OUT and reads its results (whatever the exit status a verdict gives). */
function verified(dir: string, out: string): Results {
  const r = tally(['verify', dir, '-q', '--out', out]);
  assert.ok(r.status !== null && r.status !== 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
}

describe('a pass after the deadline that shows nothing does not clear the site', () => {
  const cloudy = join(root, 'cloudy');
  const coarse = join(root, 'coarse');
  before(async () => {
    await generateCase('strait', { out: cloudy });
    await generateCase('strait', { out: coarse });
    const r = await readGeoTiff(join(cloudy, PASS));
    addCloudLayer(r, 0.5, { fraction: 1 }, 11);
    await writeGeoTiff(join(cloudy, PASS), r, { compression: 'deflate' });
    const c = await readGeoTiff(join(coarse, PASS));
    await writeGeoTiff(join(coarse, PASS), degradeToGsd(c, { x: 0.5, y: 0.5 }, 1), { compression: 'deflate' });
  });

  it('under cloud: the pass is unusable with the reason, and the site is SITE_UNOBSERVED, not cleared', () => {
    const res = verified(cloudy, join(root, 'cloudy-out'));
    const site = res.sites.find((s) => s.id === 'site-a')!;
    const pass = site.passes.find((p) => p.evidence.path === PASS)!;
    assert.equal(pass.count, null);
    assert.match(pass.problem ?? '', /ground inside the site is not visible.*cloud or snow/);
    assert.equal(site.verdict, 'INCOMPLETE');
    assert.equal(site.remaining, null);
    assert.ok(res.findings.some((f) => f.code === 'SITE_UNOBSERVED' && f.subject.id === 'site-a'));
    assert.ok(!res.findings.some((f) => f.code === 'SITE_NOT_CLEARED'));
    assert.equal(res.verdict, 'INCOMPLETE');
  });

  it('at 1 m for items 1.6 m wide: the pass is unusable with the reason, and the site is SITE_UNOBSERVED', () => {
    const res = verified(coarse, join(root, 'coarse-out'));
    const site = res.sites.find((s) => s.id === 'site-a')!;
    const pass = site.passes.find((p) => p.evidence.path === PASS)!;
    assert.equal(pass.count, null);
    assert.equal(pass.analysed_gsd_m, 1);
    assert.match(
      pass.problem ?? '',
      /at 1 m it cannot show the items: .*half the smallest declared width \(1\.6 m\), 0\.8 m/,
    );
    assert.equal(site.verdict, 'INCOMPLETE');
    assert.ok(res.findings.some((f) => f.code === 'SITE_UNOBSERVED' && f.subject.id === 'site-a'));
    assert.ok(!res.findings.some((f) => f.code === 'RESOLUTION_VIOLATION'));
  });
});
