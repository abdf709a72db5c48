/**
 * What `tally case check` and `tally verify` run (declared in verify.ts).
 *
 * `tally case check CASE_DIR [--json]`: validates a case (manifest, geography,
 * inspection records, evidence files) without writing anything.
 *
 * `tally verify CASE_DIR [--out DIR] [--json] [--reproduce RESULTS] [-q]`:
 * records the case's inputs in its log, runs the custody chain and writes
 * results.json and report.html. With --reproduce, an auditor's check on a
 * folder holding only the log, the evidence and the public manifest:
 * nothing is written to the log, every evidence file is checked against its
 * logged hash, the results are recomputed and compared finding by finding
 * (exit 0 when they match, 1 when not).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CaseError,
  checkEvidenceParse,
  checkImageryResolution,
  loadCase,
  rejectRate,
  rejectReasons,
  type EvidenceParse,
} from '../case/index.js';
import { OperatorKeyError } from '../evidence/index.js';
import { KeyFileError, LeaseHeldError, parseVerifierKey } from '../ledger/index.js';
import { compareResults, resultsJson, verifyCase } from '../verify/index.js';
import { writeOutputs } from '../report/index.js';
import { CheckFailed, ExitStatus, UsageError } from './util.js';
import type { VerifyCliOptions } from './verify.js';
import { detectorThreadsFromEnvironment } from './imagery-common.js';

export async function caseCheckAction(dir: string, o: { json?: boolean }): Promise<void> {
  try {
    const c = loadCase(dir);
    await checkImageryResolution(c);
    const parsed = await checkEvidenceParse(c);
    const m = c.manifest;
    const ev = m.evidence;
    const summary = {
      ok: true,
      case: m.id,
      name: m.name,
      parties: m.parties.length,
      inspectors: m.inspectors.length,
      lots: m.declarations.lots.length,
      items: m.declarations.lots.reduce((a, l) => a + l.count, 0),
      shipments: m.declarations.shipments.length,
      evidence: {
        ais: ev.ais?.length ?? 0,
        imagery: ev.imagery?.length ?? 0,
        inspections: ev.inspections?.length ?? 0,
        documents: ev.documents?.length ?? 0,
        challenges: ev.challenges?.length ?? 0,
      },
      parsed: parsed.map((p) =>
        p.role === 'ais' ? { ...p, parse: { ...p.parse, reject_rate: Number(rejectRate(p.parse).toFixed(4)) } } : p,
      ),
    };
    process.stdout.write(
      o.json
        ? `${JSON.stringify(summary, null, 2)}\n`
        : `${c.manifestPath}: ok: case ${m.id} (${summary.lots} lots, ${summary.items} items, ${summary.shipments} shipments; evidence: ` +
            `${summary.evidence.ais} AIS, ${summary.evidence.imagery} imagery, ${summary.evidence.inspections} inspections, ${summary.evidence.documents} documents, ${summary.evidence.challenges} challenges)\n` +
            parsed.map(parsedLine).join(''),
    );
  } catch (e) {
    if (e instanceof CaseError) {
      if (o.json) process.stdout.write(`${JSON.stringify({ ok: false, issues: e.issues }, null, 2)}\n`);
      throw new UsageError(
        `${dir}: the case is not valid (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}):\n${e.message}`,
      );
    }
    throw e;
  }
}

/** One evidence file as its parser read it, for `case check`: what was rejected, why, and at what rate. */
function parsedLine(p: EvidenceParse): string {
  if (p.role === 'imagery') return `  ${p.path}: parsed: ${p.width} x ${p.height} pixels, ${p.bands} band(s)\n`;
  const x = p.parse;
  const rate = (rejectRate(x) * 100).toFixed(x.rejected && rejectRate(x) < 0.001 ? 3 : 1);
  return `  ${p.path}: parsed: ${x.accepted} message(s) accepted, ${x.rejected} rejected (${rate} %)${x.rejected ? `: ${rejectReasons(x)}` : ''}\n`;
}

export async function verifyAction(dir: string, o: VerifyCliOptions): Promise<void> {
  detectorThreadsFromEnvironment();
  const progress = o.quiet
    ? undefined
    : (msg: string): void => {
        process.stderr.write(`${msg}\n`);
      };
  let given: unknown;
  if (o.reproduce) {
    try {
      given = JSON.parse(readFileSync(o.reproduce, 'utf8')) as unknown;
    } catch (e) {
      throw new UsageError(`--reproduce ${o.reproduce}: cannot read the results to reproduce: ${(e as Error).message}`);
    }
  }
  const trustedKey = o.key === undefined ? undefined : verifierKeyArg(o.key);
  if (o.reproduce && trustedKey === undefined)
    throw new UsageError(
      `--reproduce needs the operator's verifier key: give it with --key KEY (name+id+base64, or a file holding it) from a source you trust; a key read from the case folder proves nothing to someone who does not trust that folder`,
    );
  const waitMs = waitArg(o.wait);
  let v;
  try {
    v = await verifyCase(dir, {
      readOnly: o.reproduce !== undefined,
      ...(trustedKey !== undefined ? { trustedKey } : {}),
      waitMs,
      ...(progress ? { progress } : {}),
    });
  } catch (e) {
    if (e instanceof CaseError)
      throw new UsageError(
        `${dir}: the case is not valid (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}); nothing was written:\n${e.message}`,
      );
    if (e instanceof OperatorKeyError) throw new UsageError(`${e.message}; nothing was written`);
    if (e instanceof KeyFileError) throw new UsageError(`${dir}: ${e.message}`);
    if (e instanceof LeaseHeldError)
      throw new ExitStatus(
        4,
        `${e.message}; still held after ${waitMs / 1000} s (--wait): nothing was written, try again when it is done`,
      );
    throw e;
  }
  const r = v.results;
  if (o.reproduce) {
    const cmp = compareResults(given, r);
    if (o.out) await writeOutputs(resolve(o.out), v);
    if (o.json) process.stdout.write(`${JSON.stringify({ match: cmp.match, items: cmp.items }, null, 2)}\n`);
    else {
      for (const i of cmp.items) {
        process.stdout.write(
          `${i.match ? 'match   ' : 'DIFFERS '} ${i.what}${i.match ? '' : `\n  given:      ${JSON.stringify(i.given)}\n  recomputed: ${JSON.stringify(i.recomputed)}`}\n`,
        );
      }
      process.stdout.write(
        `${cmp.match ? 'REPRODUCED' : 'NOT REPRODUCED'}: verdict ${r.verdict}, ${r.findings.length} finding(s), checkpoint ${r.checkpoint.size} ${r.checkpoint.root}\n`,
      );
    }
    if (!cmp.match)
      throw new CheckFailed(
        `the results in ${o.reproduce} are not reproduced from the logged evidence (${cmp.items.filter((i) => !i.match).length} difference(s))`,
      );
    return;
  }
  const out = resolve(o.out ?? join(v.case.dir, 'results'));
  const files = await writeOutputs(out, v);
  if (o.json) {
    process.stdout.write(resultsJson(r));
  } else {
    const f = r.funnel;
    process.stdout.write(
      `${r.case.name}: ${r.verdict}\n` +
        `  items: declared ${f.declared}, removed ${f.removed}, departed ${f.departed}, inspected ${f.inspected}, left the zone ${f.left_zone}\n` +
        `  ${r.findings.length} finding(s)${r.findings.length ? ':' : ''}\n` +
        r.findings.map((x) => `    ${x.code} ${x.subject.kind} ${x.subject.id}: ${x.message}\n`).join('') +
        `  log: ${r.checkpoint.origin} size ${r.checkpoint.size} root ${r.checkpoint.root}${v.appended ? ` (${v.appended} entries appended)` : ' (nothing appended)'}\n` +
        `  results: ${files.results}\n  report:  ${files.report}\n`,
    );
  }
  const status = VERDICT_STATUS[r.verdict];
  if (status !== 0) throw new ExitStatus(status);
}

/** `tally verify`'s exit status for each verdict (docs: the design's "Trust rests on the log's signed state only"). */
const VERDICT_STATUS: Record<string, number> = { VERIFIED: 0, DISCREPANCY: 1, INCOMPLETE: 3 };

/** A verifier key given inline (`name+id+base64`) or as a file holding one, checked. */
function verifierKeyArg(v: string): string {
  let text = v;
  if (!v.includes('+') || existsSync(v)) {
    try {
      text = readFileSync(v, 'utf8').trim();
    } catch (e) {
      throw new UsageError(`--key ${v}: neither a verifier key nor a readable file: ${(e as Error).message}`);
    }
  }
  try {
    parseVerifierKey(text);
  } catch (e) {
    throw new UsageError(`--key: not a signed-note verifier key (name+id+base64): ${(e as Error).message}`);
  }
  return text;
}

function waitArg(v: string | undefined): number {
  if (v === undefined) return 30_000;
  const s = Number(v);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || !Number.isFinite(s) || s > 86_400)
    throw new UsageError(`--wait: seconds from 0 to 86400, got ${JSON.stringify(v)}`);
  return Math.round(s * 1000);
}
