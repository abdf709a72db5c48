import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trafficScenario } from '../src/scenario/traffic.js';
import { encodeSentences } from '../src/ais/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tally-tracks-'));

function tally(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const port = trafficScenario('port-visit');
const portFeed = write('port.nmea', port.nmea);
const portPolys = write('ports.geojson', JSON.stringify(port.ports));
const meet = trafficScenario('encounter-midnight');
const meetFeed = write('meet.nmea', meet.nmea);

test('tally tracks events --json prints one array with the contract fields', () => {
  const r = tally(['tracks', 'events', portFeed, '--ports', portPolys, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const events = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.ok(Array.isArray(events) && events.length >= 3);
  for (const e of events) {
    for (const k of ['kind', 'mmsi', 'start', 'end', 'lat', 'lon', 'positions'])
      assert.ok(k in e, `${k} in ${JSON.stringify(e)}`);
    assert.ok(Array.isArray(e.mmsi) && (e.mmsi as unknown[]).every((m) => typeof m === 'number'));
    assert.match(String(e.start), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  const visits = events.filter((e) => e.kind === 'port_visit');
  assert.ok(visits.every((e) => typeof e.port === 'string'));
  assert.match(r.stderr, /events \(/);
});

test('--format geojson, kml and csv write the same events', () => {
  const g = tally(['tracks', 'events', meetFeed, '--format', 'geojson', '-q']);
  assert.equal(g.code, 0, g.stderr);
  const fc = JSON.parse(g.stdout) as {
    type: string;
    features: { geometry: { type: string }; properties: Record<string, unknown> }[];
  };
  assert.equal(fc.type, 'FeatureCollection');
  assert.ok(fc.features.some((f) => f.geometry.type === 'LineString' && f.properties.kind === 'track'));
  const points = fc.features.filter((f) => f.geometry.type === 'Point');
  assert.equal(points.filter((f) => f.properties.kind === 'encounter').length, 1);
  const kmlPath = join(dir, 'out.kml');
  const k = tally(['tracks', 'events', meetFeed, '--format', 'kml', '-o', kmlPath, '-q']);
  assert.equal(k.code, 0, k.stderr);
  const kml = readFileSync(kmlPath, 'utf8');
  assert.match(kml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<kml xmlns="http:\/\/www.opengis.net\/kml\/2.2">/);
  assert.equal((kml.match(/<Folder>/g) ?? []).length, 2); // one per vessel
  assert.equal((kml.match(/<\/Folder>/g) ?? []).length, 2);
  const c = tally(['tracks', 'events', meetFeed, '--format', 'csv', '-q']);
  const lines = c.stdout.trim().split('\n');
  assert.equal(lines[0].split(',')[0], 'kind');
  assert.equal(lines.filter((l) => l.startsWith('encounter,')).length, 1);
});

test('tally tracks rendezvous finds the pair and respects --around', () => {
  const pair = meet.expected[0].mmsi;
  const r = tally(['tracks', 'rendezvous', meetFeed, '--pair', pair.join(','), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const found = JSON.parse(r.stdout) as { kind: string; mmsi: number[] }[];
  assert.ok(found.length >= 1);
  assert.equal(found[0].kind, 'rendezvous');
  const far = tally([
    'tracks',
    'rendezvous',
    meetFeed,
    '--pair',
    pair.join(','),
    '--around',
    '2000-01-01T00:00:00Z',
    '--json',
  ]);
  assert.deepEqual(JSON.parse(far.stdout), []);
  assert.match(tally(['tracks', 'rendezvous', meetFeed, '--pair', '12']).stderr, /--pair: expected two MMSIs/);
});

test('bad ports or zone files, an empty feed, one report per vessel: clear messages, no crash', () => {
  const notJson = write('bad.geojson', '{"type": "FeatureCollection", "features": [}');
  let r = tally(['tracks', 'events', meetFeed, '--ports', notJson]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.geojson: line 1, column \d+/);
  const line = write(
    'line.geojson',
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { name: 'X' },
          geometry: {
            type: 'LineString',
            coordinates: [
              [0, 0],
              [1, 1],
            ],
          },
        },
      ],
    }),
  );
  r = tally(['tracks', 'events', meetFeed, '--zone', line]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /line\.geojson: features\[0\]\.geometry.*expected a Polygon or MultiPolygon, got LineString/);
  r = tally(['tracks', 'events', meetFeed, '--ports', join(dir, 'missing.geojson')]);
  assert.match(r.stderr, /missing\.geojson: .*expected a readable GeoJSON file, got ENOENT/);
  const empty = write('empty.nmea', '');
  r = tally(['tracks', 'events', empty]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /empty\.nmea: no position reports/);
  const one = write(
    'one.nmea',
    [111, 222, 333]
      .map(
        (m, k) =>
          encodeSentences({ type: 1, mmsi: m, lat: 20 + k, lon: -80, speed: 5 }, { time: Date.UTC(2024, 0, 1) })[0],
      )
      .join('\n') + '\n',
  );
  r = tally(['tracks', 'events', one, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
  assert.match(
    tally(['tracks', 'events', meetFeed, '--format', 'shp']).stderr,
    /--format: expected geojson, kml or csv/,
  );
});
