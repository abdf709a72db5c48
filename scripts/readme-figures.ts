/**
 * The README's table of figures, rendered from bench/results/*.json: the
 * figures are written by what measured them and never retyped.
 *
 *   node dist/scripts/readme-figures.js           print the block
 *   node dist/scripts/readme-figures.js --write   put it into README.md between the markers
 *   node dist/scripts/readme-figures.js --check   exit 1 when README.md's block differs
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, RESULTS_DIR, type ReadmeFigures } from '../bench/results.js';

const BEGIN = '<!-- figures:begin -->';
const END = '<!-- figures:end -->';

/** The checks in the order the README shows them. */
const CHECKS = ['imagery-accuracy', 'ais', 'tracks', 'imagery', 'ledger', 'startup'];

interface Saved {
  name: string;
  command: string;
  measured_at: string;
  commit: string | null;
  machine: { cpus: number; cpu_model: string | null; memory_gib: number; node: string };
  readme: ReadmeFigures;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(columns: string[], rows: string[][]): string[] {
  return [
    `| ${columns.map(cell).join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

function section(s: Saved): string[] {
  const r = s.readme;
  const m = s.machine;
  const out = [
    `### ${r.title}`,
    '',
    `\`${s.command}\`: ${r.note}. Measured ${s.measured_at.slice(0, 10)}${s.commit ? ` at ${s.commit}` : ''} on ${m.cpus} × ${m.cpu_model ?? 'CPU'}, ${m.memory_gib} GiB, Node ${m.node} ([bench/results/${s.name}.json](bench/results/${s.name}.json)).`,
    '',
    ...table(r.columns, r.rows),
  ];
  if (r.targets.length) {
    out.push(
      '',
      ...table(
        ['target', 'measured', 'outcome'],
        r.targets.map((t) => [t.name, t.measured, outcome(t.pass)]),
      ),
    );
  }
  return out;
}

const outcome = (pass: boolean | null): string => (pass === null ? 'not measured' : pass ? 'met' : '**missed**');

/** The block between the markers, from the files now under bench/results/. */
function renderFigures(dir = RESULTS_DIR): string {
  const out: string[] = [];
  for (const name of CHECKS) {
    const path = join(dir, `${name}.json`);
    if (!existsSync(path)) {
      out.push(`### ${name}`, '', `Not measured yet: bench/results/${name}.json is missing.`, '');
      continue;
    }
    out.push(...section(JSON.parse(readFileSync(path, 'utf8')) as Saved), '');
  }
  return `${BEGIN}\n${out.join('\n').trimEnd()}\n${END}`;
}

/** README.md with its block replaced by `block`; throws when the markers are missing. */
function withFigures(readme: string, block: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md: expected the markers ${BEGIN} and ${END}`);
  return readme.slice(0, a) + block + readme.slice(b + END.length);
}

function main(): void {
  const readmePath = join(REPO_ROOT, 'README.md');
  const block = renderFigures();
  if (process.argv.includes('--write')) {
    writeFileSync(readmePath, withFigures(readFileSync(readmePath, 'utf8'), block));
    process.stderr.write(`README.md: figures written from ${RESULTS_DIR}\n`);
  } else if (process.argv.includes('--check')) {
    const readme = readFileSync(readmePath, 'utf8');
    if (withFigures(readme, block) !== readme) {
      process.stderr.write(
        'README.md: the figures differ from bench/results/ (run node dist/scripts/readme-figures.js --write)\n',
      );
      process.exitCode = 1;
    }
  } else process.stdout.write(`${block}\n`);
}

main();
