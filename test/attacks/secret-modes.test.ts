/**
 * Attack: secrets readable by anyone (issue 14, item 7). Another user of the
 * machine reads a case's keys (the operator's included) or the declaring
 * party's salts. Every key and secret file a command writes is 0600 in a
 * folder only its owner can open, whatever the umask: each command runs
 * here under `umask 000`, the most permissive one.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tally-attack-modes-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** `tally ARGS` under umask 000, so that a mode can come only from the command itself. */
function tally(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawnSync('/bin/sh', ['-c', `umask 000 && exec ${quoted}`], { encoding: 'utf8' });
}

const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);

function assertSecret(file: string): void {
  assert.equal(mode(file), '600', `${file} is mode ${mode(file)}, not 600`);
}

function assertPrivateFolder(dir: string): void {
  assert.equal(mode(dir), '700', `${dir} is mode ${mode(dir)}, not 700`);
}

test('scenario generate: every key and secret 0600, keys/ and private/ 0700', () => {
  const dir = join(root, 'case');
  const r = tally('scenario', 'generate', 'strait', '--out', dir);
  assert.equal(r.status, 0, r.stderr);
  const keys = readdirSync(join(dir, 'keys')).sort();
  // The operator's key and each party's two keys (signed-note and cosigner).
  assert.deepEqual(keys, [
    'declarant.cosigner.key',
    'declarant.key',
    'inspectorate.cosigner.key',
    'inspectorate.key',
    'observer.cosigner.key',
    'observer.key',
    'operator.key',
  ]);
  const secrets = readdirSync(join(dir, 'private'));
  assert.ok(secrets.length > 0);
  assertPrivateFolder(join(dir, 'keys'));
  assertPrivateFolder(join(dir, 'private'));
  for (const k of keys) assertSecret(join(dir, 'keys', k));
  for (const s of secrets) assertSecret(join(dir, 'private', s));
  // No temporary file is left beside them.
  assert.ok(![...keys, ...secrets].some((f) => f.endsWith('.tmp')));
});

test('scenario generate --force over a case whose folders were opened up tightens them again', () => {
  const dir = join(root, 'case-again');
  assert.equal(tally('scenario', 'generate', 'strait', '--out', dir).status, 0);
  chmodSync(join(dir, 'keys', 'operator.key'), 0o644);
  chmodSync(join(dir, 'keys'), 0o777);
  const again = tally('scenario', 'generate', 'strait', '--out', dir, '--force');
  assert.equal(again.status, 0, again.stderr);
  assertPrivateFolder(join(dir, 'keys'));
  assertSecret(join(dir, 'keys', 'operator.key'));
});

test('log init: the signing key 0600 in a new folder 0700', () => {
  const base = join(root, 'init');
  mkdirSync(base);
  const r = tally(
    'log',
    'init',
    join(base, 'log'),
    '--origin',
    'example.org/modes',
    '--key',
    join(base, 'keys', 'op.key'),
  );
  assert.equal(r.status, 0, r.stderr);
  assertPrivateFolder(join(base, 'keys'));
  assertSecret(join(base, 'keys', 'op.key'));
});

test('log keygen: signed-note and cosigner keys 0600 in a new folder 0700; a folder others open is named', () => {
  const base = join(root, 'keygen');
  for (const [name, extra] of [
    ['note', []],
    ['cosigner', ['--cosigner']],
  ] as const) {
    const r = tally('log', 'keygen', `example.org/${name}`, '--out', join(base, 'keys', `${name}.key`), ...extra);
    assert.equal(r.status, 0, r.stderr);
    assertSecret(join(base, 'keys', `${name}.key`));
  }
  assertPrivateFolder(join(base, 'keys'));
  // A folder the user chose, open to others: the key is still 0600, and the command says so.
  const open = join(base, 'open');
  mkdirSync(open, { mode: 0o777 });
  const r = tally('log', 'keygen', 'example.org/open', '--out', join(open, 'k.key'));
  assert.equal(r.status, 0, r.stderr);
  assertSecret(join(open, 'k.key'));
  assert.match(r.stderr, /can be opened by other users/);
});

test('escrow seed and commit: the seed and the salts 0600; their public halves are not secret', () => {
  const base = join(root, 'escrow');
  mkdirSync(base);
  const items = join(base, 'items.json');
  writeFileSync(items, JSON.stringify([{ serial: 'A-1' }, { serial: 'A-2' }]));
  const s = tally(
    'escrow',
    'seed',
    '--out',
    join(base, 'private', 'seed.json'),
    '--commitment',
    join(base, 'seed-commitment.json'),
  );
  assert.equal(s.status, 0, s.stderr);
  const c = tally(
    'escrow',
    'commit',
    items,
    '--class',
    'R-12',
    '--secrets',
    join(base, 'private', 'lot.secrets.json'),
    '--declaration',
    join(base, 'decl.json'),
  );
  assert.equal(c.status, 0, c.stderr);
  assertPrivateFolder(join(base, 'private'));
  assertSecret(join(base, 'private', 'seed.json'));
  assertSecret(join(base, 'private', 'lot.secrets.json'));
  // --force replaces a secret and keeps it 0600.
  const again = tally(
    'escrow',
    'seed',
    '--out',
    join(base, 'private', 'seed.json'),
    '--commitment',
    join(base, 'seed-commitment-2.json'),
    '--force',
  );
  assert.equal(again.status, 0, again.stderr);
  assertSecret(join(base, 'private', 'seed.json'));
});
