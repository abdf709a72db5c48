/**
 * Meetings under way and the reception rule of the track stage, on
 * known-answer tracks: a pair holding station at 11 kn is a meeting; a
 * vessel overtaking in the same lane, or crossing, is not; a silence is
 * heard around or not by the number of vessels near it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PositionColumnsBuilder } from '../src/ais/index.js';
import { buildTracks, DEFAULT_PARAMS, heardNear, meetingsUnderWay, silenceAtEnd } from '../src/tracks/index.js';
import { KNOT_M_PER_S } from '../src/util/index.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 5, 2, 6);
const M_PER_DEG = 111_195;

/** A vessel steaming north from (lat, lon) at `kn` knots, reporting every `every` ms over [t0, t1]. */
function north(b: PositionColumnsBuilder, mmsi: number, lat: number, lon: number, kn: number, t0: number, t1: number) {
  for (let t = t0; t <= t1; t += MIN) {
    const m = kn * KNOT_M_PER_S * ((t - t0) / 1000);
    b.push(t, mmsi, lat + m / M_PER_DEG, lon, kn, 0, NaN, 1, 0);
  }
}

/** Metres east as degrees of longitude at 20° N. */
const east = (m: number): number => m / (M_PER_DEG * Math.cos((20 * Math.PI) / 180));

test('holding station 250 m abeam at 11 kn for 75 minutes: a meeting under way', () => {
  const b = new PositionColumnsBuilder(256);
  north(b, 1, 20, -40, 11, T0, T0 + 75 * MIN);
  north(b, 2, 20, -40 + east(250), 11, T0, T0 + 75 * MIN);
  const tr = buildTracks(b.finish());
  const m = meetingsUnderWay(tr, 1);
  assert.equal(m.length, 1);
  assert.equal(m[0].kind, 'rendezvous');
  assert.deepEqual(m[0].mmsi, [1, 2]);
  assert.equal(m[0].endMs - m[0].startMs, 75 * MIN);
  assert.deepEqual(
    meetingsUnderWay(tr, 1, { exclude: new Set([2]) }),
    [],
    'an excluded vessel (an inspector) is not met',
  );
});

test('overtaking in the same lane at 2 kn more, 200 m abeam: no meeting, though within 1,000 m for 30 minutes', () => {
  const b = new PositionColumnsBuilder(256);
  north(b, 1, 20, -40, 9, T0, T0 + 2 * HOUR);
  // Starts 2 km astern at 11 kn: passes her an hour later, within 1,000 m for about 32 minutes.
  north(b, 2, 20 - 2000 / M_PER_DEG, -40 + east(200), 11, T0, T0 + 2 * HOUR);
  const tr = buildTracks(b.finish());
  assert.deepEqual(meetingsUnderWay(tr, 1), []);
  // The rendezvous rule alone (an inspection's corroboration) does see the close period.
  const p = { ...DEFAULT_PARAMS, meeting: { maxRelativeKnots: 1e9 } };
  assert.equal(meetingsUnderWay(tr, 1, { params: p }).length, 1);
});

test('crossing at right angles at 12 kn, 100 m astern: no meeting', () => {
  const b = new PositionColumnsBuilder(256);
  north(b, 1, 20, -40, 11, T0, T0 + 2 * HOUR);
  const cross = T0 + HOUR;
  for (let t = T0; t <= T0 + 2 * HOUR; t += MIN) {
    const m = 12 * KNOT_M_PER_S * ((t - cross) / 1000);
    const lat = 20 + (11 * KNOT_M_PER_S * 3600 - 100) / M_PER_DEG;
    b.push(t, 2, lat, -40 + east(m), 12, 90, NaN, 1, 0);
  }
  assert.deepEqual(meetingsUnderWay(buildTracks(b.finish()), 1), []);
});

test('the reception rule: silent to the end, heard around by two vessels or by none', () => {
  const build = (near: number[]) => {
    const b = new PositionColumnsBuilder(256);
    north(b, 1, 20, -40, 10, T0, T0 + 2 * HOUR);
    // Silent from T0 + 2 h; a vessel far off keeps the feed going for 14 h more.
    for (let t = T0; t <= T0 + 16 * HOUR; t += 10 * MIN) b.push(t, 9, 25, -30, 0, 0, NaN, 1, 0);
    for (const [k, m] of near.entries())
      for (let t = T0; t <= T0 + 16 * HOUR; t += 10 * MIN) b.push(t, 10 + k, 20.3, -40 + east(m), 0, 0, NaN, 1, 0);
    return buildTracks(b.finish());
  };
  const heard = silenceAtEnd(build([10_000, 30_000]), 1, DEFAULT_PARAMS);
  assert.ok(heard);
  assert.equal(heard.lastMs, T0 + 2 * HOUR);
  assert.deepEqual(heard.heard, [10, 11]);
  assert.equal(heard.heardThere, true);
  // One vessel near is not enough, and one 50 km off (over 20 nmi) is not near.
  const one = silenceAtEnd(build([10_000, 50_000]), 1, DEFAULT_PARAMS);
  assert.deepEqual(one?.heard, [10]);
  assert.equal(one?.heardThere, false);
  const none = silenceAtEnd(build([]), 1, DEFAULT_PARAMS);
  assert.deepEqual(none?.heard, []);
  assert.equal(none?.heardThere, false);
  // Heard again before a dark period's gap has passed: not a silence at all.
  assert.equal(silenceAtEnd(build([]), 1, { ...DEFAULT_PARAMS, dark: { minGapMs: 15 * HOUR } }), null);
  const tr = build([10_000]);
  assert.deepEqual(heardNear(tr, 20.3, -40, T0, T0 + HOUR, DEFAULT_PARAMS.reception, 1), [10]);
});
