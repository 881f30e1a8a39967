// `--client node-tfhe` through the fhenet command (yargs handlers, in process): node-tfhe makes
// the keys, encrypts two real MNIST test images and decrypts; the unchanged fhenet server runs the
// committed narrow-150 circuit (its exactly rounded sibling) in between. Decrypted integers must equal the compiler's
// simulation. Then mutated key and ciphertext files (truncated, wrong version, wrong kind, random
// bytes, wrong parameter fingerprint, corrupt payload, the other client's files) must give Errors
// naming the file and the field, never a crash.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argmax, decodeOutputs, loadCircuit, quantizeInputs, simulate } from '@fhenet/circuit';
import { loadMnist } from '@fhenet/datasets';
import { publishedSet } from '@fhenet/params';
import {
  decodeTfheRsOutputFile,
  encodeTfheRsFile,
  KEY_SET_HEADER_BYTES,
  keySetHeader,
  keySetOf,
  loadServerFromKeyFile,
  openKeySetFile,
  loadTfheRsClient,
  readServerInputs,
  TFHE_RS_FILE_HEADER_BYTES,
  writeTfheRsCiphertextFile,
  type TfheRsClient,
} from '@fhenet/client';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { exactSiblingFile } from '@fhenet/testing';
import { buildCli } from '../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fhenet-node-tfhe-cli-'));
// The published circuit rounds approximately; bit for bit is checked on its exact sibling.
const CIRCUIT = exactSiblingFile(new URL('../../../models/mnist-fcnn-narrow-150/circuit.json', import.meta.url).pathname, join(dir, 'narrow-150-exact.json'));
const circuit = loadCircuit(CIRCUIT);
const set = circuit.parameters!.set;
const keys = join(dir, 'keys');
const f = (name: string) => join(dir, name);

/** Runs `fhenet <argv>` in process; returns its stdout lines, or throws what the handler threw. */
async function fhenet(...argv: string[]): Promise<string[]> {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let failure: unknown;
  try {
    await buildCli(argv)
      .exitProcess(false)
      .fail((msg, e) => {
        failure = e ?? new Error(msg);
      })
      .parseAsync();
  } catch (e) {
    failure = e;
  } finally {
    log.mockRestore();
    err.mockRestore();
    stderr.mockRestore();
  }
  if (failure) throw failure;
  return out;
}

let client: TfheRsClient;

beforeAll(async () => {
  const lines = await fhenet('keygen', '--client', 'node-tfhe', '--circuit', CIRCUIT, '--out', keys);
  expect(lines.join('\n')).toMatch(/node-tfhe keys for .*\(secret-client-key\.tfhe-rs\.bin: SECRET/);
  client = loadTfheRsClient(keys, circuit);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fhenet keygen / encrypt / run / decrypt --client node-tfhe', () => {
  test('narrow-150 on MNIST test images 0-1: decrypted integers equal simulate', async () => {
    const enc = await fhenet('encrypt', '--client', 'node-tfhe', '--circuit', CIRCUIT, '--keys', keys, '--index', '0', '--count', '2', '--out', f('in.ct'));
    expect(enc.join('\n')).toMatch(/images 0\.\.1 .* with node-tfhe/);
    // Compressed node-tfhe ciphertexts: 124 bytes per input behind the container header.
    expect(readFileSync(f('in.ct')).length).toBe(KEY_SET_HEADER_BYTES + TFHE_RS_FILE_HEADER_BYTES + 2 * 784 * 124);
    await fhenet('run', '--circuit', CIRCUIT, '--eval-keys', join(keys, 'server-key.tfhe-rs.bin'), '--in', f('in.ct'), '--out', f('out.ct'));
    const printed = await fhenet('decrypt', '--circuit', CIRCUIT, '--keys', keys, '--in', f('out.ct'), '--logits');

    const images = loadMnist({ split: 'test', limit: 2 });
    const sim = simulate(circuit, quantizeInputs(circuit, images.images, 2), 2).outputs;
    const logits = decodeOutputs(circuit, sim, 2);
    const classes = argmax(logits, 2);
    expect(Array.from(decodeTfheRsOutputFile(client, f('out.ct')).values)).toEqual(Array.from(sim));
    expect(printed).toEqual(
      [0, 1].map((i) => `sample ${i}: class ${classes[i]}  logits ${Array.from(logits.subarray(i * 10, (i + 1) * 10), (v) => v.toFixed(3)).join(' ')}`),
    );
  }, 900_000);
});

describe('malformed node-tfhe files: Errors naming the file and the field, never a crash', () => {
  let serverKey: Buffer;
  let inputs: Buffer;
  let outputs: Buffer;
  let clientKey: Buffer;
  const ctBytes = 8 * (set.glweDimension * set.polynomialSize + 1) + 72;
  beforeAll(() => {
    // The containers inside the key folder's key-set envelopes (the fuzz below works on the containers).
    const unwrap = (path: string) => Buffer.from(openKeySetFile(readFileSync(path), path).payload);
    serverKey = unwrap(join(keys, 'server-key.tfhe-rs.bin'));
    clientKey = unwrap(join(keys, 'secret-client-key.tfhe-rs.bin'));
    const q = quantizeInputs(circuit, loadMnist({ split: 'test', limit: 1 }).images, 1);
    writeTfheRsCiphertextFile(f('fuzz-in.ct'), set, client.encryptQuantized(q), true);
    inputs = readFileSync(f('fuzz-in.ct'));
    // Ten plain node-tfhe ciphertexts stand in for the server's answer (the same layout).
    const plain = client.encryptQuantized(
      Int32Array.from({ length: client.sampleSize }, (_, i) => i % 10),
      { compressed: false },
    );
    writeTfheRsCiphertextFile(f('fuzz-out.ct'), set, plain.subarray(0, 10 * ctBytes), false);
    outputs = readFileSync(f('fuzz-out.ct'));
  });

  const mutate = (b: Buffer, at: number, v: number) => {
    const c = Buffer.from(b);
    c[at] = v;
    return c;
  };
  const rewrap = (b: Buffer, edit: (payload: Buffer) => Buffer, kind: Parameters<typeof encodeTfheRsFile>[0], item?: number) =>
    encodeTfheRsFile(kind, set, edit(Buffer.from(b.subarray(TFHE_RS_FILE_HEADER_BYTES))), 'test', item);
  const other = publishedSet(4, 'tuniform');

  /** Each case: bytes written to a file, and the message pattern every reader must throw. */
  function cases(good: Buffer, kind: Parameters<typeof encodeTfheRsFile>[0], item?: number, randomCount = 24): [string, Buffer, RegExp][] {
    const rnd = Buffer.alloc(4096);
    for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24;
    return [
      ['truncated header', good.subarray(0, 40), /header: truncated|too short/],
      ['truncated payload', good.subarray(0, good.length - 7), /payload length: header says \d+ bytes, the file holds \d+ \(truncated\)/],
      ['wrong format version', mutate(good, 8, 9), /format version: expected 1, got 9/],
      ['unknown kind', mutate(good, 10, 77), /kind: unknown kind 77|header: expected .* got tfhe-rs container of unknown kind 77/],
      ['random bytes', rnd, /header: expected .*got magic bytes/],
      ['empty file', Buffer.alloc(0), /header: expected .*0 bytes, too short/],
      [
        'wrong parameter fingerprint',
        Buffer.concat([encodeTfheRsFile(kind, other, Buffer.alloc(item ?? 8), 'test', item).subarray(0, 96), good.subarray(96)]),
        /parameter fingerprint: made for other parameters: expected .*got fingerprint .*4-bit n=918/,
      ],
      [
        'flipped payload byte',
        mutate(good, TFHE_RS_FILE_HEADER_BYTES + 9, good[TFHE_RS_FILE_HEADER_BYTES + 9]! ^ 1),
        /SHA-256: checksum of the header and payload mismatch/,
      ],
      ['trailing bytes', Buffer.concat([good, Buffer.alloc(3)]), /payload length: .*\(trailing bytes\)/],
      // Random single-byte changes in the header or the start of the payload, and random truncations (seeded).
      ...Array.from({ length: randomCount }, (_, i): [string, Buffer, RegExp] => {
        const r = (i * 7919 + 13) % 997;
        if (i % 4 === 3) return [`random truncation ${i}`, good.subarray(0, (r * 131) % good.length), /: (header|payload length|item count|kind|SHA-256)/];
        const at = r % (TFHE_RS_FILE_HEADER_BYTES + 64);
        return [
          `random byte ${at}`,
          mutate(good, at, good[at]! ^ (1 + (r % 255))),
          /: (header|format version|kind|flags|parameter fingerprint|payload length|item size|item count|SHA-256)/,
        ];
      }),
    ];
  }
  /** Writes `bytes` to `path` (default a fresh file), reads it back with `read`, checks the Error. */
  const check = async (name: string, bytes: Buffer, read: (path: string) => unknown, pattern: RegExp, path = f(`fuzz-${name.replace(/\W+/g, '-')}.bin`)) => {
    writeFileSync(path, bytes);
    let error: unknown;
    try {
      await read(path);
    } catch (e) {
      error = e;
    }
    expect(error, name).toBeInstanceOf(Error);
    expect((error as Error).message, name).toContain(path);
    expect((error as Error).message, name).toMatch(pattern);
    if (path.startsWith(f('fuzz-'))) rmSync(path);
  };

  test('server key file given to `fhenet run`', async () => {
    for (const [name, bytes, pattern] of cases(serverKey, 'compressedServerKey', undefined, 8)) {
      await check(`sk-${name}`, bytes, (p) => loadServerFromKeyFile(circuit, p), pattern);
    }
    // A well-wrapped server key of a foreign layout (KeySwitch32 atomic pattern): the native reader names the field.
    await check(
      'sk-foreign-layout',
      rewrap(serverKey, (p) => mutate(p, 0, 1), 'compressedServerKey'),
      (p) => loadServerFromKeyFile(circuit, p),
      /compressed_ap_server_key.*only the Standard atomic pattern/,
    );
    // The client's secret key is never a server key.
    await check(
      'sk-client-key',
      clientKey,
      (p) => loadServerFromKeyFile(circuit, p),
      /expected evaluation keys .*got node-tfhe client key \(secret\) \(a SECRET client key: never give it to a server\)/,
    );
  }, 120_000);

  test('input ciphertext file given to `fhenet run`, and the full CLI path', async () => {
    const { server, family } = await loadServerFromKeyFile(circuit, join(keys, 'server-key.tfhe-rs.bin'));
    try {
      for (const [name, bytes, pattern] of cases(inputs, 'compressedCiphertexts', 124)) {
        await check(`in-${name}`, bytes, (p) => readServerInputs(server, family, p), pattern);
      }
      // One ciphertext too few: not a whole sample.
      await check(
        'in-partial-sample',
        rewrap(inputs, (p) => p.subarray(124), 'compressedCiphertexts', 124),
        (p) => readServerInputs(server, family, p),
        /item count: expected a multiple of 784 ciphertexts .* got 783/,
      );
      // A compressed ciphertext whose metadata a foreign tfhe-rs would write (carry modulus 4): the native reader names it.
      await check(
        'in-carry',
        rewrap(inputs, (p) => mutate(p, 100, 4), 'compressedCiphertexts', 124),
        (p) => readServerInputs(server, family, p),
        /carry_modulus.*expected 1/,
      );
      // Our own client's keys with node-tfhe inputs are under different secret keys.
      await check(
        'in-server-key',
        serverKey,
        (p) => readServerInputs(server, family, p),
        /expected node-tfhe ciphertexts .*got node-tfhe compressed server key/,
      );
    } finally {
      server.dispose();
    }
    // Through the command itself: the handler's Error, not a crash.
    writeFileSync(f('bad-in.ct'), mutate(inputs, 8, 2));
    await expect(
      fhenet('run', '--circuit', CIRCUIT, '--eval-keys', join(keys, 'server-key.tfhe-rs.bin'), '--in', f('bad-in.ct'), '--out', f('x.ct')),
    ).rejects.toThrow(/bad-in\.ct: format version: expected 1, got 2/);
  }, 120_000);

  test("one client's keys with the other's ciphertexts: refused from the headers, both ways", async () => {
    const ours = join(dir, 'our-keys');
    await fhenet('keygen', '--circuit', CIRCUIT, '--out', ours);
    await expect(
      loadServerFromKeyFile(circuit, join(ours, 'eval-keys.seeded.bin')).then(async ({ server, family }) => {
        try {
          return readServerInputs(server, family, f('fuzz-in.ct'));
        } finally {
          server.dispose();
        }
      }),
    ).rejects.toThrow(
      /fuzz-in\.ct: header: expected fhenet ciphertext batch .*got node-tfhe compressed ciphertexts \(the evaluation keys come from fhenet's own client, the inputs from the other client/,
    );
    await fhenet('encrypt', '--circuit', CIRCUIT, '--keys', ours, '--out', f('our-in.ct'));
    const { server, family } = await loadServerFromKeyFile(circuit, join(keys, 'server-key.tfhe-rs.bin'));
    try {
      expect(() => readServerInputs(server, family, f('our-in.ct'))).toThrow(
        /our-in\.ct: header: expected node-tfhe ciphertexts .*got fhenet ciphertext batch \(the evaluation keys come from node-tfhe/,
      );
    } finally {
      server.dispose();
    }
    await expect(fhenet('decrypt', '--circuit', CIRCUIT, '--keys', keys, '--in', f('our-in.ct'))).rejects.toThrow(
      /our-in\.ct: header: expected node-tfhe ciphertexts .*got fhenet ciphertext batch/,
    );
    await expect(fhenet('decrypt', '--circuit', CIRCUIT, '--keys', ours, '--in', f('fuzz-in.ct'))).rejects.toThrow(
      /fuzz-in\.ct: header: expected an fhenet ciphertext batch .*got node-tfhe compressed ciphertexts/,
    );
    await expect(fhenet('encrypt', '--client', 'node-tfhe', '--circuit', CIRCUIT, '--keys', ours, '--out', f('z.ct'))).rejects.toThrow(
      /--client node-tfhe: the key folder .* was made by fhenet's own client/,
    );
  }, 120_000);

  test('client key and output files given to `fhenet encrypt` / `fhenet decrypt`', async () => {
    const keyFile = join(keys, 'secret-client-key.tfhe-rs.bin');
    // In the folder's own envelope, so that each case reaches the container's reader.
    const id = keySetOf(keys).keySetId!;
    const enveloped = (b: Buffer) => Buffer.concat([keySetHeader(id, b.length), b]);
    for (const [name, bytes, pattern] of cases(clientKey, 'clientKey')) {
      await check(`ck-${name}`, enveloped(bytes), () => loadTfheRsClient(keys, circuit), pattern, keyFile);
    }
    // A well-wrapped client key of another layout (foreign version): the field is named before node-tfhe parses it.
    for (const [at, field] of [
      [0, 'atomic pattern tag: expected 0'],
      [4, `GLWE key length: expected ${set.glweDimension * set.polynomialSize}`],
    ] as const) {
      await check(
        `ck-field-${at}`,
        enveloped(rewrap(clientKey, (p) => mutate(p, at, 5), 'clientKey')),
        () => loadTfheRsClient(keys, circuit),
        new RegExp(`client key ${field}`),
        keyFile,
      );
    }
    writeFileSync(keyFile, enveloped(clientKey), { mode: 0o600 });
    await expect(fhenet('decrypt', '--circuit', CIRCUIT, '--keys', keys, '--in', f('fuzz-in.ct'))).rejects.toThrow(
      /fuzz-in\.ct: kind: expected node-tfhe ciphertexts, got node-tfhe compressed ciphertexts/,
    );
    await expect(fhenet('encrypt', '--client', 'fhenet', '--circuit', CIRCUIT, '--keys', keys, '--out', f('y.ct'))).rejects.toThrow(
      /--client fhenet: the key folder .* was made by node-tfhe/,
    );

    for (const [name, bytes, pattern] of cases(outputs, 'ciphertexts', ctBytes)) {
      await check(`out-${name}`, bytes, (p) => decodeTfheRsOutputFile(client, p), pattern);
    }
    // Per-ciphertext metadata of a foreign writer, checked before node-tfhe parses it.
    const m = 8 * (set.glweDimension * set.polynomialSize + 2); // the metadata after [a, b]
    await check(
      'out-lwe-size',
      rewrap(outputs, (p) => mutate(p, 0, 7), 'ciphertexts', ctBytes),
      (p) => decodeTfheRsOutputFile(client, p),
      new RegExp(`ciphertext 0: lwe size: expected ${set.glweDimension * set.polynomialSize + 1}`),
    );
    await check(
      'out-carry',
      rewrap(outputs, (p) => mutate(p, m + 48, 2), 'ciphertexts', ctBytes),
      (p) => decodeTfheRsOutputFile(client, p),
      /ciphertext 0: carry modulus: expected 1, got 2/,
    );
    await check(
      'out-atomic',
      rewrap(outputs, (p) => mutate(p, m + 56, 1), 'ciphertexts', ctBytes),
      (p) => decodeTfheRsOutputFile(client, p),
      /ciphertext 0: atomic pattern/,
    );
    await check(
      'out-count',
      rewrap(outputs, (p) => p.subarray(ctBytes), 'ciphertexts', ctBytes),
      (p) => decodeTfheRsOutputFile(client, p),
      /item count: expected a multiple of 10 output ciphertexts, got 9/,
    );
  }, 120_000);
});
