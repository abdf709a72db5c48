/**
 * The declarations as log records, beside the evidence files: the
 * inspecting party's seed commitments, each lot and each shipment, and the
 * revealed seeds, each with a stable key (`lot/ID`, `shipment/ID`, ...) that
 * findings cite.
 */
import type { LoadedCase } from '../case/index.js';
import {
  DECLARATION_FORMAT,
  SEED_COMMITMENT_FORMAT,
  SEED_REVEAL_FORMAT,
  encodeEntry,
  entryHash,
  type EntryRecord,
} from '../ledger/index.js';

/** A non-file entry of the log: a declaration, a seed commitment or a seed reveal. */
export interface LoggedRecord {
  /** Stable key of what it declares (e.g. `lot/L1`), for references. */
  key: string;
  record: EntryRecord;
  bytes: Uint8Array;
  sha256: string;
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
