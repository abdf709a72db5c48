/**
 * Evidence: every input of a case hashed (SHA-256), described with its
 * provenance, and recorded in the case's log before it is used.
 *
 *   collectEvidence(c)          -> the case's inputs, hashed, in log order
 *   recordEvidence(c, items)    -> appends what the log does not hold yet (idempotent), signs a checkpoint
 *   checkLogged(c, items)       -> the same checks without writing (an auditor's reproduction)
 *
 * Originals are never modified. An evidence file (AIS, imagery, inspection,
 * document, reveal) whose path the log already holds with another hash has
 * been changed after it was logged: it is reported and left out, never
 * logged again. The manifest and the geography are versioned instead: a new
 * version is a new entry.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedCase } from '../case/index.js';
import {
  AuditError,
  DECLARATION_FORMAT,
  Log,
  LogError,
  LogIndex,
  SEED_COMMITMENT_FORMAT,
  SEED_REVEAL_FORMAT,
  CosignatureV1Verifier,
  auditLog,
  decodeEntry,
  evidenceRecord,
  parseVerifierKeyParts,
  verifyCosignature,
  encodeBase64,
  encodeEntry,
  entryHash,
  isLogDir,
  openCheckpoint,
  parseVerifierKey,
  type EntryRecord,
} from '../ledger/index.js';

export type EvidenceRole = 'manifest' | 'geography' | 'ais' | 'imagery' | 'inspection' | 'document' | 'reveal';

/** Roles whose files may change between runs (each version logged); the rest are immutable once logged. */
const VERSIONED: ReadonlySet<EvidenceRole> = new Set(['manifest', 'geography']);

export interface EvidenceItem {
  role: EvidenceRole;
  /** Relative to the case directory, '/'-separated. */
  path: string;
  abs: string;
  sha256: string;
  size: number;
  /** The log entry that records it (evidence kind). */
  record: EntryRecord;
}

/** A non-file entry of the log: a declaration, a seed commitment or a seed reveal. */
export interface LoggedRecord {
  /** Stable key of what it declares (e.g. `lot/L1`), for references. */
  key: string;
  record: EntryRecord;
  bytes: Uint8Array;
  sha256: string;
}

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

/** Every input of the case, hashed, in the order they are logged. */
export async function collectEvidence(c: LoadedCase): Promise<EvidenceItem[]> {
  const m = c.manifest;
  const list: { role: EvidenceRole; path: string; extra: Record<string, unknown> }[] = [];
  list.push({ role: 'manifest', path: c.manifestPath, extra: { case: m.id } });
  for (const g of c.geography.files) list.push({ role: 'geography', path: g, extra: {} });
  for (const e of m.evidence.ais ?? []) list.push({ role: 'ais', path: e.path, extra: prov(e) });
  for (const e of m.evidence.imagery ?? [])
    list.push({ role: 'imagery', path: e.path, extra: { ...prov(e), site: e.site, time: e.time, sensor: e.sensor } });
  for (const i of c.inspections) {
    list.push({
      role: 'inspection',
      path: i.entry.path,
      extra: { ...prov(i.entry), inspection: i.record.id, vessel_mmsi: i.record.vessel_mmsi, time: i.record.time },
    });
  }
  for (const e of m.evidence.documents ?? [])
    list.push({ role: 'document', path: e.path, extra: { ...prov(e), ...(e.title ? { title: e.title } : {}) } });
  for (const e of m.evidence.challenges ?? [])
    list.push({ role: 'reveal', path: e.path, extra: { ...prov(e), lot: e.lot } });
  const out: EvidenceItem[] = [];
  for (const x of list) {
    const abs = join(c.dir, x.path);
    // The ledger's evidence record (streamed SHA-256, size, media type, name, source, acquired, submitted_by) plus where it sits in the case.
    const { captured, source, submitted_by, ...extra } = x.extra as {
      captured?: string;
      source?: string;
      submitted_by?: string;
    };
    const base = await evidenceRecord(abs, {
      ...(source !== undefined ? { source } : {}),
      ...(captured !== undefined ? { acquired: captured } : {}),
      ...(submitted_by !== undefined ? { submitted_by } : {}),
    });
    const record: EntryRecord = { ...base, case: m.id, path: x.path, role: x.role, ...extra };
    out.push({ role: x.role, path: x.path, abs, sha256: base.sha256, size: base.size, record });
  }
  return out;
}

function prov(e: {
  source?: string;
  captured?: string;
  method?: string;
  submitted_by?: string;
}): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (e.source !== undefined) o.source = e.source;
  if (e.captured !== undefined) o.captured = e.captured;
  if (e.method !== undefined) o.method = e.method;
  if (e.submitted_by !== undefined) o.submitted_by = e.submitted_by;
  return o;
}

/**
 * The declarations as log records: for each challenge the inspecting
 * party's seed commitment first (it must precede the declaration), then
 * each lot and each shipment, then the revealed seeds.
 */
export function declarationRecords(c: LoadedCase): { before: LoggedRecord[]; after: LoggedRecord[] } {
  const m = c.manifest;
  const mk = (key: string, record: EntryRecord): LoggedRecord => {
    const bytes = encodeEntry(record, key);
    return { key, record, bytes, sha256: entryHash(bytes) };
  };
  const before: LoggedRecord[] = [];
  for (const ch of m.evidence.challenges ?? []) {
    before.push(
      mk(`seed-commitment/${ch.lot}/${ch.seed_commitment}`, {
        kind: 'seed-commitment',
        format: SEED_COMMITMENT_FORMAT,
        case: m.id,
        lot: ch.lot,
        seedCommitment: ch.seed_commitment,
        ...(ch.submitted_by ? { party: ch.submitted_by } : {}),
      }),
    );
  }
  for (const lot of m.declarations.lots) {
    before.push(
      mk(`lot/${lot.id}`, {
        kind: 'declaration',
        format: DECLARATION_FORMAT,
        case: m.id,
        party: m.declarations.party,
        lot: lot.id,
        site: lot.site,
        class: lot.item_class,
        count: lot.count,
        root: lot.root,
        ...(lot.removal_deadline ? { removal_deadline: lot.removal_deadline } : {}),
      }),
    );
  }
  for (const s of m.declarations.shipments) {
    before.push(
      mk(`shipment/${s.id}`, {
        kind: 'declaration',
        case: m.id,
        party: m.declarations.party,
        shipment: s.id,
        vessel: s.vessel,
        vessel_mmsi: s.vessel.mmsi,
        port: s.port,
        date: s.date,
        count: s.count,
        lots: s.lots,
      }),
    );
  }
  const after: LoggedRecord[] = [];
  for (const ch of m.evidence.challenges ?? []) {
    after.push(
      mk(`seed/${ch.lot}/${ch.seed_commitment}`, {
        kind: 'seed-reveal',
        format: SEED_REVEAL_FORMAT,
        case: m.id,
        lot: ch.lot,
        seed: ch.seed,
        seedCommitment: ch.seed_commitment,
        k: ch.k,
      }),
    );
  }
  return { before, after };
}

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

export function logDirOf(c: LoadedCase): string {
  return join(c.dir, 'log');
}

/** Where the operator's signing key lives: beside the log, never in it. */
export function operatorKeyPath(c: LoadedCase): string {
  return join(c.dir, 'keys', 'operator.key');
}

export interface RecordOptions {
  /** Check only: append nothing, sign nothing (an auditor without keys). */
  readOnly?: boolean;
  /** Progress lines. */
  progress?: (msg: string) => void;
}

/**
 * Records the case in its log: creates the log on first use, appends every
 * input and declaration that it does not hold yet, signs a checkpoint when
 * something was appended, and audits the whole log. Problems with the log
 * or with logged evidence are returned, not thrown: they are findings.
 */
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
  const fail = (message: string): RecordedCase => {
    out.problems.push({ subject: { kind: 'log', id: 'log' }, message });
    for (const it of items) out.evidenceIndex.set(it.path, null);
    for (const r of [...before, ...after]) out.recordIndex.set(r.key, null);
    return out;
  };

  if (!isLogDir(logDir)) {
    if (opts.readOnly)
      return fail(`the case has no log (${logDir}/log.json is missing): nothing can be checked against it`);
    mkdirSync(join(c.dir, 'keys'), { recursive: true });
    const origin = m.log?.origin ?? `tally.invalid/case/${m.id}`;
    await Log.init(logDir, { origin, keyPath: operatorKeyPath(c) });
    opts.progress?.(`created the case's log ${logDir} (origin ${origin})`);
  }

  // Audit before writing: nothing is appended to a log that does not verify.
  let readOnly = opts.readOnly ?? false;
  try {
    auditLog(logDir);
  } catch (e) {
    if (!(
      e instanceof AuditError ||
      e instanceof LogError ||
      (e as Error).name === 'NoteError' ||
      (e as Error).name === 'CheckpointError'
    ))
      throw e;
    out.problems.push({
      subject: { kind: 'log', id: 'log' },
      message: `the log does not verify: ${(e as Error).message}`,
    });
    readOnly = true;
  }
  let log: Log;
  try {
    log = await Log.open(logDir, { write: !readOnly });
  } catch (e) {
    if (e instanceof AuditError || e instanceof LogError) {
      if (out.problems.length) {
        for (const it of items) out.evidenceIndex.set(it.path, null);
        for (const r of [...before, ...after]) out.recordIndex.set(r.key, null);
        return out;
      }
      return fail(`the log does not open: ${e.message}`);
    }
    throw e;
  }
  try {
    // The manifest may pin the operator's key and origin: checkpoints must verify under them.
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

    const scan = scanLog(log);
    const pending: { bytes: Uint8Array; set: (i: number) => void }[] = [];
    const pendingSha = new Map<string, number>();
    const want = (bytes: Uint8Array, sha: string, set: (i: number | null) => void): void => {
      const have = scan.byEntrySha.get(sha);
      if (have !== undefined) return set(have);
      if (readOnly) return set(null);
      const p = pendingSha.get(sha);
      if (p !== undefined) {
        const prev = pending[p].set;
        pending[p].set = (i) => {
          prev(i);
          set(i);
        };
        return;
      }
      pendingSha.set(sha, pending.length);
      pending.push({ bytes, set });
    };
    const wantEvidence = (it: EvidenceItem): void => {
      const setIdx = (i: number | null): void => {
        out.evidenceIndex.set(it.path, i);
      };
      const logged = scan.byPath.get(it.path);
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
      const bySha = scan.byEvidenceSha.get(it.sha256);
      if (bySha !== undefined && (!logged || logged.sha256 === it.sha256)) return setIdx(logged ? logged.index : bySha);
      if (readOnly) {
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
      want(bytes, entryHash(bytes), setIdx);
    };

    const manifestItem = items.filter((i) => i.role === 'manifest' || i.role === 'geography');
    for (const it of manifestItem) wantEvidence(it);
    for (const r of before) {
      want(r.bytes, r.sha256, (i) => {
        out.recordIndex.set(r.key, i);
      });
    }
    for (const it of items) if (it.role !== 'manifest' && it.role !== 'geography') wantEvidence(it);
    for (const r of after) {
      want(r.bytes, r.sha256, (i) => {
        out.recordIndex.set(r.key, i);
      });
    }
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

    if (pending.length > 0) {
      const first = await log.append(pending.map((p) => p.bytes));
      pending.forEach((p, k) => p.set(first[k]));
      out.appended = pending.length;
      opts.progress?.(`appended ${pending.length} entries to the log (now ${log.size})`);
      // The query index beside the log (by hash, kind, vessel, site).
      const index = LogIndex.forLog(log);
      index.close();
    }
    if (!readOnly) {
      try {
        await log.checkpoint();
      } catch (e) {
        if (e instanceof LogError)
          out.problems.push({ subject: { kind: 'log', id: 'log' }, message: `cannot sign a checkpoint: ${e.message}` });
        else throw e;
      }
    }

    // The whole log, as an auditor checks it: every tile, bundle and checkpoint, under the agreed key.
    try {
      const verifier = m.log?.verifier_key ? parseVerifierKey(m.log.verifier_key) : undefined;
      auditLog(logDir, verifier ? { verifier } : {});
    } catch (e) {
      if (
        e instanceof AuditError ||
        e instanceof LogError ||
        (e as Error).name === 'NoteError' ||
        (e as Error).name === 'CheckpointError'
      ) {
        if (!out.problems.some((p) => p.subject.kind === 'log'))
          out.problems.push({
            subject: { kind: 'log', id: 'log' },
            message: `the log does not verify: ${(e as Error).message}`,
          });
      } else throw e;
    }
    const note = log.currentCheckpoint();
    if (note) {
      try {
        const cp = openCheckpoint(note, parseVerifierKey(log.config.verifier_key), { origin: log.origin });
        out.checkpoint = {
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
      }
    }
  } finally {
    log.close();
  }
  return out;
}

/**
 * The parties whose tlog-cosignature (v1) on this checkpoint verifies under
 * their manifest key (`tally log cosign` with the party's key adds one).
 */
export function cosigners(c: LoadedCase, note: string): string[] {
  const out: string[] = [];
  for (const p of c.manifest.parties) {
    try {
      const k = parseVerifierKeyParts(p.public_key);
      verifyCosignature(note, new CosignatureV1Verifier(k.name, k.publicKey));
      out.push(p.id);
    } catch {
      // no cosignature by this party, or not a valid one
    }
  }
  return out.sort();
}

export function hasLog(c: LoadedCase): boolean {
  return existsSync(join(logDirOf(c), 'log.json'));
}
