/**
 * Re-declaration after the challenge (issue 14, hole 2): the declaring
 * party, once the inspecting party's seed is revealed, commits a lot again
 * with a false item, grinds salts until the public draw misses it, and
 * edits the manifest. The order of the log is part of the rules: the new
 * declaration lands after the reveal and is DECLARATION_AMENDED; a seed
 * commitment logged after the declaration is refused; the reveal comes in
 * a later checkpoint than the declaration.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  commitLot,
  drawChallenge,
  newSeed,
  reveal,
  seedCommitment,
  toHex,
  type Descriptor,
} from '../../src/ledger/index.js';
import { generateCase } from '../../src/scenario/index.js';
import type { Results } from '../../src/verify/index.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-attack-redeclare-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tally(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Challenge {
  lot: string;
  seed: string;
  seed_commitment: string;
  k: number;
  path: string;
}

const manifestOf = (
  dir: string,
): { evidence: { challenges: Challenge[] }; declarations: { lots: { id: string; root: string }[] } } =>
  parse(readFileSync(join(dir, 'case.yaml'), 'utf8')) as never;

describe('hole 2: re-declaration after the challenge', () => {
  it('the reveal is logged in a later checkpoint than the declaration it challenges', async () => {
    const dir = join(root, 'order');
    await generateCase('strait', { out: dir });
    assert.equal(tally('verify', dir, '-q').status, 0);
    const find = (kind: string): number[] =>
      tally('log', 'find', join(dir, 'log'), '--kind', kind).stdout.trim().split(/\s+/).map(Number);
    const declarations = find('declaration');
    const reveals = find('seed-reveal');
    const checkpoints = readdirSync(join(dir, 'log', 'checkpoints')).map(Number);
    for (const r of reveals)
      assert.ok(
        checkpoints.some((s) => s > Math.max(...declarations) && s <= r),
        `a checkpoint between the declarations (up to ${Math.max(...declarations)}) and the reveal ${r}: ${checkpoints.join(',')}`,
      );
  });

  it('a lot committed again after the reveal, salts ground to miss the draw, is DECLARATION_AMENDED', async () => {
    const dir = join(root, 'amend');
    await generateCase('strait', { out: dir });
    assert.equal(tally('verify', dir, '-q').status, 0);
    const m = manifestOf(dir);
    const ch = m.evidence.challenges[0];
    const oldRoot = m.declarations.lots.find((l) => l.id === ch.lot)!.root;
    // The declaring party's own secrets: one item swapped for a false one.
    const secrets = JSON.parse(readFileSync(join(dir, 'private', `${ch.lot}.secrets.json`), 'utf8')) as {
      items: { descriptor: Descriptor }[];
    };
    const items = secrets.items.map((i) => i.descriptor);
    const falseItem = { ...items[0], serial: 'NOT-THE-DECLARED-ONE' };
    items[0] = falseItem;
    // Grind salts until the public draw (the revealed seed) misses the false item.
    let lot = commitLot(items);
    let drawn = drawChallenge(ch.seed, lot.root, lot.count, ch.k);
    const falseAt = (): number => lot.secrets.findIndex((s) => s.descriptor.serial === falseItem.serial);
    for (let tries = 0; drawn.includes(falseAt()); tries++) {
      assert.ok(tries < 200, 'the grind finds salts');
      lot = commitLot(items);
      drawn = drawChallenge(ch.seed, lot.root, lot.count, ch.k);
    }
    const revealPath = ch.path.replace(/\.json$/, '-v2.json');
    writeFileSync(join(dir, revealPath), `${JSON.stringify(reveal(lot, drawn), null, 1)}\n`);
    const yamlPath = join(dir, 'case.yaml');
    writeFileSync(
      yamlPath,
      readFileSync(yamlPath, 'utf8').replaceAll(oldRoot, lot.root).replace(`path: ${ch.path}`, `path: ${revealPath}`),
    );
    // The reveal opens the new commitments, and the draw misses the false item: only the order tells.
    const v = tally('verify', dir, '--json', '-q');
    assert.equal(v.status, 1, v.stderr);
    const r = JSON.parse(v.stdout) as Results;
    assert.equal(r.verdict, 'DISCREPANCY');
    const f = r.findings.find((x) => x.code === 'DECLARATION_AMENDED');
    assert.ok(f, JSON.stringify(r.findings.map((x) => x.code)));
    assert.deepEqual(f.subject, { kind: 'lot', id: ch.lot });
    assert.match(f.message, /declared again with other content .* after its seed was revealed/);
    assert.equal(r.lots.find((l) => l.id === ch.lot)?.verdict, 'DISCREPANCY');
    // escrow check of the new reveal, without --seed, does not say OK.
    const e = tally('escrow', 'check', join(dir, revealPath), '--log', join(dir, 'log'));
    assert.equal(e.status, 1, e.stdout + e.stderr);
    assert.match(e.stdout, /SEED_REVEALED_BEFORE_DECLARATION/);
  });

  it('a seed commitment made after the lot was declared is refused, and nothing is written', async () => {
    const dir = join(root, 'late');
    await generateCase('strait', { out: dir });
    assert.equal(tally('verify', dir, '-q').status, 0);
    const size = readFileSync(join(dir, 'log', 'state.json'), 'utf8');
    const ch = manifestOf(dir).evidence.challenges[0];
    const seed = newSeed();
    const yamlPath = join(dir, 'case.yaml');
    writeFileSync(
      yamlPath,
      readFileSync(yamlPath, 'utf8')
        .replace(ch.seed_commitment, toHex(seedCommitment(seed)))
        .replace(ch.seed, toHex(seed)),
    );
    const v = tally('verify', dir, '-q');
    assert.equal(v.status, 2, v.stderr);
    assert.match(
      v.stderr,
      /evidence\.challenges\[0\]\.seed_commitment: lot \S+ was declared at log entry \d+, before this seed commitment/,
    );
    assert.equal(readFileSync(join(dir, 'log', 'state.json'), 'utf8'), size, 'nothing appended');
  });

  it('escrow check without --seed does not say OK when the log reveals no seed after the declaration', () => {
    const dir = join(root, 'unchecked');
    const decl = join(root, 'decl.json');
    const secrets = join(root, 'lot.secrets.json');
    const items = join(root, 'items.json');
    writeFileSync(items, JSON.stringify([{ serial: 'a' }, { serial: 'b' }, { serial: 'c' }]));
    assert.equal(
      tally('log', 'init', dir, '--origin', 'tally.invalid/unchecked', '--key', join(root, 'u.key')).status,
      0,
    );
    assert.equal(
      tally('escrow', 'commit', items, '--class', 'X', '--secrets', secrets, '--declaration', decl).status,
      0,
    );
    assert.equal(tally('log', 'append', dir, decl).status, 0);
    assert.equal(tally('log', 'checkpoint', dir).status, 0);
    const rev = join(root, 'reveal.json');
    assert.equal(tally('escrow', 'reveal', '--secrets', secrets, '--indices', '0', '--out', rev).status, 0);
    const e = tally('escrow', 'check', rev, '--log', dir);
    assert.equal(e.status, 1, e.stdout);
    assert.match(e.stdout, /ORDER_UNCHECKED/);
  });
});
