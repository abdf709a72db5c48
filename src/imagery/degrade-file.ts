/**
 * Degrading an image file straight from its blocks: the `tally imagery
 * degrade` path (read + average + write) without materialising the
 * full-resolution raster.
 *
 * `readDegraded(path, fx, fy)` returns exactly what
 * `degrade(await readGeoTiff(path), fx, fy)` returns, the same samples and the
 * same georeference; `degradeFile` writes it with writeGeoTiff, so the output
 * file is byte for byte the one the in-memory path writes.
 *
 * The streaming path takes the common case: an 8-bit GeoTIFF (grey or RGB,
 * chunky or single band), uncompressed or DEFLATE (Predictor none, or
 * horizontal differencing as TIFF 6.0 § 14 has it), striped or tiled, no
 * nodata value and no alpha mask, and integer factors that divide the size
 * (every weight 1: the mean of an f × f block, rounded as GDAL does,
 * trunc(sum / f² + 0.5), as degrade.ts). Nothing holds the full-resolution
 * raster:
 * - uncompressed strips are read from the file (fs.readSync, adjacent strips
 *   in one call) into a slab of about 2 MiB of rows, reduced as soon as f rows
 *   are in, the rows of an unfinished output row carried over;
 * - DEFLATE tiles that the factors divide, and DEFLATE strips, are cut into
 *   independent units (a tile; a group of strips ending on a whole output
 *   row), each read, inflated (inflateSync), un-differenced and reduced into
 *   its own part of the output by whoever takes it from a shared counter: this
 *   thread and, for a large image on a machine with several cores, a worker
 *   (degrade-worker.ts, kernels in degrade-kernel.ts);
 * - other tiles go through the slab, inflated on libuv's thread pool a couple
 *   of tile rows ahead.
 * For 8-bit single-band rows and fx 2 or 4 the block sums run four samples a
 * 32-bit word (two pair sums in 16-bit lanes).
 *
 * Anything else, or a file the streaming path cannot read (a damaged block),
 * goes through readGeoTiff + degrade, with its results and errors.
 */
import { closeSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { inflate } from 'node:zlib';
import { degrade, degradedSize, type DegradeOptions } from './degrade.js';
import { readBlockLayout, readGeoTiff, type BlockLayout } from './read.js';
import { writeGeoTiff, type WriteOptions } from './write.js';
import {
  CTL_WORDS,
  makeReducer,
  readExactly,
  reduceTile,
  runUnits,
  undoPredictor,
  view32,
  type Geometry,
  type Reducer,
  type UnitJob,
} from './degrade-kernel.js';
import type { GeoTransform, Georeference, Raster } from './types.js';

/** Target size of the rows gathered per step of a striped file. */
const CHUNK_BYTES = 2 << 20;
/** Block rows decoded ahead of the one being averaged (DEFLATE tiles that the factors do not divide). */
const AHEAD = 2;
/** Rough size of the raw rows of a unit of strips (DEFLATE striped). */
const UNIT_BYTES = 256 << 10;
/** Below this many compressed bytes, no worker is started. */
const WORKER_MIN_BYTES = 4 << 20;

interface Plan extends Geometry {
  layout: BlockLayout;
  width: number;
  height: number;
  /** Samples per pixel (bands, chunky). */
  spp: number;
  fx: number;
  fy: number;
  outW: number;
  outH: number;
  rowBytes: number;
  deflate: boolean;
  predictor: number;
}

/** The streaming plan for this file and these factors, or null when it goes the in-memory way. */
function planFor(layout: BlockLayout, factorX: number, factorY: number, opts: DegradeOptions): Plan | null {
  const { info } = layout;
  if (info.format !== 'GTiff' || info.type !== 'uint8' || info.bitsPerSample !== 8) return null;
  if (info.photometric !== 'minisblack' && info.photometric !== 'rgb') return null;
  if (info.planar === 'separate' && info.bands > 1) return null;
  if (info.nodata !== null || (opts.alphaBand ?? null) !== null) return null;
  const code = layout.compressionCode;
  const deflate = code === 8 || code === 32946;
  if (code !== 1 && !deflate) return null;
  if (layout.fillOrder !== 1) return null;
  const predictor = layout.predictor;
  if (predictor !== 1 && !(deflate && predictor === 2)) return null;
  for (const f of [factorX, factorY]) if (!Number.isFinite(f) || f < 1 - 1e-9) return null;
  const { width, height, bands: spp, blockWidth: bw, blockHeight: bh } = info;
  if (!(width > 0 && height > 0 && spp > 0 && bw > 0 && bh > 0)) return null;
  const outW = degradedSize(width, factorX);
  const outH = degradedSize(height, factorY);
  if (outW > width || outH > height || width % outW !== 0 || height % outH !== 0) return null;
  const across = info.tiled ? Math.ceil(width / bw) : 1;
  const down = Math.ceil(height / bh);
  if (layout.offsets.length !== across * down || layout.counts.length !== layout.offsets.length) return null;
  const rowBytes = width * spp;
  for (let i = 0; i < layout.counts.length; i++) {
    const c = layout.counts[i]!;
    if (!(c > 0) || !Number.isSafeInteger(layout.offsets[i]!)) return null;
    if (!deflate) {
      // An uncompressed block holds all its samples (a strip: its rows; a tile: the full tile).
      const rows = info.tiled ? bh : Math.min(bh, height - i * bh);
      if (c < rows * (info.tiled ? bw * spp : rowBytes)) return null;
    }
  }
  return { layout, width, height, spp, fx: width / outW, fy: height / outH, outW, outH, rowBytes, deflate, predictor };
}

function inflateBlock(data: Buffer, want: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    inflate(data, { chunkSize: Math.max(64, want + 64) }, (e, out) => {
      if (e) reject(e);
      else if (out.length < want) reject(new Error(`a block inflates to ${out.length} bytes, ${want} expected`));
      else resolve(out);
    });
  });
}

/** Appends the next rows of the image at the slab's row `at`; resolves to how many. */
type Filler = (slab: Uint8Array, at: number) => Promise<number>;

/** Marks a promise as handled (its rejection surfaces where it is awaited) and returns it. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** The row source of a block layout: one call per group of strips or per row of tiles, until done(). */
function makeSource(p: Plan, fd: number): { maxRows: number; next: Filler; done: () => boolean } {
  const { layout, height, rowBytes, spp, deflate, predictor } = p;
  const { info, offsets, counts } = layout;
  const bh = info.blockHeight;
  const bw = info.blockWidth;
  const readBlock = (i: number): Buffer => {
    const b = Buffer.allocUnsafe(counts[i]!);
    readExactly(fd, b, 0, b.length, offsets[i]!);
    return b;
  };

  if (!info.tiled) {
    const nStrips = offsets.length;
    const group = Math.max(1, Math.floor(CHUNK_BYTES / (bh * rowBytes)));
    const stripRows = (s: number): number => Math.min(bh, height - s * bh);
    let s0 = 0;
    if (!deflate) {
      return {
        maxRows: group * bh,
        done: () => s0 >= nStrips,
        next: (slab, at) => {
          const s1 = Math.min(nStrips, s0 + group);
          let rows = 0;
          // Adjacent strips are read in one go.
          let runPos = -1;
          let runLen = 0;
          let runDst = 0;
          for (let s = s0; s < s1; s++) {
            const len = stripRows(s) * rowBytes;
            const dst = (at + rows) * rowBytes;
            if (runLen > 0 && offsets[s] === runPos + runLen && dst === runDst + runLen) {
              runLen += len;
            } else {
              if (runLen > 0) readExactly(fd, slab, runDst, runLen, runPos);
              runPos = offsets[s]!;
              runDst = dst;
              runLen = len;
            }
            rows += stripRows(s);
          }
          if (runLen > 0) readExactly(fd, slab, runDst, runLen, runPos);
          s0 = s1;
          return Promise.resolve(rows);
        },
      };
    }
    throw new Error('DEFLATE strips go by units (reduceUnits)');
  }

  // Tiles: one row of tiles a step.
  const tiles = tileRows(p, readBlock);
  const { tileRowBytes } = tiles;
  let ty = 0;
  return {
    maxRows: bh,
    done: () => ty >= tiles.down,
    next: async (slab, at) => {
      const row = await tiles.next();
      const rows = Math.min(bh, height - ty * bh);
      for (let tx = 0; tx < row.length; tx++) {
        const tile = row[tx]!;
        if (predictor === 2) undoPredictor(tile, 0, rows, tileRowBytes, tileRowBytes, spp);
        const x0 = tx * bw * spp;
        const len = Math.min(bw, p.width - tx * bw) * spp;
        for (let r = 0; r < rows; r++) {
          const src = r * tileRowBytes;
          slab.set(tile.subarray(src, src + len), (at + r) * rowBytes + x0);
        }
      }
      ty++;
      return rows;
    },
  };
}

/** The decoded tiles of a tiled layout, a row of tiles a call, DEFLATE ones inflated AHEAD rows ahead. */
function tileRows(
  p: Plan,
  readBlock: (i: number) => Buffer,
): { down: number; tileRowBytes: number; next: () => Promise<Buffer[]> } {
  const { info } = p.layout;
  const bw = info.blockWidth;
  const across = Math.ceil(p.width / bw);
  const down = p.layout.offsets.length / across;
  const tileRowBytes = bw * p.spp;
  const tileBytes = tileRowBytes * info.blockHeight;
  const pending: Promise<Buffer[]>[] = [];
  let issued = 0;
  const issue = (): void => {
    if (issued >= down) return;
    const jobs: Promise<Buffer>[] = [];
    for (let tx = 0; tx < across; tx++) {
      const i = issued * across + tx;
      jobs.push(p.deflate ? inflateBlock(readBlock(i), tileBytes) : Promise.resolve(readBlock(i)));
    }
    pending.push(quiet(Promise.all(jobs)));
    issued++;
  };
  return {
    down,
    tileRowBytes,
    next: async () => {
      while (pending.length < (p.deflate ? AHEAD + 1 : 1) && issued < down) issue();
      const row = pending.shift()!;
      if (p.deflate) issue();
      return row;
    },
  };
}

/** Tiles whose size the factors divide: each tile reduces to its own block of the output, no slab. */
async function reduceTiles(p: Plan, fd: number, reduce: Reducer): Promise<void> {
  const { info, offsets, counts } = p.layout;
  const bw = info.blockWidth;
  const bh = info.blockHeight;
  const tiles = tileRows(p, (i) => {
    const b = Buffer.allocUnsafe(counts[i]!);
    readExactly(fd, b, 0, b.length, offsets[i]!);
    return b;
  });
  const g = { ...p, bw, bh };
  const aligned: { buf: Uint8Array | null } = { buf: null };
  for (let ty = 0; ty < tiles.down; ty++) {
    const row = await tiles.next();
    for (let tx = 0; tx < row.length; tx++) reduceTile(row[tx]!, tx, ty, g, reduce, aligned);
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * DEFLATE blocks in independent units (tiles the factors divide, or groups of
 * strips ending on a whole output row), taken in turn by this thread and, for
 * a large image on a machine with more than one core, a worker
 * (degrade-worker.ts): inflateSync and the reduction run on both, each unit
 * taken from a shared counter, so a busy core only slows the split.
 */
async function reduceUnits(p: Plan, path: string, outs: Uint8Array[]): Promise<void> {
  const { info, offsets, counts } = p.layout;
  const { blockWidth: bw, blockHeight: bh, tiled } = info;
  const k = p.fy / gcd(bh, p.fy);
  const group = tiled ? 1 : k * Math.max(1, Math.floor(UNIT_BYTES / (k * bh * p.rowBytes)));
  const job: UnitJob = {
    path,
    width: p.width,
    height: p.height,
    spp: p.spp,
    fx: p.fx,
    fy: p.fy,
    outW: p.outW,
    rowBytes: p.rowBytes,
    predictor: p.predictor,
    tiled,
    bw,
    bh,
    group,
    offsets,
    counts,
    units: tiled ? offsets.length : Math.ceil(offsets.length / group),
  };
  const n = p.outW * p.outH;
  const out = new SharedArrayBuffer(n * p.spp);
  const shared = outs.map((_, b) => new Uint8Array(out, b * n, n));
  const ctlBuf = new SharedArrayBuffer(4 * CTL_WORDS);
  const ctl = new Int32Array(ctlBuf);
  let compressed = 0;
  for (const c of counts) compressed += c;
  let worker: Worker | null = null;
  let workerDone: Promise<void> | null = null;
  if (job.units > 1 && compressed >= WORKER_MIN_BYTES && availableParallelism() > 1) {
    const w = new Worker(new URL('./degrade-worker.js', import.meta.url), { workerData: { job, ctl: ctlBuf, out } });
    worker = w;
    workerDone = quiet(
      new Promise<void>((resolve, reject) => {
        w.once('message', (m: { ok: boolean; message?: string }) => (m.ok ? resolve() : reject(new Error(m.message))));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`the degrade worker exited (${code})`)));
      }),
    );
  }
  try {
    runUnits(job, ctl, shared);
    // Every unit is taken; one still in the worker's hands is waited for. A
    // worker not inside a unit now will find none left: it is let go.
    if (worker && workerDone && Atomics.load(ctl, 2) > 0) await workerDone;
    if (Atomics.load(ctl, 1) !== 0) throw new Error('a block could not be decoded');
  } finally {
    if (worker) void worker.terminate();
  }
  shared.forEach((s, b) => outs[b]!.set(s));
}

async function streamDegrade(p: Plan, path: string): Promise<Raster> {
  const { outW, outH, fx, fy, rowBytes, spp, layout } = p;
  const outs = Array.from({ length: spp }, () => new Uint8Array(outW * outH));
  const reduce = makeReducer(p, outs);
  const fd = openSync(path, 'r');
  try {
    const { tiled, blockWidth: bw, blockHeight: bh } = layout.info;
    if (p.deflate && (!tiled || (bw % fx === 0 && bh % fy === 0))) {
      await reduceUnits(p, path, outs);
    } else if (tiled && bw % fx === 0 && bh % fy === 0) {
      await reduceTiles(p, fd, reduce);
    } else {
      const src = makeSource(p, fd);
      const slab = new Uint8Array((src.maxRows + fy) * rowBytes);
      const slab32 = view32(slab);
      let filled = 0;
      let oy = 0;
      while (!src.done()) {
        filled += await src.next(slab, filled);
        let r = 0;
        while (filled - r >= fy) {
          reduce(slab, slab32, r * rowBytes, rowBytes, outW, oy * outW);
          oy++;
          r += fy;
        }
        if (r > 0) {
          if (filled > r) slab.copyWithin(0, r * rowBytes, filled * rowBytes);
          filled -= r;
        }
      }
      if (oy !== outH || filled !== 0) throw new Error(`${oy} output rows of ${outH}`);
    }
  } finally {
    closeSync(fd);
  }
  let geo: Georeference | null = null;
  const g = layout.info.geo;
  if (g) {
    const t = g.transform;
    const rx = p.width / outW;
    const ry = p.height / outH;
    const nt: GeoTransform = [t[0], t[1] * rx, t[2] * ry, t[3], t[4] * rx, t[5] * ry];
    geo = { epsg: g.epsg, transform: nt };
  }
  return { width: outW, height: outH, type: 'uint8', bands: outs, nodata: layout.info.nodata, geo };
}

/**
 * The image at `path` degraded by factorX along the columns and factorY along
 * the rows: the same raster as `degrade(await readGeoTiff(path), factorX, factorY, opts)`,
 * streamed from the file's blocks when it can be (see the module comment).
 */
export async function readDegraded(
  path: string,
  factorX: number,
  factorY: number,
  opts: DegradeOptions = {},
): Promise<Raster> {
  let plan: Plan | null = null;
  try {
    const layout = await readBlockLayout(path);
    if (layout) plan = planFor(layout, factorX, factorY, opts);
  } catch {
    plan = null; // readGeoTiff reports it
  }
  if (plan) {
    try {
      return await streamDegrade(plan, path);
    } catch {
      // A block the streaming path cannot decode: the in-memory path decides.
    }
  }
  return degrade(await readGeoTiff(path), factorX, factorY, opts);
}

/** Whether readDegraded streams this file for these factors (else it reads the whole raster first). */
export async function canStream(
  path: string,
  factorX: number,
  factorY: number,
  opts: DegradeOptions = {},
): Promise<boolean> {
  try {
    const layout = await readBlockLayout(path);
    return layout !== null && planFor(layout, factorX, factorY, opts) !== null;
  } catch {
    return false;
  }
}

export interface DegradeFileOptions extends DegradeOptions {
  /** How the output is written (writeGeoTiff's options). */
  write?: WriteOptions;
}

/**
 * Reads `input`, degrades it by factorX × factorY (see readDegraded) and
 * writes the result to `output` with writeGeoTiff; returns the raster written.
 */
export async function degradeFile(
  input: string,
  output: string,
  factorX: number,
  factorY: number,
  opts: DegradeFileOptions = {},
): Promise<Raster> {
  const { write, ...degradeOpts } = opts;
  const r = await readDegraded(input, factorX, factorY, degradeOpts);
  await writeGeoTiff(output, r, write ?? {});
  return r;
}
