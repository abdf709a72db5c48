/**
 * The writer's own record of what it appended, kept by the files driver
 * beside the signing key (never in the published directory), so that the
 * operator can tell the entries it appended from entries someone else put
 * in the tiles, even after a crash between an append and its checkpoint.
 *
 *   KEYDIR/<key file>.appended-<log dir relative to KEYDIR, URI-encoded>
 *
 * One file per log and key (two logs may share a key). Binary, fixed size:
 *
 *   header  40 bytes  "TALLYWR1", then SHA-256 of the log's verifier key
 *   record  40 bytes  index (uint64, big-endian), then the entry's RFC 9162 leaf hash
 *
 * Records are in increasing index order; indices have gaps where entries
 * were appended by someone else (a writer without the key). Each append's
 * records are written and fsynced before its commit; on the next lease,
 * records beyond the committed tree (an append that never committed) are
 * cut off.
 */

import {
  closeSync,
  constants as fsc,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { write as writeCb, fdatasync as fdatasyncCb } from 'node:fs';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { LogError } from '../errors.js';
import type { AppendedEntry, DurabilityHooks } from './interface.js';
import { fsyncDir, replaceFile } from './durable.js';

const MAGIC = Buffer.from('TALLYWR1', 'latin1');
const HEADER = 40;
const RECORD = 40;
const HASH = 32;

const writeAt = promisify(writeCb);
const fdatasync = promisify(fdatasyncCb);

/** Where the record of the log in `logDir` is kept for the key at `keyPath`. */
export function writerRecordPath(keyPath: string, logDir: string): string {
  const keyDir = dirname(resolve(keyPath));
  const rel = relative(keyDir, resolve(logDir)).split(sep).join('/') || '.';
  return join(keyDir, `${basename(keyPath)}.appended-${encodeURIComponent(rel)}`);
}

function header(verifierKey: string): Buffer {
  return Buffer.concat([MAGIC, createHash('sha256').update(verifierKey).digest()]);
}

export class WriterRecord {
  readonly path: string;
  #fd: number;
  /** Records covered by the committed tree (the writer's), or found in the file (a reader's). */
  #count: number;
  /** Records of an append staged and not yet committed. */
  #staged = 0;

  private constructor(path: string, fd: number, count: number) {
    this.path = path;
    this.#fd = fd;
    this.#count = count;
  }

  /** Starts an empty record (a new log), replacing any left by an earlier log at the same place. */
  static async reset(path: string, verifierKey: string): Promise<void> {
    await replaceFile(path, header(verifierKey), 0o600);
  }

  /**
   * Opens the record for the lease holder, creating it when there is none,
   * and cuts off records at or beyond `committedSize` (an append that was
   * staged and never committed).
   */
  static async openForWriter(path: string, verifierKey: string, committedSize: number): Promise<WriterRecord> {
    const want = header(verifierKey);
    const fd = openSync(path, fsc.O_RDWR | fsc.O_CREAT, 0o600);
    try {
      let size = fstatSync(fd).size;
      if (size < HEADER) {
        // New, or a creation cut short: only a prefix of the header may be there.
        const got = Buffer.alloc(size);
        readSync(fd, got, 0, size, 0);
        if (!want.subarray(0, size).equals(got)) throw new LogError(`${path}: not a writer's record`);
        writeSync(fd, want, 0, HEADER, 0);
        fsyncSync(fd);
        await fsyncDir(dirname(path));
        size = HEADER;
      }
      checkHeader(fd, path, want);
      let n = Math.floor((size - HEADER) / RECORD);
      while (n > 0 && readIndex(fd, n - 1) >= committedSize) n--;
      if (size !== HEADER + n * RECORD) {
        ftruncateSync(fd, HEADER + n * RECORD);
        fsyncSync(fd);
      }
      return new WriterRecord(path, fd, n);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Opens an existing record to read it; null when there is none. */
  static openForReader(path: string, verifierKey: string): WriterRecord | null {
    let fd: number;
    try {
      fd = openSync(path, fsc.O_RDONLY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < HEADER) return new WriterRecord(path, fd, 0);
      checkHeader(fd, path, header(verifierKey));
      return new WriterRecord(path, fd, Math.floor((size - HEADER) / RECORD));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Writes the records of entries first, first + 1, ... with these leaf hashes, durably. */
  async stage(first: number, leaves: readonly Uint8Array[], hooks: DurabilityHooks): Promise<void> {
    if (this.#staged > 0) ftruncateSync(this.#fd, HEADER + this.#count * RECORD); // an append that failed
    const buf = Buffer.alloc(leaves.length * RECORD);
    leaves.forEach((h, i) => {
      buf.writeBigUInt64BE(BigInt(first + i), i * RECORD);
      buf.set(h, i * RECORD + 8);
    });
    this.#staged = leaves.length;
    await writeAt(this.#fd, buf, 0, buf.length, HEADER + this.#count * RECORD);
    await hooks.afterWrite?.('record');
    await fdatasync(this.#fd);
  }

  /** The staged records are now covered by the committed tree. */
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

  /** The records with index in [begin, end), by index. */
  read(begin: number, end: number): AppendedEntry[] {
    const out: AppendedEntry[] = [];
    // Records are in increasing index order, and the record at position p has index >= p.
    let lo = 0;
    let hi = Math.min(this.#count, Math.max(0, end));
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (readIndex(this.#fd, mid) < begin) lo = mid + 1;
      else hi = mid;
    }
    const chunk = Buffer.alloc(RECORD * 1024);
    let last = -1;
    for (let p = lo; p < this.#count;) {
      const n = Math.min(1024, this.#count - p);
      readSync(this.#fd, chunk, 0, n * RECORD, HEADER + p * RECORD);
      for (let j = 0; j < n; j++, p++) {
        const index = Number(chunk.readBigUInt64BE(j * RECORD));
        if (index >= end) return out;
        if (index <= last || index < p) throw new LogError(`${this.path}: record ${p} is out of order`);
        last = index;
        out.push({ index, leafHash: Uint8Array.from(chunk.subarray(j * RECORD + 8, j * RECORD + 8 + HASH)) });
      }
    }
    return out;
  }

  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }
}

function checkHeader(fd: number, path: string, want: Buffer): void {
  const got = Buffer.alloc(HEADER);
  readSync(fd, got, 0, HEADER, 0);
  if (!got.subarray(0, MAGIC.length).equals(MAGIC)) throw new LogError(`${path}: not a writer's record`);
  if (!got.equals(want)) throw new LogError(`${path}: the writer's record of a log under another key`);
}

function readIndex(fd: number, position: number): number {
  const b = Buffer.alloc(8);
  readSync(fd, b, 0, 8, HEADER + position * RECORD);
  return Number(b.readBigUInt64BE(0));
}
