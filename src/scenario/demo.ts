/**
 * `npm run demo`: the built-in 1962 case, end to end. Generates the case
 * (declarations with their secrets, AIS through the project's encoder,
 * rendered GeoTIFF passes of the sites, inspection records, truth.json)
 * into out/cuba-1962/case/, verifies it (every input logged in
 * out/cuba-1962/case/log/), writes out/cuba-1962/results.json and
 * report.html, and checks the results against the scenario's truth.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { verifyCase } from '../verify/index.js';
import { writeOutputs } from '../report/index.js';
import { generateCase } from './index.js';

interface TruthView {
  verdict: string;
  funnel: Record<string, number>;
  findings: { code: string; subject: { kind: string; id: string } }[];
}

async function demo(outDir: string): Promise<number> {
  const t0 = performance.now();
  const caseDir = join(outDir, 'case');
  rmSync(outDir, { recursive: true, force: true });
  const gen = await generateCase('cuba-1962', { out: caseDir });
  const truth = gen.truth as unknown as TruthView;
  const t1 = performance.now();
  console.error(`generated the cuba-1962 case in ${caseDir} (${((t1 - t0) / 1000).toFixed(1)} s)`);
  const v = await verifyCase(caseDir, { progress: (m) => console.error(`  ${m}`) });
  const files = await writeOutputs(outDir, v);
  const r = v.results;
  const t2 = performance.now();
  const f = r.funnel;
  console.log(`\n${r.case.name}\n`);
  console.log(`verdict: ${r.verdict}`);
  console.log(
    `items:   declared ${f.declared}, removed ${f.removed}, departed ${f.departed}, inspected ${f.inspected}, left the zone ${f.left_zone}`,
  );
  console.log(`findings (${r.findings.length}):`);
  for (const x of r.findings) console.log(`  ${x.code.padEnd(26)} ${x.subject.kind} ${x.subject.id}: ${x.message}`);
  console.log(`log:     ${r.checkpoint.origin}, ${r.checkpoint.size} entries, root ${r.checkpoint.root}`);
  const key = (x: { code: string; subject: { kind: string; id: string } }): string =>
    `${x.code} ${x.subject.kind}:${x.subject.id}`;
  const got = r.findings.map(key).sort().join('\n');
  const want = truth.findings.map(key).sort().join('\n');
  const funnelOk = Object.entries(truth.funnel).every(([k, n]) => (f as unknown as Record<string, number>)[k] === n);
  const ok = got === want && r.verdict === truth.verdict && funnelOk;
  console.log(
    `\ntruth.json (from the scenario description): verdict ${truth.verdict}; the results ${ok ? 'match it' : 'DO NOT match it'}`,
  );
  if (!ok) console.log(`  expected findings:\n    ${want.replace(/\n/g, '\n    ')}`);
  console.log(`\nresults: ${files.results}`);
  console.log(`report:  ${files.report}`);
  console.log(`         open ${pathToFileURL(files.report).href} in a browser (it needs no network)`);
  console.log(`(generated in ${((t1 - t0) / 1000).toFixed(1)} s, verified in ${((t2 - t1) / 1000).toFixed(1)} s)`);
  return ok ? 0 : 1;
}

demo(resolve(process.argv[2] ?? join('out', 'cuba-1962'))).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error((e as Error).stack ?? String(e));
    process.exitCode = 1;
  },
);
