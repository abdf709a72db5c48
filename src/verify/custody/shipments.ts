/**
 * Stages 3 to 5 of the custody chain, per declared shipment: departed its
 * port aboard its vessel after the declared date, inspected at sea (with the
 * count observed), and out of the zone with no unexplained dark period and
 * no meeting with a vessel that is not an inspector.
 */
import type { Inspector, Shipment } from '../../case/index.js';
import { isoTime, parseTime } from '../../case/index.js';
import type { TrackEvent, Tracks } from '../../tracks/index.js';
import { HOUR_MS, NAUTICAL_MILE_M } from '../../util/index.js';
import { allEncounters, darkInZone, leftZoneAt, visitsAt } from '../ais.js';
import type { Finding, ShipmentResult, Verdict } from '../types.js';
import { round2, round6, worst, type Chain } from './context.js';
import { inspectionsOf } from './inspections.js';

/** Every declared shipment's result, in the manifest's order. */
export function shipmentResults(chain: Chain): ShipmentResult[] {
  const { c, ais, ports } = chain.inp;
  const inspectorByMmsi = new Map<number, Inspector>();
  for (const i of c.manifest.inspectors) if (i.mmsi !== undefined) inspectorByMmsi.set(i.mmsi, i);
  const encounters: TrackEvent[] = ais ? allEncounters(ais.tracks, c.terms.params, ports) : [];
  return c.manifest.declarations.shipments.map((s) => shipmentResult(chain, s, encounters, inspectorByMmsi));
}

function shipmentResult(
  chain: Chain,
  s: Shipment,
  encounters: TrackEvent[],
  inspectorByMmsi: Map<number, Inspector>,
): ShipmentResult {
  const m = chain.inp.c.manifest;
  const mine: Finding[] = [];
  const sref = chain.shipmentRef(s.id);
  const tr = chain.inp.ais?.tracks ?? null;
  const departedAt = departure(chain, s, tr, mine);
  const inspections = inspectionsOf(chain, s, tr, mine);
  if (departedAt !== null && inspections.length === 0) {
    mine.push(
      chain.add(
        'SHIPMENT_UNINSPECTED',
        { kind: 'shipment', id: s.id },
        '',
        `${s.vessel.name} (MMSI ${s.vessel.mmsi}) left ${s.port} with ${s.count} declared item(s) and no inspection record names it`,
        [sref],
      ),
    );
  }
  const good = inspections.filter((i) => i.corroborated);
  const chosen = good.length ? good[good.length - 1] : null;
  const observed = chosen ? chosen.observed_count : null;
  if (chosen && observed !== s.count) {
    mine.push(
      chain.add(
        'COUNT_MISMATCH',
        { kind: 'shipment', id: s.id },
        '',
        `${s.vessel.name} was declared with ${s.count} item(s); ${m.inspectors.find((x) => x.id === chosen.inspector)?.name ?? chosen.inspector} counted ${observed} at sea on ${chosen.time}` +
          ((observed ?? 0) > s.count
            ? `: a surplus of ${(observed ?? 0) - s.count}, not counted for any other shipment`
            : ''),
        [sref, chosen.evidence],
        {
          time: parseTime(chosen.time),
          position: chosen.position,
          // A surplus stays with its shipment: the funnel caps each shipment at its declaration.
          details: {
            declared: s.count,
            observed,
            shortfall: Math.max(0, s.count - (observed ?? 0)),
            surplus: Math.max(0, (observed ?? 0) - s.count),
          },
        },
      ),
    );
  }
  const leftAt =
    tr && departedAt !== null ? voyageOut(chain, s, tr, departedAt, encounters, inspectorByMmsi, mine) : null;
  const incomplete = departedAt !== null && leftAt === null ? ['left_zone'] : [];
  const v = worst([...mine.map((f) => f.effect), ...(incomplete.length ? (['INCOMPLETE'] as Verdict[]) : [])]);
  const out: ShipmentResult = {
    id: s.id,
    vessel: s.vessel,
    port: s.port,
    count: s.count,
    lots: s.lots,
    verdict: v,
    declaration: sref,
    departed_at: departedAt === null ? null : isoTime(departedAt),
    inspections,
    observed_count: observed,
    left_zone_at: leftAt === null ? null : isoTime(leftAt),
    findings: mine.map((f) => f.id),
  };
  if (incomplete.length) out.unconfirmed = incomplete;
  return out;
}

/** When the vessel left its port after the declared date (null, with SHIPMENT_NOT_DEPARTED, when AIS never shows it). */
function departure(chain: Chain, s: Shipment, tr: Tracks | null, mine: Finding[]): number | null {
  const { ais, ports, c } = chain.inp;
  const mmsi = s.vessel.mmsi;
  const dateMs = parseTime(s.date);
  const visits = tr ? visitsAt(tr, mmsi, ports, s.port, c.terms.params) : [];
  const dep = visits.find((v) => v.departed === true && v.endMs >= dateMs) ?? null;
  if (!dep) {
    const last = visits[visits.length - 1];
    const why =
      !tr || visits.length === 0
        ? tr && ais!.filesByMmsi.has(mmsi)
          ? `its AIS never places it in ${s.port}`
          : `there is no AIS of MMSI ${mmsi}`
        : last.departed
          ? `it left ${s.port} on ${last.end}, before the declared date ${s.date}`
          : `it is still in ${s.port} when its AIS ends (${last.end})`;
    mine.push(
      chain.add(
        'SHIPMENT_NOT_DEPARTED',
        { kind: 'shipment', id: s.id },
        '',
        `AIS never shows ${s.vessel.name} (MMSI ${mmsi}) leaving ${s.port} after ${s.date}: ${why}`,
        [chain.shipmentRef(s.id), ...chain.aisRefs(mmsi)],
        last ? { time: last.endMs, position: { lat: last.lat, lon: last.lon } } : {},
      ),
    );
    return null;
  }
  chain.events.push({
    kind: 'departure',
    start: dep.start,
    end: dep.end,
    lat: round6(dep.lat),
    lon: round6(dep.lon),
    mmsi: [mmsi],
    label: `${s.vessel.name} leaves ${s.port}`,
    subject: { kind: 'shipment', id: s.id },
  });
  return dep.endMs;
}

/**
 * The voyage out: dark periods and meetings with vessels that are not
 * inspectors, inside the zone, until the vessel leaves it. Returns when it
 * left the zone (null: not seen leaving).
 */
function voyageOut(
  chain: Chain,
  s: Shipment,
  tr: Tracks,
  departedAt: number,
  encounters: TrackEvent[],
  inspectorByMmsi: Map<number, Inspector>,
  mine: Finding[],
): number | null {
  const { zone, c } = chain.inp;
  const mmsi = s.vessel.mmsi;
  const left = leftZoneAt(tr, mmsi, zone, departedAt);
  const leftAt = left ? left.time : null;
  if (left) {
    chain.events.push({
      kind: 'left_zone',
      start: isoTime(left.time),
      end: isoTime(left.time),
      lat: round6(left.lat),
      lon: round6(left.lon),
      mmsi: [mmsi],
      label: `${s.vessel.name} leaves the zone`,
      subject: { kind: 'shipment', id: s.id },
    });
  }
  const until = leftAt ?? Infinity;
  for (const d of darkInZone(tr, mmsi, zone, c.terms.params, departedAt, until)) {
    const hours = (d.endMs - d.startMs) / HOUR_MS;
    const f = chain.add(
      'DARK_PERIOD',
      { kind: 'shipment', id: s.id },
      d.start,
      `${s.vessel.name}'s AIS was silent for ${hours.toFixed(1)} h inside the zone, from ${d.start} to ${d.end}` +
        (d.distance_m !== undefined ? ` (${(d.distance_m / NAUTICAL_MILE_M).toFixed(1)} nmi apart)` : ''),
      chain.aisRefs(mmsi),
      {
        time: d.startMs,
        position: { lat: d.lat, lon: d.lon },
        details: { hours: round2(hours), from: d.start, to: d.end },
      },
    );
    mine.push(f);
    chain.events.push({
      kind: 'dark_period',
      start: d.start,
      end: d.end,
      lat: round6(d.lat),
      lon: round6(d.lon),
      mmsi: [mmsi],
      label: `${s.vessel.name} dark ${hours.toFixed(1)} h`,
      finding: f.id,
      subject: { kind: 'shipment', id: s.id },
    });
  }
  for (const e of encounters) {
    if (!e.mmsi.includes(mmsi)) continue;
    const other = e.mmsi[0] === mmsi ? e.mmsi[1] : e.mmsi[0];
    if (inspectorByMmsi.has(other)) continue;
    if (e.endMs < departedAt || e.startMs > until) continue;
    if (zone.contains(e.lat, e.lon) < 0) continue;
    const name = tr.vessels.get(other)?.shipname ?? null;
    const hours = (e.endMs - e.startMs) / HOUR_MS;
    const f = chain.add(
      'UNDECLARED_ENCOUNTER',
      { kind: 'shipment', id: s.id },
      `${other}/${e.start}`,
      `${s.vessel.name} met ${name ? `${name} ` : ''}(MMSI ${other}), not an inspector, for ${hours.toFixed(1)} h from ${e.start} inside the zone (closest ${Math.round(e.min_distance_m ?? 0)} m)`,
      chain.aisRefs([mmsi, other]),
      {
        time: e.startMs,
        position: { lat: e.lat, lon: e.lon },
        details: { other_mmsi: other, hours: round2(hours) },
      },
    );
    mine.push(f);
    chain.events.push({
      kind: 'encounter',
      start: e.start,
      end: e.end,
      lat: round6(e.lat),
      lon: round6(e.lon),
      mmsi: [mmsi, other],
      label: `${s.vessel.name} meets MMSI ${other}`,
      finding: f.id,
      subject: { kind: 'shipment', id: s.id },
    });
  }
  return leftAt;
}
