/**
 * Evidence withdrawn after it was logged: an inspection record that counted
 * a shortfall is copied under a new name with the count "corrected", the
 * original deleted and the manifest pointed at the copy. The manifest is
 * versioned, so the new one and the new record are logged; the old record
 * stays in the log, and since the manifest no longer names it, that is a
 * finding instead of a quiet VERIFIED.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadCase } from '../../src/case/index.js';
import { generateCase } from '../../src/scenario/index.js';
import type { Results } from '../../src/verify/index.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-attack-withdrawn-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('evidence withdrawn after it was logged', () => {
  it('an inspection record replaced under a new name is LOG_INCONSISTENT, not VERIFIED', async () => {
    const dir = join(root, 'case');
    await generateCase('strait', { out: dir, violate: ['COUNT_MISMATCH'] });
    assert.equal(spawnSync('node', [CLI, 'verify', dir, '-q']).status, 1);
    const declared = new Map(loadCase(dir).manifest.declarations.shipments.map((s) => [s.vessel.mmsi, s.count]));
    let replaced = '';
    for (const name of readdirSync(join(dir, 'evidence', 'inspections'))) {
      const p = join(dir, 'evidence', 'inspections', name);
      const rec = JSON.parse(readFileSync(p, 'utf8')) as { vessel_mmsi: number; observed_count: number };
      const want = declared.get(rec.vessel_mmsi);
      if (want === undefined || want === rec.observed_count) continue;
      rec.observed_count = want;
      const copy = name.replace(/\.json$/, 'b.json');
      writeFileSync(join(dir, 'evidence', 'inspections', copy), `${JSON.stringify(rec, null, 1)}\n`);
      rmSync(p);
      const yaml = join(dir, 'case.yaml');
      writeFileSync(
        yaml,
        readFileSync(yaml, 'utf8').replace(`evidence/inspections/${name}`, `evidence/inspections/${copy}`),
      );
      replaced = `evidence/inspections/${name}`;
      break;
    }
    assert.ok(replaced, 'the seeded COUNT_MISMATCH has an inspection record to replace');
    const v = spawnSync('node', [CLI, 'verify', dir, '--json', '-q'], { encoding: 'utf8' });
    assert.equal(v.status, 1, v.stderr);
    const r = JSON.parse(v.stdout) as Results;
    assert.equal(r.verdict, 'DISCREPANCY');
    const f = r.findings.find((x) => x.code === 'LOG_INCONSISTENT' && x.subject.id === replaced);
    assert.ok(f, JSON.stringify(r.findings.map((x) => `${x.code} ${x.subject.id}`)));
    assert.match(f.message, /the manifest no longer names it: evidence is never withdrawn once logged/);
  });
});
