/**
 * The map: land, the zone, sites, ports, tracks, events and findings, drawn
 * server-side into one inline SVG. Mercator fitted to everything the case
 * draws, land culled and clipped to the view, coordinates rounded to 0.1 px.
 */
import { geoMercator, geoPath, type GeoProjection } from 'd3-geo';
import type { MultiPolygon } from 'geojson';
import type { GeoJsonCollection, GeoJsonFeature } from '../case/index.js';
import { keptIndices } from '../tracks/index.js';
import type { ReportEvent, ReportInput, ReportTrack } from './types.js';
import { landInView } from './basemap.js';
import { type Anchors, esc, px } from './escape.js';
import { showTime } from './time.js';
import { reportEvents } from './events.js';

const WIDTH = 960;
const MIN_HEIGHT = 320;
const MAX_HEIGHT = 900;
/** Points kept per drawn track; a longer track keeps every k-th point plus segment ends. */
export const MAX_TRACK_POINTS = 2000;

type LonLat = [number, number];
type Bbox = [number, number, number, number];

interface View {
  projection: GeoProjection;
  width: number;
  height: number;
  /** The view in lon/lat, for culling land. */
  bbox: Bbox;
}

/** Every ring of a feature, as [lon, lat] pairs (polygons and multipolygons alike). */
function featureRings(f: GeoJsonFeature): number[][][] {
  return f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.coordinates.flat();
}

function collectionRings(c: GeoJsonCollection | undefined): number[][][] {
  return (c?.features ?? []).flatMap(featureRings);
}

/** Every position the map draws: its extent is the view. */
function drawnPositions(input: ReportInput): LonLat[] {
  const out: LonLat[] = [];
  const push = (lon: unknown, lat: unknown): void => {
    if (typeof lon === 'number' && typeof lat === 'number' && Number.isFinite(lon) && Number.isFinite(lat))
      out.push([lon, lat]);
  };
  const g = input.geography;
  for (const ring of [...collectionRings(g.zone), ...collectionRings(g.sites), ...collectionRings(g.ports)]) {
    for (const p of ring) push(p[0], p[1]);
  }
  for (const t of input.tracks) for (const p of t.points) push(p[0], p[1]);
  for (const e of reportEvents(input)) push(e.lon, e.lat);
  for (const f of input.results.findings) push(f.position?.lon, f.position?.lat);
  return out;
}

/** The lon/lat extent with a margin (10 %, at least 0.3°), kept inside Mercator's usable latitudes. */
function extent(positions: LonLat[]): Bbox {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const [x, y] of positions) {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (!Number.isFinite(x0)) return [-180, -60, 180, 75];
  const mx = Math.max((x1 - x0) * 0.1, 0.3);
  const my = Math.max((y1 - y0) * 0.1, 0.3);
  return [Math.max(x0 - mx, -180), Math.max(y0 - my, -80), Math.min(x1 + mx, 180), Math.min(y1 + my, 84)];
}

function mercatorY(latDeg: number): number {
  return Math.log(Math.tan(Math.PI / 4 + (latDeg * Math.PI) / 360));
}

function makeView(input: ReportInput): View {
  const [x0, y0, x1, y1] = extent(drawnPositions(input));
  const aspect = (mercatorY(y1) - mercatorY(y0)) / (((x1 - x0) * Math.PI) / 180);
  const height = Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, WIDTH * aspect)));
  const corners = {
    type: 'MultiPoint' as const,
    coordinates: [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
    ],
  };
  const projection = geoMercator().fitExtent(
    [
      [8, 8],
      [WIDTH - 8, height - 8],
    ],
    corners,
  );
  projection.clipExtent([
    [0, 0],
    [WIDTH, height],
  ]);
  // The view may be wider than the extent in one direction (clamped height): cull land by what is visible.
  const tl = projection.invert?.([0, 0]) ?? [x0, y1];
  const br = projection.invert?.([WIDTH, height]) ?? [x1, y0];
  return { projection, width: WIDTH, height, bbox: [tl[0], br[1], br[0], tl[1]] };
}

function project(view: View, lon: number, lat: number): [number, number] | null {
  const p = view.projection([lon, lat]);
  return p !== null && Number.isFinite(p[0]) && Number.isFinite(p[1]) ? p : null;
}

/**
 * Rings drawn as planar polygons in the projection. Submitted GeoJSON may wind
 * its rings either way (RFC 7946 or not), which d3's spherical polygons would
 * read as "the whole world but this"; small areas do not need great circles.
 */
function ringsPath(view: View, rings: number[][][]): string {
  let d = '';
  for (const ring of rings) {
    const pts = ring
      .map((p) => project(view, p[0] ?? NaN, p[1] ?? NaN))
      .filter((p): p is [number, number] => p !== null);
    if (pts.length < 2) continue;
    d += pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)} ${px(y)}`).join('') + 'Z';
  }
  return d;
}

/** Pixel centre of a feature's bounding box, for its label. */
function labelPoint(view: View, f: GeoJsonFeature): [number, number] | null {
  const pts = featureRings(f)
    .flat()
    .map((p) => project(view, p[0] ?? NaN, p[1] ?? NaN))
    .filter((p): p is [number, number] => p !== null);
  if (pts.length === 0) return null;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

function featureName(f: GeoJsonFeature): string {
  return typeof f.properties.name === 'string' && f.properties.name !== '' ? f.properties.name : f.properties.id;
}

function landLayer(view: View): string {
  const polygons = landInView(view.bbox);
  if (polygons.length === 0) return '';
  const land: MultiPolygon = { type: 'MultiPolygon', coordinates: polygons.map((p) => p.rings) };
  const d = geoPath(view.projection).digits(1)(land);
  return d === null || d === '' ? '' : `<path class="land" d="${d}"/>`;
}

function zoneLayer(view: View, zone: GeoJsonCollection): string {
  return zone.features
    .map(
      (f) =>
        `<path class="zone" data-id="${esc(f.properties.id)}" d="${ringsPath(view, featureRings(f))}"><title>Monitored zone: ${esc(featureName(f))}</title></path>`,
    )
    .join('');
}

function areaLayer(view: View, c: GeoJsonCollection, kind: 'site' | 'port'): string {
  return c.features
    .map((f) => {
      const at = labelPoint(view, f);
      const dot =
        at === null || kind !== 'port' ? '' : `<circle class="port-dot" cx="${px(at[0])}" cy="${px(at[1])}" r="3.5"/>`;
      return (
        `<g class="${kind}" data-id="${esc(f.properties.id)}"><title>${kind === 'site' ? 'Declared site' : 'Port'}: ${esc(featureName(f))}</title>` +
        `<path class="${kind}-area" d="${ringsPath(view, featureRings(f))}"/>${dot}</g>`
      );
    })
    .join('');
}

type Box = [number, number, number, number];

/** Where a label may go around its point: right or left, above or below, then further out. */
const LABEL_SPOTS: [number, number, 'start' | 'end'][] = [
  [7, -5, 'start'],
  [7, 13, 'start'],
  [-7, -5, 'end'],
  [-7, 13, 'end'],
  [7, 27, 'start'],
  [-7, 27, 'end'],
  [7, -19, 'start'],
  [-7, -19, 'end'],
];

function overlaps(a: Box, b: Box): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** Site and port names, placed greedily so that close sites do not print over each other. */
function labelsLayer(view: View, features: GeoJsonFeature[]): string {
  const taken: Box[] = [];
  const out: string[] = [];
  for (const f of features) {
    const at = labelPoint(view, f);
    if (at === null) continue;
    const name = featureName(f);
    const w = name.length * 6.6;
    const boxOf = ([dx, dy, anchor]: (typeof LABEL_SPOTS)[number]): Box => {
      const x0 = anchor === 'start' ? at[0] + dx : at[0] + dx - w;
      return [x0, at[1] + dy - 11, x0 + w, at[1] + dy + 3];
    };
    const spot = LABEL_SPOTS.find((s) => !taken.some((b) => overlaps(b, boxOf(s)))) ?? LABEL_SPOTS[0]!;
    taken.push(boxOf(spot));
    out.push(
      `<text class="label" x="${px(at[0] + spot[0])}" y="${px(at[1] + spot[1])}"${spot[2] === 'end' ? ' text-anchor="end"' : ''}>${esc(name)}</text>`,
    );
  }
  return out.join('');
}

function trackPath(view: View, t: ReportTrack): string {
  let d = '';
  for (const seg of keptIndices(t.points.length, t.breaks, MAX_TRACK_POINTS)) {
    const pts = seg
      .map((i) => t.points[i]!)
      .map((p) => project(view, p[0], p[1]))
      .filter((p): p is [number, number] => p !== null);
    if (pts.length === 0) continue;
    d += pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)} ${px(y)}`).join('');
    // A one-point segment still shows as a dot (round caps).
    if (pts.length === 1) d += 'l0 0';
  }
  return d;
}

const ROLE_ORDER: Record<ReportTrack['role'], number> = { other: 0, inspector: 1, shipment: 2 };

function tracksLayer(view: View, tracks: ReportTrack[]): string {
  // Background traffic first, shipments on top; stable for equal roles.
  const ordered = tracks
    .map((t, i) => ({ t, i }))
    .sort((a, b) => ROLE_ORDER[a.t.role] - ROLE_ORDER[b.t.role] || a.i - b.i);
  return ordered
    .map(({ t }) => {
      const d = trackPath(view, t);
      if (d === '') return '';
      const first = t.points[0];
      const last = t.points[t.points.length - 1];
      const span =
        first !== undefined && last !== undefined
          ? `, ${showTime(new Date(first[2]).toISOString())} to ${showTime(new Date(last[2]).toISOString())}`
          : '';
      return (
        `<path class="track track-${t.role}" data-mmsi="${esc(t.mmsi)}" data-role="${esc(t.role)}"${t.ref !== undefined ? ` data-ref="${esc(t.ref)}"` : ''} d="${d}">` +
        `<title>${esc(t.name)} (MMSI ${esc(t.mmsi)}, ${esc(t.role)}${t.ref !== undefined ? ` ${esc(t.ref)}` : ''})${esc(span)}</title></path>`
      );
    })
    .join('');
}

type Shape = 'circle' | 'square' | 'triangle' | 'diamond' | 'plus' | 'ring';

/** How each event kind is drawn on the map, and named in the legend. */
export const EVENT_STYLE: Record<ReportEvent['kind'], { shape: Shape; name: string }> = {
  port_visit: { shape: 'square', name: 'Port visit' },
  departure: { shape: 'triangle', name: 'Departure' },
  encounter: { shape: 'circle', name: 'Encounter' },
  rendezvous: { shape: 'ring', name: 'Rendezvous (inspection)' },
  overflight: { shape: 'plus', name: 'Overflight' },
  dark_period: { shape: 'square', name: 'Dark period' },
  inspection: { shape: 'diamond', name: 'Inspection' },
  imagery: { shape: 'plus', name: 'Imagery pass' },
  left_zone: { shape: 'circle', name: 'Left the zone' },
  declaration: { shape: 'square', name: 'Declaration' },
};

/** A marker path centred at (x, y). */
export function shapePath(shape: Shape, x: number, y: number, r: number): string {
  const X = (v: number): string => px(x + v);
  const Y = (v: number): string => px(y + v);
  switch (shape) {
    case 'circle':
    case 'ring':
      return `M${X(-r)} ${Y(0)}a${px(r)} ${px(r)} 0 1 0 ${px(2 * r)} 0a${px(r)} ${px(r)} 0 1 0 ${px(-2 * r)} 0Z`;
    case 'square':
      return `M${X(-r)} ${Y(-r)}H${X(r)}V${Y(r)}H${X(-r)}Z`;
    case 'triangle':
      return `M${X(0)} ${Y(-r * 1.2)}L${X(r)} ${Y(r * 0.8)}L${X(-r)} ${Y(r * 0.8)}Z`;
    case 'diamond':
      return `M${X(0)} ${Y(-r * 1.3)}L${X(r)} ${Y(0)}L${X(0)} ${Y(r * 1.3)}L${X(-r)} ${Y(0)}Z`;
    case 'plus':
      return `M${X(-r)} ${Y(0)}H${X(r)}M${X(0)} ${Y(-r)}V${Y(r)}`;
  }
}

function eventsLayer(view: View, events: ReportEvent[], findings: Anchors): string {
  return events
    .map((e) => {
      if (e.lat === null || e.lon === null) return '';
      const at = project(view, e.lon, e.lat);
      if (at === null) return '';
      const style = EVENT_STYLE[e.kind] ?? { shape: 'circle' as Shape, name: e.kind };
      const title = `${style.name}: ${e.label} (${showTime(e.start)}${e.end !== e.start ? ` to ${showTime(e.end)}` : ''})`;
      const mark =
        `<g class="event event-${esc(e.kind)}" data-kind="${esc(e.kind)}"><title>${esc(title)}</title>` +
        `<path d="${shapePath(style.shape, at[0], at[1], 4.5)}"/></g>`;
      return e.finding !== undefined && findings.has(e.finding)
        ? `<a href="#${findings.of(e.finding)}">${mark}</a>`
        : mark;
    })
    .join('');
}

function findingsLayer(view: View, input: ReportInput, findings: Anchors): string {
  return input.results.findings
    .map((f) => {
      if (f.position === undefined) return '';
      const at = project(view, f.position.lon, f.position.lat);
      if (at === null) return '';
      const [x, y] = at;
      return (
        `<a class="finding-marker" href="#${findings.of(f.id)}" data-finding="${esc(f.id)}" data-effect="${esc(f.effect)}">` +
        `<title>${esc(`${f.code} (${f.effect}): ${f.message}`)}</title>` +
        `<path class="finding-shape" d="${shapePath('diamond', x, y, 8)}"/>` +
        `<path class="finding-bang" d="M${px(x)} ${px(y - 5.5)}V${px(y + 1.5)}M${px(x)} ${px(y + 3.5)}v1"/></a>`
      );
    })
    .join('');
}

/** The legend as HTML, readable even where SVG is not. */
function legend(input: ReportInput, events: ReportEvent[]): string {
  const roles = (['shipment', 'inspector', 'other'] as const).filter((r) => input.tracks.some((t) => t.role === r));
  const kinds = [...new Set(events.filter((e) => e.lat !== null && e.lon !== null).map((e) => e.kind))];
  const items = [
    '<li><span class="key key-zone"></span>Monitored zone</li>',
    '<li><span class="key key-site"></span>Declared site</li>',
    '<li><span class="key key-port"></span>Port</li>',
    ...roles.map(
      (r) =>
        `<li><span class="key key-track-${r}"></span>${r === 'shipment' ? 'Shipment vessel' : r === 'inspector' ? 'Inspector' : 'Other vessel'} track</li>`,
    ),
    ...kinds.map(
      (k) =>
        `<li><svg class="key-svg" viewBox="-7 -7 14 14" width="14" height="14"><g class="event event-${esc(k)}"><path d="${shapePath(EVENT_STYLE[k]?.shape ?? 'circle', 0, 0, 4.5)}"/></g></svg>${esc(EVENT_STYLE[k]?.name ?? k)}</li>`,
    ),
  ];
  if (input.results.findings.some((f) => f.position !== undefined)) {
    items.push(
      `<li><svg class="key-svg" viewBox="-9 -11 18 22" width="14" height="18"><path class="finding-shape" d="${shapePath('diamond', 0, 0, 8)}"/></svg>Finding (links to it)</li>`,
    );
  }
  return `<ul class="legend">${items.join('')}</ul>`;
}

/** The map section's figure: the SVG and its legend. */
export function renderMap(input: ReportInput, findings: Anchors): string {
  const view = makeView(input);
  const g = input.geography;
  const events = reportEvents(input);
  const svg =
    `<svg class="map" viewBox="0 0 ${view.width} ${view.height}" role="img" aria-label="Map of the case: zone, sites, ports, vessel tracks, events and findings">` +
    `<rect class="sea" width="${view.width}" height="${view.height}"/>` +
    `<g class="layer-land">${landLayer(view)}</g>` +
    `<g class="layer-zone">${zoneLayer(view, g.zone)}</g>` +
    `<g class="layer-sites">${areaLayer(view, g.sites, 'site')}</g>` +
    `<g class="layer-ports">${areaLayer(view, g.ports, 'port')}</g>` +
    `<g class="layer-tracks">${tracksLayer(view, input.tracks)}</g>` +
    `<g class="layer-events">${eventsLayer(view, events, findings)}</g>` +
    `<g class="layer-labels">${labelsLayer(view, [...g.sites.features, ...g.ports.features])}</g>` +
    `<g class="layer-findings">${findingsLayer(view, input, findings)}</g>` +
    `</svg>`;
  return `<figure class="map-figure">${svg}<figcaption>${legend(input, events)}<p class="note">Basemap: Natural Earth 1:50m land (world-atlas), Mercator. Hover a track or marker for its name and time; a finding marker links to the finding.</p></figcaption></figure>`;
}
