/**
 * Steps 8–9 of the detector: every candidate scored (score.ts), those under
 * the floor dropped, and one detection per object.
 */
import type { Detection, Gsd, Raster } from '../types.js';
import { collectCandidates } from './collect.js';
import type { DetectOptions, ObjectDetector } from './options.js';
import { NMS_WIDTHS, SCORE_ROUNDING, SHAPE_MIN_SCORE } from './params.js';
import { scoreModel } from './score.js';

/**
 * One object, one detection: of two of the same polarity closer than
 * NMS_WIDTHS of the narrowest declared width (metres), the lower score goes.
 * Returns the survivors, highest score first.
 */
export function oneDetectionPerObject(dets: Detection[], widthMin: number, gsd: Gsd): Detection[] {
  const kept = dets.slice().sort((a, b) => b.score - a.score || a.y - b.y || a.x - b.x);
  const r = NMS_WIDTHS * widthMin;
  const gx = gsd.x,
    gy = gsd.y;
  const out: Detection[] = [];
  const cell = new Map<string, Detection[]>();
  const cs = Math.max(r / gx, r / gy, 1);
  for (const d of kept) {
    const ci = Math.floor(d.x / cs),
      cj = Math.floor(d.y / cs);
    let clash = false;
    for (let dj = -1; dj <= 1 && !clash; dj++) {
      for (let di = -1; di <= 1 && !clash; di++) {
        for (const e of cell.get(`${ci + di},${cj + dj}`) ?? []) {
          if (e.polarity === d.polarity && Math.hypot((e.x - d.x) * gx, (e.y - d.y) * gy) < r) {
            clash = true;
            break;
          }
        }
      }
    }
    if (clash) continue;
    out.push(d);
    const key = `${ci},${cj}`;
    const list = cell.get(key);
    if (list) list.push(d);
    else cell.set(key, [d]);
  }
  return out;
}

export class ClassicalDetector implements ObjectDetector {
  detect(raster: Raster, opts: DetectOptions): Detection[] {
    const scoring = opts.scoring ?? 'model';
    const model = scoring === 'model' ? scoreModel() : null;
    const minScore = opts.minScore ?? (model ? model.threshold : SHAPE_MIN_SCORE);
    const found = collectCandidates(raster, opts);
    const kept: Detection[] = [];
    for (const c of found) {
      const score = model ? model.trees.probability(c.features) : c.shape;
      if (score < minScore) continue;
      kept.push({ ...c.detection, score: Math.round(score * SCORE_ROUNDING) / SCORE_ROUNDING });
    }
    const out = oneDetectionPerObject(kept, opts.widthM[0], opts.gsd);
    out.sort((a, b) => a.y - b.y || a.x - b.x);
    return out;
  }
}

/** The default detector. */
export function detectObjects(raster: Raster, opts: DetectOptions): Detection[] {
  return new ClassicalDetector().detect(raster, opts);
}
