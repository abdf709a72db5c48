/**
 * Encounters (Global Fishing Watch's definition, parameters in params.ts):
 * on the resampled grid, two vessels within `maxDistanceM` at a slot are
 * close; a run of consecutive close slots at least `minDurationMs` long,
 * with both vessels' median speeds under `maxMedianSpeedKnots` and the mean
 * position at least `minPortDistanceM` from every port, is an encounter;
 * encounters of the same pair less than `mergeGapMs` apart merge.
 *
 * Only nearby pairs are ever compared: at each slot the vessels are hashed
 * into cells of `maxDistanceM` of latitude (and as many of longitude as the
 * latitude needs), and each vessel is tested against the cells around it.
 * The cost is linear in the number of slot positions.
 */
import { haversineM, median } from '../util/index.js';
import { LonMean, M_PER_DEG_LAT } from './geo.js';
import type { EncounterParams } from './params.js';
import { resample, type SlotGrid } from './resample.js';
import type { Tracks, TrackEvent } from './types.js';

/** Something that knows how far a point is from the nearest port (PolygonIndex). */
export interface PortDistance {
  distance(lat: number, lon: number, maxM: number): number;
}

export interface CloseSlotVisitor {
  /** Called for every pair (a < b, vessel indexes) within `maxDistanceM` at a slot. */
  (a: number, b: number, slot: number, distance: number, ia: number, ib: number): void;
}

/** Open-addressing hash of cells, rebuilt per slot without allocation. */
class CellHash {
  private size: number;
  private keys: Float64Array;
  private heads: Int32Array;
  private stamp: Uint32Array;
  private gen = 0;
  next: Int32Array;

  constructor(capacity: number) {
    this.size = 1 << Math.ceil(Math.log2(Math.max(64, capacity * 2)));
    this.keys = new Float64Array(this.size);
    this.heads = new Int32Array(this.size);
    this.stamp = new Uint32Array(this.size);
    this.next = new Int32Array(Math.max(64, capacity));
  }

  reset(points: number): void {
    if (points * 2 > this.size) {
      this.size = 1 << Math.ceil(Math.log2(points * 2));
      this.keys = new Float64Array(this.size);
      this.heads = new Int32Array(this.size);
      this.stamp = new Uint32Array(this.size);
      this.gen = 0;
    }
    if (points > this.next.length) this.next = new Int32Array(points * 2);
    this.gen++;
  }

  private slot(key: number): number {
    let h = (Math.imul((key | 0) ^ ((key / 4294967296) | 0), 0x9e3779b1) >>> 0) & (this.size - 1);
    while (this.stamp[h] === this.gen && this.keys[h] !== key) h = (h + 1) & (this.size - 1);
    return h;
  }

  insert(key: number, point: number): void {
    const h = this.slot(key);
    if (this.stamp[h] !== this.gen) {
      this.stamp[h] = this.gen;
      this.keys[h] = key;
      this.heads[h] = -1;
    }
    this.next[point] = this.heads[h];
    this.heads[h] = point;
  }

  /** First point of the cell, -1 when empty; follow `next`. */
  first(key: number): number {
    const h = this.slot(key);
    return this.stamp[h] === this.gen ? this.heads[h] : -1;
  }
}

/**
 * Every pair of vessels within `maxDistanceM` at each slot of the grid, slot
 * by slot in time order.
 */
export function closePairs(
  grid: SlotGrid,
  maxDistanceM: number,
  visit: CloseSlotVisitor,
  endSlot?: (slot: number) => void,
): void {
  // Cells are maxDistanceM tall; their width in longitude is chosen per slot so that it is at least
  // maxDistanceM at the slot's highest latitude: then a close pair is always in the same or adjacent cells.
  const sizeDeg = maxDistanceM / M_PER_DEG_LAT;
  const hash = new CellHash(1024);
  let cellY = new Int32Array(1024);
  let cellX = new Int32Array(1024);
  for (let s = 0; s < grid.slots; s++) {
    const a = grid.offsets[s];
    const b = grid.offsets[s + 1];
    const m = b - a;
    if (m < 2) {
      endSlot?.(grid.firstSlot + s);
      continue;
    }
    let maxLat = 0;
    for (let i = a; i < b; i++) {
      const l = Math.abs(grid.lat[i]);
      if (l > maxLat) maxLat = l;
    }
    const cosLat = Math.cos((Math.min(89.99, maxLat + sizeDeg) * Math.PI) / 180);
    // Within a degree of a pole, a close pair may sit on opposite meridians: one column for all longitudes.
    const nLon = maxLat > 89 ? 1 : Math.max(1, Math.floor((360 * cosLat) / sizeDeg));
    const widthDeg = 360 / nLon;
    hash.reset(m);
    if (cellY.length < m) {
      cellY = new Int32Array(m * 2);
      cellX = new Int32Array(m * 2);
    }
    for (let k = 0; k < m; k++) {
      const i = a + k;
      const cy = Math.floor((grid.lat[i] + 90) / sizeDeg);
      const cx = Math.floor((grid.lon[i] + 180) / widthDeg) % nLon;
      cellY[k] = cy;
      cellX[k] = cx;
      hash.insert(cy * nLon + cx, k);
    }
    const slot = grid.firstSlot + s;
    // Adjacent columns, wrapping at the antimeridian; fewer when the whole circle has under 3 cells.
    const xs = nLon >= 3 ? 3 : nLon;
    for (let k = 0; k < m; k++) {
      const i = a + k;
      const lat = grid.lat[i];
      const lon = grid.lon[i];
      const cy = cellY[k];
      const cx = cellX[k];
      for (let dy = -1; dy <= 1; dy++) {
        const y = cy + dy;
        if (y < 0) continue;
        for (let q = 0; q < xs; q++) {
          const x = xs === 3 ? (cx + q - 1 + nLon) % nLon : q;
          for (let p = hash.first(y * nLon + x); p >= 0; p = hash.next[p]) {
            if (p <= k) continue;
            const j = a + p;
            if (Math.abs(grid.lat[j] - lat) > sizeDeg) continue;
            const d = haversineM(lat, lon, grid.lat[j], grid.lon[j]);
            if (d <= maxDistanceM) {
              const va = grid.vessel[i];
              const vb = grid.vessel[j];
              if (va < vb) visit(va, vb, slot, d, i, j);
              else visit(vb, va, slot, d, j, i);
            }
          }
        }
      }
    }
    endSlot?.(slot);
  }
}

/** Entry of vessel v at grid slot s (entries of a slot are in vessel order), or -1. */
function entryOf(grid: SlotGrid, s: number, v: number): number {
  let lo = grid.offsets[s];
  let hi = grid.offsets[s + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = grid.vessel[mid];
    if (x === v) return mid;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Growable columns of runs: pair key, first and last slot. */
class RunList {
  key = new Float64Array(256);
  first = new Int32Array(256);
  last = new Int32Array(256);
  length = 0;
  push(key: number, first: number, last: number): void {
    if (this.length === this.key.length) {
      const n = this.length * 2;
      const k = new Float64Array(n);
      k.set(this.key);
      const f = new Int32Array(n);
      f.set(this.first);
      const l = new Int32Array(n);
      l.set(this.last);
      this.key = k;
      this.first = f;
      this.last = l;
    }
    this.key[this.length] = key;
    this.first[this.length] = first;
    this.last[this.length] = last;
    this.length++;
  }
}

/**
 * Runs of consecutive close slots per pair, at least `minSlots` long. The
 * pairs close at a slot are sorted once and merged with the runs still open
 * (also sorted): no object or map entry per close pair, whatever the density.
 */
export function closeRuns(grid: SlotGrid, maxDistanceM: number, vessels: number, minSlots: number): RunList {
  let open = new RunList();
  let next = new RunList();
  const done = new RunList();
  let keys = new Float64Array(1024);
  let nkeys = 0;
  closePairs(
    grid,
    maxDistanceM,
    (a, b) => {
      if (nkeys === keys.length) {
        const k = new Float64Array(nkeys * 2);
        k.set(keys);
        keys = k;
      }
      keys[nkeys++] = a * vessels + b;
    },
    (slot) => {
      const cur = keys.subarray(0, nkeys).sort();
      next.length = 0;
      let i = 0;
      let j = 0;
      while (i < open.length || j < nkeys) {
        const ko = i < open.length ? open.key[i] : Infinity;
        const kc = j < nkeys ? cur[j] : Infinity;
        if (ko === kc) {
          next.push(ko, open.first[i], slot);
          i++;
          j++;
        } else if (ko < kc) {
          if (open.last[i] - open.first[i] + 1 >= minSlots) done.push(ko, open.first[i], open.last[i]);
          i++;
        } else {
          next.push(kc, slot, slot);
          j++;
        }
      }
      [open, next] = [next, open];
      nkeys = 0;
    },
  );
  for (let i = 0; i < open.length; i++)
    if (open.last[i] - open.first[i] + 1 >= minSlots) done.push(open.key[i], open.first[i], open.last[i]);
  return done;
}

interface RunDetail {
  a: number;
  b: number;
  firstSlot: number;
  lastSlot: number;
  dist: number[];
  speedA: number[];
  speedB: number[];
  lat: number;
  lon: number;
  rows: number[];
}

/** Mean position of the two vessels over a run. */
function runMean(grid: SlotGrid, a: number, b: number, first: number, last: number): [number, number] {
  let latSum = 0;
  const lon = new LonMean();
  for (let slot = first; slot <= last; slot++) {
    const s = slot - grid.firstSlot;
    const ia = entryOf(grid, s, a);
    const ib = entryOf(grid, s, b);
    latSum += grid.lat[ia] + grid.lat[ib];
    lon.add(grid.lon[ia]);
    lon.add(grid.lon[ib]);
  }
  return [latSum / (2 * (last - first + 1)), lon.value];
}

/** Distances, speeds, mean position and supporting rows of one run, read back from the grid. */
function runDetail(grid: SlotGrid, a: number, b: number, first: number, last: number): RunDetail {
  const dist: number[] = [];
  const speedA: number[] = [];
  const speedB: number[] = [];
  const rows: number[] = [];
  for (let slot = first; slot <= last; slot++) {
    const s = slot - grid.firstSlot;
    const ia = entryOf(grid, s, a);
    const ib = entryOf(grid, s, b);
    dist.push(haversineM(grid.lat[ia], grid.lon[ia], grid.lat[ib], grid.lon[ib]));
    if (grid.speed[ia] === grid.speed[ia]) speedA.push(grid.speed[ia]);
    if (grid.speed[ib] === grid.speed[ib]) speedB.push(grid.speed[ib]);
    rows.push(grid.row0[ia], grid.row1[ia], grid.row0[ib], grid.row1[ib]);
  }
  const [lat, lon] = runMean(grid, a, b, first, last);
  return { a, b, firstSlot: first, lastSlot: last, dist, speedA, speedB, lat, lon, rows };
}

/** Encounters in the tracks; `ports` for the distance-from-port rule (none given: the rule is skipped). */
export function findEncounters(
  tr: Tracks,
  p: EncounterParams,
  ports?: PortDistance | null,
  grid?: SlotGrid,
): TrackEvent[] {
  const g = grid ?? resample(tr, p.slotMs, p.maxInterpolationGapMs);
  const vessels = tr.mmsi.length;
  const runs = closeRuns(g, p.maxDistanceM, vessels, Math.ceil(p.minDurationMs / p.slotMs));
  // Candidates: both slow (median), away from port.
  const candidates: RunDetail[] = [];
  for (let k = 0; k < runs.length; k++) {
    const key = runs.key[k];
    const a = Math.floor(key / vessels);
    const b = key - a * vessels;
    // The port rule first: it needs only the mean position, and rules out most long runs (anchorages).
    if (ports && p.minPortDistanceM > 0) {
      const [lat, lon] = runMean(g, a, b, runs.first[k], runs.last[k]);
      if (ports.distance(lat, lon, p.minPortDistanceM) < p.minPortDistanceM) continue;
    }
    const r = runDetail(g, a, b, runs.first[k], runs.last[k]);
    if (!(median(r.speedA) < p.maxMedianSpeedKnots && median(r.speedB) < p.maxMedianSpeedKnots)) continue;
    candidates.push(r);
  }
  // Merge encounters of the same pair less than mergeGapMs apart.
  candidates.sort((x, y) => x.a - y.a || x.b - y.b || x.firstSlot - y.firstSlot);
  const events: TrackEvent[] = [];
  let group: RunDetail[] = [];
  for (const c of candidates) {
    const prev = group[group.length - 1];
    if (prev && (prev.a !== c.a || prev.b !== c.b || (c.firstSlot - prev.lastSlot) * p.slotMs >= p.mergeGapMs)) {
      events.push(encounterEvent(tr, group, p.slotMs));
      group = [];
    }
    group.push(c);
  }
  if (group.length) events.push(encounterEvent(tr, group, p.slotMs));
  events.sort((x, y) => x.startMs - y.startMs || x.mmsi[0] - y.mmsi[0] || x.mmsi[1] - y.mmsi[1]);
  return events;
}

function encounterEvent(tr: Tracks, runs: RunDetail[], slotMs: number): TrackEvent {
  const first = runs[0];
  const last = runs[runs.length - 1];
  const dist: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  let latSum = 0;
  const lon = new LonMean();
  const rows = new Set<number>();
  for (const r of runs) {
    dist.push(...r.dist);
    sa.push(...r.speedA);
    sb.push(...r.speedB);
    latSum += r.lat * r.dist.length;
    lon.add(r.lon, r.dist.length);
    for (const row of r.rows) rows.add(tr.source[row]);
  }
  const startMs = first.firstSlot * slotMs;
  const endMs = last.lastSlot * slotMs;
  let minD = Infinity;
  for (const d of dist) if (d < minD) minD = d;
  return {
    kind: 'encounter',
    mmsi: [tr.mmsi[first.a], tr.mmsi[first.b]].sort((x, y) => x - y),
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    startMs,
    endMs,
    lat: latSum / dist.length,
    lon: lon.value,
    median_distance_m: Math.round(median(dist) * 10) / 10,
    min_distance_m: Math.round(minD * 10) / 10,
    median_speed_knots: [median(sa), median(sb)].map((x) => Math.round(x * 100) / 100),
    positions: [...rows].sort((x, y) => x - y),
  };
}

/** Rendezvous-style query of one pair: runs of close slots at least `minDurationMs` long, at any speed. */
export function pairRuns(
  tr: Tracks,
  a: number,
  b: number,
  slotMs: number,
  maxGapMs: number,
  maxDistanceM: number,
  minDurationMs: number,
  fromMs = -Infinity,
  toMs = Infinity,
): TrackEvent[] {
  // The encounter machinery on a grid of the two vessels alone, runs clipped to the window.
  const grid = resample(tr, slotMs, maxGapMs, a < b ? [a, b] : [b, a]);
  const vessels = tr.mmsi.length;
  const runs = closeRuns(grid, maxDistanceM, vessels, 1);
  const minSlots = Math.ceil(minDurationMs / slotMs);
  const lo = Math.ceil(fromMs / slotMs);
  const hi = Math.floor(toMs / slotMs);
  const out: TrackEvent[] = [];
  for (let k = 0; k < runs.length; k++) {
    const first = Math.max(runs.first[k], lo);
    const last = Math.min(runs.last[k], hi);
    if (last - first + 1 < minSlots) continue;
    const va = Math.floor(runs.key[k] / vessels);
    out.push(encounterEvent(tr, [runDetail(grid, va, runs.key[k] - va * vessels, first, last)], slotMs));
  }
  return out.sort((x, y) => x.startMs - y.startMs);
}
