/**
 * `tally imagery change BEFORE AFTER [--site SITE.geojson] [--length MIN..MAX
 * --width MIN..MAX] [--source-gsd M] [--json]`: what changed between two
 * passes.
 *
 * AFTER is regridded onto BEFORE's grid (bilinear, when the georeferences
 * differ), the residual shift is estimated by phase correlation and removed,
 * the radiometry matched and the difference thresholded into changed blobs
 * (src/imagery/change.ts detectChange); the changed fraction is over the
 * site's valid pixels. With a declared class (--length and --width), the
 * detector runs on both passes (AFTER regridded, its detections moved back by
 * the residual shift onto BEFORE's grid, then restricted to the site) and the
 * detections are matched one to one (objectChanges, pairs within half the
 * longest declared length): `removed` were there before and are gone, `added`
 * are new.
 */
import {
  detectChange,
  detectObjects,
  objectChanges,
  readGeoTiff,
  registerToGrid,
  resolveGsd,
  type ChangeBlob,
  type Detection,
  type Gsd,
} from '../imagery/index.js';
import { detectorThreadsFromEnvironment, imageryAction, parseSourceGsd } from './imagery-common.js';
import { detectionJson, detectionLine, parseRange, pixelLatLon, siteMask } from './imagery-count.js';
import { UsageError } from './util.js';

export interface ChangeCliOptions {
  site?: string;
  length?: string;
  width?: string;
  sourceGsd?: string;
  json?: boolean;
}

export interface ChangeCliResult {
  before: string;
  after: string;
  site: string | null;
  site_pixels: number | null;
  gsd_m: Gsd | null;
  shift_px: { x: number; y: number };
  changed_fraction: number;
  valid_pixels: number;
  noise_sigma: number;
  threshold: number;
  blobs: ChangeBlob[];
  /** Null when no class was given. */
  objects: { before: number; after: number; matched: number } | null;
  removed: Detection[];
  added: Detection[];
  timings_ms: Record<string, number>;
}

export async function runImageryChange(
  beforePath: string,
  afterPath: string,
  o: ChangeCliOptions,
): Promise<ChangeCliResult> {
  if ((o.length === undefined) !== (o.width === undefined)) {
    throw new UsageError('--length and --width declare the object class together: give both or neither');
  }
  const cls =
    o.length !== undefined
      ? { lengthM: parseRange('--length', o.length), widthM: parseRange('--width', o.width) }
      : null;
  const sourceGsd = parseSourceGsd(o.sourceGsd);
  const t: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (k: string): void => {
    const t1 = performance.now();
    t[k] = Math.round((t1 - t0) * 10) / 10;
    t0 = t1;
  };
  const [before, after] = await Promise.all([readGeoTiff(beforePath), readGeoTiff(afterPath)]);
  lap('read');
  const site = o.site !== undefined ? await siteMask(o.site, before, beforePath) : null;
  let gsd: Gsd | null = null;
  if (before.geo || sourceGsd !== undefined)
    gsd = resolveGsd(before.geo, before.width, before.height, sourceGsd, beforePath);
  else if (cls) resolveGsd(null, before.width, before.height, undefined, beforePath); // throws: no georeferencing
  const gsdM = gsd ? Math.sqrt(gsd.x * gsd.y) : undefined;
  const ch = detectChange(before, after, {
    ...(site ? { site: site.mask } : {}),
    ...(gsdM !== undefined ? { gsdM } : {}),
  });
  lap('change');
  let objects: ChangeCliResult['objects'] = null;
  let removed: Detection[] = [];
  let added: Detection[] = [];
  if (cls && gsd) {
    const opts = { gsd, ...cls };
    const detB = detectObjects(before, { ...opts, ...(site ? { site: site.mask } : {}) });
    const afterReg = registerToGrid(before, after);
    const { width: w, height: h } = before;
    // b(p) ≈ a(p − shift): an object at p in AFTER is at p − shift on BEFORE's grid.
    const detA = detectObjects(afterReg, opts)
      .map((d) => {
        const x = d.x - ch.shift_px.x;
        const y = d.y - ch.shift_px.y;
        return { ...d, x, y, ...pixelLatLon(before.geo, x, y) };
      })
      .filter((d) => {
        if (!site) return true;
        const c = Math.floor(d.x);
        const r = Math.floor(d.y);
        return c >= 0 && r >= 0 && c < w && r < h && site.mask[r * w + c] === 1;
      });
    const oc = objectChanges(detB, detA, cls.lengthM[1] / 2, { gsdM: gsdM ?? 1 });
    objects = { before: detB.length, after: detA.length, matched: oc.matched.length };
    removed = oc.removed;
    added = oc.added;
    lap('objects');
  }
  return {
    before: beforePath,
    after: afterPath,
    site: site?.file ?? null,
    site_pixels: site?.pixels ?? null,
    gsd_m: gsd,
    shift_px: ch.shift_px,
    changed_fraction: ch.changed_fraction,
    valid_pixels: ch.valid_pixels,
    noise_sigma: ch.noise_sigma,
    threshold: ch.threshold,
    blobs: ch.blobs,
    objects,
    removed,
    added,
    timings_ms: t,
  };
}

export function changeJson(r: ChangeCliResult): Record<string, unknown> {
  return {
    ...r,
    shift_px: { x: Math.round(r.shift_px.x * 1000) / 1000, y: Math.round(r.shift_px.y * 1000) / 1000 },
    removed: r.removed.map(detectionJson),
    added: r.added.map(detectionJson),
  };
}

function changeText(r: ChangeCliResult): string {
  let s = `${r.after} against ${r.before}${r.site ? `, site ${r.site} (${r.site_pixels} px)` : ''}\n`;
  s += `Residual shift: ${r.shift_px.x.toFixed(2)}, ${r.shift_px.y.toFixed(2)} px (x, y; corrected)\n`;
  s += `Changed: ${(100 * r.changed_fraction).toFixed(2)} % of ${r.valid_pixels} valid pixels, ${r.blobs.length} blob(s)\n`;
  const shown = r.blobs.slice(0, 20);
  for (const b of shown) {
    const where =
      b.lat !== undefined && b.lon !== undefined
        ? `${b.lat.toFixed(6)}, ${b.lon.toFixed(6)}`
        : `pixel ${b.x.toFixed(1)}, ${b.y.toFixed(1)}`;
    s += `  ${where}  ${b.area_m2.toFixed(0)} m²  ${b.mean_diff < 0 ? 'darker' : 'brighter'} after\n`;
  }
  if (r.blobs.length > shown.length) s += `  ... ${r.blobs.length - shown.length} more (see --json)\n`;
  if (r.objects) {
    s +=
      `Objects: ${r.objects.before} before, ${r.objects.after} after, ${r.objects.matched} in both; ` +
      `${r.removed.length} removed, ${r.added.length} added\n`;
    if (r.removed.length) s += 'Removed:\n' + r.removed.map(detectionLine).join('');
    if (r.added.length) s += 'Added:\n' + r.added.map(detectionLine).join('');
  }
  return s;
}

/** Adds `change` to the `tally imagery` command. */
/** `tally imagery change BEFORE AFTER`: what it prints. */
export async function changeAction(before: string, after: string, o: ChangeCliOptions): Promise<void> {
  detectorThreadsFromEnvironment();
  await imageryAction(async () => {
    const r = await runImageryChange(before, after, o);
    process.stdout.write(o.json ? `${JSON.stringify(changeJson(r), null, 2)}\n` : changeText(r));
  });
}
