/**
 * Conformance of a log written through a storage driver, against the tlog
 * vectors: what tlog-merkle.ts checks on the Merkle core, checked here on
 * the tiles a driver stored.
 *
 *  - rfc6962-reference-tree.json: the 8 reference leaves appended one by
 *    one; the root of every size 0..8 from the stored tiles, every
 *    inclusion and consistency proof among those sizes from the stored
 *    tiles verified against the reference roots;
 *  - merkle-testdata (the happy paths over the reference leaves): the
 *    proofs computed from the stored tiles are byte for byte the vectors';
 *  - tlog-tiles-paths.json: a log grown through each tree size of the
 *    vectors holds the tiles and bundles the vectors list, of their widths.
 *
 * `logVectorChecks(dataDir, newLog)` runs them on logs from `newLog` (an
 * empty log of a driver) and returns one result per check; tlog-merkle.ts
 * runs it on the files driver, and test/ledger-storage-conformance.ts on
 * every driver.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Log } from '../../src/ledger/log.js';
import { hashAtFromStore } from '../../src/ledger/tile-reader.js';
import type { LogStorage } from '../../src/ledger/storage/interface.js';
import {
  bytesEqual,
  consistencyProof,
  inclusionProof,
  leafHash,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';
import { decodeEntryBundle, decodeTile, parseTilePath, tilesForSize } from '../../src/ledger/tiles.js';

export interface VectorResult {
  group: string;
  ok: boolean;
  what: string;
}

/** An empty log of the driver under test, and how to remove it. */
export interface LogUnderTest {
  storage: LogStorage;
  cleanup(): Promise<void>;
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const b64 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64'));
const b64s = (v: unknown): string[] =>
  Array.isArray(v) ? (v as Uint8Array[]).map((h) => Buffer.from(h).toString('base64')) : [];

function jsonFiles(d: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(d).sort()) {
    const p = path.join(d, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

function attempt(out: VectorResult[], group: string, what: string, f: () => boolean): void {
  try {
    out.push({ group, ok: f(), what });
  } catch (e) {
    out.push({ group, ok: false, what: `${what}: ${(e as Error).message}` });
  }
}

/** Runs every check on logs of the driver under test; see the top of this file. */
export async function logVectorChecks(dataDir: string, newLog: () => Promise<LogUnderTest>): Promise<VectorResult[]> {
  const out: VectorResult[] = [];
  await referenceTree(dataDir, newLog, out);
  await tileSizes(dataDir, newLog, out);
  return out;
}

interface ReferenceTree {
  leafInputsHex: string[];
  leafHashesHex: string[];
  rootHashesHexBySize: Record<string, string>;
}

async function referenceTree(dataDir: string, newLog: () => Promise<LogUnderTest>, out: VectorResult[]): Promise<void> {
  const group = 'rfc6962-reference-tree.json (stored tiles)';
  const ref = JSON.parse(readFileSync(path.join(dataDir, 'rfc6962-reference-tree.json'), 'utf8')) as ReferenceTree;
  const t = await newLog();
  try {
    const log = await Log.openStorage(t.storage, { write: true });
    const tiles = t.storage.tiles;
    const roots = (n: number): Uint8Array => hex(ref.rootHashesHexBySize[String(n)]);
    try {
      attempt(out, group, 'root of size 0 from the tiles', () =>
        bytesEqual(treeRoot(0, hashAtFromStore(tiles, 0)), roots(0)),
      );
      for (let i = 0; i < ref.leafInputsHex.length; i++) {
        await log.append([hex(ref.leafInputsHex[i])]);
        const size = i + 1;
        attempt(out, group, `root of size ${size} from the tiles`, () =>
          bytesEqual(treeRoot(size, hashAtFromStore(tiles, size)), roots(size)),
        );
      }
      const record = await log.appendedByWriter(0, log.size);
      attempt(
        out,
        group,
        "the writer's record holds the reference leaf hashes",
        () =>
          record === null ||
          (record.length === ref.leafHashesHex.length &&
            record.every((r, i) => r.index === i && bytesEqual(r.leafHash, hex(ref.leafHashesHex[i])))),
      );
    } finally {
      await log.close();
    }
    const n = ref.leafInputsHex.length;
    for (let size = 1; size <= n; size++) {
      const hashAt = hashAtFromStore(tiles, size);
      for (let i = 0; i < size; i++) {
        attempt(out, group, `inclusion of ${i} in ${size} from the tiles`, () => {
          verifyInclusion(hex(ref.leafHashesHex[i]), i, size, inclusionProof(i, size, hashAt), roots(size));
          return true;
        });
      }
      for (let m = 1; m < size; m++) {
        attempt(out, group, `consistency ${m} -> ${size} from the tiles`, () => {
          verifyConsistency(m, size, consistencyProof(m, size, hashAt), roots(m), roots(size));
          return true;
        });
      }
    }
    happyPaths(dataDir, ref, t.storage, out);
  } finally {
    await t.cleanup();
  }
}

/** The merkle-testdata proofs that should verify, over the reference leaves: the stored tiles give the same bytes. */
function happyPaths(dataDir: string, ref: ReferenceTree, storage: LogStorage, out: VectorResult[]): void {
  const base = path.join(dataDir, 'merkle-testdata');
  const n = ref.leafInputsHex.length;
  for (const kind of ['inclusion', 'consistency'] as const) {
    const group = `merkle-testdata/${kind} (stored tiles)`;
    const dir = path.join(base, kind);
    if (!existsSync(dir)) {
      out.push({ group, ok: false, what: `missing directory ${dir}` });
      continue;
    }
    for (const file of jsonFiles(dir)) {
      const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (v.wantErr !== false) continue;
      const what = path.relative(base, file);
      if (kind === 'inclusion') {
        const i = v.leafIdx as number;
        const size = v.treeSize as number;
        // Only vectors over the reference leaves: a leaf hash of another tree is not in this log.
        if (size > n || Buffer.from(hex(ref.leafHashesHex[i])).toString('base64') !== v.leafHash) continue;
        attempt(out, group, what, () => {
          const hashAt = hashAtFromStore(storage.tiles, size);
          const proof = inclusionProof(i, size, hashAt);
          return (
            JSON.stringify(b64s(proof)) === JSON.stringify(v.proof ?? []) &&
            bytesEqual(treeRoot(size, hashAt), b64(v.root as string))
          );
        });
      } else {
        const s1 = v.size1 as number;
        const s2 = v.size2 as number;
        if (s2 > n || s1 > s2) continue;
        attempt(out, group, what, () => {
          const proof = s1 === s2 ? [] : consistencyProof(s1, s2, hashAtFromStore(storage.tiles, s2));
          // Some vectors give placeholder roots (not 32 bytes) where the roots do not matter.
          const rootIs = (size: number, root: unknown): boolean =>
            b64(root as string).length !== 32 ||
            bytesEqual(treeRoot(size, hashAtFromStore(storage.tiles, size)), b64(root as string));
          return (
            JSON.stringify(b64s(proof)) === JSON.stringify(v.proof ?? []) && rootIs(s1, v.root1) && rootIs(s2, v.root2)
          );
        });
      }
    }
  }
}

interface TreeSizeVector {
  size: number;
  paths?: string[];
  paths_count?: number;
  last?: string[];
  level0Partial?: string;
  level1?: string[];
  level2?: string[];
  entryBundlePartial?: string;
}

/** A log grown through the vectors' tree sizes holds, at each, the tiles and bundles they list, of their widths. */
async function tileSizes(dataDir: string, newLog: () => Promise<LogUnderTest>, out: VectorResult[]): Promise<void> {
  const group = 'tlog-tiles-paths.json (stored tiles)';
  const spec = JSON.parse(readFileSync(path.join(dataDir, 'tlog-tiles-paths.json'), 'utf8')) as {
    treeSizes: TreeSizeVector[];
  };
  const sizes = [...spec.treeSizes].sort((a, b) => a.size - b.size);
  const t = await newLog();
  const log = await Log.openStorage(t.storage, { write: true });
  try {
    for (const v of sizes) {
      while (log.size < v.size) {
        const n = Math.min(1000, v.size - log.size);
        await log.append(Array.from({ length: n }, (_, j) => Buffer.from(`{"i":${log.size + j}}`)));
      }
      const listed = [
        ...(v.paths ?? []),
        ...(v.last ?? []),
        ...(v.level0Partial ? [v.level0Partial] : []),
        ...(v.level1 ?? []),
        ...(v.level2 ?? []),
        ...(v.entryBundlePartial ? [v.entryBundlePartial] : []),
      ];
      for (const p of listed) {
        attempt(out, group, `size ${v.size}: ${p} stored, of its width`, () => {
          const parsed = parseTilePath(p);
          const data = t.storage.tiles.read(p);
          const got =
            parsed.kind === 'tile'
              ? decodeTile(data, parsed.width).length
              : decodeEntryBundle(data, parsed.width).length;
          return got === parsed.width;
        });
      }
      if (v.paths_count !== undefined) {
        attempt(out, group, `size ${v.size}: all ${v.paths_count} tiles stored`, () => {
          const all = tilesForSize(v.size);
          return all.length === v.paths_count && all.every((x) => t.storage.tiles.has(x.path));
        });
      }
      attempt(out, group, `size ${v.size}: the tiles give the root of the entries`, () => {
        const hashAt = hashAtFromStore(t.storage.tiles, v.size);
        let ok = true;
        log.forEachEntry(v.size - 1, v.size, (i, e) => {
          verifyInclusion(leafHash(e), i, v.size, inclusionProof(i, v.size, hashAt), treeRoot(v.size, hashAt));
          ok = i === v.size - 1;
        });
        return ok && bytesEqual(treeRoot(v.size, hashAt), log.root());
      });
    }
  } finally {
    await log.close();
    await t.cleanup();
  }
}
