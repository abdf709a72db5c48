/**
 * The known-answer scenarios of src/scenario/traffic.ts, written as AIS
 * through the encoder, decoded and run through the whole track stage: each
 * expected event found (within its tolerances), each event that must not be
 * there absent, each planted jump flagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchBuffer, decodeText } from '../src/ais/index.js';
import { buildTracks, eventsOfTracks, FLAG_JUMP, type TrackEvent } from '../src/tracks/index.js';
import { haversineM } from '../src/util/index.js';
import { parsePolygons, PolygonIndex } from '../src/tracks/geography.js';
import { ShoreDistance } from '../src/tracks/shore.js';
import { trafficScenario, trafficScenarioNames } from '../src/scenario/traffic.js';

const shore = ShoreDistance.load();

function run(name: string): {
  events: TrackEvent[];
  s: ReturnType<typeof trafficScenario>;
  tracks: ReturnType<typeof buildTracks>;
} {
  const s = trafficScenario(name);
  const { stats, rejects } = decodeText(s.nmea, { file: `${name}.nmea` });
  assert.deepEqual(rejects, [], `${name}: the scenario log decodes cleanly`);
  assert.ok(stats.messages > 0);
  const batch = decodeBatchBuffer(Buffer.from(s.nmea));
  const tracks = buildTracks(batch.positions, batch.statics);
  const ports = s.ports.features.length
    ? new PolygonIndex(parsePolygons(JSON.stringify(s.ports), 'ports.geojson', { requireName: true }))
    : null;
  const zone = s.zone.features.length ? new PolygonIndex(parsePolygons(JSON.stringify(s.zone), 'zone.geojson')) : null;
  return { events: eventsOfTracks(tracks, { ports, zone, shore }), s, tracks };
}

const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, k) => x === b[k]);

for (const name of trafficScenarioNames()) {
  test(`scenario ${name}: expected events found, the others absent`, () => {
    const { events, s, tracks } = run(name);
    const describe = (): string =>
      events.map((e) => `${e.kind} ${e.mmsi.join('/')} ${e.start}..${e.end}${e.port ? ' ' + e.port : ''}`).join('\n');
    for (const x of s.expected) {
      const hit = events.filter(
        (e) =>
          e.kind === x.kind &&
          same(e.mmsi, x.mmsi) &&
          Math.abs(e.startMs - x.startMs) <= x.toleranceMs &&
          Math.abs(e.endMs - x.endMs) <= x.toleranceMs &&
          (x.port === undefined || e.port === x.port),
      );
      assert.equal(
        hit.length,
        1,
        `${name}: expected one ${x.kind} ${x.mmsi.join('/')} ${x.start}..${x.end} (${x.note}); found:\n${describe()}`,
      );
      const e = hit[0];
      if (x.departed !== undefined) assert.equal(e.departed, x.departed, `${name}: departed`);
      if (x.lat !== undefined && x.lon !== undefined) {
        assert.ok(
          haversineM(e.lat, e.lon, x.lat, x.lon) <= (x.positionToleranceM ?? 1000),
          `${name}: position ${e.lat},${e.lon} vs ${x.lat},${x.lon}`,
        );
      }
      if (x.last) assert.deepEqual([e.last?.lat, e.last?.lon, e.last?.time], [x.last.lat, x.last.lon, x.last.time]);
      if (x.first)
        assert.deepEqual([e.first?.lat, e.first?.lon, e.first?.time], [x.first.lat, x.first.lon, x.first.time]);
    }
    for (const x of s.notExpected) {
      const hit = events.filter(
        (e) => e.kind === x.kind && same(e.mmsi, x.mmsi) && (x.port === undefined || e.port === x.port),
      );
      assert.equal(
        hit.length,
        0,
        `${name}: no ${x.kind} ${x.mmsi.join('/')} expected (${x.why}); found:\n${describe()}`,
      );
    }
    const jumps = Array.from(tracks.flag).filter((f) => f === FLAG_JUMP).length;
    assert.equal(jumps, s.expectedFlags.length, `${name}: jump flags`);
  });
}

test('both cores: the worker-thread path gives exactly the events of the one-core path', async () => {
  const { eventsOfTracksParallel } = await import('../src/tracks/index.js');
  for (const name of ['port-visit', 'dark', 'loitering', 'chain']) {
    const s = trafficScenario(name);
    const batch = decodeBatchBuffer(Buffer.from(s.nmea));
    const one = buildTracks(batch.positions, batch.statics);
    const two = buildTracks(batch.positions, batch.statics, undefined, { shared: true });
    const ports = s.ports.features.length
      ? new PolygonIndex(parsePolygons(JSON.stringify(s.ports), 'ports.geojson', { requireName: true }))
      : null;
    const zone = s.zone.features.length
      ? new PolygonIndex(parsePolygons(JSON.stringify(s.zone), 'zone.geojson'))
      : null;
    assert.deepEqual(
      await eventsOfTracksParallel(two, { ports, zone, shore }),
      eventsOfTracks(one, { ports, zone, shore }),
      name,
    );
  }
});
