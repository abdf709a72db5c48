/** `tally scenario feed` and `tally scenario tracks`: traffic for the track stage (registered by `registerScenario`). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_FEED, generateFeed, writeFeedCsv } from '../scenario/index.js';
import { expectedJson, trafficScenario, trafficScenarioNames } from '../scenario/index.js';
import { UsageError } from './util.js';

function num(name: string, v: string, min: number, integer = true): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${name}: expected ${integer ? 'an integer' : 'a number'} of at least ${min}, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

export function registerTrafficScenarios(scenario: Command): void {
  scenario
    .command('feed')
    .description(
      'a week of seeded AIS traffic at scale as MarineCadastre CSV, with a manifest of planted encounters and near misses',
    )
    .option('--seed <n>', 'random seed', String(DEFAULT_FEED.seed))
    .option('--vessels <n>', 'number of vessels', String(DEFAULT_FEED.vessels))
    .option('--days <n>', 'days of traffic', String(DEFAULT_FEED.days))
    .option('--positions <n>', 'exact number of position rows', String(DEFAULT_FEED.positions))
    .option('--start <iso>', 'start time, ISO 8601 UTC', new Date(DEFAULT_FEED.start).toISOString())
    .option('--bbox <w,s,e,n>', 'area, degrees', DEFAULT_FEED.bbox.join(','))
    .option('--encounters <n>', 'planted encounters', String(DEFAULT_FEED.plantedEncounters))
    .option('--near-misses <n>', 'planted near misses', String(DEFAULT_FEED.plantedNearMisses))
    .option('--ports <n>', 'number of ports (0: one per 400 vessels, at least 3)', '0')
    .requiredOption('-o, --out <file>', 'CSV file to write')
    .option('--manifest <file>', 'write the manifest (planted events, ports) as JSON')
    .option('--ports-out <file>', 'write the ports as GeoJSON')
    .action((opts: Record<string, string>) => {
      const start = Date.parse(opts.start);
      if (Number.isNaN(start))
        throw new UsageError(`--start: expected an ISO 8601 time, got ${JSON.stringify(opts.start)}`);
      const bbox = opts.bbox.split(',').map(Number);
      if (bbox.length !== 4 || bbox.some((x) => !Number.isFinite(x)) || !(bbox[0] < bbox[2] && bbox[1] < bbox[3])) {
        throw new UsageError(
          `--bbox: expected west,south,east,north with west < east and south < north, got ${JSON.stringify(opts.bbox)}`,
        );
      }
      const t0 = Date.now();
      const feed = generateFeed({
        seed: num('seed', opts.seed, 0),
        vessels: num('vessels', opts.vessels, 1),
        days: num('days', opts.days, 0.01, false),
        positions: num('positions', opts.positions, 1),
        start,
        bbox: bbox as [number, number, number, number],
        plantedEncounters: num('encounters', opts.encounters, 0),
        plantedNearMisses: num('near-misses', opts.nearMisses, 0),
        ports: num('ports', opts.ports, 0),
      });
      const t1 = Date.now();
      const { bytes } = writeFeedCsv(feed.columns, opts.out, feed.vessels);
      const t2 = Date.now();
      if (opts.manifest) writeFileSync(opts.manifest, JSON.stringify(feed.manifest, null, 1) + '\n');
      if (opts.portsOut) writeFileSync(opts.portsOut, JSON.stringify(feed.manifest.ports, null, 1) + '\n');
      const mem = process.memoryUsage();
      process.stderr.write(
        `feed: ${feed.columns.length} positions of ${feed.manifest.vessels} vessels, ` +
          `${feed.manifest.planted.encounters.length} planted encounters, ${feed.manifest.planted.nearMisses.length} near misses; ` +
          `generated in ${((t1 - t0) / 1000).toFixed(1)} s, CSV (${(bytes / 1e6).toFixed(0)} MB) in ${((t2 - t1) / 1000).toFixed(1)} s; ` +
          `rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, array buffers ${(mem.arrayBuffers / 2 ** 20).toFixed(0)} MiB\n`,
      );
    });

  scenario
    .command('tracks')
    .description(
      `a known-answer traffic scenario for the track stage: feed.nmea, ports.geojson, zone.geojson, expected.json (NAME: ${trafficScenarioNames().join(', ')}, or all)`,
    )
    .argument('<name>', 'scenario name, or "all" (one subdirectory each)')
    .requiredOption('-o, --out <dir>', 'directory to write into')
    .option('--seed <n>', "random seed (default: the scenario's own)")
    .action((name: string, opts: { out: string; seed?: string }) => {
      const names = name === 'all' ? trafficScenarioNames() : [name];
      if (name !== 'all' && !trafficScenarioNames().includes(name)) {
        throw new UsageError(
          `unknown scenario ${JSON.stringify(name)}: expected one of ${trafficScenarioNames().join(', ')}, or all`,
        );
      }
      const seed = opts.seed === undefined ? undefined : num('seed', opts.seed, 0);
      for (const n of names) {
        const s = trafficScenario(n, seed);
        const dir = name === 'all' ? join(opts.out, n) : opts.out;
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'feed.nmea'), s.nmea);
        writeFileSync(join(dir, 'ports.geojson'), JSON.stringify(s.ports, null, 1) + '\n');
        writeFileSync(join(dir, 'zone.geojson'), JSON.stringify(s.zone, null, 1) + '\n');
        writeFileSync(join(dir, 'expected.json'), JSON.stringify(expectedJson(s), null, 1) + '\n');
      }
    });
}
