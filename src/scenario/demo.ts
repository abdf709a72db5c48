/**
 * `npm run demo`: what works so far, end to end. Generates the seeded 1962
 * sample AIS log through the project's encoder, decodes it with
 * `tally ais decode`'s own path, prints what the decoder saw, then builds
 * the vessel tracks and lists the events the track stage finds in them.
 * (The verification issue turns this into the whole 1962 case.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBatchFiles, decodeFiles, JsonlRowSink } from '../ais/index.js';
import { buildTracks, eventsOfTracks } from '../tracks/index.js';
import { ShoreDistance } from '../tracks/shore.js';
import { aisScenarioText } from './ais.js';

async function demo(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const { text, sent } = aisScenarioText();
  const nmea = join(outDir, 'sample-1962.nmea');
  writeFileSync(nmea, text);
  console.log(`wrote ${nmea}: ${text.split('\n').length - 1} sentences, ${sent.length} reports from the 1962 scenario (seed 1962)`);

  const jsonl: string[] = [];
  const sink = new JsonlRowSink((s) => jsonl.push(s));
  const stats = await decodeFiles([nmea], sink);
  sink.flush();
  const out = join(outDir, 'sample-1962.jsonl');
  writeFileSync(out, jsonl.join(''));
  console.log(`decoded ${stats.messages} messages into ${out}; rejected ${Object.values(stats.rejected).reduce((a, b) => a + (b ?? 0), 0)}`);
  console.log('messages by type:', JSON.stringify(stats.byType));

  const records = jsonl.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const byVessel = new Map<number, { name: string; first?: Record<string, unknown>; last?: Record<string, unknown>; n: number }>();
  for (const r of records) {
    const mmsi = r.mmsi as number;
    const v = byVessel.get(mmsi) ?? { name: '', n: 0 };
    if (typeof r.shipname === 'string') v.name = r.shipname;
    if (typeof r.lat === 'number' && r.type !== 4) {
      v.first ??= r;
      v.last = r;
      v.n++;
    }
    byVessel.set(mmsi, v);
  }
  console.log('\nvessel        MMSI       reports  first seen                 last seen                  last position');
  for (const [mmsi, v] of byVessel) {
    if (!v.first || !v.last) continue;
    console.log(
      `${v.name.padEnd(18).slice(0, 18)} ${String(mmsi).padEnd(10)} ${String(v.n).padStart(5)}  ${String(v.first.time)}  ${String(v.last.time)}  ` +
      `${(v.last.lat as number).toFixed(4)}, ${(v.last.lon as number).toFixed(4)}`,
    );
  }
  console.log(`\nfirst decoded record:\n${JSON.stringify(records[0])}`);
  // The track stage on the same log: tracks, cleaning, and the events it finds.
  const batch = await decodeBatchFiles([nmea]);
  const tracks = buildTracks(batch.positions, batch.statics);
  const events = eventsOfTracks(tracks, { shore: ShoreDistance.load() });
  const kinds: Record<string, number> = {};
  for (const e of events) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  console.log(`\ntracks: ${tracks.mmsi.length} vessels, ${batch.positions.length} positions, left out by cleaning: ${tracks.flagged[1] + tracks.flagged[2] + tracks.flagged[3] + tracks.flagged[4]}`);
  console.log(`events: ${events.length ? JSON.stringify(kinds) : 'none'}`);
  for (const e of events.slice(0, 5)) console.log(`  ${e.kind} ${e.mmsi.join('/')} ${e.start} .. ${e.end} at ${e.lat.toFixed(4)}, ${e.lon.toFixed(4)}`);
  writeFileSync(join(outDir, 'events.json'), JSON.stringify(events, null, 2) + '\n');

  const summaryPath = join(outDir, 'summary.json');
  writeFileSync(summaryPath, JSON.stringify(stats, null, 2) + '\n');
  console.log(`\nsummary: ${summaryPath}`);
}

demo(process.argv[2] ?? 'out/demo').catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
