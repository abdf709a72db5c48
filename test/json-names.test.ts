/**
 * The JSON naming rule (docs/decisions/0003-json-names.md): field names are
 * snake_case, but for the legacy names of versioned formats listed there.
 * Checked on the JSON Schemas and on everything a generated, verified case
 * holds as JSON: manifest-side files, results, derived files and the log's
 * entries.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { schemaPath } from '../src/case/index.js';
import { Log } from '../src/ledger/index.js';
import { generateCase } from '../src/scenario/index.js';
import { verifyCase } from '../src/verify/index.js';
import { writeOutputs } from '../src/report/index.js';

/** Names kept by versioned v1 formats (escrow seed records and the log entries that carry them). */
const LEGACY = new Set(['seedCommitment']);

const camel = /[a-z0-9][A-Z]/;

/** Field names that break the rule, with where: keys of objects, except where the object is a map of ids. */
function offending(value: unknown, where: string, out: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((v) => offending(v, where, out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (camel.test(k) && !LEGACY.has(k)) out.add(`${where}: ${k}`);
    offending(v, where, out);
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('JSON field names', () => {
  const root = mkdtempSync(join(tmpdir(), 'tally-json-names-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('are snake_case in the JSON Schemas (property names)', () => {
    const bad = new Set<string>();
    const walk = (s: unknown, where: string): void => {
      if (Array.isArray(s)) return s.forEach((x) => walk(x, where));
      if (s === null || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object') {
        for (const k of Object.keys(o.properties)) if (camel.test(k) && !LEGACY.has(k)) bad.add(`${where}: ${k}`);
      }
      for (const v of Object.values(o)) walk(v, where);
    };
    for (const name of ['case.schema.json', 'inspection.schema.json', 'results.schema.json']) {
      walk(JSON.parse(readFileSync(schemaPath(name), 'utf8')), name);
    }
    assert.deepEqual([...bad], []);
  });

  it('are snake_case in a generated and verified case, its results and its log entries', async () => {
    const dir = join(root, 'strait');
    await generateCase('strait', { out: dir, violate: ['COMMITMENT_MISMATCH'] });
    await writeOutputs(join(dir, 'results'), await verifyCase(dir));
    const bad = new Set<string>();
    let files = 0;
    for (const f of filesUnder(dir)) {
      if (!/\.(json|geojson)$/.test(f)) continue;
      offending(JSON.parse(readFileSync(f, 'utf8')), f.slice(dir.length + 1), bad);
      files++;
    }
    const log = await Log.open(join(dir, 'log'));
    try {
      log.forEachEntry(0, log.size, (i, bytes) =>
        offending(JSON.parse(new TextDecoder().decode(bytes)), `entry ${i}`, bad),
      );
    } finally {
      log.close();
    }
    assert.ok(files >= 10, `only ${files} JSON files found`);
    assert.ok(log.size > 10);
    assert.deepEqual([...bad], []);
  });

  it('catches a camelCase name (the check is not empty)', () => {
    const bad = new Set<string>();
    offending({ ok_name: 1, nested: [{ badName: 2 }], seedCommitment: 'legacy' }, 'sample', bad);
    assert.deepEqual([...bad], ['sample: badName']);
  });
});
