/**
 * How a known-answer traffic scenario is built and written: its vessels
 * (static data: MMSI, name, callsign, IMO, dimensions), their tracks (a
 * path, the report times, any spoofed reports) and the AIS writer (types
 * 1/3/18 positions, 5/24 statics every hour, tag blocks with receive time
 * and station, in receive order) through the project's encoder.
 */
import { encodeSentences, type EncodableRecord } from '../ais/index.js';
import { HOUR_MS, DAY_MS } from '../util/index.js';
import { Random } from './random.js';
import { normLon, quantAis, velocity, type LatLon, type Path } from './paths.js';

export interface ScenarioVesselInfo {
  mmsi: number;
  shipname: string;
  classB: boolean;
  role: string;
}

export interface Vessel {
  mmsi: number;
  shipname: string;
  callsign: string;
  imo: number;
  shiptype: number;
  classB: boolean;
  length: number;
  beam: number;
  draught: number;
  destination: string;
  role: string;
}

export interface Track {
  vessel: Vessel;
  path: Path;
  /** Report times, ms (whole seconds), rising. */
  times: number[];
  /** Reports sent from elsewhere than the path: time -> position (spoofing). */
  spoofed?: Map<number, LatLon>;
  /** Navigational status at t (class A), default: 0 under way, 5 moored / 1 at anchor when still. */
  status?: (t: number) => number;
}

/** One scenario under construction: vessels, their paths and report times, then the NMEA. */
export class Builder {
  readonly rng: Random;
  readonly tracks: Track[] = [];
  private count = 0;

  constructor(
    seed: number,
    private readonly mmsiBase: number,
    private readonly stations: string[],
  ) {
    this.rng = new Random(seed);
  }

  vessel(
    role: string,
    shipname: string,
    opts: { classB?: boolean; shiptype?: number; destination?: string } = {},
  ): Vessel {
    const rng = this.rng;
    const classB = opts.classB ?? false;
    const k = ++this.count;
    let callsign = '';
    for (let c = 0; c < 5; c++) callsign += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[rng.int(0, 25)];
    const length = classB ? rng.int(10, 24) : rng.int(80, 220);
    return {
      mmsi: this.mmsiBase + k,
      shipname,
      callsign,
      imo: classB ? 0 : rng.int(9_000_000, 9_899_999),
      shiptype: opts.shiptype ?? (classB ? 30 : 70),
      classB,
      length,
      beam: Math.max(4, Math.round(length / 6.5)),
      draught: classB ? 0 : Math.round(rng.range(5, 11) * 10) / 10,
      destination: opts.destination ?? '',
      role,
    };
  }

  /** Whole-second report times from t0 to t1 (inclusive of t0), intervals uniform in [minS, maxS] seconds. */
  times(t0: number, t1: number, minS: number, maxS: number, skip?: [number, number]): number[] {
    const out: number[] = [];
    let t = Math.round(t0 / 1000) * 1000;
    while (t <= t1) {
      if (!skip || t <= skip[0] || t >= skip[1]) out.push(t);
      t += this.rng.int(minS, maxS) * 1000;
    }
    if (skip) {
      // The silence starts at a report and ends at one.
      if (!out.includes(skip[0])) out.push(skip[0]);
      if (!out.includes(skip[1])) out.push(skip[1]);
      out.sort((a, b) => a - b);
    }
    return out;
  }

  add(track: Track): Track {
    this.tracks.push(track);
    return track;
  }

  /** The position a report at t carries (as sent: quantised). */
  static sentPosition(track: Track, t: number): LatLon {
    const p = track.spoofed?.get(t) ?? track.path(t);
    return { lat: quantAis(p.lat), lon: quantAis(normLon(p.lon)) };
  }

  nmea(): string {
    const rng = this.rng;
    interface Item {
      time: number;
      order: number;
      record: EncodableRecord;
    }
    const items: Item[] = [];
    this.tracks.forEach((track, ti) => {
      const v = track.vessel;
      let lastCourse = 0;
      let nextStatic = -Infinity;
      track.times.forEach((t, k) => {
        const order = ti * 1_000_000 + k * 4;
        if (t >= nextStatic) {
          nextStatic = t + HOUR_MS;
          staticRecords(v, t).forEach((record, j) => items.push({ time: t, order: order + j, record }));
        }
        const p = Builder.sentPosition(track, t);
        const vel = velocity(track.path, t);
        const knots = Math.min(102.2, Math.round(vel.knots * 10) / 10);
        if (Number.isFinite(vel.course) && vel.knots >= 0.05) lastCourse = vel.course;
        const course = knots === 0 ? null : (Math.round(lastCourse * 10) / 10) % 360;
        const heading = Math.round(lastCourse) % 360;
        const second = new Date(t).getUTCSeconds();
        const status = track.status ? track.status(t) : vel.knots < 0.05 ? 5 : 0;
        const record: EncodableRecord = v.classB
          ? {
              type: 18,
              repeat: 0,
              mmsi: v.mmsi,
              reserved: 0,
              speed: knots,
              accuracy: false,
              lon: p.lon,
              lat: p.lat,
              course,
              heading,
              second,
              regional: 0,
              cs: true,
              display: false,
              dsc: true,
              band: true,
              msg22: true,
              assigned: false,
              raim: false,
              radio: 0,
            }
          : {
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
              heading,
              second,
              maneuver: 0,
              raim: false,
              radio: 0,
            };
        items.push({ time: t, order: order + 3, record });
      });
    });
    items.sort((a, b) => a.time - b.time || a.order - b.order);
    const lines: string[] = [];
    let seq = 0;
    for (const it of items) {
      const ls = encodeSentences(it.record, {
        time: it.time,
        station: rng.pick(this.stations),
        channel: rng.chance(0.5) ? 'A' : 'B',
        sequence: seq,
      });
      if (ls.length > 1) seq = (seq + 1) % 10;
      for (const l of ls) lines.push(l);
    }
    return lines.join('\n') + '\n';
  }

  info(): ScenarioVesselInfo[] {
    return this.tracks.map((t) => ({
      mmsi: t.vessel.mmsi,
      shipname: t.vessel.shipname,
      classB: t.vessel.classB,
      role: t.vessel.role,
    }));
  }

  span(): [number, number] {
    let a = Infinity;
    let b = -Infinity;
    for (const t of this.tracks) {
      if (t.times.length === 0) continue;
      a = Math.min(a, t.times[0]);
      b = Math.max(b, t.times[t.times.length - 1]);
    }
    return [a, b];
  }
}

function staticRecords(v: Vessel, t: number): EncodableRecord[] {
  const toBow = Math.round(v.length * 0.6);
  const toPort = Math.floor(v.beam / 2);
  const dims = { to_bow: toBow, to_stern: v.length - toBow, to_port: toPort, to_starboard: v.beam - toPort };
  if (v.classB) {
    return [
      { type: 24, repeat: 0, mmsi: v.mmsi, part: 0, shipname: v.shipname },
      {
        type: 24,
        repeat: 0,
        mmsi: v.mmsi,
        part: 1,
        shiptype: v.shiptype,
        vendorid: 'TLY',
        model: 1,
        serial: v.mmsi % 1_000_000,
        callsign: v.callsign,
        ...dims,
      },
    ];
  }
  const eta = new Date(t + 2 * DAY_MS);
  const p = (x: number): string => String(x).padStart(2, '0');
  return [
    {
      type: 5,
      repeat: 0,
      mmsi: v.mmsi,
      ais_version: 0,
      imo: v.imo,
      callsign: v.callsign,
      shipname: v.shipname,
      shiptype: v.shiptype,
      ...dims,
      epfd: 1,
      eta: `${p(eta.getUTCMonth() + 1)}-${p(eta.getUTCDate())}T${p(eta.getUTCHours())}:00Z`,
      draught: v.draught,
      destination: v.destination,
      dte: 0,
    },
  ];
}
