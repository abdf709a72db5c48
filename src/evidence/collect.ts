/**
 * Every input of a case, hashed (SHA-256) and described with its
 * provenance, in the order the log records them: the manifest and the
 * geography, then AIS, imagery, inspection records, documents and reveals.
 */
import { CaseError, caseFile, type LoadedCase } from '../case/index.js';
import { evidenceRecord, type EntryRecord } from '../ledger/index.js';

export type EvidenceRole = 'manifest' | 'geography' | 'ais' | 'imagery' | 'inspection' | 'document' | 'reveal';

/** Roles whose files may change between runs (each version logged); the rest are immutable once logged. */
export const VERSIONED: ReadonlySet<EvidenceRole> = new Set(['manifest', 'geography']);

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
    // Resolved again as it is hashed: a link swapped since the case was checked must not bring in a file from outside it.
    const f = caseFile(c.dir, x.path);
    if ('problem' in f) throw new CaseError([{ file: x.path, line: 0, field: '', message: f.problem }]);
    const abs = f.abs;
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
