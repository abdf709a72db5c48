/**
 * The files driver's writer lease: DIR/.lock, created exclusively, holding
 * the writer's process id. A lock left by a process that is gone is taken
 * over; a lock held by a live process (this one included) is refused. A
 * lock without a process id yet is one being taken: refused while it is
 * young, taken over once it is old (its writer died between creating and
 * writing it).
 */

import {
  closeSync,
  constants as fsc,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LeaseHeldError, LogError } from '../errors.js';

/** Lock files this process holds: its own id in a lock file is not a stale lock (process ids are reused across restarts). */
const held = new Set<string>();

/** How long a lock file may stay empty while its writer writes its process id. */
const EMPTY_LOCK_GRACE_MS = 10_000;

/** The lock's path with the links of its folder resolved: one key however the log was reached. */
function lockKey(path: string): string {
  return join(realpathSync(dirname(path)), basename(path));
}

/** Takes the lock at `path` for the log in `dir`; throws LeaseHeldError when a live writer holds it. */
export function takeLock(path: string, dir: string): void {
  const key = lockKey(path);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(key);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const text = readFileSync(path, 'utf8');
      if (text.trim() === '' && Date.now() - statSync(path).mtimeMs < EMPTY_LOCK_GRACE_MS)
        throw new LeaseHeldError(`the log ${dir} is being opened for writing by another process (${path})`);
      const pid = Number(text);
      let alive = false;
      if (Number.isSafeInteger(pid) && pid > 0) {
        if (pid === process.pid) {
          alive = held.has(key);
        } else {
          try {
            process.kill(pid, 0);
            alive = true;
          } catch (k) {
            alive = (k as NodeJS.ErrnoException).code === 'EPERM';
          }
        }
      }
      if (alive) throw new LeaseHeldError(`the log ${dir} is being written by process ${pid} (${path})`, pid);
      unlinkSync(path); // a writer that died
    }
  }
  throw new LogError(`cannot take the writer lock ${path}`);
}

/** Releases a lock taken by `takeLock` (idempotent). */
export function releaseLock(path: string): void {
  const key = lockKey(path);
  if (!held.delete(key)) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
