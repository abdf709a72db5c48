/**
 * The log's signing key: an Ed25519 signed-note key in a file of its own
 * (mode 0600), kept outside the published log directory.
 */

import {
  closeSync,
  constants as fsc,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { generateKey, parseSignerKey, type Ed25519NoteSigner } from './note.js';
import { LogError } from './errors.js';
import type { LogConfig } from './layout.js';

export function isInside(parent: string, child: string): boolean {
  const r = relative(resolve(parent), resolve(child));
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** The key file at keyPath when there is one (its name must be the origin), or a new one written there. */
export function loadOrCreateSigningKey(
  keyPath: string,
  origin: string,
): { signer: Ed25519NoteSigner; reusedKey: boolean } {
  if (existsSync(keyPath)) {
    const signer = parseSignerKey(readFileSync(keyPath, 'utf8').trim());
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
  mkdirSync(dirname(keyPath), { recursive: true });
  const fd = openSync(keyPath, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  try {
    writeSync(fd, `${k.signerKey}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { signer: parseSignerKey(k.signerKey), reusedKey: false };
}

/** The log's signer from the key file at `path`, checked against the log's verifier key. */
export function readSigningKey(path: string, config: LogConfig): Ed25519NoteSigner {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new LogError(`cannot read the log's signing key ${path}: ${(e as Error).message}`);
  }
  const s = parseSignerKey(text);
  if (s.verifierKey() !== config.verifier_key)
    throw new LogError(`the key in ${path} is not this log's key (${config.verifier_key})`);
  return s;
}
