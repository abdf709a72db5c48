/**
 * Start-up of the `tally` command against a bare `node -e 0`, measured in
 * the same run: the time from spawning the process to its exit, for the
 * commands a user types first. Target: each within 2.5x of bare node.
 *
 *   npm run bench:startup -- [--runs N] [--json] [--no-save]
 *
 * Runs are interleaved (one of each command in turn) so that a slower
 * moment of the machine falls on all of them alike; the median is reported.
 * The AIS file is a small generated log (a few vessels for an hour).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, saveResults } from '../results.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const TARGET = 2.5;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

function timeOnce(argv: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  const t1 = process.hrtime.bigint();
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 400)}`);
  return Number(t1 - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs', '21'));
  const json = process.argv.includes('--json');
  const tmp = mkdtempSync(join(tmpdir(), 'tally-startup-'));
  try {
    const nmea = join(tmp, 'small.nmea');
    const gen = spawnSync(process.execPath, [CLI, 'scenario', 'ais', '--vessels', '4', '--hours', '1'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (gen.status !== 0) throw new Error(`scenario ais failed: ${gen.stderr}`);
    writeFileSync(nmea, gen.stdout);
    const commands: { name: string; argv: string[] }[] = [
      { name: 'node -e 0', argv: ['-e', '0'] },
      { name: 'tally --help', argv: [CLI, '--help'] },
      { name: 'tally verify --help', argv: [CLI, 'verify', '--help'] },
      { name: 'tally ais decode small.nmea', argv: [CLI, 'ais', 'decode', '-q', nmea] },
    ];
    const times = commands.map(() => [] as number[]);
    for (const c of commands) timeOnce(c.argv); // warm the file cache
    for (let r = 0; r < runs; r++) commands.forEach((c, i) => times[i].push(timeOnce(c.argv)));
    const base = median(times[0]);
    const rows = commands.map((c, i) => {
      const ms = median(times[i]);
      return {
        command: c.name,
        median_ms: Math.round(ms * 10) / 10,
        min_ms: Math.round(Math.min(...times[i]) * 10) / 10,
        ratio_to_node: Math.round((ms / base) * 100) / 100,
        target_ratio: i === 0 ? null : TARGET,
        pass: i === 0 ? null : ms / base <= TARGET,
      };
    });
    const figures = { runs, statistic: 'median of interleaved runs', commands: rows };
    const readme = {
      title: 'Start-up of the command',
      note: `median of ${runs} interleaved runs of each command, bare \`node -e 0\` as the peer`,
      columns: ['command', 'median', 'x node'],
      rows: rows.map((r) => [r.command, `${r.median_ms.toFixed(1)} ms`, r.ratio_to_node.toFixed(2)]),
      targets: rows
        .filter((r) => r.pass !== null)
        .map((r) => ({
          name: `${r.command} within ${TARGET}x of bare node`,
          measured: `${r.ratio_to_node.toFixed(2)}x`,
          pass: r.pass,
        })),
    };
    if (!process.argv.includes('--no-save'))
      process.stderr.write(`figures written to ${saveResults('startup', 'npm run bench:startup', readme, figures)}\n`);
    if (json) {
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      return;
    }
    process.stdout.write(`Start-up, median of ${runs} interleaved runs (bare node is the peer):\n`);
    process.stdout.write(`${'command'.padEnd(30)} ${'median'.padStart(9)} ${'min'.padStart(9)}  x node  target\n`);
    for (const r of rows) {
      const verdict = r.pass === null ? '' : `<= ${TARGET}x ${r.pass ? 'PASS' : 'MISSED'}`;
      process.stdout.write(
        `${r.command.padEnd(30)} ${`${r.median_ms.toFixed(1)} ms`.padStart(9)} ${`${r.min_ms.toFixed(1)} ms`.padStart(9)}  ${r.ratio_to_node.toFixed(2).padStart(5)}  ${verdict}\n`,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:startup: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
