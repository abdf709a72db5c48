/**
 * Training of boosted trees (boost.ts) for binary log-loss, the
 * histogram method of LightGBM and scikit-learn's HistGradientBoosting:
 * features are binned once into at most `bins` quantile bins, each tree is
 * grown leaf-wise (best gain first) from per-bin sums of gradient and hessian,
 * and a child's histogram is its parent's minus its sibling's, so only the
 * smaller child is ever summed. Thresholds are written as feature values, so
 * inference needs no bins. Deterministic: no sampling, no randomness.
 */
import { BOOST_FORMAT, logistic, type BoostedTree, type BoostedTrees } from './boost.js';

export interface BoostOptions {
  /** Number of trees (default 400). */
  iterations?: number;
  /** Shrinkage of every leaf value (default 0.05). */
  learningRate?: number;
  /** Most leaves per tree (default 15). */
  maxLeaves?: number;
  /** Fewest training rows in a leaf (default 20). */
  minLeaf?: number;
  /** L2 penalty on leaf values (default 1). */
  l2?: number;
  /** Most bins per feature, 2 to 256 (default 255). */
  bins?: number;
}

/** Smallest hessian sum on either side of a split, as in scikit-learn. */
const MIN_HESSIAN = 1e-3;

/** Per-feature bin edges, and the training data as bin numbers, one column per feature. */
interface Binning {
  /** thresholds[f][b]: bin b of feature f holds values <= it (and above the previous edge). */
  thresholds: Float64Array[];
  /** Column-major bins: binned[f * n + row]. Columns keep histogram building cache-friendly. */
  binned: Uint8Array;
  /** Bins of feature f occupy histogram slots offsets[f] .. offsets[f + 1] - 1. */
  offsets: Int32Array;
}

/** The best split of one leaf. */
interface Split {
  gain: number;
  feature: number;
  /** Rows with bin <= this go left. */
  bin: number;
  sumGradientLeft: number;
  sumHessianLeft: number;
  countLeft: number;
}

/** A leaf of the tree being grown: its rows are order[start .. end - 1]. */
interface Leaf {
  node: number;
  start: number;
  end: number;
  sumGradient: number;
  sumHessian: number;
  histogram: Float64Array | null;
  split: Split | null;
}

/**
 * Trains a binary classifier by gradient boosting on log-loss.
 * X is row-major, n rows × features.length columns; y holds 0 or 1 per row.
 */
export function trainBoostedTrees(
  X: Float64Array,
  y: Uint8Array,
  features: string[],
  opts: BoostOptions = {},
): BoostedTrees {
  const iterations = opts.iterations ?? 400;
  const learningRate = opts.learningRate ?? 0.05;
  const maxLeaves = opts.maxLeaves ?? 15;
  const minLeaf = opts.minLeaf ?? 20;
  const l2 = opts.l2 ?? 1.0;
  const bins = opts.bins ?? 255;
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new Error(`boost: iterations must be a whole number >= 0, got ${iterations}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate))
    throw new Error(`boost: learningRate must be > 0, got ${learningRate}`);
  if (!Number.isInteger(maxLeaves) || maxLeaves < 2)
    throw new Error(`boost: maxLeaves must be a whole number >= 2, got ${maxLeaves}`);
  if (!Number.isInteger(minLeaf) || minLeaf < 1)
    throw new Error(`boost: minLeaf must be a whole number >= 1, got ${minLeaf}`);
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new Error(`boost: l2 must be >= 0, got ${l2}`);
  if (!Number.isInteger(bins) || bins < 2 || bins > 256)
    throw new Error(`boost: bins must be a whole number from 2 to 256, got ${bins}`);

  const d = features.length;
  const n = y.length;
  if (d === 0) throw new Error('boost: no features');
  if (X.length !== n * d)
    throw new Error(`boost: X has ${X.length} values, expected ${n} rows × ${d} features = ${n * d}`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] > 1) throw new Error(`boost: label of row ${i} is ${y[i]}, expected 0 or 1`);
    positives += y[i];
  }
  if (positives === 0 || positives === n) throw new Error('boost: the labels must include both classes');

  const mean = positives / n;
  const base = Math.log(mean / (1 - mean));
  const binning = binFeatures(X, n, d, bins);
  const grower = new TreeGrower(binning, n, d, { learningRate, maxLeaves, minLeaf, l2 });

  const raw = new Float64Array(n).fill(base);
  // Single precision as in scikit-learn (its G_H_DTYPE), so that the same data
  // give the same trees there and here; the sums are still in double.
  const gradient = new Float32Array(n);
  const hessian = new Float32Array(n);
  const trees: BoostedTree[] = [];
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      const p = logistic(raw[i]);
      gradient[i] = p - y[i];
      hessian[i] = p * (1 - p);
    }
    trees.push(grower.grow(gradient, hessian, raw));
  }
  return { format: BOOST_FORMAT, features: [...features], base, trees };
}

/**
 * Bin edges as in scikit-learn: midpoints between distinct values when there
 * are few enough, else quantiles ("midpoint" interpolation). Only finite
 * values set edges, so every threshold is finite and survives JSON; NaN is
 * put in bin 0, the left of every split, matching inference.
 */
function binFeatures(X: Float64Array, n: number, d: number, maxBins: number): Binning {
  const thresholds: Float64Array[] = [];
  const binned = new Uint8Array(n * d);
  const offsets = new Int32Array(d + 1);
  const column = new Float64Array(n);
  for (let f = 0; f < d; f++) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = X[i * d + f];
      if (Number.isFinite(v)) column[m++] = v;
    }
    const sorted = column.subarray(0, m).sort();
    const edges = binEdges(sorted, maxBins);
    thresholds.push(edges);
    offsets[f + 1] = offsets[f] + edges.length + 1;
    const out = f * n;
    for (let i = 0; i < n; i++) {
      const v = X[i * d + f];
      if (Number.isNaN(v)) continue; // bin 0
      // First edge >= v; infinities fall in the end bins.
      let lo = 0,
        hi = edges.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (v <= edges[mid]) hi = mid;
        else lo = mid + 1;
      }
      binned[out + i] = lo;
    }
  }
  return { thresholds, binned, offsets };
}

function midpoint(a: number, b: number): number {
  const m = (a + b) * 0.5;
  return Number.isFinite(m) ? m : a * 0.5 + b * 0.5;
}

/** Edges of at most maxBins bins over sorted finite values, strictly increasing. */
function binEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const m = sorted.length;
  const distinct: number[] = [];
  for (let i = 0; i < m; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 1; i < distinct.length; i++) edges.push(midpoint(distinct[i - 1], distinct[i]));
  } else {
    // The arithmetic follows numpy's percentile(method="midpoint") step by step,
    // so the edges match scikit-learn's to the last bit.
    const step = 100 / maxBins;
    for (let k = 1; k < maxBins; k++) {
      const position = (m - 1) * ((k * step) / 100);
      const lo = Math.floor(position);
      const edge = position === lo ? sorted[lo] : sorted[lo + 1] - (sorted[lo + 1] - sorted[lo]) * 0.5;
      // Many rows sharing a value give repeated quantiles; a repeat would only make an empty bin.
      if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
    }
  }
  return Float64Array.from(edges);
}

interface GrowerOptions {
  learningRate: number;
  maxLeaves: number;
  minLeaf: number;
  l2: number;
}

/** Grows one tree per call; owns the scratch buffers reused across trees. */
class TreeGrower {
  private readonly order: Int32Array;
  private readonly scratch: Int32Array;
  private readonly orderedGradient: Float32Array;
  private readonly orderedHessian: Float32Array;
  private readonly histogramSize: number;
  private readonly freeHistograms: Float64Array[] = [];
  private gradient: Float32Array = new Float32Array(0);
  private hessian: Float32Array = new Float32Array(0);

  constructor(
    private readonly binning: Binning,
    private readonly n: number,
    private readonly d: number,
    private readonly opts: GrowerOptions,
  ) {
    this.order = new Int32Array(n);
    this.scratch = new Int32Array(n);
    this.orderedGradient = new Float32Array(n);
    this.orderedHessian = new Float32Array(n);
    // Three slots per bin: sum of gradients, sum of hessians, row count.
    this.histogramSize = binning.offsets[d] * 3;
  }

  /** Grows a tree on these gradients and adds its leaf values to raw. */
  grow(gradient: Float32Array, hessian: Float32Array, raw: Float64Array): BoostedTree {
    const { n, order, opts } = this;
    this.gradient = gradient;
    this.hessian = hessian;
    for (let i = 0; i < n; i++) order[i] = i;
    const tree: BoostedTree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0] };

    let sumGradient = 0,
      sumHessian = 0;
    for (let i = 0; i < n; i++) {
      sumGradient += gradient[i];
      sumHessian += hessian[i];
    }
    const root: Leaf = { node: 0, start: 0, end: n, sumGradient, sumHessian, histogram: null, split: null };
    if (n >= 2 * opts.minLeaf) {
      root.histogram = this.buildHistogram(0, n);
      root.split = this.findSplit(root);
    }
    const leaves: Leaf[] = [root];

    while (leaves.length < opts.maxLeaves) {
      let best = -1;
      for (let i = 0; i < leaves.length; i++) {
        const s = leaves[i].split;
        if (s !== null && (best < 0 || s.gain > (leaves[best].split as Split).gain)) best = i;
      }
      if (best < 0) break;
      const parent = leaves[best];
      const split = parent.split as Split;
      const middle = this.partition(parent.start, parent.end, split.feature, split.bin);

      const leftNode = tree.feature.length;
      tree.feature[parent.node] = split.feature;
      tree.threshold[parent.node] = this.binning.thresholds[split.feature][split.bin];
      tree.left[parent.node] = leftNode;
      tree.right[parent.node] = leftNode + 1;
      for (let k = 0; k < 2; k++) {
        tree.feature.push(-1);
        tree.threshold.push(0);
        tree.left.push(-1);
        tree.right.push(-1);
        tree.value.push(0);
      }
      const left: Leaf = {
        node: leftNode,
        start: parent.start,
        end: middle,
        sumGradient: split.sumGradientLeft,
        sumHessian: split.sumHessianLeft,
        histogram: null,
        split: null,
      };
      const right: Leaf = {
        node: leftNode + 1,
        start: middle,
        end: parent.end,
        sumGradient: parent.sumGradient - split.sumGradientLeft,
        sumHessian: parent.sumHessian - split.sumHessianLeft,
        histogram: null,
        split: null,
      };
      leaves.splice(best, 1, left, right);

      // The split that fills the tree needs no histograms for its children.
      const splittable = (leaf: Leaf): boolean => leaf.end - leaf.start >= 2 * opts.minLeaf;
      if (leaves.length < opts.maxLeaves && (splittable(left) || splittable(right))) {
        // On a tie the right child is summed, as scikit-learn does.
        const [small, large] = middle - parent.start < parent.end - middle ? [left, right] : [right, left];
        small.histogram = this.buildHistogram(small.start, small.end);
        large.histogram = subtractInPlace(parent.histogram as Float64Array, small.histogram);
        parent.histogram = null;
        for (const child of [left, right]) {
          if (splittable(child)) child.split = this.findSplit(child);
          if (child.split === null) this.release(child);
        }
      } else {
        this.release(parent);
      }
    }

    for (const leaf of leaves) {
      const value = leafValue(leaf.sumGradient, leaf.sumHessian, opts.l2) * opts.learningRate;
      tree.value[leaf.node] = value;
      for (let i = leaf.start; i < leaf.end; i++) raw[order[i]] += value;
      this.release(leaf);
    }
    return tree;
  }

  private release(leaf: Leaf): void {
    if (leaf.histogram !== null) this.freeHistograms.push(leaf.histogram);
    leaf.histogram = null;
  }

  /** Sums gradient, hessian and count per bin over rows order[start .. end - 1]. */
  private buildHistogram(start: number, end: number): Float64Array {
    const histogram = this.freeHistograms.pop() ?? new Float64Array(this.histogramSize);
    histogram.fill(0);
    const { order, orderedGradient, orderedHessian, gradient, hessian, n, d } = this;
    const { binned, offsets } = this.binning;
    const count = end - start;
    // Gathered once so the per-feature loops read gradients sequentially.
    for (let i = 0; i < count; i++) {
      const row = order[start + i];
      orderedGradient[i] = gradient[row];
      orderedHessian[i] = hessian[row];
    }
    for (let f = 0; f < d; f++) {
      const column = f * n;
      const slot = offsets[f] * 3;
      for (let i = 0; i < count; i++) {
        const k = slot + binned[column + order[start + i]] * 3;
        histogram[k] += orderedGradient[i];
        histogram[k + 1] += orderedHessian[i];
        histogram[k + 2] += 1;
      }
    }
    return histogram;
  }

  /** The split of most gain, or null if none gains or meets the minimum leaf size. */
  private findSplit(leaf: Leaf): Split | null {
    const { minLeaf, l2 } = this.opts;
    const { offsets } = this.binning;
    const histogram = leaf.histogram as Float64Array;
    const total = leaf.end - leaf.start;
    const G = leaf.sumGradient,
      H = leaf.sumHessian;
    const parentLoss = G * leafValue(G, H, l2);
    let best: Split | null = null;
    let bestGain = 0;
    for (let f = 0; f < this.d; f++) {
      const first = offsets[f],
        last = offsets[f + 1] - 1;
      let gl = 0,
        hl = 0,
        cl = 0;
      // A split after the last bin would leave the right side empty.
      for (let b = first; b < last; b++) {
        const k = b * 3;
        gl += histogram[k];
        hl += histogram[k + 1];
        cl += histogram[k + 2];
        if (cl < minLeaf) continue;
        if (total - cl < minLeaf) break;
        const hr = H - hl;
        if (hl < MIN_HESSIAN) continue;
        if (hr < MIN_HESSIAN) break;
        const gr = G - gl;
        // = GL²/(HL+l2) + GR²/(HR+l2) − G²/(H+l2), in scikit-learn's order of operations.
        const gain = parentLoss - gl * leafValue(gl, hl, l2) - gr * leafValue(gr, hr, l2);
        if (gain > bestGain) {
          bestGain = gain;
          best = { gain, feature: f, bin: b - first, sumGradientLeft: gl, sumHessianLeft: hl, countLeft: cl };
        }
      }
    }
    return best;
  }

  /** Stable partition of order[start .. end - 1]: rows with bin <= bin first. Returns the first right row. */
  private partition(start: number, end: number, feature: number, bin: number): number {
    const { order, scratch } = this;
    const column = feature * this.n;
    const binned = this.binning.binned;
    let l = start,
      r = 0;
    for (let i = start; i < end; i++) {
      const row = order[i];
      if (binned[column + row] <= bin) order[l++] = row;
      else scratch[r++] = row;
    }
    order.set(scratch.subarray(0, r), l);
    return l;
  }
}

/**
 * Newton step of a leaf before shrinkage. The 1e-15 is scikit-learn's guard
 * against a zero denominator when l2 = 0, kept so the arithmetic matches.
 */
function leafValue(sumGradient: number, sumHessian: number, l2: number): number {
  return -sumGradient / (sumHessian + l2 + 1e-15);
}

/** parent -= child, giving the sibling's histogram in the parent's buffer. */
function subtractInPlace(parent: Float64Array, child: Float64Array): Float64Array {
  for (let i = 0; i < parent.length; i++) parent[i] -= child[i];
  return parent;
}
