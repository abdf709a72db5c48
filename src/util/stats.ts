/** Order statistics shared by the stages. */

/**
 * Median: the middle value, or the mean of the two middle values for an
 * even count; NaN for none. Sorts `xs` in place (numerically).
 */
export function median(xs: number[] | Float64Array): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const s = xs instanceof Float64Array ? xs.sort() : xs.sort((a, b) => a - b);
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * High median: the value at index floor(n / 2) of the sorted values, always
 * one of the values (Python's `statistics.median_high`); NaN for none. Does
 * not change `xs`.
 */
export function medianHigh(xs: readonly number[] | Float64Array): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[s.length >> 1];
}
