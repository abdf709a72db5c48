/**
 * Escaping and anchors. Every string in a report input comes from files that
 * a party submitted (names, messages, paths), so nothing reaches the HTML
 * without going through `esc`.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A number for SVG coordinates: 0.1 px is finer than any screen needs and keeps the file small. */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Letters, digits, '-' and '_' only, so that the id is also a plain CSS selector. */
function sanitise(id: string): string {
  const s = id.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'x' : s;
}

/**
 * Anchor ids for findings. Two finding ids may sanitise to the same string
 * (`a:b` and `a/b`); the later one gets a numeric suffix, so anchors stay
 * unique and deterministic for the same input order.
 */
export class Anchors {
  private readonly byId = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(
    private readonly prefix: string,
    ids: Iterable<string> = [],
  ) {
    for (const id of ids) this.of(id);
  }

  /** The anchor of `id` (without '#'), allocating it on first use. */
  of(id: string): string {
    const known = this.byId.get(id);
    if (known !== undefined) return known;
    const base = `${this.prefix}${sanitise(id)}`;
    let anchor = base;
    for (let n = 2; this.used.has(anchor); n++) anchor = `${base}-${n}`;
    this.used.add(anchor);
    this.byId.set(id, anchor);
    return anchor;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }
}

/** The anchor of a piece of evidence: its SHA-256 when it is one, else a sanitised form. */
export function evidenceAnchor(sha256: string): string {
  return /^[0-9a-f]{64}$/i.test(sha256) ? `evidence-${sha256.toLowerCase()}` : `evidence-${sanitise(sha256)}`;
}

/** A long hash shortened for tables; the full value stays in the title. */
export function abbreviate(hash: string, keep = 12): string {
  return hash.length > keep + 1 ? `${hash.slice(0, keep)}…` : hash;
}
