/**
 * The PostgreSQL/PostGIS peer of the encounter benchmark: the same encounter
 * definition as src/tracks/params.ts's defaults, in SQL (bench/tracks/postgis.sql),
 * on a throwaway cluster that bench/tracks/pg.sh installs, starts and stops.
 *
 *   node dist/bench/tracks/postgis.js FILE.csv [--formulation dbscan|dwithin] [--ports PORTS.geojson] [--json] [--keep]
 *   node dist/bench/tracks/postgis.js --generate OUT.csv [--positions 1000000] [--seed 1]
 *   node dist/bench/tracks/postgis.js --self-test
 *
 * Two formulations of the close-pair search, the rest shared:
 *   dwithin  geography points with a GiST index, ST_DWithin self-join per slot;
 *   dbscan   ST_ClusterDBSCAN per slot on spherical-Mercator points (eps scaled so no close pair
 *            is missed), then the exact haversine test of the pairs inside each cluster.
 *
 * Timing: `load` is the COPY of the CSV (and the ports' index), `resample` the cleaning (validity,
 * duplicates, jumps) and the interpolation to the 10-minute grid, `query` the close pairs, runs,
 * candidates and merge (for dwithin including the geography column and its GiST index), `total`
 * load + resample + query (the CSV to the encounters; the cluster's start is `start`, apart).
 */

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Random } from '../../src/scenario/random.js';

export interface EncounterRow {
  /** MMSIs, a < b. */
  a: number;
  b: number;
  /** First and last close slot, ms since the epoch. */
  startMs: number;
  endMs: number;
  /** Close slots in the merged candidates. */
  slots: number;
  medianDistanceM: number;
  minDistanceM?: number;
}

/** A pair-slot whose haversine distance lies within 0.5 % of the 500 m threshold. */
export interface BorderlineSlot {
  a: number;
  b: number;
  slotMs: number;
  distanceM: number;
}

export interface PostgisResult {
  encounters: EncounterRow[];
  /** Pair-slots with 497.5 m <= distance <= 502.5 m: where a rounding difference could flip "close". */
  borderline: BorderlineSlot[];
  seconds: { start: number; load: number; resample: number; query: number; total: number };
  /** Every statement group's seconds (clean, jumps, resample, dbscan/dwithin, encounters, ...). */
  phases: Record<string, number>;
  counts: Record<string, number>;
  settings: Record<string, string>;
  version: string;
}

export interface PostgisOptions {
  portsGeojson?: string;
  formulation: 'dwithin' | 'dbscan';
  /** Leave the cluster running with its tables (bench/data/pg); the next run reuses it. */
  keep?: boolean;
}

const HERE = dirname(fileURLToPath(import.meta.url));

function findFile(name: string): string {
  for (const p of [join(HERE, name), resolve(HERE, '../../../bench/tracks', name)]) if (existsSync(p)) return p;
  throw new Error(`postgis: cannot find bench/tracks/${name}`);
}

const SETTING_NAMES = [
  'shared_buffers',
  'work_mem',
  'maintenance_work_mem',
  'effective_cache_size',
  'max_parallel_workers_per_gather',
  'max_parallel_workers',
  'max_worker_processes',
  'jit',
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_level',
  'random_page_cost',
];

/** One psql process; `run` sends SQL and resolves with what it printed (unaligned, tuples only). */
class Psql {
  private child: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private seq = 0;
  private waiting: { marker: string; resolve: (s: string) => void; reject: (e: Error) => void } | null = null;
  private exited: string | null = null;

  constructor(host: string, port: string) {
    const psql = existsSync('/usr/lib/postgresql/15/bin/psql') ? '/usr/lib/postgresql/15/bin/psql' : 'psql';
    this.child = spawn(
      psql,
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', port, '-U', 'postgres', '-d', 'tally'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => {
      this.out += d;
      this.check();
    });
    this.child.stderr.on('data', (d: string) => {
      this.err += d;
    });
    this.child.on('exit', (code) => {
      this.exited = `psql exited (${code}): ${this.err.trim()}`;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w.reject(new Error(this.exited));
      }
    });
  }

  private check(): void {
    if (!this.waiting) return;
    const i = this.out.indexOf(this.waiting.marker);
    if (i < 0) return;
    const text = this.out.slice(0, i);
    this.out = this.out.slice(i + this.waiting.marker.length + 1);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(text);
  }

  run(sql: string): Promise<string> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const marker = `@@TALLY_DONE_${++this.seq}@@`;
    return new Promise((res, rej) => {
      this.waiting = { marker, resolve: res, reject: rej };
      this.child.stdin.write(`${sql}\n\\echo ${marker}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((res) => {
      this.child.on('exit', () => res());
      this.child.stdin.end('\\q\n');
    });
  }
}

function pgsh(cmd: 'start' | 'stop', keep: boolean): string {
  const r = spawnSync('bash', [findFile('pg.sh'), cmd], {
    encoding: 'utf8',
    env: { ...process.env, KEEP: keep ? '1' : '0' },
  });
  if (r.status !== 0) throw new Error(`pg.sh ${cmd} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The SQL file's phases, by name. */
function phases(): Map<string, string> {
  const text = readFileSync(findFile('postgis.sql'), 'utf8');
  const out = new Map<string, string>();
  const parts = text.split(/^-- @phase (\w+)\s*$/m);
  for (let i = 1; i < parts.length; i += 2) out.set(parts[i], parts[i + 1]);
  return out;
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The encounters of a MarineCadastre CSV by PostGIS, with the time of each stage. */
export async function runPostgisEncounters(csvPath: string, opts: PostgisOptions): Promise<PostgisResult> {
  const sql = phases();
  const t0 = performance.now();
  const conn = /host=(\S+) port=(\S+)/.exec(pgsh('start', false));
  if (!conn) throw new Error('pg.sh start: no connection line');
  const start = (performance.now() - t0) / 1000;
  const db = new Psql(conn[1], conn[2]);
  const ph: Record<string, number> = {};
  const timed = async (name: string, text: string): Promise<string> => {
    const t = performance.now();
    const out = await db.run(text);
    ph[name] = (ph[name] ?? 0) + (performance.now() - t) / 1000;
    return out;
  };
  const radius = 500 * 1.005; // close is <= 500 m; the pair-slots up to 502.5 m are kept to list the borderline ones
  try {
    await db.run(sql.get('setup')!);
    const version = (await db.run(`SELECT version() || ' / PostGIS ' || postgis_lib_version();`)).trim();
    const settings: Record<string, string> = {};
    for (const name of SETTING_NAMES) settings[name] = (await db.run(`SHOW ${name};`)).trim();

    await timed('copy', sql.get('load')!.replace(":'csv'", sqlString(resolve(csvPath))));
    if (opts.portsGeojson) {
      const gj = JSON.parse(readFileSync(opts.portsGeojson, 'utf8')) as {
        features: { properties?: { name?: string }; geometry: unknown }[];
      };
      const rows = gj.features.map(
        (f) =>
          `(${sqlString(String(f.properties?.name ?? ''))}, ST_GeomFromGeoJSON(${sqlString(JSON.stringify(f.geometry))})::geography)`,
      );
      await timed('ports', `INSERT INTO ports VALUES ${rows.join(',\n')};\n${sql.get('ports')!}`);
    }
    await timed('clean', sql.get('clean')!);
    await timed('jumps', sql.get('jumps')!);
    await timed('resample', sql.get('resample')!);
    if (opts.formulation === 'dbscan') {
      const t = performance.now();
      const maxLat = Number((await db.run('SELECT max(abs(lat)) FROM sp;')).trim() || '0');
      const eps = (radius / Math.cos(((Math.min(maxLat, 89) + 0.01) * Math.PI) / 180)) * 1.000001 + 0.001;
      settings.dbscan_eps_m = eps.toFixed(3);
      settings.projection = 'spherical Mercator, R = 6371008.8 m';
      ph.dbscan = (performance.now() - t) / 1000;
      await timed(
        'dbscan',
        sql
          .get('dbscan')!
          .replace(/:eps/g, String(eps))
          .replace(/:radius/g, String(radius)),
      );
    } else {
      await timed('dwithin', sql.get('dwithin')!.replace(/:radius/g, String(radius)));
    }
    await timed('encounters', sql.get('encounters')!);
    const counts: Record<string, number> = {};
    const c = (
      await db.run(`SELECT (SELECT count(*) FROM raw), (SELECT count(*) FROM rep), (SELECT count(*) FROM jumps WHERE kind = 'j'),
      (SELECT count(*) FROM sp), (SELECT count(*) FROM close WHERE d <= 500), (SELECT count(*) FROM cand), (SELECT count(*) FROM enc);`)
    )
      .trim()
      .split('|');
    ['rows', 'reports', 'jumps', 'slotPositions', 'closePairSlots', 'candidates', 'encounters'].forEach((k, i) => {
      counts[k] = Number(c[i]);
    });
    const [encText, borderText] = (await db.run(sql.get('output')!)).split('@@BORDERLINE@@');
    const encounters: EncounterRow[] = lines(encText).map((l) => {
      const f = l.split('|');
      return {
        a: Number(f[0]),
        b: Number(f[1]),
        startMs: Number(f[2]) * 1000,
        endMs: Number(f[3]) * 1000,
        slots: Number(f[4]),
        medianDistanceM: Number(f[5]),
        minDistanceM: Number(f[6]),
      };
    });
    const borderline: BorderlineSlot[] = lines(borderText ?? '').map((l) => {
      const f = l.split('|');
      return { a: Number(f[0]), b: Number(f[1]), slotMs: Number(f[2]) * 1000, distanceM: Number(f[3]) };
    });
    const load = ph.copy + (ph.ports ?? 0);
    const resample = ph.clean + ph.jumps + ph.resample;
    const query = (ph.dbscan ?? 0) + (ph.dwithin ?? 0) + ph.encounters;
    await db.close();
    if (!opts.keep) pgsh('stop', false);
    return {
      encounters,
      borderline,
      seconds: { start, load, resample, query, total: load + resample + query },
      phases: ph,
      counts,
      settings,
      version,
    };
  } catch (e) {
    await db.close().catch(() => undefined);
    if (!opts.keep) pgsh('stop', false);
    throw e;
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

// ---------------------------------------------------------------------------------------------
// Comparison

export interface EncounterMismatch extends EncounterRow {
  side: 'tally' | 'postgis';
  /** A pair-slot of this pair within 0.5 % of 500 m lies in or next to the encounter. */
  nearThreshold: boolean;
  /** The same pair's encounters on the other side, if any (start/end further than one slot apart). */
  other: { startMs: number; endMs: number }[];
}

export interface EncounterComparison {
  matched: number;
  /** Matched but start or end differs (by at most one slot). */
  shifted: number;
  onlyTally: EncounterMismatch[];
  onlyPostgis: EncounterMismatch[];
  /** No mismatch at all. */
  equal: boolean;
  /** Mismatches not explained by a pair-slot within 0.5 % of the distance threshold. */
  unexplained: number;
}

/** The shape `compareEncounters` reads from Tally's TrackEvent (kind 'encounter'). */
export interface TallyEncounterLike {
  mmsi?: number[];
  a?: number;
  b?: number;
  startMs: number;
  endMs: number;
  median_distance_m?: number;
  medianDistanceM?: number;
  slots?: number;
}

function normalize(e: TallyEncounterLike | EncounterRow): EncounterRow {
  const x = e as TallyEncounterLike;
  const a = x.a ?? x.mmsi![0];
  const b = x.b ?? x.mmsi![1];
  return {
    a: Math.min(a, b),
    b: Math.max(a, b),
    startMs: x.startMs,
    endMs: x.endMs,
    slots: x.slots ?? NaN,
    medianDistanceM: x.medianDistanceM ?? x.median_distance_m ?? NaN,
  };
}

/**
 * Pair for pair: an encounter matches one of the same pair on the other side whose start and
 * end each differ by at most one slot. Every encounter without a match is listed, flagged
 * `nearThreshold` when PostGIS saw a pair-slot of that pair within 0.5 % of 500 m during it (or
 * one slot around it). `postgis` is the result of `runPostgisEncounters` (for the borderline
 * slots) or its encounters alone (then nothing can be flagged).
 */
export function compareEncounters(
  tally: readonly (TallyEncounterLike | EncounterRow)[],
  postgis: PostgisResult | readonly EncounterRow[],
  slotMs: number,
): EncounterComparison {
  const pg = Array.isArray(postgis) ? (postgis as EncounterRow[]) : (postgis as PostgisResult).encounters;
  const border = Array.isArray(postgis) ? [] : (postgis as PostgisResult).borderline;
  const key = (e: EncounterRow): string => `${e.a}-${e.b}`;
  const byPair = (rows: EncounterRow[]): Map<string, EncounterRow[]> => {
    const m = new Map<string, EncounterRow[]>();
    for (const r of rows) {
      const k = key(r);
      const l = m.get(k);
      if (l) l.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const T = byPair(tally.map(normalize));
  const P = byPair(pg.map(normalize));
  const borderBy = new Map<string, number[]>();
  for (const s of border) {
    const k = `${s.a}-${s.b}`;
    const l = borderBy.get(k);
    if (l) l.push(s.slotMs);
    else borderBy.set(k, [s.slotMs]);
  }
  const near = (e: EncounterRow): boolean =>
    (borderBy.get(key(e)) ?? []).some((t) => t >= e.startMs - slotMs && t <= e.endMs + slotMs);
  let matched = 0;
  let shifted = 0;
  const onlyTally: EncounterMismatch[] = [];
  const onlyPostgis: EncounterMismatch[] = [];
  for (const k of new Set([...T.keys(), ...P.keys()])) {
    const ts = T.get(k) ?? [];
    const ps = P.get(k) ?? [];
    const used = new Set<number>();
    const unmatchedT: EncounterRow[] = [];
    for (const t of ts) {
      let best = -1;
      let bestCost = Infinity;
      ps.forEach((p, i) => {
        if (used.has(i)) return;
        const ds = Math.abs(p.startMs - t.startMs);
        const de = Math.abs(p.endMs - t.endMs);
        if (ds <= slotMs && de <= slotMs && ds + de < bestCost) {
          best = i;
          bestCost = ds + de;
        }
      });
      if (best < 0) {
        unmatchedT.push(t);
        continue;
      }
      used.add(best);
      matched++;
      if (bestCost > 0) shifted++;
    }
    const unmatchedP = ps.filter((_, i) => !used.has(i));
    const other = (rows: EncounterRow[]): { startMs: number; endMs: number }[] =>
      rows.map((r) => ({ startMs: r.startMs, endMs: r.endMs }));
    for (const t of unmatchedT) onlyTally.push({ ...t, side: 'tally', nearThreshold: near(t), other: other(ps) });
    for (const p of unmatchedP) onlyPostgis.push({ ...p, side: 'postgis', nearThreshold: near(p), other: other(ts) });
  }
  const all = [...onlyTally, ...onlyPostgis];
  return {
    matched,
    shifted,
    onlyTally,
    onlyPostgis,
    equal: all.length === 0,
    unexplained: all.filter((m) => !m.nearThreshold).length,
  };
}

// ---------------------------------------------------------------------------------------------
// Test data: until src/scenario/feed.ts exists, a seeded MarineCadastre CSV of a few hundred
// vessels in a 0.6-degree box off Havana: pairs that drift together at 0.2-3 kn (at 150-700 m,
// so runs start and stop near the 500 m threshold) and apart, an anchorage of vessels swinging
// at anchor within 1.5 km of each other, and vessels cruising at 6-14 kn; silences of 0.5-3 h,
// duplicates, invalid positions (91/181) and jumps.

export const MARINECADASTRE_HEADER =
  'MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass';

interface GenRow {
  t: number;
  line: string;
}

export async function generateCsv(
  path: string,
  positions = 1_000_000,
  seed = 1,
): Promise<{ rows: number; vessels: number; hours: number }> {
  const rnd = new Random(seed);
  const lat0 = 23.3;
  const lon0 = -82.5;
  const mPerDegLat = 111_195;
  const mPerDegLon = mPerDegLat * Math.cos((lat0 * Math.PI) / 180);
  const pairs = 80;
  const anchored = 60;
  const cruisers = 180;
  // Reports per hour: pairs every ~75 s, anchored every 180 s, cruisers every ~120 s.
  const perHour = pairs * 2 * 48 + anchored * 20 + cruisers * 30;
  const hours = Math.ceil(positions / perHour / 0.985);
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  const tEnd = t0 + hours * 3600;
  const rows: GenRow[] = [];
  let mmsiNext = 366_000_000;
  type Track = (t: number) => { x: number; y: number };

  const emit = (mmsi: number, track: Track, meanInterval: number): void => {
    let t = t0 + rnd.int(0, Math.round(meanInterval));
    let silentUntil = 0;
    const name = `TEST ${mmsi % 100000}`;
    while (t < tEnd) {
      if (t >= silentUntil && rnd.chance((meanInterval / 3600) * 0.03)) silentUntil = t + rnd.range(1800, 3 * 3600);
      if (t >= silentUntil) {
        const p = track(t);
        const q = track(t + 10);
        const sog = ((Math.hypot(q.x - p.x, q.y - p.y) / 10) * 3600) / 1852;
        const cog = ((Math.atan2(q.x - p.x, q.y - p.y) * 180) / Math.PI + 360) % 360;
        let lat = lat0 + (p.y + rnd.normal() * 4) / mPerDegLat;
        let lon = lon0 + (p.x + rnd.normal() * 4) / mPerDegLon;
        const u = rnd.next();
        if (u < 0.0005) {
          lat = 91;
          lon = 181;
        } else if (u < 0.0008) {
          lat += 0.3;
          lon -= 0.2;
        }
        const sogText = rnd.chance(0.01) ? '' : (Math.round(sog * 10) / 10).toFixed(1);
        const time = new Date(t * 1000).toISOString().slice(0, 19);
        const line = `${mmsi},${time},${lat.toFixed(5)},${lon.toFixed(5)},${sogText},${cog.toFixed(1)},511,${name},,,70,0,100,20,8,,A`;
        rows.push({ t, line });
        if (rnd.chance(0.002)) rows.push({ t, line });
      }
      t += Math.max(2, Math.round(meanInterval * rnd.range(0.5, 1.5)));
    }
  };

  // Pairs: a common centre drifting on a slow ellipse, the two vessels at +-r/2 of it; r moves
  // between near (150-700 m, for 1-8 h) and far (3-15 km, for 2-10 h) values.
  for (let k = 0; k < pairs; k++) {
    const cx = rnd.range(-25_000, 25_000);
    const cy = rnd.range(-25_000, 25_000);
    const drift = (rnd.range(0.1, 3) * 1852) / 3600; // m/s
    const amp = rnd.range(2000, 6000);
    const om = drift / amp;
    const ph = rnd.range(0, 6.3);
    const knots: { t: number; r: number }[] = [];
    let t = t0 - 3600;
    let nearPhase = rnd.chance(0.5);
    while (t < tEnd + 3600) {
      if (nearPhase) {
        const dur = rnd.range(1, 8) * 3600;
        for (let s = 0; s < dur; s += 3600) knots.push({ t: t + s, r: rnd.range(150, 700) });
        t += dur;
      } else {
        const r = rnd.range(3000, 15000);
        knots.push({ t: t + 3600, r });
        t += rnd.range(2, 10) * 3600;
        knots.push({ t: t - 3600, r });
      }
      nearPhase = !nearPhase;
    }
    const rAt = (tt: number): number => {
      let i = 0;
      while (i + 1 < knots.length && knots[i + 1].t <= tt) i++;
      const a = knots[i];
      const b = knots[Math.min(i + 1, knots.length - 1)];
      return b.t > a.t ? a.r + ((b.r - a.r) * (tt - a.t)) / (b.t - a.t) : a.r;
    };
    const theta0 = rnd.range(0, 6.3);
    const centre = (tt: number): { x: number; y: number } => ({
      x: cx + amp * Math.sin(om * (tt - t0) + ph),
      y: cy + amp * 0.6 * Math.cos(om * (tt - t0) + ph),
    });
    const a = mmsiNext++;
    const b = mmsiNext++;
    for (const [m, sign] of [
      [a, 1],
      [b, -1],
    ] as const) {
      emit(
        m,
        (tt) => {
          const c = centre(tt);
          const r = rAt(tt) / 2;
          const th = theta0 + (tt - t0) / 20000;
          return { x: c.x + sign * r * Math.cos(th), y: c.y + sign * r * Math.sin(th) };
        },
        rnd.range(40, 110),
      );
    }
  }
  // Anchorage: anchors within 1.5 km, swinging on a 60 m circle every 6 h.
  for (let k = 0; k < anchored; k++) {
    const rr = 1500 * Math.sqrt(rnd.next());
    const an = rnd.range(0, 6.3);
    const ax = 30_000 + rr * Math.cos(an);
    const ay = -20_000 + rr * Math.sin(an);
    const ph = rnd.range(0, 6.3);
    emit(mmsiNext++, (tt) => ({ x: ax + 60 * Math.cos(tt / 3437 + ph), y: ay + 60 * Math.sin(tt / 3437 + ph) }), 180);
  }
  // Cruisers: back and forth across the box at 6-14 kn.
  for (let k = 0; k < cruisers; k++) {
    const v = (rnd.range(6, 14) * 1852) / 3600;
    const ax = rnd.range(-30_000, 30_000);
    const ay = rnd.range(-30_000, 30_000);
    const bx = rnd.range(-30_000, 30_000);
    const by = rnd.range(-30_000, 30_000);
    const len = Math.hypot(bx - ax, by - ay);
    const period = (2 * len) / v;
    const ph = rnd.range(0, period);
    emit(
      mmsiNext++,
      (tt) => {
        const u = ((tt - t0 + ph) % period) / period;
        const f = u < 0.5 ? 2 * u : 2 - 2 * u;
        return { x: ax + (bx - ax) * f, y: ay + (by - ay) * f };
      },
      rnd.range(60, 180),
    );
  }
  rows.sort((p, q) => p.t - q.t);
  const n = Math.min(rows.length, positions);
  const out = createWriteStream(path);
  const write = (s: string): Promise<void> =>
    new Promise((res) => {
      if (out.write(s)) res();
      else out.once('drain', () => res());
    });
  await write(MARINECADASTRE_HEADER + '\n');
  for (let i = 0; i < n; i += 10000)
    await write(
      rows
        .slice(i, Math.min(n, i + 10000))
        .map((r) => r.line)
        .join('\n') + '\n',
    );
  await new Promise<void>((res) => out.end(() => res()));
  return { rows: n, vessels: mmsiNext - 366_000_000, hours };
}

// ---------------------------------------------------------------------------------------------
// Self-test on a hand-made case.

/**
 * Vessels 1 and 2 drift north together at 0.5 kn, 300 m apart, reporting every minute from
 * 00:05 to 03:05 (slots 00:10 ... 03:00: one encounter of 18 slots); vessels 3 and 4 likewise for
 * 1.5 h (10 slots: none); vessels 5 and 6 at 300 m for 3 h but at 4 kn (none); vessel 7 reports a
 * jump in the middle of a 3 h drift beside vessel 8 at 200 m (one encounter, the jump ignored).
 */
export function selfTestCsv(): string {
  const lines = [MARINECADASTRE_HEADER];
  const base = Date.UTC(2026, 0, 1) / 1000;
  const mPerDeg = 111_195;
  const add = (mmsi: number, t: number, lat: number, lon: number, sog: number): void => {
    lines.push(
      `${mmsi},${new Date(t * 1000).toISOString().slice(0, 19)},${lat.toFixed(6)},${lon.toFixed(6)},${sog.toFixed(1)},0,511,,,,70,0,,,,,A`,
    );
  };
  const drift = (
    m1: number,
    m2: number,
    fromMin: number,
    toMin: number,
    knots: number,
    apartM: number,
    lat0: number,
    jumpAt = -1,
  ): void => {
    for (let min = fromMin; min <= toMin; min++) {
      const t = base + min * 60;
      const dLat = (((knots * 1852) / 3600) * (min - fromMin) * 60) / mPerDeg;
      const dLon = apartM / (mPerDeg * Math.cos((lat0 * Math.PI) / 180));
      add(m1, t, min === jumpAt ? lat0 + dLat + 0.5 : lat0 + dLat, -80, knots);
      add(m2, t + 7, lat0 + dLat, -80 + dLon, knots);
    }
  };
  drift(1, 2, 5, 185, 0.5, 300, 20);
  drift(3, 4, 5, 95, 0.5, 300, 21);
  drift(5, 6, 5, 185, 4, 300, 22);
  drift(7, 8, 5, 185, 0.3, 200, 23, 90);
  return lines.join('\n') + '\n';
}

export async function selfTest(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-pg-'));
  const file = join(dir, 'selftest.csv');
  await new Promise<void>((res) => {
    const s = createWriteStream(file);
    s.end(selfTestCsv(), () => res());
  });
  const base = Date.UTC(2026, 0, 1);
  let ok = true;
  for (const formulation of ['dbscan', 'dwithin'] as const) {
    const r = await runPostgisEncounters(file, { formulation });
    const got = r.encounters.map(
      (e) =>
        `${e.a}-${e.b} ${(e.startMs - base) / 60000}-${(e.endMs - base) / 60000} ${e.slots} ${e.medianDistanceM.toFixed(0)}`,
    );
    const want = ['1-2 10-180 18 300', '7-8 10-180 18 200'];
    const pass = JSON.stringify(got) === JSON.stringify(want) && r.counts.jumps === 1;
    ok &&= pass;
    console.log(`${formulation}: ${pass ? 'ok' : 'FAIL'} ${JSON.stringify(got)} jumps=${r.counts.jumps}`);
  }
  rmSync(dir, { recursive: true });
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Command line

async function main(argv: string[]): Promise<number> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--self-test')) return (await selfTest()) ? 0 : 1;
  const gen = arg('--generate');
  if (gen) {
    const r = await generateCsv(gen, Number(arg('--positions') ?? 1_000_000), Number(arg('--seed') ?? 1));
    console.error(`wrote ${gen}: ${r.rows} rows, ${r.vessels} vessels, ${r.hours} h`);
    return 0;
  }
  const file = argv.find(
    (a, i) => !a.startsWith('--') && !(i > 0 && ['--formulation', '--ports'].includes(argv[i - 1])),
  );
  if (!file) {
    console.error(
      'usage: node dist/bench/tracks/postgis.js FILE.csv [--formulation dbscan|dwithin] [--ports PORTS.geojson] [--json] [--keep]\n' +
        '       node dist/bench/tracks/postgis.js --generate OUT.csv [--positions N] [--seed S]\n' +
        '       node dist/bench/tracks/postgis.js --self-test',
    );
    return 2;
  }
  const formulation = (arg('--formulation') ?? 'dbscan') as 'dbscan' | 'dwithin';
  if (formulation !== 'dbscan' && formulation !== 'dwithin')
    throw new Error(`--formulation: dbscan or dwithin, not ${String(formulation)}`);
  const r = await runPostgisEncounters(file, {
    formulation,
    portsGeojson: arg('--ports'),
    keep: argv.includes('--keep'),
  });
  if (argv.includes('--json')) {
    console.log(JSON.stringify(r));
  } else {
    const s = r.seconds;
    console.log(`${r.version}\nformulation ${formulation}: ${r.encounters.length} encounters`);
    console.log(
      `seconds: start ${s.start.toFixed(2)}  load ${s.load.toFixed(2)}  resample ${s.resample.toFixed(2)}  query ${s.query.toFixed(2)}  total ${s.total.toFixed(2)}`,
    );
    console.log(
      `phases: ${Object.entries(r.phases)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join('  ')}`,
    );
    console.log(
      `counts: ${Object.entries(r.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join('  ')}`,
    );
    console.log(
      `settings: ${Object.entries(r.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
