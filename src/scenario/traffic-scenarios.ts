/**
 * The known-answer traffic scenarios, one function each: a port visit and a
 * berth shift, an encounter across midnight, crossing paths, a pair close
 * for too short a time, a dark period, loitering, irregular reporting, an
 * encounter across the antimeridian, a spoofed jump, encounters at the
 * thresholds, a chain of three. Each returns its AIS and the answers.
 */
import { HOUR_MS, KNOT_M_PER_S, MINUTE_MS } from '../util/index.js';
import { boxFeature, collection, portBox, ringOf } from './geojson.js';
import { destination, distanceM, drift, goTo, piecewise, route, still, type Path } from './paths.js';
import { Builder, type Vessel } from './traffic-builder.js';
import {
  crossing,
  encounterExpected,
  iso,
  meeting,
  midOf,
  pairOf,
  reportRun,
  SCENARIO_DAY,
  SLOT_TOLERANCE,
  type ExpectedEvent,
  type NotExpectedEvent,
  type TrafficScenario,
} from './traffic-events.js';

const FLORIDA_STATIONS = ['rKEYWEST', 'rHAVANA', 'rMARATHON'];
const OCEAN_STATIONS = ['sSAT-A', 'sSAT-B'];
const FLORIDA_ZONE = collection([boxFeature('FLORIDA STRAITS ZONE', -86, 21.5, -74, 26.5)]);
const FLORIDA_PORTS = [portBox('KEY WEST', 24.555, -81.79), portBox('HAVANA', 23.137, -82.345, 2500)];

export function portVisit(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_011_000, FLORIDA_STATIONS);
  const S = SCENARIO_DAY;
  const E = S + 21 * HOUR_MS;
  const sierra = boxFeature('HAVANA SIERRA MAESTRA', -82.356, 23.128, -82.349, 23.136);
  const regla = boxFeature('HAVANA REGLA', -82.336, 23.122, -82.326, 23.13);
  const mariel = portBox('MARIEL', 22.99, -82.76);
  const ports = collection([sierra, regla, mariel, portBox('KEY WEST', 24.555, -81.79)]);

  // The berth shifter: moored at Sierra Maestra from the start, shifts to Regla at 04:00, stays to the end.
  const shifter = b.vessel('shifts berth between two port polygons within 6 h: never departs', 'MAR CARIBE', {
    destination: 'HAVANA',
  });
  const smBerth = { lat: 23.132, lon: -82.352 };
  const reglaBerth = { lat: 23.126, lon: -82.331 };
  const sh = route(smBerth, S, [{ holdMs: 4 * HOUR_MS }, { to: reglaBerth, knots: 3 }, { holdMs: 48 * HOUR_MS }]);
  const shTrack = b.add({ vessel: shifter, path: sh.path, times: b.times(S, E, 45, 75) });

  // The departing vessel: in from the north at 03:00, moored at Regla 200 m from the shifter's new berth, out at 13:00.
  const leaver = b.vessel('arrives, moors, departs and stays at sea', 'PUERTO PADRE', { destination: 'NASSAU' });
  const sea0 = { lat: 23.42, lon: -82.36 };
  const channel = { lat: 23.165, lon: -82.36 };
  const entrance = { lat: 23.152, lon: -82.358 };
  const lBerth = destination(reglaBerth, 90, 200);
  const tIn = S + 1 * HOUR_MS;
  const inbound = route(sea0, tIn, [
    { to: channel, knots: 12 },
    { to: entrance, knots: 6 },
    { to: lBerth, knots: 4 },
  ]);
  const tOut = S + 12 * HOUR_MS;
  const outbound = route(lBerth, tOut, [
    { to: entrance, knots: 4 },
    { to: channel, knots: 6 },
    { to: { lat: 23.6, lon: -81.9 }, knots: 12 },
    { to: { lat: 24.05, lon: -80.8 }, knots: 12 },
    { to: { lat: 24.2, lon: -80.2 }, knots: 12 },
  ]);
  const lvPath = piecewise([
    [tIn, inbound.path],
    [inbound.end, still(lBerth)],
    [tOut, outbound.path],
  ]);
  b.add({ vessel: leaver, path: lvPath, times: b.times(tIn, outbound.end, 45, 75) });

  const sr = ringOf(sierra);
  const rr = ringOf(regla);
  const shExit = crossing(sh.path, sr, S + 4 * HOUR_MS, S + 5 * HOUR_MS);
  const shEntry = crossing(sh.path, rr, shExit, S + 6 * HOUR_MS);
  const lvEntry = crossing(lvPath, rr, tIn, inbound.end);
  const lvExit = crossing(lvPath, rr, tOut, tOut + 2 * HOUR_MS);
  const [shFirst] = reportRun(shTrack, sr, S);
  const [, shLast] = reportRun(shTrack, rr, E);
  const visit = (v: Vessel, port: string, a: number, z: number, departed: boolean, note: string): ExpectedEvent => ({
    kind: 'port_visit',
    mmsi: [v.mmsi],
    port,
    departed,
    startMs: a,
    endMs: z,
    start: iso(a),
    end: iso(z),
    toleranceMs: 5 * MINUTE_MS,
    note,
  });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'port-visit',
    description:
      'Havana: a vessel arrives from sea, moors at Regla for about 9 h and departs north (one port visit, departed); ' +
      'another, moored at Sierra Maestra from the start, shifts berth to Regla at 04:00 through 1.3 km of water outside ' +
      'any port polygon and stays there (two visits, neither departed: it was back inside a port within the 6 h grace). ' +
      'The two lie 200 m apart at Regla for 7 h, slow: an encounter the 10 km port rule must exclude.',
    startMs,
    endMs,
    nmea,
    ports,
    zone: collection([boxFeature('CUBA NORTH COAST ZONE', -84, 22.5, -80, 24.6)]),
    vessels: b.info(),
    expected: [
      visit(
        shifter,
        'HAVANA SIERRA MAESTRA',
        shFirst,
        shExit,
        false,
        'in port from the first report; leaves the polygon at the boundary crossing (end ± one report interval)',
      ),
      visit(
        shifter,
        'HAVANA REGLA',
        shEntry,
        shLast,
        false,
        'entered 15 min after leaving Sierra Maestra: the shift is not a departure; still in port at the end of the data',
      ),
      visit(
        leaver,
        'HAVANA REGLA',
        lvEntry,
        lvExit,
        true,
        'entry and exit at the polygon boundary crossings; then at sea (outside every port) for more than 6 h',
      ),
    ],
    notExpected: [
      {
        kind: 'port_visit',
        mmsi: [leaver.mmsi],
        port: 'HAVANA SIERRA MAESTRA',
        why: 'it passes 1.4 km east of HAVANA SIERRA MAESTRA without entering it; no visit there',
      },
      {
        kind: 'encounter',
        mmsi: pairOf(shifter.mmsi, leaver.mmsi),
        why: 'moored 200 m apart at Regla for 7 h, but inside a port polygon (less than 10 km from port)',
      },
      { kind: 'loitering', mmsi: [leaver.mmsi], why: 'stopped only in port, within 20 nm of the Cuban shore' },
      { kind: 'dark_period', mmsi: [shifter.mmsi], why: 'reports every 45-75 s throughout' },
    ],
    expectedFlags: [],
  };
}

export function encounterMidnight(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_012_000, FLORIDA_STATIONS);
  const t0 = SCENARIO_DAY + 22 * HOUR_MS + 35 * MINUTE_MS;
  const t1 = t0 + 3 * HOUR_MS;
  const bearing = (t: number): number => 20 + (90 * (t - t0)) / (t1 - t0);
  const dist = (t: number): number => 200 + 90 * Math.sin((2 * Math.PI * (t - t0)) / (100 * MINUTE_MS));
  const m = meeting({
    centre: { lat: 23.9, lon: -81.4 },
    t0,
    t1,
    course: 70,
    knots: 0.6,
    from: 250,
    to: 250,
    companions: [{ bearing, distM: dist }],
  });
  const a = b.vessel('meets B at sea across midnight', 'CASILDA STAR');
  const c = b.vessel('meets A at sea across midnight', 'OCEAN GRACE', { shiptype: 80 });
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 40, 80) });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'encounter-midnight',
    description:
      'Two vessels meet in the Florida Straits 75 km from Key West, drift under 1 kn 110-290 m apart from 22:35 to 01:35 UTC ' +
      '(across midnight), and leave at 11 kn: one encounter.',
    startMs,
    endMs,
    nmea,
    ports: collection(FLORIDA_PORTS),
    zone: FLORIDA_ZONE,
    vessels: b.info(),
    expected: [
      encounterExpected(
        a,
        c,
        t0,
        t1,
        midOf(m.paths[0], m.paths[1], t0, t1),
        'close from 22:35 to 01:35 UTC: slots 22:40 ... 01:30 (18 slots, 3 h), one encounter across the change of day',
      ),
    ],
    notExpected: [
      { kind: 'loitering', mmsi: [a.mmsi], why: 'slow for 3 h 30 min only (under 4 h)' },
      { kind: 'port_visit', mmsi: [a.mmsi], why: 'never inside a port polygon' },
    ],
    expectedFlags: [],
  };
}

export function crossingPaths(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_013_000, FLORIDA_STATIONS);
  const X = { lat: 23.95, lon: -81.0 };
  const tc = SCENARIO_DAY + 9 * HOUR_MS;
  const speed = 12;
  const a = b.vessel("crosses B's path at 12 kn", 'NORTHERN LIGHT');
  const c = b.vessel("crosses A's path at 12 kn", 'SANTA CLARA');
  const pa = drift(X, tc, 90, speed);
  const pc = drift(X, tc + 45_000, 0, speed);
  b.add({ vessel: a, path: pa, times: b.times(tc - 90 * MINUTE_MS, tc + 90 * MINUTE_MS, 20, 40) });
  b.add({ vessel: c, path: pc, times: b.times(tc - 90 * MINUTE_MS, tc + 90 * MINUTE_MS, 20, 40) });
  let least = Infinity;
  let closeS = 0;
  for (let t = tc - 10 * MINUTE_MS; t <= tc + 10 * MINUTE_MS; t += 1000) {
    const d = distanceM(pa(t), pc(t));
    least = Math.min(least, d);
    if (d <= 500) closeS++;
  }
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'crossing',
    description:
      `Two vessels at ${speed} kn on courses 090 and 000 cross the same point 45 s apart (closest approach ${Math.round(least)} m, ` +
      `within 500 m for ${closeS} s): no encounter.`,
    startMs,
    endMs,
    nmea,
    ports: collection(FLORIDA_PORTS),
    zone: FLORIDA_ZONE,
    vessels: b.info(),
    expected: [],
    notExpected: [
      {
        kind: 'encounter',
        mmsi: pairOf(a.mmsi, c.mmsi),
        why: `within 500 m for about ${closeS} s (at most one 10-minute slot), both at ${speed} kn`,
      },
    ],
    expectedFlags: [],
  };
}

export function shortPair(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_014_000, FLORIDA_STATIONS);
  const t0 = SCENARIO_DAY + 10 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 90 * MINUTE_MS;
  const m = meeting({
    centre: { lat: 24.05, lon: -80.6 },
    t0,
    t1,
    course: 120,
    knots: 0.5,
    from: 200,
    to: 200,
    companions: [{ bearing: 10, distM: 200 }],
  });
  const a = b.vessel('close to B for 1 h 30 min only', 'RIO CAUTO');
  const c = b.vessel('close to A for 1 h 30 min only', 'LA GOMERA');
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 40, 80) });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'short-pair',
    description:
      'Two vessels drift 200 m apart at 0.5 kn from 10:05 to 11:35 UTC (1 h 30 min) and leave: no encounter.',
    startMs,
    endMs,
    nmea,
    ports: collection(FLORIDA_PORTS),
    zone: FLORIDA_ZONE,
    vessels: b.info(),
    expected: [],
    notExpected: [
      {
        kind: 'encounter',
        mmsi: pairOf(a.mmsi, c.mmsi),
        why: 'close at slots 10:10 ... 11:30 only: 9 slots = 90 min, under 2 h',
      },
    ],
    expectedFlags: [],
  };
}

export function darkPeriod(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_015_000, FLORIDA_STATIONS);
  const S = SCENARIO_DAY;
  const d = b.vessel('silent for 18 h inside the zone', 'DIVNOGORSK');
  const dPath = drift({ lat: 23.95, lon: -85.3 }, S, 90, 10);
  const dGap: [number, number] = [S + 6 * HOUR_MS, S + 24 * HOUR_MS];
  const dTrack = b.add({ vessel: d, path: dPath, times: b.times(S, S + 30 * HOUR_MS, 90, 150, dGap) });
  const e = b.vessel('silent for 11 h inside the zone (under the 12 h minimum)', 'KIMOVSK');
  const ePath = drift({ lat: 23.45, lon: -84.9 }, S, 80, 9);
  b.add({
    vessel: e,
    path: ePath,
    times: b.times(S + 1 * HOUR_MS, S + 26 * HOUR_MS, 90, 150, [S + 8 * HOUR_MS, S + 19 * HOUR_MS]),
  });
  const pos = (t: number): { timeMs: number; time: string; lat: number; lon: number } => {
    const p = Builder.sentPosition(dTrack, t);
    return { timeMs: t, time: iso(t), lat: p.lat, lon: p.lon };
  };
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'dark',
    description:
      'A vessel steaming east at 10 kn through the Florida Straits zone stops reporting at 06:00 UTC and reappears 18 h later ' +
      '180 nm further east, still inside the zone: one dark period. Another is silent for 11 h: none.',
    startMs,
    endMs,
    nmea,
    ports: collection(FLORIDA_PORTS),
    zone: FLORIDA_ZONE,
    vessels: b.info(),
    expected: [
      {
        kind: 'dark_period',
        mmsi: [d.mmsi],
        startMs: dGap[0],
        endMs: dGap[1],
        start: iso(dGap[0]),
        end: iso(dGap[1]),
        toleranceMs: 1000,
        last: pos(dGap[0]),
        first: pos(dGap[1]),
        distanceM: Math.round(distanceM(pos(dGap[0]), pos(dGap[1]))),
        note: 'silence from the last report before it to the first after it, both inside the zone; the track also splits into two segments (gap > 12 h)',
      },
    ],
    notExpected: [
      { kind: 'dark_period', mmsi: [e.mmsi], why: 'silent for 11 h, under the 12 h minimum' },
      { kind: 'encounter', mmsi: pairOf(d.mmsi, e.mmsi), why: 'never within 30 km of each other' },
    ],
    expectedFlags: [],
  };
}

export function loitering(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_016_000, OCEAN_STATIONS);
  const rng = b.rng;
  const t0 = SCENARIO_DAY + 6 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 8 * HOUR_MS;
  const P0 = { lat: 25.0, lon: -60.0 };
  // Drift: 40-minute legs at 0.3-1.5 kn on random courses.
  const parts: [number, Path][] = [];
  const W = destination(P0, 270, 10 * KNOT_M_PER_S * 7200);
  parts.push([t0 - 2 * HOUR_MS, goTo(W, P0, t0 - 2 * HOUR_MS, t0)]);
  let at = P0;
  for (let t = t0; t < t1; t += 40 * MINUTE_MS) {
    const leg = drift(at, t, rng.range(0, 360), rng.range(0.3, 1.5));
    parts.push([t, leg]);
    at = leg(Math.min(t + 40 * MINUTE_MS, t1));
  }
  const E = destination(at, 90, 10 * KNOT_M_PER_S * 7200);
  parts.push([t1, goTo(at, E, t1, t1 + 2 * HOUR_MS)]);
  const l = b.vessel('drifts for 8 h in open ocean', 'ATLANTIC DAWN', { shiptype: 30 });
  const lPath = piecewise(parts);
  b.add({ vessel: l, path: lPath, times: b.times(t0 - 2 * HOUR_MS, t1 + 2 * HOUR_MS, 40, 80), status: () => 0 });
  // A second vessel 60 km north, slow for 3 h 30 min only.
  const s0 = t0 + 2 * HOUR_MS;
  const Q = destination(P0, 0, 60_000);
  const q = b.vessel('drifts for 3 h 30 min only', 'SARGASSO', { shiptype: 30 });
  const qPath = piecewise([
    [s0 - HOUR_MS, goTo(destination(Q, 180, 10 * KNOT_M_PER_S * 3600), Q, s0 - HOUR_MS, s0)],
    [s0, drift(Q, s0, 300, 0.8)],
    [
      s0 + 3.5 * HOUR_MS,
      goTo(
        drift(Q, s0, 300, 0.8)(s0 + 3.5 * HOUR_MS),
        destination(Q, 0, 30_000),
        s0 + 3.5 * HOUR_MS,
        s0 + 4.5 * HOUR_MS,
      ),
    ],
  ]);
  b.add({ vessel: q, path: qPath, times: b.times(s0 - HOUR_MS, s0 + 4.5 * HOUR_MS, 40, 80), status: () => 0 });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'loitering',
    description:
      'A vessel comes in at 10 kn, drifts at 0.3-1.5 kn for 8 h around 25N 60W (some 900 km from the nearest land) from 06:05 ' +
      'to 14:05 UTC, and leaves at 10 kn: one loitering event. Another, 60 km north, is slow for 3 h 30 min: none.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('HAMILTON', 32.29, -64.78)]),
    zone: collection([boxFeature('SARGASSO SEA ZONE', -66, 20, -54, 30)]),
    vessels: b.info(),
    expected: [
      {
        kind: 'loitering',
        mmsi: [l.mmsi],
        startMs: t0,
        endMs: t1,
        start: iso(t0),
        end: iso(t1),
        toleranceMs: SLOT_TOLERANCE,
        lat: 25.0,
        lon: -60.0,
        positionToleranceM: 10_000,
        note: 'under 2 kn from 06:05 to 14:05 UTC, hundreds of km from shore',
      },
    ],
    notExpected: [
      { kind: 'loitering', mmsi: [q.mmsi], why: 'under 2 kn for 3 h 30 min only (the minimum is 4 h)' },
      { kind: 'encounter', mmsi: pairOf(l.mmsi, q.mmsi), why: 'never within 50 km of each other' },
    ],
    expectedFlags: [],
  };
}

export function irregular(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_017_000, OCEAN_STATIONS);
  const t0 = SCENARIO_DAY + 14 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 3 * HOUR_MS;
  const m = meeting({
    centre: { lat: 26.5, lon: -62.0 },
    t0,
    t1,
    course: 200,
    knots: 0.7,
    from: 30,
    to: 30,
    companions: [
      {
        bearing: (t) => 120 + 40 * Math.sin((t - t0) / HOUR_MS),
        distM: (t) => 250 + 50 * Math.cos((t - t0) / (40 * MINUTE_MS)),
      },
    ],
  });
  const a = b.vessel('meets B; reports at random intervals of 2 s to 6 min', 'KASIMOV');
  const c = b.vessel('meets A; Class B, reports at random intervals of 2 s to 6 min', 'PESCADOR', { classB: true });
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 2, 360) });
  b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 2, 360) });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'irregular',
    description:
      'Two vessels (one Class A, one Class B) reporting at random intervals of 2 s to 6 min drift 200-300 m apart at 0.7 kn ' +
      'from 14:05 to 17:05 UTC: one encounter, found through interpolation onto the 10-minute grid.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('HAMILTON', 32.29, -64.78)]),
    zone: collection([boxFeature('SARGASSO SEA ZONE', -66, 20, -54, 30)]),
    vessels: b.info(),
    expected: [
      encounterExpected(a, c, t0, t1, midOf(m.paths[0], m.paths[1], t0, t1), 'close from 14:05 to 17:05 UTC (3 h)'),
    ],
    notExpected: [{ kind: 'dark_period', mmsi: [a.mmsi], why: 'the longest silence is 6 min' }],
    expectedFlags: [],
  };
}

export function antimeridian(seed: number): TrafficScenario {
  const b = new Builder(seed, 512_018_000, OCEAN_STATIONS);
  const t0 = SCENARIO_DAY + 3 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 3 * HOUR_MS;
  const m = meeting({
    centre: { lat: -35.0, lon: 179.985 },
    t0,
    t1,
    course: 90,
    knots: 0.8,
    from: 270,
    to: 90,
    companions: [{ bearing: 60, distM: 250 }],
  });
  const a = b.vessel('meets B while drifting east across 180°', 'TASMAN TRADER');
  const c = b.vessel('meets A while drifting east across 180°', 'KERMADEC', { shiptype: 80 });
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 40, 80) });
  // When each crosses 180°.
  const cross = (p: Path): number => {
    for (let t = t0 - 15 * MINUTE_MS; t <= t1 + 15 * MINUTE_MS; t += 1000) if (p(t).lon < 0) return t;
    return NaN;
  };
  const ca = cross(m.paths[0]);
  const cc = cross(m.paths[1]);
  const mid = midOf(m.paths[0], m.paths[1], t0, t1);
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'antimeridian',
    description:
      'Two vessels 250 m apart (B to the north-east of A) drift east at 0.8 kn across the 180th meridian at 35S from 03:05 to ' +
      `06:05 UTC; B crosses at ${iso(cc).slice(11, 16)}, A at ${iso(ca).slice(11, 16)}, so for a while one reports +179.99x and the ` +
      'other -179.99x: one encounter, with its mean position at the meridian (not near 0°). The zone is split at the meridian (MultiPolygon).',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox("NUKU'ALOFA", -21.135, -175.2)]),
    zone: collection([
      {
        type: 'Feature',
        properties: { name: 'KERMADEC ZONE' },
        geometry: {
          type: 'MultiPolygon',
          coordinates: [
            [
              [
                [170, -40],
                [180, -40],
                [180, -30],
                [170, -30],
                [170, -40],
              ],
            ],
            [
              [
                [-180, -40],
                [-170, -40],
                [-170, -30],
                [-180, -30],
                [-180, -40],
              ],
            ],
          ],
        },
      },
    ]),
    vessels: b.info(),
    expected: [
      encounterExpected(
        a,
        c,
        t0,
        t1,
        mid,
        'close from 03:05 to 06:05 UTC; mean position within 1.5 km of the stated one (longitude about ±180)',
      ),
    ],
    notExpected: [
      {
        kind: 'dark_period',
        mmsi: [a.mmsi],
        why: 'reports every 40-80 s; a wrong longitude difference must not be read as a jump either',
      },
    ],
    expectedFlags: [],
  };
}

export function spoofedJump(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_019_000, OCEAN_STATIONS);
  const S = SCENARIO_DAY + 8 * HOUR_MS;
  const s = b.vessel('steady at 12 kn; one report spoofed 500 km away', 'VOLGOLES');
  const sPath = drift({ lat: 30.0, lon: -45.0 }, S, 60, 12);
  const times = b.times(S, S + 6 * HOUR_MS, 30, 60);
  const tSpoof = times.find((t) => t >= S + 3 * HOUR_MS)!;
  const spoofPos = destination(sPath(tSpoof), 150, 500_000);
  const sTrack = b.add({ vessel: s, path: sPath, times, spoofed: new Map([[tSpoof, spoofPos]]) });
  // A vessel drifting where the spoofed report lands.
  const x = b.vessel('drifts where the spoofed report lands', 'LABINSK');
  const xPath = drift(destination(spoofPos, 200, 150), tSpoof, 30, 0.4);
  b.add({
    vessel: x,
    path: xPath,
    times: b.times(tSpoof - 90 * MINUTE_MS, tSpoof + 90 * MINUTE_MS, 40, 80),
    status: () => 0,
  });
  const sent = Builder.sentPosition(sTrack, tSpoof);
  const k = times.indexOf(tSpoof);
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'spoofed-jump',
    description:
      'A vessel steaming at 12 kn in mid-Atlantic sends one report, at ' +
      iso(tSpoof).slice(11, 19) +
      ' UTC, placed 500 km away, ' +
      'next to a vessel drifting there; the reports either side are normal. The report is flagged as a jump; nothing else follows from it.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('PONTA DELGADA', 37.74, -25.66)]),
    zone: collection([boxFeature('MID-ATLANTIC ZONE', -55, 20, -30, 40)]),
    vessels: b.info(),
    expected: [],
    notExpected: [
      {
        kind: 'dark_period',
        mmsi: [s.mmsi],
        why: `dropping the spoofed report leaves a gap of ${(times[k + 1] - times[k - 1]) / 1000} s`,
      },
      {
        kind: 'encounter',
        mmsi: pairOf(s.mmsi, x.mmsi),
        why: 'only the spoofed report is near the drifting vessel; the real track is 500 km away',
      },
      { kind: 'loitering', mmsi: [x.mmsi], why: 'slow for 3 h only (under 4 h)' },
      { kind: 'loitering', mmsi: [s.mmsi], why: 'steady at 12 kn' },
    ],
    expectedFlags: [
      {
        mmsi: s.mmsi,
        timeMs: tSpoof,
        time: iso(tSpoof),
        flag: 'jump',
        lat: sent.lat,
        lon: sent.lon,
        why: 'implies some 20,000 kn from the report before it; the report after it, compared with the last good one, is normal and not flagged',
      },
    ],
  };
}

export function borderline(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_020_000, OCEAN_STATIONS);
  const t0 = SCENARIO_DAY + 2 * HOUR_MS + 5 * MINUTE_MS;
  const expected: ExpectedEvent[] = [];
  const notExpected: NotExpectedEvent[] = [];
  let lon = -64.0;
  const pair = (label: string, distM: number, durMin: number, encounter: boolean, why: string): void => {
    const t1 = t0 + durMin * MINUTE_MS;
    const m = meeting({
      centre: { lat: 27.0, lon },
      t0,
      t1,
      course: 90,
      knots: 0.5,
      from: 180,
      to: 180,
      companions: [{ bearing: 0, distM }],
    });
    lon += 0.3;
    const a = b.vessel(`${label}: first of the pair`, `${label} A`);
    const c = b.vessel(`${label}: second of the pair, ${distM} m due north of the first`, `${label} B`);
    b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 45, 75) });
    b.add({ vessel: c, path: m.paths[1], times: b.times(m.start, m.end, 45, 75) });
    if (encounter) expected.push(encounterExpected(a, c, t0, t1, midOf(m.paths[0], m.paths[1], t0, t1), why));
    else notExpected.push({ kind: 'encounter', mmsi: pairOf(a.mmsi, c.mmsi), why });
  };
  pair('SEP480', 480, 180, true, '480 m apart for 3 h (02:05-05:05): within 500 m at 18 slots');
  pair('SEP490', 490, 180, true, '490 m apart for 3 h: within 500 m at 18 slots');
  pair('SEP510', 510, 180, false, '510 m apart for 3 h: never within 500 m');
  pair('SEP520', 520, 180, false, '520 m apart for 3 h: never within 500 m');
  pair(
    'DUR110',
    300,
    110,
    false,
    '300 m apart 02:05-03:55: close at slots 02:10 ... 03:50 = 11 slots = 110 min, under 2 h',
  );
  pair(
    'DUR120',
    300,
    120,
    true,
    '300 m apart 02:05-04:05: close at slots 02:10 ... 04:00 = 12 slots = 120 min, exactly the 2 h minimum (duration = slots x 10 min >= 2 h)',
  );
  pair('DUR130', 300, 130, true, '300 m apart 02:05-04:15: close at slots 02:10 ... 04:10 = 13 slots = 130 min');
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'borderline',
    description:
      'Seven pairs 30 km apart along 27N, each drifting east at 0.5 kn, the second vessel due north of the first. Separations ' +
      '480, 490, 510 and 520 m held for 3 h: the first two are encounters, the last two not. Separation 300 m held for 1 h 50, 2 h 00 and ' +
      '2 h 10 from 02:05 UTC, halfway between two 10-minute slots (the companions arrive and leave at 11 kn, more than 1.5 km away at ' +
      'the slots either side): 11, 12 and 13 close slots, so 2 h 00 and 2 h 10 are encounters and 1 h 50 is not.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('HAMILTON', 32.29, -64.78)]),
    zone: collection([boxFeature('SARGASSO SEA ZONE', -66, 20, -54, 30)]),
    vessels: b.info(),
    expected,
    notExpected,
    expectedFlags: [],
  };
}

export function chain(seed: number): TrafficScenario {
  const b = new Builder(seed, 636_021_000, OCEAN_STATIONS);
  const t0 = SCENARIO_DAY + 16 * HOUR_MS + 5 * MINUTE_MS;
  const t1 = t0 + 3 * HOUR_MS;
  const m = meeting({
    centre: { lat: 26.0, lon: -58.0 },
    t0,
    t1,
    course: 45,
    knots: 0.5,
    from: 270,
    to: 270,
    companions: [
      { bearing: 90, distM: 300, from: 0, to: 0 },
      { bearing: 90, distM: 600, from: 180, to: 180 },
    ],
  });
  const a = b.vessel('west end of a line of three', 'CHAIN A');
  const bb = b.vessel('middle of a line of three, 300 m from each end', 'CHAIN B');
  const c = b.vessel('east end of a line of three, Class B', 'CHAIN C', { classB: true });
  b.add({ vessel: a, path: m.paths[0], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: bb, path: m.paths[1], times: b.times(m.start, m.end, 40, 80) });
  b.add({ vessel: c, path: m.paths[2], times: b.times(m.start, m.end, 40, 80) });
  const nmea = b.nmea();
  const [startMs, endMs] = b.span();
  return {
    name: 'chain',
    description:
      'Three vessels in a line drift at 0.5 kn from 16:05 to 19:05 UTC: A-B 300 m, B-C 300 m, A-C 600 m. Encounters A-B and B-C; not A-C.',
    startMs,
    endMs,
    nmea,
    ports: collection([portBox('HAMILTON', 32.29, -64.78)]),
    zone: collection([boxFeature('SARGASSO SEA ZONE', -66, 20, -54, 30)]),
    vessels: b.info(),
    expected: [
      encounterExpected(a, bb, t0, t1, midOf(m.paths[0], m.paths[1], t0, t1), 'A-B 300 m apart for 3 h'),
      encounterExpected(bb, c, t0, t1, midOf(m.paths[1], m.paths[2], t0, t1), 'B-C 300 m apart for 3 h'),
    ],
    notExpected: [
      {
        kind: 'encounter',
        mmsi: pairOf(a.mmsi, c.mmsi),
        why: 'A-C 600 m apart: never within 500 m (closeness is not transitive)',
      },
    ],
    expectedFlags: [],
  };
}
