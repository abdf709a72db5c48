/**
 * The detector's worker threads: one per core (at most MAX_WORKERS), started
 * once and kept, each running worker.ts. The calling thread posts one job
 * per worker and blocks on a shared counter until every one has answered, so
 * that `detect` stays synchronous. A job runs the same function on its rows
 * as the calling thread would on all of them, so the result is the same.
 * setDetectorThreads(0) turns the pool off, N sets its size (the command
 * reads TALLY_DETECT_THREADS for it).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { BandArray } from '../types.js';
import type { MedianOf } from './background.js';
import type { Grid, GridSpec } from './grid.js';
import type { PixelPass } from './luminance.js';
import type { RefineJob } from './refine-pass.js';
import { MAX_WORKERS, WORKER_JOB_TIMEOUT_MS, WORKER_START_TIMEOUT_MS } from './params.js';

/** What a worker is asked to do (worker.ts runs it). */
export type Job =
  | { kind: 'ping' }
  | {
      kind: 'smooth';
      src: BandArray;
      out: Uint16Array | Float32Array;
      w: number;
      h: number;
      yA: number;
      yB: number;
    }
  | {
      kind: 'median';
      pass: PixelPass;
      grid: GridSpec;
      q: number;
      mode: MedianOf;
      bg: GridSpec | null;
      fine: GridSpec | null;
      jA: number;
      jB: number;
    }
  | { kind: 'fine'; pass: PixelPass; grid: GridSpec; bg: GridSpec; noise: GridSpec; jA: number; jB: number }
  | {
      kind: 'threshold';
      pass: PixelPass;
      bg: GridSpec;
      fine: GridSpec;
      noise: GridSpec;
      T: number;
      TL: number;
      yA: number;
      yB: number;
    }
  | {
      kind: 'refine';
      pass: PixelPass;
      bg: GridSpec;
      fine: GridSpec;
      noise: GridSpec;
      job: RefineJob;
      cands: Float64Array;
    };

/** A worker's answer: the job's arrays, or the error it threw. */
export type JobResult = Record<string, unknown>;

export interface Pool {
  workers: Worker[];
  /** One port per worker, read synchronously once the counter says it has answered. */
  ports: MessagePort[];
  /** Shared counter of the answers to the current round. */
  flag: Int32Array;
}

let pool: Pool | null | undefined;
/** Worker threads asked for: 'auto' (one per core), 0 (none) or a number. */
let threads: number | 'auto' = 'auto';

/**
 * How many worker threads the detector may start: 'auto' (one per core, at
 * most MAX_WORKERS), 0 for none (everything on the calling thread, with
 * the same results), or a number. The process's entry point decides (the
 * command reads TALLY_DETECT_THREADS); it takes effect before the pool
 * first starts, and a pool already started is kept.
 */
export function setDetectorThreads(n: number | 'auto'): void {
  if (n !== 'auto' && !(Number.isInteger(n) && n >= 0))
    throw new RangeError(`detector threads: expected 'auto' or a whole number >= 0, got ${String(n)}`);
  threads = n;
}

/** The worker pool (one per core, at most MAX_WORKERS), or null where there are no workers to be had. */
export function getPool(): Pool | null {
  if (pool !== undefined) return pool;
  pool = null;
  if (threads === 0) return pool;
  try {
    const n = Math.min(MAX_WORKERS, threads === 'auto' ? availableParallelism() : threads);
    if (n < 2) return pool;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const workers: Worker[] = [],
      ports: MessagePort[] = [];
    for (let k = 0; k < n; k++) {
      const { port1, port2 } = new MessageChannel();
      const wk = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: { tallyDetectWorker: true, port: port2, flag },
        transferList: [port2],
      });
      wk.unref();
      workers.push(wk);
      ports.push(port1);
    }
    const p: Pool = { workers, ports, flag };
    // a first round trip (workers that cannot start must not hang detect): else inline
    runJobs(
      p,
      workers.map((): Job => ({ kind: 'ping' })),
      WORKER_START_TIMEOUT_MS,
    );
    pool = p;
  } catch {
    pool = null;
  }
  return pool;
}

/** Runs one job per worker and waits for them all (the caller's thread blocks: detect stays synchronous). */
export function runJobs(p: Pool, jobs: Job[], timeoutMs = WORKER_JOB_TIMEOUT_MS): JobResult[] {
  Atomics.store(p.flag, 0, 0);
  jobs.forEach((j, k) => p.workers[k].postMessage(j));
  const t0 = Date.now();
  for (;;) {
    const v = Atomics.load(p.flag, 0);
    if (v >= jobs.length) break;
    const left = timeoutMs - (Date.now() - t0);
    if (left <= 0 || Atomics.wait(p.flag, 0, v, left) === 'timed-out') {
      for (const wk of p.workers) void wk.terminate();
      pool = null;
      throw new Error('detect: a worker thread did not answer');
    }
  }
  return jobs.map((_, k) => {
    const m = receiveMessageOnPort(p.ports[k]);
    const r = m?.message as JobResult | undefined;
    if (!r || typeof r.error === 'string') throw new Error(`detect: worker thread failed: ${String(r?.error)}`);
    return r;
  });
}

/** Contiguous ranges splitting [0, n) into at most k parts. */
export function splitRange(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  const step = Math.ceil(n / k);
  for (let a = 0; a < n; a += step) out.push([a, Math.min(n, a + step)]);
  return out;
}

/** Block-row jobs whose results (values and validity of their rows) go into g.values and valid. */
export function runBlockJobs(
  p: Pool,
  gh: number,
  job: (jA: number, jB: number) => Job,
  g: Grid,
  valid: Uint8Array,
): void {
  const ranges = splitRange(gh, p.workers.length);
  const res = runJobs(
    p,
    ranges.map(([a, b]) => job(a, b)),
  );
  res.forEach((r, k) => {
    const [a] = ranges[k];
    g.values.set(r.vals as Float32Array, a * g.gw);
    valid.set(r.valid as Uint8Array, a * g.gw);
  });
}

/** A copy of a band in shared memory, which the workers read without copying. */
export function sharedCopy(a: BandArray): BandArray {
  const sab = new SharedArrayBuffer(a.byteLength);
  const sh =
    a instanceof Uint8Array
      ? new Uint8Array(sab)
      : a instanceof Uint16Array
        ? new Uint16Array(sab)
        : a instanceof Int16Array
          ? new Int16Array(sab)
          : new Float32Array(sab);
  sh.set(a);
  return sh;
}
