/**
 * Synthetic overhead scenes of a declared site, with their ground truth.
 *
 * The scene is described in metres on the ground (x east from the image's
 * left edge, y south from its top edge) and sampled at the chosen ground
 * sample distance: every shape (objects, shadows, distractors, roads, pads)
 * is drawn by its area coverage of each pixel, estimated by supersampling,
 * so the same scene renders consistently at any GSD. Terrain is
 * multi-octave value noise in metres; octaves finer than two pixels are left
 * out, which is what an area-averaging sensor does to them. Then, in order:
 * optional blur (Gaussian PSF), Gaussian sensor noise, quantisation to 8 bits.
 * A misregistration shifts the content by a sub-pixel amount while the
 * georeference stays the nominal one (as with a real, badly registered pass).
 *
 * Everything random comes from `Random(seed)`: the same spec and seed give
 * the same bytes on every machine.
 */
import proj4 from 'proj4';
import { Random } from './random.js';
import type { Raster } from '../imagery/index.js';

export type Polarity = 'bright' | 'dark';

/** One declared object placed explicitly (metres from the top-left corner). */
export interface SceneObject {
  x_m: number;
  y_m: number;
  length_m: number;
  width_m: number;
  /** Long axis, degrees clockwise from north. */
  heading_deg: number;
  polarity: Polarity;
  /** Grey levels above (bright) or below (dark) the local ground; default 60. */
  contrast?: number;
  /** Height in metres for the shadow; 0 or absent: no shadow. */
  height_m?: number;
  /** Cab at one end and a strip along the body (a transporter's look). */
  structure?: boolean;
}

export interface ObjectClass {
  lengthM: [number, number];
  widthM: [number, number];
}

/** Objects placed at random (in addition to the explicit ones). */
export interface RandomObjects {
  count: number;
  classes: ObjectClass[];
  /** Fraction of dark objects (the rest are bright). */
  darkFraction: number;
  /** Contrast in grey levels, drawn uniformly. */
  contrast: [number, number];
  /** Fraction of objects placed touching another one of the same class (pairs). */
  touchingFraction: number;
  heightM?: [number, number];
  structureFraction?: number;
}

export interface Distractors {
  /** Rectangles whose length is 15 to 30 % outside the declared range (either side). */
  nearLength: number;
  /** Rectangles of declared length but 1.4 to 1.8 times the widest declared width. */
  wide: number;
  /** Ellipses whose area is within 30 % of the declared area but roundish (aspect 1 to 2.5). */
  blobs: number;
  /** Much smaller things (0.1 to 0.4 of the declared length). */
  small: number;
  /** Much larger things (buildings, 2 to 4 times the declared length). */
  large: number;
  contrast?: [number, number];
}

export interface SceneSpec {
  /** Scene size in metres, or in pixels (then metres = pixels × GSD). */
  widthM?: number;
  heightM?: number;
  widthPx?: number;
  heightPx?: number;
  /** Ground sample distance in metres (0.3 to 1.5 in the evaluation). */
  gsd: number;
  /** North-up UTM: EPSG code (default 32617, zone 17 N, Cuba) and the top-left corner. */
  epsg?: number;
  originE?: number;
  originN?: number;
  terrain?: { base?: number; contrast?: number; scaleM?: number; octaves?: number };
  roads?: number;
  pads?: number;
  /** Contrast of roads and pads in grey levels (sign drawn at random). */
  surfaceContrast?: [number, number];
  objects?: SceneObject[];
  random?: RandomObjects;
  distractors?: Distractors;
  sun?: { azimuthDeg: number; elevationDeg: number };
  /** Darkening of the ground in shadow, 0..1 (default 0.4). */
  shadowDarkening?: number;
  /** Sensor noise, standard deviation in grey levels. */
  noise?: number;
  /** Gaussian PSF sigma in pixels (0: none). */
  blurPx?: number;
  /** Misregistration in pixels (content moved by this much). */
  shiftPx?: [number, number];
  cloud?: boolean;
  bands?: 1 | 3;
}

export interface TruthObject {
  /** Centre in pixel coordinates, pixel centres at .5 (where it appears in the image). */
  x: number;
  y: number;
  /** True ground position, WGS 84. */
  lat: number;
  lon: number;
  length_m: number;
  width_m: number;
  heading_deg: number;
  polarity: Polarity;
  touching: boolean;
  /** For distractors: what kind. */
  kind?: string;
  /** Grey levels above or below the ground. */
  contrast?: number;
}

export interface RenderedScene {
  raster: Raster;
  truth: TruthObject[];
  distractors: TruthObject[];
  gsd: number;
}

/* ---------- shapes ---------- */

interface Shape {
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
function axis(headingDeg: number): [number, number] {
  const h = (headingDeg * Math.PI) / 180;
  return [Math.sin(h), -Math.cos(h)];
}

function rectCorners(cx: number, cy: number, len: number, wid: number, headingDeg: number): number[] {
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

function polyShape(pts: number[]): Shape {
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

function ellipseShape(cx: number, cy: number, len: number, wid: number, headingDeg: number): Shape {
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
function hull(pts: number[]): number[] {
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

class Canvas {
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

function valueNoise(x: number, y: number, seed: number): number {
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

/* ---------- the scene ---------- */

function gaussBlur(v: Float32Array, w: number, h: number, sigma: number): void {
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

interface Placed {
  cx: number;
  cy: number;
  r: number;
}

const projCache = new Map<number, (e: number, n: number) => [number, number]>();

/** UTM (EPSG 326zz / 327zz) easting/northing to [lon, lat]. */
export function utmToLonLat(epsg: number, e: number, n: number): [number, number] {
  let f = projCache.get(epsg);
  if (!f) {
    const south = epsg >= 32701 && epsg <= 32760;
    if (!south && !(epsg >= 32601 && epsg <= 32660)) throw new Error(`scenes: EPSG ${epsg} is not a WGS 84 UTM zone`);
    const zone = epsg % 100;
    const conv = proj4(`+proj=utm +zone=${zone}${south ? ' +south' : ''} +datum=WGS84 +units=m +no_defs`, 'EPSG:4326');
    f = (x: number, y: number) => conv.forward([x, y]) as [number, number];
    projCache.set(epsg, f);
  }
  return f(e, n);
}

/**
 * Renders a scene. Objects are placed without overlap (except the touching
 * pairs), inside the image with a margin; distractors likewise.
 */
export function renderScene(spec: SceneSpec, seed: number): RenderedScene {
  const rnd = new Random(seed);
  const g = spec.gsd;
  if (!(g > 0)) throw new Error('scenes: gsd must be positive');
  const widthM = spec.widthM ?? (spec.widthPx ?? 512) * g;
  const heightM = spec.heightM ?? (spec.heightPx ?? 512) * g;
  const w = spec.widthPx ?? Math.round(widthM / g);
  const h = spec.heightPx ?? Math.round(heightM / g);
  const epsg = spec.epsg ?? 32617;
  const originE = spec.originE ?? 355_000; // near San Cristóbal, Cuba
  const originN = spec.originN ?? 2_520_000;
  const [shx, shy] = spec.shiftPx ?? [0, 0];
  const cv = new Canvas(w, h, g, shx, shy);
  const v = cv.v;

  // Terrain.
  const t = spec.terrain ?? {};
  const base = t.base ?? 110;
  const tc = t.contrast ?? 12;
  const scale = t.scaleM ?? 40;
  const octaves = t.octaves ?? 6;
  const tseed = rnd.uint32() | 0;
  const oct: { s: number; a: number }[] = [];
  let amp = 1;
  let norm = 0;
  for (let k = 0; k < octaves; k++) {
    const s = scale / 2 ** k;
    norm += amp;
    if (s >= 2 * g) oct.push({ s, a: amp });
    amp *= 0.55;
  }
  for (let r = 0; r < h; r++) {
    const ym = (r + 0.5 - shy) * g;
    for (let c = 0; c < w; c++) {
      const xm = (c + 0.5 - shx) * g;
      let n = 0;
      for (let k = 0; k < oct.length; k++) n += oct[k].a * valueNoise(xm / oct[k].s, ym / oct[k].s, tseed + k);
      v[r * w + c] = base + ((tc * n) / norm) * 1.7;
    }
  }

  const sc = spec.surfaceContrast ?? [10, 30];
  // Roads: long straight strips across the scene.
  for (let k = 0; k < (spec.roads ?? 0); k++) {
    const cx = rnd.range(0.2, 0.8) * widthM;
    const cy = rnd.range(0.2, 0.8) * heightM;
    const len = 3 * Math.max(widthM, heightM);
    const wid = rnd.range(5, 10);
    const d = rnd.range(sc[0], sc[1]) * (rnd.chance(0.5) ? 1 : -1);
    cv.add(polyShape(rectCorners(cx, cy, len, wid, rnd.range(0, 180))), d);
  }
  // Pads: large low-contrast rectangles.
  const pads: { cx: number; cy: number; l: number; wd: number; hd: number }[] = [];
  for (let k = 0; k < (spec.pads ?? 0); k++) {
    const l = rnd.range(40, 90);
    const wd = rnd.range(30, 70);
    const cx = rnd.range(0.15, 0.85) * widthM;
    const cy = rnd.range(0.15, 0.85) * heightM;
    const hd = rnd.range(0, 180);
    const d = rnd.range(sc[0], sc[1]) * (rnd.chance(0.5) ? 1 : -1);
    cv.add(polyShape(rectCorners(cx, cy, l, wd, hd)), d);
    pads.push({ cx, cy, l, wd, hd });
  }

  // Objects.
  const objs: (SceneObject & { touching: boolean })[] = (spec.objects ?? []).map((o) => ({ ...o, touching: false }));
  const placed: Placed[] = objs.map((o) => ({ cx: o.x_m, cy: o.y_m, r: o.length_m / 2 }));
  const margin = 4;
  const free = (cx: number, cy: number, r: number): boolean => {
    if (cx - r < margin || cy - r < margin || cx + r > widthM - margin || cy + r > heightM - margin) return false;
    for (const p of placed) if (Math.hypot(p.cx - cx, p.cy - cy) < p.r + r + 4) return false;
    return true;
  };
  /** A spot: on a pad half of the time when there are pads. */
  const spot = (): [number, number] => {
    if (pads.length && rnd.chance(0.5)) {
      const p = rnd.pick(pads);
      const [ux, uy] = axis(p.hd);
      const a = rnd.range(-0.4, 0.4) * p.l;
      const b = rnd.range(-0.4, 0.4) * p.wd;
      return [p.cx + ux * a - uy * b, p.cy + uy * a + ux * b];
    }
    return [rnd.range(0, widthM), rnd.range(0, heightM)];
  };
  const ro = spec.random;
  if (ro && ro.count > 0) {
    let made = 0;
    let tries = 0;
    while (made < ro.count && tries < 5000) {
      tries++;
      const cls = rnd.pick(ro.classes);
      const pol: Polarity = rnd.chance(ro.darkFraction) ? 'dark' : 'bright';
      const contrast = rnd.range(ro.contrast[0], ro.contrast[1]);
      const hgt = ro.heightM ? rnd.range(ro.heightM[0], ro.heightM[1]) : 0;
      const structure = rnd.chance(ro.structureFraction ?? 0);
      const mk = (cx: number, cy: number, hd: number): SceneObject & { touching: boolean } => ({
        x_m: cx,
        y_m: cy,
        heading_deg: hd,
        length_m: rnd.range(cls.lengthM[0], cls.lengthM[1]),
        width_m: rnd.range(cls.widthM[0], cls.widthM[1]),
        polarity: pol,
        contrast,
        height_m: hgt,
        structure,
        touching: false,
      });
      const [cx, cy] = spot();
      const hd = rnd.range(0, 180);
      const pair = made + 2 <= ro.count && rnd.chance(ro.touchingFraction / 2 / (1 - ro.touchingFraction / 2));
      const a = mk(cx, cy, hd);
      if (!pair) {
        if (!free(cx, cy, a.length_m / 2)) continue;
        objs.push(a);
        placed.push({ cx, cy, r: a.length_m / 2 });
        made++;
        continue;
      }
      const b = mk(0, 0, hd);
      const [ux, uy] = axis(hd);
      const gap = rnd.range(0, 0.4);
      if (rnd.chance(0.5)) {
        // side by side, staggered a little
        const off = (a.width_m + b.width_m) / 2 + gap;
        const along = rnd.range(-0.15, 0.15) * a.length_m;
        b.x_m = cx - uy * off + ux * along;
        b.y_m = cy + ux * off + uy * along;
      } else {
        const off = (a.length_m + b.length_m) / 2 + gap;
        b.x_m = cx + ux * off;
        b.y_m = cy + uy * off;
      }
      const mx = (a.x_m + b.x_m) / 2;
      const my = (a.y_m + b.y_m) / 2;
      const rr = Math.hypot(a.x_m - b.x_m, a.y_m - b.y_m) / 2 + Math.max(a.length_m, b.length_m) / 2;
      if (!free(mx, my, rr)) continue;
      a.touching = true;
      b.touching = true;
      objs.push(a, b);
      placed.push({ cx: mx, cy: my, r: rr });
      made += 2;
    }
  }

  // Distractors.
  const dis: {
    cx: number;
    cy: number;
    l: number;
    wd: number;
    hd: number;
    pol: Polarity;
    contrast: number;
    kind: string;
    ellipse: boolean;
    hgt: number;
  }[] = [];
  const ds = spec.distractors;
  if (ds) {
    const cls = ro?.classes ?? [{ lengthM: [20, 25] as [number, number], widthM: [2.5, 3.5] as [number, number] }];
    const lmin = Math.min(...cls.map((c) => c.lengthM[0]));
    const lmax = Math.max(...cls.map((c) => c.lengthM[1]));
    const wmin = Math.min(...cls.map((c) => c.widthM[0]));
    const wmax = Math.max(...cls.map((c) => c.widthM[1]));
    const dc = ds.contrast ?? ro?.contrast ?? [30, 70];
    const kinds: string[] = [];
    for (let k = 0; k < ds.nearLength; k++) kinds.push('near-length');
    for (let k = 0; k < ds.wide; k++) kinds.push('wide');
    for (let k = 0; k < ds.blobs; k++) kinds.push('blob');
    for (let k = 0; k < ds.small; k++) kinds.push('small');
    for (let k = 0; k < ds.large; k++) kinds.push('large');
    for (const kind of kinds) {
      for (let tries = 0; tries < 300; tries++) {
        const c = rnd.pick(cls);
        let l: number, wd: number;
        let ellipse = false;
        if (kind === 'near-length') {
          // 15 to 30 % outside the whole declared range, either side
          l = rnd.chance(0.5) ? lmin * rnd.range(0.7, 0.85) : lmax * rnd.range(1.15, 1.3);
          wd = rnd.range(wmin, wmax);
        } else if (kind === 'wide') {
          l = rnd.range(c.lengthM[0], c.lengthM[1]);
          wd = wmax * rnd.range(1.4, 1.8);
        } else if (kind === 'blob') {
          const area = ((c.lengthM[0] + c.lengthM[1]) / 2) * ((c.widthM[0] + c.widthM[1]) / 2) * rnd.range(0.7, 1.3);
          const aspect = rnd.range(1, 2.5);
          // ellipse area = pi/4 * l * wd
          wd = Math.sqrt((4 * area) / Math.PI / aspect);
          l = wd * aspect;
          ellipse = true;
        } else if (kind === 'small') {
          l = lmin * rnd.range(0.1, 0.4);
          wd = l * rnd.range(0.3, 1);
          ellipse = rnd.chance(0.5);
        } else {
          l = lmax * rnd.range(2, 4);
          wd = l * rnd.range(0.3, 0.8);
        }
        const [cx, cy] = spot();
        const r = l / 2;
        if (!free(cx, cy, r)) continue;
        placed.push({ cx, cy, r });
        const pol: Polarity = rnd.chance(0.5) ? 'dark' : 'bright';
        const hgt = kind === 'large' ? rnd.range(4, 10) : ro?.heightM ? rnd.range(ro.heightM[0], ro.heightM[1]) : 0;
        dis.push({ cx, cy, l, wd, hd: rnd.range(0, 180), pol, contrast: rnd.range(dc[0], dc[1]), kind, ellipse, hgt });
        break;
      }
    }
  }

  // Shadows first (objects are drawn over them).
  const sun = spec.sun;
  const sd = spec.shadowDarkening ?? 0.4;
  const castShadow = (cx: number, cy: number, l: number, wd: number, hd: number, hgt: number): void => {
    if (!sun || !(hgt > 0)) return;
    const len = hgt / Math.tan((Math.max(5, sun.elevationDeg) * Math.PI) / 180);
    const [sx, sy] = axis(sun.azimuthDeg + 180);
    const p = rectCorners(cx, cy, l, wd, hd);
    const q = p.slice();
    for (let i = 0; i < q.length; i += 2) {
      q[i] += sx * len;
      q[i + 1] += sy * len;
    }
    const sh = polyShape(hull(p.concat(q)));
    sh.minus = polyShape(p);
    cv.darken(sh, sd);
  };
  for (const o of objs) castShadow(o.x_m, o.y_m, o.length_m, o.width_m, o.heading_deg, o.height_m ?? 0);
  for (const d of dis) castShadow(d.cx, d.cy, d.l, d.wd, d.hd, d.hgt);

  for (const d of dis) {
    const delta = d.pol === 'bright' ? d.contrast : -d.contrast;
    cv.add(
      d.ellipse ? ellipseShape(d.cx, d.cy, d.l, d.wd, d.hd) : polyShape(rectCorners(d.cx, d.cy, d.l, d.wd, d.hd)),
      delta,
    );
  }
  for (const o of objs) {
    const delta = (o.polarity === 'bright' ? 1 : -1) * (o.contrast ?? 60);
    if (!o.structure) {
      cv.add(polyShape(rectCorners(o.x_m, o.y_m, o.length_m, o.width_m, o.heading_deg)), delta);
      continue;
    }
    // body, a cab (one tenth of the length, at the front, a little less contrasted)
    // and a strip along the body (a third of the width, a little more contrasted)
    const [ux, uy] = axis(o.heading_deg);
    const cab = 0.1 * o.length_m;
    const bl = o.length_m - cab;
    const bx = o.x_m - (ux * cab) / 2;
    const by = o.y_m - (uy * cab) / 2;
    cv.add(polyShape(rectCorners(bx, by, bl, o.width_m, o.heading_deg)), delta);
    cv.add(
      polyShape(rectCorners(o.x_m + (ux * bl) / 2, o.y_m + (uy * bl) / 2, cab * 0.98, o.width_m, o.heading_deg)),
      delta * 0.75,
    );
    cv.add(polyShape(rectCorners(bx, by, bl * 0.8, o.width_m / 3, o.heading_deg)), delta * 0.15);
  }

  if (spec.cloud) {
    const cx = rnd.range(0, w);
    const cy = rnd.range(0, h);
    const rad = rnd.range(0.1, 0.3) * Math.max(w, h);
    const alpha = rnd.range(0.4, 0.8);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const q = ((c - cx) ** 2 + (r - cy) ** 2) / (2 * rad * rad);
        if (q > 12) continue;
        const i = r * w + c;
        v[i] += (250 - v[i]) * alpha * Math.exp(-q);
      }
    }
  }
  if (spec.blurPx && spec.blurPx > 0) gaussBlur(v, w, h, spec.blurPx);
  const noise = spec.noise ?? 0;
  const nb = spec.bands ?? 1;
  const bands: Uint8Array[] = [];
  const tint = [1, 0.97, 0.92];
  for (let k = 0; k < nb; k++) {
    const out = new Uint8Array(w * h);
    const f = nb === 1 ? 1 : tint[k];
    for (let i = 0; i < w * h; i++) {
      const x = v[i] * f + (noise > 0 ? noise * rnd.normal() : 0);
      out[i] = x <= 0 ? 0 : x >= 255 ? 255 : Math.round(x);
    }
    bands.push(out);
  }

  const toTruth = (
    cx: number,
    cy: number,
    l: number,
    wd: number,
    hd: number,
    pol: Polarity,
    touching: boolean,
    kind?: string,
  ): TruthObject => {
    const [lon, lat] = utmToLonLat(epsg, originE + cx, originN - cy);
    const t: TruthObject = {
      x: cx / g + shx,
      y: cy / g + shy,
      lat,
      lon,
      length_m: l,
      width_m: wd,
      heading_deg: ((hd % 180) + 180) % 180,
      polarity: pol,
      touching,
    };
    if (kind) t.kind = kind;
    return t;
  };
  const raster: Raster = {
    width: w,
    height: h,
    type: 'uint8',
    bands,
    nodata: null,
    geo: { epsg, transform: [originE, g, 0, originN, 0, -g] },
  };
  return {
    raster,
    truth: objs.map((o) => ({
      ...toTruth(o.x_m, o.y_m, o.length_m, o.width_m, o.heading_deg, o.polarity, o.touching),
      contrast: o.contrast ?? 60,
    })),
    distractors: dis.map((d) => toTruth(d.cx, d.cy, d.l, d.wd, d.hd, d.pol, false, d.kind)),
    gsd: g,
  };
}
