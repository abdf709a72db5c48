/** The fuzzer's cases: lines mutated and joined into inputs, fed whole and in random chunks. */
import { Random } from '../../src/scenario/random.js';
import type { Corpus } from './corpus.js';
import { applyOps, randomOps } from './mutations.js';
import type { Case } from './checks.js';

// ---------------------------------------------------------------------------
// Case generation

function randomChunks(rng: Random, size: number): number[] {
  const n = rng.int(1, 12);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = rng.next();
    out.push(r < 0.3 ? rng.int(1, 3) : r < 0.7 ? rng.int(4, 100) : rng.int(100, Math.max(101, Math.min(65536, size))));
  }
  return out;
}

export function joinLines(lines: (string | Uint8Array)[], eol: string, finalEol: boolean): Uint8Array {
  const parts: Buffer[] = [];
  lines.forEach((l, k) => {
    parts.push(typeof l === 'string' ? Buffer.from(l, 'latin1') : Buffer.from(l));
    if (k < lines.length - 1 || finalEol) parts.push(Buffer.from(eol, 'latin1'));
  });
  return new Uint8Array(Buffer.concat(parts));
}

const TYPE_SETS = [[1, 2, 3], [5, 24], [1, 2, 3, 18, 19, 27], [8]];

/** The next case of the fuzz (all randomness from `rng`). */
export function nextCase(rng: Random, corpus: Corpus): Case {
  const r = rng.next();
  const chunksFor = (b: Uint8Array): number[] => randomChunks(rng, b.length);
  const types = rng.chance(0.1) ? new Set(rng.pick(TYPE_SETS)) : null;
  const via = rng.chance(0.15) ? 'text' : rng.chance(0.15) ? 'batch' : null;
  const strict = rng.chance(0.5);
  if (r < 0.62) {
    // One NMEA line, mutated.
    const line = rng.chance(0.95) ? rng.pick(corpus.nmea) : rng.pick(corpus.other);
    const m = applyOps(line, randomOps(rng, corpus, false));
    const input = joinLines([m], rng.chance(0.2) ? '\r\n' : '\n', rng.chance(0.8));
    return { kind: 'line', input, exact: 'one-line', types, chunks: chunksFor(input), via, strict };
  }
  if (r < 0.72) {
    // A CSV header and one mutated row.
    const f = rng.pick(corpus.csv);
    const row = applyOps(rng.pick(f.rows), randomOps(rng, corpus, true));
    const input = joinLines([f.header, row], rng.chance(0.2) ? '\r\n' : '\n', rng.chance(0.8));
    return { kind: 'csv-row', input, exact: 'csv-row', types, chunks: chunksFor(input), via, strict };
  }
  if (r < 0.74) {
    // Binary junk: random bytes, newlines included.
    const input = Uint8Array.from({ length: rng.int(0, 400) }, () => (rng.chance(0.05) ? 10 : rng.int(0, 255)));
    return { kind: 'junk', input, exact: null, types, chunks: chunksFor(input), via, strict };
  }
  if (r < 0.85) {
    // A multi-sentence message: fragments mutated (checksums fixed), reordered, duplicated, dropped, interleaved.
    const g = [...rng.pick(corpus.groups)];
    let lines: (string | Uint8Array)[] = g;
    if (rng.chance(0.4)) lines = [...rng.pick(corpus.groups), ...lines];
    lines = lines.map((l) => (rng.chance(0.3) ? applyOps(l, [...randomOps(rng, corpus, false), { k: 'fix' }]) : l));
    const ops = rng.int(0, 3);
    for (let k = 0; k < ops; k++) {
      const i = rng.int(0, lines.length - 1);
      const j = rng.int(0, lines.length - 1);
      const w = rng.int(0, 4);
      if (w === 0) [lines[i], lines[j]] = [lines[j], lines[i]];
      else if (w === 1) lines.splice(j, 0, lines[i]);
      else if (w === 2 && lines.length > 1) lines.splice(i, 1);
      else if (w === 3) lines.splice(j, 0, rng.pick(corpus.nmea));
      else lines.reverse();
    }
    const input = joinLines(lines, rng.chance(0.2) ? '\r\n' : '\n', rng.chance(0.9));
    return { kind: 'group', input, exact: null, types, chunks: chunksFor(input), via, strict };
  }
  if (r < 0.96) {
    // A window of a log (or of a CSV file), some lines mutated.
    let lines: (string | Uint8Array)[];
    if (rng.chance(0.8)) {
      const log = rng.pick(corpus.logs);
      const at = rng.int(0, Math.max(0, log.length - 40));
      lines = log.slice(at, at + rng.int(5, 40));
    } else {
      const f = rng.pick(corpus.csv);
      lines = [
        rng.chance(0.7) ? f.header : applyOps(f.header, randomOps(rng, corpus, true)),
        ...f.rows.slice(0, rng.int(1, 20)),
      ];
    }
    const p = rng.range(0, 0.3);
    lines = lines.map((l) => (rng.chance(p) ? applyOps(l, randomOps(rng, corpus, false)) : l));
    if (rng.chance(0.1)) lines.splice(rng.int(0, lines.length), 0, rng.pick(corpus.other));
    const input = joinLines(lines, rng.chance(0.2) ? '\r\n' : '\n', rng.chance(0.9));
    return { kind: 'block', input, exact: null, types, chunks: chunksFor(input), via, strict };
  }
  // An overlong line (1 kB to 20 kB) between two valid sentences: rejected, and the next line still decodes.
  const good = (): string => rng.pick(corpus.nmea.filter((l) => /!..VD[MO],1,1,/.test(l)));
  const size = rng.int(1001, 20_000);
  const fillByte = rng.pick([65, 48, 44, 0, 255, 33, 92]);
  const long = rng.chance(0.5)
    ? applyOps(good(), [{ k: 'pad', n: size, byte: fillByte, where: rng.int(0, 100) }])
    : new Uint8Array(size).fill(fillByte);
  const input = joinLines([good(), long, good()], '\n', true);
  return { kind: 'long', input, exact: types ? null : 'long-between', types, chunks: chunksFor(input), via, strict };
}

/** A line of `megabytes` MB without a newline, then a valid sentence: fed in one piece and in large chunks. */
export function hugeCase(rng: Random, corpus: Corpus, megabytes: number): Case {
  const size = Math.round(megabytes * (1 << 20));
  const huge = new Uint8Array(size + 1);
  huge.fill(rng.pick([65, 32, 0, 33, 44]));
  if (huge[0] === 32) huge[0] = 65; // a line of spaces only is blank, not too long
  huge[size] = 10;
  const good = Buffer.from(rng.pick(corpus.nmea.filter((l) => /!..VD[MO],1,1,/.test(l))) + '\n', 'latin1');
  const input = new Uint8Array(Buffer.concat([huge, good]));
  const chunks = [rng.int(1 << 12, 1 << 20), rng.int(1 << 12, 1 << 20)];
  return { kind: 'huge', input, exact: null, chunks, strict: true };
}
