/**
 * Learns the detector's second-stage score (src/imagery/detect/score-model.txt).
 *
 * The training scenes come from the same fixed table as the accuracy check
 * (scripts/imagery-accuracy.ts, EVALUATION) drawn with other seeds: the
 * evaluation seed and the held-out seed 7 are never trained on, so the
 * accuracy script measures scenes the score has not seen. Every candidate
 * of every scene (collectCandidates, no score floor) is labelled 1 when its
 * centre lies within half the width of a true object (the accuracy script's
 * matching distance), else 0; boosted trees (src/imagery/detect/boost-train.ts) are
 * fitted to the labels and written out as the model file (its format:
 * src/imagery/detect/model-file.ts).
 *
 *   node dist/scripts/imagery-train.js [--seeds 101-132] [--out src/imagery/detect/score-model.txt]
 *     [--iterations 400] [--folds 4] [--dump FILE.json] [--check]
 *
 * `--check` trains and compares with the shipped model instead of writing it
 * (exit 1 when they differ): the model in the tree is what this script makes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { EVALUATION, evaluationScenes, matchDetections } from './imagery-accuracy.js';
import { renderScene } from '../src/scenario/scenes.js';
import {
  collectCandidates,
  formatScoreModel,
  oneDetectionPerObject,
  parseSeeds,
  SCORE_FEATURES,
  SCORE_MODEL_PATH,
  type DetectOptions,
  type ThresholdRow,
} from '../src/imagery/detect/index.js';
import { trainBoostedTrees, type BoostOptions } from '../src/imagery/detect/boost-train.js';
import { CompiledTrees, type BoostedTrees } from '../src/imagery/detect/boost.js';
import type { Detection } from '../src/imagery/types.js';
import type { TruthObject } from '../src/scenario/scenes.js';

/** Seeds never trained on: the evaluation's and the held-out check's. */
const HELD_OUT = new Set([EVALUATION.seed, 7]);

export const TRAINING = {
  seeds: Array.from({ length: 32 }, (_, i) => 101 + i),
  /** The floor is chosen on out-of-fold scores: the seeds in this many groups, each scored by trees trained on the others. */
  folds: 4,
  boost: { iterations: 400, learningRate: 0.05, maxLeaves: 15, minLeaf: 20, l2: 1 } as BoostOptions,
};

export interface TrainingSet {
  X: Float64Array;
  y: Uint8Array;
  rows: number;
  positives: number;
  scenes: number;
  /** Per row: x, y (pixels) and 1 for dark; per scene: its rows and truth. */
  where: Float64Array;
  sceneRefs: SceneRef[];
}

/** A scene's candidates (rows a … b of the set) and its truth, for choosing the threshold. */
export interface SceneRef {
  a: number;
  b: number;
  gsd: number;
  widthMin: number;
  truth: TruthObject[];
}

interface Part {
  X: Float64Array;
  y: Uint8Array;
  rows: number;
  positives: number;
  where: Float64Array;
  scenes: SceneRef[];
}

/** Candidates and labels of some scenes: (seed, scene index) pairs. */
function sceneRows(jobs: [number, number][], progress?: () => void): Part {
  const d = SCORE_FEATURES.length;
  let cap = 1 << 14;
  let X = new Float64Array(cap * d);
  let y = new Uint8Array(cap);
  let n = 0,
    pos = 0;
  let where = new Float64Array(cap * 3);
  const scenes: SceneRef[] = [];
  const bySeed = new Map<number, ReturnType<typeof evaluationScenes>>();
  for (const [seed, index] of jobs) {
    let list = bySeed.get(seed);
    if (!list) {
      list = evaluationScenes(EVALUATION.scenes, seed);
      bySeed.set(seed, list);
    }
    const s = list[index];
    const scene = renderScene(s.spec, s.seed);
    const cls = EVALUATION.classes[s.classIndex];
    const opts: DetectOptions = {
      gsd: { x: scene.gsd, y: scene.gsd },
      lengthM: [...cls.lengthM],
      widthM: [...cls.widthM],
      sunAzimuthDeg: s.sunAzimuthDeg,
      sunElevationDeg: s.sunElevationDeg,
      heightM: EVALUATION.heightM[1],
    };
    const a = n;
    for (const c of collectCandidates(scene.raster, opts)) {
      const det = c.detection;
      let label = 0;
      for (const t of scene.truth) {
        if (Math.hypot(det.x - t.x, det.y - t.y) * scene.gsd <= t.width_m / 2) {
          label = 1;
          break;
        }
      }
      if (n === cap) {
        cap *= 2;
        const X2 = new Float64Array(cap * d);
        X2.set(X);
        X = X2;
        const y2 = new Uint8Array(cap);
        y2.set(y);
        y = y2;
        const w2 = new Float64Array(cap * 3);
        w2.set(where);
        where = w2;
      }
      X.set(c.features, n * d);
      where.set([det.x, det.y, det.polarity === 'dark' ? 1 : 0], n * 3);
      y[n] = label;
      pos += label;
      n++;
    }
    scenes.push({ a, b: n, gsd: scene.gsd, widthMin: cls.widthM[0], truth: scene.truth });
    progress?.();
  }
  return { X: X.slice(0, n * d), y: y.slice(0, n), rows: n, positives: pos, where: where.slice(0, n * 3), scenes };
}

/**
 * Candidates and labels of the scenes of the given seeds (the first `scenes`
 * of each), rendered and detected on worker threads, one per core; rows in
 * the order of seeds and scenes whatever the threads, so a run is
 * reproducible.
 */
export async function trainingSet(
  seeds: number[],
  scenes: number = EVALUATION.scenes,
  progress?: (done: number, total: number) => void,
): Promise<TrainingSet> {
  for (const seed of seeds) {
    if (HELD_OUT.has(seed))
      throw new Error(`imagery-train: seed ${seed} is held out for the accuracy check; choose others`);
  }
  const jobs: [number, number][] = [];
  for (const seed of seeds) for (let i = 0; i < scenes; i++) jobs.push([seed, i]);
  const threads = Math.max(1, Math.min(availableParallelism(), 8, jobs.length));
  // contiguous shares, joined in order
  const shares: [number, number][][] = [];
  for (let k = 0; k < threads; k++)
    shares.push(jobs.slice(Math.floor((k * jobs.length) / threads), Math.floor(((k + 1) * jobs.length) / threads)));
  let done = 0;
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<Part>((res, rej) => {
          const wk = new Worker(fileURLToPath(import.meta.url), { workerData: { jobs: share } });
          wk.on('message', (m: { tick?: true; part?: Part }) => {
            if (m.tick) {
              done++;
              progress?.(done, jobs.length);
            } else if (m.part) res(m.part);
          });
          wk.on('error', rej);
          wk.on('exit', (code) => {
            if (code !== 0) rej(new Error(`imagery-train: a worker stopped with code ${code}`));
          });
        }),
    ),
  );
  const d = SCORE_FEATURES.length;
  const rows = parts.reduce((a, p) => a + p.rows, 0);
  const X = new Float64Array(rows * d),
    y = new Uint8Array(rows),
    where = new Float64Array(rows * 3);
  const sceneRefs: SceneRef[] = [];
  let o = 0;
  for (const p of parts) {
    X.set(p.X, o * d);
    y.set(p.y, o);
    where.set(p.where, o * 3);
    for (const r of p.scenes) sceneRefs.push({ ...r, a: r.a + o, b: r.b + o });
    o += p.rows;
  }
  return { X, y, rows, positives: parts.reduce((a, p) => a + p.positives, 0), scenes: jobs.length, where, sceneRefs };
}

/** The rows of some whole scenes of a set (scene indices), as a set of their own, in order. */
function subset(set: TrainingSet, sceneIdx: number[]): TrainingSet {
  const d = SCORE_FEATURES.length;
  let rows = 0;
  for (const k of sceneIdx) rows += set.sceneRefs[k].b - set.sceneRefs[k].a;
  const X = new Float64Array(rows * d),
    y = new Uint8Array(rows),
    where = new Float64Array(rows * 3);
  const sceneRefs: SceneRef[] = [];
  let o = 0;
  for (const k of sceneIdx) {
    const r = set.sceneRefs[k];
    X.set(set.X.subarray(r.a * d, r.b * d), o * d);
    y.set(set.y.subarray(r.a, r.b), o);
    where.set(set.where.subarray(r.a * 3, r.b * 3), o * 3);
    sceneRefs.push({ ...r, a: o, b: o + r.b - r.a });
    o += r.b - r.a;
  }
  return { X, y, rows, positives: y.reduce((s, v) => s + v, 0), scenes: sceneIdx.length, where, sceneRefs };
}

export type { ThresholdRow };
export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/**
 * Precision and recall of a model on a set's scenes at each threshold, as
 * the detector would report them (score, one detection per object, the
 * accuracy script's matching).
 */
export function thresholdTable(model: BoostedTrees, set: TrainingSet, thresholds: number[]): ThresholdRow[] {
  return tableOf(thresholds, thresholdCounts(model, set, thresholds));
}

function tableOf(thresholds: number[], counts: Counts[]): ThresholdRow[] {
  return counts.map(({ tp, fp, fn }, k) => ({
    threshold: thresholds[k],
    precision: tp + fp ? tp / (tp + fp) : 1,
    recall: tp + fn ? tp / (tp + fn) : 1,
  }));
}

/** True positives, false positives and misses of a model on a set's scenes at each threshold (as thresholdTable). */
export function thresholdCounts(model: BoostedTrees, set: TrainingSet, thresholds: number[]): Counts[] {
  const m = new CompiledTrees(model);
  const d = SCORE_FEATURES.length;
  const p = new Float64Array(set.rows);
  for (let i = 0; i < set.rows; i++) p[i] = m.probability(set.X.subarray(i * d, (i + 1) * d));
  return thresholds.map((t) => {
    let tp = 0,
      fp = 0,
      fn = 0;
    for (const sc of set.sceneRefs) {
      const dets: Detection[] = [];
      for (let i = sc.a; i < sc.b; i++) {
        if (p[i] < t) continue;
        dets.push({
          lat: null,
          lon: null,
          x: set.where[3 * i],
          y: set.where[3 * i + 1],
          length_m: 0,
          width_m: 0,
          heading_deg: 0,
          score: Math.round(p[i] * 1000) / 1000,
          polarity: set.where[3 * i + 2] ? 'dark' : 'bright',
        });
      }
      const kept = oneDetectionPerObject(dets, sc.widthMin, { x: sc.gsd, y: sc.gsd });
      const mt = matchDetections(sc.truth, kept, sc.gsd);
      const hit = mt.truthToDet.filter((j) => j >= 0).length;
      tp += hit;
      fp += kept.length - hit;
      fn += sc.truth.length - hit;
    }
    return { tp, fp, fn };
  });
}

/**
 * Out-of-fold precision and recall at each threshold: the seeds in `folds`
 * contiguous groups, each group's scenes scored by trees trained on all the
 * other groups, the counts pooled over the groups.
 */
export function crossValidatedTable(
  set: TrainingSet,
  seeds: number[],
  folds: number,
  boost: BoostOptions,
  thresholds: number[],
  progress?: (fold: number) => void,
): { table: ThresholdRow[]; groups: number[][] } {
  const k = Math.max(2, Math.min(folds, seeds.length));
  const per = set.sceneRefs.length / seeds.length;
  const groups: number[][] = [];
  for (let g = 0; g < k; g++)
    groups.push(seeds.slice(Math.floor((g * seeds.length) / k), Math.floor(((g + 1) * seeds.length) / k)));
  const total: Counts[] = thresholds.map(() => ({ tp: 0, fp: 0, fn: 0 }));
  let first = 0;
  for (let g = 0; g < k; g++) {
    const a = first * per,
      b = (first + groups[g].length) * per;
    first += groups[g].length;
    const inFold: number[] = [],
      rest: number[] = [];
    for (let i = 0; i < set.sceneRefs.length; i++) (i >= a && i < b ? inFold : rest).push(i);
    const fit = subset(set, rest);
    const trees = trainBoostedTrees(fit.X, fit.y, [...SCORE_FEATURES], boost);
    thresholdCounts(trees, subset(set, inFold), thresholds).forEach((c, j) => {
      total[j].tp += c.tp;
      total[j].fp += c.fp;
      total[j].fn += c.fn;
    });
    progress?.(g + 1);
  }
  return { table: tableOf(thresholds, total), groups };
}

/** The threshold whose smaller of precision and recall is largest (ties: the larger sum). */
export function balancedThreshold(table: ThresholdRow[]): ThresholdRow {
  return table.reduce((best, r) => {
    const a = Math.min(r.precision, r.recall),
      b = Math.min(best.precision, best.recall);
    return a > b + 1e-12 || (Math.abs(a - b) <= 1e-12 && r.precision + r.recall > best.precision + best.recall)
      ? r
      : best;
  });
}

/** The model file's text (src/imagery/detect/model-file.ts): the trees and how they were made. */
export function modelFile(
  model: BoostedTrees,
  seeds: number[],
  set: TrainingSet,
  threshold: ThresholdRow,
  table: ThresholdRow[],
  groups: number[][],
  boost: BoostOptions,
): string {
  return formatScoreModel({
    trees: model,
    threshold: threshold.threshold,
    table,
    training: {
      seeds,
      heldOut: [...HELD_OUT],
      folds: groups,
      // boost-train.ts's defaults filled in
      boost: {
        iterations: boost.iterations ?? 400,
        learningRate: boost.learningRate ?? 0.05,
        maxLeaves: boost.maxLeaves ?? 15,
        minLeaf: boost.minLeaf ?? 20,
        l2: boost.l2 ?? 1,
        bins: boost.bins ?? 255,
      },
      candidates: set.rows,
      positives: set.positives,
      scenes: set.scenes,
    },
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  let seeds = TRAINING.seeds;
  if (opt('--seeds')) {
    try {
      seeds = parseSeeds(opt('--seeds')!);
    } catch (e) {
      throw new Error(`imagery-train: --seeds: ${(e as Error).message}`);
    }
  }
  const out = resolve(opt('--out') ?? SCORE_MODEL_PATH);
  const boost: BoostOptions = { ...TRAINING.boost };
  if (opt('--iterations')) boost.iterations = Number(opt('--iterations'));
  const t0 = performance.now();
  let last = 0;
  const set = await trainingSet(seeds, EVALUATION.scenes, (done, total) => {
    const now = performance.now();
    if (now - last > 2000 || done === total) {
      last = now;
      process.stderr.write(`\rrendering and detecting: ${done}/${total} scenes`);
    }
  });
  process.stderr.write(
    `\n${set.rows} candidates, ${set.positives} on a true object (${((performance.now() - t0) / 1000).toFixed(1)} s); training\n`,
  );
  const dump = opt('--dump');
  if (dump)
    writeFileSync(dump, JSON.stringify({ features: SCORE_FEATURES, X: Array.from(set.X), y: Array.from(set.y) }));
  // the threshold: out-of-fold scores, TRAINING.folds groups of seeds
  const t1 = performance.now();
  const thresholds = [
    0.01,
    0.02,
    0.03,
    0.04,
    ...Array.from({ length: 19 }, (_, i) => Math.round((0.05 + 0.05 * i) * 100) / 100),
  ];
  const folds = opt('--folds') ? Number(opt('--folds')) : TRAINING.folds;
  const { table, groups } = crossValidatedTable(set, seeds, folds, boost, thresholds, (g) =>
    process.stderr.write(`\rfold ${g} of ${folds} trained and scored`),
  );
  const chosen = balancedThreshold(table);
  process.stderr.write(
    `\nthreshold ${chosen.threshold} (out of fold: precision ${chosen.precision.toFixed(3)}, recall ${chosen.recall.toFixed(3)})\n`,
  );
  const model = trainBoostedTrees(set.X, set.y, [...SCORE_FEATURES], boost);
  process.stderr.write(
    `trained ${model.trees.length} trees ${groups.length + 1} times in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`,
  );
  const text = modelFile(model, seeds, set, chosen, table, groups, boost);
  if (args.includes('--check')) {
    const same = readFileSync(out, 'utf8') === text;
    console.log(
      same ? `${out}: the shipped model is what this script makes` : `${out}: DIFFERS from what this script makes`,
    );
    process.exitCode = same ? 0 : 1;
    return;
  }
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}

if (!isMainThread && parentPort && (workerData as { jobs?: unknown } | null)?.jobs) {
  const port = parentPort;
  const part = sceneRows((workerData as { jobs: [number, number][] }).jobs, () => port.postMessage({ tick: true }));
  port.postMessage({ part }, [part.X.buffer as ArrayBuffer, part.y.buffer as ArrayBuffer]);
} else if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exitCode = 2;
  });
}
