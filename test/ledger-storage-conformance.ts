/**
 * The conformance suite of the log's storage drivers: every driver passes
 * it. A driver plugs in with one call from a test file,
 *
 *   storageConformance('postgres', { killTest: 'postgres', create: async () => ... });
 *
 * where `create` makes an empty log with that driver, and `killTest` names
 * the driver in scripts/log-killtest.ts (its DRIVERS).
 *
 * It covers: append and read round trips; the tlog-tiles layout of tiles
 * and bundles, partial ones included; publication of checkpoints and
 * cosignatures; re-opening without change; crash consistency (a write cut
 * at each durable step, recovered by the next writer; and a short kill
 * test); the writer's record; the lease; and the C2SP vectors read from
 * the tiles the driver stored.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Log } from '../src/ledger/log.js';
import { auditStorage } from '../src/ledger/audit.js';
import { verifyPublished } from '../src/ledger/verify.js';
import { cosignPublished } from '../src/ledger/cosign.js';
import { LogError } from '../src/ledger/errors.js';
import { hashAtFromStore } from '../src/ledger/tile-reader.js';
import type { DurabilityHooks, LogStorage } from '../src/ledger/storage/interface.js';
import { encodeEntry } from '../src/ledger/entries.js';
import {
  bytesEqual,
  CompactRange,
  consistencyProof,
  inclusionProof,
  leafHash,
  MemoryTree,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../src/ledger/merkle.js';
import { decodeEntryBundle, entryBundlesForSize, tileFromHashAt, tilesForSize } from '../src/ledger/tiles.js';
import { parseVerifierKey } from '../src/ledger/note.js';
import { CosignerKey, verifyCosignature } from '../src/ledger/cosignature.js';
import { logVectorChecks } from '../scripts/conformance/tlog-log.js';

/** An empty log made with the driver under test (size 0, the checkpoint of size 0 published). */
export interface DriverLog {
  storage: LogStorage;
  /** The same log opened again, as another process would (a new handle), with these hooks at each durable step. */
  open(hooks?: DurabilityHooks): Promise<LogStorage>;
  /** A file for the cosigner's state in the conformance test (outside the log). */
  cosignerState: string;
  cleanup(): Promise<void>;
}

export interface DriverUnderTest {
  /** The driver's name in scripts/log-killtest.ts. */
  killTest: string;
  create(): Promise<DriverLog>;
}

const KILLTEST = fileURLToPath(new URL('../scripts/log-killtest.js', import.meta.url));
/** The tlog vectors: TALLY_TLOG_DATA, or ../shared/data/tlog beside the repository (as scripts/conformance.sh). */
const TLOG_DATA = process.env.TALLY_TLOG_DATA ?? fileURLToPath(new URL('../../../shared/data/tlog', import.meta.url));

const record = (i: number): Uint8Array => encodeEntry({ kind: 'conformance', i });

async function withLog(driver: DriverUnderTest, f: (t: DriverLog) => Promise<void>): Promise<void> {
  const t = await driver.create();
  try {
    await f(t);
  } finally {
    await t.cleanup();
  }
}

/** Appends `sizes` batches through a writer; returns every entry appended. */
async function appendBatches(storage: LogStorage, sizes: readonly number[], from = 0): Promise<Uint8Array[]> {
  const log = await Log.openStorage(storage, { write: true });
  const all: Uint8Array[] = [];
  try {
    for (const n of sizes) {
      const batch = Array.from({ length: n }, (_, j) => record(from + all.length + j));
      assert.deepEqual(
        await log.append(batch),
        batch.map((_, j) => from + all.length + j),
      );
      all.push(...batch);
    }
  } finally {
    await log.close();
  }
  return all;
}

/** Every tile and bundle a tree of `entries.length` publishes is stored, as tlog-tiles lays it out. */
function assertLayout(storage: LogStorage, entries: readonly Uint8Array[], size = entries.length): void {
  const mem = new MemoryTree(entries.slice(0, size).map(leafHash));
  for (const t of tilesForSize(size)) {
    assert.ok(storage.tiles.has(t.path), t.path);
    assert.deepEqual(
      Buffer.from(storage.tiles.read(t.path)),
      Buffer.from(tileFromHashAt(t.level, t.index, t.width, mem.hashAt)),
      t.path,
    );
  }
  for (const b of entryBundlesForSize(size)) {
    const got = decodeEntryBundle(storage.tiles.read(b.path), b.width);
    got.forEach((e, j) => assert.deepEqual(Buffer.from(e), Buffer.from(entries[b.index * 256 + j]), b.path));
  }
  assert.deepEqual(treeRoot(size, hashAtFromStore(storage.tiles, size)), mem.root());
}

/** Hooks that throw at one durable step: the write stops there, as if the writer had died. */
function cutAt(step: string): { hooks: DurabilityHooks; hit: () => boolean } {
  let hit = false;
  const at = (name: string): void => {
    if (name === step && !hit) {
      hit = true;
      throw new Error(`cut at ${name}`);
    }
  };
  return {
    hooks: {
      afterWrite: (w) => at(`${w}:written`),
      afterSync: (w) => at(`${w}:synced`),
      afterRename: (w) => at(`${w}:renamed`),
      beforeCommit: () => at('commit:start'),
      afterCommit: () => at('commit:done'),
    },
    hit: () => hit,
  };
}

export function storageConformance(name: string, driver: DriverUnderTest): void {
  describe(`storage conformance: ${name}`, () => {
    test('append and read round trip: entries, roots and proofs from the stored tiles', async () => {
      await withLog(driver, async (t) => {
        const entries = await appendBatches(t.storage, [1, 2, 300, 5, 256, 1]);
        const log = await Log.openStorage(await t.open());
        assert.equal(log.size, entries.length);
        const mem = new MemoryTree(entries.map(leafHash));
        assert.deepEqual(log.root(), mem.root());
        assert.equal((await t.storage.sequencer.committed()).size, entries.length);
        for (const i of [0, 1, 2, 255, 256, 302, 303, entries.length - 1])
          assert.deepEqual(Buffer.from(log.entry(i)), Buffer.from(entries[i]));
        let n = 0;
        log.forEachEntry(0, log.size, (i, e) => {
          assert.deepEqual(Buffer.from(e), Buffer.from(entries[i]));
          n++;
        });
        assert.equal(n, entries.length);
        const hashAt = log.hashAt();
        for (const i of [0, 300, entries.length - 1])
          verifyInclusion(leafHash(entries[i]), i, log.size, inclusionProof(i, log.size, hashAt), log.root());
        verifyConsistency(3, log.size, consistencyProof(3, log.size, hashAt), mem.root(3), log.root());
        await log.close();
        assert.equal((await auditStorage(await t.open())).entries, entries.length);
      });
    });

    test('tiles and bundles are laid out as C2SP tlog-tiles says, partial ones included', async () => {
      await withLog(driver, async (t) => {
        const entries: Uint8Array[] = [];
        for (const n of [1, 254, 1, 1, 300, 65536 - 557 + 3]) {
          entries.push(...(await appendBatches(t.storage, [n], entries.length)));
          assertLayout(t.storage, entries);
        }
        // The partial tiles of earlier sizes stay readable: a tree of each earlier size is still served.
        for (const size of [1, 255, 256, 257, 557]) assertLayout(t.storage, entries, size);
      });
    });

    test('checkpoints are published, archived, verified and cosigned through the driver', async () => {
      await withLog(driver, async (t) => {
        await appendBatches(t.storage, [3]);
        const log = await Log.openStorage(t.storage, { write: true });
        const cp = await log.checkpoint();
        assert.equal(cp.unchanged, false);
        assert.equal(t.storage.checkpoints.readCurrent(), cp.note);
        assert.equal(t.storage.checkpoints.readArchived('3'), cp.note);
        assert.deepEqual(t.storage.checkpoints.listArchived().sort(), ['0', '3']);
        assert.equal((await log.checkpoint()).unchanged, true);
        await log.close();
        assert.equal(verifyPublished(await t.open()).size, 3);
        const key = new CosignerKey('witness.example', createHash('sha256').update('w').digest());
        const r = await cosignPublished(await t.open(), key, t.cosignerState, { timeSec: 1_700_000_000 });
        assert.equal(t.storage.checkpoints.readCurrent(), r.note);
        verifyCosignature(r.note, key.verifier(), { log: parseVerifierKey(t.storage.config.verifier_key) });
        assert.equal((await auditStorage(await t.open())).checkpoints, 2);
      });
    });

    test('re-opening changes nothing', async () => {
      await withLog(driver, async (t) => {
        const entries = await appendBatches(t.storage, [10]);
        const before = await t.storage.sequencer.committed();
        for (let k = 0; k < 3; k++) {
          const log = await Log.openStorage(await t.open(), { write: true });
          assert.equal(log.size, 10);
          assert.equal((await log.checkpoint()).unchanged, k > 0);
          await log.close();
        }
        const after = await t.storage.sequencer.committed();
        assert.deepEqual(after.root(), before.root());
        assertLayout(t.storage, entries);
      });
    });

    test('a write cut at any durable step leaves the old log or the new one, and the next writer recovers', async () => {
      await withLog(driver, async (t) => {
        let entries = await appendBatches(t.storage, [300]);
        const steps = [
          'tiles:written',
          'state:written',
          'record:written',
          'tiles:synced',
          'commit:start',
          'state:renamed',
          'commit:done',
        ];
        const hit: string[] = [];
        for (const step of steps) {
          const cut = cutAt(step);
          const log = await Log.openStorage(await t.open(cut.hooks), { write: true });
          const batch = Array.from({ length: 20 }, (_, j) => record(entries.length + j));
          await assert.rejects(log.append(batch), /cut at/);
          await log.close();
          if (!cut.hit()) continue; // a step this driver does not have
          hit.push(step);
          // Reopened by the next writer: the old tree, or the new one with every tile.
          const next = await Log.openStorage(await t.open(), { write: true });
          assert.ok(next.size === entries.length || next.size === entries.length + 20, `${step}: size ${next.size}`);
          if (next.size > entries.length) entries = [...entries, ...batch];
          const rec = await next.appendedByWriter(0, next.size);
          assert.equal(rec?.length, next.size, `${step}: the writer's record`);
          assert.deepEqual(await t.storage.sequencer.appendedByWriter(next.size, Number.MAX_SAFE_INTEGER), []);
          const more = [record(entries.length)];
          await next.append(more);
          entries = [...entries, ...more];
          await next.close();
          assertLayout(t.storage, entries);
          assert.equal((await auditStorage(await t.open())).entries, entries.length, step);
        }
        // Every driver writes tiles and commits: those steps at least have hooks.
        for (const step of ['tiles:written', 'tiles:synced', 'commit:start', 'commit:done'])
          assert.ok(hit.includes(step), `no hook at ${step} (hooks at: ${hit.join(', ')})`);
      });
    });

    test('the kill test passes (a short run)', () => {
      assert.ok(existsSync(KILLTEST), KILLTEST);
      const r = spawnSync(
        process.execPath,
        [KILLTEST, '--driver', driver.killTest, '--kills', '3', '--max-delay-ms', '300'],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /summary: PASS/);
    });

    test("the writer's record holds every entry it appended, by index and leaf hash", async () => {
      await withLog(driver, async (t) => {
        const entries = await appendBatches(t.storage, [5, 300, 1]);
        const log = await Log.openStorage(await t.open());
        const rec = await log.appendedByWriter(0, log.size);
        assert.ok(rec !== null);
        assert.equal(rec.length, entries.length);
        rec.forEach((r, i) => {
          assert.equal(r.index, i);
          assert.ok(bytesEqual(r.leafHash, leafHash(entries[i])), `record ${i}`);
        });
        assert.deepEqual(
          (await log.appendedByWriter(300, 303))?.map((r) => r.index),
          [300, 301, 302],
        );
        assert.deepEqual(await log.appendedByWriter(306, 400), []);
        // An append staged and never committed is not in the record once a writer takes the lease again.
        const cut = cutAt('commit:start');
        const w = await Log.openStorage(await t.open(cut.hooks), { write: true });
        await assert.rejects(w.append([record(1000)]), /cut at/);
        await w.close();
        const w2 = await Log.openStorage(await t.open(), { write: true });
        assert.deepEqual(await w2.storage.sequencer.appendedByWriter(entries.length, Number.MAX_SAFE_INTEGER), []);
        await w2.close();
      });
    });

    test('rewind: the committed tree goes back to a prefix, its records too, and the next append overwrites', async () => {
      await withLog(driver, async (t) => {
        const kept = await appendBatches(t.storage, [3]);
        await appendBatches(t.storage, [300], kept.length);
        const storage = await t.open();
        const lease = await storage.sequencer.acquire();
        await lease.rewind(CompactRange.fromHashAt(3, hashAtFromStore(storage.tiles, 3)));
        assert.deepEqual(await lease.appendedByWriter(3, Number.MAX_SAFE_INTEGER), []);
        await lease.release();
        assert.equal((await (await t.open()).sequencer.committed()).size, 3);
        const more = [record(1000), record(1001)];
        const w = await Log.openStorage(await t.open(), { write: true });
        assert.deepEqual(await w.append(more), [3, 4]);
        await w.close();
        const log = await Log.openStorage(await t.open());
        assert.deepEqual(Buffer.from(log.entry(3)), Buffer.from(more[0]));
        assert.equal(log.size, 5);
        assert.deepEqual(log.root(), new MemoryTree([...kept, ...more].map(leafHash)).root());
        assert.equal((await log.appendedByWriter(0, 5))?.length, 5);
        assert.equal((await auditStorage(await t.open())).entries, 5);
      });
    });

    test('the lease: a second writer is refused or waits until the first releases it', async () => {
      await withLog(driver, async (t) => {
        const first = await Log.openStorage(await t.open(), { write: true });
        const second = Log.openStorage(await t.open(), { write: true });
        const early = await Promise.race([
          second.then(
            () => 'acquired',
            (e: unknown) => (e instanceof LogError ? 'refused' : `failed: ${(e as Error).message}`),
          ),
          new Promise<string>((res) => setTimeout(() => res('waiting'), 300)),
        ]);
        assert.ok(early === 'refused' || early === 'waiting', early);
        await first.append([record(0)]);
        await first.close();
        if (early === 'waiting') {
          const log = await second;
          assert.equal(log.size, 1);
          await log.append([record(1)]);
          await log.close();
        } else {
          const log = await Log.openStorage(await t.open(), { write: true });
          assert.equal(log.size, 1);
          await log.close();
        }
        // A reader needs no lease.
        assert.ok((await Log.openStorage(await t.open())).size >= 1);
      });
    });

    test(
      'the C2SP tlog vectors hold on the tiles the driver stored',
      { skip: !existsSync(TLOG_DATA) && `no ${TLOG_DATA}` },
      async () => {
        const results = await logVectorChecks(TLOG_DATA, async () => {
          const t = await driver.create();
          return { storage: t.storage, cleanup: () => t.cleanup() };
        });
        assert.ok(results.length > 90, `${results.length} checks`);
        assert.deepEqual(
          results.filter((r) => !r.ok).map((r) => `${r.group}: ${r.what}`),
          [],
        );
      },
    );
  });
}
