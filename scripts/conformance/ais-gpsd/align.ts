import { Rec } from './types.js';
import { SUPPORTED } from './cited.js';
import { normalizeRef } from './compare.js';

// ---------------------------------------------------------------------------
// Alignment: Myers' O(ND) diff on fine keys, then an LCS on coarse keys
// (type and MMSI) inside each gap, so that messages one side dropped stay
// unmatched and a message whose fields disagree still pairs with its twin.
// ---------------------------------------------------------------------------

/** Pairs [i, j] with a[i] === b[j] of a longest common subsequence (null when the edit distance passes `maxD`). */
export function myersPairs(a: string[], b: string[], maxD = 3000): [number, number][] | null {
  const n = a.length,
    m = b.length,
    max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(max, maxD); d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(trace, d, n, m);
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  return null;
}

function backtrack(trace: Int32Array[], dEnd: number, n: number, m: number): [number, number][] {
  const pairs: [number, number][] = [];
  let x = n,
    y = m;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d - 1];
    const at = (k: number): number => v[k + d - 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK),
      prevY = prevX - prevK;
    while (x > prevX && y > prevY) pairs.push([--x, --y]);
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) pairs.push([--x, --y]);
  return pairs.reverse();
}

function lcsPairs(a: string[], b: string[], a0: number, b0: number): [number, number][] {
  const n = a.length,
    m = b.length;
  if (n === 0 || m === 0 || n * m > 4_000_000) return [];
  const t = new Uint16Array((n + 1) * (m + 1));
  const w = m + 1;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
    }
  }
  const out: [number, number][] = [];
  let i = 0,
    j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) out.push([a0 + i++, b0 + j++]);
    else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) i++;
    else j++;
  }
  return out;
}

/** Greedy fallback for inputs too far apart for the diff: resynchronise on the nearest equal pair. */
function greedyPairs(a: string[], b: string[], window = 200): [number, number][] {
  const out: [number, number][] = [];
  let i = 0,
    j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push([i++, j++]);
      continue;
    }
    let best: [number, number] | null = null;
    for (let s = 1; s <= window && !best; s++) {
      for (let di = 0; di <= s; di++) {
        const ii = i + di,
          jj = j + s - di;
        if (ii < a.length && jj < b.length && a[ii] === b[jj]) {
          best = [ii, jj];
          break;
        }
      }
    }
    if (!best) {
      i++;
      j++;
      continue;
    }
    [i, j] = best;
  }
  return out;
}

export function align(fineA: string[], fineB: string[], coarseA: string[], coarseB: string[]): [number, number][] {
  const anchors = myersPairs(fineA, fineB) ?? greedyPairs(fineA, fineB);
  const out: [number, number][] = [];
  let pa = 0,
    pb = 0;
  for (const [i, j] of [...anchors, [fineA.length, fineB.length] as [number, number]]) {
    if (i > pa && j > pb) out.push(...lcsPairs(coarseA.slice(pa, i), coarseB.slice(pb, j), pa, pb));
    if (i < fineA.length) out.push([i, j]);
    pa = i + 1;
    pb = j + 1;
  }
  return out;
}

export function coarseKey(r: Rec): string {
  return `${r.type}:${r.mmsi}`;
}

export function fineKey(r: Rec): string {
  const t = r.type as number;
  if (!SUPPORTED.has(t)) return coarseKey(r);
  let f = '';
  const lat = normalizeRef(t, 'lat', r.lat),
    lon = normalizeRef(t, 'lon', r.lon);
  if (typeof lat === 'number' && typeof lon === 'number') f = `${lat.toFixed(2)},${lon.toFixed(2)}`;
  if (t === 24) f = `${r.part ?? 'AB'}|${r.shipname ?? ''}|${r.callsign ?? ''}`;
  else if (t === 5) f = `${r.shipname ?? ''}|${r.callsign ?? ''}`;
  else if (t === 4 || t === 11) f += `|${r.timestamp ?? ''}`;
  return `${coarseKey(r)}|${f}|${r.radio ?? ''}`;
}
