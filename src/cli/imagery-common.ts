/** What the imagery commands share once they run: bad input as a usage error, the --source-gsd option. */
import { ImageryError } from '../imagery/index.js';
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
