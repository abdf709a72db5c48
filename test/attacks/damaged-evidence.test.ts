/**
 * Damaged evidence (issue 14, item 9): someone with write access to the case
 * folder, or a bad copy, leaves a truncated GeoTIFF, an NMEA log whose every
 * checksum is broken or a CSV whose every row is bad. Logged once, such a
 * file could never be replaced by the good one (the log would disagree with
 * it for good). Each is refused by `case check` and by `verify` with exit 2,
 * naming the file, before anything is appended; restoring the good file
 * then verifies as if nothing had happened. A file that parses in part is
 * accepted, and its reject counts go into results.json and the report.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Results } from '../../src/verify/index.js';
import { assertRefused, strait, tally } from './helpers.js';

const NMEA = 'evidence/ais/inspectors.nmea';
const CSV = 'evidence/ais/background.csv';
const TIF = 'evidence/imagery/site-a-after.tif';

/** Every sentence's trailing `*hh` checksum changed, the sentences themselves untouched. */
function breakChecksums(text: string, lines = Infinity): string {
  let n = 0;
  return text
    .split('\n')
    .map((l) =>
      n < lines && /\*[0-9A-F]{2}\r?$/.test(l)
        ? (n++, l.replace(/\*([0-9A-F]{2})(\r?)$/, (_, h: string, cr: string) => `*${flip(h)}${cr}`))
        : l,
    )
    .join('\n');
}
const flip = (hex: string): string => (parseInt(hex, 16) ^ 0x55).toString(16).toUpperCase().padStart(2, '0');

const damages: { name: string; file: string; damage: (good: Buffer) => Buffer | string; why: RegExp }[] = [
  {
    name: 'a truncated GeoTIFF',
    file: TIF,
    damage: (good) => good.subarray(0, good.length >> 1),
    why: /does not parse \(truncated TIFF/,
  },
  {
    name: 'an NMEA log with every checksum broken',
    file: NMEA,
    damage: (good) => breakChecksums(good.toString('latin1')),
    why: /no line decodes as AIS \(\d+ rejected from line 1: \d+ bad_checksum\)/,
  },
  {
    name: 'a CSV whose every row is bad',
    file: CSV,
    // The header kept, each row cut to its first five fields.
    damage: (good) => {
      const [header, ...rows] = good.toString('utf8').trimEnd().split('\n');
      return [header, ...rows.map((r) => r.split(',').slice(0, 5).join(','))].join('\n') + '\n';
    },
    why: /no line decodes as AIS \(\d+ rejected from line 2: \d+ csv_field_count\)/,
  },
];

describe('damaged evidence is refused before it is logged', () => {
  let t: Awaited<ReturnType<typeof strait>>;
  before(async () => {
    t = await strait('damaged');
  });
  after(() => t.done());

  for (const d of damages) {
    it(`${d.name}: case check and verify refuse it, naming the file; the good file then verifies`, () => {
      const dir = t.copy(d.name.replace(/\W+/g, '-'));
      const good = readFileSync(join(dir, d.file));
      writeFileSync(join(dir, d.file), d.damage(good));
      // Where: the manifest's line and field, and the file itself.
      const where = new RegExp(
        `case\\.yaml:\\d+: evidence\\.(ais|imagery)\\[\\d\\]\\.path: ${d.file.replace(/\./g, '\\.')}: `,
      );
      for (const args of [
        ['case', 'check', dir],
        ['verify', dir, '-q'],
      ]) {
        const r = tally(args);
        assertRefused(r, where, dir);
        assert.match(r.stderr, d.why);
      }
      // Nothing was logged, so the good file put back is simply the evidence.
      writeFileSync(join(dir, d.file), good);
      const ok = tally(['verify', dir, '-q']);
      assert.ok([0, 1, 3].includes(ok.status ?? -1), `verify after the restore: exit ${ok.status}: ${ok.stderr}`);
      assert.ok(existsSync(join(dir, 'log')));
      const res = JSON.parse(readFileSync(join(dir, 'results', 'results.json'), 'utf8')) as Results;
      assert.ok(!res.findings.some((f) => f.code === 'LOG_INCONSISTENT'));
    });
  }

  it('a partly damaged NMEA log is accepted, its reject counts in case check, results.json and the report', () => {
    const dir = t.copy('partly');
    const good = readFileSync(join(dir, NMEA), 'latin1');
    writeFileSync(join(dir, NMEA), breakChecksums(good, 7));

    const check = tally(['case', 'check', dir, '--json']);
    assert.equal(check.status, 0, check.stderr);
    const parsed = (JSON.parse(check.stdout) as { parsed: { path: string; parse?: Record<string, unknown> }[] }).parsed;
    const p = parsed.find((x) => x.path === NMEA)!.parse!;
    assert.equal(p.rejected, 7);
    assert.deepEqual(p.by_reason, { bad_checksum: 7 });
    assert.ok((p.reject_rate as number) > 0 && (p.reject_rate as number) < 0.05);
    assert.match(
      tally(['case', 'check', dir]).stdout,
      /inspectors\.nmea: parsed: \d+ message\(s\) accepted, 7 rejected \(\d\.\d %\): 7 bad_checksum/,
    );

    const v = tally(['verify', dir, '-q']);
    assert.ok([0, 1, 3].includes(v.status ?? -1), `exit ${v.status}: ${v.stderr}`);
    const published = join(dir, 'results', 'results.json');
    const res = JSON.parse(readFileSync(published, 'utf8')) as Results;
    const entry = res.evidence.find((e) => e.path === NMEA)!;
    assert.ok(entry.parse, 'the AIS entry carries its parse counts');
    assert.equal(entry.parse.rejected, 7);
    assert.deepEqual(entry.parse.by_reason, { bad_checksum: 7 });
    assert.ok(entry.parse.accepted > 300);
    const clean = res.evidence.find((e) => e.path === CSV)!;
    assert.deepEqual(clean.parse, { accepted: clean.parse!.accepted, rejected: 0, by_reason: {} });
    assert.equal(res.evidence.find((e) => e.path === TIF)!.parse, undefined);

    const html = readFileSync(join(dir, 'results', 'report.html'), 'utf8');
    assert.match(
      html,
      new RegExp(`${entry.parse.accepted} accepted, 7 rejected \\(\\d\\.\\d %\\)<br><small>7 bad_checksum</small>`),
    );

    // The counts are a function of the logged evidence: a reproduction compares equal.
    const key = /verifier_key: (\S+)/.exec(readFileSync(join(dir, 'case.yaml'), 'utf8'))![1]!;
    const again = tally(['verify', dir, '--reproduce', published, '--key', key, '-q']);
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /REPRODUCED/);
  });
});
