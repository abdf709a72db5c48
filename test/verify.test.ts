/**
 * The verification end to end on generated cases: each finding code raised
 * by the case seeded with it and by no other, the verdicts and funnel of
 * the scenario's truth, idempotent logging, tampering caught, an auditor's
 * reproduction, and bad manifests refused with file, line and field.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { CaseError, loadCase, schemaPath } from '../src/case/index.js';
import { generateCase, VIOLATION_CODES } from '../src/scenario/index.js';
import { FINDING_CODES, verifyCase, type Results } from '../src/verify/index.js';
import { writeOutputs } from '../src/report/index.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-verify-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Truth {
  verdict: string;
  funnel: Results['funnel'];
  findings: { code: string; subject: { kind: string; id: string } }[];
  lots: Record<string, string>;
  shipments: Record<string, string>;
  sites: Record<string, string>;
}

const key = (f: { code: string; subject: { kind: string; id: string } }): string =>
  `${f.code} ${f.subject.kind}:${f.subject.id}`;

function checkAgainstTruth(r: Results, t: Truth): void {
  assert.deepEqual(r.findings.map(key).sort(), t.findings.map(key).sort(), 'findings');
  assert.equal(r.verdict, t.verdict, 'verdict');
  assert.deepEqual(r.funnel, t.funnel, 'funnel');
  assert.deepEqual(Object.fromEntries(r.lots.map((l) => [l.id, l.verdict])), t.lots, 'lot verdicts');
  assert.deepEqual(Object.fromEntries(r.shipments.map((s) => [s.id, s.verdict])), t.shipments, 'shipment verdicts');
  assert.deepEqual(Object.fromEntries(r.sites.map((s) => [s.id, s.verdict])), t.sites, 'site verdicts');
}

const validateResults = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(schemaPath('results.schema.json'), 'utf8')) as object,
);

describe('the clean strait case', () => {
  const dir = join(root, 'clean');
  let truth: Truth;
  let first: Results;
  before(async () => {
    truth = (await generateCase('strait', { out: dir })).truth as unknown as Truth;
    first = (await verifyCase(dir)).results;
  });

  it('is VERIFIED with no finding, as its truth says', () => {
    assert.equal(truth.verdict, 'VERIFIED');
    assert.deepEqual(first.findings, []);
    checkAgainstTruth(first, truth);
  });

  it('raises none of the twelve codes', () => {
    for (const code of FINDING_CODES) assert.ok(!first.findings.some((f) => f.code === code), code);
  });

  it('writes results that the published schema accepts, citing every input by hash and log index', () => {
    assert.ok(validateResults(first), JSON.stringify(validateResults.errors));
    assert.equal(first.schema, 'tally/results/v1');
    for (const e of first.evidence) {
      assert.match(e.sha256, /^[0-9a-f]{64}$/);
      assert.equal(typeof e.log_index, 'number');
      assert.ok(e.log_index! < first.checkpoint.size);
    }
    for (const s of first.shipments) for (const i of s.inspections) assert.ok(i.corroborated, i.corroboration.message);
  });

  it('writes results.json, report.html and derived files that say what they come from', async () => {
    const out = join(root, 'clean-out');
    const v = await verifyCase(dir);
    await writeOutputs(out, v);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')), first);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /^<!DOCTYPE html>/i);
    const manifest = JSON.parse(readFileSync(join(out, 'derived', 'derived.json'), 'utf8')) as {
      files: { file: string; sha256: string; derived_from: { path: string; sha256: string }[] }[];
    };
    const names = manifest.files.map((f) => f.file);
    for (const n of ['derived/tracks.geojson', 'derived/findings.geojson', 'derived/case.kml'])
      assert.ok(names.includes(n), n);
    for (const f of manifest.files) {
      assert.equal(
        createHash('sha256')
          .update(readFileSync(join(out, f.file)))
          .digest('hex'),
        f.sha256,
        f.file,
      );
      assert.ok(f.derived_from.length > 0, `${f.file} names its sources`);
      for (const src of f.derived_from) assert.match(src.sha256, /^[0-9a-f]{64}$/);
    }
    const geo = JSON.parse(readFileSync(join(out, 'derived', 'tracks.geojson'), 'utf8')) as { features: unknown[] };
    assert.ok(geo.features.length > 0);
    assert.match(
      readFileSync(join(out, 'derived', 'case.kml'), 'utf8'),
      /<kml xmlns="http:\/\/www.opengis.net\/kml\/2.2">/,
    );
  });

  it('appends nothing and yields the same results when run again on unchanged evidence', async () => {
    const again = await verifyCase(dir);
    assert.equal(again.appended, 0);
    assert.deepEqual(again.results, first);
  });

  it('is reproduced by an auditor from the log, the evidence and the public manifest only', async () => {
    const audit = join(root, 'audit');
    cpSync(dir, audit, {
      recursive: true,
      filter: (src) => !/\/(keys|private|results)(\/|$)|index\.sqlite|truth\.json$/.test(src.slice(dir.length)),
    });
    assert.ok(!existsSync(join(audit, 'keys')) && !existsSync(join(audit, 'private')));
    const resultsFile = join(root, 'published.json');
    writeFileSync(resultsFile, JSON.stringify(first));
    // Without the operator key from a source the auditor trusts, there is nothing to check against.
    const keyless = spawnSync('node', [CLI, 'verify', audit, '--reproduce', resultsFile, '-q'], { encoding: 'utf8' });
    assert.equal(keyless.status, 2, keyless.stderr);
    assert.match(keyless.stderr, /--reproduce needs the operator's verifier key: give it with --key/);
    // The operator's verifier key, as the operator publishes it out of band.
    const key = (JSON.parse(readFileSync(join(dir, 'log', 'log.json'), 'utf8')) as { verifier_key: string })
      .verifier_key;
    const ok = spawnSync('node', [CLI, 'verify', audit, '--reproduce', resultsFile, '--key', key, '-q'], {
      encoding: 'utf8',
    });
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /REPRODUCED/);
    assert.ok(!existsSync(join(audit, 'keys')), 'the reproduction needs and makes no key');
    // A published result that differs from the evidence is caught, finding by finding.
    const forged = structuredClone(first);
    forged.funnel.inspected += 1;
    writeFileSync(resultsFile, JSON.stringify(forged));
    const bad = spawnSync('node', [CLI, 'verify', audit, '--reproduce', resultsFile, '--key', key, '-q'], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /DIFFERS\s+funnel/);
    assert.match(bad.stdout, /NOT REPRODUCED/);
  });

  it('lists the parties that cosigned the checkpoint, and a cosignature changes nothing else', async () => {
    const t = join(root, 'cosigned');
    cpSync(dir, t, { recursive: true });
    for (const party of ['observer', 'inspectorate']) {
      const cs = spawnSync(
        'node',
        [CLI, 'log', 'cosign', join(t, 'log'), '--key', join(t, 'keys', `${party}.cosigner.key`)],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(cs.status, 0, cs.stderr);
    }
    const v = await verifyCase(t);
    assert.equal(v.appended, 0);
    assert.deepEqual(v.results.checkpoint.cosigned_by, ['inspectorate', 'observer']);
    assert.deepEqual(first.checkpoint.cosigned_by, []);
    const { compareResults } = await import('../src/verify/index.js');
    assert.ok(compareResults(JSON.parse(JSON.stringify(first)), v.results).match);
  });

  it('catches an evidence file changed after it was logged', async () => {
    const t = join(root, 'tampered-evidence');
    cpSync(dir, t, { recursive: true });
    const insp = join(t, 'evidence', 'inspections', readdirSync(join(t, 'evidence', 'inspections')).sort()[0]);
    const rec = JSON.parse(readFileSync(insp, 'utf8')) as { observed_count: number };
    rec.observed_count += 1;
    writeFileSync(insp, JSON.stringify(rec, null, 2));
    const v = await verifyCase(t);
    assert.equal(v.appended, 0, 'the changed file is not logged again');
    const f = v.results.findings.find((x) => x.code === 'LOG_INCONSISTENT');
    assert.ok(f, 'LOG_INCONSISTENT');
    assert.equal(f.subject.kind, 'evidence');
    assert.match(f.subject.id, /^evidence\/inspections\//);
    assert.equal(v.results.verdict, 'DISCREPANCY');
  });

  it('catches a log tile changed on disk, and appends nothing to it', async () => {
    const t = join(root, 'tampered-tile');
    cpSync(dir, t, { recursive: true });
    const tileDir = join(t, 'log', 'tile', '0');
    const name = readdirSync(tileDir)[0];
    const path = readdirSync(join(tileDir, name)).length
      ? join(tileDir, name, readdirSync(join(tileDir, name))[0])
      : join(tileDir, name);
    const b = readFileSync(path);
    b[3] ^= 0x40;
    writeFileSync(path, b);
    const v = await verifyCase(t);
    assert.equal(v.appended, 0);
    const f = v.results.findings.find((x) => x.code === 'LOG_INCONSISTENT');
    assert.ok(f, 'LOG_INCONSISTENT');
    assert.equal(f.subject.kind, 'log');
    assert.equal(v.results.verdict, 'DISCREPANCY');
  });
});

describe('each finding code, seeded into the strait case', () => {
  for (const code of VIOLATION_CODES) {
    it(`${code}: raised as the truth says, with its verdicts and funnel`, async () => {
      const dir = join(root, `v-${code}`);
      const { truth } = await generateCase('strait', { out: dir, violate: [code] });
      const t = truth as unknown as Truth;
      assert.ok(
        t.findings.some((f) => f.code === code),
        `the truth of --violate ${code} names ${code}`,
      );
      const r = (await verifyCase(dir)).results;
      checkAgainstTruth(r, t);
      for (const f of r.findings) {
        assert.ok(f.evidence.length > 0 || f.subject.kind === 'log', `${f.id} cites evidence`);
        for (const e of f.evidence) assert.match(e.sha256, /^[0-9a-f]{64}$/, `${f.id} evidence hash`);
      }
      assert.ok(validateResults(r), JSON.stringify(validateResults.errors));
    });
  }
});

describe('several violations at once', () => {
  it('raise each of their findings, and the worst verdict wins', async () => {
    const dir = join(root, 'v-several');
    const codes = ['DARK_PERIOD', 'COUNT_MISMATCH', 'SITE_UNOBSERVED', 'COMMITMENT_MISMATCH'] as const;
    const { truth } = await generateCase('strait', { out: dir, violate: [...codes] });
    const r = (await verifyCase(dir)).results;
    checkAgainstTruth(r, truth as unknown as Truth);
    for (const c of codes)
      assert.ok(
        r.findings.some((f) => f.code === c),
        c,
      );
    assert.equal(r.verdict, 'DISCREPANCY');
  });
});

describe('bad cases are refused whole, with file, line and field, before anything is written', () => {
  let base: string;
  before(async () => {
    base = join(root, 'bad-base');
    await generateCase('strait', { out: base });
  });
  const variant = (name: string, edit: (dir: string) => void): string => {
    const d = join(root, `bad-${name}`);
    cpSync(base, d, { recursive: true });
    edit(d);
    return d;
  };
  const issuesOf = (dir: string): CaseError['issues'] => {
    try {
      loadCase(dir);
    } catch (e) {
      if (e instanceof CaseError) return e.issues;
      throw e;
    }
    assert.fail('the case was accepted');
  };
  const yamlLine = (dir: string, needle: RegExp): number =>
    readFileSync(join(dir, 'case.yaml'), 'utf8')
      .split('\n')
      .findIndex((l) => needle.test(l)) + 1;

  it('a missing evidence file', async () => {
    const d = variant('missing', (x) =>
      rmSync(join(x, 'evidence', 'imagery', readdirSync(join(x, 'evidence', 'imagery')).sort()[0])),
    );
    const [i] = issuesOf(d);
    assert.equal(i.file, 'case.yaml');
    assert.match(i.field, /^evidence\.imagery\[\d+\]\.path$/);
    assert.match(i.message, /file not found/);
    assert.ok(i.line > 0);
    await assert.rejects(verifyCase(d), CaseError);
    assert.ok(!existsSync(join(d, 'log')), 'nothing half-written: no log');
    const cli = spawnSync('node', [CLI, 'verify', d, '-q'], { encoding: 'utf8' });
    assert.equal(cli.status, 2);
    assert.match(cli.stderr, /case\.yaml:\d+: evidence\.imagery\[\d+\]\.path: .*file not found/);
    assert.ok(!existsSync(join(d, 'results')), 'nothing half-written: no results');
  });

  it('a wrong type', () => {
    const d = variant('type', (x) => {
      const p = join(x, 'case.yaml');
      writeFileSync(p, readFileSync(p, 'utf8').replace(/resolution_cap_m: [0-9.]+/, 'resolution_cap_m: fine'));
    });
    const [i] = issuesOf(d);
    assert.equal(i.field, 'terms.resolution_cap_m');
    assert.equal(i.line, yamlLine(d, /resolution_cap_m/));
    assert.match(i.message, /must be number, got string "fine"/);
  });

  it('a site that is not a polygon', () => {
    const d = variant('site', (x) => {
      const p = join(x, 'geography', 'sites.geojson');
      const g = JSON.parse(readFileSync(p, 'utf8')) as { features: { geometry: unknown }[] };
      g.features[1].geometry = { type: 'Point', coordinates: [-80, 23] };
      writeFileSync(p, JSON.stringify(g, null, 2));
    });
    const i = issuesOf(d).find((x) => x.file === 'geography/sites.geojson');
    assert.ok(i);
    assert.equal(i.field, 'features[1].geometry.type');
    assert.match(i.message, /must be a Polygon or MultiPolygon, got string "Point"/);
    const text = readFileSync(join(d, 'geography', 'sites.geojson'), 'utf8').split('\n');
    assert.match(text[i.line - 1], /"type": "Point"|"geometry"/);
  });

  it('a shipment naming an unknown lot', () => {
    const d = variant('lot', (x) => {
      const p = join(x, 'case.yaml');
      const text = readFileSync(p, 'utf8');
      const m = /(\n\s+lots:\n\s+- )([A-Za-z0-9._-]+)/.exec(text.slice(text.indexOf('shipments:')));
      assert.ok(m);
      const at = text.indexOf('shipments:') + m.index + m[1].length;
      writeFileSync(p, text.slice(0, at) + 'no-such-lot' + text.slice(at + m[2].length));
    });
    const [i] = issuesOf(d);
    assert.match(i.field, /^declarations\.shipments\[\d+\]\.lots\[0\]$/);
    assert.match(i.message, /names no declared lot \("no-such-lot"\)/);
    assert.equal(i.line, yamlLine(d, /no-such-lot/));
  });

  it('an evidence file in the wrong format', () => {
    const d = variant('format', (x) => {
      const dirA = join(x, 'evidence', 'imagery');
      writeFileSync(join(dirA, readdirSync(dirA).sort()[0]), 'this is not a GeoTIFF\n');
      const dirB = join(x, 'evidence', 'ais');
      writeFileSync(
        join(
          dirB,
          readdirSync(dirB)
            .filter((f) => f.endsWith('.nmea'))
            .sort()[0],
        ),
        '%PDF-1.4 not an AIS log\n',
      );
    });
    const issues = issuesOf(d);
    assert.ok(
      issues.some(
        (i) =>
          /^evidence\.imagery\[\d+\]\.path$/.test(i.field) &&
          /not a GeoTIFF: expected TIFF magic bytes/.test(i.message),
      ),
      JSON.stringify(issues),
    );
    assert.ok(
      issues.some((i) => /^evidence\.ais\[\d+\]\.path$/.test(i.field) && /not an AIS log/.test(i.message)),
      JSON.stringify(issues),
    );
    for (const i of issues) assert.ok(i.line > 0);
  });

  it('an inspection record that breaks its schema names its own file and line', () => {
    const d = variant('inspection', (x) => {
      const dirI = join(x, 'evidence', 'inspections');
      const p = join(dirI, readdirSync(dirI).sort()[0]);
      const r = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
      r.observed_count = 'six';
      writeFileSync(p, JSON.stringify(r, null, 2));
    });
    const [i] = issuesOf(d);
    assert.match(i.file, /^evidence\/inspections\//);
    assert.equal(i.field, 'observed_count');
    assert.match(i.message, /must be integer, got string "six"/);
    assert.ok(i.line > 1);
  });

  it('tally case check prints ok for a good case and every problem for a bad one', () => {
    const out = execFileSync('node', [CLI, 'case', 'check', base], { encoding: 'utf8' });
    assert.match(out, /ok: case strait/);
    const bad = spawnSync('node', [CLI, 'case', 'check', join(root, 'bad-format'), '--json'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    const j = JSON.parse(bad.stdout) as { ok: boolean; issues: unknown[] };
    assert.equal(j.ok, false);
    assert.ok(j.issues.length >= 2);
  });
});
