/**
 * The byte-level CSV fast path (src/ais/csv-batch.ts) against the string path
 * (AisReader -> AisCsvReader -> BatchRowSink): same columns, statics, totals
 * and rejects for generated files of both layouts, mutated, split anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

import {
  AisCsvReader,
  AisInputError,
  AisReader,
  BatchRowSink,
  decodeBatchBuffer,
  decodeBatchFiles,
  decodeFiles,
  encodeSentences,
  type DecodeOptions,
  type DecodeStats,
  type PositionColumns,
  type Reject,
  type StaticReport,
} from '../src/ais/index.js';
import {
  CsvBatchRouter,
  daysFromCivil,
  fastColumns,
  parseDecimal,
  parseDmaTimeBytes,
  parseMcTimeBytes,
} from '../src/ais/csv-batch.js';
import { csvFixtureRows, writeDmaCsv, writeMarineCadastreCsv } from '../src/scenario/csv.js';
import { generateFeed, writeFeedCsv } from '../src/scenario/feed.js';
import { Random } from '../src/scenario/random.js';

interface Outcome {
  positions: PositionColumns;
  statics: StaticReport[];
  stats: DecodeStats;
  rejects: Reject[];
}

/** The string path: the reader and sink as they were before the fast path. */
function slowPath(chunks: Uint8Array[], opts: DecodeOptions = {}): Outcome {
  const rejects: Reject[] = [];
  const sink = new BatchRowSink();
  const reader = new AisReader(sink, { ...opts, onReject: (r) => rejects.push(r) });
  for (const c of chunks) reader.write(c);
  reader.end();
  return { positions: sink.positions.finish(), statics: sink.statics, stats: reader.stats, rejects };
}

function fastPath(chunks: Uint8Array[], opts: DecodeOptions = {}): Outcome {
  const rejects: Reject[] = [];
  const sink = new BatchRowSink();
  const router = new CsvBatchRouter(new AisReader(sink, { ...opts, onReject: (r) => rejects.push(r) }), sink);
  for (const c of chunks) router.write(c);
  router.end();
  return { positions: sink.positions.finish(), statics: sink.statics, stats: router.stats, rejects };
}

function same(got: Outcome, want: Outcome, what: string): void {
  // Typed arrays compare byte for byte (NaN payloads, -0 included).
  assert.deepStrictEqual(got.positions, want.positions, `${what}: positions`);
  assert.deepStrictEqual(got.statics, want.statics, `${what}: statics`);
  assert.deepStrictEqual(got.stats, want.stats, `${what}: stats`);
  assert.deepStrictEqual(got.rejects, want.rejects, `${what}: rejects`);
}

function check(text: string | Uint8Array, what: string, opts: DecodeOptions = {}): Outcome {
  const buf = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const want = slowPath([buf], opts);
  same(fastPath([buf], opts), want, what);
  const batch = decodeBatchBuffer(buf, opts);
  same({ ...batch, rejects: want.rejects }, want, `${what} (decodeBatchBuffer)`);
  return want;
}

/** Splits at `cuts` (sorted byte offsets). */
function split(buf: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  for (const c of cuts) {
    out.push(buf.subarray(p, c));
    p = c;
  }
  out.push(buf.subarray(p));
  return out;
}

const nmea = (rec: Record<string, unknown>, o: Record<string, unknown> = {}): string[] =>
  encodeSentences(rec as Parameters<typeof encodeSentences>[0], o);

/** A CSV text with every kind of line the readers treat specially. */
function mutate(csv: string, seed: number, dma: boolean): string {
  const rng = new Random(seed);
  const lines = csv.split('\n');
  const header = lines[0];
  const rows = lines.slice(1).filter((l) => l !== '');
  const width = header.split(',').length;
  const out: string[] = [header];
  const setField = (row: string, i: number, v: string): string => {
    const f = row.split(',');
    if (f.length !== width) return row;
    f[i] = v;
    return f.join(',');
  };
  const col = (name: RegExp): number => header.split(',').findIndex((h) => name.test(h));
  const cLat = col(/^(LAT|Latitude)$/),
    cLon = col(/^(LON|Longitude)$/),
    cSog = col(/^SOG$/);
  const cHdg = col(/^Heading$/),
    cTime = col(/(BaseDateTime|Timestamp)$/),
    cMmsi = col(/^MMSI$/);
  const cName = col(/^(VesselName|Name)$/),
    cImo = col(/^IMO$/),
    cStatus = col(/^(Status|Navigational status)$/);
  const cType = col(/^(VesselType|Ship type)$/),
    cRot = col(/^ROT$/);
  const muts: ((r: string) => string)[] = [
    (r) => setField(r, cLat, '95.5'),
    (r) => setField(r, cLat, 'abc'),
    (r) => setField(r, cLat, '91'),
    (r) => setField(r, cLat, '-0'),
    (r) => setField(r, cLat, '-0.000'),
    (r) => setField(r, cLat, '+12.5'),
    (r) => setField(r, cLat, '.5'),
    (r) => setField(r, cLat, '5.'),
    (r) => setField(r, cLat, '3.5e1'),
    (r) => setField(r, cLat, '12.12345678901234567'),
    (r) => setField(r, cLat, '1234567890123456'),
    (r) => setField(r, cLat, '0.0000000000000000000001234'),
    (r) => setField(r, cLat, ' 12.5 '),
    (r) => setField(r, cLat, ''),
    (r) => setField(r, cLat, '.'),
    (r) => setField(r, cLat, '-'),
    (r) => setField(r, cLat, '1.2.3'),
    (r) => setField(r, cLon, '-180'),
    (r) => setField(r, cLon, '180'),
    (r) => setField(r, cLon, '180.0001'),
    (r) => setField(r, cLon, '181'),
    (r) => setField(r, cSog, '102.3'),
    (r) => setField(r, cSog, '102.25'),
    (r) => setField(r, cSog, '-0.1'),
    (r) => setField(r, cHdg, '360'),
    (r) => setField(r, cHdg, '359.9'),
    (r) => setField(r, cHdg, '511'),
    (r) => setField(r, cMmsi, '0'),
    (r) => setField(r, cMmsi, '000000001'),
    (r) => setField(r, cMmsi, '1234567890'),
    (r) => setField(r, cMmsi, '12a'),
    (r) => setField(r, cMmsi, ''),
    (r) => setField(r, cStatus, '16'),
    (r) => setField(r, cStatus, '5.0'),
    (r) => setField(r, cStatus, '05'),
    (r) => setField(r, cStatus, '-1'),
    (r) => setField(r, cStatus, 'Moored'),
    (r) => setField(r, cStatus, 'Sailing about'),
    (r) => setField(r, cImo, 'IMOxyz'),
    (r) => setField(r, cImo, dma ? '9217242' : 'IMO 9217242'),
    (r) => setField(r, cType, '999'),
    (r) => setField(r, cType, dma ? 'Tanker' : '84.0'),
    (r) => setField(r, cName, 'CHANGED NAME'),
    (r) => setField(r, cName, 'PADDED@@@'),
    (r) => setField(r, cName, '"QUOTED, NAME"'),
    (r) => setField(r, cName, '"SAY ""HI"""'),
    (r) => setField(r, cName, '"UNTERMINATED'),
    (r) => setField(r, cName, '"X"Y'),
    (r) => setField(r, cName, 'TAB\tNAME'),
    (r) => setField(r, cName, 'CAF\xe9'),
    (r) => setField(r, cName, 'CTRL\x01'),
    (r) => setField(r, cName, 'CR\rINSIDE'),
    (r) => setField(r, cTime, dma ? '31/02/2023 00:00:00' : '2023-02-29T00:00:00'),
    (r) => setField(r, cTime, dma ? '29/02/2024 23:59:59' : '2024-02-29T23:59:59'),
    (r) => setField(r, cTime, dma ? '28/10/1962 12:00:00' : '1962-10-28T12:00:00'),
    (r) => setField(r, cTime, dma ? '1/1/2024 00:00:00' : '2024-01-01 00:00:00'),
    (r) => setField(r, cTime, dma ? '01/13/2024 00:00:00' : '2024-13-01T00:00:00'),
    (r) => setField(r, cTime, dma ? '01/01/0999 00:00:00' : '0999-01-01T00:00:00'),
    (r) => setField(r, cTime, dma ? '01/01/2024 24:00:00' : '2024-01-01T00:60:00'),
    (r) => setField(r, cTime, '2024-01-01T00:00:00Z'),
    (r) => setField(r, cTime, '2024-01-01T00:00:00.5Z'),
    (r) => setField(r, cTime, '2024-01-01T00:00:00.123456'),
    (r) => setField(r, cTime, ''),
    (r) => (cRot >= 0 ? setField(r, cRot, '-721') : r),
    (r) => (cRot >= 0 ? setField(r, cRot, '12.5') : r),
    (r) => `${r},extra`,
    (r) => r.slice(0, r.lastIndexOf(',')),
    (r) => `  ${r}\t `,
    (r) => `${r}\r`,
    (r) => `${r}\r\r`,
    (r) => `${r},${'x'.repeat(1000)}`,
    (r) => `${r}${' '.repeat(Math.max(0, 1001 - r.length))}`,
    (r) => `${r}${' '.repeat(Math.max(0, 1000 - r.length))}\r`,
    (r) => `${r}${' '.repeat(Math.max(0, 1001 - r.length))}\r`,
    () => '',
    () => ' \t ',
    () => '# a comment, with commas',
    () => '#\x01binary comment',
    () => '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
    () => '$PGHP,1,2024,1,2,3,4,5,6,,,,,*00',
    () => '!AIVDM,garbage',
    () => '\\c:1700000000*00\\',
    () => nmea({ type: 1, mmsi: 211000001, lat: 54.1, lon: 10.2, speed: 5 })[0],
    () => nmea({ type: 5, mmsi: 211000001, shipname: 'NMEA NAME', callsign: 'ABC', shiptype: 70 })[0],
    () => nmea({ type: 5, mmsi: 211000002, shipname: 'NMEA TWO', callsign: 'XYZ', shiptype: 70 }).join('\n'),
    () => nmea({ type: 18, mmsi: 338000001, lat: 40.5, lon: -70.25 }, { time: Date.UTC(2024, 0, 1) })[0],
  ];
  for (const r of rows) {
    const u = rng.next();
    if (u < 0.45) out.push(muts[Math.floor(rng.next() * muts.length)](r));
    else out.push(r);
  }
  // Every mutation at least once.
  for (const m of muts) out.push(m(rows[Math.floor(rng.next() * rows.length)] ?? ''));
  // The statics of a vessel repeated, changed and changed back.
  const some = rows.slice(0, 5);
  for (const r of some) out.push(r, setField(r, cName, 'ANOTHER'), r, r);
  return out.join('\n') + '\n';
}

test('parseDecimal is Number() wherever it answers, and answers for up to 15 significant digits', () => {
  const dec = fc
    .tuple(
      fc.constantFrom('', '-', '+'),
      fc.stringMatching(/^[0-9]{0,17}$/),
      fc.option(fc.stringMatching(/^[0-9]{0,24}$/)),
    )
    .map(([s, i, f]) => (f === null ? `${s}${i}` : `${s}${i}.${f}`));
  fc.assert(
    fc.property(dec, (text) => {
      const b = Buffer.from(text, 'latin1');
      const x = parseDecimal(b, 0, b.length);
      const valid = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text);
      if (!valid) return Number.isNaN(x);
      const sig = text.replace(/[^0-9]/g, '').replace(/^0+/, '').length;
      const decimals = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
      if (sig <= 15 && decimals <= 22) assert.ok(!Number.isNaN(x), text);
      return Number.isNaN(x) || Object.is(x, Number(text));
    }),
    { numRuns: 20_000 },
  );
  // Coordinates as the published files write them.
  fc.assert(
    fc.property(fc.double({ min: -180, max: 180, noNaN: true }), fc.integer({ min: 0, max: 9 }), (v, d) => {
      const text = v.toFixed(d);
      const b = Buffer.from(text);
      return Object.is(parseDecimal(b, 0, b.length), Number(text));
    }),
    { numRuns: 20_000 },
  );
  for (const t of ['', '-', '+', '.', '-.', '1e5', '1.2.3', ' 1', '0x10', 'Infinity']) {
    assert.ok(Number.isNaN(parseDecimal(Buffer.from(t), 0, t.length)), t);
  }
});

test('times from bytes are Date.UTC, 1962 and leap days included; impossible dates are NaN', () => {
  const two = (n: number): string => String(n).padStart(2, '0');
  fc.assert(
    fc.property(
      fc.integer({ min: 1000, max: 9999 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 31 }),
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 59 }),
      (y, mo, d, h, mi, s) => {
        const want = Date.UTC(y, mo - 1, d, h, mi, s);
        const real = new Date(want).getUTCDate() === d;
        const mc = Buffer.from(`${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}`);
        const dma = Buffer.from(`${two(d)}/${two(mo)}/${y} ${two(h)}:${two(mi)}:${two(s)}`);
        const a = parseMcTimeBytes(mc, 0, mc.length);
        const b = parseDmaTimeBytes(dma, 0, dma.length);
        if (!real) return Number.isNaN(a) && Number.isNaN(b);
        return a === want && b === want;
      },
    ),
    { numRuns: 20_000 },
  );
  const t = Buffer.from('1962-10-28T12:00:00');
  assert.equal(parseMcTimeBytes(t, 0, t.length), Date.UTC(1962, 9, 28, 12, 0, 0));
  for (let day = -800_000; day < 3_000_000; day += 997) {
    const dt = new Date(day * 86_400_000);
    assert.equal(daysFromCivil(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate()), day);
  }
});

test('the fast path reads the columns AisCsvReader assigns', () => {
  const headers = [
    'MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass',
    'MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo',
    'mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,vessel_type,status,length,width,draft,cargo,transceiver',
    '# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,Destination,ETA,Data source type,A,B,C,D',
    'LON,Timestamp,LAT,MMSI,BaseDateTime,Extra,Heading',
    '# Timestamp,MMSI,Latitude,Longitude,BaseDateTime,ROT',
  ];
  for (const h of headers) {
    const r = new AisCsvReader('f', h, 1);
    const slot = (r as unknown as { slot: Int32Array }).slot;
    // Slots of csv.ts: 0 MMSI, 1 time, 2 lat, 3 lon, 4 SOG, 5 COG, 6 heading, 7 status, 8 ROT.
    const want = [slot[0], slot[1], slot[2], slot[3], slot[4], slot[5], slot[6], slot[8], slot[7]];
    assert.deepEqual([...fastColumns(r)], want, h);
  }
});

test('generated MarineCadastre and DMA files, mutated: fast path = string path', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const rows = csvFixtureRows(seed, 300);
    for (const [name, text] of [
      ['mc', writeMarineCadastreCsv(rows)],
      ['dma', writeDmaCsv(rows)],
    ] as const) {
      const clean = check(text, `${name} seed ${seed} clean`);
      assert.equal(clean.rejects.length, 0);
      assert.ok(clean.positions.length > 0);
      const dirty = check(mutate(text, seed, name === 'dma'), `${name} seed ${seed} mutated`);
      assert.ok(dirty.rejects.length > 0);
      check(mutate(text, seed, name === 'dma').replace(/\n/g, '\r\n'), `${name} seed ${seed} CRLF`);
      check(`\n  \r\n\t\n${text.trimEnd()}`, `${name} seed ${seed} blank lines first, no final newline`);
    }
  }
});

test('statics: one report per run of unchanged static fields per vessel, in both paths', () => {
  const rows = csvFixtureRows(7, 400);
  const text = writeMarineCadastreCsv(rows);
  const out = check(text, 'statics');
  const perVessel = new Map<number, StaticReport[]>();
  for (const s of out.statics) perVessel.set(s.mmsi, [...(perVessel.get(s.mmsi) ?? []), s]);
  for (const list of perVessel.values()) {
    for (let i = 1; i < list.length; i++) {
      const { time: _a, ...x } = list[i - 1];
      const { time: _b, ...y } = list[i];
      assert.notDeepEqual(x, y);
    }
  }
  assert.ok(out.statics.length < rows.length / 10);
  // A vessel that changes its name and back: three reports.
  const base = rows.find((r) => r.shipname)!;
  const again = writeMarineCadastreCsv([
    base,
    base,
    { ...base, shipname: 'OTHER' },
    { ...base, shipname: 'OTHER' },
    base,
  ]);
  assert.deepEqual(
    check(again, 'name changes').statics.map((s) => s.shipname),
    [base.shipname, 'OTHER', base.shipname],
  );
  // An NMEA static report in between makes the next CSV one different.
  const lines = again.trimEnd().split('\n');
  const mixed = [
    lines[0],
    lines[1],
    lines[2],
    nmea({ type: 5, mmsi: base.mmsi, shipname: 'NMEA' }).join('\n'),
    lines[2],
  ].join('\n');
  assert.deepEqual(
    check(mixed, 'nmea static between').statics.map((s) => s.shipname),
    [base.shipname, 'NMEA', base.shipname],
  );
});

test('chunk splits at every byte of a small mutated file', () => {
  for (const dma of [false, true]) {
    const rows = csvFixtureRows(dma ? 5 : 4, 12);
    const text = (dma ? writeDmaCsv : writeMarineCadastreCsv)(rows);
    const lines = mutate(text, 3, dma).split('\n');
    // Keep the file small but with long lines, quotes, NMEA and CRLF in it.
    const small = [
      lines[0],
      ...lines.slice(1, 14),
      `${lines[1]},${'y'.repeat(1100)}`,
      `${lines[2]}\r`,
      lines[3].padEnd(1001),
      nmea({ type: 1, mmsi: 211000001, lat: 54.1, lon: 10.2 })[0],
      lines[4],
    ].join('\n');
    const buf = Buffer.from(small, 'latin1');
    const want = slowPath([buf]);
    same(fastPath([buf]), want, `dma=${dma} one chunk`);
    for (let k = 0; k <= buf.length; k++) {
      const chunks = split(buf, [k]);
      same(fastPath(chunks), slowPath(chunks), `dma=${dma} split at ${k}`);
    }
    const bytes = split(
      buf,
      Array.from({ length: buf.length - 1 }, (_, i) => i + 1),
    );
    same(fastPath(bytes), slowPath(bytes), `dma=${dma} one byte per chunk`);
    const rng = new Random(dma ? 9 : 8);
    for (let t = 0; t < 50; t++) {
      const cuts = Array.from({ length: 1 + Math.floor(rng.next() * 20) }, () =>
        Math.floor(rng.next() * buf.length),
      ).sort((a, b) => a - b);
      const chunks = split(buf, cuts);
      same(fastPath(chunks), slowPath(chunks), `dma=${dma} cuts ${cuts.join(',')}`);
    }
  }
});

test('headers: bad, duplicated, binary, late, NMEA first; strict mode throws the same reject', () => {
  const rows = writeMarineCadastreCsv(csvFixtureRows(2, 5)).split('\n').slice(1).join('\n');
  const cases = [
    `MMSI,Foo,Bar,Baz\n${rows}`,
    `MMSI,BaseDateTime,LAT,LON,LAT\n${rows}`,
    `MMSI,BaseDateTime,LAT\n${rows}`,
    `\xef\xbb\xbfMMSI,BaseDateTime,LAT,LON,SOG\n${rows}`,
    `# comment\nMMSI,BaseDateTime,LAT,LON,SOG\n${rows}`,
    `${nmea({ type: 1, mmsi: 211000001, lat: 1, lon: 2 })[0]}\nMMSI,BaseDateTime,LAT,LON,SOG\n${rows}`,
    `${' '.repeat(1001)}\nMMSI,BaseDateTime,LAT,LON,SOG\n${rows}`,
    'MMSI,BaseDateTime,LAT,LON,SOG',
    'MMSI,BaseDateTime,LAT,LON,SOG\n',
    '',
    '\n\n',
    '"MMSI","BaseDateTime","LAT","LON"\n211000001,2024-01-01T00:00:00,1,2\n',
    '# Timestamp,MMSI,Latitude,Longitude\n01/01/2024 00:00:00,211000001,1,2\n',
  ];
  for (const c of cases) check(c, JSON.stringify(c.slice(0, 40)));
  const bad = `MMSI,BaseDateTime,LAT,LON\n211000001,2024-01-01T00:00:00,1,2\n211000001,2024-01-01T00:00:00,95,2\n`;
  const err = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof AisInputError);
      return e.message;
    }
    return 'no error';
  };
  const buf = Buffer.from(bad);
  assert.equal(
    err(() => fastPath([buf], { strict: true })),
    err(() => slowPath([buf], { strict: true })),
  );
  assert.match(
    err(() => decodeBatchBuffer(buf, { strict: true })),
    /:3: csv_bad_value: LAT/,
  );
});

test('a feed of a few thousand rows, and files mixing CSV and NMEA: decodeBatchFiles = decodeFiles', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-csv-batch-'));
  try {
    const feed = generateFeed({
      seed: 3,
      vessels: 40,
      positions: 4000,
      days: 1,
      plantedEncounters: 2,
      plantedNearMisses: 2,
    });
    const feedPath = join(dir, 'feed.csv');
    writeFeedCsv(feed.columns, feedPath, feed.vessels);
    const nmeaPath = join(dir, 'a.nmea');
    const pending = nmea({ type: 5, mmsi: 211000009, shipname: 'SPLIT' });
    writeFileSync(
      nmeaPath,
      [...nmea({ type: 1, mmsi: 211000001, lat: 54.1, lon: 10.2 }), pending[0]].join('\n') + '\n',
    );
    const dmaPath = join(dir, 'dma.csv');
    writeFileSync(dmaPath, mutate(writeDmaCsv(csvFixtureRows(11, 200)), 11, true), 'latin1');
    const badPath = join(dir, 'bad.csv');
    writeFileSync(badPath, 'MMSI,Foo,Bar,Baz\n1,2,3,4\n');
    const orders = [
      [feedPath],
      [feedPath, nmeaPath],
      [nmeaPath, feedPath, dmaPath],
      [dmaPath, badPath],
      [badPath, nmeaPath, dmaPath, feedPath],
    ];
    for (const paths of orders) {
      const rejects: Reject[] = [];
      const sink = new BatchRowSink();
      const stats = await decodeFiles(paths, sink, { onReject: (r) => rejects.push(r) });
      const want = { positions: sink.positions.finish(), statics: sink.statics, stats, rejects };
      const gotRejects: Reject[] = [];
      const got = await decodeBatchFiles(paths, { onReject: (r) => gotRejects.push(r) });
      same({ ...got, rejects: gotRejects }, want, paths.map((p) => p.slice(dir.length + 1)).join(' '));
      if (paths.length === 1) {
        assert.equal(got.positions.length, 4000);
        assert.equal(got.statics.length, feed.vessels.length);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
