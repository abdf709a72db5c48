/**
 * The index beside the log (SQLite, better-sqlite3 12): finds entries by
 * hash (an evidence record's sha256, or the SHA-256 of the entry's bytes),
 * by kind, by vessel (every MMSI field in a record) and by site. The index
 * is derived from the tiles and never inside the tree: `catchUp` indexes
 * what the log has beyond it (after a writer was killed between its commit
 * and the index update), `rebuild` recomputes it from the entry bundles.
 *
 * `appendRecords` is the idempotent append: an evidence record whose sha256
 * is already in the log (or earlier in the same batch) is not appended
 * again; its existing index is returned.
 */

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { decodeEntry, entryHash, type EntryRecord } from './entries.js';
import type { Log } from './log.js';

export const INDEX_FILE = 'index.sqlite';

const EVIDENCE_MARK = Buffer.from('"kind":"evidence"');

/** What the index pulls out of one entry. */
export interface IndexedFields {
  kind: string | null;
  evidenceSha256: string | null;
  mmsi: string[];
  sites: string[];
}

const MMSI_KEY = /^(mmsi|mmsis|[a-z_]*_mmsi|[a-z]*Mmsi)$/i;
const SITE_KEY = /^(site|sites|site_id|site_ids|siteId|siteIds)$/;

function addMmsi(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) {
    for (const x of v) addMmsi(x, out);
  } else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 999999999) {
    out.add(String(v).padStart(9, '0'));
  } else if (typeof v === 'string' && /^\d{1,9}$/.test(v.trim())) {
    out.add(v.trim().padStart(9, '0'));
  }
}

function addSite(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) {
    for (const x of v) addSite(x, out);
  } else if (typeof v === 'string' && v !== '') {
    out.add(v);
  } else if (typeof v === 'number' && Number.isFinite(v)) {
    out.add(String(v));
  } else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    for (const k of ['id', 'site_id', 'name']) if (typeof o[k] === 'string' && o[k] !== '') out.add(o[k] as string);
  }
}

/** The kind, evidence hash, MMSIs (9 digits) and sites of a record; MMSI and site fields are found at any depth (up to 8). */
export function indexedFields(record: EntryRecord): IndexedFields {
  const mmsi = new Set<string>();
  const sites = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (MMSI_KEY.test(k)) addMmsi(x, mmsi);
      else if (SITE_KEY.test(k)) addSite(x, sites);
      if (typeof x === 'object' && x !== null) walk(x, depth + 1);
    }
  };
  walk(record, 0);
  const kind = typeof record.kind === 'string' ? record.kind : null;
  const sha = kind === 'evidence' && typeof record.sha256 === 'string' ? record.sha256 : null;
  return { kind, evidenceSha256: sha, mmsi: [...mmsi], sites: [...sites] };
}

export interface IndexedEntry {
  index: number;
  kind: string | null;
  entrySha256: string;
  evidenceSha256: string | null;
  bytes: number;
}

export class LogIndex {
  readonly db: Database.Database;
  readonly #insertEntry: Database.Statement;
  readonly #insertVessel: Database.Statement;
  readonly #insertSite: Database.Statement;
  readonly #setSize: Database.Statement;

  private constructor(db: Database.Database) {
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS entries (
        idx INTEGER PRIMARY KEY,
        kind TEXT,
        entry_sha256 TEXT NOT NULL,
        evidence_sha256 TEXT,
        bytes INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind);
      CREATE INDEX IF NOT EXISTS entries_entry_sha256 ON entries (entry_sha256);
      CREATE INDEX IF NOT EXISTS entries_evidence_sha256 ON entries (evidence_sha256) WHERE evidence_sha256 IS NOT NULL;
      CREATE TABLE IF NOT EXISTS vessels (mmsi TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (mmsi, idx)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sites (site TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (site, idx)) WITHOUT ROWID;
    `);
    this.#insertEntry = db.prepare(
      'INSERT OR REPLACE INTO entries (idx, kind, entry_sha256, evidence_sha256, bytes) VALUES (?, ?, ?, ?, ?)',
    );
    this.#insertVessel = db.prepare('INSERT OR IGNORE INTO vessels (mmsi, idx) VALUES (?, ?)');
    this.#insertSite = db.prepare('INSERT OR IGNORE INTO sites (site, idx) VALUES (?, ?)');
    this.#setSize = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('size', ?)");
  }

  /** Opens (or creates) the index file; `:memory:` for a throwaway one. */
  static open(path: string): LogIndex {
    return new LogIndex(new Database(path));
  }

  /** Opens the index of the log in DIR (DIR/index.sqlite) and brings it up to the log's size. */
  static forLog(log: Log): LogIndex {
    const idx = LogIndex.open(join(log.dir, INDEX_FILE));
    idx.catchUp(log);
    return idx;
  }

  /** Number of log entries indexed (the index covers [0, size)). */
  get size(): number {
    const r = this.db.prepare("SELECT value FROM meta WHERE key = 'size'").get() as { value: string } | undefined;
    return r ? Number(r.value) : 0;
  }

  /** Indexes entries first, first+1, ... (one transaction), and sets the indexed size to their end. */
  addMany(first: number, entries: readonly Uint8Array[]): void {
    if (first !== this.size) throw new Error(`index: adding entries from ${first}, but ${this.size} are indexed`);
    this.db.transaction(() => {
      entries.forEach((bytes, i) => this.#add(first + i, bytes));
      this.#setSize.run(String(first + entries.length));
    })();
  }

  #add(index: number, bytes: Uint8Array): void {
    let f: IndexedFields;
    try {
      f = indexedFields(decodeEntry(bytes));
    } catch {
      f = { kind: null, evidenceSha256: null, mmsi: [], sites: [] };
    }
    this.#insertEntry.run(index, f.kind, entryHash(bytes), f.evidenceSha256, bytes.length);
    for (const m of f.mmsi) this.#insertVessel.run(m, index);
    for (const s of f.sites) this.#insertSite.run(s, index);
  }

  /** Indexes the log's entries beyond the indexed size (rebuilds when the index is ahead of the log). Returns how many were added. */
  catchUp(log: Log): number {
    let from = this.size;
    if (from > log.size) {
      this.clear();
      from = 0;
    }
    let added = 0;
    let batch: Uint8Array[] = [];
    let batchStart = from;
    log.forEachEntry(from, log.size, (i, e) => {
      if (batch.length === 0) batchStart = i;
      batch.push(e);
      if (batch.length >= 4096) {
        this.addMany(batchStart, batch);
        added += batch.length;
        batch = [];
      }
    });
    if (batch.length > 0) {
      this.addMany(batchStart, batch);
      added += batch.length;
    }
    return added;
  }

  clear(): void {
    this.db.exec("DELETE FROM entries; DELETE FROM vessels; DELETE FROM sites; DELETE FROM meta WHERE key = 'size';");
  }

  /** Recomputes the whole index from the log's entry bundles. */
  rebuild(log: Log): number {
    this.clear();
    return this.catchUp(log);
  }

  /** The first index of an evidence record with this sha256, or null. */
  findEvidence(sha256: string): number | null {
    const r = this.db
      .prepare('SELECT MIN(idx) AS idx FROM entries WHERE evidence_sha256 = ?')
      .get(sha256.toLowerCase()) as { idx: number | null };
    return r.idx;
  }

  /** Entries whose evidence sha256, or whose own SHA-256, is `hash` (hex). */
  findByHash(hash: string): number[] {
    const h = hash.toLowerCase();
    return this.#indices(
      'SELECT idx FROM entries WHERE evidence_sha256 = ? UNION SELECT idx FROM entries WHERE entry_sha256 = ? ORDER BY idx',
      h,
      h,
    );
  }

  findByKind(kind: string): number[] {
    return this.#indices('SELECT idx FROM entries WHERE kind = ? ORDER BY idx', kind);
  }

  /** Entries naming this MMSI (any field whose name is or ends in mmsi). */
  findByVessel(mmsi: string | number): number[] {
    const s = new Set<string>();
    addMmsi(mmsi, s);
    const [m] = [...s];
    if (m === undefined) return [];
    return this.#indices('SELECT idx FROM vessels WHERE mmsi = ? ORDER BY idx', m);
  }

  findBySite(site: string): number[] {
    return this.#indices('SELECT idx FROM sites WHERE site = ? ORDER BY idx', site);
  }

  entry(index: number): IndexedEntry | null {
    const r = this.db
      .prepare('SELECT idx, kind, entry_sha256, evidence_sha256, bytes FROM entries WHERE idx = ?')
      .get(index) as
      | { idx: number; kind: string | null; entry_sha256: string; evidence_sha256: string | null; bytes: number }
      | undefined;
    return r
      ? { index: r.idx, kind: r.kind, entrySha256: r.entry_sha256, evidenceSha256: r.evidence_sha256, bytes: r.bytes }
      : null;
  }

  #indices(sql: string, ...args: unknown[]): number[] {
    return (this.db.prepare(sql).all(...args) as { idx: number }[]).map((r) => r.idx);
  }

  close(): void {
    this.db.close();
  }
}

/** One result of `appendRecords`: the entry's index, and whether it was already in the log (not appended). */
export interface AppendResult {
  index: number;
  existing: boolean;
}

/**
 * Appends entries as one batch, idempotently for evidence: an evidence
 * record whose sha256 is already logged (or earlier in this batch) is not
 * appended; its existing index is returned. The index is brought up to date
 * before (catch-up) and after the append.
 */
export async function appendRecords(
  log: Log,
  index: LogIndex,
  entries: readonly Uint8Array[],
): Promise<AppendResult[]> {
  index.catchUp(log);
  const results: AppendResult[] = [];
  const toAppend: Uint8Array[] = [];
  const pending = new Map<string, number>(); // sha256 → position in toAppend
  const slots: Array<{ existing: number } | { pending: number }> = [];
  for (const bytes of entries) {
    let sha: string | null = null;
    // Canonical JSON spells an evidence record's kind exactly so: parse only those.
    if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(EVIDENCE_MARK)) {
      try {
        sha = indexedFields(decodeEntry(bytes)).evidenceSha256;
      } catch {
        sha = null;
      }
    }
    if (sha !== null) {
      const had = index.findEvidence(sha);
      if (had !== null) {
        slots.push({ existing: had });
        continue;
      }
      const p = pending.get(sha);
      if (p !== undefined) {
        slots.push({ pending: p });
        continue;
      }
      pending.set(sha, toAppend.length);
    }
    slots.push({ pending: toAppend.length });
    toAppend.push(bytes);
  }
  const seenPending = new Set<number>();
  const first = log.size;
  if (toAppend.length > 0) {
    await log.append(toAppend);
    index.addMany(first, toAppend);
  }
  for (const s of slots) {
    if ('existing' in s) {
      results.push({ index: s.existing, existing: true });
    } else {
      results.push({ index: first + s.pending, existing: seenPending.has(s.pending) });
      seenPending.add(s.pending);
    }
  }
  return results;
}
