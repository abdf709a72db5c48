/**
 * The visibility test (src/imagery/visibility.ts) and the resolution rule
 * measured, for docs/imagery.md ("Can the pass see the ground"):
 *
 * Part 1, generated cloud: scenes like the scenario's passes (0.5 m GSD,
 * flat ground at grey level 100 with 6 levels of relief and 2 of noise, six
 * items of 22 × 2.8 m, 45 levels brighter) under a cloud layer of a given
 * cover fraction (scenario/scenes.ts `cloudCover`), SEEDS seeds per fraction;
 * the site is the central 200 m square. Per fraction: the cover over the
 * site (pixels at least half opaque), the share the test judges obscured,
 * how many passes it judges usable, and how many of those hid an item
 * under the cloud (must be none).
 *
 * Part 2, the real optical passes in ../shared/data/imagery (or --dir DIR):
 * each whole image taken as the site, judged for the scenario's item class
 * (20-25 m × 1.6-3.4 m: resolution at most 0.8 m; an unseen area of 32 m²
 * could hide one). SAR, classification rasters and label masks are not
 * optical and are left out.
 *
 *   node dist/scripts/imagery-visibility.js [--dir DIR] [--json]
 */
import { join } from 'node:path';
import {
  gsdMetres,
  judgeVisibility,
  readGeoTiff,
  visibilityProblem,
  type Raster,
  type Visibility,
} from '../src/imagery/index.js';
import { renderScene, type SceneObject } from '../src/scenario/scenes.js';
import { axis } from '../src/scenario/scene-canvas.js';

const SEEDS = 5;
const FRACTIONS = [0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1];
const SCENE_M = 300;
const SITE_M = 200;
const GSD = 0.5;
const ITEM = { length: 20, width: 1.6 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface CoverRow {
  fraction: number;
  site_cover: number;
  judged_obscured: number;
  usable: number;
  passes: number;
  usable_with_hidden_item: number;
}

/** One scene under cloud of each fraction, SEEDS seeds each. */
export function measureCover(): CoverRow[] {
  const objects: SceneObject[] = [];
  for (let k = 0; k < 6; k++)
    objects.push({
      x_m: 80 + (k % 3) * 70,
      y_m: 110 + Math.floor(k / 3) * 80,
      length_m: 22,
      width_m: 2.8,
      heading_deg: 30 * k,
      polarity: 'bright',
      contrast: 45,
    });
  const px = SCENE_M / GSD;
  const s0 = (SCENE_M - SITE_M) / 2 / GSD;
  const s1 = s0 + SITE_M / GSD;
  const mask = new Uint8Array(px * px);
  for (let y = s0; y < s1; y++) mask.fill(1, y * px + s0, y * px + s1);
  const rows: CoverRow[] = [];
  for (const fraction of FRACTIONS) {
    const row: CoverRow = {
      fraction,
      site_cover: 0,
      judged_obscured: 0,
      usable: 0,
      passes: 0,
      usable_with_hidden_item: 0,
    };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const scene = renderScene(
        {
          widthM: SCENE_M,
          heightM: SCENE_M,
          gsd: GSD,
          terrain: { base: 100, contrast: 6, octaves: 3 },
          noise: 2,
          objects,
          cloudCover: { fraction, seed: 1000 + seed },
        },
        seed,
      );
      const op = scene.cloud!;
      let covered = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i] && op[i] >= 0.5) covered++;
      const v = judgeVisibility(scene.raster, { x: GSD, y: GSD }, mask, 0, ITEM.length * ITEM.width);
      // An item is hidden when any point along its length is under cloud at least half opaque.
      const hidden = scene.truth.some((t) => {
        const [ux, uy] = axis(t.heading_deg);
        for (let k = -2; k <= 2; k++) {
          const x = Math.floor(t.x + (ux * k * t.length_m) / 4 / GSD);
          const y = Math.floor(t.y + (uy * k * t.length_m) / 4 / GSD);
          if (x >= 0 && y >= 0 && x < px && y < px && op[y * px + x] >= 0.5) return true;
        }
        return false;
      });
      row.passes++;
      row.site_cover += covered / ((s1 - s0) * (s1 - s0)) / SEEDS;
      row.judged_obscured += v.obscuredAreaM2 / v.siteAreaM2 / SEEDS;
      if (v.visible) {
        row.usable++;
        if (hidden) row.usable_with_hidden_item++;
      }
    }
    rows.push(row);
  }
  return rows;
}

export interface RealRow {
  file: string;
  gsd_m: number;
  fine_enough: boolean;
  visible: boolean;
  usable: boolean;
  obscured: Visibility['obscured'];
  brightness: number | null;
  spread: number | null;
  why: string;
}

const REAL: [string, string][] = [
  ['spacenet_vegas_pan_0p3m.tif', 'Las Vegas, 11-bit panchromatic'],
  ['spacenet_rotterdam_pan_0p5m.tif', 'Rotterdam, panchromatic'],
  ['spacenet_atlanta_pan_0p5m.tif', 'Atlanta, panchromatic, nodata collar'],
  ['rasterio_cogeo.tif', 'South Korea hills, partly snow-covered'],
  ['planet_sfbay_ships_rapideye_2017-03-08.tif', 'San Francisco Bay, RapidEye'],
  ['naip_nd_m_4709963_se_14_20090818.tif', 'North Dakota, NAIP 2009'],
  ['naip_nd_m_4709963_se_14_20150926.tif', 'North Dakota, NAIP 2015'],
  ['naip_nd_m_4709963_se_14_20200831.tif', 'North Dakota, NAIP 2020'],
  ['landsat_peru_1985.tif', 'Peru, Landsat 1985'],
  ['landsat_peru_2020.tif', 'Peru, Landsat 2020'],
  ['rasterio_RGB.byte.tif', 'Bahamas, Landsat 7, nodata collar'],
];

export async function measureReal(dir: string): Promise<RealRow[]> {
  const rows: RealRow[] = [];
  for (const [file] of REAL) {
    const r: Raster = await readGeoTiff(join(dir, file));
    const gsd = gsdMetres(r.geo!, r.width, r.height);
    const coarser = Math.max(gsd.x, gsd.y);
    const mask = new Uint8Array(r.width * r.height).fill(1);
    const v = judgeVisibility(r, gsd, mask, 0, ITEM.length * ITEM.width);
    const fine = coarser <= ITEM.width / 2;
    const why: string[] = [];
    if (!fine) why.push(`${coarser.toPrecision(3)} m is coarser than ${ITEM.width / 2} m`);
    if (!v.visible) why.push(visibilityProblem(v));
    rows.push({
      file,
      gsd_m: Number(coarser.toPrecision(3)),
      fine_enough: fine,
      visible: v.visible,
      usable: fine && v.visible,
      obscured: Object.fromEntries(Object.entries(v.obscured).map(([k, f]) => [k, Number(f.toFixed(4))])),
      brightness: v.brightness === null ? null : Number(v.brightness.toFixed(3)),
      spread: v.spread === null ? null : Number(v.spread.toFixed(3)),
      why: why.join('; '),
    });
  }
  return rows;
}

const pct = (f: number): string => `${(f * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const dir = arg('--dir') ?? '../shared/data/imagery';
  const cover = measureCover();
  const real = await measureReal(dir);
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ cover, real }, null, 2)}\n`);
    return;
  }
  const out: string[] = [
    `generated cloud (${SEEDS} seeds per fraction, ${GSD} m, site ${SITE_M} m square):`,
    '| cover of the scene | cover of the site | judged obscured | judged usable | usable with an item under cloud |',
    '|---|---|---|---|---|',
  ];
  for (const r of cover)
    out.push(
      `| ${pct(r.fraction)} | ${pct(r.site_cover)} | ${pct(r.judged_obscured)} | ${r.usable} of ${r.passes} | ${r.usable_with_hidden_item} |`,
    );
  out.push(
    '',
    `real passes, each whole image as the site, for items ${ITEM.length} m × ${ITEM.width} m at the least:`,
    '| file | GSD (coarser axis) | fine enough | ground visible | usable | brightness | spread | obscured |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const r of real)
    out.push(
      `| ${r.file} | ${r.gsd_m} m | ${r.fine_enough ? 'yes' : 'no'} | ${r.visible ? 'yes' : 'no'} | ${r.usable ? 'yes' : 'no'} | ${r.brightness ?? '-'} | ${r.spread ?? '-'} | ${
        Object.entries(r.obscured)
          .map(([k, f]) => `${k} ${pct(f)}`)
          .join(', ') || 'none'
      } |`,
    );
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
