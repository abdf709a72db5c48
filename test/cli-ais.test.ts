import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aisScenarioText } from '../src/scenario/index.js';
import { writeMarineCadastreCsv, csvFixtureRows } from '../src/scenario/csv.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tally-cli-'));

function tally(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const { text, sent } = aisScenarioText({ seed: 21, vessels: 5, durationMs: 2 * 3600_000 });
const nmea = join(dir, 'feed.nmea');
writeFileSync(nmea, text);

test('tally ais decode writes one gpsd-named JSON object per message, summary on stderr', () => {
  const r = tally(['ais', 'decode', nmea]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, sent.length);
  assert.equal(lines[0].time, new Date(sent[0].time).toISOString());
  assert.ok(lines.every((l) => typeof l.type === 'number' && typeof l.mmsi === 'number'));
  assert.match(r.stderr, new RegExp(`^${sent.length} messages from `));
  assert.match(r.stderr, /rejected: 0/);
});

test('--format csv has one header row of the same names', () => {
  const r = tally(['ais', 'decode', nmea, '--format', 'csv', '--types', '5']);
  assert.equal(r.code, 0, r.stderr);
  const [header, ...rows] = r.stdout.trim().split('\n');
  const cols = header.split(',');
  for (const c of [
    'type',
    'mmsi',
    'time',
    'station',
    'lat',
    'lon',
    'speed',
    'course',
    'heading',
    'shipname',
    'callsign',
    'imo',
    'to_bow',
    'draught',
    'destination',
  ]) {
    assert.ok(cols.includes(c), c);
  }
  assert.equal(rows.length, sent.filter((s) => s.record.type === 5).length);
  assert.ok(rows.every((row) => row.startsWith('5,')));
});

test('"-" reads standard input; CSV input is detected from its header', () => {
  const r = tally(['ais', 'decode', '-'], text.split('\n').slice(0, 50).join('\n'));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.trim().split('\n').length > 10);
  const csv = join(dir, 'mc.csv');
  writeFileSync(csv, writeMarineCadastreCsv(csvFixtureRows(4, 40)));
  const c = tally(['ais', 'decode', csv]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout.trim().split('\n').length, 40);
});

test('--strict stops at the first bad line, naming file and line; without it the line is counted', () => {
  const bad = join(dir, 'bad.nmea');
  const lines = text.split('\n');
  lines.splice(3, 0, '!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B');
  writeFileSync(bad, lines.join('\n'));
  const strict = tally(['ais', 'decode', bad, '--strict']);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: bad_checksum`));
  const lenient = tally(['ais', 'decode', bad]);
  assert.equal(lenient.code, 0);
  assert.match(lenient.stderr, /bad_checksum: 1/);
});

test('usage errors are clear and exit 2', () => {
  assert.match(tally(['ais', 'decode', nmea, '--format', 'xml']).stderr, /--format: expected jsonl or csv, got "xml"/);
  assert.match(tally(['ais', 'decode', nmea, '--types', '1,x']).stderr, /--types: expected message types 1 to 27/);
  const missing = tally(['ais', 'decode', join(dir, 'nope.nmea')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.nmea: cannot read this file/);
});

test('tally scenario ais writes the same bytes for the same seed', () => {
  const a = tally(['scenario', 'ais', '--seed', '5', '--vessels', '3', '--hours', '1']);
  const b = tally(['scenario', 'ais', '--seed', '5', '--vessels', '3', '--hours', '1']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.notEqual(a.stdout, tally(['scenario', 'ais', '--seed', '6', '--vessels', '3', '--hours', '1']).stdout);
});
