import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { AisCsvReader, detectCsvDialect, isCsvReject, type CsvRow } from '../src/ais/csv.js';
import { AisInputError, REJECT_REASONS, type Reject } from '../src/ais/types.js';
import {
  csvFixtureRows,
  DMA_HEADER,
  MARINECADASTRE_HEADER,
  writeDmaCsv,
  writeMarineCadastreCsv,
  type CsvFixtureRow,
} from '../src/scenario/csv.js';

const MC_2015 =
  'MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo';
const MC_2025 =
  'mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,vessel_type,status,length,width,draft,cargo,transceiver';
const DMA_OLD =
  '# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,Destination,ETA,Data source type';

const OCT_28_1962_NOON = Date.UTC(1962, 9, 28, 12, 0, 0);

function row(r: CsvRow | Reject): CsvRow {
  if (isCsvReject(r)) assert.fail(`unexpected reject: ${r.reason}: ${r.detail}`);
  return r;
}

function rejected(r: CsvRow | Reject): Reject {
  if (!isCsvReject(r)) assert.fail(`expected a reject, got ${JSON.stringify(r.record)}`);
  return r;
}

/** Reads a whole CSV text: header on line 1, each following non-empty line a row. */
function readAll(file: string, csv: string): { reader: AisCsvReader; rows: (CsvRow | Reject)[] } {
  const lines = csv.split('\n');
  const reader = new AisCsvReader(file, lines[0], 1);
  const rows: (CsvRow | Reject)[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] !== '') rows.push(reader.parse(lines[i], i + 1));
  }
  return { reader, rows };
}

/** The AIS code the DMA category text reads back as (the text names a category, not a code). */
function dmaCategory(code: number | null | undefined): number | null {
  if (code === null || code === undefined || code === 0 || code > 99) return null;
  if (code < 20 || code === 38 || code === 39) return null;
  if (code < 30) return 20;
  if (code >= 40 && code < 50) return 40;
  if (code >= 60) return Math.floor(code / 10) * 10;
  return code;
}

function checkRoundTrip(fixture: CsvFixtureRow[], got: (CsvRow | Reject)[], dialect: 'marinecadastre' | 'dma'): void {
  assert.equal(got.length, fixture.length);
  for (let i = 0; i < fixture.length; i++) {
    const want = fixture[i];
    const r = row(got[i]);
    const rec = r.record;
    assert.equal(r.timeMs, want.timeMs);
    assert.equal(rec.time, new Date(want.timeMs).toISOString());
    assert.equal(rec.type, 0);
    assert.equal(rec.repeat, 0);
    assert.equal(rec.mmsi, want.mmsi);
    assert.equal(rec.lat, want.lat);
    assert.equal(rec.lon, want.lon);
    assert.equal(r.hasPosition, want.lat !== null && want.lon !== null);
    assert.equal(rec.speed, want.speed);
    assert.equal(rec.course, want.course);
    assert.equal(rec.heading, want.heading);
    assert.equal(rec.status, want.status);
    assert.equal(rec.shipname, want.shipname ?? null);
    assert.equal(rec.callsign, want.callsign ?? null);
    assert.equal(rec.imo, want.imo ?? null);
    assert.equal(rec.shiptype, dialect === 'dma' ? dmaCategory(want.shiptype) : (want.shiptype ?? null));
    assert.equal(rec.draught, want.draught ?? null);
    assert.equal(rec.length, want.length ?? null);
    assert.equal(rec.width, want.width ?? null);
    if (dialect === 'dma') {
      assert.equal(rec.destination, want.destination ?? null);
      assert.equal(rec.to_bow, want.to_bow ?? null);
      assert.equal(rec.to_stern, want.to_stern ?? null);
      assert.equal(rec.to_port, want.to_port ?? null);
      assert.equal(rec.to_starboard, want.to_starboard ?? null);
    } else {
      assert.equal(rec.destination, null);
      assert.equal(rec.to_bow, null);
      assert.equal(rec.to_stern, null);
      assert.equal(rec.to_port, null);
      assert.equal(rec.to_starboard, null);
    }
    assert.equal(rec.transceiver, 'A');
    const anyStatic = [
      rec.shipname,
      rec.callsign,
      rec.imo,
      rec.shiptype,
      rec.draught,
      rec.destination,
      rec.length,
      rec.width,
      rec.to_bow,
      rec.to_stern,
      rec.to_port,
      rec.to_starboard,
    ].some((v) => v !== null);
    if (anyStatic) {
      assert.ok(r.static !== null);
      assert.equal(r.static.time, want.timeMs);
      assert.equal(r.static.mmsi, want.mmsi);
      assert.equal(r.static.type, 0);
      assert.equal(r.static.shipname, rec.shipname);
      assert.equal(r.static.imo, rec.imo);
      assert.equal(r.static.shiptype, rec.shiptype);
      assert.equal(r.static.to_bow, rec.to_bow);
      assert.equal(r.static.draught, rec.draught);
      assert.equal(r.static.destination, rec.destination);
    } else {
      assert.equal(r.static, null);
    }
  }
}

const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { nil: null });
const aisText = fc.stringMatching(/^[A-Z0-9][A-Z0-9 ,."'()/-]{0,16}[A-Z0-9.)"]$/);
const fixtureRowArb: fc.Arbitrary<CsvFixtureRow> = fc.record({
  timeMs: fc.integer({ min: Date.UTC(1900, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 }).map((s) => s * 1000),
  mmsi: fc.integer({ min: 1, max: 999_999_999 }),
  lat: nullable(fc.integer({ min: -9_000_000, max: 9_000_000 }).map((x) => x / 1e5)),
  lon: nullable(fc.integer({ min: -18_000_000, max: 18_000_000 }).map((x) => x / 1e5)),
  speed: nullable(fc.integer({ min: 0, max: 1022 }).map((x) => x / 10)),
  course: nullable(fc.integer({ min: 0, max: 3599 }).map((x) => x / 10)),
  heading: nullable(fc.integer({ min: 0, max: 359 })),
  status: nullable(fc.integer({ min: 0, max: 15 })),
  shipname: nullable(aisText),
  callsign: nullable(fc.stringMatching(/^[A-Z0-9]{1,7}$/)),
  imo: nullable(fc.integer({ min: 1, max: 0x3fffffff })),
  shiptype: nullable(fc.integer({ min: 1, max: 255 })),
  draught: nullable(fc.integer({ min: 1, max: 255 }).map((x) => x / 10)),
  destination: nullable(aisText),
  length: nullable(fc.integer({ min: 1, max: 1022 })),
  width: nullable(fc.integer({ min: 1, max: 126 })),
  to_bow: nullable(fc.integer({ min: 0, max: 511 })),
  to_stern: nullable(fc.integer({ min: 0, max: 511 })),
  to_port: nullable(fc.integer({ min: 0, max: 63 })),
  to_starboard: nullable(fc.integer({ min: 0, max: 63 })),
});

describe('AIS CSV: header detection', () => {
  it('detects MarineCadastre headers of 2015-2017, 2018-2024 and 2025', () => {
    assert.equal(detectCsvDialect(MARINECADASTRE_HEADER), 'marinecadastre');
    assert.equal(detectCsvDialect(MC_2015), 'marinecadastre');
    assert.equal(detectCsvDialect(MC_2025), 'marinecadastre');
    assert.equal(detectCsvDialect(`\ufeff${MARINECADASTRE_HEADER}\r`), 'marinecadastre');
  });

  it('detects Danish Maritime Authority headers with and without A,B,C,D', () => {
    assert.equal(detectCsvDialect(DMA_HEADER), 'dma');
    assert.equal(detectCsvDialect(DMA_OLD), 'dma');
    assert.equal(detectCsvDialect(`${DMA_HEADER}\r`), 'dma');
    assert.equal(detectCsvDialect('# Timestamp,MMSI,Latitude,Longitude'), 'dma');
  });

  it('returns null for anything else', () => {
    for (const h of [
      '',
      'MMSI,LAT,LON',
      'timestamp,mmsi,lat,lon',
      'Timestamp,MMSI,Latitude,Longitude',
      '!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*23',
      'BaseDateTime,LAT,LON',
      '"MMSI,BaseDateTime',
    ]) {
      assert.equal(detectCsvDialect(h), null, h);
    }
  });

  it('rejects a wrong header with csv_bad_header naming file, line, expected and got', () => {
    const header = 'id,when,x,y';
    assert.throws(
      () => new AisCsvReader('ships.csv', header, 3),
      (e: unknown) => {
        assert.ok(e instanceof AisInputError);
        assert.equal(e.reject.reason, 'csv_bad_header');
        assert.equal(e.reject.file, 'ships.csv');
        assert.equal(e.reject.line, 3);
        assert.match(e.message, /^ships\.csv:3: csv_bad_header: /);
        assert.match(e.message, /MarineCadastre/);
        assert.match(e.message, /Danish Maritime Authority/);
        assert.match(e.message, /got "id,when,x,y"/);
        return true;
      },
    );
  });

  it('rejects a known layout that lacks a required column, or has one twice', () => {
    assert.throws(
      () => new AisCsvReader('a.csv', 'MMSI,BaseDateTime,LAT,SOG', 1),
      (e: unknown) =>
        e instanceof AisInputError &&
        e.reject.reason === 'csv_bad_header' &&
        /MarineCadastre header has no longitude column/.test(e.message),
    );
    assert.throws(
      () => new AisCsvReader('b.csv', 'MMSI,BaseDateTime,LAT,LON,Latitude', 1),
      (e: unknown) => e instanceof AisInputError && /"LAT" and "Latitude"/.test(e.message),
    );
  });

  it('never throws anything but AisInputError on an arbitrary header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (h) => {
        detectCsvDialect(h);
        try {
          new AisCsvReader('x.csv', h, 1);
        } catch (e) {
          assert.ok(e instanceof AisInputError);
          assert.equal(e.reject.reason, 'csv_bad_header');
        }
      }),
    );
  });
});

describe('AIS CSV: MarineCadastre rows', () => {
  const reader = new AisCsvReader('mc.csv', MARINECADASTRE_HEADER, 1);

  it('reads a published row, with COG 360 and heading 511 as not available', () => {
    const r = row(
      reader.parse(
        '367733230,2023-03-16T00:00:01,38.42409,-82.59932,0.3,360.0,511.0,EDITH,IMO100637903,WDI7890,52,9,16,7,2.3,52,A',
        2,
      ),
    );
    assert.deepEqual(r.record, {
      type: 0,
      repeat: 0,
      mmsi: 367733230,
      time: '2023-03-16T00:00:01.000Z',
      lat: 38.42409,
      lon: -82.59932,
      speed: 0.3,
      course: null,
      heading: null,
      turn: null,
      status: 9,
      shipname: 'EDITH',
      callsign: 'WDI7890',
      imo: 100637903,
      shiptype: 52,
      to_bow: null,
      to_stern: null,
      to_port: null,
      to_starboard: null,
      length: 16,
      width: 7,
      draught: 2.3,
      destination: null,
      transceiver: 'A',
    });
    assert.equal(r.timeMs, Date.UTC(2023, 2, 16, 0, 0, 1));
    assert.equal(r.hasPosition, true);
    assert.deepEqual(r.static, {
      time: r.timeMs,
      mmsi: 367733230,
      type: 0,
      shipname: 'EDITH',
      callsign: 'WDI7890',
      imo: 100637903,
      shiptype: 52,
      to_bow: null,
      to_stern: null,
      to_port: null,
      to_starboard: null,
      draught: 2.3,
      destination: null,
      length: 16,
      width: 7,
    });
  });

  it('reads zeros for size and draught and an empty IMO as not available', () => {
    const r = row(
      reader.parse(
        '338075892,2024-01-01T00:00:03,43.65,-70.25,0.0,358.8,511.0,PILOT BOAT SPRING PT,,WDB8945,90,0,0,0,0.0,90,A',
        5,
      ),
    );
    assert.equal(r.record.imo, null);
    assert.equal(r.record.length, null);
    assert.equal(r.record.width, null);
    assert.equal(r.record.draught, null);
    assert.equal(r.record.status, 0);
    assert.equal(r.record.speed, 0);
    assert.equal(r.record.course, 358.8);
  });

  it('reads all the not-available sentinels as null', () => {
    const r = row(reader.parse('366000001,2023-01-01T00:00:06,91,181,102.3,360,511,,IMO0000000,,0,,,,,,', 2));
    for (const k of [
      'lat',
      'lon',
      'speed',
      'course',
      'heading',
      'status',
      'shipname',
      'imo',
      'callsign',
      'shiptype',
      'length',
      'width',
      'draught',
    ]) {
      assert.equal(r.record[k], null, k);
    }
    assert.equal(r.hasPosition, false);
    assert.equal(r.static, null);
  });

  it('reads the 2015-2017 layout and the 2025 snake_case layout', () => {
    const old = new AisCsvReader('2015.csv', MC_2015, 1);
    assert.equal(old.dialect, 'marinecadastre');
    const a = row(
      old.parse('367390380,2015-01-01T00:00:00,29.70,-95.01,0.0,49.6,511.0,TUG ONE,,WDE1234,31,moored,20,8,3.0,31', 2),
    );
    assert.equal(a.record.status, 5);
    assert.equal(a.record.course, 49.6);
    assert.equal(a.record.transceiver, null);
    const snake = new AisCsvReader('2025.csv', MC_2025, 1);
    const b = row(
      snake.parse(
        '368382440,2025-12-31 00:00:00,-76.43,36.96,4.7,321.6,327,PATRICIA B. MORAN,IMO1079618,WDP7519,52,0,26,11,5.0,52,A',
        2,
      ),
    );
    assert.equal(b.record.lat, 36.96);
    assert.equal(b.record.lon, -76.43);
    assert.equal(b.record.imo, 1079618);
    assert.equal(b.record.time, '2025-12-31T00:00:00.000Z');
  });

  it('reads a quoted name holding commas and quotes', () => {
    const r = row(reader.parse('366000001,2023-01-01T00:00:06,1,2,3,4,5,"DOE, JOHN ""JR""",,,,,,,,,', 2));
    assert.equal(r.record.shipname, 'DOE, JOHN "JR"');
    assert.equal(r.record.heading, 5);
  });

  it('reads reordered and extra columns by name', () => {
    const rr = new AisCsvReader('re.csv', 'Extra,LON,Heading,LAT,MMSI,Note,BaseDateTime,SOG', 1);
    const r = row(rr.parse('x,-70.5,12,40.25,366000002,"a, b",2023-01-01T00:00:06,8.5', 2));
    assert.equal(r.record.mmsi, 366000002);
    assert.equal(r.record.lat, 40.25);
    assert.equal(r.record.lon, -70.5);
    assert.equal(r.record.heading, 12);
    assert.equal(r.record.speed, 8.5);
    assert.equal(r.record.course, null);
    assert.equal(r.record.status, null);
    assert.equal(r.static, null);
  });

  it('reads a timestamp before 1970 as a negative time', () => {
    const r = row(reader.parse('273000001,1962-10-28T12:00:00,22.9,-82.5,10.0,45.0,45,ALEKSANDROVSK,,,70,0,,,,,A', 2));
    assert.equal(r.timeMs, OCT_28_1962_NOON);
    assert.ok(r.timeMs < 0);
    assert.equal(r.record.time, '1962-10-28T12:00:00.000Z');
  });

  it('accepts a trailing Z, fractional seconds and a CRLF line end', () => {
    const r = row(reader.parse('366000001,2023-01-01T00:00:06.25Z,1,2,3,4,5,,,,,,,,,,A\r', 2));
    assert.equal(r.timeMs, Date.UTC(2023, 0, 1, 0, 0, 6, 250));
    assert.equal(r.record.transceiver, 'A');
  });

  it('checks each part of the time', () => {
    const at = (t: string): CsvRow | Reject => reader.parse(`366000001,${t},1,2,3,4,5,,,,,,,,,,A`, 2);
    assert.equal(row(at('2000-02-29T23:59:59')).timeMs, Date.UTC(2000, 1, 29, 23, 59, 59));
    assert.equal(row(at('2025-12-31T00:00:00.318996')).timeMs, Date.UTC(2025, 11, 31, 0, 0, 0, 318));
    assert.equal(row(at('2025-12-31T00:00:00.5')).record.time, '2025-12-31T00:00:00.500Z');
    for (const t of [
      '1999-02-29T00:00:00',
      '2023-01-01T00:00:60',
      '2023-01-01T00:60:00',
      '2023-13-01T00:00:00',
      '2023-00-10T00:00:00',
      '2023-01-00T00:00:00',
      '2023-01-01T00:00:00.',
      '2023-01-01T00:00:00.5ZZ',
      '2023-01-01T00:00:00+01:00',
      '2023-1-01T00:00:00',
      '0099-01-01T00:00:00',
      ' ',
      '2023-01-01',
    ]) {
      assert.equal(rejected(at(t)).reason, 'csv_bad_value', t);
    }
  });

  it('rejects out-of-range and unreadable values as csv_bad_value naming the field and value', () => {
    const base = [
      '366000001',
      '2023-01-01T00:00:06',
      '40.1',
      '-70.2',
      '8.5',
      '90.5',
      '91',
      'NAME',
      'IMO9217242',
      'CALL',
      '70',
      '0',
      '100',
      '20',
      '5.5',
      '',
      'A',
    ];
    const cases: [number, string, RegExp][] = [
      [0, 'abc', /^MMSI: "abc"/],
      [0, '0', /^MMSI: "0"/],
      [0, '1234567890', /^MMSI: /],
      [0, '', /^MMSI: "" is empty/],
      [1, '2023-02-29T00:00:00', /^BaseDateTime: "2023-02-29T00:00:00"/],
      [1, '2023-01-01 25:00:00', /^BaseDateTime: /],
      [1, '01/01/2023 00:00:00', /^BaseDateTime: /],
      [2, '95.5', /^LAT: "95.5" is out of range -90..90/],
      [2, '-90.001', /^LAT: /],
      [2, 'NaN', /^LAT: "NaN" is not a number/],
      [3, '-181', /^LON: "-181" is out of range/],
      [3, '0x10', /^LON: /],
      [4, '150', /^SOG: "150" is out of range 0..102.2/],
      [4, '-1', /^SOG: /],
      [5, '360.1', /^COG: /],
      [5, '-49.6', /^COG: /],
      [6, '360', /^Heading: "360"/],
      [8, 'IMOX', /^IMO: "IMOX"/],
      [10, '1004', /^VesselType: "1004"/],
      [11, '16', /^Status: "16"/],
      [11, 'drifting', /^Status: "drifting" is not a known navigational status/],
      [12, '-3', /^Length: /],
      [14, '30', /^Draft: "30"/],
    ];
    for (const [col, value, re] of cases) {
      const fields = [...base];
      fields[col] = value;
      const rej = rejected(reader.parse(fields.join(','), 42));
      assert.equal(rej.reason, 'csv_bad_value', value);
      assert.equal(rej.file, 'mc.csv');
      assert.equal(rej.line, 42);
      assert.match(rej.detail, re);
    }
    row(reader.parse(base.join(','), 2));
  });

  it('rejects a row with a different number of fields as csv_field_count', () => {
    const short = rejected(reader.parse('366000001,2023-01-01T00:00:06,1,2', 7));
    assert.equal(short.reason, 'csv_field_count');
    assert.equal(short.line, 7);
    assert.match(short.detail, /^4 fields, but the header \(line 1\) has 17$/);
    const long = rejected(reader.parse(`366000001,2023-01-01T00:00:06,1,2,3,4,5,,,,,,,,,,A${',x'.repeat(1000)}`, 8));
    assert.equal(long.reason, 'csv_field_count');
    assert.match(long.detail, /^1017 fields/);
    assert.equal(rejected(reader.parse('', 9)).reason, 'csv_field_count');
  });

  it('rejects a malformed quoted field as csv_bad_value naming the column', () => {
    const open = rejected(reader.parse('366000001,2023-01-01T00:00:06,1,2,3,4,5,"UNTERMINATED,,,,,,,,,', 2));
    assert.equal(open.reason, 'csv_bad_value');
    assert.match(open.detail, /^VesselName: quoted field/);
    const trailing = rejected(reader.parse('366000001,2023-01-01T00:00:06,1,2,3,4,5,"A"B,,,,,,,,,', 2));
    assert.match(trailing.detail, /^VesselName: quoted field/);
  });
});

describe('AIS CSV: Danish Maritime Authority rows', () => {
  const reader = new AisCsvReader('aisdk-2025-09-01.csv', DMA_HEADER, 1);

  it('reads a base station row with Unknown and Undefined as not available', () => {
    const r = row(
      reader.parse(
        '01/09/2025 00:00:00,Base Station,2190064,56.716570,11.519047,Unknown value,,,,,Unknown,Unknown,,Undefined,,,,GPS,,Unknown,,AIS,,,,',
        2,
      ),
    );
    assert.equal(r.record.mmsi, 2190064);
    assert.equal(r.record.time, '2025-09-01T00:00:00.000Z');
    assert.equal(r.record.lat, 56.71657);
    assert.equal(r.record.status, 15);
    assert.equal(r.record.speed, null);
    assert.equal(r.record.imo, null);
    assert.equal(r.record.callsign, null);
    assert.equal(r.record.shiptype, null);
    assert.equal(r.record.destination, null);
    assert.equal(r.record.transceiver, 'Base Station');
    assert.equal(r.static, null);
  });

  it('reads a full class A row with text status, ship type and A,B,C,D', () => {
    const r = row(
      reader.parse(
        '14/03/2026 00:00:00,Class A,123456789,55.538870,5.033200,Under way using engine,0,8.5,270.0,269,9876543,ABCDE,MY VESSEL,Cargo,,20,150,GPS,5.0,ROTTERDAM,15/03/2026 06:00:00,AIS,120,30,10,10',
        2,
      ),
    );
    assert.deepEqual(r.record, {
      type: 0,
      repeat: 0,
      mmsi: 123456789,
      time: '2026-03-14T00:00:00.000Z',
      lat: 55.53887,
      lon: 5.0332,
      speed: 8.5,
      course: 270,
      heading: 269,
      turn: 0,
      status: 0,
      shipname: 'MY VESSEL',
      callsign: 'ABCDE',
      imo: 9876543,
      shiptype: 70,
      to_bow: 120,
      to_stern: 30,
      to_port: 10,
      to_starboard: 10,
      length: 150,
      width: 20,
      draught: 5,
      destination: 'ROTTERDAM',
      transceiver: 'A',
    });
    assert.equal(r.static?.to_bow, 120);
  });

  it('maps the status and ship type texts', () => {
    const statuses: [string, number][] = [
      ['At anchor', 1],
      ['Not under command', 2],
      ['Restricted maneuverability', 3],
      ['Constrained by her draught', 4],
      ['Moored', 5],
      ['Aground', 6],
      ['Engaged in fishing', 7],
      ['Under way sailing', 8],
      ['Reserved for future amendment [HSC]', 9],
      ['Reserved for future amendment [WIG]', 10],
      ['Reserved for future use [11]', 11],
      ['Reserved for future use [12]', 12],
      ['Reserved for future use [13]', 13],
      ['AIS-SART', 14],
    ];
    for (const [text, code] of statuses) {
      const r = row(
        reader.parse(
          `01/06/2018 00:00:00,Class A,215810000,55.9,17.3,${text},,,,,Unknown,,,Undefined,,,,,,,,AIS,,,,`,
          2,
        ),
      );
      assert.equal(r.record.status, code, text);
    }
    const types: [string, number | null][] = [
      ['Tanker', 80],
      ['Passenger', 60],
      ['Fishing', 30],
      ['Tug', 52],
      ['Towing long/wide', 32],
      ['HSC', 40],
      ['WIG', 20],
      ['Law enforcement', 55],
      ['Other', 90],
      ['Reserved', null],
      ['Undefined', null],
      ['Spare 2', 57],
      ['Anti-pollution', 54],
    ];
    for (const [text, code] of types) {
      const r = row(
        reader.parse(
          `01/06/2018 00:00:00,Class B,215810000,55.9,17.3,Unknown value,,,,,Unknown,,,${text},,,,,,,,AIS,,,,`,
          2,
        ),
      );
      assert.equal(r.record.shiptype, code, text);
    }
    const bad = rejected(
      reader.parse(
        '01/06/2018 00:00:00,Class B,215810000,55.9,17.3,Unknown value,,,,,Unknown,,,Submarine,,,,,,,,AIS,,,,',
        6,
      ),
    );
    assert.match(bad.detail, /^Ship type: "Submarine" is not a known ship type/);
  });

  it('reads the 22-column layout of older files', () => {
    const old = new AisCsvReader('aisdk_20180601.csv', DMA_OLD, 1);
    const r = row(
      old.parse(
        '01/06/2018 00:00:00,Class A,215810000,55.921028,17.320418,Constrained by her draught,0.0,12.5,255.5,256,Unknown,,,Undefined,,,,Undefined,,,,AIS',
        2,
      ),
    );
    assert.equal(r.record.status, 4);
    assert.equal(r.record.speed, 12.5);
    assert.equal(r.record.to_bow, null);
  });

  it('reads lat 91 and lon 181 as not available', () => {
    const r = row(
      reader.parse(
        '01/09/2025 00:00:00,Class A,219024000,91.000000,181.000000,Engaged in fishing,0.0,0.0,4.8,309,Unknown,Unknown,,Undefined,,,,Undefined,,Unknown,,AIS,,,,',
        2,
      ),
    );
    assert.equal(r.record.lat, null);
    assert.equal(r.record.lon, null);
    assert.equal(r.hasPosition, false);
  });

  it('reads a timestamp before 1970 as a negative time', () => {
    const r = row(
      reader.parse(
        '28/10/1962 12:00:00,Class A,273000001,22.9,-82.5,Under way using engine,,10.0,45.0,45,Unknown,Unknown,,Cargo,,,,,,,,AIS,,,,',
        2,
      ),
    );
    assert.equal(r.timeMs, OCT_28_1962_NOON);
    assert.equal(r.record.time, '1962-10-28T12:00:00.000Z');
  });

  it('rejects bad values naming the DMA column', () => {
    const cases: [string, RegExp][] = [
      [
        '2025-09-01T00:00:00,Class A,219024000,57.7,10.5,,,,,,,,,,,,,,,,,,,,,',
        /^# Timestamp: "2025-09-01T00:00:00" is not a time dd\/mm\/yyyy/,
      ],
      ['31/09/2025 00:00:00,Class A,219024000,57.7,10.5,,,,,,,,,,,,,,,,,,,,,', /^# Timestamp: /],
      ['01/09/2025 00:00:00,Class A,219024000,57.7,10.5,,,,,,,,,,,,,,,,,,520,,,', /^A: "520" is out of range 0..511/],
      ['01/09/2025 00:00:00,Class A,219024000,57.7,10.5,,,,,,,,,,,,,,,,,,,,64,', /^C: "64"/],
      [
        '01/09/2025 00:00:00,Class A,219024000,57.7,10.5,,,,,,Unknown,,,,,,,,,,,,1.5,,,',
        /^A: "1.5" is not a whole number/,
      ],
      ['01/09/2025 00:00:00,Class A,219024000,57.7,10.5,,-800,,,,,,,,,,,,,,,,,,,', /^ROT: "-800"/],
      [
        '01/09/2025 00:00:00,Class A,219024000,57.7,10.5,Drifting,,,,,,,,,,,,,,,,,,,,',
        /^Navigational status: "Drifting"/,
      ],
      ['01/09/2025 00:00:00,Class A,219024000,57.7,10.5,,,,,,12ab,,,,,,,,,,,,,,,', /^IMO: "12ab"/],
      ['01/09/2025 00:00:00,Class A,219024000,57.7,190.0,,,,,,,,,,,,,,,,,,,,,', /^Longitude: "190.0"/],
    ];
    for (const [line, re] of cases) {
      const rej = rejected(reader.parse(line, 12));
      assert.equal(rej.reason, 'csv_bad_value', line);
      assert.equal(rej.file, 'aisdk-2025-09-01.csv');
      assert.equal(rej.line, 12);
      assert.match(rej.detail, re);
    }
  });
});

describe('AIS CSV: writer -> reader round trip', () => {
  it('MarineCadastre: generated rows read back exactly', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 80 }), (seed, n) => {
        const fixture = csvFixtureRows(seed, n);
        const { reader, rows } = readAll('mc.csv', writeMarineCadastreCsv(fixture));
        assert.equal(reader.dialect, 'marinecadastre');
        checkRoundTrip(fixture, rows, 'marinecadastre');
      }),
      { numRuns: 60 },
    );
  });

  it('DMA: generated rows read back exactly (ship type as its DMA category)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 80 }), (seed, n) => {
        const fixture = csvFixtureRows(seed, n);
        const { reader, rows } = readAll('dma.csv', writeDmaCsv(fixture));
        assert.equal(reader.dialect, 'dma');
        checkRoundTrip(fixture, rows, 'dma');
      }),
      { numRuns: 60 },
    );
  });

  it('both dialects: arbitrary rows (quotes, commas, edge values) read back exactly', () => {
    fc.assert(
      fc.property(fc.array(fixtureRowArb, { maxLength: 8 }), (fixture) => {
        checkRoundTrip(fixture, readAll('mc.csv', writeMarineCadastreCsv(fixture)).rows, 'marinecadastre');
        checkRoundTrip(fixture, readAll('dma.csv', writeDmaCsv(fixture)).rows, 'dma');
      }),
      { numRuns: 300 },
    );
  });

  it('the generator is deterministic and covers times before 1970', () => {
    assert.equal(writeDmaCsv(csvFixtureRows(7, 50)), writeDmaCsv(csvFixtureRows(7, 50)));
    assert.notEqual(writeDmaCsv(csvFixtureRows(7, 50)), writeDmaCsv(csvFixtureRows(8, 50)));
    let before1970 = 0;
    for (let seed = 0; seed < 40; seed++) if (csvFixtureRows(seed, 1)[0].timeMs < 0) before1970++;
    assert.ok(before1970 > 0);
    assert.deepEqual(csvFixtureRows(1, 0), []);
    assert.equal(writeMarineCadastreCsv([]), `${MARINECADASTRE_HEADER}\n`);
  });

  it('the writers refuse a time that the layouts cannot hold', () => {
    const r: CsvFixtureRow = {
      timeMs: 1500,
      mmsi: 1,
      lat: 0,
      lon: 0,
      speed: null,
      course: null,
      heading: null,
      status: null,
    };
    assert.throws(() => writeMarineCadastreCsv([r]), RangeError);
    assert.throws(() => writeDmaCsv([{ ...r, shipname: 'A\nB', timeMs: 0 }]), RangeError);
  });
});

describe('AIS CSV: arbitrary input', () => {
  const mc = new AisCsvReader('mc.csv', MARINECADASTRE_HEADER, 1);
  const dma = new AisCsvReader('dma.csv', DMA_HEADER, 1);
  const csvish = fc
    .array(fc.constantFrom(',', '"', '1', '9', '.', '-', 'A', ' ', '\r', '/', ':', 'T', '511', '91'), {
      maxLength: 120,
    })
    .map((a) => a.join(''));

  it('never throws; every row is in range or a reject from the closed list', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), csvish), (line) => {
        for (const reader of [mc, dma]) {
          const r = reader.parse(line, 2);
          if (isCsvReject(r)) {
            assert.ok(r.reason === 'csv_field_count' || r.reason === 'csv_bad_value');
            assert.ok(r.reason in REJECT_REASONS);
            assert.ok(r.detail.length > 0);
          } else {
            const { lat, lon, speed, course, heading } = r.record;
            assert.ok(lat === null || (typeof lat === 'number' && lat >= -90 && lat <= 90));
            assert.ok(lon === null || (typeof lon === 'number' && lon >= -180 && lon <= 180));
            assert.ok(speed === null || (typeof speed === 'number' && speed >= 0 && speed <= 102.2));
            assert.ok(course === null || (typeof course === 'number' && course >= 0 && course < 360));
            assert.ok(heading === null || (typeof heading === 'number' && heading >= 0 && heading < 360));
            assert.ok(Number.isFinite(r.timeMs));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('names that are Object.prototype keys are not columns, statuses or ship types', () => {
    const r = new AisCsvReader('p.csv', 'constructor,__proto__,toString,MMSI,BaseDateTime,LAT,LON,Status', 1);
    const ok = row(r.parse('a,b,c,366000001,2023-01-01T00:00:06,1,2,5', 2));
    assert.equal(ok.record.status, 5);
    for (const v of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.match(rejected(r.parse(`a,b,c,366000001,2023-01-01T00:00:06,1,2,${v}`, 3)).detail, /^Status: /);
      const line = `01/06/2018 00:00:00,Class B,215810000,55.9,17.3,Unknown value,,,,,Unknown,,,${v},,,,,,,,AIS,,,,`;
      assert.match(rejected(dma.parse(line, 4)).detail, /^Ship type: /);
    }
  });

  it('a bad row does not affect the next', () => {
    rejected(mc.parse('366000001,2023-01-01T00:00:06,95,2,3,4,5,,,,,,,,,,A', 2));
    const r = row(mc.parse('366000001,2023-01-01T00:00:07,45,2,3,4,5,,,,,,,,,,A', 3));
    assert.equal(r.record.lat, 45);
  });
});
