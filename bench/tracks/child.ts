/**
 * One measurement of the tracks benchmark, in its own process so that its
 * peak memory is its own. Prints one JSON line.
 *
 *   node child.js feed N VESSELS DAYS SEED          generate the feed, then all events (ports, zone-free, shore)
 *   node child.js csv FILE.csv PORTS.geojson        from the CSV to the encounters
 */
import { readFileSync } from 'node:fs';
import { decodeBatchFiles } from '../../src/ais/index.js';
import { generateFeed } from '../../src/scenario/feed.js';
import {
  buildTracks,
  eventsOfTracksParallel,
  findEncounters,
  DEFAULT_PARAMS,
  type TrackEvent,
} from '../../src/tracks/index.js';
import { parsePolygons, PolygonIndex } from '../../src/tracks/geography.js';

function kinds(events: TrackEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  const mib = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
  if (mode === 'feed') {
    const [n, vessels, days, seed] = args.map(Number);
    const t0 = performance.now();
    const feed = generateFeed({ positions: n, vessels, days, seed });
    const genS = (performance.now() - t0) / 1000;
    const ports = new PolygonIndex(
      parsePolygons(JSON.stringify(feed.manifest.ports), 'feed-ports.geojson', { requireName: true }),
    );
    const rssBefore = mib();
    const t1 = performance.now();
    const tracks = buildTracks(feed.columns, [], undefined, { shared: true });
    const t2 = performance.now();
    // Both cores: per-vessel events (with the shore index, built in the worker) beside the encounters.
    const events = await eventsOfTracksParallel(tracks, { ports, shore: true });
    const t3 = performance.now();
    const planted = feed.manifest.planted.encounters;
    const found = planted.filter((p) =>
      events.some(
        (e) => e.kind === 'encounter' && e.mmsi[0] === Math.min(...p.mmsi) && e.mmsi[1] === Math.max(...p.mmsi),
      ),
    );
    process.stdout.write(
      JSON.stringify({
        mode,
        positions: feed.columns.length,
        vessels: tracks.mmsi.length,
        generateSeconds: genS,
        buildSeconds: (t2 - t1) / 1000,
        eventSeconds: (t3 - t2) / 1000,
        totalSeconds: (t3 - t1) / 1000,
        peakRssMiB: mib(),
        rssBeforeEnginesMiB: rssBefore,
        events: kinds(events),
        flagged: tracks.flagged,
        plantedEncounters: planted.length,
        plantedFound: found.length,
      }) + '\n',
    );
    return;
  }
  if (mode === 'csv') {
    const [csv, portsPath] = args;
    const t0 = performance.now();
    const batch = await decodeBatchFiles([csv]);
    const t1 = performance.now();
    const ports = portsPath
      ? new PolygonIndex(parsePolygons(readFileSync(portsPath, 'utf8'), portsPath, { requireName: true }))
      : null;
    const tracks = buildTracks(batch.positions, batch.statics);
    const encounters = findEncounters(tracks, DEFAULT_PARAMS.encounter, ports);
    const t2 = performance.now();
    process.stdout.write(
      JSON.stringify({
        mode,
        positions: batch.positions.length,
        loadSeconds: (t1 - t0) / 1000,
        engineSeconds: (t2 - t1) / 1000,
        totalSeconds: (t2 - t0) / 1000,
        peakRssMiB: mib(),
        flagged: tracks.flagged,
        encounters: encounters.map((e) => ({
          mmsi: e.mmsi,
          startMs: e.startMs,
          endMs: e.endMs,
          median_distance_m: e.median_distance_m,
        })),
      }) + '\n',
    );
    return;
  }
  throw new Error(`tracks bench child: unknown mode ${mode}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
