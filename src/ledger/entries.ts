/**
 * Entry records of the log: what each leaf of the tree holds.
 *
 * Every entry is the RFC 8785 canonical JSON of one record (a JSON object).
 * The kinds the project writes:
 *
 *   evidence     {kind:'evidence', sha256, size, media_type, name, source?, acquired?, submitted_by?}
 *                a file (a GeoTIFF, an AIS log) logged by its hash, never its bytes
 *   declaration  a party's declaration (lots, roots and counts of committed items)
 *   inspection   an inspection record at sea
 *   reveal       the opening of challenged items of a lot
 *
 * Other records (any JSON object) are accepted as they are; `kind` is what
 * the index files them under. An entry bundle stores each entry behind a
 * uint16 length, so an entry is at most 65,535 bytes: larger ones are
 * refused with EntryError, never truncated.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import canonicalize from 'canonicalize';
import { MAX_ENTRY_SIZE } from './tiles.js';

/** An entry that cannot be logged (too large, not JSON, not an object, a malformed evidence record). */
export class EntryError extends Error {
  override name = 'EntryError';
}

export interface EvidenceRecord {
  kind: 'evidence';
  /** SHA-256 of the file, lowercase hex. */
  sha256: string;
  /** Bytes. */
  size: number;
  media_type: string;
  /** The file's name (no directory). */
  name: string;
  source?: string;
  /** When the evidence was acquired (RFC 3339). */
  acquired?: string;
  submitted_by?: string;
}

export interface DeclarationRecord {
  kind: 'declaration';
  [field: string]: unknown;
}

export interface InspectionRecord {
  kind: 'inspection';
  [field: string]: unknown;
}

export interface RevealRecord {
  kind: 'reveal';
  [field: string]: unknown;
}

export type EntryRecord =
  EvidenceRecord | DeclarationRecord | InspectionRecord | RevealRecord | { kind?: string; [field: string]: unknown };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Media types by extension (lowercase, with the dot); anything else is application/octet-stream. */
const MEDIA_TYPES: Record<string, string> = {
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.json': 'application/json',
  '.geojson': 'application/geo+json',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.nmea': 'text/plain',
  '.ais': 'text/plain',
  '.log': 'text/plain',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.kml': 'application/vnd.google-earth.kml+xml',
  '.pdf': 'application/pdf',
  '.html': 'text/html',
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
};

/** The media type guessed from a file name's extension. */
export function mediaTypeOf(name: string): string {
  return MEDIA_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** Throws EntryError unless `bytes` fits in an entry bundle. */
export function checkEntrySize(bytes: Uint8Array, what = 'entry'): void {
  if (bytes.length > MAX_ENTRY_SIZE) {
    throw new EntryError(
      `${what} is ${bytes.length} bytes; a log entry holds at most ${MAX_ENTRY_SIZE} bytes (tlog-tiles entry bundles use a 16-bit length). Log a large file by its evidence record (its hash), not its content.`,
    );
  }
}

/** The canonical (RFC 8785) UTF-8 bytes of a record; throws EntryError when it is not a JSON object or is too large. */
export function encodeEntry(record: unknown, what = 'entry'): Uint8Array {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new EntryError(
      `${what}: a log entry is a JSON object (a record), got ${Array.isArray(record) ? 'an array' : record === null ? 'null' : typeof record}`,
    );
  }
  const k = (record as { kind?: unknown }).kind;
  if (k !== undefined && typeof k !== 'string') throw new EntryError(`${what}: "kind" must be a string`);
  if (k === 'evidence') checkEvidence(record as Record<string, unknown>, what);
  let text: string | undefined;
  try {
    text = canonicalize(record);
  } catch (e) {
    throw new EntryError(`${what}: cannot be written as RFC 8785 canonical JSON: ${(e as Error).message}`);
  }
  if (text === undefined) throw new EntryError(`${what}: cannot be written as RFC 8785 canonical JSON`);
  const bytes = encoder.encode(text);
  checkEntrySize(bytes, what);
  return bytes;
}

/** Parses an entry's bytes (UTF-8 JSON object); throws EntryError. */
export function decodeEntry(bytes: Uint8Array): EntryRecord {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new EntryError(`entry is not UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new EntryError('entry is not a JSON object');
  return v as EntryRecord;
}

/** True when `bytes` is exactly the RFC 8785 canonical form of the JSON it holds. */
export function isCanonicalEntry(bytes: Uint8Array): boolean {
  try {
    const v = JSON.parse(decoder.decode(bytes)) as unknown;
    const c = canonicalize(v);
    if (c === undefined) return false;
    const cb = encoder.encode(c);
    return Buffer.compare(Buffer.from(cb), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) === 0;
  } catch {
    return false;
  }
}

function checkEvidence(r: Record<string, unknown>, what: string): void {
  if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) {
    throw new EntryError(`${what}: an evidence record's sha256 must be 64 lowercase hex digits`);
  }
  if (typeof r.size !== 'number' || !Number.isSafeInteger(r.size) || r.size < 0) {
    throw new EntryError(`${what}: an evidence record's size must be a non-negative integer`);
  }
  for (const f of ['media_type', 'name'] as const) {
    if (typeof r[f] !== 'string' || r[f] === '')
      throw new EntryError(`${what}: an evidence record needs a non-empty "${f}" string`);
  }
  for (const f of ['source', 'acquired', 'submitted_by'] as const) {
    if (r[f] !== undefined && typeof r[f] !== 'string')
      throw new EntryError(`${what}: an evidence record's "${f}" must be a string`);
  }
}

/** Optional fields of an evidence record, supplied by the caller. */
export interface EvidenceOptions {
  source?: string;
  acquired?: string;
  submitted_by?: string;
  media_type?: string;
}

/** The evidence record of a file: its SHA-256 (streamed), size, media type and name. */
export async function evidenceRecord(path: string, opts: EvidenceOptions = {}): Promise<EvidenceRecord> {
  const st = await stat(path);
  if (!st.isFile()) throw new EntryError(`${path}: not a regular file`);
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const rec: EvidenceRecord = {
    kind: 'evidence',
    sha256: h.digest('hex'),
    size,
    media_type: opts.media_type ?? mediaTypeOf(path),
    name: basename(path),
  };
  if (opts.source !== undefined) rec.source = opts.source;
  if (opts.acquired !== undefined) rec.acquired = opts.acquired;
  if (opts.submitted_by !== undefined) rec.submitted_by = opts.submitted_by;
  return rec;
}

/**
 * The entry for a file: a `.json` file is its record, appended as its
 * canonical form (it must be a JSON object that fits an entry); any other
 * file, or any file with `asEvidence`, is its evidence record.
 */
export async function entryFromFile(
  path: string,
  opts: EvidenceOptions & { asEvidence?: boolean } = {},
): Promise<{ bytes: Uint8Array; record: EntryRecord }> {
  if (!opts.asEvidence && extname(path).toLowerCase() === '.json') {
    const { readFile } = await import('node:fs/promises');
    const raw = await readFile(path);
    let v: unknown;
    try {
      v = JSON.parse(decoder.decode(raw));
    } catch (e) {
      throw new EntryError(`${path}: not valid JSON (${(e as Error).message}); log it as evidence with --as-evidence`);
    }
    try {
      const bytes = encodeEntry(v, path);
      return { bytes, record: v as EntryRecord };
    } catch (e) {
      if (e instanceof EntryError && /at most/.test(e.message)) {
        throw new EntryError(`${e.message} (use --as-evidence to log this file by its hash)`);
      }
      throw e;
    }
  }
  const record = await evidenceRecord(path, opts);
  return { bytes: encodeEntry(record, path), record };
}

/** SHA-256 of the entry's bytes, lowercase hex. */
export function entryHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
