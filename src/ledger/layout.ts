/**
 * The names of a log's files, as any driver publishes them beside the
 * tlog-tiles tree (tiles.ts names the tiles and bundles):
 *
 *   DIR/log.json               origin, verifier key, where the signing key is (not published material)
 *   DIR/state.json             the commit point of the files driver: size and compact range
 *   DIR/checkpoint             the current signed checkpoint (tlog-checkpoint, cosignatures appended)
 *   DIR/checkpoints/<size>     every checkpoint ever published (audit checks them all)
 *   DIR/tile/...               hash tiles and entry bundles (tlog-tiles)
 *   DIR/index.sqlite           the query index (store.ts), rebuildable from the tiles
 *   DIR/.tmp/                  temporary files of a write in progress
 *   DIR/.lock                  the files driver's writer lease
 *   DIR/../<origin-slug>.key   the Ed25519 signing key (mode 0600), never under DIR
 */

export interface LogConfig {
  version: 1;
  origin: string;
  /** The log's verifier key, `name+id+base64`. */
  verifier_key: string;
  /** The signing key file: relative to DIR, or absolute. */
  signer_key: string;
}

export const CONFIG = 'log.json';
export const STATE = 'state.json';
export const CHECKPOINT = 'checkpoint';
export const CHECKPOINTS = 'checkpoints';
export const TILES = 'tile';
export const TMP = '.tmp';
export const LOCK = '.lock';

/** The path of the checkpoint of `size` in the archive of published checkpoints. */
export function archivedCheckpointPath(size: number | string): string {
  return `${CHECKPOINTS}/${size}`;
}

/** A file name for an origin: what is not [A-Za-z0-9._-] becomes '-'. */
export function originSlug(origin: string): string {
  return origin.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'log';
}
