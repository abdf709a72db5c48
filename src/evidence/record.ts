/**
 * A case recorded in its log: the log created on first use, every input and
 * declaration it does not hold yet appended (idempotent: the same bytes are
 * never appended twice), a checkpoint signed, and the whole log audited.
 * Problems with the log or with logged evidence are returned, not thrown:
 * they are findings.
 *
 * Originals are never modified. An evidence file (AIS, imagery, inspection,
 * document, reveal) whose path the log already holds with another hash has
 * been changed after it was logged: it is reported and left out, never
 * logged again. The manifest and the geography are versioned instead: a new
 * version is a new entry.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CaseError, type CaseIssue, type CaseManifest, type LoadedCase } from '../case/index.js';
import {
  AuditError,
  KeyFileError,
  LeaseHeldError,
  readSignerKeyFile,
  Log,
  LogError,
  LogIndex,
  auditLog,
  decodeEntry,
  parseCosignerVerifierKey,
  verifyCosignature,
  encodeBase64,
  encodeEntry,
  entryHash,
  isLogDir,
  openCheckpoint,
  parseVerifierKey,
  type EntryRecord,
  type NoteVerifier,
} from '../ledger/index.js';
import { VERSIONED, type EvidenceItem } from './collect.js';
import { declarationRecords, type LoggedRecord } from './records.js';

export interface LogProblem {
  /** 'log' for the log as a whole, or an evidence path. */
  subject: { kind: 'log' | 'evidence'; id: string };
  message: string;
  sha256?: string;
  logIndex?: number | null;
}

export interface RecordedCase {
  logDir: string;
  /** log index of each evidence item by path, and of each record by key; null when not in the log. */
  evidenceIndex: Map<string, number | null>;
  recordIndex: Map<string, number | null>;
  /** SHA-256 of each declaration record's entry, by key (`lot/ID`, `shipment/ID`, ...). */
  recordSha: Map<string, string>;
  /** Paths left out because their content differs from what was logged. */
  tampered: Set<string>;
  problems: LogProblem[];
  appended: number;
  checkpoint: { origin: string; size: number; root: string; note: string; cosigned_by: string[] } | null;
  /** The order of declarations and challenges in what was read of the log (the rules in verify/custody/order.ts). */
  order: DeclarationOrder;
}

/** A logged entry of the declaration order: where it is and what it holds. */
export interface OrderEntry {
  index: number;
  /** SHA-256 of the entry: two declarations of one lot differ when it differs. */
  sha256: string;
  /** The seed commitment (hex) of a seed commitment or reveal. */
  seedCommitment?: string;
}

/**
 * Declarations, seed commitments and seed reveals as the log holds them, in
 * log order, with the sizes of the signed checkpoints: what the order rules
 * need (the seed commitment before the declaration, the reveal in a later
 * checkpoint, no new declaration after the reveal).
 */
export interface DeclarationOrder {
  /** By key: `lot/ID`, `shipment/ID`. */
  declarations: Map<string, OrderEntry[]>;
  /** By lot id. */
  seedCommitments: Map<string, OrderEntry[]>;
  /** By lot id. */
  seedReveals: Map<string, OrderEntry[]>;
  /** Sizes of the archived checkpoints that were read (verified by the audit), ascending. */
  checkpoints: number[];
}

export interface RecordOptions {
  /** Check only: append nothing, sign nothing (an auditor without keys). */
  readOnly?: boolean;
  /**
   * The operator's verifier key that the caller trusts (an auditor's
   * `--key`): checkpoints must verify under it. Needed read-only; when
   * writing, the key is the operator's own key file.
   */
  trustedKey?: string;
  /** How long to wait for another writer to release the log, in milliseconds (default 0: not at all). */
  waitMs?: number;
  /** Progress lines. */
  progress?: (msg: string) => void;
}

export function logDirOf(c: LoadedCase): string {
  return join(c.dir, 'log');
}

/** Where the operator's signing key lives: beside the log, never in it. */
export function operatorKeyPath(c: LoadedCase): string {
  return join(c.dir, 'keys', 'operator.key');
}

export function hasLog(c: LoadedCase): boolean {
  return existsSync(join(logDirOf(c), 'log.json'));
}

/** Records the case in its log (see the file's header). */
export async function recordEvidence(
  c: LoadedCase,
  items: EvidenceItem[],
  opts: RecordOptions = {},
): Promise<RecordedCase> {
  const logDir = logDirOf(c);
  const m = c.manifest;
  const out: RecordedCase = {
    logDir,
    evidenceIndex: new Map(),
    recordIndex: new Map(),
    recordSha: new Map(),
    tampered: new Set(),
    problems: [],
    appended: 0,
    checkpoint: null,
    order: { declarations: new Map(), seedCommitments: new Map(), seedReveals: new Map(), checkpoints: [] },
  };
  const { before, after } = declarationRecords(c);
  for (const r of [...before, ...after]) out.recordSha.set(r.key, r.sha256);
  const nothingLogged = (): RecordedCase => {
    for (const it of items) out.evidenceIndex.set(it.path, null);
    for (const r of [...before, ...after]) out.recordIndex.set(r.key, null);
    return out;
  };
  const fail = (message: string): RecordedCase => {
    out.problems.push({ subject: { kind: 'log', id: 'log' }, message });
    return nothingLogged();
  };

  // The key everything is checked under: the operator's own key file when writing (never created
  // here: `log keygen` or `scenario generate` make keys), the auditor's trusted key when reading.
  let trusted: string;
  if (opts.readOnly) {
    if (opts.trustedKey === undefined)
      throw new Error('recordEvidence: a read-only check needs the trusted operator key');
    trusted = opts.trustedKey;
  } else {
    trusted = operatorVerifierKey(c);
  }
  if (!isLogDir(logDir)) {
    if (opts.readOnly)
      return fail(`the case has no log (${logDir}/log.json is missing): nothing can be checked against it`);
    const origin = m.log?.origin ?? `tally.invalid/case/${m.id}`;
    await Log.init(logDir, { origin, keyPath: operatorKeyPath(c) });
    opts.progress?.(`created the case's log ${logDir} (origin ${origin})`);
  }

  let readOnly = opts.readOnly ?? false;
  let log: Log;
  try {
    // The lease first, then the audit: a log being written by another process is busy, not damaged.
    log = readOnly ? await Log.open(logDir) : await openForWriting(logDir, operatorKeyPath(c), opts);
  } catch (e) {
    if (e instanceof LeaseHeldError) throw e;
    // A damaged key file is the operator's to mend (exit 2), not a finding about the log.
    if (e instanceof KeyFileError) throw e;
    if (e instanceof AuditError || e instanceof LogError) return fail(`the log does not open: ${e.message}`);
    throw e;
  }
  try {
    const verifier = parseVerifierKey(trusted);
    if (log.config.verifier_key !== trusted) {
      out.problems.push({
        subject: { kind: 'log', id: 'log' },
        message: `the log's log.json names the key ${keyName(log.config.verifier_key)}, not the operator key ${keyName(trusted)}: only checkpoints signed by the operator key are trusted`,
      });
      readOnly = true;
    }
    // Audit before writing: nothing is appended to a log that does not verify.
    try {
      auditLog(logDir, { verifier });
    } catch (e) {
      if (!isLogFault(e)) throw e;
      out.problems.push({
        subject: { kind: 'log', id: 'log' },
        message: `the log does not verify: ${(e as Error).message}`,
      });
      return nothingLogged();
    }
    pinnedLogProblems(m, log, out);
    const signed = log.signedCheckpoint(verifier)?.size ?? 0;
    const tail = await trustedEnd(log, signed, readOnly, out, opts);
    readOnly = tail.readOnly;
    const end = tail.end;
    const scan = scanLog(log, end);
    const plan = new AppendPlan(scan, readOnly, out);
    for (const it of items) if (it.role === 'manifest' || it.role === 'geography') plan.evidence(it);
    for (const r of before) plan.declaration(r);
    for (const it of items) if (it.role !== 'manifest' && it.role !== 'geography') plan.evidence(it);
    // Seeds are revealed in a later checkpoint than the declarations they challenge (appendPlanned).
    for (const r of after) plan.declaration(r, 1);
    withdrawnEvidence(scan, items, out);
    if (!readOnly) refuseLateCommitments(c, scan);
    if (readOnly) {
      for (const r of [...before, ...after]) {
        if (out.recordIndex.get(r.key) === null) {
          out.problems.push({
            subject: { kind: 'log', id: 'log' },
            message: `the declaration record ${r.key} is not in the log`,
          });
        }
      }
    }
    await appendPlanned(log, plan, out, opts);
    if (!readOnly) {
      try {
        await log.checkpoint();
      } catch (e) {
        if (e instanceof LogError)
          out.problems.push({ subject: { kind: 'log', id: 'log' }, message: `cannot sign a checkpoint: ${e.message}` });
        else throw e;
      }
    }
    auditAsAnAuditor(logDir, verifier, out);
    out.checkpoint = currentCheckpoint(c, log, verifier, out);
    const readEnd = readOnly ? end : log.size;
    out.order = { ...scanLog(log, readEnd).order, checkpoints: archivedSizes(log, readEnd) };
  } finally {
    await log.close();
  }
  return out;
}

/**
 * What is read ends at the signed checkpoint; beyond it, only the writer's
 * own entries (a crash between its append and its checkpoint), which it
 * then signs. Anything else beyond it is reported and ignored, and nothing
 * is appended or signed on top of it.
 */
async function trustedEnd(
  log: Log,
  signed: number,
  readOnly: boolean,
  out: RecordedCase,
  opts: RecordOptions,
): Promise<{ end: number; readOnly: boolean }> {
  if (log.size === signed) return { end: signed, readOnly };
  const own = readOnly ? signed : await log.appendedByWriterUpTo(signed);
  if (own === log.size) {
    opts.progress?.(`recovered ${log.size - signed} entries appended before a crash, not signed yet`);
    return { end: log.size, readOnly };
  }
  const n = log.size - signed;
  out.problems.push({
    subject: { kind: 'log', id: 'log' },
    message: `the log holds ${n} entr${n === 1 ? 'y' : 'ies'} (${signed} to ${log.size - 1}) beyond its signed checkpoint (size ${signed}) that no signature covers: they are ignored`,
  });
  if (!readOnly)
    opts.progress?.(
      `entries ${own} to ${log.size - 1} were not appended by the operator: nothing is appended or signed (\`tally log recover ${log.dir}\` drops them)`,
    );
  return { end: signed, readOnly: true };
}

/**
 * Where the terms ask for challenges, the inspecting party's seed commitment
 * must be logged before the lot's declaration: a commitment that would be
 * appended now, for a lot the log already declares, is refused (CaseError,
 * before anything is written).
 */
function refuseLateCommitments(c: LoadedCase, scan: LogScan): void {
  const issues: CaseIssue[] = [];
  (c.manifest.evidence.challenges ?? []).forEach((ch, i) => {
    const logged = scan.order.seedCommitments.get(ch.lot)?.some((e) => e.seedCommitment === ch.seed_commitment);
    const declared = scan.order.declarations.get(`lot/${ch.lot}`)?.[0];
    if (!logged && declared)
      issues.push({
        file: c.manifestPath,
        line: 0,
        field: `evidence.challenges[${i}].seed_commitment`,
        message: `lot ${ch.lot} was declared at log entry ${declared.index}, before this seed commitment: the commitment must be logged before the declaration it challenges, so the challenge is refused`,
      });
  });
  if (issues.length) throw new CaseError(issues);
}

/** Sizes of the archived checkpoints up to `end`, ascending (names that are not sizes are the audit's to report). */
function archivedSizes(log: Log, end: number): number[] {
  return log.storage.checkpoints
    .listArchived()
    .filter((n) => /^(0|[1-9][0-9]*)$/.test(n))
    .map(Number)
    .filter((n) => n <= end)
    .sort((a, b) => a - b);
}

/**
 * Evidence is never withdrawn once logged: a logged file (AIS, imagery,
 * inspection, document, reveal) that the manifest no longer names is a
 * finding, or an edited inspection record could be logged under a new name
 * and the old one dropped from the manifest with no trace in the verdict.
 */
function withdrawnEvidence(scan: LogScan, items: EvidenceItem[], out: RecordedCase): void {
  const named = new Set(items.map((i) => i.path));
  for (const [path, e] of [...scan.byPath].sort((a, b) => a[1].index - b[1].index)) {
    if (named.has(path) || VERSIONED.has(e.role as EvidenceItem['role'])) continue;
    out.problems.push({
      subject: { kind: 'evidence', id: path },
      message: `${path} (${e.role}) was logged at entry ${e.index} with SHA-256 ${e.sha256}, and the manifest no longer names it: evidence is never withdrawn once logged`,
      sha256: e.sha256,
      logIndex: e.index,
    });
  }
}

/** `name+id` of a verifier key, for messages. */
export function keyName(k: string): string {
  return k.split('+').slice(0, 2).join('+');
}

/**
 * The verifier key of the operator's signing key file (keys/operator.key).
 * Throws OperatorKeyError when there is none or it is not a key: a
 * verification never makes a key of its own.
 */
export function operatorVerifierKey(c: LoadedCase): string {
  const path = operatorKeyPath(c);
  if (!existsSync(path))
    throw new OperatorKeyError(
      `${path}: no operator key: make one with \`tally log keygen ORIGIN --out ${path}\` (ORIGIN: the case's log origin) or give the case one; a verification never makes a key`,
    );
  return readSignerKeyFile(path).verifierKey(); // KeyFileError names the file and what is wrong with it
}

/** The operator's key is missing or unreadable: the verification is refused before anything is written. */
export class OperatorKeyError extends Error {
  override name = 'OperatorKeyError';
}

/** Opens the log for writing, waiting up to `opts.waitMs` for another writer to release it. */
async function openForWriting(logDir: string, keyPath: string, opts: RecordOptions): Promise<Log> {
  const until = Date.now() + (opts.waitMs ?? 0);
  let said = false;
  for (;;) {
    try {
      return await Log.open(logDir, { write: true, keyPath });
    } catch (e) {
      if (!(e instanceof LeaseHeldError) || Date.now() >= until) throw e;
      if (!said) opts.progress?.(`${e.message}: waiting for it`);
      said = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The errors that say the log is damaged or does not verify (findings), as opposed to bugs. */
function isLogFault(e: unknown): boolean {
  return (
    e instanceof AuditError ||
    e instanceof LogError ||
    (e as Error).name === 'NoteError' ||
    (e as Error).name === 'CheckpointError'
  );
}

/** The manifest may pin the operator's key and origin: checkpoints must verify under them. */
function pinnedLogProblems(m: CaseManifest, log: Log, out: RecordedCase): void {
  if (m.log?.verifier_key && m.log.verifier_key !== log.config.verifier_key) {
    out.problems.push({
      subject: { kind: 'log', id: 'log' },
      message: `the log is signed by ${log.config.verifier_key.split('+')[0]}+${log.config.verifier_key.split('+')[1]}, not by the operator key the manifest names (${m.log.verifier_key.split('+').slice(0, 2).join('+')}): its checkpoints do not verify under the agreed key`,
    });
  }
  if (m.log?.origin && m.log.origin !== log.origin) {
    out.problems.push({
      subject: { kind: 'log', id: 'log' },
      message: `the log's origin is ${JSON.stringify(log.origin)}, the manifest names ${JSON.stringify(m.log.origin)}`,
    });
  }
}

/** What the log already holds: entries by hash, evidence by file hash, and the latest entry of each path. */
interface LogScan {
  byEntrySha: Map<string, number>;
  byEvidenceSha: Map<string, number>;
  /** The latest evidence entry of each path, and its role. */
  byPath: Map<string, { sha256: string; index: number; role: string }>;
  order: Omit<DeclarationOrder, 'checkpoints'>;
}

function pushTo(m: Map<string, OrderEntry[]>, key: string, e: OrderEntry): void {
  const l = m.get(key);
  if (l) l.push(e);
  else m.set(key, [e]);
}

/** The entries [0, end): what the verification may trust (see recordEvidence). */
function scanLog(log: Log, end: number): LogScan {
  const s: LogScan = {
    byEntrySha: new Map(),
    byEvidenceSha: new Map(),
    byPath: new Map(),
    order: { declarations: new Map(), seedCommitments: new Map(), seedReveals: new Map() },
  };
  log.forEachEntry(0, end, (i, bytes) => {
    const h = entryHash(bytes);
    if (!s.byEntrySha.has(h)) s.byEntrySha.set(h, i);
    let r: EntryRecord;
    try {
      r = decodeEntry(bytes);
    } catch {
      return;
    }
    const o = r as Record<string, unknown>;
    if (o.kind === 'evidence' && typeof o.sha256 === 'string') {
      if (!s.byEvidenceSha.has(o.sha256)) s.byEvidenceSha.set(o.sha256, i);
      if (typeof o.path === 'string') s.byPath.set(o.path, { sha256: o.sha256, index: i, role: String(o.role) });
    } else if (o.kind === 'declaration' && (typeof o.lot === 'string' || typeof o.shipment === 'string')) {
      const key = typeof o.lot === 'string' ? `lot/${o.lot}` : `shipment/${String(o.shipment)}`;
      pushTo(s.order.declarations, key, { index: i, sha256: h });
    } else if ((o.kind === 'seed-commitment' || o.kind === 'seed-reveal') && typeof o.lot === 'string') {
      const e: OrderEntry = { index: i, sha256: h, seedCommitment: String(o.seedCommitment) };
      pushTo(o.kind === 'seed-commitment' ? s.order.seedCommitments : s.order.seedReveals, o.lot, e);
    }
  });
  return s;
}

/**
 * The entries to append, in order, each once: what the log holds already
 * gets its index at once; the same bytes wanted twice are appended once and
 * both get the index.
 */
class AppendPlan {
  /** Entries to append, each in its phase: 0 before the checkpoint that phase 1 (seed reveals) must follow. */
  readonly pending: { bytes: Uint8Array; set: (i: number) => void; phase: 0 | 1 }[] = [];
  readonly #pendingSha = new Map<string, number>();

  constructor(
    readonly scan: LogScan,
    readonly readOnly: boolean,
    readonly out: RecordedCase,
  ) {}

  /** Entry bytes whose index `set` receives (null: not in the log and not appended). */
  want(bytes: Uint8Array, sha: string, set: (i: number | null) => void, phase: 0 | 1 = 0): void {
    const have = this.scan.byEntrySha.get(sha);
    if (have !== undefined) return set(have);
    if (this.readOnly) return set(null);
    const p = this.#pendingSha.get(sha);
    if (p !== undefined) {
      const prev = this.pending[p].set;
      this.pending[p].set = (i) => {
        prev(i);
        set(i);
      };
      return;
    }
    this.#pendingSha.set(sha, this.pending.length);
    this.pending.push({ bytes, set, phase });
  }

  declaration(r: LoggedRecord, phase: 0 | 1 = 0): void {
    this.want(
      r.bytes,
      r.sha256,
      (i) => {
        this.out.recordIndex.set(r.key, i);
      },
      phase,
    );
  }

  /** An evidence file: already logged, changed since (tampered), missing (read-only) or to append. */
  evidence(it: EvidenceItem): void {
    const out = this.out;
    const setIdx = (i: number | null): void => {
      out.evidenceIndex.set(it.path, i);
    };
    const logged = this.scan.byPath.get(it.path);
    if (logged && logged.sha256 !== it.sha256 && !VERSIONED.has(it.role)) {
      out.tampered.add(it.path);
      out.problems.push({
        subject: { kind: 'evidence', id: it.path },
        message: `${it.path} has SHA-256 ${it.sha256}, but the log recorded ${logged.sha256} for it at entry ${logged.index}: the file changed after it was logged, and is left out`,
        sha256: it.sha256,
        logIndex: logged.index,
      });
      setIdx(logged.index);
      return;
    }
    const bySha = this.scan.byEvidenceSha.get(it.sha256);
    if (bySha !== undefined && (!logged || logged.sha256 === it.sha256)) return setIdx(logged ? logged.index : bySha);
    if (this.readOnly) {
      out.problems.push({
        subject: { kind: 'evidence', id: it.path },
        message: `${it.path} (SHA-256 ${it.sha256}) is not in the log`,
        sha256: it.sha256,
        logIndex: null,
      });
      out.tampered.add(it.path);
      return setIdx(null);
    }
    const bytes = encodeEntry(it.record, it.path);
    this.want(bytes, entryHash(bytes), setIdx);
  }
}

/** Appends what the plan holds as one batch, then brings the query index beside the log up to date. */
async function appendPlanned(log: Log, plan: AppendPlan, out: RecordedCase, opts: RecordOptions): Promise<void> {
  if (plan.pending.length === 0) return;
  const phases = [plan.pending.filter((p) => p.phase === 0), plan.pending.filter((p) => p.phase === 1)];
  for (const [n, batch] of phases.entries()) {
    if (batch.length === 0) continue;
    // The reveals follow a checkpoint that covers what they challenge: the declaring party saw the
    // declaration fixed by a signature before the seed was known.
    if (n === 1) await log.checkpoint();
    const first = await log.append(batch.map((p) => p.bytes));
    batch.forEach((p, k) => p.set(first[k]));
  }
  out.appended = plan.pending.length;
  opts.progress?.(`appended ${plan.pending.length} entries to the log (now ${log.size})`);
  // The query index beside the log (by hash, kind, vessel, site).
  const index = LogIndex.forLog(log);
  index.close();
}

/** The whole log, as an auditor checks it: every tile, bundle and checkpoint, under the trusted key. */
function auditAsAnAuditor(logDir: string, verifier: NoteVerifier, out: RecordedCase): void {
  try {
    auditLog(logDir, { verifier });
  } catch (e) {
    if (!isLogFault(e)) throw e;
    if (!out.problems.some((p) => p.subject.kind === 'log'))
      out.problems.push({
        subject: { kind: 'log', id: 'log' },
        message: `the log does not verify: ${(e as Error).message}`,
      });
  }
}

/** The current checkpoint as the results cite it, with the parties that cosigned it. */
function currentCheckpoint(
  c: LoadedCase,
  log: Log,
  verifier: NoteVerifier,
  out: RecordedCase,
): RecordedCase['checkpoint'] {
  const note = log.currentCheckpoint();
  if (!note) return null;
  try {
    const cp = openCheckpoint(note, verifier, { origin: log.origin });
    return {
      origin: cp.origin,
      size: cp.size,
      root: encodeBase64(cp.root),
      note,
      cosigned_by: cosigners(c, note),
    };
  } catch (e) {
    out.problems.push({
      subject: { kind: 'log', id: 'log' },
      message: `the current checkpoint does not verify: ${(e as Error).message}`,
    });
    return null;
  }
}

/**
 * The parties whose tlog-cosignature (v1) on this checkpoint verifies under
 * their manifest `cosigner_key` (type 0x04; `tally log cosign` with the
 * party's cosigner key adds one). The signed-note `public_key` never counts:
 * a cosignature is made with the party's cosigner key only.
 */
export function cosigners(c: LoadedCase, note: string): string[] {
  const out: string[] = [];
  for (const p of c.manifest.parties) {
    try {
      verifyCosignature(note, parseCosignerVerifierKey(p.cosigner_key));
      out.push(p.id);
    } catch {
      // no cosignature by this party, or not a valid one
    }
  }
  return out.sort();
}
