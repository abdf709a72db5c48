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
import type { CaseManifest, LoadedCase } from '../case/index.js';
import { makePrivateFolder } from '../util/index.js';
import {
  AuditError,
  KeyFileError,
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
}

export interface RecordOptions {
  /** Check only: append nothing, sign nothing (an auditor without keys). */
  readOnly?: boolean;
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

  if (!isLogDir(logDir)) {
    if (opts.readOnly)
      return fail(`the case has no log (${logDir}/log.json is missing): nothing can be checked against it`);
    makePrivateFolder(join(c.dir, 'keys'));
    const origin = m.log?.origin ?? `tally.invalid/case/${m.id}`;
    await Log.init(logDir, { origin, keyPath: operatorKeyPath(c) });
    opts.progress?.(`created the case's log ${logDir} (origin ${origin})`);
  }

  // Audit before writing: nothing is appended to a log that does not verify.
  let readOnly = opts.readOnly ?? false;
  try {
    auditLog(logDir);
  } catch (e) {
    if (!isLogFault(e)) throw e;
    out.problems.push({
      subject: { kind: 'log', id: 'log' },
      message: `the log does not verify: ${(e as Error).message}`,
    });
    readOnly = true;
  }
  let log: Log;
  try {
    log = await Log.open(logDir, readOnly ? {} : { write: true, keyPath: operatorKeyPath(c) });
  } catch (e) {
    // A damaged key file is the operator's to mend (exit 2), not a finding about the log.
    if (e instanceof KeyFileError) throw e;
    if (e instanceof AuditError || e instanceof LogError) {
      return out.problems.length ? nothingLogged() : fail(`the log does not open: ${e.message}`);
    }
    throw e;
  }
  try {
    pinnedLogProblems(m, log, out);
    const plan = new AppendPlan(scanLog(log), readOnly, out);
    for (const it of items) if (it.role === 'manifest' || it.role === 'geography') plan.evidence(it);
    for (const r of before) plan.declaration(r);
    for (const it of items) if (it.role !== 'manifest' && it.role !== 'geography') plan.evidence(it);
    for (const r of after) plan.declaration(r);
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
    auditAsAnAuditor(m, logDir, out);
    out.checkpoint = currentCheckpoint(c, log, out);
  } finally {
    log.close();
  }
  return out;
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
  /** The latest evidence entry of each path. */
  byPath: Map<string, { sha256: string; index: number }>;
}

function scanLog(log: Log): LogScan {
  const s: LogScan = { byEntrySha: new Map(), byEvidenceSha: new Map(), byPath: new Map() };
  log.forEachEntry(0, log.size, (i, bytes) => {
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
      if (typeof o.path === 'string') s.byPath.set(o.path, { sha256: o.sha256, index: i });
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
  readonly pending: { bytes: Uint8Array; set: (i: number) => void }[] = [];
  readonly #pendingSha = new Map<string, number>();

  constructor(
    readonly scan: LogScan,
    readonly readOnly: boolean,
    readonly out: RecordedCase,
  ) {}

  /** Entry bytes whose index `set` receives (null: not in the log and not appended). */
  want(bytes: Uint8Array, sha: string, set: (i: number | null) => void): void {
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
    this.pending.push({ bytes, set });
  }

  declaration(r: LoggedRecord): void {
    this.want(r.bytes, r.sha256, (i) => {
      this.out.recordIndex.set(r.key, i);
    });
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
  const first = await log.append(plan.pending.map((p) => p.bytes));
  plan.pending.forEach((p, k) => p.set(first[k]));
  out.appended = plan.pending.length;
  opts.progress?.(`appended ${plan.pending.length} entries to the log (now ${log.size})`);
  // The query index beside the log (by hash, kind, vessel, site).
  const index = LogIndex.forLog(log);
  index.close();
}

/** The whole log, as an auditor checks it: every tile, bundle and checkpoint, under the agreed key. */
function auditAsAnAuditor(m: CaseManifest, logDir: string, out: RecordedCase): void {
  try {
    const verifier = m.log?.verifier_key ? parseVerifierKey(m.log.verifier_key) : undefined;
    auditLog(logDir, verifier ? { verifier } : {});
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
function currentCheckpoint(c: LoadedCase, log: Log, out: RecordedCase): RecordedCase['checkpoint'] {
  const note = log.currentCheckpoint();
  if (!note) return null;
  try {
    const cp = openCheckpoint(note, parseVerifierKey(log.config.verifier_key), { origin: log.origin });
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
