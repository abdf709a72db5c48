/**
 * The ground truth of a case (truth.json), derived from its description by
 * the verification rules of the design, never by running the verifier:
 * each site cleared and observed, each shipment departed, inspected,
 * corroborated (the rendezvous), counted, without dark periods or
 * undeclared encounters; each lot's commitment kept; the inventory
 * accounted for. Tracks are judged by the reports as sent.
 */
import { DEFAULT_PARAMS } from '../tracks/index.js';
import { HOUR_MS, KNOT_M_PER_S, MINUTE_MS } from '../util/index.js';
import { distanceM, inRing, velocity } from './paths.js';
import { portRing, sentAt } from './case-build.js';
import type {
  CaseDescription,
  InspectionSpec,
  PassSpec,
  ShipmentSpec,
  SubjectKind,
  TrackSpec,
  Truth,
  TruthFinding,
  Verdict,
} from './case.js';
import type { ViolationCode } from './defaults.js';

// ---------------------------------------------------------------------------
// Reports as the verifier will see them

interface Report {
  t: number;
  lat: number;
  lon: number;
  knots: number;
}

function reportsOf(track: TrackSpec): Report[] {
  return track.times.map((t) => {
    const p = sentAt(track, t);
    const v = velocity(track.path, t);
    return { t, lat: p.lat, lon: p.lon, knots: Math.min(102.2, Math.round(v.knots * 10) / 10) };
  });
}

/** Linear interpolation of a track's reports at t (null outside its span or across a gap longer than maxGapMs). */
function at(rs: Report[], t: number, maxGapMs = 20 * MINUTE_MS): Report | null {
  if (rs.length === 0 || t < rs[0].t || t > rs[rs.length - 1].t) return null;
  let lo = 0,
    hi = rs.length - 1;
  while (hi - lo > 1) {
    const m = (lo + hi) >> 1;
    if (rs[m].t <= t) lo = m;
    else hi = m;
  }
  const a = rs[lo],
    b = rs[hi];
  if (a.t === t) return a;
  if (b.t === t) return b;
  if (b.t - a.t > maxGapMs) return null;
  const f = (t - a.t) / (b.t - a.t);
  return {
    t,
    lat: a.lat + (b.lat - a.lat) * f,
    lon: a.lon + (b.lon - a.lon) * f,
    knots: a.knots + (b.knots - a.knots) * f,
  };
}

/** Distance from a point to a ring's boundary (0 inside), metres, by sampling the edges. */
function distToRing(ring: number[][], lat: number, lon: number): number {
  if (inRing(ring, lat, lon)) return 0;
  let best = Infinity;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i],
      [x1, y1] = ring[i + 1];
    for (let k = 0; k <= 20; k++) {
      const f = k / 20;
      best = Math.min(best, distanceM({ lat, lon }, { lat: y0 + (y1 - y0) * f, lon: x0 + (x1 - x0) * f }));
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// Truth, by the rules, from the description

const DISC: Verdict = 'DISCREPANCY';
const INC: Verdict = 'INCOMPLETE';
const worst = (...vs: Verdict[]): Verdict => (vs.includes(DISC) ? DISC : vs.includes(INC) ? INC : 'VERIFIED');

export interface InspectionCheck {
  id: string;
  corroborated: boolean;
  /** Whether AIS of the inspector (ships) and the vessel covers the window. */
  withAis: boolean;
  /** Ship: longest run within the distance, minutes; aircraft: closest approach, metres. */
  measure: number;
}

/** Corroboration of one inspection record from the tracks of the description. */
export function checkInspection(
  desc: CaseDescription,
  rec: InspectionSpec,
  cache = new Map<number, Report[]>(),
): InspectionCheck {
  const reports = (mmsi: number): Report[] => {
    let r = cache.get(mmsi);
    if (!r) {
      r = desc.tracks
        .filter((t) => t.vessel.mmsi === mmsi)
        .flatMap(reportsOf)
        .sort((a, b) => a.t - b.t);
      cache.set(mmsi, r);
    }
    return r;
  };
  const vessel = reports(rec.vessel_mmsi);
  const step = 30_000;
  if (rec.kind === 'aircraft') {
    const w = (desc.terms.aerial?.window_min ?? 30) * MINUTE_MS;
    const dmax = desc.terms.aerial?.distance_m ?? 5000;
    let best = Infinity;
    let seen = false;
    for (let t = rec.time - w; t <= rec.time + w; t += step) {
      const p = at(vessel, t);
      if (!p) continue;
      seen = true;
      best = Math.min(best, distanceM(p, rec.position));
    }
    return { id: rec.id, corroborated: best <= dmax, withAis: seen, measure: best };
  }
  const insp = desc.inspectors.find((i) => i.id === rec.inspector);
  const own = insp?.mmsi !== undefined ? reports(insp.mmsi) : [];
  const w = (desc.terms.rendezvous?.window_min ?? 120) * MINUTE_MS;
  const dmax = desc.terms.rendezvous?.distance_m ?? 1000;
  const need = (desc.terms.rendezvous?.min_duration_min ?? 15) * MINUTE_MS;
  let run = 0,
    longest = 0,
    seenV = false,
    seenI = false;
  for (let t = rec.time - w; t <= rec.time + w; t += step) {
    const a = at(vessel, t);
    const b = at(own, t);
    if (a) seenV = true;
    if (b) seenI = true;
    if (a && b && distanceM(a, b) <= dmax) {
      run += step;
      longest = Math.max(longest, run - step);
    } else run = 0;
  }
  return { id: rec.id, corroborated: longest >= need, withAis: seenV && seenI, measure: longest / MINUTE_MS };
}

export interface ShipmentCheck {
  id: string;
  departed: boolean;
  /** Time of the exit from the port polygon. */
  exit: number | null;
  leftZone: boolean;
  darkGapsH: number[];
  /** Never seen leaving: silent inside the zone to the end of the AIS, with other vessels heard near it (a dark period). */
  silentToEnd: boolean;
  encounters: { mmsi: number; minutes: number }[];
}

/** Departure, zone exit, dark periods and encounters of one shipment, from the tracks of the description. */
export function checkShipment(
  desc: CaseDescription,
  s: ShipmentSpec,
  cache = new Map<number, Report[]>(),
): ShipmentCheck {
  const own = desc.tracks
    .filter((t) => t.vessel.mmsi === s.vessel.mmsi)
    .flatMap(reportsOf)
    .sort((a, b) => a.t - b.t);
  const port = desc.ports.find((p) => p.id === s.port);
  if (!port) throw new Error(`shipment ${s.id}: unknown port ${s.port}`);
  const pring = portRing(port);
  const zring = desc.zone.ring;
  // Departure: a run of reports inside the port lasting at least 2 h, then a report outside after the date.
  let exit: number | null = null;
  let runStart: number | null = null;
  for (let i = 0; i < own.length; i++) {
    const r = own[i];
    const inside = inRing(pring, r.lat, r.lon);
    if (inside) {
      if (runStart === null) runStart = r.t;
    } else {
      if (runStart !== null && own[i - 1].t - runStart >= 2 * HOUR_MS && r.t > s.date) {
        exit = r.t;
        break;
      }
      runStart = null;
    }
  }
  const departed = exit !== null;
  const leftZone = departed && own.some((r) => r.t > (exit as number) && !inRing(zring, r.lat, r.lon));
  const darkGapsH: number[] = [];
  const gapMs = (desc.terms.dark_period?.min_gap_hours ?? 6) * HOUR_MS;
  for (let i = 1; i < own.length; i++) {
    const a = own[i - 1],
      b = own[i];
    if (b.t - a.t > gapMs && (inRing(zring, a.lat, a.lon) || inRing(zring, b.lat, b.lon)))
      darkGapsH.push((b.t - a.t) / HOUR_MS);
  }
  // Encounters with every vessel that is not an inspector.
  const inspectorMmsi = new Set(desc.inspectors.map((i) => i.mmsi).filter((m): m is number => m !== undefined));
  const dmax = desc.terms.encounter?.distance_m ?? 500;
  const vmax = desc.terms.encounter?.max_speed_knots ?? 2;
  const need = (desc.terms.encounter?.min_duration_min ?? 120) * MINUTE_MS;
  const portRings = desc.ports.map(portRing);
  const encounters: { mmsi: number; minutes: number }[] = [];
  const others = new Map<number, Report[]>();
  for (const t of desc.tracks) {
    if (t.vessel.mmsi === s.vessel.mmsi || inspectorMmsi.has(t.vessel.mmsi)) continue;
    let r = cache.get(t.vessel.mmsi);
    if (!r) {
      r = desc.tracks
        .filter((x) => x.vessel.mmsi === t.vessel.mmsi)
        .flatMap(reportsOf)
        .sort((a, b) => a.t - b.t);
      cache.set(t.vessel.mmsi, r);
    }
    others.set(t.vessel.mmsi, r);
  }
  const step = MINUTE_MS;
  for (const [mmsi, rs] of others) {
    if (rs.length === 0 || own.length === 0) continue;
    const t0 = Math.max(rs[0].t, own[0].t);
    const t1 = Math.min(rs[rs.length - 1].t, own[own.length - 1].t);
    let runT: number | null = null;
    const speeds: number[] = [];
    let best = 0;
    const close = (endT: number): void => {
      if (runT === null) return;
      const sorted = speeds.slice().sort((x, y) => x - y);
      const med = sorted.length ? sorted[sorted.length >> 1] : Infinity;
      if (endT - runT >= need && med < vmax) best = Math.max(best, (endT - runT) / MINUTE_MS);
      runT = null;
      speeds.length = 0;
    };
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const a = at(own, t);
      const b = at(rs, t);
      // Cheap reject: far apart.
      const near =
        a &&
        b &&
        Math.abs(a.lat - b.lat) < 0.05 &&
        distanceM(a, b) <= dmax &&
        portRings.every((pr) => distToRing(pr, a.lat, a.lon) >= 10_000);
      if (near) {
        if (runT === null) runT = t;
        speeds.push(a.knots, b.knots);
      } else close(t - step);
    }
    close(t1);
    best = Math.max(best, underWay(desc, own, rs, t0, t1, portRings));
    if (best > 0) encounters.push({ mmsi, minutes: best });
  }
  const silentToEnd = departed && !leftZone && silentAndHeard(desc, s, own, others, cache);
  return { id: s.id, departed, exit, leftZone, darkGapsH, silentToEnd, encounters };
}

/**
 * A meeting under way, by the rules (minutes, 0 for none): within the
 * rendezvous distance for its duration at any speed, inside the zone, at
 * least 10 km from every port, holding station (the other vessel's position
 * relative to this one moving under 1 kn, end to end, over the duration).
 */
function underWay(
  desc: CaseDescription,
  own: Report[],
  rs: Report[],
  t0: number,
  t1: number,
  portRings: number[][][],
): number {
  const dmax = desc.terms.rendezvous?.distance_m ?? 1000;
  const need = (desc.terms.rendezvous?.min_duration_min ?? 15) * MINUTE_MS;
  const holdM = DEFAULT_PARAMS.meeting.maxRelativeKnots * KNOT_M_PER_S * (need / 1000);
  const step = MINUTE_MS;
  const rel = (t: number): [number, number] | null => {
    const a = at(own, t);
    const b = at(rs, t);
    if (!a || !b) return null;
    const cos = Math.cos((a.lat * Math.PI) / 180);
    return [(b.lon - a.lon) * cos * 111_195, (b.lat - a.lat) * 111_195];
  };
  let best = 0;
  let runT: number | null = null;
  const close = (endT: number): void => {
    if (runT === null || endT - runT < need) {
      runT = null;
      return;
    }
    let held = false;
    for (let t = runT; t + need <= endT && !held; t += step) {
      const x = rel(t);
      const y = rel(t + need);
      held = !!x && !!y && Math.hypot(y[0] - x[0], y[1] - x[1]) <= holdM;
    }
    if (held) best = Math.max(best, (endT - runT) / MINUTE_MS);
    runT = null;
  };
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const a = at(own, t);
    const b = at(rs, t);
    const near =
      a &&
      b &&
      Math.abs(a.lat - b.lat) < 0.05 &&
      distanceM(a, b) <= dmax &&
      inRing(desc.zone.ring, a.lat, a.lon) &&
      portRings.every((pr) => distToRing(pr, a.lat, a.lon) >= 10_000);
    if (near) {
      if (runT === null) runT = t;
    } else close(t - step);
  }
  close(t1);
  return best;
}

/**
 * Silent to the end, by the reception rule: the vessel's last report is
 * inside the zone, the AIS goes on at least a dark period's gap after it, and
 * enough other vessels are heard near its last position in the window after it.
 */
function silentAndHeard(
  desc: CaseDescription,
  s: ShipmentSpec,
  own: Report[],
  others: Map<number, Report[]>,
  cache: Map<number, Report[]>,
): boolean {
  const last = own[own.length - 1];
  if (!last || !inRing(desc.zone.ring, last.lat, last.lon)) return false;
  const gapMs = (desc.terms.dark_period?.min_gap_hours ?? 6) * HOUR_MS;
  const rp = DEFAULT_PARAMS.reception;
  let end = -Infinity;
  const all = new Map<number, Report[]>(others);
  for (const t of desc.tracks) {
    if (t.vessel.mmsi === s.vessel.mmsi) continue;
    if (!all.has(t.vessel.mmsi)) {
      const r =
        cache.get(t.vessel.mmsi) ?? desc.tracks.filter((x) => x.vessel.mmsi === t.vessel.mmsi).flatMap(reportsOf);
      all.set(t.vessel.mmsi, r);
    }
  }
  for (const rs of all.values()) for (const r of rs) end = Math.max(end, r.t);
  if (end - last.t < gapMs) return false;
  let heard = 0;
  for (const rs of all.values())
    if (rs.some((r) => r.t > last.t && r.t <= last.t + rp.windowMs && distanceM(r, last) <= rp.nearM)) heard++;
  return heard >= rp.minVessels;
}

/** The findings so far, each with what it does to the verdict of the case. */
class Findings {
  readonly list: TruthFinding[] = [];
  readonly effects = new Map<TruthFinding, Verdict>();

  add(code: ViolationCode, kind: SubjectKind, id: string, effect: Verdict): void {
    const f: TruthFinding = { code, subject: { kind, id } };
    this.list.push(f);
    this.effects.set(f, effect);
  }
}

/** The ground truth of a description, by the rules (see the module comment). */
export function deriveTruth(desc: CaseDescription): Truth {
  const findings = new Findings();
  const sites = siteTruth(desc, findings);
  const ships = shipmentTruth(desc, findings);
  const lots = lotTruth(desc, findings, sites.verdicts, ships.verdicts);
  const declared = desc.lots.reduce((a, l) => a + l.count, 0);
  const caseV: Verdict[] = [...Object.values(sites.verdicts), ...Object.values(ships.verdicts), ...Object.values(lots)];
  if (ships.accounted < declared) {
    findings.add('INVENTORY_SHORTFALL', 'case', desc.id, DISC);
    caseV.push(DISC);
  }
  if (desc.pinWrongLogKey) {
    findings.add('LOG_INCONSISTENT', 'log', 'log', DISC);
    caseV.push(DISC);
  }
  for (const f of findings.list) caseV.push(findings.effects.get(f) as Verdict);
  findings.list.sort((a, b) =>
    a.code < b.code ? -1 : a.code > b.code ? 1 : a.subject.id < b.subject.id ? -1 : a.subject.id > b.subject.id ? 1 : 0,
  );
  return {
    scenario: desc.scenario,
    seed: desc.seed,
    scale: desc.scale,
    violations: [...desc.violations],
    verdict: worst(...caseV),
    funnel: {
      declared,
      removed: sites.removed,
      departed: ships.departed,
      inspected: ships.inspected,
      left_zone: ships.leftZone,
    },
    findings: findings.list,
    lots,
    shipments: ships.verdicts,
    sites: sites.verdicts,
    notes: [...desc.truthNotes],
  };
}

/**
 * Imagery: every pass within the resolution cap; each site observed after
 * its deadline (the latest of its lots') and empty then. A pass observes
 * only when it is fine enough to show the items (at most half the smallest
 * declared width of the site's classes) and not under cloud (the
 * scenarios draw cloud over the whole scene, so any cover hides the site).
 * Items removed: the declared count less what the last usable pass after
 * the deadline shows.
 */
function siteTruth(desc: CaseDescription, findings: Findings): { verdicts: Record<string, Verdict>; removed: number } {
  const cap = desc.terms.resolution_cap_m;
  const deadlineOf = (site: string): number => {
    const ds = desc.lots
      .filter((l) => l.site === site)
      .map((l) => Date.parse(l.removal_deadline ?? desc.terms.removal_deadline));
    return ds.length ? Math.max(...ds) : Date.parse(desc.terms.removal_deadline);
  };
  const verdicts: Record<string, Verdict> = {};
  let removed = 0;
  for (const site of desc.sites) {
    const declaredHere = desc.lots.filter((l) => l.site === site.id).reduce((a, l) => a + l.count, 0);
    const passes = desc.passes.filter((p) => p.site === site.id);
    const v: Verdict[] = [];
    for (const p of passes) {
      if (p.gsd < cap) {
        findings.add('RESOLUTION_VIOLATION', 'evidence', `evidence/imagery/${p.id}.tif`, DISC);
        v.push(DISC);
      }
    }
    const classes = new Set(desc.lots.filter((l) => l.site === site.id).map((l) => l.item_class));
    const minWidth = Math.min(...desc.terms.item_classes.filter((c) => classes.has(c.id)).map((c) => c.width_m[0]));
    const shows = (p: PassSpec): boolean => p.gsd <= minWidth / 2 && !(p.cloudCover && p.cloudCover > 0);
    const after = passes
      .filter((p) => p.time > deadlineOf(site.id) && p.gsd >= cap && shows(p))
      .sort((a, b) => a.time - b.time);
    if (after.length === 0) {
      findings.add('SITE_UNOBSERVED', 'site', site.id, INC);
      v.push(INC);
    } else {
      const last = after[after.length - 1];
      if (last.count > 0) {
        findings.add('SITE_NOT_CLEARED', 'site', site.id, DISC);
        v.push(DISC);
      }
      removed += Math.max(0, declaredHere - last.count);
    }
    verdicts[site.id] = worst(...v);
  }
  return { verdicts, removed };
}

interface ShipmentTruth {
  verdicts: Record<string, Verdict>;
  /** Items departed, counted at the latest corroborated inspection, and out of the zone (the funnel). */
  departed: number;
  inspected: number;
  leftZone: number;
  /** Items accounted for: as inspected (at most as declared), or as declared where no inspection corroborates a count. */
  accounted: number;
}

/**
 * Shipments: each departed from its port, its inspection records
 * corroborated by AIS (the rendezvous), inspected at all, without dark
 * periods or undeclared encounters, and its count as declared.
 */
function shipmentTruth(desc: CaseDescription, findings: Findings): ShipmentTruth {
  const cache = new Map<number, Report[]>();
  const verdicts: Record<string, Verdict> = {};
  let departedN = 0,
    inspectedN = 0,
    leftN = 0,
    accounted = 0;
  for (const s of desc.shipments) {
    const c = checkShipment(desc, s, cache);
    const v: Verdict[] = [];
    const recs = desc.inspections.filter((r) => r.vessel_mmsi === s.vessel.mmsi);
    const checks = recs.map((r) => ({ r, c: checkInspection(desc, r, cache) }));
    for (const { r, c: ic } of checks) {
      if (!ic.corroborated) {
        const eff = ic.withAis ? DISC : INC;
        findings.add('INSPECTION_UNCORROBORATED', 'inspection', r.id, eff);
        v.push(eff);
      }
    }
    const good = checks.filter((x) => x.c.corroborated).sort((a, b) => a.r.time - b.r.time);
    const latest = good.length ? good[good.length - 1].r : null;
    if (!c.departed) {
      findings.add('SHIPMENT_NOT_DEPARTED', 'shipment', s.id, DISC);
      v.push(DISC);
    } else {
      departedN += s.count;
      if (recs.length === 0) {
        findings.add('SHIPMENT_UNINSPECTED', 'shipment', s.id, INC);
        v.push(INC);
      }
      if (c.darkGapsH.length > 0 || c.silentToEnd) {
        findings.add('DARK_PERIOD', 'shipment', s.id, DISC);
        v.push(DISC);
      }
    }
    // Never seen leaving the zone: unconfirmed (missing coverage, unless dark above).
    if (c.departed && !c.leftZone) v.push(INC);
    if (c.encounters.length > 0) {
      findings.add('UNDECLARED_ENCOUNTER', 'shipment', s.id, DISC);
      v.push(DISC);
    }
    // Per shipment, at most what it declared: a surplus never fills another shipment's shortfall.
    const aboard = Math.min(latest ? latest.observed_count : s.count, s.count);
    if (latest) {
      inspectedN += aboard;
      if (latest.observed_count !== s.count) {
        findings.add('COUNT_MISMATCH', 'shipment', s.id, DISC);
        v.push(DISC);
      }
    }
    accounted += aboard;
    if (c.leftZone) leftN += aboard;
    verdicts[s.id] = worst(...v);
  }
  return { verdicts, departed: departedN, inspected: inspectedN, leftZone: leftN, accounted };
}

/** Lots: the verdict of their site and shipments, and a reveal that matches the commitment. */
function lotTruth(
  desc: CaseDescription,
  findings: Findings,
  siteVerdict: Record<string, Verdict>,
  shipVerdict: Record<string, Verdict>,
): Record<string, Verdict> {
  const verdicts: Record<string, Verdict> = {};
  for (const l of desc.lots) {
    const v: Verdict[] = [siteVerdict[l.site] ?? 'VERIFIED'];
    if (l.tamperReveal && l.challengeK) {
      findings.add('COMMITMENT_MISMATCH', 'lot', l.id, DISC);
      v.push(DISC);
    }
    for (const s of desc.shipments) if (s.lots.includes(l.id)) v.push(shipVerdict[s.id]);
    verdicts[l.id] = worst(...v);
  }
  return verdicts;
}
