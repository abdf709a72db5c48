/** Both decoders run on the same sentences: gpsdecode fed what it reads, Tally's CLI on the file, type 24 parts merged as gpsd merges them. */
import { spawnSync } from 'node:child_process';
import { Json, Rec } from './types.js';

// ---------------------------------------------------------------------------
// Feeding gpsdecode
// ---------------------------------------------------------------------------

/** Talkers that gpsd 3.22's packet lexer accepts for VDM/VDO (tested against /usr/bin/gpsdecode). */
const GPSD_TALKERS = new Set(['AI', 'AB', 'AD', 'AN', 'AR', 'AS', 'AT', 'AX', 'BS', 'SA']);
const SENTENCE_RE = /[!$]([A-Z0-9-]{2})(VD[MO]),([^!$\\*]*)\*([0-9A-Fa-f]{2})/g;

export function nmeaChecksum(body: string): number {
  let c = 0;
  for (let k = 0; k < body.length; k++) c ^= body.charCodeAt(k);
  return c;
}

export interface FedSentence {
  /** 1-based line of the input file. */
  line: number;
  /** The sentence as it stands in the input (for examples). */
  original: string;
  /** The sentence as fed to gpsdecode. */
  fed: string;
}

/**
 * The bare VDM/VDO sentences of `text`, one per element: tag blocks, `$PGHP`
 * lines, comments, other NMEA and trailing receiver fields are left out; a
 * line holding several sentences (Spire style) gives several elements.
 */
export function sentencesForGpsd(text: string): FedSentence[] {
  const out: FedSentence[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const src = lines[n];
    // comment lines (gpsd's sample files quote sentences in them) are not input
    if (!src.includes('VD') || /^\s*#/.test(src)) continue;
    SENTENCE_RE.lastIndex = 0;
    for (let m = SENTENCE_RE.exec(src); m !== null; m = SENTENCE_RE.exec(src)) {
      const [whole, talker, kind, fields, sum] = m;
      let fed = whole.startsWith('$') ? '!' + whole.slice(1) : whole;
      const body = `${talker}${kind},${fields}`;
      if (!GPSD_TALKERS.has(talker) && nmeaChecksum(body) === parseInt(sum, 16)) {
        const aiBody = `AI${kind},${fields}`;
        fed = `!${aiBody}*${nmeaChecksum(aiBody).toString(16).toUpperCase().padStart(2, '0')}`;
      }
      out.push({ line: n + 1, original: whole, fed });
    }
  }
  return out;
}

export interface RefMessage {
  rec: Rec;
  /** Decimals gpsd printed for each numeric field (its rounding). */
  decimals: Record<string, number>;
  line: number;
  sentence: string;
  /**
   * gpsd printed a type 24 part B merged with the queued part A of the same
   * MMSI: the record is turned back into the part B and the name it took from
   * part A is kept here, to be checked against Tally's last part A.
   */
  mergedShipname?: Json;
}

function decimalsOf(jsonLine: string): Record<string, number> {
  const d: Record<string, number> = {};
  const re = /"(\w+)":(-?\d+)(?:\.(\d+))?(?=[,}])/g;
  for (let m = re.exec(jsonLine); m !== null; m = re.exec(jsonLine)) d[m[1]] = m[3] ? m[3].length : 0;
  return d;
}

export function runGpsdecode(bin: string, fed: FedSentence[]): RefMessage[] {
  const input = fed.map((s) => s.fed).join('\n') + '\n';
  const r = spawnSync(bin, ['-s', '-j', '-v'], { input, maxBuffer: 1 << 30, encoding: 'latin1' });
  if (r.error) throw new Error(`cannot run ${bin}: ${r.error.message}`);
  const out: RefMessage[] = [];
  let k = 0;
  let cur: FedSentence | undefined;
  for (const raw of r.stdout.split('\n')) {
    const l = raw.replace(/\r$/, '');
    if (l === '') continue;
    if (l.startsWith('{')) {
      let rec: Rec;
      try {
        rec = JSON.parse(l) as Rec;
      } catch {
        continue;
      }
      if (rec.class !== 'AIS') continue;
      const m: RefMessage = { rec, decimals: decimalsOf(l), line: cur?.line ?? 0, sentence: cur?.original ?? '' };
      if (rec.type === 24 && rec.part === undefined && rec.callsign !== undefined) {
        m.mergedShipname = rec.shipname ?? null;
        m.rec = { ...rec, part: 'B' };
        delete m.rec.shipname;
      }
      out.push(m);
    } else {
      // The echo of the sentence gpsd just read: find it among the fed sentences.
      let j = k;
      while (j < fed.length && fed[j].fed !== l) j++;
      if (j < fed.length) {
        cur = fed[j];
        k = j + 1;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Tally
// ---------------------------------------------------------------------------

interface TallyRun {
  records: Rec[];
  error?: string;
}

export function runTally(cli: string, file: string): TallyRun {
  const r = spawnSync(process.execPath, [cli, 'ais', 'decode', file, '--format', 'jsonl'], {
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  if (r.error) return { records: [], error: r.error.message };
  const records: Rec[] = [];
  for (const l of r.stdout.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      records.push(JSON.parse(l) as Rec);
    } catch {
      return { records, error: `unreadable JSONL line: ${l.slice(0, 120)}` };
    }
  }
  if (r.status !== 0 && records.length === 0) {
    return { records, error: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  }
  return { records };
}

/** One Tally message ready to compare: type 24 parts merged as gpsd 3.22 merges them. */
interface TallyMessage {
  rec: Rec;
  /** Index of the record in Tally's output (the part B for a merged type 24). */
  index: number;
}

/**
 * Type 24 as `gpsdecode` prints it without `-s`: a part B merged with the
 * earlier part A of the same MMSI (which is consumed), nothing for a lone
 * part. (gpsd 3.22 queues the last 8 part A per radio channel; Tally's records
 * carry no channel, so the queue here is unbounded.) With `split`, every part
 * as itself.
 */
export function mergeType24(records: Rec[], split: boolean): TallyMessage[] {
  const queue = new Map<number, Json | undefined>();
  const out: TallyMessage[] = [];
  records.forEach((rec, index) => {
    if (split || rec.type !== 24 || (rec.part !== 0 && rec.part !== 1)) {
      out.push({ rec, index });
      return;
    }
    const mmsi = rec.mmsi as number;
    if (rec.part === 0) {
      queue.set(mmsi, rec.shipname);
      return;
    }
    if (queue.has(mmsi)) {
      const merged: Rec = { ...rec, shipname: queue.get(mmsi) };
      delete merged.part;
      queue.delete(mmsi);
      out.push({ rec: merged, index });
    }
  });
  return out;
}

/** For each record, the name of the last type 24 part A of its MMSI before it (undefined when none). */
export function lastPartANames(records: Rec[]): (Json | undefined)[] {
  const last = new Map<number, Json>();
  return records.map((r) => {
    const before = last.get(r.mmsi as number);
    if (r.type === 24 && r.part === 0) last.set(r.mmsi as number, r.shipname ?? null);
    return before;
  });
}
