/**
 * `tally scenario ...`: write the project's synthetic inputs. The names
 * and defaults in the help are the scenario folder's, so declaring these
 * commands loads it; main.ts declares them only when `scenario` is the
 * command run (the top-level help lists it from cli/commands.ts). Each
 * action imports scenario-actions.ts, which holds the implementations.
 */
import type { Command } from 'commander';
import { COMMAND_DESCRIPTIONS } from './commands.js';
import {
  CASE_SCENARIO_NAMES,
  DEFAULT_FEED,
  STAGED_SITUATIONS,
  TRAFFIC_SCENARIO_NAMES,
  VIOLATION_CODES,
} from '../scenario/index.js';

const actions = () => import('./scenario-actions.js');

export function registerScenario(program: Command): void {
  const scenario = program.command('scenario').description(COMMAND_DESCRIPTIONS.scenario);
  registerFeed(scenario);
  registerTracks(scenario);
  registerGenerate(scenario);
  registerAis(scenario);
}

function registerFeed(scenario: Command): void {
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
    .action(async (opts: Record<string, string>) => (await actions()).scenarioFeed(opts));
}

function registerTracks(scenario: Command): void {
  scenario
    .command('tracks')
    .description(
      `a known-answer traffic scenario for the track stage: feed.nmea, ports.geojson, zone.geojson, expected.json (NAME: ${TRAFFIC_SCENARIO_NAMES.join(', ')}, or all)`,
    )
    .argument('<name>', 'scenario name, or "all" (one subdirectory each)')
    .requiredOption('-o, --out <dir>', 'directory to write into')
    .option('--seed <n>', "random seed (default: the scenario's own)")
    .action(async (name: string, opts: { out: string; seed?: string }) => (await actions()).scenarioTracks(name, opts));
}

function registerGenerate(scenario: Command): void {
  scenario
    .command('generate')
    .description(
      `a whole verification case (case.yaml, geography, evidence, keys, secrets, truth.json) from a scenario description (NAME: ${CASE_SCENARIO_NAMES.join(', ')})`,
    )
    .argument('<name>', 'scenario name')
    .requiredOption(
      '-o, --out <dir>',
      'case directory to write (new or empty; a previously generated case with --force)',
    )
    .option('--seed <n>', "random seed (default: the scenario's own)")
    .option('--scale <n>', 'multiplies the background traffic', '1')
    .option(
      '--violate <code...>',
      `seed violations (several codes, repeatable, or comma-separated): ${VIOLATION_CODES.join(', ')}`,
    )
    .option(
      '--stage <situation...>',
      `stage situations besides the codes (strait only; repeatable, or comma-separated): ${STAGED_SITUATIONS.join(', ')}`,
    )
    .option('--force', 'replace a previously generated case in --out')
    .option('--json', 'print the ground truth as JSON')
    .action(async (name: string, opts: GenerateCliOptions) => (await actions()).scenarioGenerate(name, opts));
}

function registerAis(scenario: Command): void {
  scenario
    .command('ais')
    .description("an AIS log (NMEA with tag blocks) of seeded vessel traffic, through the project's encoder")
    .option('--seed <n>', 'random seed', '1962')
    .option('--vessels <n>', 'number of vessels', '12')
    .option('--hours <h>', 'duration in hours', '6')
    .option('--start <iso>', 'start time, ISO 8601 UTC', '1962-11-07T00:00:00Z')
    .option('--interval <s>', 'seconds between position reports of a vessel', '60')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (opts: AisCliOptions) => (await actions()).scenarioAis(opts));
}

export interface GenerateCliOptions {
  out: string;
  seed?: string;
  scale?: string;
  violate?: string[];
  stage?: string[];
  force?: boolean;
  json?: boolean;
}

export interface AisCliOptions {
  seed: string;
  vessels: string;
  hours: string;
  start: string;
  interval: string;
  out?: string;
}
