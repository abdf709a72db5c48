/**
 * Conformance check: Tally's Merkle core (src/ledger/merkle.ts, tiles.ts)
 * against the tlog vectors.
 *
 *   node dist/scripts/conformance/tlog-merkle.js [DIR] [--verbose]
 *
 * DIR defaults to ../shared/data/tlog (relative to the repository root). Runs
 *  - every merkle-testdata/inclusion/** and merkle-testdata/consistency/**
 *    vector: a `wantErr` vector must throw, every other must verify;
 *  - rfc6962-reference-tree.json: leaf hashes and the roots for sizes 0..8,
 *    plus every inclusion and consistency proof among those sizes generated
 *    and verified;
 *  - tlog-tiles-paths.json: the index encoding, the tile sets of every tree
 *    size, and that the Go sumdb paths are not read as tlog-tiles paths;
 *  - the same vectors on a log written through the files driver: roots,
 *    proofs and tile layout from the stored tiles (tlog-log.ts).
 * The subtree vectors (merkle-testdata/subtree*, draft-ietf-plants-merkle-
 * tree-certs) are not run: Tally does not implement subtree proofs.
 *
 * Prints a count per directory; exits 1 when any check fails, 2 on a usage
 * or read error.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  MemoryTree,
  ProofError,
  emptyRoot,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';
import {
  encodeTileIndex,
  entriesPath,
  parseTileIndex,
  parseTilePath,
  tilesForSize,
  TileError,
} from '../../src/ledger/tiles.js';
import { Log } from '../../src/ledger/log.js';
import { openPosixStorage } from '../../src/ledger/storage/posix.js';
import { logVectorChecks, type LogUnderTest } from './tlog-log.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const positional = args.filter((a) => !a.startsWith('--'));
if (positional.length > 1 || args.some((a) => a.startsWith('--') && a !== '--verbose')) {
  console.error('usage: tlog-merkle [DIR] [--verbose]');
  process.exit(2);
}
const dir = path.resolve(repoRoot, positional[0] ?? '../shared/data/tlog');
if (!existsSync(dir)) {
  console.error(`tlog-merkle: no directory ${dir}`);
  process.exit(2);
}

interface Tally {
  pass: number;
  fail: number;
  wantErrOk: number;
}
const counts = new Map<string, Tally>();
const failures: string[] = [];

function record(group: string, ok: boolean, wantErr: boolean, what: string): void {
  let t = counts.get(group);
  if (!t) counts.set(group, (t = { pass: 0, fail: 0, wantErrOk: 0 }));
  if (ok) {
    t.pass++;
    if (wantErr) t.wantErrOk++;
  } else {
    t.fail++;
    failures.push(`${group}: ${what}`);
  }
}

/** JSON with integers beyond 2^53 kept exact (as bigint), since a vector holds 2^64 − 1. */
function parseJson(text: string): unknown {
  const marked = text.replace(/([:[,]\s*)(\d{16,})(?=\s*[,}\]])/g, '$1"#bigint:$2"');
  return JSON.parse(marked, (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith('#bigint:') ? BigInt(v.slice(8)) : v,
  );
}

function b64(v: unknown): Uint8Array {
  if (typeof v !== 'string') throw new Error(`expected a base64 string, got ${JSON.stringify(v)}`);
  return Buffer.from(v, 'base64');
}

function b64list(v: unknown): Uint8Array[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new Error('proof is not a list');
  return v.map(b64);
}

function count(v: unknown): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  throw new Error(`expected an integer, got ${JSON.stringify(v)}`);
}

function jsonFiles(d: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(d).sort()) {
    const p = path.join(d, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** Runs `fn`; returns [threw, message]. Only ProofError counts as a rejection: any other exception is a bug. */
function attempt(fn: () => void): { threw: boolean; message: string; bug: boolean } {
  try {
    fn();
    return { threw: false, message: '', bug: false };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { threw: true, message, bug: !(e instanceof ProofError) };
  }
}

function runVectors(kind: 'inclusion' | 'consistency'): void {
  const base = path.join(dir, 'merkle-testdata', kind);
  if (!existsSync(base)) {
    record(kind, false, false, `missing directory ${base}`);
    return;
  }
  for (const file of jsonFiles(base)) {
    const rel = path.relative(path.join(dir, 'merkle-testdata'), file);
    const group = path.dirname(rel);
    const v = parseJson(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const wantErr = v.wantErr === true;
    const r = attempt(() => {
      if (kind === 'inclusion') {
        verifyInclusion(b64(v.leafHash), count(v.leafIdx), count(v.treeSize), b64list(v.proof), b64(v.root));
      } else {
        verifyConsistency(count(v.size1), count(v.size2), b64list(v.proof), b64(v.root1), b64(v.root2));
      }
    });
    const ok = r.threw === wantErr && !r.bug;
    const what = `${rel} (${String(v.desc)}): ${wantErr ? 'wanted an error' : 'wanted success'}, ${r.threw ? `got ${r.bug ? 'a non-ProofError exception' : 'error'}: ${r.message}` : 'verified'}`;
    if (verbose) console.error(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
    record(`merkle-testdata/${group}`, ok, wantErr, what);
  }
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function runReferenceTree(): void {
  const group = 'rfc6962-reference-tree.json';
  const ref = parseJson(readFileSync(path.join(dir, group), 'utf8')) as {
    leafInputsHex: string[];
    leafHashesHex: string[];
    rootHashesHexBySize: Record<string, string>;
  };
  const leaves = ref.leafInputsHex.map((h) => leafHash(Buffer.from(h, 'hex')));
  leaves.forEach((h, i) =>
    record(
      group,
      hexOf(h) === ref.leafHashesHex[i],
      false,
      `leaf hash ${i}: got ${hexOf(h)}, want ${ref.leafHashesHex[i]}`,
    ),
  );
  const tree = new MemoryTree(leaves);
  for (const [sizeText, want] of Object.entries(ref.rootHashesHexBySize)) {
    const size = Number(sizeText);
    const got = hexOf(rootOf(leaves.slice(0, size)));
    record(group, got === want, false, `root of size ${size}: got ${got}, want ${want}`);
    const fromTree = hexOf(size === 0 ? emptyRoot() : tree.root(size));
    record(group, fromTree === want, false, `root of size ${size} from full subtrees: got ${fromTree}, want ${want}`);
  }
  // Every proof among the reference sizes, generated and verified.
  for (let size = 1; size <= leaves.length; size++) {
    const root = tree.root(size);
    for (let i = 0; i < size; i++) {
      const r = attempt(() => verifyInclusion(leaves[i], i, size, tree.inclusionProof(i, size), root));
      record(group, !r.threw, false, `generated inclusion proof of ${i} in ${size}: ${r.message}`);
    }
    for (let size1 = 1; size1 <= size; size1++) {
      const r = attempt(() =>
        verifyConsistency(size1, size, tree.consistencyProof(size1, size), tree.root(size1), root),
      );
      record(group, !r.threw, false, `generated consistency proof ${size1} -> ${size}: ${r.message}`);
    }
  }
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function runTilePaths(): void {
  const group = 'tlog-tiles-paths.json';
  const spec = parseJson(readFileSync(path.join(dir, group), 'utf8')) as {
    indexEncoding: { index: number; path: string }[];
    treeSizes: {
      size: number;
      paths?: string[];
      paths_count?: number;
      last?: string[];
      level0Partial?: string;
      level1?: string[];
      level2?: string[];
      entryBundlePartial?: string;
    }[];
    goSumdbDifference: { examples: [string, unknown][] };
  };
  for (const { index, path: want } of spec.indexEncoding) {
    const got = encodeTileIndex(index);
    record(group, got === want, false, `encode index ${index}: got ${got}, want ${want}`);
    let back: number | string;
    try {
      back = parseTileIndex(want);
    } catch (e) {
      back = String(e);
    }
    record(group, back === index, false, `parse index ${want}: got ${back}, want ${index}`);
  }
  for (const t of spec.treeSizes) {
    const tiles = tilesForSize(t.size);
    const paths = tiles.map((x) => x.path);
    // Every path we publish parses back to itself.
    for (const x of tiles) {
      const p = parseTilePath(x.path);
      record(
        group,
        p.kind === 'tile' && p.level === x.level && p.index === x.index && p.width === x.width,
        false,
        `parse ${x.path}`,
      );
    }
    if (t.paths)
      record(
        group,
        same(paths, t.paths),
        false,
        `tiles of size ${t.size}: got ${paths.join(' ')}, want ${t.paths.join(' ')}`,
      );
    if (t.paths_count !== undefined)
      record(
        group,
        paths.length === t.paths_count,
        false,
        `tile count of size ${t.size}: got ${paths.length}, want ${t.paths_count}`,
      );
    if (t.last) {
      const tail = paths.slice(-t.last.length);
      record(
        group,
        same(tail, t.last),
        false,
        `last tiles of size ${t.size}: got ${tail.join(' ')}, want ${t.last.join(' ')}`,
      );
    }
    const byLevel = (l: number): string[] => tiles.filter((x) => x.level === l).map((x) => x.path);
    if (t.level0Partial) {
      const partial0 = tiles.filter((x) => x.level === 0 && x.width < 256).map((x) => x.path);
      record(
        group,
        same(partial0, [t.level0Partial]),
        false,
        `level 0 partial of size ${t.size}: got ${partial0.join(' ')}, want ${t.level0Partial}`,
      );
    }
    if (t.level1)
      record(
        group,
        same(byLevel(1), t.level1),
        false,
        `level 1 of size ${t.size}: got ${byLevel(1).join(' ')}, want ${t.level1.join(' ')}`,
      );
    if (t.level2)
      record(
        group,
        same(byLevel(2), t.level2),
        false,
        `level 2 of size ${t.size}: got ${byLevel(2).join(' ')}, want ${t.level2.join(' ')}`,
      );
    if (t.entryBundlePartial) {
      const got = entriesPath(Math.floor(t.size / 256), t.size % 256);
      record(
        group,
        got === t.entryBundlePartial,
        false,
        `entry bundle of size ${t.size}: got ${got}, want ${t.entryBundlePartial}`,
      );
    }
  }
  // The spec's own count for size 70000: 273 full level 0 tiles.
  const t70k = tilesForSize(70000);
  record(
    group,
    t70k.filter((x) => x.level === 0 && x.width === 256).length === 273,
    false,
    'size 70000: 273 full level 0 tiles',
  );
  // Go sumdb paths carry H: none of them is a tlog-tiles path.
  for (const [p] of spec.goSumdbDifference.examples) {
    let rejected = false;
    try {
      parseTilePath(p);
    } catch (e) {
      rejected = e instanceof TileError;
    }
    record(group, rejected, true, `Go sumdb path ${p} must not parse as a tlog-tiles path`);
  }
}

/** The same vectors on a log written through the files driver (tlog-log.ts). */
async function runStoredLog(): Promise<void> {
  const base = mkdtempSync(path.join(tmpdir(), 'tally-tlog-conformance-'));
  let n = 0;
  const newLog = async (): Promise<LogUnderTest> => {
    const dir = path.join(base, `log-${n}`);
    await Log.init(dir, { origin: 'example.org/conformance', keyPath: path.join(base, `log-${n++}.key`) });
    return { storage: openPosixStorage(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  };
  try {
    for (const r of await logVectorChecks(dir, newLog)) record(r.group, r.ok, false, r.what);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

try {
  runVectors('inclusion');
  runVectors('consistency');
  runReferenceTree();
  runTilePaths();
  await runStoredLog();
} catch (e) {
  console.error(`tlog-merkle: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(2);
}

let pass = 0;
let fail = 0;
for (const [group, t] of [...counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(
    `${group.padEnd(40)} ${String(t.pass).padStart(4)} passed (${t.wantErrOk} of them rejected as wanted)${t.fail ? `, ${t.fail} FAILED` : ''}`,
  );
  pass += t.pass;
  fail += t.fail;
}
console.log(`subtree vectors (merkle-testdata/subtree*): not run, Tally implements no subtree proofs`);
console.log(`total: ${pass} passed, ${fail} failed`);
for (const f of failures) console.error(`FAIL ${f}`);
process.exit(fail > 0 ? 1 : 0);
