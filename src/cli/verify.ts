/**
 * `tally case check CASE_DIR [--json]` and `tally verify CASE_DIR [--out DIR]
 * [--json] [--reproduce RESULTS --key KEY] [--wait S] [-q]`, declared here; what they run is in
 * verify-actions.ts, loaded when they run.
 */
import type { Command } from 'commander';
import { COMMAND_DESCRIPTIONS } from './commands.js';

export interface VerifyCliOptions {
  out?: string;
  json?: boolean;
  reproduce?: string;
  key?: string;
  wait?: string;
  quiet?: boolean;
}

export function registerCase(program: Command): void {
  const cmd = program.command('case').description(COMMAND_DESCRIPTIONS.case);
  cmd
    .command('check')
    .description(
      'validate CASE_DIR/case.yaml against schemas/case.schema.json, its geography, inspection records and evidence files; writes nothing',
    )
    .argument('<case>', 'case directory (or its case.yaml)')
    .option('--json', 'print the problems (or the summary) as JSON')
    .action(async (dir: string, o: { json?: boolean }) =>
      (await import('./verify-actions.js')).caseCheckAction(dir, o),
    );
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(COMMAND_DESCRIPTIONS.verify)
    .argument('<case>', 'case directory (holding case.yaml)')
    .option('--out <dir>', 'where to write results.json, report.html and derived/ (default CASE_DIR/results)')
    .option('--json', 'print results.json on stdout')
    .option(
      '--reproduce <results>',
      'recompute from the logged evidence (writing nothing to the log) and compare with RESULTS, finding by finding',
    )
    .option(
      '--key <verifier>',
      "the operator's verifier key (name+id+base64, or a file holding it), from a source you trust: required with --reproduce; a manifest pinning another key is refused",
    )
    .option('--wait <seconds>', 'how long to wait for another verification of the case to finish (default 30)')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      '\nExit status: 0 VERIFIED, 1 DISCREPANCY, 3 INCOMPLETE, 2 input refused, 4 could not run (the log held by another writer, a crash).\nWith --reproduce: 0 reproduced, 1 not reproduced, 2 refused.',
    )
    .action(async (dir: string, o: VerifyCliOptions) => (await import('./verify-actions.js')).verifyAction(dir, o));
}
