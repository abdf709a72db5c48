/**
 * The built-in 1962 case, generated and verified: the results against the
 * scenario's truth.json (written from the scenario description, not from
 * tally verify) and against the figures the historical record gives.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateCase } from '../src/scenario/index.js';
import { verifyCase, type Results } from '../src/verify/index.js';
import { writeOutputs } from '../src/report/index.js';

const root = mkdtempSync(join(tmpdir(), 'tally-1962-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('cuba-1962', () => {
  let r: Results;
  let truth: {
    verdict: string;
    funnel: Results['funnel'];
    findings: { code: string; subject: { kind: string; id: string } }[];
  };
  let html: string;
  before(async () => {
    const dir = join(root, 'case');
    truth = (await generateCase('cuba-1962', { out: dir })).truth as unknown as typeof truth;
    const v = await verifyCase(dir);
    r = v.results;
    const files = await writeOutputs(join(root, 'out'), v);
    html = readFileSync(files.report, 'utf8');
  });

  it('matches its truth.json finding by finding', () => {
    const key = (f: { code: string; subject: { kind: string; id: string } }): string =>
      `${f.code} ${f.subject.kind}:${f.subject.id}`;
    assert.deepEqual(r.findings.map(key).sort(), truth.findings.map(key).sort());
    assert.equal(r.verdict, truth.verdict);
    assert.deepEqual(r.funnel, truth.funnel);
  });

  it('gives the record: DISCREPANCY, Labinsk declared 2 and seen with none, one ship with one more, 2 short and 1 surplus', () => {
    assert.equal(r.verdict, 'DISCREPANCY');
    assert.equal(r.funnel.declared, 42);
    assert.equal(r.funnel.removed, 42);
    assert.equal(r.funnel.departed, 42);
    // Each shipment counts at most what it declared: the extra on one ship does not fill Labinsk's shortfall.
    assert.equal(r.funnel.inspected, 40);
    const shortfall = r.findings.find((f) => f.code === 'INVENTORY_SHORTFALL');
    assert.ok(shortfall);
    assert.equal(shortfall.details?.shortfall, 2);
    assert.equal(shortfall.details?.surplus, 1);
    assert.match(shortfall.message, /40 of the 42 .*: 2 short; 1 counted beyond/);
    const mismatches = r.findings.filter((f) => f.code === 'COUNT_MISMATCH');
    assert.equal(mismatches.length, 2);
    const labinsk = r.shipments.find((s) => /labinsk/i.test(s.vessel.name))!;
    assert.equal(labinsk.count, 2);
    assert.equal(labinsk.observed_count, 0);
    assert.ok(mismatches.some((f) => f.subject.id === labinsk.id));
    const more = r.shipments.filter((s) => s.observed_count !== null && s.observed_count === s.count + 1);
    assert.equal(more.length, 1);
    const surplus = mismatches.find((f) => f.subject.id === more[0].id);
    assert.ok(surplus);
    assert.equal(surplus.details?.surplus, 1);
    assert.ok(r.findings.some((f) => f.code === 'INVENTORY_SHORTFALL' && f.subject.kind === 'case'));
    assert.equal(r.shipments.length, 9);
    for (const s of r.shipments)
      for (const i of s.inspections) assert.ok(i.corroborated, `${s.vessel.name}: ${i.corroboration.message}`);
  });

  it('writes a report that says what is historical and what is reconstructed', () => {
    assert.match(html, /DISCREPANCY/);
    assert.match(html, /[Hh]istorical/);
    assert.match(html, /[Rr]econstruct/);
    assert.match(html, /LABINSK|Labinsk/);
  });
});
