/** The errors of the log: what a caller gave wrong, and what a check found. */

/** A log that cannot be opened, written or read as asked (bad input, a missing file, a damaged log). */
export class LogError extends Error {
  override name = 'LogError';
}

/** A key file that is missing, empty, damaged or of the wrong type; the message names the file and what is wrong. */
export class KeyFileError extends LogError {
  override name = 'KeyFileError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** An inconsistency found by `auditLog` or `verifyLog`; `where` names the file (tile, bundle, checkpoint, state). */
export class AuditError extends Error {
  override name = 'AuditError';
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
  }
}

/**
 * The writer's lease is held by another live writer: the log is busy, not
 * damaged. Callers may wait and try again; it is never a finding.
 */
export class LeaseHeldError extends LogError {
  override name = 'LeaseHeldError';
  constructor(
    message: string,
    /** The holder's process id, when the driver knows it. */
    readonly holder: number | null = null,
  ) {
    super(message);
  }
}
