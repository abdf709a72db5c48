/**
 * The files driver: the whole log in one directory of a POSIX file system,
 * served as static files (layout.ts names them).
 *
 *   tiles        DIR/tile/...              written in place (no committed path is ever rewritten)
 *   sequencing   DIR/state.json, DIR/.lock  the commit point, and the writer's lease
 *   record       beside the signing key     the writer's record (writer-record.ts)
 *   publication  DIR/checkpoint, DIR/checkpoints/<size>
 *
 * Durability. An append writes the new entry bundles and hash tiles, the
 * new state as DIR/.tmp/state.json and the writer's record of the new
 * entries, then fsyncs all of them and every directory that got a new name,
 * all at once (overlapping syncs, which the file system groups into few
 * journal commits), and only then renames the new state over state.json and
 * fsyncs DIR. state.json is the commit point: what it does not cover does
 * not exist. A tile is only ever written when it is new or wider than at
 * the committed size, so no path that any committed size (past or present)
 * publishes is ever written again; the new tiles are therefore written in
 * place, not through temporary files: until the commit they are orphans
 * that no state covers. A writer killed at any instant leaves either the
 * old state or the new one, each with every tile it needs on disk; tiles
 * beyond the state are ignored and overwritten by the next append, and
 * records beyond it are cut off when the next writer takes the lease.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bytesEqual, CompactRange, treeRoot, type HashAt } from '../merkle.js';
import { AuditError, LogError } from '../errors.js';
import { archivedCheckpointPath, CHECKPOINT, CHECKPOINTS, CONFIG, LOCK, STATE, TILES, TMP } from '../layout.js';
import type { LogConfig } from '../layout.js';
import { readSigningKey } from '../keys.js';
import { encodeBase64 } from '../note.js';
import { hashAtFromStore } from '../tile-reader.js';
import type {
  AppendedEntry,
  CheckpointStore,
  DurabilityHooks,
  LogStorage,
  Sequencer,
  SequencerLease,
  StoredFile,
  TileStore,
} from './interface.js';
import { fsyncDir, prepareDirs, writeAtomic } from './durable.js';
import { releaseLock, takeLock } from './lease-file.js';
import { WriterRecord, writerRecordPath } from './writer-record.js';

interface StateFile {
  version: 1;
  size: number;
  range: { size: number; hashes: string[] };
}

export interface PosixOptions {
  /** Fault injection at each durable step (the kill test). */
  hooks?: DurabilityHooks;
  /**
   * The signing key the writer holds, from the operator's own configuration:
   * its writer's record is kept beside it. Without it, the key named in
   * log.json is looked for (log.json is published: whoever writes the log's
   * folder could point it elsewhere, so a writer that knows its key says so).
   */
  keyPath?: string;
}

// ---------------------------------------------------------------------------
// The files of a log
// ---------------------------------------------------------------------------

function readJson<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LogError(
      code === 'ENOENT'
        ? `${what} ${path} not found (is this a log made by \`tally log init\`?)`
        : `${what} ${path}: ${(e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new LogError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export function readConfig(dir: string): LogConfig {
  const c = readJson<LogConfig>(join(dir, CONFIG), 'log configuration');
  if (
    typeof c !== 'object' ||
    c === null ||
    c.version !== 1 ||
    typeof c.origin !== 'string' ||
    typeof c.verifier_key !== 'string' ||
    typeof c.signer_key !== 'string'
  ) {
    throw new LogError(`${join(dir, CONFIG)}: not a version 1 log configuration`);
  }
  return c;
}

/** The committed tree of the log in DIR (DIR/state.json), read synchronously (the audit of a directory). */
export function readState(dir: string): CompactRange {
  const s = readJson<StateFile>(join(dir, STATE), 'log state');
  try {
    if (s.version !== 1 || s.range?.size !== s.size) throw new Error('version or size mismatch');
    return CompactRange.fromJSON(s.range);
  } catch (e) {
    throw new AuditError(STATE, `not a valid log state: ${(e as Error).message}`);
  }
}

function stateJson(range: CompactRange): string {
  const s: StateFile = { version: 1, size: range.size, range: range.toJSON() };
  return `${JSON.stringify(s)}\n`;
}

/** True when DIR looks like a log (has log.json). */
export function isLogDir(dir: string): boolean {
  try {
    return statSync(join(dir, CONFIG)).isFile();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Tiles
// ---------------------------------------------------------------------------

export class PosixTileStore implements TileStore {
  readonly dir: string;
  readonly #hooks: DurabilityHooks;
  /** Directories known to exist (the writer's; they are never removed). */
  readonly #knownDirs = new Set<string>();

  constructor(dir: string, hooks: DurabilityHooks = {}) {
    this.dir = dir;
    this.#hooks = hooks;
  }

  read(path: string): Uint8Array {
    return readFileSync(join(this.dir, path));
  }

  has(path: string): boolean {
    return existsSync(join(this.dir, path));
  }

  /**
   * Written in place (see the top of this file): every file, and every
   * directory with a new name, synced at once. Only the lease calls it.
   */
  async write(files: readonly StoredFile[]): Promise<void> {
    if (files.length === 0) return;
    const dirsToSync = await prepareDirs(
      this.dir,
      files.map((f) => f.path),
      this.#knownDirs,
    );
    const handles: FileHandle[] = [];
    try {
      // Create (or truncate) every file first, so that the directory syncs below cover their names.
      const opened = await Promise.allSettled(files.map((f) => open(join(this.dir, f.path), 'w', 0o644)));
      for (const r of opened) if (r.status === 'fulfilled') handles.push(r.value);
      for (const r of opened) if (r.status === 'rejected') throw r.reason;
      await Promise.all([
        ...files.map(async (f, i) => {
          await handles[i].writeFile(f.data);
          await this.#hooks.afterWrite?.('tiles');
          await handles[i].datasync();
        }),
        ...[...dirsToSync].map((d) => fsyncDir(d)),
      ]);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
    await this.#hooks.afterSync?.('tiles');
  }
}

/** The HashAt of the tree of `size` served by the tiles in DIR. */
export function hashAtFromDir(dir: string, size: number): HashAt {
  return hashAtFromStore(new PosixTileStore(dir), size);
}

// ---------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------

export class PosixCheckpointStore implements CheckpointStore {
  readonly #dir: string;
  readonly #hooks: DurabilityHooks;

  constructor(dir: string, hooks: DurabilityHooks = {}) {
    this.#dir = dir;
    this.#hooks = hooks;
  }

  readCurrent(): string {
    return readFileSync(join(this.#dir, CHECKPOINT), 'utf8');
  }

  listArchived(): string[] {
    try {
      return readdirSync(join(this.#dir, CHECKPOINTS));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return [];
    }
  }

  readArchived(name: string): string {
    return readFileSync(join(this.#dir, archivedCheckpointPath(name)), 'utf8');
  }

  async publish(size: number, note: string): Promise<void> {
    const tmp = join(this.#dir, TMP);
    await writeAtomic(this.#dir, tmp, [{ path: archivedCheckpointPath(size), data: note }], 'checkpoint', this.#hooks);
    await writeAtomic(this.#dir, tmp, [{ path: CHECKPOINT, data: note }], 'checkpoint', this.#hooks);
  }
}

// ---------------------------------------------------------------------------
// Sequencing: state.json, the lease, the writer's record
// ---------------------------------------------------------------------------

export class PosixSequencer implements Sequencer {
  readonly #dir: string;
  readonly #config: LogConfig;
  readonly #hooks: DurabilityHooks;
  readonly #tiles: PosixTileStore;
  readonly #keyPath: string;

  constructor(dir: string, config: LogConfig, tiles: PosixTileStore, opts: PosixOptions = {}) {
    this.#dir = dir;
    this.#config = config;
    this.#hooks = opts.hooks ?? {};
    this.#tiles = tiles;
    this.#keyPath = resolve(opts.keyPath ?? resolve(dir, config.signer_key));
  }

  async committed(): Promise<CompactRange> {
    return readState(this.#dir);
  }

  /**
   * Where the writer's record is kept: beside the signing key, when the key
   * is here (a reader without it keeps none). The key must be this log's.
   */
  recordPath(): string | null {
    if (!existsSync(this.#keyPath)) return null;
    readSigningKey(this.#keyPath, this.#config);
    return writerRecordPath(this.#keyPath, this.#dir);
  }

  async acquire(): Promise<SequencerLease> {
    const lock = join(this.#dir, LOCK);
    takeLock(lock, this.#dir);
    try {
      rmSync(join(this.#dir, TMP), { recursive: true, force: true });
      mkdirSync(join(this.#dir, TMP), { recursive: true });
      // The committed tree is checked against its tiles before anything is recovered from it.
      const range = readState(this.#dir);
      const hashAt = hashAtFromStore(this.#tiles, range.size);
      const fromTiles = treeRoot(range.size, hashAt);
      if (!bytesEqual(fromTiles, range.root()))
        throw new AuditError(
          STATE,
          `the tiles give root ${encodeBase64(fromTiles)} for size ${range.size}, but the state says ${encodeBase64(range.root())}`,
        );
      const path = this.recordPath();
      const record =
        path === null
          ? null
          : await WriterRecord.openForWriter(path, this.#config.verifier_key, range.size, (i) => hashAt(0, i));
      return new PosixLease(this.#dir, lock, this.#tiles, record, this.#hooks);
    } catch (e) {
      releaseLock(lock);
      throw e;
    }
  }

  async appendedByWriter(begin: number, end: number): Promise<AppendedEntry[] | null> {
    const path = this.recordPath();
    const record = path === null ? null : WriterRecord.openForReader(path, this.#config.verifier_key);
    if (record === null) return null;
    try {
      return record.read(begin, end);
    } finally {
      record.close();
    }
  }
}

class PosixLease implements SequencerLease {
  readonly #dir: string;
  readonly #lock: string;
  readonly #hooks: DurabilityHooks;
  readonly #tiles: PosixTileStore;
  #record: WriterRecord | null;
  #released = false;

  constructor(dir: string, lock: string, tiles: PosixTileStore, record: WriterRecord | null, hooks: DurabilityHooks) {
    this.#dir = dir;
    this.#lock = lock;
    this.#tiles = tiles;
    this.#record = record;
    this.#hooks = hooks;
  }

  async stage(
    from: CompactRange,
    to: CompactRange,
    leaves: readonly Uint8Array[],
    tiles: readonly StoredFile[],
  ): Promise<void> {
    if (this.#released) throw new LogError('the lease on the log was released');
    const writeState = async (): Promise<void> => {
      const fh = await open(join(this.#dir, TMP, STATE), 'w', 0o644);
      try {
        await fh.writeFile(stateJson(to));
        await this.#hooks.afterWrite?.('state');
        await fh.datasync();
      } finally {
        await fh.close();
      }
    };
    // The record first: its write and sync then run beside the tiles' instead of queueing behind them.
    await settleAll([this.#record?.stage(from.size, leaves, this.#hooks), this.#tiles.write(tiles), writeState()]);
  }

  async commit(): Promise<void> {
    await this.#hooks.beforeCommit?.();
    try {
      await rename(join(this.#dir, TMP, STATE), join(this.#dir, STATE));
    } catch (e) {
      this.#record?.abandon();
      throw e;
    }
    this.#record?.committed();
    await this.#hooks.afterRename?.('state');
    await fsyncDir(this.#dir);
    await this.#hooks.afterCommit?.();
  }

  async appendedByWriter(begin: number, end: number): Promise<AppendedEntry[] | null> {
    return this.#record?.read(begin, end) ?? null;
  }

  async rewind(to: CompactRange): Promise<void> {
    if (this.#released) throw new LogError('the lease on the log was released');
    const committed = readState(this.#dir);
    if (to.size > committed.size)
      throw new LogError(`cannot rewind the log to size ${to.size}: it holds ${committed.size} entries`);
    await writeAtomic(this.#dir, join(this.#dir, TMP), [{ path: STATE, data: stateJson(to) }], 'state', this.#hooks);
    this.#record?.cut(to.size);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#record?.close();
    this.#record = null;
    releaseLock(this.#lock);
  }
}

/** Waits for every promise; then throws the first failure, if any (none is left running unawaited). */
export async function settleAll(ps: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const rs = await Promise.allSettled(ps);
  for (const r of rs) if (r.status === 'rejected') throw r.reason;
}

// ---------------------------------------------------------------------------
// Creating and opening
// ---------------------------------------------------------------------------

/**
 * Creates the files of an empty log in DIR (size 0, no checkpoint yet), and
 * starts an empty writer's record beside the signing key when it is there.
 */
export async function createPosixLog(dir: string, config: LogConfig, opts: PosixOptions = {}): Promise<void> {
  const hooks = opts.hooks ?? {};
  mkdirSync(join(dir, TMP), { recursive: true });
  mkdirSync(join(dir, CHECKPOINTS), { recursive: true });
  mkdirSync(join(dir, TILES), { recursive: true });
  const keyPath = resolve(opts.keyPath ?? resolve(dir, config.signer_key));
  if (existsSync(keyPath)) await WriterRecord.reset(writerRecordPath(keyPath, dir), config.verifier_key);
  await writeAtomic(dir, join(dir, TMP), [{ path: STATE, data: stateJson(new CompactRange()) }], 'init', hooks);
  await writeAtomic(
    dir,
    join(dir, TMP),
    [{ path: CONFIG, data: `${JSON.stringify(config, null, 2)}\n` }],
    'init',
    hooks,
  );
}

/** Opens the log in DIR with the files driver. Throws LogError when DIR holds no log. */
export function openPosixStorage(dir: string, opts: PosixOptions = {}): LogStorage {
  const hooks = opts.hooks ?? {};
  const config = readConfig(dir);
  const tiles = new PosixTileStore(dir, hooks);
  return {
    dir,
    config,
    tiles,
    checkpoints: new PosixCheckpointStore(dir, hooks),
    sequencer: new PosixSequencer(dir, config, tiles, opts),
  };
}
