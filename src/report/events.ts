/**
 * The events the map and the timeline draw: those the verification hands
 * over, plus the ones the results imply when it hands over none of a kind.
 */
import type { ReportEvent, ReportInput } from './types.js';

/** Events the verification did not hand over as events but the results hold: departures, inspections, zone exits, imagery passes. */
export function derivedEvents(input: ReportInput): ReportEvent[] {
  const have = new Set(input.events.map((e) => e.kind));
  const out: ReportEvent[] = [];
  const add = (e: ReportEvent): void => {
    if (!have.has(e.kind)) out.push(e);
  };
  for (const s of input.results.shipments) {
    const subject = { kind: 'shipment', id: s.id };
    if (s.departed_at !== null)
      add({
        kind: 'departure',
        start: s.departed_at,
        end: s.departed_at,
        lat: null,
        lon: null,
        mmsi: [s.vessel.mmsi],
        label: `${s.vessel.name} leaves ${s.port}`,
        subject,
      });
    for (const i of s.inspections) {
      add({
        kind: 'inspection',
        start: i.time,
        end: i.time,
        lat: i.position.lat,
        lon: i.position.lon,
        mmsi: [s.vessel.mmsi],
        label: `${i.inspector} inspects ${s.vessel.name}: ${i.observed_count} observed`,
        subject: { kind: 'inspection', id: i.id },
      });
    }
    if (s.left_zone_at !== null)
      add({
        kind: 'left_zone',
        start: s.left_zone_at,
        end: s.left_zone_at,
        lat: null,
        lon: null,
        mmsi: [s.vessel.mmsi],
        label: `${s.vessel.name} leaves the zone`,
        subject,
      });
  }
  for (const site of input.results.sites) {
    for (const p of site.passes) {
      add({
        kind: 'imagery',
        start: p.time,
        end: p.time,
        lat: null,
        lon: null,
        mmsi: [],
        label: `${site.name}: ${p.phase} pass, ${p.count ?? 'no'} count`,
        subject: { kind: 'site', id: site.id },
      });
    }
  }
  return out;
}

/** The input's events, then the derived ones. */
export function reportEvents(input: ReportInput): ReportEvent[] {
  return [...input.events, ...derivedEvents(input)];
}
