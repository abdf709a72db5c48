import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log } from '../src/ledger/log.js';
import { AuditError } from '../src/ledger/errors.js';
import { auditLog } from '../src/ledger/audit.js';
import { cosignLog } from '../src/ledger/cosign.js';
import { verifyLog } from '../src/ledger/verify.js';
import { parseTlogProof, verifyTlogProof } from '../src/ledger/tlog-proof.js';
import { appendRecords, LogIndex } from '../src/ledger/store.js';
import { encodeEntry, EntryError, entryFromFile, evidenceRecord } from '../src/ledger/entries.js';
import { leafHash, MemoryTree, ProofError, verifyInclusion } from '../src/ledger/merkle.js';
import { generateKey, parseVerifierKey } from '../src/ledger/note.js';
import { openCheckpoint } from '../src/ledger/checkpoint.js';
import { CosignerKey, parseCosignerVerifierKey, SplitViewError, verifyCosignature } from '../src/ledger/cosignature.js';
import { entriesPath, tilePath, tilesForSize } from '../src/ledger/tiles.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const ORIGIN = 'example.org/test/log';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tally-log-test-'));
}

function record(i: number, extra: Record<string, unknown> = {}): Uint8Array {
  return encodeEntry({ kind: 'test', i, ...extra });
}

async function newLog(): Promise<{ base: string; dir: string; verifierKey: string }> {
  const base = tmp();
  const dir = join(base, 'log');
  const r = await Log.init(dir, { origin: ORIGIN });
  return { base, dir, verifierKey: r.verifierKey };
}

function tally(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('init keeps the signing key outside the log, mode 0600', async () => {
  const { base, dir, verifierKey } = await newLog();
  const key = join(base, 'example.org-test-log.key');
  assert.ok(existsSync(key));
  assert.equal(statSync(key).mode & 0o777, 0o600);
  assert.match(verifierKey, /^example\.org\/test\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/);
  assert.ok(existsSync(join(dir, 'checkpoint')));
  await assert.rejects(Log.init(dir, { origin: ORIGIN }), /already holds a log/);
  await assert.rejects(
    Log.init(join(base, 'other'), { origin: ORIGIN, keyPath: join(base, 'other', 'tile', 'k') }),
    /outside the log directory/,
  );
  rmSync(base, { recursive: true });
});

test('append, checkpoint, proof, verify, audit round trip; proofs verify against the checkpoint root', async () => {
  const { base, dir, verifierKey } = await newLog();
  const log = await Log.open(dir, { write: true });
  const entries: Uint8Array[] = [];
  // Batches that cross tile boundaries (256) and leave partial tiles.
  for (const n of [1, 2, 300, 5, 256, 1]) {
    const batch = Array.from({ length: n }, (_, j) => record(entries.length + j));
    const idx = await log.append(batch);
    assert.deepEqual(
      idx,
      batch.map((_, j) => entries.length + j),
    );
    entries.push(...batch);
    if (n === 300) await log.checkpoint();
  }
  const cp = await log.checkpoint();
  assert.equal(cp.size, entries.length);
  const mem = new MemoryTree(entries.map(leafHash));
  assert.deepEqual(cp.root, mem.root());
  assert.equal((await log.checkpoint()).unchanged, true);
  for (const i of [0, 1, 2, 255, 256, 302, 303, entries.length - 1]) {
    assert.deepEqual(Buffer.from(log.entry(i)), Buffer.from(entries[i]));
    const text = log.proof(i);
    const p = parseTlogProof(text);
    assert.equal(p.index, i);
    const opened = openCheckpoint(p.checkpoint, parseVerifierKey(verifierKey));
    verifyInclusion(leafHash(entries[i]), i, opened.size, p.proof, opened.root);
    assert.equal(verifyTlogProof(text, parseVerifierKey(verifierKey)).index, i);
    // A proof for the wrong entry does not verify.
    assert.throws(
      () => verifyTlogProof(log.proof(i, { extra: false }), parseVerifierKey(verifierKey), { entry: record(99999) }),
      ProofError,
    );
  }
  // The tiles are where tlog-tiles puts them.
  for (const t of tilesForSize(entries.length)) assert.ok(existsSync(join(dir, t.path)), t.path);
  assert.ok(existsSync(join(dir, entriesPath(0))));
  assert.ok(existsSync(join(dir, tilePath(0, 0))));
  log.close();
  assert.equal(verifyLog(dir, parseVerifierKey(verifierKey)).size, entries.length);
  const report = auditLog(dir, { verifier: parseVerifierKey(verifierKey) });
  assert.equal(report.entries, entries.length);
  assert.equal(report.checkpoints, 3);
  // The CLI agrees.
  assert.equal(tally('log', 'verify', dir, '--key', verifierKey).status, 0);
  const audit = tally('log', 'audit', dir);
  assert.equal(audit.status, 0, audit.stderr);
  const proof = tally('log', 'proof', dir, '7');
  assert.equal(proof.status, 0, proof.stderr);
  assert.match(proof.stdout, /^c2sp\.org\/tlog-proof@v1\nextra [A-Za-z0-9+/=]+\nindex 7\n/);
  writeFileSync(join(base, 'p.tlog-proof'), proof.stdout);
  assert.equal(tally('log', 'check-proof', join(base, 'p.tlog-proof'), '--key', verifierKey).status, 0);
  rmSync(base, { recursive: true });
});

test('evidence is idempotent; JSON files are logged canonical; other files by their evidence record', async () => {
  const { base, dir } = await newLog();
  const img = join(base, 'scene.tif');
  writeFileSync(img, Buffer.alloc(200_000, 7));
  const insp = join(base, 'insp.json');
  writeFileSync(insp, '{ "site": "Port A", "kind": "inspection", "vessel": { "mmsi": "244123456" } }');
  const e = await entryFromFile(img);
  assert.equal(
    Buffer.from(e.bytes).toString(),
    JSON.stringify({
      kind: 'evidence',
      media_type: 'image/tiff',
      name: 'scene.tif',
      sha256: createHash('sha256').update(Buffer.alloc(200_000, 7)).digest('hex'),
      size: 200_000,
    }),
  );
  assert.equal(
    Buffer.from((await entryFromFile(insp)).bytes).toString(),
    '{"kind":"inspection","site":"Port A","vessel":{"mmsi":"244123456"}}',
  );
  const a = tally('log', 'append', dir, img, insp, img);
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual(
    a.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t').slice(0, 2).join(' ')),
    ['0 appended', '1 appended', '0 existing'],
  );
  const b = tally('log', 'append', dir, img);
  assert.equal(b.stdout.split('\t')[0], '0');
  assert.match(b.stdout, /existing/);
  const log = await Log.open(dir);
  assert.equal(log.size, 2);
  rmSync(base, { recursive: true });
});

test('entries over 65,535 bytes are refused with a clear error', async () => {
  assert.throws(
    () => encodeEntry({ kind: 'x', pad: 'a'.repeat(70_000) }),
    (e: unknown) => e instanceof EntryError && /at most 65535 bytes/.test((e as Error).message),
  );
  const { base, dir } = await newLog();
  const big = join(base, 'big.json');
  writeFileSync(big, JSON.stringify({ kind: 'declaration', pad: 'a'.repeat(70_000) }));
  const r = tally('log', 'append', dir, big);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /at most 65535 bytes/);
  const log = await Log.open(dir, { write: true });
  await assert.rejects(log.append([new Uint8Array(65_536)]), /at most 65535/);
  log.close();
  // As evidence, the same file fits.
  assert.equal(tally('log', 'append', dir, '--as-evidence', big).status, 0);
  rmSync(base, { recursive: true });
});

test('a rewritten tile fails the audit, naming the tile', async () => {
  const { base, dir } = await newLog();
  const log = await Log.open(dir, { write: true });
  await log.append(Array.from({ length: 600 }, (_, i) => record(i)));
  await log.checkpoint();
  log.close();
  auditLog(dir);
  // A rewritten entry bundle no longer hashes to its level-0 tile: the audit names both.
  for (const [path, where] of [
    [tilePath(0, 1), tilePath(0, 1)],
    [tilePath(1, 0, 2), tilePath(1, 0, 2)],
    [entriesPath(2, 600 - 512), tilePath(0, 2, 600 - 512)],
  ]) {
    const f = join(dir, path);
    const orig = readFileSync(f);
    const bad = Buffer.from(orig);
    bad[bad.length - 3] ^= 1;
    writeFileSync(f, bad);
    assert.throws(
      () => auditLog(dir),
      (e: unknown) => e instanceof AuditError && e.where === where,
      path,
    );
    const r = tally('log', 'audit', dir);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(path), r.stderr);
    writeFileSync(f, orig);
  }
  auditLog(dir);
  rmSync(base, { recursive: true });
});

test('a forged checkpoint signature fails verify; a foreign key fails too', async () => {
  const { base, dir, verifierKey } = await newLog();
  const log = await Log.open(dir, { write: true });
  await log.append([record(1), record(2), record(3)]);
  await log.checkpoint();
  log.close();
  const f = join(dir, 'checkpoint');
  const note = readFileSync(f, 'utf8');
  // Change the size line, keep the signature.
  writeFileSync(f, note.replace(/\n3\n/, '\n2\n'));
  assert.throws(() => verifyLog(dir, parseVerifierKey(verifierKey)), AuditError);
  const r = tally('log', 'verify', dir, '--key', verifierKey);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /FAILED: checkpoint: invalid signature/);
  writeFileSync(f, note);
  assert.equal(tally('log', 'verify', dir, '--key', verifierKey).status, 0);
  const foreign = generateKey(ORIGIN).verifierKey;
  assert.equal(tally('log', 'verify', dir, '--key', foreign).status, 1);
  // A rewritten archived checkpoint fails the audit, naming it.
  writeFileSync(join(dir, 'checkpoints', '3'), note.replace(/\n3\n/, '\n2\n'));
  assert.throws(
    () => auditLog(dir),
    (e: unknown) => e instanceof AuditError && e.where === 'checkpoints/3',
  );
  rmSync(base, { recursive: true });
});

test('orphaned writes beyond the state are ignored, and the next append overwrites them', async () => {
  const { base, dir } = await newLog();
  let log = await Log.open(dir, { write: true });
  const entries = Array.from({ length: 10 }, (_, i) => record(i));
  await log.append(entries);
  await log.checkpoint();
  log.close();
  // A killed writer left tiles for sizes 11..300 with junk content, and a temp file.
  for (const p of [
    tilePath(0, 0, 11),
    tilePath(0, 0, 15),
    tilePath(0, 0),
    entriesPath(0, 11),
    entriesPath(0, 15),
    entriesPath(0),
    tilePath(0, 1, 44),
    tilePath(1, 0, 1),
  ]) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), Buffer.alloc(p.includes('entries') ? 40 : 32 * 11, 0xee));
  }
  writeFileSync(join(dir, '.tmp', 'deadbeef'), 'junk');
  auditLog(dir);
  verifyLog(dir);
  log = await Log.open(dir, { write: true });
  assert.equal(existsSync(join(dir, '.tmp', 'deadbeef')), false);
  const more = Array.from({ length: 290 }, (_, i) => record(10 + i));
  await log.append(more.slice(0, 5)); // rewrites .p/15
  await log.append(more.slice(5)); // rewrites the full tile 0 and bundle 0, and tile/0/001.p/44, tile/1/000.p/1
  await log.checkpoint();
  const all = [...entries, ...more];
  assert.deepEqual(log.root(), new MemoryTree(all.map(leafHash)).root());
  for (let i = 0; i < all.length; i += 37) assert.deepEqual(Buffer.from(log.entry(i)), Buffer.from(all[i]));
  log.close();
  auditLog(dir);
  verifyLog(dir);
  rmSync(base, { recursive: true });
});

test('the SQLite index finds by hash, kind, vessel and site, and rebuilds from the tiles', async () => {
  const { base, dir } = await newLog();
  const log = await Log.open(dir, { write: true });
  const idx = LogIndex.forLog(log);
  const f = join(base, 'ais.nmea');
  writeFileSync(f, '!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24\n');
  const ev = await evidenceRecord(f, { source: 'test', submitted_by: 'party-a' });
  const res = await appendRecords(log, idx, [
    encodeEntry(ev),
    encodeEntry({ kind: 'inspection', vessel: { mmsi: 244123456 }, site: 'Port A' }),
    encodeEntry({
      kind: 'declaration',
      sites: ['Port A', { id: 'Depot 7' }],
      vessels: [{ mmsi: '244123456' }, { mmsi: 211000001 }],
    }),
    encodeEntry(ev),
  ]);
  assert.deepEqual(res, [
    { index: 0, existing: false },
    { index: 1, existing: false },
    { index: 2, existing: false },
    { index: 0, existing: true },
  ]);
  assert.equal(log.size, 3);
  assert.deepEqual(idx.findByHash(ev.sha256), [0]);
  assert.deepEqual(idx.findByHash(createHash('sha256').update(log.entry(1)).digest('hex')), [1]);
  assert.deepEqual(idx.findByKind('inspection'), [1]);
  assert.deepEqual(idx.findByKind('evidence'), [0]);
  assert.deepEqual(idx.findByVessel('244123456'), [1, 2]);
  assert.deepEqual(idx.findByVessel(211000001), [2]);
  assert.deepEqual(idx.findBySite('Port A'), [1, 2]);
  assert.deepEqual(idx.findBySite('Depot 7'), [2]);
  // Entries appended without the index (a writer killed before its index update) are caught up.
  await log.append([encodeEntry({ kind: 'reveal', site_id: 'S9' })]);
  idx.close();
  log.close();
  const log2 = await Log.open(dir);
  const idx2 = LogIndex.forLog(log2);
  assert.deepEqual(idx2.findBySite('S9'), [3]);
  idx2.close();
  // Rebuilt from scratch.
  rmSync(join(dir, 'index.sqlite'));
  const r = tally('log', 'reindex', dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /indexed 4 entries/);
  assert.equal(tally('log', 'find', dir, '--vessel', '244123456').stdout, '1\n2\n');
  assert.equal(tally('log', 'find', dir, '--hash', ev.sha256).stdout, '0\n');
  rmSync(base, { recursive: true });
});

test('cosign checks consistency from the last cosigned checkpoint and refuses a fork', async () => {
  const { base, dir } = await newLog();
  const key = new CosignerKey('witness.example', createHash('sha256').update('w').digest());
  const state = join(base, 'witness.state');
  const log = await Log.open(dir, { write: true });
  await log.append([record(1), record(2), record(3)]);
  await log.checkpoint();
  const r1 = await cosignLog(dir, key, state, { timeSec: 1_700_000_000 });
  assert.equal(r1.previousSize, null);
  verifyCosignature(readFileSync(join(dir, 'checkpoint'), 'utf8'), key.verifier(), {
    log: parseVerifierKey(log.config.verifier_key),
  });
  await log.append([record(4)]);
  await log.checkpoint();
  const r2 = await cosignLog(dir, key, state, { timeSec: 1_700_000_100 });
  assert.equal(r2.previousSize, 3);
  auditLog(dir);
  log.close();
  // A fork: a different log under the same key rewrites entry 0.
  const forkDir = join(base, 'fork');
  await Log.init(forkDir, { origin: ORIGIN, keyPath: join(base, 'example.org-test-log.key') });
  const fork = await Log.open(forkDir, { write: true });
  await fork.append([record(100), record(2), record(3), record(4), record(5)]);
  await fork.checkpoint();
  fork.close();
  await assert.rejects(cosignLog(forkDir, key, state, { timeSec: 1_700_000_200 }), SplitViewError);
  // The CLI: a cosigner key from keygen.
  const kfile = join(base, 'w2.key');
  const kg = tally('log', 'keygen', 'witness2.example', '--out', kfile, '--cosigner');
  assert.equal(kg.status, 0, kg.stderr);
  const c = tally('log', 'cosign', dir, '--key', kfile);
  assert.equal(c.status, 0, c.stderr);
  verifyCosignature(c.stdout, parseCosignerVerifierKey(kg.stdout.trim()));
  rmSync(base, { recursive: true });
});

test('append throughput: 1 KB entries in batches of 1,000 (reported)', async () => {
  const { base, dir } = await newLog();
  const log = await Log.open(dir, { write: true });
  const idx = LogIndex.forLog(log);
  const total = Number(process.env.TALLY_LOG_BENCH_ENTRIES ?? 20_000);
  const pad = 'x'.repeat(980);
  let t = process.hrtime.bigint();
  for (let b = 0; b < total / 2 / 1000; b++) {
    await log.append(Array.from({ length: 1000 }, (_, i) => encodeEntry({ kind: 'b', i: b * 1000 + i, pad })));
  }
  const logOnly = total / 2 / (Number(process.hrtime.bigint() - t) / 1e9);
  idx.catchUp(log);
  t = process.hrtime.bigint();
  for (let b = 0; b < total / 2 / 1000; b++) {
    await appendRecords(
      log,
      idx,
      Array.from({ length: 1000 }, (_, i) => encodeEntry({ kind: 'b', i: -(b * 1000 + i), pad })),
    );
  }
  const withIndex = total / 2 / (Number(process.hrtime.bigint() - t) / 1e9);
  process.stdout.write(
    `# append rate, 1 KB entries, batches of 1,000, ${total} entries: ${Math.round(logOnly)}/s (log), ${Math.round(withIndex)}/s (log + SQLite index)\n`,
  );
  idx.close();
  log.close();
  assert.equal(auditLog(dir).entries, total);
  rmSync(base, { recursive: true });
});
