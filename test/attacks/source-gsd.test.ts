/**
 * Resolution cap evasion (issue 14, item 4): someone who can write the case
 * folder replaces a 0.5 m pass with a 0.25 m GeoTIFF of the same ground and
 * declares `source_gsd_m: 0.5` in the manifest, so that the pass would be
 * analysed as 0.5 m: no RESOLUTION_VIOLATION, and every object measuring
 * twice its size. The file's own georeferencing is authoritative: the
 * disagreement is refused by `case check` and by `verify` before anything
 * is appended, naming the file, the field and both values.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readGeoTiff, writeGeoTiff, type Raster } from '../../src/imagery/index.js';
import { generateCase } from '../../src/scenario/index.js';
import type { Results } from '../../src/verify/index.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-attack-gsd-'));
after(() => rmSync(root, { recursive: true, force: true }));

const tally = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const PASS = 'evidence/imagery/site-a-after.tif';

/** The same ground at half the pixel size: each pixel repeated 2 x 2, the geotransform's steps halved. */
function halved(r: Raster): Raster {
  const w = r.width * 2;
  const h = r.height * 2;
  const bands = r.bands.map((b) => {
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = b[(y >> 1) * r.width + (x >> 1)];
    return out;
  });
  const t = r.geo!.transform;
  return {
    ...r,
    width: w,
    height: h,
    bands,
    geo: { epsg: r.geo!.epsg, transform: [t[0], t[1] / 2, 0, t[3], 0, t[5] / 2] },
  };
}

/** The manifest with `source_gsd_m` added to the imagery entry of PASS, as a text edit. */
function declareGsd(dir: string, gsd: number): void {
  const p = join(dir, 'case.yaml');
  const text = readFileSync(p, 'utf8');
  const entry = `    - path: ${PASS}\n`;
  assert.ok(text.includes(entry));
  writeFileSync(p, text.replace(entry, `${entry}      source_gsd_m: ${gsd}\n`));
}

describe('a 0.25 m pass declared as 0.5 m', () => {
  const dir = join(root, 'case');
  before(async () => {
    await generateCase('strait', { out: dir });
    const r = await readGeoTiff(join(dir, PASS));
    await writeGeoTiff(join(dir, PASS), halved(r), { compression: 'deflate' });
  });

  it('is refused by case check with the file, the field and both values', () => {
    declareGsd(dir, 0.5);
    const r = tally(['case', 'check', dir]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /case\.yaml:\d+/);
    assert.match(r.stderr, /evidence\.imagery\[1\]\.source_gsd_m|source_gsd_m/);
    assert.match(r.stderr, /site-a-after\.tif/);
    assert.match(r.stderr, /declared 0\.5 m/);
    assert.match(r.stderr, /gives 0\.25 m/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('is refused by verify before anything is appended to the log', () => {
    const r = tally(['verify', dir, '-q']);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /declared 0\.5 m.*0\.25 m/s);
    assert.ok(!existsSync(join(dir, 'log')) || readdirSync(join(dir, 'log')).length === 0, 'nothing logged');
    assert.ok(!existsSync(join(dir, 'results')), 'no results');
  });

  it('is refused by the imagery commands too, so a degrade cannot pass it off as at the cap', () => {
    for (const args of [
      ['imagery', 'degrade', join(dir, PASS), join(root, 'degraded.tif'), '--gsd', '0.5', '--source-gsd', '0.5'],
      ['imagery', 'info', join(dir, PASS), '--source-gsd', '0.5'],
    ]) {
      const r = tally(args);
      assert.equal(r.status, 2, `${args[1]}: ${r.stdout}${r.stderr}`);
      assert.match(
        r.stderr,
        /site-a-after\.tif: source GSD declared 0\.5 m, but the file's georeferencing gives 0\.25 m/,
      );
    }
    assert.ok(!existsSync(join(root, 'degraded.tif')));
  });

  it('declared within 1 % of its own GSD, it is analysed at its own and breaks the cap', () => {
    const p = join(dir, 'case.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('source_gsd_m: 0.5\n', 'source_gsd_m: 0.2502\n'));
    assert.equal(tally(['case', 'check', dir]).status, 0);
    const out = join(root, 'out');
    const r = tally(['verify', dir, '-q', '--out', out]);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    const v = res.findings.filter((f) => f.code === 'RESOLUTION_VIOLATION');
    assert.ok(
      v.some((f) => f.subject.id === PASS),
      `RESOLUTION_VIOLATION for ${PASS}: ${r.stderr} ${JSON.stringify(res.findings.map((f) => f.code))}`,
    );
    const pass = res.sites.find((s) => s.id === 'site-a')!.passes.find((x) => x.evidence.path === PASS)!;
    assert.equal(pass.gsd_m, 0.25);
    assert.equal(pass.analysed_gsd_m, 0.5);
  });
});
