/**
 * Synthetic overhead scenes of a declared site, with their ground truth.
 * (The shapes, the canvas, the noise and the blur are in scene-canvas.ts.)
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
import { axis, Canvas, ellipseShape, gaussBlur, hull, polyShape, rectCorners, valueNoise } from './scene-canvas.js';

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
  /**
   * A cloud layer over this fraction of the scene (0 to 1), drawn from its
   * own seeded stream so that the scene under it is the same as without it:
   * thick cloud (near-white, faint texture) where a fractal noise field is
   * above the quantile that leaves `fraction` of the pixels under it, with a
   * thin edge. The truth's `cloud` holds each pixel's opacity.
   */
  cloudCover?: { fraction: number; seed?: number; scaleM?: number };
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
  /** Opacity of the cloud layer per pixel (0 clear, 1 opaque), when the spec has `cloudCover`. */
  cloud?: Float32Array;
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

/** An object of the scene as placed, and whether it touches another (a pair). */
type PlacedObject = SceneObject & { touching: boolean };

/** A pad: a large low-contrast rectangle that objects stand on half of the time. */
interface Pad {
  cx: number;
  cy: number;
  l: number;
  wd: number;
  hd: number;
}

/** A distractor as placed: a rectangle or an ellipse, with its kind (near-length, wide, blob, small, large). */
interface Distractor {
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
}

/**
 * Renders a scene. Objects are placed without overlap (except the touching
 * pairs), inside the image with a margin; distractors likewise. Everything
 * random is drawn in one order: terrain, roads, pads, objects, distractors,
 * cloud, sensor noise.
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

  drawTerrain(cv, spec.terrain ?? {}, rnd);
  const pads = drawSurfaces(cv, spec, rnd, widthM, heightM);
  const objs: PlacedObject[] = (spec.objects ?? []).map((o) => ({ ...o, touching: false }));
  const ground = new Ground(
    rnd,
    widthM,
    heightM,
    pads,
    objs.map((o) => ({ cx: o.x_m, cy: o.y_m, r: o.length_m / 2 })),
  );
  const ro = spec.random;
  if (ro && ro.count > 0) placeRandomObjects(ro, rnd, ground, objs);
  const dis = spec.distractors ? placeDistractors(spec.distractors, ro, rnd, ground) : [];

  // Shadows first (objects are drawn over them).
  drawShadows(cv, spec, objs, dis);
  drawDistractors(cv, dis);
  drawObjects(cv, objs);
  if (spec.cloud) drawCloud(cv, rnd);
  const cloud = spec.cloudCover ? drawCloudCover(cv, spec.cloudCover, seed) : undefined;
  if (spec.blurPx && spec.blurPx > 0) gaussBlur(cv.v, w, h, spec.blurPx);
  const bands = sensorBands(cv, spec.noise ?? 0, spec.bands ?? 1, rnd);

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
    ...(cloud ? { cloud } : {}),
  };
}

/** Terrain: multi-octave value noise in metres; octaves finer than two pixels are left out (the sensor averages them away). */
function drawTerrain(cv: Canvas, t: NonNullable<SceneSpec['terrain']>, rnd: Random): void {
  const { w, h, gsd: g, shiftX: shx, shiftY: shy, v } = cv;
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
}

/** Roads (long straight strips across the scene) and pads (large low-contrast rectangles); returns the pads. */
function drawSurfaces(cv: Canvas, spec: SceneSpec, rnd: Random, widthM: number, heightM: number): Pad[] {
  const sc = spec.surfaceContrast ?? [10, 30];
  for (let k = 0; k < (spec.roads ?? 0); k++) {
    const cx = rnd.range(0.2, 0.8) * widthM;
    const cy = rnd.range(0.2, 0.8) * heightM;
    const len = 3 * Math.max(widthM, heightM);
    const wid = rnd.range(5, 10);
    const d = rnd.range(sc[0], sc[1]) * (rnd.chance(0.5) ? 1 : -1);
    cv.add(polyShape(rectCorners(cx, cy, len, wid, rnd.range(0, 180))), d);
  }
  const pads: Pad[] = [];
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
  return pads;
}

/** The ground as things are placed on it: what stands where, free room, and spots (on a pad half of the time). */
class Ground {
  private static readonly MARGIN = 4;

  constructor(
    private readonly rnd: Random,
    private readonly widthM: number,
    private readonly heightM: number,
    private readonly pads: Pad[],
    readonly placed: Placed[],
  ) {}

  /** Whether a disc fits inside the image (with a margin) and at least 4 m from everything placed. */
  free(cx: number, cy: number, r: number): boolean {
    const margin = Ground.MARGIN;
    if (cx - r < margin || cy - r < margin || cx + r > this.widthM - margin || cy + r > this.heightM - margin)
      return false;
    for (const p of this.placed) if (Math.hypot(p.cx - cx, p.cy - cy) < p.r + r + 4) return false;
    return true;
  }

  spot(): [number, number] {
    const rnd = this.rnd;
    if (this.pads.length && rnd.chance(0.5)) {
      const p = rnd.pick(this.pads);
      const [ux, uy] = axis(p.hd);
      const a = rnd.range(-0.4, 0.4) * p.l;
      const b = rnd.range(-0.4, 0.4) * p.wd;
      return [p.cx + ux * a - uy * b, p.cy + uy * a + ux * b];
    }
    return [rnd.range(0, this.widthM), rnd.range(0, this.heightM)];
  }
}

/** Objects placed at random, some in touching pairs (side by side or end to end); added to `objs`. */
function placeRandomObjects(ro: RandomObjects, rnd: Random, ground: Ground, objs: PlacedObject[]): void {
  let made = 0;
  let tries = 0;
  while (made < ro.count && tries < 5000) {
    tries++;
    const cls = rnd.pick(ro.classes);
    const pol: Polarity = rnd.chance(ro.darkFraction) ? 'dark' : 'bright';
    const contrast = rnd.range(ro.contrast[0], ro.contrast[1]);
    const hgt = ro.heightM ? rnd.range(ro.heightM[0], ro.heightM[1]) : 0;
    const structure = rnd.chance(ro.structureFraction ?? 0);
    const mk = (cx: number, cy: number, hd: number): PlacedObject => ({
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
    const [cx, cy] = ground.spot();
    const hd = rnd.range(0, 180);
    const pair = made + 2 <= ro.count && rnd.chance(ro.touchingFraction / 2 / (1 - ro.touchingFraction / 2));
    const a = mk(cx, cy, hd);
    if (!pair) {
      if (!ground.free(cx, cy, a.length_m / 2)) continue;
      objs.push(a);
      ground.placed.push({ cx, cy, r: a.length_m / 2 });
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
    if (!ground.free(mx, my, rr)) continue;
    a.touching = true;
    b.touching = true;
    objs.push(a, b);
    ground.placed.push({ cx: mx, cy: my, r: rr });
    made += 2;
  }
}

/** Distractors: things near the declared size or look that a count must not take for items. */
function placeDistractors(ds: Distractors, ro: RandomObjects | undefined, rnd: Random, ground: Ground): Distractor[] {
  const dis: Distractor[] = [];
  const cls = ro?.classes ?? [{ lengthM: [20, 25] as [number, number], widthM: [2.5, 3.5] as [number, number] }];
  const bounds = {
    lmin: Math.min(...cls.map((c) => c.lengthM[0])),
    lmax: Math.max(...cls.map((c) => c.lengthM[1])),
    wmin: Math.min(...cls.map((c) => c.widthM[0])),
    wmax: Math.max(...cls.map((c) => c.widthM[1])),
  };
  const dc = ds.contrast ?? ro?.contrast ?? [30, 70];
  const kinds: string[] = [];
  for (let k = 0; k < ds.nearLength; k++) kinds.push('near-length');
  for (let k = 0; k < ds.wide; k++) kinds.push('wide');
  for (let k = 0; k < ds.blobs; k++) kinds.push('blob');
  for (let k = 0; k < ds.small; k++) kinds.push('small');
  for (let k = 0; k < ds.large; k++) kinds.push('large');
  for (const kind of kinds) {
    for (let tries = 0; tries < 300; tries++) {
      const { l, wd, ellipse } = distractorSize(kind, rnd.pick(cls), bounds, rnd);
      const [cx, cy] = ground.spot();
      const r = l / 2;
      if (!ground.free(cx, cy, r)) continue;
      ground.placed.push({ cx, cy, r });
      const pol: Polarity = rnd.chance(0.5) ? 'dark' : 'bright';
      const hgt = kind === 'large' ? rnd.range(4, 10) : ro?.heightM ? rnd.range(ro.heightM[0], ro.heightM[1]) : 0;
      dis.push({ cx, cy, l, wd, hd: rnd.range(0, 180), pol, contrast: rnd.range(dc[0], dc[1]), kind, ellipse, hgt });
      break;
    }
  }
  return dis;
}

/** Length, width and shape of a distractor of a kind, against the declared classes (`c` one of them). */
function distractorSize(
  kind: string,
  c: ObjectClass,
  { lmin, lmax, wmin, wmax }: { lmin: number; lmax: number; wmin: number; wmax: number },
  rnd: Random,
): { l: number; wd: number; ellipse: boolean } {
  if (kind === 'near-length') {
    // 15 to 30 % outside the whole declared range, either side
    const l = rnd.chance(0.5) ? lmin * rnd.range(0.7, 0.85) : lmax * rnd.range(1.15, 1.3);
    return { l, wd: rnd.range(wmin, wmax), ellipse: false };
  }
  if (kind === 'wide') {
    const l = rnd.range(c.lengthM[0], c.lengthM[1]);
    return { l, wd: wmax * rnd.range(1.4, 1.8), ellipse: false };
  }
  if (kind === 'blob') {
    const area = ((c.lengthM[0] + c.lengthM[1]) / 2) * ((c.widthM[0] + c.widthM[1]) / 2) * rnd.range(0.7, 1.3);
    const aspect = rnd.range(1, 2.5);
    // ellipse area = pi/4 * l * wd
    const wd = Math.sqrt((4 * area) / Math.PI / aspect);
    return { l: wd * aspect, wd, ellipse: true };
  }
  if (kind === 'small') {
    const l = lmin * rnd.range(0.1, 0.4);
    const wd = l * rnd.range(0.3, 1);
    return { l, wd, ellipse: rnd.chance(0.5) };
  }
  const l = lmax * rnd.range(2, 4);
  return { l, wd: l * rnd.range(0.3, 0.8), ellipse: false };
}

/** Shadows of everything with a height, cast away from the sun (an object is not in its own shadow). */
function drawShadows(cv: Canvas, spec: SceneSpec, objs: PlacedObject[], dis: Distractor[]): void {
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
}

function drawDistractors(cv: Canvas, dis: Distractor[]): void {
  for (const d of dis) {
    const delta = d.pol === 'bright' ? d.contrast : -d.contrast;
    cv.add(
      d.ellipse ? ellipseShape(d.cx, d.cy, d.l, d.wd, d.hd) : polyShape(rectCorners(d.cx, d.cy, d.l, d.wd, d.hd)),
      delta,
    );
  }
}

function drawObjects(cv: Canvas, objs: PlacedObject[]): void {
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
}

/** A cloud: a bright Gaussian blob over part of the scene. */
function drawCloud(cv: Canvas, rnd: Random): void {
  const { w, h, v } = cv;
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

/** Opacity of thick cloud (a little ground shows through the thickest cloud of real scenes, but not items). */
const CLOUD_OPACITY = 0.97;
/** Brightness of thick cloud in grey levels, and the amplitude of its texture (cloud tops are bright and soft). */
const CLOUD_LEVEL = 232;
const CLOUD_TEXTURE = 6;
/** The thin edge: the field's range over which opacity rises from 0 to full, as a fraction of the field's spread. */
const CLOUD_EDGE = 0.04;

/**
 * A cloud layer over `fraction` of the scene: a fractal noise field (four
 * octaves, the largest `scaleM` across, a third of the scene by default)
 * thresholded at its (1 - fraction) quantile, so that the given fraction of
 * the pixels lies under cloud at least half opaque. Its own stream: the
 * scene under the cloud is the scene without it. Returns the opacity.
 */
function drawCloudCover(
  cv: { w: number; h: number; gsd: number; v: Float32Array },
  c: NonNullable<SceneSpec['cloudCover']>,
  sceneSeed: number,
): Float32Array {
  const { w, h, gsd: g, v } = cv;
  const n = w * h;
  const op = new Float32Array(n);
  const f = Math.min(1, Math.max(0, c.fraction));
  if (f === 0) return op;
  const rnd = new Random((c.seed ?? sceneSeed) ^ 0x0c10d5);
  const seeds = [rnd.uint32() | 0, rnd.uint32() | 0, rnd.uint32() | 0, rnd.uint32() | 0];
  const scale = (c.scaleM ?? (Math.max(w, h) * g) / 3) / g;
  const field = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let a = 0;
      for (let k = 0; k < 4; k++) a += valueNoise((x / scale) * 2 ** k, (y / scale) * 2 ** k, seeds[k]) / 2 ** k;
      field[y * w + x] = a;
    }
  }
  const sorted = Float32Array.from(field).sort();
  const lo = sorted[0];
  const hi = sorted[n - 1];
  // Half opacity at the quantile: the covered fraction counts pixels at least half opaque.
  const t = f >= 1 ? lo - 1 : sorted[Math.min(n - 1, Math.floor((1 - f) * n))];
  const edge = Math.max(1e-6, CLOUD_EDGE * (hi - lo));
  const tex = rnd.uint32() | 0;
  for (let i = 0; i < n; i++) {
    const a = f >= 1 ? 1 : Math.min(1, Math.max(0, (field[i] - t) / edge + 0.5));
    if (a <= 0) continue;
    const x = i % w;
    const y = (i - x) / w;
    const top = CLOUD_LEVEL + CLOUD_TEXTURE * valueNoise(x / (scale / 8), y / (scale / 8), tex);
    op[i] = a * CLOUD_OPACITY;
    v[i] += (top - v[i]) * op[i];
  }
  return op;
}

/**
 * The same cloud layer over an 8-bit raster already rendered (a pass as it
 * would have been seen under cloud), every band alike; returns the opacity.
 */
export function addCloudLayer(
  r: Raster,
  gsd: number,
  c: NonNullable<SceneSpec['cloudCover']>,
  seed: number,
): Float32Array {
  let op: Float32Array = new Float32Array(0);
  for (const b of r.bands) {
    if (!(b instanceof Uint8Array)) throw new Error('scenes: a cloud layer is drawn over 8-bit bands only');
    const v = Float32Array.from(b);
    op = drawCloudCover({ w: r.width, h: r.height, gsd, v }, c, seed);
    for (let i = 0; i < v.length; i++) b[i] = Math.max(0, Math.min(255, Math.round(v[i])));
  }
  return op;
}

/** The sensor: Gaussian noise and quantisation to 8 bits, one band or three slightly tinted. */
function sensorBands(cv: Canvas, noise: number, nb: number, rnd: Random): Uint8Array[] {
  const { w, h, v } = cv;
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
  return bands;
}
