/**
 * The tables of the report (lots, shipments, sites, evidence) and the list of
 * findings, each finding linking to the evidence behind it.
 */
import type { AisParse } from '../case/index.js';
import type { EvidenceRef, Finding, InspectionResult, Results, Verdict } from '../verify/index.js';
import type { ReportInput } from './types.js';
import { abbreviate, type Anchors, esc, evidenceAnchor } from './escape.js';
import { showTime } from './time.js';

const VERDICTS: readonly string[] = ['VERIFIED', 'DISCREPANCY', 'INCOMPLETE'];

/** A verdict as a coloured badge; an unknown value is shown as such, never as a class name. */
export function verdictBadge(v: Verdict | string, big = false): string {
  const known = VERDICTS.includes(v) ? v : 'UNKNOWN';
  return `<span class="verdict verdict-${known}${big ? ' big' : ''}">${esc(v)}</span>`;
}

/** Anchors for the report: findings, and the lots, shipments and sites findings name as subjects. */
export interface ReportAnchors {
  findings: Anchors;
  subjects: Anchors;
  /** Finding id -> code, for short link texts in the tables. */
  codes: Map<string, string>;
}

function findingLinks(ids: string[], a: ReportAnchors): string {
  return ids
    .map((id) =>
      a.findings.has(id)
        ? `<a href="#${a.findings.of(id)}" title="${esc(id)}">${esc(a.codes.get(id) ?? id)}</a>`
        : esc(id),
    )
    .join('<br>');
}

function rowId(kind: string, id: string, a: ReportAnchors): string {
  return a.subjects.of(`${kind}:${id}`);
}

function evidenceLink(ref: EvidenceRef): string {
  const label = ref.path !== undefined && ref.path !== '' ? ref.path : abbreviate(ref.sha256);
  return `<a class="evidence-link" href="#${evidenceAnchor(ref.sha256)}" title="${esc(ref.sha256)}">${esc(label)}</a>`;
}

export function lotsTable(r: Results, a: ReportAnchors): string {
  const rows = r.lots.map(
    (l) =>
      `<tr id="${rowId('lot', l.id, a)}"><td>${esc(l.id)}</td><td>${esc(l.site)}</td><td>${esc(l.item_class)}</td><td class="num">${esc(l.count)}</td>` +
      `<td><code title="${esc(l.root)}">${esc(abbreviate(l.root))}</code></td><td>${esc(l.shipments.join(', '))}</td>` +
      `<td>${evidenceLink(l.declaration)}</td><td>${verdictBadge(l.verdict)}</td><td>${findingLinks(l.findings, a)}</td></tr>`,
  );
  return table(
    ['lot', 'site', 'class', 'count', 'commitment root', 'shipments', 'declaration', 'verdict', 'findings'],
    rows,
    'lots',
  );
}

function inspectionCell(i: InspectionResult): string {
  const c = i.corroboration;
  const window = c.start !== undefined ? ` ${showTime(c.start)}–${showTime(c.end)}` : '';
  const distance =
    c.min_distance_m !== undefined && c.min_distance_m !== null ? `, closest ${Math.round(c.min_distance_m)} m` : '';
  return (
    `<div class="inspection ${i.corroborated ? 'corroborated' : 'uncorroborated'}">` +
    `<strong>${esc(i.inspector)}</strong> (${esc(i.kind)}) ${esc(showTime(i.time))}: observed <strong>${esc(i.observed_count)}</strong><br>` +
    `${i.corroborated ? '✔ corroborated' : '✘ not corroborated'} by ${esc(c.kind ?? 'nothing')}${esc(window)}${esc(distance)}${c.ais_available ? '' : ', no AIS to check against'}: ${esc(c.message)}<br>` +
    `record ${evidenceLink(i.evidence)}</div>`
  );
}

export function shipmentsTable(r: Results, a: ReportAnchors): string {
  const rows = r.shipments.map(
    (s) =>
      `<tr id="${rowId('shipment', s.id, a)}"><td>${esc(s.id)}</td><td>${esc(s.vessel.name)}<br><small>MMSI ${esc(s.vessel.mmsi)}${s.vessel.imo !== undefined ? ` · IMO ${esc(s.vessel.imo)}` : ''}</small></td>` +
      `<td>${esc(s.port)}</td><td class="num">${esc(s.count)}</td><td class="time">${s.departed_at === null ? 'not seen' : esc(showTime(s.departed_at))}</td>` +
      `<td>${s.inspections.length === 0 ? 'none' : s.inspections.map(inspectionCell).join('')}</td>` +
      `<td class="num">${s.observed_count === null ? '—' : esc(s.observed_count)}</td><td class="time">${s.left_zone_at === null ? 'not seen' : esc(showTime(s.left_zone_at))}</td>` +
      `<td>${verdictBadge(s.verdict)}</td><td>${findingLinks(s.findings, a)}</td></tr>`,
  );
  return table(
    [
      'shipment',
      'vessel',
      'port',
      'declared',
      'departed (UTC)',
      'inspections',
      'observed',
      'left zone (UTC)',
      'verdict',
      'findings',
    ],
    rows,
    'shipments',
  );
}

export function sitesTable(r: Results, a: ReportAnchors): string {
  const rows = r.sites.map((s) => {
    const change =
      s.change === null
        ? 'no before/after pair'
        : `${esc(s.change.disappeared)} gone, ${esc(s.change.appeared)} new, ${esc(s.change.persisted)} stayed<br><small>${esc(showTime(s.change.before))} → ${esc(showTime(s.change.after))}</small>`;
    return (
      `<tr id="${rowId('site', s.id, a)}"><td>${esc(s.name)}<br><small>${esc(s.id)}</small></td><td class="num">${esc(s.declared)}</td>` +
      `<td class="num">${s.remaining === null ? 'unknown' : esc(s.remaining)}</td><td class="num">${esc(s.removed)}</td><td>${change}</td>` +
      `<td class="num">${esc(s.passes.length)}</td><td>${verdictBadge(s.verdict)}</td><td>${findingLinks(s.findings, a)}</td></tr>`
    );
  });
  return table(['site', 'declared', 'remaining', 'removed', 'change', 'passes', 'verdict', 'findings'], rows, 'sites');
}

function table(head: string[], rows: string[], cls: string): string {
  if (rows.length === 0) return '<p class="note">None.</p>';
  return `<div class="table-wrap"><table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function detailValue(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}

function findingItem(f: Finding, a: ReportAnchors): string {
  const subjectKey = `${f.subject.kind}:${f.subject.id}`;
  const subject = a.subjects.has(subjectKey)
    ? `<a href="#${a.subjects.of(subjectKey)}">${esc(f.subject.kind)} ${esc(f.subject.id)}</a>`
    : `${esc(f.subject.kind)} ${esc(f.subject.id)}`;
  const where = [
    f.time !== undefined ? `at ${esc(showTime(f.time))}` : '',
    f.position !== undefined
      ? `position ${esc(f.position.lat.toFixed(4))}, ${esc(f.position.lon.toFixed(4))} (on the map)`
      : '',
  ]
    .filter((s) => s !== '')
    .join(' · ');
  const details =
    f.details === undefined
      ? ''
      : `<dl class="details">${Object.keys(f.details)
          .sort()
          .map((k) => `<dt>${esc(k)}</dt><dd>${esc(detailValue(f.details?.[k]))}</dd>`)
          .join('')}</dl>`;
  const evidence =
    f.evidence.length === 0
      ? '<p class="note">No evidence referenced.</p>'
      : `<ul class="finding-evidence">${f.evidence.map((e) => `<li>${evidenceLink(e)} <small>log index ${e.log_index === null ? 'not logged' : esc(e.log_index)}</small></li>`).join('')}</ul>`;
  return (
    `<article class="finding effect-${f.effect === 'DISCREPANCY' ? 'DISCREPANCY' : 'INCOMPLETE'}" id="${a.findings.of(f.id)}" data-finding="${esc(f.id)}">` +
    `<h3><code>${esc(f.code)}</code> ${verdictBadge(f.effect)} <small>${subject}</small></h3>` +
    `<p class="message">${esc(f.message)}</p>${where === '' ? '' : `<p class="where">${where}</p>`}${details}` +
    `<p class="finding-id">finding <code>${esc(f.id)}</code>; evidence:</p>${evidence}</article>`
  );
}

export function findingsList(r: Results, a: ReportAnchors): string {
  if (r.findings.length === 0) return '<p>No findings: every stage of every lot is confirmed by evidence.</p>';
  return r.findings.map((f) => findingItem(f, a)).join('');
}

interface EvidenceRow {
  sha256: string;
  log_index: number | null;
  roles: string[];
  names: string[];
  paths: string[];
  /** AIS: what the decoder accepted and rejected. */
  parse: AisParse | null;
}

/** Every piece of evidence the report links to: the results' list first, then any other reference, one row per hash. */
export function collectEvidence(input: ReportInput): EvidenceRow[] {
  const rows = new Map<string, EvidenceRow>();
  const add = (ref: EvidenceRef, role: string, name?: string): void => {
    const key = evidenceAnchor(ref.sha256);
    let row = rows.get(key);
    if (row === undefined) {
      row = { sha256: ref.sha256, log_index: ref.log_index, roles: [], names: [], paths: [], parse: null };
      rows.set(key, row);
    }
    if (row.log_index === null) row.log_index = ref.log_index;
    // 'referenced' only says something when nothing else does.
    if (!row.roles.includes(role) && (role !== 'referenced' || row.roles.length === 0)) row.roles.push(role);
    if (name !== undefined && name !== '' && !row.names.includes(name)) row.names.push(name);
    if (ref.path !== undefined && ref.path !== '' && !row.paths.includes(ref.path)) row.paths.push(ref.path);
  };
  const r = input.results;
  for (const e of r.evidence) {
    add(e, e.role, e.name);
    if (e.parse) rows.get(evidenceAnchor(e.sha256))!.parse = e.parse;
  }
  add(r.case.manifest, 'manifest');
  for (const l of r.lots) add(l.declaration, 'declaration', `lot ${l.id}`);
  for (const s of r.shipments) {
    add(s.declaration, 'declaration', `shipment ${s.id}`);
    for (const i of s.inspections) add(i.evidence, 'inspection', i.id);
  }
  for (const s of r.sites) for (const p of s.passes) add(p.evidence, 'imagery');
  for (const f of r.findings) for (const e of f.evidence) add(e, 'referenced');
  for (const img of input.images) add(img.evidence, 'imagery');
  return [...rows.values()];
}

export function evidenceTable(input: ReportInput): string {
  const rows = collectEvidence(input).map(
    (e) =>
      `<tr id="${evidenceAnchor(e.sha256)}"><td>${esc(e.roles.join(', '))}</td><td>${esc(e.names.join(', '))}</td><td>${e.paths.map((p) => `<code>${esc(p)}</code>`).join('<br>')}</td>` +
      `<td><code class="hash">${esc(e.sha256)}</code></td><td class="num">${e.log_index === null ? 'not logged' : esc(e.log_index)}</td><td>${parsedCell(e.parse)}</td></tr>`,
  );
  return table(['role', 'name', 'path', 'sha256', 'log index', 'parsed'], rows, 'evidence');
}

/** An AIS file's decoding: accepted, rejected with the rate, and the rejects by reason. */
function parsedCell(p: AisParse | null): string {
  if (p === null) return '';
  const judged = p.accepted + p.rejected;
  const rate = judged === 0 ? 0 : (100 * p.rejected) / judged;
  const why = Object.entries(p.by_reason)
    .map(([r, n]) => `${esc(n)} ${esc(r)}`)
    .join(', ');
  return `${esc(p.accepted)} accepted, ${esc(p.rejected)} rejected (${esc(rate.toFixed(1))} %)${why ? `<br><small>${why}</small>` : ''}`;
}
