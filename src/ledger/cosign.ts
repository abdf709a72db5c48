/**
 * A cosigner's step on a log (tlog-cosignature): check the current
 * checkpoint against the tiles and against the last checkpoint this
 * cosigner signed, then add its cosignature to the published checkpoint.
 */

import { existsSync, readFileSync } from 'node:fs';
import { consistencyProof } from './merkle.js';
import { parseNote, type NoteVerifier } from './note.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { cosignCheckpoint, type CosignerKey } from './cosignature.js';
import { LogError } from './errors.js';
import { hashAtFromStore } from './tile-reader.js';
import { verifierOf, verifyPublished } from './verify.js';
import { openPosixStorage } from './storage/posix.js';
import { replaceFile } from './storage/durable.js';
import type { PublishedLog } from './storage/interface.js';

export interface CosignResult {
  note: string;
  checkpoint: Checkpoint;
  /** Size of the cosigner's last checkpoint (null: first time). */
  previousSize: number | null;
  /** True when the current checkpoint already carried this cosigner's signature. */
  already: boolean;
}

export interface CosignOptions {
  /** The log's verifier key (default: the one in log.json). */
  logVerifier?: NoteVerifier;
  /** The cosignature's timestamp (default: now). */
  timeSec?: number;
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
  opts: CosignOptions = {},
): Promise<CosignResult> {
  return cosignPublished(openPosixStorage(dir), key, statePath, opts);
}

/** As `cosignLog`, for a log opened with any driver. */
export async function cosignPublished(
  log: PublishedLog,
  key: CosignerKey,
  statePath: string,
  opts: CosignOptions = {},
): Promise<CosignResult> {
  const verifier = verifierOf(log, opts.logVerifier);
  const origin = log.config.origin;
  const cp = verifyPublished(log, verifier);
  const note = log.checkpoints.readCurrent();
  let last: Checkpoint | undefined;
  if (existsSync(statePath)) {
    try {
      last = openCheckpoint(readFileSync(statePath, 'utf8'), verifier, { origin });
    } catch (e) {
      throw new LogError(`cosigner state ${statePath}: ${(e as Error).message}`);
    }
  }
  let proof: Uint8Array[] = [];
  if (last !== undefined && last.size > 0 && last.size < cp.size)
    proof = consistencyProof(last.size, cp.size, hashAtFromStore(log.tiles, cp.size));
  const mine = parseNote(note).lines.some((l) => l.name === key.name && l.keyId === key.keyId);
  let out = note;
  if (!mine) {
    out = cosignCheckpoint({
      note,
      log: verifier,
      key,
      timeSec: opts.timeSec ?? Math.floor(Date.now() / 1000),
      proof,
      origin,
      ...(last ? { last } : {}),
    }).note;
    await log.checkpoints.publish(cp.size, out);
  } else if (last) {
    cosignCheckpoint({ note, log: verifier, key, timeSec: 0, proof, origin, last }); // the same checks
  }
  await replaceFile(statePath, out);
  return { note: out, checkpoint: cp, previousSize: last ? last.size : null, already: mine };
}
