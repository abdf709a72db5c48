// Checkpoints, C2SP tlog-checkpoint v1.0.0: a signed note whose text is
//
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n ...]
//
// Strict parsing: origin non-empty; size in canonical decimal ("0" or no
// leading zero), at most Number.MAX_SAFE_INTEGER (2^53 - 1: a limit of this
// implementation, far above any real log); root hash canonical standard
// base64 with padding of exactly 32 bytes; extension lines non-empty. The
// text is note text (UTF-8, no control character but "\n").

import {
  checkNoteText,
  decodeBase64Strict,
  encodeBase64,
  NoteError,
  openNote,
  signNote,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from './note.js';

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** 32-byte RFC 6962 root hash. */
  readonly root: Uint8Array;
  /** Extension lines, without their newlines. */
  readonly extensions: readonly string[];
}

export interface OpenedCheckpoint extends Checkpoint {
  /** The checkpoint body (the note text). */
  readonly body: string;
  readonly note: OpenedNote;
}

/** Formats a checkpoint body; throws CheckpointError for invalid fields. */
export function formatCheckpoint(cp: Checkpoint): string {
  const { origin, size, root, extensions } = cp;
  if (typeof origin !== 'string' || origin.length === 0 || origin.includes('\n')) {
    throw new CheckpointError('checkpoint origin must be a non-empty single line');
  }
  if (!Number.isSafeInteger(size) || size < 0)
    throw new CheckpointError(`checkpoint size must be an integer in [0, 2^53-1], got ${String(size)}`);
  if (!(root instanceof Uint8Array) || root.length !== 32)
    throw new CheckpointError('checkpoint root hash must be 32 bytes');
  for (const e of extensions ?? []) {
    if (typeof e !== 'string' || e.length === 0 || e.includes('\n'))
      throw new CheckpointError('checkpoint extension lines must be non-empty single lines');
  }
  const body = [origin, String(size), encodeBase64(root), ...(extensions ?? [])].join('\n') + '\n';
  try {
    checkNoteText(body);
  } catch (e) {
    throw new CheckpointError(`checkpoint is not valid note text: ${(e as Error).message}`);
  }
  return body;
}

/** Parses a checkpoint body strictly; throws CheckpointError. */
export function parseCheckpoint(body: string): Checkpoint {
  if (typeof body !== 'string') throw new CheckpointError('checkpoint body must be a string');
  try {
    checkNoteText(body);
  } catch (e) {
    throw new CheckpointError(`checkpoint is not valid note text: ${(e as Error).message}`);
  }
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3)
    throw new CheckpointError(`checkpoint has ${lines.length} line(s); needs origin, size and root hash`);
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw new CheckpointError('checkpoint origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) {
    throw new CheckpointError(
      `checkpoint size ${JSON.stringify(sizeText)} is not a canonical decimal (digits, no leading zero, no sign)`,
    );
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointError(`checkpoint size ${sizeText} exceeds 2^53-1`);
  const root = decodeBase64Strict(rootText);
  if (root === null)
    throw new CheckpointError(`checkpoint root hash ${JSON.stringify(rootText)} is not canonical standard base64`);
  if (root.length !== 32) throw new CheckpointError(`checkpoint root hash is ${root.length} bytes, expected 32`);
  extensions.forEach((e, i) => {
    if (e.length === 0) throw new CheckpointError(`checkpoint extension line ${i + 1} is empty`);
  });
  return { origin, size, root, extensions };
}

/** Formats and signs a checkpoint; returns the signed note. */
export function signCheckpoint(cp: Checkpoint, signers: NoteSigner | readonly NoteSigner[]): string {
  const list = Array.isArray(signers) ? (signers as readonly NoteSigner[]) : [signers as NoteSigner];
  return signNote(formatCheckpoint(cp), list);
}

export interface OpenCheckpointOptions {
  /** Further verifiers (cosigners) whose signatures are checked if present. */
  readonly others?: readonly NoteVerifier[];
  /** Required origin line (e.g. the log's configured origin). */
  readonly origin?: string;
}

/**
 * Opens a signed checkpoint: the note must carry a valid signature by `log`
 * (signatures by other known keys are verified too; unknown ones ignored),
 * and its text must be a valid checkpoint. Throws NoteError or CheckpointError.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  log: NoteVerifier,
  opts: OpenCheckpointOptions = {},
): OpenedCheckpoint {
  const opened = openNote(note, [log, ...(opts.others ?? [])]);
  if (!opened.sigs.some((s) => s.name === log.name && s.keyId === log.keyId)) {
    throw new NoteError('unknown-key', `checkpoint is not signed by the log key ${log.name}`);
  }
  const cp = parseCheckpoint(opened.text);
  if (opts.origin !== undefined && cp.origin !== opts.origin) {
    throw new CheckpointError(
      `checkpoint origin ${JSON.stringify(cp.origin)} is not the expected ${JSON.stringify(opts.origin)}`,
    );
  }
  return { ...cp, body: opened.text, note: opened };
}
