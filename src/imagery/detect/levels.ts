/**
 * Levels over the ground around a candidate, for the score's features: the
 * luminance over the background model (1 on open ground), sampled on grids
 * of points of the candidate, and the noise there relative to the ground.
 */
import { levelAt } from './background.js';
import type { Scene } from './candidate.js';
import type { Measure } from './patch.js';
import { SPAN_ALONG } from './params.js';

/** Mean levels around a candidate (NaN where no point of a grid is inside the region). */
export interface Levels {
  /** Noise over the background at the centre (NaN where the background is not positive). */
  noiseRatio: number;
  /** Its body: the middle half across. */
  body: number;
  /** The strip beside it on the side its shadow falls (either side without the sun), half a pixel out. */
  anti: number;
  /** The strip on the sun side. */
  sun: number;
  /** Past each end (+ and − along its axis), half a pixel to a pixel and a half. */
  endPlus: number;
  endMinus: number;
  /** Past where the longest shadow reaches across, a pixel wide. */
  beyondShadow: number;
}

/**
 * Mean level over a grid of points of a candidate, metres from its centre:
 * along its axis by `along`, across it by `across` (positive: the side its
 * shadow falls on, or either side without the sun). NaN when none is inside.
 */
function meanLevel(scene: Scene, c: Measure, along: readonly number[], across: readonly number[]): number {
  const { shadowDir } = scene.sun;
  const { x0, y0, x1, y1 } = scene.region;
  const { gx, gy } = scene.cls;
  let vx = -c.uy,
    vy = c.ux;
  if (shadowDir && vx * shadowDir[0] + vy * shadowDir[1] < 0) {
    vx = -vx;
    vy = -vy;
  }
  let acc = 0,
    n = 0;
  for (const s of along) {
    for (const t of across) {
      const x = Math.floor(c.cx + (s * c.ux + t * vx) / gx),
        y = Math.floor(c.cy + (s * c.uy + t * vy) / gy);
      if (x < x0 || y < y0 || x >= x1 || y >= y1) continue;
      const r = levelAt(scene.pass, scene.bg, x, y);
      if (r === r) {
        acc += r;
        n++;
      }
    }
  }
  return n ? acc / n : NaN;
}

/** Over the middle 60 % of its length (SPAN_ALONG), from a to b metres across it. */
function levelAcross(scene: Scene, c: Measure, a: number, b: number): number {
  return meanLevel(
    scene,
    c,
    SPAN_ALONG.map((f) => f * c.L),
    [a, (a + b) / 2, b],
  );
}

/** Beyond one end (end = ±1), from a to b metres past it, across its middle half. */
function levelBeyond(scene: Scene, c: Measure, end: number, a: number, b: number): number {
  return meanLevel(
    scene,
    c,
    [a, (a + b) / 2, b].map((t) => end * (c.L / 2 + t)),
    [-0.25 * c.W, 0, 0.25 * c.W],
  );
}

/** The levels around a candidate whose longest shadow reaches `reachAcross` metres across it (0 when unknown). */
export function groundLevels(scene: Scene, c: Measure, reachAcross: number): Levels {
  const { x0, y0, x1, y1 } = scene.region;
  const { gm } = scene.cls;
  const { coarse, fine, noise } = scene.bg;
  const cxi = Math.min(x1 - 1, Math.max(x0, Math.floor(c.cx))),
    cyi = Math.min(y1 - 1, Math.max(y0, Math.floor(c.cy)));
  const bg = coarse.at(cxi, cyi) + fine.at(cxi, cyi);
  const out1 = c.W / 2 + 0.5 * gm,
    out2 = c.W / 2 + Math.max(gm, 0.5 * reachAcross);
  const far = c.W / 2 + reachAcross + gm;
  return {
    noiseRatio: bg > 0 ? noise.at(cxi, cyi) / bg : NaN,
    body: levelAcross(scene, c, -c.W / 4, c.W / 4),
    anti: levelAcross(scene, c, out1, out2),
    sun: levelAcross(scene, c, -out2, -out1),
    endPlus: levelBeyond(scene, c, 1, 0.5 * gm, 1.5 * gm),
    endMinus: levelBeyond(scene, c, -1, 0.5 * gm, 1.5 * gm),
    beyondShadow: levelAcross(scene, c, far, far + gm),
  };
}
