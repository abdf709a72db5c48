/**
 * Union-find over a parent array (Int32Array, `parent[i] === i` for a
 * root), as the connected-component passes of the imagery stage use it:
 * no objects per element, so millions of runs cost one typed array.
 */

/** The root of `i`, halving the path on the way (each node then points to its grandparent). */
export function findRoot(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/**
 * Joins the sets of `a` and `b`; the smaller index becomes the root, so
 * that a component's root is its first element in scan order. Returns that
 * root.
 */
export function unionRoots(parent: Int32Array, a: number, b: number): number {
  const ra = findRoot(parent, a);
  const rb = findRoot(parent, b);
  if (ra === rb) return ra;
  const lo = Math.min(ra, rb);
  parent[Math.max(ra, rb)] = lo;
  return lo;
}
