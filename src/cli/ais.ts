/** `tally ais ...`: decode AIS logs to JSONL or CSV (declared here; run by ais-decode.ts). */
import type { Command } from 'commander';
import { COMMAND_DESCRIPTIONS } from './commands.js';
import type { DecodeCliOptions } from './ais-decode.js';

export function registerAis(program: Command): void {
  const ais = program.command('ais').description(COMMAND_DESCRIPTIONS.ais);
  ais
    .command('decode')
    .description('decode AIS messages to JSONL (gpsd field names) or CSV')
    .argument('<files...>', 'NMEA or CSV files; "-" reads standard input')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--types <list>', 'only these message types, e.g. 1,2,3')
    .option('--strict', 'stop with an error at the first rejected line')
    .option('--summary-json <file>', 'also write the summary as JSON to this file')
    .option('-q, --quiet', 'no progress bar and no summary on stderr')
    .action(async (files: string[], opts: DecodeCliOptions) =>
      (await import('./ais-decode.js')).decodeAction(files, opts),
    );
}
