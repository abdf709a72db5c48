import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { degrade } from '../src/imagery/degrade.js';
import { canStream, degradeFile, readDegraded } from '../src/imagery/degrade-file.js';
import { readBlockLayout, readGeoTiff } from '../src/imagery/read.js';
import { writeGeoTiff, type WriteOptions } from '../src/imagery/write.js';
import type { BandArray, Raster, SampleType } from '../src/imagery/types.js';
import { Random } from '../src/scenario/random.js';

function makeRaster(
  w: number,
  h: number,
  type: SampleType,
  seed: number,
  nb = 1,
  nodata: number | null = null,
): Raster {
  const g = new Random(seed);
  const bands: BandArray[] = [];
  for (let b = 0; b < nb; b++) {
    const a = type === 'uint8' ? new Uint8Array(w * h) : new Uint16Array(w * h);
    // Smooth-ish content (compresses like imagery) plus noise, the full range reached.
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 128 + 100 * Math.sin(x / 7 + b) * Math.cos(y / 5) + 27 * (g.next() - 0.5);
        a[y * w + x] = Math.max(0, Math.min(255, Math.round(v))) * (type === 'uint8' ? 1 : 257);
      }
    }
    a[0] = 255;
    a[1] = 0;
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

function sameRaster(a: Raster, b: Raster, what: string): void {
  assert.equal(a.width, b.width, `${what}: width`);
  assert.equal(a.height, b.height, `${what}: height`);
  assert.equal(a.type, b.type, `${what}: type`);
  assert.equal(a.nodata, b.nodata, `${what}: nodata`);
  assert.deepEqual(a.geo, b.geo, `${what}: geo`);
  assert.equal(a.bands.length, b.bands.length, `${what}: bands`);
  a.bands.forEach((band, k) =>
    assert.ok(
      Buffer.from(band.buffer, band.byteOffset, band.byteLength).equals(
        Buffer.from(b.bands[k]!.buffer, b.bands[k]!.byteOffset, b.bands[k]!.byteLength),
      ),
      `${what}: band ${k} differs`,
    ),
  );
}

/** readDegraded and degradeFile against readGeoTiff + degrade + writeGeoTiff: same raster, same bytes. */
async function check(
  dir: string,
  path: string,
  fx: number,
  fy: number,
  what: string,
  streams: boolean | null,
): Promise<void> {
  if (streams !== null) assert.equal(await canStream(path, fx, fy), streams, `${what}: streamed`);
  const want = degrade(await readGeoTiff(path), fx, fy);
  const got = await readDegraded(path, fx, fy);
  sameRaster(got, want, what);
  const wo: WriteOptions = { compression: 'deflate', description: 'x' };
  const a = join(dir, 'a.tif');
  const b = join(dir, 'b.tif');
  await writeGeoTiff(a, want, wo);
  await degradeFile(path, b, fx, fy, { write: wo });
  assert.ok(readFileSync(a).equals(readFileSync(b)), `${what}: output files differ`);
}

describe('degradeFile / readDegraded: the streaming degrade equals readGeoTiff + degrade', () => {
  it('8-bit, striped and tiled, uncompressed and DEFLATE, one and three bands, integer factors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-degrade-file-'));
    try {
      const layouts: [string, WriteOptions][] = [
        ['none striped', { compression: 'none' }],
        ['deflate striped', { compression: 'deflate' }],
        ['none tiled 32', { compression: 'none', tileSize: 32 }],
        ['deflate tiled 48', { compression: 'deflate', tileSize: 48 }],
      ];
      const rasters: [string, Raster][] = [
        ['240×180', makeRaster(240, 180, 'uint8', 1)],
        ['3 bands 120×96', makeRaster(120, 96, 'uint8', 2, 3)],
        ['103×77', makeRaster(103, 77, 'uint8', 3)],
        ['2 bands 64×64', makeRaster(64, 64, 'uint8', 13, 2)],
        ['1500×40', makeRaster(1500, 40, 'uint8', 4)],
        // 2-row strips, 34 a read: a read ends inside an output row for the factors 3, 4 (of 68 rows) and 5.
        ['30000×150 (rows carried over between reads)', makeRaster(30000, 150, 'uint8', 12)],
      ];
      const factors: [number, number][] = [
        [2, 2],
        [3, 3],
        [4, 4],
        [5, 5],
        [2, 3],
        [4, 2],
        [1, 4],
        [6, 6],
        [8, 4],
      ];
      let k = 0;
      for (const [rn, r] of rasters) {
        for (const [ln, wo] of layouts) {
          if (r.width > 2000 && wo.tileSize !== undefined) continue;
          // A new name for every file: sharp (libvips) caches decoded files by name.
          const path = join(dir, `in-${k++}.tif`);
          await writeGeoTiff(path, r, wo);
          for (const [fx, fy] of factors) {
            const divides = r.width % fx === 0 && r.height % fy === 0;
            const what = `${rn}, ${ln}, ${fx}×${fy}`;
            await check(dir, path, fx, fy, what, divides);
            sameRaster(await readDegraded(path, fx, fy), degrade(r, fx, fy), `${what} (from the raster written)`);
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a large DEFLATE image (decoded by this thread and a worker), tiled and striped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-degrade-file-'));
    try {
      // Noise compresses badly: over 4 MiB of DEFLATE blocks, enough for the worker.
      const g = new Random(21);
      const w = 2400;
      const band = new Uint8Array(w * w);
      for (let i = 0; i < band.length; i++) band[i] = Math.floor(g.next() * 256);
      const r: Raster = {
        width: w,
        height: w,
        type: 'uint8',
        bands: [band],
        nodata: null,
        geo: { epsg: 32633, transform: [400000, 0.5, 0, 6000000, 0, -0.5] },
      };
      let k = 0;
      for (const wo of [{ compression: 'deflate', tileSize: 256 }, { compression: 'deflate' }] as WriteOptions[]) {
        const path = join(dir, `big-${k++}.tif`);
        await writeGeoTiff(path, r, wo);
        for (const f of [3, 4, 5, 6]) {
          assert.equal(await canStream(path, f, f), true);
          sameRaster(await readDegraded(path, f, f), degrade(r, f, f), `noise ${JSON.stringify(wo)} ${f}×`);
        }
        await check(dir, path, 4, 4, `noise ${JSON.stringify(wo)} 4× (files)`, true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('other inputs go the in-memory way with the same results: 16-bit, nodata, alpha, remainders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-degrade-file-'));
    try {
      let path = join(dir, 'in-1.tif');
      await writeGeoTiff(path, makeRaster(96, 64, 'uint16', 5), { compression: 'deflate', tileSize: 32 });
      await check(dir, path, 4, 4, 'uint16', false);
      path = join(dir, 'in-2.tif');
      await writeGeoTiff(path, makeRaster(96, 64, 'uint8', 6, 1, 0), { compression: 'none' });
      await check(dir, path, 4, 4, 'nodata', false);
      path = join(dir, 'in-3.tif');
      await writeGeoTiff(path, makeRaster(96, 64, 'uint8', 7, 4), { compression: 'none', alpha: true });
      assert.equal(await canStream(path, 4, 4, { alphaBand: 3 }), false);
      sameRaster(
        await readDegraded(path, 4, 4, { alphaBand: 3 }),
        degrade(await readGeoTiff(path), 4, 4, { alphaBand: 3 }),
        'alpha',
      );
      path = join(dir, 'in-4.tif');
      await writeGeoTiff(path, makeRaster(97, 64, 'uint8', 8), { compression: 'none' });
      await check(dir, path, 4, 4, 'remainder', false);
      await check(dir, path, 2.5, 2, 'non-integer', false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged DEFLATE tile gives what readGeoTiff + degrade gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-degrade-file-'));
    try {
      const path = join(dir, 'in.tif');
      await writeGeoTiff(path, makeRaster(128, 128, 'uint8', 9), { compression: 'deflate', tileSize: 64 });
      const layout = (await readBlockLayout(path))!;
      const bytes = readFileSync(path);
      const at = layout.offsets[3]! + Math.floor(layout.counts[3]! / 2);
      for (let i = 0; i < 16; i++) bytes[at + i] = 0xff;
      writeFileSync(path, bytes);
      let want: Raster | Error;
      try {
        want = degrade(await readGeoTiff(path), 4, 4);
      } catch (e) {
        want = e as Error;
      }
      if (want instanceof Error) {
        await assert.rejects(readDegraded(path, 4, 4), (e: Error) => e.message === (want as Error).message);
      } else {
        sameRaster(await readDegraded(path, 4, 4), want, 'damaged');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const gdal = spawnSync('gdal_translate', ['--version'], { encoding: 'utf8' }).status === 0;
  it(
    'DEFLATE with horizontal differencing (Predictor 2), striped and tiled, one and three bands',
    { skip: gdal ? false : 'gdal_translate not installed' },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tally-degrade-file-'));
      try {
        for (const [name, r] of [
          ['grey', makeRaster(200, 120, 'uint8', 10)],
          ['rgb', makeRaster(120, 80, 'uint8', 11, 3)],
        ] as const) {
          const plain = join(dir, `${name}.tif`);
          await writeGeoTiff(plain, r, { compression: 'none' });
          for (const co of [
            ['-co', 'TILED=NO'],
            ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=32', '-co', 'BLOCKYSIZE=32'],
          ]) {
            const path = join(dir, `${name}-pred-${co[1]}.tif`);
            const p = spawnSync(
              'gdal_translate',
              ['-q', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2', ...co, plain, path],
              { encoding: 'utf8' },
            );
            assert.equal(p.status, 0, p.stderr);
            assert.equal((await readBlockLayout(path))!.predictor, 2);
            for (const f of [2, 4, 5]) {
              const what = `${name} predictor 2 ${co.join(' ')} ${f}×`;
              await check(dir, path, f, f, what, r.width % f === 0 && r.height % f === 0);
              sameRaster(
                await readDegraded(path, f, f),
                { ...degrade(r, f, f), geo: (await readDegraded(path, f, f)).geo },
                `${what} (from the raster written)`,
              );
            }
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
