import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AisInputError,
  decodeBatchBuffer,
  decodeStream,
  decodeText,
  encodeMessage,
  encodeSentences,
  LAYOUTS,
  type AisRecord,
} from '../src/ais/index.js';
import { nmeaChecksum } from '../src/ais/encode.js';
import { aisScenarioText } from '../src/scenario/index.js';

/** A sentence with a correct checksum around `body` (without ! and *hh). */
const sentence = (body: string): string => `!${body}*${nmeaChecksum(body)}`;
const tag = (body: string): string => `\\${body}*${nmeaChecksum(body)}\\`;

function one(text: string): AisRecord {
  const { records, rejects } = decodeText(text);
  assert.deepEqual(rejects, []);
  assert.equal(records.length, 1);
  return records[0];
}

test('type 1: every field of a known report (gpsd sample, ITU-R M.1371-5 Table 45)', () => {
  const r = one('!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A');
  assert.equal(r.type, 1);
  assert.equal(r.mmsi, 371798000);
  assert.equal(r.status, 0);
  assert.equal(r.turn, 'fastleft');
  assert.equal(r.speed, 12.3);
  assert.equal(r.accuracy, true);
  assert.ok(Math.abs((r.lon as number) - -123.395383) < 1e-6);
  assert.ok(Math.abs((r.lat as number) - 48.381633) < 1e-6);
  assert.equal(r.course, 224);
  assert.equal(r.heading, 215);
  assert.equal(r.second, 33);
  assert.equal(r.raim, false);
  assert.equal(r.radio, 34017);
  assert.equal(r.time, undefined);
});

test('type 24: parts A and B are separate records; vendor ID is 3 characters (M.1371-5 Table 81)', () => {
  const a = one('!AIVDM,1,1,,A,H42O55i18tMET00000000000000,2*6D');
  assert.deepEqual([a.part, a.mmsi, a.shipname], [0, 271041815, 'PROGUY']);
  const b = one('!AIVDM,1,1,,A,H42O55lti4hhhilD3nink000?050,0*40');
  assert.equal(b.part, 1);
  assert.equal(b.shiptype, 60);
  assert.equal(b.vendorid, '1D0');
  assert.equal(b.model, 12);
  assert.equal(b.serial, 199796);
  assert.equal(b.callsign, 'TC6163');
  assert.deepEqual([b.to_bow, b.to_stern, b.to_port, b.to_starboard], [0, 15, 0, 5]);
});

test('not-available values become null', () => {
  const { payload, fill } = encodeMessage({ type: 1, mmsi: 211000001, status: 15 });
  const r = one(sentence(`AIVDM,1,1,,A,${payload},${fill}`));
  for (const f of ['turn', 'speed', 'lon', 'lat', 'course', 'heading', 'second']) assert.equal(r[f], null, f);
  const r27 = one(sentence(`AIVDM,1,1,,A,${encodeMessage({ type: 27, mmsi: 211000001 }).payload},0`));
  for (const f of ['speed', 'lon', 'lat', 'course']) assert.equal(r27[f], null, f);
});

test('six-bit text is trimmed of @ padding and trailing spaces', () => {
  const { payload, fill } = encodeMessage({ type: 24, part: 0, mmsi: 338000001, shipname: 'SEA  DOG  ' });
  assert.equal(one(sentence(`AIVDM,1,1,,B,${payload},${fill}`)).shipname, 'SEA  DOG');
});

test('type 21 name extension is appended to the name', () => {
  const lines = encodeSentences({
    type: 21,
    mmsi: 993000001,
    aid_type: 20,
    name: 'CHINA ROSE MURPHY EXPRESS ALERT',
    lat: 47.9,
    lon: -122.7,
  });
  assert.equal(decodeText(lines.join('\n')).records[0].name, 'CHINA ROSE MURPHY EXPRESS ALERT');
});

test('tag block gives time and station; $PGHP and USCG trailing fields too', () => {
  const body = '15RTgt0PAso;90TKcjM8h6g208CQ';
  const s = sentence(`AIVDM,1,1,,A,${body},0`);
  const r1 = one(`${tag('s:rORBCOMM008,c:1418169601')}${s}`);
  assert.equal(r1.time, '2014-12-10T00:00:01.000Z');
  assert.equal(r1.station, 'rORBCOMM008');
  const pghp = '$' + 'PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B';
  const r2 = one(`$${pghp.slice(1)}*${nmeaChecksum(pghp.slice(1))}\n${s}`);
  assert.equal(r2.time, '2010-06-11T11:46:11.390Z');
  assert.equal(r2.station, '992190934');
  const r3 = one(`${s},b003669970,1272412824`);
  assert.equal(r3.time, '2010-04-28T00:00:24.000Z');
  assert.equal(r3.station, 'b003669970');
});

test('time before 1970 is negative and printed as such (the 1962 case)', () => {
  const t = Date.UTC(1962, 9, 28, 12, 0, 0);
  assert.ok(t < 0);
  const lines = encodeSentences(
    { type: 1, mmsi: 273000001, lat: 23, lon: -82.5, speed: 9.5 },
    { time: t, station: 'rHAVANA' },
  );
  const r = one(lines.join('\n'));
  assert.equal(r.time, '1962-10-28T12:00:00.000Z');
  const batch = decodeBatchBuffer(Buffer.from(lines.join('\n')));
  assert.equal(batch.positions.time[0], t);
});

test('multi-sentence messages: in order, out of order, interleaved, orphans', () => {
  const rec = {
    type: 5,
    mmsi: 351759000,
    imo: 9134270,
    callsign: '3FOF8',
    shipname: 'EVER DIADEM',
    shiptype: 70,
    draught: 12.2,
    destination: 'NEW YORK',
    eta: '05-15T14:00Z',
  };
  const [a1, a2] = encodeSentences(rec, { sequence: 1 });
  const [b1, b2] = encodeSentences({ ...rec, mmsi: 351759001 }, { sequence: 2 });
  const strip = (s: string): string => s.replace(/^\\[^\\]*\\/, '');
  const [p1, p2, q1, q2] = [a1, a2, b1, b2].map(strip);
  const inOrder = decodeText([p1, p2].join('\n'));
  assert.equal(inOrder.records[0].shipname, 'EVER DIADEM');
  assert.equal(inOrder.records[0].eta, '05-15T14:00Z');
  assert.equal(inOrder.records[0].draught, 12.2);
  const reversed = decodeText([p2, p1].join('\n'));
  assert.equal(reversed.records.length, 1);
  assert.equal(reversed.records[0].mmsi, 351759000);
  const interleaved = decodeText([p1, q1, p2, q2].join('\n'));
  assert.deepEqual(
    interleaved.records.map((r) => r.mmsi),
    [351759000, 351759001],
  );
  const orphan = decodeText([p1, q1, q2].join('\n'));
  assert.deepEqual(
    orphan.records.map((r) => r.mmsi),
    [351759001],
  );
  assert.deepEqual(
    orphan.rejects.map((r) => [r.reason, r.line]),
    [['orphan_fragment', 1]],
  );
  // A first fragment repeated before its second: the earlier one is an orphan.
  const repeated = decodeText([p1, p1, p2].join('\n'));
  assert.equal(repeated.records.length, 1);
  assert.deepEqual(
    repeated.rejects.map((r) => [r.reason, r.line]),
    [['orphan_fragment', 1]],
  );
  // Tag-block groups: only the first fragment carries time and station.
  const grouped = decodeText([a1, a2].join('\n'));
  assert.equal(grouped.records.length, 1);
});

test('every reject has its reason and line; --strict stops with file and line', () => {
  const good = '!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A';
  const text = [good, '!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B', 'garbage', good].join('\n');
  const { records, rejects } = decodeText(text, { file: 'x.nmea' });
  assert.equal(records.length, 2);
  assert.deepEqual(
    rejects.map((r) => [r.reason, r.line, r.file]),
    [
      ['bad_checksum', 2, 'x.nmea'],
      ['not_nmea', 3, 'x.nmea'],
    ],
  );
  assert.throws(
    () => decodeText(text, { file: 'x.nmea', strict: true }),
    (e: unknown) => {
      assert.ok(e instanceof AisInputError);
      assert.match(e.message, /^x\.nmea:2: bad_checksum: /);
      return true;
    },
  );
});

test('other NMEA sentences, comments and blank lines are passed over, not errors', () => {
  const text = [
    '# a comment',
    '',
    '$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D',
    '!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A',
  ].join('\n');
  const { records, stats, rejects } = decodeText(text);
  assert.equal(records.length, 1);
  assert.equal(rejects.length, 0);
  assert.equal(stats.ignored, 3);
});

test('--types filters and counts what it left out', () => {
  const { text } = aisScenarioText({ seed: 7, vessels: 4, durationMs: 3600_000 });
  const all = decodeText(text);
  const only = decodeText(text, { types: new Set([5]) });
  assert.ok(only.records.length > 0);
  assert.ok(only.records.every((r) => r.type === 5));
  assert.equal(only.stats.filtered + only.stats.messages, all.stats.messages);
});

/** Arbitrary records per layout, with values the layout can carry exactly. */
function arbitraryRecord(): fc.Arbitrary<Record<string, unknown>> {
  const text = (n: number): fc.Arbitrary<string> =>
    fc
      .string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -./'.split('')), maxLength: n })
      .map((s) => s.trimEnd());
  const layouts = LAYOUTS.filter((l) => l.id !== '24Baux');
  return fc.constantFrom(...layouts).chain((l) => {
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of l.fields) {
      if (f.kind === 'spare' || f.appendTo || f.hidden) continue;
      if (f.name === 'type') shape.type = fc.constant(l.type);
      else if (f.name === 'mmsi') shape.mmsi = fc.integer({ min: 0, max: 979999999 });
      else if (f.name === 'part') shape.part = fc.constant(l.id === '24A' ? 0 : 1);
      else if (f.kind === 'bool') shape[f.name] = fc.boolean();
      else if (f.kind === 'text') shape[f.name] = text(f.bits / 6);
      else if (f.kind === 'rot') shape[f.name] = fc.constantFrom(null, 'fastleft', 'fastright', 0);
      else {
        const max = f.valid ? f.valid[1] : f.kind === 'int' ? 2 ** (f.bits - 1) - 1 : 2 ** f.bits - 1;
        const min = f.valid ? f.valid[0] : f.kind === 'int' ? -(2 ** (f.bits - 1)) + 1 : 0;
        shape[f.name] = fc.integer({ min, max }).map((raw) => (raw === f.na ? null : f.scale ? raw / f.scale : raw));
      }
    }
    for (const d of l.derived ?? []) {
      shape[d.name] =
        d.format === 'datetime'
          ? fc
              .date({ min: new Date('1900-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
              .map((x) => x.toISOString().slice(0, 19) + 'Z')
          : fc
              .tuple(
                fc.integer({ min: 1, max: 12 }),
                fc.integer({ min: 1, max: 31 }),
                fc.integer({ min: 0, max: 23 }),
                fc.integer({ min: 0, max: 59 }),
              )
              .map(
                ([mo, d2, h, mi]) =>
                  `${String(mo).padStart(2, '0')}-${String(d2).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}Z`,
              );
    }
    if (l.type === 21) shape.name = text(34);
    return fc.record(shape);
  });
}

test('round trip: encode then decode gives every field back (property)', () => {
  fc.assert(
    fc.property(arbitraryRecord(), fc.integer({ min: -5e12, max: 5e12 }), (rec, time) => {
      const lines = encodeSentences(rec as Record<string, string | number | boolean | null>, {
        time,
        station: 'rTEST',
        sequence: 3,
      });
      const { records, rejects } = decodeText(lines.join('\n'));
      assert.deepEqual(rejects, []);
      assert.equal(records.length, 1);
      const r = records[0];
      assert.equal(r.time, new Date(time).toISOString());
      assert.equal(r.station, 'rTEST');
      for (const [k, v] of Object.entries(rec)) {
        if (k === 'turn' && v === 0) assert.equal(r.turn, 0);
        else assert.deepEqual(r[k], v === '' ? '' : v, `${k} of type ${rec.type}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('the scenario log decodes to exactly the reports that were sent', () => {
  const { text, sent } = aisScenarioText({ seed: 11, vessels: 8, durationMs: 2 * 3600_000 });
  const { records, rejects } = decodeText(text);
  assert.deepEqual(rejects, []);
  assert.equal(records.length, sent.length);
  records.forEach((r, k) => {
    const s = sent[k];
    assert.equal(r.time, new Date(s.time).toISOString());
    assert.equal(r.station, s.station);
    for (const [f, v] of Object.entries(s.record)) assert.deepEqual(r[f], v, `${f} of report ${k}`);
  });
});

test('columnar batch holds the same positions as the records', () => {
  const { text } = aisScenarioText({ seed: 5, vessels: 6, durationMs: 3600_000 });
  const { records } = decodeText(text);
  const batch = decodeBatchBuffer(Buffer.from(text));
  const positions = records.filter((r) => typeof r.lat === 'number' || r.lat === null).filter((r) => 'lat' in r);
  assert.equal(batch.positions.length, positions.length);
  positions.forEach((r, k) => {
    assert.equal(batch.positions.mmsi[k], r.mmsi);
    assert.equal(batch.positions.lat[k], r.lat);
    assert.equal(batch.positions.lon[k], r.lon);
    assert.equal(batch.positions.time[k], Date.parse(r.time!));
    assert.equal(batch.positions.type[k], r.type);
    if (typeof r.speed === 'number') assert.ok(Math.abs(batch.positions.speed[k] - r.speed) < 1e-4);
  });
  assert.ok(batch.statics.some((s) => s.type === 5 && typeof s.shipname === 'string'));
});

test('streaming API yields the same records, with chunks split anywhere', async () => {
  const { text } = aisScenarioText({ seed: 3, vessels: 5, durationMs: 3600_000 });
  const expected = decodeText(text).records;
  const bytes = Buffer.from(text);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let k = 0;
    let size = 1;
    while (k < bytes.length) {
      yield bytes.subarray(k, k + size);
      k += size;
      size = ((size * 7 + 3) % 97) + 1;
    }
  }
  const got: AisRecord[] = [];
  for await (const r of decodeStream(chunks())) got.push(r);
  assert.deepEqual(got, expected);
});

test('totals count the lines of every file, NMEA or CSV, on both paths', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { decodeBatchFiles, decodeFiles, RecordRowSink } = await import('../src/ais/index.js');
  const { writeMarineCadastreCsv, csvFixtureRows } = await import('../src/scenario/csv.js');
  const dir = mkdtempSync(join(tmpdir(), 'tally-lines-'));
  const a = join(dir, 'a.nmea');
  const b = join(dir, 'b.csv');
  const { text } = aisScenarioText({ seed: 2, vessels: 2, durationMs: 1800_000 });
  writeFileSync(a, text);
  writeFileSync(b, writeMarineCadastreCsv(csvFixtureRows(3, 25)));
  const expected = text.split('\n').length - 1 + 26;
  for (const files of [
    [a, b],
    [b, a],
  ]) {
    assert.equal((await decodeBatchFiles(files)).stats.lines, expected);
    assert.equal((await decodeFiles(files, new RecordRowSink())).lines, expected);
  }
});
