/**
 * Shared shapes of the AIS stage: what a decoded record looks like, what the
 * columnar batch holds, and the fixed list of reasons a line can be rejected.
 */

/**
 * Why an input line (or a fragment, or a CSV row) was not turned into a
 * message. The list is closed on purpose: every reject has exactly one of
 * these, and the summary, the fuzz script and `--strict` errors all use them.
 */
export const REJECT_REASONS = {
  line_too_long: 'line longer than the 1,000-byte limit',
  binary_data: 'line holds control or non-ASCII bytes',
  not_nmea: 'line is neither an NMEA sentence, a tag block, nor a comment',
  malformed_sentence: 'VDM/VDO sentence without the 7 comma-separated fields and *hh checksum',
  bad_checksum: 'NMEA checksum does not match the sentence',
  bad_tag_block: 'IEC 61162-450 tag block unterminated, malformed or with a bad checksum',
  bad_time_prefix: 'Gatehouse $PGHP line or trailing receive-time field that cannot be read',
  bad_fragment_header: 'fragment count/number/sequence fields out of range',
  invalid_fill_bits: 'fill-bit field not 0..5 or not possible for the payload',
  invalid_armour: 'payload holds a character outside the AIS six-bit armour',
  orphan_fragment: 'fragment of a multi-sentence message whose other parts never came',
  invalid_message_type: 'message type 0 or above 27',
  payload_too_short: 'payload shorter than its message type requires',
  payload_too_long: 'payload longer than 720 characters (4,320 bits), more than any AIS message',
  csv_bad_header: 'CSV header is not a known AIS CSV layout',
  csv_field_count: 'CSV row has a different number of fields than its header',
  csv_bad_value: 'CSV field value cannot be read (see the field named in the error)',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

/** A reject as reported to a caller: where, and why. */
export interface Reject {
  reason: RejectReason;
  /** Name given for the input ("-" for stdin). */
  file: string;
  /** 1-based line number of the offending line (the first fragment's for orphans). */
  line: number;
  /** A short description; for CSV it names the field. */
  detail: string;
}

/**
 * One decoded AIS message as a plain object, with gpsd's AIS JSON field names
 * and scaled units. Not-available values are null. `time` (ISO 8601 UTC with
 * milliseconds) and `station` appear only when the input carried them.
 */
export interface AisRecord {
  type: number;
  repeat: number;
  mmsi: number;
  time?: string;
  station?: string;
  /** Fields whose value was out of the range the standard allows (now null). */
  invalid?: string[];
  [field: string]: string | number | boolean | null | undefined | string[];
}

/** Totals of one decoding run, for the summary line and `--json` summaries. */
export interface DecodeStats {
  lines: number;
  sentences: number;
  messages: number;
  byType: Record<number, number>;
  rejected: Partial<Record<RejectReason, number>>;
  /** Lines passed over without being an error: comments, blank lines, other NMEA sentences. */
  ignored: number;
  /** Messages decoded but left out by a `--types` filter. */
  filtered: number;
  /**
   * Fields whose raw value the standard does not allow (lat beyond ±90°, heading 400...),
   * by field name: decoded as null, and the message lists them in its `invalid` field.
   */
  outOfRange: Record<string, number>;
}

export class AisInputError extends Error {
  constructor(readonly reject: Reject) {
    super(`${reject.file}:${reject.line}: ${reject.reason}: ${reject.detail}`);
    this.name = 'AisInputError';
  }
}
