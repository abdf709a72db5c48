/**
 * The order of the log as part of the rules (the design's "Trust rests on
 * the log's signed state only"): for a challenged lot, the inspecting
 * party's seed commitment comes before the lot's declaration, the seed's
 * reveal after it and in a later checkpoint, and neither the lot nor a
 * shipment carrying it is declared again, with other content, after the
 * reveal. Otherwise the declaring party could pick its declaration knowing
 * the draw: DECLARATION_AMENDED.
 */
import type { OrderEntry } from '../../evidence/index.js';
import type { Finding } from '../types.js';
import type { Chain } from './context.js';

/** Raises DECLARATION_AMENDED for each lot and shipment whose declarations break the order; returns them. */
export function declarationOrder(chain: Chain): Finding[] {
  const { c, rec } = chain.inp;
  const order = rec.order;
  const out: Finding[] = [];
  const revealOf = new Map<string, OrderEntry>();
  for (const lot of c.manifest.declarations.lots) {
    const reveal = order.seedReveals.get(lot.id)?.[0];
    if (!reveal) continue;
    revealOf.set(lot.id, reveal);
    const decls = order.declarations.get(`lot/${lot.id}`) ?? [];
    const inForce = lastBefore(decls, reveal.index);
    const subject = { kind: 'lot' as const, id: lot.id };
    const refs = [chain.lotRef(lot.id)];
    if (!inForce) {
      out.push(
        chain.add(
          'DECLARATION_AMENDED',
          subject,
          'unrevealed',
          `lot ${lot.id}'s seed was revealed at log entry ${reveal.index}, before any declaration of the lot: the draw could be known when it was declared`,
          refs,
          { details: { reveal_index: reveal.index } },
        ),
      );
      continue;
    }
    const commitment = order.seedCommitments
      .get(lot.id)
      ?.find((e) => e.seedCommitment === reveal.seedCommitment && e.index < decls[0].index);
    if (!commitment)
      out.push(
        chain.add(
          'DECLARATION_AMENDED',
          subject,
          'uncommitted',
          `lot ${lot.id} was declared at log entry ${decls[0].index} before the seed commitment its reveal (entry ${reveal.index}) opens: the challenge does not bind the declaration`,
          refs,
          { details: { declaration_index: decls[0].index, reveal_index: reveal.index } },
        ),
      );
    if (!order.checkpoints.some((s) => s > inForce.index && s <= reveal.index))
      out.push(
        chain.add(
          'DECLARATION_AMENDED',
          subject,
          'same-checkpoint',
          `lot ${lot.id}'s seed was revealed (log entry ${reveal.index}) in the same checkpoint as its declaration (entry ${inForce.index}): no signed checkpoint fixed the declaration first`,
          refs,
          { details: { declaration_index: inForce.index, reveal_index: reveal.index } },
        ),
      );
    const amended = amendments(decls, inForce, reveal.index);
    if (amended.length)
      out.push(
        chain.add(
          'DECLARATION_AMENDED',
          subject,
          'after-reveal',
          `lot ${lot.id} was declared again with other content at log entr${amended.length === 1 ? 'y' : 'ies'} ${amended.map((e) => e.index).join(', ')}, after its seed was revealed (entry ${reveal.index}); the declaration in force at the reveal is entry ${inForce.index}`,
          refs,
          {
            details: {
              declaration_index: inForce.index,
              reveal_index: reveal.index,
              amended: amended.map((e) => e.index),
            },
          },
        ),
      );
  }
  for (const s of c.manifest.declarations.shipments) {
    const reveals = s.lots.map((l) => revealOf.get(l)).filter((r): r is OrderEntry => r !== undefined);
    if (!reveals.length) continue;
    const first = Math.min(...reveals.map((r) => r.index));
    const decls = order.declarations.get(`shipment/${s.id}`) ?? [];
    const inForce = lastBefore(decls, first);
    const amended = inForce ? amendments(decls, inForce, first) : [];
    if (amended.length)
      out.push(
        chain.add(
          'DECLARATION_AMENDED',
          { kind: 'shipment', id: s.id },
          'after-reveal',
          `shipment ${s.id} was declared again with other content at log entr${amended.length === 1 ? 'y' : 'ies'} ${amended.map((e) => e.index).join(', ')}, after the seed of a lot it carries was revealed (entry ${first})`,
          [chain.shipmentRef(s.id)],
          { details: { declaration_index: inForce!.index, reveal_index: first, amended: amended.map((e) => e.index) } },
        ),
      );
  }
  return out;
}

/** The last entry logged before `index`. */
function lastBefore(entries: readonly OrderEntry[], index: number): OrderEntry | undefined {
  let found: OrderEntry | undefined;
  for (const e of entries) if (e.index < index) found = e;
  return found;
}

/** Declarations after `index` whose content differs from the one in force. */
function amendments(entries: readonly OrderEntry[], inForce: OrderEntry, index: number): OrderEntry[] {
  return entries.filter((e) => e.index > index && e.sha256 !== inForce.sha256);
}
