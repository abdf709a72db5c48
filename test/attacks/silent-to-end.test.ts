/**
 * Silent to the end: a shipment vessel falls silent inside the zone and is
 * never heard again under its identity. Where other vessels near its last
 * position are still heard, it went dark: an open-ended DARK_PERIOD
 * (DISCREPANCY); it used to be only INCOMPLETE. Where nothing is heard
 * there, the silence is missing coverage: INCOMPLETE, with no finding.
 * Generated evidence (the strait case with the situation staged), verified
 * through the real CLI, and the reception rule of the track stage asked
 * directly of the same AIS.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeBatchFiles } from '../../src/ais/index.js';
import { buildTracks, DEFAULT_PARAMS, silenceAtEnd } from '../../src/tracks/index.js';
import type { Results } from '../../src/verify/index.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tally-silent-'));
after(() => rmSync(root, { recursive: true, force: true }));
const CAPE_SYNTH = 636020002;

function staged(name: string, situation: string): { dir: string; r: Results; truth: { verdict: string } } {
  const dir = join(root, name);
  const gen = spawnSync('node', [CLI, 'scenario', 'generate', 'strait', '--out', dir, '--stage', situation], {
    encoding: 'utf8',
  });
  assert.equal(gen.status, 0, gen.stderr);
  const out = join(root, `${name}-results`);
  const v = spawnSync('node', [CLI, 'verify', dir, '--out', out, '-q'], { encoding: 'utf8' });
  assert.ok([0, 1, 3].includes(v.status ?? -1), `verify ran (exit ${v.status}): ${v.stderr}`);
  return {
    dir,
    r: JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results,
    truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { verdict: string },
  };
}

/** The reception rule of the track stage on the case's AIS, with the case's dark-period gap (6 h). */
async function silence(dir: string) {
  const files = ['freighters.nmea', 'inspectors.nmea', 'background.csv'].map((f) => join(dir, 'evidence', 'ais', f));
  const b = await decodeBatchFiles(files);
  const tr = buildTracks(b.positions, b.statics, DEFAULT_PARAMS.tracks);
  return silenceAtEnd(tr, CAPE_SYNTH, { ...DEFAULT_PARAMS, dark: { minGapMs: 6 * 3_600_000 } });
}

describe('a shipment vessel silent to the end of the AIS', () => {
  it('with two fishing vessels heard near her last position: an open-ended DARK_PERIOD', async () => {
    const { dir, r, truth } = staged('heard', 'silent-to-end');
    const dark = r.findings.filter((f) => f.code === 'DARK_PERIOD');
    assert.equal(dark.length, 1, JSON.stringify(r.findings.map((f) => f.id)));
    assert.equal(dark[0].subject.id, 'sh-2');
    assert.equal(dark[0].effect, 'DISCREPANCY');
    assert.equal(dark[0].details?.open_ended, true);
    assert.equal(dark[0].details?.to, null);
    assert.deepEqual(dark[0].details?.heard_nearby, [577000011, 577000012]);
    assert.equal(r.shipments.find((s) => s.id === 'sh-2')?.left_zone_at, null);
    assert.equal(r.verdict, 'DISCREPANCY');
    assert.equal(truth.verdict, 'DISCREPANCY');
    const s = await silence(dir);
    assert.ok(s, 'silent for over the gap');
    assert.equal(s.heardThere, true);
  });

  it('where nothing is heard near her: missing coverage, INCOMPLETE, no finding', async () => {
    const { dir, r, truth } = staged('unheard', 'silent-unheard');
    assert.deepEqual(r.findings, []);
    const sh2 = r.shipments.find((s) => s.id === 'sh-2')!;
    assert.equal(sh2.verdict, 'INCOMPLETE');
    assert.deepEqual(sh2.unconfirmed, ['left_zone']);
    assert.equal(r.verdict, 'INCOMPLETE');
    assert.equal(truth.verdict, 'INCOMPLETE');
    const s = await silence(dir);
    assert.ok(s, 'silent for over the gap');
    assert.deepEqual(s.heard, []);
    assert.equal(s.heardThere, false);
  });
});
