/**
 * What `tally log ...` does (log.ts declares the commands and loads this
 * module only when one of them runs).
 *
 * Bad input exits 2; a log that fails verify, audit or cosign exits 1 with
 * the file where the inconsistency is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { folderOpenToOthers } from '../util/index.js';
import {
  AuditError,
  auditLog,
  CheckpointError,
  cosignLog,
  CosignatureError,
  entryFromFile,
  EntryError,
  generateCosignerKey,
  generateKey,
  Log,
  LogError,
  appendRecords,
  LogIndex,
  NoteError,
  originSlug,
  parseVerifierKey,
  ProofError,
  readConfig,
  readCosignerKeyFile,
  SplitViewError,
  TileError,
  verifyLog,
  verifyTlogProof,
  writeKeyFile,
  type Ed25519NoteVerifier,
  type EvidenceOptions,
} from '../ledger/index.js';
import { CheckFailed, UsageError } from './util.js';

/** A verification failure: printed without a stack, exit status 1. */
function fail(message: string): never {
  throw new CheckFailed(message);
}

/** Runs a log command: bad input becomes a usage error (exit 2), a failed check exit 1. */
async function logAction(what: string, f: () => Promise<void> | void): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof AuditError || e instanceof SplitViewError || e instanceof ProofError) {
      fail(`log ${what}: FAILED: ${e.message}`);
    }
    if (e instanceof NoteError && (e.code === 'bad-signature' || e.code === 'unknown-key')) {
      fail(`log ${what}: FAILED: ${e.message}`);
    }
    if (
      e instanceof LogError ||
      e instanceof EntryError ||
      e instanceof NoteError ||
      e instanceof CheckpointError ||
      e instanceof CosignatureError ||
      e instanceof TileError
    ) {
      throw new UsageError(`log ${what}: ${e.message}`);
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'EEXIST')
      throw new UsageError(`log ${what}: ${(e as Error).message}`);
    throw e;
  }
}

/** A verifier key given inline (`name+id+base64`) or as a file holding one. */
function verifierArg(v: string | undefined): Ed25519NoteVerifier | undefined {
  if (v === undefined) return undefined;
  const text = !v.includes('+') || existsSync(v) ? readFileSync(v, 'utf8').trim() : v;
  return parseVerifierKey(text);
}

function indexArg(v: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new UsageError(`entry index must be a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** A key file is 0600 whatever its folder; a folder others can open still shows its name, which is said. */
function noteOpenFolder(keyPath: string): void {
  const dir = dirname(resolve(keyPath));
  if (folderOpenToOthers(dir))
    process.stderr.write(
      `note: ${dir} can be opened by other users; keep keys in a folder only you can open (chmod 700 ${dir})\n`,
    );
}

export function init(dir: string, o: { origin: string; key?: string }): Promise<void> {
  return logAction('init', async () => {
    const r = await Log.init(dir, { origin: o.origin, ...(o.key !== undefined ? { keyPath: o.key } : {}) });
    process.stderr.write(
      `${r.reusedKey ? 'using the existing' : 'wrote the'} signing key ${r.keyPath}${r.reusedKey ? '' : ' (mode 0600)'}; keep it private\n`,
    );
    noteOpenFolder(r.keyPath);
    process.stdout.write(`${r.verifierKey}\n`);
  });
}

export function append(
  dir: string,
  files: string[],
  o: { asEvidence?: boolean; source?: string; acquired?: string; submittedBy?: string; mediaType?: string },
): Promise<void> {
  return logAction('append', async () => {
    const ev: EvidenceOptions & { asEvidence?: boolean } = {};
    if (o.source !== undefined) ev.source = o.source;
    if (o.acquired !== undefined) ev.acquired = o.acquired;
    if (o.submittedBy !== undefined) ev.submitted_by = o.submittedBy;
    if (o.mediaType !== undefined) ev.media_type = o.mediaType;
    if (o.asEvidence) ev.asEvidence = true;
    const entries: Uint8Array[] = [];
    for (const f of files) entries.push((await entryFromFile(f, ev)).bytes);
    const l = await Log.open(dir, { write: true });
    try {
      const idx = LogIndex.forLog(l);
      try {
        const res = await appendRecords(l, idx, entries);
        process.stdout.write(
          res.map((r, i) => `${r.index}\t${r.existing ? 'existing' : 'appended'}\t${files[i]}\n`).join(''),
        );
      } finally {
        idx.close();
      }
    } finally {
      await l.close();
    }
  });
}

export function recover(dir: string, o: { key?: string }): Promise<void> {
  return logAction('recover', async () => {
    const l = await Log.open(dir, { write: true, ...(o.key !== undefined ? { keyPath: o.key } : {}) });
    try {
      const signer = l.signer(o.key);
      const dropped = await l.dropUnsigned();
      if (dropped.to > dropped.from)
        process.stderr.write(
          `dropped entries ${dropped.from} to ${dropped.to - 1} (${dropped.to - dropped.from}): beyond the signed checkpoint, not appended by this writer\n`,
        );
      else process.stderr.write("nothing to drop: every entry beyond the signed checkpoint is this writer's own\n");
      const r = await l.checkpoint(signer);
      process.stdout.write(r.note);
    } finally {
      await l.close();
    }
  });
}

export function checkpoint(dir: string, o: { key?: string }): Promise<void> {
  return logAction('checkpoint', async () => {
    const l = await Log.open(dir, { write: true, ...(o.key !== undefined ? { keyPath: o.key } : {}) });
    try {
      const r = await l.checkpoint(l.signer(o.key));
      if (r.unchanged) process.stderr.write(`checkpoint unchanged (size ${r.size})\n`);
      process.stdout.write(r.note);
    } finally {
      await l.close();
    }
  });
}

export function proof(dir: string, index: string, o: { extra: boolean }): Promise<void> {
  return logAction('proof', async () => {
    const l = await Log.open(dir);
    process.stdout.write(l.proof(indexArg(index), { extra: o.extra }));
  });
}

export function checkProof(proofFile: string, o: { key: string; entry?: string; origin?: string }): Promise<void> {
  return logAction('check-proof', () => {
    const v = verifierArg(o.key)!;
    const r = verifyTlogProof(readFileSync(proofFile, 'utf8'), v, {
      ...(o.entry !== undefined ? { entry: readFileSync(o.entry) } : {}),
      ...(o.origin !== undefined ? { origin: o.origin } : {}),
    });
    process.stdout.write(`OK: entry ${r.index} is in ${r.checkpoint.origin} at size ${r.checkpoint.size}\n`);
  });
}

export function verify(dir: string, o: { key?: string }): Promise<void> {
  return logAction('verify', () => {
    if (o.key === undefined)
      process.stderr.write(`note: no --key given, trusting the verifier key in ${resolve(dir, 'log.json')}\n`);
    const cp = verifyLog(dir, verifierArg(o.key));
    process.stdout.write(`OK: ${cp.origin} size ${cp.size} root ${Buffer.from(cp.root).toString('base64')}\n`);
  });
}

export function audit(dir: string, o: { key?: string; writerKey?: string }): Promise<void> {
  return logAction('audit', async () => {
    if (o.key === undefined)
      process.stderr.write(
        `note: no --key given, trusting the verifier key in ${resolve(dir, 'log.json')} (which proves nothing to whoever does not trust that folder)\n`,
      );
    const r = auditLog(dir, { ...(o.key !== undefined ? { verifier: verifierArg(o.key)! } : {}) });
    if (r.unsigned !== null) {
      // Entries no signature covers: the writer's own (a crash before its checkpoint) only when its record says so.
      let own = r.unsigned.from;
      if (o.writerKey !== undefined) {
        const l = await Log.open(dir, { keyPath: o.writerKey });
        try {
          l.signer(o.writerKey);
          own = await l.appendedByWriterUpTo(r.unsigned.from);
        } finally {
          await l.close();
        }
      }
      if (own < r.unsigned.to)
        fail(
          `log audit: FAILED: entries ${own} to ${r.unsigned.to - 1} (${r.unsigned.to - own}) are beyond the signed checkpoint ` +
            `(size ${r.unsigned.from}) and ${o.writerKey === undefined ? "no signature covers them (with --writer-key, the operator can tell its own from others')" : "are not in the writer's record: someone without the key appended them"}`,
        );
      process.stderr.write(
        `note: entries ${r.unsigned.from} to ${r.unsigned.to - 1} are the writer's own, not signed yet (tally log checkpoint signs them)\n`,
      );
    }
    process.stdout.write(
      `OK: ${r.entries} entries, ${r.bundles} entry bundles, ${r.tiles} hash tiles, ${r.checkpoints} checkpoints consistent` +
        `${r.current ? ` with the current one (size ${r.current.size})` : ''}\n`,
    );
  });
}

export function cosign(dir: string, o: { key: string; state?: string; logKey?: string }): Promise<void> {
  return logAction('cosign', async () => {
    const key = readCosignerKeyFile(o.key);
    const state = o.state ?? `${o.key}.${originSlug(readConfig(dir).origin)}.state`;
    const r = await cosignLog(dir, key, state, {
      ...(o.logKey !== undefined ? { logVerifier: verifierArg(o.logKey)! } : {}),
    });
    process.stderr.write(
      r.already
        ? `already cosigned by ${key.name} (size ${r.checkpoint.size})\n`
        : `cosigned size ${r.checkpoint.size} as ${key.name}${r.previousSize !== null ? `, consistent with size ${r.previousSize}` : ''}\n`,
    );
    process.stdout.write(r.note);
  });
}

export function keygen(name: string, o: { out: string; cosigner?: boolean }): Promise<void> {
  return logAction('keygen', () => {
    const k = o.cosigner ? generateCosignerKey(name) : generateKey(name);
    writeKeyFile(o.out, k.signerKey);
    process.stderr.write(
      `wrote the ${o.cosigner ? "cosigner key (type 0x04: for `tally log cosign`, the manifest's cosigner_key)" : "signed-note key (type 0x01: the manifest's public_key, or a log's signing key)"} ${o.out} (mode 0600); keep it private\n`,
    );
    noteOpenFolder(o.out);
    process.stdout.write(`${k.verifierKey}\n`);
  });
}

export function find(
  dir: string,
  o: { hash?: string; kind?: string; vessel?: string; site?: string; show?: boolean },
): Promise<void> {
  return logAction('find', async () => {
    const given = [o.hash, o.kind, o.vessel, o.site].filter((x) => x !== undefined).length;
    if (given !== 1) throw new UsageError('log find: give exactly one of --hash, --kind, --vessel, --site');
    const l = await Log.open(dir);
    const idx = LogIndex.forLog(l);
    try {
      const hits =
        o.hash !== undefined
          ? idx.findByHash(o.hash)
          : o.kind !== undefined
            ? idx.findByKind(o.kind)
            : o.vessel !== undefined
              ? idx.findByVessel(o.vessel)
              : idx.findBySite(o.site!);
      for (const i of hits)
        process.stdout.write(o.show ? `${i}\t${Buffer.from(l.entry(i)).toString('utf8')}\n` : `${i}\n`);
    } finally {
      idx.close();
    }
  });
}

export function reindex(dir: string): Promise<void> {
  return logAction('reindex', async () => {
    const l = await Log.open(dir);
    const idx = LogIndex.open(resolve(dir, 'index.sqlite'));
    try {
      process.stdout.write(`indexed ${idx.rebuild(l)} entries\n`);
    } finally {
      idx.close();
    }
  });
}
