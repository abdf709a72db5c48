#!/usr/bin/env node
/** The `tally` command. */
import { Command, CommanderError } from 'commander';
import { registerAis } from './ais.js';
import { registerImagery } from './imagery.js';
import { registerLog } from './log.js';
import { registerEscrow } from './escrow.js';
import { registerImageryDegrade } from './imagery-degrade.js';
import { registerImageryCount } from './imagery-count.js';
import { registerImageryChange } from './imagery-change.js';
import { registerScenario } from './scenario.js';
import { registerTracks } from './tracks.js';
import { registerCase, registerVerify } from './verify.js';
import { CheckFailed, UsageError } from './util.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tally')
    .description('Verifies the declared removal of items from a territory, from imagery, AIS and inspections at sea.')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerAis(program);
  registerTracks(program);
  registerScenario(program);
  const imagery = registerImagery(program);
  registerImageryDegrade(imagery);
  registerImageryCount(imagery);
  registerImageryChange(imagery);
  registerLog(program);
  registerEscrow(program);
  registerCase(program);
  registerVerify(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError) {
      process.stderr.write(`tally: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CheckFailed) {
      process.stderr.write(`tally: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`tally: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
