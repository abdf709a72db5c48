#!/usr/bin/env node
/** The `tally` command. */
import { Command, CommanderError } from 'commander';
import { COMMAND_DESCRIPTIONS, type CommandName } from './commands.js';
import { CheckFailed, ExitStatus, UsageError } from './util.js';

/**
 * How to declare each top-level command. Modules are imported only for the
 * command being run (the imagery, log and verification modules pull in
 * sharp, geotiff, proj4, ajv...): start-up stays small for every command.
 */
const COMMANDS: Record<CommandName, (program: Command) => Promise<void>> = {
  ais: async (p) => (await import('./ais.js')).registerAis(p),
  tracks: async (p) => (await import('./tracks.js')).registerTracks(p),
  scenario: async (p) => (await import('./scenario.js')).registerScenario(p),
  imagery: async (p) => (await import('./imagery.js')).registerImagery(p),
  log: async (p) => (await import('./log.js')).registerLog(p),
  escrow: async (p) => (await import('./escrow.js')).registerEscrow(p),
  case: async (p) => (await import('./verify.js')).registerCase(p),
  verify: async (p) => (await import('./verify.js')).registerVerify(p),
};

/** Commands whose top-level help line shows their arguments, so the listing declares them whole. */
const LEAVES: ReadonlySet<CommandName> = new Set(['verify']);

const isCommand = (name: string | undefined): name is CommandName =>
  name !== undefined && Object.hasOwn(COMMANDS, name);

/**
 * The program. With `command` naming one (or `help COMMAND`), only that
 * command is declared, whole; otherwise every command is listed by its
 * description alone, which loads none of them.
 */
export async function buildProgram(command?: string, sub?: string): Promise<Command> {
  const program = new Command();
  program
    .name('tally')
    .description('Verifies the declared removal of items from a territory, from imagery, AIS and inspections at sea.')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  const only = isCommand(command) ? command : command === 'help' && isCommand(sub) ? sub : undefined;
  if (only) {
    await COMMANDS[only](program);
    return program;
  }
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    if (LEAVES.has(name)) await COMMANDS[name](program);
    else program.command(name).description(COMMAND_DESCRIPTIONS[name]);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv[2], argv[3])).parseAsync(argv);
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
    if (e instanceof ExitStatus) {
      if (e.message) process.stderr.write(`tally: ${e.message}\n`);
      return e.status;
    }
    // A fault of the program, not of its input: status 4 ("could not run"), the stack only on request.
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(
      `tally: internal error: ${err.message}\n` +
        (process.env.TALLY_DEBUG ? `${err.stack ?? ''}\n` : '  (TALLY_DEBUG=1 prints where it happened)\n'),
    );
    return 4;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
