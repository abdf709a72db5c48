/**
 * The reception rule (parameters in params.ts, `reception`): a vessel last
 * heard at a place and never again is dark where other vessels near that
 * place are still heard after it; where none is, the silence says nothing
 * about the vessel (missing coverage). One rule for the cases, the live
 * feed and the real-data cases.
 */
import { haversineM } from '../util/index.js';
import { M_PER_DEG_LAT } from './geo.js';
import type { DarkParams, ReceptionParams } from './params.js';
import { FLAG_GOOD, type Tracks } from './types.js';
import { vesselIndex } from './events.js';

/**
 * The distinct other vessels (MMSI, sorted) with a good report within
 * `p.nearM` of (lat, lon) in (fromMs, toMs].
 */
export function heardNear(
  tr: Tracks,
  lat: number,
  lon: number,
  fromMs: number,
  toMs: number,
  p: ReceptionParams,
  exceptMmsi: number,
): number[] {
  // A latitude band first: cheap, and rules out most reports.
  const dLat = p.nearM / M_PER_DEG_LAT;
  const heard: number[] = [];
  for (let v = 0; v < tr.mmsi.length; v++) {
    if (tr.mmsi[v] === exceptMmsi) continue;
    for (let i = tr.start[v]; i < tr.start[v + 1]; i++) {
      if (tr.flag[i] !== FLAG_GOOD || tr.time[i] <= fromMs || tr.time[i] > toMs) continue;
      if (Math.abs(tr.lat[i] - lat) > dLat) continue;
      if (haversineM(lat, lon, tr.lat[i], tr.lon[i]) <= p.nearM) {
        heard.push(tr.mmsi[v]);
        break;
      }
    }
  }
  return heard;
}

/** A vessel silent from its last report to the end of the feed. */
export interface SilenceAtEnd {
  mmsi: number;
  /** Its last good report. */
  lastMs: number;
  lat: number;
  lon: number;
  /** The last good report of any vessel: how long the silence is known to have lasted. */
  feedEndMs: number;
  /** Other vessels heard near its last position within the window after it (MMSI, sorted). */
  heard: number[];
  /** Reception there is shown: at least `minVessels` heard. Then the silence is a dark period; otherwise missing coverage. */
  heardThere: boolean;
}

/** The last good report of any vessel in the tracks (-Infinity for none). */
export function feedEnd(tr: Tracks): number {
  let end = -Infinity;
  for (let i = 0; i < tr.time.length; i++) if (tr.flag[i] === FLAG_GOOD && tr.time[i] > end) end = tr.time[i];
  return end;
}

/**
 * The vessel's silence at the end of the feed, when it has lasted at least
 * a dark period's gap (`dark.minGapMs`) by the feed's last report; null
 * when the vessel has no report or is heard within that gap of the end.
 */
export function silenceAtEnd(
  tr: Tracks,
  mmsi: number,
  p: { dark: DarkParams; reception: ReceptionParams },
): SilenceAtEnd | null {
  const v = vesselIndex(tr, mmsi);
  if (v < 0) return null;
  let last = -1;
  for (let i = tr.start[v]; i < tr.start[v + 1]; i++) if (tr.flag[i] === FLAG_GOOD) last = i;
  if (last < 0) return null;
  const end = feedEnd(tr);
  const lastMs = tr.time[last];
  if (end - lastMs < p.dark.minGapMs) return null;
  const lat = tr.lat[last];
  const lon = tr.lon[last];
  const heard = heardNear(tr, lat, lon, lastMs, lastMs + p.reception.windowMs, p.reception, mmsi);
  return { mmsi, lastMs, lat, lon, feedEndMs: end, heard, heardThere: heard.length >= p.reception.minVessels };
}
