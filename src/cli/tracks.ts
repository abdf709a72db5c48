/** `tally tracks ...`: events in AIS feeds, and the rendezvous query (declared here; run by tracks-actions.ts). */
import type { Command } from 'commander';
import { COMMAND_DESCRIPTIONS } from './commands.js';
import type { EventKind } from '../tracks/index.js';

export const KINDS: EventKind[] = ['port_visit', 'encounter', 'dark_period', 'loitering'];

export interface EventsCliOptions {
  ports?: string;
  zone?: string;
  json?: boolean;
  format?: string;
  out?: string;
  kinds?: string;
  preset?: string;
  quiet?: boolean;
}

export interface RendezvousCliOptions {
  pair: string;
  around?: string;
  window: string;
  json?: boolean;
}

export function registerTracks(program: Command): void {
  const tracks = program.command('tracks').description(COMMAND_DESCRIPTIONS.tracks);
  tracks
    .command('events')
    .description('port visits, encounters, dark periods and loitering in AIS feeds (NMEA or CSV)')
    .argument('<files...>', 'AIS files, as `tally ais decode` reads them')
    .option('--ports <geojson>', 'port polygons (each feature\'s "name" names the port)')
    .option('--zone <geojson>', 'zone of interest: dark periods only inside it')
    .option('--json', 'print one JSON array of events to stdout')
    .option('--format <format>', 'geojson, kml or csv instead of JSON')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .option('--kinds <list>', `only these kinds (${KINDS.join(',')})`)
    .option('--preset <name>', 'encounter preset: gfw (default) or skylight')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (files: string[], o: EventsCliOptions) =>
      (await import('./tracks-actions.js')).eventsAction(files, o),
    );

  tracks
    .command('rendezvous')
    .description('periods when two vessels were within 1,000 m for 15 minutes or more, at any speed')
    .argument('<files...>', 'AIS files')
    .requiredOption('--pair <mmsi,mmsi>', 'the two vessels')
    .option('--around <time>', 'only within 2 hours of this time (ISO 8601)')
    .option('--window <hours>', 'the window around --around, hours', '2')
    .option('--json', 'print a JSON array')
    .action(async (files: string[], o: RendezvousCliOptions) =>
      (await import('./tracks-actions.js')).rendezvousAction(files, o),
    );
}
