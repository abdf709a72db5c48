/**
 * Tally's main job: a case in, findings and verdicts out.
 *
 *   verifyCase(dir, opts)          -> { results, report }: load, log, analyse, run the custody chain
 *   compareResults(given, again)   -> the reproduction, finding by finding
 *
 * Order matters: the case is checked whole before anything is written; every
 * input is logged before it is used; the results cite each piece of evidence
 * by its SHA-256 and its index in the log.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCase, parseTime, termsJson, type LoadedCase } from '../case/index.js';
import { collectEvidence, recordEvidence, type EvidenceItem, type RecordedCase } from '../evidence/index.js';
import type { ReportInput, ReportTrack } from '../report/types.js';
import { keptIndices } from '../report/map.js';
import { FLAG_GOOD } from '../tracks/types.js';
import { caseTracks, polygonIndex, type CaseTracks } from './ais.js';
import { runChain } from './custody.js';
import { analysePass, type PassAnalysis } from './imagery.js';
import { RESULTS_SCHEMA, type Results } from './types.js';

export * from './types.js';
export { compareResults, type Comparison } from './compare.js';
export { worst } from './custody.js';

export interface VerifyOptions {
  /** An auditor's reproduction: append nothing, sign nothing, need no key. */
  readOnly?: boolean;
  progress?: (msg: string) => void;
}

export interface Verification {
  case: LoadedCase;
  results: Results;
  report: ReportInput;
  /** Entries appended to the log by this run. */
  appended: number;
  /** Derived files (crops) to write beside the results, with what they come from. */
  derived: { name: string; data: Uint8Array; from: { path: string; sha256: string }[]; what: string }[];
}

export function tallyVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Verifies the case in DIR. Throws CaseError (before writing anything) when the case is not usable. */
export async function verifyCase(dir: string, opts: VerifyOptions = {}): Promise<Verification> {
  const say = opts.progress ?? ((): void => undefined);
  const c = loadCase(dir);
  say(
    `case ${c.manifest.id}: ${c.manifest.declarations.lots.length} lots, ${c.manifest.declarations.shipments.length} shipments, ${c.inspections.length} inspection records`,
  );
  const items = await collectEvidence(c);
  say(`hashed ${items.length} input files`);
  const rec = await recordEvidence(c, items, { readOnly: opts.readOnly ?? false, progress: say });
  const byPath = new Map(items.map((i) => [i.path, i]));

  // AIS -> tracks.
  const aisFiles = (c.manifest.evidence.ais ?? []).map((e) => e.path).filter((p) => !rec.tampered.has(p));
  let ais: CaseTracks | null = null;
  if (aisFiles.length) {
    ais = await caseTracks(
      aisFiles.map((p) => ({ path: p, abs: join(c.dir, p) })),
      c.terms.params,
    );
    say(`AIS: ${ais.messages} messages (${ais.rejected} rejected), ${ais.tracks.mmsi.length} vessels`);
  }
  const ports = polygonIndex(c.geography.ports, 'ports');
  const zone = polygonIndex(c.geography.zone, 'zone');

  // Imagery -> counts per site and pass.
  const passes = new Map<string, PassAnalysis[]>();
  const siteFeature = new Map(c.geography.sites.features.map((f) => [f.properties.id, f]));
  const classesAt = new Map<string, Set<string>>();
  for (const l of c.manifest.declarations.lots) {
    const s = classesAt.get(l.site) ?? new Set<string>();
    s.add(l.item_class);
    classesAt.set(l.site, s);
  }
  const imagery = (c.manifest.evidence.imagery ?? []).filter((e) => !rec.tampered.has(e.path));
  for (const e of imagery) {
    const site = siteFeature.get(e.site)!;
    const classes = [...(classesAt.get(e.site) ?? [])].map((id) => c.terms.itemClasses.get(id)!).filter(Boolean);
    if (!classes.length) continue;
    const p = await analysePass(join(c.dir, e.path), e, site, classes, c.terms.resolutionCapM, parseTime(e.time));
    const l = passes.get(e.site) ?? [];
    l.push(p);
    passes.set(e.site, l);
    say(
      `imagery ${e.path}: ${p.count ?? 'not usable'}${p.count !== null ? ' item(s)' : ''}${p.problem ? ` (${p.problem})` : ''}`,
    );
  }
  for (const l of passes.values())
    l.sort((a, b) => a.timeMs - b.timeMs || a.evidence.path.localeCompare(b.evidence.path));

  const chain = runChain({ c, items: byPath, rec, ais, aisFiles, ports, zone, passes });

  const manifestItem = byPath.get(c.manifestPath)!;
  const results: Results = {
    schema: RESULTS_SCHEMA,
    tally: tallyVersion(),
    case: {
      id: c.manifest.id,
      name: c.manifest.name,
      manifest: {
        sha256: manifestItem.sha256,
        log_index: rec.evidenceIndex.get(c.manifestPath) ?? null,
        path: c.manifestPath,
      },
    },
    verdict: chain.verdict,
    checkpoint: rec.checkpoint ?? { origin: '', size: 0, root: '', note: '', cosigned_by: [] },
    funnel: chain.funnel,
    findings: chain.findings,
    lots: chain.lots,
    shipments: chain.shipments,
    sites: chain.sites,
    evidence: items.map((i) => ({
      sha256: i.sha256,
      log_index: rec.evidenceIndex.get(i.path) ?? null,
      path: i.path,
      role: i.role,
      name: i.path.split('/').pop()!,
    })),
    terms: termsJson(c.manifest.terms),
  };

  const report: ReportInput = {
    results,
    manifest: c.manifest,
    geography: { sites: c.geography.sites, ports: c.geography.ports, zone: c.geography.zone },
    tracks: ais ? reportTracks(c, ais) : [],
    events: chain.events,
    images: [],
    reverify: { commands: reverifyCommands(c), logDir: 'log' },
  };
  const derived: Verification['derived'] = [];
  for (const [site, list] of passes) {
    const res = chain.sites.find((s) => s.id === site);
    for (const p of list) {
      if (!p.crop || rec.tampered.has(p.evidence.path)) continue;
      const item = byPath.get(p.evidence.path)!;
      const evidence = { sha256: item.sha256, log_index: rec.evidenceIndex.get(item.path) ?? null, path: item.path };
      const deadline = res ? (res.passes.find((x) => x.evidence.path === item.path)?.phase ?? 'before') : 'before';
      report.images.push({
        site,
        evidence,
        time: p.evidence.time,
        phase: deadline,
        gsd_m: p.analysedGsdM ?? 0,
        png: p.crop.png,
        width: p.crop.width,
        height: p.crop.height,
        detections: p.crop.detections,
        outline: p.crop.outline,
        count: p.count,
      });
      derived.push({
        name: `${site}-${p.evidence.time.replace(/[^0-9A-Za-z]+/g, '')}.png`,
        data: p.crop.png,
        from: [{ path: item.path, sha256: item.sha256 }],
        what: `crop of site ${site} from ${item.path}${p.finerThanCap ? `, degraded to the ${c.terms.resolutionCapM} m cap` : ''}, contrast-stretched for display`,
      });
    }
  }
  if (report.tracks.length) {
    // The decoded tracks, for GIS tools: one LineString per vessel segment, citing the AIS logs they come from.
    const geo = {
      type: 'FeatureCollection',
      features: report.tracks.map((t) => ({
        type: 'Feature',
        properties: {
          mmsi: t.mmsi,
          name: t.name,
          role: t.role,
          ...(t.ref ? { ref: t.ref } : {}),
          first: new Date(t.points[0][2]).toISOString(),
          last: new Date(t.points[t.points.length - 1][2]).toISOString(),
          positions: t.points.length,
        },
        geometry: {
          type: 'MultiLineString',
          coordinates: keptIndices(t.points.length, t.breaks, Infinity).map((seg) =>
            seg.map((i) => [t.points[i][0], t.points[i][1]]),
          ),
        },
      })),
    };
    derived.push({
      name: 'tracks.geojson',
      data: new TextEncoder().encode(`${JSON.stringify(geo)}\n`),
      from: aisFiles.map((p) => ({ path: p, sha256: byPath.get(p)!.sha256 })),
      what: 'vessel tracks decoded from the AIS logs (good positions only, split at silences over the segment gap)',
    });
  }
  return { case: c, results, report, appended: rec.appended, derived };
}

/** Tracks for the map: every vessel, its role, its good positions (thinned for long tracks). */
function reportTracks(c: LoadedCase, ais: CaseTracks): ReportTrack[] {
  const tr = ais.tracks;
  const shipmentBy = new Map(c.manifest.declarations.shipments.map((s) => [s.vessel.mmsi, s]));
  const inspectorBy = new Map(c.manifest.inspectors.filter((i) => i.mmsi !== undefined).map((i) => [i.mmsi!, i]));
  const out: ReportTrack[] = [];
  for (let v = 0; v < tr.mmsi.length; v++) {
    const mmsi = tr.mmsi[v];
    const s = shipmentBy.get(mmsi);
    const ins = inspectorBy.get(mmsi);
    const points: [number, number, number][] = [];
    const breaks: number[] = [];
    let seg = -1;
    for (let i = tr.start[v]; i < tr.start[v + 1]; i++) {
      if (tr.flag[i] !== FLAG_GOOD) continue;
      if (tr.segment[i] !== seg) {
        if (points.length) breaks.push(points.length);
        seg = tr.segment[i];
      }
      points.push([Math.round(tr.lon[i] * 1e5) / 1e5, Math.round(tr.lat[i] * 1e5) / 1e5, tr.time[i]]);
    }
    if (!points.length) continue;
    const t: ReportTrack = {
      mmsi,
      name: s?.vessel.name ?? ins?.name ?? tr.vessels.get(mmsi)?.shipname ?? `MMSI ${mmsi}`,
      role: s ? 'shipment' : ins ? 'inspector' : 'other',
      points,
      breaks,
    };
    if (s) t.ref = s.id;
    else if (ins) t.ref = ins.id;
    out.push(t);
  }
  return out;
}

function reverifyCommands(c: LoadedCase): string[] {
  return [
    `# with the case folder (log/, evidence, ${c.manifestPath}; no keys, no secrets):`,
    'npx tally log audit CASE_DIR/log',
    '# each party countersigns the checkpoint it has checked (results.checkpoint.cosigned_by lists them):',
    'npx tally log cosign CASE_DIR/log --key PARTY.key',
    'npx tally verify CASE_DIR --reproduce results.json',
  ];
}

/** Writes results.json, report.html and the derived files into OUT, each file whole or not at all. */
export async function writeOutputs(out: string, v: Verification): Promise<{ results: string; report: string }> {
  mkdirSync(out, { recursive: true });
  const { renderReport, findingsGeoJson, caseKml } = await import('../report/index.js');
  const put = (name: string, data: string | Uint8Array): string => {
    const path = join(out, name);
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
    return path;
  };
  const derived: { file: string; sha256: string; what: string; derived_from: { path: string; sha256: string }[] }[] =
    [];
  if (v.derived.length) {
    mkdirSync(join(out, 'derived'), { recursive: true });
    for (const d of v.derived) {
      put(join('derived', d.name), d.data);
      derived.push({
        file: `derived/${d.name}`,
        sha256: createHash('sha256').update(d.data).digest('hex'),
        what: d.what,
        derived_from: d.from,
      });
    }
  }
  // The case for GIS tools, from the same input as the report.
  const inputs = v.derived.map((d) => d.from).flat();
  const seen = new Set<string>();
  const allFrom = [{ path: 'results.json', sha256: '' }, ...inputs].filter((f) =>
    seen.has(f.path) ? false : (seen.add(f.path), true),
  );
  const gis: { name: string; data: string; what: string }[] = [
    {
      name: 'findings.geojson',
      data: findingsGeoJson(v.report),
      what: 'the findings that have a position, with code, subject, message and evidence hashes',
    },
    {
      name: 'case.kml',
      data: caseKml(v.report),
      what: 'zone, sites, ports, tracks by role, events and findings, for Google Earth',
    },
  ];
  mkdirSync(join(out, 'derived'), { recursive: true });
  const resultsText = resultsJson(v.results);
  const resultsSha = createHash('sha256').update(resultsText).digest('hex');
  for (const g of gis) {
    put(join('derived', g.name), g.data);
    derived.push({
      file: `derived/${g.name}`,
      sha256: createHash('sha256').update(g.data).digest('hex'),
      what: g.what,
      derived_from: allFrom.map((f) => (f.path === 'results.json' ? { path: 'results.json', sha256: resultsSha } : f)),
    });
  }
  put(join('derived', 'derived.json'), `${JSON.stringify({ format: 'tally/derived/v1', files: derived }, null, 2)}\n`);
  const results = put('results.json', resultsText);
  const report = put('report.html', renderReport(v.report));
  return { results, report };
}

export function resultsJson(r: Results): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export type { EvidenceItem, RecordedCase };
