/**
 * Robustness of the AIS reader: bad input is skipped and counted with a reason
 * from REJECT_REASONS (or, in strict mode, stops with an AisInputError naming
 * file and line); never an exception, a hang or an out-of-range value. The
 * checks themselves live in scripts/fuzz-ais.ts (the fuzz script runs them
 * on a million lines); here fast-check drives them on a few hundred inputs,
 * and each reject reason is shown by a crafted example.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';

import {
  AisInputError,
  AisReader,
  decodeText,
  REJECT_REASONS,
  RecordRowSink,
  type Reject,
  type RejectReason,
} from '../src/ais/index.js';
import { encodeSentences } from '../src/ais/encode.js';
import { MARINECADASTRE_HEADER } from '../src/scenario/csv.js';
import {
  applyOps,
  buildCorpus,
  feed,
  fuzzInProcess,
  runCase,
  sentence,
  SPECIAL_BYTES,
  tagBlock,
  type Case,
  type Op,
} from '../scripts/fuzz-ais.js';

function assertClean(c: Case): void {
  const res = runCase(c, 'prop.nmea');
  const bad = res.findings;
  if (bad.length) {
    assert.fail(
      `${bad.map((f) => `${f.sig}: ${f.detail}`).join('\n')}\ninput: ${JSON.stringify(Buffer.from(c.input).toString('latin1').slice(0, 400))}`,
    );
  }
}

const corpus = buildCorpus([1962, 7]);
const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

const byteArb = fc.oneof(fc.constantFrom(...SPECIAL_BYTES), fc.nat(255));
const posArb = fc.nat(200);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), pos: posArb, bit: fc.nat(7) }),
  fc.record({ k: fc.constant('set' as const), pos: posArb, byte: byteArb }),
  fc.record({ k: fc.constant('ins' as const), pos: posArb, bytes: fc.array(byteArb, { minLength: 1, maxLength: 4 }) }),
  fc.record({ k: fc.constant('del' as const), pos: posArb, len: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ k: fc.constant('dup' as const), pos: posArb, len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ k: fc.constant('trunc' as const), pos: posArb }),
  fc.record({ k: fc.constant('splice' as const), pos: posArb, other: fc.constantFrom(...corpus.nmea), opos: posArb }),
  fc.record({ k: fc.constant('utf8' as const), pos: posArb, ch: fc.constantFrom('é', 'Ø', '中', '😀', '\ufeff') }),
  fc.record({
    k: fc.constant('pad' as const),
    n: fc.integer({ min: 1, max: 1200 }),
    byte: fc.constantFrom(32, 9, 13, 65),
    where: posArb,
  }),
  fc.record({
    k: fc.constant('field' as const),
    field: fc.integer({ min: 0, max: 6 }),
    value: fc.oneof(
      fc.constantFrom('0', '1', '2', '9', '10', '', 'a', '-1', '1.5', 'AIVDO'),
      fc.string({ maxLength: 4 }),
    ),
  }),
  fc.record({ k: fc.constant('payload' as const), how: fc.nat(4), pos: fc.nat(80), value: fc.nat(10_000) }),
  fc.record({
    k: fc.constant('tag' as const),
    value: fc.oneof(
      fc.constantFrom('c:1241544035', 'c:-1', 'c:x', 'c:1.5', 'g:1-2-3', 'g:x', 's:r1', ''),
      fc.string({ maxLength: 12 }),
    ),
  }),
  fc.constant({ k: 'fix' as const }),
);
const chunksArb = fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 8 });

describe('AIS robustness: properties', () => {
  it('random bytes never throw, and every reject has a known reason and line', () => {
    const junk = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc
        .array(
          fc.oneof(byteArb, fc.constantFrom(...latin1('!AIVDM,1,2,3,A,*\\c:g:s:$PGHP#MMSI,BaseDateTime,LAT,LON\n'))),
          { maxLength: 300 },
        )
        .map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(junk, chunksArb, (input, chunks) => {
        assertClean({ kind: 'junk', input, exact: null, chunks, strict: true, via: 'batch' });
      }),
      { numRuns: 300 },
    );
  });

  it('mutated scenario lines never throw, are each counted once, and yield in-range values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...corpus.nmea),
        fc.array(opArb, { maxLength: 4 }),
        chunksArb,
        (line, ops, chunks) => {
          const input = Uint8Array.from([...applyOps(line, ops), 10]);
          assertClean({ kind: 'line', input, exact: 'one-line', chunks, strict: true, via: 'text' });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mutated CSV rows are each one message or one reject', () => {
    const csvOp = fc.record({
      k: fc.constant('csv' as const),
      field: fc.nat(30),
      value: fc.oneof(
        fc.constantFrom('', '91', '-181', 'abc', '1e309', '"', '"a,b"', 'Unknown', 'IMO0', '102.3', '360'),
        fc.string({ maxLength: 6 }),
      ),
    });
    const file = fc.nat(corpus.csv.length - 1).map((k) => corpus.csv[k]);
    fc.assert(
      fc.property(
        file,
        fc.nat(1000),
        fc.array(fc.oneof(csvOp, opArb), { maxLength: 3 }),
        chunksArb,
        (f, k, ops, chunks) => {
          const row = applyOps(f.rows[k % f.rows.length], ops);
          const input = Uint8Array.from([...latin1(f.header + '\n'), ...row, 10]);
          assertClean({ kind: 'csv-row', input, exact: 'csv-row', chunks, strict: true });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('chunk-split invariance: one piece or random pieces give the same JSONL, stats and rejects', () => {
    const log = corpus.logs[0];
    fc.assert(
      fc.property(
        fc.nat(log.length - 1),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(39), fc.array(opArb, { minLength: 1, maxLength: 3 })), { maxLength: 6 }),
        fc.boolean(),
        chunksArb,
        (at, len, edits, crlf, chunks) => {
          const lines: (string | Uint8Array)[] = log.slice(at, at + len);
          for (const [i, ops] of edits) if (i < lines.length) lines[i] = applyOps(lines[i], ops);
          const parts = lines.map((l) => Buffer.from(typeof l === 'string' ? latin1(l) : l));
          const input = new Uint8Array(Buffer.concat(parts.flatMap((p) => [p, Buffer.from(crlf ? '\r\n' : '\n')])));
          assertClean({ kind: 'block', input, exact: null, chunks, strict: true, via: 'batch' });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('multi-sentence messages survive reordered, duplicated and mutated fragments', () => {
    fc.assert(
      fc.property(
        fc.nat(corpus.groups.length - 1).map((k) => corpus.groups[k]),
        fc.nat(corpus.groups.length - 1).map((k) => corpus.groups[k]),
        fc.array(fc.nat(5), { minLength: 1, maxLength: 6 }),
        fc.array(opArb, { maxLength: 2 }),
        chunksArb,
        (g1, g2, order, ops, chunks) => {
          const pool = [...g1, ...g2];
          const lines = order.map((k, n) =>
            n === 0 ? applyOps(pool[k % pool.length], [...ops, { k: 'fix' }]) : latin1(pool[k % pool.length]),
          );
          const input = new Uint8Array(Buffer.concat(lines.flatMap((l) => [Buffer.from(l), Buffer.from('\n')])));
          assertClean({ kind: 'group', input, exact: null, chunks, strict: true });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a short fuzz run finds nothing but the known decoder bugs', () => {
    const s = fuzzInProcess(4000, 99);
    const bad = Object.keys(s.failures);
    assert.deepEqual(bad, [], JSON.stringify(s.failures));
    assert.ok(s.linesFed >= 4000);
  });
});

// ---------------------------------------------------------------------------
// Every reason, by example

const GOOD = encodeSentences({
  type: 1,
  repeat: 0,
  mmsi: 366000001,
  status: 0,
  turn: 0,
  speed: 1,
  accuracy: false,
  lon: -81,
  lat: 24,
  course: 1,
  heading: 1,
  second: 1,
  maneuver: 0,
  raim: false,
  radio: 0,
})[0];
const PAYLOAD = GOOD.split(',')[5];
const TYPE5 = encodeSentences(
  {
    type: 5,
    repeat: 0,
    mmsi: 273000001,
    ais_version: 0,
    imo: 9000001,
    callsign: 'UBCD',
    shipname: 'VOLGOLES',
    shiptype: 70,
    to_bow: 100,
    to_stern: 30,
    to_port: 10,
    to_starboard: 10,
    epfd: 1,
    eta: '10-28T12:00Z',
    draught: 7.5,
    destination: 'MARIEL',
    dte: 0,
  },
  { sequence: 3, station: 'rKEYWEST', time: Date.UTC(1962, 9, 28) },
);
const MC_ROW = '366000001,1962-10-28T12:00:00,24.5,-81.5,10.0,90.0,90.0,OMSK,IMO9000001,UBCD,70,0,150,20,7.5,,A';
const pghp = (body: string, sum?: string): string => {
  let x = 0;
  for (const c of body) x ^= c.charCodeAt(0);
  return `$${body}*${sum ?? x.toString(16).toUpperCase().padStart(2, '0')}`;
};

/** One input per reason; the reject is expected on `line`. */
const EXAMPLES: Record<RejectReason, { text: string; line: number }> = {
  line_too_long: { text: `${GOOD}\n${'A'.repeat(1001)}\n${GOOD}\n`, line: 2 },
  binary_data: { text: `${GOOD}\n!AIVDM,1,1,,A,15M\x00oP,0*00\n`, line: 2 },
  not_nmea: { text: `${GOOD}\nhello world\n`, line: 2 },
  malformed_sentence: { text: `${GOOD}\n!AIVDM,1,1,,A,${PAYLOAD},0\n`, line: 2 },
  bad_checksum: { text: `${GOOD}\n${GOOD.slice(0, -2)}${GOOD.endsWith('00') ? '01' : '00'}\n`, line: 2 },
  bad_tag_block: { text: `${GOOD}\n\\c:1241544035*00\\${GOOD}\n`, line: 2 },
  bad_time_prefix: { text: `${GOOD}\n${pghp('PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09', '00')}\n${GOOD}\n`, line: 2 },
  bad_fragment_header: { text: `${GOOD}\n${sentence(`AIVDM,0,1,,A,${PAYLOAD},0`)}\n`, line: 2 },
  invalid_fill_bits: { text: `${GOOD}\n${sentence(`AIVDM,1,1,,A,${PAYLOAD},7`)}\n`, line: 2 },
  invalid_armour: {
    text: `${GOOD}\n${sentence(`AIVDM,1,1,,A,${PAYLOAD.slice(0, 10)}X${PAYLOAD.slice(11)},0`)}\n`,
    line: 2,
  },
  orphan_fragment: { text: `${GOOD}\n${TYPE5[0]}\n${GOOD}\n`, line: 2 },
  invalid_message_type: { text: `${GOOD}\n${GOOD}\n${sentence(`AIVDM,1,1,,A,L${PAYLOAD.slice(1)},0`)}\n`, line: 3 },
  payload_too_short: { text: `${GOOD}\n${sentence(`AIVDM,1,1,,A,${PAYLOAD.slice(0, 10)},0`)}\n`, line: 2 },
  payload_too_long: { text: `${GOOD}\n${sentence(`AIVDM,1,1,,A,${PAYLOAD.repeat(30)},0`)}\n`, line: 2 },
  csv_bad_header: { text: `\nMMSI,Time,Where,What\n${MC_ROW}\n`, line: 2 },
  csv_field_count: { text: `${MARINECADASTRE_HEADER}\n${MC_ROW}\n${MC_ROW},extra\n`, line: 3 },
  csv_bad_value: { text: `${MARINECADASTRE_HEADER}\n${MC_ROW.replace('24.5', '95.5')}\n`, line: 2 },
};

describe('AIS robustness: every reject reason is reachable', () => {
  it('the examples cover REJECT_REASONS exactly', () => {
    assert.deepEqual(Object.keys(EXAMPLES).sort(), Object.keys(REJECT_REASONS).sort());
  });

  for (const reason of Object.keys(REJECT_REASONS) as RejectReason[]) {
    it(`${reason}: counted with its line number`, () => {
      const { text, line } = EXAMPLES[reason];
      const r = decodeText(text, { file: 'example.nmea' });
      assert.deepEqual(
        r.rejects.map((x) => [x.reason, x.line, x.file]),
        [[reason, line, 'example.nmea']],
      );
      assert.deepEqual(r.stats.rejected, { [reason]: 1 });
      assert.ok(r.rejects[0].detail.length > 0);
      // The other lines still decode (after a CSV header of no known layout the whole file is skipped).
      const good = reason === 'csv_bad_header' ? 0 : text.split('\n').filter((l) => l === GOOD || l === MC_ROW).length;
      assert.equal(r.stats.messages, good);
    });
  }
});

describe('AIS robustness: strict mode', () => {
  for (const reason of Object.keys(REJECT_REASONS) as RejectReason[]) {
    it(`${reason}: throws AisInputError naming file and line`, () => {
      const { text, line } = EXAMPLES[reason];
      assert.throws(
        () => decodeText(text, { file: 'strict.nmea', strict: true }),
        (e: unknown) => {
          assert.ok(e instanceof AisInputError);
          assert.ok(e.message.startsWith(`strict.nmea:${line}: ${reason}: `), e.message);
          assert.equal(e.reject.reason, reason);
          assert.equal(e.reject.line, line);
          return true;
        },
      );
    });
  }

  it('a clean input does not throw', () => {
    const r = decodeText(`${GOOD}\n${TYPE5.join('\n')}\n`, { strict: true });
    assert.equal(r.stats.messages, 2);
  });
});

describe('AIS robustness: long lines and orphans', () => {
  it('a 5 MB line without newline is line_too_long, fast and without holding it, and the next line decodes', () => {
    const huge = Buffer.alloc(5 << 20, 'A');
    const input = Buffer.concat([huge, Buffer.from('\n' + GOOD + '\n')]);
    for (const chunks of [null, [65536], [1 << 20, 7, 4096]]) {
      const rss0 = process.memoryUsage().rss;
      const t0 = performance.now();
      const r = feed(input, { file: 'huge.nmea', chunks });
      const ms = performance.now() - t0;
      assert.equal(r.error, null);
      assert.deepEqual(
        r.rejects.map((x) => [x.reason, x.line]),
        [['line_too_long', 1]],
      );
      assert.equal(r.stats!.messages, 1);
      assert.equal(r.stats!.lines, 2);
      assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
      assert.ok(process.memoryUsage().rss - rss0 < 64 << 20, 'memory grew by more than 64 MB');
    }
    // Without a newline at all: rejected at the end.
    const sink = new RecordRowSink();
    const rejects: Reject[] = [];
    const reader = new AisReader(sink, { onReject: (x) => rejects.push(x) });
    for (let k = 0; k < 80; k++) reader.write(huge.subarray(k * 65536, (k + 1) * 65536));
    reader.end();
    assert.deepEqual(
      rejects.map((x) => [x.reason, x.line]),
      [['line_too_long', 1]],
    );
  });

  it('orphan fragments at the end of the input are reported, each with its line', () => {
    const r = decodeText(`${GOOD}\n${TYPE5[0]}\n${GOOD}\n`, { file: 'orphan.nmea' });
    assert.deepEqual(
      r.rejects.map((x) => [x.reason, x.line, x.file]),
      [['orphan_fragment', 2, 'orphan.nmea']],
    );
    assert.equal(r.stats.messages, 2);
    // Both fragments present but the second one twice: the duplicate starts a message that never completes.
    const dup = decodeText(`${TYPE5[0]}\n${TYPE5[1]}\n${TYPE5[1]}\n`);
    assert.equal(dup.stats.messages, 1);
    assert.deepEqual(
      dup.rejects.map((x) => [x.reason, x.line]),
      [['orphan_fragment', 3]],
    );
    // Out of order: still one message.
    const swapped = decodeText(`${TYPE5[1]}\n${TYPE5[0]}\n`);
    assert.equal(swapped.stats.messages, 1);
    assert.deepEqual(swapped.rejects, []);
  });
});

// ---------------------------------------------------------------------------
// Edges the fuzz found once: each stays fixed.

describe('AIS robustness: edges found by fuzzing', () => {
  it('a tag-block time beyond the Date range does not throw', () => {
    const r = decodeText(`${tagBlock('c:9000000000000000')}${GOOD}\n`);
    assert.deepEqual(
      r.rejects.map((x) => x.reason),
      ['bad_tag_block'],
    );
  });

  it('a CSV header with MMSI and BaseDateTime but no LAT is rejected, not thrown', () => {
    const r = decodeText('MMSI,BaseDateTime,foo,bar\n');
    assert.deepEqual(
      r.rejects.map((x) => x.reason),
      ['csv_bad_header'],
    );
  });

  it('decoded latitude is within -90..90 or null', () => {
    const lat100 = encodeSentences({
      type: 1,
      repeat: 0,
      mmsi: 366000001,
      status: 0,
      turn: 0,
      speed: 1,
      accuracy: false,
      lon: 1,
      lat: 100,
      course: 1,
      heading: 1,
      second: 1,
      maneuver: 0,
      raim: false,
      radio: 0,
    })[0];
    const r = decodeText(lat100 + '\n');
    assert.equal(r.records[0].lat, null);
    assert.deepEqual(r.records[0].invalid, ['lat']);
    assert.deepEqual(r.stats.outOfRange, { lat: 1 });
  });

  it('a 900-character payload is decoded whole or rejected, never padded with NUL', () => {
    const r = decodeText(sentence(`AIVDM,1,1,,A,${'8'.repeat(900)},0`) + '\n');
    assert.deepEqual(
      r.rejects.map((x) => x.reason),
      ['payload_too_long'],
    );
  });

  it('control bytes in USCG trailing fields are not accepted into station', () => {
    const r = decodeText(`${GOOD},r1\x00\xff\n`);
    assert.equal(r.stats.messages, 0);
    assert.deepEqual(
      r.rejects.map((x) => x.reason),
      ['binary_data'],
    );
  });

  it('whitespace around a line of 1,001+ bytes does not depend on chunking', () => {
    const input = latin1(GOOD + ' '.repeat(1000) + '\n');
    const whole = feed(input);
    const split = feed(input, { chunks: [50] });
    assert.deepEqual(split.stats, whole.stats);
  });

  it('lines after a csv_bad_header are treated the same in one piece or in chunks', () => {
    const input = latin1(`MMSI,foo,bar,baz\n${GOOD}\n`);
    assert.deepEqual(feed(input, { chunks: [17] }).stats, feed(input).stats);
  });

  it('a CSV header after an overlong line is read the same in one piece or in chunks', () => {
    const input = latin1(`${'x'.repeat(1500)}\n${MARINECADASTRE_HEADER}\n${MC_ROW}\n`);
    assert.deepEqual(feed(input, { chunks: [100] }).stats, feed(input).stats);
  });
});
