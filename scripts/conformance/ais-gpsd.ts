/**
 * Conformance check: Tally's AIS decoder against gpsd's `gpsdecode`.
 *
 *   node dist/scripts/conformance/ais-gpsd.js [DIR|FILE ...] [--json] [--gpsdecode PATH]
 *        [--tally PATH] [--examples N] [--verbose]
 *
 * For every input file (default: ../shared/data/ais, every file but *.md, *.chk
 * and *.json) it decodes the file with Tally's CLI (`tally ais decode FILE
 * --format jsonl`) and with `gpsdecode -s -j -v` on the same sentences, aligns
 * the two message sequences (Myers diff on type, MMSI and a position / name
 * fingerprint, then type and MMSI inside the gaps) and compares every field of
 * every matched message. Beside that it compares Tally with the expected
 * outputs that ship with the samples: gpsd_sample.aivdm.chk (`gpsdecode -u -c`,
 * unscaled, pipe-separated) and libais_typeexamples.json (libais, float32).
 *
 * gpsdecode reads neither IEC 61162-450 tag blocks, nor `$PGHP` lines, nor the
 * USCG trailing fields, and drops sentences whose talker it does not know
 * (`!BYVDM`, `!--VDM`): it is fed the bare `!xxVDM` / `!xxVDO` sentences, one a
 * line, with such talkers rewritten to `AI` and the checksum recomputed (only
 * when the original checksum was right, so bad sentences stay bad). `-v`
 * echoes each sentence before its output, which gives every gpsd message its
 * input line. `-s` makes gpsd print each type 24 part (part B merged with the
 * cached part A of the same MMSI, as without `-s`); Tally's parts are merged
 * the same way before comparing, so the merge is checked too.
 *
 * Exit status: 0 when every field of the fully decoded types agrees (or
 * differs only as a cited difference, see CITED below); 1 when an uncited
 * disagreement exists in a fully decoded type; 2 on a usage or tool error.
 * Progress goes to stderr, results to stdout (`--json`: one JSON document).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CITED } from './ais-gpsd/cited.js';
import { Collector, FileReport, checkFile } from './ais-gpsd/compare.js';
import { ExpectedReport, checkChk, checkLibais } from './ais-gpsd/expected.js';
import { compactTypes, fieldTable, oneSidedText, show } from './ais-gpsd/output.js';

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

export interface Options {
  inputs: string[];
  json: boolean;
  gpsdecode: string;
  tally: string;
  examples: number;
  verbose: boolean;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function usage(msg?: string): never {
  if (msg) process.stderr.write(`ais-gpsd: ${msg}\n`);
  process.stderr.write(
    'usage: node dist/scripts/conformance/ais-gpsd.js [DIR|FILE ...] [--json] [--gpsdecode PATH]\n' +
      '         [--tally CLI.js] [--examples N] [--verbose]\n' +
      '  default input: ../shared/data/ais (relative to the repository root)\n',
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    inputs: [],
    json: false,
    gpsdecode: 'gpsdecode',
    tally: path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'),
    examples: 3,
    verbose: false,
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const next = (): string => {
      const v = argv[++k];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--json') o.json = true;
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--gpsdecode') o.gpsdecode = next();
    else if (a === '--tally') o.tally = path.resolve(next());
    else if (a === '--examples') o.examples = Number(next());
    else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else o.inputs.push(a);
  }
  if (o.inputs.length === 0) o.inputs.push(path.join(REPO_ROOT, '..', 'shared', 'data', 'ais'));
  if (!Number.isInteger(o.examples) || o.examples < 0) usage('--examples takes a whole number');
  return o;
}

function listInputs(inputs: string[]): string[] {
  const files: string[] = [];
  for (const p of inputs) {
    if (!existsSync(p)) usage(`no such file or directory: ${p}`);
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (/\.(md|chk|json)$/i.test(name)) continue;
        const f = path.join(p, name);
        if (statSync(f).isFile()) files.push(f);
      }
    } else files.push(p);
  }
  return files;
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const probe = spawnSync(opts.gpsdecode, ['-V'], { encoding: 'utf8' });
  if (probe.error) {
    process.stderr.write(`ais-gpsd: cannot run ${opts.gpsdecode} (${probe.error.message}); install gpsd-clients\n`);
    process.exit(2);
  }
  const gpsdVersion = `${probe.stdout}${probe.stderr}`.trim();
  if (!existsSync(opts.tally)) {
    process.stderr.write(`ais-gpsd: ${opts.tally} not found; run npm run build\n`);
    process.exit(2);
  }
  const files = listInputs(opts.inputs);
  const col = new Collector('gpsdecode', opts.examples);
  const expectedCol = new Collector('expected', opts.examples);
  const reports: FileReport[] = [];
  const expected: ExpectedReport[] = [];
  for (const f of files) {
    process.stderr.write(`ais-gpsd: ${path.basename(f)}\n`);
    reports.push(checkFile(opts, col, f));
    const chk = `${f}.chk`;
    if (existsSync(chk)) {
      process.stderr.write(`ais-gpsd: ${path.basename(f)} against ${path.basename(chk)}\n`);
      expected.push(checkChk(opts, expectedCol, f, chk));
    }
    const libaisJson = f.replace(/\.nmea$/, '.json');
    if (/^libais_.*\.nmea$/.test(path.basename(f)) && existsSync(libaisJson)) {
      process.stderr.write(`ais-gpsd: ${path.basename(f)} against ${path.basename(libaisJson)}\n`);
      expected.push(checkLibais(opts, expectedCol, f, libaisJson));
    }
  }

  const categories = [...col.categories.values(), ...expectedCol.categories.values()].sort(
    (a, b) =>
      a.comparison.localeCompare(b.comparison) ||
      a.type - b.type ||
      a.field.localeCompare(b.field) ||
      b.count - a.count,
  );
  const uncited = categories.filter((c) => c.cited === null && c.supported);
  const tallyErrors = reports.filter((r) => r.tallyError);
  const pass = uncited.length === 0 && tallyErrors.length === 0;

  if (opts.json) {
    const doc = {
      gpsdecode: gpsdVersion,
      pass,
      files: reports,
      overall: col.overall,
      expected,
      expectedOverall: expectedCol.overall,
      categories,
      onlyTallyFields: Object.fromEntries(col.onlyTallyFields),
      cited: CITED.map(({ id, against, types, field, condition, citation }) => ({
        id,
        against,
        types,
        field,
        condition,
        citation,
      })),
    };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    process.exit(pass ? 0 : 1);
  }

  const out: string[] = [];
  out.push(`AIS conformance: Tally vs ${gpsdVersion} (gpsdecode -s -j), ${files.length} files`);
  out.push('');
  out.push('Per file (messages: gpsd / Tally / matched; only one side; per type: values agreeing / compared):');
  for (const r of reports) {
    out.push(`${r.file}: gpsd ${r.gpsdMessages}, Tally ${r.tallyMessages}, matched ${r.matched}`);
    if (r.tallyError) out.push(`  TALLY ERROR: ${r.tallyError}`);
    out.push(`  only gpsd: ${oneSidedText(r.onlyGpsd)}`);
    for (const e of r.onlyGpsd.examples)
      out.push(`    ${r.file}:${e.line} type ${e.type} mmsi ${e.mmsi}  ${e.sentence}`);
    out.push(`  only Tally: ${oneSidedText(r.onlyTally)}`);
    for (const e of r.onlyTally.examples) out.push(`    after ${r.file}:${e.line} type ${e.type} mmsi ${e.mmsi}`);
    if (opts.verbose) fieldTable(out, r.fields, '  ');
    else compactTypes(out, r.fields, '  ');
  }
  out.push('');
  out.push('All files, per message type and field (agree% counts cited differences as agreeing):');
  fieldTable(out, col.overall, '  ');
  if (col.onlyTallyFields.size) {
    out.push(
      `  fields only Tally prints (gpsd 3.22 omits them; not compared): ${[...col.onlyTallyFields].map(([k, n]) => `${k} (${n})`).join(', ')}`,
    );
  }
  for (const e of expected) {
    out.push('');
    out.push(
      `Expected output ${e.reference} for ${e.name}: reference ${e.referenceMessages}, Tally ${e.tallyMessages}, matched ${e.matched}, only reference ${e.onlyReference}, only Tally ${e.onlyTally}`,
    );
    compactTypes(out, e.fields, '  ');
  }
  out.push('');
  out.push(`Disagreement categories (${categories.length}; ${uncited.length} uncited in fully decoded types):`);
  for (const c of categories) {
    const tag = c.cited ? `CITED ${c.cited}` : c.supported ? 'UNCITED' : 'uncited, type not fully decoded';
    out.push(`  [${c.comparison}] type ${c.type} ${c.field}: ${c.kind} x${c.count} -- ${tag}`);
    for (const e of c.examples) {
      out.push(
        `      ${e.file}:${e.line} mmsi ${e.mmsi}: reference ${show(e.reference)}, Tally ${show(e.tally)}  ${e.sentence}`,
      );
    }
  }
  out.push('');
  out.push('Cited differences:');
  for (const c of CITED) {
    out.push(`  ${c.id} (${c.against}; type ${c.types.join(',')} ${c.field}): ${c.condition}`);
    out.push(`      citation: ${c.citation}`);
  }
  out.push('');
  if (tallyErrors.length) out.push(`FAIL: Tally failed on ${tallyErrors.map((r) => r.file).join(', ')}`);
  out.push(
    pass
      ? 'PASS: every field of the fully decoded types agrees or differs only as cited'
      : `FAIL: ${uncited.length} uncited disagreement categories in fully decoded types`,
  );
  process.stdout.write(out.join('\n') + '\n');
  process.exit(pass ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
