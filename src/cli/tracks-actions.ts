/** `tally tracks events|rendezvous`: what they run (declared in tracks.ts). */
import { writeFileSync } from 'node:fs';
import { decodeBatchFiles } from '../ais/index.js';
import {
  buildTracks,
  eventJson,
  eventsOfTracks,
  eventsOfTracksParallel,
  GeographyError,
  PolygonIndex,
  readPolygons,
  rendezvous,
  ShoreDistance,
  SKYLIGHT_RENDEZVOUS,
  toCsv,
  toGeoJson,
  toKml,
  withParams,
  type EventKind,
  type TrackEvent,
} from '../tracks/index.js';
import { KINDS, type EventsCliOptions, type RendezvousCliOptions } from './tracks.js';
import { HOUR_MS } from '../util/index.js';
import { UsageError } from './util.js';

async function polygons(path: string | undefined, requireName: boolean): Promise<PolygonIndex | null> {
  if (!path) return null;
  try {
    return new PolygonIndex(await readPolygons(path, { requireName }));
  } catch (e) {
    if (e instanceof GeographyError) throw new UsageError(e.message);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${path}: no such file`);
    throw e;
  }
}

/** Feeds this large get the second core (worker thread) for the per-vessel events. */
const PARALLEL_FROM_POSITIONS = 200_000;

async function loadFeed(files: string[]): Promise<ReturnType<typeof buildTracks>> {
  const batch = await decodeBatchFiles(files);
  if (batch.positions.length === 0) {
    throw new UsageError(
      `${files.join(', ')}: no position reports (${batch.stats.messages} messages, ${Object.values(batch.stats.rejected).reduce((a, b) => a + (b ?? 0), 0)} lines rejected)`,
    );
  }
  return buildTracks(batch.positions, batch.statics, undefined, {
    shared: batch.positions.length >= PARALLEL_FROM_POSITIONS,
  });
}

function parseTime(s: string, what: string): number {
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw new UsageError(`${what}: expected an ISO 8601 time such as 1962-11-07T14:00:00Z, got ${JSON.stringify(s)}`);
  return t;
}

function summary(events: TrackEvent[], flagged: Record<number, number>, vessels: number): string {
  const byKind: Record<string, number> = {};
  for (const e of events) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
  const kinds =
    Object.entries(byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  return `${events.length} events (${kinds}) from ${vessels} vessels; positions left out: invalid ${flagged[1]}, duplicate ${flagged[2]}, jump ${flagged[3]}, no time ${flagged[4]}\n`;
}

export async function eventsAction(files: string[], o: EventsCliOptions): Promise<void> {
  const format = o.format ?? 'json';
  if (!['json', 'geojson', 'kml', 'csv'].includes(format))
    throw new UsageError(`--format: expected geojson, kml or csv, got ${JSON.stringify(o.format)}`);
  const kinds = o.kinds ? o.kinds.split(',').map((k) => k.trim()) : KINDS;
  for (const k of kinds)
    if (!KINDS.includes(k as EventKind))
      throw new UsageError(`--kinds: expected some of ${KINDS.join(', ')}, got ${JSON.stringify(k)}`);
  if (o.preset && o.preset !== 'gfw' && o.preset !== 'skylight')
    throw new UsageError(`--preset: expected gfw or skylight, got ${JSON.stringify(o.preset)}`);
  const params = withParams(o.preset === 'skylight' ? { encounter: SKYLIGHT_RENDEZVOUS } : {});
  const ports = await polygons(o.ports, true);
  const zone = await polygons(o.zone, false);
  const tr = await loadFeed(files);
  const wantShore = kinds.includes('loitering');
  const events =
    tr.time.buffer instanceof SharedArrayBuffer
      ? await eventsOfTracksParallel(tr, { params, ports, zone, shore: wantShore, kinds: kinds as EventKind[] })
      : eventsOfTracks(tr, {
          params,
          ports,
          zone,
          shore: wantShore ? ShoreDistance.load() : null,
          kinds: kinds as EventKind[],
        });
  let text: string;
  if (format === 'geojson') text = toGeoJson(tr, events);
  else if (format === 'kml') text = toKml(tr, events);
  else if (format === 'csv') text = toCsv(events);
  else text = JSON.stringify(events.map(eventJson), null, o.json ? 0 : 2) + '\n';
  if (o.out) writeFileSync(o.out, text);
  else process.stdout.write(text);
  if (!o.quiet) process.stderr.write(summary(events, tr.flagged, tr.mmsi.length));
}

export async function rendezvousAction(files: string[], o: RendezvousCliOptions): Promise<void> {
  const pair = o.pair.split(',').map((x) => Number(x.trim()));
  if (pair.length !== 2 || pair.some((m) => !Number.isInteger(m) || m <= 0 || m > 999_999_999)) {
    throw new UsageError(`--pair: expected two MMSIs separated by a comma, got ${JSON.stringify(o.pair)}`);
  }
  const windowH = Number(o.window);
  if (!(windowH > 0)) throw new UsageError(`--window: expected hours > 0, got ${JSON.stringify(o.window)}`);
  const tr = await loadFeed(files);
  const found = rendezvous(tr, pair[0], pair[1], {
    ...(o.around !== undefined ? { around: parseTime(o.around, '--around') } : {}),
    windowMs: windowH * HOUR_MS,
  });
  if (o.json) process.stdout.write(JSON.stringify(found.map(eventJson)) + '\n');
  else {
    if (!found.length) process.stdout.write(`no rendezvous of ${pair[0]} and ${pair[1]}\n`);
    for (const e of found)
      process.stdout.write(
        `${e.start} to ${e.end}  ${e.mmsi.join(' / ')}  closest ${e.min_distance_m} m  at ${e.lat.toFixed(5)}, ${e.lon.toFixed(5)}\n`,
      );
  }
}
