/**
 * Real-browser check of an HTML report: opens it from disk in Chromium (the
 * Debian package, driven by playwright-core) and fails on anything a reader
 * would meet: a console error, a request to the network, a verdict that does
 * not show, a map without tracks, a link that leads nowhere.
 *
 *   node dist/scripts/browser-report.js REPORT.html [--screenshot PNG] [--full-page]
 *   node dist/scripts/browser-report.js --fixture OUT.html [--screenshot PNG]
 *
 * --fixture writes the report of the unit test's fixture to OUT.html first.
 * CHROMIUM overrides the browser (default /usr/bin/chromium). Prints a JSON
 * summary on stdout; exit status 1 when a check fails, 2 on bad usage.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { writeReport } from '../src/report/index.js';
import { buildReportFixture } from '../src/report/fixture.js';

interface Args {
  report: string;
  fixture: boolean;
  screenshot: string | null;
  fullPage: boolean;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: browser-report REPORT.html [--screenshot PNG] [--full-page] | --fixture OUT.html [--screenshot PNG]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  let report: string | null = null;
  let fixture = false;
  let screenshot: string | null = null;
  let fullPage = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--screenshot') screenshot = argv[++i] ?? usage('--screenshot needs a path');
    else if (a === '--fixture') {
      fixture = true;
      report = argv[++i] ?? usage('--fixture needs a path');
    } else if (a === '--full-page') fullPage = true;
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (report === null) report = a;
    else usage(`unexpected argument ${a}`);
  }
  if (report === null) usage('no report given');
  return { report: resolve(report), fixture, screenshot: screenshot === null ? null : resolve(screenshot), fullPage };
}

/** Only the file itself and data: URLs may load; anything else is the report reaching out. */
function isLocal(url: string): boolean {
  return url.startsWith('file:') || url.startsWith('data:') || url === 'about:blank';
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Measured {
  verdict: string | null;
  verdictVisible: boolean;
  mapVisible: boolean;
  landPaths: number;
  tracks: { total: number; visible: number; first: Rect | null };
  findingMarkers: { total: number; broken: string[] };
  internalLinks: { total: number; broken: string[] };
  images: { total: number; decoded: number };
}

/*
 * The code run inside the page is plain JavaScript in strings: the project
 * compiles without the DOM library (it is a Node program), and adding it for
 * one script would change the globals every other file sees.
 */

/** What the page shows, measured in the page. */
const MEASURE = `(async () => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return (r.width > 0 || r.height > 0) && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const badge = document.querySelector('#verdict .verdict');
  const map = document.querySelector('svg.map');
  const tracks = [...document.querySelectorAll('svg.map path.track')];
  const shown = tracks.filter(visible);
  const first = shown.length > 0 ? shown[0].getBoundingClientRect() : null;
  const targetOf = (a) => decodeURIComponent((a.getAttribute('href') || '').slice(1));
  const markers = [...document.querySelectorAll('svg.map a.finding-marker')];
  const links = [...document.querySelectorAll('a[href^="#"]')];
  const images = [...document.querySelectorAll('svg.crop image')];
  let decoded = 0;
  for (const im of images) {
    const probe = new Image();
    probe.src = im.getAttribute('href') || '';
    try { await probe.decode(); decoded++; } catch { /* not decoded */ }
  }
  return {
    verdict: badge ? badge.textContent : null,
    verdictVisible: badge !== null && visible(badge),
    mapVisible: map !== null && visible(map),
    landPaths: document.querySelectorAll('svg.map path.land').length,
    tracks: { total: tracks.length, visible: shown.length, first: first && { x: first.x, y: first.y, width: first.width, height: first.height } },
    findingMarkers: {
      total: markers.length,
      broken: markers.map(targetOf).filter((id) => !id.startsWith('finding-') || document.getElementById(id) === null),
    },
    internalLinks: { total: links.length, broken: [...new Set(links.map(targetOf).filter((id) => document.getElementById(id) === null))] },
    images: { total: images.length, decoded },
  };
})()`;

/** Where the element of an anchor is, and whether it is on screen. */
function whereIs(href: string): string {
  return `(() => {
    const el = document.getElementById(decodeURIComponent(${JSON.stringify(href.slice(1))}));
    if (el === null) return { hash: location.hash, inView: false, rect: null };
    const r = el.getBoundingClientRect();
    const inView = r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth && r.height > 0;
    return { hash: location.hash, inView, rect: { x: r.x, y: r.y, width: r.width, height: r.height } };
  })()`;
}

/** Clicks the first finding's first evidence link; the evidence row must then be on screen. */
async function followEvidence(
  page: Page,
): Promise<{ href: string | null; hash: string | null; inView: boolean; rect: Rect | null }> {
  const link = page.locator('.finding a.evidence-link').first();
  if ((await link.count()) === 0) return { href: null, hash: null, inView: false, rect: null };
  const href = await link.getAttribute('href');
  if (href === null || !href.startsWith('#')) return { href, hash: null, inView: false, rect: null };
  await link.click();
  await page
    .waitForFunction(`location.hash === ${JSON.stringify(href)}`, undefined, { timeout: 5000 })
    .catch(() => undefined);
  const at = await page.evaluate<{ hash: string; inView: boolean; rect: Rect | null }>(whereIs(href));
  return { href, ...at };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.fixture) await writeReport(args.report, await buildReportFixture());
  if (!existsSync(args.report)) usage(`no such file: ${args.report}`);
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    process.stderr.write(
      `browser-report: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM)\n`,
    );
    process.exit(1);
  }

  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const failures: string[] = [];
  const consoleErrors: string[] = [];
  const externalRequests: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!isLocal(r.url())) externalRequests.push(r.url());
    });
    // Nothing leaves the machine even if the report tried.
    await page.route(/^(?!file:|data:)/, (route) => route.abort());
    await page.goto(pathToFileURL(args.report).href, { waitUntil: 'load' });

    const seen = await page.evaluate<Measured>(MEASURE);
    if (args.screenshot !== null) await page.screenshot({ path: args.screenshot, fullPage: args.fullPage });
    const evidence = await followEvidence(page);

    if (!seen.verdictVisible) failures.push('the verdict is not visible');
    else if (!['VERIFIED', 'DISCREPANCY', 'INCOMPLETE'].includes(seen.verdict ?? ''))
      failures.push(`unexpected verdict text: ${seen.verdict}`);
    if (!seen.mapVisible) failures.push('the map is not visible');
    if (seen.landPaths === 0) failures.push('the map has no land');
    if (seen.tracks.visible === 0) failures.push(`no visible track on the map (${seen.tracks.total} drawn)`);
    if (seen.findingMarkers.broken.length > 0)
      failures.push(`finding markers link to no finding: ${seen.findingMarkers.broken.join(', ')}`);
    if (seen.internalLinks.broken.length > 0)
      failures.push(`links to missing anchors: ${seen.internalLinks.broken.slice(0, 10).join(', ')}`);
    if (seen.images.decoded < seen.images.total)
      failures.push(`${seen.images.total - seen.images.decoded} of ${seen.images.total} imagery crops do not decode`);
    if (evidence.href === null) failures.push('no finding with an evidence link to follow');
    else if (!evidence.inView) failures.push(`after clicking ${evidence.href} its target is not in view`);
    await page.waitForTimeout(100); // late console messages
    if (consoleErrors.length > 0) failures.push(`console errors: ${consoleErrors.join(' | ')}`);
    if (externalRequests.length > 0) failures.push(`network requests: ${externalRequests.join(', ')}`);

    const summary = {
      report: args.report,
      ok: failures.length === 0,
      failures,
      browser: browser.version(),
      ...seen,
      evidenceClick: evidence,
      consoleErrors,
      externalRequests,
      screenshot: args.screenshot,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await browser.close();
  }
  if (failures.length > 0) {
    process.stderr.write(`browser-report: FAILED\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`browser-report: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
