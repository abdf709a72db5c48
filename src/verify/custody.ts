/**
 * The custody chain of the design: declared at a site, removed from it,
 * departed a port aboard a vessel, inspected at sea, left the zone. Each
 * stage is confirmed by evidence or raises a finding with its stable code;
 * verdicts follow the design's table, the worst of the parts being the case's.
 */
import type { Inspector, LoadedCase, Lot, Shipment } from '../case/index.js';
import { isoTime, parseTime } from '../case/index.js';
import type { EvidenceItem, RecordedCase } from '../evidence/index.js';
import { checkReveal } from '../ledger/index.js';
import { objectChanges } from '../imagery/index.js';
import type { TrackEvent } from '../tracks/index.js';
import type { PolygonIndex } from '../tracks/index.js';
import {
  allEncounters,
  approachOfPair,
  approachToPoint,
  darkInZone,
  leftZoneAt,
  overflight,
  rendezvous,
  visitsAt,
  type CaseTracks,
} from './ais.js';
import type { PassAnalysis } from './imagery.js';
import type {
  CustodyEvent,
  EvidenceRef,
  Finding,
  FindingCode,
  Funnel,
  ImageryPass,
  InspectionResult,
  LotResult,
  ShipmentResult,
  SiteResult,
  SubjectKind,
  Verdict,
} from './types.js';

/** The verdict each code forces (INSPECTION_UNCORROBORATED depends on the AIS, see below). */
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
};

const RANK: Record<Verdict, number> = { VERIFIED: 0, INCOMPLETE: 1, DISCREPANCY: 2 };

export function worst(vs: Iterable<Verdict>): Verdict {
  let w: Verdict = 'VERIFIED';
  for (const v of vs) if (RANK[v] > RANK[w]) w = v;
  return w;
}

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

export interface ChainOutput {
  verdict: Verdict;
  funnel: Funnel;
  findings: Finding[];
  lots: LotResult[];
  shipments: ShipmentResult[];
  sites: SiteResult[];
  events: CustodyEvent[];
}

const MINUTE = 60_000;

export function runChain(inp: ChainInput): ChainOutput {
  const { c, rec } = inp;
  const m = c.manifest;
  const T = c.terms;
  const findings: Finding[] = [];
  const events: CustodyEvent[] = [];

  const ref = (path: string): EvidenceRef => {
    const it = inp.items.get(path);
    return { sha256: it?.sha256 ?? '', log_index: rec.evidenceIndex.get(path) ?? null, path };
  };
  const recordRef = (key: string, sha: string): EvidenceRef => ({
    sha256: sha,
    log_index: rec.recordIndex.get(key) ?? null,
  });
  const lotRef = (id: string): EvidenceRef => recordRef(`lot/${id}`, rec.recordSha.get(`lot/${id}`) ?? '');
  const shipmentRef = (id: string): EvidenceRef =>
    recordRef(`shipment/${id}`, rec.recordSha.get(`shipment/${id}`) ?? '');
  const aisRefs = (mmsi: number | number[]): EvidenceRef[] => {
    const set = new Set<string>();
    for (const x of Array.isArray(mmsi) ? mmsi : [mmsi]) for (const f of inp.ais?.filesByMmsi.get(x) ?? []) set.add(f);
    return [...(set.size ? set : new Set(inp.aisFiles))].sort().map(ref);
  };

  const add = (
    code: FindingCode,
    subject: { kind: SubjectKind; id: string },
    discriminator: string,
    message: string,
    evidence: EvidenceRef[],
    extra: {
      effect?: 'DISCREPANCY' | 'INCOMPLETE';
      time?: number;
      position?: { lat: number; lon: number };
      details?: Record<string, unknown>;
    } = {},
  ): Finding => {
    const effect = extra.effect ?? EFFECT[code as Exclude<FindingCode, 'INSPECTION_UNCORROBORATED'>];
    const id = [code, subject.kind, subject.id, discriminator].filter((x) => x !== '').join('/');
    const f: Finding = { id, code, effect, subject, message, evidence: dedupeRefs(evidence) };
    if (extra.time !== undefined) f.time = isoTime(extra.time);
    if (extra.position) f.position = { lat: round6(extra.position.lat), lon: round6(extra.position.lon) };
    if (extra.details) f.details = extra.details;
    findings.push(f);
    return f;
  };

  // --- The log and the evidence in it -------------------------------------------------
  for (const p of rec.problems) {
    const evidence: EvidenceRef[] =
      p.subject.kind === 'evidence'
        ? [
            {
              sha256: p.sha256 ?? inp.items.get(p.subject.id)?.sha256 ?? '',
              log_index: p.logIndex ?? null,
              path: p.subject.id,
            },
          ]
        : [];
    add(
      'LOG_INCONSISTENT',
      p.subject,
      p.subject.kind === 'log' ? String(findings.filter((f) => f.subject.kind === 'log').length || '') : '',
      p.message,
      evidence,
    );
  }

  // --- Sites: removed, seen by imagery within the cap --------------------------------------
  const lotsBySite = new Map<string, Lot[]>();
  for (const lot of m.declarations.lots) {
    const l = lotsBySite.get(lot.site) ?? [];
    l.push(lot);
    lotsBySite.set(lot.site, l);
  }
  const sites: SiteResult[] = [];
  const siteVerdict = new Map<string, Verdict>();
  for (const feature of c.geography.sites.features) {
    const id = feature.properties.id;
    const lots = lotsBySite.get(id);
    if (!lots) continue; // a site with nothing declared at it has nothing to clear
    const declared = lots.reduce((a, l) => a + l.count, 0);
    const deadline = Math.max(...lots.map((l) => parseTime(l.removal_deadline ?? m.terms.removal_deadline)));
    const passes = (inp.passes.get(id) ?? []).filter((p) => !rec.tampered.has(p.evidence.path));
    const mine: Finding[] = [];
    const passOut: ImageryPass[] = [];
    for (const p of passes) {
      const phase = p.timeMs >= deadline ? 'after' : 'before';
      if (p.finerThanCap && p.resolutionM !== null) {
        mine.push(
          add(
            'RESOLUTION_VIOLATION',
            { kind: 'evidence', id: p.evidence.path },
            '',
            `${p.evidence.path} (site ${id}, ${p.evidence.time}) was shared at ${fmtM(p.resolutionM)} GSD, finer than the agreed cap of ${fmtM(T.resolutionCapM)}; it was degraded to the cap before analysis`,
            [ref(p.evidence.path)],
            { time: p.timeMs, details: { gsd_m: round4(p.resolutionM), cap_m: T.resolutionCapM, site: id } },
          ),
        );
      }
      passOut.push({
        evidence: ref(p.evidence.path),
        time: isoTime(p.timeMs),
        gsd_m: round4(p.resolutionM ?? NaN),
        analysed_gsd_m: round4(p.analysedGsdM ?? NaN),
        covers_site: p.coversSite,
        count: p.count,
        phase,
        detections: p.detections.map((d) => ({
          lat: d.lat === null ? null : round6(d.lat),
          lon: d.lon === null ? null : round6(d.lon),
          length_m: round2(d.length_m),
          width_m: round2(d.width_m),
          heading_deg: round2(d.heading_deg),
          score: round2(d.score),
        })),
        ...(p.problem ? { problem: p.problem } : {}),
      });
      events.push({
        kind: 'imagery',
        start: isoTime(p.timeMs),
        end: isoTime(p.timeMs),
        lat: null,
        lon: null,
        mmsi: [],
        label: `${id}: ${p.count ?? '?'} item(s) seen (${phase} the deadline)`,
        subject: { kind: 'site', id },
      });
    }
    const usable = passes.filter((p) => p.count !== null);
    const after = usable.filter((p) => p.timeMs >= deadline);
    const before = usable.filter((p) => p.timeMs < deadline);
    const lotRefs = lots.map((l) => lotRef(l.id));
    let remaining: number | null = null;
    let removed = 0;
    if (after.length === 0) {
      const unusable = passes.filter((p) => p.timeMs >= deadline && p.count === null);
      mine.push(
        add(
          'SITE_UNOBSERVED',
          { kind: 'site', id },
          '',
          `no usable imagery of ${feature.properties.name ?? id} after its removal deadline ${isoTime(deadline)}` +
            (unusable.length ? ` (${unusable.map((p) => `${p.evidence.path}: ${p.problem}`).join('; ')})` : ''),
          [...lotRefs, ...unusable.map((p) => ref(p.evidence.path))],
          { details: { deadline: isoTime(deadline), declared } },
        ),
      );
    } else {
      const last = after[after.length - 1];
      remaining = last.count ?? 0;
      removed = Math.max(0, declared - remaining);
      if (remaining > 0) {
        const d = last.detections[0];
        mine.push(
          add(
            'SITE_NOT_CLEARED',
            { kind: 'site', id },
            '',
            `imagery of ${feature.properties.name ?? id} on ${last.evidence.time}, after the removal deadline ${isoTime(deadline)}, still shows ${remaining} item(s) of the declared class (${declared} declared)`,
            [ref(last.evidence.path), ...lotRefs],
            {
              time: last.timeMs,
              ...(d && d.lat !== null && d.lon !== null ? { position: { lat: d.lat, lon: d.lon } } : {}),
              details: { remaining, declared },
            },
          ),
        );
      }
    }
    let change: SiteResult['change'] = null;
    if (before.length && after.length) {
      const b = before[before.length - 1];
      const a = after[0];
      const maxLen = Math.max(...lots.map((l) => T.itemClasses.get(l.item_class)?.length_m[1] ?? 20));
      const ch = objectChanges(b.detections, a.detections, maxLen / 2, { gsdM: b.analysedGsdM ?? 1 });
      change = {
        before: b.evidence.path,
        after: a.evidence.path,
        disappeared: ch.removed.length,
        appeared: ch.added.length,
        persisted: ch.matched.length,
      };
    }
    const v = worst(mine.map((f) => f.effect));
    siteVerdict.set(id, v);
    sites.push({
      id,
      name: feature.properties.name ?? id,
      verdict: v,
      declared,
      remaining,
      removed,
      change,
      passes: passOut,
      findings: mine.map((f) => f.id),
    });
  }

  // --- Shipments: departed, inspected, left the zone ------------------------------------------
  const inspectorByMmsi = new Map<number, Inspector>();
  for (const i of m.inspectors) if (i.mmsi !== undefined) inspectorByMmsi.set(i.mmsi, i);
  const encounters: TrackEvent[] = inp.ais ? allEncounters(inp.ais.tracks, T.params, inp.ports) : [];
  const shipments: ShipmentResult[] = [];
  const shipmentVerdict = new Map<string, Verdict>();
  const interp = T.params.rendezvous.maxInterpolationGapMs;
  for (const s of m.declarations.shipments) {
    const mmsi = s.vessel.mmsi;
    const mine: Finding[] = [];
    const dateMs = parseTime(s.date);
    const sref = shipmentRef(s.id);
    const tr = inp.ais?.tracks ?? null;
    const visits = tr ? visitsAt(tr, mmsi, inp.ports, s.port, T.params) : [];
    const dep = visits.find((v) => v.departed === true && v.endMs >= dateMs) ?? null;
    let departedAt: number | null = null;
    if (!dep) {
      const last = visits[visits.length - 1];
      const why =
        !tr || visits.length === 0
          ? tr && inp.ais!.filesByMmsi.has(mmsi)
            ? `its AIS never places it in ${s.port}`
            : `there is no AIS of MMSI ${mmsi}`
          : last.departed
            ? `it left ${s.port} on ${last.end}, before the declared date ${s.date}`
            : `it is still in ${s.port} when its AIS ends (${last.end})`;
      mine.push(
        add(
          'SHIPMENT_NOT_DEPARTED',
          { kind: 'shipment', id: s.id },
          '',
          `AIS never shows ${s.vessel.name} (MMSI ${mmsi}) leaving ${s.port} after ${s.date}: ${why}`,
          [sref, ...aisRefs(mmsi)],
          last ? { time: last.endMs, position: { lat: last.lat, lon: last.lon } } : {},
        ),
      );
    } else {
      departedAt = dep.endMs;
      events.push({
        kind: 'departure',
        start: dep.start,
        end: dep.end,
        lat: round6(dep.lat),
        lon: round6(dep.lon),
        mmsi: [mmsi],
        label: `${s.vessel.name} leaves ${s.port}`,
        subject: { kind: 'shipment', id: s.id },
      });
    }

    // Inspections of this vessel.
    const inspections: InspectionResult[] = [];
    for (const { entry, record: r } of c.inspections) {
      if (r.vessel_mmsi !== mmsi || rec.tampered.has(entry.path)) continue;
      const t = parseTime(r.time);
      const ins = m.inspectors.find((x) => x.id === r.inspector)!;
      const res: InspectionResult = {
        id: r.id,
        evidence: ref(entry.path),
        inspector: r.inspector,
        kind: r.kind,
        time: isoTime(t),
        position: { lat: r.position.lat, lon: r.position.lon },
        observed_count: r.observed_count,
        corroborated: false,
        corroboration: { kind: null, ais_available: false, message: '' },
      };
      if (r.kind === 'ship') {
        const w = T.rendezvous.windowMs;
        const runs =
          tr && ins.mmsi !== undefined
            ? rendezvous(tr, ins.mmsi, mmsi, { around: t, windowMs: w, params: T.params })
            : [];
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
          events.push({
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
      } else {
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
      events.push({
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
        const f = add(
          'INSPECTION_UNCORROBORATED',
          { kind: 'inspection', id: r.id },
          '',
          `inspection ${r.id} of ${s.vessel.name} by ${ins.name} at ${r.time} is not corroborated: ${res.corroboration.message}`,
          [res.evidence, ...aisRefs(ins.mmsi !== undefined ? [mmsi, ins.mmsi] : mmsi)],
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
    if (departedAt !== null && inspections.length === 0) {
      mine.push(
        add(
          'SHIPMENT_UNINSPECTED',
          { kind: 'shipment', id: s.id },
          '',
          `${s.vessel.name} (MMSI ${mmsi}) left ${s.port} with ${s.count} declared item(s) and no inspection record names it`,
          [sref],
        ),
      );
    }
    const good = inspections.filter((i) => i.corroborated);
    const chosen = good.length ? good[good.length - 1] : null;
    const observed = chosen ? chosen.observed_count : null;
    if (chosen && observed !== s.count) {
      mine.push(
        add(
          'COUNT_MISMATCH',
          { kind: 'shipment', id: s.id },
          '',
          `${s.vessel.name} was declared with ${s.count} item(s); ${m.inspectors.find((x) => x.id === chosen.inspector)?.name ?? chosen.inspector} counted ${observed} at sea on ${chosen.time}`,
          [sref, chosen.evidence],
          { time: parseTime(chosen.time), position: chosen.position, details: { declared: s.count, observed } },
        ),
      );
    }

    // The voyage out: dark periods and meetings inside the zone, until the vessel leaves it.
    let leftAt: number | null = null;
    if (tr && departedAt !== null) {
      const left = leftZoneAt(tr, mmsi, inp.zone, departedAt);
      leftAt = left ? left.time : null;
      if (left) {
        events.push({
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
      for (const d of darkInZone(tr, mmsi, inp.zone, T.params, departedAt, until)) {
        const hours = (d.endMs - d.startMs) / 3_600_000;
        const f = add(
          'DARK_PERIOD',
          { kind: 'shipment', id: s.id },
          d.start,
          `${s.vessel.name}'s AIS was silent for ${hours.toFixed(1)} h inside the zone, from ${d.start} to ${d.end}` +
            (d.distance_m !== undefined ? ` (${(d.distance_m / 1852).toFixed(1)} nmi apart)` : ''),
          aisRefs(mmsi),
          {
            time: d.startMs,
            position: { lat: d.lat, lon: d.lon },
            details: { hours: round2(hours), from: d.start, to: d.end },
          },
        );
        mine.push(f);
        events.push({
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
        if (inp.zone.contains(e.lat, e.lon) < 0) continue;
        const name = tr.vessels.get(other)?.shipname ?? null;
        const hours = (e.endMs - e.startMs) / 3_600_000;
        const f = add(
          'UNDECLARED_ENCOUNTER',
          { kind: 'shipment', id: s.id },
          `${other}/${e.start}`,
          `${s.vessel.name} met ${name ? `${name} ` : ''}(MMSI ${other}), not an inspector, for ${hours.toFixed(1)} h from ${e.start} inside the zone (closest ${Math.round(e.min_distance_m ?? 0)} m)`,
          aisRefs([mmsi, other]),
          {
            time: e.startMs,
            position: { lat: e.lat, lon: e.lon },
            details: { other_mmsi: other, hours: round2(hours) },
          },
        );
        mine.push(f);
        events.push({
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
    }
    const incomplete = departedAt !== null && leftAt === null ? ['left_zone'] : [];
    const v = worst([...mine.map((f) => f.effect), ...(incomplete.length ? (['INCOMPLETE'] as Verdict[]) : [])]);
    shipmentVerdict.set(s.id, v);
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
    shipments.push(out);
  }

  // --- Lots: commitments opened where challenged; the worst of site and shipments ------------------
  const lots: LotResult[] = [];
  for (const lot of m.declarations.lots) {
    const mine: Finding[] = [];
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
          add(
            'COMMITMENT_MISMATCH',
            { kind: 'lot', id: lot.id },
            entry.path,
            `the reveal ${entry.path} does not open lot ${lot.id}'s commitments: ${problems.map((p) => p.message).join('; ')}`,
            [ref(entry.path), lotRef(lot.id)],
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
      declaration: lotRef(lot.id),
      shipments: carrying.map((s) => s.id),
      findings: mine.map((f) => f.id),
    };
    if (unconfirmed.length) out.unconfirmed = unconfirmed;
    lots.push(out);
  }

  // --- The inventory and the funnel -------------------------------------------------------------
  const declared = m.declarations.lots.reduce((a, l) => a + l.count, 0);
  let accounted = 0;
  const funnel: Funnel = {
    declared,
    removed: sites.reduce((a, s) => a + s.removed, 0),
    departed: 0,
    inspected: 0,
    left_zone: 0,
  };
  for (const s of shipments) {
    const aboard = s.observed_count ?? s.count;
    accounted += aboard;
    if (s.departed_at !== null) funnel.departed += s.count;
    if (s.observed_count !== null) funnel.inspected += s.observed_count;
    if (s.left_zone_at !== null) funnel.left_zone += aboard;
  }
  if (accounted < declared) {
    const inspectedRefs = shipments.flatMap((s) => s.inspections.filter((i) => i.corroborated).map((i) => i.evidence));
    add(
      'INVENTORY_SHORTFALL',
      { kind: 'case', id: m.id },
      '',
      `${accounted} of the ${declared} declared item(s) are accounted for at sea (counted by corroborated inspections, or declared aboard where none counted): ${declared - accounted} short`,
      [...m.declarations.lots.map((l) => lotRef(l.id)), ...inspectedRefs],
      { details: { declared, accounted, inspected: funnel.inspected } },
    );
  }

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

const round2 = (v: number): number => Math.round(v * 100) / 100;
const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const fmtM = (v: number): string => `${Number(v.toPrecision(3))} m`;
