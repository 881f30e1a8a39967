import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';
// Key folders as issue 16 (finding 6) found them and as they are now: written whole and
// atomically (temp folder, fsync, rename), never over an existing folder without --force, the
// secret key 0600 and never written through a symlink, a key-set id in the manifest and in every
// file, files of two folders never mixed without an error naming both ids, manifest paths
// confined to the folder, and folders written before key-set ids still readable.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCircuit, type Circuit } from '@fhenet/circuit';
import {
  KEY_SET_FILE_MAGIC,
  KEY_SET_HEADER_BYTES,
  keySetOf,
  loadClient,
  loadSeededKeyBytes,
  loadServerFromKeyFile,
  openKeySetFile,
  readCiphertexts,
  readManifest,
  readServerInputs,
  writeCiphertexts,
  writeKeyDir,
} from '@fhenet/client';
import { writeFolderAtomically } from '../src/safe-files.js';
import { isKeyFolder } from '../src/key-folder.js';

let circuit: Circuit;
let root: string;
let a: string; // key folder A
let b: string; // key folder B
const at = (...p: string[]) => join(root, ...p);

beforeAll(async () => {
  circuit = loadCircuit(TINY_MNIST_CIRCUIT);
  root = mkdtempSync(join(tmpdir(), 'fhenet-key-folder-'));
  a = at('a');
  b = at('b');
  await writeKeyDir(a, circuit);
  await writeKeyDir(b, circuit);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;

describe('key folders (issue 16, finding 6)', () => {
  it('writes a version 3 folder: 0700, secret key 0600, the key-set id in the manifest and in every file', () => {
    const m = readManifest(a, circuit);
    expect(m.version).toBe(3);
    expect(m.keySetId).toMatch(/^[0-9a-f]{32}$/);
    expect(readManifest(b, circuit).keySetId).not.toBe(m.keySetId);
    expect(mode(a)).toBe(0o700);
    expect(mode(join(a, 'client-key.bin'))).toBe(0o600);
    for (const f of ['client-key.bin', 'eval-keys.seeded.bin']) {
      const bytes = readFileSync(join(a, f));
      expect(bytes.subarray(0, 8).toString('latin1')).toBe(KEY_SET_FILE_MAGIC);
      expect(openKeySetFile(bytes, f).keySetId).toBe(m.keySetId);
      expect(bytes.subarray(KEY_SET_HEADER_BYTES, KEY_SET_HEADER_BYTES + 8).toString('latin1')).toBe('FHENETKC'); // the engine blob, unchanged
    }
    // Nothing left behind next to it (temporary or old folders).
    expect(readdirSync(root).sort()).toEqual(['a', 'b']);
    expect(isKeyFolder(a)).toBe(true);
  });

  it('refuses an existing folder without --force, before any key is made; --force replaces only a key folder', async () => {
    const before = readManifest(a, circuit).keySetId;
    await expect(writeKeyDir(a, circuit)).rejects.toThrow(/a: already exists; refusing to overwrite it \(pass --force to replace a key folder\)/);
    expect(readManifest(a, circuit).keySetId).toBe(before);
    const notKeys = at('documents');
    mkdirSync(notKeys);
    writeFileSync(join(notKeys, 'thesis.txt'), 'precious');
    await expect(writeKeyDir(notKeys, circuit, { force: true })).rejects.toThrow(
      /documents: exists and is not a key folder; refusing to replace it even with --force/,
    );
    expect(readFileSync(join(notKeys, 'thesis.txt'), 'utf8')).toBe('precious');
    const file = at('a-file');
    writeFileSync(file, 'x');
    await expect(writeKeyDir(file, circuit, { force: true })).rejects.toThrow(/exists and is not a folder/);
    // An empty folder is fine without --force: there is nothing to lose.
    const empty = at('empty');
    mkdirSync(empty);
    await writeKeyDir(empty, circuit);
    expect(readManifest(empty, circuit).version).toBe(3);
    rmSync(empty, { recursive: true });
  }, 120_000);

  it('--force: a fresh folder, so an old 0644 key file or a symlink in the old folder changes nothing outside it', async () => {
    const c = at('c');
    await writeKeyDir(c, circuit);
    const victim = at('victim.txt');
    writeFileSync(victim, 'not a key');
    chmodSync(join(c, 'client-key.bin'), 0o644);
    rmSync(join(c, 'eval-keys.seeded.bin'));
    symlinkSync(victim, join(c, 'eval-keys.seeded.bin')); // a planted symlink: the old code wrote through it
    const old = readManifest(c, circuit).keySetId;
    await writeKeyDir(c, circuit, { force: true });
    expect(readFileSync(victim, 'utf8')).toBe('not a key');
    expect(mode(join(c, 'client-key.bin'))).toBe(0o600);
    expect(lstatSync(join(c, 'eval-keys.seeded.bin')).isSymbolicLink()).toBe(false);
    expect(readManifest(c, circuit).keySetId).not.toBe(old);
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
    // Reading refuses a symlink in a folder too.
    rmSync(join(c, 'client-key.bin'));
    symlinkSync(join(a, 'client-key.bin'), join(c, 'client-key.bin'));
    expect(() => loadClient(c, circuit)).toThrow(/client-key\.bin: is a symbolic link; key folder files must be regular files/);
    rmSync(c, { recursive: true });
    rmSync(victim);
  }, 120_000);

  it('a write that fails half-way leaves the old folder whole and no temporary folder behind', () => {
    const d = at('d');
    mkdirSync(d);
    writeFileSync(join(d, 'keys.json'), JSON.stringify({ format: 'fhenet-key-dir' }));
    writeFileSync(join(d, 'client-key.bin'), 'old secret');
    const write = { force: true, isOurs: isKeyFolder, what: 'key folder' };
    expect(() =>
      writeFolderAtomically(
        d,
        [
          { name: 'client-key.bin', chunks: [Buffer.from('new secret')], secret: true },
          { name: '../escape', chunks: [Buffer.from('x')] }, // fails after the first file is written
        ],
        write,
      ),
    ).toThrow(/not a plain name/);
    expect(readFileSync(join(d, 'client-key.bin'), 'utf8')).toBe('old secret');
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
    rmSync(d, { recursive: true });
  });

  it('refuses manifest paths outside the folder, naming the field', async () => {
    const e = at('e');
    await writeKeyDir(e, circuit);
    const path = join(e, 'keys.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    for (const bad of ['../a/client-key.bin', '/etc/passwd', '..', 'sub/client-key.bin']) {
      writeFileSync(path, JSON.stringify({ ...m, files: { ...m.files, clientKey: bad } }));
      expect(() => loadClient(e, circuit)).toThrow(/keys\.json: files\.clientKey: expected a plain file name inside the key folder/);
    }
    writeFileSync(path, JSON.stringify({ ...m, keySetId: 'not-an-id' }));
    expect(() => readManifest(e, circuit)).toThrow(/keySetId: expected 32 hex digits/);
    rmSync(e, { recursive: true });
  }, 120_000);

  it('bounds a manifest before parsing it: too large, too deep, not JSON; each error names the file', async () => {
    const f = at('f');
    await writeKeyDir(f, circuit);
    const path = join(f, 'keys.json');
    const m = readFileSync(path, 'utf8');
    writeFileSync(path, `${m.slice(0, -2)}, "pad": "${'x'.repeat(2 ** 20)}"}`);
    expect(() => readManifest(f, circuit)).toThrow(/keys\.json: expected at most 1048576 bytes, got 10\d{5}/);
    writeFileSync(path, `${'['.repeat(100)}${']'.repeat(100)}`);
    expect(() => readManifest(f, circuit)).toThrow(
      /keys\.json: expected a key folder manifest's JSON \(16 levels, 65536 values at most\), got arrays and objects nested deeper than 16/,
    );
    expect(() => keySetOf(f)).toThrow(/nested deeper than 16/);
    writeFileSync(path, '{"format": ');
    expect(() => readManifest(f, circuit)).toThrow(/keys\.json: expected a key folder manifest's JSON, readable, got .*JSON/);
    writeFileSync(path, m);
    expect(readManifest(f, circuit).format).toBe('fhenet-key-dir');
    rmSync(f, { recursive: true });
  }, 120_000);

  it('files of two folders mixed: an error naming both files and both key-set ids (keys, run, decrypt)', async () => {
    const idA = keySetOf(a).keySetId!;
    const idB = keySetOf(b).keySetId!;
    // A folder whose evaluation keys come from another folder.
    const mixed = at('mixed');
    mkdirSync(mixed);
    for (const f of ['keys.json', 'client-key.bin']) writeFileSync(join(mixed, f), readFileSync(join(a, f)));
    writeFileSync(join(mixed, 'eval-keys.seeded.bin'), readFileSync(join(b, 'eval-keys.seeded.bin')));
    expect(() => loadSeededKeyBytes(mixed, circuit)).toThrow(
      new RegExp(`key sets differ: .*keys\\.json belongs to key set ${idA}, .*eval-keys\\.seeded\\.bin to key set ${idB}`),
    );
    expect(() => loadClient(mixed, circuit)).not.toThrow();

    // `fhenet run`: A's evaluation keys, inputs encrypted with B.
    const clientB = loadClient(b, circuit);
    writeCiphertexts(at('b-in.ct'), clientB.encryptQuantized(new Int32Array(784)), idB);
    const { server, family, keySet } = await loadServerFromKeyFile(circuit, join(a, 'eval-keys.seeded.bin'));
    try {
      expect(keySet.keySetId).toBe(idA);
      expect(() => readServerInputs(server, family, at('b-in.ct'), keySet)).toThrow(
        new RegExp(`key sets differ: .*a/eval-keys\\.seeded\\.bin belongs to key set ${idA}, .*b-in\\.ct to key set ${idB}`),
      );
      // Inputs from before key-set ids (a bare engine blob) with keys that have one: refused too.
      writeCiphertexts(at('bare-in.ct'), clientB.encryptQuantized(new Int32Array(784)));
      expect(() => readServerInputs(server, family, at('bare-in.ct'), keySet)).toThrow(/to key set none \(written before key-set ids\)/);
      // The matching inputs are read.
      writeCiphertexts(at('a-in.ct'), loadClient(a, circuit).encryptQuantized(new Int32Array(784)), idA);
      readServerInputs(server, family, at('a-in.ct'), keySet).dispose();
    } finally {
      server.dispose();
    }
    // `fhenet decrypt`: ciphertexts of B read against folder A.
    expect(() => readCiphertexts(at('b-in.ct'), circuit, keySetOf(a))).toThrow(new RegExp(`belongs to key set ${idA}, .*b-in\\.ct to key set ${idB}`));
    rmSync(mixed, { recursive: true });
  }, 120_000);

  it('reads a folder written before key-set ids (version 1, bare engine blobs)', () => {
    const old = at('v1');
    mkdirSync(old);
    const m = JSON.parse(readFileSync(join(a, 'keys.json'), 'utf8'));
    const { keySetId: _, ...v1 } = m;
    writeFileSync(join(old, 'keys.json'), JSON.stringify({ ...v1, version: 1 }));
    for (const f of ['client-key.bin', 'eval-keys.seeded.bin']) {
      writeFileSync(join(old, f), openKeySetFile(readFileSync(join(a, f)), f).payload, { mode: 0o600 });
    }
    expect(keySetOf(old).keySetId).toBeNull();
    expect(loadClient(old, circuit).params.name).toBe(circuit.parameters!.set.name);
    expect(loadSeededKeyBytes(old, circuit).subarray(0, 8).toString()).toBe('FHENETKC');
    // A v1 folder's file replaced by a v3 one: mixed, refused.
    writeFileSync(join(old, 'client-key.bin'), readFileSync(join(a, 'client-key.bin')));
    expect(() => loadClient(old, circuit)).toThrow(
      /keys\.json belongs to key set none \(written before key-set ids\), .*client-key\.bin to key set [0-9a-f]{32}/,
    );
    expect(existsSync(join(old, 'keys.json'))).toBe(true);
    rmSync(old, { recursive: true });
  });
});
