/**
 * Builds the benchmark input: every valid AIS sentence of the real samples in
 * the shared data folder, as plain `!xxVDM`/`!xxVDO` lines (tag blocks,
 * Gatehouse `$PGHP` lines and USCG trailers stripped), repeated until the
 * file holds at least the requested number of sentences.
 *
 * A message is kept only whole: single-sentence messages, and multipart
 * groups whose fragments 1..n all arrived. Kept sentences stay in the order
 * of the sample, so the real interleaving of multipart groups survives.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Bump when the extraction rules change, so old files are rebuilt. */
const BUILDER_VERSION = 1;

/** Files left out: the GoFree log writes AIVDM in a non-standard 8-field form. */
const EXCLUDED_FILES = new Set(['signalk_gofree-merrimac.log']);

/**
 * One VDM/VDO sentence, anywhere in a line (so tag blocks in front, USCG
 * trailers behind, and several tag-blocked fragments on one line all work).
 * The null talker `!--` is not matched: several peers reject it.
 */
const SENTENCE_RE =
  /!([A-Z]{2})(VD[MO]),([1-9]),([1-9]),([0-9]?),([AB12]?),([0-9:;<=>?@A-W`a-w]*),([0-5])\*([0-9A-F]{2})/g;

export interface TypeMix {
  /** Sentences (lines) in the file. */
  sentences: number;
  /** Whole messages in the file (a multipart group counts once). */
  messages: number;
  /** Messages by AIS type. */
  byType: Record<number, number>;
  /** Messages made of two or more sentences. */
  multipartMessages: number;
  /** Sentences that are fragments of multipart messages. */
  multipartSentences: number;
  /** Multipart groups with another multipart fragment between their first and last fragment. */
  interleavedGroups: number;
  /** Multipart groups whose sequence-id field is empty. */
  groupsWithoutSeqId: number;
  /** Messages by the talker/formatter (AIVDM, BSVDM, AIVDO, ...). */
  byFormatter: Record<string, number>;
  /** Sentences by radio-channel field ("" for empty). */
  byChannel: Record<string, number>;
}

export interface BuiltInput {
  path: string;
  bytes: number;
  /** Number of copies of the extracted corpus in the file. */
  repetitions: number;
  /** What one copy of the corpus holds. */
  corpus: TypeMix & { files: Record<string, { sentences: number; messages: number }> };
  /** What the whole file holds. */
  mix: TypeMix;
  reused: boolean;
}

interface Sentence {
  text: string;
  formatter: string;
  total: number;
  num: number;
  seq: string;
  chan: string;
  body: string;
  fill: number;
}

interface Unit {
  /** Positions (in sentence order of the file) of the unit's sentences. */
  positions: number[];
  sentences: Sentence[];
}

const ARMOUR = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let c = 48; c < 88; c++) t[c] = c - 48;
  for (let c = 96; c < 120; c++) t[c] = c - 56;
  return t;
})();

function nmeaChecksumOk(s: string): boolean {
  const star = s.lastIndexOf('*');
  let x = 0;
  for (let i = 1; i < star; i++) x ^= s.charCodeAt(i);
  return x === parseInt(s.slice(star + 1, star + 3), 16);
}

/** Extracts the whole messages of one sample file, in file order. */
function extractFile(text: string): Sentence[] {
  const sentences: { s: Sentence; pos: number }[] = [];
  const units: Unit[] = [];
  const pending = new Map<string, Unit>();
  let pos = 0;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    for (const m of line.matchAll(SENTENCE_RE)) {
      const s: Sentence = {
        text: m[0],
        formatter: m[1] + m[2],
        total: Number(m[3]),
        num: Number(m[4]),
        seq: m[5],
        chan: m[6],
        body: m[7],
        fill: Number(m[8]),
      };
      if (!nmeaChecksumOk(s.text) || s.num > s.total || s.body.length === 0) continue;
      const p = pos++;
      sentences.push({ s, pos: p });
      if (s.total === 1) {
        units.push({ positions: [p], sentences: [s] });
        continue;
      }
      const key = `${s.formatter}|${s.chan}|${s.seq}|${s.total}`;
      let u = pending.get(key);
      if (s.num === 1) {
        u = { positions: [p], sentences: [s] };
        pending.set(key, u); // an unfinished group with the same key is dropped
      } else if (u && u.sentences.length === s.num - 1) {
        u.positions.push(p);
        u.sentences.push(s);
      } else {
        pending.delete(key);
        continue;
      }
      if (s.num === s.total) {
        pending.delete(key);
        units.push(u);
      }
    }
  }
  const keep = new Set<number>();
  for (const u of units) {
    // A message must have a type the armour can give (1..27) and a payload.
    const t = ARMOUR[u.sentences[0].body.charCodeAt(0)];
    if (t < 1 || t > 27) continue;
    for (const p of u.positions) keep.add(p);
  }
  return sentences.filter((x) => keep.has(x.pos)).map((x) => x.s);
}

/** Counts messages, types and multipart figures of a list of plain sentences. */
export function typeMixOf(sentences: Sentence[]): TypeMix {
  const mix: TypeMix = {
    sentences: sentences.length,
    messages: 0,
    byType: {},
    multipartMessages: 0,
    multipartSentences: 0,
    interleavedGroups: 0,
    groupsWithoutSeqId: 0,
    byFormatter: {},
    byChannel: {},
  };
  const open = new Map<string, number>();
  let multipartSeen = 0;
  for (const s of sentences) {
    mix.byChannel[s.chan] = (mix.byChannel[s.chan] ?? 0) + 1;
    if (s.total > 1) mix.multipartSentences++;
    const key = `${s.formatter}|${s.chan}|${s.seq}|${s.total}`;
    if (s.total > 1) {
      if (s.num === 1) open.set(key, multipartSeen);
      else if (s.num === s.total) {
        const start = open.get(key);
        // interleaved: another multipart fragment came since the group started
        if (start !== undefined && multipartSeen - start !== s.total - 1) mix.interleavedGroups++;
        open.delete(key);
      }
      multipartSeen++;
    }
    if (s.num !== 1) continue;
    const type = ARMOUR[s.body.charCodeAt(0)];
    mix.messages++;
    mix.byType[type] = (mix.byType[type] ?? 0) + 1;
    mix.byFormatter[s.formatter] = (mix.byFormatter[s.formatter] ?? 0) + 1;
    if (s.total > 1) {
      mix.multipartMessages++;
      if (s.seq === '') mix.groupsWithoutSeqId++;
    }
  }
  return mix;
}

function scale(mix: TypeMix, k: number): TypeMix {
  const mul = (r: Record<string | number, number>) => Object.fromEntries(Object.entries(r).map(([a, b]) => [a, b * k]));
  return {
    sentences: mix.sentences * k,
    messages: mix.messages * k,
    byType: mul(mix.byType),
    multipartMessages: mix.multipartMessages * k,
    multipartSentences: mix.multipartSentences * k,
    interleavedGroups: mix.interleavedGroups * k,
    groupsWithoutSeqId: mix.groupsWithoutSeqId * k,
    byFormatter: mul(mix.byFormatter),
    byChannel: mul(mix.byChannel),
  };
}

/** File name for a target sentence count: 1000000 -> ais-1m.nmea, 100000 -> ais-100k.nmea. */
export function inputName(sentences: number): string {
  if (sentences % 1_000_000 === 0) return `ais-${sentences / 1_000_000}m.nmea`;
  if (sentences % 1000 === 0) return `ais-${sentences / 1000}k.nmea`;
  return `ais-${sentences}.nmea`;
}

/**
 * Builds (or reuses) `outDir/ais-<n>.nmea` holding at least `minSentences`
 * sentences extracted from the samples in `dataDir`.
 */
export function buildInput(dataDir: string, outDir: string, minSentences: number): BuiltInput {
  const files = readdirSync(dataDir)
    .filter((f) => !f.endsWith('.md') && !f.endsWith('.json') && !f.endsWith('.chk') && !EXCLUDED_FILES.has(f))
    .sort();
  if (files.length === 0) throw new Error(`no sample files in ${dataDir}`);
  const hash = createHash('sha256');
  const corpus: Sentence[] = [];
  const perFile: Record<string, { sentences: number; messages: number }> = {};
  for (const f of files) {
    const p = join(dataDir, f);
    if (!statSync(p).isFile()) continue;
    const text = readFileSync(p, 'latin1');
    hash.update(f).update(text);
    const ss = extractFile(text);
    if (ss.length === 0) continue;
    perFile[f] = { sentences: ss.length, messages: ss.filter((s) => s.num === 1).length };
    corpus.push(...ss);
  }
  if (corpus.length === 0) throw new Error(`no AIS sentences found in ${dataDir}`);
  const repetitions = Math.ceil(minSentences / corpus.length);
  const corpusMix = typeMixOf(corpus);
  const mix = scale(corpusMix, repetitions);
  const path = join(outDir, inputName(minSentences));
  const metaPath = `${path}.meta.json`;
  const meta = { builder: BUILDER_VERSION, minSentences, repetitions, samples: hash.digest('hex') };
  let reused = false;
  if (existsSync(path) && existsSync(metaPath)) {
    try {
      const old = JSON.parse(readFileSync(metaPath, 'utf8')) as typeof meta & { bytes: number };
      reused =
        old.builder === meta.builder &&
        old.minSentences === meta.minSentences &&
        old.repetitions === meta.repetitions &&
        old.samples === meta.samples &&
        statSync(path).size === old.bytes;
    } catch {
      reused = false;
    }
  }
  if (!reused) {
    mkdirSync(outDir, { recursive: true });
    const one = Buffer.from(corpus.map((s) => s.text).join('\n') + '\n', 'latin1');
    const all = Buffer.allocUnsafe(one.length * repetitions);
    for (let i = 0; i < repetitions; i++) one.copy(all, i * one.length);
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, all);
    renameSync(tmp, path);
    writeFileSync(metaPath, JSON.stringify({ ...meta, bytes: all.length }) + '\n');
  }
  return {
    path,
    bytes: statSync(path).size,
    repetitions,
    reused,
    mix,
    corpus: { ...corpusMix, files: perFile },
  };
}

/** Short description of where the corpus came from, for the report. */
export function corpusSummary(b: BuiltInput): string {
  const n = Object.keys(b.corpus.files).length;
  return (
    `${b.corpus.sentences} sentences / ${b.corpus.messages} messages from ${n} sample files, ` +
    `x${b.repetitions} -> ${basename(b.path)}`
  );
}
