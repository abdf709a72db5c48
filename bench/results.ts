/**
 * Where benchmarks and accuracy checks leave their figures: one JSON file
 * per check under bench/results/, committed, and cited by the README, so
 * that a figure is written by what measured it and never retyped.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench -> the repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

function commit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

/** What the README's table of figures shows of a check: a title, a table, and the targets with their outcome. */
export interface ReadmeFigures {
  title: string;
  /** One line under the title: what was measured and how. */
  note: string;
  columns: string[];
  rows: string[][];
  targets: { name: string; measured: string; pass: boolean | null }[];
}

/**
 * Writes bench/results/NAME.json: the figures with when, where and from
 * which commit they were measured, and the command that measures them.
 * Returns the path.
 */
export function saveResults(name: string, command: string, readme: ReadmeFigures, figures: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  const doc = {
    name,
    command,
    measured_at: new Date().toISOString(),
    commit: commit(),
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? null,
      memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    readme,
    figures,
  };
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}
