/**
 * The timeline: one lane per vessel (shipments, inspectors, the others that
 * take part in an event), a lane for sites and imagery, a UTC axis with ISO
 * dates, and the removal deadline. Events become bars when they last, marks
 * when they do not; track coverage shows as a thin line, so a dark period is
 * visible as a gap.
 */
import type { ReportEvent, ReportInput, ReportTrack } from './types.js';
import { type Anchors, esc, px } from './escape.js';
import { reportEvents } from './events.js';
import { keptIndices } from '../tracks/index.js';
import { EVENT_STYLE, MAX_TRACK_POINTS, shapePath } from './map.js';
import { showTime, tickLabel, timeTicks, toMs } from './time.js';

const WIDTH = 960;
const LABEL_W = 200;
const RIGHT = 16;
const AXIS_H = 34;
const LANE_H = 24;
/** Lanes beyond this many vessels are merged into one, so that a large case stays readable. */
const MAX_VESSEL_LANES = 40;
const SITES_LANE = 'sites';

interface Lane {
  key: string;
  label: string;
  role: ReportTrack['role'] | 'sites';
  tracks: ReportTrack[];
}

/** An event to draw, with the time span parsed. */
interface Placed {
  event: ReportEvent;
  t0: number;
  t1: number;
}

function vesselNames(input: ReportInput): Map<number, string> {
  const names = new Map<number, string>();
  for (const s of input.results.shipments) names.set(s.vessel.mmsi, s.vessel.name);
  for (const i of input.manifest.inspectors ?? []) if (i.mmsi !== undefined) names.set(i.mmsi, i.name);
  for (const t of input.tracks) if (t.name !== '') names.set(t.mmsi, t.name);
  return names;
}

/** Shipment vessels, inspectors, then other vessels that take part in an event; the rest are not drawn. */
function makeLanes(
  input: ReportInput,
  events: ReportEvent[],
): { lanes: Lane[]; laneOf: (mmsi: number) => Lane | undefined } {
  const names = vesselNames(input);
  const tracksOf = new Map<number, ReportTrack[]>();
  for (const t of input.tracks) tracksOf.set(t.mmsi, [...(tracksOf.get(t.mmsi) ?? []), t]);
  const roleOf = new Map<number, ReportTrack['role']>();
  for (const t of input.tracks) roleOf.set(t.mmsi, t.role);
  for (const s of input.results.shipments) roleOf.set(s.vessel.mmsi, 'shipment');
  for (const i of input.manifest.inspectors ?? [])
    if (i.mmsi !== undefined && !roleOf.has(i.mmsi)) roleOf.set(i.mmsi, 'inspector');

  const mmsis: number[] = [];
  const seen = new Set<number>();
  const add = (m: number): void => {
    if (!seen.has(m)) {
      seen.add(m);
      mmsis.push(m);
    }
  };
  for (const role of ['shipment', 'inspector'] as const) for (const [m, r] of roleOf) if (r === role) add(m);
  for (const e of events) for (const m of e.mmsi) add(m);

  const lanes: Lane[] = [];
  const byMmsi = new Map<number, Lane>();
  let overflow: Lane | undefined;
  for (const m of mmsis) {
    const role = roleOf.get(m) ?? 'other';
    let lane: Lane;
    if (lanes.length < MAX_VESSEL_LANES || role !== 'other') {
      lane = { key: String(m), label: `${names.get(m) ?? 'unknown'} · ${m}`, role, tracks: tracksOf.get(m) ?? [] };
      lanes.push(lane);
    } else {
      overflow ??= { key: 'others', label: 'other vessels', role: 'other', tracks: [] };
      lane = overflow;
    }
    byMmsi.set(m, lane);
  }
  if (overflow !== undefined) lanes.push(overflow);
  lanes.push({ key: SITES_LANE, label: 'sites, imagery, declarations', role: 'sites', tracks: [] });
  return { lanes, laneOf: (m) => byMmsi.get(m) };
}

function placed(events: ReportEvent[]): Placed[] {
  const out: Placed[] = [];
  for (const event of events) {
    const t0 = toMs(event.start);
    if (t0 === null) continue;
    const t1 = toMs(event.end) ?? t0;
    out.push({ event, t0, t1: Math.max(t0, t1) });
  }
  return out;
}

/** Deadlines: the terms' and any a lot sets for itself. */
function deadlines(input: ReportInput): { label: string; t: number }[] {
  const out = new Map<number, string>();
  const terms = toMs(input.manifest.terms?.removal_deadline);
  if (terms !== null) out.set(terms, 'removal deadline');
  for (const lot of input.manifest.declarations?.lots ?? []) {
    const t = toMs(lot.removal_deadline);
    if (t !== null && !out.has(t)) out.set(t, `deadline of lot ${lot.id}`);
  }
  return [...out].sort((a, b) => a[0] - b[0]).map(([t, label]) => ({ t, label }));
}

function timeRange(input: ReportInput, events: Placed[], lines: { t: number }[]): [number, number] | null {
  let t0 = Infinity,
    t1 = -Infinity;
  const see = (t: number): void => {
    if (t < t0) t0 = t;
    if (t > t1) t1 = t;
  };
  for (const e of events) {
    see(e.t0);
    see(e.t1);
  }
  for (const l of lines) see(l.t);
  for (const t of input.tracks) {
    const first = t.points[0];
    const last = t.points[t.points.length - 1];
    if (first !== undefined && last !== undefined) {
      see(first[2]);
      see(last[2]);
    }
  }
  if (!Number.isFinite(t0)) return null;
  const pad = Math.max((t1 - t0) * 0.02, 30 * 60_000);
  return [t0 - pad, t1 + pad];
}

/** Thin lines where the vessel's AIS was received (each track segment). */
function coverage(lane: Lane, x: (t: number) => number, y: number): string {
  let d = '';
  for (const t of lane.tracks) {
    for (const seg of keptIndices(t.points.length, t.breaks, MAX_TRACK_POINTS)) {
      const a = t.points[seg[0]!];
      const b = t.points[seg[seg.length - 1]!];
      if (a === undefined || b === undefined) continue;
      d += `M${px(x(a[2]))} ${px(y)}H${px(Math.max(x(b[2]), x(a[2]) + 1))}`;
    }
  }
  return d === '' ? '' : `<path class="coverage coverage-${lane.role}" d="${d}"><title>AIS received</title></path>`;
}

function eventMark(p: Placed, x: (t: number) => number, y: number, findings: Anchors): string {
  const e = p.event;
  const style = EVENT_STYLE[e.kind] ?? { shape: 'circle' as const, name: e.kind };
  const title = `${style.name}: ${e.label} (${showTime(e.start)}${p.t1 > p.t0 ? ` to ${showTime(e.end)}` : ''})`;
  const x0 = x(p.t0);
  const x1 = x(p.t1);
  const body =
    x1 - x0 >= 3
      ? `<rect x="${px(x0)}" y="${px(y - 5)}" width="${px(x1 - x0)}" height="10" rx="2"/>`
      : `<path d="${shapePath(style.shape, x0, y, 4.5)}"/>`;
  const mark = `<g class="event event-${esc(e.kind)}" data-kind="${esc(e.kind)}" data-start="${esc(e.start)}"><title>${esc(title)}</title>${body}</g>`;
  return e.finding !== undefined && findings.has(e.finding) ? `<a href="#${findings.of(e.finding)}">${mark}</a>` : mark;
}

function axis(t0: number, t1: number, x: (t: number) => number, height: number): string {
  const { step, ticks } = timeTicks(t0, t1, 7);
  return ticks
    .map((t) => {
      // A label near the right edge is anchored at its end, so it is not cut off.
      const anchor = x(t) > WIDTH - RIGHT - 60 ? ' text-anchor="end"' : '';
      return `<g class="tick"><path d="M${px(x(t))} ${AXIS_H - 6}V${height}"/><text x="${px(x(t))}" y="${AXIS_H - 10}"${anchor}>${esc(tickLabel(t, step))}</text></g>`;
    })
    .join('');
}

interface Drawing {
  lanes: Lane[];
  laneOf: (mmsi: number) => Lane | undefined;
  items: Placed[];
  lines: { label: string; t: number }[];
}

/** One timeline SVG over [t0, t1]; what falls outside is left out, bars are cut at the edges. */
function timelineSvg(d: Drawing, [t0, t1]: [number, number], caption: string, findings: Anchors): string {
  const { lanes, laneOf } = d;
  const height = AXIS_H + lanes.length * LANE_H + 8;
  const left = LABEL_W,
    right = WIDTH - RIGHT;
  const x = (t: number): number => Math.min(right, Math.max(left, left + ((t - t0) / (t1 - t0)) * (right - left)));
  const laneY = (i: number): number => AXIS_H + i * LANE_H + LANE_H / 2;
  const index = new Map(lanes.map((l, i) => [l, i]));

  const laneRows = lanes
    .map(
      (lane, i) =>
        `<g class="lane lane-${lane.role}" data-lane="${esc(lane.key)}"><rect class="lane-bg" x="0" y="${px(laneY(i) - LANE_H / 2)}" width="${WIDTH}" height="${LANE_H}"/>` +
        `<text class="lane-label" x="6" y="${px(laneY(i) + 4)}">${esc(lane.label)}</text>${coverage(lane, x, laneY(i))}</g>`,
    )
    .join('');
  const marks = d.items
    .filter((p) => p.t1 >= t0 && p.t0 <= t1)
    .flatMap((p) => {
      const targets =
        p.event.mmsi.length === 0
          ? [lanes[lanes.length - 1]!]
          : [...new Set(p.event.mmsi.map(laneOf).filter((l): l is Lane => l !== undefined))];
      return targets.map((lane) => eventMark(p, x, laneY(index.get(lane) ?? 0), findings));
    })
    .join('');
  const deadlineLines = d.lines
    .filter((l) => l.t >= t0 && l.t <= t1)
    .map((l) => {
      const anchor = x(l.t) > WIDTH - 260 ? ' text-anchor="end"' : '';
      const tx = anchor === '' ? x(l.t) + 4 : x(l.t) - 4;
      return `<g class="deadline"><path d="M${px(x(l.t))} ${AXIS_H - 4}V${height}"/><text x="${px(tx)}" y="${height - 4}"${anchor}>${esc(`${l.label} ${showTime(new Date(l.t).toISOString())}`)}</text></g>`;
    })
    .join('');
  const svg =
    `<svg class="timeline" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${esc(caption)}, UTC">` +
    `<g class="axis">${axis(t0, t1, x, height)}</g>${laneRows}${deadlineLines}<g class="marks">${marks}</g></svg>`;
  return `<figure class="timeline-figure"><figcaption><strong>${esc(caption)}</strong>, ${esc(showTime(new Date(t0).toISOString()))} to ${esc(showTime(new Date(t1).toISOString()))}</figcaption>${svg}</figure>`;
}

/** The span of what vessels did (tracks and events that name a vessel), to zoom on when the whole case is much longer. */
function seaRange(input: ReportInput, items: Placed[]): [number, number] | null {
  let t0 = Infinity,
    t1 = -Infinity;
  for (const t of input.tracks) {
    const first = t.points[0];
    const last = t.points[t.points.length - 1];
    if (first !== undefined && last !== undefined) {
      t0 = Math.min(t0, first[2]);
      t1 = Math.max(t1, last[2]);
    }
  }
  for (const p of items)
    if (p.event.mmsi.length > 0) {
      t0 = Math.min(t0, p.t0);
      t1 = Math.max(t1, p.t1);
    }
  if (!Number.isFinite(t0)) return null;
  const pad = Math.max((t1 - t0) * 0.03, 30 * 60_000);
  return [t0 - pad, t1 + pad];
}

/** The timeline SVGs (the whole case, and the time at sea when it is a small part of it), then the events as a table. */
export function renderTimeline(input: ReportInput, findings: Anchors): string {
  const events = reportEvents(input);
  const items = placed(events);
  const lines = deadlines(input);
  const range = timeRange(input, items, lines);
  if (range === null) return '<p class="note">No dated events or tracks to draw.</p>';
  const drawing: Drawing = { ...makeLanes(input, events), items, lines };
  const figures = [timelineSvg(drawing, range, 'The whole case', findings)];
  const sea = seaRange(input, items);
  if (sea !== null && sea[1] - sea[0] < (range[1] - range[0]) / 3)
    figures.push(timelineSvg(drawing, sea, 'At sea (zoomed)', findings));
  return (
    `${figures.join('')}<p class="note">Times in UTC. Thin lines: AIS received (gaps are silences); bars: events that last; marks: instants; dashed red: deadlines. Hover for details.</p>` +
    eventTable(items, findings)
  );
}

function eventTable(items: Placed[], findings: Anchors): string {
  const rows = [...items]
    .sort((a, b) => a.t0 - b.t0 || a.event.kind.localeCompare(b.event.kind))
    .map(({ event: e, t1, t0 }) => {
      const finding =
        e.finding !== undefined && findings.has(e.finding)
          ? `<a href="#${findings.of(e.finding)}">${esc(e.finding)}</a>`
          : '';
      return (
        `<tr><td class="time">${esc(showTime(e.start))}</td><td class="time">${t1 > t0 ? esc(showTime(e.end)) : ''}</td><td>${esc(EVENT_STYLE[e.kind]?.name ?? e.kind)}</td>` +
        `<td>${esc(e.mmsi.join(', '))}</td><td>${esc(e.label)}</td><td>${finding}</td></tr>`
      );
    })
    .join('');
  return `<details class="events"><summary>All ${items.length} events as a table</summary><table><thead><tr><th>start (UTC)</th><th>end</th><th>event</th><th>MMSI</th><th>what</th><th>finding</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}
