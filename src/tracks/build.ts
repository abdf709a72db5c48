/**
 * From the columnar positions of `ais/` to per-vessel tracks: rows grouped by
 * vessel with a counting sort (linear in the number of positions), sorted by
 * time within each vessel only where the input was not, then cleaned. The
 * cleaning flags rather than deletes: invalid positions, duplicates and
 * impossible jumps stay in the tracks with their flag, are counted, and are
 * left out of the event logic.
 */
import type { PositionColumns, StaticReport } from '../ais/index.js';
import { haversineM } from '../util/index.js';
import { knots } from './geo.js';
import { DEFAULT_PARAMS, type TrackParams } from './params.js';
import {
  FLAG_DUPLICATE,
  FLAG_GOOD,
  FLAG_INVALID,
  FLAG_JUMP,
  FLAG_NO_TIME,
  type Tracks,
  type VesselInfo,
} from './types.js';

/** Shortest time step used to judge an implied speed: receive clocks jitter by seconds. */
const MIN_SPEED_DT_MS = 10_000;

/** A typed array of `n` elements, on a SharedArrayBuffer when the tracks are to be read by worker threads too. */
function alloc<T extends Float64Array | Float32Array | Uint32Array | Uint8Array>(
  C: { new (n: number): T; new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
  shared: boolean,
): T {
  return shared && n > 0 ? new C(new SharedArrayBuffer(n * C.BYTES_PER_ELEMENT)) : new C(n);
}

export function buildTracks(
  positions: PositionColumns,
  statics: readonly StaticReport[] = [],
  params: TrackParams = DEFAULT_PARAMS.tracks,
  opts: { shared?: boolean } = {},
): Tracks {
  const shared = opts.shared ?? false;
  const n = positions.length;
  const { vid, seen } = vesselOfRow(positions.mmsi, n);
  const { vessels, mmsi, start, order } = groupByVessel(vid, seen, n, shared);
  const mmsiOut = alloc(Uint32Array, vessels, shared);
  mmsiOut.set(mmsi);
  const tracks: Tracks = {
    mmsi: mmsiOut,
    start,
    time: alloc(Float64Array, n, shared),
    lat: alloc(Float64Array, n, shared),
    lon: alloc(Float64Array, n, shared),
    speed: alloc(Float32Array, n, shared),
    course: alloc(Float32Array, n, shared),
    source: order,
    flag: alloc(Uint8Array, n, shared),
    segment: alloc(Uint32Array, n, shared),
    vessels: vesselInfo(statics),
    flagged: { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0 },
  };
  gatherInTimeOrder(tracks, positions, vessels);
  for (let k = 0; k < vessels; k++) cleanVessel(tracks, start[k], start[k + 1], params);
  for (let i = 0; i < n; i++) tracks.flagged[tracks.flag[i] as 0 | 1 | 2 | 3 | 4]++;
  return tracks;
}

/**
 * The vessel of each row, as first-seen ids (an open-addressing hash of
 * MMSIs; runs of one MMSI skip the lookup), and the MMSIs in first-seen order.
 */
function vesselOfRow(col: PositionColumns['mmsi'], n: number): { vid: Uint32Array; seen: number[] } {
  // Vessel of each row: an open-addressing hash of MMSIs (first-seen ids), then renumbered in MMSI order.
  let cap = 1024;
  let keys = new Int32Array(cap).fill(-1);
  let ids = new Uint32Array(cap);
  const seen: number[] = [];
  const vid = new Uint32Array(n);
  let lastM = -1;
  let lastV = 0;
  let shift = 32 - Math.log2(cap);
  for (let i = 0; i < n; i++) {
    const m = col[i];
    if (m !== lastM) {
      let h = Math.imul(m, 0x9e3779b1) >>> shift;
      while (keys[h] !== -1 && keys[h] !== m) h = (h + 1) & (cap - 1);
      if (keys[h] === -1) {
        keys[h] = m;
        ids[h] = seen.length;
        seen.push(m);
        if (seen.length * 2 > cap) {
          // Grow and rehash.
          const oldKeys = keys;
          const oldIds = ids;
          cap *= 4;
          keys = new Int32Array(cap).fill(-1);
          ids = new Uint32Array(cap);
          for (let k = 0; k < oldKeys.length; k++) {
            if (oldKeys[k] === -1) continue;
            let g = Math.imul(oldKeys[k], 0x9e3779b1) >>> (32 - Math.log2(cap));
            while (keys[g] !== -1) g = (g + 1) & (cap - 1);
            keys[g] = oldKeys[k];
            ids[g] = oldIds[k];
          }
          shift = 32 - Math.log2(cap);
          h = Math.imul(m, 0x9e3779b1) >>> shift;
          while (keys[h] !== m) h = (h + 1) & (cap - 1);
        }
      }
      lastM = m;
      lastV = ids[h];
    }
    vid[i] = lastV;
  }
  return { vid, seen };
}

/**
 * Vessels renumbered in MMSI order, and the rows grouped by vessel (a
 * stable counting sort: input order kept within a vessel): `start[k]` is
 * the first slot of vessel k in `order`. `vid` is renumbered in place.
 */
function groupByVessel(
  vid: Uint32Array,
  seen: number[],
  n: number,
  shared: boolean,
): { vessels: number; mmsi: Uint32Array; start: Uint32Array; order: Uint32Array } {
  const vessels = seen.length;
  const mmsi = Uint32Array.from(seen).sort();
  // First-seen id -> rank in MMSI order.
  const rank = new Uint32Array(vessels);
  {
    const byId = Uint32Array.from(seen);
    const order = Array.from({ length: vessels }, (_, k) => k).sort((x, y) => byId[x] - byId[y]);
    order.forEach((id, r) => (rank[id] = r));
  }
  const count = new Uint32Array(vessels + 1);
  for (let i = 0; i < n; i++) {
    const v = rank[vid[i]];
    vid[i] = v;
    count[v + 1]++;
  }
  const start = alloc(Uint32Array, vessels + 1, shared);
  for (let k = 0; k < vessels; k++) start[k + 1] = start[k] + count[k + 1];
  // Counting sort by vessel, stable: input order kept within a vessel.
  const order = alloc(Uint32Array, n, shared);
  const fill = start.slice(0, vessels);
  for (let i = 0; i < n; i++) order[fill[vid[i]]++] = i;

  return { vessels, mmsi, start, order };
}

/**
 * Copies the columns into vessel order, then sorts by time the rare
 * vessel whose input was out of order (NaN times last) and copies it again.
 */
function gatherInTimeOrder(tracks: Tracks, positions: PositionColumns, vessels: number): void {
  const { start, source: order } = tracks;
  const t = positions.time;
  const n = positions.length;
  // Gather in vessel order; the arrays in locals so the loop does no property loads.
  const [time, lat, lon, speed, course] = [tracks.time, tracks.lat, tracks.lon, tracks.speed, tracks.course];
  const [pLat, pLon, pSpeed, pCourse] = [positions.lat, positions.lon, positions.speed, positions.course];
  const gather = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const r = order[i];
      time[i] = t[r];
      lat[i] = pLat[r];
      lon[i] = pLon[r];
      speed[i] = pSpeed[r];
      course[i] = pCourse[r];
    }
  };
  gather(0, n);
  // Within each vessel, sort by time where the input was out of order (NaN times last):
  // checked on the gathered, contiguous times; the rare vessel out of order is sorted and gathered again.
  for (let k = 0; k < vessels; k++) {
    const a = start[k];
    const b = start[k + 1];
    let sorted = true;
    for (let i = a + 1; i < b; i++) {
      const ti = time[i];
      const tp = time[i - 1];
      if (ti < tp || (tp !== tp && ti === ti)) {
        sorted = false;
        break;
      }
    }
    if (sorted) continue;
    const rows = Array.from(order.subarray(a, b));
    rows.sort((x, y) => {
      const tx = t[x];
      const ty = t[y];
      if (tx !== tx) return ty !== ty ? x - y : 1;
      if (ty !== ty) return -1;
      return tx - ty || x - y;
    });
    order.set(rows, a);
    gather(a, b);
  }
}

/**
 * Flags and segments of one vessel's rows [a, b). A report is a jump when
 * it is a spike: impossible to reach from the last good report and from it
 * to the next one, while the next one is reachable from the last good report
 * (so a single spoofed or mis-decoded position is dropped, not the track
 * after it). A first or last report that no neighbour confirms is a jump too.
 */
function cleanVessel(tr: Tracks, a: number, b: number, p: TrackParams): void {
  const { time, lat, lon, flag, segment } = tr;
  const max = p.maxImpliedSpeedKnots;
  const speedBetween = (i: number, j: number): number =>
    knots(haversineM(lat[i], lon[i], lat[j], lon[j]), Math.max(MIN_SPEED_DT_MS, Math.abs(time[j] - time[i])));
  // Pass 1: invalid, no time, duplicates.
  let prev = -1;
  for (let i = a; i < b; i++) {
    const la = lat[i];
    const lo = lon[i];
    if (!(la >= -90 && la <= 90 && lo >= -180 && lo <= 180)) flag[i] = FLAG_INVALID;
    else if (time[i] !== time[i]) flag[i] = FLAG_NO_TIME;
    // The same instant again (a second receiver, or a contradicting copy): the first report stands.
    else if (prev >= 0 && time[i] - time[prev] < p.duplicateWindowMs) flag[i] = FLAG_DUPLICATE;
    else {
      flag[i] = FLAG_GOOD;
      prev = i;
    }
  }
  // Pass 2: spikes among the good rows.
  const nextGood = (i: number): number => {
    for (let j = i + 1; j < b; j++) if (flag[j] === FLAG_GOOD) return j;
    return -1;
  };
  let last = -1;
  for (let i = a; i < b; i++) {
    if (flag[i] !== FLAG_GOOD) continue;
    if (last < 0) {
      // The first good report: a spike when the next two agree with each other but not with it.
      const j = nextGood(i);
      const k = j >= 0 ? nextGood(j) : -1;
      if (
        j >= 0 &&
        k >= 0 &&
        time[j] - time[i] <= p.segmentGapMs &&
        speedBetween(i, j) > max &&
        speedBetween(j, k) <= max &&
        speedBetween(i, k) > max
      ) {
        flag[i] = FLAG_JUMP;
        continue;
      }
      last = i;
      continue;
    }
    if (time[i] - time[last] > p.segmentGapMs || speedBetween(last, i) <= max) {
      last = i;
      continue;
    }
    const j = nextGood(i);
    if (j < 0 || (speedBetween(last, j) <= max && speedBetween(i, j) > max) || time[j] - time[last] > p.segmentGapMs) {
      flag[i] = FLAG_JUMP;
      continue;
    }
    // Not a lone spike: the vessel really is elsewhere (or the earlier reports were wrong); keep it.
    last = i;
  }
  // Segments: a new one after each silence longer than segmentGapMs between good reports.
  let seg = 0;
  last = -1;
  for (let i = a; i < b; i++) {
    if (flag[i] === FLAG_GOOD) {
      if (last >= 0 && time[i] - time[last] > p.segmentGapMs) seg++;
      last = i;
    }
    segment[i] = seg;
  }
}

/** The latest static data per vessel; length and beam from the reference-point distances. */
function vesselInfo(statics: readonly StaticReport[]): Map<number, VesselInfo> {
  const out = new Map<number, VesselInfo>();
  const sorted = [...statics].sort((x, y) => (x.time || 0) - (y.time || 0));
  for (const s of sorted) {
    const v = out.get(s.mmsi) ?? {
      mmsi: s.mmsi,
      shipname: null,
      imo: null,
      callsign: null,
      shiptype: null,
      length: null,
      beam: null,
      destination: null,
    };
    if (s.shipname) v.shipname = s.shipname;
    if (s.imo) v.imo = s.imo;
    if (s.callsign) v.callsign = s.callsign;
    if (s.shiptype) v.shiptype = s.shiptype;
    if (s.destination) v.destination = s.destination;
    const len = s.length ?? (s.to_bow && s.to_stern ? s.to_bow + s.to_stern : null);
    const beam = s.width ?? (s.to_port && s.to_starboard ? s.to_port + s.to_starboard : null);
    if (len) v.length = len;
    if (beam) v.beam = beam;
    out.set(s.mmsi, v);
  }
  return out;
}

/** Rows of vessel k that are good, as indexes into the tracks' columns. */
export function goodRows(tr: Tracks, k: number): number[] {
  const rows: number[] = [];
  for (let i = tr.start[k]; i < tr.start[k + 1]; i++) if (tr.flag[i] === FLAG_GOOD) rows.push(i);
  return rows;
}
