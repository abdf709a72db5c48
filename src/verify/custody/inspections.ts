/**
 * Stage 4 of the custody chain: each inspection record of a shipment's
 * vessel, corroborated by AIS. By ship: a rendezvous, the inspector within
 * the terms' distance of the vessel for the terms' duration, at any speed,
 * near the recorded time. From the air: the vessel's own track passes near
 * the recorded position near the recorded time.
 */
import type { InspectionRecord, Inspector, Shipment } from '../../case/index.js';
import { isoTime, parseTime } from '../../case/index.js';
import type { Tracks } from '../../tracks/index.js';
import { MINUTE_MS as MINUTE } from '../../util/index.js';
import { approachOfPair, approachToPoint, overflight, rendezvous } from '../ais.js';
import type { Finding, InspectionResult } from '../types.js';
import { round6, type Chain } from './context.js';

/** The inspections of shipment `s`'s vessel, in time order; the uncorroborated raise a finding (into `mine`). */
export function inspectionsOf(chain: Chain, s: Shipment, tr: Tracks | null, mine: Finding[]): InspectionResult[] {
  const { c, rec } = chain.inp;
  const mmsi = s.vessel.mmsi;
  const inspections: InspectionResult[] = [];
  for (const { entry, record: r } of c.inspections) {
    if (r.vessel_mmsi !== mmsi || rec.tampered.has(entry.path)) continue;
    const t = parseTime(r.time);
    const ins = c.manifest.inspectors.find((x) => x.id === r.inspector)!;
    const res: InspectionResult = {
      id: r.id,
      evidence: chain.ref(entry.path),
      inspector: r.inspector,
      kind: r.kind,
      time: isoTime(t),
      position: { lat: r.position.lat, lon: r.position.lon },
      observed_count: r.observed_count,
      corroborated: false,
      corroboration: { kind: null, ais_available: false, message: '' },
    };
    if (r.kind === 'ship') byShip(chain, s, r, ins, t, tr, res);
    else fromTheAir(chain, s, r, t, tr, res);
    chain.events.push({
      kind: 'inspection',
      start: isoTime(t),
      end: isoTime(t),
      lat: r.position.lat,
      lon: r.position.lon,
      mmsi: [mmsi],
      label: `${ins.name} (${r.kind}) counts ${r.observed_count} on ${s.vessel.name}`,
      subject: { kind: 'inspection', id: r.id },
    });
    if (!res.corroborated) {
      const f = chain.add(
        'INSPECTION_UNCORROBORATED',
        { kind: 'inspection', id: r.id },
        '',
        `inspection ${r.id} of ${s.vessel.name} by ${ins.name} at ${r.time} is not corroborated: ${res.corroboration.message}`,
        [res.evidence, ...chain.aisRefs(ins.mmsi !== undefined ? [mmsi, ins.mmsi] : mmsi)],
        {
          effect: res.corroboration.ais_available ? 'DISCREPANCY' : 'INCOMPLETE',
          time: t,
          position: r.position,
          details: { min_distance_m: res.corroboration.min_distance_m ?? null },
        },
      );
      mine.push(f);
    }
    inspections.push(res);
  }
  inspections.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  return inspections;
}

/** An inspection by ship: corroborated by a rendezvous of inspector and vessel around the recorded time. */
function byShip(
  chain: Chain,
  s: Shipment,
  r: InspectionRecord,
  ins: Inspector,
  t: number,
  tr: Tracks | null,
  res: InspectionResult,
): void {
  const T = chain.inp.c.terms;
  const mmsi = s.vessel.mmsi;
  const interp = T.params.rendezvous.maxInterpolationGapMs;
  const w = T.rendezvous.windowMs;
  const runs =
    tr && ins.mmsi !== undefined ? rendezvous(tr, ins.mmsi, mmsi, { around: t, windowMs: w, params: T.params }) : [];
  const near =
    tr && ins.mmsi !== undefined
      ? approachOfPair(tr, ins.mmsi, mmsi, t - w, t + w, interp)
      : { minDistanceM: null, atMs: null, coveredMinutes: 0 };
  res.corroboration.ais_available = near.coveredMinutes > 0;
  res.corroboration.min_distance_m = near.minDistanceM === null ? null : Math.round(near.minDistanceM);
  if (runs.length) {
    const run = runs[0];
    res.corroborated = true;
    res.corroboration = {
      ...res.corroboration,
      kind: 'rendezvous',
      start: run.start,
      end: run.end,
      message: `${ins.name} within ${T.rendezvous.distanceM} m of ${s.vessel.name} from ${run.start} to ${run.end} (${Math.round((run.endMs - run.startMs) / MINUTE)} min, closest ${Math.round(run.min_distance_m ?? near.minDistanceM ?? 0)} m)`,
    };
    chain.events.push({
      kind: 'rendezvous',
      start: run.start,
      end: run.end,
      lat: round6(run.lat),
      lon: round6(run.lon),
      mmsi: [ins.mmsi!, mmsi],
      label: `${ins.name} alongside ${s.vessel.name}`,
      subject: { kind: 'inspection', id: r.id },
    });
  } else {
    res.corroboration.message = res.corroboration.ais_available
      ? `AIS places ${ins.name} and ${s.vessel.name} no closer than ${Math.round(near.minDistanceM!)} m within ${w / MINUTE} min of ${r.time} (needed: ${T.rendezvous.distanceM} m for ${T.rendezvous.minDurationMs / MINUTE} min)`
      : `no AIS of ${ins.name}${ins.mmsi === undefined ? ' (no MMSI)' : ''} and ${s.vessel.name} together within ${w / MINUTE} min of ${r.time}`;
  }
}

/** An inspection from the air: corroborated when the vessel's own track passes near the recorded position. */
function fromTheAir(
  chain: Chain,
  s: Shipment,
  r: InspectionRecord,
  t: number,
  tr: Tracks | null,
  res: InspectionResult,
): void {
  const T = chain.inp.c.terms;
  const mmsi = s.vessel.mmsi;
  const interp = T.params.rendezvous.maxInterpolationGapMs;
  const w = T.aerial.windowMs;
  const fly = tr
    ? overflight(tr, mmsi, r.position.lat, r.position.lon, t - w, t + w, T.aerial.distanceM, interp)
    : null;
  const near = tr
    ? approachToPoint(tr, mmsi, r.position.lat, r.position.lon, t - w, t + w, interp)
    : { minDistanceM: null, atMs: null, coveredMinutes: 0 };
  res.corroboration.ais_available = near.coveredMinutes > 0;
  res.corroboration.min_distance_m = near.minDistanceM === null ? null : Math.round(near.minDistanceM);
  if (fly) {
    res.corroborated = true;
    res.corroboration = {
      ...res.corroboration,
      kind: 'overflight',
      start: isoTime(fly.start),
      end: isoTime(fly.end),
      message: `${s.vessel.name}'s own track passes ${Math.round(near.minDistanceM ?? 0)} m from the recorded position within ${w / MINUTE} min of ${r.time} (allowed: ${T.aerial.distanceM} m)`,
    };
  } else {
    res.corroboration.message = res.corroboration.ais_available
      ? `${s.vessel.name}'s AIS is no closer than ${Math.round(near.minDistanceM!)} m to the recorded position within ${w / MINUTE} min of ${r.time} (allowed: ${T.aerial.distanceM} m)`
      : `no AIS of ${s.vessel.name} within ${w / MINUTE} min of ${r.time}`;
  }
}
