/**
 * Attacks on the log by someone who can write the published case folder
 * but holds no key (issue 14, holes 1, 3, 6, 10 and 13). Each builds its
 * attack from the project's public code and plain file writes, as an
 * outsider with a copy of Tally would, and checks that the verdict holds.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCase } from '../../src/case/index.js';
import { collectEvidence } from '../../src/evidence/index.js';
import { encodeEntry, Log, parseSignerKey, signCheckpoint } from '../../src/ledger/index.js';
import { generateCase } from '../../src/scenario/index.js';
import type { Results } from '../../src/verify/index.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-attack-log-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tally(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;
const verifierKeyOf = (dir: string): string =>
  readJson<{ verifier_key: string }>(join(dir, 'log', 'log.json')).verifier_key;
const checkpointSize = (dir: string): number =>
  Number(readFileSync(join(dir, 'log', 'checkpoint'), 'utf8').split('\n')[1]);
const stateSize = (dir: string): number => readJson<{ size: number }>(join(dir, 'log', 'state.json')).size;

/** The published folder as an outsider gets it: no keys, no secrets. */
function publishedCopy(dir: string, to: string): string {
  cpSync(dir, to, {
    recursive: true,
    filter: (src) => !/\/(keys|private)(\/|$)|truth\.json$/.test(src.slice(dir.length)),
  });
  return to;
}

/**
 * The attack of hole 1: every inspection record edited to count what its
 * shipment declared, and its evidence entry appended to the log's tiles
 * (no key needed: the tiles and state.json are plain files); no checkpoint
 * can be signed without the key.
 */
async function appendEditedInspections(dir: string): Promise<number> {
  const c = loadCase(dir);
  const declared = new Map(c.manifest.declarations.shipments.map((s) => [s.vessel.mmsi, s.count]));
  const edited: string[] = [];
  for (const name of readdirSync(join(dir, 'evidence', 'inspections'))) {
    const p = join(dir, 'evidence', 'inspections', name);
    const rec = readJson<{ vessel_mmsi: number; observed_count: number }>(p);
    const want = declared.get(rec.vessel_mmsi);
    if (want !== undefined && want !== rec.observed_count) {
      rec.observed_count = want;
      writeFileSync(p, `${JSON.stringify(rec, null, 1)}\n`);
      edited.push(`evidence/inspections/${name}`);
    }
  }
  assert.ok(edited.length > 0, 'the seeded COUNT_MISMATCH has an inspection to edit');
  const items = (await collectEvidence(loadCase(dir))).filter((i) => edited.includes(i.path));
  const log = await Log.open(join(dir, 'log'), { write: true });
  try {
    await log.append(items.map((i) => encodeEntry(i.record, i.path)));
  } finally {
    await log.close();
  }
  return items.length;
}

describe('hole 1: the unsigned tail', () => {
  let operator: string;
  let honest: Results;
  let signedBefore: number;
  before(async () => {
    operator = join(root, 'tail');
    await generateCase('strait', { out: operator, violate: ['COUNT_MISMATCH'] });
    const v = tally('verify', operator, '-q');
    assert.equal(v.status, 1, v.stderr); // DISCREPANCY
    honest = readJson<Results>(join(operator, 'results', 'results.json'));
    assert.equal(honest.verdict, 'DISCREPANCY');
    signedBefore = checkpointSize(operator);
    // The attacker works on the folder the operator publishes (no keys there) and writes it back.
    const copy = publishedCopy(operator, join(root, 'tail-attacker'));
    await appendEditedInspections(copy);
    cpSync(join(copy, 'log'), join(operator, 'log'), { recursive: true, force: true });
    cpSync(join(copy, 'evidence'), join(operator, 'evidence'), { recursive: true, force: true });
    assert.ok(stateSize(operator) > signedBefore, 'the foreign entries are committed in state.json');
  });

  it('log audit names the entries beyond the signed checkpoint and fails', () => {
    const a = tally('log', 'audit', join(operator, 'log'), '--key', verifierKeyOf(operator));
    assert.equal(a.status, 1, a.stdout + a.stderr);
    assert.match(
      a.stderr,
      new RegExp(`entries ${signedBefore} to ${stateSize(operator) - 1} .*beyond the signed checkpoint`),
    );
    // The operator's key tells its own entries from others': these are not its own.
    const w = tally(
      'log',
      'audit',
      join(operator, 'log'),
      '--key',
      verifierKeyOf(operator),
      '--writer-key',
      join(operator, 'keys', 'operator.key'),
    );
    assert.equal(w.status, 1);
    assert.match(w.stderr, /not in the writer's record: someone without the key appended them/);
  });

  it("an auditor's reproduction reads up to the signed checkpoint only: the forgery never turns VERIFIED", () => {
    const audit = publishedCopy(operator, join(root, 'tail-audit'));
    const published = join(root, 'tail-published.json');
    writeFileSync(published, JSON.stringify(honest));
    const out = join(root, 'tail-recomputed');
    const r = tally('verify', audit, '--reproduce', published, '--key', verifierKeyOf(operator), '--out', out, '-q');
    assert.equal(r.status, 1, 'the folder no longer reproduces what the operator published');
    const again = readJson<Results>(join(out, 'results.json'));
    assert.equal(again.verdict, 'DISCREPANCY');
    assert.equal(again.checkpoint.size, signedBefore);
    assert.ok(
      again.findings.some((f) => f.code === 'LOG_INCONSISTENT' && /beyond its signed checkpoint/.test(f.message)),
      'the tail is reported as tampering',
    );
    // The edited files themselves differ from what was logged and signed.
    assert.ok(again.findings.some((f) => f.code === 'LOG_INCONSISTENT' && f.subject.kind === 'evidence'));
  });

  it("the operator's next verification signs nothing it did not append, until it drops the foreign entries", () => {
    const before = stateSize(operator);
    const v = tally('verify', operator);
    assert.equal(v.status, 1, v.stderr);
    assert.match(v.stderr, /were not appended by the operator: nothing is appended or signed/);
    assert.equal(checkpointSize(operator), signedBefore, 'no new checkpoint');
    assert.equal(stateSize(operator), before, 'nothing appended on top of the foreign entries');
    const cp = tally('log', 'checkpoint', join(operator, 'log'), '--key', join(operator, 'keys', 'operator.key'));
    assert.equal(cp.status, 2);
    assert.match(cp.stderr, /not appended by the holder of this key, and are not signed/);
    // The way out: the foreign entries are dropped, never signed.
    const rec = tally('log', 'recover', join(operator, 'log'), '--key', join(operator, 'keys', 'operator.key'));
    assert.equal(rec.status, 0, rec.stderr);
    assert.match(rec.stderr, new RegExp(`dropped entries ${signedBefore} to ${before - 1}`));
    assert.equal(stateSize(operator), signedBefore);
    const after = tally('verify', operator, '-q');
    assert.equal(after.status, 1);
    const r = readJson<Results>(join(operator, 'results', 'results.json'));
    assert.equal(r.verdict, 'DISCREPANCY');
    assert.ok(
      r.findings.some((f) => f.code === 'LOG_INCONSISTENT' && f.subject.kind === 'evidence'),
      'the edited inspection files are reported as changed after they were logged',
    );
    const audit = tally('log', 'audit', join(operator, 'log'), '--key', verifierKeyOf(operator));
    assert.equal(audit.status, 0, audit.stderr);
  });

  it("a crash between the operator's append and its checkpoint is recovered: its own entries are signed", async () => {
    const dir = join(root, 'crash');
    await generateCase('strait', { out: dir });
    assert.equal(tally('verify', dir, '-q').status, 0);
    const signed = checkpointSize(dir);
    // The operator appended (a new document) and died before its checkpoint.
    writeFileSync(join(dir, 'note.json'), '{"kind":"note","text":"appended before a crash"}');
    const log = await Log.open(join(dir, 'log'), { write: true, keyPath: join(dir, 'keys', 'operator.key') });
    await log.append([new TextEncoder().encode('{"kind":"note","text":"appended before a crash"}')]);
    await log.close();
    assert.equal(stateSize(dir), signed + 1);
    const w = tally(
      'log',
      'audit',
      join(dir, 'log'),
      '--key',
      verifierKeyOf(dir),
      '--writer-key',
      join(dir, 'keys', 'operator.key'),
    );
    assert.equal(w.status, 0, w.stderr);
    assert.match(w.stderr, /the writer's own, not signed yet/);
    const v = tally('verify', dir);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stderr, /recovered 1 entries appended before a crash/);
    assert.equal(checkpointSize(dir), signed + 1, 'its own entry is signed');
  });
});

describe('hole 3: the operator key is pinned by whoever checks', () => {
  let dir: string;
  before(async () => {
    dir = join(root, 'pin');
    await generateCase('strait', { out: dir });
    assert.equal(tally('verify', dir, '-q').status, 0);
  });

  it('verify never makes a key: without the operator key it refuses and writes nothing', async () => {
    const d = join(root, 'nokey');
    await generateCase('strait', { out: d });
    rmSync(join(d, 'keys', 'operator.key'));
    const v = tally('verify', d, '-q');
    assert.equal(v.status, 2, v.stderr);
    assert.match(v.stderr, /no operator key: make one with `tally log keygen/);
    assert.ok(!existsSync(join(d, 'keys', 'operator.key')), 'no key made');
    assert.ok(!existsSync(join(d, 'log')), 'no log made');
    assert.ok(!existsSync(join(d, 'results')), 'no results written');
  });

  it("a manifest pinning another key than the auditor's is refused", () => {
    const audit = publishedCopy(dir, join(root, 'pin-audit'));
    const published = join(root, 'pin-results.json');
    cpSync(join(dir, 'results', 'results.json'), published);
    const other = tally('log', 'keygen', 'tally.invalid/case/strait', '--out', join(root, 'other.key'));
    assert.equal(other.status, 0, other.stderr);
    const otherKey = other.stdout.trim();
    const r = tally('verify', audit, '--reproduce', published, '--key', otherKey, '-q');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /case\.yaml.*log\.verifier_key: the manifest pins the operator key .*but the key given is/);
  });

  it("a log re-signed with the attacker's key, log.json and manifest rewritten, does not reproduce under the real key", async () => {
    const audit = publishedCopy(dir, join(root, 'pin-resigned'));
    const realKey = verifierKeyOf(dir);
    // The attacker makes a key of the same name, re-signs the checkpoints and rewrites log.json and the manifest's pin.
    const k = tally('log', 'keygen', 'tally.invalid/case/strait', '--out', join(root, 'attacker.key'));
    const attackerKey = k.stdout.trim();
    const cfgPath = join(audit, 'log', 'log.json');
    const cfg = readJson<{ verifier_key: string; signer_key: string }>(cfgPath);
    writeFileSync(
      cfgPath,
      JSON.stringify({ ...cfg, verifier_key: attackerKey, signer_key: join(root, 'attacker.key') }),
    );
    rmSync(join(audit, 'log', 'checkpoints'), { recursive: true });
    const log = await Log.open(join(audit, 'log'));
    const note = signCheckpoint(
      { origin: log.origin, size: log.size, root: log.root(), extensions: [] },
      parseSignerKey(readFileSync(join(root, 'attacker.key'), 'utf8').trim()),
    );
    await log.close();
    mkdirSync(join(audit, 'log', 'checkpoints'));
    writeFileSync(join(audit, 'log', 'checkpoints', String(log.size)), note);
    writeFileSync(join(audit, 'log', 'checkpoint'), note);
    const self = tally('log', 'audit', join(audit, 'log'));
    assert.equal(self.status, 0, 'the re-signed log audits under the key it names');
    const manifest = join(audit, 'case.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(realKey, attackerKey));
    const published = join(root, 'pin-resigned.json');
    cpSync(join(dir, 'results', 'results.json'), published);
    const r = tally('verify', audit, '--reproduce', published, '--key', realKey, '-q');
    assert.equal(r.status, 2, 'the rewritten manifest pins another key');
    assert.match(r.stderr, /log\.verifier_key/);
  });
});

describe('hole 6: two verifications at once', () => {
  it('a second writer waits a bounded time, then stops with status 4 and writes no results', async () => {
    const dir = join(root, 'busy');
    await generateCase('strait', { out: dir });
    assert.equal(tally('verify', dir, '-q').status, 0);
    const good = readFileSync(join(dir, 'results', 'results.json'), 'utf8');
    // Another writer holds the log: a live process whose id is in the lock file.
    const holder: ChildProcess = spawn('sleep', ['60']);
    try {
      writeFileSync(join(dir, 'log', '.lock'), String(holder.pid));
      const started = Date.now();
      const v = tally('verify', dir, '--wait', '1', '--out', join(dir, 'results'));
      assert.equal(v.status, 4, v.stderr);
      assert.match(v.stderr, /being written by process \d+.*still held after 1 s/);
      assert.ok(Date.now() - started < 20_000, 'bounded');
      assert.equal(readFileSync(join(dir, 'results', 'results.json'), 'utf8'), good, 'the good results stay');
    } finally {
      holder.kill();
    }
  });

  it('two verifications started together both finish, one after the other, with the same results', async () => {
    const dir = join(root, 'together');
    await generateCase('strait', { out: dir });
    const run = (out: string): Promise<number | null> =>
      new Promise((resolve) => {
        const p = spawn('node', [CLI, 'verify', dir, '-q', '--out', join(root, out)], { stdio: 'ignore' });
        p.on('exit', (code) => resolve(code));
      });
    const [a, b] = await Promise.all([run('together-a'), run('together-b')]);
    assert.deepEqual([a, b], [0, 0]);
    const ra = readJson<Results>(join(root, 'together-a', 'results.json'));
    const rb = readJson<Results>(join(root, 'together-b', 'results.json'));
    assert.equal(ra.verdict, 'VERIFIED');
    assert.deepEqual(rb.findings, ra.findings);
    assert.deepEqual(rb.checkpoint.root, ra.checkpoint.root);
  });
});

describe('hole 10: a damaged entry bundle', () => {
  it('fails log verify, and log append refuses to copy it forward', () => {
    const dir = join(root, 'bundle');
    assert.equal(
      tally('log', 'init', dir, '--origin', 'tally.invalid/attack', '--key', join(root, 'bundle.key')).status,
      0,
    );
    const files = [1, 2, 3, 4].map((i) => {
      const p = join(root, `entry-${i}.json`);
      writeFileSync(p, JSON.stringify({ kind: 'note', n: i }));
      return p;
    });
    assert.equal(tally('log', 'append', dir, ...files).status, 0);
    assert.equal(tally('log', 'checkpoint', dir).status, 0);
    const key = readJson<{ verifier_key: string }>(join(dir, 'log.json')).verifier_key;
    const bundle = join(dir, 'tile', 'entries', '000.p', '4');
    const b = readFileSync(bundle);
    b[b.length - 2] ^= 0x01;
    writeFileSync(bundle, b);
    const v = tally('log', 'verify', dir, '--key', key);
    assert.equal(v.status, 1, v.stdout + v.stderr);
    assert.match(v.stderr, /tile\/entries\/000\.p\/4: entry 3 does not hash to its leaf/);
    const more = join(root, 'entry-5.json');
    writeFileSync(more, JSON.stringify({ kind: 'note', n: 5 }));
    const a = tally('log', 'append', dir, more);
    assert.notEqual(a.status, 0);
    assert.match(a.stderr, /entry bundle is damaged/);
    assert.ok(!existsSync(join(dir, 'tile', 'entries', '000.p', '5')), 'nothing built on the damage');
  });
});

describe('hole 13: exit statuses of tally verify', () => {
  const cases: [string, string[], number][] = [
    ['VERIFIED', [], 0],
    ['DISCREPANCY', ['DARK_PERIOD'], 1],
    ['INCOMPLETE', ['SHIPMENT_UNINSPECTED'], 3],
  ];
  for (const [verdict, violate, status] of cases) {
    it(`${verdict}: ${status}`, async () => {
      const dir = join(root, `exit-${verdict}`);
      await generateCase('strait', { out: dir, violate });
      const v = tally('verify', dir, '--json', '-q');
      assert.equal((JSON.parse(v.stdout) as Results).verdict, verdict);
      assert.equal(v.status, status, v.stderr);
    });
  }
  it('refused input: 2', () => {
    const v = tally('verify', join(root, 'no-such-case'), '-q');
    assert.equal(v.status, 2);
  });
});
