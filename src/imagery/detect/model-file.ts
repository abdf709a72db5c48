/**
 * The score model's file (score-model.txt): boosted trees and how they were
 * made, as text a person can read and a diff can show. Written by
 * scripts/imagery-train.ts, read by the detector (score.ts).
 *
 * Line by line, a keyword and its values; lines starting with '#' are
 * comments, written for the reader and skipped:
 *
 *   format tally-score-model/1
 *   command  the trainer's command line that makes this file
 *   seeds    the training seeds (ranges a-b), held-out  the seeds never trained on
 *   boost    the trainer's options, trained-on  the training set's size
 *   folds    the groups of seeds of the out-of-fold threshold table
 *   threshold  the detector's default score floor
 *   table    threshold precision recall (out of fold), one line each
 *   features n, then `feature i name splits` for each (splits: how many
 *            nodes of all the trees test it)
 *   base     the raw score before the trees (log-odds)
 *   trees n, then one `tree` line per tree: its nodes in order, node 0 the
 *            root; a split `f<i><=<threshold>?<left>:<right>` goes to the
 *            left child when feature i is at most the threshold (or NaN),
 *            else to the right; a leaf is `=<value>`.
 *
 * Numbers are written as JavaScript prints them (the shortest text that
 * reads back as the same double) after rounding to TREE_DIGITS significant
 * digits, so reading the file gives back exactly the numbers it was written
 * from, and every score is the same on every read.
 */
import { BOOST_FORMAT, type BoostedTree, type BoostedTrees } from './boost.js';

export const SCORE_MODEL_FORMAT = 'tally-score-model/1';
/** Significant digits of the trees' numbers: enough for the scores, and the file stays small. */
export const TREE_DIGITS = 7;

export interface ThresholdRow {
  threshold: number;
  precision: number;
  recall: number;
}

/** The trainer's options, all given (boost-train.ts's defaults filled in). */
export interface BoostSettings {
  iterations: number;
  learningRate: number;
  maxLeaves: number;
  minLeaf: number;
  l2: number;
  bins: number;
}

/** Everything the model file holds. */
export interface ScoreModelFile {
  trees: BoostedTrees;
  /** The detector's default floor on the model's probability. */
  threshold: number;
  /** Out-of-fold precision and recall at each threshold (three decimals in the file). */
  table: ThresholdRow[];
  training: {
    seeds: number[];
    heldOut: number[];
    /** The seed groups of the out-of-fold table. */
    folds: number[][];
    boost: BoostSettings;
    candidates: number;
    positives: number;
    scenes: number;
  };
}

/** A number as written in the file: whole numbers as they are, others rounded to TREE_DIGITS digits. */
function num(v: number): string {
  return String(Number.isInteger(v) ? v : Number(v.toPrecision(TREE_DIGITS)));
}

/** Seeds as ranges: 101-108 110 112-113. */
export function seedRanges(seeds: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < seeds.length;) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j] + 1) j++;
    out.push(j > i ? `${seeds[i]}-${seeds[j]}` : `${seeds[i]}`);
    i = j + 1;
  }
  return out.join(' ');
}

/** Seeds from ranges and numbers separated by commas or spaces (101-108,110). */
export function parseSeeds(arg: string): number[] {
  const out: number[] = [];
  for (const part of arg.split(/[,\s]+/).filter((p) => p)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`expected seeds as numbers and ranges like 101-108, got "${part}"`);
    const a = Number(m[1]),
      b = m[2] ? Number(m[2]) : a;
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

/** How many split nodes of all the trees test each feature. */
export function splitCounts(trees: BoostedTrees): number[] {
  const counts = new Array<number>(trees.features.length).fill(0);
  for (const t of trees.trees) for (const f of t.feature) if (f >= 0) counts[f]++;
  return counts;
}

/** The trainer's command line that makes a model of these settings. */
export function trainCommand(file: ScoreModelFile): string {
  const { seeds, folds, boost } = file.training;
  return `node dist/scripts/imagery-train.js --seeds ${seedRanges(seeds).replace(/ /g, ',')} --folds ${folds.length} --iterations ${boost.iterations}`;
}

function treeLine(t: BoostedTree): string {
  const nodes: string[] = [];
  for (let i = 0; i < t.feature.length; i++) {
    const f = t.feature[i];
    nodes.push(f < 0 ? `=${num(t.value[i])}` : `f${f}<=${num(t.threshold[i])}?${t.left[i]}:${t.right[i]}`);
  }
  return `tree ${nodes.join(' ')}`;
}

/** The file's text. */
export function formatScoreModel(file: ScoreModelFile): string {
  const { trees, training: tr } = file;
  const b = tr.boost;
  const counts = splitCounts(trees);
  const width = Math.max(...trees.features.map((f) => f.length));
  const lines = [
    "# The detector's second-stage score: boosted trees over the candidates' features",
    '# (src/imagery/detect/features.ts). Written by scripts/imagery-train.ts: do not edit;',
    '# `node dist/scripts/imagery-train.js --check` tells whether the trainer still makes it.',
    '# Format: src/imagery/detect/model-file.ts.',
    `format ${SCORE_MODEL_FORMAT}`,
    `command ${trainCommand(file)}`,
    `seeds ${seedRanges(tr.seeds)}`,
    `held-out ${tr.heldOut.join(' ')}`,
    `boost iterations=${b.iterations} learningRate=${b.learningRate} maxLeaves=${b.maxLeaves} minLeaf=${b.minLeaf} l2=${b.l2} bins=${b.bins}`,
    `trained-on candidates=${tr.candidates} positives=${tr.positives} scenes=${tr.scenes}`,
    '#',
    "# The threshold, the detector's default floor, is where precision and recall meet (the larger",
    '# of their minimum) on scores that no tree saw in training: the seeds in groups (folds), each',
    "# group's scenes scored by trees trained on the other groups, counted as the detector reports",
    "# (one detection per object, the accuracy script's matching) and pooled.",
    `folds ${tr.folds.map((g) => seedRanges(g).replace(/ /g, ',')).join(' ')}`,
    `threshold ${num(file.threshold)}`,
    '#     threshold precision recall',
    ...file.table.map((r) => `table ${r.threshold.toFixed(2)} ${r.precision.toFixed(3)} ${r.recall.toFixed(3)}`),
    '#',
    '# The features, in the order of the vector: index, name, split nodes that test it.',
    `features ${trees.features.length}`,
    ...trees.features.map((f, i) => `feature ${String(i).padStart(2)} ${f.padEnd(width)} ${counts[i]}`),
    '#',
    '# probability = logistic(base + the sum over the trees of the value of the leaf reached)',
    `base ${num(trees.base)}`,
    `trees ${trees.trees.length}`,
    ...trees.trees.map(treeLine),
  ];
  return lines.join('\n') + '\n';
}

const SPLIT = /^f(\d+)<=([^?]+)\?(\d+):(\d+)$/;

/** A number of the file, or an error naming the line. */
function readNumber(s: string, where: string): number {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v)) throw new Error(`${where}: "${s}" is not a number`);
  return v;
}

function readTree(tokens: string[], where: string): BoostedTree {
  const t: BoostedTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  for (const tok of tokens) {
    if (tok.startsWith('=')) {
      t.feature.push(-1);
      t.threshold.push(0);
      t.left.push(-1);
      t.right.push(-1);
      t.value.push(readNumber(tok.slice(1), where));
      continue;
    }
    const m = SPLIT.exec(tok);
    if (!m) throw new Error(`${where}: node "${tok}" is neither a split (f<i><=<t>?<l>:<r>) nor a leaf (=<v>)`);
    t.feature.push(Number(m[1]));
    t.threshold.push(readNumber(m[2], where));
    t.left.push(Number(m[3]));
    t.right.push(Number(m[4]));
    t.value.push(0);
  }
  return t;
}

/** Reads the file's text; throws, naming the line, on anything out of place. */
export function parseScoreModel(text: string, name = 'score model'): ScoreModelFile {
  const rows = text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), where: `${name}:${i + 1}` }))
    .filter((r) => r.line !== '' && !r.line.startsWith('#'));
  let at = 0;
  /** The next line, which must start with `key`: its values. */
  const next = (key: string): { values: string[]; where: string } => {
    const r = rows[at++];
    if (!r) throw new Error(`${name}: ended where "${key}" was expected`);
    const [k, ...values] = r.line.split(/\s+/);
    if (k !== key) throw new Error(`${r.where}: expected "${key}", found "${k}"`);
    return { values, where: r.where };
  };
  const pairs = (key: string): Record<string, number> => {
    const { values, where } = next(key);
    const out: Record<string, number> = {};
    for (const v of values) {
      const [k, x] = v.split('=');
      out[k] = readNumber(x ?? '', `${where} (${k})`);
    }
    return out;
  };
  const format = next('format');
  if (format.values[0] !== SCORE_MODEL_FORMAT)
    throw new Error(`${format.where}: format "${format.values.join(' ')}", expected "${SCORE_MODEL_FORMAT}"`);
  next('command');
  const seeds = parseSeeds(next('seeds').values.join(' '));
  const heldOut = next('held-out').values.map(Number);
  const b = pairs('boost');
  const boost: BoostSettings = {
    iterations: b.iterations,
    learningRate: b.learningRate,
    maxLeaves: b.maxLeaves,
    minLeaf: b.minLeaf,
    l2: b.l2,
    bins: b.bins,
  };
  const t = pairs('trained-on');
  const folds = next('folds').values.map((g) => parseSeeds(g));
  const th = next('threshold');
  const threshold = readNumber(th.values[0] ?? '', th.where);
  const table: ThresholdRow[] = [];
  while (rows[at]?.line.startsWith('table ')) {
    const { values, where } = next('table');
    const [a, p, r] = values.map((v) => readNumber(v, where));
    table.push({ threshold: a, precision: p, recall: r });
  }
  const nf = next('features');
  const features: string[] = [];
  const declared: number[] = [];
  for (let i = 0; i < Number(nf.values[0]); i++) {
    const { values, where } = next('feature');
    if (Number(values[0]) !== i) throw new Error(`${where}: feature ${values[0]}, expected ${i}`);
    features.push(values[1]);
    declared.push(readNumber(values[2] ?? '', where));
  }
  const base = next('base');
  const nt = next('trees');
  const trees: BoostedTree[] = [];
  for (let i = 0; i < Number(nt.values[0]); i++) {
    const { values, where } = next('tree');
    trees.push(readTree(values, where));
  }
  if (at < rows.length) throw new Error(`${rows[at].where}: more than the ${trees.length} trees declared`);
  const model: BoostedTrees = {
    format: BOOST_FORMAT,
    features,
    base: readNumber(base.values[0] ?? '', base.where),
    trees,
  };
  const counts = splitCounts(model);
  const wrong = counts.findIndex((c, i) => c !== declared[i]);
  if (wrong >= 0)
    throw new Error(
      `${name}: feature ${features[wrong]} is tested by ${counts[wrong]} splits, the file says ${declared[wrong]}`,
    );
  return {
    trees: model,
    threshold,
    table,
    training: { seeds, heldOut, folds, boost, candidates: t.candidates, positives: t.positives, scenes: t.scenes },
  };
}
