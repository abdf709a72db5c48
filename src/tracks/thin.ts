/**
 * Thinning a track for drawing: which positions to keep so that a long
 * track stays light on a map, its segments (split at silences) kept apart
 * and each segment's first and last position always kept.
 */

/**
 * Indices to draw of a track of `n` points whose segments start at
 * `breaks`: per segment, its first and last point and every k-th between,
 * k chosen so that about `max` points remain in all.
 */
export function keptIndices(n: number, breaks: number[], max: number): number[][] {
  const starts = [0, ...breaks.filter((b) => b > 0 && b < n)].sort((a, b) => a - b);
  const k = Math.max(1, Math.ceil(n / max));
  const segments: number[][] = [];
  starts.forEach((start, s) => {
    const end = (starts[s + 1] ?? n) - 1;
    if (end < start) return;
    const seg: number[] = [];
    for (let i = start; i <= end; i++) if (i === start || i === end || i % k === 0) seg.push(i);
    segments.push(seg);
  });
  return segments;
}
