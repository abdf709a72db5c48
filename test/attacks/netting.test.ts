/**
 * Netting: the declaring party hides two items missing from one ship behind
 * one extra item counted on another. Built the way an outsider with write
 * access to the case folder would: the inspection records edited in place
 * before the case is verified, through the real CLI.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Results } from '../../src/verify/index.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-netting-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tally(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('node', [CLI, ...args], { encoding: 'utf8' });
}

/** Sets an inspection record's observed count, as a text edit of the published file. */
function recount(dir: string, record: string, count: number): void {
  const p = join(dir, 'evidence', 'inspections', `${record}.json`);
  const text = readFileSync(p, 'utf8');
  const edited = text.replace(/"observed_count": \d+/, `"observed_count": ${count}`);
  assert.notEqual(edited, text, `${record} has an observed_count`);
  writeFileSync(p, edited);
}

describe('netting a surplus against a shortfall', () => {
  it('two missing on one ship and one extra on another: a shortfall of 2 and a surplus of 1', () => {
    const dir = join(root, 'case');
    const gen = tally('scenario', 'generate', 'strait', '--out', dir);
    assert.equal(gen.status, 0, gen.stderr);
    // STRAIT TRADER (sh-1) declared 4, counted 2; EAST WIND (sh-3) declared 3, counted 4.
    recount(dir, 'insp-1', 2);
    recount(dir, 'insp-3', 4);
    const out = join(root, 'results');
    const v = tally('verify', dir, '--out', out, '-q');
    assert.ok(v.status === 0 || v.status === 1, `verify ran (exit ${v.status}): ${v.stderr}`);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;

    assert.equal(r.verdict, 'DISCREPANCY');
    // 9 declared; sh-1 gives 2, sh-2 its 2, sh-3 at most its 3: 7, not 8.
    assert.equal(r.funnel.declared, 9);
    assert.equal(r.funnel.inspected, 7);
    const shortfall = r.findings.find((f) => f.code === 'INVENTORY_SHORTFALL');
    assert.ok(shortfall, 'INVENTORY_SHORTFALL raised');
    assert.equal(shortfall.details?.accounted, 7);
    assert.equal(shortfall.details?.shortfall, 2);
    assert.equal(shortfall.details?.surplus, 1);
    assert.match(shortfall.message, /7 of the 9 .*: 2 short; 1 counted beyond/);

    const mismatch = (id: string) => r.findings.find((f) => f.code === 'COUNT_MISMATCH' && f.subject.id === id);
    assert.equal(mismatch('sh-1')?.details?.shortfall, 2);
    assert.equal(mismatch('sh-3')?.details?.surplus, 1);
    assert.match(mismatch('sh-3')!.message, /a surplus of 1, not counted for any other shipment/);
  });
});
