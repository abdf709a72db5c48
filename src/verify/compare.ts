/**
 * The auditor's comparison: results someone published against the results
 * recomputed from the logged evidence, finding by finding. Everything but
 * `generated_at` and the tool's version must match.
 */
import canonicalize from 'canonicalize';
import type { Finding, Results } from './types.js';

export interface Comparison {
  match: boolean;
  /** One line per item compared: what, and whether it matches. */
  items: { what: string; match: boolean; given?: unknown; recomputed?: unknown }[];
}

const same = (a: unknown, b: unknown): boolean => canonicalize(a) === canonicalize(b);

function findingView(f: Finding): unknown {
  return {
    code: f.code,
    effect: f.effect,
    subject: f.subject,
    message: f.message,
    evidence: f.evidence,
    time: f.time,
    position: f.position,
    details: f.details,
  };
}

export function compareResults(given: unknown, again: Results): Comparison {
  const items: Comparison['items'] = [];
  const g = (typeof given === 'object' && given !== null ? given : {}) as Partial<Results>;
  const check = (what: string, a: unknown, b: unknown): void => {
    const ok = same(a, b);
    items.push(ok ? { what, match: true } : { what, match: false, given: a, recomputed: b });
  };
  check('schema', g.schema, again.schema);
  check('case', g.case, again.case);
  check('verdict', g.verdict, again.verdict);
  // The tree the results were computed at; cosignatures added since do not change it.
  const tree = (cp: Partial<Results['checkpoint']> | undefined): unknown =>
    cp ? { origin: cp.origin, size: cp.size, root: cp.root } : null;
  check('checkpoint', tree(g.checkpoint), tree(again.checkpoint));
  check('funnel', g.funnel, again.funnel);
  const gf = new Map((Array.isArray(g.findings) ? g.findings : []).map((f) => [f.id, f]));
  const af = new Map(again.findings.map((f) => [f.id, f]));
  for (const id of [...new Set([...gf.keys(), ...af.keys()])].sort()) {
    const a = gf.get(id);
    const b = af.get(id);
    if (!a) items.push({ what: `finding ${id}`, match: false, given: null, recomputed: b?.message });
    else if (!b) items.push({ what: `finding ${id}`, match: false, given: a.message, recomputed: null });
    else check(`finding ${id}`, findingView(a), findingView(b));
  }
  for (const part of ['lots', 'shipments', 'sites'] as const) {
    const gp = new Map(((Array.isArray(g[part]) ? g[part] : []) as { id: string }[]).map((x) => [x.id, x]));
    for (const x of again[part] as { id: string }[]) check(`${part.slice(0, -1)} ${x.id}`, gp.get(x.id) ?? null, x);
    for (const id of gp.keys())
      if (!(again[part] as { id: string }[]).some((x) => x.id === id))
        items.push({ what: `${part.slice(0, -1)} ${id}`, match: false, given: id, recomputed: null });
  }
  check('evidence', g.evidence, again.evidence);
  check('terms', g.terms, again.terms);
  return { match: items.every((i) => i.match), items };
}
