/**
 * The HTML report of a verification: one self-contained file (inline CSS and
 * SVG, imagery as data URLs, no scripts, no network) that opens from disk.
 * The same input renders to the same bytes: nothing reads the clock.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ProvenanceNote } from '../case/index.js';
import type { Funnel } from '../verify/index.js';
import type { ReportInput } from './types.js';
import { abbreviate, Anchors, esc, evidenceAnchor, px } from './escape.js';
import { renderMap } from './map.js';
import { renderTimeline } from './timeline.js';
import { renderImagery } from './imagery.js';
import {
  evidenceTable,
  findingsList,
  lotsTable,
  type ReportAnchors,
  shipmentsTable,
  sitesTable,
  verdictBadge,
} from './tables.js';
import { showTime } from './time.js';
import { CSS } from './style.js';

/** Nothing may load from anywhere but the document itself and data: URLs (a second guard on untrusted strings). */
const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const FUNNEL_STAGES: { key: keyof Funnel; label: string }[] = [
  { key: 'declared', label: 'declared' },
  { key: 'removed', label: 'removed from sites' },
  { key: 'departed', label: 'departed by sea' },
  { key: 'inspected', label: 'counted at sea' },
  { key: 'left_zone', label: 'left the zone' },
];

/** The custody funnel as bars, each with its number and the loss from the stage before. */
function funnelSvg(f: Funnel): string {
  const values = FUNNEL_STAGES.map((s) => (Number.isFinite(f[s.key]) ? f[s.key] : 0));
  const max = Math.max(1, ...values);
  const rowH = 30,
    labelW = 150,
    barW = 300,
    width = 560;
  const rows = FUNNEL_STAGES.map((s, i) => {
    const v = values[i]!;
    const prev = i === 0 ? v : values[i - 1]!;
    const w = (Math.max(0, v) / max) * barW;
    const y = i * rowH;
    const loss =
      i > 0 && v < prev ? `<text class="loss" x="${labelW + barW + 58}" y="${y + 19}">−${esc(prev - v)}</text>` : '';
    return (
      `<g class="stage" data-stage="${s.key}"><text x="0" y="${y + 19}">${esc(s.label)}</text>` +
      `<rect class="bar-bg" x="${labelW}" y="${y + 5}" width="${barW}" height="20" rx="3"/>` +
      `<rect class="bar" x="${labelW}" y="${y + 5}" width="${px(w)}" height="20" rx="3"/>` +
      `<text class="num" x="${labelW + barW + 8}" y="${y + 19}">${esc(v)}</text>${loss}</g>`
    );
  }).join('');
  return `<svg class="funnel" viewBox="0 0 ${width} ${FUNNEL_STAGES.length * rowH + 4}" role="img" aria-label="Custody funnel: ${FUNNEL_STAGES.map((s, i) => `${s.label} ${values[i]}`).join(', ')}">${rows}</svg>`;
}

/** The funnel again as a definition list, for readers without SVG and for search. */
function funnelText(f: Funnel): string {
  return `<p class="funnel-text note">Items: ${FUNNEL_STAGES.map((s) => `${esc(s.label)} <strong data-stage="${s.key}">${esc(f[s.key])}</strong>`).join(' → ')}.</p>`;
}

const STATUSES = ['historical', 'reconstructed', 'synthetic'] as const;

/** Which parts of the case are historical, and which are not, in plain words. */
function provenance(notes: ProvenanceNote[] | undefined): string {
  const list = notes ?? [];
  if (list.length === 0) {
    return '<p class="lead">The case manifest does not say which parts are historical and which are reconstructed or synthetic: read nothing here as a historical record unless its evidence says so.</p>';
  }
  const notHistorical = list.filter((n) => n.status !== 'historical');
  const lead =
    notHistorical.length === 0
      ? 'Every part of this case is stated to be historical.'
      : `This case is partly a reconstruction: ${notHistorical.length} of ${list.length} parts are reconstructed or synthetic, not historical records. The findings about those parts test the method, not history.`;
  const group = (status: string, items: ProvenanceNote[]): string =>
    items.length === 0
      ? ''
      : items
          .map(
            (n) =>
              `<li><span class="status status-${STATUSES.includes(status as (typeof STATUSES)[number]) ? status : 'unknown'}">${esc(status)}</span> <strong>${esc(n.part)}</strong>: ${esc(n.note)}</li>`,
          )
          .join('');
  const known = STATUSES.map((s) =>
    group(
      s,
      list.filter((n) => n.status === s),
    ),
  ).join('');
  const other = group(
    'unknown',
    list.filter((n) => !STATUSES.includes(n.status)),
  );
  return `<p class="lead">${esc(lead)}</p><ul>${known}${other}</ul>`;
}

function header(input: ReportInput): string {
  const r = input.results;
  const m = r.case.manifest;
  const generated = r.generated_at !== undefined ? ` · generated ${esc(showTime(r.generated_at))}` : '';
  const counts = { DISCREPANCY: 0, INCOMPLETE: 0 };
  for (const f of r.findings) if (f.effect === 'DISCREPANCY' || f.effect === 'INCOMPLETE') counts[f.effect]++;
  return (
    `<header class="top"><div><p class="case-meta">Tally verification report · case <code>${esc(r.case.id)}</code></p>` +
    `<h1>${esc(r.case.name)}</h1><div id="verdict" class="case-verdict">${verdictBadge(r.verdict, true)}</div>` +
    `<p>${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}: ${counts.DISCREPANCY} forcing DISCREPANCY, ${counts.INCOMPLETE} forcing INCOMPLETE.</p>` +
    `<p class="case-meta">tally ${esc(r.tally)}${generated} · manifest <a href="#${evidenceAnchor(m.sha256)}"><code>${esc(abbreviate(m.sha256))}</code></a> · log <code>${esc(r.checkpoint.origin)}</code> size ${esc(r.checkpoint.size)}</p></div>` +
    `<div id="funnel"><h2 class="funnel-title">Custody funnel</h2>${funnelSvg(r.funnel)}${funnelText(r.funnel)}</div></header>`
  );
}

function partyName(input: ReportInput, id: string): string {
  const p = input.manifest.parties.find((x) => x.id === id);
  return p ? `${p.name} (${p.role})` : id;
}

function logSection(input: ReportInput): string {
  const c = input.results.checkpoint;
  const commands = input.reverify.commands.join('\n');
  return (
    `<p>The case's log is a C2SP transparency log in <code>${esc(input.reverify.logDir)}</code>. Every declaration and piece of evidence above has an entry in it (its log index); the checkpoint below commits to all of them.</p>` +
    `<table class="checkpoint"><tbody><tr><th>origin</th><td><code>${esc(c.origin)}</code></td></tr><tr><th>size</th><td>${esc(c.size)}</td></tr>` +
    `<tr><th>root</th><td><code class="hash">${esc(c.root)}</code></td></tr>` +
    `<tr><th>cosigned by</th><td>${c.cosigned_by.length ? c.cosigned_by.map((p) => esc(partyName(input, p))).join(', ') : 'no party yet'}</td></tr></tbody></table>` +
    `<h3>Checkpoint note, verbatim</h3><pre class="checkpoint-note">${esc(c.note)}</pre>` +
    `<h3>How to re-verify</h3><p>Check the log, then recompute the results from the logged evidence and compare (<code>generated_at</code> aside):</p><pre class="reverify">${esc(commands)}</pre>`
  );
}

const SECTIONS: { id: string; title: string }[] = [
  { id: 'provenance', title: 'What is historical' },
  { id: 'map', title: 'Map' },
  { id: 'timeline', title: 'Timeline' },
  { id: 'imagery', title: 'Imagery' },
  { id: 'lots', title: 'Lots' },
  { id: 'shipments', title: 'Shipments' },
  { id: 'sites', title: 'Sites' },
  { id: 'findings', title: 'Findings' },
  { id: 'evidence', title: 'Evidence' },
  { id: 'log', title: 'Log' },
];

/** Anchors allocated before any section renders, so links and targets agree whatever the order. */
function anchors(input: ReportInput): ReportAnchors {
  const r = input.results;
  const subjects = new Anchors('row-', [
    ...r.lots.map((l) => `lot:${l.id}`),
    ...r.shipments.map((s) => `shipment:${s.id}`),
    ...r.sites.map((s) => `site:${s.id}`),
  ]);
  return {
    findings: new Anchors(
      'finding-',
      r.findings.map((f) => f.id),
    ),
    subjects,
    codes: new Map(r.findings.map((f) => [f.id, f.code])),
  };
}

/** The whole report as one HTML document. */
export function renderReport(input: ReportInput): string {
  const a = anchors(input);
  const r = input.results;
  const body: Record<string, string> = {
    provenance: provenance(input.manifest.notes),
    map: renderMap(input, a.findings),
    timeline: renderTimeline(input, a.findings),
    imagery: renderImagery(input),
    lots: lotsTable(r, a),
    shipments: shipmentsTable(r, a),
    sites: sitesTable(r, a),
    findings: findingsList(r, a),
    evidence: `<p>Every input, as logged. A finding's evidence links here; the full SHA-256 identifies the file.</p>${evidenceTable(input)}`,
    log: logSection(input),
  };
  const sections = SECTIONS.map(
    (s) => `<section id="${s.id}" class="${s.id}"><h2>${esc(s.title)}</h2>${body[s.id] ?? ''}</section>`,
  ).join('\n');
  const toc = `<nav class="toc">${SECTIONS.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join('')}</nav>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tally ${esc(r.tally)}">
<title>${esc(`${r.case.name}: ${r.verdict}`)} · Tally report</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(input)}
${toc}
${sections}
</main>
</body>
</html>
`;
}

/** Renders the report and writes it, creating the folder when needed. */
export async function writeReport(path: string, input: ReportInput): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderReport(input), 'utf8');
}
