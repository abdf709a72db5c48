/**
 * Tracks benchmark (`npm run bench:tracks`):
 *  1. all events of a generated feed of 10,000,000 positions from 5,000
 *     vessels over 7 days, from the columnar positions to the event list
 *     (targets: under 10 s, under 2 GB);
 *  2. the encounters of a 1,000,000-position feed, by Tally and by
 *     PostgreSQL/PostGIS on the same CSV, same definition: pair for pair
 *     comparison, query times with loading excluded, and CSV to encounters.
 *
 * Options: --quick (1M / 100k positions, for a smoke run), --json,
 * --no-postgis, --formulations dbscan,dwithin.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFeed, writeFeedCsv } from '../../src/scenario/feed.js';
import { compareEncounters, runPostgisEncounters, type PostgisResult } from './postgis.js';
import { saveResults } from '../results.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const DATA = join(ROOT, 'bench/data');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const noPostgis = args.includes('--no-postgis');
const fIdx = args.indexOf('--formulations');
const formulations = (fIdx >= 0 ? args[fIdx + 1] : 'dbscan,dwithin').split(',') as ('dbscan' | 'dwithin')[];

const log = (s: string): void => {
  process.stderr.write(s + '\n');
};

function child(...a: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--max-old-space-size=6144', join(HERE, 'child.js'), ...a], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const big = quick ? 1_000_000 : 10_000_000;
  const bigVessels = quick ? 500 : 5000;
  log(
    `1. all events of ${big.toLocaleString('en')} positions, ${bigVessels} vessels, 7 days (generated in the child, then timed from the columns)`,
  );
  const runs = [];
  for (let r = 0; r < (quick ? 1 : 3); r++) runs.push(child('feed', String(big), String(bigVessels), '7', '1'));
  runs.sort((x, y) => (x.totalSeconds as number) - (y.totalSeconds as number));
  const best = runs[0];
  log(
    `   best of ${runs.length}: ${(best.totalSeconds as number).toFixed(2)} s (build ${(best.buildSeconds as number).toFixed(2)} s, events ${(best.eventSeconds as number).toFixed(2)} s), peak RSS ${best.peakRssMiB} MiB (${best.rssBeforeEnginesMiB} MiB before the engine: feed + shore index)`,
  );
  log(
    `   events ${JSON.stringify(best.events)}; planted encounters found ${best.plantedFound}/${best.plantedEncounters}`,
  );

  const small = quick ? 100_000 : 1_000_000;
  const csv = join(DATA, `tracks-${small}.csv`);
  const portsPath = join(DATA, `tracks-${small}-ports.geojson`);
  if (!existsSync(csv) || !existsSync(portsPath)) {
    log(`2. writing the ${small.toLocaleString('en')}-position feed to ${csv}`);
    const feed = generateFeed({ positions: small, vessels: Math.round(small / 2000), days: 7, seed: 2 });
    writeFeedCsv(feed.columns, csv, feed.vessels);
    writeFileSync(portsPath, JSON.stringify(feed.manifest.ports));
    writeFileSync(
      csv.replace(/\.csv$/, '.manifest.json'),
      JSON.stringify({ ...feed.manifest, ports: undefined }, null, 2),
    );
  }
  const tallyRuns = [];
  for (let r = 0; r < (quick ? 1 : 3); r++) tallyRuns.push(child('csv', csv, portsPath));
  tallyRuns.sort((x, y) => (x.totalSeconds as number) - (y.totalSeconds as number));
  const tally = tallyRuns[0];
  const tallyEnc = tally.encounters as { mmsi: number[]; startMs: number; endMs: number }[];
  log(
    `   Tally: CSV read ${(tally.loadSeconds as number).toFixed(2)} s, encounters ${(tally.engineSeconds as number).toFixed(3)} s, total ${(tally.totalSeconds as number).toFixed(2)} s, ${tallyEnc.length} encounters, peak RSS ${tally.peakRssMiB} MiB`,
  );

  const peers: { formulation: string; r: PostgisResult; cmp: ReturnType<typeof compareEncounters> }[] = [];
  if (!noPostgis) {
    for (const formulation of formulations) {
      log(`   PostGIS (${formulation}) on the same CSV and ports ...`);
      const r = await runPostgisEncounters(csv, { formulation, portsGeojson: portsPath });
      const cmp = compareEncounters(tallyEnc, r, 600_000);
      peers.push({ formulation, r, cmp });
      log(
        `   PostGIS ${formulation}: load ${r.seconds.load.toFixed(2)} s, resample ${r.seconds.resample.toFixed(2)} s, query ${r.seconds.query.toFixed(2)} s, total ${r.seconds.total.toFixed(2)} s; ${r.encounters.length} encounters; matched ${cmp.matched} (${cmp.shifted} shifted by a slot), only Tally ${cmp.onlyTally.length}, only PostGIS ${cmp.onlyPostgis.length}, unexplained ${cmp.unexplained}`,
      );
      for (const m of [...cmp.onlyTally, ...cmp.onlyPostgis]) {
        log(
          `     ${m.side} only: ${m.a}/${m.b} ${new Date(m.startMs).toISOString()}..${new Date(m.endMs).toISOString()}${m.nearThreshold ? ' (a slot within 0.5 % of 500 m)' : ''}`,
        );
      }
    }
  }

  // The same comparison without the port rule: every slow pair at the anchorages counts, many more pairs to match.
  let noPorts: ReturnType<typeof compareEncounters> | null = null;
  let noPortsCounts = '';
  if (!noPostgis) {
    const t = child('csv', csv, '');
    const enc = t.encounters as { mmsi: number[]; startMs: number; endMs: number }[];
    const r = await runPostgisEncounters(csv, { formulation: 'dbscan' });
    noPorts = compareEncounters(enc, r, 600_000);
    noPortsCounts = `Tally ${enc.length}, PostGIS ${r.encounters.length}`;
    log(
      `   without ports (dbscan): ${noPortsCounts}; matched ${noPorts.matched} (${noPorts.shifted} shifted by a slot), only Tally ${noPorts.onlyTally.length}, only PostGIS ${noPorts.onlyPostgis.length}, unexplained ${noPorts.unexplained}`,
    );
    for (const m of [...noPorts.onlyTally, ...noPorts.onlyPostgis]) {
      log(
        `     ${m.side} only: ${m.a}/${m.b} ${new Date(m.startMs).toISOString()}..${new Date(m.endMs).toISOString()}${m.nearThreshold ? ' (a slot within 0.5 % of 500 m)' : ''}`,
      );
    }
  }

  const targets: [string, boolean, string][] = [
    [
      'all events of 10M positions < 10 s',
      (best.totalSeconds as number) < 10,
      `${(best.totalSeconds as number).toFixed(2)} s`,
    ],
    [
      'all events of 10M positions < 2 GB (peak RSS of the process, feed included)',
      (best.peakRssMiB as number) < 2048,
      `${best.peakRssMiB} MiB`,
    ],
  ];
  const bestPg = peers.filter((p) => p.formulation === 'dbscan')[0] ?? peers[0];
  if (bestPg) {
    const pgQuery = bestPg.r.seconds.resample + bestPg.r.seconds.query;
    if (noPorts) {
      targets.push([
        'without the port rule too, encounters equal PostGIS pair for pair',
        noPorts.onlyTally.length + noPorts.onlyPostgis.length === 0,
        `${noPorts.matched} matched (${noPortsCounts}), ${noPorts.onlyTally.length + noPorts.onlyPostgis.length} not`,
      ]);
    }
    targets.push(
      [
        'encounters equal PostGIS pair for pair (start/end within a slot)',
        bestPg.cmp.unexplained === 0 && bestPg.cmp.onlyTally.length + bestPg.cmp.onlyPostgis.length === 0,
        `${bestPg.cmp.matched} matched, ${bestPg.cmp.onlyTally.length + bestPg.cmp.onlyPostgis.length} not`,
      ],
      [
        '>= 10x PostGIS best, loading excluded (stretch)',
        (tally.engineSeconds as number) * 10 <= pgQuery,
        `Tally ${(tally.engineSeconds as number).toFixed(3)} s vs PostGIS ${pgQuery.toFixed(2)} s (${(pgQuery / (tally.engineSeconds as number)).toFixed(1)}x)`,
      ],
      [
        '>= 10x PostGIS load + query, from the CSV (stretch)',
        (tally.totalSeconds as number) * 10 <= bestPg.r.seconds.total,
        `Tally ${(tally.totalSeconds as number).toFixed(2)} s vs PostGIS ${bestPg.r.seconds.total.toFixed(2)} s (${(bestPg.r.seconds.total / (tally.totalSeconds as number)).toFixed(1)}x)`,
      ],
    );
  }
  const figures = {
    events: best,
    tally: { ...tally, encounters: tallyEnc.length },
    postgis: peers.map((p) => ({
      formulation: p.formulation,
      seconds: p.r.seconds,
      encounters: p.r.encounters.length,
      comparison: { ...p.cmp },
    })),
    targets: targets.map(([name, pass, measured]) => ({ name, pass, measured })),
  };
  const sec = (v: unknown, d = 2): string => `${(v as number).toFixed(d)} s`;
  const readme = {
    title: 'Tracks and events',
    note: `all events of ${big.toLocaleString('en')} generated positions (best of ${runs.length}); the encounters of ${small.toLocaleString('en')} positions from the same CSV by Tally and by PostgreSQL/PostGIS, same definition`,
    columns: ['work', 'Tally', 'PostGIS (ST_ClusterDBSCAN)', 'PostGIS (ST_DWithin)'],
    rows: [
      [
        `all events, ${big.toLocaleString('en')} positions`,
        `${sec(best.totalSeconds)}, ${String(best.peakRssMiB)} MiB`,
        '',
        '',
      ],
      [
        `encounters, ${small.toLocaleString('en')} positions, loading excluded`,
        sec(tally.engineSeconds, 3),
        ...['dbscan', 'dwithin'].map((f) => {
          const p = peers.find((x) => x.formulation === f);
          return p ? sec(p.r.seconds.resample + p.r.seconds.query) : 'not run';
        }),
      ],
      [
        'encounters from the CSV file',
        sec(tally.totalSeconds),
        ...['dbscan', 'dwithin'].map((f) => {
          const p = peers.find((x) => x.formulation === f);
          return p ? sec(p.r.seconds.total) : 'not run';
        }),
      ],
    ],
    targets: targets.map(([name, pass, measured]) => ({ name, measured, pass })),
  };
  if (!quick && !noPostgis) log(`figures written to ${saveResults('tracks', 'npm run bench:tracks', readme, figures)}`);
  if (json) {
    process.stdout.write(JSON.stringify({ ...figures, targets }, null, 2) + '\n');
  } else {
    process.stdout.write('\nTargets:\n');
    for (const [name, ok, got] of targets) process.stdout.write(`${ok ? 'PASS' : 'MISS'}  ${name}: ${got}\n`);
  }
  if (targets.some(([, ok]) => !ok) && !quick) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
