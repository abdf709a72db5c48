/**
 * The log on disk: a C2SP tlog-tiles v0.1.0 tree that can be served as
 * static files, with signed checkpoints and tlog-proof receipts.
 *
 *   DIR/log.json               origin, verifier key, where the signing key is (not published material)
 *   DIR/state.json             the commit point: size and compact range of the committed tree
 *   DIR/checkpoint             the current signed checkpoint (tlog-checkpoint, cosignatures appended)
 *   DIR/checkpoints/<size>     every checkpoint ever published (audit checks them all)
 *   DIR/tile/<L>/<N>[.p/<W>]   hash tiles, exactly as tlog-tiles lays them out
 *   DIR/tile/entries/<N>[.p/<W>]  entry bundles
 *   DIR/index.sqlite           the query index (store.ts), rebuildable from the tiles
 *   DIR/.tmp/                  temporary files of a write in progress
 *   DIR/../<origin-slug>.key   the Ed25519 signing key (mode 0600), never under DIR
 *
 * Durability. An append writes the new entry bundles and hash tiles, and the
 * new state as DIR/.tmp/state.json, then fsyncs all of them and every
 * directory that got a new name, all at once (overlapping syncs, which the
 * file system groups into few journal commits), and only then renames the
 * new state over state.json and fsyncs DIR. state.json is the commit point:
 * what it does not cover does not exist. A tile is only ever written when it
 * is new or wider than at the committed size, so no path that any committed
 * size (past or present) publishes is ever written again; the new tiles are
 * therefore written in place, not through temporary files: until the commit
 * they are orphans that no state covers. A writer killed at any instant
 * leaves either the old state or the new one, each with every tile it needs
 * on disk; tiles beyond the state (orphans of the killed write) are ignored
 * and overwritten by the next append. One writer at a time (DIR/.lock).
 */

import {
  closeSync,
  constants as fsc,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bytesEqual,
  CompactRange,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootFromInclusionProof,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
  type HashAt,
} from './merkle.js';
import {
  decodeEntryBundle,
  decodeTile,
  encodeEntryBundle,
  encodeTile,
  entriesPath,
  entryBundlesForSize,
  hashAtFromTiles,
  hashesAtLevel,
  MAX_ENTRY_SIZE,
  TILE_HEIGHT,
  TILE_WIDTH,
  tilePath,
  tilesForSize,
  TileError,
} from './tiles.js';
import {
  decodeBase64Strict,
  encodeBase64,
  generateKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  type Ed25519NoteSigner,
  type NoteVerifier,
} from './note.js';
import {
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
  type OpenedCheckpoint,
} from './checkpoint.js';
import { cosignCheckpoint, type CosignerKey } from './cosignature.js';
import { isCanonicalEntry } from './entries.js';

/** A log that cannot be opened, written or read as asked (bad input, a missing file, a damaged log). */
export class LogError extends Error {
  override name = 'LogError';
}

/** An inconsistency found by `auditLog` or `verifyLog`; `where` names the file (tile, bundle, checkpoint, state). */
export class AuditError extends Error {
  override name = 'AuditError';
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
  }
}

export interface LogConfig {
  version: 1;
  origin: string;
  /** The log's verifier key, `name+id+base64`. */
  verifier_key: string;
  /** The signing key file: relative to DIR, or absolute. */
  signer_key: string;
}

interface StateFile {
  version: 1;
  size: number;
  range: { size: number; hashes: string[] };
}

const CONFIG = 'log.json';
const STATE = 'state.json';
const CHECKPOINT = 'checkpoint';
const CHECKPOINTS = 'checkpoints';
const TMP = '.tmp';
const LOCK = '.lock';

// ---------------------------------------------------------------------------
// The kill-test hook: TALLY_LOG_TEST_SLOW_MS=N sleeps up to N ms inside each
// durable step (after write, after fsync, between renames, before the commit)
// so that a SIGKILL lands there; TALLY_LOG_TEST_PHASES=1 reports each step on
// stderr ("phase <name>").
// ---------------------------------------------------------------------------

const SLOW_MS = Number(process.env.TALLY_LOG_TEST_SLOW_MS ?? 0) || 0;
const PHASES = process.env.TALLY_LOG_TEST_PHASES === '1';

async function step(phase: string): Promise<void> {
  if (PHASES) writeSync(2, `phase ${phase}\n`);
  if (SLOW_MS > 0) await sleep(Math.random() * SLOW_MS);
}

// ---------------------------------------------------------------------------
// Durable writes
// ---------------------------------------------------------------------------

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, fsc.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Runs f(0..n-1) with at most `width` in flight. */
async function pool(n: number, width: number, f: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await f(next++);
  };
  await Promise.all(Array.from({ length: Math.min(n, width) }, worker));
}

interface FileWrite {
  /** Path relative to DIR. */
  path: string;
  data: Uint8Array | string;
}

/**
 * Creates the parent directories of `paths` (relative to DIR) and returns
 * the directories whose entries must be fsynced for new names in them to
 * last: each parent, and for every directory created, the one above it.
 * `known` (directories known to exist, kept by the writer) saves the mkdir
 * calls for directories already there; it is updated.
 */
async function prepareDirs(dir: string, paths: readonly string[], known?: Set<string>): Promise<Set<string>> {
  const dirsToSync = new Set<string>();
  for (const parent of new Set(paths.map((p) => dirname(join(dir, p))))) {
    dirsToSync.add(parent);
    if (known?.has(parent)) continue;
    const first = await mkdir(parent, { recursive: true });
    if (first !== undefined) {
      // Every directory created, and the one above the first, must be synced for the new names to last.
      for (let d = parent; ; d = dirname(d)) {
        dirsToSync.add(dirname(d));
        if (d === first || d === dirname(d)) break;
      }
    }
    known?.add(parent);
  }
  return dirsToSync;
}

/**
 * Writes files atomically and durably: each to a temporary file in DIR/.tmp,
 * fsynced, then renamed into place in the given order, then every directory
 * touched fsynced. Nothing is half-written at any instant.
 */
async function writeDurable(dir: string, files: readonly FileWrite[], label: string): Promise<void> {
  if (files.length === 0) return;
  const tmpDir = join(dir, TMP);
  const dirsToSync = await prepareDirs(
    dir,
    files.map((f) => f.path),
  );
  const tmps = files.map(() => join(tmpDir, `${randomBytes(8).toString('hex')}`));
  await pool(files.length, 32, async (i) => {
    const fh = await open(tmps[i], 'w', 0o644);
    try {
      await fh.writeFile(files[i].data);
      await step(`${label}:written`);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  });
  await step(`${label}:fsynced`);
  for (let i = 0; i < files.length; i++) {
    await rename(tmps[i], join(dir, files[i].path));
    await step(`${label}:renamed`);
  }
  const dirs = [...dirsToSync];
  await pool(dirs.length, 32, (i) => fsyncDir(dirs[i]));
  await step(`${label}:dirs-fsynced`);
}

/**
 * The durable write of one append: the batch's new tiles and bundles, then
 * the commit. None of the tile paths exists in the committed tree (a tile is
 * written only when it is new or wider than at the committed size, and a
 * path, once committed, is never written again), so they are written in
 * place: until the commit, whatever is there is an orphan that no state
 * covers, and the next append overwrites it. All the files and the new
 * state (as DIR/.tmp/state.json) are written, then every file and every
 * directory with a new name is synced at once (the syncs overlap, so the
 * file system can group them in a few journal commits instead of one per
 * file). Only then is the state renamed over DIR/state.json and DIR synced:
 * the commit. A kill before the rename leaves the old state; after it, the
 * new state, whose tiles are all on disk.
 */
async function writeBatch(dir: string, files: readonly FileWrite[], state: string, known: Set<string>): Promise<void> {
  const dirsToSync = await prepareDirs(
    dir,
    files.map((f) => f.path),
    known,
  );
  const all: FileWrite[] = [...files, { path: join(TMP, STATE), data: state }];
  const handles: FileHandle[] = [];
  try {
    // Create (or truncate) every file first, so that the directory syncs below cover their names.
    const opened = await Promise.allSettled(all.map((f) => open(join(dir, f.path), 'w', 0o644)));
    for (const r of opened) if (r.status === 'fulfilled') handles.push(r.value);
    for (const r of opened) if (r.status === 'rejected') throw r.reason;
    await Promise.all([
      ...all.map(async (f, i) => {
        await handles[i].writeFile(f.data);
        await step(i < files.length ? 'tiles:written' : 'commit:written');
        await handles[i].datasync();
      }),
      ...[...dirsToSync].map((d) => fsyncDir(d)),
    ]);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
  await step('tiles:fsynced');
  await step('commit:start');
  await rename(join(dir, TMP, STATE), join(dir, STATE));
  await step('commit:renamed');
  await fsyncDir(dir);
  await step('commit:dirs-fsynced');
}

// ---------------------------------------------------------------------------
// Files of a log
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

function readState(dir: string): CompactRange {
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

/** A file name for an origin: what is not [A-Za-z0-9._-] becomes '-'. */
export function originSlug(origin: string): string {
  return origin.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'log';
}

function isInside(parent: string, child: string): boolean {
  const r = relative(resolve(parent), resolve(child));
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** Reads tile (level, index) of `width` from DIR, falling back to the full tile (tlog-tiles allows deleting partial tiles). */
function tileReader(dir: string) {
  return (level: number, index: number, width: number): Uint8Array => {
    try {
      return readFileSync(join(dir, tilePath(level, index, width)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && width < TILE_WIDTH) {
        try {
          return readFileSync(join(dir, tilePath(level, index)));
        } catch {
          // report the partial tile
        }
      }
      throw new AuditError(tilePath(level, index, width), `cannot read the tile: ${(e as Error).message}`);
    }
  };
}

/** The HashAt of the tree of `size` served by the tiles in DIR. */
export function hashAtFromDir(dir: string, size: number): HashAt {
  return hashAtFromTiles(tileReader(dir), size);
}

function readBundle(dir: string, index: number, width: number): Uint8Array[] {
  const path = entriesPath(index, width);
  let data: Uint8Array;
  try {
    data = readFileSync(join(dir, path));
  } catch (e) {
    if (
      (e as NodeJS.ErrnoException).code === 'ENOENT' &&
      width < TILE_WIDTH &&
      existsSync(join(dir, entriesPath(index)))
    ) {
      return decodeEntryBundle(readFileSync(join(dir, entriesPath(index))), width, true);
    }
    throw new AuditError(path, `cannot read the entry bundle: ${(e as Error).message}`);
  }
  try {
    return decodeEntryBundle(data, width);
  } catch (e) {
    throw new AuditError(path, (e as Error).message);
  }
}

// ---------------------------------------------------------------------------
// Building tiles from appended leaves
// ---------------------------------------------------------------------------

/**
 * The right edge of the tile tree: per tile level, the hashes of its last
 * (partial) tile. `onNode` feeds it from CompactRange.append; completed full
 * tiles and the levels touched are collected for writing or checking.
 */
class TileEdge {
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

// ---------------------------------------------------------------------------
// The log
// ---------------------------------------------------------------------------

export interface InitOptions {
  origin: string;
  /** Where to keep the signing key (default: DIR/../<origin-slug>.key). Never under DIR. */
  keyPath?: string;
}

export interface InitResult {
  verifierKey: string;
  keyPath: string;
  /** True when an existing key file at keyPath was used. */
  reusedKey: boolean;
}

/** The signed checkpoint of a log, from `Log.checkpoint`. */
export interface CheckpointResult {
  note: string;
  size: number;
  root: Uint8Array;
  /** True when the current checkpoint already had this size and root (nothing was written). */
  unchanged: boolean;
}

export class Log {
  readonly dir: string;
  readonly config: LogConfig;
  #range: CompactRange;
  #edge: Uint8Array[][];
  #bundleEdge: Uint8Array[];
  #locked = false;
  /** Directories known to exist (the writer's; they are never removed). */
  #knownDirs = new Set<string>();

  private constructor(
    dir: string,
    config: LogConfig,
    range: CompactRange,
    edge: Uint8Array[][],
    bundleEdge: Uint8Array[],
  ) {
    this.dir = dir;
    this.config = config;
    this.#range = range;
    this.#edge = edge;
    this.#bundleEdge = bundleEdge;
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
    let signer: Ed25519NoteSigner;
    let reusedKey = false;
    if (existsSync(keyPath)) {
      signer = parseSignerKey(readFileSync(keyPath, 'utf8').trim());
      if (signer.name !== origin)
        throw new LogError(
          `the key in ${keyPath} is named ${JSON.stringify(signer.name)}, not the origin ${JSON.stringify(origin)}`,
        );
      reusedKey = true;
    } else {
      let k: { signerKey: string; verifierKey: string };
      try {
        k = generateKey(origin);
      } catch (e) {
        throw new LogError(`origin ${JSON.stringify(origin)} cannot name a signing key: ${(e as Error).message}`);
      }
      mkdirSync(dirname(keyPath), { recursive: true });
      const fd = openSync(keyPath, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      try {
        writeSync(fd, `${k.signerKey}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      signer = parseSignerKey(k.signerKey);
    }
    mkdirSync(join(dir, TMP), { recursive: true });
    mkdirSync(join(dir, CHECKPOINTS), { recursive: true });
    mkdirSync(join(dir, 'tile'), { recursive: true });
    const keyRel = relative(resolve(dir), keyPath);
    const config: LogConfig = {
      version: 1,
      origin,
      verifier_key: signer.verifierKey(),
      signer_key: keyRel.split(sep).join('/'),
    };
    await writeDurable(dir, [{ path: STATE, data: stateJson(new CompactRange()) }], 'init');
    await writeDurable(dir, [{ path: CONFIG, data: `${JSON.stringify(config, null, 2)}\n` }], 'init');
    const log = await Log.open(dir);
    try {
      await log.checkpoint(signer);
    } finally {
      log.close();
    }
    return { verifierKey: config.verifier_key, keyPath, reusedKey };
  }

  /**
   * Opens the log in DIR. With `write`, takes the writer lock and clears
   * the temporary files of a killed writer. The committed state and the
   * tiles at its right edge are read and checked against each other.
   */
  static async open(dir: string, opts: { write?: boolean } = {}): Promise<Log> {
    const config = readConfig(dir);
    const range = readState(dir);
    const size = range.size;
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
        edge.push(decodeTile(readFileSync(join(dir, path)), w).map((h) => Uint8Array.from(h)));
      } catch (e) {
        throw new AuditError(
          path,
          `the edge tile of the committed tree (size ${size}) is unreadable: ${(e as Error).message}`,
        );
      }
    }
    const bw = size % TILE_WIDTH;
    const bundleEdge =
      bw === 0 ? [] : readBundle(dir, Math.floor(size / TILE_WIDTH), bw).map((e) => Uint8Array.from(e));
    const log = new Log(dir, config, range, edge, bundleEdge);
    // The tiles must give the committed root (a few tile reads).
    const fromTiles = treeRoot(size, hashAtFromDir(dir, size));
    if (!bytesEqual(fromTiles, range.root())) {
      throw new AuditError(
        STATE,
        `the tiles give root ${encodeBase64(fromTiles)} for size ${size}, but the state says ${encodeBase64(range.root())}`,
      );
    }
    if (opts.write) {
      log.#lock();
      rmSync(join(dir, TMP), { recursive: true, force: true });
      mkdirSync(join(dir, TMP), { recursive: true });
    }
    return log;
  }

  #lock(): void {
    const path = join(this.dir, LOCK);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.#locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number(readFileSync(path, 'utf8'));
        let alive = false;
        if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid) {
          try {
            process.kill(pid, 0);
            alive = true;
          } catch (k) {
            alive = (k as NodeJS.ErrnoException).code === 'EPERM';
          }
        }
        if (alive) throw new LogError(`the log ${this.dir} is being written by process ${pid} (${path})`);
        unlinkSync(path); // a writer that died
      }
    }
    throw new LogError(`cannot take the writer lock ${path}`);
  }

  /** Releases the writer lock. */
  close(): void {
    if (this.#locked) {
      try {
        unlinkSync(join(this.dir, LOCK));
      } catch {
        // already gone
      }
      this.#locked = false;
    }
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
    if (!this.#locked) throw new LogError('the log was not opened for writing');
    entries.forEach((e, i) => {
      if (!(e instanceof Uint8Array)) throw new LogError(`entry ${i} is not bytes`);
      if (e.length > MAX_ENTRY_SIZE)
        throw new LogError(`entry ${i} is ${e.length} bytes; a log entry holds at most ${MAX_ENTRY_SIZE} bytes`);
    });
    const first = this.size;
    if (entries.length === 0) return [];
    const range = this.#range.clone();
    const edge = new TileEdge(first, this.#edge);
    const bundleFull: { index: number; entries: Uint8Array[] }[] = [];
    let bundle = [...this.#bundleEdge];
    let bundleIndex = Math.floor(first / TILE_WIDTH);
    for (const e of entries) {
      range.append(leafHash(e), edge.onNode);
      bundle.push(e);
      if (bundle.length === TILE_WIDTH) {
        bundleFull.push({ index: bundleIndex, entries: bundle });
        bundle = [];
        bundleIndex++;
      }
    }
    const partial: FileWrite[] = [];
    const full: FileWrite[] = [];
    if (bundle.length > 0)
      partial.push({ path: entriesPath(bundleIndex, bundle.length), data: encodeEntryBundle(bundle) });
    for (const b of bundleFull) full.push({ path: entriesPath(b.index), data: encodeEntryBundle(b.entries) });
    for (const t of edge.partials())
      partial.push({ path: tilePath(t.level, t.index, t.hashes.length), data: encodeTile(t.hashes) });
    for (const t of edge.full) full.push({ path: tilePath(t.level, t.index), data: encodeTile(t.hashes) });
    await writeBatch(this.dir, [...partial, ...full], stateJson(range), this.#knownDirs);
    this.#range = range;
    this.#edge = edge.edges();
    this.#bundleEdge = bundle;
    return entries.map((_, i) => first + i);
  }

  /** The entry at `index` of the committed tree. */
  entry(index: number): Uint8Array {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size)
      throw new LogError(`no entry ${index}: the log has ${this.size} entries`);
    const n = Math.floor(index / TILE_WIDTH);
    const width = Math.min(TILE_WIDTH, this.size - n * TILE_WIDTH);
    return readBundle(this.dir, n, width)[index % TILE_WIDTH];
  }

  /** Calls `f` for each entry in [begin, end), bundle by bundle. */
  forEachEntry(begin: number, end: number, f: (index: number, entry: Uint8Array) => void): void {
    end = Math.min(end, this.size);
    for (let n = Math.floor(begin / TILE_WIDTH); n * TILE_WIDTH < end; n++) {
      const width = Math.min(TILE_WIDTH, this.size - n * TILE_WIDTH);
      const b = readBundle(this.dir, n, width);
      for (let j = 0; j < b.length; j++) {
        const i = n * TILE_WIDTH + j;
        if (i >= begin && i < end) f(i, b[j]);
      }
    }
  }

  /** The HashAt of the committed tree (or of a smaller size) from the tiles. */
  hashAt(size = this.size): HashAt {
    if (size > this.size) throw new LogError(`size ${size} is beyond the log's ${this.size}`);
    return hashAtFromDir(this.dir, size);
  }

  /** The log's signer from its key file (or `keyPath`), checked against the log's verifier key. */
  signer(keyPath?: string): Ed25519NoteSigner {
    const path = keyPath ?? resolve(this.dir, this.config.signer_key);
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw new LogError(`cannot read the log's signing key ${path}: ${(e as Error).message}`);
    }
    const s = parseSignerKey(text);
    if (s.verifierKey() !== this.config.verifier_key)
      throw new LogError(`the key in ${path} is not this log's key (${this.config.verifier_key})`);
    return s;
  }

  /** The current checkpoint note, or null when none is published. */
  currentCheckpoint(): string | null {
    try {
      return readFileSync(join(this.dir, CHECKPOINT), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  /**
   * Signs and publishes a checkpoint of the committed tree: written to
   * DIR/checkpoints/<size>, then to DIR/checkpoint. When the current one
   * already has this size and root, nothing is written (its cosignatures stay).
   */
  async checkpoint(signer: Ed25519NoteSigner = this.signer()): Promise<CheckpointResult> {
    const size = this.size;
    const root = this.root();
    const cur = this.currentCheckpoint();
    if (cur !== null) {
      const c = openCheckpoint(cur, parseVerifierKey(this.config.verifier_key), { origin: this.origin });
      if (c.size === size && bytesEqual(c.root, root)) return { note: cur, size, root, unchanged: true };
      if (c.size > size) throw new LogError(`the current checkpoint has size ${c.size}, beyond the log's ${size}`);
    }
    const note = signCheckpoint({ origin: this.origin, size, root, extensions: [] }, signer);
    await writeDurable(this.dir, [{ path: `${CHECKPOINTS}/${size}`, data: note }], 'checkpoint');
    await writeDurable(this.dir, [{ path: CHECKPOINT, data: note }], 'checkpoint');
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
    const proof = inclusionProof(index, cp.size, hashAtFromDir(this.dir, cp.size));
    return formatTlogProof({
      index,
      proof,
      checkpoint: note,
      extra: opts.extra === false ? undefined : this.entry(index),
    });
  }
}

// ---------------------------------------------------------------------------
// tlog-proof (c2sp.org/tlog-proof@v1)
// ---------------------------------------------------------------------------

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface TlogProof {
  index: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  checkpoint: string;
  /** Opaque extra data: Tally puts the entry's bytes here. */
  extra?: Uint8Array;
}

/**
 * Formats a tlog-proof:
 *   c2sp.org/tlog-proof@v1\n[extra <base64>\n]index <n>\n<base64 hash>\n...\n\n<checkpoint note>
 */
export function formatTlogProof(p: TlogProof): string {
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra !== undefined) lines.push(`extra ${encodeBase64(p.extra)}`);
  lines.push(`index ${p.index}`);
  for (const h of p.proof) lines.push(encodeBase64(h));
  return `${lines.join('\n')}\n\n${p.checkpoint}`;
}

/** Parses a tlog-proof strictly (header, canonical index, 32-byte canonical base64 hashes, a checkpoint); throws LogError. */
export function parseTlogProof(text: string): TlogProof {
  if (typeof text !== 'string') throw new LogError('tlog-proof: expected text');
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw new LogError('tlog-proof: no blank line before the checkpoint');
  const head = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (head[0] !== TLOG_PROOF_HEADER)
    throw new LogError(`tlog-proof: the first line must be ${JSON.stringify(TLOG_PROOF_HEADER)}`);
  let i = 1;
  let extra: Uint8Array | undefined;
  if (head[i]?.startsWith('extra ')) {
    const b = decodeBase64Strict(head[i].slice(6));
    if (b === null) throw new LogError('tlog-proof: the extra line is not canonical base64');
    extra = b;
    i++;
  }
  const m = /^index (0|[1-9][0-9]*)$/.exec(head[i] ?? '');
  if (!m) throw new LogError(`tlog-proof: line ${i + 1} must be "index <decimal, no leading zero>"`);
  const index = Number(m[1]);
  if (!Number.isSafeInteger(index)) throw new LogError(`tlog-proof: index ${m[1]} is beyond 2^53 - 1`);
  const proof: Uint8Array[] = [];
  for (i++; i < head.length; i++) {
    const h = decodeBase64Strict(head[i]);
    if (h === null || h.length !== 32 || head[i] === '')
      throw new LogError(`tlog-proof: line ${i + 1} is not a base64 32-byte hash`);
    proof.push(h);
  }
  if (proof.length > 64) throw new LogError('tlog-proof: more than 64 proof hashes');
  if (checkpoint.length === 0) throw new LogError('tlog-proof: no checkpoint after the blank line');
  return { index, proof, checkpoint, ...(extra !== undefined ? { extra } : {}) };
}

/**
 * Verifies a tlog-proof with the log's key: the checkpoint's signature, then
 * the inclusion of `entry` (or, without it, of the proof's extra data) at
 * the proof's index in the checkpointed tree. Returns the checkpoint and the
 * entry proven; throws (LogError, NoteError, CheckpointError, ProofError).
 */
export function verifyTlogProof(
  text: string,
  log: NoteVerifier,
  opts: { entry?: Uint8Array; origin?: string; others?: readonly NoteVerifier[] } = {},
): { index: number; entry: Uint8Array; checkpoint: OpenedCheckpoint } {
  const p = parseTlogProof(text);
  const checkpoint = openCheckpoint(p.checkpoint, log, {
    ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
    ...(opts.others ? { others: opts.others } : {}),
  });
  const entry = opts.entry ?? p.extra;
  if (entry === undefined)
    throw new LogError('tlog-proof: no entry to check (the proof has no extra data and none was given)');
  if (opts.entry !== undefined && p.extra !== undefined && !bytesEqual(opts.entry, p.extra)) {
    throw new LogError("tlog-proof: the entry given differs from the entry in the proof's extra data");
  }
  verifyInclusion(leafHash(entry), p.index, checkpoint.size, p.proof, checkpoint.root);
  return { index: p.index, entry, checkpoint };
}

// ---------------------------------------------------------------------------
// Verify and audit
// ---------------------------------------------------------------------------

function verifierFor(dir: string, verifier?: NoteVerifier): { verifier: NoteVerifier; config: LogConfig } {
  const config = readConfig(dir);
  return { verifier: verifier ?? parseVerifierKey(config.verifier_key), config };
}

function openAt(where: string, note: string, verifier: NoteVerifier, origin: string): OpenedCheckpoint {
  try {
    return openCheckpoint(note, verifier, { origin });
  } catch (e) {
    throw new AuditError(where, `${(e as Error).message}`);
  }
}

/**
 * Checks DIR/checkpoint: its signature by `verifier` (default: the key in
 * log.json) and that the tiles give its root. Throws AuditError.
 */
export function verifyLog(dir: string, verifier?: NoteVerifier): OpenedCheckpoint {
  const v = verifierFor(dir, verifier);
  let note: string;
  try {
    note = readFileSync(join(dir, CHECKPOINT), 'utf8');
  } catch (e) {
    throw new AuditError(CHECKPOINT, `cannot read: ${(e as Error).message}`);
  }
  const cp = openAt(CHECKPOINT, note, v.verifier, v.config.origin);
  let root: Uint8Array;
  try {
    root = treeRoot(cp.size, hashAtFromDir(dir, cp.size));
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
  return cp;
}

export interface AuditReport {
  size: number;
  entries: number;
  tiles: number;
  bundles: number;
  checkpoints: number;
  current: { size: number; root: string } | null;
}

/**
 * Recomputes every entry bundle, hash tile and root of the committed tree
 * from the entries, compares each with the file on disk, and checks every
 * checkpoint ever published (signature, root at its size, consistency with
 * the current one). Stops at the first inconsistency: AuditError names the
 * file. Files beyond the committed state (orphans of a killed writer) are
 * not part of the log and are not read.
 */
export function auditLog(dir: string, opts: { verifier?: NoteVerifier; canonical?: boolean } = {}): AuditReport {
  const { verifier, config } = verifierFor(dir, opts.verifier);
  const state = readState(dir);
  const size = state.size;

  // Checkpoints: every published one, and the current one.
  const published: { where: string; cp: OpenedCheckpoint }[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, CHECKPOINTS));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  for (const name of names) {
    const where = `${CHECKPOINTS}/${name}`;
    if (!/^(0|[1-9][0-9]*)$/.test(name))
      throw new AuditError(where, 'not a checkpoint file name (the tree size in decimal)');
    const cp = openAt(where, readFileSync(join(dir, where), 'utf8'), verifier, config.origin);
    if (String(cp.size) !== name) throw new AuditError(where, `the checkpoint's size is ${cp.size}, not ${name}`);
    published.push({ where, cp });
  }
  published.sort((a, b) => a.cp.size - b.cp.size);
  let current: OpenedCheckpoint | null = null;
  if (existsSync(join(dir, CHECKPOINT))) {
    current = openAt(CHECKPOINT, readFileSync(join(dir, CHECKPOINT), 'utf8'), verifier, config.origin);
    const archived = published.find((p) => p.cp.size === current!.size);
    if (archived === undefined)
      throw new AuditError(CHECKPOINT, `size ${current.size} is not archived in ${CHECKPOINTS}/`);
    if (archived.cp.body !== current.body) throw new AuditError(CHECKPOINT, `differs from ${archived.where}`);
  } else if (published.length > 0) {
    throw new AuditError(CHECKPOINT, `missing, but ${published.length} checkpoint(s) were published`);
  }
  const all = [...published, ...(current ? [{ where: CHECKPOINT, cp: current }] : [])];
  for (const p of all) {
    if (p.cp.size > size)
      throw new AuditError(p.where, `size ${p.cp.size} is beyond the committed log (${size} entries in ${STATE})`);
  }
  const rootsAt = new Map<number, { where: string; cp: OpenedCheckpoint }[]>();
  for (const p of all) rootsAt.set(p.cp.size, [...(rootsAt.get(p.cp.size) ?? []), p]);
  // Partial tiles and bundles that published checkpoints refer to: checked as prefixes of the recomputed ones.
  const oldPartials = new Map<string, Set<number>>();
  for (const p of all) {
    for (const t of tilesForSize(p.cp.size))
      if (t.width < TILE_WIDTH) addTo(oldPartials, `${t.level}/${t.index}`, t.width);
    const w = p.cp.size % TILE_WIDTH;
    if (w > 0) addTo(oldPartials, `entries/${Math.floor(p.cp.size / TILE_WIDTH)}`, w);
  }

  // A checkpoint whose root differs is reported after the tiles, which say more precisely where the change is.
  let rootMismatch: AuditError | null = null;
  const checkRoot = (range: CompactRange): void => {
    for (const p of rootsAt.get(range.size) ?? []) {
      const r = range.root();
      if (!bytesEqual(r, p.cp.root) && rootMismatch === null) {
        rootMismatch = new AuditError(
          p.where,
          `root ${encodeBase64(p.cp.root)} for size ${p.cp.size} does not match the root recomputed from the entries, ${encodeBase64(r)}`,
        );
      }
    }
  };

  let tiles = 0;
  const compareTile = (level: number, index: number, hashes: Uint8Array[]): void => {
    const path = tilePath(level, index, hashes.length);
    const want = encodeTile(hashes);
    checkFile(
      dir,
      path,
      want,
      level === 0 ? `hash tile (or the entry bundle ${entriesPath(index, hashes.length)} it hashes)` : 'hash tile',
    );
    tiles++;
    for (const w of oldPartials.get(`${level}/${index}`) ?? []) {
      if (w >= hashes.length) continue;
      const p = tilePath(level, index, w);
      if (existsSync(join(dir, p))) {
        checkFile(dir, p, want.subarray(0, w * 32), 'hash tile of a published checkpoint');
        tiles++;
      }
    }
  };
  const edge = new TileEdge(0);
  let flushed = 0;
  const flushFull = (): void => {
    for (; flushed < edge.full.length; flushed++) {
      const t = edge.full[flushed];
      compareTile(t.level, t.index, t.hashes);
      t.hashes = [];
    }
  };

  const range = new CompactRange();
  checkRoot(range);
  let bundles = 0;
  for (const b of entryBundlesForSize(size)) {
    const entries = readBundle(dir, b.index, b.width);
    bundles++;
    if (opts.canonical !== false) {
      entries.forEach((e, j) => {
        if (!isCanonicalEntry(e))
          throw new AuditError(b.path, `entry ${b.index * TILE_WIDTH + j} is not RFC 8785 canonical JSON`);
      });
    }
    for (const w of oldPartials.get(`entries/${b.index}`) ?? []) {
      if (w >= b.width) continue;
      const p = entriesPath(b.index, w);
      if (existsSync(join(dir, p))) {
        checkFile(dir, p, encodeEntryBundle(entries.slice(0, w)), 'entry bundle of a published checkpoint');
        bundles++;
      }
    }
    for (const e of entries) {
      range.append(leafHash(e), edge.onNode);
      checkRoot(range);
    }
    flushFull();
  }
  for (const t of edge.levels.map((l, L) => ({ level: L, ...l }))) {
    if (t.hashes.length > 0) compareTile(t.level, t.index, t.hashes);
  }
  if (rootMismatch !== null) throw rootMismatch;
  if (!bytesEqual(range.root(), state.root()) || range.size !== state.size) {
    throw new AuditError(
      STATE,
      `the committed range's root ${encodeBase64(state.root())} is not the root recomputed from the entries, ${encodeBase64(range.root())}`,
    );
  }
  // Consistency of every published checkpoint with the current one, with proofs from the tiles.
  if (current !== null) {
    const top = Math.max(current.size, ...published.map((p) => p.cp.size));
    const hashAt = hashAtFromDir(dir, top);
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
  return {
    size,
    entries: size,
    tiles,
    bundles,
    checkpoints: published.length,
    current: current ? { size: current.size, root: encodeBase64(current.root) } : null,
  };
}

function addTo(m: Map<string, Set<number>>, key: string, v: number): void {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  s.add(v);
}

function checkFile(dir: string, path: string, want: Uint8Array, what: string): void {
  let got: Uint8Array;
  try {
    got = readFileSync(join(dir, path));
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

// ---------------------------------------------------------------------------
// Cosigning
// ---------------------------------------------------------------------------

export interface CosignResult {
  note: string;
  checkpoint: Checkpoint;
  /** Size of the cosigner's last checkpoint (null: first time). */
  previousSize: number | null;
  /** True when the current checkpoint already carried this cosigner's signature. */
  already: boolean;
}

/**
 * A cosigner's step on DIR: opens the current checkpoint with the log's key
 * (`logVerifier`, default from log.json), checks that the tiles give its
 * root and that it extends the cosigner's last checkpoint (the note in
 * `statePath`, if any) with a consistency proof from the tiles, then adds the
 * cosignature to DIR/checkpoint and DIR/checkpoints/<size> and records the
 * note in `statePath`. Refuses (throws) a rollback or a split view.
 */
export async function cosignLog(
  dir: string,
  key: CosignerKey,
  statePath: string,
  opts: { logVerifier?: NoteVerifier; timeSec?: number } = {},
): Promise<CosignResult> {
  const { verifier, config } = verifierFor(dir, opts.logVerifier);
  const cp = verifyLog(dir, verifier);
  const note = readFileSync(join(dir, CHECKPOINT), 'utf8');
  let last: Checkpoint | undefined;
  if (existsSync(statePath)) {
    try {
      last = openCheckpoint(readFileSync(statePath, 'utf8'), verifier, { origin: config.origin });
    } catch (e) {
      throw new LogError(`cosigner state ${statePath}: ${(e as Error).message}`);
    }
  }
  let proof: Uint8Array[] = [];
  if (last !== undefined && last.size > 0 && last.size < cp.size)
    proof = consistencyProof(last.size, cp.size, hashAtFromDir(dir, cp.size));
  const mine = parseNote(note).lines.some((l) => l.name === key.name && l.keyId === key.keyId);
  let out = note;
  if (!mine) {
    out = cosignCheckpoint({
      note,
      log: verifier,
      key,
      timeSec: opts.timeSec ?? Math.floor(Date.now() / 1000),
      proof,
      origin: config.origin,
      ...(last ? { last } : {}),
    }).note;
    await writeDurable(dir, [{ path: `${CHECKPOINTS}/${cp.size}`, data: out }], 'cosign');
    await writeDurable(dir, [{ path: CHECKPOINT, data: out }], 'cosign');
  } else if (last) {
    cosignCheckpoint({ note, log: verifier, key, timeSec: 0, proof, origin: config.origin, last }); // the same checks
  }
  const sdir = dirname(resolve(statePath));
  mkdirSync(sdir, { recursive: true });
  const tmp = `${statePath}.tmp-${process.pid}`;
  writeFileSync(tmp, out);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  const { renameSync } = await import('node:fs');
  renameSync(tmp, statePath);
  await fsyncDir(sdir);
  return { note: out, checkpoint: cp, previousSize: last ? last.size : null, already: mine };
}

/** The root the inclusion proof in a tlog-proof leads to, for tests and tools. */
export function tlogProofRoot(p: TlogProof, entry: Uint8Array, size: number): Uint8Array {
  return rootFromInclusionProof(leafHash(entry), p.index, size, p.proof);
}

/** True when DIR looks like a log (has log.json). */
export function isLogDir(dir: string): boolean {
  try {
    return statSync(join(dir, CONFIG)).isFile();
  } catch {
    return false;
  }
}
