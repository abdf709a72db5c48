/**
 * Per-site imagery panels: the passes before and after the removal deadline
 * side by side, each crop embedded as a PNG data URL with the site outline
 * and the detections (rotated rectangles) drawn over it.
 */
import type { SiteResult } from '../verify/index.js';
import type { ReportImage, ReportInput } from './types.js';
import { abbreviate, esc, evidenceAnchor, px } from './escape.js';
import { showTime, toMs } from './time.js';
import { verdictBadge } from './tables.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(bytes: Uint8Array): boolean {
  return bytes.length > PNG_MAGIC.length && PNG_MAGIC.every((b, i) => bytes[i] === b);
}

/** The crop as a data URL; base64 needs no escaping, and anything but a PNG is not embedded. */
function dataUrl(png: Uint8Array): string | null {
  return isPng(png)
    ? `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`
    : null;
}

/**
 * A detection: `length_px` along the heading, `width_px` across it, heading
 * clockwise from north = image up. An upright rectangle rotated by the heading
 * (SVG rotates clockwise, y pointing down) is exactly that.
 */
function detectionRect(d: ReportImage['detections'][number]): string {
  const { x, y, length_px: l, width_px: w, heading_deg: h } = d;
  if (![x, y, l, w, h].every(Number.isFinite)) return '';
  return (
    `<rect x="${px(x - w / 2)}" y="${px(y - l / 2)}" width="${px(w)}" height="${px(l)}" transform="rotate(${px(h)} ${px(x)} ${px(y)})">` +
    `<title>detection: ${esc(px(l))} × ${esc(px(w))} px, heading ${esc(px(h))}°, score ${esc(Math.round(d.score * 100) / 100)}</title></rect>`
  );
}

function outlinePath(rings: ReportImage['outline']): string {
  return rings
    .filter((r) => r.length >= 2)
    .map((r) => r.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)} ${px(y)}`).join('') + 'Z')
    .join('');
}

function panel(img: ReportImage): string {
  const url = dataUrl(img.png);
  const w = Math.max(1, img.width);
  const h = Math.max(1, img.height);
  const picture =
    url === null
      ? `<rect class="missing" width="${w}" height="${h}"/><text x="4" y="14">image not embedded (not a PNG)</text>`
      : `<image href="${url}" width="${w}" height="${h}" preserveAspectRatio="none"/>`;
  const outline = outlinePath(img.outline);
  const svg =
    `<svg class="crop" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(`${img.phase} pass of ${img.site} at ${showTime(img.time)}`)}">${picture}` +
    (outline === '' ? '' : `<path class="site-outline" d="${outline}"/>`) +
    `<g class="detections">${img.detections.map(detectionRect).join('')}</g></svg>`;
  const ev = img.evidence;
  return (
    `<figure class="pass pass-${img.phase === 'after' ? 'after' : 'before'}">${svg}<figcaption>` +
    `<strong>${img.phase === 'after' ? 'After' : 'Before'}</strong> the deadline · ${esc(showTime(img.time))}<br>` +
    `count <strong>${img.count === null ? 'none' : esc(img.count)}</strong> (${img.detections.length} detections drawn) · GSD ${esc(img.gsd_m)} m<br>` +
    `evidence <a href="#${evidenceAnchor(ev.sha256)}" title="${esc(ev.sha256)}"><code>${esc(abbreviate(ev.sha256))}</code></a> · log index ${ev.log_index === null ? 'not logged' : esc(ev.log_index)}` +
    `</figcaption></figure>`
  );
}

function byTime(a: ReportImage, b: ReportImage): number {
  return (toMs(a.time) ?? 0) - (toMs(b.time) ?? 0);
}

function siteBlock(siteId: string, site: SiteResult | undefined, images: ReportImage[]): string {
  const before = images.filter((i) => i.phase !== 'after').sort(byTime);
  const after = images.filter((i) => i.phase === 'after').sort(byTime);
  const head =
    site === undefined
      ? `<h3>${esc(siteId)}</h3>`
      : `<h3>${esc(site.name)} <small>(${esc(site.id)})</small> ${verdictBadge(site.verdict)}</h3>` +
        `<p>Declared ${esc(site.declared)}, still shown after the deadline ${site.remaining === null ? 'unknown (no usable pass)' : esc(site.remaining)}, removed ${esc(site.removed)}.</p>`;
  const column = (title: string, list: ReportImage[]): string =>
    `<div class="pass-column"><h4>${title}</h4>${list.length === 0 ? '<p class="note">No pass.</p>' : list.map(panel).join('')}</div>`;
  return `<section class="site-imagery" data-site="${esc(siteId)}">${head}<div class="passes">${column('Before', before)}${column('After', after)}</div></section>`;
}

/** One block per site that has imagery, in the order of the results' sites. */
export function renderImagery(input: ReportInput): string {
  const bySite = new Map<string, ReportImage[]>();
  for (const img of input.images) bySite.set(img.site, [...(bySite.get(img.site) ?? []), img]);
  if (bySite.size === 0) return '<p class="note">No imagery crops in this report.</p>';
  const order = [
    ...input.results.sites.map((s) => s.id).filter((id) => bySite.has(id)),
    ...[...bySite.keys()].filter((id) => !input.results.sites.some((s) => s.id === id)),
  ];
  return order
    .map((id) =>
      siteBlock(
        id,
        input.results.sites.find((s) => s.id === id),
        bySite.get(id) ?? [],
      ),
    )
    .join('');
}
