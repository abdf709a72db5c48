/**
 * The audit of a log: every entry bundle, hash tile and root of the
 * committed tree recomputed from the entries and compared with what is
 * stored, and every checkpoint ever published checked (signature, root at
 * its size, consistency with the current one). It stops at the first
 * inconsistency: AuditError names the file. Files beyond the committed tree
 * (orphans of a killed writer) are not part of the log and are not read.
 */

import { bytesEqual, CompactRange, consistencyProof, leafHash, verifyConsistency } from './merkle.js';
import { encodeBase64, type NoteVerifier } from './note.js';
import type { OpenedCheckpoint } from './checkpoint.js';
import {
  encodeEntryBundle,
  encodeTile,
  entriesPath,
  entryBundlesForSize,
  TILE_WIDTH,
  tilePath,
  tilesForSize,
  type BundleRef,
} from './tiles.js';
import { isCanonicalEntry } from './entries.js';
import { AuditError } from './errors.js';
import { archivedCheckpointPath, CHECKPOINT, CHECKPOINTS, STATE } from './layout.js';
import { TileEdge } from './tile-edge.js';
import { hashAtFromStore, readBundle } from './tile-reader.js';
import { openAt, verifierOf } from './verify.js';
import { openPosixStorage, readState } from './storage/posix.js';
import type { LogStorage, PublishedLog, TileStore } from './storage/interface.js';

export interface AuditReport {
  size: number;
  entries: number;
  tiles: number;
  bundles: number;
  checkpoints: number;
  current: { size: number; root: string } | null;
  /**
   * Committed entries that no signed checkpoint covers, [from, to): what a
   * killed writer left between its append and its checkpoint, or what
   * someone without the key appended. Checked like the rest, but trusted
   * by nothing: the caller decides (`tally log audit` fails on them).
   */
  unsigned: { from: number; to: number } | null;
}

export interface AuditOptions {
  /** The log's verifier key (default: the one in log.json). */
  verifier?: NoteVerifier;
  /** Check that every entry is RFC 8785 canonical JSON (default true). */
  canonical?: boolean;
}

/** A checkpoint read from the log, and the file it came from. */
interface Published {
  where: string;
  cp: OpenedCheckpoint;
}

/**
 * Recomputes every entry bundle, hash tile and root of the committed tree
 * from the entries, compares each with the file on disk, and checks every
 * checkpoint ever published (signature, root at its size, consistency with
 * the current one). Stops at the first inconsistency: AuditError names the
 * file. Files beyond the committed state (orphans of a killed writer) are
 * not part of the log and are not read.
 */
export function auditLog(dir: string, opts: AuditOptions = {}): AuditReport {
  const log = openPosixStorage(dir);
  const verifier = verifierOf(log, opts.verifier);
  return auditCommitted(log, readState(dir), { ...opts, verifier });
}

/** As `auditLog`, for a log opened with any driver. */
export async function auditStorage(storage: LogStorage, opts: AuditOptions = {}): Promise<AuditReport> {
  const verifier = verifierOf(storage, opts.verifier);
  return auditCommitted(storage, await storage.sequencer.committed(), { ...opts, verifier });
}

/** The audit of a published log whose committed tree is `state`. */
export function auditCommitted(log: PublishedLog, state: CompactRange, opts: AuditOptions = {}): AuditReport {
  const verifier = verifierOf(log, opts.verifier);
  const size = state.size;
  const { published, current } = readPublished(log, verifier);
  const all = [...published, ...(current ? [{ where: CHECKPOINT, cp: current }] : [])];
  for (const p of all) {
    if (p.cp.size > size)
      throw new AuditError(p.where, `size ${p.cp.size} is beyond the committed log (${size} entries in ${STATE})`);
  }
  const tree = new TreeCheck(log.tiles, all, opts.canonical !== false);
  const range = tree.run(size);
  if (tree.rootMismatch !== null) throw tree.rootMismatch;
  if (!bytesEqual(range.root(), state.root()) || range.size !== state.size) {
    throw new AuditError(
      STATE,
      `the committed range's root ${encodeBase64(state.root())} is not the root recomputed from the entries, ${encodeBase64(range.root())}`,
    );
  }
  if (current !== null) checkConsistency(log.tiles, published, current);
  return {
    size,
    entries: size,
    tiles: tree.tiles,
    bundles: tree.bundles,
    checkpoints: published.length,
    current: current ? { size: current.size, root: encodeBase64(current.root) } : null,
    unsigned: size > (current?.size ?? 0) ? { from: current?.size ?? 0, to: size } : null,
  };
}

/** Every archived checkpoint (sorted by size) and the current one, each opened; the current one must be archived. */
function readPublished(
  log: PublishedLog,
  verifier: NoteVerifier,
): { published: Published[]; current: OpenedCheckpoint | null } {
  const origin = log.config.origin;
  const published: Published[] = [];
  for (const name of log.checkpoints.listArchived()) {
    const where = archivedCheckpointPath(name);
    if (!/^(0|[1-9][0-9]*)$/.test(name))
      throw new AuditError(where, 'not a checkpoint file name (the tree size in decimal)');
    const cp = openAt(where, log.checkpoints.readArchived(name), verifier, origin);
    if (String(cp.size) !== name) throw new AuditError(where, `the checkpoint's size is ${cp.size}, not ${name}`);
    published.push({ where, cp });
  }
  published.sort((a, b) => a.cp.size - b.cp.size);
  let note: string | null = null;
  try {
    note = log.checkpoints.readCurrent();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let current: OpenedCheckpoint | null = null;
  if (note !== null) {
    const cur = openAt(CHECKPOINT, note, verifier, origin);
    const archived = published.find((p) => p.cp.size === cur.size);
    if (archived === undefined) throw new AuditError(CHECKPOINT, `size ${cur.size} is not archived in ${CHECKPOINTS}/`);
    if (archived.cp.body !== cur.body) throw new AuditError(CHECKPOINT, `differs from ${archived.where}`);
    current = cur;
  } else if (published.length > 0) {
    throw new AuditError(CHECKPOINT, `missing, but ${published.length} checkpoint(s) were published`);
  }
  return { published, current };
}

/**
 * The recomputation of the tree from its entries, bundle by bundle, each
 * tile compared with the stored one as soon as it is complete. Partial
 * tiles and bundles that published checkpoints refer to are checked as
 * prefixes of the recomputed ones.
 */
class TreeCheck {
  tiles = 0;
  bundles = 0;
  /** A checkpoint whose root differs is reported after the tiles, which say more precisely where the change is. */
  rootMismatch: AuditError | null = null;
  readonly #store: TileStore;
  readonly #canonical: boolean;
  readonly #rootsAt = new Map<number, Published[]>();
  readonly #oldPartials = new Map<string, Set<number>>();
  readonly #edge = new TileEdge(0);
  #flushed = 0;

  constructor(store: TileStore, checkpoints: readonly Published[], canonical: boolean) {
    this.#store = store;
    this.#canonical = canonical;
    for (const p of checkpoints) this.#rootsAt.set(p.cp.size, [...(this.#rootsAt.get(p.cp.size) ?? []), p]);
    for (const p of checkpoints) {
      for (const t of tilesForSize(p.cp.size))
        if (t.width < TILE_WIDTH) addTo(this.#oldPartials, `${t.level}/${t.index}`, t.width);
      const w = p.cp.size % TILE_WIDTH;
      if (w > 0) addTo(this.#oldPartials, `entries/${Math.floor(p.cp.size / TILE_WIDTH)}`, w);
    }
  }

  /** Recomputes the tree of `size` from the stored entries; returns its range. */
  run(size: number): CompactRange {
    const range = new CompactRange();
    this.#checkRoot(range);
    for (const b of entryBundlesForSize(size)) {
      for (const e of this.#checkBundle(b)) {
        range.append(leafHash(e), this.#edge.onNode);
        this.#checkRoot(range);
      }
      this.#flushFull();
    }
    for (const t of this.#edge.levels.map((l, L) => ({ level: L, ...l }))) {
      if (t.hashes.length > 0) this.#compareTile(t.level, t.index, t.hashes);
    }
    return range;
  }

  /** Reads bundle `b`, checks its entries are canonical, and the published partial bundles before it. */
  #checkBundle(b: BundleRef): Uint8Array[] {
    const entries = readBundle(this.#store, b.index, b.width);
    this.bundles++;
    if (this.#canonical) {
      entries.forEach((e, j) => {
        if (!isCanonicalEntry(e))
          throw new AuditError(b.path, `entry ${b.index * TILE_WIDTH + j} is not RFC 8785 canonical JSON`);
      });
    }
    for (const w of this.#oldPartials.get(`entries/${b.index}`) ?? []) {
      if (w >= b.width) continue;
      const p = entriesPath(b.index, w);
      if (this.#store.has(p)) {
        checkStored(this.#store, p, encodeEntryBundle(entries.slice(0, w)), 'entry bundle of a published checkpoint');
        this.bundles++;
      }
    }
    return entries;
  }

  #checkRoot(range: CompactRange): void {
    for (const p of this.#rootsAt.get(range.size) ?? []) {
      const r = range.root();
      if (!bytesEqual(r, p.cp.root) && this.rootMismatch === null) {
        this.rootMismatch = new AuditError(
          p.where,
          `root ${encodeBase64(p.cp.root)} for size ${p.cp.size} does not match the root recomputed from the entries, ${encodeBase64(r)}`,
        );
      }
    }
  }

  #flushFull(): void {
    const full = this.#edge.full;
    for (; this.#flushed < full.length; this.#flushed++) {
      const t = full[this.#flushed];
      this.#compareTile(t.level, t.index, t.hashes);
      t.hashes = [];
    }
  }

  #compareTile(level: number, index: number, hashes: Uint8Array[]): void {
    const path = tilePath(level, index, hashes.length);
    const want = encodeTile(hashes);
    checkStored(
      this.#store,
      path,
      want,
      level === 0 ? `hash tile (or the entry bundle ${entriesPath(index, hashes.length)} it hashes)` : 'hash tile',
    );
    this.tiles++;
    for (const w of this.#oldPartials.get(`${level}/${index}`) ?? []) {
      if (w >= hashes.length) continue;
      const p = tilePath(level, index, w);
      if (this.#store.has(p)) {
        checkStored(this.#store, p, want.subarray(0, w * 32), 'hash tile of a published checkpoint');
        this.tiles++;
      }
    }
  }
}

/** Consistency of every published checkpoint with the current one, with proofs from the tiles. */
function checkConsistency(tiles: TileStore, published: readonly Published[], current: OpenedCheckpoint): void {
  const top = Math.max(current.size, ...published.map((p) => p.cp.size));
  const hashAt = hashAtFromStore(tiles, top);
  for (const p of published) {
    const [a, b] = p.cp.size <= current.size ? [p.cp, current] : [current, p.cp];
    if (a.size === 0 || a.size === b.size) continue; // roots already compared with the recomputed ones
    try {
      verifyConsistency(a.size, b.size, consistencyProof(a.size, b.size, hashAt), a.root, b.root);
    } catch (e) {
      throw new AuditError(
        p.where,
        `not consistent with the current checkpoint (size ${current.size}): ${(e as Error).message}`,
      );
    }
  }
}

function addTo(m: Map<string, Set<number>>, key: string, v: number): void {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  s.add(v);
}

/** The stored file at `path` must be `want`; AuditError names it and the first byte that differs. */
function checkStored(tiles: TileStore, path: string, want: Uint8Array, what: string): void {
  let got: Uint8Array;
  try {
    got = tiles.read(path);
  } catch (e) {
    throw new AuditError(path, `${what} missing: ${(e as Error).message}`);
  }
  if (!bytesEqual(got, want)) {
    let at = 0;
    while (at < got.length && at < want.length && got[at] === want[at]) at++;
    throw new AuditError(
      path,
      `${what} differs from the one recomputed from the entries (first difference at byte ${at}; ${got.length} bytes on disk, ${want.length} expected)`,
    );
  }
}
