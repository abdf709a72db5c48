/**
 * The log's storage: what a driver provides, in three parts kept apart
 * (docs/decisions/0002-log-storage-interface.md):
 *
 *   TileStore        hash tiles and entry bundles, addressed by their tlog-tiles path
 *   Sequencer        the commit point: the committed tree, the one writer's lease,
 *                    and the writer's own record of what it appended
 *   CheckpointStore  publication: the current checkpoint and every one published
 *
 * The files driver (posix.ts) keeps all three as files. A database driver
 * sequences in a transaction (the lease a row lock, the committed tree a
 * row, the record a table) and keeps tiles and checkpoints as files.
 *
 * Reads of tiles and checkpoints are synchronous: proofs and the audit are
 * computed from a synchronous HashAt. What may cross a network (the
 * committed tree, the lease, staging and the commit) is asynchronous.
 */

import type { CompactRange } from '../merkle.js';
import type { LogConfig } from '../layout.js';

/** A file of the log: its path relative to the log's directory, and its bytes. */
export interface StoredFile {
  path: string;
  data: Uint8Array | string;
}

/**
 * Hash tiles and entry bundles, each stored at its tlog-tiles path
 * (`tile/0/x001/234`, `tile/entries/000.p/7`).
 */
export interface TileStore {
  /** The bytes at `path`; throws an error whose `code` is 'ENOENT' when nothing is stored there. */
  read(path: string): Uint8Array;
  /** Whether something is stored at `path`. */
  has(path: string): boolean;
}

/** Publication of signed checkpoints. */
export interface CheckpointStore {
  /** The current checkpoint note; throws an error whose `code` is 'ENOENT' when none is published. */
  readCurrent(): string;
  /** The names under which checkpoints were archived (the tree size in decimal, as stored, unchecked). */
  listArchived(): string[];
  /** An archived checkpoint note, by its name from `listArchived`. */
  readArchived(name: string): string;
  /** Publishes a checkpoint of `size`: archived first, then made current; each write is atomic and durable. */
  publish(size: number, note: string): Promise<void>;
}

/** One entry in the writer's record: its index in the log and its RFC 9162 leaf hash. */
export interface AppendedEntry {
  index: number;
  leafHash: Uint8Array;
}

/** The commit point of the log, the single writer's lease, and the writer's record. */
export interface Sequencer {
  /** The committed tree: its size and compact range. What it does not cover does not exist. */
  committed(): Promise<CompactRange>;
  /**
   * Takes the one writer's lease: while it is held, a second writer (in
   * this process or another) is refused with a LogError or waits until the
   * lease is released. Taking it checks the committed tree against its
   * tiles, then recovers what a killed writer left: a staged state is
   * dropped, and the writer's record is cut back to what the committed
   * tree holds as the writer recorded it.
   */
  acquire(): Promise<SequencerLease>;
  /**
   * The writer's record of the entries with index in [begin, end), by
   * index; null where no record is kept (the writer's key is not here: a
   * reader without it). Entries the committed tree covers and the record
   * does not were not appended by the writer. Beyond the committed tree,
   * the record may hold an append that is not committed yet.
   */
  appendedByWriter(begin: number, end: number): Promise<AppendedEntry[] | null>;
}

/** The writer's lease: it stages and commits appends, one at a time. */
export interface SequencerLease {
  /**
   * Stages the append that takes the committed tree `from` to `to`: its
   * tiles and bundles, the writer's record of each new entry (index
   * from.size + i, leaf hash leaves[i]) and the new state are made durable,
   * but not yet committed. Tiles are written only through the lease, so
   * that a writer whose lease lapsed (a database driver fences it) cannot
   * write one: only paths that no committed tree covers are written (new
   * ones, or partial ones wider than at the committed size), and until a
   * commit covers them they are orphans, ignored by readers and
   * overwritten by the next append.
   */
  stage(
    from: CompactRange,
    to: CompactRange,
    leaves: readonly Uint8Array[],
    tiles: readonly StoredFile[],
  ): Promise<void>;
  /**
   * The commit point: the staged state becomes the committed tree, once
   * its tiles are durable. A crash before it leaves the old tree; after it,
   * the new one.
   */
  commit(): Promise<void>;
  /**
   * Commits `to`, a prefix of the committed tree, as the committed tree:
   * the entries beyond it are dropped (their tiles become orphans, which
   * the next append overwrites), and so are their records. The caller
   * (Log.rewind) never goes below the signed checkpoint: this only undoes
   * what no signature covers, such as entries someone without the key
   * appended.
   */
  rewind(to: CompactRange): Promise<void>;
  /** As Sequencer.appendedByWriter, for the lease holder (the record is kept wherever the key is). */
  appendedByWriter(begin: number, end: number): Promise<AppendedEntry[] | null>;
  /** Releases the lease (idempotent). The files driver releases it before this returns. */
  release(): Promise<void>;
}

/**
 * Fault injection: called at each durable step, and awaited, so that a
 * test can sleep there (and a kill land inside the step) or report the
 * step. `what` names the write: 'tiles', 'state', 'record', 'checkpoint',
 * 'init'. Library code never reads these from the environment; a driver
 * is given them when it is opened.
 */
export interface DurabilityHooks {
  afterWrite?(what: string): Promise<void> | void;
  afterSync?(what: string): Promise<void> | void;
  afterRename?(what: string): Promise<void> | void;
  beforeCommit?(): Promise<void> | void;
  afterCommit?(): Promise<void> | void;
}

/** A log's storage, as a driver opens it. */
export interface LogStorage {
  /** The directory the log is published from as static files (tiles, checkpoints, log.json, the index). */
  readonly dir: string;
  /** The log's origin, verifier key and where its signing key is. */
  readonly config: LogConfig;
  readonly tiles: TileStore;
  readonly checkpoints: CheckpointStore;
  readonly sequencer: Sequencer;
}

/** What a reader of a published log needs: its description, tiles and checkpoints (no lease, no commit). */
export type PublishedLog = Pick<LogStorage, 'config' | 'tiles' | 'checkpoints'>;
