import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { challengesNeeded, drawChallenge, survivalProbability } from '../src/ledger/escrow.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tally-escrow-'));
const p = (name: string): string => join(dir, name);

function tally(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(args: string[]): string {
  const r = tally(args);
  assert.equal(r.code, 0, `tally ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const json = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(p(name), 'utf8')) as Record<string, unknown>;

const N = 40;
const K = 8;
const items = Array.from({ length: N }, (_, i) => ({
  class: 'R-12',
  serial: `8K63-${String(417 + i).padStart(4, '0')}`,
  site: i % 2 ? 'Sagua la Grande' : 'San Cristóbal',
}));
writeFileSync(p('items.json'), JSON.stringify(items));

// The protocol, in order: log, seed commitment, declaration, seed reveal, checkpoint, challenge, reveal.
ok(['log', 'init', p('log'), '--origin', 'example.org/escrow-test']);
ok(['escrow', 'seed', '--out', p('seed.json'), '--commitment', p('seed-commitment.json')]);
ok(['log', 'append', p('log'), p('seed-commitment.json')]);
const commitOut = ok([
  'escrow',
  'commit',
  p('items.json'),
  '--class',
  'R-12',
  '--secrets',
  p('lot.secrets.json'),
  '--declaration',
  p('decl.json'),
]);
ok(['log', 'append', p('log'), p('decl.json')]);
ok(['log', 'append', p('log'), p('seed.json')]);
ok(['log', 'checkpoint', p('log')]);
const decl = json('decl.json');
const seed = json('seed.json');

test('commit writes a secrets file (0600) and a declaration with only class, count and root', () => {
  assert.match(commitOut, new RegExp(`^root ${String(decl.root)}\ncount ${N}\n`));
  assert.deepEqual(Object.keys(decl).sort(), ['class', 'count', 'format', 'kind', 'root']);
  assert.equal(decl.format, 'tally/escrow/declaration/v1');
  assert.equal(decl.count, N);
  assert.equal(statSync(p('lot.secrets.json')).mode & 0o777, 0o600);
  assert.equal(statSync(p('seed.json')).mode & 0o777, 0o600);
  assert.ok(!readFileSync(p('decl.json'), 'utf8').includes('8K63'), 'no descriptor in the declaration');
  const again = tally([
    'escrow',
    'commit',
    p('items.json'),
    '--class',
    'R-12',
    '--secrets',
    p('lot.secrets.json'),
    '--declaration',
    p('decl.json'),
  ]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists; refusing to overwrite/);
});

test('challenge draws the indices of the library and says what k buys', () => {
  const r = ok([
    'escrow',
    'challenge',
    '--seed',
    p('seed.json'),
    '--declaration',
    p('decl.json'),
    '-k',
    String(K),
    '--json',
    '--out',
    p('challenge.json'),
  ]);
  const c = JSON.parse(r) as {
    indices: number[];
    confidence: { rows: { f: number; survival: number; kFor90: number; kFor95: number; kFor99: number }[] };
  };
  const want = drawChallenge(seed.seed as string, decl.root as string, N, K);
  assert.deepEqual(c.indices, want);
  assert.deepEqual(json('challenge.json').indices, want);
  assert.deepEqual(
    c.confidence.rows.map((x) => x.f),
    [1, 2],
  );
  for (const row of c.confidence.rows) {
    assert.equal(row.survival, survivalProbability(N, row.f, K));
    assert.deepEqual(
      [row.kFor90, row.kFor95, row.kFor99],
      [0.9, 0.95, 0.99].map((q) => challengesNeeded(N, row.f, q)),
    );
  }
  const text = ok(['escrow', 'challenge', '--seed', p('seed.json'), '--declaration', p('decl.json'), '-k', String(K)]);
  assert.match(text, new RegExp(`^indices ${want.join(',')}\n`));
  assert.match(text, /f = 1: survives k = 8 with probability 80\.00 %/);
  assert.match(text, /f = 2 \(5 % of n\)/);
});

test('reveal then check: clean against the log, with the seed from the log or from the file', () => {
  ok([
    'escrow',
    'reveal',
    '--secrets',
    p('lot.secrets.json'),
    '--challenge',
    p('challenge.json'),
    '--out',
    p('reveal.json'),
  ]);
  const rev = json('reveal.json');
  assert.equal((rev.items as unknown[]).length, K);
  const fromLog = ok(['escrow', 'check', p('reveal.json'), '--log', p('log')]);
  assert.match(fromLog, /declaration: entry 1, class R-12, count 40/);
  assert.match(fromLog, /seed: from the log \(entry 2\), commitment [0-9a-f]{64} logged at entry 0/);
  assert.match(fromLog, /checkpoint: size 3 verified, covers the declaration/);
  assert.match(fromLog, /OK: the reveal opens the declared lot/);
  const withSeed = JSON.parse(
    ok(['escrow', 'check', p('reveal.json'), '--log', p('log'), '--seed', p('seed.json'), '--json']),
  ) as Record<string, unknown>;
  assert.equal(withSeed.ok, true);
  assert.deepEqual(withSeed.findings, []);
  assert.deepEqual((withSeed.seed as { drawn: number[] }).drawn, json('challenge.json').indices);
  // --indices gives the same reveal as --challenge.
  ok([
    'escrow',
    'reveal',
    '--secrets',
    p('lot.secrets.json'),
    '--indices',
    (json('challenge.json').indices as number[]).join(','),
    '--out',
    p('reveal-b.json'),
  ]);
  assert.deepEqual(json('reveal-b.json'), rev);
});

test('a tampered reveal (descriptor changed) exits 1 with COMMITMENT_MISMATCH', () => {
  const rev = json('reveal.json') as { items: { descriptor: Record<string, unknown> }[] };
  rev.items[0].descriptor.serial = '8K63-9999';
  writeFileSync(p('tampered.json'), JSON.stringify(rev));
  const r = tally(['escrow', 'check', p('tampered.json'), '--log', p('log')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /COMMITMENT_MISMATCH DOES_NOT_OPEN index \d+/);
  assert.match(r.stderr, /FAILED: 1 finding\(s\): DOES_NOT_OPEN/);
  const j = tally(['escrow', 'check', p('tampered.json'), '--log', p('log'), '--json']);
  assert.equal(j.code, 1);
  const out = JSON.parse(j.stdout) as { ok: boolean; findings: { code: string; problem: string }[] };
  assert.equal(out.ok, false);
  assert.deepEqual(
    out.findings.map((f) => [f.code, f.problem]),
    [['COMMITMENT_MISMATCH', 'DOES_NOT_OPEN']],
  );
});

test('revealing indices other than the draw is a finding', () => {
  const drawn = new Set(json('challenge.json').indices as number[]);
  const other = Array.from({ length: N }, (_, i) => i)
    .filter((i) => !drawn.has(i))
    .slice(0, K);
  ok([
    'escrow',
    'reveal',
    '--secrets',
    p('lot.secrets.json'),
    '--indices',
    other.join(','),
    '--out',
    p('reveal-other.json'),
  ]);
  // Without a seed anywhere, the opened items are sound...
  const r = tally(['escrow', 'check', p('reveal-other.json'), '--log', p('log'), '--seed', p('seed.json')]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /COMMITMENT_MISMATCH NOT_CHALLENGED index \d+/);
  assert.match(r.stdout, /COMMITMENT_MISMATCH CHALLENGE_UNANSWERED index \d+/);
  // ...and the seed revealed in the log is used by default.
  const d = tally(['escrow', 'check', p('reveal-other.json'), '--log', p('log')]);
  assert.equal(d.code, 1);
  assert.match(d.stdout, /NOT_CHALLENGED/);
  // Revealing fewer than drawn: with -k, the missing ones are unanswered.
  const drawnList = json('challenge.json').indices as number[];
  ok([
    'escrow',
    'reveal',
    '--secrets',
    p('lot.secrets.json'),
    '--indices',
    drawnList.slice(0, K - 1).join(','),
    '--out',
    p('reveal-short.json'),
  ]);
  const s = tally([
    'escrow',
    'check',
    p('reveal-short.json'),
    '--log',
    p('log'),
    '--seed',
    p('seed.json'),
    '-k',
    String(K),
  ]);
  assert.equal(s.code, 1);
  assert.match(s.stdout, new RegExp(`CHALLENGE_UNANSWERED index ${drawnList[K - 1]}`));
});

test('a declaration not in the log is a clear error', () => {
  writeFileSync(p('items2.json'), JSON.stringify(items.slice(0, 5)));
  ok([
    'escrow',
    'commit',
    p('items2.json'),
    '--class',
    'R-12',
    '--secrets',
    p('lot2.secrets.json'),
    '--declaration',
    p('decl2.json'),
  ]);
  ok(['escrow', 'reveal', '--secrets', p('lot2.secrets.json'), '--indices', '0,3', '--out', p('reveal2.json')]);
  const r = tally(['escrow', 'check', p('reveal2.json'), '--log', p('log')]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `no declaration with root ${String(json('decl2.json').root)} in the log .* \\(3 entries up to its signed checkpoint\\)`,
    ),
  );
  assert.equal(r.stdout, '');
});

test('a seed commitment logged after the declaration voids the challenge', () => {
  ok(['log', 'init', p('log2'), '--origin', 'example.org/escrow-late']);
  ok(['log', 'append', p('log2'), p('decl2.json')]);
  ok(['escrow', 'seed', '--out', p('seed2.json'), '--commitment', p('seed2-commitment.json')]);
  ok(['log', 'append', p('log2'), p('seed2-commitment.json')]);
  ok(['log', 'checkpoint', p('log2')]);
  const ch = JSON.parse(
    ok(['escrow', 'challenge', '--seed', p('seed2.json'), '--declaration', p('decl2.json'), '-k', '2', '--json']),
  ) as { indices: number[] };
  ok([
    'escrow',
    'reveal',
    '--secrets',
    p('lot2.secrets.json'),
    '--indices',
    ch.indices.join(','),
    '--out',
    p('reveal3.json'),
  ]);
  const r = tally(['escrow', 'check', p('reveal3.json'), '--log', p('log2'), '--seed', p('seed2.json')]);
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /SEED_LOGGED_AFTER_DECLARATION: the seed's commitment [0-9a-f]{64} was logged at entry 1, after the declaration \(entry 0\)/,
  );
  assert.match(r.stdout, /checkpoint: size 2 verified, covers the declaration/);
  // A seed never logged.
  ok(['escrow', 'seed', '--out', p('seed3.json'), '--commitment', p('seed3-commitment.json')]);
  const n = tally(['escrow', 'check', p('reveal3.json'), '--log', p('log2'), '--seed', p('seed3.json'), '-k', '2']);
  assert.equal(n.code, 1);
  assert.match(n.stdout, /SEED_NOT_LOGGED/);
});

test('bad input exits 2 with a clear message', () => {
  const cases: [string[], RegExp][] = [
    [
      ['escrow', 'reveal', '--secrets', p('lot.secrets.json'), '--out', p('x.json')],
      /give exactly one of --indices and --challenge/,
    ],
    [
      ['escrow', 'reveal', '--secrets', p('lot.secrets.json'), '--indices', '1,x', '--out', p('x.json')],
      /--indices: expected comma-separated/,
    ],
    [
      ['escrow', 'reveal', '--secrets', p('lot.secrets.json'), '--indices', '40', '--out', p('x.json')],
      /index 40 is outside the lot of 40/,
    ],
    [
      ['escrow', 'reveal', '--secrets', p('decl.json'), '--indices', '1', '--out', p('x.json')],
      /secrets file: format must be/,
    ],
    [
      ['escrow', 'challenge', '--seed', p('seed.json'), '--declaration', p('decl.json'), '-k', '41'],
      /-k 41: the lot has only 40 items/,
    ],
    [
      ['escrow', 'challenge', '--seed', p('decl.json'), '--declaration', p('decl.json'), '-k', '1'],
      /seed file .*: format must be tally\/escrow\/seed\/v1/,
    ],
    [
      ['escrow', 'commit', p('decl.json'), '--class', 'R-12', '--secrets', p('a.json'), '--declaration', p('b.json')],
      /expected a JSON array of descriptor objects/,
    ],
    [['escrow', 'check', p('reveal.json'), '--log', p('nope')], /not a log/],
    [['escrow', 'check', p('missing.json'), '--log', p('log')], /missing\.json: cannot read this file/],
  ];
  for (const [args, re] of cases) {
    const r = tally(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  writeFileSync(p('garbage.json'), '[1,2]');
  const g = tally(['escrow', 'check', p('garbage.json'), '--log', p('log')]);
  assert.equal(g.code, 1);
  assert.match(g.stdout, /COMMITMENT_MISMATCH MALFORMED: the reveal is not a JSON object/);
});
