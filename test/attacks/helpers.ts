/**
 * What the attack tests share: a generated strait case copied per attack,
 * and the real CLI run on it. An attacker here has write access to the
 * case folder and no keys: every attack edits files directly.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCase } from '../../src/scenario/index.js';

export const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

/** A generated strait case in a temporary folder; `copy(name)` gives each attack its own. */
export async function strait(
  prefix: string,
): Promise<{ root: string; copy: (name: string) => string; done: () => void }> {
  const root = mkdtempSync(join(tmpdir(), `tally-attack-${prefix}-`));
  await generateCase('strait', { out: join(root, 'clean') });
  return {
    root,
    copy: (name) => {
      const d = join(root, name);
      cpSync(join(root, 'clean'), d, { recursive: true, verbatimSymlinks: true });
      return d;
    },
    done: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Replaces `from` (which must occur) by `to` in the case's file `rel`. */
export function edit(dir: string, rel: string, from: string | RegExp, to: string): void {
  const p = join(dir, rel);
  const text = readFileSync(p, 'utf8');
  const out = text.replace(from, to);
  assert.notEqual(out, text, `${rel}: ${String(from)} not found`);
  writeFileSync(p, out);
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** `tally ARGS`, killed after `timeoutMs` (a hang is a failure the test reports, not one it waits on). */
export function tally(args: string[], timeoutMs = 60_000): Run {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined || r.signal !== null };
}

/**
 * The CLI refused the case: exit 2, a message naming `file:line: field`,
 * no stack trace, and (for verify) no log written.
 */
export function assertRefused(r: Run, where: RegExp, dir?: string): void {
  assert.ok(!r.timedOut, 'the command hung');
  assert.equal(r.status, 2, `exit status (stderr: ${r.stderr})`);
  assert.match(r.stderr, where);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'a stack trace');
  if (dir) assert.ok(!existsSync(join(dir, 'log')), 'a log was written for a refused case');
}
