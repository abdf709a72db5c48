/**
 * A verification's outputs on disk: results.json, report.html and derived/
 * (crops, tracks, findings as GeoJSON, the case as KML, and derived.json
 * listing each with its SHA-256 and the SHA-256 of its sources).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsJson, type Verification } from '../verify/index.js';
import { caseKml, findingsGeoJson } from './geo.js';
import { derivedFiles, reportInput } from './input.js';
import { renderReport } from './render.js';

interface DerivedEntry {
  file: string;
  sha256: string;
  what: string;
  derived_from: { path: string; sha256: string }[];
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Writes results.json, report.html and the derived files into OUT, each file whole or not at all. */
export async function writeOutputs(out: string, v: Verification): Promise<{ results: string; report: string }> {
  mkdirSync(out, { recursive: true });
  const input = reportInput(v);
  const files = derivedFiles(v, input);
  const put = (name: string, data: string | Uint8Array): string => {
    const path = join(out, name);
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
    return path;
  };
  const derived: DerivedEntry[] = [];
  if (files.length) {
    mkdirSync(join(out, 'derived'), { recursive: true });
    for (const d of files) {
      put(join('derived', d.name), d.data);
      derived.push({ file: `derived/${d.name}`, sha256: sha256(d.data), what: d.what, derived_from: d.from });
    }
  }
  // The case for GIS tools, from the same input as the report.
  const seen = new Set<string>();
  const allFrom = [{ path: 'results.json', sha256: '' }, ...files.map((d) => d.from).flat()].filter((f) =>
    seen.has(f.path) ? false : (seen.add(f.path), true),
  );
  const gis: { name: string; data: string; what: string }[] = [
    {
      name: 'findings.geojson',
      data: findingsGeoJson(input),
      what: 'the findings that have a position, with code, subject, message and evidence hashes',
    },
    {
      name: 'case.kml',
      data: caseKml(input),
      what: 'zone, sites, ports, tracks by role, events and findings, for Google Earth',
    },
  ];
  mkdirSync(join(out, 'derived'), { recursive: true });
  const resultsText = resultsJson(v.results);
  const resultsSha = sha256(resultsText);
  for (const g of gis) {
    put(join('derived', g.name), g.data);
    derived.push({
      file: `derived/${g.name}`,
      sha256: sha256(g.data),
      what: g.what,
      derived_from: allFrom.map((f) => (f.path === 'results.json' ? { path: 'results.json', sha256: resultsSha } : f)),
    });
  }
  put(join('derived', 'derived.json'), `${JSON.stringify({ format: 'tally/derived/v1', files: derived }, null, 2)}\n`);
  const results = put('results.json', resultsText);
  const report = put('report.html', renderReport(input));
  return { results, report };
}
