import { TINY_MNIST_CIRCUIT, tuniformSet } from '@fhenet/testing';
// The browser package `tfhe` (1.6.1, the newest on npm; what the web page will load) against our
// server, run here in Node: its ES module expects a browser worker scope (`self`, from
// wasm-bindgen-rayon's worker helpers), so a minimal one is provided; without initThreadPool it
// runs single-threaded. Its keys and ciphertexts must be read like node-tfhe 1.7's.
import { readFileSync } from 'node:fs';
import { loadCircuit, newParameters, tfheRsParameters } from '@fhenet/circuit';
import { createRequire } from 'node:module';
import { beforeAll, expect, test } from 'vitest';
import {
  ServerEngine,
  decompressTfheRsCiphertext,
  expandTfheRsServerKey,
  readTfheRsCiphertexts,
  readTfheRsCiphertextStream,
  writeTfheRsCiphertexts,
  writeTfheRsCiphertextStream,
} from '@fhenet/engine';
import { TfheRsClient } from '@fhenet/client';
import type { ShortintModule } from '@fhenet/client';

type TfheBrowser = typeof import('tfhe');
let S: TfheBrowser['Shortint'];
const set4 = tuniformSet(4);

beforeAll(async () => {
  const g = globalThis as unknown as Record<string, unknown>;
  g.self ??= globalThis;
  g.addEventListener ??= () => {};
  g.removeEventListener ??= () => {};
  const require = createRequire(import.meta.url);
  const entry = require.resolve('tfhe/tfhe.js');
  const mod = (await import(entry)) as TfheBrowser;
  mod.initSync({ module: readFileSync(entry.replace(/tfhe\.js$/, 'tfhe_bg.wasm')) });
  S = mod.Shortint;
});

test('tfhe@1.6.1: keys and compressed ciphertexts -> our PBS -> its decrypt; decompression byte-identical', () => {
  const ck = S.new_client_key(newParameters(S, tfheRsParameters(set4)));
  const keys = expandTfheRsServerKey(S.serialize_compressed_server_key(S.new_compressed_server_key(ck)), set4);
  const inputs = [0, 6, 9, 15];
  const compressed = inputs.map((m) => S.serialize_compressed_ciphertext(S.encrypt_compressed(ck, BigInt(m))));
  for (const c of compressed) {
    const theirs = S.serialize_ciphertext(S.decompress_ciphertext(S.deserialize_compressed_ciphertext(c)));
    expect(Buffer.compare(Buffer.from(decompressTfheRsCiphertext(c, set4)), Buffer.from(theirs))).toBe(0);
  }
  const table = Array.from({ length: 16 }, (_, m) => 8 - m);
  const out = new ServerEngine(set4, keys).pbs(
    readTfheRsCiphertexts(compressed, set4, { compressed: true }),
    inputs.map(() => 0),
    [table],
  );
  const decrypted = writeTfheRsCiphertexts(out, set4).map((b) => Number(S.decrypt(ck, S.deserialize_ciphertext(b))));
  expect(decrypted).toEqual(inputs.map((m) => (8 - m + 32) % 32));
  keys.dispose();
}, 120_000);

test('TfheRsClient runs over the browser package unchanged (encrypt compressed -> server read/write -> decrypt)', () => {
  const circuit = loadCircuit(TINY_MNIST_CIRCUIT);
  const set = circuit.parameters!.set;
  const client = TfheRsClient.generate(S as unknown as ShortintModule, circuit);
  const q = Int32Array.from({ length: client.sampleSize }, (_, i) => (i * 7) % 3);
  const batch = readTfheRsCiphertextStream(client.encryptQuantized(q), set, { compressed: true });
  const firstOutputs = batch.gather(Array.from({ length: client.outputSize }, (_, i) => i));
  expect(Array.from(client.decryptValues(writeTfheRsCiphertextStream(firstOutputs, set)))).toEqual(Array.from(q.subarray(0, client.outputSize)));
  batch.dispose();
  firstOutputs.dispose();
}, 120_000);
