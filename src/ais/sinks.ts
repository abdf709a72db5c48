/**
 * Where decoded messages go: the columnar batch, plain objects, JSONL or CSV
 * text. Each sink reads the decoder's reused message and keeps only what it
 * needs, so the decoder itself never allocates per message.
 */
import type { AisMessage, MessageSink } from './decoder.js';
import { compiledLayouts } from './decoder.js';
import { PositionColumnsBuilder, type StaticReport } from './batch.js';
import type { AisRecord } from './types.js';

/** Fills position columns and the list of static reports. */
export class BatchSink implements MessageSink {
  readonly positions: PositionColumnsBuilder;
  readonly statics: StaticReport[] = [];

  constructor(capacity?: number) {
    this.positions = new PositionColumnsBuilder(capacity);
  }

  message(m: AisMessage): void {
    const l = m.layout;
    if (!l) return;
    const v = m.v;
    const p = l.pos;
    if (p.lat >= 0) {
      this.positions.push(
        m.time,
        m.mmsi,
        v[p.lat],
        v[p.lon],
        p.speed >= 0 ? v[p.speed] : NaN,
        p.course >= 0 ? v[p.course] : NaN,
        p.heading >= 0 ? v[p.heading] : NaN,
        m.type,
        p.status >= 0 ? v[p.status] : 255,
      );
    }
    if (l.staticReport) this.statics.push(l.staticReport(v, m.t, m.time, m.mmsi, m.type));
  }
}

/** Collects plain records (for tests and small inputs). */
export class RecordSink implements MessageSink {
  readonly records: AisRecord[] = [];
  message(m: AisMessage): void {
    this.records.push(m.toRecord());
  }
}

/** Calls back with a plain record per message. */
export class CallbackSink implements MessageSink {
  constructor(private readonly fn: (r: AisRecord) => void) {}
  message(m: AisMessage): void {
    this.fn(m.toRecord());
  }
}

/** Text output collected into large chunks before each write. */
abstract class TextSink implements MessageSink {
  private buf = '';
  constructor(
    private readonly write: (s: string) => void,
    private readonly chunk = 1 << 16,
  ) {}
  abstract message(m: AisMessage): void;
  protected out(s: string): void {
    this.buf += s;
    if (this.buf.length >= this.chunk) this.flush();
  }
  flush(): void {
    if (this.buf.length) {
      this.write(this.buf);
      this.buf = '';
    }
  }
}

export class JsonlSink extends TextSink {
  message(m: AisMessage): void {
    this.out(m.toJson() + '\n');
  }
}

/** Every column any message can have, in a fixed order: the CSV header. */
export function csvColumns(): string[] {
  const cols = ['type', 'repeat', 'mmsi', 'time', 'station'];
  const seen = new Set(cols);
  for (const l of compiledLayouts()) {
    for (const c of l.columns) {
      if (!seen.has(c)) {
        seen.add(c);
        cols.push(c);
      }
    }
  }
  for (const c of ['payload', 'bits']) cols.push(c);
  return cols;
}

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export class CsvSink extends TextSink {
  readonly columns = csvColumns();
  constructor(write: (s: string) => void) {
    super(write);
    this.out(this.columns.join(',') + '\n');
  }
  message(m: AisMessage): void {
    this.record(m.toRecord());
  }
  record(r: AisRecord): void {
    let line = '';
    for (let k = 0; k < this.columns.length; k++) {
      if (k) line += ',';
      line += csvField(r[this.columns[k]]);
    }
    this.out(line + '\n');
  }
}
