/**
 * Fuzzes what the case loader accepts: a generated strait case's manifest
 * (case.yaml) and one of its inspection records, mutated with the case's
 * structure in mind. Each mutation takes the valid file and changes one to
 * three things: a value replaced by a number at the edges (.inf, -.inf,
 * .nan, 1e308, 1e400, -0, huge integers), by a value of the wrong type, by
 * unicode (controls, right-to-left marks, surrogates' neighbours, emoji) or
 * by deep nesting; a field removed or added; an anchor and aliases (shared
 * nodes, cycles, bombs); raw text cut, doubled or flipped. Then `loadCase`
 * runs on the folder. Checks:
 *
 *   - nothing but a CaseError escapes, and every issue it lists names its
 *     file and a line or a field;
 *   - an accepted case's resolved terms are finite numbers;
 *   - no input takes over --hang-s seconds (default 5); memory stays bounded.
 *
 * With --cli N, a sample of N mutations also runs through the real CLI
 * (`tally case check` and `tally verify -q`): exit 0, 1 or 3, or 2 with a
 * `file:line: field` location, and never a stack trace.
 *
 *   node dist/scripts/fuzz-case.js [--count N] [--seed S] [--workers W] [--hang-s T] [--cli N] [--only CASE]
 *
 * Every mutation is reproducible from (seed, case number); a failure prints
 * both. Exit status 1 on any failure.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { CaseError, loadCase } from '../src/case/index.js';
import { generateCase } from '../src/scenario/index.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const MANIFEST = 'case.yaml';
const RECORD = 'evidence/inspections/insp-1.json';

// ---------------------------------------------------------------------------
// Deterministic randomness (as in fuzz-notes: xorshift128+ from SHA-256 of seed and case)

class Rng {
  private a: bigint;
  private b: bigint;
  constructor(seed: string, n: number) {
    const h = createHash('sha256').update(`fuzz-case/${seed}/${n}`).digest();
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
// Mutations

/** Numbers at the edges, as YAML (and, where JSON has them, JSON) writes them. */
const EDGE_YAML = [
  '.inf',
  '-.inf',
  '.nan',
  '.NaN',
  '1e308',
  '-1e308',
  '1e400',
  '-0',
  '0',
  '-1',
  '0.0000001',
  '9007199254740993',
  '99999999999999999999999999',
  '0x7fffffff',
  '0o777',
  '4.9e-324',
  '1000001',
  '10081',
  '1_000',
];
const EDGE_JSON = ['1e400', '-1e400', '1e308', '-0', '-1', '0', '9007199254740993', '1e-400', '1000001', '2.5'];
const UNICODE = [
  '\u202etxt.exe',
  'a\u0000b',
  '\u0007\u001b[31m',
  '\ud83d\ude80\ud83d\ude80',
  'e\u0301\u0301\u0301',
  '\ufeffbom',
  '\u2028line',
  'x'.repeat(5000),
  '',
  ' ',
  '../../etc/passwd',
  'keys/operator.key',
  'private/lot-a1.secrets.json',
  '/etc/passwd',
];
const WRONG_TYPES = ['null', '~', 'true', 'false', '[]', '{}', '[1, 2]', '{a: 1}', '"12"', "''", '!!binary aGVsbG8='];

type AliasTarget = Parameters<Document['createAlias']>[0];

interface Slot {
  /** The collection holding the value, and its key or index. */
  parent: Node;
  key: unknown;
}

/** Every value slot of a YAML document (map values, sequence items), depth first. */
function slots(doc: Document): Slot[] {
  const out: Slot[] = [];
  const walk = (n: unknown): void => {
    if (isMap(n))
      for (const p of n.items) {
        out.push({ parent: n, key: p.key });
        walk(p.value);
      }
    else if (isSeq(n))
      n.items.forEach((x, i) => {
        out.push({ parent: n, key: i });
        walk(x);
      });
  };
  walk(doc.contents);
  return out;
}

function setSlot(s: Slot, v: unknown): void {
  if (isMap(s.parent)) {
    const p = s.parent.items.find((x) => x.key === s.key);
    if (p) p.value = v as Node;
  } else if (isSeq(s.parent)) s.parent.items[s.key as number] = v as Node;
}

function getSlot(s: Slot): unknown {
  if (isMap(s.parent)) return s.parent.items.find((x) => x.key === s.key)?.value;
  if (isSeq(s.parent)) return s.parent.items[s.key as number];
  return undefined;
}

/** A YAML fragment parsed into a node of `doc`. */
function fragment(doc: Document, text: string): unknown {
  const d = parseDocument(text);
  return d.errors.length ? doc.createNode(text) : d.contents;
}

/** One structural mutation of the manifest's document. */
function mutateYamlTree(doc: Document, r: Rng, anchors: { n: number }): void {
  const all = slots(doc);
  if (!all.length) return;
  const s = r.pick(all);
  switch (r.int(9)) {
    case 0:
    case 1:
      setSlot(s, fragment(doc, r.pick(EDGE_YAML)));
      break;
    case 2:
      setSlot(s, fragment(doc, r.pick(WRONG_TYPES)));
      break;
    case 3:
      setSlot(s, doc.createNode(r.pick(UNICODE)));
      break;
    case 4: {
      // Removed, or an unknown field beside it.
      if (isMap(s.parent)) {
        if (r.chance(0.5)) s.parent.items = s.parent.items.filter((p) => p.key !== s.key);
        else s.parent.set(doc.createNode(r.pick(['x', 'count', 'path', '\u00e9', '<<'])), doc.createNode(1));
      } else if (isSeq(s.parent)) s.parent.items.splice(s.key as number, 1);
      break;
    }
    case 5: {
      // Nested deep.
      const depth = r.pick([10, 60, 70, 200, 1000]);
      setSlot(s, fragment(doc, `${'['.repeat(depth)}1${']'.repeat(depth)}`));
      break;
    }
    case 6: {
      // One node anchored and aliased elsewhere: shared, or inside itself (a cycle).
      const target = r.pick(all);
      const node = getSlot(target);
      if (!node || typeof node !== 'object') break;
      const name = `a${anchors.n++}`;
      (node as { anchor?: string }).anchor = name;
      const where = r.chance(0.3) && (isMap(node) || isSeq(node)) ? null : r.pick(all);
      if (where === null) {
        if (isSeq(node)) node.items.push(doc.createAlias(node as AliasTarget, name) as never);
        else if (isMap(node)) node.set('self', doc.createAlias(node as AliasTarget, name));
      } else setSlot(where, doc.createAlias(node as AliasTarget, name));
      break;
    }
    case 7: {
      // A laughs bomb of random width and depth at a random slot.
      const width = 2 + r.int(9);
      const levels = 2 + r.int(9);
      let text = `&l0 [${Array(width).fill('"lol"').join(',')}]`;
      for (let i = 1; i < levels; i++)
        text = `[&l${i} ${text}, ${Array(width)
          .fill(`*l${i - 1}`)
          .join(',')}]`;
      setSlot(s, fragment(doc, text));
      break;
    }
    default: {
      // A number nudged across its bound.
      const v = getSlot(s);
      if (isScalar(v) && typeof v.value === 'number')
        v.value = r.pick([v.value * 1e6, -v.value, v.value + 1, 0, v.value * 1e300]);
      else setSlot(s, fragment(doc, r.pick(EDGE_YAML)));
    }
  }
}

/** One raw mutation of text: a line cut, doubled or swapped, a character flipped, a fragment spliced. */
function mutateText(text: string, r: Rng, edges: readonly string[]): string {
  const lines = text.split('\n');
  const i = r.int(lines.length);
  switch (r.int(6)) {
    case 0:
      lines.splice(i, 1);
      return lines.join('\n');
    case 1:
      lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    case 2: {
      const j = r.int(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 3: {
      const p = r.int(text.length);
      return text.slice(0, p) + String.fromCharCode(r.int(0x3000)) + text.slice(p + 1);
    }
    case 4:
      return text.slice(0, r.int(text.length));
    default: {
      // A number literal replaced by an edge one, in the text itself (JSON.stringify cannot write 1e400).
      const nums = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
      if (!nums.length) return text;
      const m = r.pick(nums);
      return text.slice(0, m.index) + r.pick(edges) + text.slice(m.index! + m[0].length);
    }
  }
}

/** The mutated (target file, text) of case `n`. */
function mutation(seed: string, n: number, base: { manifest: string; record: string }): { file: string; text: string } {
  const r = new Rng(seed, n);
  const rounds = 1 + r.int(3);
  if (r.chance(0.75)) {
    let text = base.manifest;
    const anchors = { n: 0 };
    for (let k = 0; k < rounds; k++) {
      // The mutator parses and writes YAML too: where the library cannot (too deep), the round is a raw one.
      if (r.chance(0.7)) {
        let doc: Document;
        try {
          doc = parseDocument(text);
        } catch {
          text = mutateText(text, r, EDGE_YAML);
          continue;
        }
        if (doc.errors.length) {
          text = mutateText(text, r, EDGE_YAML);
          continue;
        }
        try {
          mutateYamlTree(doc, r, anchors);
          text = doc.toString({ lineWidth: 0 });
        } catch {
          // A document the library cannot write back (an alias left without its anchor): keep the raw route.
          text = mutateText(text, r, EDGE_YAML);
        }
      } else text = mutateText(text, r, EDGE_YAML);
    }
    return { file: MANIFEST, text };
  }
  let text = base.record;
  for (let k = 0; k < rounds; k++) {
    if (r.chance(0.6)) {
      text = mutateText(text, r, EDGE_JSON);
      continue;
    }
    // Structure-aware on JSON: a field's value replaced, removed, or nested.
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(text) as Record<string, unknown>;
    } catch {
      text = mutateText(text, r, EDGE_JSON);
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    const keys = Object.keys(v);
    const key = keys.length ? r.pick(keys) : 'x';
    const c = r.int(4);
    if (c === 0) delete v[key];
    else if (c === 1) v[key] = r.pick<unknown>([null, true, [], {}, '', r.pick(UNICODE), -1, 1e308, 2 ** 60]);
    else if (c === 2) {
      const depth = r.pick([50, 70, 5000]);
      v[key] = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    } else v[r.pick(['extra', '__proto__', 'constructor', key])] = r.pick(UNICODE);
    try {
      text = JSON.stringify(v, null, 1);
    } catch {
      // Nested past what JSON.stringify can write: a raw round instead.
      text = mutateText(text, r, EDGE_JSON);
    }
  }
  return { file: RECORD, text };
}

// ---------------------------------------------------------------------------
// Checks

interface Stats {
  mutations: number;
  refused: number;
  accepted: number;
  failures: string[];
  maxMs: number;
  maxCase: number;
}

function newStats(): Stats {
  return { mutations: 0, refused: 0, accepted: 0, failures: [], maxMs: 0, maxCase: -1 };
}

/** Loads the case and says what is wrong with the outcome (null when nothing is). */
function check(dir: string): { accepted: boolean; problem: string | null } {
  try {
    const c = loadCase(dir);
    const t = c.terms;
    const nums = [
      t.removalDeadlineMs,
      t.resolutionCapM,
      t.rendezvous.distanceM,
      t.rendezvous.minDurationMs,
      t.rendezvous.windowMs,
      t.aerial.distanceM,
      t.aerial.windowMs,
      t.encounter.distanceM,
      t.encounter.maxSpeedKnots,
      t.encounter.minDurationMs,
      t.dark.minGapMs,
      ...c.manifest.declarations.lots.map((l) => l.count),
      ...c.inspections.map((i) => i.record.observed_count),
    ];
    const bad = nums.find((x) => !Number.isFinite(x));
    return { accepted: true, problem: bad === undefined ? null : `accepted with a non-finite term (${bad})` };
  } catch (e) {
    if (!(e instanceof CaseError)) return { accepted: false, problem: `${(e as Error).name}: ${(e as Error).message}` };
    if (!e.issues.length) return { accepted: false, problem: 'a CaseError with no issue' };
    const unplaced = e.issues.find(
      (i) =>
        !i.file ||
        (i.line <= 0 &&
          i.field === '' &&
          !/file not found|outside|folder|cannot read|nested too deeply/.test(i.message)),
    );
    return { accepted: false, problem: unplaced ? `an issue with no location: ${JSON.stringify(unplaced)}` : null };
  }
}

// ---------------------------------------------------------------------------
// Workers: each owns a copy of the case and rewrites one file per mutation

interface Job {
  seed: string;
  from: number;
  to: number;
  clean: string;
  heartbeat: SharedArrayBuffer;
  id: number;
}

function workerMain(job: Job): void {
  const dir = mkdtempSync(join(tmpdir(), 'tally-fuzz-case-w-'));
  cpSync(job.clean, dir, { recursive: true });
  const base = { manifest: readFileSync(join(dir, MANIFEST), 'utf8'), record: readFileSync(join(dir, RECORD), 'utf8') };
  const hb = new Float64Array(job.heartbeat);
  const s = newStats();
  try {
    for (let n = job.from; n < job.to; n++) {
      const m = mutation(job.seed, n, base);
      writeFileSync(join(dir, m.file), m.text);
      hb[job.id * 2] = n;
      hb[job.id * 2 + 1] = performance.now() + performance.timeOrigin;
      const t0 = performance.now();
      const out = check(dir);
      const ms = performance.now() - t0;
      hb[job.id * 2 + 1] = 0;
      writeFileSync(join(dir, m.file), m.file === MANIFEST ? base.manifest : base.record);
      s.mutations++;
      if (out.accepted) s.accepted++;
      else s.refused++;
      if (ms > s.maxMs) {
        s.maxMs = ms;
        s.maxCase = n;
      }
      if (out.problem && s.failures.length < 20) s.failures.push(`case ${n} (${m.file}): ${out.problem}`);
      if ((n - job.from) % 1000 === 999) parentPort!.postMessage({ progress: 1000 });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  parentPort!.postMessage({ done: s });
}

// ---------------------------------------------------------------------------
// The CLI sample

interface CliStats {
  runs: number;
  byExit: Record<string, number>;
  failures: string[];
}

function cliSample(seed: string, count: number, clean: string, base: { manifest: string; record: string }): CliStats {
  const st: CliStats = { runs: 0, byExit: {}, failures: [] };
  const root = mkdtempSync(join(tmpdir(), 'tally-fuzz-case-cli-'));
  try {
    for (let k = 0; k < count; k++) {
      // Spread over the whole stream of cases, not its first N.
      const n = k * 7919 + 13;
      const m = mutation(seed, n, base);
      const dir = join(root, `c${k}`);
      cpSync(clean, dir, { recursive: true });
      writeFileSync(join(dir, m.file), m.text);
      for (const args of [
        ['case', 'check', dir],
        ['verify', dir, '-q'],
      ]) {
        const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
        st.runs++;
        const code = r.status === null ? `signal ${r.signal}` : String(r.status);
        st.byExit[`${args[0]} ${code}`] = (st.byExit[`${args[0]} ${code}`] ?? 0) + 1;
        const why =
          r.status === null
            ? 'killed (hang or signal)'
            : /^\s+at /m.test(r.stderr)
              ? 'a stack trace'
              : ![0, 1, 2, 3].includes(r.status)
                ? `exit ${r.status}`
                : r.status === 2 && !/^[^\s:]+(:\d+)?: \S/m.test(r.stderr.split('\n').slice(1).join('\n'))
                  ? 'exit 2 without a file:line: field'
                  : null;
        if (why && st.failures.length < 20)
          st.failures.push(`case ${n} (${m.file}) tally ${args[0]}: ${why}: ${r.stderr.slice(0, 300)}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return st;
}

// ---------------------------------------------------------------------------
// Main

function parseArgs(argv: string[]): {
  count: number;
  seed: string;
  workers: number;
  hangS: number;
  cli: number;
  only?: number;
} {
  const o: { count: number; seed: string; workers: number; hangS: number; cli: number; only?: number } = {
    count: 1_000_000,
    seed: '1',
    workers: Math.max(1, Math.min(4, availableParallelism())),
    hangS: 5,
    cli: 0,
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const int = (): number => {
      const v = Number(argv[++k]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a}: expected a whole number`);
      return v;
    };
    if (a === '--count') o.count = int();
    else if (a === '--seed') o.seed = String(argv[++k]);
    else if (a === '--workers') o.workers = Math.max(1, int());
    else if (a === '--hang-s') o.hangS = Math.max(1, int());
    else if (a === '--cli') o.cli = int();
    else if (a === '--only') o.only = int();
    else throw new Error(`unknown argument ${a} (use --count N --seed S --workers W --hang-s T --cli N --only CASE)`);
  }
  return o;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const root = mkdtempSync(join(tmpdir(), 'tally-fuzz-case-'));
  const clean = join(root, 'clean');
  await generateCase('strait', { out: clean });
  const base = {
    manifest: readFileSync(join(clean, MANIFEST), 'utf8'),
    record: readFileSync(join(clean, RECORD), 'utf8'),
  };
  const started = performance.now();
  let peakRss = process.memoryUsage().rss;
  const total = newStats();
  const hangs: string[] = [];
  try {
    if (o.only !== undefined) {
      const m = mutation(o.seed, o.only, base);
      const dir = join(root, 'only');
      cpSync(clean, dir, { recursive: true });
      writeFileSync(join(dir, m.file), m.text);
      process.stdout.write(`case ${o.only}: ${m.file} in ${dir}\n${JSON.stringify(check(dir))}\n`);
      return 0;
    }
    const heartbeat = new SharedArrayBuffer(o.workers * 2 * 8);
    const hb = new Float64Array(heartbeat);
    const per = Math.ceil(o.count / o.workers);
    let done = 0;
    let lastShown = 0;
    await Promise.all(
      Array.from({ length: o.workers }, (_, id) => {
        const from = id * per;
        const to = Math.min(o.count, from + per);
        return new Promise<void>((resolve, reject) => {
          if (from >= to) return resolve();
          const w = new Worker(fileURLToPath(import.meta.url), {
            workerData: { seed: o.seed, from, to, clean, heartbeat, id } satisfies Job,
          });
          const timer = setInterval(() => {
            peakRss = Math.max(peakRss, process.memoryUsage().rss);
            const since = hb[id * 2 + 1];
            if (since && Date.now() - since > o.hangS * 1000) {
              hangs.push(`case ${hb[id * 2]} took over ${o.hangS} s (replay: --seed ${o.seed} --only ${hb[id * 2]})`);
              void w.terminate();
            }
          }, 250);
          w.on('message', (msg: { progress?: number; done?: Stats }) => {
            if (msg.progress) {
              done += msg.progress;
              if (done - lastShown >= 50_000) {
                lastShown = done;
                const s = (performance.now() - started) / 1000;
                process.stderr.write(
                  `${done} mutations, ${s.toFixed(0)} s, RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB\n`,
                );
              }
            }
            if (msg.done) {
              const s = msg.done;
              total.mutations += s.mutations;
              total.refused += s.refused;
              total.accepted += s.accepted;
              total.failures.push(...s.failures);
              if (s.maxMs > total.maxMs) {
                total.maxMs = s.maxMs;
                total.maxCase = s.maxCase;
              }
            }
          });
          w.on('error', reject);
          w.on('exit', () => {
            clearInterval(timer);
            resolve();
          });
        });
      }),
    );
    const cli = o.cli ? cliSample(o.seed, o.cli, clean, base) : null;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const secs = (performance.now() - started) / 1000;
    process.stdout.write(
      `fuzz-case: seed ${o.seed}, ${o.workers} worker(s), ${secs.toFixed(0)} s\n` +
        `  mutations: ${total.mutations} (refused ${total.refused}, accepted ${total.accepted})\n` +
        `  max time per input: ${total.maxMs.toFixed(1)} ms (case ${total.maxCase})\n` +
        `  peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB\n` +
        (cli
          ? `  CLI sample: ${o.cli} mutations, ${cli.runs} runs; exits: ${Object.entries(cli.byExit)
              .sort()
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')}\n`
          : ''),
    );
    const failures = [...total.failures, ...hangs, ...(cli?.failures ?? [])];
    if (total.mutations < o.count && !hangs.length)
      failures.push(`only ${total.mutations} of ${o.count} mutations ran`);
    for (const f of failures) process.stdout.write(`FAIL ${f}\n`);
    process.stdout.write(
      failures.length ? `FAILED: ${failures.length} failure(s)\n` : 'OK: every refusal located, no crash, no hang\n',
    );
    return failures.length ? 1 : 0;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`fuzz-case: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
} else workerMain(workerData as Job);
