/**
 * `npm run demo`: what works so far, end to end. Generates the seeded 1962
 * sample AIS log through the project's encoder, decodes it with
 * `tally ais decode`'s own path, and prints what the decoder saw.
 * (The verification issue turns this into the whole 1962 case.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFiles, JsonlRowSink } from '../ais/index.js';
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
  const summaryPath = join(outDir, 'summary.json');
  writeFileSync(summaryPath, JSON.stringify(stats, null, 2) + '\n');
  console.log(`\nsummary: ${summaryPath}`);
}

demo(process.argv[2] ?? 'out/demo').catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
