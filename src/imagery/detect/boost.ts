/**
 * Gradient-boosted decision trees for binary classification: the model as
 * plain data, and a compiled form for fast inference. Training lives in
 * boost-train.ts, so the detector loads a model without the trainer.
 *
 * Missing values: a NaN feature always goes to the left child. The trainer
 * puts NaN in the lowest bin, which is on the left of every split it can
 * choose, so training and inference agree.
 */

/** A boosted-tree model as data (JSON-serialisable). */
export interface BoostedTrees {
  format: 'tally-boost/v1';
  /** Feature names, in the order of the input vector. */
  features: string[];
  /** Raw score before the trees (log-odds). */
  base: number;
  /**
   * Node i of a tree: if feature[i] < 0 it is a leaf with value[i]; else go to
   * left[i] when x[feature[i]] <= threshold[i] (or is NaN), to right[i] otherwise.
   * Node 0 is the root.
   */
  trees: BoostedTree[];
}

export interface BoostedTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export const BOOST_FORMAT = 'tally-boost/v1';

/** Numerically safe logistic: never exp() of a large positive number. */
export function logistic(raw: number): number {
  if (raw >= 0) return 1 / (1 + Math.exp(-raw));
  const e = Math.exp(raw);
  return e / (1 + e);
}

/**
 * A validated model packed into flat typed arrays: all trees share one buffer
 * per field and child indices are absolute, so scoring is a tight loop with
 * no allocation.
 */
export class CompiledTrees {
  readonly features: readonly string[];
  private readonly base: number;
  private readonly roots: Int32Array;
  private readonly feature: Int32Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly threshold: Float64Array;
  private readonly value: Float64Array;

  constructor(model: BoostedTrees) {
    if (model === null || typeof model !== 'object') throw new Error('boosted trees: the model is not an object');
    if (model.format !== BOOST_FORMAT) {
      throw new Error(`boosted trees: format is ${JSON.stringify(model.format)}, expected "${BOOST_FORMAT}"`);
    }
    if (!Array.isArray(model.features) || model.features.some((f) => typeof f !== 'string')) {
      throw new Error('boosted trees: features must be an array of names');
    }
    if (typeof model.base !== 'number' || !Number.isFinite(model.base)) {
      throw new Error(`boosted trees: base must be a finite number, got ${model.base}`);
    }
    if (!Array.isArray(model.trees)) throw new Error('boosted trees: trees must be an array');

    const nFeatures = model.features.length;
    let total = 0;
    model.trees.forEach((tree, t) => {
      total += checkShape(tree, t);
    });

    this.features = Object.freeze([...model.features]);
    this.base = model.base;
    this.roots = new Int32Array(model.trees.length);
    this.feature = new Int32Array(total);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.threshold = new Float64Array(total);
    this.value = new Float64Array(total);

    let offset = 0;
    model.trees.forEach((tree, t) => {
      const size = tree.feature.length;
      checkNodes(tree, t, nFeatures);
      this.roots[t] = offset;
      for (let i = 0; i < size; i++) {
        const f = tree.feature[i];
        const o = offset + i;
        if (f < 0) {
          // Leaves point at themselves so a stray read can never walk off the buffer.
          this.feature[o] = -1;
          this.left[o] = o;
          this.right[o] = o;
          this.value[o] = tree.value[i];
        } else {
          this.feature[o] = f;
          this.threshold[o] = tree.threshold[i];
          this.left[o] = offset + tree.left[i];
          this.right[o] = offset + tree.right[i];
        }
      }
      offset += size;
    });
  }

  /** Number of trees. */
  get size(): number {
    return this.roots.length;
  }

  /** base + the sum of the leaf values reached by x. */
  raw(x: ArrayLike<number>): number {
    if (x.length < this.features.length) {
      throw new Error(`boosted trees: input has ${x.length} values, the model reads ${this.features.length}`);
    }
    const { roots, feature, left, right, threshold, value } = this;
    let sum = this.base;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t];
      let f = feature[node];
      while (f >= 0) {
        // Written as "not greater" so that NaN goes left.
        node = x[f] > threshold[node] ? right[node] : left[node];
        f = feature[node];
      }
      sum += value[node];
    }
    return sum;
  }

  /** Probability of the positive class: logistic of raw(x). */
  probability(x: ArrayLike<number>): number {
    return logistic(this.raw(x));
  }
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Checks the per-node arrays exist and agree in length; returns the node count. */
function checkShape(tree: BoostedTree, t: number): number {
  if (tree === null || typeof tree !== 'object') throw new Error(`boosted trees: tree ${t} is not an object`);
  for (const key of ['feature', 'threshold', 'left', 'right', 'value'] as const) {
    if (!Array.isArray(tree[key])) throw new Error(`boosted trees: tree ${t}: ${key} must be an array`);
  }
  const size = tree.feature.length;
  if (size === 0) throw new Error(`boosted trees: tree ${t} has no nodes`);
  for (const key of ['threshold', 'left', 'right', 'value'] as const) {
    if (tree[key].length !== size) {
      throw new Error(`boosted trees: tree ${t}: ${key} has ${tree[key].length} entries, feature has ${size}`);
    }
  }
  return size;
}

/**
 * Checks every node reachable from the root: features in range, children in
 * range, finite numbers, and no node reached twice (which catches cycles and
 * shared subtrees, so inference always terminates).
 */
function checkNodes(tree: BoostedTree, t: number, nFeatures: number): void {
  const size = tree.feature.length;
  const seen = new Uint8Array(size);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const where = `boosted trees: tree ${t}, node ${i}`;
    const f = tree.feature[i];
    if (!isIndex(f)) throw new Error(`${where}: feature ${f} is not an integer`);
    if (f < 0) {
      if (typeof tree.value[i] !== 'number' || !Number.isFinite(tree.value[i])) {
        throw new Error(`${where}: leaf value ${tree.value[i]} is not a finite number`);
      }
      continue;
    }
    if (f >= nFeatures) throw new Error(`${where}: feature ${f} is out of range (model has ${nFeatures} features)`);
    if (typeof tree.threshold[i] !== 'number' || Number.isNaN(tree.threshold[i])) {
      throw new Error(`${where}: threshold ${tree.threshold[i]} is not a number`);
    }
    for (const side of ['left', 'right'] as const) {
      const c = tree[side][i];
      if (!isIndex(c) || c < 0 || c >= size) {
        throw new Error(`${where}: ${side} child ${c} is out of range (tree has ${size} nodes)`);
      }
      if (seen[c]) throw new Error(`${where}: ${side} child ${c} is reached twice (a cycle or shared node)`);
      seen[c] = 1;
      stack.push(c);
    }
  }
}
