import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';
// The tfhe-rs routes of the HTTP service on loopback with node-tfhe as the only client library:
// GET /v1/circuit gives everything it needs (new_parameters arguments, input quantizer, output
// decoding: checked by re-deriving the compiler's own quantization and decoding from it), its
// compressed server key is registered, real MNIST images are classified and the node-tfhe
// decryptions equal simulate(). Then a few hundred malformed / mutated / foreign bodies: every
// one answered (4xx JSON, or 200/201 when a mutation happens to stay valid), the server alive.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmax, decodeOutputs, loadCircuit, quantizeInputs, simulate, type Circuit } from '@fhenet/circuit';
import { loadMnist } from '@fhenet/datasets';
import { quantize, type QuantParams } from '@fhenet/quantization';
import type { FastifyInstance } from 'fastify';
import { createInferenceService } from '@fhenet/server';
import { HttpServiceError, InferenceHttpClient, type ServiceCircuitInfo, loadNodeTfhe, nodeTfheServerKeyInWorker, TfheRsClient } from '@fhenet/client';

const FIXTURE = TINY_MNIST_CIRCUIT;
const IMAGES = 2;

let circuit: Circuit;
let app: FastifyInstance;
let http: InferenceHttpClient;
let client: TfheRsClient;
let serverKey: Uint8Array;
let port: number;
let info: ServiceCircuitInfo;

beforeAll(async () => {
  circuit = loadCircuit(FIXTURE);
  app = createInferenceService(circuit, {
    queueCapacity: 1,
    maxKeys: 2,
    maxSamplesPerRequest: IMAGES,
    limits: { maxKeysPerClient: 2, registrationsPerMinute: 1000 },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  http = new InferenceHttpClient(`http://127.0.0.1:${port}/`);
  client = TfheRsClient.generate(loadNodeTfhe(), circuit);
  serverKey = await nodeTfheServerKeyInWorker(client.serializeKey());
}, 600_000);
afterAll(async () => {
  await app?.close();
});

async function post(
  path: string,
  body: Uint8Array | string,
  contentType = 'application/octet-stream',
  token?: string,
): Promise<{ status: number; json: { error?: string; message?: string } }> {
  const headers: Record<string, string> = { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers });
  const text = await r.text();
  let json: { error?: string; message?: string } = {};
  if (r.headers.get('content-type')?.startsWith('application/json')) json = JSON.parse(text) as typeof json;
  else expect(r.status).toBe(200); // every refusal is JSON
  return { status: r.status, json };
}
async function alive(): Promise<void> {
  expect((await fetch(`http://127.0.0.1:${port}/v1/health`)).status).toBe(200);
}
/** An answer to a malformed body: a 4xx with a JSON code and message. */
function refused(r: { status: number; json: { error?: string; message?: string } }): void {
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  expect(typeof r.json.error).toBe('string');
  expect(r.json.message!.length).toBeGreaterThan(10);
}

// Deterministic mutations (xorshift), so a failure reproduces.
let seed = 0x2545f491;
const rand = (n: number): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
function mutate(bytes: Uint8Array, offsets: readonly number[]): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = offsets[rand(offsets.length)]!;
  out[at] = (out[at]! + 1 + rand(255)) & 0xff; // always a different byte
  return out;
}
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('tfhe-rs routes of the HTTP service (node-tfhe client)', () => {
  it('GET /v1/circuit tells a tfhe-rs client everything: parameters, input quantizer, output decoding, sizes', async () => {
    info = await http.circuit();
    if (!info.tfheRs.available) throw new Error(info.tfheRs.reason);
    expect(info.tfheRs.serverKeyBytes).toBe(serverKey.length); // the body limit is exactly one key
    expect(info.tfheRs.ciphertextBytes.compressed).toBe(124);
    expect(info.tfheRs.newParameters.messageModulus).toBe(2 ** circuit.bits);
    const images = loadMnist({ split: 'test', limit: 20 });
    // Input: raw -> fround(raw / divisor) -> quantize, from the JSON alone.
    const x = Float32Array.from(images.images, (v) => Math.fround(v) / Math.fround(info.input.divisor));
    expect(Array.from(quantize(x, info.input.quantizer as QuantParams))).toEqual(Array.from(quantizeInputs(circuit, images.images, 20)));
    // Output: simulator integers -> logits, from the JSON alone.
    const sim = simulate(circuit, quantizeInputs(circuit, images.images, 20), 20).outputs;
    const p2 = 2 * 2 ** circuit.bits;
    const out = info.output;
    const logits = Array.from(sim, (v, i) =>
      out.kind === 'dequantize' ? out.scale * (v - out.zeroPoint) : out.values[out.channelOfOutput[i % info.outputSize]! * p2 + v]!,
    );
    expect(logits).toEqual(Array.from(decodeOutputs(circuit, sim, 20)));
  });

  it('registers a node-tfhe compressed server key and classifies real MNIST images = simulate()', async () => {
    const key = await http.registerTfheRsKey(serverKey);
    const images = loadMnist({ split: 'test', limit: IMAGES });
    const result = await http.inferTfheRs(key, client.encryptRaw(images.images, IMAGES));
    expect(result.samples).toBe(IMAGES);
    const decoded = client.decode(result.outputs);
    const sim = simulate(circuit, quantizeInputs(circuit, images.images, IMAGES), IMAGES).outputs;
    expect(Array.from(decoded.values)).toEqual(Array.from(sim));
    expect(Array.from(decoded.classes)).toEqual(Array.from(argmax(decodeOutputs(circuit, sim, IMAGES), IMAGES)));
    console.log(
      `tfhe-rs over HTTP: ${IMAGES} images in ${(result.serverMs / 1000).toFixed(1)} s server time; classes ${Array.from(decoded.classes).join(' ')}`,
    );

    // The id only works on the routes of its kind; engine ids are unknown here and vice versa.
    const wrongKind = await post(`/v1/keys/${key.keyId}/infer`, Buffer.alloc(8), undefined, key.token);
    expect(wrongKind.status).toBe(409);
    expect(wrongKind.json.message).toMatch(/tfhe-rs keys; use \/v1\/tfhe-rs\/keys/);
    await http.deleteTfheRsKey(key);
    await expect(http.inferTfheRs(key, client.encryptRaw(images.images.subarray(0, 784), 1))).rejects.toThrow(HttpServiceError);
  }, 900_000);

  it('refuses malformed, oversized and foreign bodies with 4xx JSON, and a few hundred mutations never crash it', async () => {
    const key = await http.registerTfheRsKey(serverKey);
    const infer = `/v1/tfhe-rs/keys/${key.keyId}/infer`;
    const postInfer = (path: string, body: Uint8Array) => post(path, body, undefined, key.token);
    const one = client.encryptRaw(loadMnist({ split: 'test', limit: 1 }).images, 1);

    // Named cases.
    const tooBig = await post('/v1/tfhe-rs/keys', Buffer.concat([serverKey, Buffer.alloc(1)]));
    expect(tooBig.status).toBe(413);
    refused(await post('/v1/tfhe-rs/keys', 'not a key'));
    expect((await post('/v1/tfhe-rs/keys', JSON.stringify({ clientKey: 'x' }), 'application/json')).status).toBe(415);
    const truncKey = await post('/v1/tfhe-rs/keys', serverKey.subarray(0, serverKey.length - 300));
    refused(truncKey);
    expect(truncKey.json.message).toMatch(/tfhe-rs compressed server key refused/);
    const engineKeyRoute = await post('/v1/keys', serverKey);
    refused(engineKeyRoute); // a tfhe-rs key on the engine route: not our format
    const foreign = Uint8Array.from(serverKey);
    foreign[0] = 7; // an enum tag tfhe-rs 1.7 does not have: another tfhe-rs version's layout
    const foreignAnswer = await post('/v1/tfhe-rs/keys', foreign);
    refused(foreignAnswer);
    expect(foreignAnswer.json.message).toMatch(/variant|version/i);
    const notWhole = await postInfer(infer, one.subarray(0, one.length - 1));
    refused(notWhole);
    expect(notWhole.json.message).toMatch(/not 1\.\.2 samples of 784 compressed ciphertexts/);
    refused(await postInfer(`${infer}?ciphertexts=zipped`, one));
    refused(await postInfer(`${infer}?ciphertexts=full`, one)); // compressed bytes declared full
    const threeSamples = Buffer.concat([one, one, one]);
    expect((await postInfer(infer, threeSamples)).status).toBe(413); // maxSamplesPerRequest 2, from Content-Length
    const badModulus = Uint8Array.from(one);
    badModulus[124 * 5 + 92] = 3; // message modulus field of ciphertext 5
    const modAnswer = await postInfer(infer, badModulus);
    refused(modAnswer);
    expect(modAnswer.json.message).toMatch(/ciphertext 5: .*message_modulus at byte 92: expected 64/);
    refused(await post('/v1/tfhe-rs/keys/no-such-id/infer', one)); // 401: no token
    refused(await postInfer('/v1/tfhe-rs/keys/no-such-id/infer', one)); // 404
    await alive();

    // Fuzz the ciphertext stream: mutate metadata fields of a random ciphertext (lwe size, seed
    // kind, modulus, degree high bytes, message / carry modulus, atomic pattern, noise level high
    // bytes: every change there is invalid), cut or extend it, or send random bytes.
    const meta = [...range(8, 20), ...range(60, 84), ...range(85, 116), ...range(117, 124)];
    const counts: Record<number, number> = {};
    for (let i = 0; i < 250; i++) {
      let body: Uint8Array;
      const kind = rand(10);
      if (kind < 7) {
        const ct = rand(784);
        body = mutate(
          one,
          meta.map((o) => ct * 124 + o),
        );
      } else if (kind < 9) {
        body = one.subarray(0, 1 + rand(one.length - 1));
      } else {
        body = Uint8Array.from({ length: 124 * 784 }, () => rand(256));
      }
      const r = await postInfer(infer, body);
      counts[r.status] = (counts[r.status] ?? 0) + 1;
      refused(r);
    }
    // Fuzz the server key's structural fields (tags, lengths, decomposition, moduli, PBS order,
    // message/carry modulus); a mutation that stays valid is registered (201) and deleted.
    const n = serverKey.length;
    const keyFields = [...range(0, 12), ...range(n - 140, n - 108), ...range(n - 64, n - 16)];
    for (let i = 0; i < 60; i++) {
      const r = await post('/v1/tfhe-rs/keys', rand(6) === 0 ? serverKey.subarray(0, rand(n)) : mutate(serverKey, keyFields));
      counts[r.status] = (counts[r.status] ?? 0) + 1;
      if (r.status === 201) await http.deleteTfheRsKey(r.json as { keyId: string; token: string });
      else refused(r);
    }
    console.log(`fuzz answers by status: ${JSON.stringify(counts)}`);
    await alive();

    // Still computing correctly after all that, this time from full (uncompressed) ciphertexts.
    const full = client.encryptRaw(loadMnist({ split: 'test', limit: 1 }).images, 1, { compressed: false });
    if (!info.tfheRs.available) throw new Error(info.tfheRs.reason);
    expect(full.length).toBe(784 * info.tfheRs.ciphertextBytes.full);
    const result = await http.inferTfheRs(key, full, { compressed: false });
    const sim = simulate(circuit, quantizeInputs(circuit, loadMnist({ split: 'test', limit: 1 }).images, 1), 1).outputs;
    expect(Array.from(client.decryptValues(result.outputs))).toEqual(Array.from(sim));
    await http.deleteTfheRsKey(key);
  }, 900_000);
});
