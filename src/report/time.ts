/**
 * Times in the report: UTC, ISO 8601. 1962 is before the epoch, so times in
 * milliseconds are negative; everything goes through Date, never through
 * assumptions about the sign.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../util/index.js';

/** Milliseconds since the epoch, or null when the string is not a date. */
export function toMs(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined || iso === '') return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/** `1962-11-09 12:36Z`: ISO 8601 without the seconds when they are zero, for tables and labels. */
export function shortIso(ms: number): string {
  const s = new Date(ms).toISOString();
  const day = s.slice(0, 10);
  const hm = s.slice(11, 16);
  const sec = s.slice(16, 19);
  return sec === ':00' ? `${day} ${hm}Z` : `${day} ${hm}${sec}Z`;
}

/** A time string from the input, shown normalised when it parses and as given otherwise. */
export function showTime(iso: string | null | undefined): string {
  const ms = toMs(iso);
  if (ms !== null) return shortIso(ms);
  return iso ?? '';
}

const HOUR = HOUR_MS;
const DAY = DAY_MS;
/** Tick steps for the time axis, smallest first. */
const STEPS = [
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  91 * DAY,
  365 * DAY,
];

/** Ticks at round UTC times (multiples of the step from midnight UTC), at most about `maxTicks`. */
export function timeTicks(t0: number, t1: number, maxTicks: number): { step: number; ticks: number[] } {
  const span = Math.max(t1 - t0, 1);
  const step = STEPS.find((s) => span / s <= maxTicks) ?? STEPS[STEPS.length - 1]!;
  // Align to a UTC midnight at or before t0, so that labels fall on round hours; works for negative ms.
  const midnight = Math.floor(t0 / DAY) * DAY;
  const first = midnight + Math.ceil((t0 - midnight) / step) * step;
  const ticks: number[] = [];
  for (let t = first; t <= t1; t += step) ticks.push(t);
  return { step, ticks };
}

/** Tick label: the date at day steps, the date and hour below. */
export function tickLabel(t: number, step: number): string {
  const s = new Date(t).toISOString();
  return step >= DAY ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 16)}Z`;
}
