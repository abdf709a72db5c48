/**
 * The README's figures are the ones under bench/results/: a benchmark run
 * that changes them must be followed by `node dist/scripts/readme-figures.js
 * --write`, so that the README never shows a figure nobody measured.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const script = new URL('../scripts/readme-figures.js', import.meta.url).pathname;

describe("the README's figures", () => {
  it('are rendered from bench/results/*.json', () => {
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
});
