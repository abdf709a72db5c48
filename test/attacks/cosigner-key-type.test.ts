/**
 * Attack: cosigner keys of the wrong type (issue 14, item 11). A party
 * cosigned with its signed-note key (type 0x01): the cosignature's key ID
 * matched no published key, yet `log cosign` accepted the key. Each party
 * now has two keys, `public_key` (0x01) and `cosigner_key` (0x04); a key of
 * the wrong type is refused with a message saying which one is needed, and
 * a cosignature counts only under the party's `cosigner_key`.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { CosignerKey, cosign, parseSignerKeyParts } from '../../src/ledger/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tally-attack-cosign-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tally(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

interface Results {
  checkpoint: { cosigned_by: string[]; note: string };
}
const results = (dir: string): Results =>
  JSON.parse(readFileSync(join(dir, 'results', 'results.json'), 'utf8')) as Results;

describe('cosigner keys', () => {
  const dir = join(root, 'case');
  before(() => {
    assert.equal(tally('scenario', 'generate', 'strait', '--out', dir).status, 0);
    const v = tally('verify', dir, '--quiet');
    assert.equal(v.status, 0, v.stderr);
  });

  it('log cosign with a signed-note key (log keygen without --cosigner) is refused, saying which key is needed', () => {
    const k = join(root, 'keys', 'witness.key');
    const g = tally('log', 'keygen', 'witness.example', '--out', k);
    assert.equal(g.status, 0, g.stderr);
    const before = readFileSync(join(dir, 'log', 'checkpoint'), 'utf8');
    for (const key of [k, join(dir, 'keys', 'observer.key')]) {
      const r = tally('log', 'cosign', join(dir, 'log'), '--key', key);
      assert.equal(r.status, 2, r.stderr);
      assert.ok(r.stderr.includes(key), r.stderr);
      assert.match(r.stderr, /signed-note key \(type 0x01\); a cosigner key \(type 0x04, tlog-cosignature\) is needed/);
      assert.match(r.stderr, /log keygen NAME --cosigner/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    assert.equal(readFileSync(join(dir, 'log', 'checkpoint'), 'utf8'), before, 'no cosignature was added');
  });

  it('a cosignature made with the 0x01 key bytes does not count; one with the cosigner key does', () => {
    const t = join(root, 'forged');
    cpSync(dir, t, { recursive: true });
    // The observer signs with its signed-note key's seed, as the old `log cosign` did: written into the checkpoint directly.
    const p = parseSignerKeyParts(readFileSync(join(t, 'keys', 'observer.key'), 'utf8').trim());
    const cp = join(t, 'log', 'checkpoint');
    const note = readFileSync(cp, 'utf8');
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    writeFileSync(cp, note + cosign(body, new CosignerKey(p.name, p.seed), 1_750_000_000));
    const v = tally('verify', t, '--quiet');
    assert.equal(v.status, 0, v.stderr);
    assert.deepEqual(results(t).checkpoint.cosigned_by, []);
    // The party's cosigner key, as the manifest's cosigner_key names it.
    const c = tally('log', 'cosign', join(t, 'log'), '--key', join(t, 'keys', 'observer.cosigner.key'));
    assert.equal(c.status, 0, c.stderr);
    assert.equal(tally('verify', t, '--quiet').status, 0);
    assert.deepEqual(results(t).checkpoint.cosigned_by, ['observer']);
  });

  it('a manifest whose keys are swapped (cosigner_key 0x01, public_key 0x04) is refused by case check and verify', () => {
    const t = join(root, 'swapped');
    cpSync(dir, t, { recursive: true });
    const yamlPath = join(t, 'case.yaml');
    const m = parseYaml(readFileSync(yamlPath, 'utf8')) as { parties: { public_key: string; cosigner_key: string }[] };
    const p = m.parties[1];
    [p.public_key, p.cosigner_key] = [p.cosigner_key, p.public_key];
    writeFileSync(yamlPath, stringifyYaml(m, { lineWidth: 0 }));
    for (const args of [
      ['case', 'check', t],
      ['verify', t, '--quiet'],
    ]) {
      const r = tally(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /case\.yaml:\d+/, 'file and line');
      assert.match(
        r.stderr,
        /parties\[1\]\.public_key.*is a cosigner key \(type 0x04, tlog-cosignature\); public_key must be a signed-note key \(type 0x01\)/,
      );
      assert.match(
        r.stderr,
        /parties\[1\]\.cosigner_key.*is a signed-note key \(type 0x01\); cosigner_key must be a cosigner key \(type 0x04/,
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  it('a manifest without cosigner_key is refused, naming the field', () => {
    const t = join(root, 'missing');
    cpSync(dir, t, { recursive: true });
    const yamlPath = join(t, 'case.yaml');
    const m = parseYaml(readFileSync(yamlPath, 'utf8')) as { parties: { cosigner_key?: string }[] };
    delete m.parties[0].cosigner_key;
    writeFileSync(yamlPath, stringifyYaml(m, { lineWidth: 0 }));
    const r = tally('case', 'check', t);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cosigner_key/);
  });
});
