import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  assert.equal(path, join(base, 'keys', 'operator.key.appended-..%2Flog'));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const log = await Log.open(dir, { write: true });
  await log.append([record(0), record(1)]);
  await log.close();
  const bytes = readFileSync(path);
  assert.equal(bytes.length, 40 + 2 * 40);
  assert.equal(bytes.subarray(0, 8).toString('latin1'), 'TALLYWR1');
  assert.equal(bytes.readBigUInt64BE(40 + 40), 1n);
  assert.deepEqual(Buffer.from(bytes.subarray(40 + 40 + 8)), Buffer.from(leafHash(record(1))));
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
