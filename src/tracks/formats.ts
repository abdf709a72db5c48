/**
 * Events and tracks out: JSON (the contract of `tally tracks events --json`),
 * GeoJSON (tracks as LineStrings, events as Points), KML for Google Earth
 * (one folder per vessel) and CSV (one row per event).
 */
import { FLAG_GOOD, type TrackEvent, type Tracks } from './types.js';
import { lonDelta } from './geo.js';
import { HOUR_MS } from '../util/index.js';

const round = (x: number, d = 6): number => Math.round(x * 10 ** d) / 10 ** d;

/** The event as printed: every field, `positions` last. */
export function eventJson(e: TrackEvent): Record<string, unknown> {
  const { startMs: _s, endMs: _e, ...rest } = e;
  return { ...rest, lat: round(e.lat), lon: round(e.lon) };
}

/**
 * A vessel's good reports as LineString coordinates, split where the track
 * crosses the antimeridian (so that maps do not draw a line round the world)
 * and where a segment ends.
 */
export function trackLines(tr: Tracks, v: number): [number, number][][] {
  const lines: [number, number][][] = [];
  let cur: [number, number][] = [];
  let prevLon = NaN;
  let prevSeg = -1;
  for (let i = tr.start[v]; i < tr.start[v + 1]; i++) {
    if (tr.flag[i] !== FLAG_GOOD) continue;
    const lon = tr.lon[i];
    const lat = tr.lat[i];
    const crosses = prevLon === prevLon && Math.abs(lon - prevLon) > 180 && Math.abs(lonDelta(prevLon, lon)) < 180;
    if (tr.segment[i] !== prevSeg || crosses) {
      if (cur.length > 1) lines.push(cur);
      cur = [];
    }
    cur.push([round(lon), round(lat)]);
    prevLon = lon;
    prevSeg = tr.segment[i];
  }
  if (cur.length > 1) lines.push(cur);
  return lines;
}

function vesselName(tr: Tracks, mmsi: number): string {
  return tr.vessels.get(mmsi)?.shipname ?? String(mmsi);
}

export function toGeoJson(tr: Tracks, events: TrackEvent[]): string {
  const features: unknown[] = [];
  for (let v = 0; v < tr.mmsi.length; v++) {
    const lines = trackLines(tr, v);
    if (!lines.length) continue;
    const mmsi = tr.mmsi[v];
    const info = tr.vessels.get(mmsi);
    features.push({
      type: 'Feature',
      geometry:
        lines.length === 1
          ? { type: 'LineString', coordinates: lines[0] }
          : { type: 'MultiLineString', coordinates: lines },
      properties: {
        kind: 'track',
        mmsi,
        name: info?.shipname ?? null,
        imo: info?.imo ?? null,
        callsign: info?.callsign ?? null,
        shiptype: info?.shiptype ?? null,
      },
    });
  }
  for (const e of events) {
    const { lat, lon, ...props } = eventJson(e);
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: props });
  }
  return JSON.stringify({ type: 'FeatureCollection', features }) + '\n';
}

const xml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function eventTitle(e: TrackEvent): string {
  switch (e.kind) {
    case 'port_visit':
      return `Port visit: ${e.port}`;
    case 'encounter':
      return `Encounter ${e.mmsi.join(' / ')}`;
    case 'rendezvous':
      return `Rendezvous ${e.mmsi.join(' / ')}`;
    case 'dark_period':
      return `Dark period ${Math.round((e.endMs - e.startMs) / HOUR_MS)} h`;
    case 'loitering':
      return 'Loitering';
  }
}

/** KML 2.2: a folder per vessel with its track and its events (an encounter appears under both vessels). */
export function toKml(tr: Tracks, events: TrackEvent[]): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<kml xmlns="http://www.opengis.net/kml/2.2">',
    '<Document><name>Tally tracks and events</name>',
    '<Style id="track"><LineStyle><color>ff00a5ff</color><width>2</width></LineStyle></Style>',
    '<Style id="event"><IconStyle><color>ff0000ff</color></IconStyle></Style>',
  ];
  const byVessel = new Map<number, TrackEvent[]>();
  for (const e of events) for (const m of e.mmsi) byVessel.set(m, [...(byVessel.get(m) ?? []), e]);
  for (let v = 0; v < tr.mmsi.length; v++) {
    const mmsi = tr.mmsi[v];
    const lines = trackLines(tr, v);
    const evs = byVessel.get(mmsi) ?? [];
    if (!lines.length && !evs.length) continue;
    out.push(`<Folder><name>${xml(vesselName(tr, mmsi))} (${mmsi})</name>`);
    if (lines.length) {
      out.push(`<Placemark><name>Track ${mmsi}</name><styleUrl>#track</styleUrl><MultiGeometry>`);
      for (const l of lines)
        out.push(
          `<LineString><tessellate>1</tessellate><coordinates>${l.map(([x, y]) => `${x},${y}`).join(' ')}</coordinates></LineString>`,
        );
      out.push('</MultiGeometry></Placemark>');
    }
    for (const e of evs) {
      out.push(
        `<Placemark><name>${xml(eventTitle(e))}</name><styleUrl>#event</styleUrl>` +
          `<TimeSpan><begin>${e.start}</begin><end>${e.end}</end></TimeSpan>` +
          `<description>${xml(`${e.kind} ${e.mmsi.join(', ')} from ${e.start} to ${e.end}`)}</description>` +
          `<Point><coordinates>${round(e.lon)},${round(e.lat)}</coordinates></Point></Placemark>`,
      );
    }
    out.push('</Folder>');
  }
  out.push('</Document></kml>');
  return out.join('\n') + '\n';
}

const CSV_COLUMNS = [
  'kind',
  'mmsi',
  'start',
  'end',
  'lat',
  'lon',
  'port',
  'departed',
  'median_distance_m',
  'min_distance_m',
  'distance_m',
  'shore_distance_m',
  'positions',
];

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per event; `mmsi` and `positions` are space-separated lists. */
export function toCsv(events: TrackEvent[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const e of events) {
    const j = eventJson(e);
    rows.push(CSV_COLUMNS.map((c) => csvCell(j[c])).join(','));
  }
  return rows.join('\n') + '\n';
}
