/**
 * Files the manifest names that are not the case's to publish: a symbolic
 * link to a file outside the case, the operator's key, the commitments'
 * secrets, the manifest itself as a link. Before, links were followed and
 * logged, and `case check` quoted the first 60 characters of
 * keys/operator.key. Now each is refused, exit 2, naming the field, and
 * no message quotes the file.
 */
import { strict as assert } from 'node:assert';
import { linkSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertRefused, edit, strait, tally } from './helpers.js';

describe('files outside the case', () => {
  let c: Awaited<ReturnType<typeof strait>>;
  let secret: string;
  before(async () => {
    c = await strait('files');
    secret = join(c.root, 'outside-secret.nmea');
    // Looks like an AIS log, so that only where it lies can refuse it.
    writeFileSync(secret, '!AIVDM,1,1,,A,SECRET-OUTSIDE-THE-CASE,0*00\n');
  });
  after(() => c.done());

  /** No output of the run quotes the first characters of `file`. */
  const quotesNothingOf = (r: { stdout: string; stderr: string }, file: string): void => {
    const head = readFileSync(file, 'utf8').slice(0, 12);
    assert.ok(!r.stderr.includes(head) && !r.stdout.includes(head), `the output quotes ${file}`);
  };

  it('an evidence file that is a link to a file outside the case is refused, never logged', () => {
    const d = c.copy('link-out');
    const rel = 'evidence/ais/freighters.nmea';
    rmSync(join(d, rel));
    symlinkSync(secret, join(d, rel));
    const where =
      /case\.yaml:\d+: evidence\.ais\[\d+\]\.path: evidence\/ais\/freighters\.nmea resolves .* outside the case/;
    assertRefused(tally(['case', 'check', d]), where);
    const r = tally(['verify', d, '-q']);
    assertRefused(r, where, d);
    quotesNothingOf(r, secret);
  });

  it('a geography file that is a link outside the case is refused', () => {
    const d = c.copy('geo-link');
    const outside = join(c.root, 'zone-outside.geojson');
    renameSync(join(d, 'geography/zone.geojson'), outside);
    symlinkSync(outside, join(d, 'geography/zone.geojson'));
    assertRefused(
      tally(['case', 'check', d]),
      /case\.yaml:\d+: geography\.zone: geography\/zone\.geojson resolves .* outside the case/,
    );
  });

  it('a manifest path at keys/operator.key is refused without quoting the key', () => {
    const d = c.copy('key');
    edit(d, 'case.yaml', 'path: evidence/inspections/insp-1.json', 'path: keys/operator.key');
    const r = tally(['case', 'check', d]);
    assertRefused(
      r,
      /case\.yaml:\d+: evidence\.inspections\[0\]\.path: keys\/operator\.key is in the case's keys\/ folder/,
    );
    quotesNothingOf(r, join(d, 'keys/operator.key'));
    assertRefused(tally(['verify', d, '-q']), /keys\/ folder/, d);
  });

  it('an AIS path at keys/operator.key, or through a link into keys/, is refused', () => {
    const d = c.copy('key-ais');
    edit(d, 'case.yaml', 'path: evidence/ais/freighters.nmea', 'path: keys/operator.key');
    symlinkSync('../keys', join(d, 'evidence/k'));
    edit(d, 'case.yaml', 'path: evidence/ais/inspectors.nmea', 'path: evidence/k/declarant.key');
    const r = tally(['case', 'check', d]);
    assertRefused(r, /evidence\.ais\[\d+\]\.path: keys\/operator\.key is in the case's keys\/ folder/);
    assert.match(r.stderr, /evidence\.ais\[\d+\]\.path: evidence\/k\/declarant\.key is in the case's keys\/ folder/);
    quotesNothingOf(r, join(d, 'keys/operator.key'));
    quotesNothingOf(r, join(d, 'keys/declarant.key'));
  });

  it('an evidence file that is a hard link (here to the operator key) is refused without quoting it', () => {
    const d = c.copy('hardlink');
    linkSync(join(d, 'keys', 'operator.key'), join(d, 'evidence', 'notes.txt'));
    edit(d, 'case.yaml', 'path: evidence/inspections/insp-1.json', 'path: evidence/notes.txt');
    const where = /case\.yaml:\d+: evidence\.inspections\[\d+\]\.path: evidence\/notes\.txt has 2 hard links/;
    assertRefused(tally(['case', 'check', d]), where);
    const r = tally(['verify', d, '-q']);
    assertRefused(r, where, d);
    quotesNothingOf(r, join(d, 'keys', 'operator.key'));
  });

  it("a path into private/ (a lot's secrets) is refused", () => {
    const d = c.copy('private');
    edit(d, 'case.yaml', 'path: evidence/reveals/lot-a1.json', 'path: private/lot-a1.secrets.json');
    const r = tally(['case', 'check', d]);
    assertRefused(
      r,
      /evidence\.challenges\[0\]\.path: private\/lot-a1\.secrets\.json is in the case's private\/ folder/,
    );
    quotesNothingOf(r, join(d, 'private/lot-a1.secrets.json'));
  });

  it('a manifest that is a link to a file outside the case is refused', () => {
    const d = c.copy('manifest-link');
    const outside = join(c.root, 'elsewhere.yaml');
    renameSync(join(d, 'case.yaml'), outside);
    symlinkSync(outside, join(d, 'case.yaml'));
    assertRefused(tally(['case', 'check', d]), /case\.yaml: .*outside the case/);
  });

  it('a file that is not an AIS log is refused without quoting its first line', () => {
    const d = c.copy('not-ais');
    writeFileSync(join(d, 'evidence/ais/freighters.nmea'), 'PRIVATE+KEY+not-for-anyone-to-read\n');
    const r = tally(['case', 'check', d]);
    assertRefused(r, /evidence\.ais\[\d+\]\.path: evidence\/ais\/freighters\.nmea is not an AIS log/);
    quotesNothingOf(r, join(d, 'evidence/ais/freighters.nmea'));
  });
});
