/**
 * The log: a C2SP tlog-tiles tree that can be served as static files, with
 * signed checkpoints and tlog-proof receipts, on any storage driver
 * (storage/interface.ts; `Log.init` and `Log.open` use the files driver).
 *
 * An append computes the batch's new entry bundles and hash tiles from the
 * tree's right edge, has the storage write them while the sequencer stages
 * the new state and the writer's record, and then commits: when `append`
 * resolves the entries are durable; if the process dies before, the log is
 * as it was. One writer at a time: opening for writing takes the lease.
 */

import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { bytesEqual, CompactRange, inclusionProof, leafHash, treeRoot, type HashAt } from './merkle.js';
import {
  decodeTile,
  encodeEntryBundle,
  encodeTile,
  entriesPath,
  hashesAtLevel,
  MAX_ENTRY_SIZE,
  TILE_WIDTH,
  tilePath,
} from './tiles.js';
import { encodeBase64, parseVerifierKey, type Ed25519NoteSigner, type NoteVerifier } from './note.js';
import { openCheckpoint, parseCheckpoint, signCheckpoint, type OpenedCheckpoint } from './checkpoint.js';
import { AuditError, LogError } from './errors.js';
import { CHECKPOINT, CONFIG, STATE, originSlug, type LogConfig } from './layout.js';
import { openAt } from './verify.js';
import { isInside, loadOrCreateSigningKey, readSigningKey } from './keys.js';
import { TileEdge } from './tile-edge.js';
import { hashAtFromStore, readBundle } from './tile-reader.js';
import { formatTlogProof } from './tlog-proof.js';
import { createPosixLog, openPosixStorage } from './storage/posix.js';
import type {
  AppendedEntry,
  DurabilityHooks,
  LogStorage,
  SequencerLease,
  StoredFile,
  TileStore,
} from './storage/interface.js';

export interface InitOptions {
  origin: string;
  /** Where to keep the signing key (default: DIR/../<origin-slug>.key). Never under DIR. */
  keyPath?: string;
  /** Fault injection at each durable step of the files driver (the kill test). */
  hooks?: DurabilityHooks;
}

export interface InitResult {
  verifierKey: string;
  keyPath: string;
  /** True when an existing key file at keyPath was used. */
  reusedKey: boolean;
}

export interface OpenOptions {
  /** Take the writer's lease, to append. */
  write?: boolean;
  /** Fault injection at each durable step of the files driver (the kill test). */
  hooks?: DurabilityHooks;
  /**
   * The signing key the writer holds, from its own configuration (not from
   * the published log.json): the writer's record is kept beside it.
   */
  keyPath?: string;
}

/** The signed checkpoint of a log, from `Log.checkpoint`. */
export interface CheckpointResult {
  note: string;
  size: number;
  root: Uint8Array;
  /** True when the current checkpoint already had this size and root (nothing was written). */
  unchanged: boolean;
}

/** The right edge of the committed tree: the hashes of the last (partial) tile at each level, and the last partial bundle. */
function readEdges(tiles: TileStore, size: number): { edge: Uint8Array[][]; bundleEdge: Uint8Array[] } {
  const edge: Uint8Array[][] = [];
  for (let L = 0; hashesAtLevel(L, size) > 0; L++) {
    const n = hashesAtLevel(L, size);
    const w = n % TILE_WIDTH;
    if (w === 0) {
      edge.push([]);
      continue;
    }
    const path = tilePath(L, Math.floor(n / TILE_WIDTH), w);
    try {
      edge.push(decodeTile(tiles.read(path), w).map((h) => Uint8Array.from(h)));
    } catch (e) {
      throw new AuditError(
        path,
        `the edge tile of the committed tree (size ${size}) is unreadable: ${(e as Error).message}`,
      );
    }
  }
  const bw = size % TILE_WIDTH;
  const bundleEdge =
    bw === 0 ? [] : readBundle(tiles, Math.floor(size / TILE_WIDTH), bw).map((e) => Uint8Array.from(e));
  // The next append copies these entries into a wider bundle: each must hash to its leaf in the
  // level-0 tile, or damage would be copied forward (and the tree root, from the tiles, would not show it).
  bundleEdge.forEach((e, j) => {
    if (!bytesEqual(leafHash(e), edge[0][j]))
      throw new AuditError(
        entriesPath(Math.floor(size / TILE_WIDTH), bw),
        `entry ${size - bw + j} does not hash to its leaf in ${tilePath(0, Math.floor(size / TILE_WIDTH), bw)}: the entry bundle is damaged`,
      );
  });
  return { edge, bundleEdge };
}

function checkEntries(entries: readonly Uint8Array[]): void {
  entries.forEach((e, i) => {
    if (!(e instanceof Uint8Array)) throw new LogError(`entry ${i} is not bytes`);
    if (e.length > MAX_ENTRY_SIZE)
      throw new LogError(`entry ${i} is ${e.length} bytes; a log entry holds at most ${MAX_ENTRY_SIZE} bytes`);
  });
}

export class Log {
  readonly storage: LogStorage;
  #range: CompactRange;
  #edge: Uint8Array[][];
  #bundleEdge: Uint8Array[];
  #lease: SequencerLease | null;

  private constructor(
    storage: LogStorage,
    range: CompactRange,
    edges: { edge: Uint8Array[][]; bundleEdge: Uint8Array[] },
    lease: SequencerLease | null,
  ) {
    this.storage = storage;
    this.#range = range;
    this.#edge = edges.edge;
    this.#bundleEdge = edges.bundleEdge;
    this.#lease = lease;
  }

  /** Creates a log in DIR (which must not hold one) with a new signing key (or the key file already at keyPath), and a checkpoint of size 0. */
  static async init(dir: string, opts: InitOptions): Promise<InitResult> {
    const origin = opts.origin;
    try {
      parseCheckpoint(`${origin}\n0\n${encodeBase64(new Uint8Array(32))}\n`);
    } catch (e) {
      throw new LogError(`origin ${JSON.stringify(origin)} is not a valid checkpoint origin: ${(e as Error).message}`);
    }
    if (existsSync(join(dir, CONFIG))) throw new LogError(`${dir} already holds a log (${CONFIG} exists)`);
    const keyPath = resolve(opts.keyPath ?? join(dirname(resolve(dir)), `${originSlug(origin)}.key`));
    if (isInside(dir, keyPath))
      throw new LogError(
        `the signing key ${keyPath} must be kept outside the log directory ${dir} (it is published as static files)`,
      );
    const { signer, reusedKey } = loadOrCreateSigningKey(keyPath, origin);
    const config: LogConfig = {
      version: 1,
      origin,
      verifier_key: signer.verifierKey(),
      signer_key: relative(resolve(dir), keyPath).split(sep).join('/'),
    };
    const hooks = opts.hooks ?? {};
    await createPosixLog(dir, config, { hooks, keyPath });
    const log = await Log.open(dir, { hooks, keyPath });
    try {
      await log.checkpoint(signer);
    } finally {
      await log.close();
    }
    return { verifierKey: config.verifier_key, keyPath, reusedKey };
  }

  /**
   * Opens the log in DIR with the files driver. With `write`, takes the
   * writer's lease (and recovers what a killed writer left). The committed
   * state and the tiles at its right edge are read and checked against
   * each other.
   */
  static async open(dir: string, opts: OpenOptions = {}): Promise<Log> {
    const storage = openPosixStorage(dir, {
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
      ...(opts.keyPath ? { keyPath: opts.keyPath } : {}),
    });
    return Log.openStorage(storage, opts.write ? { write: true } : {});
  }

  /** Opens a log on any driver's storage; see `open`. */
  static async openStorage(storage: LogStorage, opts: { write?: boolean } = {}): Promise<Log> {
    const lease = opts.write ? await storage.sequencer.acquire() : null;
    try {
      const range = await storage.sequencer.committed();
      const size = range.size;
      const edges = readEdges(storage.tiles, size);
      // The tiles must give the committed root (a few tile reads).
      const fromTiles = treeRoot(size, hashAtFromStore(storage.tiles, size));
      if (!bytesEqual(fromTiles, range.root())) {
        throw new AuditError(
          STATE,
          `the tiles give root ${encodeBase64(fromTiles)} for size ${size}, but the state says ${encodeBase64(range.root())}`,
        );
      }
      return new Log(storage, range, edges, lease);
    } catch (e) {
      await lease?.release();
      throw e;
    }
  }

  /**
   * Releases the writer's lease. The files driver releases it before this
   * returns; a driver that releases over a network may be awaited. An error
   * releasing is not reported: a lease that is not released lapses.
   */
  close(): Promise<void> {
    const lease = this.#lease;
    this.#lease = null;
    return lease === null ? Promise.resolve() : lease.release().catch(() => undefined);
  }

  /** The directory the log is published from. */
  get dir(): string {
    return this.storage.dir;
  }

  get config(): LogConfig {
    return this.storage.config;
  }

  get size(): number {
    return this.#range.size;
  }

  get origin(): string {
    return this.config.origin;
  }

  /** The root of the committed tree. */
  root(): Uint8Array {
    return this.#range.root();
  }

  /**
   * Appends entries as one batch and returns their indices. When the promise
   * resolves, the entries are on disk (the new state is committed); if the
   * process dies before, the log is as it was.
   */
  async append(entries: readonly Uint8Array[]): Promise<number[]> {
    const lease = this.#lease;
    if (lease === null) throw new LogError('the log was not opened for writing');
    checkEntries(entries);
    const first = this.size;
    if (entries.length === 0) return [];
    const range = this.#range.clone();
    const edge = new TileEdge(first, this.#edge);
    const leaves: Uint8Array[] = [];
    const fullBundles: { index: number; entries: Uint8Array[] }[] = [];
    let bundle = [...this.#bundleEdge];
    let bundleIndex = Math.floor(first / TILE_WIDTH);
    for (const e of entries) {
      const h = leafHash(e);
      leaves.push(h);
      range.append(h, edge.onNode);
      bundle.push(e);
      if (bundle.length === TILE_WIDTH) {
        fullBundles.push({ index: bundleIndex, entries: bundle });
        bundle = [];
        bundleIndex++;
      }
    }
    const partial: StoredFile[] = [];
    const full: StoredFile[] = [];
    if (bundle.length > 0)
      partial.push({ path: entriesPath(bundleIndex, bundle.length), data: encodeEntryBundle(bundle) });
    for (const b of fullBundles) full.push({ path: entriesPath(b.index), data: encodeEntryBundle(b.entries) });
    for (const t of edge.partials())
      partial.push({ path: tilePath(t.level, t.index, t.hashes.length), data: encodeTile(t.hashes) });
    for (const t of edge.full) full.push({ path: tilePath(t.level, t.index), data: encodeTile(t.hashes) });
    await lease.stage(this.#range, range, leaves, [...partial, ...full]);
    await lease.commit();
    this.#range = range;
    this.#edge = edge.edges();
    this.#bundleEdge = bundle;
    return entries.map((_, i) => first + i);
  }

  /**
   * The writer's record of the committed entries with index in [begin, end):
   * what the writer holding the log's key appended, by index; null where no
   * record is kept (the key is not here). A committed index missing from it
   * was not appended by the writer.
   */
  async appendedByWriter(begin = 0, end = this.size): Promise<AppendedEntry[] | null> {
    end = Math.min(end, this.size);
    if (this.#lease !== null) return this.#lease.appendedByWriter(begin, end);
    return this.storage.sequencer.appendedByWriter(begin, end);
  }

  /**
   * The current checkpoint, opened under `verifier` (the operator key the
   * caller trusts, never one read from the log's folder): its size bounds
   * what a verification reads. Null when none is published; throws
   * AuditError when it does not verify.
   */
  signedCheckpoint(verifier: NoteVerifier): OpenedCheckpoint | null {
    const note = this.currentCheckpoint();
    if (note === null) return null;
    const cp = openAt(CHECKPOINT, note, verifier, this.origin);
    if (cp.size > this.size)
      throw new AuditError(CHECKPOINT, `size ${cp.size} is beyond the committed log (${this.size} entries)`);
    return cp;
  }

  /**
   * How far, from `from` (a signed size), the committed entries are ones
   * the writer recorded appending, with the same leaf hash: the first index
   * at or after `from` that is not (the log's size when all are). Entries
   * from there on were not appended by this writer and must never be
   * signed. Without the writer's record (its key is not here), `from`.
   */
  async appendedByWriterUpTo(from: number): Promise<number> {
    if (from >= this.size) return this.size;
    const record = await this.appendedByWriter(from, this.size);
    if (record === null) return from;
    const hashAt = this.hashAt();
    let i = from;
    for (const r of record) {
      if (r.index !== i || !bytesEqual(r.leafHash, hashAt(0, i))) break;
      i++;
    }
    return i;
  }

  /**
   * Drops the committed entries beyond the signed checkpoint that this
   * writer did not append (see `appendedByWriterUpTo`): the tree is rewound
   * to the last entry it appended itself, never below the checkpoint.
   * Returns the range dropped ([from, to), empty when nothing was).
   */
  async dropUnsigned(): Promise<{ from: number; to: number }> {
    const lease = this.#lease;
    if (lease === null) throw new LogError('the log was not opened for writing');
    const signed = this.signedCheckpoint(parseVerifierKey(this.config.verifier_key))?.size ?? 0;
    const keep = await this.appendedByWriterUpTo(signed);
    const size = this.size;
    if (keep === size) return { from: size, to: size };
    const range = CompactRange.fromHashAt(keep, this.hashAt(keep));
    await lease.rewind(range);
    const edges = readEdges(this.storage.tiles, keep);
    this.#range = range;
    this.#edge = edges.edge;
    this.#bundleEdge = edges.bundleEdge;
    return { from: keep, to: size };
  }

  /** The entry at `index` of the committed tree. */
  entry(index: number): Uint8Array {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size)
      throw new LogError(`no entry ${index}: the log has ${this.size} entries`);
    const n = Math.floor(index / TILE_WIDTH);
    const width = Math.min(TILE_WIDTH, this.size - n * TILE_WIDTH);
    return readBundle(this.storage.tiles, n, width)[index % TILE_WIDTH];
  }

  /** Calls `f` for each entry in [begin, end), bundle by bundle. */
  forEachEntry(begin: number, end: number, f: (index: number, entry: Uint8Array) => void): void {
    end = Math.min(end, this.size);
    for (let n = Math.floor(begin / TILE_WIDTH); n * TILE_WIDTH < end; n++) {
      const width = Math.min(TILE_WIDTH, this.size - n * TILE_WIDTH);
      const b = readBundle(this.storage.tiles, n, width);
      for (let j = 0; j < b.length; j++) {
        const i = n * TILE_WIDTH + j;
        if (i >= begin && i < end) f(i, b[j]);
      }
    }
  }

  /** The HashAt of the committed tree (or of a smaller size) from the tiles. */
  hashAt(size = this.size): HashAt {
    if (size > this.size) throw new LogError(`size ${size} is beyond the log's ${this.size}`);
    return hashAtFromStore(this.storage.tiles, size);
  }

  /** The log's signer from its key file (or `keyPath`), checked against the log's verifier key. */
  signer(keyPath?: string): Ed25519NoteSigner {
    return readSigningKey(keyPath ?? resolve(this.dir, this.config.signer_key), this.config);
  }

  /** The current checkpoint note, or null when none is published. */
  currentCheckpoint(): string | null {
    try {
      return this.storage.checkpoints.readCurrent();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  /**
   * Signs and publishes a checkpoint of the committed tree: archived under
   * its size, then made current. When the current one already has this size
   * and root, nothing is written (its cosignatures stay).
   */
  async checkpoint(signer: Ed25519NoteSigner = this.signer()): Promise<CheckpointResult> {
    const size = this.size;
    const root = this.root();
    const cur = this.currentCheckpoint();
    let signed = 0;
    if (cur !== null) {
      const c = openCheckpoint(cur, parseVerifierKey(this.config.verifier_key), { origin: this.origin });
      if (c.size === size && bytesEqual(c.root, root)) return { note: cur, size, root, unchanged: true };
      if (c.size > size) throw new LogError(`the current checkpoint has size ${c.size}, beyond the log's ${size}`);
      signed = c.size;
    }
    // Never sign what this writer did not append: someone who can write the published files but holds
    // no key could otherwise have the operator sign their entries.
    const own = await this.appendedByWriterUpTo(signed);
    if (own < size)
      throw new LogError(
        `entries ${own} to ${size - 1} of the log are beyond its signed checkpoint (size ${signed}) and this writer's record ` +
          `does not hold them: they were not appended by the holder of this key, and are not signed ` +
          `(\`tally log recover ${this.dir}\` drops them)`,
      );
    const note = signCheckpoint({ origin: this.origin, size, root, extensions: [] }, signer);
    await this.storage.checkpoints.publish(size, note);
    return { note, size, root, unchanged: false };
  }

  /** The tlog-proof bundle of entry `index` against the current checkpoint; `extra` carries the entry itself unless false. */
  proof(index: number, opts: { extra?: boolean } = {}): string {
    const note = this.currentCheckpoint();
    if (note === null) throw new LogError('no checkpoint published yet: run `tally log checkpoint` first');
    const cp = openCheckpoint(note, parseVerifierKey(this.config.verifier_key), { origin: this.origin });
    if (!Number.isSafeInteger(index) || index < 0)
      throw new LogError(`entry index must be a non-negative integer, got ${index}`);
    if (index >= cp.size) {
      throw new LogError(
        `entry ${index} is not in the current checkpoint (size ${cp.size})${index < this.size ? ': publish a new checkpoint first' : ''}`,
      );
    }
    const proof = inclusionProof(index, cp.size, hashAtFromStore(this.storage.tiles, cp.size));
    return formatTlogProof({
      index,
      proof,
      checkpoint: note,
      extra: opts.extra === false ? undefined : this.entry(index),
    });
  }
}
