/**
 * `cuba-1962`: the built-in case, November 1962 (../shared/data/history/cuba-1962.md).
 *
 * Historical: the 42 declared R-12 missiles, the four declared site areas
 * and the three ports (approximate coordinates), eight of the nine ships,
 * Bratsk's 2 from Mariel and its helicopter check on 9 Nov 07:36 EST,
 * Labinsk declared with 2 and showing none, one ship carrying one more
 * than declared, Divnogorsk at 25.43 N 60.32 W and Volgoles at 32.23 N
 * 77.62 W on 9 Nov, Blandy alongside Fizik Kurchatov and Vesole alongside
 * Ivan Polzunov on 10 Nov, exits east through the Crooked Island passage.
 * Reconstructed (marked in the manifest's notes): site polygons, the split
 * of the 42 over sites and ships, the ninth ship, departure times and
 * routes, the zone, the deadline, the resolution cap, unnamed inspectors.
 * Synthetic: AIS (which did not exist in 1962) and the imagery.
 *
 * Times: EST + 5 h = UTC.
 */
import { DEFAULT_TERMS, type Inspector, type ProvenanceNote, type Terms } from '../case/index.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../util/index.js';
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
import type { ViolationCode } from './defaults.js';
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
import { route, type LatLon, type Path } from './paths.js';

export const CUBA_DEFAULT_SEED = 1962;
/** The violations this scenario can seed (the others need the strait's layout). */
export const CUBA_VIOLATIONS: ViolationCode[] = [
  'SITE_NOT_CLEARED',
  'SITE_UNOBSERVED',
  'RESOLUTION_VIOLATION',
  'COMMITMENT_MISMATCH',
  'LOG_INCONSISTENT',
];

const NOV = (d: number, h: number, m = 0): number => Date.UTC(1962, 10, d, h, m);
const OCT = (d: number, h: number, m = 0): number => Date.UTC(1962, 9, d, h, m);
const CAP = 0.5;

const ll = (lat: number, lon: number): LatLon => ({ lat, lon });
/** Mariel out through the Florida Straits. */
const FLORIDA = [
  ll(23.04, -82.755),
  ll(23.25, -82.35),
  ll(23.9, -81.0),
  ll(25.5, -79.75),
  ll(27.5, -79.7),
  ll(30.0, -79.2),
];
/** La Isabela out by the Old Bahama Channel and the Crooked Island passage. */
const CROOKED = [
  ll(22.98, -80.0),
  ll(23.15, -79.8),
  ll(22.95, -78.5),
  ll(22.55, -77.5),
  ll(22.2, -76.5),
  ll(22.05, -75.6),
  ll(22.7, -74.6),
  ll(23.6, -73.6),
];
/** Casilda out south of the Jardines de la Reina and through the Windward Passage. */
const WINDWARD = [
  ll(21.7, -79.99),
  ll(21.3, -79.9),
  ll(20.3, -79.2),
  ll(19.8, -77.5),
  ll(19.85, -75.5),
  ll(20.0, -74.0),
  ll(20.6, -73.0),
  ll(21.8, -71.0),
];

/** A freighter of the removal: where it loaded, when it left, its way out of Cuban waters and on, and its cargo. */
interface Ship {
  key: string;
  name: string;
  port: 'mariel' | 'la-isabela' | 'casilda';
  berth: LatLon;
  depart: number;
  knots: number;
  /** Waypoints out (the first leg at 5 kn), then on across the Atlantic. */
  way: LatLon[];
  onward: LatLon[];
  /** Missiles declared aboard, and the lot they come from. */
  count: number;
  lot: string;
  reconstructedName?: boolean;
}

const ZONE_RING = boxRing(-87.0, 18.5, -58.0, 34.8);

const SITES: SiteSpec[] = [
  { id: 'san-cristobal', name: 'San Cristóbal (MRBM)', lat: 22.68, lon: -83.12, halfM: 150, epsg: 32617 },
  { id: 'sagua-la-grande', name: 'Sagua la Grande (MRBM)', lat: 22.65, lon: -79.87, halfM: 150, epsg: 32617 },
  { id: 'guanajay', name: 'Guanajay (IRBM, unfinished)', lat: 22.93, lon: -82.69, halfM: 150, epsg: 32617 },
  { id: 'remedios', name: 'Remedios (IRBM, unfinished)', lat: 22.49, lon: -79.55, halfM: 150, epsg: 32617 },
].map((s) => ({
  ...s,
  properties: {
    status: 'reconstructed',
    note: 'a square of 300 m around the approximate coordinates; pad coordinates are not public',
  },
}));

const PORTS: PortSpec[] = [
  { id: 'mariel', name: 'Mariel', lat: 22.994, lon: -82.754, halfM: 2000 },
  { id: 'casilda', name: 'Casilda (Trinidad)', lat: 21.76, lon: -79.991, halfM: 1500 },
  { id: 'la-isabela', name: 'La Isabela', lat: 22.939, lon: -80.013, halfM: 1500 },
];

/** A berth in Mariel, degrees off the port's centre. */
const mariel = (dLat: number, dLon: number): LatLon => ll(22.994 + dLat, -82.754 + dLon);

const SHIPS: Ship[] = [
  {
    key: 'divnogorsk',
    name: 'Divnogorsk',
    port: 'la-isabela',
    berth: ll(22.94, -80.012),
    depart: NOV(5, 6),
    knots: 11,
    way: CROOKED,
    onward: [ll(25.43, -60.32), ll(26.5, -55.0)],
    count: 4,
    lot: 'lot-remedios',
  },
  {
    key: 'volgoles',
    name: 'Volgoles',
    port: 'mariel',
    berth: mariel(0.002, 0.003),
    depart: NOV(7, 4),
    knots: 11,
    way: FLORIDA,
    onward: [ll(32.23, -77.62), ll(36.0, -72.0)],
    count: 7,
    lot: 'lot-san-cristobal',
  },
  {
    key: 'bratsk',
    name: 'Bratsk',
    port: 'mariel',
    berth: mariel(-0.003, -0.002),
    depart: NOV(6, 20),
    knots: 9,
    way: FLORIDA,
    onward: [ll(31.5, -72.5), ll(36.5, -65.0)],
    count: 2,
    lot: 'lot-san-cristobal',
  },
  {
    key: 'labinsk',
    name: 'Labinsk',
    port: 'mariel',
    berth: mariel(0.004, -0.004),
    depart: NOV(6, 8),
    knots: 10,
    way: FLORIDA,
    onward: [ll(29.0, -76.0), ll(35.5, -66.0)],
    count: 2,
    lot: 'lot-guanajay',
  },
  {
    key: 'fizik-kurchatov',
    name: 'Fizik Kurchatov',
    port: 'casilda',
    berth: ll(21.758, -79.99),
    depart: NOV(8, 0),
    knots: 10.5,
    way: WINDWARD,
    onward: [ll(24.0, -66.0), ll(25.5, -56.0)],
    count: 6,
    lot: 'lot-remedios',
  },
  {
    key: 'ivan-polzunov',
    name: 'Ivan Polzunov',
    port: 'la-isabela',
    berth: ll(22.937, -80.015),
    depart: NOV(8, 2),
    knots: 11,
    way: CROOKED,
    onward: [ll(26.0, -66.0), ll(28.0, -56.0)],
    count: 8,
    lot: 'lot-sagua-la-grande',
  },
  {
    key: 'metallurg-anosov',
    name: 'Metallurg Anosov',
    port: 'mariel',
    berth: mariel(0.0, 0.006),
    depart: NOV(7, 14),
    knots: 10,
    way: FLORIDA,
    onward: [ll(30.5, -74.0), ll(34.0, -64.0), ll(36.0, -57.0)],
    count: 8,
    lot: 'lot-san-cristobal',
  },
  {
    key: 'leninsky-komsomol',
    name: 'Leninsky Komsomol',
    port: 'la-isabela',
    berth: ll(22.941, -80.01),
    depart: NOV(6, 12),
    knots: 11,
    way: CROOKED,
    onward: [ll(27.0, -62.0), ll(29.0, -55.0)],
    count: 3,
    lot: 'lot-sagua-la-grande',
  },
  {
    key: 'krasnograd',
    name: 'Krasnograd',
    port: 'mariel',
    berth: mariel(-0.004, 0.005),
    depart: NOV(8, 10),
    knots: 10,
    way: FLORIDA,
    onward: [ll(31.0, -76.0), ll(36.0, -68.0)],
    count: 2,
    lot: 'lot-guanajay',
    reconstructedName: true,
  },
];

/** Declared and carried per ship, with what the inspections saw where it differed. */
const PER_SHIP_SPLIT = SHIPS.map(
  (s) => `${s.name} ${s.count}${s.key === 'labinsk' ? ' (0 seen)' : s.key === 'leninsky-komsomol' ? ' (4 seen)' : ''}`,
).join(', ');

/** The destroyers that came alongside (names and hull numbers historical; MMSIs synthetic). */
const NAVY = [
  { id: 'dd-888', name: 'Destroyer hull 888', mmsi: 369_962_888 },
  { id: 'uss-blandy', name: 'USS Blandy (DD-943)', mmsi: 369_962_943 },
  { id: 'uss-vesole', name: 'USS Vesole (DDR-878)', mmsi: 369_962_878 },
  { id: 'uss-barry', name: 'USS Barry (DD-933)', mmsi: 369_962_933 },
  { id: 'uss-leary', name: 'USS Leary (DDR-879)', mmsi: 369_962_879 },
  { id: 'uss-cecil', name: 'USS Charles P. Cecil (DDR-835)', mmsi: 369_962_835 },
];

const AIRCRAFT: Inspector[] = [
  {
    id: 'helo-hss',
    kind: 'aircraft',
    name: 'US Navy helicopter',
    registration: 'HSS-1 (reconstructed)',
    party: 'usa',
  },
  {
    id: 'vp-patrol',
    kind: 'aircraft',
    name: 'US Navy patrol aircraft',
    registration: 'P2V Neptune (reconstructed)',
    party: 'usa',
  },
];

const PARTIES: CaseDescription['parties'] = [
  { id: 'ussr', name: 'Union of Soviet Socialist Republics', role: 'declaring' },
  { id: 'usa', name: 'United States of America', role: 'inspecting' },
  { id: 'un', name: 'United Nations Secretariat', role: 'observer' },
];

const ALONGSIDE =
  'alongside under way, deck cargo photographed; covers pulled back from some missiles only, no hatch opened, no ship stopped';
const LOW_PASS = 'patrol aircraft low pass, deck cargo photographed';

/** When an inspection took place: a time, or (where the sources give a position) the ship's arrival at its k-th waypoint. */
type When = number | { waypoint: number };

/** One inspection at sea: a destroyer alongside (coming in from `fromBearing`), or an aircraft overhead. */
type InspectionPlan = {
  id: string;
  ship: string;
  inspector: string;
  when: When;
  observed: number;
  method: string;
  notes?: string;
} & ({ kind: 'ship'; fromBearing: number } | { kind: 'aircraft' });

const INSPECTIONS: InspectionPlan[] = [
  // Divnogorsk: seen at 25.43 N 60.32 W on 9 Nov (by patrol aircraft: reconstructed).
  {
    id: 'insp-divnogorsk',
    ship: 'divnogorsk',
    inspector: 'vp-patrol',
    kind: 'aircraft',
    when: { waypoint: CROOKED.length },
    observed: 4,
    method: LOW_PASS,
  },
  // Volgoles: destroyer hull 888 at 32.23 N 77.62 W on 9 Nov.
  {
    id: 'insp-volgoles',
    ship: 'volgoles',
    inspector: 'dd-888',
    kind: 'ship',
    when: { waypoint: FLORIDA.length },
    observed: 7,
    fromBearing: 210,
    method: ALONGSIDE,
  },
  // Bratsk: helicopter, 9 Nov 07:36 EST.
  {
    id: 'insp-bratsk',
    ship: 'bratsk',
    inspector: 'helo-hss',
    kind: 'aircraft',
    when: NOV(9, 12, 36),
    observed: 2,
    method: 'helicopter pass, deck cargo photographed (sea too rough to come alongside: reconstructed)',
  },
  // Labinsk: declared 2, none seen.
  {
    id: 'insp-labinsk',
    ship: 'labinsk',
    inspector: 'uss-leary',
    kind: 'ship',
    when: NOV(8, 18),
    observed: 0,
    fromBearing: 250,
    method: ALONGSIDE,
    notes: 'declared with 2 missiles; none seen on deck',
  },
  // Fizik Kurchatov: found by aircraft about 11:00 EST, Blandy alongside about 15:00 EST on 10 Nov.
  {
    id: 'insp-kurchatov-air',
    ship: 'fizik-kurchatov',
    inspector: 'vp-patrol',
    kind: 'aircraft',
    when: NOV(10, 16),
    observed: 6,
    method: 'patrol aircraft located the ship and photographed the deck cargo',
  },
  {
    id: 'insp-kurchatov',
    ship: 'fizik-kurchatov',
    inspector: 'uss-blandy',
    kind: 'ship',
    when: NOV(10, 20),
    observed: 6,
    fromBearing: 300,
    method: ALONGSIDE,
  },
  // Ivan Polzunov: Vesole alongside on 10 Nov.
  {
    id: 'insp-polzunov',
    ship: 'ivan-polzunov',
    inspector: 'uss-vesole',
    kind: 'ship',
    when: NOV(10, 17, 30),
    observed: 8,
    fromBearing: 190,
    method: ALONGSIDE,
    notes: 'at least 5 transporters seen under covers; 8 counted',
  },
  // Metallurg Anosov: patrol aircraft, then Barry.
  {
    id: 'insp-anosov-air',
    ship: 'metallurg-anosov',
    inspector: 'vp-patrol',
    kind: 'aircraft',
    when: NOV(8, 19),
    observed: 8,
    method: LOW_PASS,
  },
  {
    id: 'insp-anosov',
    ship: 'metallurg-anosov',
    inspector: 'uss-barry',
    kind: 'ship',
    when: NOV(9, 15),
    observed: 8,
    fromBearing: 220,
    method: ALONGSIDE,
  },
  // Leninsky Komsomol: one more than declared.
  {
    id: 'insp-leninsky-komsomol',
    ship: 'leninsky-komsomol',
    inspector: 'uss-cecil',
    kind: 'ship',
    when: NOV(8, 17),
    observed: 4,
    fromBearing: 200,
    method: ALONGSIDE,
    notes: 'declared with 3; 4 counted on deck',
  },
  // The ninth ship.
  {
    id: 'insp-krasnograd',
    ship: 'krasnograd',
    inspector: 'vp-patrol',
    kind: 'aircraft',
    when: NOV(10, 15),
    observed: 2,
    method: LOW_PASS,
  },
];

/** What each seeded violation changes, in the order truth.json lists them. */
const VIOLATION_NOTES: Partial<Record<ViolationCode, string>> = {
  SITE_NOT_CLEARED: 'SITE_NOT_CLEARED: the 1 Nov pass of San Cristóbal still shows 2 missiles.',
  SITE_UNOBSERVED: 'SITE_UNOBSERVED: Remedios has no pass after the deadline.',
  RESOLUTION_VIOLATION: `RESOLUTION_VIOLATION: the 27 Oct pass of San Cristóbal is shared at ${CAP / 2} m, finer than the cap.`,
  COMMITMENT_MISMATCH: 'COMMITMENT_MISMATCH: the reveal of lot-san-cristobal has an item altered after committing.',
  LOG_INCONSISTENT: 'LOG_INCONSISTENT: case.yaml pins the log to a key other than keys/operator.key.',
};

const PROVENANCE: ProvenanceNote[] = [
  {
    part: 'declared inventory',
    status: 'historical',
    note: '42 R-12 (SS-4) missiles declared by Kuznetsov to McCloy, 4-5 Nov 1962',
  },
  {
    part: 'sites',
    status: 'reconstructed',
    note: 'declared site areas from approximate coordinates; polygons of 300 m drawn around them; pad coordinates are not public',
  },
  {
    part: 'lots',
    status: 'reconstructed',
    note: 'one lot per site; the split of the 42 over the sites (17, 11, 4, 10) is a reconstruction (no R-14 reached Guanajay or Remedios)',
  },
  {
    part: 'ports',
    status: 'historical',
    note: 'Mariel, Casilda and La Isabela, approximate coordinates; port polygons reconstructed',
  },
  {
    part: 'ships',
    status: 'historical',
    note: 'eight of the nine freighters named in the sources; Bratsk 2 from Mariel; Labinsk declared 2, none seen; one ship carried one more than declared',
  },
  {
    part: 'ninth ship',
    status: 'reconstructed',
    note: 'the ninth ship (here Krasnograd) and its cargo are a reconstruction',
  },
  {
    part: 'per-ship split',
    status: 'reconstructed',
    note: `${PER_SHIP_SPLIT}; the ship that carried one more is a reconstruction`,
  },
  {
    part: 'inspections',
    status: 'historical',
    note: 'Bratsk by helicopter 9 Nov 07:36 EST; Blandy alongside Fizik Kurchatov and Vesole alongside Ivan Polzunov 10 Nov; hull 888 with Volgoles; Divnogorsk at 25.43 N 60.32 W and Volgoles at 32.23 N 77.62 W on 9 Nov',
  },
  {
    part: 'other inspections',
    status: 'reconstructed',
    note: 'Leary with Labinsk, Cecil with Leninsky Komsomol, patrol aircraft for Divnogorsk, Metallurg Anosov and the ninth ship, and all times not in the sources',
  },
  {
    part: 'routes and departures',
    status: 'reconstructed',
    note: 'Mariel ships via the Florida Straits, La Isabela ships east via the Old Bahama Channel and the Crooked Island passage, Fizik Kurchatov via the Windward Passage',
  },
  {
    part: 'zone',
    status: 'reconstructed',
    note: 'a box from 87 W to 58 W and 18.5 N to 34.8 N, drawn so that the recorded inspections lie inside it',
  },
  {
    part: 'terms',
    status: 'reconstructed',
    note: 'removal deadline 1 Nov 1962 00:00 UTC; resolution cap 0.5 m; dark period 6 h',
  },
  {
    part: 'AIS',
    status: 'synthetic',
    note: 'AIS did not exist in 1962: every track, MMSI and report is synthetic, drawn along the reconstructed routes',
  },
  {
    part: 'imagery',
    status: 'synthetic',
    note: 'rendered scenes at the cap: the declared count before (27 Oct), none after (1 Nov)',
  },
];

const TERMS: Terms = {
  removal_deadline: '1962-11-01T00:00:00Z',
  resolution_cap_m: CAP,
  item_classes: [
    {
      id: 'r-12',
      name: 'R-12 (SS-4) missile on its transporter',
      length_m: [20, 25],
      width_m: [1.6, 3.4],
      height_m: 3,
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
    source: 'synthetic AIS (none existed in 1962)',
    method: 'AIVDM with IEC 61162-450 tag blocks',
    submitted_by: 'usa',
    stations: ['rKEYWEST', 'rGTMO', 'sSAT-A'],
  },
  {
    path: 'evidence/ais/navy.nmea',
    format: 'nmea',
    source: 'synthetic AIS of the inspecting destroyers',
    method: 'AIVDM with IEC 61162-450 tag blocks',
    submitted_by: 'usa',
    stations: ['rKEYWEST', 'sSAT-A'],
  },
  {
    path: 'evidence/ais/background.csv',
    format: 'marinecadastre',
    source: 'synthetic background traffic',
    method: 'MarineCadastre CSV',
    submitted_by: 'un',
    stations: [],
  },
];

/** The freighters under way: shipments, paths, arrival at each waypoint, and the span of their AIS. */
interface Sailings {
  shipments: ShipmentSpec[];
  paths: Map<string, Path>;
  waypointTimes: Map<string, number[]>;
  spans: Map<string, [number, number]>;
}

export function cuba1962Description(seed: number, scale: number, violations: ViolationCode[]): CaseDescription {
  for (const v of violations) {
    if (!CUBA_VIOLATIONS.includes(v))
      throw new RangeError(`cuba-1962 seeds only ${CUBA_VIOLATIONS.join(', ')}; use the strait scenario for ${v}`);
  }
  const has = (c: ViolationCode): boolean => violations.includes(c);
  const lots = cubaLots(has);
  const sailings = sail(seed);
  const navy = navyVessels(seed);
  const atSea = inspect(seed, sailings, navy);
  // Destroyer tracks first, then the freighters and the background: the order of the AIS files.
  const tracks: TrackSpec[] = [...atSea.tracks, ...freighterTracks(seed, sailings, atSea.dense)];
  tracks.push(...backgroundTracks(seed, 8 * scale, BACKGROUND));
  const notes = Object.entries(VIOLATION_NOTES)
    .filter(([code]) => has(code as ViolationCode))
    .map(([, note]) => note);
  return {
    scenario: 'cuba-1962',
    seed,
    scale,
    violations,
    id: 'cuba-1962',
    name: 'Cuba, November 1962: the removal of the Soviet medium-range missiles',
    description:
      'The USSR declared 42 R-12 missiles in Cuba; the United States confirmed the dismantling of the sites by aerial photography ' +
      'and counted the missiles on the decks of nine departing freighters at sea. A reconstruction: AIS and imagery are synthetic.',
    notes: PROVENANCE,
    parties: PARTIES,
    declaringParty: 'ussr',
    inspectors: [
      ...NAVY.map((n) => ({ id: n.id, kind: 'ship' as const, name: n.name, mmsi: n.mmsi, party: 'usa' })),
      ...AIRCRAFT,
    ],
    terms: TERMS,
    sites: SITES,
    ports: PORTS,
    zone: { id: 'zone', name: 'Monitored zone (reconstructed)', ring: ZONE_RING },
    lots,
    shipments: sailings.shipments,
    passes: cubaPasses(has, lots),
    inspections: atSea.inspections,
    tracks,
    aisFiles: AIS_FILES,
    pinWrongLogKey: has('LOG_INCONSISTENT'),
    truthNotes: [
      'cuba-1962: a reconstruction; the truth is derived from the scenario description by the verification rules, not by running the verifier',
      'expected: COUNT_MISMATCH for Labinsk (declared 2, none seen) and Leninsky Komsomol (declared 3, 4 counted); INVENTORY_SHORTFALL, 40 of 42: 2 short, the 1 surplus on Leninsky Komsomol fills no other shipment',
      ...notes,
    ],
  };
}

/** One lot per site; San Cristóbal's is challenged for 2 items. */
function cubaLots(has: (c: ViolationCode) => boolean): LotSpec[] {
  return [
    {
      id: 'lot-san-cristobal',
      site: 'san-cristobal',
      item_class: 'r-12',
      count: 17,
      challengeK: 2,
      tamperReveal: has('COMMITMENT_MISMATCH'),
    },
    { id: 'lot-sagua-la-grande', site: 'sagua-la-grande', item_class: 'r-12', count: 11 },
    { id: 'lot-guanajay', site: 'guanajay', item_class: 'r-12', count: 4 },
    { id: 'lot-remedios', site: 'remedios', item_class: 'r-12', count: 10 },
  ];
}

/** Each ship's vessel (one seeded stream), route out of port at 5 kn then at speed, and AIS span until 2 h after it leaves the zone. */
function sail(seed: number): Sailings {
  const vrng = rngFor(seed, 'vessels');
  const shipments: ShipmentSpec[] = [];
  const paths = new Map<string, Path>();
  const waypointTimes = new Map<string, number[]>();
  const spans = new Map<string, [number, number]>();
  SHIPS.forEach((s, i) => {
    const vessel = vesselSpec(vrng, 273_100_001 + i, s.name, 70, 'BALTIYSK', vrng.int(5_000_000, 5_999_999));
    const legs = [...s.way, ...s.onward].map((to, k) => ({ to, knots: k === 0 ? 5 : s.knots }));
    // Arrival time at each waypoint.
    const times: number[] = [];
    for (let k = 1; k <= legs.length; k++) times.push(route(s.berth, s.depart, legs.slice(0, k)).end);
    waypointTimes.set(s.key, times);
    const path = route(s.berth, s.depart, legs).path;
    paths.set(s.key, path);
    const exit = exitTime(path, ZONE_RING, s.depart, s.depart + 20 * DAY_MS);
    if (exit === null) throw new Error(`cuba-1962: ${s.name} never leaves the zone`);
    spans.set(s.key, [s.depart - 12 * HOUR_MS, exit + 2 * HOUR_MS]);
    shipments.push({
      id: `sh-${s.key}`,
      vessel,
      port: s.port,
      date: Math.floor(s.depart / DAY_MS) * DAY_MS,
      count: s.count,
      lots: [s.lot],
    });
  });
  return { shipments, paths, waypointTimes, spans };
}

/** The destroyers' vessels, from their own seeded stream. */
function navyVessels(seed: number): Map<string, VesselSpec> {
  const irng = rngFor(seed, 'inspectors');
  return new Map(NAVY.map((n) => [n.id, vesselSpec(irng, n.mmsi, n.name.replace(/\s*\(.*\)$/, ''), 35, 'NORFOLK')]));
}

/**
 * The inspections at sea, in the order of INSPECTIONS: each record, and for
 * a destroyer its track alongside (the rendezvous) and the freighter's
 * denser reports meanwhile.
 */
function inspect(
  seed: number,
  sailings: Sailings,
  navy: Map<string, VesselSpec>,
): { tracks: TrackSpec[]; inspections: InspectionSpec[]; dense: Map<string, number[][]> } {
  const tracks: TrackSpec[] = [];
  const inspections: InspectionSpec[] = [];
  const dense = new Map<string, number[][]>();
  for (const plan of INSPECTIONS) {
    const when = plan.when;
    const time =
      typeof when === 'number'
        ? when
        : Math.round((sailings.waypointTimes.get(plan.ship) as number[])[when.waypoint] / MINUTE_MS) * MINUTE_MS;
    const vpath = sailings.paths.get(plan.ship) as Path;
    if (plan.kind === 'ship') {
      const t0 = time - 20 * MINUTE_MS,
        t1 = time + 25 * MINUTE_MS;
      const ipath = alongsidePath(vpath, t0, t1, {
        sideM: 350,
        knots: 20,
        approachMs: 2.5 * HOUR_MS,
        fromBearing: plan.fromBearing,
      });
      const r = rngFor(seed, `inspector/${plan.id}`);
      const times = mergeTimes(
        reportTimes(r, t0 - 3 * HOUR_MS, t1 + 2 * HOUR_MS, 120, 300),
        reportTimes(r, t0 - 10 * MINUTE_MS, t1 + 10 * MINUTE_MS, 30, 60),
      );
      const vessel = navy.get(plan.inspector) as VesselSpec;
      tracks.push({ vessel, role: 'inspector', path: ipath, times, file: 'evidence/ais/navy.nmea' });
      const meanwhile = reportTimes(r, t0 - 10 * MINUTE_MS, t1 + 10 * MINUTE_MS, 60, 120);
      dense.set(plan.ship, [...(dense.get(plan.ship) ?? []), meanwhile]);
    }
    const sh = sailings.shipments.find((x) => x.id === `sh-${plan.ship}`) as ShipmentSpec;
    inspections.push({
      id: plan.id,
      inspector: plan.inspector,
      kind: plan.kind,
      vessel_mmsi: sh.vessel.mmsi,
      vessel_name: sh.vessel.name,
      time,
      position: vpath(time),
      observed_count: plan.observed,
      method: plan.method,
      ...(plan.notes ? { notes: plan.notes } : {}),
    });
  }
  return { tracks, inspections, dense };
}

/** Freighter AIS: from 12 h before departure (in port) to 2 h after leaving the zone, denser alongside. */
function freighterTracks(seed: number, sailings: Sailings, dense: Map<string, number[][]>): TrackSpec[] {
  return SHIPS.map((s, i) => {
    const [a, b] = sailings.spans.get(s.key) as [number, number];
    const r = rngFor(seed, `freighter/${s.key}`);
    const times = mergeTimes(reportTimes(r, a, b, 180, 360), ...(dense.get(s.key) ?? []));
    return {
      vessel: sailings.shipments[i].vessel,
      role: 'shipment',
      path: sailings.paths.get(s.key) as Path,
      times,
      file: 'evidence/ais/freighters.nmea',
    };
  });
}

/** Background traffic on the shipping lanes around Cuba, 5-11 Nov. */
const BACKGROUND: Parameters<typeof backgroundTracks>[2] = {
  bbox: [-84, 21, -70, 30],
  start: NOV(5, 0),
  spanMs: 6 * DAY_MS,
  mmsiBase: 311_620_000,
  file: 'evidence/ais/background.csv',
  lanes: [
    [ll(23.55, -85.5), ll(23.75, -80.6)], // Florida Straits
    [ll(25.0, -79.6), ll(30.5, -79.6)], // the Gulf Stream north
    [ll(26.0, -74.0), ll(32.0, -62.0)], // the open Atlantic
    [ll(18.8, -85.0), ll(18.9, -79.5)], // the Caribbean south of Cuba, north of Jamaica's longitude
  ],
  names: [
    'ATLANTIC TRADER',
    'MARIA ELENA',
    'GULF PRIDE',
    'SANTA LUCIA',
    'NORDIC STAR',
    'CARIBE',
    'ESSO BAHAMAS',
    'PINE RIDGE',
  ],
  destinations: ['NEW ORLEANS', 'KINGSTON', 'NASSAU', 'HOUSTON', 'SAN JUAN'],
};

/** Imagery: every site before (27 Oct) and after (1 Nov) the dismantling. */
function cubaPasses(has: (c: ViolationCode) => boolean, lots: LotSpec[]): PassSpec[] {
  const passes: PassSpec[] = [];
  const pass = (id: string, site: string, time: number, count: number, gsd = CAP): PassSpec => ({
    id,
    site,
    time,
    gsd,
    count,
    sensor: 'aerial reconnaissance camera (synthetic scene)',
    source: 'US reconnaissance photography, reconstructed',
    method: `synthetic rendering at the ${CAP} m resolution cap`,
    submitted_by: 'usa',
  });
  SITES.forEach((s, k) => {
    const declared = lots.filter((l) => l.site === s.id).reduce((a, l) => a + l.count, 0);
    const before = has('RESOLUTION_VIOLATION') && k === 0 ? CAP / 2 : CAP;
    passes.push(pass(`${s.id}-1962-10-27`, s.id, OCT(27, 17, 10 * k), declared, before));
    if (has('SITE_UNOBSERVED') && k === 3) return;
    passes.push(pass(`${s.id}-1962-11-01`, s.id, NOV(1, 17, 10 * k), has('SITE_NOT_CLEARED') && k === 0 ? 2 : 0));
  });
  return passes;
}
