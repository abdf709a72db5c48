/**
 * Whole generated cases (src/scenario/case*.ts, strait.ts, cuba-1962.ts): the
 * ground truth of the clean cases and of every seeded violation, the same
 * bytes for the same seed, scenes that the detector counts exactly,
 * inspections that the tracks corroborate, keys and reveals that open, and
 * manifests that load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  CaseDirError,
  VIOLATION_CODES,
  caseScenarioNames,
  checkInspection,
  describeCase,
  generateCase,
  type CaseDescription,
  type Truth,
} from '../src/scenario/index.js';
import { MINUTE_MS } from '../src/util/index.js';
import { distanceM } from '../src/scenario/paths.js';
import { readGeoTiff } from '../src/imagery/read.js';
import { detectObjects } from '../src/imagery/index.js';
import { resolveGsd } from '../src/imagery/crs.js';
import { rasteriseRings, sitePixelRings } from '../src/imagery/index.js';
import { parseSignerKey } from '../src/ledger/note.js';
import { parseCosignerKey } from '../src/ledger/cosignature.js';
import { checkReveal } from '../src/ledger/escrow.js';
import type { CaseManifest, GeoJsonCollection } from '../src/case/types.js';

const root = mkdtempSync(join(tmpdir(), 'tally-scenario-case-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `c${n++}`);

const cache = new Map<string, Promise<{ dir: string; truth: Truth; files: string[]; ms: number }>>();
function gen(
  name: string,
  violate: string[] = [],
  seed?: number,
): Promise<{ dir: string; truth: Truth; files: string[]; ms: number }> {
  const key = `${name}/${violate.join(',')}/${seed}`;
  let p = cache.get(key);
  if (!p) {
    const t0 = performance.now();
    p = generateCase(name, { out: fresh(), violate, ...(seed === undefined ? {} : { seed }) }).then((r) => ({
      ...r,
      ms: performance.now() - t0,
    }));
    cache.set(key, p);
  }
  return p;
}

const manifestOf = (dir: string): CaseManifest =>
  parseYaml(readFileSync(join(dir, 'case.yaml'), 'utf8')) as CaseManifest;
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

// What each seeded violation must raise on the strait case.
const EXPECTED: Record<string, { code: string; kind: string; id: string; verdict: string }> = {
  SITE_NOT_CLEARED: { code: 'SITE_NOT_CLEARED', kind: 'site', id: 'site-a', verdict: 'DISCREPANCY' },
  SITE_UNOBSERVED: { code: 'SITE_UNOBSERVED', kind: 'site', id: 'site-b', verdict: 'INCOMPLETE' },
  SHIPMENT_NOT_DEPARTED: { code: 'SHIPMENT_NOT_DEPARTED', kind: 'shipment', id: 'sh-3', verdict: 'DISCREPANCY' },
  SHIPMENT_UNINSPECTED: { code: 'SHIPMENT_UNINSPECTED', kind: 'shipment', id: 'sh-3', verdict: 'INCOMPLETE' },
  INSPECTION_UNCORROBORATED: {
    code: 'INSPECTION_UNCORROBORATED',
    kind: 'inspection',
    id: 'insp-1',
    verdict: 'DISCREPANCY',
  },
  COUNT_MISMATCH: { code: 'COUNT_MISMATCH', kind: 'shipment', id: 'sh-1', verdict: 'DISCREPANCY' },
  INVENTORY_SHORTFALL: { code: 'INVENTORY_SHORTFALL', kind: 'case', id: 'strait', verdict: 'DISCREPANCY' },
  DARK_PERIOD: { code: 'DARK_PERIOD', kind: 'shipment', id: 'sh-2', verdict: 'DISCREPANCY' },
  UNDECLARED_ENCOUNTER: { code: 'UNDECLARED_ENCOUNTER', kind: 'shipment', id: 'sh-3', verdict: 'DISCREPANCY' },
  RESOLUTION_VIOLATION: {
    code: 'RESOLUTION_VIOLATION',
    kind: 'evidence',
    id: 'evidence/imagery/site-a-before.tif',
    verdict: 'DISCREPANCY',
  },
  COMMITMENT_MISMATCH: { code: 'COMMITMENT_MISMATCH', kind: 'lot', id: 'lot-a1', verdict: 'DISCREPANCY' },
  LOG_INCONSISTENT: { code: 'LOG_INCONSISTENT', kind: 'log', id: 'log', verdict: 'DISCREPANCY' },
};

/** Loads the case with src/case's loadCase when it is there, else checks the required fields by hand. */
async function checkManifest(dir: string): Promise<void> {
  let loadCase: ((d: string) => unknown) | undefined;
  try {
    const spec = '../src/case/index.js';
    loadCase = ((await import(spec)) as { loadCase?: (d: string) => unknown }).loadCase;
  } catch {
    loadCase = undefined;
  }
  if (loadCase) {
    await loadCase(dir);
    return;
  }
  const m = manifestOf(dir);
  assert.equal(m.format, 'tally/case/v1');
  for (const k of ['id', 'name', 'parties', 'inspectors', 'terms', 'geography', 'declarations', 'evidence'] as const)
    assert.ok(m[k] !== undefined, k);
  for (const p of m.parties) assert.match(p.public_key, /^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
  for (const l of m.declarations.lots) assert.match(l.root, /^[0-9a-f]{64}$/);
}

test('scenario names and violation codes', () => {
  assert.deepEqual(caseScenarioNames(), ['cuba-1962', 'strait']);
  assert.equal(VIOLATION_CODES.length, 12);
  assert.deepEqual([...VIOLATION_CODES].sort(), Object.keys(EXPECTED).sort());
  assert.throws(() => describeCase('atlantis'), /unknown case scenario "atlantis".*cuba-1962, strait/);
  assert.throws(() => describeCase('strait', { violate: ['NOPE'] }), /unknown violation "NOPE"/);
});

test('strait without violation: VERIFIED, no finding, fast, and the manifest loads', async () => {
  const r = await gen('strait');
  assert.equal(r.truth.verdict, 'VERIFIED');
  assert.deepEqual(r.truth.findings, []);
  assert.deepEqual(r.truth.funnel, { declared: 9, removed: 9, departed: 9, inspected: 9, left_zone: 9 });
  for (const v of [
    ...Object.values(r.truth.lots),
    ...Object.values(r.truth.shipments),
    ...Object.values(r.truth.sites),
  ])
    assert.equal(v, 'VERIFIED');
  assert.ok(r.ms < 5000, `generation took ${r.ms} ms`);
  const onDisk = JSON.parse(readFileSync(join(r.dir, 'truth.json'), 'utf8')) as Truth;
  assert.deepEqual(onDisk, r.truth);
  await checkManifest(r.dir);
  for (const f of [
    'case.yaml',
    'truth.json',
    'keys/operator.key',
    'geography/sites.geojson',
    'geography/ports.geojson',
    'geography/zone.geojson',
    'evidence/ais/freighters.nmea',
    'evidence/ais/background.csv',
    'evidence/reveals/lot-a1.json',
    'private/lot-a1.secrets.json',
  ]) {
    assert.ok(r.files.includes(f), f);
  }
  assert.ok(!r.files.some((f) => f.startsWith('log/')), 'no log directory: verify creates it');
});

for (const code of VIOLATION_CODES) {
  test(`strait --violate ${code}: the truth lists it with its subject`, async () => {
    const r = await gen('strait', [code]);
    const e = EXPECTED[code];
    assert.deepEqual(r.truth.violations, [code]);
    assert.deepEqual(
      r.truth.findings.map((f) => [f.code, f.subject.kind, f.subject.id]),
      [[e.code, e.kind, e.id]],
      JSON.stringify(r.truth.findings),
    );
    assert.equal(r.truth.verdict, e.verdict);
    await checkManifest(r.dir);
  });
}

test('seeded violations: funnels and part verdicts follow the rules', async () => {
  const f = async (c: string): Promise<Truth> => (await gen('strait', [c])).truth;
  // One item counted beyond sh-1's declaration is a surplus: each shipment counts at most what it declared.
  assert.deepEqual((await f('COUNT_MISMATCH')).funnel, {
    declared: 9,
    removed: 9,
    departed: 9,
    inspected: 9,
    left_zone: 9,
  });
  assert.deepEqual((await f('INVENTORY_SHORTFALL')).funnel, {
    declared: 10,
    removed: 10,
    departed: 9,
    inspected: 9,
    left_zone: 9,
  });
  assert.deepEqual((await f('SITE_NOT_CLEARED')).funnel.removed, 7);
  assert.deepEqual((await f('SITE_UNOBSERVED')).funnel.removed, 6);
  assert.deepEqual((await f('SHIPMENT_NOT_DEPARTED')).funnel, {
    declared: 9,
    removed: 9,
    departed: 6,
    inspected: 6,
    left_zone: 6,
  });
  assert.deepEqual((await f('INSPECTION_UNCORROBORATED')).funnel, {
    declared: 9,
    removed: 9,
    departed: 9,
    inspected: 5,
    left_zone: 9,
  });
  const site = await f('SITE_NOT_CLEARED');
  assert.equal(site.sites['site-a'], 'DISCREPANCY');
  assert.equal(site.lots['lot-a1'], 'DISCREPANCY');
  assert.equal(site.lots['lot-b'], 'VERIFIED');
  const unins = await f('SHIPMENT_UNINSPECTED');
  assert.equal(unins.shipments['sh-3'], 'INCOMPLETE');
  assert.equal(unins.lots['lot-b'], 'INCOMPLETE');
  const cm = await f('COMMITMENT_MISMATCH');
  assert.equal(cm.lots['lot-a1'], 'DISCREPANCY');
  assert.equal(cm.shipments['sh-1'], 'VERIFIED');
  const log = await f('LOG_INCONSISTENT');
  assert.ok(Object.values(log.lots).every((v) => v === 'VERIFIED'));
});

test('the same seed gives the same bytes; another seed other bytes', async () => {
  const a = await generateCase('strait', { out: fresh(), violate: ['UNDECLARED_ENCOUNTER'] });
  const b = await generateCase('strait', { out: fresh(), violate: ['UNDECLARED_ENCOUNTER'] });
  assert.deepEqual(a.files, b.files);
  for (const f of a.files) assert.equal(sha(join(a.dir, f)), sha(join(b.dir, f)), f);
  const c = await generateCase('strait', { out: fresh(), seed: 7 });
  assert.notEqual(sha(join(a.dir, 'evidence/ais/freighters.nmea')), sha(join(c.dir, 'evidence/ais/freighters.nmea')));
  assert.notEqual(sha(join(a.dir, 'keys/operator.key')), sha(join(c.dir, 'keys/operator.key')));
  assert.equal(c.truth.verdict, 'VERIFIED');
  // scale multiplies the background traffic
  const d1 = describeCase('strait');
  const d3 = describeCase('strait', { scale: 3 });
  const bg = (d: CaseDescription): number => d.tracks.filter((t) => t.role === 'background').length;
  assert.equal(bg(d3), 3 * bg(d1));
});

test('cuba-1962: the figures of November 1962', async () => {
  const r = await gen('cuba-1962');
  const t = r.truth;
  assert.ok(r.ms < 15_000, `generation took ${r.ms} ms`);
  assert.equal(t.scenario, 'cuba-1962');
  assert.equal(t.seed, 1962);
  assert.equal(t.verdict, 'DISCREPANCY');
  assert.deepEqual(
    t.findings.map((f) => [f.code, f.subject.kind, f.subject.id]),
    [
      ['COUNT_MISMATCH', 'shipment', 'sh-labinsk'],
      ['COUNT_MISMATCH', 'shipment', 'sh-leninsky-komsomol'],
      ['INVENTORY_SHORTFALL', 'case', 'cuba-1962'],
    ],
  );
  assert.deepEqual(t.funnel, { declared: 42, removed: 42, departed: 42, inspected: 40, left_zone: 40 });
  assert.equal(Object.keys(t.shipments).length, 9);
  assert.ok(Object.values(t.sites).every((v) => v === 'VERIFIED'));
  const m = manifestOf(r.dir);
  const ships = m.declarations.shipments;
  assert.equal(
    ships.reduce((a, s) => a + s.count, 0),
    42,
  );
  assert.equal(
    m.declarations.lots.reduce((a, l) => a + l.count, 0),
    42,
  );
  const byName = new Map(ships.map((s) => [s.vessel.name, s]));
  assert.equal(byName.get('BRATSK')?.count, 2);
  assert.equal(byName.get('BRATSK')?.port, 'mariel');
  assert.equal(byName.get('LABINSK')?.count, 2);
  assert.equal(byName.get('FIZIK KURCHATOV')?.port, 'casilda');
  for (const n of ['DIVNOGORSK', 'VOLGOLES', 'IVAN POLZUNOV', 'METALLURG ANOSOV', 'LENINSKY KOMSOMOL'])
    assert.ok(byName.has(n), n);
  // inspections: every ship, the historical times
  const d = describeCase('cuba-1962');
  const recs = d.inspections;
  for (const s of d.shipments)
    assert.ok(
      recs.some((x) => x.vessel_mmsi === s.vessel.mmsi),
      s.id,
    );
  const rec = (id: string) => recs.find((x) => x.id === id)!;
  assert.equal(new Date(rec('insp-bratsk').time).toISOString(), '1962-11-09T12:36:00.000Z');
  assert.equal(rec('insp-bratsk').kind, 'aircraft');
  assert.equal(new Date(rec('insp-kurchatov').time).toISOString(), '1962-11-10T20:00:00.000Z');
  assert.equal(rec('insp-kurchatov').inspector, 'uss-blandy');
  assert.equal(rec('insp-polzunov').inspector, 'uss-vesole');
  assert.equal(new Date(rec('insp-polzunov').time).toISOString().slice(0, 10), '1962-11-10');
  assert.equal(rec('insp-labinsk').observed_count, 0);
  const near = (id: string, lat: number, lon: number, day: string): void => {
    assert.ok(distanceM(rec(id).position, { lat, lon }) < 1000, `${id} at ${JSON.stringify(rec(id).position)}`);
    assert.equal(new Date(rec(id).time).toISOString().slice(0, 10), day);
  };
  near('insp-divnogorsk', 25.43, -60.32, '1962-11-09');
  near('insp-volgoles', 32.23, -77.62, '1962-11-09');
  assert.ok(m.notes && m.notes.some((x) => x.status === 'synthetic' && /AIS/.test(x.part)));
  assert.ok(m.notes.some((x) => x.status === 'reconstructed' && /ninth/.test(x.part)));
  await checkManifest(r.dir);
});

/** Every clean inspection is corroborated by the vessels' own paths (not only by the sent reports). */
function assertCorroborated(d: CaseDescription): void {
  const pathsOf = (mmsi: number) => d.tracks.filter((t) => t.vessel.mmsi === mmsi);
  for (const rec of d.inspections) {
    const vessel = pathsOf(rec.vessel_mmsi)[0];
    assert.ok(vessel, rec.id);
    const covers = (t: number, times: number[]): boolean => times[0] <= t && t <= times[times.length - 1];
    if (rec.kind === 'aircraft') {
      let best = Infinity;
      for (let t = rec.time - 30 * MINUTE_MS; t <= rec.time + 30 * MINUTE_MS; t += MINUTE_MS)
        if (covers(t, vessel.times)) best = Math.min(best, distanceM(vessel.path(t), rec.position));
      assert.ok(best <= 1000, `${rec.id}: the vessel passes ${best} m from the recorded position`);
    } else {
      const insp = d.inspectors.find((i) => i.id === rec.inspector);
      const own = pathsOf(insp?.mmsi as number)[0];
      assert.ok(own, `${rec.id}: inspector track`);
      let run = 0,
        longest = 0;
      for (let t = rec.time - 120 * MINUTE_MS; t <= rec.time + 120 * MINUTE_MS; t += MINUTE_MS) {
        const ok = covers(t, vessel.times) && covers(t, own.times) && distanceM(vessel.path(t), own.path(t)) <= 700;
        run = ok ? run + 1 : 0;
        longest = Math.max(longest, run - 1);
      }
      assert.ok(longest >= 30, `${rec.id}: alongside for ${longest} min`);
    }
    assert.ok(checkInspection(d, rec).corroborated, `${rec.id}: the sent reports corroborate it too`);
  }
}

test('every inspection of the clean cases is corroborated by the tracks', () => {
  assertCorroborated(describeCase('strait'));
  assertCorroborated(describeCase('cuba-1962'));
  // and the seeded one is not: 50 km off throughout
  const d = describeCase('strait', { violate: ['INSPECTION_UNCORROBORATED'] });
  const c = checkInspection(
    d,
    d.inspections.find((x) => x.id === 'insp-1')!,
  );
  assert.equal(c.corroborated, false);
  assert.equal(c.withAis, true);
});

async function assertScenesCount(dir: string, d: CaseDescription): Promise<void> {
  const sites = JSON.parse(readFileSync(join(dir, 'geography/sites.geojson'), 'utf8')) as GeoJsonCollection;
  const m = manifestOf(dir);
  const ic = m.terms.item_classes[0];
  for (const p of d.passes) {
    const raster = await readGeoTiff(join(dir, `evidence/imagery/${p.id}.tif`));
    assert.ok(raster.geo, p.id);
    const gsd = resolveGsd(raster.geo, raster.width, raster.height, undefined, p.id);
    assert.ok(Math.abs(gsd.x - p.gsd) < 1e-9, `${p.id}: GSD ${gsd.x}`);
    const feature = sites.features.find((f) => f.properties.id === p.site)!;
    const rings =
      feature.geometry.type === 'Polygon' ? feature.geometry.coordinates : feature.geometry.coordinates.flat();
    const mask = rasteriseRings(
      sitePixelRings([rings as [number, number][][]], raster.geo),
      raster.width,
      raster.height,
    );
    assert.ok(raster.width <= 1600 && raster.height <= 1600, `${p.id}: ${raster.width} × ${raster.height}`);
    const dets = detectObjects(raster, { gsd, lengthM: ic.length_m, widthM: ic.width_m, site: mask });
    assert.equal(dets.length, p.count, `${p.id}: ${dets.length} detected, ${p.count} on the ground`);
  }
}

test('the detector counts every rendered scene exactly (strait, cuba-1962, the seeded imagery)', async () => {
  for (const [name, v] of [
    ['strait', []],
    ['cuba-1962', []],
    ['strait', ['SITE_NOT_CLEARED']],
    ['strait', ['RESOLUTION_VIOLATION']],
  ] as [string, string[]][]) {
    const r = await gen(name, v);
    await assertScenesCount(r.dir, describeCase(name, { violate: v }));
  }
});

test('keys, commitments and reveals open; log keys and seeded tampering do not', async () => {
  const clean = await gen('strait');
  const m = manifestOf(clean.dir);
  const op = parseSignerKey(readFileSync(join(clean.dir, 'keys/operator.key'), 'utf8').trim());
  assert.equal(op.name, m.log?.origin);
  assert.equal(op.verifierKey(), m.log?.verifier_key);
  for (const p of m.parties) {
    assert.equal(
      parseSignerKey(readFileSync(join(clean.dir, `keys/${p.id}.key`), 'utf8').trim()).verifierKey(),
      p.public_key,
    );
    // The party's second key, for cosignatures (type 0x04), beside its signed-note key.
    assert.equal(
      parseCosignerKey(readFileSync(join(clean.dir, `keys/${p.id}.cosigner.key`), 'utf8').trim()).verifierKey(),
      p.cosigner_key,
    );
  }
  const ch = m.evidence.challenges![0];
  const lot = m.declarations.lots.find((l) => l.id === ch.lot)!;
  const rev = JSON.parse(readFileSync(join(clean.dir, ch.path), 'utf8')) as unknown;
  const opts = { root: lot.root, count: lot.count, seed: ch.seed, k: ch.k, seedCommitment: ch.seed_commitment };
  assert.deepEqual(checkReveal(rev, opts), []);
  const secrets = JSON.parse(readFileSync(join(clean.dir, `private/${lot.id}.secrets.json`), 'utf8')) as {
    root: string;
    count: number;
  };
  assert.equal(secrets.root, lot.root);

  const bad = await gen('strait', ['COMMITMENT_MISMATCH']);
  const mb = manifestOf(bad.dir);
  const chb = mb.evidence.challenges![0];
  const lotb = mb.declarations.lots.find((l) => l.id === chb.lot)!;
  assert.equal(lotb.root, lot.root, 'the declaration is unchanged; only the reveal is altered');
  const found = checkReveal(JSON.parse(readFileSync(join(bad.dir, chb.path), 'utf8')), {
    root: lotb.root,
    count: lotb.count,
    seed: chb.seed,
    k: chb.k,
  });
  assert.ok(
    found.some((f) => f.problem === 'DOES_NOT_OPEN'),
    JSON.stringify(found),
  );

  const wrong = await gen('strait', ['LOG_INCONSISTENT']);
  const mw = manifestOf(wrong.dir);
  const opw = parseSignerKey(readFileSync(join(wrong.dir, 'keys/operator.key'), 'utf8').trim());
  assert.equal(opw.verifierKey(), op.verifierKey());
  assert.notEqual(mw.log?.verifier_key, opw.verifierKey());
  assert.equal(mw.log?.verifier_key?.split('+')[0], mw.log?.origin);
});

test('the output directory: new or empty; a previous case only with force; anything else refused', async () => {
  const dir = fresh();
  await generateCase('strait', { out: dir });
  await assert.rejects(generateCase('strait', { out: dir }), CaseDirError);
  writeFileSync(join(dir, 'stale.txt'), 'x');
  const again = await generateCase('strait', { out: dir, force: true, violate: ['DARK_PERIOD'] });
  assert.ok(!again.files.includes('stale.txt'));
  assert.throws(() => readFileSync(join(dir, 'stale.txt')));
  const other = fresh();
  mkdirSync(other);
  writeFileSync(join(other, 'notes.txt'), 'mine');
  await assert.rejects(generateCase('strait', { out: other, force: true }), /does not hold a generated case/);
  assert.equal(readFileSync(join(other, 'notes.txt'), 'utf8'), 'mine');
});
