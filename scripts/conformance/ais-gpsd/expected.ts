import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Json, Rec } from './types.js';
import { CITED, GPSD_IGNORED, SUPPORTED, TALLY_META, citedField, isLegend, isSentinel } from './cited.js';
import type { Options } from '../ais-gpsd.js';
import { mergeType24, runTally } from './decoders.js';
import { align, coarseKey } from './align.js';
import { Collector, Count, Example, FieldResult, FileReport, normalizeTally, oneSided } from './compare.js';

// ---------------------------------------------------------------------------
// Expected outputs shipped with the samples
// ---------------------------------------------------------------------------

/** Tally's value in gpsd's unscaled units, as `gpsdecode -u -c` prints it. */
function unscaled(type: number, field: string, v: Json | undefined): Json | undefined {
  if (v === undefined) return undefined;
  const longRange = type === 27;
  switch (field) {
    case 'lon':
      return v === null
        ? longRange
          ? 181 * 600
          : 181 * 600000
        : Math.round((v as number) * (longRange ? 600 : 600000));
    case 'lat':
      return v === null ? (longRange ? 91 * 600 : 91 * 600000) : Math.round((v as number) * (longRange ? 600 : 600000));
    case 'speed':
      if (type === 27) return v === null ? 63 : v;
      if (type === 9) return v === null ? 1023 : v;
      return v === null ? 1023 : Math.round((v as number) * 10);
    case 'course':
      if (type === 27) return v === null ? 511 : v;
      return v === null ? 3600 : Math.round((v as number) * 10);
    case 'heading':
      return v === null ? 511 : v;
    case 'second':
      return v === null ? 60 : v;
    case 'alt':
      return v === null ? 4095 : v;
    case 'draught':
      return v === null ? 0 : Math.round((v as number) * 10);
    case 'turn':
      if (v === null) return -128;
      if (v === 'fastleft') return -127;
      if (v === 'fastright') return 127;
      if (typeof v === 'number') {
        // Tally prints the rate of turn to 0.01 degree per minute: back to the raw integer
        const raw = Math.sign(v) * 4.733 * Math.sqrt(Math.abs(v));
        return Math.abs(raw - Math.round(raw)) < 0.25 ? Math.round(raw) : raw;
      }
      return v;
    default:
      if (typeof v === 'boolean') return v ? 1 : 0;
      return v === null ? '' : v;
  }
}

/** Field names of each `gpsdecode -u -c` line after type|repeat|mmsi (gpsd 3.22 gpsdecode.c aivdm_csv_dump). */
const CHK_FIELDS: Record<number, string[]> = {
  1: ['status', 'turn', 'speed', 'accuracy', 'lon', 'lat', 'course', 'heading', 'second', 'maneuver', 'raim', 'radio'],
  4: ['timestamp', 'accuracy', 'lon', 'lat', 'epfd', 'raim', 'radio'],
  5: [
    'imo',
    'ais_version',
    'callsign',
    'shipname',
    'shiptype',
    'to_bow',
    'to_stern',
    'to_port',
    'to_starboard',
    'epfd',
    'eta',
    'draught',
    'destination',
    'dte',
  ],
  9: ['alt', 'speed', 'accuracy', 'lon', 'lat', 'course', 'second', 'regional', 'dte', 'raim', 'radio'],
  18: [
    'reserved',
    'speed',
    'accuracy',
    'lon',
    'lat',
    'course',
    'heading',
    'second',
    'regional',
    'cs',
    'display',
    'dsc',
    'band',
    'msg22',
    'raim',
    'radio',
  ],
  19: [
    'reserved',
    'speed',
    'accuracy',
    'lon',
    'lat',
    'course',
    'heading',
    'second',
    'regional',
    'shipname',
    'shiptype',
    'to_bow',
    'to_stern',
    'to_port',
    'to_starboard',
    'epfd',
    'raim',
    'dte',
    'assigned',
  ],
  21: [
    'aid_type',
    'name',
    'accuracy',
    'lon',
    'lat',
    'to_bow',
    'to_stern',
    'to_port',
    'to_starboard',
    'epfd',
    'second',
    'regional',
    'off_position',
    'raim',
    'virtual_aid',
  ],
  24: [
    'shipname',
    'shiptype',
    'vendorid',
    'model',
    'serial',
    'callsign',
    'to_bow',
    'to_stern',
    'to_port',
    'to_starboard',
  ],
  27: ['status', 'accuracy', 'lon', 'lat', 'speed', 'course', 'raim', 'gnss'],
};
CHK_FIELDS[2] = CHK_FIELDS[3] = CHK_FIELDS[1];
CHK_FIELDS[11] = CHK_FIELDS[4];

function chkValue(s: string): Json {
  if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s, 16);
  if (/^-?\d+$/.test(s) && !/^0\d/.test(s)) return Number(s);
  return s;
}

export interface ExpectedReport {
  name: string;
  reference: string;
  referenceMessages: number;
  tallyMessages: number;
  matched: number;
  onlyReference: number;
  onlyTally: number;
  fields: Record<string, Record<string, Count>>;
}

export function checkChk(opts: Options, col: Collector, nmeaPath: string, chkPath: string): ExpectedReport {
  const lines = readFileSync(chkPath, 'latin1')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const refs: { rec: Rec; line: number }[] = [];
  lines.forEach((l, n) => {
    const parts = l.replace(/\r$/, '').split('|');
    const type = Number(parts[0]);
    const rec: Rec = { type, repeat: Number(parts[1]), mmsi: Number(parts[2]) };
    const names = CHK_FIELDS[type];
    if (names) {
      const vals = parts.slice(3);
      // type 24 of an auxiliary craft prints the mother ship's MMSI in place of the four dimensions
      const fieldNames = type === 24 && vals.length === 7 ? [...names.slice(0, 6), 'mothership_mmsi'] : names;
      fieldNames.forEach((f, k) => {
        const s = vals[k] ?? '';
        rec[f] = /^(callsign|shipname|destination|name|vendorid|timestamp|eta)$/.test(f) ? s : chkValue(s);
      });
    }
    refs.push({ rec, line: n + 1 });
  });
  const run = runTally(opts.tally, nmeaPath);
  const tally = mergeType24(run.records, false);
  const report: ExpectedReport = {
    name: path.basename(nmeaPath),
    reference: path.basename(chkPath),
    referenceMessages: refs.length,
    tallyMessages: tally.length,
    matched: 0,
    onlyReference: 0,
    onlyTally: 0,
    fields: {},
  };
  const keys = (r: Rec): string => coarseKey(r);
  const fine = (r: Rec): string => `${coarseKey(r)}|${r.radio ?? ''}`;
  const pairs = align(
    refs.map((r) => fine(r.rec)),
    tally.map((m) => fine(m.rec)),
    refs.map((r) => keys(r.rec)),
    tally.map((m) => keys(m.rec)),
  );
  report.matched = pairs.length;
  report.onlyReference = refs.length - pairs.length;
  report.onlyTally = tally.length - pairs.length;
  const fake: FileReport = {
    file: '',
    gpsdMessages: 0,
    tallyMessages: 0,
    matched: 0,
    onlyGpsd: oneSided(),
    onlyTally: oneSided(),
    fields: report.fields,
  };
  for (const [i, j] of pairs) {
    const ref = refs[i].rec,
      t = tally[j].rec;
    const type = ref.type as number;
    const names = SUPPORTED.has(type) ? Object.keys(ref) : ['type', 'repeat', 'mmsi'];
    for (const f of names) {
      const tv = f === 'type' || f === 'repeat' || f === 'mmsi' ? t[f] : unscaled(type, f, t[f]);
      const ex: Example = {
        file: report.reference,
        line: refs[i].line,
        sentence: lines[refs[i].line - 1],
        mmsi: ref.mmsi as number,
        reference: ref[f],
        tally: t[f],
      };
      let r: FieldResult;
      if (tv === ref[f]) r = { verdict: 'agree' };
      else if (typeof tv === 'number' && typeof ref[f] === 'number' && Math.abs(tv - (ref[f] as number)) < 1e-6)
        r = { verdict: 'agree' };
      else {
        const cited = CITED.find(
          (c) => c.against === 'gpsd' && citedField(c, f) && c.types.includes(type) && c.accepts(ref[f], t[f]),
        );
        r = cited
          ? { verdict: 'cited', cited, category: cited.id }
          : { verdict: 'disagree', category: t[f] === undefined ? 'only gpsd prints it' : 'values differ (unscaled)' };
      }
      col.record(fake, type, f, r, ex);
    }
  }
  return report;
}

/** libais names that differ from gpsd's. */
const LIBAIS_RENAME: Record<string, string> = { part_num: 'part' };

export function checkLibais(opts: Options, col: Collector, nmeaPath: string, jsonPath: string): ExpectedReport {
  const lines = readFileSync(jsonPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const refs = lines.map((l, n) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    const rec: Rec = {};
    for (const [k, v] of Object.entries(o)) {
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) rec[LIBAIS_RENAME[k] ?? k] = v as Json;
    }
    return { rec, line: n + 1 };
  });
  const nmeaLines = readFileSync(nmeaPath, 'latin1').split('\n');
  const run = runTally(opts.tally, nmeaPath);
  const tally = run.records.map((rec, index) => ({ rec, index }));
  const report: ExpectedReport = {
    name: path.basename(nmeaPath),
    reference: path.basename(jsonPath),
    referenceMessages: refs.length,
    tallyMessages: tally.length,
    matched: 0,
    onlyReference: 0,
    onlyTally: 0,
    fields: {},
  };
  const keys = (r: Rec): string => coarseKey(r);
  const pairs = align(
    refs.map((r) => keys(r.rec)),
    tally.map((m) => keys(m.rec)),
    refs.map((r) => keys(r.rec)),
    tally.map((m) => keys(m.rec)),
  );
  report.matched = pairs.length;
  report.onlyReference = refs.length - pairs.length;
  report.onlyTally = tally.length - pairs.length;
  const fake: FileReport = {
    file: '',
    gpsdMessages: 0,
    tallyMessages: 0,
    matched: 0,
    onlyGpsd: oneSided(),
    onlyTally: oneSided(),
    fields: report.fields,
  };
  for (const [i, j] of pairs) {
    const ref = refs[i].rec,
      t = tally[j].rec;
    const type = ref.type as number;
    const shared = SUPPORTED.has(type)
      ? Object.keys(ref).filter((f) => f in t && !GPSD_IGNORED.has(f) && !isLegend(f) && !TALLY_META.has(f))
      : ['type', 'repeat', 'mmsi'];
    for (const f of shared) {
      let rv = ref[f];
      // libais: lat 91 / lon 181 and heading 511 / second 60 etc. for "not available", turn null
      if (isSentinel(type, f, rv)) rv = null;
      if (f === 'imo' && typeof rv === 'string' && /^\d+$/.test(rv)) rv = Number(rv);
      if (rv === '') rv = null;
      const tv = normalizeTally(t[f]);
      const ex: Example = {
        file: report.reference,
        line: refs[i].line,
        sentence: (nmeaLines[refs[i].line - 1] ?? '').trim(),
        mmsi: ref.mmsi as number,
        reference: ref[f],
        tally: t[f],
      };
      let same: boolean;
      if (rv === null || tv === null || rv === undefined || tv === undefined) same = (rv ?? null) === (tv ?? null);
      else if (typeof rv === 'number' && typeof tv === 'number') {
        // libais stores float32; Tally prints the rate of turn to 0.01 degree per minute
        same = Math.abs(rv - tv) <= Math.max(1e-6, 1e-6 * Math.abs(rv)) + (f === 'turn' ? 0.005 : 0);
      } else same = rv === tv;
      let r: FieldResult;
      if (same) r = { verdict: 'agree' };
      else {
        const cited = CITED.find(
          (c) => c.against === 'libais' && citedField(c, f) && c.types.includes(type) && c.accepts(ref[f], t[f]),
        );
        r = cited
          ? { verdict: 'cited', cited, category: cited.id }
          : { verdict: 'disagree', category: 'values differ (libais)' };
      }
      col.record(fake, type, f, r, ex);
    }
  }
  return report;
}
