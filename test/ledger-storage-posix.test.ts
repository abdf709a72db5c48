import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  chmodSync,
  unlinkSync,
  utimesSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Log } from '../src/ledger/log.js';
import { auditLog } from '../src/ledger/audit.js';
import { openPosixStorage } from '../src/ledger/storage/posix.js';
import { writerRecordPath } from '../src/ledger/storage/writer-record.js';
import { encodeEntry } from '../src/ledger/entries.js';
import { leafHash } from '../src/ledger/merkle.js';
import { storageConformance } from './ledger-storage-conformance.js';

const ORIGIN = 'example.org/test/storage';

storageConformance('posix', {
  killTest: 'posix',
  async create() {
    const base = mkdtempSync(join(tmpdir(), 'tally-storage-posix-'));
    const dir = join(base, 'log');
    await Log.init(dir, { origin: ORIGIN, keyPath: join(base, 'operator.key') });
    return {
      storage: openPosixStorage(dir),
      open: async (hooks) => openPosixStorage(dir, hooks ? { hooks } : {}),
      cosignerState: join(base, 'witness.state'),
      cleanup: async () => rmSync(base, { recursive: true, force: true }),
    };
  },
});

const record = (i: number): Uint8Array => encodeEntry({ kind: 'posix', i });

async function newLog(): Promise<{ base: string; dir: string; key: string }> {
  const base = mkdtempSync(join(tmpdir(), 'tally-storage-posix-'));
  const dir = join(base, 'log');
  const key = join(base, 'keys', 'operator.key');
  await Log.init(dir, { origin: ORIGIN, keyPath: key });
  return { base, dir, key };
}

test("the writer's record is a file beside the key, outside the log: header, then 40 bytes per entry", async () => {
  const { base, dir, key } = await newLog();
  const path = writerRecordPath(key, dir);
  const id = createHash('sha256').update('../log').digest('hex').slice(0, 16);
  assert.equal(path, join(realpathSync(base), 'keys', `operator.key.appended-${id}`));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const log = await Log.open(dir, { write: true });
  await log.append([record(0), record(1)]);
  await log.close();
  const bytes = readFileSync(path);
  assert.equal(bytes.length, 48 + 2 * 40);
  assert.equal(bytes.subarray(0, 8).toString('latin1'), 'TALLYWR1');
  assert.equal(bytes.readBigUInt64BE(40), 2n, 'two records verified');
  assert.equal(bytes.readBigUInt64BE(48 + 40), 1n);
  assert.deepEqual(Buffer.from(bytes.subarray(48 + 40 + 8)), Buffer.from(leafHash(record(1))));
  // Nothing of it is published: the log's directory holds no record.
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]));
  assert.ok(!walk(dir).some((n) => n.includes('appended')));
  rmSync(base, { recursive: true });
});

test('without the key (a reader, or a writer elsewhere) no record is kept, and appends work as before', async () => {
  const { base, dir, key } = await newLog();
  const moved = `${key}.away`;
  writeFileSync(moved, readFileSync(key));
  unlinkSync(key);
  const log = await Log.open(dir, { write: true });
  assert.equal(await log.appendedByWriter(), null);
  await log.append([record(0)]);
  await log.close();
  assert.equal(await (await Log.open(dir)).appendedByWriter(), null);
  // Back with the key: the entry appended without it is not in the writer's record.
  writeFileSync(key, readFileSync(moved));
  const w = await Log.open(dir, { write: true });
  await w.append([record(1)]);
  assert.deepEqual(
    (await w.appendedByWriter())?.map((r) => r.index),
    [1],
  );
  await w.close();
  auditLog(dir);
  rmSync(base, { recursive: true });
});

test('a log from before the record: the record starts at the next append', async () => {
  const { base, dir, key } = await newLog();
  const log = await Log.open(dir, { write: true });
  await log.append([record(0), record(1)]);
  await log.close();
  unlinkSync(writerRecordPath(key, dir));
  assert.equal(await (await Log.open(dir)).appendedByWriter(), null);
  const w = await Log.open(dir, { write: true });
  assert.deepEqual(await w.appendedByWriter(), []);
  await w.append([record(2)]);
  assert.deepEqual(
    (await w.appendedByWriter())?.map((r) => r.index),
    [2],
  );
  await w.close();
  rmSync(base, { recursive: true });
});

test('two logs under one key keep separate records; a record of another key is refused', async () => {
  const { base, dir, key } = await newLog();
  const fork = join(base, 'fork');
  await Log.init(fork, { origin: ORIGIN, keyPath: key });
  for (const [d, n] of [
    [dir, 3],
    [fork, 5],
  ] as const) {
    const l = await Log.open(d, { write: true });
    await l.append(Array.from({ length: n }, (_, i) => record(i)));
    await l.close();
  }
  assert.equal((await (await Log.open(dir)).appendedByWriter())?.length, 3);
  assert.equal((await (await Log.open(fork)).appendedByWriter())?.length, 5);
  const path = writerRecordPath(key, dir);
  const bytes = readFileSync(path);
  bytes[20] ^= 1;
  writeFileSync(path, bytes);
  await assert.rejects(Log.open(dir, { write: true }), /another key/);
  rmSync(base, { recursive: true });
});

test('the lease: a second writer in this process is refused; a lock left by a dead process is taken over', async () => {
  const { base, dir } = await newLog();
  const a = await Log.open(dir, { write: true });
  await assert.rejects(Log.open(dir, { write: true }), /is being written by process/);
  await a.close();
  const b = await Log.open(dir, { write: true });
  await b.close();
  // A writer that died: its pid is gone.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(join(dir, '.lock'), dead.stdout);
  const c = await Log.open(dir, { write: true });
  await c.append([record(0)]);
  await c.close();
  assert.equal(existsSync(join(dir, '.lock')), false);
  rmSync(base, { recursive: true });
});

test('a writer given its key keeps its record beside it, whatever the published log.json names', async () => {
  const { base, dir, key } = await newLog();
  // Someone who can write the published folder points log.json at a folder of theirs.
  const elsewhere = join(base, 'elsewhere');
  const config = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(elsewhere + '.key'), readFileSync(key));
  writeFileSync(join(dir, 'log.json'), JSON.stringify({ ...config, signer_key: '../elsewhere.key' }));
  const log = await Log.open(dir, { write: true, keyPath: key });
  await log.append([record(0)]);
  await log.close();
  assert.deepEqual(
    (await (await Log.open(dir, { keyPath: key })).appendedByWriter())?.map((r) => r.index),
    [0],
  );
  assert.ok(!readdirSync(base).some((n) => n.startsWith('elsewhere.key.appended')), 'no record beside the planted key');
  rmSync(base, { recursive: true });
});

test('a record that is a link, or that others may read or write, is refused', async () => {
  const { base, dir, key } = await newLog();
  const path = writerRecordPath(key, dir);
  chmodSync(path, 0o644);
  await assert.rejects(Log.open(dir, { write: true }), /read or written by others/);
  chmodSync(path, 0o600);
  renameSync(path, `${path}.real`);
  symlinkSync(`${path}.real`, path);
  await assert.rejects(Log.open(dir, { write: true }), /symbolic link/);
  rmSync(base, { recursive: true });
});

test('an append staged by a writer that died, whose indices another writer then filled, is cut from the record', async () => {
  const { base, dir, key } = await newLog();
  const w = await Log.open(dir, { write: true });
  await w.append([record(0)]);
  await w.close();
  // The writer stages entries 1 and 2 and dies before its commit.
  const dying = await Log.open(dir, {
    write: true,
    hooks: {
      beforeCommit: () => {
        throw new Error('killed before the commit');
      },
    },
  });
  await assert.rejects(dying.append([record(1), record(2)]), /killed/);
  await dying.close();
  // A writer without the key appends other entries at those indices.
  renameSync(key, `${key}.away`);
  const other = await Log.open(dir, { write: true });
  await other.append([record(91), record(92), record(93)]);
  await other.close();
  renameSync(`${key}.away`, key);
  // The next writer with the key: the staged records do not match the committed leaves and are cut off.
  const again = await Log.open(dir, { write: true });
  assert.deepEqual(
    (await again.appendedByWriter())?.map((r) => r.index),
    [0],
  );
  await again.append([record(4)]);
  assert.deepEqual(
    (await again.appendedByWriter())?.map((r) => r.index),
    [0, 4],
  );
  await again.close();
  auditLog(dir);
  rmSync(base, { recursive: true });
});

test('a lock file still empty is a writer taking the lease: refused while young, taken over when old', async () => {
  const { base, dir } = await newLog();
  writeFileSync(join(dir, '.lock'), '');
  await assert.rejects(Log.open(dir, { write: true }), /being opened for writing by another process/);
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(dir, '.lock'), old, old);
  const w = await Log.open(dir, { write: true });
  await w.append([record(0)]);
  await w.close();
  rmSync(base, { recursive: true });
});
