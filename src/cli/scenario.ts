/** `tally scenario ...`: write the project's synthetic inputs. */
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { aisScenario } from '../scenario/index.js';
import { UsageError } from './util.js';
import { registerTrafficScenarios } from './scenario-traffic.js';
import { registerScenarioGenerate } from './scenario-generate.js';

export function registerScenario(program: Command): void {
  const scenario = program.command('scenario').description('generate deterministic synthetic inputs');
  registerTrafficScenarios(scenario);
  registerScenarioGenerate(scenario);
  scenario
    .command('ais')
    .description("an AIS log (NMEA with tag blocks) of seeded vessel traffic, through the project's encoder")
    .option('--seed <n>', 'random seed', '1962')
    .option('--vessels <n>', 'number of vessels', '12')
    .option('--hours <h>', 'duration in hours', '6')
    .option('--start <iso>', 'start time, ISO 8601 UTC', '1962-11-07T00:00:00Z')
    .option('--interval <s>', 'seconds between position reports of a vessel', '60')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(
      async (opts: { seed: string; vessels: string; hours: string; start: string; interval: string; out?: string }) => {
        const num = (name: string, v: string, min: number): number => {
          const n = Number(v);
          if (!Number.isFinite(n) || n < min)
            throw new UsageError(`--${name}: expected a number of at least ${min}, got ${JSON.stringify(v)}`);
          return n;
        };
        const start = Date.parse(opts.start);
        if (Number.isNaN(start))
          throw new UsageError(`--start: expected an ISO 8601 time, got ${JSON.stringify(opts.start)}`);
        const out: NodeJS.WritableStream = opts.out ? createWriteStream(opts.out) : process.stdout;
        let buf = '';
        for (const { lines } of aisScenario({
          seed: num('seed', opts.seed, 0),
          vessels: num('vessels', opts.vessels, 1),
          start,
          durationMs: num('hours', opts.hours, 0) * 3600_000,
          reportIntervalMs: num('interval', opts.interval, 1) * 1000,
        })) {
          buf += lines.join('\n') + '\n';
          if (buf.length > 1 << 16) {
            if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
            buf = '';
          }
        }
        out.write(buf);
        if (opts.out) await new Promise<void>((r) => out.end(() => r()));
      },
    );
}
