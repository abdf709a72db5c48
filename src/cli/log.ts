/**
 * `tally log ...`: the tamper-evident log (C2SP tlog-tiles on disk).
 *
 *   init DIR --origin ORIGIN [--key PATH]     create the log and its signing key (outside DIR, mode 0600)
 *   append DIR FILE...                        one entry per file, as one durable batch
 *   checkpoint DIR                            sign and publish DIR/checkpoint (and DIR/checkpoints/<size>)
 *   proof DIR INDEX                           the tlog-proof of an entry against the current checkpoint
 *   verify DIR [--key VERIFIER]               the checkpoint's signature, and that the tiles give its root
 *   audit DIR [--key VERIFIER]                recompute everything from the entries, check every checkpoint
 *   cosign DIR --key COSIGNER_KEY [--state F] check consistency from the last cosigned checkpoint, then cosign
 *   check-proof PROOF --key VERIFIER          verify a tlog-proof offline
 *   find DIR --hash|--kind|--vessel|--site    query the index
 *   reindex DIR                               rebuild the index from the tiles
 *   keygen NAME --out PATH [--cosigner]       a signing or cosigning key
 *
 * Bad input exits 2; a log that fails verify, audit or cosign exits 1 with
 * the file where the inconsistency is.
 */
import type { Command } from 'commander';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync, constants as fsc } from 'node:fs';
import { resolve } from 'node:path';
import {
  AuditError,
  auditLog,
  cosignLog,
  Log,
  LogError,
  originSlug,
  readConfig,
  verifyLog,
  verifyTlogProof,
} from '../ledger/index.js';
import { appendRecords, LogIndex } from '../ledger/index.js';
import { entryFromFile, EntryError, type EvidenceOptions } from '../ledger/index.js';
import { generateKey, NoteError, parseVerifierKey, type Ed25519NoteVerifier } from '../ledger/index.js';
import { CheckpointError } from '../ledger/index.js';
import { CosignatureError, generateCosignerKey, parseCosignerKey, SplitViewError } from '../ledger/index.js';
import { ProofError } from '../ledger/index.js';
import { TileError } from '../ledger/index.js';
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
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
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

function writeSecret(path: string, text: string): void {
  const fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function registerLog(program: Command): void {
  const log = program
    .command('log')
    .description('The tamper-evident log: C2SP tlog-tiles, signed checkpoints, tlog-proof receipts.');

  log
    .command('init')
    .argument('<dir>', 'directory of the log (served as static files)')
    .requiredOption(
      '--origin <origin>',
      'the log origin (first checkpoint line, also the key name), e.g. example.org/case-1962/log',
    )
    .option('--key <path>', 'where to keep the signing key (default: DIR/../<origin>.key; never under DIR)')
    .description('Create a log and its Ed25519 signing key; print the verifier key.')
    .action((dir: string, o: { origin: string; key?: string }) =>
      logAction('init', async () => {
        const r = await Log.init(dir, { origin: o.origin, ...(o.key !== undefined ? { keyPath: o.key } : {}) });
        process.stderr.write(
          `${r.reusedKey ? 'using the existing' : 'wrote the'} signing key ${r.keyPath}${r.reusedKey ? '' : ' (mode 0600)'}; keep it private\n`,
        );
        process.stdout.write(`${r.verifierKey}\n`);
      }),
    );

  log
    .command('append')
    .argument('<dir>', 'directory of the log')
    .argument('<files...>', 'files to log: a .json record as its canonical form, any other file as its evidence record')
    .option('--as-evidence', 'log .json files by their evidence record too')
    .option('--source <text>', 'evidence records: where the evidence came from')
    .option('--acquired <time>', 'evidence records: when it was acquired (RFC 3339)')
    .option('--submitted-by <party>', 'evidence records: the party submitting it')
    .option('--media-type <type>', 'evidence records: the media type (default: from the extension)')
    .description(
      'Append one entry per file, as one durable batch; print each index ("existing" when the evidence was already logged).',
    )
    .action(
      (
        dir: string,
        files: string[],
        o: { asEvidence?: boolean; source?: string; acquired?: string; submittedBy?: string; mediaType?: string },
      ) =>
        logAction('append', async () => {
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
            l.close();
          }
        }),
    );

  log
    .command('checkpoint')
    .argument('<dir>', 'directory of the log')
    .option('--key <path>', "the log's signing key file (default: the one named in DIR/log.json)")
    .description(
      'Sign and publish DIR/checkpoint for the committed tree (kept too as DIR/checkpoints/<size>); print it.',
    )
    .action((dir: string, o: { key?: string }) =>
      logAction('checkpoint', async () => {
        const l = await Log.open(dir, { write: true });
        try {
          const r = await l.checkpoint(l.signer(o.key));
          if (r.unchanged) process.stderr.write(`checkpoint unchanged (size ${r.size})\n`);
          process.stdout.write(r.note);
        } finally {
          l.close();
        }
      }),
    );

  log
    .command('proof')
    .argument('<dir>', 'directory of the log')
    .argument('<index>', 'entry index')
    .option('--no-extra', 'leave the entry out of the proof (no "extra" line)')
    .description(
      'Print the tlog-proof (c2sp.org/tlog-proof@v1) of an entry against the current checkpoint; the entry is in its "extra" line.',
    )
    .action((dir: string, index: string, o: { extra: boolean }) =>
      logAction('proof', async () => {
        const l = await Log.open(dir);
        process.stdout.write(l.proof(indexArg(index), { extra: o.extra }));
      }),
    );

  log
    .command('check-proof')
    .argument('<proof>', 'a tlog-proof file')
    .requiredOption('--key <verifier>', "the log's verifier key (name+id+base64, or a file holding it)")
    .option('--entry <file>', "the entry bytes (default: the proof's extra data)")
    .option('--origin <origin>', 'require this origin')
    .description('Verify a tlog-proof offline: the checkpoint signature and the inclusion of the entry.')
    .action((proof: string, o: { key: string; entry?: string; origin?: string }) =>
      logAction('check-proof', () => {
        const v = verifierArg(o.key)!;
        const r = verifyTlogProof(readFileSync(proof, 'utf8'), v, {
          ...(o.entry !== undefined ? { entry: readFileSync(o.entry) } : {}),
          ...(o.origin !== undefined ? { origin: o.origin } : {}),
        });
        process.stdout.write(`OK: entry ${r.index} is in ${r.checkpoint.origin} at size ${r.checkpoint.size}\n`);
      }),
    );

  log
    .command('verify')
    .argument('<dir>', 'directory of the log')
    .option(
      '--key <verifier>',
      "the log's verifier key (name+id+base64, or a file holding it); default: the one in DIR/log.json",
    )
    .description("Check DIR/checkpoint's signature and that the tiles give its root.")
    .action((dir: string, o: { key?: string }) =>
      logAction('verify', () => {
        if (o.key === undefined)
          process.stderr.write(`note: no --key given, trusting the verifier key in ${resolve(dir, 'log.json')}\n`);
        const cp = verifyLog(dir, verifierArg(o.key));
        process.stdout.write(`OK: ${cp.origin} size ${cp.size} root ${Buffer.from(cp.root).toString('base64')}\n`);
      }),
    );

  log
    .command('audit')
    .argument('<dir>', 'directory of the log')
    .option('--key <verifier>', "the log's verifier key; default: the one in DIR/log.json")
    .description(
      'Recompute every tile and hash from the entries and check every published checkpoint; exit 1 at the first inconsistency.',
    )
    .action((dir: string, o: { key?: string }) =>
      logAction('audit', () => {
        const r = auditLog(dir, { ...(o.key !== undefined ? { verifier: verifierArg(o.key)! } : {}) });
        process.stdout.write(
          `OK: ${r.entries} entries, ${r.bundles} entry bundles, ${r.tiles} hash tiles, ${r.checkpoints} checkpoints consistent` +
            `${r.current ? ` with the current one (size ${r.current.size})` : ''}\n`,
        );
      }),
    );

  log
    .command('cosign')
    .argument('<dir>', 'directory of the log')
    .requiredOption(
      '--key <path>',
      "the cosigner's private key file (PRIVATE+KEY+..., from `tally log keygen --cosigner`)",
    )
    .option('--state <file>', "the cosigner's last cosigned checkpoint (default: <key>.<origin>.state)")
    .option('--log-key <verifier>', "the log's verifier key (default: the one in DIR/log.json)")
    .description(
      'Check the current checkpoint (tiles, consistency with the last one cosigned), then add a tlog-cosignature to it.',
    )
    .action((dir: string, o: { key: string; state?: string; logKey?: string }) =>
      logAction('cosign', async () => {
        const key = parseCosignerKey(readFileSync(o.key, 'utf8').trim());
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
      }),
    );

  log
    .command('keygen')
    .argument('<name>', 'key name (the log origin, or the cosigner name)')
    .requiredOption('--out <path>', 'where to write the private key (mode 0600; must not exist)')
    .option('--cosigner', 'a cosigner key (tlog-cosignature, type 0x04)')
    .description('Generate an Ed25519 key; print its verifier key.')
    .action((name: string, o: { out: string; cosigner?: boolean }) =>
      logAction('keygen', () => {
        const k = o.cosigner ? generateCosignerKey(name) : generateKey(name);
        writeSecret(o.out, `${k.signerKey}\n`);
        process.stdout.write(`${k.verifierKey}\n`);
      }),
    );

  log
    .command('find')
    .argument('<dir>', 'directory of the log')
    .option('--hash <sha256>', 'evidence sha256, or SHA-256 of the entry')
    .option('--kind <kind>', 'record kind (evidence, declaration, inspection, reveal, ...)')
    .option('--vessel <mmsi>', 'a vessel MMSI')
    .option('--site <site>', 'a site')
    .option('--show', 'print the entries, not only their indices')
    .description('Find entries with the index beside the log (brought up to date first).')
    .action((dir: string, o: { hash?: string; kind?: string; vessel?: string; site?: string; show?: boolean }) =>
      logAction('find', async () => {
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
      }),
    );

  log
    .command('reindex')
    .argument('<dir>', 'directory of the log')
    .description('Rebuild the index (DIR/index.sqlite) from the entry bundles.')
    .action((dir: string) =>
      logAction('reindex', async () => {
        const l = await Log.open(dir);
        const idx = LogIndex.open(resolve(dir, 'index.sqlite'));
        try {
          process.stdout.write(`indexed ${idx.rebuild(l)} entries\n`);
        } finally {
          idx.close();
        }
      }),
    );
}
