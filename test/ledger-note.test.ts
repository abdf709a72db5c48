/**
 * Signed notes, checkpoints and cosignatures (src/ledger/{ed25519,note,
 * checkpoint,cosignature}.ts): the Go sumdb/note key pair reproduces Go's
 * signature byte for byte, RFC 8032 test 1, Tally's Ed25519 policy (S >= L,
 * non-canonical A and R refused), every rejection path with its message, and
 * fast-check mutations of signed notes, checkpoints and cosignatures, none of
 * which is ever accepted. The full vector files run in
 * scripts/conformance/tlog-notes.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  ED25519_L,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyDetailed,
  generateEd25519Seed,
  isCanonicalPointEncoding,
} from '../src/ledger/ed25519.js';
import {
  addSignatures,
  computeKeyId,
  generateKey,
  keyIdHex,
  NoteError,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type NoteErrorCode,
} from '../src/ledger/note.js';
import {
  CheckpointError,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../src/ledger/checkpoint.js';
import {
  checkConsistentCheckpoints,
  checkSplitView,
  cosign,
  cosignCheckpoint,
  CosignatureError,
  CosignerKey,
  generateCosignerKey,
  parseAnyVerifierKey,
  parseCosignaturePayload,
  parseCosignerKey,
  parseCosignerVerifierKey,
  SplitViewError,
  verifyCosignature,
} from '../src/ledger/cosignature.js';
import { consistencyProof, leafHash, rootOf, subtreeRoot } from '../src/ledger/merkle.js';

// golang.org/x/mod/sumdb/note note_test.go (BSD-3-Clause): the key pair and its signature.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGLINE =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const GO_NOTE = `${GO_TEXT}\n${GO_SIGLINE}`;
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const ENOCH_SIGLINE =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

// RFC 8032 §7.1 TEST 1.
const RFC1 = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const enc = new TextEncoder();

function throwsNote(f: () => unknown, code: NoteErrorCode, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof NoteError, `expected NoteError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

function scalarToBytes(n: bigint): Uint8Array {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    b[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return b;
}
function bytesToScalar(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

describe('Ed25519 and the verification policy', () => {
  it('reproduces RFC 8032 test 1', () => {
    assert.equal(toHex(ed25519PublicKey(hex(RFC1.seed))), RFC1.pub);
    assert.equal(toHex(ed25519Sign(hex(RFC1.seed), new Uint8Array())), RFC1.sig);
    assert.ok(ed25519Verify(hex(RFC1.pub), new Uint8Array(), hex(RFC1.sig)));
    assert.ok(!ed25519Verify(hex(RFC1.pub), Uint8Array.of(0), hex(RFC1.sig)));
  });

  it('refuses S >= L (S + L verifies in the cofactorless equation but is malleable)', () => {
    const sig = hex(RFC1.sig);
    const s = bytesToScalar(sig.subarray(32));
    const forged = Uint8Array.from(sig);
    forged.set(scalarToBytes(s + ED25519_L), 32);
    assert.deepEqual(ed25519VerifyDetailed(hex(RFC1.pub), new Uint8Array(), forged), {
      ok: false,
      reason: 'non-canonical-s',
    });
  });

  it('refuses non-canonical encodings of A and R, accepts low-order points', () => {
    // identity: canonical 01 00..00; non-canonical: x = -0 (sign bit), and y = p + 1
    const identity = hex('0100000000000000000000000000000000000000000000000000000000000000');
    const minusZero = hex('0100000000000000000000000000000000000000000000000000000000000080');
    const yOverP = hex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    assert.ok(isCanonicalPointEncoding(identity));
    assert.ok(!isCanonicalPointEncoding(minusZero));
    assert.ok(!isCanonicalPointEncoding(yOverP));
    // A = identity, R = identity, S = 0: [0]B = identity + [k]identity holds for every message:
    // a low-order key, accepted by RFC 8032 and by Tally's policy (no blocklist).
    const sig0 = new Uint8Array(64);
    sig0.set(identity, 0);
    assert.ok(ed25519Verify(identity, enc.encode('anything'), sig0));
    assert.deepEqual(ed25519VerifyDetailed(minusZero, enc.encode('anything'), sig0), {
      ok: false,
      reason: 'non-canonical-a',
    });
    assert.deepEqual(ed25519VerifyDetailed(yOverP, enc.encode('anything'), sig0), {
      ok: false,
      reason: 'non-canonical-a',
    });
    const sigR = Uint8Array.from(sig0);
    sigR.set(minusZero, 0);
    assert.deepEqual(ed25519VerifyDetailed(identity, enc.encode('anything'), sigR), {
      ok: false,
      reason: 'non-canonical-r',
    });
  });

  it('refuses wrong lengths without throwing', () => {
    assert.deepEqual(ed25519VerifyDetailed(hex(RFC1.pub), new Uint8Array(), hex(RFC1.sig).subarray(0, 63)), {
      ok: false,
      reason: 'bad-signature-length',
    });
    assert.deepEqual(ed25519VerifyDetailed(hex(RFC1.pub).subarray(1), new Uint8Array(), hex(RFC1.sig)), {
      ok: false,
      reason: 'bad-public-key-length',
    });
  });
});

describe('signed notes', () => {
  it('reproduces the Go vector byte for byte', () => {
    const signer = parseSignerKey(GO_SKEY);
    assert.equal(signer.verifierKey(), GO_VKEY);
    assert.equal(keyIdHex(signer.keyId), 'c74f20a3');
    assert.equal(signNote(GO_TEXT, [signer]), GO_NOTE);
    const opened = openNote(GO_NOTE, [parseVerifierKey(GO_VKEY)]);
    assert.equal(opened.text, GO_TEXT);
    assert.equal(opened.sigs.length, 1);
    assert.equal(opened.sigs[0]!.name, 'PeterNeumann');
    assert.equal(opened.unverified.length, 0);
  });

  it('ignores unknown keys, verifies known ones, rejects when no known key signed', () => {
    const note = GO_NOTE + ENOCH_SIGLINE;
    const peter = parseVerifierKey(GO_VKEY);
    const enoch = parseVerifierKey(ENOCH_VKEY);
    const r = openNote(note, [peter]);
    assert.equal(r.sigs.length, 1);
    assert.deepEqual(
      r.unverified.map((s) => s.name),
      ['EnochRoot'],
    );
    assert.equal(openNote(note, [peter, enoch]).sigs.length, 2);
    const other = parseVerifierKey(generateKey('someone.example/else').verifierKey);
    throwsNote(() => openNote(note, [other]), 'unknown-key', /not signed by any known key.*PeterNeumann\+c74f20a3/);
    // same name, other key ID: an unknown key, ignored
    const sameName = parseVerifierKey(generateKey('PeterNeumann').verifierKey);
    throwsNote(() => openNote(GO_NOTE, [sameName]), 'unknown-key');
  });

  it('round-trips generated keys and several signers', () => {
    const a = generateKey('log.example/a');
    const b = generateKey('log.example/b');
    assert.match(a.signerKey, /^PRIVATE\+KEY\+log\.example\/a\+[0-9a-f]{8}\+A/);
    assert.match(a.verifierKey, /^log\.example\/a\+[0-9a-f]{8}\+A/);
    const note = signNote('hello\n\nworld\n', [parseSignerKey(a.signerKey), parseSignerKey(b.signerKey)]);
    const r = openNote(note, [parseVerifierKey(a.verifierKey), parseVerifierKey(b.verifierKey)]);
    assert.equal(r.text, 'hello\n\nworld\n');
    assert.equal(r.sigs.length, 2);
    // bytes in, too
    assert.equal(openNote(enc.encode(note), [parseVerifierKey(b.verifierKey)]).text, 'hello\n\nworld\n');
  });

  it('rejects every malformed note with a clear error', () => {
    const peter = [parseVerifierKey(GO_VKEY)];
    throwsNote(() => openNote(GO_TEXT, peter), 'no-signature', /no signature block/);
    throwsNote(() => openNote(`${GO_TEXT}\n`, peter), 'no-signature', /empty signature block/);
    throwsNote(() => openNote(GO_NOTE.slice(0, -1), peter), 'malformed', /does not end with a newline/);
    throwsNote(() => openNote(`\u0001${GO_NOTE}`, peter), 'malformed', /control character U\+0001/);
    throwsNote(() => openNote(GO_NOTE.replace('If', 'If\r'), peter), 'malformed', /control character U\+000D/);
    throwsNote(() => openNote(GO_NOTE.replace('—', '-'), peter), 'malformed', /does not start with "— "/);
    throwsNote(() => openNote(GO_NOTE.replace('— PeterNeumann', '— Peter Neumann'), peter), 'malformed', /base64/);
    throwsNote(
      () => openNote(GO_NOTE.replace('— PeterNeumann', '— Peter+Neumann'), peter),
      'bad-name',
      /invalid key name/,
    );
    throwsNote(() => openNote(GO_NOTE.replace('— PeterNeumann ', '—  '), peter), 'bad-name', /invalid key name ""/);
    throwsNote(() => openNote(GO_NOTE.replace('AM=\n', 'AN=\n'), peter), 'malformed', /not canonical base64/); // non-zero pad bits
    throwsNote(() => openNote(GO_NOTE.replace('AM=\n', 'AM\n'), peter), 'malformed', /not canonical base64/);
    throwsNote(() => openNote(`${GO_TEXT}\n— PeterNeumann AAAAAA==\n`, peter), 'malformed', /too short/);
    const bytes = enc.encode(GO_NOTE);
    const badUtf8 = Uint8Array.from([...bytes.subarray(0, 3), 0xff, ...bytes.subarray(3)]);
    throwsNote(() => openNote(badUtf8, peter), 'malformed', /not valid UTF-8/);
    throwsNote(() => openNote(GO_NOTE.replace('If', 'If\ud800'), peter), 'malformed', /lone surrogate/);
    throwsNote(() => openNote(GO_NOTE + GO_SIGLINE.repeat(100), peter), 'malformed', /more than 100 signatures/);
  });

  it('rejects a bad signature by a known key, never ignoring it', () => {
    const peter = [parseVerifierKey(GO_VKEY)];
    const corrupted = GO_NOTE.replace('ElZInNIuGUg', 'ElZInNABCDIuGUg'); // signed-note-vectors.json sumdb-peter-corrupted
    assert.notEqual(corrupted, GO_NOTE);
    throwsNote(
      () => openNote(corrupted, peter),
      'bad-signature',
      /invalid signature by known key PeterNeumann\+c74f20a3/,
    );
    // a good signature followed by a bad one from the same key: still rejected
    const bad = GO_SIGLINE.replace('x08go/ZJ', 'x08go/ZK');
    throwsNote(() => openNote(GO_NOTE + bad, peter), 'bad-signature');
    // the text changed under the signature
    throwsNote(() => openNote(GO_NOTE.replace('answer', 'answers'), peter), 'bad-signature');
  });

  it('rejects bad names, bad keys and ambiguous verifier lists', () => {
    throwsNote(() => generateKey('bad name'), 'bad-name', /no spaces, '\+'/);
    throwsNote(() => generateKey('bad+name'), 'bad-name');
    throwsNote(() => generateKey(''), 'bad-name');
    throwsNote(() => generateKey('tab\tname'), 'bad-name');
    throwsNote(() => generateKey('nbsp\u00a0name'), 'bad-name');
    throwsNote(
      () => parseVerifierKey('PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
      'bad-key',
      /does not match the key \(expected c74f20a3\)/,
    );
    throwsNote(
      () => parseVerifierKey('PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
      'bad-key',
      /8 hex digits/,
    );
    throwsNote(
      () => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
      'bad-key',
      /unsupported signature type 0x65/,
    );
    throwsNote(
      () => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
      'bad-key',
      /canonical base64/,
    ); // non-zero pad bits (Go refuses it for its length)
    throwsNote(
      () =>
        parseVerifierKey(
          `x+${keyIdHex(computeKeyId('x', 1, new Uint8Array(31)))}+${Buffer.from(new Uint8Array([1, ...new Uint8Array(31)])).toString('base64')}`,
        ),
      'bad-key',
      /must be 32 bytes, got 31/,
    );
    throwsNote(() => parseVerifierKey('bananas.sigstore.dev+12344556'), 'bad-key', /canonical base64/);
    throwsNote(
      () => parseVerifierKey('rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!'),
      'bad-key',
      /canonical base64/,
    );
    throwsNote(() => parseVerifierKey('bad name+12345678+AQ=='), 'bad-key', /invalid key name/);
    throwsNote(() => parseSignerKey(GO_SKEY.replace('c74f20a3', 'c74f20a4')), 'bad-key', /does not match/);
    throwsNote(() => parseSignerKey(GO_SKEY.replace('PRIVATE', 'PUBLIC')), 'bad-key', /PRIVATE\+KEY/);
    throwsNote(() => parseSignerKey('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK'), 'bad-key', /32 bytes/);
    const v = parseVerifierKey(GO_VKEY);
    throwsNote(() => openNote(GO_NOTE, [v, parseVerifierKey(GO_VKEY)]), 'ambiguous-key');
    throwsNote(() => signNote('no newline', [parseSignerKey(GO_SKEY)]), 'bad-text', /end with a newline/);
    throwsNote(() => signNote('bell\u0007\n', [parseSignerKey(GO_SKEY)]), 'bad-text', /U\+0007/);
    throwsNote(() => signNote('x\n', []), 'no-signature');
  });

  it('key IDs follow SHA-256(name || 0x0A || type || key)[:4]', () => {
    const pub = parseVerifierKey(GO_VKEY).publicKey;
    assert.equal(keyIdHex(computeKeyId('PeterNeumann', 0x01, pub)), 'c74f20a3');
  });

  it('signs and opens arbitrary note texts (property)', () => {
    const signer = parseSignerKey(GO_SKEY);
    const verifier = parseVerifierKey(GO_VKEY);
    const line = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '—', '+', '\u{1F600}', '=', 'Z'), maxLength: 20 });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
        const text = lines.join('\n') + '\n';
        const note = signNote(text, [signer]);
        assert.equal(openNote(note, [verifier]).text, text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkpoints', () => {
  const signer = parseSignerKey(GO_SKEY);
  const verifier = parseVerifierKey(GO_VKEY);
  const root = new Uint8Array(32).map((_, i) => i);
  const rootB64 = Buffer.from(root).toString('base64');

  it('formats, signs and opens', () => {
    const body = formatCheckpoint({ origin: 'example.com/log', size: 1962, root, extensions: ['ext one'] });
    assert.equal(body, `example.com/log\n1962\n${rootB64}\next one\n`);
    const note = signCheckpoint({ origin: 'example.com/log', size: 1962, root, extensions: ['ext one'] }, signer);
    const cp = openCheckpoint(note, verifier, { origin: 'example.com/log' });
    assert.equal(cp.origin, 'example.com/log');
    assert.equal(cp.size, 1962);
    assert.deepEqual(cp.root, root);
    assert.deepEqual(cp.extensions, ['ext one']);
    assert.throws(() => openCheckpoint(note, verifier, { origin: 'other' }), CheckpointError);
    assert.equal(parseCheckpoint(`o\n0\n${rootB64}\n`).size, 0);
  });

  it('rejects malformed checkpoint bodies', () => {
    const bad: Array<[string, RegExp]> = [
      [`\n1\n${rootB64}\n`, /origin line is empty/],
      [`o\n01\n${rootB64}\n`, /canonical decimal/],
      [`o\n-1\n${rootB64}\n`, /canonical decimal/],
      [`o\n+1\n${rootB64}\n`, /canonical decimal/],
      [`o\n 1\n${rootB64}\n`, /canonical decimal/],
      [`o\n\n${rootB64}\n`, /canonical decimal/],
      [`o\n1e3\n${rootB64}\n`, /canonical decimal/],
      [`o\n9007199254740992\n${rootB64}\n`, /exceeds 2\^53-1/],
      [`o\n1\n${Buffer.from(root.subarray(1)).toString('base64')}\n`, /31 bytes, expected 32/],
      [`o\n1\n${rootB64.replace('=', '')}\n`, /not canonical standard base64/],
      [`o\n1\n${rootB64.replace('8=', '9=')}\n`, /not canonical standard base64/],
      [`o\n1\n${Buffer.from(root).toString('base64url')}\n`, /not canonical standard base64/],
      [`o\n1\n`, /needs origin, size and root hash/],
      [`o\n1\n${rootB64}\n\n`, /extension line 1 is empty/],
      [`o\n1\n${rootB64}`, /end with a newline/],
    ];
    for (const [body, msg] of bad) {
      assert.throws(
        () => parseCheckpoint(body),
        (e: unknown) => e instanceof CheckpointError && msg.test(e.message),
        JSON.stringify(body),
      );
    }
    // a note whose text is not a checkpoint is refused by openCheckpoint
    throwsNote(() => openCheckpoint(GO_NOTE.replace('PeterNeumann x08', 'PeterNeumann y08'), verifier), 'unknown-key'); // key ID changed
    assert.throws(() => openCheckpoint(GO_NOTE, verifier), CheckpointError);
    assert.throws(() => formatCheckpoint({ origin: 'o', size: -1, root, extensions: [] }), CheckpointError);
    assert.throws(
      () => formatCheckpoint({ origin: 'o', size: 1, root: root.subarray(1), extensions: [] }),
      CheckpointError,
    );
    assert.throws(() => formatCheckpoint({ origin: 'o\nx', size: 1, root, extensions: [] }), CheckpointError);
  });

  it('requires the log key, not just any known key', () => {
    const other = parseSignerKey(generateKey('other.example').signerKey);
    const note = signCheckpoint({ origin: 'o', size: 1, root, extensions: [] }, other);
    throwsNote(
      () => openCheckpoint(note, verifier, { others: [other.verifier()] }),
      'unknown-key',
      /not signed by the log key PeterNeumann/,
    );
  });
});

describe('cosignatures (tlog-cosignature v1.0.1, type 0x04)', () => {
  const logSigner = parseSignerKey(GO_SKEY);
  const log = parseVerifierKey(GO_VKEY);
  const root = new Uint8Array(32).fill(7);
  const note = signCheckpoint({ origin: 'example.com/log', size: 10, root, extensions: [] }, logSigner);
  const body = openNote(note, [log]).text;

  it('parses the transparency-dev/formats timestamp vector', () => {
    const p = parseCosignaturePayload(
      'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==',
    );
    assert.equal(keyIdHex(p.keyId), '646846b9');
    assert.equal(p.timestamp, 1727964367);
    assert.throws(
      () =>
        parseCosignaturePayload(
          'eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=',
        ),
      /76 bytes/,
    );
    assert.equal(
      parseAnyVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2').toString(),
      'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
    );
  });

  it('cosigns over "cosignature/v1\\ntime T\\n" + body and verifies', () => {
    const k = new CosignerKey('witness.example/w1', hex(RFC1.seed));
    const line = cosign(body, k, 1700000000);
    const raw = new Uint8Array(Buffer.from(line.trim().split(' ')[2]!, 'base64'));
    assert.equal(raw.length, 76);
    assert.equal(
      keyIdHex(new DataView(raw.buffer).getUint32(0)),
      keyIdHex(computeKeyId('witness.example/w1', 0x04, hex(RFC1.pub))),
    );
    assert.equal(new DataView(raw.buffer).getBigUint64(4), 1700000000n);
    const expected = ed25519Sign(hex(RFC1.seed), enc.encode(`cosignature/v1\ntime 1700000000\n${body}`));
    assert.deepEqual(raw.subarray(12), expected);
    const cosigned = note + line;
    const v = verifyCosignature(cosigned, k.verifier(), { log });
    assert.equal(v.timestamp, 1700000000);
    assert.equal(v.checkpoint.size, 10);
    assert.throws(() => verifyCosignature(cosigned, k.verifier(), { notAfter: 1699999999 }), CosignatureError);
    // the vkey round trip; a 0x01 verifier of the same key does not accept it
    const vk = parseCosignerVerifierKey(k.verifierKey());
    assert.equal(verifyCosignature(cosigned, vk).timestamp, 1700000000);
    const as01 = parseVerifierKey(
      `${'witness.example/w1'}+${keyIdHex(computeKeyId('witness.example/w1', 1, hex(RFC1.pub)))}+${Buffer.from([1, ...hex(RFC1.pub)]).toString('base64')}`,
    );
    throwsNote(() => openNote(cosigned.replace(GO_SIGLINE, ''), [as01]), 'unknown-key');
  });

  it('rejects forged, re-timed and foreign cosignatures', () => {
    const k = new CosignerKey('witness.example/w1', hex(RFC1.seed));
    const line = cosign(body, k, 1700000000);
    const raw = new Uint8Array(Buffer.from(line.trim().split(' ')[2]!, 'base64'));
    new DataView(raw.buffer).setBigUint64(4, 1700000001n); // change the timestamp only
    const retimed = `${note}— witness.example/w1 ${Buffer.from(raw).toString('base64')}\n`;
    throwsNote(() => verifyCosignature(retimed, k.verifier()), 'bad-signature');
    new DataView(raw.buffer).setBigUint64(4, 1n << 63n); // over 2^63-1
    throwsNote(
      () => verifyCosignature(`${note}— witness.example/w1 ${Buffer.from(raw).toString('base64')}\n`, k.verifier()),
      'bad-signature',
    );
    const stranger = new CosignerKey('witness.example/w2', generateEd25519Seed());
    throwsNote(() => verifyCosignature(note + line, stranger.verifier()), 'unknown-key');
    // a cosignature on another checkpoint moved onto this one
    const other = signCheckpoint({ origin: 'example.com/log', size: 11, root, extensions: [] }, logSigner);
    throwsNote(() => verifyCosignature(other + line, k.verifier()), 'bad-signature');
    assert.throws(() => cosign('not a checkpoint\n', k, 1), CheckpointError);
    assert.throws(() => cosign(body, k, -1), CosignatureError);
    assert.throws(() => cosign(body, k, 1.5), CosignatureError);
  });

  it('parses cosigner keys in the 0x04 private form and refuses a 0x01 signed-note key', () => {
    const g = generateCosignerKey('witness.example/w3');
    const k = parseCosignerKey(g.signerKey);
    assert.equal(k.verifierKey(), g.verifierKey);
    const seed = hex(RFC1.seed);
    const id01 = computeKeyId('w', 1, ed25519PublicKey(seed));
    // Its cosignature would carry a 0x04 key ID that no published 0x01 verifier key names.
    throwsNote(
      () => parseCosignerKey(`PRIVATE+KEY+w+${keyIdHex(id01)}+${Buffer.from([1, ...seed]).toString('base64')}`),
      'bad-key',
      /signed-note key \(type 0x01\); a cosigner key \(type 0x04/,
    );
    throwsNote(
      () => parseCosignerKey(g.signerKey.replace(/\+([0-9a-f]{8})\+/, '+00000000+')),
      'bad-key',
      /does not match/,
    );
    throwsNote(() => parseCosignerVerifierKey(GO_VKEY), 'bad-key', /not 0x04/);
  });

  it('refuses to cosign a split view, cosigns a consistent extension', () => {
    const leaves = Array.from({ length: 6 }, (_, i) => leafHash(enc.encode(`entry ${i}`)));
    const forkLeaves = leaves.map((h, i) => (i === 2 ? leafHash(enc.encode('rewritten')) : h));
    const hashAt = (ls: Uint8Array[]) => (level: number, index: number) => subtreeRoot(ls, level, index);
    const cp = (ls: Uint8Array[], n: number) =>
      signCheckpoint({ origin: 'example.com/log', size: n, root: rootOf(ls.slice(0, n)), extensions: [] }, logSigner);
    const old5 = cp(leaves, 5);
    const new6 = cp(leaves, 6);
    const fork6 = cp(forkLeaves, 6);
    const proofGood = consistencyProof(5, 6, hashAt(leaves));
    const proofFork = consistencyProof(5, 6, hashAt(forkLeaves));
    const k = new CosignerKey('witness.example/w1', hex(RFC1.seed));
    const last = openCheckpoint(old5, log);
    const ok = cosignCheckpoint({ note: new6, log, key: k, timeSec: 5, last, proof: proofGood });
    assert.equal(verifyCosignature(ok.note, k.verifier(), { log }).timestamp, 5);
    assert.throws(
      () => cosignCheckpoint({ note: fork6, log, key: k, timeSec: 5, last, proof: proofFork }),
      SplitViewError,
    );
    assert.throws(
      () => cosignCheckpoint({ note: old5, log, key: k, timeSec: 5, last: openCheckpoint(new6, log) }),
      /rollback/,
    );
    assert.throws(
      () => checkConsistentCheckpoints(last, { ...last, root: new Uint8Array(32) }, []),
      /two different roots/,
    );
    const verdict = checkSplitView({
      verifierKey: GO_VKEY,
      oldNote: old5,
      newNote: fork6,
      consistencyProof: proofFork.map((h) => Buffer.from(h).toString('base64')),
      impliedOldRoot: Buffer.from(rootOf(forkLeaves.slice(0, 5))).toString('base64'),
    });
    assert.equal(verdict.splitView, true);
    assert.equal(verdict.proven, true);
    assert.match(verdict.reason, /^fork/);
    const fine = checkSplitView({
      verifierKey: GO_VKEY,
      oldNote: old5,
      newNote: new6,
      consistencyProof: proofGood.map((h) => Buffer.from(h).toString('base64')),
    });
    assert.equal(fine.splitView, false);
  });
});

// ------------------------------------------------------------- mutations
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    pos: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('insertText' as const),
    pos: fc.nat(),
    s: fc.constantFrom('\n', ' ', '—', '0', '=', '+', 'A', '\n\n', '— x AAAA\n'),
  }),
  fc.record({ kind: fc.constant('truncate' as const), pos: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const m of ms) {
    const p = b.length === 0 ? 0 : m.pos % (b.length + 1);
    if (m.kind === 'flip' && b.length > 0) b[p % b.length]! ^= 1 << m.bit;
    else if (m.kind === 'set' && b.length > 0) b[p % b.length] = m.byte;
    else if (m.kind === 'delete') b = Uint8Array.from([...b.subarray(0, p), ...b.subarray(p + m.len)]);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, p), ...m.bytes, ...b.subarray(p)]);
    else if (m.kind === 'insertText') b = Uint8Array.from([...b.subarray(0, p), ...enc.encode(m.s), ...b.subarray(p)]);
    else if (m.kind === 'truncate') b = b.subarray(0, p);
  }
  return b;
}
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const expected = (e: unknown) =>
  e instanceof NoteError || e instanceof CheckpointError || e instanceof CosignatureError;

describe('mutations never verify', () => {
  const logSigner = parseSignerKey(GO_SKEY);
  const log = parseVerifierKey(GO_VKEY);
  const k = new CosignerKey('witness.example/w1', hex(RFC1.seed));
  const root = new Uint8Array(32).map((_, i) => 255 - i);
  const cpNote = addSignatures(
    signCheckpoint({ origin: 'example.com/log', size: 123456, root, extensions: ['x'] }, logSigner),
    [k.signerAt(1700000000)],
  );
  const original = openCheckpoint(cpNote, log);

  it('signed notes', () => {
    const src = enc.encode(GO_NOTE + ENOCH_SIGLINE);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        const b = mutate(src, ms);
        try {
          const r = openNote(b, [log]);
          // accepted only if the signed text is unchanged (e.g. the unknown key's line was altered)
          assert.equal(r.text, GO_TEXT, 'a mutated note was accepted with other text');
        } catch (e) {
          if (!expected(e)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('checkpoints', () => {
    const src = enc.encode(cpNote);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        const b = mutate(src, ms);
        try {
          const r = openCheckpoint(b, log);
          assert.equal(r.body, original.body);
          assert.equal(r.size, 123456);
          assert.ok(sameBytes(r.root, root));
        } catch (e) {
          if (!expected(e)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('cosignatures', () => {
    const src = enc.encode(cpNote);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        const b = mutate(src, ms);
        try {
          const r = verifyCosignature(b, k.verifier());
          assert.equal(r.body, original.body);
          assert.equal(r.timestamp, 1700000000);
        } catch (e) {
          if (!expected(e)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
