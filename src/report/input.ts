/**
 * What the report draws, built from a verification: the results as they
 * are, the tracks thinned to what a map shows, the imagery crops, and the
 * derived files written beside the results. Nothing here decides a finding.
 */
import type { LoadedCase } from '../case/index.js';
import { FLAG_GOOD, keptIndices, type Tracks } from '../tracks/index.js';
import type { Verification } from '../verify/index.js';
import type { ReportInput, ReportTrack } from './types.js';

/** A file derived from the evidence, written beside the results with what it comes from. */
export interface DerivedFile {
  name: string;
  data: Uint8Array;
  from: { path: string; sha256: string }[];
  what: string;
}

/** The report's input from a verification. */
export function reportInput(v: Verification): ReportInput {
  const c = v.case;
  return {
    results: v.results,
    manifest: c.manifest,
    geography: { sites: c.geography.sites, ports: c.geography.ports, zone: c.geography.zone },
    tracks: v.tracks ? reportTracks(c, v.tracks) : [],
    events: v.events,
    images: v.passes
      .filter((p) => p.pass.crop !== null)
      .map(({ site, pass: p, evidence, phase }) => ({
        site,
        evidence,
        time: p.evidence.time,
        phase,
        gsd_m: p.analysedGsdM ?? 0,
        png: p.crop!.png,
        width: p.crop!.width,
        height: p.crop!.height,
        detections: p.crop!.detections,
        outline: p.crop!.outline,
        count: p.count,
      })),
    reverify: { commands: reverifyCommands(c), logDir: 'log' },
  };
}

/** The crops of each pass and the decoded tracks as GeoJSON, each citing its sources. */
export function derivedFiles(v: Verification, input: ReportInput): DerivedFile[] {
  const derived: DerivedFile[] = [];
  for (const { site, pass: p, evidence } of v.passes) {
    if (!p.crop) continue;
    derived.push({
      name: `${site}-${p.evidence.time.replace(/[^0-9A-Za-z]+/g, '')}.png`,
      data: p.crop.png,
      from: [{ path: p.evidence.path, sha256: evidence.sha256 }],
      what: `crop of site ${site} from ${p.evidence.path}${p.finerThanCap ? `, degraded to the ${v.case.terms.resolutionCapM} m cap` : ''}, contrast-stretched for display`,
    });
  }
  if (input.tracks.length) {
    // The decoded tracks, for GIS tools: one LineString per vessel segment, citing the AIS logs they come from.
    const geo = {
      type: 'FeatureCollection',
      features: input.tracks.map((t) => ({
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
      from: v.aisSources,
      what: 'vessel tracks decoded from the AIS logs (good positions only, split at silences over the segment gap)',
    });
  }
  return derived;
}

/** Tracks for the map: every vessel, its role, its good positions (thinned for long tracks). */
function reportTracks(c: LoadedCase, tr: Tracks): ReportTrack[] {
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
    `# with the case folder (log/, evidence, ${c.manifestPath}; no keys, no secrets) and the operator's`,
    '# verifier key from a source you trust (not this folder): it must equal the one the manifest pins,',
    `# ${c.manifest.log?.verifier_key ?? '(the manifest pins none)'}`,
    "npx tally log audit CASE_DIR/log --key 'OPERATOR_VERIFIER_KEY'",
    '# each party countersigns the checkpoint it has checked (results.checkpoint.cosigned_by lists them):',
    'npx tally log cosign CASE_DIR/log --key PARTY.cosigner.key',
    "npx tally verify CASE_DIR --reproduce results.json --key 'OPERATOR_VERIFIER_KEY'",
  ];
}
