/** The fuzzer's seed corpus: real-looking lines of every kind the decoder reads (scenario AIS, extra sentences, CSV rows, other lines). */
import { encodeSentences, nmeaChecksum } from '../../src/ais/encode.js';
import { aisScenario } from '../../src/scenario/ais.js';
import { csvFixtureRows, writeDmaCsv, writeMarineCadastreCsv } from '../../src/scenario/csv.js';

// ---------------------------------------------------------------------------
// Seed corpus

export interface Corpus {
  /** One sentence a line (single-sentence messages and fragments), most with tag blocks. */
  nmea: string[];
  /** Multi-sentence messages: their lines in order. */
  groups: string[][];
  /** Whole scenario logs, line by line. */
  logs: string[][];
  /** CSV files: header and rows. */
  csv: { header: string; rows: string[] }[];
  /** Lines the reader passes over or that carry context ($PGHP, comments, other NMEA). */
  other: string[];
}

/** `!body*hh` with the right checksum. */
export function sentence(body: string): string {
  return `!${body}*${nmeaChecksum(body)}`;
}

/** `\tags*hh\` with the right checksum. */
export function tagBlock(tags: string): string {
  return `\\${tags}*${nmeaChecksum(tags)}\\`;
}

const POS = {
  status: 0,
  turn: 0,
  speed: 12.3,
  accuracy: true,
  lon: -81.5,
  lat: 24.25,
  course: 123.4,
  heading: 122,
  second: 30,
  maneuver: 0,
  raim: false,
  radio: 0,
};

/** Records of the decoded types the scenario does not write, for the encoder. */
const EXTRA_RECORDS = [
  { type: 2, repeat: 1, mmsi: 211000001, ...POS },
  { type: 3, repeat: 3, mmsi: 999999999 & 0x3fffffff, ...POS, turn: 'fastright', lat: -89.9, lon: 179.9 },
  {
    type: 4,
    repeat: 0,
    mmsi: 3669702,
    timestamp: '2007-05-14T19:57:39Z',
    accuracy: true,
    lon: -81.8,
    lat: 24.55,
    epfd: 7,
    raim: false,
    radio: 0,
  },
  {
    type: 9,
    repeat: 0,
    mmsi: 111232511,
    alt: 303,
    speed: 42,
    accuracy: false,
    lon: -6.27,
    lat: 58.14,
    course: 154.5,
    second: 15,
    regional: 0,
    dte: 1,
    assigned: false,
    raim: false,
    radio: 33392,
  },
  {
    type: 11,
    repeat: 0,
    mmsi: 3669702,
    timestamp: '1962-10-28T12:00:00Z',
    accuracy: false,
    lon: 10,
    lat: 55,
    epfd: 1,
    raim: false,
    radio: 0,
  },
  {
    type: 18,
    repeat: 0,
    mmsi: 338000001,
    reserved: 0,
    speed: 0.1,
    accuracy: false,
    lon: -70,
    lat: 40,
    course: 0,
    heading: null,
    second: 60,
    regional: 0,
    cs: true,
    display: false,
    dsc: true,
    band: true,
    msg22: true,
    assigned: false,
    raim: false,
    radio: 0,
  },
  {
    type: 19,
    repeat: 0,
    mmsi: 338000002,
    reserved: 0,
    speed: 5,
    accuracy: true,
    lon: -70.1,
    lat: 40.1,
    course: 359.9,
    heading: 359,
    second: 1,
    regional: 0,
    shipname: 'SEA DOG',
    shiptype: 37,
    to_bow: 5,
    to_stern: 5,
    to_port: 2,
    to_starboard: 2,
    epfd: 1,
    raim: false,
    dte: 0,
    assigned: false,
  },
  {
    type: 21,
    repeat: 0,
    mmsi: 993672085,
    aid_type: 1,
    name: 'NAVIGATION AID WITH A VERY LONG NAME',
    accuracy: false,
    lon: -80.1,
    lat: 25.7,
    to_bow: 0,
    to_stern: 0,
    to_port: 0,
    to_starboard: 0,
    epfd: 7,
    second: 20,
    off_position: false,
    regional: 0,
    raim: false,
    virtual_aid: false,
    assigned: false,
  },
  { type: 24, repeat: 0, mmsi: 338000003, part: 0, shipname: 'LITTLE BOAT' },
  {
    type: 24,
    repeat: 0,
    mmsi: 338000003,
    part: 1,
    shiptype: 36,
    vendorid: 'ABC',
    model: 2,
    serial: 12345,
    callsign: 'WDX1234',
    to_bow: 4,
    to_stern: 4,
    to_port: 1,
    to_starboard: 1,
  },
  {
    type: 24,
    repeat: 0,
    mmsi: 983380001,
    part: 1,
    shiptype: 36,
    vendorid: 'ABC',
    model: 2,
    serial: 12345,
    callsign: 'AUX',
    mothership_mmsi: 338000004,
  },
  {
    type: 27,
    repeat: 0,
    mmsi: 206914217,
    accuracy: false,
    raim: false,
    status: 5,
    lon: 137.03,
    lat: 4.84,
    speed: 57,
    course: 167,
    gnss: 0,
  },
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
];

/** The encoder's output for the decoded types the scenario does not write, and a few hand-written sentences. */
function extraSentences(): { lines: string[]; groups: string[][] } {
  const recs = EXTRA_RECORDS;
  const lines: string[] = [];
  const groups: string[][] = [];
  recs.forEach((r, k) => {
    const plain = encodeSentences(r, {
      channel: k % 2 ? 'A' : 'B',
      sequence: k % 10,
      talker: k % 3 ? 'AI' : 'BS',
      own: k === 4,
    });
    const tagged = encodeSentences(r, {
      channel: 'B',
      sequence: (k + 3) % 10,
      station: 'r003669945',
      time: 1241544035000 + k * 1234,
    });
    for (const ls of [plain, tagged]) {
      lines.push(...ls);
      if (ls.length > 1) groups.push(ls);
    }
  });
  // Raw types (yielded with their payload): binary messages and interrogations.
  lines.push(sentence('AIVDM,1,1,,A,85Mwp`1Kf3aCnsNvBWLi=wQuNhA5t43N`5nCuI=p<IBfVqnMgPGs,0'));
  lines.push(sentence('AIVDM,1,1,,B,6>jR0600V:C0>da4P106P00,2'));
  lines.push(sentence('AIVDM,1,1,,A,?03OwnB0ACVlD00,2'));
  lines.push(sentence('AIVDM,1,1,,A,H42O55i18tMET00000000000000,2'));
  // US Coast Guard trailing fields, then the same with a source on the second fragment only.
  lines.push(
    sentence('AIVDM,1,1,,A,15N4cJ`005Jrek0H@9n`DW5608EP,0') +
      ',s26054,d-104,T27.54538456,x124523,r003669945,1241544035',
  );
  lines.push(sentence('AIVDM,1,1,,B,15MgK45P3@G?fl0E`JbR0OwT0@MS,0') + ',b003669710,1241544036');
  return { lines, groups };
}

function otherLines(): string[] {
  const pghpBody = 'PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09';
  return [
    `$${pghpBody}*${nmeaChecksum(pghpBody)}`,
    `$${'PGHP,2,foo'}*${nmeaChecksum('PGHP,2,foo')}`,
    '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
    '!AIALR,000000.00,007,A,V,AIS: no sensor position in use*7D',
    '# a comment line',
    tagBlock('c:1241544035,s:r003669945'),
    '',
  ];
}

export function buildCorpus(seeds: readonly number[] = [1962, 7, 42, 2024]): Corpus {
  const nmea: string[] = [];
  const groups: string[][] = [];
  const logs: string[][] = [];
  for (const seed of seeds) {
    const log: string[] = [];
    for (const item of aisScenario({ seed, vessels: 10, durationMs: 90 * 60_000 })) {
      log.push(...item.lines);
      if (item.lines.length > 1) groups.push(item.lines);
    }
    logs.push(log);
    // Every line of the first log; a sample of the others (the corpus stays small).
    for (let k = 0; k < log.length; k += logs.length === 1 ? 1 : 7) nmea.push(log[k]);
  }
  const extra = extraSentences();
  nmea.push(...extra.lines);
  groups.push(...extra.groups);
  // A log of the extras with Gatehouse prefixes and other lines between.
  const other = otherLines();
  logs.push([
    other[0],
    extra.lines[0],
    ...extra.lines,
    other[2],
    other[4],
    '',
    other[3],
    other[5],
    ...extra.lines.slice(0, 6),
  ]);
  const csv: Corpus['csv'] = [];
  for (const seed of seeds) {
    for (const text of [writeMarineCadastreCsv(csvFixtureRows(seed, 40)), writeDmaCsv(csvFixtureRows(seed + 1, 40))]) {
      const lines = text.split('\n').filter((l) => l !== '');
      csv.push({ header: lines[0], rows: lines.slice(1) });
    }
  }
  const has = (re: RegExp): boolean => nmea.some((l) => re.test(l));
  if (!groups.length || !has(/,2,1,\d,[AB],5/) || !has(/,1,1,,[AB],H/))
    throw new Error('seed corpus lacks multi-sentence type 5 or type 24');
  return { nmea, groups, logs, csv, other };
}
