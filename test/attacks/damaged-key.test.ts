/**
 * Attack: a damaged key file (issue 14, item 12). A kill while the operator
 * key was being made left keys/operator.key empty, or someone with write
 * access to the case folder truncated it, filled it with garbage or put a
 * key of the other type there. Every later run must refuse with exit 2,
 * naming the file and what is wrong, with no stack trace, and append
 * nothing to the log.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tally-attack-key-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tally(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/** A refusal as the house wants it: exit 2, the file named, no stack trace. */
function assertRefused(r: ReturnType<typeof tally>, file: string, why: RegExp): void {
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  assert.ok(r.stderr.includes(file), `the message names ${file}: ${r.stderr}`);
  assert.match(r.stderr, why);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const damages: [string, (good: string) => string | Buffer, RegExp][] = [
  ['empty (killed while the key was made)', () => '', /is empty/],
  ['truncated', (good) => good.slice(0, 40), /damaged or truncated/],
  ['truncated inside its key bytes', (good) => good.trim().slice(0, -8) + '\n', /damaged or truncated/],
  ['garbage', () => Buffer.from([0x00, 0xff, 0x13, 0x37, 0x80, 0x81, 0xfe]), /not text/],
  ['another file', () => 'format: tally/case/v1\nid: x\n', /holds 2 lines/],
  ['its verifier (public) key', () => 'tally.invalid/case/strait+caccf57d+AbWiAAAA\n', /verifier \(public\) key/],
];

describe('a damaged keys/operator.key', () => {
  const clean = join(root, 'clean');
  let cosignerKey = '';
  before(() => {
    const g = tally('scenario', 'generate', 'strait', '--out', clean);
    assert.equal(g.status, 0, g.stderr);
    cosignerKey = readFileSync(join(clean, 'keys', 'observer.cosigner.key'), 'utf8');
  });

  it('before the log exists: verify refuses and creates no log', () => {
    const dir = join(root, 'no-log');
    cpSync(clean, dir, { recursive: true });
    const key = join(dir, 'keys', 'operator.key');
    writeFileSync(key, '');
    assertRefused(tally('verify', dir, '--quiet'), key, /is empty/);
    assert.throws(() => readFileSync(join(dir, 'log', 'log.json')), /ENOENT/, 'no log was created');
  });

  it('once the log exists: verify, log checkpoint and log append refuse, and nothing is appended', () => {
    const dir = join(root, 'logged');
    cpSync(clean, dir, { recursive: true });
    const first = tally('verify', dir, '--quiet');
    assert.ok(first.status === 0 || first.status === 1, first.stderr);
    const key = join(dir, 'keys', 'operator.key');
    const good = readFileSync(key, 'utf8');
    const checkpoint = readFileSync(join(dir, 'log', 'checkpoint'), 'utf8');
    const all: [string, string | Buffer, RegExp][] = [
      ...damages.map(([what, f, why]) => [what, f(good), why] as [string, string | Buffer, RegExp]),
      [
        'a cosigner key (type 0x04)',
        cosignerKey,
        /cosigner key \(type 0x04.*a signed-note key \(type 0x01\) is needed/,
      ],
    ];
    for (const [what, bytes, why] of all) {
      writeFileSync(key, bytes);
      const v = tally('verify', dir, '--quiet');
      assertRefused(v, key, why);
      assert.equal(readFileSync(join(dir, 'log', 'checkpoint'), 'utf8'), checkpoint, `${what}: the log is unchanged`);
      assertRefused(tally('log', 'checkpoint', join(dir, 'log')), key, why);
      const extra = join(root, 'extra.json');
      writeFileSync(extra, JSON.stringify({ kind: 'note', text: what }));
      assertRefused(tally('log', 'append', join(dir, 'log'), extra), key, why);
      assert.equal(readFileSync(join(dir, 'log', 'checkpoint'), 'utf8'), checkpoint, `${what}: nothing appended`);
    }
    // The key restored, the case verifies again and the log audits clean.
    writeFileSync(key, good);
    const again = tally('verify', dir, '--quiet');
    assert.equal(again.status, first.status, again.stderr);
    assert.equal(tally('log', 'audit', join(dir, 'log')).status, 0);
  });

  it('a damaged cosigner key: log cosign refuses, naming the file', () => {
    const dir = join(root, 'logged');
    const key = join(dir, 'keys', 'observer.cosigner.key');
    const good = readFileSync(key, 'utf8');
    for (const [, f, why] of damages) {
      writeFileSync(key, f(good));
      assertRefused(tally('log', 'cosign', join(dir, 'log'), '--key', key), key, why);
    }
    assertRefused(
      tally('log', 'cosign', join(dir, 'log'), '--key', join(dir, 'keys', 'missing.key')),
      'missing.key',
      /does not exist/,
    );
  });
});
