import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { renderReport, writeReport, type ReportInput } from '../src/report/index.js';
import { buildReportFixture } from '../src/report/fixture.js';
import { keptIndices } from '../src/tracks/index.js';
import { Anchors } from '../src/report/escape.js';
import { timeTicks } from '../src/report/time.js';

const HOSTILE = 'Bratsk <script>alert("x")</script> & "Co"';

function attr(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`\\s${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

describe('HTML report', () => {
  let input: ReportInput;
  let html: string;
  before(async () => {
    input = await buildReportFixture({ vesselName: HOSTILE });
    html = renderReport(input);
  });

  it('is one HTML document that loads nothing from the network', () => {
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.equal(html.match(/<html\b/g)?.length, 1);
    assert.equal(html.match(/<\/html>/g)?.length, 1);
    assert.doesNotMatch(html, /https?:\/\//, 'no network address anywhere');
    for (const url of [...attr(html, 'src'), ...attr(html, 'href')]) {
      assert.ok(
        url.startsWith('#') || url.startsWith('data:image/png;base64,'),
        `local reference only: ${url.slice(0, 60)}`,
      );
    }
    assert.doesNotMatch(html, /<link\b|<script\b|<iframe\b|@import|url\(/i);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
  });

  it('shows the verdict and the custody funnel', () => {
    assert.match(html, /<div id="verdict"[^>]*><span class="verdict verdict-DISCREPANCY big">DISCREPANCY<\/span>/);
    const f = input.results.funnel;
    for (const [stage, n] of Object.entries(f)) {
      assert.match(html, new RegExp(`<strong data-stage="${stage}">${n}</strong>`), `funnel ${stage}`);
      assert.match(html, new RegExp(`<g class="stage" data-stage="${stage}">`));
    }
  });

  it('says which parts are historical and which are not', () => {
    assert.match(html, /partly a reconstruction: 2 of 3 parts/);
    assert.match(html, /status-historical">historical<\/span> <strong>declared inventory/);
    assert.match(html, /status-synthetic">synthetic<\/span> <strong>vessel tracks/);
  });

  it('draws a map with land, the zone, sites, ports and tracks by role', () => {
    const map = html.slice(html.indexOf('<svg class="map"'), html.indexOf('</svg>', html.indexOf('<svg class="map"')));
    assert.ok(map.length > 1000);
    const land = /<path class="land" d="([^"]+)"/.exec(map);
    assert.ok(land !== null && land[1]!.length > 200, 'land drawn');
    assert.match(map, /<path class="zone"/);
    assert.match(map, /San Cristóbal/);
    assert.match(map, /<g class="port" data-id="mariel">/);
    const tracks = [
      ...map.matchAll(/<path class="track track-(\w+)" data-mmsi="(\d+)" data-role="(\w+)"[^>]* d="([^"]+)"/g),
    ];
    assert.equal(tracks.length, 2);
    assert.deepEqual(tracks.map((t) => t[3]).sort(), ['inspector', 'shipment']);
    // The shipment's dark period splits its line into two segments.
    const ship = tracks.find((t) => t[3] === 'shipment')!;
    assert.equal(ship[4]!.match(/M/g)?.length, 2);
    // Coordinates rounded to 0.1 px.
    assert.doesNotMatch(ship[4]!, /\d\.\d\d/);
    for (const m of map.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)) {
      const [x, y] = [Number(m[1]), Number(m[2])];
      assert.ok(x >= -1 && x <= 961 && y >= -1, `inside the view: ${x} ${y}`);
    }
  });

  it('links finding markers and evidence to anchors that exist', () => {
    const ids = new Set(attr(html, 'id'));
    assert.equal(ids.size, attr(html, 'id').length, 'ids are unique');
    const markers = [...html.matchAll(/<a class="finding-marker" href="#([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(markers.length, 2);
    for (const f of input.results.findings) {
      const anchor = markers.find((m) => html.includes(`id="${m}" data-finding="${f.id}"`));
      assert.ok(anchor !== undefined, `marker for ${f.id}`);
      assert.match(anchor, /^finding-[A-Za-z0-9_-]+$/);
    }
    const evidenceLinks = attr(html, 'href').filter((h) => h.startsWith('#evidence-'));
    assert.ok(evidenceLinks.length >= 5);
    for (const h of attr(html, 'href').filter((x) => x.startsWith('#')))
      assert.ok(ids.has(h.slice(1)), `target of ${h}`);
    for (const e of input.results.evidence) {
      assert.match(
        html,
        new RegExp(
          `<tr id="evidence-${e.sha256}">.*?<code class="hash">${e.sha256}</code></td><td class="num">${e.log_index}</td>`,
        ),
      );
    }
    // Each finding lists its evidence as links to the evidence table.
    const dark = input.results.findings[0]!;
    const article = html.slice(
      html.indexOf(`data-finding="${dark.id}"`),
      html.indexOf('</article>', html.indexOf(`data-finding="${dark.id}"`)),
    );
    assert.match(article, new RegExp(`href="#evidence-${dark.evidence[0]!.sha256}"`));
  });

  it('escapes every string from the input', () => {
    assert.ok(!html.includes('<script>'), 'no raw script tag');
    assert.ok(html.includes('Bratsk &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Co&quot;'));
    const hostile = structuredClone(input);
    hostile.results.findings[0]!.message = '</article><img src=x onerror=alert(1)>';
    hostile.results.evidence[0]!.path = '"><svg onload=alert(1)>';
    hostile.results.verdict = 'VERIFIED" onclick="x' as never;
    hostile.results.checkpoint.note = '</pre><script>alert(1)</script>';
    const out = renderReport(hostile);
    assert.doesNotMatch(out, /<img|<svg onload|<script|onclick="x"/);
    assert.match(out, /verdict-UNKNOWN/);
  });

  it('embeds the imagery crops with detections and outline', () => {
    assert.equal(html.match(/<image href="data:image\/png;base64,iVBORw0KGgo/g)?.length, 2);
    assert.equal(html.match(/<rect [^>]*transform="rotate\(/g)?.length, 3);
    assert.match(html, /<path class="site-outline" d="M6 6L58 6/);
    assert.match(html, /count <strong>3<\/strong>/);
    assert.match(html, /GSD 1\.5 m/);
  });

  it('draws a UTC timeline of 1962 (negative epoch times) with the deadline', () => {
    const tl = html.slice(
      html.indexOf('<svg class="timeline"'),
      html.indexOf('</svg>', html.indexOf('<svg class="timeline"')),
    );
    assert.match(tl, />1962-11-0\d</);
    assert.match(tl, /removal deadline 1962-11-01 00:00Z/);
    for (const kind of ['departure', 'inspection', 'encounter', 'dark_period', 'imagery', 'left_zone'])
      assert.match(tl, new RegExp(`data-kind="${kind}"`), kind);
    assert.doesNotMatch(tl, /NaN|Infinity|undefined/);
    const { ticks } = timeTicks(Date.parse('1962-11-06T00:00:00Z'), Date.parse('1962-11-07T00:00:00Z'), 8);
    assert.ok(ticks.length > 0 && ticks.every((t) => t < 0 && new Date(t).toISOString().endsWith(':00:00.000Z')));
  });

  it('shows the tables and the log', () => {
    assert.match(html, /<tr id="row-lot-lot-sc">/);
    assert.match(html, /<tr id="row-shipment-shp-bratsk">/);
    assert.match(html, /observed <strong>1<\/strong>/);
    assert.match(html, /corroborated by rendezvous/);
    assert.match(html, /<pre class="checkpoint-note">tally\.example\/cuba-1962-fixture\n9\n/);
    assert.match(html, /<pre class="reverify">tally log verify cases\/cuba-1962-fixture\/log\ntally verify/);
  });

  it('is deterministic, and written as rendered', async () => {
    assert.equal(renderReport(input), html);
    assert.equal(renderReport(await buildReportFixture({ vesselName: HOSTILE })), html);
    const dir = await mkdtemp(join(tmpdir(), 'tally-report-'));
    try {
      const path = join(dir, 'sub', 'report.html');
      await writeReport(path, input);
      assert.equal(await readFile(path, 'utf8'), html);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stays small for a case with many long tracks', () => {
    const big = structuredClone(input);
    const t0 = Date.parse('1962-11-06T00:00:00Z');
    for (let v = 0; v < 60; v++) {
      const points: [number, number, number][] = [];
      for (let i = 0; i < 20_000; i++)
        points.push([-84 + (i / 20_000) * 9 + v * 0.01, 21 + Math.sin(i / 500 + v) * 2 + 2, t0 + i * 10_000]);
      big.tracks.push({ mmsi: 200000000 + v, name: `Freighter ${v}`, role: 'other', points, breaks: [5000] });
      big.events.push({
        kind: 'encounter',
        start: new Date(t0 + v * 60_000).toISOString(),
        end: new Date(t0 + v * 60_000 + 3_600_000).toISOString(),
        lat: 23,
        lon: -80,
        mmsi: [200000000 + v, 273100001],
        label: `meeting ${v}`,
      });
    }
    // Its size is checked here; its speed belongs to a benchmark, not to a test that a loaded machine fails.
    const out = renderReport(big);
    assert.equal(out.match(/class="track track-other"/g)?.length, 60);
    assert.ok(out.length < 6_000_000, `size ${out.length}`);
    assert.match(out, /other vessels/);
  });
});

describe('HTML report of a bare case', () => {
  it('renders with no tracks, events, imagery, findings or notes', async () => {
    const bare = await buildReportFixture();
    bare.tracks = [];
    bare.events = [];
    bare.images = [];
    bare.results.findings = [];
    bare.results.shipments = [];
    bare.results.sites = [];
    bare.results.verdict = 'VERIFIED';
    bare.manifest.notes = undefined;
    bare.manifest.terms.removal_deadline = 'not a date';
    bare.geography = {
      sites: { type: 'FeatureCollection', features: [] },
      ports: { type: 'FeatureCollection', features: [] },
      zone: { type: 'FeatureCollection', features: [] },
    };
    const out = renderReport(bare);
    assert.doesNotMatch(out, /NaN|Infinity|undefined/);
    assert.match(out, /verdict-VERIFIED big/);
    assert.match(out, /does not say which parts are historical/);
    assert.match(out, /No findings/);
    assert.match(out, /<path class="land"/, 'a world map when there is nothing to fit');
  });
});

describe('HTML report without events from the verification', () => {
  it('draws departures, inspections and zone exits from the results', async () => {
    const input = await buildReportFixture();
    input.events = [];
    const out = renderReport(input);
    const tl = out.slice(out.indexOf('<svg class="timeline"'));
    for (const kind of ['departure', 'inspection', 'left_zone'])
      assert.match(tl, new RegExp(`data-kind="${kind}"`), kind);
    const map = out.slice(out.indexOf('<svg class="map"'), out.indexOf('</svg>', out.indexOf('<svg class="map"')));
    assert.match(map, /<g class="event event-inspection"/);
  });
});

describe('report helpers', () => {
  it('thins long tracks but keeps every segment end', () => {
    const segs = keptIndices(10_000, [4000], 2000);
    assert.equal(segs.length, 2);
    assert.deepEqual([segs[0]![0], segs[0]!.at(-1), segs[1]![0], segs[1]!.at(-1)], [0, 3999, 4000, 9999]);
    assert.ok(segs[0]!.length + segs[1]!.length <= 2004);
    assert.deepEqual(keptIndices(3, [], 2000), [[0, 1, 2]]);
  });

  it('gives colliding finding ids distinct anchors', () => {
    const a = new Anchors('finding-', ['A:b', 'A/b', '<x>']);
    assert.equal(a.of('A:b'), 'finding-A-b');
    assert.equal(a.of('A/b'), 'finding-A-b-2');
    assert.equal(a.of('<x>'), 'finding-x');
  });
});
