/**
 * `strait`: a small, fast synthetic case for tests. A fictional island
 * territory at 20.3 N, 40 W (open Atlantic, nothing real there) declares 9
 * items of one class in 3 lots at 2 sites; 3 freighters take them out of 2
 * harbours on 2 June 2025; 2 inspector ships run alongside two of them and
 * a patrol aircraft overflies the third; background traffic crosses the
 * monitored zone (a box of about 6° around the island). With no violation
 * seeded, every stage is confirmed: VERIFIED.
 */
import { DEFAULT_TERMS, type Inspector, type ProvenanceNote, type Terms } from '../case/index.js';
import { DAY_MS, HOUR_MS, KNOT_M_PER_S, MINUTE_MS } from '../util/index.js';
import type {
  AisFileSpec,
  CaseDescription,
  InspectionSpec,
  LotSpec,
  PassSpec,
  PortSpec,
  ShipmentSpec,
  SiteSpec,
  TrackSpec,
  VesselSpec,
} from './case.js';
import type { StagedSituation, ViolationCode } from './defaults.js';
import {
  alongsidePath,
  backgroundTracks,
  boxRing,
  exitTime,
  mergeTimes,
  reportTimes,
  rngFor,
  vesselSpec,
} from './case-build.js';
import { destination, bearingDeg, route, still, type LatLon, type Path } from './paths.js';

export const STRAIT_DEFAULT_SEED = 2025;

/** 2 June 2025, the day of the shipments. */
const T0 = Date.UTC(2025, 5, 2);
/** The resolution cap, metres (GSD). */
const CAP = 0.5;

const ZONE_RING = boxRing(-43.2, 17.3, -36.8, 23.3);

const SITES: SiteSpec[] = [
  { id: 'site-a', name: 'Northern battery', lat: 20.36, lon: -40.06, halfM: 100, epsg: 32624 },
  { id: 'site-b', name: 'Eastern depot', lat: 20.25, lon: -39.93, halfM: 100, epsg: 32624 },
];

const PORTS: PortSpec[] = [
  { id: 'north-harbour', name: 'North Harbour', lat: 20.45, lon: -40.0, halfM: 1500 },
  { id: 'east-harbour', name: 'East Harbour', lat: 20.28, lon: -39.8, halfM: 1500 },
];

const PARTIES: CaseDescription['parties'] = [
  { id: 'declarant', name: 'Island Republic (declaring party)', role: 'declaring' },
  { id: 'inspectorate', name: 'Removal Inspectorate', role: 'inspecting' },
  { id: 'observer', name: 'Independent Observer', role: 'observer' },
];

const ASTRA_MMSI = 247990101;
const BOREAS_MMSI = 247990102;

const INSPECTORS: Inspector[] = [
  { id: 'pv-astra', kind: 'ship', name: 'PV Astra', mmsi: ASTRA_MMSI, party: 'inspectorate' },
  { id: 'pv-boreas', kind: 'ship', name: 'PV Boreas', mmsi: BOREAS_MMSI, party: 'inspectorate' },
  {
    id: 'mpa-1',
    kind: 'aircraft',
    name: 'Maritime patrol aircraft 1',
    registration: 'MPA-01',
    party: 'inspectorate',
  },
];

const TERMS: Terms = {
  removal_deadline: '2025-05-31T00:00:00Z',
  resolution_cap_m: CAP,
  item_classes: [
    {
      id: 'launcher',
      name: 'Mobile launcher on transporter',
      length_m: [20, 25],
      width_m: [1.6, 3.4],
      height_m: 3.5,
    },
  ],
  // the verification's defaults, written out in the manifest; a dark period of 6 h, not 12
  ...DEFAULT_TERMS,
  dark_period: { min_gap_hours: 6 },
};

const AIS_FILES: AisFileSpec[] = [
  {
    path: 'evidence/ais/freighters.nmea',
    format: 'nmea',
    source: 'coastal and satellite AIS receivers (synthetic)',
    method: 'AIVDM with IEC 61162-450 tag blocks',
    submitted_by: 'inspectorate',
    stations: ['rNORTH', 'sSAT-A', 'sSAT-B'],
  },
  {
    path: 'evidence/ais/inspectors.nmea',
    format: 'nmea',
    source: "inspector ships' own AIS (synthetic)",
    method: 'AIVDM with IEC 61162-450 tag blocks',
    submitted_by: 'inspectorate',
    stations: ['sSAT-A', 'sSAT-B'],
  },
  {
    path: 'evidence/ais/background.csv',
    format: 'marinecadastre',
    source: 'AIS aggregator (synthetic)',
    method: 'MarineCadastre CSV',
    submitted_by: 'observer',
    stations: [],
  },
];

const PROVENANCE: ProvenanceNote[] = [
  {
    part: 'whole case',
    status: 'synthetic',
    note: 'a fictional territory in open water at 20.3 N, 40 W: sites, ports, vessels, imagery and AIS are all synthetic',
  },
];

/** What each seeded violation changes, in the order truth.json lists them. */
const VIOLATION_NOTES: Partial<Record<ViolationCode, string>> = {
  COMMITMENT_MISMATCH:
    "COMMITMENT_MISMATCH: the reveal of lot-a1 has its first item's descriptor altered after committing.",
  INVENTORY_SHORTFALL:
    'INVENTORY_SHORTFALL: lot-b declares 4 items (and site-b shows 4 before removal), its shipment carries 3.',
  UNDECLARED_ENCOUNTER:
    'UNDECLARED_ENCOUNTER: EAST WIND drifts 3 h at 0.4 kn some 100 km from port while the background vessel DARK STAR keeps 200 m abeam.',
  SHIPMENT_NOT_DEPARTED:
    'SHIPMENT_NOT_DEPARTED: EAST WIND stays at her berth in East Harbour to the end of the AIS; no inspector meets her and there is no inspection record for her.',
  INSPECTION_UNCORROBORATED:
    "INSPECTION_UNCORROBORATED: PV ASTRA's AIS keeps 50 km abeam of STRAIT TRADER throughout, while both transmit; the record insp-1 says alongside.",
  COUNT_MISMATCH: 'COUNT_MISMATCH: insp-1 counts 5 items on STRAIT TRADER, declared with 4.',
  SHIPMENT_UNINSPECTED: 'SHIPMENT_UNINSPECTED: the inspection record of EAST WIND (insp-3) is absent.',
  DARK_PERIOD: 'DARK_PERIOD: CAPE SYNTH is silent for 10 h inside the zone, from 4 h after leaving North Harbour.',
  RESOLUTION_VIOLATION: `RESOLUTION_VIOLATION: site-a-before.tif is shared at ${CAP / 2} m GSD, finer than the ${CAP} m cap.`,
  SITE_NOT_CLEARED: 'SITE_NOT_CLEARED: the pass of site-a after the deadline still shows 2 items.',
  SITE_UNOBSERVED:
    'SITE_UNOBSERVED: site-b has one pass after the deadline, under full cloud (unusable: it would count 0).',
  LOG_INCONSISTENT: 'LOG_INCONSISTENT: case.yaml pins log.verifier_key to a key other than keys/operator.key.',
};

interface FreighterPlan {
  shipment: ShipmentSpec;
  berth: LatLon;
  depart: number;
  legs: { to: LatLon; knots: number }[];
}

interface StraitVessels {
  trader: VesselSpec;
  cape: VesselSpec;
  wind: VesselSpec;
  astra: VesselSpec;
  boreas: VesselSpec;
}

/** Where the freighters go once they have left port. */
interface Sailings {
  paths: Map<string, Path>;
  /** Each freighter's last report: 2 h after it leaves the zone (or late on T0 if it never sails). */
  spanEnd: number[];
  lastReport: number;
}

/** What each staged situation adds, in the order truth.json lists them. */
const STAGED_NOTES: Record<StagedSituation, string> = {
  'transfer-under-way':
    'transfer under way (UNDECLARED_ENCOUNTER): SEA MULE comes 250 m abeam of STRAIT TRADER and steams with her at 11 kn for 75 minutes, 5 h after she leaves North Harbour.',
  'silent-to-end':
    'silent to the end (DARK_PERIOD): CAPE SYNTH falls silent inside the zone 8 h after leaving North Harbour and is never heard again, while two fishing vessels 12 and 20 km from her last position are heard throughout.',
  'silent-unheard':
    'silent where nothing is heard (INCOMPLETE): CAPE SYNTH falls silent inside the zone 8 h after leaving North Harbour and is never heard again; no other vessel is heard within 20 nmi of her last position.',
  'crossing-traffic':
    "crossing traffic (no finding): CROSS CURRENT crosses STRAIT TRADER's track at right angles at 12 kn, some 100 m astern of her, 6 h after she leaves North Harbour.",
  'pilot-boat':
    'a pilot boat (no finding): PILOT ONE runs 30 m abeam of STRAIT TRADER for 30 minutes from her berth out past the harbour mouth.',
};

export function straitDescription(
  seed: number,
  scale: number,
  violations: ViolationCode[],
  staged: StagedSituation[] = [],
): CaseDescription {
  const has = (c: ViolationCode): boolean => violations.includes(c);
  const stages = (x: StagedSituation): boolean => staged.includes(x);
  const lots = straitLots(has);
  const vessels = straitVessels(seed);
  const plans = freighterPlans(vessels, has('UNDECLARED_ENCOUNTER'));
  const sailings = sail(plans, has);
  // Inspector tracks first, then the freighters, the background and the violator: the order of the AIS files.
  const alongside = inspectionsAlongside(seed, vessels, plans, sailings.paths, has);
  const silentFrom = stages('silent-to-end') || stages('silent-unheard') ? plans[1].depart + 8 * HOUR_MS : null;
  const tracks: TrackSpec[] = [
    ...alongside.tracks,
    ...freighterTracks(seed, plans, sailings, alongside.dense, has, silentFrom),
  ];
  tracks.push(
    ...backgroundTracks(seed, 5 * scale, {
      bbox: [-42.5, 18, -37.5, 22.8],
      start: T0,
      spanMs: sailings.lastReport - T0,
      mmsiBase: 538_100_000,
      file: 'evidence/ais/background.csv',
      names: ['OCEAN MERIDIAN', 'BALTIC DAWN', 'SEA LARK', 'NORD TRADER', 'ATLANTIC ROSE', 'SILVER FERN', 'POLAR BEAR'],
      destinations: ['ROTTERDAM', 'SANTOS', 'HOUSTON', 'LAGOS', 'ALGECIRAS'],
    }),
  );
  if (has('UNDECLARED_ENCOUNTER')) tracks.push(violatorTrack(seed, plans[2], sailings.paths.get('sh-3') as Path));
  tracks.push(...stagedTracks(seed, plans, sailings, stages, silentFrom));
  const notes = [
    ...Object.entries(VIOLATION_NOTES)
      .filter(([code]) => has(code as ViolationCode))
      .map(([, note]) => note),
    ...staged.map((x) => STAGED_NOTES[x]),
  ];

  return {
    scenario: 'strait',
    seed,
    scale,
    violations,
    id: 'strait',
    name: 'Strait: a small synthetic removal',
    description:
      'A fictional island territory declares 9 launchers in 3 lots at 2 sites; 3 freighters carry them out of 2 harbours, ' +
      'inspected at sea by 2 patrol vessels and a patrol aircraft. Everything is synthetic.',
    notes: PROVENANCE,
    parties: PARTIES,
    declaringParty: 'declarant',
    inspectors: INSPECTORS,
    terms: TERMS,
    sites: SITES,
    ports: PORTS,
    zone: { id: 'zone', name: 'Monitored zone', ring: ZONE_RING },
    lots,
    shipments: plans.map((p) => p.shipment),
    passes: straitPasses(has, lots),
    inspections: [...alongside.inspections, aerialInspection(plans[1], sailings.paths.get('sh-2') as Path)],
    tracks,
    aisFiles: AIS_FILES,
    pinWrongLogKey: has('LOG_INCONSISTENT'),
    truthNotes: [
      'strait: a synthetic case; the truth is derived from the scenario description by the verification rules, not by running the verifier',
      ...notes,
    ],
  };
}

/** 9 launchers in 3 lots; lot-a1 is challenged for 2 items. */
function straitLots(has: (c: ViolationCode) => boolean): LotSpec[] {
  return [
    {
      id: 'lot-a1',
      site: 'site-a',
      item_class: 'launcher',
      count: 4,
      challengeK: 2,
      tamperReveal: has('COMMITMENT_MISMATCH'),
    },
    { id: 'lot-a2', site: 'site-a', item_class: 'launcher', count: 2 },
    { id: 'lot-b', site: 'site-b', item_class: 'launcher', count: has('INVENTORY_SHORTFALL') ? 4 : 3 },
  ];
}

/** The three freighters and the two patrol vessels, from one seeded stream. */
function straitVessels(seed: number): StraitVessels {
  const vrng = rngFor(seed, 'vessels');
  const ship = (mmsi: number, name: string, dest: string) =>
    vesselSpec(vrng, mmsi, name, 70, dest, vrng.int(7_000_000, 9_899_999));
  const trader = ship(636020001, 'STRAIT TRADER', 'PORT SAID');
  const cape = ship(636020002, 'CAPE SYNTH', 'HALIFAX');
  const wind = ship(636020003, 'EAST WIND', 'LISBON');
  const astra = vesselSpec(vrng, ASTRA_MMSI, 'PV ASTRA', 35, '');
  const boreas = vesselSpec(vrng, BOREAS_MMSI, 'PV BOREAS', 35, '');
  return { trader, cape, wind, astra, boreas };
}

/**
 * The shipments and their routes: two north out of North Harbour, one
 * east out of East Harbour (drifting 3 h on the way for an encounter).
 */
function freighterPlans(v: StraitVessels, encounter: boolean): FreighterPlan[] {
  const nb = { lat: 20.452, lon: -40.002 },
    nMouth = { lat: 20.49, lon: -40.0 };
  const eb = { lat: 20.281, lon: -39.802 },
    eMouth = { lat: 20.29, lon: -39.76 };
  const w1 = { lat: 20.4, lon: -39.3 },
    eEnd = { lat: 20.6, lon: -36.3 };
  const w2 = destination(w1, bearingDeg(w1, eEnd), 40_000);
  return [
    {
      shipment: { id: 'sh-1', vessel: v.trader, port: 'north-harbour', date: T0, count: 4, lots: ['lot-a1'] },
      berth: nb,
      depart: T0 + 3 * HOUR_MS,
      legs: [
        { to: nMouth, knots: 6 },
        { to: { lat: 23.7, lon: -40.3 }, knots: 11 },
      ],
    },
    {
      shipment: { id: 'sh-2', vessel: v.cape, port: 'north-harbour', date: T0, count: 2, lots: ['lot-a2'] },
      berth: { lat: 20.446, lon: -39.996 },
      depart: T0 + 5 * HOUR_MS,
      legs: [
        { to: nMouth, knots: 6 },
        { to: { lat: 23.7, lon: -42.7 }, knots: 11 },
      ],
    },
    {
      shipment: { id: 'sh-3', vessel: v.wind, port: 'east-harbour', date: T0, count: 3, lots: ['lot-b'] },
      berth: eb,
      depart: T0 + 4 * HOUR_MS,
      legs: [
        { to: eMouth, knots: 6 },
        { to: w1, knots: 11 },
        { to: w2, knots: 11 },
        ...(encounter ? [{ to: destination(w2, bearingDeg(w1, eEnd), 2_200), knots: 0.4 }] : []),
        { to: eEnd, knots: 11 },
      ],
    },
  ];
}

/** Each freighter's path (EAST WIND stays at her berth for SHIPMENT_NOT_DEPARTED) and how long it reports. */
function sail(plans: FreighterPlan[], has: (c: ViolationCode) => boolean): Sailings {
  const paths = new Map<string, Path>();
  const spanEnd: number[] = [];
  for (const p of plans) {
    const stays = has('SHIPMENT_NOT_DEPARTED') && p.shipment.id === 'sh-3';
    const path = stays ? still(p.berth) : route(p.berth, p.depart, p.legs).path;
    paths.set(p.shipment.id, path);
    const exit = stays ? null : exitTime(path, ZONE_RING, p.depart, p.depart + 3 * DAY_MS);
    spanEnd.push(exit === null ? T0 + 20 * HOUR_MS : exit + 2 * HOUR_MS);
  }
  return { paths, spanEnd, lastReport: Math.max(...spanEnd) };
}

/**
 * The patrol vessels alongside sh-1 and sh-3 (the rendezvous): their
 * tracks, the inspection records, and the freighters' denser reports
 * while alongside.
 */
function inspectionsAlongside(
  seed: number,
  vessels: StraitVessels,
  plans: FreighterPlan[],
  paths: Map<string, Path>,
  has: (c: ViolationCode) => boolean,
): { tracks: TrackSpec[]; inspections: InspectionSpec[]; dense: Map<string, number[][]> } {
  const meetings = [
    {
      sid: 'sh-1',
      insp: vessels.astra,
      inspId: 'pv-astra',
      recId: 'insp-1',
      t0: plans[0].depart + 2 * HOUR_MS,
      t1: plans[0].depart + 2 * HOUR_MS + 45 * MINUTE_MS,
      from: 200,
      away: has('INSPECTION_UNCORROBORATED'),
    },
    {
      sid: 'sh-3',
      insp: vessels.boreas,
      inspId: 'pv-boreas',
      recId: 'insp-3',
      t0: plans[2].depart + 3 * HOUR_MS,
      t1: plans[2].depart + 3 * HOUR_MS + 40 * MINUTE_MS,
      from: 150,
      away: false,
    },
  ];
  const tracks: TrackSpec[] = [];
  const inspections: InspectionSpec[] = [];
  const dense: Map<string, number[][]> = new Map();
  for (const a of meetings) {
    // A ship that never sails is never met at sea: no inspector track, no record.
    if (a.sid === 'sh-3' && has('SHIPMENT_NOT_DEPARTED')) continue;
    const vpath = paths.get(a.sid) as Path;
    const ipath = alongsidePath(vpath, a.t0, a.t1, {
      sideM: 400,
      knots: 18,
      approachMs: 2 * HOUR_MS,
      fromBearing: a.from,
      ...(a.away ? { awayM: 50_000 } : {}),
    });
    const irng = rngFor(seed, `inspector/${a.inspId}`);
    const times = mergeTimes(
      reportTimes(irng, a.t0 - 2.5 * HOUR_MS, a.t1 + 1.5 * HOUR_MS, 120, 240),
      reportTimes(irng, a.t0 - 10 * MINUTE_MS, a.t1 + 10 * MINUTE_MS, 30, 60),
    );
    tracks.push({ vessel: a.insp, role: 'inspector', path: ipath, times, file: 'evidence/ais/inspectors.nmea' });
    dense.set(a.sid, [reportTimes(irng, a.t0 - 10 * MINUTE_MS, a.t1 + 10 * MINUTE_MS, 60, 120)]);
    // The record at 45 % of the time alongside, to the minute.
    const at = Math.round((a.t0 + 0.45 * (a.t1 - a.t0)) / MINUTE_MS) * MINUTE_MS;
    const shipment = plans.find((p) => p.shipment.id === a.sid)!.shipment;
    const observed = a.sid === 'sh-1' && has('COUNT_MISMATCH') ? 5 : shipment.count;
    const dropped = a.sid === 'sh-3' && has('SHIPMENT_UNINSPECTED');
    if (dropped) continue;
    inspections.push({
      id: a.recId,
      inspector: a.inspId,
      kind: 'ship',
      vessel_mmsi: shipment.vessel.mmsi,
      vessel_name: shipment.vessel.name,
      time: at,
      position: vpath(at),
      observed_count: observed,
      method: 'alongside at about 400 m, deck cargo counted and photographed, covers pulled back on request',
    });
  }
  return { tracks, inspections, dense };
}

/** The patrol aircraft over CAPE SYNTH, 2 h 30 after she leaves port. */
function aerialInspection(plan: FreighterPlan, path: Path): InspectionSpec {
  const at = plan.depart + 2.5 * HOUR_MS;
  return {
    id: 'insp-2',
    inspector: 'mpa-1',
    kind: 'aircraft',
    vessel_mmsi: plan.shipment.vessel.mmsi,
    vessel_name: plan.shipment.vessel.name,
    time: at,
    position: path(at),
    observed_count: 2,
    method: 'low pass at 300 ft, deck cargo photographed',
  };
}

/** Freighter AIS: in port from T0, reports every 3-6 min, denser alongside; CAPE SYNTH silent 10 h for DARK_PERIOD, or to the end. */
function freighterTracks(
  seed: number,
  plans: FreighterPlan[],
  sailings: Sailings,
  dense: Map<string, number[][]>,
  has: (c: ViolationCode) => boolean,
  silentFrom: number | null,
): TrackSpec[] {
  const darkSkip: [number, number][] = has('DARK_PERIOD')
    ? [[plans[1].depart + 4 * HOUR_MS, plans[1].depart + 14 * HOUR_MS]]
    : [];
  // Silent to the end: no report after silentFrom.
  if (silentFrom !== null) darkSkip.push([silentFrom, Infinity]);
  return plans.map((p, i) => {
    const frng = rngFor(seed, `freighter/${p.shipment.id}`);
    const end = Math.min(sailings.spanEnd[i], sailings.lastReport);
    const skips = p.shipment.id === 'sh-2' ? darkSkip : [];
    const times = mergeTimes(reportTimes(frng, T0, end, 180, 360, skips), ...(dense.get(p.shipment.id) ?? []));
    return {
      vessel: p.shipment.vessel,
      role: 'shipment',
      path: sailings.paths.get(p.shipment.id) as Path,
      times,
      file: 'evidence/ais/freighters.nmea',
    };
  });
}

/** DARK STAR, 200 m abeam of EAST WIND for the 3 h she drifts (UNDECLARED_ENCOUNTER). */
function violatorTrack(seed: number, plan: FreighterPlan, windPath: Path): TrackSpec {
  // When EAST WIND reaches the drift point.
  const r = route(plan.berth, plan.depart, plan.legs.slice(0, 3));
  const d0 = r.end,
    d1 = d0 + 3 * HOUR_MS;
  const drng = rngFor(seed, 'violator');
  const v = vesselSpec(drng, 577_000_009, 'DARK STAR', 80, 'FOR ORDERS', drng.int(7_000_000, 9_899_999));
  const dpath = alongsidePath(windPath, d0, d1, { sideM: 200, knots: 10, approachMs: 2 * HOUR_MS, fromBearing: 20 });
  return {
    vessel: v,
    role: 'background',
    path: dpath,
    times: reportTimes(drng, d0 - 3 * HOUR_MS, d1 + 2 * HOUR_MS, 180, 360),
    file: 'evidence/ais/background.csv',
  };
}

/** The vessels of the staged situations (background traffic in background.csv). */
function stagedTracks(
  seed: number,
  plans: FreighterPlan[],
  sailings: Sailings,
  stages: (x: StagedSituation) => boolean,
  silentFrom: number | null,
): TrackSpec[] {
  const rng = rngFor(seed, 'staged');
  const trader = sailings.paths.get('sh-1') as Path;
  const dep = plans[0].depart;
  const out: TrackSpec[] = [];
  const add = (mmsi: number, name: string, type: number, path: Path, times: number[]): void => {
    const vessel = vesselSpec(rng, mmsi, name, type, '', rng.int(7_000_000, 9_899_999));
    out.push({ vessel, role: 'background', path, times, file: 'evidence/ais/background.csv' });
  };
  if (stages('transfer-under-way')) {
    // Both steaming: she keeps her 11 kn, SEA MULE holds station 250 m abeam.
    const t0 = dep + 5 * HOUR_MS;
    const t1 = t0 + 75 * MINUTE_MS;
    const path = alongsidePath(trader, t0, t1, { sideM: 250, knots: 14, approachMs: 90 * MINUTE_MS, fromBearing: 250 });
    add(577_000_010, 'SEA MULE', 70, path, reportTimes(rng, t0 - 2 * HOUR_MS, t1 + 90 * MINUTE_MS, 120, 240));
  }
  if (stages('silent-to-end') && silentFrom !== null) {
    // Two fishing vessels working near where CAPE SYNTH falls silent, heard from T0 to the end.
    const cape = sailings.paths.get('sh-2') as Path;
    const last = cape(silentFrom);
    const course = bearingDeg(cape(silentFrom - MINUTE_MS), last);
    const end = sailings.lastReport;
    add(
      577_000_011,
      'FV MARLIN',
      30,
      still(destination(last, course + 90, 12_000)),
      reportTimes(rng, T0, end, 180, 360),
    );
    add(
      577_000_012,
      'FV ALBACORE',
      30,
      still(destination(last, course - 90, 20_000)),
      reportTimes(rng, T0, end, 180, 360),
    );
  }
  if (stages('crossing-traffic')) {
    // At right angles across her track at 12 kn, 100 m astern of her where the tracks cross.
    const tc = dep + 6 * HOUR_MS;
    const p = trader(tc);
    const course = bearingDeg(trader(tc - MINUTE_MS), p);
    const halfM = 30_000;
    const lagMs = (100 / (11 * KNOT_M_PER_S)) * 1000;
    const start = tc + lagMs - (halfM / (12 * KNOT_M_PER_S)) * 1000;
    const path = route(destination(p, course - 90, halfM), start, [
      { to: destination(p, course + 90, halfM), knots: 12 },
    ]).path;
    add(577_000_013, 'CROSS CURRENT', 70, path, reportTimes(rng, start - HOUR_MS, start + 3 * HOUR_MS, 60, 120));
  }
  if (stages('pilot-boat')) {
    // Alongside from her berth out past the harbour mouth: port traffic, not a meeting.
    const t0 = dep + 2 * MINUTE_MS;
    const t1 = t0 + 30 * MINUTE_MS;
    const path = alongsidePath(trader, t0, t1, { sideM: 30, knots: 15, approachMs: 20 * MINUTE_MS, fromBearing: 200 });
    add(577_000_014, 'PILOT ONE', 50, path, reportTimes(rng, t0 - 30 * MINUTE_MS, t1 + 30 * MINUTE_MS, 30, 60));
  }
  return out;
}

/** Imagery: before (29 May) and after (1 June) the deadline (31 May). */
function straitPasses(has: (c: ViolationCode) => boolean, lots: LotSpec[]): PassSpec[] {
  const pass = (id: string, site: string, time: number, count: number, gsd = CAP): PassSpec => ({
    id,
    site,
    time,
    gsd,
    count,
    sensor: 'SYNTH-EO-1 panchromatic',
    source: 'commercial provider (synthetic)',
    method: `degraded to ${gsd} m GSD before sharing`,
    submitted_by: 'inspectorate',
  });
  const before = T0 - 4 * DAY_MS + 15 * HOUR_MS;
  const after = T0 - DAY_MS + 15 * HOUR_MS;
  const passes: PassSpec[] = [
    pass('site-a-before', 'site-a', before, 6, has('RESOLUTION_VIOLATION') ? CAP / 2 : CAP),
    pass('site-a-after', 'site-a', after, has('SITE_NOT_CLEARED') ? 2 : 0),
    pass('site-b-before', 'site-b', before + 20 * MINUTE_MS, lots[2].count),
  ];
  // Unobserved: the only pass of site B after the deadline is under cloud (it would count 0 and clear the site).
  const bAfter = pass('site-b-after', 'site-b', after + 20 * MINUTE_MS, 0);
  passes.push(has('SITE_UNOBSERVED') ? { ...bAfter, cloudCover: 1 } : bAfter);
  return passes;
}
