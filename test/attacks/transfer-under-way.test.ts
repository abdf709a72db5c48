/**
 * A transfer under way: a shipment vessel steams with a vessel that is not
 * an inspector, a few hundred metres abeam, for over an hour. Once only the
 * slow two-hour encounter counted as a meeting on the voyage out, so this
 * raised nothing. Generated evidence (the strait case with the situation
 * staged), verified through the real CLI; the look-alikes (crossing traffic,
 * a pilot boat at the harbour mouth) must raise nothing.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Results } from '../../src/verify/index.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-under-way-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Truth {
  verdict: string;
  findings: { code: string; subject: { kind: string; id: string } }[];
}

/** Generates the strait case with these situations staged, verifies it; its results and truth. */
function staged(name: string, situations: string): { r: Results; truth: Truth } {
  const dir = join(root, name);
  const gen = spawnSync('node', [CLI, 'scenario', 'generate', 'strait', '--out', dir, '--stage', situations], {
    encoding: 'utf8',
  });
  assert.equal(gen.status, 0, gen.stderr);
  const out = join(root, `${name}-results`);
  const v = spawnSync('node', [CLI, 'verify', dir, '--out', out, '-q'], { encoding: 'utf8' });
  assert.ok(v.status === 0 || v.status === 1, `verify ran (exit ${v.status}): ${v.stderr}`);
  return {
    r: JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results,
    truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth,
  };
}

const keys = (fs: { code: string; subject: { kind: string; id: string } }[]): string[] =>
  fs.map((f) => `${f.code} ${f.subject.kind}:${f.subject.id}`).sort();

describe('a transfer under way', () => {
  it('SEA MULE 250 m abeam of STRAIT TRADER at 11 kn for 75 minutes: UNDECLARED_ENCOUNTER', () => {
    const { r, truth } = staged('transfer', 'transfer-under-way');
    assert.deepEqual(keys(r.findings), ['UNDECLARED_ENCOUNTER shipment:sh-1']);
    assert.deepEqual(keys(r.findings), keys(truth.findings));
    const f = r.findings[0];
    assert.equal(f.details?.other_mmsi, 577000010);
    assert.equal(f.details?.under_way, true);
    assert.ok((f.details?.hours as number) >= 1, `met for ${String(f.details?.hours)} h`);
    assert.match(f.message, /SEA MULE .*under way at 1\d\.\d and 1\d\.\d kn/);
    assert.equal(r.verdict, 'DISCREPANCY');
    assert.equal(r.shipments.find((s) => s.id === 'sh-1')?.verdict, 'DISCREPANCY');
  });

  it('crossing traffic 100 m astern and a pilot boat alongside out of the harbour: no finding', () => {
    const { r, truth } = staged('look-alikes', 'crossing-traffic,pilot-boat');
    assert.deepEqual(r.findings, []);
    assert.equal(r.verdict, 'VERIFIED');
    assert.equal(truth.verdict, 'VERIFIED');
    // Both were there to be mistaken: they came that close to her.
    assert.ok(r.evidence.some((e) => e.path === 'evidence/ais/background.csv'));
    const csv = readFileSync(join(root, 'look-alikes', 'evidence', 'ais', 'background.csv'), 'utf8');
    assert.match(csv, /577000013/);
    assert.match(csv, /577000014/);
  });
});
