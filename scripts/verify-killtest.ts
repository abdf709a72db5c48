/**
 * Kill test of `tally verify` itself, on the strait case.
 *
 *   node dist/scripts/verify-killtest.js [--kills N] [--round K] [--seed S] [--dir DIR] [--keep]
 *
 * The strait case is generated once (the scenario's own generateCase). An
 * uninterrupted `tally verify` on a copy gives the reference results.json
 * and the run's length T. Then, round after round on fresh copies (--round
 * K kills each, default 10: a fresh copy per round so that kills also land
 * while the log is created, appended to and signed, which only the first
 * runs on a folder do), `node dist/src/cli/main.js verify CASE` is started
 * and sent SIGKILL after a seeded random delay: half in [0, 1.15 T], so
 * that the kills spread over the whole run up to and through the writing
 * of results, half within the reference run's log work (from the inputs
 * hashed to the AIS read, a short part of the run where a kill can leave
 * an unsigned tail or a stale lease); each kill is followed by the next run on the same folder. The
 * runs are not given -q: their progress lines on stderr are how the summary
 * tells where each kill landed (the last line seen; a kill after the last
 * imagery line is in the custody chain or the writing of the outputs, and
 * one that finds results.json newer than the run's start was writing the
 * report and derived files). Every other round starts without
 * keys/operator.key: its first kills (up to 3) are of `tally log keygen`
 * writing the key, after each of which the key file is absent or whole,
 * and keygen runs until one writes it; then the manifest is pinned to the new key, as an
 * operator making a key does, and the verify kills go on.
 *
 * After each round's kills, a clean run; then the checks:
 *
 *   - `tally log audit CASE/log --key K --writer-key CASE/keys/operator.key`
 *     passes (K: the generated operator key, or the round's new one);
 *   - the final results.json equals the reference except where a result
 *     legitimately differs. Equal: schema, version, the case and its
 *     manifest's hash and log index, the verdict, the funnel, the findings,
 *     the lots, shipments and sites (with every evidence reference, hash and
 *     log index), the evidence list (hashes, log indexes, roles), the terms,
 *     and the checkpoint's origin, size and root: a kill may make a run sign
 *     a checkpoint again, but it must neither add nor reorder entries. The
 *     checkpoint's note may differ (another signed checkpoint of the same
 *     tree), and so may its cosigners. In a keygen round the manifest pins
 *     a new key, so case.yaml's hash and, with it, the log's root differ
 *     too: there the manifest's hash and the root are left out;
 *   - no run, killed or not, printed a stack trace, and every run that ended
 *     by itself exited 0 (the case is VERIFIED).
 *
 * A kill can leave an own unsigned tail (the next run says "recovered")
 * or a stale lease (the next run takes it over); both are counted. Exit
 * status 1 on any failure; the failing case folder is kept.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCase } from '../src/scenario/index.js';
import { KeyFileError, readSignerKeyFile } from '../src/ledger/index.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const ORIGIN = 'tally.invalid/case/strait';
/** A line of a JavaScript stack trace, as node prints them. */
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

/** Seeded uniform numbers in [0, 1) (xorshift128+ from SHA-256 of the seed), so a failing sequence can be replayed. */
class Rng {
  private a: bigint;
  private b: bigint;
  constructor(seed: string) {
    const h = createHash('sha256').update(`verify-killtest/${seed}`).digest();
    this.a = h.readBigUInt64BE(0) | 1n;
    this.b = h.readBigUInt64BE(8) | 2n;
  }
  next(): number {
    const M = (1n << 64n) - 1n;
    let s1 = this.a;
    const s0 = this.b;
    this.a = s0;
    s1 ^= (s1 << 23n) & M;
    this.b = s1 ^ s0 ^ (s1 >> 17n) ^ (s0 >> 26n);
    return Number(((this.b + s0) & M) >> 11n) / 2 ** 53;
  }
}

interface Run {
  /** Exit code, or null when killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last progress line seen before the kill (or the end). */
  lastLine: string;
  pid: number;
  /** When each progress line came, in milliseconds from the start. */
  lineMs: { line: string; ms: number }[];
  ms: number;
}

/** Runs `node CLI ...args`, killed with SIGKILL after `killMs` (never when null). */
async function runCli(args: string[], killMs: number | null): Promise<Run> {
  const t0 = Date.now();
  const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let lastLine = '';
  const lineMs: { line: string; ms: number }[] = [];
  c.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  c.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    const lines = stderr.split('\n').filter((l) => l !== '');
    for (const line of lines.slice(lineMs.length)) lineMs.push({ line, ms: Date.now() - t0 });
    if (lines.length) lastLine = lines[lines.length - 1];
  });
  const closed = new Promise<number | null>((res) => c.on('close', (code) => res(code)));
  let killed = false;
  const timer =
    killMs === null
      ? null
      : setTimeout(() => {
          killed = true;
          c.kill('SIGKILL');
        }, killMs);
  const code = await closed;
  if (timer) clearTimeout(timer);
  return { code: killed ? null : code, stdout, stderr, lastLine, pid: c.pid ?? 0, lineMs, ms: Date.now() - t0 };
}

/** Where a verify run started at `started` was when it was killed, from its last progress line (see the header). */
function verifyPhase(caseDir: string, r: Run, started: number, imageryLines: number): string {
  const lastLine = r.lastLine;
  const seenImagery = r.stderr.split('\n').filter((l) => l.startsWith('imagery ')).length;
  const results = join(caseDir, 'results', 'results.json');
  const resultsFresh = existsSync(results) && statSync(results).mtimeMs >= started;
  if (lastLine === '') return 'start-up (loading, checking the case)';
  if (lastLine.startsWith('case ')) return 'hashing the inputs';
  if (lastLine.startsWith('hashed ') || lastLine.startsWith('created ') || lastLine.startsWith('recovered '))
    return 'log: open, audit, append';
  if (lastLine.includes('waiting for it')) return 'waiting for the lease';
  if (lastLine.startsWith('appended ')) return 'log: sign, audit; AIS';
  if (lastLine.startsWith('AIS:')) return 'imagery';
  if (lastLine.startsWith('imagery ') && seenImagery < imageryLines) return 'imagery';
  if (lastLine.startsWith('imagery '))
    return resultsFresh ? 'outputs: report and derived files' : 'custody chain, results.json';
  return `after "${lastLine}"`;
}

/** The process id in the case log's lease file, or null when no lease is held. */
function leaseOf(caseDir: string): string | null {
  const lock = join(caseDir, 'log', '.lock');
  return existsSync(lock) ? readFileSync(lock, 'utf8').trim() : null;
}

type Results = Record<string, unknown> & { checkpoint: Record<string, unknown>; case: Record<string, unknown> };

/** The differences between two results, leaving out what may legitimately differ (see the header). */
function resultDiffs(ref: Results, got: Results, newKey: boolean): string[] {
  const strip = (r: Results): unknown => {
    const { note: _n, cosigned_by: _c, ...cp } = r.checkpoint;
    const cs = JSON.parse(JSON.stringify(r.case)) as { manifest: { sha256?: string } };
    const evidence = JSON.parse(JSON.stringify(r.evidence)) as { role: string; sha256?: string }[];
    if (newKey) {
      delete cp.root;
      delete cs.manifest.sha256;
      for (const e of evidence) if (e.role === 'manifest') delete e.sha256;
    }
    return { ...r, checkpoint: cp, case: cs, evidence };
  };
  const a = strip(ref) as Record<string, unknown>;
  const b = strip(got) as Record<string, unknown>;
  const diffs: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      diffs.push(`${k}: reference ${JSON.stringify(a[k]).slice(0, 300)}, got ${JSON.stringify(b[k]).slice(0, 300)}`);
  }
  return diffs;
}

function pinManifest(caseDir: string, verifierKey: string): void {
  const path = join(caseDir, 'case.yaml');
  const text = readFileSync(path, 'utf8');
  const pinned = text.replace(/^( {2}verifier_key: ).*$/m, `$1${verifierKey}`);
  if (pinned === text) throw new Error(`${path}: no log.verifier_key line to pin the new key in`);
  writeFileSync(path, pinned);
}

/** At most this many kills of keygen a keygen round: a kill lands before the key is written more often than not. */
const KEYGEN_KILLS = 3;

/**
 * The operator makes the case's key with `tally log keygen`, killed up to
 * `kills` times: after each kill the key file is absent or whole; the
 * runs go on until one writes the key.
 */
async function keygenKills(
  keyPath: string,
  kills: number,
  refMs: number,
  rng: Rng,
  land: (phase: string) => void,
  checkRun: (what: string, r: Run, wantCode: number) => void,
): Promise<{ kills: number; finishedBeforeKill: number; verifierKey: string; failure: string | null }> {
  let n = 0;
  let finishedBeforeKill = 0;
  rmSync(keyPath);
  for (;;) {
    const kill = n < kills;
    const r = await runCli(['log', 'keygen', ORIGIN, '--out', keyPath], kill ? rng.next() * 1.15 * refMs : null);
    checkRun('keygen', r, 0);
    if (r.code === null) {
      n++;
      land(existsSync(keyPath) ? 'keygen: key file written' : 'keygen');
    } else if (kill) finishedBeforeKill++;
    const done = { kills: n, finishedBeforeKill, verifierKey: '' };
    if (existsSync(keyPath)) {
      try {
        return { ...done, verifierKey: readSignerKeyFile(keyPath).verifierKey(), failure: null };
      } catch (e) {
        if (!(e instanceof KeyFileError)) throw e;
        return { ...done, failure: `a killed keygen left a damaged key file: ${e.message}` };
      }
    }
    if (r.code !== null) return { ...done, failure: `keygen exited ${r.code} and wrote no key` };
  }
}

async function main(): Promise<number> {
  const kills = Number(arg('--kills', '200'));
  const perRound = Number(arg('--round', '10'));
  const seed = arg('--seed', '1');
  const keep = process.argv.includes('--keep');
  if (!Number.isSafeInteger(kills) || kills < 1) throw new Error('--kills: a positive integer');
  if (!Number.isSafeInteger(perRound) || perRound < 1) throw new Error('--round: a positive integer');
  const rng = new Rng(seed);
  const base = arg('--dir', '') || mkdtempSync(join(tmpdir(), 'tally-verify-killtest-'));
  const t0 = Date.now();

  const generated = join(base, 'generated');
  rmSync(generated, { recursive: true, force: true });
  await generateCase('strait', { out: generated });
  const operatorKey = readSignerKeyFile(join(generated, 'keys', 'operator.key')).verifierKey();

  // The reference: one uninterrupted run.
  const refDir = join(base, 'reference');
  rmSync(refDir, { recursive: true, force: true });
  cpSync(generated, refDir, { recursive: true });
  const ref = await runCli(['verify', refDir], null);
  if (ref.code !== 0) throw new Error(`the reference run exited ${ref.code}:\n${ref.stdout}${ref.stderr}`);
  const refResults = JSON.parse(readFileSync(join(refDir, 'results', 'results.json'), 'utf8')) as Results;
  // Half the kills land anywhere in a run, half in its log work (from the inputs hashed to the AIS read): a
  // short part of the run, and the one where a kill can leave an unsigned tail or a stale lease.
  const at = (prefix: string): number => ref.lineMs.find((l) => l.line.startsWith(prefix))?.ms ?? 0;
  const logFrom = at('hashed ');
  const logTo = Math.max(at('AIS:'), logFrom);
  const killDelay = (): number =>
    rng.next() < 0.5 ? rng.next() * 1.15 * ref.ms : logFrom + rng.next() * 1.2 * (logTo - logFrom);
  const imageryLines = ref.stderr.split('\n').filter((l) => l.startsWith('imagery ')).length;
  const keygenRef = await runCli(['log', 'keygen', ORIGIN, '--out', join(base, 'keygen-reference.key')], null);
  if (keygenRef.code !== 0) throw new Error(`the reference keygen exited ${keygenRef.code}:\n${keygenRef.stderr}`);
  process.stderr.write(
    `reference: ${refResults.verdict as string} in ${ref.ms} ms (keygen ${keygenRef.ms} ms); ${kills} kills, ${perRound} a round, seed ${seed}\n`,
  );

  const landed = new Map<string, number>();
  const land = (phase: string): void => void landed.set(phase, (landed.get(phase) ?? 0) + 1);
  let runs = 0;
  let done = 0;
  let recovered = 0;
  let takenOver = 0;
  let finishedBeforeKill = 0;
  let staleTmp = 0;
  const failures: string[] = [];
  const checkRun = (what: string, r: Run, wantCode: number): void => {
    runs++;
    if (STACK_LINE.test(r.stdout) || STACK_LINE.test(r.stderr))
      failures.push(`${what}: printed a stack trace:\n${r.stderr}${r.stdout}`);
    if (r.code !== null && r.code !== wantCode)
      failures.push(`${what}: exited ${r.code}, not ${wantCode}:\n${r.stderr}${r.stdout}`);
    if (r.stderr.includes('recovered ')) recovered++;
  };

  for (let round = 1; done < kills && failures.length === 0; round++) {
    const caseDir = join(base, `round-${round}`);
    rmSync(caseDir, { recursive: true, force: true });
    cpSync(generated, caseDir, { recursive: true });
    const keyPath = join(caseDir, 'keys', 'operator.key');
    const roundKills = Math.min(perRound, kills - done);
    let n = 0;
    let auditKey = operatorKey;
    const newKey = round % 2 === 0;
    if (newKey) {
      const k = await keygenKills(keyPath, Math.min(KEYGEN_KILLS, roundKills), keygenRef.ms, rng, land, checkRun);
      n = k.kills;
      done += k.kills;
      finishedBeforeKill += k.finishedBeforeKill;
      if (k.failure !== null) {
        failures.push(`round ${round}: ${k.failure}`);
        break;
      }
      auditKey = k.verifierKey;
      pinManifest(caseDir, auditKey);
    }
    for (; n < roundKills; n++, done++) {
      const started = Date.now();
      const r = await runCli(['verify', caseDir], killDelay());
      checkRun(`round ${round}, kill ${n + 1}`, r, 0);
      if (r.code !== null) {
        finishedBeforeKill++;
        continue;
      }
      land(verifyPhase(caseDir, r, started, imageryLines));
      if (leaseOf(caseDir) === String(r.pid)) takenOver++; // the next run must take it over
    }
    const clean = await runCli(['verify', caseDir], null);
    checkRun(`round ${round}, clean run`, clean, 0);
    const audit = spawnSync(
      process.execPath,
      [CLI, 'log', 'audit', join(caseDir, 'log'), '--key', auditKey, '--writer-key', keyPath],
      { encoding: 'utf8' },
    );
    runs++;
    if (audit.status !== 0)
      failures.push(`round ${round}: the audit failed (exit ${audit.status}):\n${audit.stdout}${audit.stderr}`);
    const got = JSON.parse(readFileSync(join(caseDir, 'results', 'results.json'), 'utf8')) as Results;
    for (const d of resultDiffs(refResults, got, newKey)) failures.push(`round ${round}: results differ: ${d}`);
    const tmp = readdirSync(join(caseDir, 'results'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.tmp-\d+$/.test(f),
    );
    staleTmp += tmp.length;
    process.stderr.write(
      `round ${round}${newKey ? ' (keygen)' : ''}: ${done}/${kills} kills, ${runs} runs, ${((Date.now() - t0) / 1000).toFixed(0)} s: ` +
        `${failures.length === 0 ? `audit OK, results equal${tmp.length ? `; ${tmp.length} half-written output(s) left as *.tmp-PID` : ''}` : 'FAILED'}\n`,
    );
    if (failures.length === 0) rmSync(caseDir, { recursive: true, force: true });
    else process.stderr.write(`case kept in ${caseDir}\n`);
  }

  const secs = (Date.now() - t0) / 1000;
  for (const f of failures) process.stderr.write(`FAIL: ${f}\n`);
  process.stdout.write(
    `summary: ${failures.length === 0 ? 'PASS' : 'FAIL'}: ${done} kills, ${runs} runs (${finishedBeforeKill} ended before their kill) in ${secs.toFixed(1)} s; ` +
      `${recovered} run(s) recovered an unsigned tail, ${takenOver} kill(s) left a stale lease (taken over by the next run); ` +
      `${staleTmp} half-written output(s) left behind; ${failures.length} failure(s)\n`,
  );
  process.stdout.write(
    `kills landed in: ${[...landed.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([p, c]) => `${p} ${c}`)
      .join(', ')}\n`,
  );
  if (!keep && failures.length === 0 && !arg('--dir', '')) rmSync(base, { recursive: true, force: true });
  else process.stdout.write(`cases kept in ${base}\n`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`verify-killtest: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
