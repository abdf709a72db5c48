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
 *   keygen NAME --out PATH [--cosigner]       a signed-note (0x01) or cosigner (0x04) key
 *
 * Bad input exits 2; a log that fails verify, audit or cosign exits 1 with
 * the file where the inconsistency is.
 *
 * Declaring the commands loads nothing else: each action loads
 * log-actions.ts (and the ledger) when it runs.
 */
import type { Command } from 'commander';
import { COMMAND_DESCRIPTIONS } from './commands.js';

/** The implementations, loaded when a command runs. */
const actions = (): Promise<typeof import('./log-actions.js')> => import('./log-actions.js');

export function registerLog(program: Command): void {
  const log = program.command('log').description(COMMAND_DESCRIPTIONS.log);

  log
    .command('init')
    .argument('<dir>', 'directory of the log (served as static files)')
    .requiredOption(
      '--origin <origin>',
      'the log origin (first checkpoint line, also the key name), e.g. example.org/case-1962/log',
    )
    .option('--key <path>', 'where to keep the signing key (default: DIR/../<origin>.key; never under DIR)')
    .description('Create a log and its Ed25519 signing key; print the verifier key.')
    .action(async (dir: string, o: { origin: string; key?: string }) => (await actions()).init(dir, o));

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
      async (
        dir: string,
        files: string[],
        o: { asEvidence?: boolean; source?: string; acquired?: string; submittedBy?: string; mediaType?: string },
      ) => (await actions()).append(dir, files, o),
    );

  log
    .command('recover')
    .argument('<dir>', 'directory of the log')
    .option('--key <path>', "the log's signing key file (default: the one named in DIR/log.json)")
    .description(
      "Drop the entries beyond the signed checkpoint that the key's writer did not append (its record beside the key says which), then sign what it did.",
    )
    .action(async (dir: string, o: { key?: string }) => (await actions()).recover(dir, o));

  log
    .command('checkpoint')
    .argument('<dir>', 'directory of the log')
    .option('--key <path>', "the log's signing key file (default: the one named in DIR/log.json)")
    .description(
      'Sign and publish DIR/checkpoint for the committed tree (kept too as DIR/checkpoints/<size>); print it.',
    )
    .action(async (dir: string, o: { key?: string }) => (await actions()).checkpoint(dir, o));

  log
    .command('proof')
    .argument('<dir>', 'directory of the log')
    .argument('<index>', 'entry index')
    .option('--no-extra', 'leave the entry out of the proof (no "extra" line)')
    .description(
      'Print the tlog-proof (c2sp.org/tlog-proof@v1) of an entry against the current checkpoint; the entry is in its "extra" line.',
    )
    .action(async (dir: string, index: string, o: { extra: boolean }) => (await actions()).proof(dir, index, o));

  log
    .command('check-proof')
    .argument('<proof>', 'a tlog-proof file')
    .requiredOption('--key <verifier>', "the log's verifier key (name+id+base64, or a file holding it)")
    .option('--entry <file>', "the entry bytes (default: the proof's extra data)")
    .option('--origin <origin>', 'require this origin')
    .description('Verify a tlog-proof offline: the checkpoint signature and the inclusion of the entry.')
    .action(async (proof: string, o: { key: string; entry?: string; origin?: string }) =>
      (await actions()).checkProof(proof, o),
    );

  log
    .command('verify')
    .argument('<dir>', 'directory of the log')
    .option(
      '--key <verifier>',
      "the log's verifier key (name+id+base64, or a file holding it); default: the one in DIR/log.json",
    )
    .description("Check DIR/checkpoint's signature and that the tiles give its root.")
    .action(async (dir: string, o: { key?: string }) => (await actions()).verify(dir, o));

  log
    .command('audit')
    .argument('<dir>', 'directory of the log')
    .option('--key <verifier>', "the log's verifier key; default: the one in DIR/log.json")
    .option(
      '--writer-key <path>',
      "the operator's signing key file: entries beyond the signed checkpoint that its writer's record holds are its own, not signed yet",
    )
    .description(
      "Recompute every tile and hash from the entries and check every published checkpoint; exit 1 at the first inconsistency, or when entries beyond the signed checkpoint are not the writer's own.",
    )
    .action(async (dir: string, o: { key?: string; writerKey?: string }) => (await actions()).audit(dir, o));

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
    .action(async (dir: string, o: { key: string; state?: string; logKey?: string }) =>
      (await actions()).cosign(dir, o),
    );

  log
    .command('keygen')
    .argument('<name>', 'key name (the log origin, or the cosigner name)')
    .requiredOption('--out <path>', 'where to write the private key (mode 0600; must not exist)')
    .option('--cosigner', 'a cosigner key (tlog-cosignature, type 0x04)')
    .description(
      "Generate an Ed25519 key; print its verifier key: a signed-note key (type 0x01: a party's public_key, a log's key), or with --cosigner a cosigner key (type 0x04: a party's cosigner_key, for `log cosign`).",
    )
    .action(async (name: string, o: { out: string; cosigner?: boolean }) => (await actions()).keygen(name, o));

  log
    .command('find')
    .argument('<dir>', 'directory of the log')
    .option('--hash <sha256>', 'evidence sha256, or SHA-256 of the entry')
    .option('--kind <kind>', 'record kind (evidence, declaration, inspection, reveal, ...)')
    .option('--vessel <mmsi>', 'a vessel MMSI')
    .option('--site <site>', 'a site')
    .option('--show', 'print the entries, not only their indices')
    .description('Find entries with the index beside the log (brought up to date first).')
    .action(async (dir: string, o: { hash?: string; kind?: string; vessel?: string; site?: string; show?: boolean }) =>
      (await actions()).find(dir, o),
    );

  log
    .command('reindex')
    .argument('<dir>', 'directory of the log')
    .description('Rebuild the index (DIR/index.sqlite) from the entry bundles.')
    .action(async (dir: string) => (await actions()).reindex(dir));
}
