/**
 * Stage 2 of the custody chain, per declared site: the items removed, as
 * imagery after the removal deadline shows it (within the resolution cap),
 * and the change against the last pass before it.
 */
import type { GeoJsonFeature, Lot } from '../../case/index.js';
import { isoTime, parseTime } from '../../case/index.js';
import { objectChanges } from '../../imagery/index.js';
import type { PassAnalysis } from '../imagery.js';
import type { Finding, ImageryPass, SiteResult } from '../types.js';
import { fmtM, round2, round4, round6, worst, type Chain } from './context.js';

/** Every declared site's result, in the order of the sites file; sites with nothing declared are skipped. */
export function siteResults(chain: Chain): SiteResult[] {
  const { c } = chain.inp;
  const lotsBySite = new Map<string, Lot[]>();
  for (const lot of c.manifest.declarations.lots) {
    const l = lotsBySite.get(lot.site) ?? [];
    l.push(lot);
    lotsBySite.set(lot.site, l);
  }
  const sites: SiteResult[] = [];
  for (const feature of c.geography.sites.features) {
    const lots = lotsBySite.get(feature.properties.id);
    if (!lots) continue; // a site with nothing declared at it has nothing to clear
    sites.push(siteResult(chain, feature, lots));
  }
  return sites;
}

function siteResult(chain: Chain, feature: GeoJsonFeature, lots: Lot[]): SiteResult {
  const { c, rec } = chain.inp;
  const m = c.manifest;
  const id = feature.properties.id;
  const declared = lots.reduce((a, l) => a + l.count, 0);
  const deadline = Math.max(...lots.map((l) => parseTime(l.removal_deadline ?? m.terms.removal_deadline)));
  const passes = (chain.inp.passes.get(id) ?? []).filter((p) => !rec.tampered.has(p.evidence.path));
  const mine: Finding[] = [];
  const passOut = passes.map((p) => passResult(chain, id, p, deadline, mine));
  const usable = passes.filter((p) => p.count !== null);
  const after = usable.filter((p) => p.timeMs >= deadline);
  const before = usable.filter((p) => p.timeMs < deadline);
  const lotRefs = lots.map((l) => chain.lotRef(l.id));
  let remaining: number | null = null;
  let removed = 0;
  if (after.length === 0) {
    const unusable = passes.filter((p) => p.timeMs >= deadline && p.count === null);
    mine.push(
      chain.add(
        'SITE_UNOBSERVED',
        { kind: 'site', id },
        '',
        `no usable imagery of ${feature.properties.name ?? id} after its removal deadline ${isoTime(deadline)}` +
          (unusable.length ? ` (${unusable.map((p) => `${p.evidence.path}: ${p.problem}`).join('; ')})` : ''),
        [...lotRefs, ...unusable.map((p) => chain.ref(p.evidence.path))],
        { details: { deadline: isoTime(deadline), declared } },
      ),
    );
  } else {
    const last = after[after.length - 1];
    remaining = last.count ?? 0;
    removed = Math.max(0, declared - remaining);
    if (remaining > 0) {
      const d = last.detections[0];
      mine.push(
        chain.add(
          'SITE_NOT_CLEARED',
          { kind: 'site', id },
          '',
          `imagery of ${feature.properties.name ?? id} on ${last.evidence.time}, after the removal deadline ${isoTime(deadline)}, still shows ${remaining} item(s) of the declared class (${declared} declared)`,
          [chain.ref(last.evidence.path), ...lotRefs],
          {
            time: last.timeMs,
            ...(d && d.lat !== null && d.lon !== null ? { position: { lat: d.lat, lon: d.lon } } : {}),
            details: { remaining, declared },
          },
        ),
      );
    }
  }
  return {
    id,
    name: feature.properties.name ?? id,
    verdict: worst(mine.map((f) => f.effect)),
    declared,
    remaining,
    removed,
    change: siteChange(chain, lots, before, after),
    passes: passOut,
    findings: mine.map((f) => f.id),
  };
}

/** One pass as the results list it; a pass finer than the cap raises RESOLUTION_VIOLATION (into `mine`). */
function passResult(chain: Chain, site: string, p: PassAnalysis, deadline: number, mine: Finding[]): ImageryPass {
  const T = chain.inp.c.terms;
  const phase = p.timeMs >= deadline ? 'after' : 'before';
  if (p.finerThanCap && p.resolutionM !== null) {
    mine.push(
      chain.add(
        'RESOLUTION_VIOLATION',
        { kind: 'evidence', id: p.evidence.path },
        '',
        `${p.evidence.path} (site ${site}, ${p.evidence.time}) was shared at ${fmtM(p.resolutionM)} GSD, finer than the agreed cap of ${fmtM(T.resolutionCapM)}; it was degraded to the cap before analysis`,
        [chain.ref(p.evidence.path)],
        { time: p.timeMs, details: { gsd_m: round4(p.resolutionM), cap_m: T.resolutionCapM, site } },
      ),
    );
  }
  chain.events.push({
    kind: 'imagery',
    start: isoTime(p.timeMs),
    end: isoTime(p.timeMs),
    lat: null,
    lon: null,
    mmsi: [],
    label: `${site}: ${p.count ?? '?'} item(s) seen (${phase} the deadline)`,
    subject: { kind: 'site', id: site },
  });
  return {
    evidence: chain.ref(p.evidence.path),
    time: isoTime(p.timeMs),
    gsd_m: round4(p.resolutionM ?? NaN),
    analysed_gsd_m: round4(p.analysedGsdM ?? NaN),
    covers_site: p.coversSite,
    count: p.count,
    phase,
    detections: p.detections.map((d) => ({
      lat: d.lat === null ? null : round6(d.lat),
      lon: d.lon === null ? null : round6(d.lon),
      length_m: round2(d.length_m),
      width_m: round2(d.width_m),
      heading_deg: round2(d.heading_deg),
      score: round2(d.score),
    })),
    ...(p.problem ? { problem: p.problem } : {}),
  };
}

/** Objects gone, new and kept between the last usable pass before the deadline and the first after it. */
function siteChange(chain: Chain, lots: Lot[], before: PassAnalysis[], after: PassAnalysis[]): SiteResult['change'] {
  if (!before.length || !after.length) return null;
  const T = chain.inp.c.terms;
  const b = before[before.length - 1];
  const a = after[0];
  const maxLen = Math.max(...lots.map((l) => T.itemClasses.get(l.item_class)?.length_m[1] ?? 20));
  const ch = objectChanges(b.detections, a.detections, maxLen / 2, { gsdM: b.analysedGsdM ?? 1 });
  return {
    before: b.evidence.path,
    after: a.evidence.path,
    disappeared: ch.removed.length,
    appeared: ch.added.length,
    persisted: ch.matched.length,
  };
}
