/**
 * Conformance check: Tally's image metadata and pixels against Debian GDAL.
 *
 *   node dist/scripts/conformance/imagery-gdalinfo.js [DIR] [--json] [--gdalinfo PATH]
 *        [--gdal-translate PATH] [--no-pixels]
 *
 * DIR defaults to ../shared/data/imagery relative to the repository root. For
 * every *.tif / *.tiff / *.jpg / *.jpeg / *.png in DIR:
 *  - georeferenced per gdalinfo (it has a geoTransform and a CRS): Tally's
 *    size, band count, EPSG code (the top-level ID["EPSG",n] of gdalinfo's
 *    WKT), geotransform (relative error under 1e-9), cornerCoordinates (within
 *    1e-7 of a CRS unit), nodata and overview count must equal gdalinfo -json's;
 *  - not georeferenced per gdalinfo: Tally must report geo null with a note
 *    that names --source-gsd, and readGeoTiff({ requireGeo: true }) must fail
 *    with NO_GEOREFERENCING;
 *  - pixels (unless --no-pixels): Tally's readGeoTiff must equal GDAL's
 *    samples (gdal_translate -of ENVI, band-sequential) bit for bit, and where
 *    both of Tally's decoders (sharp and geotiff.js) take the file they must
 *    agree bit for bit.
 * Prints a table per file (or one JSON document) and exits 1 on any mismatch,
 * 2 on a usage or tool error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageryError, readGeoTiff, readGeoTiffInfo, type ImageInfo, type Raster } from '../../src/imagery/index.js';

interface Check {
  what: string;
  ok: boolean;
  tally: string;
  gdal: string;
}
interface FileResult {
  file: string;
  georeferenced: boolean;
  checks: Check[];
  ok: boolean;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function usage(msg: string): never {
  process.stderr.write(`imagery-gdalinfo: ${msg}\n`);
  process.exit(2);
}

/** The EPSG code of the top-level CRS of a WKT (its ID["EPSG",n] at bracket depth 1). */
export function topLevelEpsg(wkt: string): number | null {
  let depth = 0;
  let found: number | null = null;
  let inString = false;
  for (let i = 0; i < wkt.length; i++) {
    const c = wkt[i];
    if (c === '"') inString = !inString;
    if (inString) continue;
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (depth === 1 && (wkt.startsWith('ID[', i) || wkt.startsWith('AUTHORITY[', i))) {
      const m = /^(?:ID|AUTHORITY)\["EPSG",\s*"?(\d+)"?/.exec(wkt.slice(i));
      if (m) found = Number(m[1]);
    }
  }
  return found;
}

const relOk = (a: number, b: number): boolean =>
  a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
const fmt = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map((x) => fmt(x)).join(', ')}]` : typeof v === 'number' ? String(v) : String(v);

function gdalPixels(gdalTranslate: string, file: string, tmp: string, info: ImageInfo): Raster['bands'] | string {
  const stem = path.join(tmp, path.basename(file).replace(/\.[^.]*$/, ''));
  const out = stem + '.raw';
  const r = spawnSync(gdalTranslate, ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', file, out], { encoding: 'utf8' });
  if (r.status !== 0) return `gdal_translate failed: ${r.stderr}`;
  const buf = readFileSync(out);
  const hdr = readFileSync(stem + '.hdr', 'utf8');
  for (const f of readdirSync(tmp)) rmSync(path.join(tmp, f), { force: true });
  if (/byte order\s*=\s*1/.test(hdr)) return 'big-endian ENVI output';
  const n = info.width * info.height;
  const bps = info.type === 'uint8' ? 1 : info.type === 'float32' ? 4 : 2;
  if (buf.length !== n * info.bands * bps) return `ENVI size ${buf.length}, expected ${n * info.bands * bps}`;
  const copy = new Uint8Array(buf).buffer;
  const bands: Raster['bands'] = [];
  for (let b = 0; b < info.bands; b++) {
    const off = b * n * bps;
    if (info.type === 'uint8') bands.push(new Uint8Array(copy, off, n));
    else if (info.type === 'uint16') bands.push(new Uint16Array(copy, off, n));
    else if (info.type === 'int16') bands.push(new Int16Array(copy, off, n));
    else bands.push(new Float32Array(copy, off, n));
  }
  return bands;
}

function sameBands(a: Raster['bands'], b: Raster['bands']): string | null {
  if (a.length !== b.length) return `${a.length} vs ${b.length} bands`;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x.length !== y.length) return `band ${k + 1}: ${x.length} vs ${y.length} samples`;
    let diff = 0;
    let first = -1;
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) {
        if (first < 0) first = i;
        diff++;
      }
    }
    if (diff) return `band ${k + 1}: ${diff} samples differ (first at ${first}: ${x[first]} vs ${y[first]})`;
  }
  return null;
}

async function checkFile(
  file: string,
  gdalinfo: string,
  gdalTranslate: string,
  pixels: boolean,
  tmp: string,
): Promise<FileResult> {
  const checks: Check[] = [];
  const add = (what: string, ok: boolean, tally: unknown, gdal: unknown): void => {
    checks.push({ what, ok, tally: fmt(tally), gdal: fmt(gdal) });
  };
  const g = spawnSync(gdalinfo, ['-json', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (g.status !== 0) usage(`${gdalinfo} failed on ${file}: ${g.stderr}`);
  const gj = JSON.parse(g.stdout) as {
    size: [number, number];
    geoTransform?: number[];
    coordinateSystem?: { wkt: string };
    cornerCoordinates?: Record<string, [number, number]>;
    bands: { noDataValue?: number | string; overviews?: unknown[] }[];
  };
  const gEpsg = gj.coordinateSystem?.wkt ? topLevelEpsg(gj.coordinateSystem.wkt) : null;
  const georeferenced = !!gj.geoTransform && gEpsg !== null;
  let info: ImageInfo;
  try {
    info = await readGeoTiffInfo(file);
  } catch (e) {
    add('read', false, (e as Error).message, 'readable');
    return { file, georeferenced, checks, ok: false };
  }
  add('size', info.width === gj.size[0] && info.height === gj.size[1], [info.width, info.height], gj.size);
  add('bands', info.bands === gj.bands.length, info.bands, gj.bands.length);
  if (georeferenced) {
    add('epsg', info.epsg === gEpsg && info.geo !== null, info.epsg, gEpsg);
    const t = info.transform;
    const gt = gj.geoTransform!;
    add('geotransform', !!t && t.every((v, i) => relOk(v, gt[i]!)), t, gt);
    // gdalinfo -json prints corners rounded (3 decimals, 7 for degrees): Tally's corners must
    // be within 1e-7 of GDAL's geotransform applied to the corner pixel, and round to the printed values.
    const gc = gj.cornerCoordinates ?? {};
    const w = info.width;
    const h = info.height;
    const at: Record<string, [number, number]> = {
      upperLeft: [0, 0],
      lowerLeft: [0, h],
      lowerRight: [w, h],
      upperRight: [w, 0],
      center: [w / 2, h / 2],
    };
    const decimals = (v: number): number => (String(v).split('.')[1] ?? '').length;
    for (const k of ['upperLeft', 'lowerLeft', 'lowerRight', 'upperRight', 'center'] as const) {
      const mine = info.corners?.[k];
      const printed = gc[k];
      const [c, r] = at[k]!;
      const exact: [number, number] = [gt[0]! + c * gt[1]! + r * gt[2]!, gt[3]! + c * gt[4]! + r * gt[5]!];
      let ok = !!mine && Math.abs(mine[0] - exact[0]) <= 1e-7 && Math.abs(mine[1] - exact[1]) <= 1e-7;
      if (ok && mine && printed) {
        const tol = (p: number): number => 0.5 * 10 ** -Math.max(3, decimals(p)) + 1e-9 * Math.abs(p);
        ok = Math.abs(mine[0] - printed[0]) <= tol(printed[0]) && Math.abs(mine[1] - printed[1]) <= tol(printed[1]);
      } else if (!printed) ok = false;
      add(`corner ${k}`, ok, mine ?? null, printed ?? null);
    }
    add(
      'gsd (m)',
      info.gsd !== null,
      info.gsd ? [Number(info.gsd.x.toPrecision(6)), Number(info.gsd.y.toPrecision(6))] : null,
      '-',
    );
  } else {
    const noted = info.geo === null && info.notes.some((n) => n.includes('--source-gsd'));
    add('no-georef message', noted, info.notes.join('; ') || '(none)', 'no geoTransform/CRS');
    let code = 'read without error';
    try {
      await readGeoTiff(file, { requireGeo: true });
    } catch (e) {
      code = e instanceof ImageryError ? e.code : (e as Error).message;
    }
    add('requireGeo error', code === 'NO_GEOREFERENCING', code, 'NO_GEOREFERENCING');
  }
  const nd = gj.bands[0]?.noDataValue;
  const gNodata = nd === undefined ? null : typeof nd === 'string' ? Number(nd) : nd;
  add('nodata', info.nodata === gNodata || (Number.isNaN(info.nodata) && Number.isNaN(gNodata)), info.nodata, gNodata);
  // GDAL's JPEG driver offers DCT-scaled "overviews" that are not in the file: compared for TIFFs only.
  const gOv = gj.bands[0]?.overviews?.length ?? 0;
  if (info.format === 'GTiff') add('overviews', info.overviews.length === gOv, info.overviews.length, gOv);

  if (pixels) {
    const t0 = performance.now();
    const mine = await readGeoTiff(file);
    const ms = performance.now() - t0;
    const theirs = gdalPixels(gdalTranslate, file, tmp, info);
    if (typeof theirs === 'string') add('pixels = GDAL', false, '-', theirs);
    else {
      const d = sameBands(mine.bands, theirs);
      add('pixels = GDAL', d === null, d ?? `identical (${ms.toFixed(0)} ms)`, 'gdal_translate -of ENVI');
    }
    if (info.format === 'GTiff') {
      let viaSharp: Raster | null = null;
      let viaGeotiff: Raster | null = null;
      try {
        viaSharp = await readGeoTiff(file, { decoder: 'sharp' });
      } catch {
        viaSharp = null;
      }
      try {
        viaGeotiff = await readGeoTiff(file, { decoder: 'geotiff' });
      } catch {
        viaGeotiff = null;
      }
      if (viaSharp && viaGeotiff && info.photometric !== 'ycbcr') {
        const d = sameBands(viaSharp.bands, viaGeotiff.bands);
        add('sharp = geotiff.js', d === null, d ?? 'identical', '-');
      } else {
        add(
          'sharp = geotiff.js',
          true,
          `only ${viaSharp ? 'sharp' : viaGeotiff ? 'geotiff.js' : 'neither'}${info.photometric === 'ycbcr' ? ' (YCbCr: sharp only)' : ''}`,
          '-',
        );
      }
    }
  }
  return { file, georeferenced, checks, ok: checks.every((c) => c.ok) };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let dir = path.resolve(root, '../shared/data/imagery');
  let json = false;
  let pixels = true;
  let gdalinfo = 'gdalinfo';
  let gdalTranslate = 'gdal_translate';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--no-pixels') pixels = false;
    else if (a === '--gdalinfo') gdalinfo = args[++i] ?? usage('--gdalinfo needs a path');
    else if (a === '--gdal-translate') gdalTranslate = args[++i] ?? usage('--gdal-translate needs a path');
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else dir = path.resolve(a);
  }
  if (!existsSync(dir)) usage(`no directory ${dir}`);
  if (spawnSync(gdalinfo, ['--version']).status !== 0) usage(`${gdalinfo} not found (apt-get install gdal-bin)`);
  const files = readdirSync(dir)
    .filter((f) => /\.(tiff?|jpe?g|png)$/i.test(f))
    .sort();
  if (files.length === 0) usage(`no images in ${dir}`);
  const tmp = mkdtempSync(path.join(tmpdir(), 'tally-imagery-conf-'));
  const results: FileResult[] = [];
  try {
    for (const f of files) {
      process.stderr.write(`imagery-gdalinfo: ${f}\n`);
      results.push(await checkFile(path.join(dir, f), gdalinfo, gdalTranslate, pixels, tmp));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (json) {
    process.stdout.write(JSON.stringify({ dir, files: results, ok: results.every((r) => r.ok) }, null, 2) + '\n');
  } else {
    for (const r of results) {
      process.stdout.write(
        `\n${path.basename(r.file)} (${r.georeferenced ? 'georeferenced' : 'no georeferencing'}): ${r.ok ? 'PASS' : 'FAIL'}\n`,
      );
      const w = Math.max(...r.checks.map((c) => c.what.length));
      for (const c of r.checks) {
        const gdal = c.gdal === '-' ? '' : `  | gdal: ${c.gdal}`;
        process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what.padEnd(w)}  tally: ${c.tally}${gdal}\n`);
      }
    }
    const bad = results.filter((r) => !r.ok);
    process.stdout.write(
      `\n${results.length - bad.length}/${results.length} files pass${bad.length ? `; failing: ${bad.map((r) => path.basename(r.file)).join(', ')}` : ''}\n`,
    );
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (c) => {
    process.exitCode = c;
  },
  (e: unknown) => {
    process.stderr.write(`imagery-gdalinfo: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
