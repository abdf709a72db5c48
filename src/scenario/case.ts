/**
 * Whole verification cases from a scenario description: the generic writer.
 *
 * A scenario (strait.ts, cuba-1962.ts) describes a case: parties, sites,
 * ports, zone, lots, shipments, imagery passes (how many items each shows),
 * inspection records and every vessel's path with its report times. This
 * module turns the description into a case directory in the format of
 * src/case/types.ts (case.yaml, GeoJSON geography, GeoTIFF scenes, AIS as
 * NMEA with tag blocks and as MarineCadastre CSV, inspection records,
 * commitments and reveals, keys) and derives the ground truth (truth.json)
 * from the description by the verification rules of the design, never by
 * running the verifier.
 *
 * Everything random comes from seeded generators keyed by a label, so that
 * a seeded violation changes only what it means to change and the same seed
 * gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify as yamlStringify } from 'yaml';
import { encodeSentences, type EncodableRecord } from '../ais/index.js';
import { writeGeoTiff } from '../imagery/index.js';
import { fromWgs84 } from '../imagery/index.js';
import {
  commitLot,
  drawChallenge,
  reveal,
  secretsFile,
  seedCommitment,
  toHex,
  type Descriptor,
} from '../ledger/index.js';
import { Ed25519NoteSigner, formatSignerKey, SIG_TYPE_ED25519 } from '../ledger/index.js';
import {
  CASE_FORMAT,
  INSPECTION_FORMAT,
  type CaseManifest,
  type InspectionRecord,
  type Inspector,
  type InspectorKind,
  type ProvenanceNote,
  type Terms,
  type PartyRole,
  type GeoJsonCollection,
} from '../case/index.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, NAUTICAL_MILE_M } from '../util/index.js';
import { Random } from './random.js';
import { renderScene, type SceneObject } from './scenes.js';
import { writeMarineCadastreCsv, type CsvFixtureRow } from './csv.js';
import {
  bearingDeg,
  distanceM,
  inRing,
  quantAis,
  velocity,
  destination,
  route,
  type LatLon,
  type Path,
} from './paths.js';

/** The finding codes a scenario can seed (`--violate CODE`). */
export const VIOLATION_CODES = [
  'SITE_NOT_CLEARED',
  'SITE_UNOBSERVED',
  'SHIPMENT_NOT_DEPARTED',
  'SHIPMENT_UNINSPECTED',
  'INSPECTION_UNCORROBORATED',
  'COUNT_MISMATCH',
  'INVENTORY_SHORTFALL',
  'DARK_PERIOD',
  'UNDECLARED_ENCOUNTER',
  'RESOLUTION_VIOLATION',
  'COMMITMENT_MISMATCH',
  'LOG_INCONSISTENT',
] as const;
export type ViolationCode = (typeof VIOLATION_CODES)[number];

export type Verdict = 'VERIFIED' | 'INCOMPLETE' | 'DISCREPANCY';
export type SubjectKind = 'site' | 'shipment' | 'inspection' | 'case' | 'evidence' | 'lot' | 'log';

export interface TruthFinding {
  code: ViolationCode;
  subject: { kind: SubjectKind; id: string };
}

export interface Truth {
  scenario: string;
  seed: number;
  scale: number;
  violations: ViolationCode[];
  verdict: Verdict;
  funnel: { declared: number; removed: number; departed: number; inspected: number; left_zone: number };
  findings: TruthFinding[];
  lots: Record<string, Verdict>;
  shipments: Record<string, Verdict>;
  sites: Record<string, Verdict>;
  notes: string[];
}

// ---------------------------------------------------------------------------
// The description

export interface VesselSpec {
  mmsi: number;
  name: string;
  imo?: number;
  callsign: string;
  shiptype: number;
  length: number;
  beam: number;
  draught: number;
  destination: string;
}

/** One vessel's AIS: its path, report times (whole seconds, rising) and the evidence file it goes to. */
export interface TrackSpec {
  vessel: VesselSpec;
  role: 'shipment' | 'inspector' | 'background';
  path: Path;
  times: number[];
  /** Evidence path (relative to the case) of the AIS file this track is written to. */
  file: string;
}

export interface AisFileSpec {
  path: string;
  format: 'nmea' | 'marinecadastre';
  source: string;
  method: string;
  submitted_by: string;
  /** Receiving stations named in tag blocks (NMEA). */
  stations: string[];
}

export interface SiteSpec {
  id: string;
  name: string;
  lat: number;
  lon: number;
  /** Half the side of the (square) site polygon, metres. */
  halfM: number;
  /** UTM EPSG code of the scenes. */
  epsg: number;
  properties?: Record<string, unknown>;
}

export interface PassSpec {
  /** File stem: evidence/imagery/<id>.tif */
  id: string;
  site: string;
  time: number;
  gsd: number;
  /** Items of the site's class on the ground at the time of the pass. */
  count: number;
  sensor: string;
  source: string;
  method: string;
  submitted_by: string;
}

export interface PortSpec {
  id: string;
  name: string;
  lat: number;
  lon: number;
  halfM: number;
}

export interface LotSpec {
  id: string;
  site: string;
  item_class: string;
  count: number;
  /** Challenge k items (the inspecting party's seed drawn from the scenario's random stream). */
  challengeK?: number;
  /** The reveal's first item has its descriptor altered after committing (COMMITMENT_MISMATCH). */
  tamperReveal?: boolean;
  removal_deadline?: string;
}

export interface ShipmentSpec {
  id: string;
  vessel: VesselSpec;
  port: string;
  date: number;
  count: number;
  lots: string[];
}

export interface InspectionSpec {
  id: string;
  inspector: string;
  kind: InspectorKind;
  vessel_mmsi: number;
  vessel_name: string;
  time: number;
  position: LatLon;
  observed_count: number;
  method: string;
  notes?: string;
}

export interface CaseDescription {
  scenario: string;
  seed: number;
  scale: number;
  violations: ViolationCode[];
  id: string;
  name: string;
  description: string;
  notes: ProvenanceNote[];
  parties: { id: string; name: string; role: PartyRole }[];
  declaringParty: string;
  inspectors: Inspector[];
  terms: Terms;
  sites: SiteSpec[];
  ports: PortSpec[];
  zone: { id: string; name: string; ring: number[][] };
  lots: LotSpec[];
  shipments: ShipmentSpec[];
  passes: PassSpec[];
  inspections: InspectionSpec[];
  tracks: TrackSpec[];
  aisFiles: AisFileSpec[];
  /** Pin manifest.log.verifier_key to another key than keys/operator.key (LOG_INCONSISTENT). */
  pinWrongLogKey?: boolean;
  /** Notes for truth.json (what was seeded and how). */
  truthNotes: string[];
}

// ---------------------------------------------------------------------------
// Seeded helpers

/** A 32-bit seed for a labelled stream: the same (seed, label) always gives the same stream. */
export function subSeed(seed: number, label: string): number {
  const h = createHash('sha256')
    .update(`${seed >>> 0}/${label}`)
    .digest();
  return h.readUInt32BE(0);
}

export function rngFor(seed: number, label: string): Random {
  return new Random(subSeed(seed, label));
}

/** n bytes from a Random. */
export function randomBytesFrom(rng: Random): (n: number) => Uint8Array {
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = rng.uint32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  };
}

/** Whole-second report times from t0 to t1 (t0 included), intervals uniform in [minS, maxS] s, optionally silent in (skip0, skip1). */
export function reportTimes(
  rng: Random,
  t0: number,
  t1: number,
  minS: number,
  maxS: number,
  skips: [number, number][] = [],
): number[] {
  const out: number[] = [];
  let t = Math.round(t0 / 1000) * 1000;
  while (t <= t1) {
    if (!skips.some(([a, b]) => t > a && t < b)) out.push(t);
    t += rng.int(minS, maxS) * 1000;
  }
  return out;
}

/** Merges report time lists (dense during meetings), keeping whole seconds, unique, rising. */
export function mergeTimes(...lists: number[][]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

export function vesselSpec(
  rng: Random,
  mmsi: number,
  name: string,
  shiptype: number,
  destination: string,
  imo?: number,
): VesselSpec {
  let callsign = '';
  for (let c = 0; c < 4; c++) callsign += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[rng.int(0, 25)];
  const length = shiptype === 35 ? rng.int(110, 135) : rng.int(120, 170);
  const v: VesselSpec = {
    mmsi,
    name: name.toUpperCase().slice(0, 20),
    callsign,
    shiptype,
    length,
    beam: Math.max(10, Math.round(length / 7)),
    draught: Math.round(rng.range(5, 9) * 10) / 10,
    destination: destination.toUpperCase().slice(0, 20),
  };
  if (imo !== undefined) v.imo = imo;
  return v;
}

/** A square polygon ring (lon/lat, closed, counter-clockwise) of half side `halfM` around a point. */
export function squareRing(lat: number, lon: number, halfM: number): number[][] {
  const dLat = halfM / 111_195;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  const r = (x: number): number => Math.round(x * 1e7) / 1e7;
  const w = r(lon - dLon),
    e = r(lon + dLon),
    s = r(lat - dLat),
    n = r(lat + dLat);
  return [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ];
}

export function boxRing(west: number, south: number, east: number, north: number): number[][] {
  return [
    [west, south],
    [east, south],
    [east, north],
    [west, north],
    [west, south],
  ];
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The position a report at t carries (as sent: quantised). */
export function sentAt(track: TrackSpec, t: number): LatLon {
  const p = track.path(t);
  return { lat: quantAis(p.lat), lon: quantAis(p.lon) };
}

/**
 * An inspector ship's path: steams in from `fromBearing` at `knots`, runs
 * alongside the vessel at `sideM` metres abeam (starboard) from t0 to t1,
 * then leaves the way it came. `awayM`: instead keeps that far off abeam
 * the whole time (an inspection its AIS cannot corroborate).
 */
export function alongsidePath(
  vessel: Path,
  t0: number,
  t1: number,
  opts: { sideM: number; knots: number; approachMs: number; fromBearing: number; awayM?: number },
): Path {
  const abeam = (t: number): number => {
    const v = velocity(vessel, t, 30_000);
    return Number.isFinite(v.course) ? (v.course + 90) % 360 : 90;
  };
  if (opts.awayM !== undefined) {
    const d = opts.awayM;
    return (t) => destination(vessel(t), abeam(t), d);
  }
  const side = (t: number): LatLon => destination(vessel(t), abeam(t), opts.sideM);
  const p0 = side(t0);
  const p1 = side(t1);
  const run = (opts.knots * NAUTICAL_MILE_M * opts.approachMs) / HOUR_MS;
  const a = destination(p0, opts.fromBearing, run);
  const b = destination(p1, opts.fromBearing, run);
  return (t) => {
    if (t < t0) {
      const f = Math.max(0, 1 - (t0 - t) / opts.approachMs);
      return interp(a, p0, f);
    }
    if (t <= t1) return side(t);
    const f = Math.min(1, (t - t1) / opts.approachMs);
    return interp(p1, b, f);
  };
}

function interp(a: LatLon, b: LatLon, f: number): LatLon {
  const d = distanceM(a, b);
  if (d === 0 || f <= 0) return { lat: a.lat, lon: a.lon };
  if (f >= 1) return { lat: b.lat, lon: b.lon };
  const brg = bearing(a, b);
  return destination(a, brg, d * f);
}

function bearing(a: LatLon, b: LatLon): number {
  const D = Math.PI / 180;
  const y = Math.sin((b.lon - a.lon) * D) * Math.cos(b.lat * D);
  const x =
    Math.cos(a.lat * D) * Math.sin(b.lat * D) -
    Math.sin(a.lat * D) * Math.cos(b.lat * D) * Math.cos((b.lon - a.lon) * D);
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

// ---------------------------------------------------------------------------
// Keys

export interface KeyPair {
  signerKey: string;
  verifierKey: string;
}

/** A deterministic Ed25519 signed-note key pair named `name`, from 32 seeded bytes. */
export function seededKey(name: string, rng: Random): KeyPair {
  const seed = randomBytesFrom(rng)(32);
  const signer = new Ed25519NoteSigner(name, seed);
  return { signerKey: formatSignerKey(name, SIG_TYPE_ED25519, signer.keyId, seed), verifierKey: signer.verifierKey() };
}

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

function ringOfPort(p: PortSpec): number[][] {
  return squareRing(p.lat, p.lon, p.halfM);
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
  const pring = ringOfPort(port);
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
  const portRings = desc.ports.map(ringOfPort);
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
    if (best > 0) encounters.push({ mmsi, minutes: best });
  }
  return { id: s.id, departed, exit, leftZone, darkGapsH, encounters };
}

/** The ground truth of a description, by the rules (see the module comment). */
export function deriveTruth(desc: CaseDescription): Truth {
  const findings: TruthFinding[] = [];
  const effects = new Map<TruthFinding, Verdict>();
  const add = (code: ViolationCode, kind: SubjectKind, id: string, effect: Verdict): void => {
    const f: TruthFinding = { code, subject: { kind, id } };
    findings.push(f);
    effects.set(f, effect);
  };
  const cap = desc.terms.resolution_cap_m;
  const deadlineOf = (site: string): number => {
    const ds = desc.lots
      .filter((l) => l.site === site)
      .map((l) => Date.parse(l.removal_deadline ?? desc.terms.removal_deadline));
    return ds.length ? Math.max(...ds) : Date.parse(desc.terms.removal_deadline);
  };
  // Imagery.
  const siteVerdict: Record<string, Verdict> = {};
  let removed = 0;
  for (const site of desc.sites) {
    const declaredHere = desc.lots.filter((l) => l.site === site.id).reduce((a, l) => a + l.count, 0);
    const passes = desc.passes.filter((p) => p.site === site.id);
    const v: Verdict[] = [];
    for (const p of passes) {
      if (p.gsd < cap) {
        add('RESOLUTION_VIOLATION', 'evidence', `evidence/imagery/${p.id}.tif`, DISC);
        v.push(DISC);
      }
    }
    const after = passes.filter((p) => p.time > deadlineOf(site.id) && p.gsd >= cap).sort((a, b) => a.time - b.time);
    if (after.length === 0) {
      add('SITE_UNOBSERVED', 'site', site.id, INC);
      v.push(INC);
    } else {
      const last = after[after.length - 1];
      if (last.count > 0) {
        add('SITE_NOT_CLEARED', 'site', site.id, DISC);
        v.push(DISC);
      }
      removed += Math.max(0, declaredHere - last.count);
    }
    siteVerdict[site.id] = worst(...v);
  }
  // Shipments and inspections.
  const cache = new Map<number, Report[]>();
  const shipVerdict: Record<string, Verdict> = {};
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
        add('INSPECTION_UNCORROBORATED', 'inspection', r.id, eff);
        v.push(eff);
      }
    }
    const good = checks.filter((x) => x.c.corroborated).sort((a, b) => a.r.time - b.r.time);
    const latest = good.length ? good[good.length - 1].r : null;
    if (!c.departed) {
      add('SHIPMENT_NOT_DEPARTED', 'shipment', s.id, DISC);
      v.push(DISC);
    } else {
      departedN += s.count;
      if (recs.length === 0) {
        add('SHIPMENT_UNINSPECTED', 'shipment', s.id, INC);
        v.push(INC);
      }
      if (c.darkGapsH.length > 0) {
        add('DARK_PERIOD', 'shipment', s.id, DISC);
        v.push(DISC);
      }
    }
    if (c.encounters.length > 0) {
      add('UNDECLARED_ENCOUNTER', 'shipment', s.id, DISC);
      v.push(DISC);
    }
    if (latest) {
      inspectedN += latest.observed_count;
      if (latest.observed_count !== s.count) {
        add('COUNT_MISMATCH', 'shipment', s.id, DISC);
        v.push(DISC);
      }
    }
    accounted += latest ? latest.observed_count : s.count;
    if (c.leftZone) leftN += latest ? latest.observed_count : s.count;
    shipVerdict[s.id] = worst(...v);
  }
  // Lots.
  const declared = desc.lots.reduce((a, l) => a + l.count, 0);
  const lotVerdict: Record<string, Verdict> = {};
  for (const l of desc.lots) {
    const v: Verdict[] = [siteVerdict[l.site] ?? 'VERIFIED'];
    if (l.tamperReveal && l.challengeK) {
      add('COMMITMENT_MISMATCH', 'lot', l.id, DISC);
      v.push(DISC);
    }
    for (const s of desc.shipments) if (s.lots.includes(l.id)) v.push(shipVerdict[s.id]);
    lotVerdict[l.id] = worst(...v);
  }
  const caseV: Verdict[] = [...Object.values(siteVerdict), ...Object.values(shipVerdict), ...Object.values(lotVerdict)];
  if (accounted < declared) {
    add('INVENTORY_SHORTFALL', 'case', desc.id, DISC);
    caseV.push(DISC);
  }
  if (desc.pinWrongLogKey) {
    add('LOG_INCONSISTENT', 'log', 'log', DISC);
    caseV.push(DISC);
  }
  for (const f of findings) caseV.push(effects.get(f) as Verdict);
  findings.sort((a, b) =>
    a.code < b.code ? -1 : a.code > b.code ? 1 : a.subject.id < b.subject.id ? -1 : a.subject.id > b.subject.id ? 1 : 0,
  );
  return {
    scenario: desc.scenario,
    seed: desc.seed,
    scale: desc.scale,
    violations: [...desc.violations],
    verdict: worst(...caseV),
    funnel: { declared, removed, departed: departedN, inspected: inspectedN, left_zone: leftN },
    findings,
    lots: lotVerdict,
    shipments: shipVerdict,
    sites: siteVerdict,
    notes: [...desc.truthNotes],
  };
}

// ---------------------------------------------------------------------------
// Scenes

export interface SceneLayout {
  epsg: number;
  originE: number;
  originN: number;
  widthM: number;
  heightM: number;
  /** Item places (metres from the top-left corner) for the site's full declared count. */
  slots: { x_m: number; y_m: number; heading_deg: number }[];
}

/** Where a site's scene lies and where its items stand (the same for every pass). */
export function sceneLayout(site: SiteSpec, itemsMax: number, rng: Random): SceneLayout {
  const marginM = 40;
  const side = 2 * site.halfM + 2 * marginM;
  const [cE, cN] = fromWgs84(site.epsg, site.lon, site.lat);
  const originE = Math.round(cE - side / 2);
  const originN = Math.round(cN + side / 2);
  const cols = Math.max(1, Math.ceil(Math.sqrt(itemsMax)));
  const rows = Math.max(1, Math.ceil(itemsMax / cols));
  const pitch = 40;
  if (((Math.max(cols, rows) - 1) * pitch) / 2 + 20 > site.halfM - 10)
    throw new Error(`site ${site.id}: ${itemsMax} items do not fit in ±${site.halfM} m`);
  const slots: SceneLayout['slots'] = [];
  for (let k = 0; k < itemsMax; k++) {
    const r = Math.floor(k / cols),
      c = k % cols;
    const e = cE + (c - (cols - 1) / 2) * pitch + rng.range(-3, 3);
    const n = cN - (r - (rows - 1) / 2) * pitch + rng.range(-3, 3);
    slots.push({ x_m: e - originE, y_m: originN - n, heading_deg: rng.range(0, 180) });
  }
  return { epsg: site.epsg, originE, originN, widthM: side, heightM: side, slots };
}

// ---------------------------------------------------------------------------
// Writing

function vesselStatics(v: VesselSpec, t: number): EncodableRecord {
  const toBow = Math.round(v.length * 0.6);
  const toPort = Math.floor(v.beam / 2);
  const eta = new Date(t + 2 * DAY_MS);
  const p = (x: number): string => String(x).padStart(2, '0');
  return {
    type: 5,
    repeat: 0,
    mmsi: v.mmsi,
    ais_version: 0,
    imo: v.imo ?? 0,
    callsign: v.callsign,
    shipname: v.name,
    shiptype: v.shiptype,
    to_bow: toBow,
    to_stern: v.length - toBow,
    to_port: toPort,
    to_starboard: v.beam - toPort,
    epfd: 1,
    eta: `${p(eta.getUTCMonth() + 1)}-${p(eta.getUTCDate())}T${p(eta.getUTCHours())}:00Z`,
    draught: v.draught,
    destination: v.destination,
    dte: 0,
  };
}

/** The NMEA text of some tracks: types 1/3 positions, type 5 statics every hour, tag blocks with receive time and station. */
export function tracksNmea(tracks: TrackSpec[], stations: string[], rng: Random): string {
  interface Item {
    time: number;
    order: number;
    record: EncodableRecord;
  }
  const items: Item[] = [];
  tracks.forEach((track, ti) => {
    const v = track.vessel;
    let lastCourse = 0;
    let nextStatic = -Infinity;
    track.times.forEach((t, k) => {
      const order = ti * 10_000_000 + k * 4;
      if (t >= nextStatic) {
        nextStatic = t + HOUR_MS;
        items.push({ time: t, order, record: vesselStatics(v, t) });
      }
      const p = sentAt(track, t);
      const vel = velocity(track.path, t);
      const knots = Math.min(102.2, Math.round(vel.knots * 10) / 10);
      if (Number.isFinite(vel.course) && vel.knots >= 0.05) lastCourse = vel.course;
      const course = knots === 0 ? null : (Math.round(lastCourse * 10) / 10) % 360;
      const status = vel.knots < 0.05 ? 5 : 0;
      items.push({
        time: t,
        order: order + 1,
        record: {
          type: rng.chance(0.2) ? 3 : 1,
          repeat: 0,
          mmsi: v.mmsi,
          status,
          turn: 0,
          speed: knots,
          accuracy: false,
          lon: p.lon,
          lat: p.lat,
          course,
          heading: Math.round(lastCourse) % 360,
          second: new Date(t).getUTCSeconds(),
          maneuver: 0,
          raim: false,
          radio: 0,
        },
      });
    });
  });
  items.sort((a, b) => a.time - b.time || a.order - b.order);
  const lines: string[] = [];
  let seq = 0;
  for (const it of items) {
    const ls = encodeSentences(it.record, {
      time: it.time,
      station: rng.pick(stations),
      channel: rng.chance(0.5) ? 'A' : 'B',
      sequence: seq,
    });
    if (ls.length > 1) seq = (seq + 1) % 10;
    for (const l of ls) lines.push(l);
  }
  return lines.join('\n') + '\n';
}

/** MarineCadastre CSV rows of some tracks (positions with the statics on every row). */
export function tracksCsv(tracks: TrackSpec[]): string {
  const rows: CsvFixtureRow[] = [];
  for (const track of tracks) {
    const v = track.vessel;
    let lastCourse = 0;
    for (const t of track.times) {
      const p = sentAt(track, t);
      const vel = velocity(track.path, t);
      const knots = Math.min(102.2, Math.round(vel.knots * 10) / 10);
      if (Number.isFinite(vel.course) && vel.knots >= 0.05) lastCourse = vel.course;
      rows.push({
        timeMs: t,
        mmsi: v.mmsi,
        lat: Math.round(p.lat * 1e5) / 1e5,
        lon: Math.round(p.lon * 1e5) / 1e5,
        speed: knots,
        course: knots === 0 ? null : (Math.round(lastCourse * 10) / 10) % 360,
        heading: Math.round(lastCourse) % 360,
        status: vel.knots < 0.05 ? 5 : 0,
        shipname: v.name,
        callsign: v.callsign,
        imo: v.imo ?? null,
        shiptype: v.shiptype,
        draught: v.draught,
        destination: v.destination,
        length: v.length,
        width: v.beam,
      });
    }
  }
  rows.sort((a, b) => a.timeMs - b.timeMs || a.mmsi - b.mmsi);
  return writeMarineCadastreCsv(rows);
}

/** Thrown when the output directory cannot be written to (not empty, not a previous case). */
export class CaseDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaseDirError';
  }
}

/** Makes `dir` ready: created when missing; a previous generated case is cleared with `force`; anything else non-empty is refused. */
export function prepareCaseDir(dir: string, force: boolean): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    return;
  }
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  const previous = entries.includes('case.yaml') && entries.includes('truth.json');
  if (!previous)
    throw new CaseDirError(`${dir} is not empty and does not hold a generated case: choose an empty or new directory`);
  if (!force) throw new CaseDirError(`${dir} holds a previously generated case: pass --force to replace it`);
  // The markers go last, so that an interrupted clearing can be resumed with --force.
  const markers = ['case.yaml', 'truth.json'];
  for (const e of entries) if (!markers.includes(e)) rmSync(join(dir, e), { recursive: true, force: true });
  for (const e of markers) rmSync(join(dir, e), { force: true });
}

const collection = (features: GeoJsonCollection['features']): GeoJsonCollection => ({
  type: 'FeatureCollection',
  features,
});

/** Writes the case described into `dir` (which must be ready); returns the files written, relative to `dir`, sorted. */
export async function writeCase(desc: CaseDescription, dir: string, truth: Truth): Promise<string[]> {
  const files: string[] = [];
  const put = (rel: string, data: string | Uint8Array): void => {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    files.push(rel);
  };
  const json = (x: unknown): string => JSON.stringify(x, null, 1) + '\n';

  // Keys.
  const origin = `tally.invalid/case/${desc.id}`;
  const operator = seededKey(origin, rngFor(desc.seed, 'key/operator'));
  put('keys/operator.key', operator.signerKey + '\n');
  const partyKeys = desc.parties.map((p) => {
    const k = seededKey(`tally.invalid/party/${p.id}`, rngFor(desc.seed, `key/party/${p.id}`));
    put(`keys/${p.id}.key`, k.signerKey + '\n');
    return k;
  });
  const pinned = desc.pinWrongLogKey
    ? seededKey(origin, rngFor(desc.seed, 'key/operator/other')).verifierKey
    : operator.verifierKey;

  // Geography.
  put(
    'geography/sites.geojson',
    json(
      collection(
        desc.sites.map((s) => ({
          type: 'Feature',
          properties: { id: s.id, name: s.name, ...(s.properties ?? {}) },
          geometry: { type: 'Polygon', coordinates: [squareRing(s.lat, s.lon, s.halfM)] },
        })),
      ),
    ),
  );
  put(
    'geography/ports.geojson',
    json(
      collection(
        desc.ports.map((p) => ({
          type: 'Feature',
          properties: { id: p.id, name: p.name },
          geometry: { type: 'Polygon', coordinates: [ringOfPort(p)] },
        })),
      ),
    ),
  );
  put(
    'geography/zone.geojson',
    json(
      collection([
        {
          type: 'Feature',
          properties: { id: desc.zone.id, name: desc.zone.name },
          geometry: { type: 'Polygon', coordinates: [desc.zone.ring] },
        },
      ]),
    ),
  );

  // Commitments, challenges and reveals.
  const roots = new Map<string, string>();
  const challenges: NonNullable<CaseManifest['evidence']['challenges']> = [];
  const classOf = (id: string): string => desc.terms.item_classes.find((c) => c.id === id)?.name ?? id;
  for (const l of desc.lots) {
    const items: Descriptor[] = Array.from({ length: l.count }, (_, i) => ({
      class: l.item_class,
      lot: l.id,
      serial: `${l.item_class}-${l.id}-${String(i + 1).padStart(3, '0')}`,
    }));
    const lot = commitLot(items, randomBytesFrom(rngFor(desc.seed, `salts/${l.id}`)));
    roots.set(l.id, lot.root);
    const secrets = secretsFile(lot, classOf(l.item_class));
    put(`private/${l.id}.secrets.json`, json(secrets));
    if (l.challengeK) {
      const seed = randomBytesFrom(rngFor(desc.seed, `challenge/${l.id}`))(32);
      const k = Math.min(l.challengeK, l.count);
      const indices = drawChallenge(seed, lot.root, l.count, k);
      const rev = reveal(secrets, indices);
      if (l.tamperReveal)
        rev.items[0].descriptor = {
          ...rev.items[0].descriptor,
          serial: `${String(rev.items[0].descriptor.serial)}-ALTERED`,
        };
      const path = `evidence/reveals/${l.id}.json`;
      put(path, json(rev));
      challenges.push({
        lot: l.id,
        seed_commitment: toHex(seedCommitment(seed)),
        seed: toHex(seed),
        k,
        path,
        source: 'declaring party reveal',
        submitted_by: desc.declaringParty,
      });
    }
  }

  // Imagery.
  const imagery: NonNullable<CaseManifest['evidence']['imagery']> = [];
  const cls = (id: string) => desc.terms.item_classes.find((c) => c.id === id);
  for (const site of desc.sites) {
    const passes = desc.passes.filter((p) => p.site === site.id);
    if (passes.length === 0) continue;
    const lot = desc.lots.find((l) => l.site === site.id);
    const ic = cls(lot?.item_class ?? desc.terms.item_classes[0].id) ?? desc.terms.item_classes[0];
    const maxItems = Math.max(...passes.map((p) => p.count), 1);
    const layout = sceneLayout(site, maxItems, rngFor(desc.seed, `layout/${site.id}`));
    const len = (ic.length_m[0] + ic.length_m[1]) / 2;
    const wid = Math.min(ic.width_m[1] - 0.3, Math.max(ic.width_m[0] + 0.3, 2.8));
    for (const p of passes) {
      const objects: SceneObject[] = layout.slots.slice(0, p.count).map((s) => ({
        ...s,
        length_m: len,
        width_m: wid,
        polarity: 'bright',
        contrast: 45,
      }));
      const scene = renderScene(
        {
          widthM: layout.widthM,
          heightM: layout.heightM,
          gsd: p.gsd,
          epsg: layout.epsg,
          originE: layout.originE,
          originN: layout.originN,
          terrain: { base: 100, contrast: 6, octaves: 3 },
          noise: 2,
          objects,
        },
        subSeed(desc.seed, `scene/${p.id}`),
      );
      const rel = `evidence/imagery/${p.id}.tif`;
      const abs = join(dir, rel);
      mkdirSync(dirname(abs), { recursive: true });
      await writeGeoTiff(abs, scene.raster, {
        compression: 'deflate',
        description: `tally synthetic scene ${p.id} of ${site.id} at ${iso(p.time)}, GSD ${p.gsd} m (scenario ${desc.scenario}, seed ${desc.seed})`,
      });
      files.push(rel);
      imagery.push({
        path: rel,
        site: p.site,
        time: iso(p.time),
        sensor: p.sensor,
        source: p.source,
        method: p.method,
        submitted_by: p.submitted_by,
        captured: iso(p.time),
      });
    }
  }

  // AIS.
  const ais: NonNullable<CaseManifest['evidence']['ais']> = [];
  for (const f of desc.aisFiles) {
    const tracks = desc.tracks.filter((t) => t.file === f.path && t.times.length > 0);
    const text =
      f.format === 'nmea' ? tracksNmea(tracks, f.stations, rngFor(desc.seed, `nmea/${f.path}`)) : tracksCsv(tracks);
    put(f.path, text);
    const first = Math.min(...tracks.map((t) => t.times[0]));
    ais.push({
      path: f.path,
      source: f.source,
      method: f.method,
      submitted_by: f.submitted_by,
      ...(Number.isFinite(first) ? { captured: iso(first) } : {}),
    });
  }

  // Inspections.
  const inspections: NonNullable<CaseManifest['evidence']['inspections']> = [];
  for (const r of desc.inspections) {
    const rec: InspectionRecord = {
      format: INSPECTION_FORMAT,
      id: r.id,
      inspector: r.inspector,
      kind: r.kind,
      vessel_mmsi: r.vessel_mmsi,
      vessel_name: r.vessel_name,
      time: iso(r.time),
      position: { lat: Math.round(r.position.lat * 1e5) / 1e5, lon: Math.round(r.position.lon * 1e5) / 1e5 },
      observed_count: r.observed_count,
      method: r.method,
      item_class: desc.lots[0]?.item_class ?? desc.terms.item_classes[0].id,
    };
    if (r.notes) rec.notes = r.notes;
    const path = `evidence/inspections/${r.id}.json`;
    put(path, json(rec));
    const insp = desc.inspectors.find((i) => i.id === r.inspector);
    inspections.push({
      path,
      source: insp?.name ?? r.inspector,
      method: r.method,
      submitted_by: insp?.party ?? desc.parties[0].id,
      captured: iso(r.time),
    });
  }

  // The manifest.
  const manifest: CaseManifest = {
    format: CASE_FORMAT,
    id: desc.id,
    name: desc.name,
    description: desc.description,
    notes: desc.notes,
    log: { origin, verifier_key: pinned },
    parties: desc.parties.map((p, i) => ({ ...p, public_key: partyKeys[i].verifierKey })),
    inspectors: desc.inspectors,
    terms: desc.terms,
    geography: { sites: 'geography/sites.geojson', ports: 'geography/ports.geojson', zone: 'geography/zone.geojson' },
    declarations: {
      party: desc.declaringParty,
      lots: desc.lots.map((l) => ({
        id: l.id,
        site: l.site,
        item_class: l.item_class,
        count: l.count,
        root: roots.get(l.id) as string,
        ...(l.removal_deadline ? { removal_deadline: l.removal_deadline } : {}),
      })),
      shipments: desc.shipments.map((s) => ({
        id: s.id,
        vessel: { mmsi: s.vessel.mmsi, ...(s.vessel.imo ? { imo: s.vessel.imo } : {}), name: s.vessel.name },
        port: s.port,
        date: iso(s.date),
        count: s.count,
        lots: s.lots,
      })),
    },
    evidence: { ais, imagery, inspections, ...(challenges.length ? { challenges } : {}) },
  };
  put(
    'case.yaml',
    `# Generated by tally scenario generate ${desc.scenario} --seed ${desc.seed} --scale ${desc.scale}` +
      `${desc.violations.map((v) => ` --violate ${v}`).join('')}\n` +
      yamlStringify(manifest, { lineWidth: 0 }),
  );
  put('truth.json', json(truth));
  return files.sort();
}

/** First time (1-minute steps) in [from, to] at which the path is outside the ring; null when it never is. */
export function exitTime(path: Path, ring: number[][], from: number, to: number): number | null {
  for (let t = from; t <= to; t += MINUTE_MS) {
    const p = path(t);
    if (!inRing(ring, p.lat, p.lon)) return t;
  }
  return null;
}

/** Background traffic: vessels under way (never slow) on great circles through a box, each in its own seeded stream. */
export function backgroundTracks(
  seed: number,
  n: number,
  opts: {
    bbox: [number, number, number, number];
    start: number;
    spanMs: number;
    mmsiBase: number;
    file: string;
    names: string[];
    destinations: string[];
    /** Shipping lanes (from, to): when given, each vessel sails part of one (either way, up to 8 km off its axis) instead of a random line in bbox. */
    lanes?: [LatLon, LatLon][];
  },
): TrackSpec[] {
  const out: TrackSpec[] = [];
  const [w, s, e, nn] = opts.bbox;
  for (let k = 0; k < n; k++) {
    const rng = rngFor(seed, `background/${k}`);
    const name =
      k < opts.names.length
        ? opts.names[k]
        : `${opts.names[k % opts.names.length]} ${Math.floor(k / opts.names.length) + 1}`;
    const v = vesselSpec(
      rng,
      opts.mmsiBase + k * 7 + 1,
      name,
      rng.pick([70, 70, 79, 80, 71]),
      rng.pick(opts.destinations),
      rng.int(5_000_000, 9_999_999),
    );
    const knots = rng.range(8, 14);
    const t0 = opts.start + Math.round((rng.range(0, 0.3) * opts.spanMs) / 1000) * 1000;
    let t1 = t0 + Math.round((rng.range(0.4, 0.7) * opts.spanMs) / 1000) * 1000;
    let path: Path;
    if (opts.lanes && opts.lanes.length > 0) {
      const lane = opts.lanes[rng.int(0, opts.lanes.length - 1)];
      const [a, b] = rng.chance(0.5) ? lane : [lane[1], lane[0]];
      const side = rng.range(-8000, 8000);
      const brg = bearingDeg(a, b);
      const a1 = destination(a, brg + 90, side);
      const b1 = destination(b, brg + 90, side);
      const p0 = destination(a1, brg, rng.range(0, 0.4) * distanceM(a1, b1));
      const r = route(p0, t0, [{ to: b1, knots }]);
      path = r.path;
      // Under way throughout: the reports stop before the end of the lane.
      t1 = Math.min(t1, r.end - 10 * MINUTE_MS);
    } else {
      const p0 = { lat: rng.range(s, nn), lon: rng.range(w, e) };
      const far = destination(p0, rng.range(0, 360), knots * NAUTICAL_MILE_M * 200);
      path = route(p0, t0, [{ to: far, knots }]).path;
    }
    out.push({ vessel: v, role: 'background', path, times: reportTimes(rng, t0, t1, 180, 360), file: opts.file });
  }
  return out;
}
