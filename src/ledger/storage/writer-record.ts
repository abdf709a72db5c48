/**
 * The writer's own record of what it appended, kept by the files driver
 * beside the signing key (never in the published directory), so that the
 * operator can tell the entries it appended from entries someone else put
 * in the tiles, even after a crash between an append and its checkpoint.
 *
 *   KEYDIR/<key file>.appended-<16 hex digits>
 *
 * The digits are the start of the SHA-256 of the log directory's path
 * relative to KEYDIR, both with symbolic links resolved: one record per log
 * and key (two logs may share a key), found again when the case folder
 * moves as a whole, and never a name too long for the file system.
 *
 *   header  48 bytes  "TALLYWR1", SHA-256 of the log's verifier key,
 *                     records verified (uint64, big-endian; see below)
 *   record  40 bytes  index (uint64, big-endian), the entry's RFC 9162 leaf hash
 *
 * The record is as trustworthy as the key's folder, and held to the same
 * rules: its place comes from the key the writer was given, never from the
 * published log.json; it is opened without following a symbolic link, and
 * refused when another user owns it or others may read or write it (mode
 * 600, as the key). Whoever can write that folder can also take the key; a
 * record deleted makes the writer's entries look foreign, so tampering is
 * reported, never hidden. (A tag per record keyed from the signing key was
 * measured: it costs more than a tenth of an append.)
 *
 * Records are in increasing index order; indices have gaps where entries
 * were appended by someone else (a writer without the key). Each append's
 * records are written and fsynced before its commit. When a writer takes
 * the lease, records beyond the committed tree (an append that never
 * committed) are cut off, and the records added since the last writer
 * verified them are checked against the committed tree's leaves: from the
 * first whose leaf differs (an append staged by a writer that died, whose
 * indices another writer then filled), the rest are cut off too. The count
 * of verified records is kept in the header: saved when the lease is
 * taken and when the writer closes, not synced (a lost write only means
 * more records checked next time, against the tiles).
 */

import {
  closeSync,
  constants as fsc,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  realpathSync,
  writeSync,
} from 'node:fs';
import { write as writeCb, fdatasync as fdatasyncCb } from 'node:fs';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { basename, dirname, join, relative, sep } from 'node:path';
import { LogError } from '../errors.js';
import type { AppendedEntry, DurabilityHooks } from './interface.js';
import { replaceFile } from './durable.js';

const MAGIC = Buffer.from('TALLYWR1', 'latin1');
/** The header's identifying part: magic and key hash. */
const IDENT = 40;
const HEADER = 48;
const HASH = 32;
const RECORD = 8 + HASH;
/** Records read per system call. */
const CHUNK = 1024;

const writeAt = promisify(writeCb);
const fdatasync = promisify(fdatasyncCb);

/** Where the record of the log in `logDir` is kept for the key at `keyPath` (both must exist). */
export function writerRecordPath(keyPath: string, logDir: string): string {
  const key = realpathSync(keyPath);
  const keyDir = dirname(key);
  const rel = relative(keyDir, realpathSync(logDir)).split(sep).join('/') || '.';
  const id = createHash('sha256').update(rel).digest('hex').slice(0, 16);
  return join(keyDir, `${basename(key)}.appended-${id}`);
}

function ident(verifierKey: string): Buffer {
  return Buffer.concat([MAGIC, createHash('sha256').update(verifierKey).digest()]);
}

export class WriterRecord {
  readonly path: string;
  #fd: number;
  /** Records covered by the committed tree (the writer's), or found in the file (a reader's). */
  #count: number;
  /** Records of an append staged and not yet committed. */
  #staged = 0;
  /** Opened by the lease holder (the count of verified records is its to save). */
  #writer = false;

  private constructor(path: string, fd: number, count: number) {
    this.path = path;
    this.#fd = fd;
    this.#count = count;
  }

  /** Starts an empty record (a new log), replacing any left by an earlier log at the same place. */
  static async reset(path: string, verifierKey: string): Promise<void> {
    await replaceFile(path, Buffer.concat([ident(verifierKey), Buffer.alloc(8)]), 0o600);
  }

  /**
   * Opens the record for the lease holder, creating it (atomically) when
   * there is none, and recovers it against the committed tree: records at
   * or beyond `committedSize` are cut off, and the records not verified yet
   * are checked against `leafAt` (the committed tree's leaf hashes).
   */
  static async openForWriter(
    path: string,
    verifierKey: string,
    committedSize: number,
    leafAt: (index: number) => Uint8Array,
  ): Promise<WriterRecord> {
    const id = ident(verifierKey);
    let fd = openRecord(path, fsc.O_RDWR);
    if (fd === null) {
      await WriterRecord.reset(path, verifierKey);
      fd = openRecord(path, fsc.O_RDWR)!;
    }
    try {
      const size = checkHeader(fd, path, id);
      const r = new WriterRecord(path, fd, Math.floor((size - HEADER) / RECORD));
      r.#writer = true;
      r.#recover(committedSize, leafAt);
      return r;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Opens an existing record to read it; null when there is none. */
  static openForReader(path: string, verifierKey: string): WriterRecord | null {
    const fd = openRecord(path, fsc.O_RDONLY);
    if (fd === null) return null;
    try {
      const id = ident(verifierKey);
      const size = checkHeader(fd, path, id);
      return new WriterRecord(path, fd, Math.floor((size - HEADER) / RECORD));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Cuts off what the committed tree does not hold as the writer recorded it (see the file's header). */
  #recover(committedSize: number, leafAt: (index: number) => Uint8Array): void {
    const fd = this.#fd;
    let n = this.#count;
    while (n > 0 && this.#indexAt(n - 1) >= committedSize) n--;
    const verified = Math.min(n, Number(readU64(fd, IDENT)));
    let keep = verified;
    for (const e of this.#records(verified, n)) {
      if (!Buffer.from(e.leafHash).equals(Buffer.from(leafAt(e.index)))) break;
      keep++;
    }
    const size = fstatSync(fd).size;
    if (size !== HEADER + keep * RECORD) ftruncateSync(fd, HEADER + keep * RECORD);
    this.#count = keep;
    writeU64(fd, IDENT, keep);
    fsyncSync(fd);
  }

  /** Writes the records of entries first, first + 1, ... with these leaf hashes, durably. */
  async stage(first: number, leaves: readonly Uint8Array[], hooks: DurabilityHooks): Promise<void> {
    if (this.#staged > 0) ftruncateSync(this.#fd, HEADER + this.#count * RECORD); // an append that failed
    const buf = Buffer.alloc(leaves.length * RECORD);
    leaves.forEach((h, i) => {
      const at = i * RECORD;
      buf.writeBigUInt64BE(BigInt(first + i), at);
      buf.set(h, at + 8);
    });
    this.#staged = leaves.length;
    await writeAt(this.#fd, buf, 0, buf.length, HEADER + this.#count * RECORD);
    await hooks.afterWrite?.('record');
    await fdatasync(this.#fd);
  }

  /** The staged records are now covered by the committed tree, and so verified (saved in the header at close). */
  committed(): void {
    this.#count += this.#staged;
    this.#staged = 0;
  }

  /** The staged records were not committed: cut them off. */
  abandon(): void {
    if (this.#staged === 0) return;
    ftruncateSync(this.#fd, HEADER + this.#count * RECORD);
    this.#staged = 0;
  }

  /** Cuts off the records of entries at `size` and beyond (a rewound tree no longer holds them), durably. */
  cut(size: number): void {
    let n = this.#count;
    while (n > 0 && this.#indexAt(n - 1) >= size) n--;
    if (n === this.#count) return;
    ftruncateSync(this.#fd, HEADER + n * RECORD);
    this.#count = n;
    writeU64(this.#fd, IDENT, n);
    fsyncSync(this.#fd);
  }

  /** The records with index in [begin, end), by index. */
  read(begin: number, end: number): AppendedEntry[] {
    // Records are in increasing index order, and the record at position p has index >= p.
    let lo = 0;
    let hi = Math.min(this.#count, Math.max(0, end));
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#indexAt(mid) < begin) lo = mid + 1;
      else hi = mid;
    }
    const out: AppendedEntry[] = [];
    for (const e of this.#records(lo, this.#count)) {
      if (e.index >= end) break;
      out.push(e);
    }
    return out;
  }

  /** Records at positions [from, to), their order checked. */
  *#records(from: number, to: number): Generator<AppendedEntry> {
    const chunk = Buffer.alloc(RECORD * CHUNK);
    let last = from > 0 ? this.#indexAt(from - 1) : -1;
    for (let p = from; p < to;) {
      const n = Math.min(CHUNK, to - p);
      readSync(this.#fd, chunk, 0, n * RECORD, HEADER + p * RECORD);
      for (let j = 0; j < n; j++, p++) {
        const at = j * RECORD;
        const index = Number(chunk.readBigUInt64BE(at));
        if (index <= last || index < p) throw new LogError(`${this.path}: record ${p} is out of order`);
        const leafHash = Uint8Array.from(chunk.subarray(at + 8, at + 8 + HASH));
        last = index;
        yield { index, leafHash };
      }
    }
  }

  #indexAt(position: number): number {
    return Number(readU64(this.#fd, HEADER + position * RECORD));
  }

  /**
   * Closes the record. The writer saves the count of verified records in
   * the header (not synced: a count lost to a crash only means that the
   * next writer checks more records against the tiles).
   */
  close(): void {
    if (this.#fd < 0) return;
    if (this.#writer) writeU64(this.#fd, IDENT, this.#count);
    closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** Opens the record without following a symbolic link; null when there is none. */
function openRecord(path: string, mode: number): number | null {
  try {
    return openSync(path, mode | fsc.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new LogError(`${path}: the writer's record is a symbolic link, refused`);
    throw new LogError(`${path}: cannot open the writer's record: ${(e as Error).message}`);
  }
}

/**
 * Checks the header and the file: this process's own, not readable or
 * writable by others, the record of this key. Returns the size without a
 * record cut short by a crash.
 */
function checkHeader(fd: number, path: string, id: Buffer): number {
  const st = fstatSync(fd);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid())
    throw new LogError(`${path}: the writer's record belongs to user ${st.uid}, not to this one`);
  if ((st.mode & 0o077) !== 0)
    throw new LogError(
      `${path}: the writer's record may be read or written by others (mode ${(st.mode & 0o777).toString(8)}); it must be 600`,
    );
  if (st.size < HEADER) throw new LogError(`${path}: the writer's record is damaged (${st.size} bytes, no header)`);
  const got = Buffer.alloc(IDENT);
  readSync(fd, got, 0, IDENT, 0);
  if (!got.subarray(0, MAGIC.length).equals(MAGIC)) throw new LogError(`${path}: not a writer's record`);
  if (!got.equals(id)) throw new LogError(`${path}: the writer's record of a log under another key`);
  return HEADER + Math.floor((st.size - HEADER) / RECORD) * RECORD;
}

function readU64(fd: number, at: number): bigint {
  const b = Buffer.alloc(8);
  readSync(fd, b, 0, 8, at);
  return b.readBigUInt64BE(0);
}

function writeU64(fd: number, at: number, v: number): void {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  writeSync(fd, b, 0, 8, at);
}
