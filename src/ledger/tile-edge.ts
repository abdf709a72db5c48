/**
 * Building tiles from appended leaves: the writer makes the new tiles of an
 * append with it, the audit recomputes every tile of the log with it.
 */

import { hashesAtLevel, TILE_HEIGHT, TILE_WIDTH } from './tiles.js';
import { LogError } from './errors.js';

/**
 * The right edge of the tile tree: per tile level, the hashes of its last
 * (partial) tile. `onNode` feeds it from CompactRange.append; completed full
 * tiles and the levels touched are collected for writing or checking.
 */
export class TileEdge {
  /** Per tile level: index of the edge tile and its hashes so far. */
  levels: { index: number; hashes: Uint8Array[] }[] = [];
  full: { level: number; index: number; hashes: Uint8Array[] }[] = [];
  touched = new Set<number>();

  constructor(size: number, edges: Uint8Array[][] = []) {
    for (let L = 0; hashesAtLevel(L, size) > 0 || L < edges.length; L++) {
      const n = hashesAtLevel(L, size);
      const hashes = edges[L] ?? [];
      if (hashes.length !== n % TILE_WIDTH)
        throw new LogError(`tile edge at level ${L}: ${hashes.length} hashes, expected ${n % TILE_WIDTH}`);
      this.levels.push({ index: Math.floor(n / TILE_WIDTH), hashes: [...hashes] });
    }
  }

  readonly onNode = (level: number, index: number, hash: Uint8Array): void => {
    if (level % TILE_HEIGHT !== 0) return;
    const L = level / TILE_HEIGHT;
    while (this.levels.length <= L) this.levels.push({ index: 0, hashes: [] });
    const cur = this.levels[L];
    if (index !== cur.index * TILE_WIDTH + cur.hashes.length) {
      throw new Error(
        `internal: node ${index} at tile level ${L} does not follow the edge tile ${cur.index} of width ${cur.hashes.length}`,
      );
    }
    cur.hashes.push(hash);
    this.touched.add(L);
    if (cur.hashes.length === TILE_WIDTH) {
      this.full.push({ level: L, index: cur.index, hashes: cur.hashes });
      this.levels[L] = { index: cur.index + 1, hashes: [] };
    }
  };

  /** The partial tiles touched since construction (width > 0). */
  partials(): { level: number; index: number; hashes: Uint8Array[] }[] {
    const out: { level: number; index: number; hashes: Uint8Array[] }[] = [];
    this.levels.forEach((t, L) => {
      if (this.touched.has(L) && t.hashes.length > 0) out.push({ level: L, index: t.index, hashes: t.hashes });
    });
    return out;
  }

  edges(): Uint8Array[][] {
    return this.levels.map((t) => t.hashes);
  }
}
