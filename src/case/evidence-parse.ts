/**
 * The part of a case's check that reads every AIS log and GeoTIFF through
 * the parser the verification uses (asynchronous, so apart from loadCase).
 * A file that does not parse at all (no AIS line decodes, a TIFF that is
 * truncated or not a TIFF) is refused before anything is appended: once
 * logged, damaged evidence could never be replaced by the good file. What a
 * parser rejects in a file that does parse is counted, by reason. Run by
 * `tally case check` and by `verify`.
 */
import { join } from 'node:path';
import { decodeBatchFiles, type DecodeStats, type RejectReason } from '../ais/index.js';
import { ImageryError, readGeoTiffInfo } from '../imagery/index.js';
import type { LoadedCase } from './load.js';
import { CaseError, SourceFile, type CaseIssue } from './source.js';

/** What the AIS decoder made of one file: messages decoded, lines rejected and why. */
export interface AisParse {
  accepted: number;
  rejected: number;
  by_reason: Partial<Record<RejectReason, number>>;
}

/** One evidence file as its parser read it. */
export type EvidenceParse =
  | { path: string; role: 'ais'; parse: AisParse }
  | { path: string; role: 'imagery'; width: number; height: number; bands: number };

/** A decoding run's totals as reject counts; reasons in a fixed order so that results compare equal. */
export function aisParse(stats: DecodeStats): AisParse {
  const by_reason: Partial<Record<RejectReason, number>> = {};
  let rejected = 0;
  for (const reason of Object.keys(stats.rejected).sort() as RejectReason[]) {
    const n = stats.rejected[reason] ?? 0;
    if (n === 0) continue;
    by_reason[reason] = n;
    rejected += n;
  }
  return { accepted: stats.messages, rejected, by_reason };
}

/** Rejected lines as a share of all the lines the decoder judged (0 when it judged none). */
export function rejectRate(p: AisParse): number {
  const judged = p.accepted + p.rejected;
  return judged === 0 ? 0 : p.rejected / judged;
}

/**
 * Each AIS and imagery file of the case through its parser. Throws
 * CaseError naming every file that does not parse at all (the manifest's
 * line and field, the file and why: never its contents).
 */
export async function checkEvidenceParse(c: LoadedCase): Promise<EvidenceParse[]> {
  const out: EvidenceParse[] = [];
  const issues: CaseIssue[] = [];
  let src: SourceFile | null = null;
  const issue = (field: (string | number)[], message: string): void => {
    src ??= SourceFile.read(join(c.dir, c.manifestPath), c.manifestPath, 'yaml');
    issues.push(src.issue(field, message));
  };
  for (const [i, e] of (c.manifest.evidence.ais ?? []).entries()) {
    let firstLine = 0;
    const b = await decodeBatchFiles([join(c.dir, e.path)], {
      file: e.path,
      onReject: (r) => {
        if (firstLine === 0) firstLine = r.line;
      },
    });
    const parse = aisParse(b.stats);
    // A log with no lines at all holds nothing, which is not damage; one whose every line is refused is.
    if (parse.accepted === 0 && parse.rejected > 0)
      issue(
        ['evidence', 'ais', i, 'path'],
        `${e.path}: no line decodes as AIS (${parse.rejected} rejected from line ${firstLine}: ${reasons(parse)}); the file does not parse and is not logged`,
      );
    else out.push({ path: e.path, role: 'ais', parse });
  }
  for (const [i, e] of (c.manifest.evidence.imagery ?? []).entries()) {
    const abs = join(c.dir, e.path);
    try {
      const info = await readGeoTiffInfo(abs);
      out.push({ path: e.path, role: 'imagery', width: info.width, height: info.height, bands: info.bands });
    } catch (err) {
      if (!(err instanceof ImageryError)) throw err;
      // The reader's message starts with the absolute path: the manifest's path is the one the reader knows.
      const why = err.message.startsWith(`${abs}: `) ? err.message.slice(abs.length + 2) : err.message;
      issue(['evidence', 'imagery', i, 'path'], `${e.path}: the image does not parse (${why}); it is not logged`);
    }
  }
  if (issues.length) throw new CaseError(issues);
  return out;
}

/** "380 bad_checksum, 2 orphan_fragment" */
export function reasons(p: AisParse): string {
  return Object.entries(p.by_reason)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
}
