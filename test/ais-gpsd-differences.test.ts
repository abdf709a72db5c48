/**
 * The differences between Tally and the reference decoders (gpsd 3.22's
 * gpsdecode, libais) that scripts/conformance/ais-gpsd.ts cites as errors of
 * the reference: one test each, feeding the sentence to Tally's decoder and
 * asserting the value the specification gives. The sentences are quoted from
 * the public samples named beside each; the tests read no file.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeText } from '../src/ais/index.js';
import type { AisRecord } from '../src/ais/index.js';

function decodeOne(sentence: string): AisRecord {
  const { records } = decodeText(sentence + '\n', { file: 'test' });
  assert.equal(records.length, 1, `one message expected from ${sentence}`);
  return records[0];
}

/** Six-bit value of an armoured payload character (ITU-R M.1371-5 Annex 8 §3.3.7). */
function sixbitOfText(c: string): number {
  const v = c.charCodeAt(0);
  return v >= 64 ? v - 64 : v; // text table: '@'..'_' are 0..31, ' '..'?' are 32..63
}

describe('AIS differences cited against gpsd 3.22', () => {
  it('type24-vendorid-42-bits: part B vendor ID is the 3-character manufacturer ID, then model and serial', () => {
    // gpsd_sample.aivdm line 910; gpsd 3.22 prints "vendorid":"1D00014","model":12,"serial":199796.
    const r = decodeOne('!AIVDM,1,1,,A,H42O55lti4hhhilD3nink000?050,0*40');
    assert.equal(r.type, 24);
    assert.equal(r.mmsi, 271041815);
    assert.equal(r.part, 1);
    assert.equal(r.shiptype, 60);
    assert.equal(r.vendorid, '1D0');
    assert.equal(r.model, 12);
    assert.equal(r.serial, 199796);
    assert.equal(r.callsign, 'TC6163');
    assert.deepEqual([r.to_bow, r.to_stern, r.to_port, r.to_starboard], [0, 15, 0, 5]);
    // gpsd's 7 characters are the same 42 bits: "1D0" + 4 more characters whose
    // 24 bits are the 4-bit model and the 20-bit serial number.
    const gpsd = '1D00014';
    assert.equal(gpsd.slice(0, 3), r.vendorid);
    const bits = [...gpsd.slice(3)].map((c) => sixbitOfText(c).toString(2).padStart(6, '0')).join('');
    assert.equal(parseInt(bits.slice(0, 4), 2), r.model);
    assert.equal(parseInt(bits.slice(4), 2), r.serial);
  });

  it('type27-status-as-text: type 27 navigational status is the 4-bit code', () => {
    // aisdb_test_data_20211101.nm4; gpsd 3.22 prints "status":"Moored".
    const r = decodeOne('!AIVDM,1,1,,,K7`aOr1FIa<vP0:P,0*38');
    assert.equal(r.type, 27);
    assert.equal(r.mmsi, 512385000);
    assert.equal(r.status, 5); // 5 = moored
    assert.equal(typeof r.status, 'number');
    // the other fields as gpsd -u prints them: lon 104868, lat -24768 (1/10 min), speed 0, course 168
    assert.ok(Math.abs((r.lon as number) - 104868 / 600) < 1e-9);
    assert.ok(Math.abs((r.lat as number) - -24768 / 600) < 1e-9);
    assert.equal(r.speed, 0);
    assert.equal(r.course, 168);
    assert.equal(r.accuracy, false);
    assert.equal(r.raim, false);
  });

  it('radio-past-fill-bits: a 163-bit position report is decoded, its cut radio field is null', () => {
    // gpsd_sample.aivdm line 1098 ("type=1 length=163"); gpsd prints the radio field read into the fill bits.
    const r = decodeOne('!AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ28JO,5*63');
    assert.equal(r.type, 1);
    assert.equal(r.mmsi, 244740981);
    assert.equal(r.second, 45);
    assert.equal(r.raim, true);
    assert.equal(r.radio, null);
    // A payload that stops before the last navigation field (raim, bit 148) is still rejected.
    const body = 'AIVDM,1,1,,A,13aIkM@P00PJ@qPNL=e@0?wJ,0';
    let x = 0;
    for (const c of body) x ^= c.charCodeAt(0);
    const short = decodeText(`!${body}*${x.toString(16).toUpperCase().padStart(2, '0')}\n`);
    assert.equal(short.records.length, 0);
    assert.deepEqual(
      short.rejects.map((j) => j.reason),
      ['payload_too_short'],
    );
  });

  it('out-of-range-*: a latitude, longitude, course or heading the standard does not allow is null and named', () => {
    // libais_typeexamples.nmea line 21: heading 472 and latitude -101.5 as gpsd prints them.
    const r = decodeOne('!AIVDM,1,1,,B,2T8Mur>pJNw77ks5q?7mdfhoOgMo,0*3A');
    assert.equal(r.type, 2);
    assert.equal(r.heading, null);
    assert.equal(r.lat, null);
    assert.deepEqual(r.invalid, ['lat', 'heading']);
    // gpsd_sample.aivdm line 1026: a type 4 at 205.1°E, 109.3°N.
    const b = decodeOne('!AIVDM,1,1,,B,4>O7m7Iu@<9qUfbtm`vSnwvH20S8,0*46');
    assert.deepEqual([b.lon, b.lat, b.invalid], [null, null, ['lon', 'lat']]);
    const { stats } = decodeText('!AIVDM,1,1,,B,2T8Mur>pJNw77ks5q?7mdfhoOgMo,0*3A\n');
    assert.deepEqual(stats.outOfRange, { lat: 1, heading: 1 });
  });

  it('turn-sign-dropped: a negative rate of turn (turning left) keeps its sign', () => {
    // aisdb_test_data_20211101.nm4 line 19; raw ROT_AIS -9 (gpsd -u prints -9), gpsd 3.22 -j prints 4.
    const r = decodeOne('!AIVDM,1,1,,,13m4Ld0uii;`stcgRDCTTCR>0H47,0*08');
    assert.equal(r.type, 1);
    assert.equal(r.mmsi, 256974000);
    assert.equal(typeof r.turn, 'number');
    const expected = -((9 / 4.733) ** 2); // ROT = (ROT_AIS / 4.733)^2, sign of ROT_AIS
    assert.ok((r.turn as number) < 0, `turn ${r.turn} should be negative`);
    assert.ok(Math.abs((r.turn as number) - expected) <= 0.005 + 1e-9, `turn ${r.turn} vs ${expected}`);
  });

  it('speed 1022 is 102.2 knots (gpsd 3.22 prints "fast")', () => {
    // aisdb_test_data_20211101.nm4; gpsd -u prints speed 1022.
    const r = decodeOne('!AIVDM,1,1,,,15V;683P?v0dEdPh5tB9ugwp0HFs,0*05');
    assert.equal(r.mmsi, 375572000);
    assert.equal(r.speed, 102.2);
    assert.equal(r.turn, null);
    assert.equal(r.heading, null);
    assert.equal(r.second, null);
  });
});

describe('AIS differences cited against libais', () => {
  it('libais-type9-speed-tenths: SAR aircraft speed is in whole knots', () => {
    // libais_typeexamples.nmea line 24; libais prints 16.8, gpsd 168.
    const r = decodeOne('!AIVDM,1,1,,B,9muc;QvN2`TG6BE76wm;U7u>K>?b,0*64');
    assert.equal(r.type, 9);
    assert.equal(r.mmsi, 400214919);
    assert.equal(r.speed, 168);
    assert.equal(r.alt, 3704);
    assert.equal(r.course, 296.4);
    assert.equal(r.second, 31);
  });

  it('libais-sixbit-table: six-bit 31 is "_" and 39 is "\'"', () => {
    // libais_typeexamples.nmea line 20; libais prints "9%&//3*37-+P][`<RD^6".
    const r = decodeOne('!AIVDM,1,1,5,B,E<eNSpRtjkGoqmIsgm`>ekv92?KN9R<Man9UV;cwLhuFLh,4*62');
    assert.equal(r.type, 21);
    assert.equal(r.mmsi, 852992994);
    assert.equal(r.name, "9%&//3*37_+P]['<RD^6");
  });

  it('libais-type27-gnss-inverted: bit 94 of type 27 is printed as sent', () => {
    // libais_typeexamples.nmea line 11; the bit is 1 (gpsd "gnss":true), libais prints false.
    const r = decodeOne('!AIVDM,1,1,,A,KvQ:1o`7EBrBQ`?w,0*37');
    assert.equal(r.type, 27);
    assert.equal(r.mmsi, 974291422);
    assert.equal(r.gnss, true);
  });
});
