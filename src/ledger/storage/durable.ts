/**
 * Durable writes on a POSIX file system: data is on disk only once the file
 * is fsynced, and a new name only once its directory is.
 */

import { closeSync, constants as fsc, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import type { DurabilityHooks, StoredFile } from './interface.js';

export async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, fsc.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Runs f(0..n-1) with at most `width` in flight. */
export async function pool(n: number, width: number, f: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await f(next++);
  };
  await Promise.all(Array.from({ length: Math.min(n, width) }, worker));
}

/**
 * Creates the parent directories of `paths` (relative to DIR) and returns
 * the directories whose entries must be fsynced for new names in them to
 * last: each parent, and for every directory created, the one above it.
 * `known` (directories known to exist, kept by the writer) saves the mkdir
 * calls for directories already there; it is updated.
 */
export async function prepareDirs(dir: string, paths: readonly string[], known?: Set<string>): Promise<Set<string>> {
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
 * Writes files atomically and durably: each to a temporary file in
 * `tmpDir`, fsynced, then renamed into place in the given order, then every
 * directory touched fsynced. Nothing is half-written at any instant.
 */
export async function writeAtomic(
  dir: string,
  tmpDir: string,
  files: readonly StoredFile[],
  what: string,
  hooks: DurabilityHooks,
): Promise<void> {
  if (files.length === 0) return;
  const dirsToSync = await prepareDirs(
    dir,
    files.map((f) => f.path),
  );
  const tmps = files.map(() => join(tmpDir, `${randomBytes(8).toString('hex')}`));
  await pool(files.length, 32, async (i) => {
    const fh = await open(tmps[i], 'w', 0o644);
    try {
      await fh.writeFile(files[i].data);
      await hooks.afterWrite?.(what);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  });
  await hooks.afterSync?.(what);
  for (let i = 0; i < files.length; i++) {
    await rename(tmps[i], join(dir, files[i].path));
    await hooks.afterRename?.(what);
  }
  const dirs = [...dirsToSync];
  await pool(dirs.length, 32, (i) => fsyncDir(dirs[i]));
  await hooks.afterSync?.(`${what}-dirs`);
}

/** Replaces one file atomically (temporary file beside it, fsync, rename, fsync of its directory). */
export async function replaceFile(path: string, data: string | Uint8Array, mode = 0o666): Promise<void> {
  const parent = dirname(resolve(path));
  mkdirSync(parent, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  await fsyncDir(parent);
}
