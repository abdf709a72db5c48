/**
 * The readers of AIS input: one NMEA or CSV file or stream through the
 * decoder into a sink, as records, rows or columns. `index.ts` lists what
 * the stage offers; this is where an input line enters it.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { AisDecoder, type AisMessage, type DecoderOptions, type MessageSink } from './decoder.js';
import { BatchSink, CallbackSink, CsvSink, JsonlSink, RecordSink } from './sinks.js';
import type { AisBatch } from './batch.js';
import { AisCsvReader, detectCsvDialect, isCsvReject, type CsvRow } from './csv.js';
import { AisInputError, type AisRecord, type DecodeStats, type Reject } from './types.js';
import { CsvBatchRouter, CsvStaticTracker } from './csv-batch.js';

export interface DecodeOptions {
  /** Only these message types (NMEA input; CSV rows are always kept). */
  types?: ReadonlySet<number> | null;
  /** Throw at the first rejected line, naming file and line. */
  strict?: boolean;
  /** Each reject, after it is counted. */
  onReject?: (r: Reject) => void;
  /** Name for errors when the input is not a named file. */
  file?: string;
}

/** A sink that also takes CSV rows. */
export interface RowSink extends MessageSink {
  csvRow?(row: CsvRow): void;
}

/**
 * Reads one input (NMEA or CSV, told apart by its first line) into a decoder
 * and sink. Kept as a class so that several files share one decoder and one
 * set of totals.
 */
export class AisReader {
  readonly decoder: AisDecoder;
  private csv: AisCsvReader | null = null;
  private skipFile = false;
  private csvRows = 0;

  constructor(
    private readonly sink: RowSink,
    opts: DecodeOptions = {},
  ) {
    const decoderOpts: DecoderOptions = {
      file: opts.file ?? '-',
      types: opts.types ?? null,
      strict: opts.strict ?? false,
      onOtherLine: (line, lineNo) => this.otherLine(line, lineNo),
    };
    if (opts.onReject) decoderOpts.onReject = opts.onReject;
    this.decoder = new AisDecoder(sink, decoderOpts);
  }

  /** Start the next file. */
  file(name: string): void {
    this.decoder.nextFile(name);
    this.csv = null;
    this.skipFile = false;
  }

  write(chunk: Uint8Array): void {
    this.decoder.write(chunk);
  }

  end(): void {
    this.decoder.end();
  }

  get stats(): DecodeStats {
    const s = this.decoder.stats;
    if (this.csvRows) {
      s.messages += this.csvRows;
      s.byType[0] = this.csvRows;
    }
    return s;
  }

  /** Lines the NMEA framer does not take: a CSV header, CSV rows, or comments. */
  private otherLine(line: string, lineNo: number): boolean {
    if (this.skipFile) return true;
    if (this.csv) {
      const r = this.csv.parse(line, lineNo);
      if (isCsvReject(r)) this.decoder.rejectFrom(r);
      else {
        this.csvRows++;
        if (this.sink.csvRow) this.sink.csvRow(r);
      }
      return true;
    }
    // The first non-blank line decides: a CSV header, or NMEA.
    if (this.decoder.contentLineCount === 1 && looksLikeCsvHeader(line)) {
      if (detectCsvDialect(line)) {
        try {
          this.csv = new AisCsvReader(this.decoder.fileName, line, lineNo);
          return true;
        } catch (e) {
          if (!(e instanceof AisInputError)) throw e;
          this.skipFile = true;
          this.decoder.skipRestOfFile();
          this.decoder.rejectFrom(e.reject);
          return true;
        }
      }
      // A CSV whose header is not a known layout: the whole file is skipped.
      this.skipFile = true;
      this.decoder.skipRestOfFile();
      this.decoder.rejectFrom({
        reason: 'csv_bad_header',
        file: this.decoder.fileName,
        line: lineNo,
        detail: `expected a MarineCadastre (MMSI,BaseDateTime,LAT,LON,...) or DMA (# Timestamp,Type of mobile,MMSI,...) header, got ${JSON.stringify(line.slice(0, 80))}`,
      });
      return true;
    }
    return false;
  }
}

function looksLikeCsvHeader(line: string): boolean {
  return /mmsi/i.test(line) && line.split(',').length >= 4;
}

/**
 * Sinks that take CSV rows too.
 *
 * Statics rule of the batch: a CSV row's StaticReport is pushed only when its
 * static fields differ from the last StaticReport pushed for the same MMSI
 * (an NMEA static report for that MMSI counts as different). CSV layouts
 * repeat the vessel's statics on every row; the track stage keeps only the
 * latest per vessel. The fast CSV path (csv-batch.ts) shares `csvStatics`,
 * so both paths push the same reports.
 */
export class BatchRowSink extends BatchSink implements RowSink {
  readonly csvStatics = new CsvStaticTracker();

  override message(m: AisMessage): void {
    const n = this.statics.length;
    super.message(m);
    if (this.statics.length !== n) this.csvStatics.forget(m.mmsi);
  }

  csvRow(row: CsvRow): void {
    if (row.hasPosition) {
      const r = row.record;
      const num = (x: unknown): number => (typeof x === 'number' ? x : NaN);
      this.positions.push(
        row.timeMs,
        r.mmsi,
        num(r.lat),
        num(r.lon),
        num(r.speed),
        num(r.course),
        num(r.heading),
        0,
        typeof r.status === 'number' ? r.status : 255,
      );
    }
    if (row.static && this.csvStatics.offer(row.static)) this.statics.push(row.static);
  }
}

export class RecordRowSink extends RecordSink implements RowSink {
  csvRow(row: CsvRow): void {
    this.records.push(row.record);
  }
}

export class JsonlRowSink extends JsonlSink implements RowSink {
  csvRow(row: CsvRow): void {
    this.out(JSON.stringify(row.record) + '\n');
  }
}

export class CsvRowSink extends CsvSink implements RowSink {
  csvRow(row: CsvRow): void {
    this.record(row.record);
  }
}

export class CallbackRowSink extends CallbackSink implements RowSink {
  constructor(private readonly cb: (r: AisRecord) => void) {
    super(cb);
  }
  csvRow(row: CsvRow): void {
    this.cb(row.record);
  }
}

/** Decode a whole text (tests, small inputs): records, totals and every reject. */
export function decodeText(
  text: string,
  opts: DecodeOptions = {},
): { records: AisRecord[]; stats: DecodeStats; rejects: Reject[] } {
  const sink = new RecordRowSink();
  const rejects: Reject[] = [];
  const reader = new AisReader(sink, {
    ...opts,
    onReject: (r) => {
      rejects.push(r);
      opts.onReject?.(r);
    },
  });
  reader.write(Buffer.from(text, 'latin1'));
  reader.end();
  return { records: sink.records, stats: reader.stats, rejects };
}

/**
 * Decode a buffer into columns of typed arrays. A CSV input (first content
 * line a known header) takes the byte-level fast path of csv-batch.ts, with
 * results identical to the string path; NMEA goes to the decoder.
 */
export function decodeBatchBuffer(buf: Uint8Array, opts: DecodeOptions = {}): AisBatch & { stats: DecodeStats } {
  const sink = new BatchRowSink(Math.max(1024, buf.length >> 6));
  const reader = new AisReader(sink, opts);
  // --- CSV batch fast path: the router sends CSV to csv-batch.ts, the rest to the reader ---
  const router = new CsvBatchRouter(reader, sink);
  router.write(buf);
  router.end();
  return { positions: sink.positions.finish(), statics: sink.statics, stats: router.stats };
  // --- end CSV batch fast path ---
}

/** Decode files (or "-" for stdin) into a sink; `onChunk` is awaited after each chunk (progress, back-pressure). */
export async function decodeFiles(
  paths: string[],
  sink: RowSink,
  opts: DecodeOptions = {},
  onChunk?: (bytes: number) => void | Promise<void>,
): Promise<DecodeStats> {
  const reader = new AisReader(sink, opts);
  for (const path of paths) {
    reader.file(path);
    const stream: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const chunk of stream) {
      reader.write(chunk as Buffer);
      if (onChunk) await onChunk((chunk as Buffer).length);
    }
  }
  reader.end();
  return reader.stats;
}

/** Decode files into columns; each CSV file takes the fast path (see `decodeBatchBuffer`). */
export async function decodeBatchFiles(
  paths: string[],
  opts: DecodeOptions = {},
): Promise<AisBatch & { stats: DecodeStats }> {
  const sink = new BatchRowSink();
  // --- CSV batch fast path: as decodeFiles, through the router ---
  const router = new CsvBatchRouter(new AisReader(sink, opts), sink);
  for (const path of paths) {
    router.file(path);
    const stream: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const chunk of stream) router.write(chunk as Buffer);
  }
  router.end();
  return { positions: sink.positions.finish(), statics: sink.statics, stats: router.stats };
  // --- end CSV batch fast path ---
}

/** Records as they come from a readable stream of NMEA or CSV bytes. */
export async function* decodeStream(
  input: AsyncIterable<Uint8Array>,
  opts: DecodeOptions = {},
): AsyncGenerator<AisRecord, DecodeStats> {
  const queue: AisRecord[] = [];
  const reader = new AisReader(new CallbackRowSink((r) => queue.push(r)), opts);
  for await (const chunk of input) {
    reader.write(chunk);
    for (const r of queue) yield r;
    queue.length = 0;
  }
  reader.end();
  for (const r of queue) yield r;
  return reader.stats;
}
