/**
 * Parsed text files that remember where every value came from, so that an
 * error names the file, the line and the field. YAML for the manifest; JSON
 * files (GeoJSON, inspection records, reveals) are parsed strictly as JSON
 * and located through the YAML parser (JSON is YAML 1.2).
 */
import { readFileSync } from 'node:fs';
import {
  isMap,
  isPair,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type ErrorCode,
  type Node,
} from 'yaml';

/**
 * How many nodes one alias may expand to. A case's manifest repeats a block
 * now and then (a shared provenance); a file that multiplies itself through
 * nested aliases is an attack on the reader's memory, refused early.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * How deep a manifest or record may nest. The deepest real structure is a
 * GeoJSON MultiPolygon inside the manifest (about 10 levels); every later
 * check walks the value recursively, so depth is bounded before any of them.
 */
export const MAX_DEPTH = 64;

/** What a YAML error means, in words that never quote the file (the parser's messages do). */
const YAML_REASONS: Partial<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'an alias cannot carry an anchor or a tag',
  BAD_ALIAS: 'an alias names no anchor set before it',
  BAD_DIRECTIVE: 'an unknown or malformed directive',
  BAD_DQ_ESCAPE: 'a bad escape in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'anchor and tag in the wrong order',
  BAD_SCALAR_START: 'a plain value cannot start with this character',
  BLOCK_AS_IMPLICIT_KEY: 'a block cannot be a key',
  BLOCK_IN_FLOW: 'a block inside a flow collection ([...] or {...})',
  DUPLICATE_KEY: 'a key is given twice in the same mapping',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a closing character is missing',
  MULTILINE_IMPLICIT_KEY: 'a key spans several lines',
  MULTIPLE_ANCHORS: 'several anchors on one node',
  MULTIPLE_DOCS: 'more than one document (a case is one)',
  MULTIPLE_TAGS: 'several tags on one node',
  NON_STRING_KEY: 'a key that is not a string',
  RESOURCE_EXHAUSTION: 'nested too deeply or too large to read',
  TAB_AS_INDENT: 'a tab used for indentation',
  TAG_RESOLVE_FAILED: 'a value does not fit its tag',
  UNEXPECTED_TOKEN: 'an unexpected character',
  BAD_COLLECTION_TYPE: 'a collection of the wrong kind for its tag',
};

/** What a JSON.parse error means, without the excerpt of the file it quotes. */
function jsonReason(msg: string): string {
  if (/Unexpected end/i.test(msg)) return 'the text ends too early';
  if (/Bad control character/i.test(msg)) return 'a control character inside a string';
  if (/Bad (escaped|Unicode escape)/i.test(msg)) return 'a bad escape in a string';
  if (/Unterminated string/i.test(msg)) return 'a string is not closed';
  if (/Expected property name/i.test(msg)) return 'expected a property name in double quotes';
  if (/Expected ':'/i.test(msg)) return "expected ':' after a property name";
  if (/Expected ','/i.test(msg)) return "expected ',' or a closing bracket";
  if (/after JSON/i.test(msg)) return 'more text after the JSON value';
  if (/Unexpected (token|character|number|string)/i.test(msg)) return 'an unexpected character';
  return 'malformed';
}

/**
 * What JSON can hold and nothing else: null, booleans, finite numbers,
 * strings, arrays and plain objects, nested at most MAX_DEPTH deep and
 * without cycles. YAML can also make infinities and NaN (`.inf`, `.nan`),
 * self-referencing aliases, and, under a `%YAML 1.1` directive, dates,
 * binaries and sets; JSON can overflow a number to infinity (`1e400`).
 * None of them is a term the stages can compute with, so each is refused
 * here, with its field, before the schema sees the value.
 */
function dataProblems(value: unknown): { path: FieldPath; message: string }[] {
  const out: { path: FieldPath; message: string }[] = [];
  const ancestors = new Set<object>();
  const walk = (v: unknown, path: FieldPath): boolean => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        out.push({
          path,
          message: `must be a finite number, got ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'infinity' : '-infinity'}`,
        });
      return out.length < MAX_REPORTED;
    }
    if (v === null || typeof v !== 'object') return true;
    if (path.length >= MAX_DEPTH) {
      out.push({ path, message: `nested too deeply to read (at most ${MAX_DEPTH} levels)` });
      return false;
    }
    if (ancestors.has(v)) {
      out.push({ path, message: 'an alias refers to a node that contains it (a cycle)' });
      return false;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      out.push({
        path,
        message: 'must be plain data (a timestamp, binary, set or other typed value is not accepted)',
      });
      return out.length < MAX_REPORTED;
    }
    ancestors.add(v);
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) if (!walk(x, [...path, k])) return false;
    ancestors.delete(v);
    return true;
  };
  walk(value, []);
  return out;
}

/** The deepest nesting of [ and { in a text, outside double-quoted strings (a bound, not a parse). */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (quoted) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) quoted = false;
    } else if (ch === 0x22) quoted = true;
    else if (ch === 0x5b || ch === 0x7b) max = Math.max(max, ++depth);
    else if ((ch === 0x5d || ch === 0x7d) && depth > 0) depth--;
  }
  return max;
}

/** At most this many data problems are listed for one file: the rest are of the same kind. */
const MAX_REPORTED = 20;

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
    const at = (line: number, message: string): CaseError =>
      new CaseError([{ file: display, line, field: '', message }]);
    // Refused before parsing: the YAML parser's time grows fast with nesting (seconds at a few thousand levels).
    if (bracketDepth(text) > MAX_DEPTH) throw at(0, `nested too deeply to read (at most ${MAX_DEPTH} levels)`);
    let doc: Document;
    try {
      doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    } catch (e) {
      // The parser recurses per level of nesting: a deep enough file exhausts the stack.
      if (e instanceof RangeError) throw at(0, `nested too deeply to read (at most ${MAX_DEPTH} levels)`);
      throw e;
    }
    if (kind === 'json') {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        const msg = (e as Error).message;
        if (e instanceof RangeError) throw at(0, `not valid JSON: nested too deeply to read`);
        const m = /position (\d+)/.exec(msg);
        const pos = m ? Number(m[1]) : doc.errors[0]?.pos[0];
        const line = pos !== undefined ? lines.linePos(pos).line : 1;
        // The parser's own message quotes the text around the error: only our words are shown, never the file's.
        throw at(
          line,
          `not valid JSON: ${jsonReason(msg)}${pos !== undefined ? ` (column ${lines.linePos(pos).col})` : ''}`,
        );
      }
      return new SourceFile(display, value, doc.errors.length ? null : doc, lines).checked();
    }
    if (doc.errors.length > 0) {
      throw new CaseError(
        doc.errors.map((err) => ({
          file: display,
          line: lines.linePos(err.pos[0]).line,
          field: '',
          message: `not valid YAML: ${YAML_REASONS[err.code] ?? 'malformed'} (column ${lines.linePos(err.pos[0]).col})`,
        })),
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    } catch (e) {
      if (e instanceof ReferenceError || e instanceof RangeError) {
        // yaml stops an alias that would expand past maxAliasCount nodes (a "billion laughs" file).
        // Named by the first alias, the field where the expansion starts.
        let first: FieldPath = [];
        visit(doc, {
          Alias(_, node, ancestors) {
            first = fieldPathOf([...ancestors, node]);
            return visit.BREAK;
          },
        });
        const src = new SourceFile(display, null, doc, lines);
        throw new CaseError([
          src.issue(
            first,
            e instanceof ReferenceError
              ? `its aliases expand to too many nodes (at most ${MAX_ALIAS_COUNT} per alias): the manifest is refused`
              : `nested too deeply to read (at most ${MAX_DEPTH} levels)`,
          ),
        ]);
      }
      throw e;
    }
    return new SourceFile(display, value, doc, lines).checked();
  }

  /** This file, or a CaseError for each value that is not plain, finite data (dataProblems). */
  private checked(): SourceFile {
    const problems = dataProblems(this.value);
    if (problems.length) throw new CaseError(problems.map((p) => this.issue(p.path, p.message)));
    return this;
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
    // A problem with the whole document (empty, or not a mapping) is at its top.
    const line = this.lineOf(path) || (path.length === 0 && this.doc ? 1 : 0);
    return { file: this.file, line, field: fieldName(path), message };
  }
}

/** The field path of the last node in a chain of YAML nodes from the document down. */
function fieldPathOf(chain: readonly unknown[]): FieldPath {
  const out: FieldPath = [];
  chain.forEach((n, i) => {
    if (isPair(n)) {
      const k = n.key as { value?: unknown } | null;
      out.push(String(k && typeof k === 'object' && 'value' in k ? k.value : k));
    } else if (isSeq(n)) {
      const at = n.items.indexOf(chain[i + 1] as never);
      if (at >= 0) out.push(at);
    }
  });
  return out;
}

function rangeLine(node: Node | null | undefined, lines: LineCounter): number {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r ? lines.linePos(r[0]).line : 0;
}
