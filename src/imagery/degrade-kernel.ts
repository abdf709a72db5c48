/**
 * The kernels of the streaming degrade (degrade-file.ts), shared with its
 * worker (degrade-worker.ts): integer-factor block sums of 8-bit samples with
 * GDAL's rounding, horizontal-differencing undo, and the independent units of
 * work (a tile, or a group of strips that ends on a whole output row) that
 * the main thread and a worker take turns at.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/** The sizes a reducer works with. */
export interface Geometry {
  fx: number;
  fy: number;
  /** Samples per pixel (chunky). */
  spp: number;
  outW: number;
}

export function readExactly(fd: number, dst: Uint8Array, at: number, len: number, pos: number): void {
  let done = 0;
  while (done < len) {
    const n = readSync(fd, dst, at + done, len - done, pos + done);
    if (n <= 0) throw new Error(`short read at byte ${pos + done}`);
    done += n;
  }
}

/** Undoes horizontal differencing on `rows` rows of `len` bytes from `at`, `stride` apart, `spp` samples a pixel. */
export function undoPredictor(
  buf: Uint8Array,
  at: number,
  rows: number,
  len: number,
  stride: number,
  spp: number,
): void {
  for (let r = 0; r < rows; r++) {
    const p = at + r * stride;
    for (let i = p + spp, e = p + len; i < e; i++) buf[i] = buf[i]! + buf[i - spp]!;
  }
}

/**
 * Reduces fy rows of `src` (the first at byte `at`, rows `stride` bytes apart)
 * into `nOut` output samples of every band from index `o`: sums of fx × fy
 * samples, divided with GDAL's rounding. `src32` is a 32-bit view of the same
 * bytes (from src.byteOffset) or null.
 */
export type Reducer = (
  src: Uint8Array,
  src32: Uint32Array | null,
  at: number,
  stride: number,
  nOut: number,
  o: number,
) => void;

/** A 32-bit view of `b` when its start is 4-byte aligned, else null. */
export function view32(b: Uint8Array): Uint32Array | null {
  return b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >> 2) : null;
}

export function makeReducer(p: Geometry, outs: Uint8Array[]): Reducer {
  const { fx, fy, spp } = p;
  const n = fx * fy;
  const max = 255 * n;
  const lut = new Uint8Array(max < 1 << 22 ? max + 1 : 0);
  for (let s = 0; s < lut.length; s++) lut[s] = Math.trunc(s / n + 0.5);
  const div = (s: number): number => (s < lut.length ? lut[s]! : Math.trunc(s / n + 0.5));
  const out0 = outs[0]!;
  const step = fx * spp;
  const dacc = new Float64Array(p.outW);
  const wacc = new Uint32Array(Math.ceil((p.outW * fx) / 4));

  // Any factors and bands: exact sums in doubles.
  const general: Reducer = (src, _s32, at, stride, nOut, o) => {
    for (let b = 0; b < spp; b++) {
      dacc.fill(0, 0, nOut);
      for (let k = 0; k < fy; k++) {
        let q = at + k * stride + b;
        for (let ox = 0; ox < nOut; ox++) {
          let t = 0;
          for (const e = q + step; q < e; q += spp) t += src[q]!;
          dacc[ox] += t;
        }
      }
      const out = outs[b]!;
      for (let ox = 0; ox < nOut; ox++) out[o + ox] = div(dacc[ox]!);
    }
  };
  if (spp !== 1 || lut.length === 0 || (fx !== 2 && fx !== 4) || fy > 64) return general;

  // One band, fx 2 or 4: four samples a 32-bit word, (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff)
  // holding two pair sums in 16-bit lanes (lane sums stay under 2 · 255 · 64 < 2^16).
  return (src, src32, at, stride, nOut, o) => {
    const words = (nOut * fx) >> 2;
    if (!src32 || at % 4 !== 0 || stride % 4 !== 0 || words === 0) {
      general(src, src32, at, stride, nOut, o);
      return;
    }
    const q = stride >> 2;
    const p0 = at >> 2;
    if (fx === 4 && fy === 4) {
      for (let j = 0, pj = p0; j < words; j++, pj++) {
        const a = src32[pj]!;
        const b = src32[pj + q]!;
        const c = src32[pj + 2 * q]!;
        const d = src32[pj + 3 * q]!;
        const s =
          (a & 0x00ff00ff) +
          ((a >>> 8) & 0x00ff00ff) +
          (b & 0x00ff00ff) +
          ((b >>> 8) & 0x00ff00ff) +
          (c & 0x00ff00ff) +
          ((c >>> 8) & 0x00ff00ff) +
          (d & 0x00ff00ff) +
          ((d >>> 8) & 0x00ff00ff);
        out0[o + j] = lut[(s & 0xffff) + (s >>> 16)]!;
      }
      return;
    }
    for (let j = 0; j < words; j++) {
      const w = src32[p0 + j]!;
      wacc[j] = (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
    }
    for (let k = 1; k < fy; k++) {
      const pk = p0 + k * q;
      for (let j = 0; j < words; j++) {
        const w = src32[pk + j]!;
        wacc[j] += (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
      }
    }
    if (fx === 4) {
      for (let j = 0; j < words; j++) {
        const s = wacc[j]!;
        out0[o + j] = lut[(s & 0xffff) + (s >>> 16)]!;
      }
    } else {
      for (let j = 0; j < words; j++) {
        const s = wacc[j]!;
        out0[o + 2 * j] = lut[s & 0xffff]!;
        out0[o + 2 * j + 1] = lut[s >>> 16]!;
      }
      // fx 2 and an odd count: the last pair.
      if (nOut % 2 === 1) general(src, src32, at + 4 * words, stride, 1, o + nOut - 1);
    }
  };
}

/** A tiled image's layout, as `reduceTile` needs it. */
export interface TileGeometry extends Geometry {
  width: number;
  height: number;
  /** Tile width and height. */
  bw: number;
  bh: number;
  /** TIFF Predictor: 1 or 2. */
  predictor: number;
}

/**
 * One decoded tile (tx, ty), un-differenced and reduced into its own block
 * of the output (the factors divide the tile size). A tile whose buffer is
 * not 4-byte aligned is copied into `aligned.buf` first, for the 32-bit sums.
 */
export function reduceTile(
  tile: Uint8Array,
  tx: number,
  ty: number,
  g: TileGeometry,
  reduce: Reducer,
  aligned: { buf: Uint8Array | null },
): void {
  const tileRowBytes = g.bw * g.spp;
  const rows = Math.min(g.bh, g.height - ty * g.bh);
  if (g.predictor === 2) undoPredictor(tile, 0, rows, tileRowBytes, tileRowBytes, g.spp);
  let t32 = view32(tile);
  if (!t32 && tileRowBytes % 4 === 0) {
    aligned.buf ??= new Uint8Array(tileRowBytes * g.bh);
    aligned.buf.set(tile.subarray(0, aligned.buf.length));
    tile = aligned.buf;
    t32 = view32(tile);
  }
  const nOut = Math.min(g.bw, g.width - tx * g.bw) / g.fx;
  const o0 = ((ty * g.bh) / g.fy) * g.outW + (tx * g.bw) / g.fx;
  for (let r = 0; r < rows / g.fy; r++) reduce(tile, t32, r * g.fy * tileRowBytes, tileRowBytes, nOut, o0 + r * g.outW);
}

/** A DEFLATE image cut into independent units of work: tiles, or groups of strips ending on a whole output row. */
export interface UnitJob extends Geometry {
  path: string;
  width: number;
  height: number;
  rowBytes: number;
  /** TIFF Predictor: 1 or 2. */
  predictor: number;
  tiled: boolean;
  /** Block (tile or strip) width and height. */
  bw: number;
  bh: number;
  /** Strips a unit (striped files): a multiple of fy / gcd(bh, fy). */
  group: number;
  offsets: number[];
  counts: number[];
  units: number;
}

/**
 * The shared control words: [0] the next unit to take, [1] set when a taker
 * failed (the others stop), [2] how many takers are inside a unit.
 */
export const CTL_WORDS = 3;

function inflateBlock(fd: number, job: UnitJob, i: number, want: number, comp: { buf: Buffer }): Buffer {
  const n = job.counts[i]!;
  if (comp.buf.length < n) comp.buf = Buffer.allocUnsafe(n);
  readExactly(fd, comp.buf, 0, n, job.offsets[i]!);
  const out = inflateSync(comp.buf.subarray(0, n), { chunkSize: Math.max(64, want + 64) });
  if (out.length < want) throw new Error(`block ${i} inflates to ${out.length} bytes, ${want} expected`);
  return out;
}

/**
 * Takes units from the shared counter until none are left (or a taker
 * failed: then it returns with ctl[1] set): each is read, inflated,
 * un-differenced and reduced into `outs`.
 */
export function runUnits(job: UnitJob, ctl: Int32Array, outs: Uint8Array[]): void {
  const { width, height, spp, fy, outW, rowBytes, bw, bh, predictor } = job;
  const reduce = makeReducer(job, outs);
  const comp = { buf: Buffer.allocUnsafe(0) };
  const tileRowBytes = bw * spp;
  const across = Math.ceil(width / bw);
  let scratch: Uint8Array | null = null;
  const aligned: { buf: Uint8Array | null } = { buf: null };
  const fd = openSync(job.path, 'r');
  try {
    for (;;) {
      Atomics.add(ctl, 2, 1);
      try {
        if (Atomics.load(ctl, 1) !== 0) return;
        const u = Atomics.add(ctl, 0, 1);
        if (u >= job.units) return;
        if (job.tiled) {
          const tx = u % across;
          const ty = (u - tx) / across;
          reduceTile(inflateBlock(fd, job, u, tileRowBytes * bh, comp), tx, ty, job, reduce, aligned);
        } else {
          const s0 = u * job.group;
          const s1 = Math.min(job.offsets.length, s0 + job.group);
          const y0 = s0 * bh;
          const rows = Math.min(height, s1 * bh) - y0;
          scratch ??= new Uint8Array(job.group * bh * rowBytes);
          for (let s = s0; s < s1; s++) {
            const r = Math.min(bh, height - s * bh);
            const strip = inflateBlock(fd, job, s, r * rowBytes, comp);
            const at = (s - s0) * bh * rowBytes;
            scratch.set(strip.subarray(0, r * rowBytes), at);
            if (predictor === 2) undoPredictor(scratch, at, r, rowBytes, rowBytes, spp);
          }
          const s32 = view32(scratch);
          for (let r = 0; r < rows / fy; r++)
            reduce(scratch, s32, r * fy * rowBytes, rowBytes, outW, (y0 / fy + r) * outW);
        }
      } catch (e) {
        // Flagged before leaving the unit, so that no one sees it left and not failed.
        Atomics.store(ctl, 1, 1);
        throw e;
      } finally {
        Atomics.sub(ctl, 2, 1);
      }
    }
  } finally {
    closeSync(fd);
  }
}
