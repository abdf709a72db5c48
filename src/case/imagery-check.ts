/**
 * The part of a case's check that reads imagery headers (asynchronous, so
 * apart from loadCase): an imagery entry's `source_gsd_m` serves only a file
 * without georeferencing; on a georeferenced file it must agree with the
 * file's own GSD, or the case is refused naming both values. Declaring a
 * 0.25 m file as 0.5 m would otherwise hide imagery finer than the cap and
 * make every object measure twice its size. Run by `tally case check` and
 * by `verify` before anything is appended to the log.
 */
import { join } from 'node:path';
import { gsdDisagreement, readGeoTiffInfo } from '../imagery/index.js';
import type { LoadedCase } from './load.js';
import { CaseError, SourceFile, type CaseIssue } from './source.js';

/** Throws CaseError listing every imagery entry whose declared GSD disagrees with its file's own. */
export async function checkImageryResolution(c: LoadedCase): Promise<void> {
  const entries = c.manifest.evidence.imagery ?? [];
  if (!entries.some((e) => e.source_gsd_m !== undefined)) return;
  const src = SourceFile.read(join(c.dir, c.manifestPath), c.manifestPath, 'yaml');
  const issues: CaseIssue[] = [];
  for (const [i, e] of entries.entries()) {
    if (e.source_gsd_m === undefined) continue;
    let gsd;
    try {
      gsd = (await readGeoTiffInfo(join(c.dir, e.path))).gsd;
    } catch {
      continue; // a file that does not parse is the evidence check's to report, not this one's
    }
    if (!gsd) continue; // no georeferencing: the declared GSD is the only one there is
    const why = gsdDisagreement(gsd, e.source_gsd_m);
    if (why) issues.push(src.issue(['evidence', 'imagery', i, 'source_gsd_m'], `${e.path}: ${why}`));
  }
  if (issues.length) throw new CaseError(issues);
}
