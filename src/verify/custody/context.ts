/**
 * What every stage of the custody chain shares: the inputs, the findings
 * and events raised so far, and how a finding cites its evidence (by SHA-256
 * and index in the log). A finding's id is stable: its code, its subject
 * and a discriminator, so that a reproduction can compare finding by finding.
 */
import type { LoadedCase } from '../../case/index.js';
import { isoTime } from '../../case/index.js';
import type { EvidenceItem, RecordedCase } from '../../evidence/index.js';
import type { PolygonIndex } from '../../tracks/index.js';
import type { CaseTracks } from '../ais.js';
import type { PassAnalysis } from '../imagery.js';
import type { CustodyEvent, EvidenceRef, Finding, FindingCode, SubjectKind, Verdict } from '../types.js';

export interface ChainInput {
  c: LoadedCase;
  items: Map<string, EvidenceItem>;
  rec: RecordedCase;
  /** Null when the case has no usable AIS. */
  ais: CaseTracks | null;
  aisFiles: string[];
  ports: PolygonIndex;
  zone: PolygonIndex;
  /** Passes by site id, in time order. */
  passes: Map<string, PassAnalysis[]>;
}

/** The verdict each code forces (INSPECTION_UNCORROBORATED depends on the AIS: its raiser says which). */
const EFFECT: Record<Exclude<FindingCode, 'INSPECTION_UNCORROBORATED'>, 'DISCREPANCY' | 'INCOMPLETE'> = {
  SITE_NOT_CLEARED: 'DISCREPANCY',
  SITE_UNOBSERVED: 'INCOMPLETE',
  SHIPMENT_NOT_DEPARTED: 'DISCREPANCY',
  SHIPMENT_UNINSPECTED: 'INCOMPLETE',
  COUNT_MISMATCH: 'DISCREPANCY',
  INVENTORY_SHORTFALL: 'DISCREPANCY',
  DARK_PERIOD: 'DISCREPANCY',
  UNDECLARED_ENCOUNTER: 'DISCREPANCY',
  RESOLUTION_VIOLATION: 'DISCREPANCY',
  COMMITMENT_MISMATCH: 'DISCREPANCY',
  LOG_INCONSISTENT: 'DISCREPANCY',
  DECLARATION_AMENDED: 'DISCREPANCY',
};

const RANK: Record<Verdict, number> = { VERIFIED: 0, INCOMPLETE: 1, DISCREPANCY: 2 };

/** The worst of the verdicts (VERIFIED for none): the design's rule for a part made of parts. */
export function worst(vs: Iterable<Verdict>): Verdict {
  let w: Verdict = 'VERIFIED';
  for (const v of vs) if (RANK[v] > RANK[w]) w = v;
  return w;
}

/** What a finding may carry besides its message and evidence. */
export interface FindingExtra {
  effect?: 'DISCREPANCY' | 'INCOMPLETE';
  time?: number;
  position?: { lat: number; lon: number };
  details?: Record<string, unknown>;
}

export class Chain {
  readonly findings: Finding[] = [];
  readonly events: CustodyEvent[] = [];

  constructor(readonly inp: ChainInput) {}

  /** The evidence file at `path`, as the log holds it. */
  ref(path: string): EvidenceRef {
    const it = this.inp.items.get(path);
    return { sha256: it?.sha256 ?? '', log_index: this.inp.rec.evidenceIndex.get(path) ?? null, path };
  }

  /** A declaration record (`lot/<id>` or `shipment/<id>`), as the log holds it. */
  recordRef(key: string): EvidenceRef {
    return { sha256: this.inp.rec.recordSha.get(key) ?? '', log_index: this.inp.rec.recordIndex.get(key) ?? null };
  }

  lotRef(id: string): EvidenceRef {
    return this.recordRef(`lot/${id}`);
  }

  shipmentRef(id: string): EvidenceRef {
    return this.recordRef(`shipment/${id}`);
  }

  /** The AIS files that carry these vessels (all AIS files when none names them), sorted. */
  aisRefs(mmsi: number | number[]): EvidenceRef[] {
    const set = new Set<string>();
    for (const x of Array.isArray(mmsi) ? mmsi : [mmsi]) {
      for (const f of this.inp.ais?.filesByMmsi.get(x) ?? []) set.add(f);
    }
    return [...(set.size ? set : new Set(this.inp.aisFiles))].sort().map((p) => this.ref(p));
  }

  /** Raises a finding; its id is code/subject kind/subject id[/discriminator]. */
  add(
    code: FindingCode,
    subject: { kind: SubjectKind; id: string },
    discriminator: string,
    message: string,
    evidence: EvidenceRef[],
    extra: FindingExtra = {},
  ): Finding {
    const effect = extra.effect ?? EFFECT[code as Exclude<FindingCode, 'INSPECTION_UNCORROBORATED'>];
    const id = [code, subject.kind, subject.id, discriminator].filter((x) => x !== '').join('/');
    const f: Finding = { id, code, effect, subject, message, evidence: dedupeRefs(evidence) };
    if (extra.time !== undefined) f.time = isoTime(extra.time);
    if (extra.position) f.position = { lat: round6(extra.position.lat), lon: round6(extra.position.lon) };
    if (extra.details) f.details = extra.details;
    this.findings.push(f);
    return f;
  }
}

function dedupeRefs(refs: EvidenceRef[]): EvidenceRef[] {
  const seen = new Set<string>();
  const out: EvidenceRef[] = [];
  for (const r of refs) {
    const k = `${r.sha256}/${r.log_index}/${r.path ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

export const round2 = (v: number): number => Math.round(v * 100) / 100;
export const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;
export const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
export const fmtM = (v: number): string => `${Number(v.toPrecision(3))} m`;
