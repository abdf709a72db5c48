/**
 * What `tally escrow ...` does (escrow.ts declares the commands and loads
 * this module only when one of them runs). Exit status: 0 clean, 1 a check
 * that found something (findings printed), 2 bad input.
 */
import { closeSync, constants as fsc, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { folderOpenToOthers, writeSecretFile } from '../util/index.js';
import {
  challengesNeeded,
  checkReveal,
  commitLot,
  declaration,
  DECLARATION_FORMAT,
  drawChallenge,
  HASH_BYTES,
  isHex,
  loadSecrets,
  newSeed,
  reveal as revealLot,
  REVEAL_FORMAT,
  SEED_BYTES,
  SEED_COMMITMENT_FORMAT,
  SEED_REVEAL_FORMAT,
  seedCommitment,
  seedCommitmentRecord,
  seedRevealRecord,
  secretsFile,
  survivalProbability,
  toHex,
  type Declaration,
  type Descriptor,
  type RevealProblem,
  AuditError,
  isLogDir,
  Log,
  LogError,
  verifyLog,
  CheckpointError,
  NoteError,
  TileError,
} from '../ledger/index.js';
import { CheckFailed, UsageError } from './util.js';

export const CHALLENGE_FORMAT = 'tally/escrow/challenge/v1';

/** The findings of `escrow check`: the ledger's reveal problems, and where the log's order breaks the protocol. */
export type CheckProblem =
  | RevealProblem
  | 'SEED_NOT_LOGGED'
  | 'SEED_LOGGED_AFTER_DECLARATION'
  | 'SEED_REVEALED_BEFORE_DECLARATION'
  | 'ORDER_UNCHECKED';

export interface CheckFinding {
  /** ORDER_UNCHECKED: the reveal opens its commitments, but no seed says whether it is the draw the order fixed. */
  code: 'COMMITMENT_MISMATCH' | 'DECLARATION_AMENDED' | 'ORDER_UNCHECKED';
  problem: CheckProblem;
  root?: string;
  index?: number;
  message: string;
}

// ---------------------------------------------------------------------------
// Files

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${what} ${path}: cannot read this file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${what} ${path}: not JSON (${(e as Error).message})`);
  }
}

/** Writes a file durably; `secret` files are written whole, mode 0600 (writeSecretFile). Refuses to overwrite unless `force`. */
function writeFile(path: string, text: string, opts: { secret?: boolean; force?: boolean } = {}): void {
  if (opts.secret) {
    try {
      writeSecretFile(path, text, { replace: opts.force === true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new UsageError(`${path} exists; refusing to overwrite it (use --force)`);
      throw new UsageError(`cannot write ${path} (${code ?? (e as Error).message})`);
    }
    const dir = dirname(resolve(path));
    if (folderOpenToOthers(dir))
      process.stderr.write(
        `note: ${dir} can be opened by other users; keep secrets in a folder only you can open (chmod 700 ${dir})\n`,
      );
    return;
  }
  let fd: number;
  const flags = fsc.O_WRONLY | fsc.O_CREAT | (opts.force ? fsc.O_TRUNC : fsc.O_EXCL);
  try {
    fd = openSync(path, flags, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${path} exists; refusing to overwrite it (use --force)`);
    throw new UsageError(`cannot write ${path} (${code ?? (e as Error).message})`);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function pretty(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A declaration record (ours, with or without `kind`), checked. */
function parseDeclaration(v: unknown, what: string): Declaration {
  if (!isObject(v) || v.format !== DECLARATION_FORMAT)
    throw new UsageError(`${what}: not a declaration (format must be ${DECLARATION_FORMAT})`);
  if (typeof v.class !== 'string') throw new UsageError(`${what}: class must be a string`);
  if (!Number.isSafeInteger(v.count) || (v.count as number) < 0)
    throw new UsageError(`${what}: count must be a non-negative integer`);
  if (!isHex(v.root, HASH_BYTES)) throw new UsageError(`${what}: root must be 64 lowercase hex digits`);
  return { format: DECLARATION_FORMAT, class: v.class, count: v.count as number, root: v.root };
}

/** The inspector's seed file (`tally/escrow/seed/v1`, as `escrow seed --out` writes it): the 32-byte seed. */
function readSeed(path: string): Uint8Array {
  const v = readJson(path, 'seed file');
  if (!isObject(v) || v.format !== SEED_REVEAL_FORMAT)
    throw new UsageError(`seed file ${path}: format must be ${SEED_REVEAL_FORMAT}`);
  if (!isHex(v.seed, SEED_BYTES)) throw new UsageError(`seed file ${path}: seed must be 64 lowercase hex digits`);
  const seed = new Uint8Array(Buffer.from(v.seed, 'hex'));
  if (v.seedCommitment !== undefined && v.seedCommitment !== toHex(seedCommitment(seed))) {
    throw new UsageError(`seed file ${path}: seedCommitment does not match the seed`);
  }
  return seed;
}

function kArg(v: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new UsageError(`-k: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

function indicesArg(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !/^(0|[1-9][0-9]*)$/.test(p) || !Number.isSafeInteger(Number(p)))) {
    throw new UsageError(`--indices: expected comma-separated non-negative integers, got ${JSON.stringify(v)}`);
  }
  return parts.map(Number);
}

// ---------------------------------------------------------------------------
// Confidence

export interface Confidence {
  n: number;
  k: number;
  rows: { f: number; survival: number; detection: number; kFor90: number; kFor95: number; kFor99: number }[];
}

/** What k challenges buy on a lot of n: for f = 1 and f = ceil(5 % of n). */
export function confidence(n: number, k: number): Confidence {
  const fs = [...new Set([1, Math.ceil(n / 20)])].filter((f) => f >= 1 && f <= n);
  return {
    n,
    k,
    rows: fs.map((f) => {
      const survival = survivalProbability(n, f, k);
      return {
        f,
        survival,
        detection: 1 - survival,
        kFor90: challengesNeeded(n, f, 0.9),
        kFor95: challengesNeeded(n, f, 0.95),
        kFor99: challengesNeeded(n, f, 0.99),
      };
    }),
  };
}

function formatConfidence(c: Confidence): string {
  const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
  return c.rows
    .map(
      (r) =>
        `f = ${r.f}${r.f === 1 ? '' : ' (5 % of n)'}: survives k = ${c.k} with probability ${pct(r.survival)} (caught ${pct(r.detection)});` +
        ` k needed for 90/95/99 %: ${r.kFor90} / ${r.kFor95} / ${r.kFor99}\n`,
    )
    .join('');
}

// ---------------------------------------------------------------------------
// The check against the log

interface LogScan {
  entries: number;
  declarations: { index: number; decl: Declaration }[];
  seedCommitments: { index: number; seedCommitment: string }[];
  seedReveals: { index: number; seed: string; seedCommitment: string }[];
}

/** One pass over the log: declarations of `root`, seed commitments and seed reveals. */
/** The entries [0, end) (the signed checkpoint's size, when one is published: nothing beyond it is trusted). */
function scanLog(log: Log, root: string, end: number): LogScan {
  const out: LogScan = { entries: end, declarations: [], seedCommitments: [], seedReveals: [] };
  const markers = [DECLARATION_FORMAT, SEED_COMMITMENT_FORMAT, SEED_REVEAL_FORMAT].map((m) => Buffer.from(`"${m}"`));
  log.forEachEntry(0, end, (index, bytes) => {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!markers.some((m) => b.includes(m))) return;
    let v: unknown;
    try {
      v = JSON.parse(b.toString('utf8'));
    } catch {
      return;
    }
    if (!isObject(v)) return;
    if (v.format === DECLARATION_FORMAT && v.root === root) {
      try {
        out.declarations.push({ index, decl: parseDeclaration(v, `log entry ${index}`) });
      } catch {
        // a malformed declaration record naming the root: not a declaration of it
      }
    } else if (v.format === SEED_COMMITMENT_FORMAT && isHex(v.seedCommitment, HASH_BYTES)) {
      out.seedCommitments.push({ index, seedCommitment: v.seedCommitment });
    } else if (
      v.format === SEED_REVEAL_FORMAT &&
      isHex(v.seed, SEED_BYTES) &&
      v.seedCommitment === toHex(seedCommitment(v.seed))
    ) {
      out.seedReveals.push({ index, seed: v.seed, seedCommitment: v.seedCommitment });
    }
  });
  return out;
}

export interface CheckResult {
  ok: boolean;
  root: string;
  declaration?: { index: number; class: string; count: number };
  checkpoint?: { size: number; covers: boolean } | null;
  seed?: {
    source: 'file' | 'log';
    seedCommitment: string;
    commitmentIndex: number | null;
    revealIndex?: number;
    k: number;
    drawn: number[];
  };
  findings: CheckFinding[];
}

function checkAgainstLog(rev: unknown, dir: string, log: Log, opts: { seed?: Uint8Array; k?: number }): CheckResult {
  const bad = (message: string): CheckResult => ({
    ok: false,
    root: '',
    findings: [{ code: 'COMMITMENT_MISMATCH', problem: 'MALFORMED', message }],
  });
  if (!isObject(rev)) return bad('the reveal is not a JSON object');
  if (rev.format !== REVEAL_FORMAT) return bad(`the reveal's format must be ${REVEAL_FORMAT}`);
  if (!isHex(rev.root, HASH_BYTES)) return bad('the reveal names no root (64 lowercase hex digits)');
  const root = rev.root;

  // The log itself: when a checkpoint is published, its signature and the tiles must hold.
  let checkpoint: CheckResult['checkpoint'] = null;
  let cpSize: number | null = null;
  try {
    const cp = verifyLog(dir);
    cpSize = cp.size;
  } catch (e) {
    if (!(e instanceof AuditError)) throw e;
    if (!/cannot read/.test(e.message))
      throw new CheckFailed(`escrow check: the log ${dir} does not verify: ${e.message}`);
  }
  // Only what a signed checkpoint covers is read: entries beyond it could be anyone's.
  const scan = scanLog(log, root, cpSize ?? 0);
  if (scan.declarations.length === 0) {
    throw new CheckFailed(
      `escrow check: no declaration with root ${root} in the log ${dir} (${scan.entries} entries up to its signed checkpoint): the reveal opens a lot that was never declared there, or declared after the checkpoint`,
    );
  }
  const { index: declIndex, decl } = scan.declarations[0];
  if (cpSize !== null) checkpoint = { size: cpSize, covers: declIndex < cpSize };
  const result: CheckResult = {
    ok: false,
    root,
    declaration: { index: declIndex, class: decl.class, count: decl.count },
    checkpoint,
    findings: [],
  };

  // The seed: given, or the seed revealed in the log after the declaration.
  let seed = opts.seed;
  let source: 'file' | 'log' = 'file';
  let revealIndex: number | undefined;
  const findings: CheckFinding[] = [];
  if (seed === undefined) {
    const before = new Set(scan.seedCommitments.filter((s) => s.index < declIndex).map((s) => s.seedCommitment));
    const logged = scan.seedReveals.find((s) => s.index > declIndex && before.has(s.seedCommitment));
    // A seed revealed before this declaration: the declaring party could pick its root knowing the draw.
    const early = scan.seedReveals.find((s) => s.index < declIndex && before.has(s.seedCommitment));
    if (early)
      findings.push({
        code: 'DECLARATION_AMENDED',
        problem: 'SEED_REVEALED_BEFORE_DECLARATION',
        root,
        index: early.index,
        message: `the seed committed before this declaration was revealed at entry ${early.index}, before the declaration (entry ${declIndex}): the root could have been chosen knowing the draw`,
      });
    if (logged) {
      seed = new Uint8Array(Buffer.from(logged.seed, 'hex'));
      source = 'log';
      revealIndex = logged.index;
    } else if (!early)
      findings.push({
        code: 'ORDER_UNCHECKED',
        problem: 'ORDER_UNCHECKED',
        root,
        message:
          'no seed given (--seed) and none revealed in the log after the declaration: the opened items are checked, but not that they are the draw that the order of the log fixed',
      });
  }
  let k: number | undefined;
  let sc: string | undefined;
  if (seed !== undefined) {
    sc = toHex(seedCommitment(seed));
    const items = Array.isArray(rev.items) ? rev.items.length : 0;
    k = opts.k ?? Math.min(items, decl.count);
    if (decl.count === 0)
      throw new CheckFailed(
        `escrow check: the declaration at entry ${declIndex} is of an empty lot; there is nothing to challenge`,
      );
    if (k > decl.count) throw new UsageError(`-k ${k}: the lot has only ${decl.count} items`);
    const logged = scan.seedCommitments.filter((s) => s.seedCommitment === sc);
    const before = logged.find((s) => s.index < declIndex);
    if (logged.length === 0) {
      findings.push({
        code: 'COMMITMENT_MISMATCH',
        problem: 'SEED_NOT_LOGGED',
        root,
        message: `the seed's commitment ${sc} is not in the log: the challenge cannot be shown to be fixed before the declaration`,
      });
    } else if (!before) {
      findings.push({
        code: 'COMMITMENT_MISMATCH',
        problem: 'SEED_LOGGED_AFTER_DECLARATION',
        root,
        message: `the seed's commitment ${sc} was logged at entry ${logged[0].index}, after the declaration (entry ${declIndex}): the declaring party could have known the draw`,
      });
    }
    result.seed = {
      source,
      seedCommitment: sc,
      commitmentIndex: before?.index ?? logged[0]?.index ?? null,
      k,
      drawn: drawChallenge(seed, root, decl.count, k),
      ...(revealIndex !== undefined ? { revealIndex } : {}),
    };
  }
  findings.push(
    ...checkReveal(rev, {
      root,
      count: decl.count,
      ...(seed !== undefined ? { seed, k, ...(sc !== undefined ? { seedCommitment: sc } : {}) } : {}),
    }),
  );
  result.findings = findings;
  result.ok = findings.length === 0;
  return result;
}

// ---------------------------------------------------------------------------
// Commands

async function escrowAction(what: string, f: () => Promise<void> | void): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof UsageError || e instanceof CheckFailed) throw e;
    if (e instanceof LogError || e instanceof NoteError || e instanceof CheckpointError || e instanceof TileError) {
      throw new UsageError(`escrow ${what}: ${e.message}`);
    }
    if (e instanceof AuditError) throw new CheckFailed(`escrow ${what}: FAILED: ${e.message}`);
    throw e;
  }
}

/** The result of `escrow check` as text: the declaration, the checkpoint, the seed, each finding, the verdict. */
function formatCheck(r: CheckResult): string {
  const out: string[] = [];
  if (r.declaration) {
    out.push(
      `declaration: entry ${r.declaration.index}, class ${r.declaration.class}, count ${r.declaration.count}, root ${r.root}\n`,
    );
  }
  if (r.checkpoint) {
    out.push(
      `checkpoint: size ${r.checkpoint.size} verified${r.checkpoint.covers ? ', covers the declaration' : ', does NOT cover the declaration yet (publish a checkpoint)'}\n`,
    );
  } else if (r.declaration) {
    out.push("checkpoint: none published; the log's entries were read unsigned\n");
  }
  if (r.seed) {
    out.push(
      `seed: from the ${r.seed.source}${r.seed.revealIndex !== undefined ? ` (entry ${r.seed.revealIndex})` : ''}, commitment ${r.seed.seedCommitment}` +
        `${r.seed.commitmentIndex !== null ? ` logged at entry ${r.seed.commitmentIndex}` : ' not logged'}; k = ${r.seed.k}, drawn ${r.seed.drawn.join(',')}\n`,
    );
  } else {
    out.push('seed: none given or revealed in the log; the opened items are checked, not that they are the draw\n');
  }
  for (const f of r.findings)
    out.push(`${f.code} ${f.problem}${f.index !== undefined ? ` index ${f.index}` : ''}: ${f.message}\n`);
  out.push(r.ok ? 'OK: the reveal opens the declared lot\n' : `FAILED: ${r.findings.length} finding(s)\n`);
  return out.join('');
}

// ---------------------------------------------------------------------------
// The commands

export function commit(
  items: string,
  o: { class: string; secrets: string; declaration: string; force?: boolean },
): Promise<void> {
  return escrowAction('commit', () => {
    const list = readJson(items, 'items file');
    if (!Array.isArray(list)) throw new UsageError(`items file ${items}: expected a JSON array of descriptor objects`);
    list.forEach((d, i) => {
      if (!isObject(d)) throw new UsageError(`items file ${items}: item ${i} is not a JSON object`);
    });
    if (resolve(o.secrets) === resolve(o.declaration))
      throw new UsageError('--secrets and --declaration must be different files');
    let lot;
    try {
      lot = commitLot(list as Descriptor[]);
    } catch (e) {
      throw new UsageError(`items file ${items}: ${(e as Error).message}`);
    }
    const decl = { kind: 'declaration', ...declaration(lot, o.class) };
    writeFile(o.secrets, pretty(secretsFile(lot, o.class)), { secret: true, force: o.force === true });
    writeFile(o.declaration, pretty(decl), { force: o.force === true });
    process.stderr.write(
      `wrote the secrets ${o.secrets} (mode 0600; keep them, never log them) and the declaration ${o.declaration}\n`,
    );
    process.stdout.write(`root ${lot.root}\ncount ${lot.count}\nclass ${o.class}\n`);
  });
}

export function seed(o: { out: string; commitment: string; force?: boolean }): Promise<void> {
  return escrowAction('seed', () => {
    if (resolve(o.out) === resolve(o.commitment))
      throw new UsageError('--out and --commitment must be different files');
    const seed = newSeed();
    const rec = { kind: 'seed-commitment', ...seedCommitmentRecord(seed) };
    writeFile(o.out, pretty({ kind: 'seed', ...seedRevealRecord(seed) }), {
      secret: true,
      force: o.force === true,
    });
    writeFile(o.commitment, pretty(rec), { force: o.force === true });
    process.stderr.write(
      `wrote the seed ${o.out} (mode 0600; keep it secret until the declaration is logged) and its commitment ${o.commitment}\n`,
    );
    process.stdout.write(`seedCommitment ${rec.seedCommitment}\n`);
  });
}

export function challenge(o: {
  seed: string;
  declaration: string;
  k: string;
  out?: string;
  json?: boolean;
  force?: boolean;
}): Promise<void> {
  return escrowAction('challenge', () => {
    const seed = readSeed(o.seed);
    const decl = parseDeclaration(readJson(o.declaration, 'declaration'), `declaration ${o.declaration}`);
    const k = kArg(o.k);
    if (decl.count === 0)
      throw new UsageError(`declaration ${o.declaration}: the lot is empty; there is nothing to challenge`);
    if (k > decl.count) throw new UsageError(`-k ${k}: the lot has only ${decl.count} items`);
    const indices = drawChallenge(seed, decl.root, decl.count, k);
    const conf = confidence(decl.count, k);
    const challenge = {
      format: CHALLENGE_FORMAT,
      class: decl.class,
      root: decl.root,
      count: decl.count,
      k,
      seed: toHex(seed),
      seedCommitment: toHex(seedCommitment(seed)),
      indices,
    };
    if (o.out !== undefined) writeFile(o.out, pretty(challenge), { force: o.force === true });
    if (o.json) {
      process.stdout.write(pretty({ ...challenge, confidence: conf }));
    } else {
      process.stdout.write(`indices ${indices.join(',')}\n`);
      process.stdout.write(`lot of n = ${decl.count} (${decl.class}), root ${decl.root}, k = ${k}\n`);
      process.stdout.write(formatConfidence(conf));
    }
  });
}

export function reveal(o: {
  secrets: string;
  indices?: string;
  challenge?: string;
  out: string;
  force?: boolean;
}): Promise<void> {
  return escrowAction('reveal', () => {
    if ((o.indices === undefined) === (o.challenge === undefined))
      throw new UsageError('give exactly one of --indices and --challenge');
    let secrets;
    try {
      secrets = loadSecrets(readJson(o.secrets, 'secrets file'));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`${o.secrets}: ${(e as Error).message}`);
    }
    let indices: number[];
    if (o.indices !== undefined) {
      indices = indicesArg(o.indices);
    } else {
      const c = readJson(o.challenge!, 'challenge file');
      if (!isObject(c) || c.format !== CHALLENGE_FORMAT)
        throw new UsageError(`challenge file ${o.challenge}: format must be ${CHALLENGE_FORMAT}`);
      if (c.root !== secrets.root)
        throw new UsageError(
          `challenge file ${o.challenge}: root ${String(c.root)} is not the secrets' root ${secrets.root}`,
        );
      if (!Array.isArray(c.indices) || !c.indices.every((i) => Number.isSafeInteger(i)))
        throw new UsageError(`challenge file ${o.challenge}: indices must be an array of integers`);
      indices = c.indices as number[];
    }
    for (const [j, i] of indices.entries()) {
      if (i < 0 || i >= secrets.count) throw new UsageError(`index ${i} is outside the lot of ${secrets.count}`);
      if (indices.indexOf(i) !== j) throw new UsageError(`index ${i} given twice`);
    }
    const r = revealLot(secrets, indices);
    writeFile(o.out, pretty(r), { force: o.force === true });
    process.stderr.write(`wrote the reveal of ${indices.length} of ${secrets.count} items to ${o.out}\n`);
  });
}

export function check(path: string, o: { log: string; seed?: string; k?: string; json?: boolean }): Promise<void> {
  return escrowAction('check', async () => {
    const rev = readJson(path, 'reveal file');
    const seed = o.seed !== undefined ? readSeed(o.seed) : undefined;
    const k = o.k !== undefined ? kArg(o.k) : undefined;
    if (k !== undefined && seed === undefined) throw new UsageError('-k goes with --seed');
    if (!isLogDir(o.log))
      throw new UsageError(`--log ${o.log}: not a log (no log.json); create one with \`tally log init\``);
    const log = await Log.open(o.log);
    let r: CheckResult;
    try {
      r = checkAgainstLog(rev, o.log, log, {
        ...(seed !== undefined ? { seed } : {}),
        ...(k !== undefined ? { k } : {}),
      });
    } finally {
      await log.close();
    }
    process.stdout.write(o.json ? pretty(r) : formatCheck(r));
    if (!r.ok)
      throw new CheckFailed(
        `escrow check: FAILED: ${r.findings.length} finding(s): ${[...new Set(r.findings.map((f) => f.problem))].join(', ')}`,
      );
  });
}
