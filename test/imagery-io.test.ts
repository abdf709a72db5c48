import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fromWgs84,
  gsdMetres,
  ImageryError,
  readGeoTiff,
  readGeoTiffInfo,
  resolutionForCap,
  resolveGsd,
  toWgs84,
  writeGeoTiff,
  type BandArray,
  type GeoTransform,
  type Raster,
  type SampleType,
} from '../src/imagery/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tally-imagery-io-'));
let seq = 0;
const tmp = (name: string): string => join(dir, `${seq++}-${name}`);

/** Deterministic pseudo-random samples. */
function band(type: SampleType, n: number, seed: number): BandArray {
  let s = seed >>> 0 || 1;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const a =
    type === 'uint8'
      ? new Uint8Array(n)
      : type === 'uint16'
        ? new Uint16Array(n)
        : type === 'int16'
          ? new Int16Array(n)
          : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    a[i] =
      type === 'uint8'
        ? Math.floor(r * 256)
        : type === 'uint16'
          ? Math.floor(r * 65536)
          : type === 'int16'
            ? Math.floor(r * 65536) - 32768
            : (r - 0.5) * 1e4;
  }
  return a;
}

function raster(
  type: SampleType,
  width: number,
  height: number,
  bands: number,
  epsg: number | null,
  transform?: GeoTransform,
  nodata: number | null = null,
): Raster {
  return {
    width,
    height,
    type,
    nodata,
    bands: Array.from({ length: bands }, (_, k) => band(type, width * height, 17 + k * 101 + width)),
    geo: epsg === null ? null : { epsg, transform: transform ?? [500000, 0.5, 0, 4000000, 0, -0.5] },
  };
}

function assertSame(a: Raster, b: Raster): void {
  assert.equal(b.width, a.width);
  assert.equal(b.height, a.height);
  assert.equal(b.type, a.type);
  assert.equal(b.bands.length, a.bands.length);
  a.bands.forEach((x, k) =>
    assert.deepEqual(
      Buffer.from(b.bands[k]!.buffer, b.bands[k]!.byteOffset, b.bands[k]!.byteLength),
      Buffer.from(x.buffer, x.byteOffset, x.byteLength),
      `band ${k}`,
    ),
  );
  assert.deepEqual(b.geo, a.geo);
  if (a.nodata === null) assert.equal(b.nodata, null);
  else assert.ok(Object.is(b.nodata, a.nodata) || b.nodata === a.nodata);
}

const gdal = spawnSync('gdalinfo', ['--version']).status === 0;

function gdalinfo(path: string): {
  size: number[];
  geoTransform?: number[];
  coordinateSystem?: { wkt: string };
  bands: { noDataValue?: number }[];
} {
  const r = spawnSync('gdalinfo', ['-json', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof gdalinfo>;
}

const cases: { name: string; r: Raster; opts?: Parameters<typeof writeGeoTiff>[2] }[] = [
  { name: 'uint8 1 band UTM 10N', r: raster('uint8', 97, 61, 1, 32610) },
  {
    name: 'uint8 3 bands deflate EPSG:3857',
    r: raster('uint8', 130, 70, 3, 3857, [14321853.1, 0.6, 0, 4533021.5, 0, -0.6]),
    opts: { compression: 'deflate' },
  },
  {
    name: 'uint16 1 band tiled deflate nodata 0 NAD83 UTM 14',
    r: raster('uint16', 300, 170, 1, 26914, [485900, 5, 0, 5209247, 0, -5], 0),
    opts: { compression: 'deflate', tileSize: 128 },
  },
  {
    name: 'uint16 3 bands tiled EPSG:4326',
    r: raster('uint16', 75, 40, 3, 4326, [-115.23, 2.7e-6, 0, 36.14, 0, -2.7e-6]),
    opts: { tileSize: 32 },
  },
  {
    name: 'uint8 4 bands RGBA striped',
    r: raster('uint8', 64, 33, 4, 32618, [101985, 300, 0, 2826915, 0, -300], 0),
    opts: { alpha: true },
  },
  {
    name: 'uint8 rotated transform UTM 59S',
    r: raster('uint8', 80, 90, 1, 32759, [337934.48, -0.143, -0.5768, 7840518.46, -0.5768, 0.143]),
  },
  { name: 'int16 2 bands', r: raster('int16', 50, 20, 2, 32631, undefined, -32768), opts: { compression: 'deflate' } },
  { name: 'float32 nodata NaN', r: raster('float32', 40, 30, 1, 32616, undefined, NaN) },
  { name: 'uint8 PixelIsPoint', r: raster('uint8', 20, 10, 1, 32610), opts: { rasterType: 'point' } },
  {
    name: 'uint8 4 bands minisblack (no alpha)',
    r: raster('uint8', 41, 23, 4, 4326, [-74.72, 0.0008, 0, -8.28, 0, -0.0008]),
  },
];

for (const c of cases) {
  test(`round trip: ${c.name}`, async () => {
    const p = tmp('rt.tif');
    await writeGeoTiff(p, c.r, c.opts);
    const back = await readGeoTiff(p);
    assertSame(c.r, back);
    const viaGeotiff = await readGeoTiff(p, { decoder: 'geotiff' });
    assertSame(c.r, viaGeotiff);
    const info = await readGeoTiffInfo(p);
    assert.equal(info.rasterType, c.opts?.rasterType ?? 'area');
    if (gdal) {
      const g = gdalinfo(p);
      assert.deepEqual(g.size, [c.r.width, c.r.height]);
      const t = c.r.geo!.transform;
      g.geoTransform!.forEach((v, i) =>
        assert.ok(Math.abs(v - t[i]!) <= 1e-9 * Math.max(1, Math.abs(v)), `gt[${i}] ${v} vs ${t[i]}`),
      );
      const m = /ID\["EPSG",(\d+)\]\]\s*$/.exec(g.coordinateSystem!.wkt);
      assert.equal(Number(m?.[1]), c.r.geo!.epsg);
      const nd = g.bands[0]!.noDataValue;
      if (c.r.nodata === null) assert.equal(nd, undefined);
      else if (Number.isNaN(c.r.nodata)) assert.equal(String(nd), 'NaN');
      else assert.equal(nd, c.r.nodata);
    }
  });
}

test('windows and sharp vs geotiff.js decoders agree', async () => {
  const r = raster('uint8', 200, 150, 3, 32610);
  for (const opts of [{}, { tileSize: 64, compression: 'deflate' as const }]) {
    const p = tmp('win.tif');
    await writeGeoTiff(p, r, opts);
    const w: [number, number, number, number] = [13, 7, 113, 97];
    const a = await readGeoTiff(p, { window: w, decoder: 'sharp' });
    const b = await readGeoTiff(p, { window: w, decoder: 'geotiff' });
    assertSame(a, b);
    assert.equal(a.width, 100);
    assert.equal(a.bands[1]![0], r.bands[1]![7 * 200 + 13]);
    assert.deepEqual(a.geo!.transform, [500000 + 13 * 0.5, 0.5, 0, 4000000 - 7 * 0.5, 0, -0.5]);
    await assert.rejects(
      readGeoTiff(p, { window: [0, 0, 201, 10] }),
      (e: unknown) => e instanceof ImageryError && e.code === 'BAD_WINDOW',
    );
  }
});

test('info fields', async () => {
  const p = tmp('info.tif');
  await writeGeoTiff(p, raster('uint16', 100, 50, 1, 32610, [557050, 5, 0, 4176460, 0, -5], 0), {
    compression: 'deflate',
    tileSize: 32,
    derivedFrom: 'sha256:abc',
    derivedBy: 'tally imagery degrade --gsd 5',
  });
  const i = await readGeoTiffInfo(p);
  assert.equal(i.width, 100);
  assert.equal(i.height, 50);
  assert.equal(i.bands, 1);
  assert.equal(i.type, 'uint16');
  assert.equal(i.epsg, 32610);
  assert.equal(i.compression, 'deflate');
  assert.equal(i.tiled, true);
  assert.equal(i.blockWidth, 32);
  assert.equal(i.nodata, 0);
  assert.deepEqual(i.transform, [557050, 5, 0, 4176460, 0, -5]);
  assert.deepEqual(i.corners, {
    upperLeft: [557050, 4176460],
    lowerLeft: [557050, 4176210],
    lowerRight: [557550, 4176210],
    upperRight: [557550, 4176460],
    center: [557300, 4176335],
  });
  assert.deepEqual(i.gsd, { x: 5, y: 5 });
  assert.equal(i.description, 'derived from sha256:abc by tally imagery degrade --gsd 5');
  assert.deepEqual(i.overviews, []);
  assert.deepEqual(i.masks, []);

  const cli = spawnSync(process.execPath, [CLI, 'imagery', 'info', p, '--json'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const j = JSON.parse(cli.stdout) as Record<string, unknown>;
  assert.equal(j['epsg'], 32610);
  assert.deepEqual(j['geotransform'], [557050, 5, 0, 4176460, 0, -5]);
  assert.deepEqual(j['gsd_m'], { x: 5, y: 5 });
  assert.equal(j['resolution_for_cap_m'], 5);
});

test('GSD in metres: EPSG:4326 at 60°N, 3857 scale correction, rotated, cap rule', () => {
  const d = 1e-5;
  const g = gsdMetres({ epsg: 4326, transform: [10, d, 0, 60 + 50 * d, 0, -d] }, 100, 100);
  assert.ok(Math.abs(g.x / g.y - 0.5) < 0.01, `x/y = ${g.x / g.y}`);
  assert.ok(Math.abs(g.y - 1.11412) < 1e-4, `y = ${g.y}`); // 1° of latitude at 60°N is 111.412 km
  assert.ok(Math.abs(g.x - 0.558) < 1e-4, `x = ${g.x}`); // 1° of longitude there is 55.800 km
  assert.equal(resolutionForCap(g), g.x);

  // Web Mercator at 60°N: 1 projected metre is N cos φ / a = 0.50126 m east–west, M cos φ / a = 0.50042 m north–south.
  const [mx, my] = fromWgs84(3857, 10, 60);
  const m = gsdMetres({ epsg: 3857, transform: [mx - 50, 1, 0, my + 50, 0, -1] }, 100, 100);
  assert.ok(Math.abs(m.x - 0.50126) < 1e-4, `x = ${m.x}`);
  assert.ok(Math.abs(m.y - 0.50042) < 1e-4, `y = ${m.y}`);
  const [lon, lat] = toWgs84(3857, mx, my);
  assert.ok(Math.abs(lon - 10) < 1e-9 && Math.abs(lat - 60) < 1e-9);

  const rot = gsdMetres({ epsg: 32759, transform: [0, -0.143, -0.5768, 7840518, -0.5768, 0.143] }, 10, 10);
  assert.ok(Math.abs(rot.x - Math.hypot(0.143, 0.5768)) < 1e-12);
  assert.ok(Math.abs(rot.y - Math.hypot(0.143, 0.5768)) < 1e-12);

  const [e, n] = fromWgs84(26914, -99, 47);
  assert.ok(Math.abs(e - 500000) < 1e-6 && n > 5.2e6 && n < 5.21e6);
  assert.deepEqual(resolveGsd(null, 10, 10, 0.3, 'x.jpg'), { x: 0.3, y: 0.3 });
  assert.throws(
    () => resolveGsd(null, 10, 10, undefined, 'x.jpg'),
    (e: unknown) => e instanceof ImageryError && e.code === 'NO_GEOREFERENCING' && /--source-gsd/.test(e.message),
  );
});

test('overviews and masks are told apart', async () => {
  // A main image, then a mask IFD (NewSubfileType 4) and an overview IFD (1), made by chaining three written TIFFs.
  const parts = await Promise.all(
    [raster('uint8', 64, 64, 1, 32610), raster('uint8', 64, 64, 1, null), raster('uint8', 32, 32, 1, null)].map(
      async (r, i) => {
        const p = tmp(`part${i}.tif`);
        await writeGeoTiff(p, r);
        return readFileSync(p);
      },
    ),
  );
  const p = tmp('chain.tif');
  writeFileSync(p, chainTiffs(parts, [0, 4, 1]));
  const i = await readGeoTiffInfo(p);
  assert.equal(i.ifdCount, 3);
  assert.deepEqual(i.masks, [{ ifd: 1, width: 64, height: 64 }]);
  assert.deepEqual(i.overviews, [{ ifd: 2, width: 32, height: 32 }]);
  const ov = await readGeoTiff(p, { overview: 1 });
  assert.equal(ov.width, 32);
  assert.deepEqual(ov.geo!.transform, [500000, 1, 0, 4000000, 0, -1]);
  await assert.rejects(
    readGeoTiff(p, { overview: 2 }),
    (e: unknown) => e instanceof ImageryError && e.code === 'BAD_OVERVIEW',
  );
});

/** Concatenates single-IFD little-endian TIFFs into one, linking their IFDs and setting NewSubfileType. */
function chainTiffs(parts: Buffer[], subfile: number[]): Buffer {
  const out: Buffer[] = [];
  let base = 0;
  const ifdAt: number[] = [];
  const bufs = parts.map((b, k) => {
    const c = Buffer.from(b);
    const ifd = c.readUInt32LE(4);
    const n = c.readUInt16LE(ifd);
    // Rebase every offset-valued field (out-of-line values, strip offsets) by `base`.
    for (let e = 0; e < n; e++) {
      const at = ifd + 2 + e * 12;
      const tagId = c.readUInt16LE(at);
      const type = c.readUInt16LE(at + 2);
      const count = c.readUInt32LE(at + 4);
      const size = count * ({ 2: 1, 3: 2, 4: 4, 12: 8 } as Record<number, number>)[type]!;
      if (size > 4) c.writeUInt32LE(c.readUInt32LE(at + 8) + base, at + 8);
      if (tagId === 273 || tagId === 324) {
        if (count === 1) c.writeUInt32LE(c.readUInt32LE(at + 8) + base, at + 8);
        else {
          const arr = c.readUInt32LE(at + 8) - base; // already rebased above
          for (let j = 0; j < count; j++) c.writeUInt32LE(c.readUInt32LE(arr + j * 4) + base, arr + j * 4);
        }
      }
      if (tagId === 254) c.writeUInt32LE(subfile[k]!, at + 8);
    }
    ifdAt.push(ifd + base);
    base += c.length;
    return c;
  });
  // Link IFD k to IFD k+1.
  bufs.forEach((c, k) => {
    const ifd = c.readUInt32LE(4);
    const n = c.readUInt16LE(ifd);
    c.writeUInt32LE(k + 1 < bufs.length ? ifdAt[k + 1]! : 0, ifd + 2 + n * 12);
    out.push(c);
  });
  return Buffer.concat(out);
}

test('bad input: clear errors with codes, naming the file', async () => {
  const junk = tmp('junk.tif');
  writeFileSync(junk, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
  await assert.rejects(
    readGeoTiff(junk),
    (e: unknown) => e instanceof ImageryError && e.code === 'NOT_TIFF' && e.message.includes(junk),
  );

  const good = tmp('good.tif');
  await writeGeoTiff(good, raster('uint8', 300, 200, 1, 32610));
  const bytes = readFileSync(good);
  const trunc = tmp('trunc.tif');
  writeFileSync(trunc, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(
    readGeoTiff(trunc),
    (e: unknown) => e instanceof ImageryError && e.code === 'TRUNCATED' && e.message.includes(trunc),
  );
  const trunc2 = tmp('trunc2.tif');
  writeFileSync(trunc2, bytes.subarray(0, 100));
  await assert.rejects(readGeoTiffInfo(trunc2), (e: unknown) => e instanceof ImageryError && e.code === 'TRUNCATED');

  const plain = tmp('plain.tif');
  await writeGeoTiff(plain, raster('uint8', 30, 20, 1, null));
  const pi = await readGeoTiffInfo(plain);
  assert.equal(pi.geo, null);
  assert.ok(pi.notes.some((n) => n.includes('--source-gsd METRES')));
  assert.equal((await readGeoTiff(plain)).geo, null);
  await assert.rejects(
    readGeoTiff(plain, { requireGeo: true }),
    (e: unknown) =>
      e instanceof ImageryError &&
      e.code === 'NO_GEOREFERENCING' &&
      e.message.includes(plain) &&
      e.message.includes('--source-gsd METRES'),
  );
  const cli = spawnSync(process.execPath, [CLI, 'imagery', 'info', plain], { encoding: 'utf8' });
  assert.equal(cli.status, 0);
  assert.match(cli.stdout, /no georeferencing.*--source-gsd/);

  // Unsupported compression: rewrite the Compression tag to 34712 (JPEG 2000).
  const j2k = Buffer.from(bytes);
  const ifd = j2k.readUInt32LE(4);
  for (let e = 0; e < j2k.readUInt16LE(ifd); e++) {
    const at = ifd + 2 + e * 12;
    if (j2k.readUInt16LE(at) === 259) j2k.writeUInt16LE(34712, at + 8);
  }
  const bad = tmp('j2k.tif');
  writeFileSync(bad, j2k);
  await assert.rejects(
    readGeoTiff(bad),
    (e: unknown) =>
      e instanceof ImageryError && e.code === 'UNSUPPORTED_COMPRESSION' && /34712.*jpeg2000/.test(e.message),
  );
  const cliBad = spawnSync(process.execPath, [CLI, 'imagery', 'info', bad], { encoding: 'utf8' });
  assert.equal(cliBad.status, 2);
  assert.match(cliBad.stderr, /unsupported TIFF compression 34712/);

  // Unsupported sample format: SampleFormat 2 on 8-bit samples (int8).
  const s8 = Buffer.from(bytes);
  for (let e = 0; e < s8.readUInt16LE(ifd); e++) {
    const at = ifd + 2 + e * 12;
    if (s8.readUInt16LE(at) === 339) s8.writeUInt16LE(2, at + 8);
  }
  const badFmt = tmp('int8.tif');
  writeFileSync(badFmt, s8);
  await assert.rejects(
    readGeoTiff(badFmt),
    (e: unknown) =>
      e instanceof ImageryError && e.code === 'UNSUPPORTED_SAMPLE_FORMAT' && /8-bit signed/.test(e.message),
  );

  await assert.rejects(
    readGeoTiff(join(dir, 'missing.tif')),
    (e: unknown) => e instanceof ImageryError && e.code === 'NOT_FOUND',
  );
});

test('JPEG and PNG read as rasters without georeferencing', async () => {
  const sharp = (await import('sharp')).default;
  const p = tmp('img.png');
  const px = band('uint8', 40 * 30 * 3, 5) as Uint8Array;
  await sharp(Buffer.from(px), { raw: { width: 40, height: 30, channels: 3 } })
    .png()
    .toFile(p);
  const r = await readGeoTiff(p);
  assert.equal(r.geo, null);
  assert.equal(r.bands.length, 3);
  assert.equal(r.bands[2]![5], px[5 * 3 + 2]);
  const i = await readGeoTiffInfo(p);
  assert.equal(i.format, 'PNG');
  assert.ok(i.notes.some((n) => n.includes('--source-gsd')));
});
