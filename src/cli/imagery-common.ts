/** What the imagery commands share once they run: bad input as a usage error, the --source-gsd option. */
import { ImageryError, setDetectorThreads } from '../imagery/index.js';
import { UsageError } from './util.js';

/** Runs an imagery action, turning bad input (ImageryError) into a usage error: message, exit status 2. */
export async function imageryAction(f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof ImageryError) throw new UsageError(e.message);
    throw e;
  }
}

/** Parses `--source-gsd`. */
export function parseSourceGsd(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--source-gsd: expected a positive number of metres, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * TALLY_DETECT_THREADS, read here by the command and never by the library:
 * 0 runs the detector on the calling thread only (same results), N sets
 * the number of worker threads; unset, one per core.
 */
export function detectorThreadsFromEnvironment(): void {
  const v = process.env.TALLY_DETECT_THREADS;
  if (v === undefined || v === '') return;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(
      `TALLY_DETECT_THREADS: expected a whole number of threads (0 for none), got ${JSON.stringify(v)}`,
    );
  setDetectorThreads(n);
}
