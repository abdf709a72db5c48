/**
 * The structure of src/ as docs/architecture.md states it: data flows one
 * way between the stage folders, each folder is entered through its
 * index.ts, and util/ depends on nothing. ESLint checks static imports
 * file by file; this checks the whole graph, dynamic imports included.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

/**
 * The folders in data-flow order: a folder may import only folders before
 * it. The order is the architecture's (docs/architecture.md); a change here
 * is a change of the design.
 */
const LAYERS = [
  'util',
  'ais',
  'tracks',
  'imagery',
  'ledger',
  'case',
  'evidence',
  'verify',
  'report',
  'scenario',
  'cli',
];

interface Edge {
  from: string;
  to: string;
  file: string;
  spec: string;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every import between folders of src/, static and dynamic. */
function crossFolderImports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of tsFiles(src)) {
    const from = relative(src, file).split(sep)[0];
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (!spec.startsWith('.')) continue;
      const target = relative(src, normalize(join(dirname(file), spec)));
      if (target.startsWith('..')) continue; // outside src/ (package.json)
      const to = target.split(sep)[0];
      if (to !== from) edges.push({ from, to, file: relative(root, file), spec: target.split(sep).join('/') });
    }
  }
  return edges;
}

describe('the structure of src/', () => {
  const edges = crossFolderImports();

  it('has the folders the architecture names, and no others', () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    assert.deepEqual(folders, [...LAYERS].sort());
  });

  it('enters every folder through its index.ts', () => {
    const skipping = edges.filter((e) => e.spec !== `${e.to}/index.js`).map((e) => `${e.file} imports ${e.spec}`);
    assert.deepEqual(skipping, []);
  });

  it('lets data flow one way: a folder imports only folders before it in the data flow', () => {
    const rank = new Map(LAYERS.map((l, i) => [l, i]));
    const backwards = edges
      .filter((e) => rank.get(e.to)! >= rank.get(e.from)!)
      .map((e) => `${e.file} (${e.from}) imports ${e.spec} (${e.to})`);
    assert.deepEqual(backwards, []);
  });

  it('keeps util/ a leaf: it imports no other folder', () => {
    assert.deepEqual(
      edges.filter((e) => e.from === 'util').map((e) => `${e.file} imports ${e.spec}`),
      [],
    );
  });

  it('finds the imports it checks (static and dynamic)', () => {
    // A check that sees nothing passes for nothing: the CLI loads each command's modules dynamically.
    assert.ok(edges.some((e) => e.from === 'cli' && e.to === 'verify'));
    assert.ok(edges.some((e) => e.from === 'verify' && e.to === 'case'));
    assert.ok(edges.length > 50, `only ${edges.length} imports between folders found`);
  });
});
