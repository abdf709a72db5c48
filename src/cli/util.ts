/** What every command shares: usage errors, stdout with back-pressure, a progress bar on stderr. */
import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';

/** cli-progress, loaded only when a bar is drawn (large inputs), so that start-up stays small. */
const cliProgress = (): typeof import('cli-progress') => createRequire(import.meta.url)('cli-progress');

/** An error the user can fix: printed without a stack, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A check that ran and failed (an audit, a signature, a proof): printed without a stack, exit status 1. */
export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}

/**
 * A command that ran and ends with a status of its own (`tally verify`: 0
 * VERIFIED, 1 DISCREPANCY, 3 INCOMPLETE, 4 could not run); the message,
 * when there is one, is printed without a stack.
 */
export class ExitStatus extends Error {
  constructor(
    readonly status: number,
    message = '',
  ) {
    super(message);
    this.name = 'ExitStatus';
  }
}

/** Writes to stdout and lets the producer wait while the pipe is full, so memory stays flat. */
export class StdoutWriter {
  private full = false;
  private broken = false;

  constructor() {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      // A closed pipe (`| head`) ends the output quietly.
      if (e.code === 'EPIPE') this.broken = true;
      else throw e;
    });
  }

  write(s: string): void {
    if (this.broken) return;
    if (!process.stdout.write(s)) this.full = true;
  }

  async drained(): Promise<void> {
    if (!this.full || this.broken) return;
    this.full = false;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('error', done);
        resolve();
      };
      process.stdout.once('drain', done);
      process.stdout.once('error', done);
    });
  }

  async end(): Promise<void> {
    await this.drained();
  }
}

/** Progress on stderr for inputs above 16 MB; silent for small inputs and when total is 0. */
export class Progress {
  private bar: SingleBar | null = null;
  private done = 0;

  constructor(
    private readonly total: number,
    label: string,
  ) {
    if (total >= 16 * 1024 * 1024) {
      const { SingleBar, Presets } = cliProgress();
      this.bar = new SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {value}/{total} MB | {eta}s left`,
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      );
      this.bar.start(Math.ceil(total / 1e6), 0);
    }
  }

  add(bytes: number): void {
    if (!this.bar) return;
    this.done += bytes;
    this.bar.update(Math.min(Math.ceil(this.total / 1e6), Math.floor(this.done / 1e6)));
  }

  stop(): void {
    if (this.bar) {
      this.bar.update(Math.ceil(this.total / 1e6));
      this.bar.stop();
      this.bar = null;
    }
  }
}
