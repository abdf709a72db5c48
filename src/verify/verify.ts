/**
 * Tally's main job: a case in, findings and verdicts out. Order matters: the
 * case is checked whole before anything is written; every input is logged
 * before it is used; the results cite each piece of evidence by its SHA-256
 * and its index in the log.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CaseError,
  checkEvidenceParse,
  checkImageryResolution,
  loadCase,
  parseTime,
  termsJson,
  type LoadedCase,
} from '../case/index.js';
import { collectEvidence, keyName, operatorKeyPath, operatorVerifierKey, recordEvidence } from '../evidence/index.js';
import type { Tracks } from '../tracks/index.js';
import { caseTracks, polygonIndex, type CaseTracks } from './ais.js';
import { runChain } from './custody/index.js';
import { analysePass, type PassAnalysis } from './imagery.js';
import { RESULTS_SCHEMA, type CustodyEvent, type EvidenceRef, type Results } from './types.js';

export interface VerifyOptions {
  /** An auditor's reproduction: append nothing, sign nothing, need no signing key. */
  readOnly?: boolean;
  /**
   * The operator's verifier key, from the command line or a source the
   * caller trusts (never the case folder): required read-only; when given
   * to a writing run, it must be the operator key file's. A manifest that
   * pins another key is refused.
   */
  trustedKey?: string;
  /** How long to wait for another writer to release the case's log, in milliseconds (default 0). */
  waitMs?: number;
  progress?: (msg: string) => void;
}

/** One imagery pass as the verification used it: its analysis and the evidence it cites. */
export interface VerifiedPass {
  site: string;
  pass: PassAnalysis;
  evidence: EvidenceRef;
  /** Before or after the site's removal deadline. */
  phase: 'before' | 'after';
}

/**
 * A verification: the results, and what they were computed from, for the
 * report to draw (it takes these and never computes a finding itself).
 */
export interface Verification {
  case: LoadedCase;
  results: Results;
  /** Entries appended to the log by this run. */
  appended: number;
  /** The tracks decoded from the case's AIS (tampered files left out); null without AIS. */
  tracks: Tracks | null;
  /** The AIS files the tracks come from, with their hashes. */
  aisSources: { path: string; sha256: string }[];
  /** The custody chain's events (departures, inspections, rendezvous, dark periods, meetings, passes), in time order. */
  events: CustodyEvent[];
  /** Each imagery pass analysed, site by site, in time order. */
  passes: VerifiedPass[];
}

export function tallyVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Verifies the case in DIR. Throws CaseError (before writing anything) when the case is not usable. */
export async function verifyCase(dir: string, opts: VerifyOptions = {}): Promise<Verification> {
  const say = opts.progress ?? ((): void => undefined);
  const c = loadCase(dir);
  await checkImageryResolution(c); // reads imagery headers: refused before anything is appended
  await checkEvidenceParse(c); // evidence that does not parse at all would be logged for good: refused here
  const trustedKey = checkOperatorKey(c, opts);
  say(
    `case ${c.manifest.id}: ${c.manifest.declarations.lots.length} lots, ${c.manifest.declarations.shipments.length} shipments, ${c.inspections.length} inspection records`,
  );
  const items = await collectEvidence(c);
  say(`hashed ${items.length} input files`);
  const rec = await recordEvidence(c, items, {
    readOnly: opts.readOnly ?? false,
    trustedKey,
    waitMs: opts.waitMs ?? 0,
    progress: say,
  });
  const byPath = new Map(items.map((i) => [i.path, i]));

  // AIS -> tracks.
  const aisFiles = (c.manifest.evidence.ais ?? []).map((e) => e.path).filter((p) => !rec.tampered.has(p));
  let ais: CaseTracks | null = null;
  if (aisFiles.length) {
    ais = await caseTracks(
      aisFiles.map((p) => ({ path: p, abs: join(c.dir, p) })),
      c.terms.params,
    );
    say(`AIS: ${ais.messages} messages (${ais.rejected} rejected), ${ais.tracks.mmsi.length} vessels`);
  }
  const ports = polygonIndex(c.geography.ports, 'ports');
  const zone = polygonIndex(c.geography.zone, 'zone');

  // Imagery -> counts per site and pass.
  const passes = new Map<string, PassAnalysis[]>();
  const siteFeature = new Map(c.geography.sites.features.map((f) => [f.properties.id, f]));
  const classesAt = new Map<string, Set<string>>();
  for (const l of c.manifest.declarations.lots) {
    const s = classesAt.get(l.site) ?? new Set<string>();
    s.add(l.item_class);
    classesAt.set(l.site, s);
  }
  const imagery = (c.manifest.evidence.imagery ?? []).filter((e) => !rec.tampered.has(e.path));
  for (const e of imagery) {
    const site = siteFeature.get(e.site)!;
    const classes = [...(classesAt.get(e.site) ?? [])].map((id) => c.terms.itemClasses.get(id)!).filter(Boolean);
    if (!classes.length) continue;
    const p = await analysePass(join(c.dir, e.path), e, site, classes, c.terms.resolutionCapM, parseTime(e.time));
    const l = passes.get(e.site) ?? [];
    l.push(p);
    passes.set(e.site, l);
    say(
      `imagery ${e.path}: ${p.count ?? 'not usable'}${p.count !== null ? ' item(s)' : ''}${p.problem ? ` (${p.problem})` : ''}`,
    );
  }
  for (const l of passes.values())
    l.sort((a, b) => a.timeMs - b.timeMs || a.evidence.path.localeCompare(b.evidence.path));

  const chain = runChain({ c, items: byPath, rec, ais, aisFiles, ports, zone, passes });

  const manifestItem = byPath.get(c.manifestPath)!;
  const results: Results = {
    schema: RESULTS_SCHEMA,
    tally: tallyVersion(),
    case: {
      id: c.manifest.id,
      name: c.manifest.name,
      manifest: {
        sha256: manifestItem.sha256,
        log_index: rec.evidenceIndex.get(c.manifestPath) ?? null,
        path: c.manifestPath,
      },
    },
    verdict: chain.verdict,
    checkpoint: rec.checkpoint ?? { origin: '', size: 0, root: '', note: '', cosigned_by: [] },
    funnel: chain.funnel,
    findings: chain.findings,
    lots: chain.lots,
    shipments: chain.shipments,
    sites: chain.sites,
    evidence: items.map((i) => ({
      sha256: i.sha256,
      log_index: rec.evidenceIndex.get(i.path) ?? null,
      path: i.path,
      role: i.role,
      name: i.path.split('/').pop()!,
      // What the decoder rejected in the AIS it used (tampered files are not decoded, so have none).
      ...(ais?.parseByFile.has(i.path) ? { parse: ais.parseByFile.get(i.path)! } : {}),
    })),
    terms: termsJson(c.manifest.terms),
  };

  // What the results were computed from, for the report to draw: each pass analysed with the evidence it cites.
  const analysed: VerifiedPass[] = [];
  for (const [site, list] of passes) {
    const res = chain.sites.find((s) => s.id === site);
    for (const p of list) {
      if (rec.tampered.has(p.evidence.path)) continue;
      const item = byPath.get(p.evidence.path)!;
      analysed.push({
        site,
        pass: p,
        evidence: { sha256: item.sha256, log_index: rec.evidenceIndex.get(item.path) ?? null, path: item.path },
        phase: res ? (res.passes.find((x) => x.evidence.path === item.path)?.phase ?? 'before') : 'before',
      });
    }
  }
  return {
    case: c,
    results,
    appended: rec.appended,
    tracks: ais ? ais.tracks : null,
    aisSources: ais ? aisFiles.map((p) => ({ path: p, sha256: byPath.get(p)!.sha256 })) : [],
    events: chain.events,
    passes: analysed,
  };
}

/**
 * The operator key the verification trusts: the caller's (read-only), or
 * the operator key file's (writing; never created here). A manifest that
 * pins another key than the caller's is refused, as is a caller's key that
 * is not the key file's: someone who can write the folder can write the
 * manifest too, so the manifest's key only has to agree.
 */
function checkOperatorKey(c: LoadedCase, opts: VerifyOptions): string {
  let key: string;
  if (opts.readOnly) {
    if (opts.trustedKey === undefined)
      throw new Error('verifyCase: a reproduction needs the operator key from the caller (trustedKey)');
    key = opts.trustedKey;
  } else {
    key = operatorVerifierKey(c);
    if (opts.trustedKey !== undefined && opts.trustedKey !== key)
      throw new CaseError([
        {
          file: operatorKeyPath(c),
          line: 0,
          field: '',
          message: `the operator key file's verifier key is ${keyName(key)}, not the key given (${keyName(opts.trustedKey)})`,
        },
      ]);
  }
  const pinned = c.manifest.log?.verifier_key;
  if (opts.readOnly && pinned !== undefined && pinned !== key)
    throw new CaseError([
      {
        file: c.manifestPath,
        line: 0,
        field: 'log.verifier_key',
        message: `the manifest pins the operator key ${keyName(pinned)}, but the key given is ${keyName(key)}: refused (the manifest is in the folder being checked; the key given is what is trusted)`,
      },
    ]);
  return key;
}

export function resultsJson(r: Results): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
