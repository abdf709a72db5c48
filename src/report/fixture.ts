/**
 * A small hand-made report input around Cuba, November 1962 (synthetic
 * tracks, two sites, one port): the fixture of the report's unit test and
 * of the real-browser check (`scripts/browser-report.ts --fixture`).
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { CaseManifest, GeoJsonCollection, GeoJsonFeature } from '../case/index.js';
import type { EvidenceRef, Finding, Results } from '../verify/index.js';
import type { ReportEvent, ReportImage, ReportInput, ReportTrack } from './types.js';

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function ref(path: string, logIndex: number | null): EvidenceRef {
  return { sha256: sha(path), log_index: logIndex, path };
}

/** A square polygon of `halfDeg` around a point, wound counter-clockwise as RFC 7946 asks. */
function square(id: string, name: string, lat: number, lon: number, halfDeg: number): GeoJsonFeature {
  const ring = [
    [lon - halfDeg, lat - halfDeg],
    [lon + halfDeg, lat - halfDeg],
    [lon + halfDeg, lat + halfDeg],
    [lon - halfDeg, lat + halfDeg],
    [lon - halfDeg, lat - halfDeg],
  ];
  return { type: 'Feature', properties: { id, name }, geometry: { type: 'Polygon', coordinates: [ring] } };
}

function collection(features: GeoJsonFeature[]): GeoJsonCollection {
  return { type: 'FeatureCollection', features };
}

const ms = (iso: string): number => Date.parse(iso);

/** Points every `stepMin` minutes along straight legs between waypoints. */
function sail(
  waypoints: [number, number][],
  startIso: string,
  stepMin: number,
  perLeg: number,
): [number, number, number][] {
  const out: [number, number, number][] = [];
  let t = ms(startIso);
  for (let leg = 0; leg + 1 < waypoints.length; leg++) {
    const [a, b] = [waypoints[leg]!, waypoints[leg + 1]!];
    for (let i = 0; i < perLeg; i++) {
      const f = i / perLeg;
      out.push([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, t]);
      t += stepMin * 60_000;
    }
  }
  const last = waypoints[waypoints.length - 1]!;
  out.push([last[0], last[1], t]);
  return out;
}

/** A grey crop with bright oblong objects (missile trailers, seen from above) at the given pixel centres. */
async function cropPng(width: number, height: number, objects: { x: number; y: number }[]): Promise<Uint8Array> {
  const px = new Uint8Array(width * height).fill(70);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if ((x * 7 + y * 13) % 17 === 0) px[y * width + x] = 85;
  for (const o of objects) {
    for (let y = o.y - 6; y <= o.y + 6; y++)
      for (let x = o.x - 2; x <= o.x + 2; x++) {
        if (x >= 0 && y >= 0 && x < width && y < height) px[y * width + x] = 220;
      }
  }
  const png = await sharp(Buffer.from(px), { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
  return new Uint8Array(png);
}

export interface FixtureOptions {
  /** The shipment vessel's name (the unit test puts markup in it). */
  vesselName?: string;
}

const SHIP_MMSI = 273100001;
const INSPECTOR_MMSI = 366900002;
const STRANGER_MMSI = 999000003;

/** What the parts of the fixture share: its evidence, geography, tracks and the times they give. */
interface Scene {
  vesselName: string;
  evidence: ReturnType<typeof fixtureEvidence>;
  geography: ReturnType<typeof fixtureGeography>;
  tracks: ReturnType<typeof fixtureTracks>;
  findings: { darkFinding: Finding; countFinding: Finding };
}

export async function buildReportFixture(options: FixtureOptions = {}): Promise<ReportInput> {
  const vesselName = options.vesselName ?? 'Bratsk';
  const evidence = fixtureEvidence();
  const geography = fixtureGeography();
  const tracks = fixtureTracks(vesselName);
  const scene: Scene = {
    vesselName,
    evidence,
    geography,
    tracks,
    findings: fixtureFindings(vesselName, evidence, tracks),
  };
  const events = fixtureEvents(scene);
  const images = await fixtureImages(scene);
  const results = fixtureResults(scene);
  const manifest = fixtureManifest(scene);
  const { sites, ports, zone } = geography;
  const { ship, inspector } = tracks;
  return {
    results,
    manifest,
    geography: { sites, ports, zone },
    tracks: [ship, inspector],
    events,
    images,
    reverify: {
      commands: [
        'tally log verify cases/cuba-1962-fixture/log',
        "tally verify cases/cuba-1962-fixture --reproduce results.json --key 'OPERATOR_VERIFIER_KEY'",
      ],
      logDir: 'cases/cuba-1962-fixture/log',
    },
  };
}

function fixtureEvidence() {
  const evidence = {
    manifest: ref('case.yaml', 0),
    geography: ref('geography/sites.geojson', 1),
    ais: ref('ais/quarantine-1962-11.nmea', 2),
    before: ref('imagery/san-cristobal-1962-10-27.tif', 3),
    after: ref('imagery/san-cristobal-1962-11-05.tif', 4),
    inspection: ref('inspections/vesole-bratsk.json', 5),
    lot1: ref('declarations/lot-sc', 6),
    lot2: ref('declarations/lot-sg', 7),
    shipment: ref('declarations/shipment-bratsk', 8),
  };

  return evidence;
}

function fixtureGeography() {
  const sites = collection([
    square('san-cristobal', 'San Cristóbal', 22.68, -83.12, 0.03),
    square('sagua', 'Sagua la Grande', 22.65, -79.87, 0.03),
  ]);
  const ports = collection([square('mariel', 'Mariel', 22.994, -82.754, 0.02)]);
  const zone = collection([
    {
      type: 'Feature',
      properties: { id: 'quarantine', name: 'Monitored zone' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [-85, 20],
            [-74, 20],
            [-74, 27],
            [-85, 27],
            [-85, 20],
          ],
        ],
      },
    },
  ]);

  return { sites, ports, zone };
}

/** Bratsk's voyage out, with a night of silence, and the inspector that meets it. */
function fixtureTracks(vesselName: string) {
  const shipMmsi = SHIP_MMSI;
  const inspectorMmsi = INSPECTOR_MMSI;
  // Bratsk leaves Mariel on 6 Nov, goes silent for a night (a dark period), and leaves the zone to the north-east.
  const shipPoints = sail(
    [
      [-82.754, 23.02],
      [-81.4, 23.55],
      [-79.6, 24.3],
      [-77.9, 25.1],
      [-76.2, 26.0],
      [-73.6, 27.4],
    ],
    '1962-11-06T14:00:00Z',
    30,
    12,
  );
  const darkFrom = 20;
  const darkTo = 30;
  const ship: ReportTrack = {
    mmsi: shipMmsi,
    name: vesselName,
    role: 'shipment',
    ref: 'shp-bratsk',
    points: [...shipPoints.slice(0, darkFrom), ...shipPoints.slice(darkTo)],
    breaks: [darkFrom],
  };
  const meet = shipPoints[44]!;
  const inspector: ReportTrack = {
    mmsi: inspectorMmsi,
    name: 'USS Vesole (DD-878)',
    role: 'inspector',
    ref: 'vesole',
    points: sail(
      [
        [-79.2, 26.3],
        [meet[0], meet[1] + 0.01],
        [-78.4, 26.4],
      ],
      '1962-11-07T13:00:00Z',
      30,
      10,
    ),
    breaks: [],
  };

  const darkStart = iso(shipPoints[darkFrom - 1]![2]);
  const darkEnd = iso(shipPoints[darkTo]![2]);
  const inspectionTime = iso(meet[2]);
  const leftZone = iso(shipPoints[shipPoints.length - 3]![2]);

  return { ship, inspector, shipPoints, meet, darkFrom, darkTo, darkStart, darkEnd, inspectionTime, leftZone };
}

function fixtureFindings(vesselName: string, evidence: Scene['evidence'], tracks: Scene['tracks']): Scene['findings'] {
  const shipMmsi = SHIP_MMSI;
  const { shipPoints, meet, darkFrom, darkStart, darkEnd, inspectionTime } = tracks;
  const darkFinding: Finding = {
    id: `DARK_PERIOD:vessel:${shipMmsi}:${darkStart}`,
    code: 'DARK_PERIOD',
    effect: 'DISCREPANCY',
    subject: { kind: 'shipment', id: 'shp-bratsk' },
    message: `${vesselName} was silent for 5 h inside the zone (${darkStart} to ${darkEnd}).`,
    evidence: [evidence.ais],
    time: darkStart,
    position: { lat: shipPoints[darkFrom - 1]![1], lon: shipPoints[darkFrom - 1]![0] },
    details: { gap_hours: 5, min_gap_hours: 2 },
  };
  const countFinding: Finding = {
    id: 'COUNT_MISMATCH:shipment:shp-bratsk',
    code: 'COUNT_MISMATCH',
    effect: 'DISCREPANCY',
    subject: { kind: 'shipment', id: 'shp-bratsk' },
    message: 'Declared 2 missiles aboard; the inspection alongside counted 1.',
    evidence: [evidence.inspection, evidence.shipment, evidence.ais],
    time: inspectionTime,
    position: { lat: meet[1], lon: meet[0] },
    details: { declared: 2, observed: 1 },
  };

  return { darkFinding, countFinding };
}

function fixtureEvents(scene: Scene): ReportEvent[] {
  const { vesselName } = scene;
  const { shipPoints, meet, darkFrom, darkStart, darkEnd, inspectionTime, leftZone } = scene.tracks;
  const { darkFinding, countFinding } = scene.findings;
  const shipMmsi = SHIP_MMSI;
  const inspectorMmsi = INSPECTOR_MMSI;
  const strangerMmsi = STRANGER_MMSI;
  const events: ReportEvent[] = [
    {
      kind: 'declaration',
      start: '1962-11-05T18:00:00Z',
      end: '1962-11-05T18:00:00Z',
      lat: null,
      lon: null,
      mmsi: [],
      label: 'USSR declares 2 lots (4 missiles)',
    },
    {
      kind: 'imagery',
      start: '1962-10-27T16:00:00Z',
      end: '1962-10-27T16:00:00Z',
      lat: 22.68,
      lon: -83.12,
      mmsi: [],
      label: 'San Cristóbal: before pass, 3 counted',
      subject: { kind: 'site', id: 'san-cristobal' },
    },
    {
      kind: 'imagery',
      start: '1962-11-05T16:00:00Z',
      end: '1962-11-05T16:00:00Z',
      lat: 22.68,
      lon: -83.12,
      mmsi: [],
      label: 'San Cristóbal: after pass, 0 counted',
      subject: { kind: 'site', id: 'san-cristobal' },
    },
    {
      kind: 'departure',
      start: iso(shipPoints[1]![2]),
      end: iso(shipPoints[1]![2]),
      lat: shipPoints[1]![1],
      lon: shipPoints[1]![0],
      mmsi: [shipMmsi],
      label: `${vesselName} leaves Mariel`,
      subject: { kind: 'shipment', id: 'shp-bratsk' },
    },
    {
      kind: 'dark_period',
      start: darkStart,
      end: darkEnd,
      lat: shipPoints[darkFrom - 1]![1],
      lon: shipPoints[darkFrom - 1]![0],
      mmsi: [shipMmsi],
      label: `${vesselName} silent 5 h`,
      finding: darkFinding.id,
    },
    {
      kind: 'encounter',
      start: iso(shipPoints[34]![2]),
      end: iso(shipPoints[37]![2]),
      lat: shipPoints[35]![1],
      lon: shipPoints[35]![0],
      mmsi: [shipMmsi, strangerMmsi],
      label: `${vesselName} slow beside MMSI ${strangerMmsi}`,
    },
    {
      kind: 'rendezvous',
      start: iso(meet[2] - 40 * 60_000),
      end: iso(meet[2] + 20 * 60_000),
      lat: meet[1],
      lon: meet[0],
      mmsi: [shipMmsi, inspectorMmsi],
      label: `USS Vesole alongside ${vesselName}`,
      subject: { kind: 'inspection', id: 'insp-1' },
    },
    {
      kind: 'inspection',
      start: inspectionTime,
      end: inspectionTime,
      lat: meet[1],
      lon: meet[0],
      mmsi: [shipMmsi, inspectorMmsi],
      label: 'USS Vesole counts 1 missile on deck',
      finding: countFinding.id,
    },
    {
      kind: 'left_zone',
      start: leftZone,
      end: leftZone,
      lat: 27,
      lon: -74.6,
      mmsi: [shipMmsi],
      label: `${vesselName} leaves the zone`,
    },
  ];

  return events;
}

async function fixtureImages(scene: Scene): Promise<ReportImage[]> {
  const { evidence } = scene;
  const before = await cropPng(64, 48, [
    { x: 18, y: 20 },
    { x: 32, y: 22 },
    { x: 46, y: 26 },
  ]);
  const after = await cropPng(64, 48, []);
  const outline: [number, number][][] = [
    [
      [6, 6],
      [58, 6],
      [58, 42],
      [6, 42],
      [6, 6],
    ],
  ];
  const images: ReportImage[] = [
    {
      site: 'san-cristobal',
      evidence: evidence.before,
      time: '1962-10-27T16:00:00Z',
      phase: 'before',
      gsd_m: 1.5,
      png: before,
      width: 64,
      height: 48,
      detections: [
        { x: 18, y: 20, length_px: 13, width_px: 5, heading_deg: 0, score: 0.93 },
        { x: 32, y: 22, length_px: 13, width_px: 5, heading_deg: 0, score: 0.88 },
        { x: 46, y: 26, length_px: 13, width_px: 5, heading_deg: 180, score: 0.81 },
      ],
      outline,
      count: 3,
    },
    {
      site: 'san-cristobal',
      evidence: evidence.after,
      time: '1962-11-05T16:00:00Z',
      phase: 'after',
      gsd_m: 1.5,
      png: after,
      width: 64,
      height: 48,
      detections: [],
      outline,
      count: 0,
    },
  ];

  return images;
}

function fixtureResults(scene: Scene): Results {
  const { evidence } = scene;
  const { darkFinding, countFinding } = scene.findings;
  const origin = 'tally.example/cuba-1962-fixture';
  const root = 'qUQ8cRs1f8o4Wl6e6uXlIsxZ1q9x2kF0m6i0aXb3yN0=';
  const results: Results = {
    schema: 'tally/results/v1',
    tally: '0.1.0',
    case: { id: 'cuba-1962-fixture', name: 'Cuba 1962 (report fixture)', manifest: evidence.manifest },
    verdict: 'DISCREPANCY',
    checkpoint: {
      origin,
      size: 9,
      root,
      note: `${origin}\n9\n${root}\n\n— ${origin} Az3mSGsAAAAAexampleexampleexampleexampleexampleexample==\n`,
      cosigned_by: ['observer'],
    },
    funnel: { declared: 4, removed: 3, departed: 2, inspected: 1, left_zone: 2 },
    findings: [darkFinding, countFinding],
    lots: [
      {
        id: 'lot-sc',
        site: 'san-cristobal',
        item_class: 'r12',
        count: 2,
        root: sha('lot-sc-root'),
        verdict: 'DISCREPANCY',
        declaration: evidence.lot1,
        shipments: ['shp-bratsk'],
        findings: [countFinding.id],
      },
      {
        id: 'lot-sg',
        site: 'sagua',
        item_class: 'r12',
        count: 2,
        root: sha('lot-sg-root'),
        verdict: 'INCOMPLETE',
        declaration: evidence.lot2,
        shipments: [],
        findings: [],
      },
    ],
    shipments: [fixtureShipment(scene)],
    sites: [
      {
        id: 'san-cristobal',
        name: 'San Cristóbal',
        verdict: 'VERIFIED',
        declared: 2,
        remaining: 0,
        removed: 2,
        change: {
          before: '1962-10-27T16:00:00Z',
          after: '1962-11-05T16:00:00Z',
          disappeared: 3,
          appeared: 0,
          persisted: 0,
        },
        passes: [],
        findings: [],
      },
      {
        id: 'sagua',
        name: 'Sagua la Grande',
        verdict: 'INCOMPLETE',
        declared: 2,
        remaining: null,
        removed: 1,
        change: null,
        passes: [],
        findings: [],
      },
    ],
    evidence: [
      { ...evidence.manifest, role: 'manifest', name: 'case manifest' },
      { ...evidence.geography, role: 'geography', name: 'sites' },
      { ...evidence.ais, role: 'ais', name: 'AIS, quarantine area (synthetic)' },
      { ...evidence.before, role: 'imagery', name: 'San Cristóbal, 27 Oct' },
      { ...evidence.after, role: 'imagery', name: 'San Cristóbal, 5 Nov' },
      { ...evidence.inspection, role: 'inspection', name: 'Vesole alongside Bratsk' },
    ],
    terms: { removal_deadline: '1962-11-01T00:00:00Z', resolution_cap_m: 0.3 },
  };

  return results;
}

/** The fixture's one shipment: Bratsk, dark for a night, counted short at sea. */
function fixtureShipment(scene: Scene): Results['shipments'][number] {
  const { vesselName, evidence } = scene;
  const { shipPoints, meet, inspectionTime, leftZone } = scene.tracks;
  const { darkFinding, countFinding } = scene.findings;
  const shipMmsi = SHIP_MMSI;
  return {
    id: 'shp-bratsk',
    vessel: { mmsi: shipMmsi, name: vesselName },
    port: 'mariel',
    count: 2,
    lots: ['lot-sc'],
    verdict: 'DISCREPANCY',
    declaration: evidence.shipment,
    departed_at: iso(shipPoints[1]![2]),
    inspections: [
      {
        id: 'insp-1',
        evidence: evidence.inspection,
        inspector: 'vesole',
        kind: 'ship',
        time: inspectionTime,
        position: { lat: meet[1], lon: meet[0] },
        observed_count: 1,
        corroborated: true,
        corroboration: {
          kind: 'rendezvous',
          start: iso(meet[2] - 40 * 60_000),
          end: iso(meet[2] + 20 * 60_000),
          min_distance_m: 310,
          ais_available: true,
          message: 'Vesole within 1,000 m of the vessel for 60 min',
        },
      },
    ],
    observed_count: 1,
    left_zone_at: leftZone,
    findings: [darkFinding.id, countFinding.id],
  };
}

function fixtureManifest(scene: Scene): CaseManifest {
  const { vesselName } = scene;
  const { sites, ports, zone } = scene.geography;
  const shipMmsi = SHIP_MMSI;
  const inspectorMmsi = INSPECTOR_MMSI;
  const manifest: CaseManifest = {
    format: 'tally/case/v1',
    id: 'cuba-1962-fixture',
    name: 'Cuba 1962 (report fixture)',
    notes: [
      {
        part: 'declared inventory',
        status: 'historical',
        note: '42 R-12 missiles declared by the USSR on 4–5 Nov 1962; this fixture keeps 4.',
      },
      { part: 'site positions', status: 'reconstructed', note: 'Approximate; pad coordinates are not public.' },
      { part: 'vessel tracks', status: 'synthetic', note: 'There was no AIS in 1962; tracks are generated.' },
    ],
    parties: [
      {
        id: 'ussr',
        name: 'USSR',
        role: 'declaring',
        public_key: 'ussr+00000000+AAAA',
        cosigner_key: 'ussr+00000000+BAAA',
      },
      {
        id: 'usa',
        name: 'USA',
        role: 'inspecting',
        public_key: 'usa+00000000+AAAA',
        cosigner_key: 'usa+00000000+BAAA',
      },
    ],
    inspectors: [{ id: 'vesole', kind: 'ship', name: 'USS Vesole (DD-878)', mmsi: inspectorMmsi, party: 'usa' }],
    terms: {
      removal_deadline: '1962-11-01T00:00:00Z',
      resolution_cap_m: 0.3,
      item_classes: [{ id: 'r12', name: 'R-12 missile on trailer', length_m: [20, 24], width_m: [2.5, 3.5] }],
    },
    geography: { sites, ports, zone },
    declarations: {
      party: 'ussr',
      lots: [
        { id: 'lot-sc', site: 'san-cristobal', item_class: 'r12', count: 2, root: sha('lot-sc-root') },
        { id: 'lot-sg', site: 'sagua', item_class: 'r12', count: 2, root: sha('lot-sg-root') },
      ],
      shipments: [
        {
          id: 'shp-bratsk',
          vessel: { mmsi: shipMmsi, name: vesselName },
          port: 'mariel',
          date: '1962-11-06T00:00:00Z',
          count: 2,
          lots: ['lot-sc'],
        },
      ],
    },
    evidence: {},
  };

  return manifest;
}

const iso = (t: number): string => new Date(t).toISOString();
