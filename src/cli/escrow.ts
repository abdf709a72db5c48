/**
 * `tally escrow ...`: committed declarations of secret items, the challenge
 * draw, reveals and their check against the log (docs/escrow.md).
 *
 * The flow, two parties and a log:
 *
 *   inspector  escrow seed --out seed.json --commitment seed-commitment.json
 *              log append DIR seed-commitment.json          (BEFORE the declaration)
 *   declarer   escrow commit items.json --class R-12 --secrets lot.secrets.json --declaration decl.json
 *              log append DIR decl.json                     (only root, count, class)
 *   inspector  log append DIR seed.json                      (the seed, revealed after the declaration)
 *              escrow challenge --seed seed.json --declaration decl.json -k 10 --out challenge.json
 *   declarer   escrow reveal --secrets lot.secrets.json --challenge challenge.json --out reveal.json
 *   anyone     escrow check reveal.json --log DIR [--seed seed.json]
 *
 * Exit status: 0 clean, 1 a check that found something (findings printed), 2 bad input.
 *
 * Declaring the commands loads nothing else: each action loads
 * escrow-actions.ts (and the ledger) when it runs.
 */
import type { Command } from 'commander';
import { COMMAND_DESCRIPTIONS } from './commands.js';

/** The implementations, loaded when a command runs. */
const actions = (): Promise<typeof import('./escrow-actions.js')> => import('./escrow-actions.js');

export function registerEscrow(program: Command): void {
  const escrow = program.command('escrow').description(COMMAND_DESCRIPTIONS.escrow);

  escrow
    .command('commit')
    .argument(
      '<items>',
      'JSON file: an array of descriptor objects, one per item, e.g. [{"class":"R-12","serial":"8K63-0417"}]',
    )
    .requiredOption('--class <class>', 'the item class named in the agreement (public, goes in the declaration)')
    .requiredOption(
      '--secrets <path>',
      'where to write the secrets file (descriptors, salts, commitments; mode 0600; KEEP IT, never log it)',
    )
    .requiredOption(
      '--declaration <path>',
      'where to write the public declaration (class, count, root) to append to the log',
    )
    .option('--force', 'overwrite existing output files')
    .description(
      'Commit a lot of secret items: a fresh 32-byte salt per item, commitments sorted, their RFC 9162 root. ' +
        "Writes the secrets file (kept by the declaring party) and the declaration (`tally log append DIR DECL.json`, after the inspector's seed commitment). " +
        'Prints the root and count.',
    )
    .action(async (items: string, o: { class: string; secrets: string; declaration: string; force?: boolean }) =>
      (await actions()).commit(items, o),
    );

  escrow
    .command('seed')
    .requiredOption(
      '--out <path>',
      "where to write the inspector's secret seed (mode 0600); after the declaration is logged, append it to the log to reveal it",
    )
    .requiredOption(
      '--commitment <path>',
      'where to write the seed commitment, to append to the log BEFORE the declaration',
    )
    .option('--force', 'overwrite existing output files')
    .description(
      'The inspecting party\'s secret 32-byte seed and its commitment SHA-256("tally/seed/v1\\n" || seed). ' +
        'Log the commitment before the declaration; reveal (log) the seed after it. Prints the seed commitment.',
    )
    .action(async (o: { out: string; commitment: string; force?: boolean }) => (await actions()).seed(o));

  escrow
    .command('challenge')
    .requiredOption('--seed <path>', 'the seed file (from `escrow seed --out`)')
    .requiredOption('--declaration <path>', 'the declaration (as logged)')
    .requiredOption('-k, --k <k>', 'how many distinct items to open')
    .option('--out <path>', 'write the challenge file (for `escrow reveal --challenge`)')
    .option('--json', 'print the challenge and the confidence as JSON')
    .option('--force', 'overwrite an existing --out file')
    .description(
      'Draw the k challenged indices of the declared lot from the seed and the root (docs/escrow.md §4), in draw order, ' +
        'and say what k buys: the probability that f false items among n survive (f = 1 and f = 5 % of n), and the k needed for 90, 95 and 99 %.',
    )
    .action(
      async (o: { seed: string; declaration: string; k: string; out?: string; json?: boolean; force?: boolean }) =>
        (await actions()).challenge(o),
    );

  escrow
    .command('reveal')
    .requiredOption('--secrets <path>', 'the secrets file (from `escrow commit`)')
    .option('--indices <list>', 'the challenged indices, comma-separated (e.g. 1,5,9)')
    .option(
      '--challenge <path>',
      "the challenge file (from `escrow challenge --out`); its root must be the secrets' root",
    )
    .requiredOption('--out <path>', 'where to write the reveal')
    .option('--force', 'overwrite an existing --out file')
    .description(
      'Open the challenged items only: each descriptor, salt and commitment with its inclusion proof against the root. ' +
        'The secrets file is checked first (every salt opens its commitment, root and count match).',
    )
    .action(async (o: { secrets: string; indices?: string; challenge?: string; out: string; force?: boolean }) =>
      (await actions()).reveal(o),
    );

  escrow
    .command('check')
    .argument('<reveal>', 'the reveal file (from `escrow reveal`)')
    .requiredOption('--log <dir>', 'the log holding the declaration')
    .option(
      '--seed <path>',
      "the inspector's seed file; default: the seed revealed in the log after the declaration, when its commitment was logged before it",
    )
    .option('-k, --k <k>', 'with a seed: how many indices were drawn (default: as many as the reveal opens)')
    .option('--json', 'print the result as JSON')
    .description(
      "Verify a reveal against the log alone: the log verifies (when a checkpoint is published), the declaration with the reveal's root is in it, " +
        'every opened item hashes to its commitment and is proven under the root; with a seed, the seed commitment was logged BEFORE the declaration ' +
        'and the revealed indices are exactly the draw. Prints the findings (COMMITMENT_MISMATCH <problem> ...); exit 1 if any, 0 if clean.',
    )
    .action(async (path: string, o: { log: string; seed?: string; k?: string; json?: boolean }) =>
      (await actions()).check(path, o),
    );
}
