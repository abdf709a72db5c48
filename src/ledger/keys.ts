/**
 * Key files: the log's signing key (an Ed25519 signed-note key, type 0x01)
 * and a party's cosigner key (tlog-cosignature, type 0x04), each in a file
 * of its own written whole (mode 0600, in a 0700 folder) and kept outside
 * the published log directory.
 *
 * A key file that is missing, empty (a key creation cut short), truncated,
 * not a private key, or of the other type is refused with a message that
 * names the file and what is wrong, never with a stack.
 */

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { writeSecretFile } from '../util/index.js';
import {
  generateKey,
  NoteError,
  parseSignerKey,
  parseSignerKeyParts,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  type Ed25519NoteSigner,
} from './note.js';
import { parseCosignerKey, type CosignerKey } from './cosignature.js';
import { KeyFileError, LogError } from './errors.js';
import type { LogConfig } from './layout.js';

export function isInside(parent: string, child: string): boolean {
  const r = relative(resolve(parent), resolve(child));
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** The key types a key file may hold, in the words of the messages. */
const KEY_TYPES: Record<number, string> = {
  [SIG_TYPE_ED25519]: 'a signed-note key (type 0x01)',
  [SIG_TYPE_COSIGNATURE_V1]: 'a cosigner key (type 0x04, tlog-cosignature)',
};

/** How to make a key of each type. */
const MAKE_KEY: Record<number, string> = {
  [SIG_TYPE_ED25519]: '`tally log keygen NAME --out PATH`',
  [SIG_TYPE_COSIGNATURE_V1]: '`tally log keygen NAME --cosigner --out PATH`',
};

/** The one line of a key file, or a KeyFileError saying why there is none. */
function keyFileLine(path: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a folder, not a key file'
          : code === 'EACCES'
            ? 'cannot be read (permission denied)'
            : `cannot be read (${code ?? (e as Error).message})`;
    throw new KeyFileError(path, `${what}: the file ${why}`);
  }
  if (bytes.length === 0)
    throw new KeyFileError(
      path,
      `${what}: the file is empty (its writing was cut short, e.g. killed while the key was made); restore the key from a copy`,
    );
  const text = bytes.toString('utf8');
  const control = bytes.some((b) => (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f);
  if (control || text.includes('\uFFFD'))
    throw new KeyFileError(path, `${what}: the file is not text (${bytes.length} bytes of binary data)`);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new KeyFileError(path, `${what}: the file holds only blank space`);
  if (lines.length > 1) throw new KeyFileError(path, `${what}: the file holds ${lines.length} lines, a key file one`);
  const line = lines[0].trim();
  if (!line.startsWith('PRIVATE+KEY+')) {
    // A verifier key is `name+id+base64`: say so rather than "not a key".
    const looksPublic = /^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/.test(line);
    throw new KeyFileError(
      path,
      looksPublic
        ? `${what}: the file holds a verifier (public) key, not the private key (PRIVATE+KEY+...)`
        : `${what}: the file does not hold a private key (PRIVATE+KEY+NAME+ID+KEY); it is damaged or another file`,
    );
  }
  return line;
}

/** Parses a private key line of the wanted type, naming the file and the type needed when it is not. */
function privateKeyOf<T>(path: string, what: string, want: number, line: string, parse: (s: string) => T): T {
  let type: number;
  try {
    type = parseSignerKeyParts(line).type;
  } catch (e) {
    throw new KeyFileError(path, `${what}: damaged or truncated key (${(e as Error).message})`);
  }
  if (type !== want) {
    const have = KEY_TYPES[type] ?? `a key of unknown type 0x${type.toString(16).padStart(2, '0')}`;
    throw new KeyFileError(
      path,
      `${what}: the file holds ${have}; ${KEY_TYPES[want]} is needed (make one with ${MAKE_KEY[want]})`,
    );
  }
  try {
    return parse(line);
  } catch (e) {
    if (!(e instanceof NoteError)) throw e;
    throw new KeyFileError(path, `${what}: damaged or truncated key (${e.message})`);
  }
}

/** An Ed25519 signed-note signer (type 0x01) from its key file. */
export function readSignerKeyFile(path: string, what = 'signing key'): Ed25519NoteSigner {
  return privateKeyOf(path, what, SIG_TYPE_ED25519, keyFileLine(path, what), parseSignerKey);
}

/** A cosigner key (tlog-cosignature, type 0x04) from its key file. */
export function readCosignerKeyFile(path: string, what = 'cosigner key'): CosignerKey {
  return privateKeyOf(path, what, SIG_TYPE_COSIGNATURE_V1, keyFileLine(path, what), parseCosignerKey);
}

/** Writes a new private key file (never over an existing one): whole or not at all, 0600. */
export function writeKeyFile(path: string, signerKey: string, opts: { privateFolder?: boolean } = {}): void {
  try {
    writeSecretFile(path, `${signerKey}\n`, { ...(opts.privateFolder ? { privateFolder: true } : {}) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new KeyFileError(path, 'a file is already there; a key file is never overwritten');
    throw new KeyFileError(path, `the key file cannot be written (${code ?? (e as Error).message})`);
  }
}

/** The key file at keyPath when there is one (its name must be the origin), or a new one written there. */
export function loadOrCreateSigningKey(
  keyPath: string,
  origin: string,
): { signer: Ed25519NoteSigner; reusedKey: boolean } {
  if (existsSync(keyPath)) {
    const signer = readSignerKeyFile(keyPath, "the log's signing key");
    if (signer.name !== origin)
      throw new LogError(
        `the key in ${keyPath} is named ${JSON.stringify(signer.name)}, not the origin ${JSON.stringify(origin)}`,
      );
    return { signer, reusedKey: true };
  }
  let k: { signerKey: string; verifierKey: string };
  try {
    k = generateKey(origin);
  } catch (e) {
    throw new LogError(`origin ${JSON.stringify(origin)} cannot name a signing key: ${(e as Error).message}`);
  }
  writeKeyFile(keyPath, k.signerKey);
  return { signer: parseSignerKey(k.signerKey), reusedKey: false };
}

/** The log's signer from the key file at `path`, checked against the log's verifier key. */
export function readSigningKey(path: string, config: LogConfig): Ed25519NoteSigner {
  const s = readSignerKeyFile(path, "the log's signing key");
  if (s.verifierKey() !== config.verifier_key)
    throw new LogError(`the key in ${path} is not this log's key (${config.verifier_key})`);
  return s;
}
