/**
 * The custody chain of the design: declared at a site, removed from it,
 * departed a port aboard a vessel, inspected at sea, left the zone. Each
 * stage is confirmed by evidence or raises a finding with its stable code;
 * verdicts follow the design's table, the worst of the parts being the case's.
 *
 *   context.ts      the chain's inputs, findings and events; how a finding cites evidence
 *   sites.ts        removed from the site: imagery after the deadline, within the cap
 *   shipments.ts    departed, inspected, out of the zone (dark periods, meetings)
 *   inspections.ts  an inspection corroborated by AIS (rendezvous or overflight)
 *   lots.ts         commitments opened where challenged; the lot's verdict
 *   order.ts        the log's order: seed commitment, declaration, checkpoint, reveal; no amendment after
 */
import type { LotResult, ShipmentResult, SiteResult, Verdict, CustodyEvent, Finding, Funnel } from '../types.js';
import { Chain, worst, type ChainInput } from './context.js';
import { lotResults } from './lots.js';
import { declarationOrder } from './order.js';
import { shipmentResults } from './shipments.js';
import { siteResults } from './sites.js';

export { worst, type ChainInput };

export interface ChainOutput {
  verdict: Verdict;
  funnel: Funnel;
  findings: Finding[];
  lots: LotResult[];
  shipments: ShipmentResult[];
  sites: SiteResult[];
  events: CustodyEvent[];
}

export function runChain(inp: ChainInput): ChainOutput {
  const chain = new Chain(inp);
  logProblems(chain);
  const amended = declarationOrder(chain);
  const sites = siteResults(chain);
  const shipments = shipmentResults(chain);
  for (const s of shipments) {
    const mine = amended.filter((f) => f.subject.kind === 'shipment' && f.subject.id === s.id);
    if (!mine.length) continue;
    s.findings.push(...mine.map((f) => f.id));
    s.verdict = worst([s.verdict, ...mine.map((f) => f.effect)]);
  }
  const lots = lotResults(
    chain,
    new Map(sites.map((s) => [s.id, s.verdict])),
    new Map(shipments.map((s) => [s.id, s.verdict])),
  );
  const funnel = inventory(chain, sites, shipments);
  const { findings, events } = chain;
  const caseLevel = findings.filter(
    (f) => f.subject.kind === 'case' || f.subject.kind === 'log' || f.code === 'LOG_INCONSISTENT',
  );
  const verdict = worst([
    ...caseLevel.map((f) => f.effect),
    ...lots.map((l) => l.verdict),
    ...shipments.map((s) => s.verdict),
    ...sites.map((s) => s.verdict),
  ]);
  findings.sort((a, b) => a.code.localeCompare(b.code) || a.id.localeCompare(b.id));
  events.sort(
    (a, b) => a.start.localeCompare(b.start) || a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label),
  );
  return { verdict, funnel, findings, lots, shipments, sites, events };
}

/** The log and the evidence in it: each problem the recording found is a LOG_INCONSISTENT finding. */
function logProblems(chain: Chain): void {
  const { rec, items } = chain.inp;
  for (const p of rec.problems) {
    const evidence =
      p.subject.kind === 'evidence'
        ? [
            {
              sha256: p.sha256 ?? items.get(p.subject.id)?.sha256 ?? '',
              log_index: p.logIndex ?? null,
              path: p.subject.id,
            },
          ]
        : [];
    chain.add(
      'LOG_INCONSISTENT',
      p.subject,
      p.subject.kind === 'log' ? String(chain.findings.filter((f) => f.subject.kind === 'log').length || '') : '',
      p.message,
      evidence,
    );
  }
}

/**
 * The funnel of items, and INVENTORY_SHORTFALL when fewer are accounted for
 * at sea than were declared. Per shipment, the count at sea is capped at what
 * that shipment declared: an item seen beyond it is a surplus, reported with
 * that shipment's COUNT_MISMATCH, and never fills another shipment's shortfall.
 */
function inventory(chain: Chain, sites: SiteResult[], shipments: ShipmentResult[]): Funnel {
  const m = chain.inp.c.manifest;
  const declared = m.declarations.lots.reduce((a, l) => a + l.count, 0);
  let accounted = 0;
  let surplus = 0;
  const funnel: Funnel = {
    declared,
    removed: sites.reduce((a, s) => a + s.removed, 0),
    departed: 0,
    inspected: 0,
    left_zone: 0,
  };
  for (const s of shipments) {
    const aboard = Math.min(s.observed_count ?? s.count, s.count);
    if (s.observed_count !== null) surplus += Math.max(0, s.observed_count - s.count);
    accounted += aboard;
    if (s.departed_at !== null) funnel.departed += s.count;
    if (s.observed_count !== null) funnel.inspected += aboard;
    if (s.left_zone_at !== null) funnel.left_zone += aboard;
  }
  if (accounted < declared) {
    const inspectedRefs = shipments.flatMap((s) => s.inspections.filter((i) => i.corroborated).map((i) => i.evidence));
    const shortfall = declared - accounted;
    chain.add(
      'INVENTORY_SHORTFALL',
      { kind: 'case', id: m.id },
      '',
      `${accounted} of the ${declared} declared item(s) are accounted for at sea (counted by corroborated inspections, at most what each shipment declared, or declared aboard where none counted): ${shortfall} short` +
        (surplus
          ? `; ${surplus} counted beyond their shipments' declarations, a surplus that fills no other shipment's shortfall`
          : ''),
      [...m.declarations.lots.map((l) => chain.lotRef(l.id)), ...inspectedRefs],
      { details: { declared, accounted, inspected: funnel.inspected, shortfall, surplus } },
    );
  }
  return funnel;
}
