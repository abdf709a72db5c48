/**
 * Stage 1 of the custody chain closed last, per declared lot: its
 * commitments opened where the inspecting party challenged them, and its
 * verdict, the worst of its own findings, its site's and its shipments'.
 */
import type { Shipment } from '../../case/index.js';
import { checkReveal } from '../../ledger/index.js';
import type { Finding, LotResult, Verdict } from '../types.js';
import { worst, type Chain } from './context.js';

export function lotResults(
  chain: Chain,
  siteVerdict: Map<string, Verdict>,
  shipmentVerdict: Map<string, Verdict>,
): LotResult[] {
  const { c, rec } = chain.inp;
  const m = c.manifest;
  const lots: LotResult[] = [];
  for (const lot of m.declarations.lots) {
    const mine: Finding[] = chain.findings.filter(
      (f) => f.code === 'DECLARATION_AMENDED' && f.subject.kind === 'lot' && f.subject.id === lot.id,
    );
    for (const { entry, reveal } of c.reveals.filter((r) => r.entry.lot === lot.id)) {
      if (rec.tampered.has(entry.path)) continue;
      const problems = checkReveal(reveal, {
        root: lot.root,
        count: lot.count,
        seed: entry.seed,
        k: entry.k,
        seedCommitment: entry.seed_commitment,
      });
      if (problems.length) {
        mine.push(
          chain.add(
            'COMMITMENT_MISMATCH',
            { kind: 'lot', id: lot.id },
            entry.path,
            `the reveal ${entry.path} does not open lot ${lot.id}'s commitments: ${problems.map((p) => p.message).join('; ')}`,
            [chain.ref(entry.path), chain.lotRef(lot.id)],
            {
              details: {
                problems: problems.map((p) => ({
                  problem: p.problem,
                  ...(p.index !== undefined ? { index: p.index } : {}),
                })),
              },
            },
          ),
        );
      }
    }
    const carrying: Shipment[] = m.declarations.shipments.filter((s) => s.lots.includes(lot.id));
    const parts: Verdict[] = [
      ...mine.map((f) => f.effect),
      siteVerdict.get(lot.site) ?? 'INCOMPLETE',
      ...carrying.map((s) => shipmentVerdict.get(s.id)!),
    ];
    const unconfirmed: string[] = [];
    if (!carrying.length) {
      unconfirmed.push('departed');
      parts.push('INCOMPLETE');
    }
    const out: LotResult = {
      id: lot.id,
      site: lot.site,
      item_class: lot.item_class,
      count: lot.count,
      root: lot.root,
      verdict: worst(parts),
      declaration: chain.lotRef(lot.id),
      shipments: carrying.map((s) => s.id),
      findings: mine.map((f) => f.id),
    };
    if (unconfirmed.length) out.unconfirmed = unconfirmed;
    lots.push(out);
  }
  return lots;
}
