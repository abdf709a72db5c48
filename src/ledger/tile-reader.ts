/**
 * Reading a tlog-tiles tree from any TileStore: hash tiles as a HashAt for
 * proofs, and entry bundles. tlog-tiles lets a server delete a partial tile
 * once the full one exists, so a partial tile that is gone is read as the
 * prefix of the full tile of the same index.
 */

import type { HashAt } from './merkle.js';
import { decodeEntryBundle, entriesPath, hashAtFromTiles, TILE_WIDTH, tilePath, type ReadTile } from './tiles.js';
import { AuditError } from './errors.js';
import type { TileStore } from './storage/interface.js';

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Reads tile (level, index) of `width`, falling back to the full tile; AuditError names the tile it cannot read. */
export function tileReader(tiles: TileStore): ReadTile {
  return (level: number, index: number, width: number): Uint8Array => {
    try {
      return tiles.read(tilePath(level, index, width));
    } catch (e) {
      if (isMissing(e) && width < TILE_WIDTH) {
        try {
          return tiles.read(tilePath(level, index));
        } catch {
          // report the partial tile
        }
      }
      throw new AuditError(tilePath(level, index, width), `cannot read the tile: ${(e as Error).message}`);
    }
  };
}

/** The HashAt of the tree of `size` served by these tiles. */
export function hashAtFromStore(tiles: TileStore, size: number): HashAt {
  return hashAtFromTiles(tileReader(tiles), size);
}

/** The entries of bundle `index` of `width` (falling back to the full bundle); AuditError names the bundle. */
export function readBundle(tiles: TileStore, index: number, width: number): Uint8Array[] {
  const path = entriesPath(index, width);
  let data: Uint8Array;
  try {
    data = tiles.read(path);
  } catch (e) {
    if (isMissing(e) && width < TILE_WIDTH && tiles.has(entriesPath(index))) {
      return decodeEntryBundle(tiles.read(entriesPath(index)), width, true);
    }
    throw new AuditError(path, `cannot read the entry bundle: ${(e as Error).message}`);
  }
  try {
    return decodeEntryBundle(data, width);
  } catch (e) {
    throw new AuditError(path, (e as Error).message);
  }
}
