/**
 * Secret files (signing keys, cosigner keys, commitment salts, challenge
 * seeds): each is written whole or not at all, mode 0600, in a folder only
 * its owner can open.
 *
 * The bytes go to a temporary file (0600) in the same folder, are flushed,
 * and the file is then moved into place and the folder flushed: a kill at
 * any instant leaves either no file or the whole file under the name, never
 * an empty or half-written key.
 */
import {
  chmodSync,
  closeSync,
  constants as fsc,
  existsSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

export const SECRET_FILE_MODE = 0o600;
export const SECRET_FOLDER_MODE = 0o700;

export interface SecretFileOptions {
  /** Replace a file already at the path (otherwise an existing file is an error with code EEXIST). */
  replace?: boolean;
  /**
   * The folder holds secrets only (a case's keys/ or private/): it is made
   * 0700 even when it exists. Otherwise only folders created here are 0700,
   * and a folder the caller chose is left as it is.
   */
  privateFolder?: boolean;
}

/** Creates `dir` (and missing parents) as 0700; an existing one is tightened to 0700. */
export function makePrivateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: SECRET_FOLDER_MODE });
  if ((statSync(dir).mode & 0o777) !== SECRET_FOLDER_MODE) chmodSync(dir, SECRET_FOLDER_MODE);
}

/** True when users other than the owner may list or enter `dir` (a key there is safe, but its name is not). */
export function folderOpenToOthers(dir: string): boolean {
  return (statSync(dir).mode & 0o077) !== 0;
}

/** Writes `data` to `path` atomically and durably, mode 0600 (see the file's header). */
export function writeSecretFile(path: string, data: string | Uint8Array, opts: SecretFileOptions = {}): void {
  const abs = resolve(path);
  const dir = dirname(abs);
  if (opts.privateFolder) makePrivateFolder(dir);
  else if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: SECRET_FOLDER_MODE });
  const tmp = join(dir, `.${basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, SECRET_FILE_MODE);
  try {
    try {
      // The umask may only remove bits; the mode is set whatever it is.
      fchmodSync(fd, SECRET_FILE_MODE);
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.replace) renameSync(tmp, abs);
    else placeNew(tmp, abs);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncFolder(dir);
}

/** Moves `tmp` to `abs` only if nothing is there: a hard link fails with EEXIST rather than replacing a file. */
function placeNew(tmp: string, abs: string): void {
  try {
    linkSync(tmp, abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // File systems without hard links: the check and the rename are not one step, which is the best they allow.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    if (existsSync(abs)) {
      const err = new Error(`EEXIST: file already exists, ${abs}`) as NodeJS.ErrnoException;
      err.code = 'EEXIST';
      throw err;
    }
    renameSync(tmp, abs);
    return;
  }
  rmSync(tmp, { force: true });
}

function fsyncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, fsc.O_RDONLY);
  } catch {
    return; // a folder that cannot be opened for reading cannot be flushed either; the rename stands
  }
  try {
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a folder; the rename is already done
  } finally {
    closeSync(fd);
  }
}
