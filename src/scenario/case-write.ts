/**
 * Writes a case directory from its description: keys (the operator's and
 * each party's, seeded), geography (sites, ports, zone), the declaring
 * party's commitments, secrets and challenged reveals, the imagery passes
 * rendered as GeoTIFF scenes, AIS as NMEA and MarineCadastre CSV, the
 * inspection records, case.yaml and truth.json.
 */
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
import { CosignerKey, Ed25519NoteSigner, formatSignerKey, SIG_TYPE_ED25519 } from '../ledger/index.js';
import {
  CASE_FORMAT,
  INSPECTION_FORMAT,
  type CaseManifest,
  type InspectionRecord,
  type GeoJsonCollection,
} from '../case/index.js';
import { DAY_MS, HOUR_MS, writeSecretFile } from '../util/index.js';
import { Random } from './random.js';
import { renderScene, type SceneObject } from './scenes.js';
import { writeMarineCadastreCsv, type CsvFixtureRow } from './csv.js';
import { velocity } from './paths.js';
import { iso, portRing, randomBytesFrom, rngFor, sentAt, squareRing, subSeed } from './case-build.js';
import {
  CaseDirError,
  type CaseDescription,
  type SiteSpec,
  type TrackSpec,
  type Truth,
  type VesselSpec,
} from './case.js';

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

/** A deterministic tlog-cosignature key pair (type 0x04) named `name`, from 32 seeded bytes. */
export function seededCosignerKey(name: string, rng: Random): KeyPair {
  const k = new CosignerKey(name, randomBytesFrom(rng)(32));
  return { signerKey: k.signerKey(), verifierKey: k.verifierKey() };
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

/** The case directory being written: every file goes through `put`, so that the list of files is complete. */
class CaseDir {
  readonly files: string[] = [];

  constructor(readonly dir: string) {}

  put(rel: string, data: string | Uint8Array): void {
    const p = join(this.dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    this.files.push(rel);
  }

  /** A key or secret: written whole, 0600, in a folder (keys/, private/) only its owner can open. */
  putSecret(rel: string, data: string): void {
    writeSecretFile(join(this.dir, rel), data, { replace: true, privateFolder: true });
    this.files.push(rel);
  }
}

const json = (x: unknown): string => JSON.stringify(x, null, 1) + '\n';

type Evidence = CaseManifest['evidence'];

/** Writes the case described into `dir` (which must be ready); returns the files written, relative to `dir`, sorted. */
export async function writeCase(desc: CaseDescription, dir: string, truth: Truth): Promise<string[]> {
  const out = new CaseDir(dir);
  const keys = writeKeys(desc, out);
  writeGeography(desc, out);
  const commitments = writeCommitments(desc, out);
  const imagery = await writeImagery(desc, out);
  const ais = writeAis(desc, out);
  const inspections = writeInspections(desc, out);
  const { challenges } = commitments;
  const evidence: Evidence = { ais, imagery, inspections, ...(challenges.length ? { challenges } : {}) };
  const manifest = caseManifest(desc, keys, commitments.roots, evidence);
  out.put(
    'case.yaml',
    `# Generated by tally scenario generate ${desc.scenario} --seed ${desc.seed} --scale ${desc.scale}` +
      `${desc.violations.map((v) => ` --violate ${v}`).join('')}\n` +
      yamlStringify(manifest, { lineWidth: 0 }),
  );
  out.put('truth.json', json(truth));
  return out.files.sort();
}

interface CaseKeys {
  /** The log's origin, and the verifier key case.yaml pins it to. */
  origin: string;
  pinned: string;
  /** Each party's signed-note key (0x01) and cosigner key (0x04). */
  parties: { note: KeyPair; cosigner: KeyPair }[];
}

/**
 * The operator's signing key, and each party's two keys (server.md): its
 * signed-note key keys/<party>.key (public_key) and its cosigner key
 * keys/<party>.cosigner.key (cosigner_key, for `tally log cosign`).
 * LOG_INCONSISTENT pins the log to another key than the operator's.
 */
function writeKeys(desc: CaseDescription, out: CaseDir): CaseKeys {
  const origin = `tally.invalid/case/${desc.id}`;
  const operator = seededKey(origin, rngFor(desc.seed, 'key/operator'));
  out.putSecret('keys/operator.key', operator.signerKey + '\n');
  const parties = desc.parties.map((p) => {
    const name = `tally.invalid/party/${p.id}`;
    const note = seededKey(name, rngFor(desc.seed, `key/party/${p.id}`));
    const cosigner = seededCosignerKey(name, rngFor(desc.seed, `key/party/${p.id}/cosigner`));
    out.putSecret(`keys/${p.id}.key`, note.signerKey + '\n');
    out.putSecret(`keys/${p.id}.cosigner.key`, cosigner.signerKey + '\n');
    return { note, cosigner };
  });
  const pinned = desc.pinWrongLogKey
    ? seededKey(origin, rngFor(desc.seed, 'key/operator/other')).verifierKey
    : operator.verifierKey;
  return { origin, pinned, parties };
}

/** Sites, ports and the zone as GeoJSON. */
function writeGeography(desc: CaseDescription, out: CaseDir): void {
  out.put(
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
  out.put(
    'geography/ports.geojson',
    json(
      collection(
        desc.ports.map((p) => ({
          type: 'Feature',
          properties: { id: p.id, name: p.name },
          geometry: { type: 'Polygon', coordinates: [portRing(p)] },
        })),
      ),
    ),
  );
  out.put(
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
}

/**
 * Each lot committed (its root declared), the declaring party's secrets,
 * and for a challenged lot the seeded challenge and the reveal (with an
 * item altered after committing for COMMITMENT_MISMATCH).
 */
function writeCommitments(
  desc: CaseDescription,
  out: CaseDir,
): { roots: Map<string, string>; challenges: NonNullable<Evidence['challenges']> } {
  const roots = new Map<string, string>();
  const challenges: NonNullable<Evidence['challenges']> = [];
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
    out.putSecret(`private/${l.id}.secrets.json`, json(secrets));
    if (!l.challengeK) continue;
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
    out.put(path, json(rev));
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
  return { roots, challenges };
}

/** Each imagery pass rendered as a GeoTIFF scene of its site at its GSD, showing the pass's count of items. */
async function writeImagery(desc: CaseDescription, out: CaseDir): Promise<NonNullable<Evidence['imagery']>> {
  const imagery: NonNullable<Evidence['imagery']> = [];
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
          ...(p.cloudCover ? { cloudCover: { fraction: p.cloudCover } } : {}),
        },
        subSeed(desc.seed, `scene/${p.id}`),
      );
      const rel = `evidence/imagery/${p.id}.tif`;
      const abs = join(out.dir, rel);
      mkdirSync(dirname(abs), { recursive: true });
      await writeGeoTiff(abs, scene.raster, {
        compression: 'deflate',
        description: `tally synthetic scene ${p.id} of ${site.id} at ${iso(p.time)}, GSD ${p.gsd} m (scenario ${desc.scenario}, seed ${desc.seed})`,
      });
      out.files.push(rel);
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
  return imagery;
}

/** Each AIS file with the tracks that go to it, as NMEA or MarineCadastre CSV. */
function writeAis(desc: CaseDescription, out: CaseDir): NonNullable<Evidence['ais']> {
  const ais: NonNullable<Evidence['ais']> = [];
  for (const f of desc.aisFiles) {
    const tracks = desc.tracks.filter((t) => t.file === f.path && t.times.length > 0);
    const text =
      f.format === 'nmea' ? tracksNmea(tracks, f.stations, rngFor(desc.seed, `nmea/${f.path}`)) : tracksCsv(tracks);
    out.put(f.path, text);
    const first = Math.min(...tracks.map((t) => t.times[0]));
    ais.push({
      path: f.path,
      source: f.source,
      method: f.method,
      submitted_by: f.submitted_by,
      ...(Number.isFinite(first) ? { captured: iso(first) } : {}),
    });
  }
  return ais;
}

/** Each inspection at sea as a signed-off record of what the inspector counted. */
function writeInspections(desc: CaseDescription, out: CaseDir): NonNullable<Evidence['inspections']> {
  const inspections: NonNullable<Evidence['inspections']> = [];
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
    out.put(path, json(rec));
    const insp = desc.inspectors.find((i) => i.id === r.inspector);
    inspections.push({
      path,
      source: insp?.name ?? r.inspector,
      method: r.method,
      submitted_by: insp?.party ?? desc.parties[0].id,
      captured: iso(r.time),
    });
  }
  return inspections;
}

/** case.yaml: parties with their keys, inspectors, terms, geography, declarations (lots with their roots, shipments), evidence. */
function caseManifest(
  desc: CaseDescription,
  keys: CaseKeys,
  roots: Map<string, string>,
  evidence: Evidence,
): CaseManifest {
  return {
    format: CASE_FORMAT,
    id: desc.id,
    name: desc.name,
    description: desc.description,
    notes: desc.notes,
    log: { origin: keys.origin, verifier_key: keys.pinned },
    parties: desc.parties.map((p, i) => ({
      ...p,
      public_key: keys.parties[i].note.verifierKey,
      cosigner_key: keys.parties[i].cosigner.verifierKey,
    })),
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
    evidence,
  };
}
