/**
 * Step 6 of the detector, over all candidates: shadows of bright objects.
 *
 * A dark candidate can be a bright object's shadow. With the sun known: the
 * fractions of its sun-side and anti-sun-side edge pixels with bright ground
 * within 1 to SUN_SIDE_REACH_PX pixels. A bright object's shadow has bright
 * along nearly all of its sun side (measured on the evaluation set: 0.9 or
 * more for seven in eight); a dark object by a pad or a road edge has some,
 * rarely half. Only the clear cases are dropped here (SHADOW_SUN_FRAC); the
 * fractions go to the score. Sun unknown: bright components of object size
 * next to it.
 *
 * The shadows dropped give the scene's shadow ratio: their level over
 * their ground. Light in shadow is the sky's alone, so the ratio is one for
 * the scene, whatever the ground; a dark object's own shadow is at it, the
 * object (at its own level) and a dark distractor's body in general not.
 */
import { findRoot, medianHigh } from '../../util/index.js';
import { levelAt, zAt } from './background.js';
import type { Candidate, Scene } from './candidate.js';
import type { Labels, RunSet } from './components.js';
import {
  BRIGHT_GROUND,
  NEIGHBOUR_HITS,
  NEIGHBOUR_MAX_AREA,
  NEIGHBOUR_MIN_AREA,
  NEIGHBOUR_PX,
  SHADOW_ANTI_FRAC,
  SHADOW_SUN_FRAC,
  SUN_SIDE_REACH_PX,
} from './params.js';

/** A candidate that is not a bright object's shadow, and the bright ground by it (sun side, other side; −1 for a bright one). */
export interface Kept {
  candidate: Candidate;
  sunFrac: [number, number];
}

/**
 * The candidates inside the site that are not shadows of bright objects,
 * in their order, and the scene's shadow ratio (NaN when unknown: without
 * the sun's azimuth, with no bright object's shadow, or when only bright
 * objects are sought, for then no dark component is analysed).
 */
export function dropShadows(
  scene: Scene,
  found: readonly Candidate[],
  brightRuns: RunSet,
  brightLabels: Labels,
): { kept: Kept[]; shadowRatio: number } {
  const { pass, bg, region } = scene;
  const w = pass.width;
  const kept: Kept[] = [];
  const shadowLevels: number[] = [];
  for (const c0 of found) {
    const f: [number, number] = c0.polarity === 'dark' ? brightBeside(scene, c0, brightRuns, brightLabels) : [-1, -1];
    if (c0.polarity === 'dark' && f[0] >= SHADOW_SUN_FRAC && f[1] < SHADOW_ANTI_FRAC) {
      let acc = 0,
        n = 0;
      for (const g of c0.pixels) {
        const y = (g / w) | 0,
          r = levelAt(pass, bg, g - y * w, y);
        if (r === r) {
          acc += r;
          n++;
        }
      }
      if (n) shadowLevels.push(acc / n);
      continue;
    }
    if (!region.inSite(c0.cx, c0.cy)) continue;
    kept.push({ candidate: c0, sunFrac: f });
  }
  return { kept, shadowRatio: medianHigh(shadowLevels) };
}

/**
 * Bright ground by a dark candidate: with the sun, the fractions of its
 * edge pixels on the sun side and on the other with bright ground within
 * SUN_SIDE_REACH_PX pixels; without, [1, 0] when bright components of
 * object size lie next to it (a shadow), else [0, 0].
 */
function brightBeside(scene: Scene, c: Candidate, brightRuns: RunSet, brightLabels: Labels): [number, number] {
  const { pass, bg, cls, region } = scene;
  const { shadowDir } = scene.sun;
  const { x0, y0, x1, y1 } = region;
  const { gx, gy, gm, pixArea, minArea, maxArea } = cls;
  const w = pass.width;
  if (shadowDir) {
    const brightZ = BRIGHT_GROUND * scene.T;
    const set = new Set<number>(c.pixels);
    let sunE = 0,
      sunB = 0,
      antiE = 0,
      antiB = 0;
    for (const g of c.pixels) {
      const y = (g / w) | 0,
        x = g - y * w;
      for (const sgn of [-1, 1]) {
        const qx0 = x + Math.round((sgn * shadowDir[0] * gm) / gx),
          qy0 = y + Math.round((sgn * shadowDir[1] * gm) / gy);
        if (qx0 < x0 || qy0 < y0 || qx0 >= x1 || qy0 >= y1 || set.has(qy0 * w + qx0)) continue;
        // an edge pixel of the region on this side: bright within 1 to SUN_SIDE_REACH_PX pixels?
        let bright = 0;
        for (let k = 1; k <= SUN_SIDE_REACH_PX && !bright; k++) {
          const qx = x + Math.round((k * sgn * shadowDir[0] * gm) / gx),
            qy = y + Math.round((k * sgn * shadowDir[1] * gm) / gy);
          if (qx < x0 || qy < y0 || qx >= x1 || qy >= y1) break;
          if (zAt(pass, bg, qx, qy) >= brightZ) bright = 1;
        }
        if (sgn < 0) {
          sunE++;
          sunB += bright;
        } else {
          antiE++;
          antiB += bright;
        }
      }
    }
    return [sunE > 0 ? sunB / sunE : 0, antiE > 0 ? antiB / antiE : 0];
  }
  const { runs: R, rowStart: rs } = brightRuns;
  const { parent, area } = brightLabels;
  const d = NEIGHBOUR_PX;
  let hits = 0;
  for (const g of c.pixels) {
    const y = (g / w) | 0,
      x = g - y * w;
    for (let yy = Math.max(y0, y - d); yy <= Math.min(y1 - 1, y + d); yy++) {
      for (let k = rs[yy - y0]; k < rs[yy - y0 + 1]; k++) {
        if (R[3 * k + 2] < x - d || R[3 * k + 1] > x + d) continue;
        const a = area[findRoot(parent, k)] * pixArea;
        if (a >= NEIGHBOUR_MIN_AREA * minArea && a <= NEIGHBOUR_MAX_AREA * maxArea) hits++;
      }
    }
    if (hits >= NEIGHBOUR_HITS) return [1, 0];
  }
  return [0, 0];
}
