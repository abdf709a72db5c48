import { Json } from './types.js';
import { Count, OneSided, newCount } from './compare.js';

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

const pct = (c: Count): string =>
  c.compared === 0
    ? '-'
    : `${((100 * (c.agreed + c.cited)) / c.compared).toFixed(c.agreed + c.cited === c.compared ? 0 : 2)}%`;

export function sum(byField: Record<string, Count>): Count {
  const s = newCount();
  for (const c of Object.values(byField)) {
    s.compared += c.compared;
    s.agreed += c.agreed;
    s.cited += c.cited;
    s.disagreed += c.disagreed;
  }
  return s;
}

function countText(c: Count): string {
  return `${c.agreed + c.cited}/${c.compared}${c.cited ? ` (${c.cited} cited)` : ''}`;
}

export function fieldTable(out: string[], byType: Record<string, Record<string, Count>>, indent: string): void {
  out.push(
    `${indent}${'type'.padEnd(5)} ${'field'.padEnd(16)} ${'compared'.padStart(9)} ${'agreed'.padStart(9)} ${'cited'.padStart(6)} ${'differ'.padStart(7)} ${'agree%'.padStart(8)}`,
  );
  for (const type of Object.keys(byType)
    .map(Number)
    .sort((a, b) => a - b)) {
    const byField = byType[type];
    for (const f of Object.keys(byField).sort()) {
      const c = byField[f];
      out.push(
        `${indent}${String(type).padEnd(5)} ${f.padEnd(16)} ${String(c.compared).padStart(9)} ${String(c.agreed).padStart(9)} ${String(c.cited).padStart(6)} ${String(c.disagreed).padStart(7)} ${pct(c).padStart(8)}`,
      );
    }
  }
}

export function compactTypes(out: string[], byType: Record<string, Record<string, Count>>, indent: string): void {
  for (const type of Object.keys(byType)
    .map(Number)
    .sort((a, b) => a - b)) {
    const byField = byType[type];
    const all = sum(byField);
    const messages = byField.mmsi?.compared ?? 0;
    const partial = Object.entries(byField).filter(([, c]) => c.agreed + c.cited < c.compared);
    const citedFields = Object.entries(byField)
      .filter(([, c]) => c.cited > 0)
      .map(([f]) => f);
    let line = `${indent}type ${String(type).padEnd(2)} ${String(messages).padStart(6)} msgs  ${Object.keys(byField).length} fields  ${countText(all)} values  ${pct(all)}`;
    if (partial.length === 0)
      line += citedFields.length ? `  (all agree; cited: ${citedFields.join(', ')})` : '  (all agree)';
    else line += `  below 100%: ${partial.map(([f, c]) => `${f} ${countText(c)} ${pct(c)}`).join('; ')}`;
    out.push(line);
  }
}

export function oneSidedText(o: OneSided): string {
  const types = Object.entries(o.byType)
    .map(([t, n]) => `type ${t}: ${n}`)
    .join(', ');
  return `${o.count}${o.count ? ` (${types})` : ''}`;
}

export function show(v: Json | undefined): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}
