/** `tally scenario generate NAME --out DIR`: a whole verification case from a scenario description (registered by `registerScenario`). */
import type { Command } from 'commander';
import { CaseDirError, VIOLATION_CODES, caseScenarioNames, generateCase } from '../scenario/index.js';
import { UsageError } from './util.js';

interface GenerateCliOptions {
  out: string;
  seed?: string;
  scale?: string;
  violate?: string[];
  force?: boolean;
  json?: boolean;
}

function integer(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${flag}: expected an integer of at least ${min}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function registerScenarioGenerate(scenario: Command): void {
  scenario
    .command('generate')
    .description(
      `a whole verification case (case.yaml, geography, evidence, keys, secrets, truth.json) from a scenario description (NAME: ${caseScenarioNames().join(', ')})`,
    )
    .argument('<name>', 'scenario name')
    .requiredOption(
      '-o, --out <dir>',
      'case directory to write (new or empty; a previously generated case with --force)',
    )
    .option('--seed <n>', "random seed (default: the scenario's own)")
    .option('--scale <n>', 'multiplies the background traffic', '1')
    .option(
      '--violate <code...>',
      `seed violations (several codes, repeatable, or comma-separated): ${VIOLATION_CODES.join(', ')}`,
    )
    .option('--force', 'replace a previously generated case in --out')
    .option('--json', 'print the ground truth as JSON')
    .action(async (name: string, o: GenerateCliOptions) => {
      if (!caseScenarioNames().includes(name)) {
        throw new UsageError(
          `unknown scenario ${JSON.stringify(name)}: expected one of ${caseScenarioNames().join(', ')}`,
        );
      }
      o.violate = (o.violate ?? [])
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '');
      for (const v of o.violate) {
        if (!(VIOLATION_CODES as readonly string[]).includes(v)) {
          throw new UsageError(
            `--violate: unknown code ${JSON.stringify(v)}: expected one of ${VIOLATION_CODES.join(', ')}`,
          );
        }
      }
      const seed = o.seed === undefined ? undefined : integer('--seed', o.seed, 0);
      const scale = integer('--scale', o.scale ?? '1', 1);
      const t0 = Date.now();
      process.stderr.write(
        `generating ${name}${seed === undefined ? '' : ` (seed ${seed})`}, scale ${scale}` +
          `${o.violate?.length ? `, violating ${o.violate.join(', ')}` : ''} into ${o.out}\n`,
      );
      let r;
      try {
        r = await generateCase(name, {
          out: o.out,
          ...(seed === undefined ? {} : { seed }),
          scale,
          violate: o.violate ?? [],
          force: o.force ?? false,
        });
      } catch (e) {
        if (e instanceof CaseDirError || e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
      process.stderr.write(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r.truth, null, 2)}\n`);
        return;
      }
      const f = r.truth.funnel;
      let s = `${r.files.length} files written to ${r.dir}\n`;
      s += `truth: ${r.truth.verdict}; funnel declared ${f.declared}, removed ${f.removed}, departed ${f.departed}, inspected ${f.inspected}, left the zone ${f.left_zone}\n`;
      for (const x of r.truth.findings) s += `  ${x.code} ${x.subject.kind} ${x.subject.id}\n`;
      process.stdout.write(s);
    });
}
