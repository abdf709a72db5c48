/**
 * Conformance check: Tally's exact-average degrade against GDAL.
 *
 *   node dist/scripts/conformance/imagery-degrade.js [DIR] [--json] [--no-bench]
 *
 * For generated rasters (8- and 16-bit, one and several bands, with and
 * without nodata, sizes that the factors do not divide) and for every
 * GeoTIFF in DIR (default ../shared/data/imagery), read with Tally's reader:
 *
 * - integer factors 2, 3, 4, 5: Tally's `degrade` must equal
 *   `gdal_translate -r average -outsize W' H'` (W' = floor(W / f), the size
 *   Tally writes) pixel for pixel when f divides the size, and its
 *   geotransform must agree to 1e-9; when f leaves a remainder, both spread
 *   the output over the whole input (effective factor W / W', not an
 *   integer): within one grey level, the identical count reported;
 * - non-integer factors 1.5, 2.5, 3.3: within one grey level of
 *   `gdalwarp -r average -tr` on the same grid (`-te` pinned to it; north-up
 *   images only). A mean that rounds to the nodata value itself is written as
 *   nodata + 1 by gdal_translate (Tally too) and as nodata − 1 by gdalwarp:
 *   those samples are counted apart, not as differences; so are samples
 *   that one side calls nodata (or transparent) and the other does not
 *   (gdalwarp decides coverage its own way), reported in the note. Whether
 *   gdal_translate (the very kernel Tally reproduces) gives identical
 *   results is reported beside.
 *
 * An alpha band (read from the file's ExtraSamples) is passed to `degrade` as
 * `alphaBand`, which leaves out the samples of alpha 0 as GDAL does.
 *
 * Real files are given to GDAL as they are (`-oo OVERVIEW_LEVEL=NONE`: their
 * internal overviews are not used as sources), so the check covers Tally's
 * reader too. Generated rasters go to GDAL as plain GeoTIFFs written by GDAL.
 * Then, unless --no-bench, a 10,000 × 10,000 8-bit 4× degrade is timed
 * against gdal_translate (information only).
 *
 * Exit status: 0 when every comparison passes, 1 when one fails, 2 when GDAL
 * is missing or on a usage error. The table goes to stdout (`--json`: one
 * JSON document), progress to stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { degrade } from '../../src/imagery/degrade.js';
import { readGeoTiff, readGeoTiffInfo } from '../../src/imagery/read.js';
import type { BandArray, Raster, SampleType } from '../../src/imagery/types.js';
import { GdalScratch, compareRasters, gdalVersion } from './gdal-bridge.js';
import { Random } from '../../src/scenario/random.js';

interface Row {
  input: string;
  raster: string;
  factor: number;
  reference: string;
  size: string;
  differing: number;
  replaced: number;
  coverage: number;
  maxDiff: number;
  samples: number;
  pass: boolean | null;
  note: string;
}

const INTEGER_FACTORS = [2, 3, 4, 5];
const FRACTIONAL_FACTORS = [1.5, 2.5, 3.3];

/** Seeded uniform numbers in [0, 1) (the project's generator). */
function rng(seed: number): () => number {
  const g = new Random(seed);
  return () => g.next();
}

function generated(
  name: string,
  w: number,
  h: number,
  type: SampleType,
  bands: number,
  nodata: number | null,
  seed: number,
  max = type === 'uint8' ? 255 : 65535,
): { name: string; r: Raster } {
  const rand = rng(seed);
  const out: BandArray[] = [];
  for (let b = 0; b < bands; b++) {
    const a = type === 'uint8' ? new Uint8Array(w * h) : new Uint16Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // Smooth ramps plus noise: sums land on every residue, halves included.
        let v = Math.floor((Math.sin(x / 9 + b) * 0.3 + 0.5 + (rand() - 0.5) * 0.4) * max);
        v = Math.max(0, Math.min(max, v));
        if (nodata !== null && (rand() < 0.15 || (x < 13 && y < 11))) v = nodata;
        a[y * w + x] = v;
      }
    }
    out.push(a);
  }
  return {
    name,
    r: {
      width: w,
      height: h,
      type,
      bands: out,
      nodata,
      geo: { epsg: 32614, transform: [600000, 0.3, 0, 5200000, 0, -0.3] },
    },
  };
}

function describeRaster(r: Raster): string {
  return `${r.width}×${r.height}×${r.bands.length} ${r.type}${r.nodata !== null ? ` nd=${r.nodata}` : ''}`;
}

function transformsAgree(a: Raster, b: Raster): boolean {
  if (!a.geo || !b.geo) return a.geo === null;
  return a.geo.transform.every((v, i) => Math.abs(v - b.geo!.transform[i]) <= 1e-9 * Math.max(1, Math.abs(v)));
}

function compareOne(
  g: GdalScratch,
  name: string,
  r: Raster,
  tif: string,
  rows: Row[],
  alphaBand: number | null = null,
): void {
  const opts = { alphaBand };
  for (const f of INTEGER_FACTORS) {
    if (r.width / f < 1 || r.height / f < 1) continue;
    const ours = degrade(r, f, f, opts);
    const theirs = g.translateAverage(tif, ours.width, ours.height, r.type, r.nodata);
    const c = compareRasters(ours, theirs);
    const geoOk = transformsAgree(ours, theirs);
    // A factor that divides the size must give identical samples; with a
    // remainder, the output spreads over the whole input (effective factor
    // W / floor(W / f), not an integer): within one grey level, like any
    // non-integer factor, identity reported.
    const divides = r.width % f === 0 && r.height % f === 0;
    rows.push({
      input: name,
      raster: describeRaster(r),
      factor: f,
      reference: 'gdal_translate',
      size: `${ours.width}×${ours.height}`,
      ...c,
      pass: (divides ? c.differing === 0 : c.maxDiff <= 1) && geoOk,
      note:
        (geoOk ? '' : 'geotransform differs; ') +
        (divides ? 'divides: identical required' : `remainder: effective ×${(r.width / ours.width).toFixed(4)}`),
    });
  }
  for (const f of FRACTIONAL_FACTORS) {
    const ours = degrade(r, f, f, opts);
    const t = r.geo?.transform;
    if (t && t[2] === 0 && t[4] === 0) {
      const warped = g.warpAverage(tif, ours, r.type, r.nodata);
      const c = compareRasters(ours, warped, r.nodata, alphaBand);
      const notes = [];
      if (c.replaced) notes.push(`${c.replaced} nodata stand-ins (nd+1 vs nd−1)`);
      if (c.coverage) notes.push(`${c.coverage} coverage (nodata/transparent on one side only)`);
      if (alphaBand !== null) notes.push('alpha band not compared');
      rows.push({
        input: name,
        raster: describeRaster(r),
        factor: f,
        reference: 'gdalwarp',
        size: `${ours.width}×${ours.height}`,
        ...c,
        pass: c.maxDiff <= 1,
        note: notes.join('; '),
      });
    }
    const translated = g.translateAverage(tif, ours.width, ours.height, r.type, r.nodata);
    const c2 = compareRasters(ours, translated);
    rows.push({
      input: name,
      raster: describeRaster(r),
      factor: f,
      reference: 'gdal_translate (info)',
      size: `${ours.width}×${ours.height}`,
      ...c2,
      pass: null,
      note: t && (t[2] !== 0 || t[4] !== 0) ? 'rotated: no gdalwarp grid' : '',
    });
  }
}

function bench(g: GdalScratch): Record<string, number> {
  const w = 10000;
  const a = new Uint8Array(w * w);
  const rand = rng(5);
  for (let i = 0; i < a.length; i++) a[i] = (i % w) ^ (rand() * 64);
  const r: Raster = {
    width: w,
    height: w,
    type: 'uint8',
    bands: [a],
    nodata: null,
    geo: { epsg: 32614, transform: [0, 0.3, 0, 0, 0, -0.3] },
  };
  let tally = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    degrade(r, 4, 4);
    tally = Math.min(tally, performance.now() - t0);
  }
  const tif = g.toGeoTiff(r);
  let gdal = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const p = spawnSync('gdal_translate', [
      '-q',
      '-r',
      'average',
      '-outsize',
      '2500',
      '2500',
      '-of',
      'MEM',
      tif,
      '/dev/null',
    ]);
    if (p.status !== 0) throw new Error(`gdal_translate failed: ${String(p.stderr)}`);
    gdal = Math.min(gdal, performance.now() - t0);
  }
  return { tally_degrade_ms: tally, gdal_translate_ms: gdal };
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const noBench = argv.includes('--no-bench');
  const positional = argv.filter((a) => !a.startsWith('--'));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = positional[0] ?? path.resolve(here, '../../../../shared/data/imagery');
  const version = gdalVersion();
  if (!version) {
    process.stderr.write('imagery-degrade: gdal_translate not found (apt-get install gdal-bin)\n');
    return 2;
  }
  process.stderr.write(`imagery-degrade: ${version}\n`);
  const g = new GdalScratch();
  const rows: Row[] = [];
  let benchResult: Record<string, number> | null = null;
  try {
    const gen = [
      generated('gen-u8-odd', 1003, 769, 'uint8', 1, null, 1),
      generated('gen-u8-rgb-nd0', 640, 482, 'uint8', 3, 0, 2),
      generated('gen-u8-nd-mid', 333, 257, 'uint8', 1, 100, 3, 200),
      generated('gen-u16', 517, 431, 'uint16', 1, null, 4),
      generated('gen-u16-nd', 500, 400, 'uint16', 2, 65535, 5),
    ];
    for (const { name, r } of gen) {
      process.stderr.write(`imagery-degrade: ${name}\n`);
      compareOne(g, name, r, g.toGeoTiff(r), rows);
    }
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /\.tiff?$/i.test(f))
          .sort()
      : [];
    if (files.length === 0) process.stderr.write(`imagery-degrade: no GeoTIFF in ${dir}\n`);
    for (const f of files) {
      const file = path.join(dir, f);
      process.stderr.write(`imagery-degrade: ${f}\n`);
      let r: Raster;
      let alphaBand: number | null = null;
      try {
        r = await readGeoTiff(file);
        alphaBand = (await readGeoTiffInfo(file)).alphaBand;
      } catch (e) {
        rows.push({
          input: f,
          raster: '-',
          factor: 0,
          reference: 'read',
          size: '-',
          differing: 0,
          replaced: 0,
          coverage: 0,
          maxDiff: 0,
          samples: 0,
          pass: false,
          note: `Tally cannot read it: ${(e as Error).message}`,
        });
        continue;
      }
      if (r.type === 'float32' || r.type === 'int16') continue;
      compareOne(g, f, r, file, rows, alphaBand);
    }
    if (!noBench) {
      process.stderr.write('imagery-degrade: timing 10,000 × 10,000 uint8 ×4\n');
      benchResult = bench(g);
    }
  } finally {
    g.dispose();
  }
  const failed = rows.filter((r) => r.pass === false);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ gdal: version, rows, bench: benchResult, failed: failed.length }, null, 2)}\n`,
    );
  } else {
    const head = ['input', 'raster', 'factor', 'reference', 'out size', 'differing', 'max diff', 'result', 'note'];
    const body = rows.map((r) => [
      r.input,
      r.raster,
      String(r.factor),
      r.reference,
      r.size,
      `${r.differing}/${r.samples}`,
      String(r.maxDiff),
      r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL',
      r.note,
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (c: string[]): string =>
      c
        .map((v, i) => v.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    process.stdout.write(`${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${body.map(line).join('\n')}\n`);
    if (benchResult) {
      process.stdout.write(
        `\n10,000 × 10,000 uint8, 4× exact average: Tally ${benchResult.tally_degrade_ms.toFixed(0)} ms (in memory), ` +
          `gdal_translate ${benchResult.gdal_translate_ms.toFixed(0)} ms (uncompressed GeoTIFF to MEM, whole process)\n`,
      );
    }
    process.stdout.write(
      `\n${rows.filter((r) => r.pass === true).length} passed, ${failed.length} failed, ` +
        `${rows.filter((r) => r.pass === null).length} for information\n`,
    );
  }
  return failed.length ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`imagery-degrade: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
