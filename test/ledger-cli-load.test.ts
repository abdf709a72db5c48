import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** The modules of this repository that `tally ARGS` loads, as paths under dist/. */
function modulesLoaded(args: string[]): { status: number | null; stdout: string; modules: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tally-load-'));
  const out = join(dir, 'loaded.txt');
  writeFileSync(out, '');
  // A resolve hook (it runs off the main thread) that notes every module URL resolved.
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
let out;
export async function initialize(data) { out = data.out; }
export async function resolve(spec, context, next) {
  const r = await next(spec, context);
  appendFileSync(out, r.url + '\\n');
  return r;
}
`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { out: ${JSON.stringify(out)} } });
`,
  );
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, CLI, ...args], {
    encoding: 'utf8',
  });
  const modules = readFileSync(out, 'utf8')
    .split('\n')
    .filter((u) => u.includes('/dist/src/'))
    .map((u) => u.slice(u.indexOf('/dist/') + 1));
  rmSync(dir, { recursive: true });
  return { status: r.status, stdout: r.stdout, modules };
}

for (const command of ['log', 'escrow']) {
  test(`tally ${command} --help declares the commands without loading the ledger`, () => {
    const r = modulesLoaded([command, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`Usage: tally ${command}`));
    assert.ok(r.modules.includes(`dist/src/cli/${command}.js`), r.modules.join(', '));
    const heavy = r.modules.filter((m) => m.includes('/ledger/') || m.endsWith('-actions.js'));
    assert.deepEqual(heavy, []);
  });
}

test('running a log command loads its actions and the ledger', () => {
  const r = modulesLoaded(['log', 'keygen', 'x.example', '--out', join(tmpdir(), `tally-load-${process.pid}.key`)]);
  rmSync(join(tmpdir(), `tally-load-${process.pid}.key`), { force: true });
  assert.equal(r.status, 0);
  assert.ok(r.modules.includes('dist/src/cli/log-actions.js'), r.modules.join(', '));
  assert.ok(r.modules.includes('dist/src/ledger/index.js'), r.modules.join(', '));
});
