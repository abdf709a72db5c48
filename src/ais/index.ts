/**
 * AIS ingest: NMEA 0183 VDM/VDO (with tag blocks, $PGHP and USCG fields) and
 * national-authority CSV in; decoded messages out, as a stream of records or
 * as columns of typed arrays.
 *
 *   decodeText(text)              -> { records, stats, rejects }   small inputs, tests
 *   decodeStream(readable)        -> async iterable of records     streaming
 *   decodeBatchBuffer(buffer)     -> { positions, statics, stats } columnar
 *   decodeBatchFiles(paths)       -> the same, from files
 *   decodeFiles(paths, sink)      -> stats; the driver of `tally ais decode`
 */
export {
  REJECT_REASONS,
  AisInputError,
  type RejectReason,
  type Reject,
  type AisRecord,
  type DecodeStats,
} from './types.js';
export { PositionColumnsBuilder, type AisBatch, type PositionColumns, type StaticReport } from './batch.js';
export {
  AisDecoder,
  AisMessage,
  isoTime,
  FRAGMENT_TTL_LINES,
  type MessageSink,
  type DecoderOptions,
} from './decoder.js';
export { MAX_LINE_BYTES } from './lines.js';
export { BatchSink, CallbackSink, CsvSink, JsonlSink, RecordSink, csvColumns } from './sinks.js';
export { LAYOUTS, DECODED_TYPES, type MessageLayout, type FieldSpec } from './layouts.js';
export { detectCsvDialect, AisCsvReader, type CsvDialect, type CsvRow } from './csv.js';
export { encodeMessage, encodeSentences, nmeaChecksum, type EncodeOptions, type EncodableRecord } from './encode.js';
export {
  AisReader,
  BatchRowSink,
  RecordRowSink,
  JsonlRowSink,
  CsvRowSink,
  CallbackRowSink,
  decodeText,
  decodeBatchBuffer,
  decodeFiles,
  decodeBatchFiles,
  decodeStream,
  type DecodeOptions,
  type RowSink,
} from './read.js';
