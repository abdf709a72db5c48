/**
 * Kill test of the log's durability.
 *
 *   node dist/scripts/log-killtest.js [--kills N] [--dir DIR] [--slow-ms MS] [--max-delay-ms MS] [--keep]
 *
 * A child `node` process (this script with --child) appends batches of
 * entries to a log in a loop (through the idempotent append and the SQLite
 * index, as `tally log append` does), publishes a checkpoint now and then,
 * and prints `ack <index> <sha256 of the entry>` for each entry as soon as
 * its append returns. The parent sends it SIGKILL at a random instant; with
 * TALLY_LOG_TEST_SLOW_MS the child sleeps briefly inside every durable step
 * (after writing, after fsync, after each rename, before the commit), so the
 * kills land in those steps too (the child reports each step on stderr; the
 * summary counts where the kills landed). After each kill the parent audits
 * the log (every tile and hash recomputed from the entries, every checkpoint
 * checked), checks that every acknowledged index holds exactly the
 * acknowledged entry, brings the index up to date, and starts a new child,
 * which continues the log. Exit status 1 on any failure.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditLog, Log } from '../src/ledger/log.js';
import { appendRecords, LogIndex } from '../src/ledger/store.js';
import { encodeEntry } from '../src/ledger/entries.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

async function child(dir: string): Promise<void> {
  const log = await Log.open(dir, { write: true });
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

async function parent(): Promise<number> {
  const kills = Number(arg('--kills', '200'));
  const slowMs = arg('--slow-ms', '4');
  const maxDelay = Number(arg('--max-delay-ms', '700'));
  const keep = process.argv.includes('--keep');
  const base = arg('--dir', '') || mkdtempSync(join(tmpdir(), 'tally-killtest-'));
  const dir = join(base, 'log');
  await Log.init(dir, { origin: 'example.org/killtest', keyPath: join(base, 'killtest.key') });
  const self = fileURLToPath(import.meta.url);
  const acked: string[] = []; // index → sha256 of the acknowledged entry
  const landed = new Map<string, number>();
  let checkedTotal = 0;
  let failures = 0;
  const t0 = Date.now();
  for (let k = 1; k <= kills; k++) {
    const c = spawn(process.execPath, [self, '--child', dir], {
      env: { ...process.env, TALLY_LOG_TEST_SLOW_MS: slowMs, TALLY_LOG_TEST_PHASES: '1' },
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
    if (early) {
      process.stderr.write(`kill ${k}: the appender exited by itself:\n${errTail}\n`);
      failures++;
      break;
    }
    const phase = lastPhase;
    c.kill('SIGKILL');
    await exited;
    landed.set(phase, (landed.get(phase) ?? 0) + 1);
    let newAcks = 0;
    for (const line of out.split('\n')) {
      const m = /^ack (\d+) ([0-9a-f]{64})$/.exec(line);
      if (!m) continue; // a line cut by the kill
      const i = Number(m[1]);
      if (acked[i] !== undefined && acked[i] !== m[2]) {
        process.stderr.write(`kill ${k}: index ${i} acknowledged twice with different entries\n`);
        failures++;
      }
      if (acked[i] === undefined) newAcks++;
      acked[i] = m[2];
    }
    try {
      const report = auditLog(dir);
      const log = await Log.open(dir);
      if (log.size < acked.length)
        throw new Error(`the log has ${log.size} entries, but index ${acked.length - 1} was acknowledged`);
      let checked = 0;
      log.forEachEntry(0, acked.length, (i, e) => {
        if (acked[i] === undefined) return;
        const h = createHash('sha256').update(e).digest('hex');
        if (h !== acked[i])
          throw new Error(`entry ${i} is not the acknowledged one (sha256 ${h}, acknowledged ${acked[i]})`);
        checked++;
      });
      const idx = LogIndex.forLog(log);
      const indexed = idx.size;
      idx.close();
      if (indexed !== log.size) throw new Error(`the index covers ${indexed} entries, the log ${log.size}`);
      checkedTotal += checked;
      if (k % 20 === 0 || k === kills) {
        process.stdout.write(
          `kill ${k}/${kills}: log ${log.size} entries (+${newAcks} acknowledged), audit OK (${report.tiles} tiles, ${report.checkpoints} checkpoints), ${checked} acknowledged entries checked\n`,
        );
      }
    } catch (e) {
      process.stderr.write(`kill ${k} (during ${lastPhase}): FAILED: ${(e as Error).message}\n`);
      failures++;
      break;
    }
  }
  const secs = (Date.now() - t0) / 1000;
  const ackedCount = acked.filter((x) => x !== undefined).length;
  process.stdout.write(
    `\nsummary: ${failures === 0 ? 'PASS' : 'FAIL'}: ${kills} kills in ${secs.toFixed(1)} s, ${ackedCount} entries acknowledged, ` +
      `${checkedTotal} acknowledged-entry checks after kills, ${failures} failure(s)\n`,
  );
  process.stdout.write(
    `kills landed in: ${[...landed.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}\n`,
  );
  if (!keep && failures === 0 && !arg('--dir', '')) rmSync(base, { recursive: true, force: true });
  else process.stdout.write(`log kept in ${dir}\n`);
  return failures === 0 ? 0 : 1;
}

if (process.argv.includes('--child')) {
  child(arg('--child', '')).catch((e: unknown) => {
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
