/**
 * The log on disk and on the wire: C2SP tlog-tiles v0.1.0.
 *
 *   tile/<L>/<N>[.p/<W>]        hash tiles, L = 0..63
 *   tile/entries/<N>[.p/<W>]    entry bundles
 *
 * The tile height is fixed at 8: a full tile holds 256 hashes (8,192 bytes).
 * The tile N at level L lists, for i = 0..W−1, the Merkle tree hash of the
 * full subtree at tree level 8·L and index N·256 + i, i.e.
 * MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L]). A tree of size s
 * publishes floor(s / 256^L) such hashes at level L: floor(·/256) full tiles
 * and a partial tile of width floor(s / 256^L) mod 256 when that is not 0.
 * N is written as 3-digit groups, all but the last prefixed with `x`
 * (1234067 → x001/x234/067); W is 1..255 without leading zeroes.
 *
 * An entry bundle lists the entries of the level-0 tile with the same N and
 * width, each as a big-endian uint16 length then the entry bytes, so an
 * entry holds at most 65,535 bytes.
 *
 * Note: Go's sumdb tiles (tile/<H>/<L>/<N>, tile/<H>/data/<N>) are a
 * different layout; `parseTilePath` rejects them.
 */

import { HASH_SIZE, nodeHash, type HashAt } from './merkle.js';

export const TILE_HEIGHT = 8;
/** Hashes in a full tile, entries in a full bundle. */
export const TILE_WIDTH = 256;
/** Bytes of a full hash tile. */
export const FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE;
/** The largest entry an entry bundle can carry (uint16 length). */
export const MAX_ENTRY_SIZE = 65535;
/** The largest tile level the path syntax allows. */
export const MAX_TILE_LEVEL = 63;

/** A malformed tile path, tile or entry bundle, or one that does not fit the tree. */
export class TileError extends Error {
  override name = 'TileError';
}

/** A hash tile: level L, index N, width W (256 for a full tile). */
export interface TileRef {
  level: number;
  index: number;
  width: number;
  path: string;
}

/** An entry bundle: index N, width W (256 for a full bundle). */
export interface BundleRef {
  index: number;
  width: number;
  path: string;
}

export type ParsedPath =
  { kind: 'tile'; level: number; index: number; width: number } | { kind: 'entries'; index: number; width: number };

function checkIndex(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${what} must be a non-negative integer up to 2^53 - 1, got ${String(n)}`);
}

function checkWidth(w: number | undefined): number {
  if (w === undefined) return TILE_WIDTH;
  if (!Number.isInteger(w) || w < 1 || w > TILE_WIDTH)
    throw new RangeError(`tile width must be 1..256 (256 = full), got ${String(w)}`);
  return w;
}

/** N as 3-digit path elements, all but the last prefixed with `x`: 1234067 → `x001/x234/067`. */
export function encodeTileIndex(n: number): string {
  checkIndex(n, 'tile index');
  const groups: string[] = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** The inverse of `encodeTileIndex`; only the canonical form is accepted (no leading `x000/`). */
export function parseTileIndex(s: string): number {
  const parts = s.split('/');
  let n = 0;
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    const m = (last ? /^(\d{3})$/ : /^x(\d{3})$/).exec(p);
    if (!m)
      throw new TileError(`tile index "${s}": element "${p}" is not ${last ? 'three digits' : "'x' and three digits"}`);
    if (i === 0 && parts.length > 1 && m[1] === '000')
      throw new TileError(`tile index "${s}": leading zero group (not canonical)`);
    n = n * 1000 + Number(m[1]);
  });
  if (!Number.isSafeInteger(n)) throw new TileError(`tile index "${s}" is beyond 2^53 - 1`);
  return n;
}

function suffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`; omit `partialWidth` (or give 256) for a full tile. */
export function tilePath(level: number, index: number, partialWidth?: number): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL)
    throw new RangeError(`tile level must be 0..63, got ${String(level)}`);
  return `tile/${level}/${encodeTileIndex(index)}${suffix(checkWidth(partialWidth))}`;
}

/** `tile/entries/<N>[.p/<W>]`; omit `partialWidth` (or give 256) for a full bundle. */
export function entriesPath(index: number, partialWidth?: number): string {
  return `tile/entries/${encodeTileIndex(index)}${suffix(checkWidth(partialWidth))}`;
}

/** Parses a tile or entry-bundle path (relative to the log prefix); throws TileError unless canonical. */
export function parseTilePath(path: string): ParsedPath {
  const m = /^tile\/(entries|0|[1-9]\d?)\/((?:x\d{3}\/)*\d{3})(?:\.p\/([1-9]\d{0,2}))?$/.exec(path);
  if (!m) throw new TileError(`"${path}" is not a tlog-tiles path (tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])`);
  const index = parseTileIndex(m[2]);
  let width = TILE_WIDTH;
  if (m[3] !== undefined) {
    width = Number(m[3]);
    if (width > 255) throw new TileError(`"${path}": a partial width is 1..255, got ${width}`);
  }
  if (m[1] === 'entries') return { kind: 'entries', index, width };
  const level = Number(m[1]);
  if (level > MAX_TILE_LEVEL) throw new TileError(`"${path}": tile level ${level} is above 63`);
  return { kind: 'tile', level, index, width };
}

/** Number of hashes a tree of `size` has at tile level `level` (tree level 8·level). */
export function hashesAtLevel(level: number, size: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** Width of tile (level, index) in a tree of `size`: 256 if full, 1..255 if partial, 0 if it does not exist. */
export function tileWidth(level: number, index: number, size: number): number {
  const w = hashesAtLevel(level, size) - index * TILE_WIDTH;
  return w <= 0 ? 0 : Math.min(w, TILE_WIDTH);
}

/** The hash tiles a log of `size` publishes: level 0 first, then index ascending; partial tiles last in each level. */
export function tilesForSize(size: number): TileRef[] {
  checkIndex(size, 'tree size');
  const out: TileRef[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL; level++) {
    const n = hashesAtLevel(level, size);
    if (n === 0) break;
    const full = Math.floor(n / TILE_WIDTH);
    for (let i = 0; i < full; i++) out.push({ level, index: i, width: TILE_WIDTH, path: tilePath(level, i) });
    const w = n % TILE_WIDTH;
    if (w > 0) out.push({ level, index: full, width: w, path: tilePath(level, full, w) });
  }
  return out;
}

/** The entry bundles a log of `size` publishes, index ascending. */
export function entryBundlesForSize(size: number): BundleRef[] {
  checkIndex(size, 'tree size');
  const out: BundleRef[] = [];
  const full = Math.floor(size / TILE_WIDTH);
  for (let i = 0; i < full; i++) out.push({ index: i, width: TILE_WIDTH, path: entriesPath(i) });
  const w = size % TILE_WIDTH;
  if (w > 0) out.push({ index: full, width: w, path: entriesPath(full, w) });
  return out;
}

/**
 * The tiles whose hashes change when a log grows from `oldSize` to `newSize`
 * (the ones to write): every tile of `newSize` that did not exist at
 * `oldSize` with the same width.
 */
export function tilesToWrite(oldSize: number, newSize: number): TileRef[] {
  if (newSize < oldSize) throw new RangeError(`tilesToWrite: newSize ${newSize} < oldSize ${oldSize}`);
  return tilesForSize(newSize).filter((t) => tileWidth(t.level, t.index, oldSize) !== t.width);
}

// ---------------------------------------------------------------------------
// Tile contents
// ---------------------------------------------------------------------------

/** Concatenates 1..256 hashes of 32 bytes into a tile. */
export function encodeTile(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length < 1 || hashes.length > TILE_WIDTH)
    throw new RangeError(`a tile holds 1..256 hashes, got ${hashes.length}`);
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => {
    if (h.length !== HASH_SIZE) throw new RangeError(`tile hash ${i} is ${h.length} bytes, not ${HASH_SIZE}`);
    out.set(h, i * HASH_SIZE);
  });
  return out;
}

/**
 * Splits a tile into its hashes. With `width`, the tile must hold exactly
 * that many hashes; `allowWider` accepts a wider tile of the same index
 * (the full tile read in place of a partial one: its prefix is the same)
 * and returns its first `width` hashes.
 */
export function decodeTile(data: Uint8Array, width?: number, allowWider = false): Uint8Array[] {
  if (data.length === 0 || data.length % HASH_SIZE !== 0 || data.length > FULL_TILE_BYTES) {
    throw new TileError(`a tile is 1..256 hashes of ${HASH_SIZE} bytes, got ${data.length} bytes`);
  }
  let n = data.length / HASH_SIZE;
  if (width !== undefined) {
    if (n < width || (n > width && !allowWider)) throw new TileError(`tile has ${n} hashes, expected ${width}`);
    n = width;
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return out;
}

/** The contents of tile (level, index) of width `width` from storage of full subtrees. */
export function tileFromHashAt(level: number, index: number, width: number, hashAt: HashAt): Uint8Array {
  checkWidth(width);
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < width; i++) hashes.push(hashAt(TILE_HEIGHT * level, index * TILE_WIDTH + i));
  return encodeTile(hashes);
}

/** An entry bundle: each entry as a big-endian uint16 length and its bytes (1..256 entries, each ≤ 65,535 bytes). */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length < 1 || entries.length > TILE_WIDTH)
    throw new RangeError(`an entry bundle holds 1..256 entries, got ${entries.length}`);
  let total = 0;
  entries.forEach((e, i) => {
    if (e.length > MAX_ENTRY_SIZE)
      throw new RangeError(`entry ${i} is ${e.length} bytes; an entry bundle allows at most ${MAX_ENTRY_SIZE}`);
    total += 2 + e.length;
  });
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >>> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/** Splits an entry bundle; with `width`, it must hold exactly that many entries (`allowWider`: at least). */
export function decodeEntryBundle(data: Uint8Array, width?: number, allowWider = false): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    if (data.length - at < 2) throw new TileError(`entry bundle: truncated length at byte ${at} of ${data.length}`);
    const len = (data[at] << 8) | data[at + 1];
    if (at + 2 + len > data.length) {
      throw new TileError(
        `entry bundle: entry ${out.length} at byte ${at} claims ${len} bytes, only ${data.length - at - 2} remain`,
      );
    }
    out.push(data.subarray(at + 2, at + 2 + len));
    at += 2 + len;
    if (out.length > TILE_WIDTH) throw new TileError(`entry bundle: more than ${TILE_WIDTH} entries`);
  }
  if (out.length === 0) throw new TileError('entry bundle: empty');
  if (width !== undefined) {
    if (out.length < width || (out.length > width && !allowWider)) {
      throw new TileError(`entry bundle has ${out.length} entries, expected ${width}`);
    }
    return out.slice(0, width);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Proofs from tiles
// ---------------------------------------------------------------------------

/**
 * Reads hash tile (level, index). `width` is the width that tile has in the
 * tree being proven (256 = full). The reader may return the tile of that
 * width or a wider one of the same index (a full tile in place of a partial
 * one that was deleted); the first `width` hashes are used.
 */
export type ReadTile = (level: number, index: number, width: number) => Uint8Array;

/**
 * Turns tile reads into the `HashAt` that proofs need, for a tree of `size`.
 * A hash at tree level l comes from tile level floor(l / 8): the 2^(l mod 8)
 * consecutive hashes under it in that tile are combined. Tiles read, and
 * the nodes combined from them, are cached (`cacheTiles` tiles, default 64,
 * least recently used out), so one adapter serving many proofs of the same
 * size reads and hashes each tile once.
 */
export function hashAtFromTiles(readTile: ReadTile, size: number, cacheTiles = 64): HashAt {
  checkIndex(size, 'tree size');
  /** A tile read: its hashes and the nodes above them computed so far (key r·256 + j: height r, position j). */
  interface Cached {
    hashes: Uint8Array[];
    above: Map<number, Uint8Array>;
  }
  const cache = new Map<string, Cached>();
  const tile = (level: number, index: number, width: number): Cached => {
    const key = `${level}/${index}`;
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    let hashes: Uint8Array[];
    try {
      hashes = decodeTile(readTile(level, index, width), width, true);
    } catch (e) {
      if (e instanceof TileError) throw new TileError(`${tilePath(level, index, width)}: ${e.message}`);
      throw e;
    }
    const entry = { hashes, above: new Map<number, Uint8Array>() };
    cache.set(key, entry);
    if (cache.size > cacheTiles) cache.delete(cache.keys().next().value as string);
    return entry;
  };
  /** The node r levels above the tile's row, at position j among the nodes of that height in the tile. */
  const inTile = (t: Cached, r: number, j: number): Uint8Array => {
    if (r === 0) return t.hashes[j];
    const key = r * TILE_WIDTH + j;
    let h = t.above.get(key);
    if (h === undefined) {
      h = nodeHash(inTile(t, r - 1, 2 * j), inTile(t, r - 1, 2 * j + 1));
      t.above.set(key, h);
    }
    return h;
  };
  return (level, index) => {
    if (!Number.isInteger(level) || level < 0 || !Number.isSafeInteger(index) || index < 0) {
      throw new RangeError(`hashAtFromTiles: bad node level ${level} index ${index}`);
    }
    if ((index + 1) * 2 ** level > size) {
      throw new RangeError(
        `hashAtFromTiles: the subtree at level ${level} index ${index} is not complete in a tree of ${size}`,
      );
    }
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const r = level % TILE_HEIGHT; // levels above the tile's row
    const row = index * 2 ** r; // position of its first hash in the row at tree level 8·tileLevel
    const n = Math.floor(row / TILE_WIDTH);
    const t = tile(tileLevel, n, tileWidth(tileLevel, n, size));
    return inTile(t, r, (row % TILE_WIDTH) / 2 ** r);
  };
}
