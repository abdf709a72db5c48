/**
 * Positions on a fixed time grid, as Global Fishing Watch does before taking
 * distances: AIS reports come at irregular times, so each vessel's position
 * is interpolated at every slot (multiples of `slotMs` since the epoch)
 * that lies between two of its good reports at most `maxGapMs` apart. The
 * result is ordered by slot, so that the vessels present at one instant are
 * contiguous: that is what lets encounters be found slot by slot.
 */
import { haversineM } from '../util/index.js';
import { interpolateLon, knots } from './geo.js';
import { FLAG_GOOD, type Tracks } from './types.js';

export interface SlotGrid {
  slotMs: number;
  /** Slot number (time / slotMs) of the first slot. */
  firstSlot: number;
  slots: number;
  /** Entries of slot s (0-based from firstSlot) are offsets[s] .. offsets[s + 1] - 1. */
  offsets: Uint32Array;
  /** Vessel index (into tracks.mmsi). */
  vessel: Uint32Array;
  lat: Float64Array;
  lon: Float64Array;
  /** Knots: interpolated SOG, or the speed implied by the two reports when they carry none. */
  speed: Float32Array;
  /** Track rows of the reports before and after the slot (the same row when the report is at the slot time). */
  row0: Uint32Array;
  row1: Uint32Array;
}

/**
 * Calls `fn(vessel, slot, lat, lon, speed, row0, row1)` for every slot of the
 * given vessels, in time order per vessel.
 */
function eachSlot(
  tr: Tracks,
  vessels: ArrayLike<number>,
  slotMs: number,
  maxGapMs: number,
  fn: (v: number, slot: number, lat: number, lon: number, speed: number, r0: number, r1: number) => void,
): void {
  const { time, lat, lon, speed, flag, start } = tr;
  for (let q = 0; q < vessels.length; q++) {
    const v = vessels[q];
    let prev = -1;
    const b = start[v + 1];
    for (let i = start[v]; i < b; i++) {
      if (flag[i] !== FLAG_GOOD) continue;
      const t1 = time[i];
      if (prev >= 0) {
        const t0 = time[prev];
        // Slots in (t0, t1): interpolated, when the reports are close enough in time.
        if (t1 - t0 <= maxGapMs && t1 > t0) {
          const span = t1 - t0;
          let s = Math.floor(t0 / slotMs) + 1;
          const s1 = Math.ceil(t1 / slotMs) - 1;
          const sa = speed[prev];
          const sb = speed[i];
          // Interpolated SOG when both reports carry one, else the speed the two reports imply.
          const both = sa === sa && sb === sb;
          const implied = s <= s1 && !both ? knots(haversineM(lat[prev], lon[prev], lat[i], lon[i]), span) : NaN;
          for (; s <= s1; s++) {
            const f = (s * slotMs - t0) / span;
            fn(
              v,
              s,
              lat[prev] + (lat[i] - lat[prev]) * f,
              interpolateLon(lon[prev], lon[i], f),
              both ? sa + (sb - sa) * f : implied,
              prev,
              i,
            );
          }
        }
      }
      // A report exactly at a slot time gives that slot's position directly; its speed is its SOG,
      // or the speed implied towards the next report when that is within the interpolation gap.
      if (t1 % slotMs === 0 && (prev < 0 || time[prev] !== t1)) {
        let sp = speed[i];
        if (sp !== sp) {
          let j = i + 1;
          while (j < b && flag[j] !== FLAG_GOOD) j++;
          if (j < b && time[j] > t1 && time[j] - t1 <= maxGapMs)
            sp = knots(haversineM(lat[i], lon[i], lat[j], lon[j]), time[j] - t1);
        }
        fn(v, t1 / slotMs, lat[i], lon[i], sp, i, i);
      }
      prev = i;
    }
  }
}

/** The grid of all (or the given) vessels. */
export function resample(tr: Tracks, slotMs: number, maxGapMs: number, vessels?: ArrayLike<number>): SlotGrid {
  const list = vessels ?? Uint32Array.from({ length: tr.mmsi.length }, (_, k) => k);
  // The slots lie within the good reports' time span: bound them from it (some end slots may stay empty).
  let tMin = Infinity;
  let tMax = -Infinity;
  for (let q = 0; q < list.length; q++) {
    const v = list[q];
    for (let i = tr.start[v]; i < tr.start[v + 1]; i++) {
      if (tr.flag[i] !== FLAG_GOOD) continue;
      const t = tr.time[i];
      if (t < tMin) tMin = t;
      if (t > tMax) tMax = t;
    }
  }
  const first = Math.ceil(tMin / slotMs);
  const last = Math.floor(tMax / slotMs);
  const slots = tMin <= tMax && last >= first ? last - first + 1 : 0;
  const offsets = new Uint32Array(slots + 1);
  if (slots) eachSlot(tr, list, slotMs, maxGapMs, (_v, s) => offsets[s - first + 1]++);
  for (let s = 0; s < slots; s++) offsets[s + 1] += offsets[s];
  const total = offsets[slots];
  const grid: SlotGrid = {
    slotMs,
    firstSlot: slots ? first : 0,
    slots,
    offsets,
    vessel: new Uint32Array(total),
    lat: new Float64Array(total),
    lon: new Float64Array(total),
    speed: new Float32Array(total),
    row0: new Uint32Array(total),
    row1: new Uint32Array(total),
  };
  const fill = offsets.slice(0, Math.max(slots, 1));
  if (total) {
    eachSlot(tr, list, slotMs, maxGapMs, (v, s, la, lo, sp, r0, r1) => {
      const k = fill[s - first]++;
      grid.vessel[k] = v;
      grid.lat[k] = la;
      grid.lon[k] = lo;
      grid.speed[k] = sp;
      grid.row0[k] = r0;
      grid.row1[k] = r1;
    });
  }
  return grid;
}
