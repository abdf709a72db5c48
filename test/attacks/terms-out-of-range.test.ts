/**
 * Terms that passed `case check` and then hung or crashed `verify` after it
 * had appended to the log: an infinite window, an infinite resolution cap,
 * a count of 1e308, an infinite dark-period gap, an inspection record's
 * count past any lot. Each is now refused by `case check` and `verify`
 * alike, exit 2, file:line: field, and nothing is written.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { minuteSamples, approachToPoint, MAX_WINDOW_SAMPLES } from '../../src/verify/ais.js';
import { buildTracks } from '../../src/tracks/index.js';
import { PositionColumnsBuilder } from '../../src/ais/index.js';
import { DEFAULT_PARAMS } from '../../src/tracks/index.js';
import { assertRefused, edit, strait, tally } from './helpers.js';

describe('terms out of range', () => {
  let c: Awaited<ReturnType<typeof strait>>;
  before(async () => {
    c = await strait('terms');
  });
  after(() => c.done());

  /** Both commands refuse the edited case at the field named. */
  const refusedByBoth = (dir: string, where: RegExp): void => {
    assertRefused(tally(['case', 'check', dir], 20_000), where);
    assertRefused(tally(['verify', dir, '-q'], 20_000), where, dir);
  };

  it('window_min: .inf is refused before anything is appended (it hung verify)', () => {
    const d = c.copy('inf-window');
    edit(d, 'case.yaml', 'window_min: 120', 'window_min: .inf');
    refusedByBoth(d, /case\.yaml:\d+: terms\.rendezvous\.window_min: must be a finite number/);
  });

  it('a window of a year is out of range, not a long loop', () => {
    const d = c.copy('long-window');
    edit(d, 'case.yaml', 'window_min: 30', 'window_min: 525600');
    refusedByBoth(d, /case\.yaml:\d+: terms\.aerial\.window_min: must be <= 10080/);
  });

  it('resolution_cap_m: .inf is refused (it was a RangeError after the log was written)', () => {
    const d = c.copy('inf-cap');
    edit(d, 'case.yaml', 'resolution_cap_m: 0.5', 'resolution_cap_m: .inf');
    refusedByBoth(d, /case\.yaml:\d+: terms\.resolution_cap_m: must be a finite number/);
  });

  it('a lot count of 1e308 is refused (it was a RangeError after the log was written)', () => {
    const d = c.copy('huge-count');
    edit(d, 'case.yaml', /count: 4\n/, 'count: 1e308\n');
    refusedByBoth(d, /case\.yaml:\d+: declarations\.lots\[0\]\.count: must be <= 1000000/);
  });

  it('min_gap_hours: .inf is refused (it was a stack trace)', () => {
    const d = c.copy('inf-gap');
    edit(d, 'case.yaml', 'min_gap_hours: 6', 'min_gap_hours: .inf');
    refusedByBoth(d, /case\.yaml:\d+: terms\.dark_period\.min_gap_hours: must be a finite number/);
  });

  it('.nan is refused as a number', () => {
    const d = c.copy('nan-speed');
    edit(d, 'case.yaml', 'max_speed_knots: 2', 'max_speed_knots: .nan');
    refusedByBoth(d, /terms\.encounter\.max_speed_knots: must be a finite number, got NaN/);
  });

  it('an inspection record edited to count 1e308 items, or to 1e400 (infinity in JSON), is refused', () => {
    const d = c.copy('record-count');
    edit(d, 'evidence/inspections/insp-1.json', /"observed_count": \d+/, '"observed_count": 1e308');
    refusedByBoth(d, /evidence\/inspections\/insp-1\.json:\d+: observed_count: must be <= 1000000/);
    const e = c.copy('record-inf');
    edit(e, 'evidence/inspections/insp-1.json', /"lat": [-\d.]+/, '"lat": 1e400');
    refusedByBoth(e, /evidence\/inspections\/insp-1\.json:\d+: position\.lat: must be a finite number/);
  });

  it('a deadline in the year 9999 is refused', () => {
    const d = c.copy('far-deadline');
    edit(d, 'case.yaml', 'removal_deadline: 2025-05-31T00:00:00Z', 'removal_deadline: 9999-05-31T00:00:00Z');
    refusedByBoth(d, /terms\.removal_deadline: "9999-05-31T00:00:00Z" is outside the years 1900 to 2199/);
  });
});

describe('the closest approach on any window', () => {
  const empty = buildTracks(new PositionColumnsBuilder(1).finish(), [], DEFAULT_PARAMS.tracks);

  it('ends for an infinite, NaN or huge window (it looped forever)', () => {
    for (const [from, to] of [
      [0, Infinity],
      [-Infinity, 0],
      [NaN, 0],
      [1e300, 1e300 + 1e290],
    ])
      assert.deepEqual(approachToPoint(empty, 1, 0, 0, from, to, 60_000).coveredMinutes, 0);
  });

  it('samples each whole minute of a finite window, and refuses one over a year', () => {
    assert.deepEqual(minuteSamples(30_000, 180_000), { first: 60_000, count: 3 });
    assert.deepEqual(minuteSamples(0, -1), { first: 0, count: 0 });
    assert.throws(() => minuteSamples(0, (MAX_WINDOW_SAMPLES + 1) * 60_000), RangeError);
  });
});
