// Conformance of the signed-note, checkpoint and cosignature code
// (src/ledger/{ed25519,note,checkpoint,cosignature}.ts) against the vectors in
// ../shared/data/tlog and against independent verifiers.
//
//   node dist/scripts/conformance/tlog-notes.js [DATA_DIR] [--json] [--no-go]
//
// DATA_DIR defaults to $TALLY_TLOG_DATA or ../shared/data/tlog. Checks:
//   signed-note-vectors.json  every vector, the must-fail ones refused
//   rfc8032-ed25519.json      key derivation, deterministic signature, verify
//   wycheproof                every case's `result`
//   cctv                      Tally's Ed25519 policy on all 914 vectors (table)
//   split-view-evidence.json  both heads valid, the pair refused as a fork
//   python3-cryptography      a Tally checkpoint + cosignature verified by an
//                             independent few-line implementation (required)
//   Go x/mod/sumdb/note       the same, plus byte-for-byte signing and Go's
//                             crypto/ed25519 on CCTV (skipped with a note when
//                             Go or golang-golang-x-mod-dev is not installed)
// Exits 1 when any check fails.

import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ed25519PublicKey, ed25519Sign, ed25519VerifyDetailed } from '../../src/ledger/ed25519.js';
import {
  addSignatures,
  keyIdHex,
  NoteError,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  parseVerifierKeyParts,
  signNote,
  generateKey,
} from '../../src/ledger/note.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from '../../src/ledger/checkpoint.js';
import {
  checkSplitView,
  cosignCheckpoint,
  CosignerKey,
  parseAnyVerifierKey,
  parseCosignaturePayload,
  SplitViewError,
  verifyCosignature,
} from '../../src/ledger/cosignature.js';
import { generateEd25519Seed } from '../../src/ledger/ed25519.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const noGo = args.includes('--no-go');
const dataDir = args.find((a) => !a.startsWith('--')) ?? process.env.TALLY_TLOG_DATA ?? '../shared/data/tlog';

interface Section {
  name: string;
  passed: number;
  failed: number;
  skipped: boolean;
  notes: string[];
}
const sections: Section[] = [];
function section(name: string): Section {
  const s: Section = { name, passed: 0, failed: 0, skipped: false, notes: [] };
  sections.push(s);
  return s;
}
function check(s: Section, ok: boolean, what: string): void {
  if (ok) s.passed++;
  else {
    s.failed++;
    s.notes.push(`FAIL ${what}`);
    console.error(`  FAIL [${s.name}] ${what}`);
  }
}
function attempt<T>(f: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const readJson = (p: string): unknown => JSON.parse(readFileSync(join(dataDir, p), 'utf8'));
const errText = (e: unknown): string =>
  e instanceof NoteError ? `${e.code}: ${e.message}` : e instanceof Error ? `${e.name}: ${e.message}` : String(e);

// ------------------------------------------------------------- signed-note vectors
interface NoteVector {
  id: string;
  signerKey?: string;
  verifierKey?: string;
  verifierKeys?: string[];
  keyName?: string;
  keyIdHex?: string;
  text?: string;
  note: string;
  expect: string;
}
interface NoteVectors {
  vectors: NoteVector[];
  sumdbTreeNote: { treeSize: number; body: string };
  vkeyKeyIdVectors: { valid: string[]; invalid: Array<{ vkey: string; why: string }> };
  cosignatureTimestampVector: { signatureBase64: string; keyIdHex: string; timestamp: number; notCosignature: string };
}

function signedNoteVectors(): void {
  const s = section('signed-note-vectors.json');
  const v = readJson('signed-note-vectors.json') as NoteVectors;
  for (const t of v.vectors) {
    const vkeys = t.verifierKeys ?? (t.verifierKey ? [t.verifierKey] : []);
    const verifiers = vkeys.map((k) => parseVerifierKey(k));
    if (t.keyIdHex && t.keyName) {
      const p = parseVerifierKeyParts(t.verifierKey!);
      check(s, keyIdHex(p.keyId) === t.keyIdHex && p.name === t.keyName, `${t.id}: key ID of the verifier key`);
    }
    if (t.signerKey) {
      const signer = parseSignerKey(t.signerKey);
      check(s, signer.verifierKey() === t.verifierKey, `${t.id}: signer key's public key gives the verifier key`);
      const made = signNote(t.text!, [signer]);
      check(s, made === t.note, `${t.id}: Tally's signature reproduces the Go note byte for byte`);
    }
    const r = attempt(() => openNote(t.note, verifiers));
    if (t.expect.startsWith('valid')) {
      check(s, r.ok, `${t.id}: must open (${r.ok ? 'ok' : errText(r.error)})`);
      if (r.ok && t.text) check(s, r.value.text === t.text, `${t.id}: opened text`);
      if (r.ok && t.id === 'sumdb-peter-enoch') {
        // with only Peter trusted, Enoch's signature is unverified and ignored
        const only = openNote(t.note, [verifiers[0]!]);
        check(
          s,
          only.sigs.length === 1 && only.unverified.length === 1 && only.unverified[0]!.name === 'EnochRoot',
          `${t.id}: EnochRoot unknown -> ignored, not rejected`,
        );
        check(s, r.value.sigs.length === 2, `${t.id}: both keys known -> both verified`);
        const onlyEnoch = attempt(() => openNote(t.note, [verifiers[1]!]));
        check(s, onlyEnoch.ok, `${t.id}: only EnochRoot trusted -> opens`);
      }
    } else {
      check(
        s,
        !r.ok && r.error instanceof NoteError,
        `${t.id}: must be refused (${r.ok ? 'ACCEPTED' : errText(r.error)})`,
      );
      if (!json && !r.ok) console.log(`  ${t.id}: refused as expected: ${errText(r.error)}`);
    }
  }
  // the Go sumdb tree note body is a valid checkpoint body
  const tn = attempt(() => parseCheckpoint(v.sumdbTreeNote.body));
  check(
    s,
    tn.ok && tn.value.size === v.sumdbTreeNote.treeSize && formatCheckpoint(tn.value) === v.sumdbTreeNote.body,
    'sumdbTreeNote: parses as a checkpoint and round-trips',
  );
  for (const k of v.vkeyKeyIdVectors.valid) {
    const r = attempt(() => parseAnyVerifierKey(k));
    check(s, r.ok && r.value.toString() === k, `vkey valid: ${k} (${r.ok ? 'ok' : errText(r.error)})`);
  }
  for (const k of v.vkeyKeyIdVectors.invalid) {
    const r = attempt(() => parseAnyVerifierKey(k.vkey));
    check(s, !r.ok, `vkey invalid: ${k.vkey} (${k.why}) -> ${r.ok ? 'ACCEPTED' : errText(r.error)}`);
  }
  const cv = v.cosignatureTimestampVector;
  const p = attempt(() => parseCosignaturePayload(cv.signatureBase64));
  check(
    s,
    p.ok && keyIdHex(p.value.keyId) === cv.keyIdHex && p.value.timestamp === cv.timestamp,
    'cosignature timestamp vector: key ID and timestamp',
  );
  const notCosig = cv.notCosignature.split(' ')[0]!;
  check(
    s,
    !attempt(() => parseCosignaturePayload(notCosig)).ok,
    'cosignature timestamp vector: a 68-byte plain signature is not a cosignature',
  );
}

// ------------------------------------------------------------- RFC 8032
function rfc8032(): void {
  const s = section('rfc8032-ed25519.json');
  const v = readJson('rfc8032-ed25519.json') as {
    vectors: Array<{
      name: string;
      secretKeyHex: string;
      publicKeyHex: string;
      messageHex: string;
      signatureHex: string;
    }>;
  };
  for (const t of v.vectors) {
    const seed = hex(t.secretKeyHex);
    const pub = ed25519PublicKey(seed);
    check(s, Buffer.from(pub).toString('hex') === t.publicKeyHex, `${t.name}: public key`);
    const sig = ed25519Sign(seed, hex(t.messageHex));
    check(s, Buffer.from(sig).toString('hex') === t.signatureHex, `${t.name}: signature`);
    check(
      s,
      ed25519VerifyDetailed(hex(t.publicKeyHex), hex(t.messageHex), hex(t.signatureHex)).ok,
      `${t.name}: verifies`,
    );
    const bad = hex(t.signatureHex);
    bad[10]! ^= 1;
    check(
      s,
      !ed25519VerifyDetailed(hex(t.publicKeyHex), hex(t.messageHex), bad).ok,
      `${t.name}: a flipped bit does not verify`,
    );
  }
}

// ------------------------------------------------------------- Wycheproof
function wycheproof(): void {
  const s = section('wycheproof/ed25519_test.json');
  const v = readJson('wycheproof/ed25519_test.json') as {
    numberOfTests: number;
    testGroups: Array<{
      publicKey: { pk: string };
      tests: Array<{ tcId: number; comment: string; msg: string; sig: string; result: string; flags: string[] }>;
    }>;
  };
  let n = 0;
  const byResult: Record<string, number> = {};
  for (const g of v.testGroups) {
    for (const t of g.tests) {
      n++;
      byResult[t.result] = (byResult[t.result] ?? 0) + 1;
      const r = ed25519VerifyDetailed(hex(g.publicKey.pk), hex(t.msg), hex(t.sig));
      if (t.result === 'acceptable') {
        s.notes.push(`tcId ${t.tcId} acceptable: Tally ${r.ok ? 'accepts' : `rejects (${r.reason})`}`);
        s.passed++;
        continue;
      }
      check(
        s,
        r.ok === (t.result === 'valid'),
        `tcId ${t.tcId} (${t.comment}; ${t.flags.join(',')}): expected ${t.result}, Tally ${r.ok ? 'accepts' : `rejects (${r.reason})`}`,
      );
    }
  }
  check(s, n === v.numberOfTests, `ran ${n} of ${v.numberOfTests} cases`);
  s.notes.push(`results in file: ${JSON.stringify(byResult)} (no 'acceptable' case in this version)`);
}

// ------------------------------------------------------------- CCTV
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
function opensslRaw(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return nodeVerify(null, msg, createPublicKey({ key: Buffer.concat([SPKI, pk]), format: 'der', type: 'spki' }), sig);
  } catch {
    return false;
  }
}
interface CctvVector {
  number: number;
  key: string;
  sig: string;
  msg: string;
  flags: string[] | null;
}
/** Tally's policy, stated from the flags alone. */
function policyAccepts(flags: readonly string[]): boolean {
  return (
    !flags.includes('non_canonical_A') && !flags.includes('non_canonical_R') && !flags.includes('low_order_residue')
  );
}
function cctv(): CctvVector[] {
  const s = section('cctv/ed25519vectors.json');
  const v = readJson('cctv/ed25519vectors.json') as CctvVector[];
  const table = new Map<string, { n: number; openssl: number; tally: number; expect: boolean; reasons: Set<string> }>();
  for (const t of v) {
    const flags = t.flags ?? [];
    const pk = hex(t.key);
    const msg = new TextEncoder().encode(t.msg);
    const sig = hex(t.sig);
    const r = ed25519VerifyDetailed(pk, msg, sig);
    const expect = policyAccepts(flags);
    check(
      s,
      r.ok === expect,
      `vector ${t.number} [${flags.join(',')}]: policy says ${expect ? 'accept' : 'reject'}, Tally ${r.ok ? 'accepts' : 'rejects'}`,
    );
    const key = flags.length ? [...flags].sort().join(' ') : '(no flags)';
    const row = table.get(key) ?? { n: 0, openssl: 0, tally: 0, expect, reasons: new Set<string>() };
    row.n++;
    if (opensslRaw(pk, msg, sig)) row.openssl++;
    if (r.ok) row.tally++;
    else row.reasons.add(r.reason);
    table.set(key, row);
  }
  if (!json) {
    console.log(
      '  CCTV policy outcome table (n = vectors; OpenSSL = raw node:crypto accepts; Tally = accepts under the policy):',
    );
    console.log('  ' + ['n', 'OpenSSL', 'Tally', 'Tally rejects as', 'flags'].join('\t'));
    const rows = [...table.entries()].sort((a, b) => a[0].localeCompare(b[0]));
    for (const [k, r] of rows)
      console.log(`  ${r.n}\t${r.openssl}\t${r.tally}\t${[...r.reasons].join(',') || '-'}\t${k}`);
    const acc = rows.reduce((a, [, r]) => a + r.tally, 0);
    const osl = rows.reduce((a, [, r]) => a + r.openssl, 0);
    console.log(
      `  totals: ${v.length} vectors; OpenSSL alone accepts ${osl}; Tally accepts ${acc}, rejects ${v.length - acc}`,
    );
    // the same, by the three flags the policy looks at
    const summary = new Map<string, { n: number; tally: number }>();
    for (const t of v) {
      const f = t.flags ?? [];
      const k =
        ['non_canonical_A', 'non_canonical_R', 'low_order_residue'].filter((x) => f.includes(x)).join('+') ||
        'none of them (incl. low-order A/R)';
      const row = summary.get(k) ?? { n: 0, tally: 0 };
      row.n++;
      if (policyAccepts(f)) row.tally++;
      summary.set(k, row);
    }
    console.log('  by policy flags: n\tTally accepts\tflags');
    for (const [k, r] of [...summary.entries()].sort()) console.log(`  ${r.n}\t${r.tally}\t${k}`);
  }
  s.notes.push('policy: accept iff none of non_canonical_A, non_canonical_R, low_order_residue');
  return v;
}

// ------------------------------------------------------------- split view
function splitView(): void {
  const s = section('split-view-evidence.json');
  const e = readJson('split-view-evidence.json') as {
    verifierKey: string;
    signerKey: string;
    oldNote: string;
    newNote: string;
    impliedOldRoot: string;
    consistencyProof5to6: string[];
  };
  const log = parseVerifierKey(e.verifierKey);
  const oldCp = attempt(() => openCheckpoint(e.oldNote, log));
  const newCp = attempt(() => openCheckpoint(e.newNote, log));
  check(s, oldCp.ok && newCp.ok, 'both tree heads are validly signed');
  const signer = parseSignerKey(e.signerKey);
  check(s, signer.verifierKey() === e.verifierKey, 'the Go test signer key gives the verifier key');
  if (oldCp.ok)
    check(s, signNote(oldCp.value.body, [signer]) === e.oldNote, 'old head: Tally reproduces the Go signature');
  const verdict = attempt(() =>
    checkSplitView({
      verifierKey: e.verifierKey,
      oldNote: e.oldNote,
      newNote: e.newNote,
      consistencyProof: e.consistencyProof5to6,
      impliedOldRoot: e.impliedOldRoot,
    }),
  );
  check(
    s,
    verdict.ok && verdict.value.splitView && verdict.value.proven,
    `split view detected and proven (${verdict.ok ? verdict.value.reason : errText(verdict.error)})`,
  );
  if (!json && verdict.ok) console.log(`  split view: ${verdict.value.reason}`);
  // a cosigner whose last checkpoint is the old head refuses the new one
  if (oldCp.ok) {
    const k = new CosignerKey('witness.example/tally', generateEd25519Seed());
    const proof = e.consistencyProof5to6.map((h) => new Uint8Array(Buffer.from(h, 'base64')));
    const r = attempt(() =>
      cosignCheckpoint({ note: e.newNote, log, key: k, timeSec: 1_700_000_000, last: oldCp.value, proof }),
    );
    check(
      s,
      !r.ok && r.error instanceof SplitViewError,
      `cosigner refuses the new head (${r.ok ? 'COSIGNED' : errText(r.error)})`,
    );
    // reversed order: the newer head as "last", the older as next -> rollback refused
    if (newCp.ok) {
      const rb = attempt(() =>
        cosignCheckpoint({ note: e.oldNote, log, key: k, timeSec: 1_700_000_000, last: newCp.value, proof: [] }),
      );
      check(s, !rb.ok && rb.error instanceof SplitViewError, 'cosigner refuses a rollback to the older head');
    }
  }
}

// ------------------------------------------------------------- a Tally checkpoint for the independent verifiers
interface Sample {
  logSkey: string;
  logVkey: string;
  cosigner: CosignerKey;
  note: string; // signed by the log and cosigned
  body: string;
  time: number;
}
function sample(): Sample {
  const { signerKey, verifierKey } = generateKey('tally.example/case-1962');
  const signer = parseSignerKey(signerKey);
  const root = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
  const note = signCheckpoint({ origin: 'tally.example/case-1962', size: 1962, root, extensions: [] }, signer);
  const cosigner = new CosignerKey('witness.example/party-a', generateEd25519Seed());
  const time = 1_727_964_367;
  const cosigned = addSignatures(note, [cosigner.signerAt(time)]);
  // self-check before handing it out
  verifyCosignature(cosigned, cosigner.verifier(), { log: parseVerifierKey(verifierKey) });
  return {
    logSkey: signerKey,
    logVkey: verifierKey,
    cosigner,
    note: cosigned,
    body: openNote(cosigned, [signer.verifier()]).text,
    time,
  };
}

const PYTHON = String.raw`
import sys, base64, hashlib, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.exceptions import InvalidSignature

def parse_vkey(vkey):
    name, idhex, b64 = vkey.split('+', 2)
    key = base64.b64decode(b64, validate=True)
    assert hashlib.sha256(name.encode() + b'\n' + key).digest()[:4] == bytes.fromhex(idhex), 'key ID'
    return name, bytes.fromhex(idhex), key[0], key[1:]

def open_note(note, vkey):
    # signed-note v1.0.0: UTF-8, no control char but LF, split at the last blank line
    text = note.decode('utf-8')
    assert all(c == '\n' or ord(c) >= 0x20 for c in text), 'control character'
    i = note.rindex(b'\n\n')
    body, sigs = note[:i + 1], note[i + 2:]
    assert sigs.endswith(b'\n')
    name, kid, typ, pub = parse_vkey(vkey)
    found = False
    for line in sigs[:-1].split(b'\n'):
        assert line.startswith('\u2014 '.encode())
        n, b64 = line[len('\u2014 '.encode()):].decode().split(' ', 1)
        raw = base64.b64decode(b64, validate=True)
        if n != name or raw[:4] != kid:
            continue
        if typ == 1:
            msg, sig = body, raw[4:]
        elif typ == 4:
            (ts,) = struct.unpack('>Q', raw[4:12])
            msg, sig = b'cosignature/v1\ntime %d\n' % ts + body, raw[12:]
        else:
            raise AssertionError('type')
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)  # raises InvalidSignature
        found = True
    assert found, 'no signature by the key'
    lines = body.decode().split('\n')
    assert lines[0] and str(int(lines[1])) == lines[1] and len(base64.b64decode(lines[2], validate=True)) == 32
    return body

note = open(sys.argv[1], 'rb').read()
for vkey in sys.argv[2:]:
    try:
        open_note(note, vkey)
        print('OK', vkey.split('+')[0])
    except (AssertionError, InvalidSignature, ValueError) as e:
        print('REJECT', vkey.split('+')[0], type(e).__name__, e)
`;

function pythonCheck(smp: Sample, tmp: string): void {
  const s = section('independent: python3-cryptography');
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import cryptography; print(cryptography.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    check(s, false, 'python3-cryptography is not installed (apt-get install -y python3-cryptography)');
    return;
  }
  s.notes.push(`pyca/cryptography ${probe.stdout.trim()}`);
  const good = join(tmp, 'good.note');
  writeFileSync(good, smp.note);
  const out = execFileSync(py, ['-c', PYTHON, good, smp.logVkey, smp.cosigner.verifierKey()], { encoding: 'utf8' });
  check(
    s,
    out === `OK ${smp.logVkey.split('+')[0]}\nOK ${smp.cosigner.name}\n`,
    `Python verifies Tally's checkpoint signature and cosignature: ${out.trim().replace(/\n/g, '; ')}`,
  );
  // the same verifier refuses a one-byte change to the signed body (it is not vacuous)
  const bad = join(tmp, 'bad.note');
  writeFileSync(bad, smp.note.replace('\n1962\n', '\n1963\n'));
  const out2 = execFileSync(py, ['-c', PYTHON, bad, smp.logVkey, smp.cosigner.verifierKey()], { encoding: 'utf8' });
  check(
    s,
    out2.split('\n').filter((l) => l.startsWith('REJECT')).length === 2,
    `Python refuses the tampered checkpoint: ${out2.trim().replace(/\n/g, '; ')}`,
  );
}

const GO_PROGRAM =
  String.raw`package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
)

type cctvVector struct {
	Number int      ` +
  '`json:"number"`' +
  String.raw`
	Key    string   ` +
  '`json:"key"`' +
  String.raw`
	Sig    string   ` +
  '`json:"sig"`' +
  String.raw`
	Msg    string   ` +
  '`json:"msg"`' +
  String.raw`
	Flags  []string ` +
  '`json:"flags"`' +
  String.raw`
}

func main() {
	switch os.Args[1] {
	case "open": // open NOTEFILE VKEY: prints the text
		msg, _ := os.ReadFile(os.Args[2])
		v, err := note.NewVerifier(os.Args[3])
		if err != nil {
			fmt.Println("ERR verifier:", err)
			os.Exit(1)
		}
		n, err := note.Open(msg, note.VerifierList(v))
		if err != nil {
			fmt.Println("ERR open:", err)
			os.Exit(1)
		}
		fmt.Printf("OK %d %d\n", len(n.Sigs), len(n.UnverifiedSigs))
	case "sign": // sign TEXTFILE SKEY: prints the note
		text, _ := os.ReadFile(os.Args[2])
		s, err := note.NewSigner(os.Args[3])
		if err != nil {
			fmt.Println("ERR signer:", err)
			os.Exit(1)
		}
		out, err := note.Sign(&note.Note{Text: string(text)}, s)
		if err != nil {
			fmt.Println("ERR sign:", err)
			os.Exit(1)
		}
		os.Stdout.Write(out)
	case "cctv": // cctv FILE: prints "number 0|1" per vector
		b, _ := os.ReadFile(os.Args[2])
		var vs []cctvVector
		if err := json.Unmarshal(b, &vs); err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		for _, v := range vs {
			k, _ := hex.DecodeString(v.Key)
			s, _ := hex.DecodeString(v.Sig)
			ok := 0
			if ed25519.Verify(ed25519.PublicKey(k), []byte(v.Msg), s) {
				ok = 1
			}
			fmt.Printf("%d %d\n", v.Number, ok)
		}
	}
}
`;

function goCheck(smp: Sample, tmp: string, cctvVectors: CctvVector[]): void {
  const s = section('independent: Go golang.org/x/mod/sumdb/note');
  const gopathSys = '/usr/share/gocode';
  const goBin = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (noGo || goBin.status !== 0 || !existsSync(join(gopathSys, 'src/golang.org/x/mod/sumdb/note/note.go'))) {
    s.skipped = true;
    s.notes.push(
      noGo
        ? 'skipped (--no-go)'
        : 'SKIPPED: Go or golang.org/x/mod not installed (apt-get install -y golang-go golang-golang-x-mod-dev); python3-cryptography is the independent verifier',
    );
    if (!json) console.log(`  ${s.notes[s.notes.length - 1]}`);
    return;
  }
  s.notes.push(goBin.stdout.trim());
  const gopath = join(tmp, 'gopath');
  const dir = join(gopath, 'src/tallynotecheck');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.go'), GO_PROGRAM);
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: `${gopath}:${gopathSys}`,
    GOCACHE: join(tmp, 'gocache'),
    GOFLAGS: '',
    CGO_ENABLED: '0',
  };
  const bin = join(tmp, 'notecheck');
  const build = spawnSync('go', ['build', '-o', bin, 'tallynotecheck'], { env, encoding: 'utf8', cwd: dir });
  if (build.status !== 0) {
    check(s, false, `go build (offline GOPATH mode) failed: ${build.stderr.trim()}`);
    return;
  }
  const run = (...a: string[]): { status: number | null; out: string } => {
    const r = spawnSync(bin, a, { encoding: 'utf8' });
    return { status: r.status, out: r.stdout };
  };
  // 1. Go opens Tally's checkpoint (log signature; the cosignature is an unknown key to Go's 0x01 verifier)
  const good = join(tmp, 'go-good.note');
  writeFileSync(good, smp.note);
  const r1 = run('open', good, smp.logVkey);
  check(s, r1.status === 0 && r1.out === 'OK 1 1\n', `Go opens Tally's signed checkpoint: ${r1.out.trim()}`);
  const bad = join(tmp, 'go-bad.note');
  writeFileSync(bad, smp.note.replace('\n1962\n', '\n1963\n'));
  const r2 = run('open', bad, smp.logVkey);
  check(s, r2.status !== 0, `Go refuses the tampered checkpoint: ${r2.out.trim()}`);
  // 2. Go signs the same text with Tally's generated key: byte-for-byte equal to Tally's note
  const textFile = join(tmp, 'text');
  writeFileSync(textFile, smp.body);
  const r3 = run('sign', textFile, smp.logSkey);
  const tallyNote = signNote(smp.body, [parseSignerKey(smp.logSkey)]);
  check(s, r3.status === 0 && r3.out === tallyNote, 'Go signs with the Tally-generated key: same bytes as Tally');
  // 3. Go's crypto/ed25519 on CCTV: equals Tally except on non_canonical_A (Go accepts, Tally rejects)
  const cctvFile = join(dataDir, 'cctv/ed25519vectors.json');
  const r4 = run('cctv', cctvFile);
  const goRes = new Map(
    r4.out
      .trim()
      .split('\n')
      .map((l) => {
        const [n, ok] = l.split(' ');
        return [Number(n), ok === '1'] as const;
      }),
  );
  let same = 0;
  let diffNonCanonA = 0;
  let other = 0;
  for (const t of cctvVectors) {
    const tally = policyAccepts(t.flags ?? []);
    const go = goRes.get(t.number);
    if (go === tally) same++;
    else if (go === true && (t.flags ?? []).includes('non_canonical_A')) diffNonCanonA++;
    else other++;
  }
  check(
    s,
    other === 0 && same + diffNonCanonA === cctvVectors.length,
    `Go crypto/ed25519 on CCTV: ${same} agree with Tally, ${diffNonCanonA} differ only by non_canonical_A (Go accepts), ${other} other differences`,
  );
  if (!json)
    console.log(
      `  Go ${goBin.stdout.trim()} CCTV: ${same} agree, ${diffNonCanonA} non_canonical_A accepted by Go and rejected by Tally, ${other} other`,
    );
}

// ------------------------------------------------------------- main
function run(name: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    const s = sections.find((x) => x.name === name) ?? section(name);
    check(s, false, `unexpected exception: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

if (!existsSync(join(dataDir, 'SOURCES.md'))) {
  console.error(`tlog-notes: no vector directory at ${dataDir} (set TALLY_TLOG_DATA or pass it)`);
  process.exit(2);
}
run('signed-note-vectors.json', signedNoteVectors);
run('rfc8032-ed25519.json', rfc8032);
run('wycheproof/ed25519_test.json', wycheproof);
let cctvVectors: CctvVector[] = [];
run('cctv/ed25519vectors.json', () => {
  cctvVectors = cctv();
});
run('split-view-evidence.json', splitView);
const tmp = mkdtempSync(join(tmpdir(), 'tally-tlog-notes-'));
try {
  const smp = sample();
  run('independent: python3-cryptography', () => pythonCheck(smp, tmp));
  run('independent: Go golang.org/x/mod/sumdb/note', () => goCheck(smp, tmp, cctvVectors));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const failed = sections.reduce((a, s) => a + s.failed, 0);
if (json) {
  console.log(JSON.stringify({ check: 'tlog-notes', dataDir, sections, failed }, null, 2));
} else {
  for (const s of sections) {
    console.log(
      `tlog-notes: ${s.name}: ${s.skipped ? 'SKIPPED' : `${s.passed} passed, ${s.failed} failed`}${s.notes.length ? ` (${s.notes.filter((n) => !n.startsWith('FAIL')).join('; ')})` : ''}`,
    );
  }
  const passed = sections.reduce((a, s) => a + s.passed, 0);
  console.log(`tlog-notes: ${passed} passed, ${failed} failed`);
}
process.exit(failed === 0 ? 0 : 1);
