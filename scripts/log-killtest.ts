/**
 * Kill test of the log's durability, on a storage driver.
 *
 *   node dist/scripts/log-killtest.js [--kills N] [--driver posix] [--dir DIR] [--slow-ms MS] [--max-delay-ms MS] [--keep]
 *
 * A child `node` process (this script with --child) appends batches of
 * entries to a log in a loop (through the idempotent append and the SQLite
 * index, as `tally log append` does), publishes a checkpoint now and then,
 * and prints `ack <index> <sha256 of the entry>` for each entry as soon as
 * its append returns. The parent sends it SIGKILL at a random instant. The
 * child opens the driver with durability hooks built from its own flags
 * (--slow-ms: sleep up to MS inside every durable step, after writing,
 * after fsync, after each rename, before and after the commit, so that the
 * kills land in those steps too; --phases: report each step on stderr; the
 * summary counts where the kills landed). After each kill the parent audits
 * the log (every tile and hash recomputed from the entries, every
 * checkpoint checked), checks that every acknowledged index holds exactly
 * the acknowledged entry, that the writer's record holds the index and leaf
 * hash of every committed entry and, once a writer takes the lease again,
 * nothing beyond them, brings the index up to date, and starts a new child,
 * which continues the log. Exit status 1 on any failure.
 *
 * A driver is a name in DRIVERS: how to create a log, and how to open its
 * storage with hooks.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Log } from '../src/ledger/log.js';
import { auditStorage } from '../src/ledger/audit.js';
import { openPosixStorage } from '../src/ledger/storage/posix.js';
import type { DurabilityHooks, LogStorage } from '../src/ledger/storage/interface.js';
import { appendRecords, LogIndex } from '../src/ledger/store.js';
import { encodeEntry } from '../src/ledger/entries.js';
import { bytesEqual, leafHash } from '../src/ledger/merkle.js';

/** A storage driver under test: creates a log in a fresh folder, opens its storage (with hooks in the child). */
interface KillTestDriver {
  /** Creates an empty log (and its key) under `base`; returns where it is, as `open` takes it. */
  init(base: string): Promise<string>;
  open(where: string, hooks?: DurabilityHooks): Promise<LogStorage>;
}

const DRIVERS: Record<string, KillTestDriver> = {
  posix: {
    async init(base) {
      const dir = join(base, 'log');
      await Log.init(dir, { origin: 'example.org/killtest', keyPath: join(base, 'killtest.key') });
      return dir;
    },
    async open(dir, hooks) {
      return openPosixStorage(dir, hooks ? { hooks } : {});
    },
  },
};

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

/** The hooks a child runs with: report each durable step, and sleep a random while inside it. */
function killHooks(slowMs: number, phases: boolean): DurabilityHooks {
  const step = async (phase: string): Promise<void> => {
    if (phases) writeSync(2, `phase ${phase}\n`);
    if (slowMs > 0) await sleep(Math.random() * slowMs);
  };
  return {
    afterWrite: (what) => step(`${what}:written`),
    afterSync: (what) => step(`${what}:fsynced`),
    afterRename: (what) => step(`${what}:renamed`),
    beforeCommit: () => step('commit:start'),
    afterCommit: () => step('commit:done'),
  };
}

async function child(where: string, driver: KillTestDriver): Promise<void> {
  const hooks = killHooks(Number(arg('--slow-ms', '0')) || 0, process.argv.includes('--phases'));
  const log = await Log.openStorage(await driver.open(where, hooks), { write: true });
  const index = LogIndex.forLog(log);
  writeSync(2, 'phase opened\n');
  for (let batchNo = 0; ; batchNo++) {
    const r = Math.random();
    const n = r < 0.2 ? 1 : r < 0.8 ? 1 + Math.floor(Math.random() * 40) : 1 + Math.floor(Math.random() * 600);
    const entries: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const pad = randomBytes(Math.floor(Math.random() * 120)).toString('base64');
      const rec =
        Math.random() < 0.1
          ? {
              kind: 'evidence',
              sha256: createHash('sha256').update(randomBytes(16)).digest('hex'),
              size: i,
              media_type: 'application/octet-stream',
              name: `f${i}.bin`,
            }
          : { kind: 'killtest', pid: process.pid, batch: batchNo, i, mmsi: 200000000 + (i % 1000), pad };
      entries.push(encodeEntry(rec));
    }
    const res = await appendRecords(log, index, entries);
    writeSync(
      1,
      res.map((x, i) => `ack ${x.index} ${createHash('sha256').update(entries[i]).digest('hex')}\n`).join(''),
    );
    if (batchNo % 7 === 6) {
      await log.checkpoint();
      writeSync(2, 'phase checkpointed\n');
    }
  }
}

/** One child run: started, killed after a random delay; its output and the durable step the kill landed in. */
async function runChild(
  where: string,
  driver: string,
  slowMs: string,
  maxDelay: number,
): Promise<{ out: string; phase: string; early: string | null }> {
  const self = fileURLToPath(import.meta.url);
  const c = spawn(process.execPath, [self, '--child', where, '--driver', driver, '--slow-ms', slowMs, '--phases'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let lastPhase = 'startup';
  let errTail = '';
  c.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  c.stderr.setEncoding('utf8').on('data', (d: string) => {
    errTail = (errTail + d).slice(-4000);
    const lines = errTail.split('\n').filter((l) => l.startsWith('phase '));
    if (lines.length > 0) lastPhase = lines[lines.length - 1].slice(6);
  });
  const exited = new Promise<number | null>((res) => c.on('close', (code) => res(code)));
  const delay = 30 + Math.random() * maxDelay;
  const early = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((res) => setTimeout(() => res(false), delay)),
  ]);
  if (early) return { out, phase: lastPhase, early: errTail };
  const phase = lastPhase;
  c.kill('SIGKILL');
  await exited;
  return { out, phase, early: null };
}

interface AfterKill {
  size: number;
  tiles: number;
  checkpoints: number;
  checked: number;
  /** Records of an append that was staged and not committed, cut off when the lease was taken again. */
  cutOff: number;
}

/**
 * The checks after a kill: the audit, the acknowledged entries, the
 * writer's record (every committed entry, by index and leaf hash; after
 * the lease is taken again, nothing beyond), and the index catching up.
 */
async function checkAfterKill(where: string, driver: KillTestDriver, acked: readonly string[]): Promise<AfterKill> {
  const storage = await driver.open(where);
  const report = await auditStorage(storage);
  const log = await Log.openStorage(storage);
  if (log.size < acked.length)
    throw new Error(`the log has ${log.size} entries, but index ${acked.length - 1} was acknowledged`);
  let checked = 0;
  const leaves: Uint8Array[] = [];
  log.forEachEntry(0, log.size, (i, e) => {
    leaves.push(leafHash(e));
    if (acked[i] === undefined) return;
    const h = createHash('sha256').update(e).digest('hex');
    if (h !== acked[i])
      throw new Error(`entry ${i} is not the acknowledged one (sha256 ${h}, acknowledged ${acked[i]})`);
    checked++;
  });
  const record = await log.appendedByWriter(0, log.size);
  if (record === null) throw new Error("the writer's record is missing");
  if (record.length !== log.size)
    throw new Error(`the writer's record holds ${record.length} entries, the log ${log.size}`);
  record.forEach((r, i) => {
    if (r.index !== i || !bytesEqual(r.leafHash, leaves[i]))
      throw new Error(`the writer's record ${i} (index ${r.index}) is not the log's entry ${i}`);
  });
  const beyond = (await storage.sequencer.appendedByWriter(log.size, Number.MAX_SAFE_INTEGER))?.length ?? 0;
  const writer = await Log.openStorage(await driver.open(where), { write: true });
  try {
    const left = await writer.storage.sequencer.appendedByWriter(log.size, Number.MAX_SAFE_INTEGER);
    if (left === null || left.length > 0)
      throw new Error(`the writer's record still holds ${left?.length} entries beyond the committed log`);
  } finally {
    await writer.close();
  }
  const idx = LogIndex.forLog(log);
  const indexed = idx.size;
  idx.close();
  if (indexed !== log.size) throw new Error(`the index covers ${indexed} entries, the log ${log.size}`);
  return { size: log.size, tiles: report.tiles, checkpoints: report.checkpoints, checked, cutOff: beyond };
}

/** Adds a child's acknowledgements to `acked`; returns how many are new and how many contradict earlier ones. */
function readAcks(out: string, acked: string[]): { fresh: number; conflicts: number[] } {
  let fresh = 0;
  const conflicts: number[] = [];
  for (const line of out.split('\n')) {
    const m = /^ack (\d+) ([0-9a-f]{64})$/.exec(line);
    if (!m) continue; // a line cut by the kill
    const i = Number(m[1]);
    if (acked[i] !== undefined && acked[i] !== m[2]) conflicts.push(i);
    if (acked[i] === undefined) fresh++;
    acked[i] = m[2];
  }
  return { fresh, conflicts };
}

async function parent(): Promise<number> {
  const kills = Number(arg('--kills', '200'));
  const driverName = arg('--driver', 'posix');
  const driver = DRIVERS[driverName];
  if (driver === undefined) throw new Error(`no driver ${driverName} (drivers: ${Object.keys(DRIVERS).join(', ')})`);
  const slowMs = arg('--slow-ms', '4');
  const maxDelay = Number(arg('--max-delay-ms', '700'));
  const keep = process.argv.includes('--keep');
  const base = arg('--dir', '') || mkdtempSync(join(tmpdir(), 'tally-killtest-'));
  const where = await driver.init(base);
  const acked: string[] = []; // index → sha256 of the acknowledged entry
  const landed = new Map<string, number>();
  let checkedTotal = 0;
  let cutOffTotal = 0;
  let failures = 0;
  const t0 = Date.now();
  for (let k = 1; k <= kills; k++) {
    const run = await runChild(where, driverName, slowMs, maxDelay);
    if (run.early !== null) {
      process.stderr.write(`kill ${k}: the appender exited by itself:\n${run.early}\n`);
      failures++;
      break;
    }
    landed.set(run.phase, (landed.get(run.phase) ?? 0) + 1);
    const { fresh, conflicts } = readAcks(run.out, acked);
    for (const i of conflicts) {
      process.stderr.write(`kill ${k}: index ${i} acknowledged twice with different entries\n`);
      failures++;
    }
    try {
      const r = await checkAfterKill(where, driver, acked);
      checkedTotal += r.checked;
      if (r.cutOff > 0) cutOffTotal++;
      if (k % 20 === 0 || k === kills) {
        process.stdout.write(
          `kill ${k}/${kills}: log ${r.size} entries (+${fresh} acknowledged), audit OK (${r.tiles} tiles, ${r.checkpoints} checkpoints), ${r.checked} acknowledged entries checked, writer's record OK\n`,
        );
      }
    } catch (e) {
      process.stderr.write(`kill ${k} (during ${run.phase}): FAILED: ${(e as Error).message}\n`);
      failures++;
      break;
    }
  }
  const secs = (Date.now() - t0) / 1000;
  const ackedCount = acked.filter((x) => x !== undefined).length;
  process.stdout.write(
    `\nsummary: ${failures === 0 ? 'PASS' : 'FAIL'}: ${kills} kills (driver ${driverName}) in ${secs.toFixed(1)} s, ${ackedCount} entries acknowledged, ` +
      `${checkedTotal} acknowledged-entry checks after kills, ${cutOffTotal} uncommitted append(s) cut from the writer's record, ${failures} failure(s)\n`,
  );
  process.stdout.write(
    `kills landed in: ${[...landed.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}\n`,
  );
  if (!keep && failures === 0 && !arg('--dir', '')) rmSync(base, { recursive: true, force: true });
  else process.stdout.write(`log kept in ${where}\n`);
  return failures === 0 ? 0 : 1;
}

if (process.argv.includes('--child')) {
  const driver = DRIVERS[arg('--driver', 'posix')];
  if (driver === undefined) {
    process.stderr.write(`appender: no driver ${arg('--driver', 'posix')}\n`);
    process.exit(2);
  }
  child(arg('--child', ''), driver).catch((e: unknown) => {
    process.stderr.write(`appender: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(3);
  });
} else {
  parent().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
