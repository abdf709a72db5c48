/**
 * `tally imagery ...`: the imagery stage's commands, declared here; what
 * each runs is in imagery-<command>.ts, loaded when it runs (they pull in
 * geotiff, sharp and proj4).
 */
import type { Command } from 'commander';
import { COMMAND_DESCRIPTIONS } from './commands.js';
import type { ChangeCliOptions } from './imagery-change.js';
import type { CountCliOptions } from './imagery-count.js';
import type { DegradeCliOptions } from './imagery-degrade.js';

export function registerImagery(program: Command): void {
  const imagery = program.command('imagery').description(COMMAND_DESCRIPTIONS.imagery);
  imagery
    .command('info')
    .description(
      'size, bands, sample type, CRS, geotransform, corners and GSD of an image (exit 0 also when it has no georeferencing)',
    )
    .argument('<image>', 'GeoTIFF / COG (or JPEG / PNG, without georeferencing)')
    .option('--json', 'print one JSON object')
    .option('--source-gsd <metres>', 'ground resolution to assume (for images without georeferencing)')
    .action(async (image: string, opts: { json?: boolean; sourceGsd?: string }) =>
      (await import('./imagery-info.js')).infoAction(image, opts),
    );
  imagery
    .command('degrade')
    .description(
      'Degrade an image to a coarser ground sample distance by exact area averaging (the resolution cap), ' +
        'georeferencing kept, provenance recorded in the output',
    )
    .argument('<image>', 'input GeoTIFF')
    .argument('<out>', 'output GeoTIFF')
    .requiredOption('--gsd <metres>', 'target ground sample distance: the finer axis of the output')
    .option(
      '--source-gsd <metres>',
      "the input's ground sample distance, when it has no georeferencing (or to override it)",
    )
    .option('--compression <kind>', 'none or deflate', 'deflate')
    .option('--json', 'print what was done as JSON')
    .action(async (image: string, out: string, o: DegradeCliOptions) =>
      (await import('./imagery-degrade.js')).degradeAction(image, out, o),
    );
  imagery
    .command('count')
    .description(
      'count the objects of a declared class (length and width in metres) inside a site polygon or the whole image',
    )
    .argument('<image>', 'GeoTIFF')
    .requiredOption('--length <min..max>', 'declared length range, metres (e.g. 20..25)')
    .requiredOption('--width <min..max>', 'declared width range, metres (e.g. 2.7..3.3)')
    .option('--site <geojson>', 'site polygon(s), GeoJSON in WGS 84 lon/lat; only objects whose centre is inside count')
    .option(
      '--source-gsd <metres>',
      'ground resolution to assume (for images without georeferencing, or to override it)',
    )
    .option(
      '--scoring <how>',
      'model (default: boosted trees learned from generated scenes, for vehicle-like rectangles) or shape (contrast and fit to the declared size only; for other shapes, such as aircraft)',
    )
    .option('--json', 'print one JSON object')
    .action(async (image: string, o: CountCliOptions) => (await import('./imagery-count.js')).countAction(image, o));
  imagery
    .command('change')
    .description(
      'change between two passes: regridded, residual shift corrected, changed fraction and blobs; ' +
        'with a declared class, the objects removed and added',
    )
    .argument('<before>', 'earlier pass (GeoTIFF); its grid is the common one')
    .argument('<after>', 'later pass (GeoTIFF), same CRS')
    .option('--site <geojson>', 'site polygon(s), GeoJSON in WGS 84 lon/lat')
    .option(
      '--length <min..max>',
      'declared object length range, metres (with --width: list removed and added objects)',
    )
    .option('--width <min..max>', 'declared object width range, metres')
    .option('--source-gsd <metres>', 'ground resolution to assume when the passes have no georeferencing')
    .option('--json', 'print one JSON object')
    .action(async (before: string, after: string, o: ChangeCliOptions) =>
      (await import('./imagery-change.js')).changeAction(before, after, o),
    );
}
