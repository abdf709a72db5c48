/**
 * Stages 3 to 5 of the custody chain, per declared shipment: departed its
 * port aboard its vessel after the declared date, inspected at sea (with the
 * count observed), and out of the zone with no unexplained dark period and
 * no meeting with a vessel that is not an inspector.
 */
import type { Inspector, Shipment } from '../../case/index.js';
import { isoTime, parseTime } from '../../case/index.js';
import { meetingsUnderWay, silenceAtEnd, type TrackEvent, type Tracks } from '../../tracks/index.js';
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
 * The voyage out: dark periods (a silence to the end of the AIS among them)
 * and meetings with vessels that are not inspectors, inside the zone, until
 * the vessel leaves it. Returns when it left the zone (null: not seen leaving).
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
  if (leftAt === null) silentToTheEnd(chain, s, tr, departedAt, mine);
  const exclude = new Set(inspectorByMmsi.keys());
  for (const e of meetingsOf(chain, mmsi, tr, departedAt, until, encounters, exclude)) {
    const other = e.other;
    const name = tr.vessels.get(other)?.shipname ?? null;
    const hours = (e.endMs - e.startMs) / HOUR_MS;
    const how = e.underWay ? `, under way at ${e.knots.map((k) => k.toFixed(1)).join(' and ')} kn (median)` : '';
    const f = chain.add(
      'UNDECLARED_ENCOUNTER',
      { kind: 'shipment', id: s.id },
      `${other}/${e.start}`,
      `${s.vessel.name} met ${name ? `${name} ` : ''}(MMSI ${other}), not an inspector, for ${hours.toFixed(1)} h from ${e.start} inside the zone (closest ${Math.round(e.minDistanceM)} m${how})`,
      chain.aisRefs([mmsi, other]),
      {
        time: e.startMs,
        position: { lat: e.lat, lon: e.lon },
        details: {
          other_mmsi: other,
          hours: round2(hours),
          under_way: e.underWay,
          min_distance_m: Math.round(e.minDistanceM),
        },
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

/** A meeting of the shipment vessel with one other vessel: encounters and meetings under way, merged where they overlap. */
interface Meeting {
  other: number;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  lat: number;
  lon: number;
  minDistanceM: number;
  /** Not slow throughout: only the rendezvous rule caught (part of) it. */
  underWay: boolean;
  /** Median speeds of the two vessels over the longest part. */
  knots: number[];
}

/**
 * Every meeting of the vessel, inside the zone, from its departure until it
 * left, with a vessel that is not an inspector: the slow, long encounter and
 * the rendezvous rule at any speed (the design's "any approach that could
 * pass cargo"). One per other vessel and overlapping period: an encounter is
 * also a meeting under way, and is reported once.
 */
function meetingsOf(
  chain: Chain,
  mmsi: number,
  tr: Tracks,
  departedAt: number,
  until: number,
  encounters: TrackEvent[],
  exclude: Set<number>,
): Meeting[] {
  const { zone, ports, c } = chain.inp;
  const underWay = meetingsUnderWay(tr, mmsi, {
    params: c.terms.params,
    ports,
    fromMs: departedAt,
    toMs: until,
    exclude,
  });
  const slow = encounters.filter((e) => e.mmsi.includes(mmsi));
  const parts = [...slow.map((e) => ({ e, slow: true })), ...underWay.map((e) => ({ e, slow: false }))].filter(
    ({ e }) =>
      !exclude.has(e.mmsi[0] === mmsi ? e.mmsi[1] : e.mmsi[0]) &&
      e.endMs >= departedAt &&
      e.startMs <= until &&
      zone.contains(e.lat, e.lon) >= 0,
  );
  parts.sort((x, y) => x.e.mmsi[0] - y.e.mmsi[0] || x.e.mmsi[1] - y.e.mmsi[1] || x.e.startMs - y.e.startMs);
  const out: (Meeting & { longest: number; slowAll: boolean })[] = [];
  for (const { e, slow: isSlow } of parts) {
    const other = e.mmsi[0] === mmsi ? e.mmsi[1] : e.mmsi[0];
    const prev = out[out.length - 1];
    const dur = e.endMs - e.startMs;
    if (prev && prev.other === other && e.startMs <= prev.endMs) {
      if (e.endMs > prev.endMs) {
        prev.endMs = e.endMs;
        prev.end = e.end;
      }
      prev.minDistanceM = Math.min(prev.minDistanceM, e.min_distance_m ?? Infinity);
      prev.slowAll ||= isSlow;
      if (dur > prev.longest) {
        prev.longest = dur;
        prev.lat = e.lat;
        prev.lon = e.lon;
        prev.knots = e.median_speed_knots ?? [];
      }
      continue;
    }
    out.push({
      other,
      start: e.start,
      end: e.end,
      startMs: e.startMs,
      endMs: e.endMs,
      lat: e.lat,
      lon: e.lon,
      minDistanceM: e.min_distance_m ?? Infinity,
      underWay: false,
      knots: e.median_speed_knots ?? [],
      longest: dur,
      slowAll: isSlow,
    });
  }
  return out
    .map(({ longest: _l, slowAll, ...m }) => ({ ...m, underWay: !slowAll }))
    .sort((x, y) => x.startMs - y.startMs || x.other - y.other);
}

/**
 * The vessel is never seen leaving the zone. Silent inside it to the end of
 * the AIS while other vessels near its last position are still heard (the
 * reception rule of the track stage), it went dark: an open-ended
 * DARK_PERIOD. Where nothing is heard there, the silence is missing
 * coverage: the shipment stays INCOMPLETE, with no finding.
 */
function silentToTheEnd(chain: Chain, s: Shipment, tr: Tracks, departedAt: number, mine: Finding[]): void {
  const { zone, c } = chain.inp;
  const mmsi = s.vessel.mmsi;
  const sil = silenceAtEnd(tr, mmsi, c.terms.params);
  if (!sil || sil.lastMs < departedAt || zone.contains(sil.lat, sil.lon) < 0 || !sil.heardThere) return;
  const hours = (sil.feedEndMs - sil.lastMs) / HOUR_MS;
  const from = isoTime(sil.lastMs);
  const nearNmi = c.terms.params.reception.nearM / NAUTICAL_MILE_M;
  const f = chain.add(
    'DARK_PERIOD',
    { kind: 'shipment', id: s.id },
    from,
    `${s.vessel.name}'s AIS fell silent inside the zone on ${from} and is not heard again (${hours.toFixed(1)} h to the end of the AIS), while ${sil.heard.length} other vessel(s) within ${nearNmi.toFixed(0)} nmi of its last position are heard after it`,
    chain.aisRefs([mmsi, ...sil.heard]),
    {
      time: sil.lastMs,
      position: { lat: sil.lat, lon: sil.lon },
      details: { hours: round2(hours), from, to: null, open_ended: true, heard_nearby: sil.heard },
    },
  );
  mine.push(f);
  chain.events.push({
    kind: 'dark_period',
    start: from,
    end: isoTime(sil.feedEndMs),
    lat: round6(sil.lat),
    lon: round6(sil.lon),
    mmsi: [mmsi],
    label: `${s.vessel.name} silent to the end of the AIS`,
    finding: f.id,
    subject: { kind: 'shipment', id: s.id },
  });
}
