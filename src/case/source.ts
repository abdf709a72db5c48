/**
 * Parsed text files that remember where every value came from, so that an
 * error names the file, the line and the field. YAML for the manifest; JSON
 * files (GeoJSON, inspection records, reveals) are parsed strictly as JSON
 * and located through the YAML parser (JSON is YAML 1.2).
 */
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

/** One problem with a case, located. */
export interface CaseIssue {
  file: string;
  /** 1-based; 0 when the problem is not at a place in the file (a missing file). */
  line: number;
  /** JSON-pointer-like path of the field, e.g. `declarations.lots[2].site`; '' for the whole file. */
  field: string;
  message: string;
}

export function formatIssue(i: CaseIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}` : i.file;
  return i.field ? `${where}: ${i.field}: ${i.message}` : `${where}: ${i.message}`;
}

/** A case that cannot be used as it is: every problem found, each located. */
export class CaseError extends Error {
  override name = 'CaseError';
  constructor(readonly issues: CaseIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

export type FieldPath = (string | number)[];

export function fieldName(path: FieldPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/** A parsed file and the map from field paths to lines. */
export class SourceFile {
  private constructor(
    readonly file: string,
    readonly value: unknown,
    private readonly doc: Document | null,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Reads and parses `path` (YAML, or JSON when `json`); `display` names it in
   * errors. Syntax errors become a CaseError with the line.
   */
  static read(path: string, display: string, kind: 'yaml' | 'json'): SourceFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CaseError([
        {
          file: display,
          line: 0,
          field: '',
          message: code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`,
        },
      ]);
    }
    return SourceFile.parse(text, display, kind);
  }

  static parse(text: string, display: string, kind: 'yaml' | 'json'): SourceFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (kind === 'json') {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        const msg = (e as Error).message;
        const m = /position (\d+)/.exec(msg);
        const line = m
          ? lines.linePos(Number(m[1])).line
          : doc.errors[0]
            ? lines.linePos(doc.errors[0].pos[0]).line
            : 1;
        throw new CaseError([
          { file: display, line, field: '', message: `not valid JSON: ${msg.replace(/^JSON\.parse: /, '')}` },
        ]);
      }
      return new SourceFile(display, value, doc.errors.length ? null : doc, lines);
    }
    if (doc.errors.length > 0) {
      throw new CaseError(
        doc.errors.map((err) => ({
          file: display,
          line: lines.linePos(err.pos[0]).line,
          field: '',
          message: `not valid YAML: ${err.message.split('\n')[0]}`,
        })),
      );
    }
    return new SourceFile(display, doc.toJS({ maxAliasCount: 100 }) as unknown, doc, lines);
  }

  /** The line of the deepest node found along `path` (the field itself, or its nearest parent that exists). */
  lineOf(path: FieldPath): number {
    if (!this.doc) return 0;
    let node: unknown = this.doc.contents;
    let best = rangeLine(node as Node | null, this.lines);
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => {
          const k = p.key as { value?: unknown } | null;
          return (k && typeof k === 'object' && 'value' in k ? k.value : k) === key;
        });
        if (!pair) break;
        const keyLine = rangeLine(pair.key as Node | null, this.lines);
        if (keyLine) best = keyLine;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        if (node === undefined) break;
        const l = rangeLine(node as Node, this.lines);
        if (l) best = l;
      } else break;
    }
    return best;
  }

  issue(path: FieldPath, message: string): CaseIssue {
    return { file: this.file, line: this.lineOf(path), field: fieldName(path), message };
  }
}

function rangeLine(node: Node | null | undefined, lines: LineCounter): number {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r ? lines.linePos(r[0]).line : 0;
}
