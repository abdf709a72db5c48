/**
 * Fuzzes the log's signed material: signed notes, checkpoints, cosigned
 * checkpoints and tlog-proof bundles. Each case takes a valid artefact,
 * applies one to three mutations (bit flips, byte insertions and deletions,
 * truncation, line swaps and duplications, base64 tweaks, key-name changes,
 * duplicated or foreign signature lines, number tweaks, splices from another
 * validly signed artefact) and verifies the result. Checks:
 *
 *   - nothing mutated is accepted: whenever verification succeeds, the
 *     opened text (and for a proof the index and the entry, for a
 *     cosignature the timestamp) equals what was signed or proven;
 *   - no exception escapes but the ledger's own error classes (NoteError,
 *     CheckpointError, CosignatureError, LogError, ProofError, ...);
 *   - nothing hangs (a worker silent for --hang-s seconds is a failure).
 *
 *   node dist/scripts/fuzz-notes.js [--count N] [--seed S] [--workers W] [--hang-s T]
 *
 * Every case is reproducible from (seed, case number): a failure prints both
 * and `--only CASE` replays one case. Exit status 1 on any failure.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import {
  Ed25519NoteSigner,
  Ed25519NoteVerifier,
  NoteError,
  openNote,
  signNote,
  addSignatures,
} from '../src/ledger/note.js';
import { CheckpointError, openCheckpoint, signCheckpoint } from '../src/ledger/checkpoint.js';
import { CosignatureError, CosignerKey, SplitViewError, verifyCosignature } from '../src/ledger/cosignature.js';
import { formatTlogProof, verifyTlogProof } from '../src/ledger/tlog-proof.js';
import { LogError } from '../src/ledger/errors.js';
import { leafHash, MemoryTree, ProofError, rootOf } from '../src/ledger/merkle.js';
import { TileError } from '../src/ledger/tiles.js';
import { EntryError } from '../src/ledger/entries.js';

const LEDGER_ERRORS = [
  NoteError,
  CheckpointError,
  CosignatureError,
  SplitViewError,
  LogError,
  ProofError,
  TileError,
  EntryError,
];

// ---------------------------------------------------------------------------
// Deterministic randomness

function seedBytes(...parts: (string | number)[]): Uint8Array {
  return new Uint8Array(createHash('sha256').update(parts.join('/')).digest());
}

/** xorshift128+ seeded from SHA-256 of (seed, case): fast and reproducible. */
class Rng {
  private a: bigint;
  private b: bigint;
  constructor(seed: string, n: number) {
    const h = Buffer.from(seedBytes('fuzz-notes', seed, n));
    this.a = h.readBigUInt64BE(0) | 1n;
    this.b = h.readBigUInt64BE(8) | 2n;
  }
  private next(): bigint {
    const M = (1n << 64n) - 1n;
    let s1 = this.a;
    const s0 = this.b;
    this.a = s0;
    s1 ^= (s1 << 23n) & M;
    this.b = s1 ^ s0 ^ (s1 >> 17n) ^ (s0 >> 26n);
    return (this.b + s0) & M;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Number((this.next() >> 11n) % BigInt(Math.max(1, n)));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000;
  }
}

// ---------------------------------------------------------------------------
// Targets: valid artefacts and the oracle that says what verifying one means

interface Accepted {
  content: string;
  sigs: string[];
}

interface Target {
  name: string;
  text: string;
  /** A validly signed artefact of the same kind with other content (for splices). */
  donor: string;
  /** Verifies `input`; returns what was accepted (compared with `expect`) and the verified signatures' base64. */
  verify(input: string | Uint8Array): Accepted;
  expect: string;
  /** What the donor verifies to: accepting the donor itself (a splice can rebuild it) is not a forgery. */
  donorExpect?: string;
  /** Base64 of every signature verified in the original or the donor: no other may ever verify. */
  knownSigs?: Set<string>;
  /** Whether verify takes bytes (else the mutated bytes are decoded as UTF-8, lossy). */
  bytes: boolean;
}

const enc = new TextEncoder();
const lossy = new TextDecoder('utf-8', { fatal: false });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function buildTargets(): Target[] {
  const logKey = new Ed25519NoteSigner('example.org/fuzz/log', seedBytes('log-key'));
  const other = new Ed25519NoteSigner('witness.example', seedBytes('other-key'));
  const stranger = new Ed25519NoteSigner('stranger.example', seedBytes('stranger-key'));
  const cos = new CosignerKey('cosigner.example', seedBytes('cosigner'));
  const cos2 = new CosignerKey('cosigner2.example', seedBytes('cosigner-2'));
  const v = logKey.verifier();
  const vOther = other.verifier();
  const targets: Target[] = [];

  // Notes: one known signer plus an unknown one; two known signers.
  const noteText =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\u2014 Peter G. Neumann\n";
  const note1 = signNote(noteText, [logKey, stranger]);
  const donorNote = signNote('Another text, signed by the same keys.\n', [logKey, stranger]);
  const openText = (x: string | Uint8Array, vs: readonly Ed25519NoteVerifier[]): Accepted => {
    const o = openNote(x, vs);
    return { content: o.text, sigs: o.sigs.map((s) => s.base64) };
  };
  targets.push({
    name: 'note',
    text: note1,
    donor: donorNote,
    bytes: true,
    verify: (x) => openText(x, [v]),
    expect: noteText,
  });
  const note2 = signNote('two signers\nsecond line\n', [other, logKey]);
  targets.push({
    name: 'note-2-signers',
    text: note2,
    donor: signNote('two signers\nother line\n', [other, logKey]),
    bytes: true,
    verify: (x) => openText(x, [v, vOther]),
    expect: 'two signers\nsecond line\n',
  });

  // Checkpoints.
  const entries = Array.from({ length: 13 }, (_, i) =>
    enc.encode(JSON.stringify({ kind: 'evidence', i, sha256: hex(seedBytes('entry', i)) })),
  );
  const leaves = entries.map((e) => leafHash(e));
  const root = rootOf(leaves);
  const origin = 'example.org/fuzz/log';
  const cp = signCheckpoint({ origin, size: 13, root, extensions: [] }, logKey);
  const cpDonor = signCheckpoint({ origin, size: 12, root: rootOf(leaves.slice(0, 12)), extensions: [] }, logKey);
  const cpExt = signCheckpoint({ origin, size: 13, root, extensions: ['ext line one', 'ext two'] }, [logKey, other]);
  const openCp = (x: string | Uint8Array): Accepted => {
    const c = openCheckpoint(x, v, { origin });
    return {
      content: `${c.body}|${c.origin}|${c.size}|${hex(c.root)}|${c.extensions.join('\n')}`,
      sigs: c.note.sigs.map((s) => s.base64),
    };
  };
  const cpBody = (size: number, r: Uint8Array, ext: string[]): string =>
    `${origin}\n${size}\n${Buffer.from(r).toString('base64')}\n${ext.map((e) => `${e}\n`).join('')}`;
  targets.push({
    name: 'checkpoint',
    text: cp,
    donor: cpDonor,
    bytes: true,
    verify: openCp,
    expect: `${cpBody(13, root, [])}|${origin}|13|${hex(root)}|`,
  });
  targets.push({
    name: 'checkpoint-ext',
    text: cpExt,
    donor: cpDonor,
    bytes: true,
    verify: openCp,
    expect: `${cpBody(13, root, ['ext line one', 'ext two'])}|${origin}|13|${hex(root)}|ext line one\next two`,
  });

  // Cosigned checkpoints: the log's signature and two cosignatures.
  const T1 = 1_700_000_000;
  const cosigned = addSignatures(cp, [cos.signerAt(T1), cos2.signerAt(T1 + 5)]);
  const cosDonor = addSignatures(cpDonor, [cos.signerAt(T1 - 100), cos2.signerAt(T1 - 50)]);
  const cv = cos.verifier();
  targets.push({
    name: 'cosigned',
    text: cosigned,
    donor: cosDonor,
    bytes: true,
    verify: (x) => {
      const r = verifyCosignature(x, cv, { log: v });
      return { content: `${r.body}|${r.timestamp}|${r.checkpoint.size}|${hex(r.checkpoint.root)}`, sigs: [] };
    },
    expect: `${cpBody(13, root, [])}|${T1}|13|${hex(root)}`,
  });
  targets.push({
    name: 'cosigned-open',
    text: cosigned,
    donor: cosDonor,
    bytes: true,
    verify: (x) => {
      const c = openCheckpoint(x, v, { others: [cv, cos2.verifier()], origin });
      return { content: c.body, sigs: c.note.sigs.map((s) => s.base64) };
    },
    expect: cpBody(13, root, []),
  });

  // tlog-proof bundles, with the entry as extra data and without it.
  const tree = new MemoryTree(leaves);
  const proofOf = (index: number, extra: boolean, note = cp): string =>
    formatTlogProof({
      index,
      proof: tree.inclusionProof(index, 13),
      checkpoint: note,
      ...(extra ? { extra: entries[index] } : {}),
    });
  for (const index of [0, 5, 12]) {
    targets.push({
      name: `tlog-proof-${index}`,
      text: proofOf(index, true, index === 5 ? cosigned : cp),
      donor: proofOf((index + 1) % 13, true),
      bytes: false,
      verify: (x) => {
        const r = verifyTlogProof(x as string, v, { origin });
        return {
          content: `${r.index}|${hex(r.entry)}|${r.checkpoint.body}`,
          sigs: r.checkpoint.note.sigs.map((s) => s.base64),
        };
      },
      expect: `${index}|${hex(entries[index])}|${cpBody(13, root, [])}`,
    });
  }
  targets.push({
    name: 'tlog-proof-entry-given',
    text: proofOf(7, false),
    donor: proofOf(6, false),
    bytes: false,
    verify: (x) => {
      const r = verifyTlogProof(x as string, v, { entry: entries[7] });
      return {
        content: `${r.index}|${hex(r.entry)}|${r.checkpoint.body}`,
        sigs: r.checkpoint.note.sigs.map((s) => s.base64),
      };
    },
    expect: `7|${hex(entries[7])}|${cpBody(13, root, [])}`,
  });

  // The unmutated artefacts must verify to exactly what is expected.
  // The donor too, except for the one whose entry is fixed (index 6's proof does not prove entry 7).
  for (const t of targets) {
    const got = t.verify(t.bytes ? enc.encode(t.text) : t.text);
    if (got.content !== t.expect)
      throw new Error(`fuzz-notes: the valid ${t.name} does not verify as expected:\n${got.content}\n!==\n${t.expect}`);
    t.knownSigs = new Set(got.sigs);
    try {
      const d = t.verify(t.donor);
      t.donorExpect = d.content;
      for (const s of d.sigs) t.knownSigs.add(s);
    } catch (e) {
      if (t.name !== 'tlog-proof-entry-given') throw e;
    }
  }
  return targets;
}

// ---------------------------------------------------------------------------
// Mutations (on bytes)

const TOKENS = [
  '\n',
  '\n\n',
  ' ',
  '\u2014 ',
  '\u2014',
  '+',
  '=',
  '==',
  '/',
  'A',
  '0',
  '-',
  '_',
  '\r',
  '\t',
  '\u0000',
  '\u00a0',
  '\ufeff',
  '\u2013 ',
  'index ',
  'extra ',
  'c2sp.org/tlog-proof@v1\n',
  '9007199254740993',
  '-1',
  '01',
].map((s) => Buffer.from(s, 'utf8'));
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function lines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a) {
      out.push(b.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < b.length) out.push(b.subarray(start));
  return out;
}

type Mutation = (b: Buffer, r: Rng, donor: Buffer) => Buffer;

const sigLineIdx = (ls: Buffer[]): number[] =>
  ls.map((l, i) => (l.toString('utf8').startsWith('\u2014 ') ? i : -1)).filter((i) => i >= 0);

const MUTATIONS: Record<string, Mutation> = {
  flipBit: (b, r) => {
    if (b.length === 0) return b;
    const c = Buffer.from(b);
    c[r.int(c.length)] ^= 1 << r.int(8);
    return c;
  },
  setByte: (b, r) => {
    if (b.length === 0) return b;
    const c = Buffer.from(b);
    c[r.int(c.length)] = r.int(256);
    return c;
  },
  insert: (b, r) => {
    const at = r.int(b.length + 1);
    const ins = r.chance(0.5) ? r.pick(TOKENS) : Buffer.from(Array.from({ length: 1 + r.int(4) }, () => r.int(256)));
    return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
  },
  delete: (b, r) => {
    if (b.length === 0) return b;
    const at = r.int(b.length);
    const n = 1 + (r.chance(0.7) ? 0 : r.int(16));
    return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
  },
  truncate: (b, r) => b.subarray(0, r.int(b.length)),
  swapLines: (b, r) => {
    const ls = lines(b);
    if (ls.length < 2) return b;
    const i = r.int(ls.length);
    const j = r.int(ls.length);
    [ls[i], ls[j]] = [ls[j], ls[i]];
    return Buffer.concat(ls);
  },
  duplicateLine: (b, r) => {
    const ls = lines(b);
    if (ls.length === 0) return b;
    const i = r.int(ls.length);
    ls.splice(r.int(ls.length + 1), 0, ls[i]);
    return Buffer.concat(ls);
  },
  deleteLine: (b, r) => {
    const ls = lines(b);
    if (ls.length === 0) return b;
    ls.splice(r.int(ls.length), 1);
    return Buffer.concat(ls);
  },
  duplicateSigLine: (b, r) => {
    const ls = lines(b);
    const s = sigLineIdx(ls);
    if (s.length === 0) return b;
    const i = r.pick(s);
    ls.splice(r.chance(0.5) ? i + 1 : r.pick(s), 0, ls[i]);
    return Buffer.concat(ls);
  },
  foreignSigLine: (b, r, donor) => {
    // A valid signature by the same key over another text.
    const ls = lines(b);
    const ds = lines(donor);
    const s = sigLineIdx(ls);
    const d = sigLineIdx(ds);
    if (s.length === 0 || d.length === 0) return b;
    const line = ds[r.pick(d)];
    if (r.chance(0.5)) ls[r.pick(s)] = line;
    else ls.splice(r.pick(s), 0, line);
    return Buffer.concat(ls);
  },
  spliceDonorLine: (b, r, donor) => {
    const ls = lines(b);
    const ds = lines(donor);
    if (ls.length === 0 || ds.length === 0) return b;
    const i = r.int(Math.min(ls.length, ds.length));
    ls[i] = ds[i];
    return Buffer.concat(ls);
  },
  spliceDonorHalf: (b, r, donor) => {
    const cut = r.int(Math.min(b.length, donor.length));
    return r.chance(0.5)
      ? Buffer.concat([b.subarray(0, cut), donor.subarray(cut)])
      : Buffer.concat([donor.subarray(0, cut), b.subarray(cut)]);
  },
  base64Tweak: (b, r) => {
    const s = b.toString('latin1');
    const re = /[A-Za-z0-9+/]{16,}={0,2}/g;
    const hits: { at: number; len: number }[] = [];
    for (let m = re.exec(s); m; m = re.exec(s)) hits.push({ at: m.index, len: m[0].length });
    if (hits.length === 0) return b;
    const h = r.pick(hits);
    const tok = s.slice(h.at, h.at + h.len);
    let t: string;
    switch (r.int(7)) {
      case 0: {
        // one character changed
        const i = r.int(tok.length);
        t = tok.slice(0, i) + r.pick([...B64]) + tok.slice(i + 1);
        break;
      }
      case 1: // padding dropped or added
        t = tok.endsWith('=') ? tok.replace(/=+$/, '') : `${tok}=`;
        break;
      case 2: {
        // the last data character's low bits (non-canonical padding bits)
        const body = tok.replace(/=+$/, '');
        const last = B64.indexOf(body[body.length - 1]);
        t = body.slice(0, -1) + B64[last ^ (1 + r.int(3))] + tok.slice(body.length);
        break;
      }
      case 3: // URL-safe alphabet
        t = tok.replace(/\+/g, '-').replace(/\//g, '_');
        break;
      case 4: {
        // re-encoded after a byte flip: canonical base64 of other bytes
        const raw = Buffer.from(tok, 'base64');
        if (raw.length > 0) raw[r.int(raw.length)] ^= 1 << r.int(8);
        t = raw.toString('base64');
        break;
      }
      case 5: {
        // length changed by a byte
        const raw = Buffer.from(tok, 'base64');
        t = (
          r.chance(0.5) ? raw.subarray(0, raw.length - 1) : Buffer.concat([raw, Buffer.from([r.int(256)])])
        ).toString('base64');
        break;
      }
      default: {
        // whitespace inside
        const i = r.int(tok.length);
        t = `${tok.slice(0, i)}${r.pick([' ', '\n', '\r\n', '\t'])}${tok.slice(i)}`;
      }
    }
    return Buffer.from(s.slice(0, h.at) + t + s.slice(h.at + h.len), 'latin1');
  },
  keyName: (b, r) => {
    const ls = lines(b);
    const s = sigLineIdx(ls);
    if (s.length === 0) return b;
    const i = r.pick(s);
    const line = ls[i].toString('utf8');
    const m = /^\u2014 (\S*) (.*)$/s.exec(line);
    if (!m) return b;
    const names = [
      'example.org/fuzz/log',
      'witness.example',
      'cosigner.example',
      'cosigner2.example',
      'stranger.example',
      '',
      'a+b',
      'a b',
      'EXAMPLE.ORG/FUZZ/LOG',
      `${m[1]}x`,
      m[1].slice(0, -1),
      '\u2014',
      `${m[1]}\u00a0`,
      `${m[1]}\ufeff`,
    ];
    ls[i] = Buffer.from(`\u2014 ${r.pick(names)} ${m[2]}`, 'utf8');
    return Buffer.concat(ls);
  },
  number: (b, r) => {
    const s = b.toString('latin1');
    const re = /(^|\n|index |time )(\d+)(?=\n)/g;
    const hits: { at: number; num: string }[] = [];
    for (let m = re.exec(s); m; m = re.exec(s)) hits.push({ at: m.index + m[1].length, num: m[2] });
    if (hits.length === 0) return b;
    const h = r.pick(hits);
    const n = BigInt(h.num);
    const t = r.pick([
      `${n + 1n}`,
      n > 0n ? `${n - 1n}` : '1',
      `0${h.num}`,
      `+${h.num}`,
      `${h.num}.0`,
      `${n + (1n << 53n)}`,
      '18446744073709551616',
      ` ${h.num}`,
    ]);
    return Buffer.from(s.slice(0, h.at) + t + s.slice(h.at + h.num.length), 'latin1');
  },
  newlines: (b, r) => {
    const s = b.toString('utf8');
    switch (r.int(4)) {
      case 0:
        return Buffer.from(s.replace(/\n/g, '\r\n'), 'utf8');
      case 1:
        return Buffer.from(s.replace(/\n\n/, '\n'), 'utf8');
      case 2:
        return Buffer.from(s.replace(/\n\n/, '\n\n\n'), 'utf8');
      default:
        return Buffer.from(s.endsWith('\n') ? s.slice(0, -1) : `${s}\n`, 'utf8');
    }
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

// ---------------------------------------------------------------------------
// One case

interface Failure {
  caseNo: number;
  target: string;
  mutations: string[];
  kind: 'accepted-mutation' | 'unexpected-exception';
  detail: string;
  input: string;
}

interface Stats {
  cases: number;
  unchanged: number;
  acceptedSame: number;
  acceptedDonor: number;
  rejected: Record<string, number>;
  byMutation: Record<string, number>;
  failures: Failure[];
  maxCaseMs: number;
}

function newStats(): Stats {
  return {
    cases: 0,
    unchanged: 0,
    acceptedSame: 0,
    acceptedDonor: 0,
    rejected: {},
    byMutation: {},
    failures: [],
    maxCaseMs: 0,
  };
}

function runCase(caseNo: number, seed: string, targets: Target[], stats: Stats): void {
  const r = new Rng(seed, caseNo);
  const t = targets[r.int(targets.length)];
  const orig = Buffer.from(t.text, 'utf8');
  let b: Buffer = orig;
  const used: string[] = [];
  const n = 1 + (r.chance(0.6) ? 0 : r.int(3));
  for (let i = 0; i < n; i++) {
    const name = r.pick(MUTATION_NAMES);
    used.push(name);
    b = MUTATIONS[name](b, r, Buffer.from(t.donor, 'utf8'));
  }
  stats.cases++;
  for (const u of used) stats.byMutation[u] = (stats.byMutation[u] ?? 0) + 1;
  if (b.equals(orig)) {
    stats.unchanged++;
    return;
  }
  const input: string | Uint8Array = t.bytes && r.chance(0.5) ? new Uint8Array(b) : lossy.decode(b);
  const t0 = performance.now();
  try {
    const got = t.verify(input);
    const foreign = got.sigs.filter((s) => !t.knownSigs!.has(s));
    if ((got.content !== t.expect && got.content !== t.donorExpect) || foreign.length > 0) {
      const detail = `accepted:\n${got.content}\nsignatures ${got.sigs.join(' ')}${foreign.length ? ` (never made: ${foreign.join(' ')})` : ''}\nsigned:\n${t.expect}`;
      stats.failures.push({
        caseNo,
        target: t.name,
        mutations: used,
        kind: 'accepted-mutation',
        detail,
        input: b.toString('base64'),
      });
    } else if (got.content === t.expect) {
      stats.acceptedSame++;
    } else {
      stats.acceptedDonor++;
    }
  } catch (e) {
    const cls = LEDGER_ERRORS.find((C) => e instanceof C);
    if (cls) {
      const key = e instanceof NoteError ? `NoteError:${e.code}` : cls.name;
      stats.rejected[key] = (stats.rejected[key] ?? 0) + 1;
    } else {
      stats.failures.push({
        caseNo,
        target: t.name,
        mutations: used,
        kind: 'unexpected-exception',
        detail: (e as Error)?.stack ?? String(e),
        input: b.toString('base64'),
      });
    }
  }
  const ms = performance.now() - t0;
  if (ms > stats.maxCaseMs) stats.maxCaseMs = ms;
}

// ---------------------------------------------------------------------------
// Workers and the main thread

interface WorkerJob {
  seed: string;
  from: number;
  to: number;
  id: number;
  heartbeat: SharedArrayBuffer;
}

function workerMain(job: WorkerJob): void {
  const targets = buildTargets();
  const hb = new Float64Array(job.heartbeat);
  const stats = newStats();
  for (let c = job.from; c < job.to; c++) {
    if ((c & 255) === 0) hb[job.id] = c;
    runCase(c, job.seed, targets, stats);
    if (stats.failures.length > 20) break;
  }
  hb[job.id] = job.to;
  parentPort!.postMessage(stats);
}

function mergeStats(a: Stats, b: Stats): void {
  a.cases += b.cases;
  a.unchanged += b.unchanged;
  a.acceptedSame += b.acceptedSame;
  a.acceptedDonor += b.acceptedDonor;
  for (const [k, v] of Object.entries(b.rejected)) a.rejected[k] = (a.rejected[k] ?? 0) + v;
  for (const [k, v] of Object.entries(b.byMutation)) a.byMutation[k] = (a.byMutation[k] ?? 0) + v;
  a.failures.push(...b.failures);
  a.maxCaseMs = Math.max(a.maxCaseMs, b.maxCaseMs);
}

function parseArgs(argv: string[]): { count: number; seed: string; workers: number; hangS: number; only?: number } {
  const o = {
    count: 1_000_000,
    seed: '1',
    workers: Math.max(1, Math.min(8, availableParallelism())),
    hangS: 30,
    only: undefined as number | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = val();
      if (!/^\d+$/.test(v)) throw new Error(`${a}: expected a non-negative integer, got ${v}`);
      return Number(v);
    };
    if (a === '--count') o.count = int();
    else if (a === '--seed') o.seed = val();
    else if (a === '--workers') o.workers = Math.max(1, int());
    else if (a === '--hang-s') o.hangS = Math.max(1, int());
    else if (a === '--only') o.only = int();
    else throw new Error(`unknown argument ${a} (use --count N --seed S --workers W --hang-s T --only CASE)`);
  }
  return o;
}

function report(stats: Stats, seconds: number, opts: { seed: string; workers: number }, hung: string[]): number {
  const lines = [
    `fuzz-notes: ${stats.cases} cases (seed ${opts.seed}, ${opts.workers} workers) in ${seconds.toFixed(1)} s (${Math.round(stats.cases / seconds)} cases/s)`,
    `  unchanged by the mutation: ${stats.unchanged}; accepted with the signed content intact: ${stats.acceptedSame}; ` +
      `rebuilt the other validly signed artefact exactly (a splice): ${stats.acceptedDonor}`,
    `  rejected: ${Object.entries(stats.rejected)
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  mutations applied: ${Object.entries(stats.byMutation)
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  slowest case: ${stats.maxCaseMs.toFixed(1)} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const f of stats.failures.slice(0, 20)) {
    process.stdout.write(
      `FAIL case ${f.caseNo} (seed ${opts.seed}) ${f.kind} on ${f.target} after ${f.mutations.join('+')}:\n${f.detail}\ninput (base64): ${f.input}\n`,
    );
  }
  for (const h of hung) process.stdout.write(`FAIL hang: ${h}\n`);
  const bad = stats.failures.length + hung.length;
  process.stdout.write(
    bad === 0 ? 'OK: no mutation accepted, no foreign exception, no hang\n' : `FAILED: ${bad} failure(s)\n`,
  );
  return bad === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz-notes: ${(e as Error).message}\n`);
    return 2;
  }
  const t0 = performance.now();
  if (opts.only !== undefined) {
    const stats = newStats();
    runCase(opts.only, opts.seed, buildTargets(), stats);
    return report(stats, (performance.now() - t0) / 1000, { seed: opts.seed, workers: 0 }, []);
  }
  buildTargets(); // the valid artefacts verify, before any worker starts
  const workers = Math.min(opts.workers, Math.max(1, opts.count));
  const heartbeat = new SharedArrayBuffer(8 * workers);
  const hb = new Float64Array(heartbeat);
  const total = newStats();
  const hung: string[] = [];
  const per = Math.ceil(opts.count / workers);
  const self = fileURLToPath(import.meta.url);
  await Promise.all(
    Array.from(
      { length: workers },
      (_, id) =>
        new Promise<void>((resolveDone) => {
          const from = id * per;
          const to = Math.min(opts.count, from + per);
          const w = new Worker(self, { workerData: { seed: opts.seed, from, to, id, heartbeat } satisfies WorkerJob });
          let last = -1;
          let since = performance.now();
          const timer = setInterval(() => {
            if (hb[id] !== last) {
              last = hb[id];
              since = performance.now();
            } else if (performance.now() - since > opts.hangS * 1000) {
              hung.push(
                `worker ${id} made no progress for ${opts.hangS} s near case ${hb[id]} (replay: --seed ${opts.seed} --only CASE for cases ${hb[id]}..${hb[id] + 255})`,
              );
              clearInterval(timer);
              void w.terminate();
            }
          }, 1000);
          w.on('message', (s: Stats) => mergeStats(total, s));
          w.on('error', (e) => {
            total.failures.push({
              caseNo: -1,
              target: `worker ${id}`,
              mutations: [],
              kind: 'unexpected-exception',
              detail: e.stack ?? String(e),
              input: '',
            });
          });
          w.on('exit', () => {
            clearInterval(timer);
            resolveDone();
          });
        }),
    ),
  );
  return report(total, (performance.now() - t0) / 1000, { seed: opts.seed, workers }, hung);
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`fuzz-notes: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  workerMain(workerData as WorkerJob);
}
