/**
 * Verification of a published log: its current checkpoint is signed by the
 * log's key, the tiles give the checkpoint's root, and every entry bundle
 * hashes to the leaves of the level-0 tiles.
 */

import { bytesEqual, leafHash, treeRoot } from './merkle.js';
import { encodeBase64, parseVerifierKey, type NoteVerifier } from './note.js';
import { openCheckpoint, type OpenedCheckpoint } from './checkpoint.js';
import { decodeTile, entryBundlesForSize, TILE_WIDTH, TileError, tilePath } from './tiles.js';
import { AuditError } from './errors.js';
import { CHECKPOINT } from './layout.js';
import { hashAtFromStore, readBundle } from './tile-reader.js';
import { openPosixStorage } from './storage/posix.js';
import type { PublishedLog } from './storage/interface.js';

/** The verifier to check the log's checkpoints with: the one given, or the log's own (log.json). */
export function verifierOf(log: PublishedLog, verifier?: NoteVerifier): NoteVerifier {
  return verifier ?? parseVerifierKey(log.config.verifier_key);
}

/** Opens a checkpoint note read from `where`; a bad signature or body is an AuditError naming it. */
export function openAt(where: string, note: string, verifier: NoteVerifier, origin: string): OpenedCheckpoint {
  try {
    return openCheckpoint(note, verifier, { origin });
  } catch (e) {
    throw new AuditError(where, `${(e as Error).message}`);
  }
}

/** As `verifyLog`, for a log opened with any driver. */
export function verifyPublished(log: PublishedLog, verifier?: NoteVerifier): OpenedCheckpoint {
  const v = verifierOf(log, verifier);
  let note: string;
  try {
    note = log.checkpoints.readCurrent();
  } catch (e) {
    throw new AuditError(CHECKPOINT, `cannot read: ${(e as Error).message}`);
  }
  const cp = openAt(CHECKPOINT, note, v, log.config.origin);
  let root: Uint8Array;
  try {
    root = treeRoot(cp.size, hashAtFromStore(log.tiles, cp.size));
  } catch (e) {
    if (e instanceof AuditError) throw e;
    if (e instanceof TileError) throw new AuditError(/^(tile\/\S+)/.exec(e.message)?.[1] ?? 'tile', e.message);
    throw e;
  }
  if (!bytesEqual(root, cp.root)) {
    throw new AuditError(
      'tile',
      `the tiles give root ${encodeBase64(root)} for size ${cp.size}, but the checkpoint says ${encodeBase64(cp.root)}`,
    );
  }
  checkBundles(log, cp.size);
  return cp;
}

/**
 * Each entry of the first `size` must hash to its leaf in the level-0 tile:
 * the root, computed from the hash tiles, does not see a damaged bundle.
 */
function checkBundles(log: PublishedLog, size: number): void {
  for (const b of entryBundlesForSize(size)) {
    const entries = readBundle(log.tiles, b.index, b.width);
    const tile = tilePath(0, b.index, b.width);
    let leaves: Uint8Array[];
    try {
      leaves = readTileAt(log, tile, b.index, b.width);
    } catch (e) {
      throw new AuditError(tile, `cannot read the hash tile: ${(e as Error).message}`);
    }
    entries.forEach((e, j) => {
      if (!bytesEqual(leafHash(e), leaves[j]))
        throw new AuditError(
          b.path,
          `entry ${b.index * TILE_WIDTH + j} does not hash to its leaf in ${tile}: the entry bundle is damaged`,
        );
    });
  }
}

/** The level-0 tile of `width` hashes at `index` (or the full tile's prefix when the partial one is gone). */
function readTileAt(log: PublishedLog, path: string, index: number, width: number): Uint8Array[] {
  if (!log.tiles.has(path) && width < TILE_WIDTH)
    return decodeTile(log.tiles.read(tilePath(0, index)), TILE_WIDTH).slice(0, width);
  return decodeTile(log.tiles.read(path), width);
}

/**
 * Checks DIR/checkpoint: its signature by `verifier` (default: the key in
 * log.json) and that the tiles give its root. Throws AuditError.
 */
export function verifyLog(dir: string, verifier?: NoteVerifier): OpenedCheckpoint {
  return verifyPublished(openPosixStorage(dir), verifier);
}
