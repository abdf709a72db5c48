/**
 * Key and secret files: written whole, 0600, in a 0700 folder
 * (src/util/secret-file.ts), and read back with a message naming the file
 * and what is wrong when they are damaged or of the wrong type
 * (src/ledger/keys.ts).
 */
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateCosignerKey, generateKey, KeyFileError, LogError } from '../src/ledger/index.js';
import { loadOrCreateSigningKey, readCosignerKeyFile, readSignerKeyFile, writeKeyFile } from '../src/ledger/keys.js';
import { folderOpenToOthers, makePrivateFolder, writeSecretFile } from '../src/util/index.js';

const root = mkdtempSync(join(tmpdir(), 'tally-keys-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mode = (p: string): number => statSync(p).mode & 0o777;

describe('writeSecretFile', () => {
  it('writes 0600 whatever the umask, creating missing folders 0700', () => {
    const old = process.umask(0);
    try {
      const f = join(root, 'a', 'b', 'secret.json');
      writeSecretFile(f, '{"salt":"00"}\n');
      assert.equal(readFileSync(f, 'utf8'), '{"salt":"00"}\n');
      assert.equal(mode(f), 0o600);
      assert.equal(mode(join(root, 'a')), 0o700);
      assert.equal(mode(join(root, 'a', 'b')), 0o700);
    } finally {
      process.umask(old);
    }
  });

  it('never replaces a file unless asked, and leaves no temporary file behind', () => {
    const dir = join(root, 'no-replace');
    const f = join(dir, 'k.key');
    writeSecretFile(f, 'first\n');
    assert.throws(
      () => writeSecretFile(f, 'second\n'),
      (e: NodeJS.ErrnoException) => e.code === 'EEXIST',
    );
    assert.equal(readFileSync(f, 'utf8'), 'first\n');
    writeSecretFile(f, 'second\n', { replace: true });
    assert.equal(readFileSync(f, 'utf8'), 'second\n');
    assert.equal(mode(f), 0o600);
    assert.deepEqual(readdirSync(dir), ['k.key']);
  });

  it('tightens a secrets-only folder to 0700; leaves a folder the caller chose as it is', () => {
    const secrets = join(root, 'private');
    mkdirSync(secrets, { mode: 0o755 });
    chmodSync(secrets, 0o755);
    writeSecretFile(join(secrets, 's.json'), '{}', { privateFolder: true });
    assert.equal(mode(secrets), 0o700);
    assert.equal(folderOpenToOthers(secrets), false);
    const chosen = join(root, 'chosen');
    mkdirSync(chosen);
    chmodSync(chosen, 0o755);
    writeSecretFile(join(chosen, 's.json'), '{}');
    assert.equal(mode(chosen), 0o755);
    assert.equal(folderOpenToOthers(chosen), true);
    assert.equal(mode(join(chosen, 's.json')), 0o600);
    makePrivateFolder(chosen);
    assert.equal(mode(chosen), 0o700);
  });
});

describe('key files', () => {
  const dir = join(root, 'keys');
  const note = generateKey('example.org/party');
  const cos = generateCosignerKey('example.org/party');
  writeKeyFile(join(dir, 'note.key'), note.signerKey);
  writeKeyFile(join(dir, 'cosigner.key'), cos.signerKey);

  it('reads each type back; a key file is never overwritten', () => {
    assert.equal(readSignerKeyFile(join(dir, 'note.key')).verifierKey(), note.verifierKey);
    assert.equal(readCosignerKeyFile(join(dir, 'cosigner.key')).verifierKey(), cos.verifierKey);
    assert.throws(
      () => writeKeyFile(join(dir, 'note.key'), cos.signerKey),
      (e: Error) => e instanceof KeyFileError && /already there/.test(e.message),
    );
    assert.equal(readSignerKeyFile(join(dir, 'note.key')).verifierKey(), note.verifierKey);
  });

  const refused = (f: () => unknown, path: string, why: RegExp): void => {
    assert.throws(f, (e: Error) => {
      assert.ok(e instanceof KeyFileError, `${e.name}: ${e.message}`);
      assert.ok(e instanceof LogError, 'a LogError, so that every log command refuses it as bad input');
      assert.equal(e.path, path);
      assert.ok(e.message.startsWith(`${path}: `), e.message);
      assert.match(e.message, why);
      return true;
    });
  };

  it('names the file and what is wrong: missing, empty, binary, several lines, public, truncated', () => {
    const cases: [string, string | Buffer | null, RegExp][] = [
      ['missing.key', null, /does not exist/],
      ['empty.key', '', /is empty/],
      ['blank.key', ' \n\n', /only blank space/],
      ['binary.key', Buffer.from([0, 1, 2, 0xff, 0xfe]), /not text/],
      ['two.key', `${note.signerKey}\n${note.signerKey}\n`, /2 lines/],
      ['public.key', `${note.verifierKey}\n`, /verifier \(public\) key/],
      ['other.key', 'hello world\n', /does not hold a private key/],
      ['short.key', note.signerKey.slice(0, 30), /damaged or truncated/],
      ['short-seed.key', note.signerKey.slice(0, -12), /damaged or truncated/],
    ];
    for (const [name, bytes, why] of cases) {
      const p = join(dir, name);
      if (bytes !== null) writeFileSync(p, bytes);
      refused(() => readSignerKeyFile(p), p, why);
      // A signed-note key whose bytes are cut short is first of all of the wrong type for a cosigner.
      refused(() => readCosignerKeyFile(p), p, name === 'short-seed.key' ? /type 0x04.*is needed/ : why);
    }
    refused(() => readSignerKeyFile(dir), dir, /is a folder/);
  });

  it('says which type is needed when given the other', () => {
    const n = join(dir, 'note.key');
    const c = join(dir, 'cosigner.key');
    refused(
      () => readCosignerKeyFile(n),
      n,
      /holds a signed-note key \(type 0x01\); a cosigner key \(type 0x04, tlog-cosignature\) is needed \(make one with `tally log keygen NAME --cosigner --out PATH`\)/,
    );
    refused(
      () => readSignerKeyFile(c),
      c,
      /holds a cosigner key \(type 0x04, tlog-cosignature\); a signed-note key \(type 0x01\) is needed/,
    );
  });

  it("the log's key: an empty file left by a killed key creation is refused, not replaced nor trusted", () => {
    const p = join(root, 'log-keys', 'operator.key');
    const made = loadOrCreateSigningKey(p, 'example.org/log');
    assert.equal(made.reusedKey, false);
    assert.equal(mode(p), 0o600);
    assert.equal(mode(join(root, 'log-keys')), 0o700);
    assert.equal(loadOrCreateSigningKey(p, 'example.org/log').signer.verifierKey(), made.signer.verifierKey());
    writeFileSync(p, '');
    refused(() => loadOrCreateSigningKey(p, 'example.org/log'), p, /is empty/);
    assert.equal(readFileSync(p, 'utf8'), '', 'the damaged file is left for its owner to mend');
  });
});
