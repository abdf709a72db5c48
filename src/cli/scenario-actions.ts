/**
 * What the `tally scenario ...` commands do (declared in scenario.ts, and
 * imported only when one of them runs): check the options, call the
 * generators, write the files and report on stderr.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  aisScenario,
  CaseDirError,
  caseScenarioNames,
  expectedJson,
  generateCase,
  generateFeed,
  trafficScenario,
  trafficScenarioNames,
  VIOLATION_CODES,
  writeFeedCsv,
} from '../scenario/index.js';
import { HOUR_MS, SECOND_MS } from '../util/index.js';
import type { AisCliOptions, GenerateCliOptions } from './scenario.js';
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

function integer(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${flag}: expected an integer of at least ${min}, got ${JSON.stringify(v)}`);
  }
  return n;
}

function startTime(iso: string): number {
  const start = Date.parse(iso);
  if (Number.isNaN(start)) throw new UsageError(`--start: expected an ISO 8601 time, got ${JSON.stringify(iso)}`);
  return start;
}

/** `tally scenario feed`: the benchmark feed as CSV, with its manifest and ports. */
export function scenarioFeed(opts: Record<string, string>): void {
  const start = startTime(opts.start);
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
}

/** `tally scenario tracks NAME`: a known-answer scenario (or all of them, one subdirectory each). */
export function scenarioTracks(name: string, opts: { out: string; seed?: string }): void {
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
}

/** `tally scenario generate NAME --out DIR`: a whole verification case from a scenario description. */
export async function scenarioGenerate(name: string, o: GenerateCliOptions): Promise<void> {
  if (!caseScenarioNames().includes(name)) {
    throw new UsageError(`unknown scenario ${JSON.stringify(name)}: expected one of ${caseScenarioNames().join(', ')}`);
  }
  o.violate = (o.violate ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const v of o.violate) {
    if (!(VIOLATION_CODES as readonly string[]).includes(v)) {
      throw new UsageError(
        `--violate: unknown code ${JSON.stringify(v)}: expected one of ${VIOLATION_CODES.join(', ')}`,
      );
    }
  }
  const seed = o.seed === undefined ? undefined : integer('--seed', o.seed, 0);
  const scale = integer('--scale', o.scale ?? '1', 1);
  const t0 = Date.now();
  process.stderr.write(
    `generating ${name}${seed === undefined ? '' : ` (seed ${seed})`}, scale ${scale}` +
      `${o.violate?.length ? `, violating ${o.violate.join(', ')}` : ''} into ${o.out}\n`,
  );
  let r;
  try {
    r = await generateCase(name, {
      out: o.out,
      ...(seed === undefined ? {} : { seed }),
      scale,
      violate: o.violate ?? [],
      stage: (o.stage ?? [])
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== ''),
      force: o.force ?? false,
    });
  } catch (e) {
    if (e instanceof CaseDirError || e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  process.stderr.write(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(r.truth, null, 2)}\n`);
    return;
  }
  const f = r.truth.funnel;
  let s = `${r.files.length} files written to ${r.dir}\n`;
  s += `truth: ${r.truth.verdict}; funnel declared ${f.declared}, removed ${f.removed}, departed ${f.departed}, inspected ${f.inspected}, left the zone ${f.left_zone}\n`;
  for (const x of r.truth.findings) s += `  ${x.code} ${x.subject.kind} ${x.subject.id}\n`;
  process.stdout.write(s);
}

/** `tally scenario ais`: an AIS log of seeded traffic, to a file or standard output (with back-pressure). */
export async function scenarioAis(opts: AisCliOptions): Promise<void> {
  const number = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min)
      throw new UsageError(`--${name}: expected a number of at least ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  const start = startTime(opts.start);
  const out: NodeJS.WritableStream = opts.out ? createWriteStream(opts.out) : process.stdout;
  let buf = '';
  for (const { lines } of aisScenario({
    seed: number('seed', opts.seed, 0),
    vessels: number('vessels', opts.vessels, 1),
    start,
    durationMs: number('hours', opts.hours, 0) * HOUR_MS,
    reportIntervalMs: number('interval', opts.interval, 1) * SECOND_MS,
  })) {
    buf += lines.join('\n') + '\n';
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  if (opts.out) await new Promise<void>((r) => out.end(() => r()));
}
