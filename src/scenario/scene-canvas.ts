/**
 * The drawing surface of the synthetic scenes: convex shapes (rectangles,
 * hulls, ellipses) in metres on the ground, drawn onto a float canvas by
 * their area coverage of each pixel (estimated by supersampling), so that
 * the same scene renders consistently at any GSD; value noise for the
 * terrain; a Gaussian blur for the sensor's point spread function.
 */

/* ---------- shapes ---------- */

export interface Shape {
  /** 'poly': convex polygon (x0,y0,x1,y1,...) in metres; 'ellipse': cx, cy, a, b, heading. */
  kind: 'poly' | 'ellipse';
  pts: number[];
  ex?: { cx: number; cy: number; a: number; b: number; ux: number; uy: number };
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Points inside this shape are not part of the shape (an object is not in its own shadow). */
  minus?: Shape;
}

/** Unit vector of a heading (clockwise from north) in image axes (x right, y down). */
export function axis(headingDeg: number): [number, number] {
  const h = (headingDeg * Math.PI) / 180;
  return [Math.sin(h), -Math.cos(h)];
}

export function rectCorners(cx: number, cy: number, len: number, wid: number, headingDeg: number): number[] {
  const [ux, uy] = axis(headingDeg);
  const vx = -uy;
  const vy = ux;
  const a = len / 2;
  const b = wid / 2;
  return [
    cx + ux * a + vx * b,
    cy + uy * a + vy * b,
    cx - ux * a + vx * b,
    cy - uy * a + vy * b,
    cx - ux * a - vx * b,
    cy - uy * a - vy * b,
    cx + ux * a - vx * b,
    cy + uy * a - vy * b,
  ];
}

export function polyShape(pts: number[]): Shape {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let i = 0; i < pts.length; i += 2) {
    minX = Math.min(minX, pts[i]);
    maxX = Math.max(maxX, pts[i]);
    minY = Math.min(minY, pts[i + 1]);
    maxY = Math.max(maxY, pts[i + 1]);
  }
  return { kind: 'poly', pts: orientCcw(pts), minX, minY, maxX, maxY };
}

function orientCcw(pts: number[]): number[] {
  let s = 0;
  const n = pts.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    s += pts[2 * i] * pts[2 * j + 1] - pts[2 * j] * pts[2 * i + 1];
  }
  if (s >= 0) return pts;
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(pts[2 * i], pts[2 * i + 1]);
  return out;
}

export function ellipseShape(cx: number, cy: number, len: number, wid: number, headingDeg: number): Shape {
  const [ux, uy] = axis(headingDeg);
  const r = Math.max(len, wid) / 2;
  return {
    kind: 'ellipse',
    pts: [],
    ex: { cx, cy, a: len / 2, b: wid / 2, ux, uy },
    minX: cx - r,
    minY: cy - r,
    maxX: cx + r,
    maxY: cy + r,
  };
}

/** Convex hull (monotone chain) of points x0,y0,x1,y1,... */
export function hull(pts: number[]): number[] {
  const p: [number, number][] = [];
  for (let i = 0; i < pts.length; i += 2) p.push([pts[i], pts[i + 1]]);
  p.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  const h = lower.slice(0, -1).concat(upper.slice(0, -1));
  return h.flat();
}

function inside(s: Shape, x: number, y: number): boolean {
  if (s.minus && inside(s.minus, x, y)) return false;
  if (s.kind === 'ellipse') {
    const e = s.ex!;
    const dx = x - e.cx;
    const dy = y - e.cy;
    const a = dx * e.ux + dy * e.uy;
    const b = -dx * e.uy + dy * e.ux;
    return (a * a) / (e.a * e.a) + (b * b) / (e.b * e.b) <= 1;
  }
  const p = s.pts;
  const n = p.length / 2;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const ex = p[2 * j] - p[2 * i];
    const ey = p[2 * j + 1] - p[2 * i + 1];
    if (ex * (y - p[2 * i + 1]) - ey * (x - p[2 * i]) < 0) return false;
  }
  return true;
}

/* ---------- the canvas ---------- */

export class Canvas {
  readonly v: Float32Array;
  constructor(
    readonly w: number,
    readonly h: number,
    readonly gsd: number,
    readonly shiftX: number,
    readonly shiftY: number,
  ) {
    this.v = new Float32Array(w * h);
  }

  /** Calls f(index, coverage) for each pixel the shape covers, coverage by ss × ss supersampling. */
  cover(s: Shape, f: (i: number, c: number) => void): void {
    const g = this.gsd;
    const ss = Math.max(4, Math.min(12, Math.ceil(g / 0.12)));
    const c0 = Math.max(0, Math.floor(s.minX / g + this.shiftX) - 1);
    const c1 = Math.min(this.w - 1, Math.ceil(s.maxX / g + this.shiftX) + 1);
    const r0 = Math.max(0, Math.floor(s.minY / g + this.shiftY) - 1);
    const r1 = Math.min(this.h - 1, Math.ceil(s.maxY / g + this.shiftY) + 1);
    const inv = 1 / (ss * ss);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        let n = 0;
        for (let a = 0; a < ss; a++) {
          const ym = (r + (a + 0.5) / ss - this.shiftY) * g;
          for (let b = 0; b < ss; b++) {
            const xm = (c + (b + 0.5) / ss - this.shiftX) * g;
            if (inside(s, xm, ym)) n++;
          }
        }
        if (n > 0) f(r * this.w + c, n * inv);
      }
    }
  }

  add(s: Shape, delta: number): void {
    const v = this.v;
    this.cover(s, (i, c) => {
      v[i] += c * delta;
    });
  }

  /** Darkens what is under the shape by the factor k (shadows). */
  darken(s: Shape, k: number): void {
    const v = this.v;
    this.cover(s, (i, c) => {
      v[i] *= 1 - c * k;
    });
  }
}

/* ---------- terrain ---------- */

function hash2(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ Math.imul(seed, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2147483648 - 1;
}

export function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = hash2(ix, iy, seed);
  const b = hash2(ix + 1, iy, seed);
  const c = hash2(ix, iy + 1, seed);
  const d = hash2(ix + 1, iy + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

/* ---------- the sensor ---------- */

export function gaussBlur(v: Float32Array, w: number, h: number, sigma: number): void {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
    s += k[i + r];
  }
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const tmp = new Float32Array(Math.max(w, h));
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      let a = 0;
      for (let j = -r; j <= r; j++) a += k[j + r] * v[o + Math.min(w - 1, Math.max(0, x + j))];
      tmp[x] = a;
    }
    v.set(tmp.subarray(0, w), o);
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      let a = 0;
      for (let j = -r; j <= r; j++) a += k[j + r] * v[Math.min(h - 1, Math.max(0, y + j)) * w + x];
      tmp[y] = a;
    }
    for (let y = 0; y < h; y++) v[y * w + x] = tmp[y];
  }
}
