// Encrypted inference through a coordinator (this process) and 3 `fhenet worker` processes on
// loopback, against in-process execution with the same keys: the output ciphertexts must be the
// same bytes and decrypt to the clear simulation. The narrow-150 FCNN (a committed model; also
// run with a worker SIGKILLed mid-shard), a small conv circuit (rounded 3x3 conv with bit
// extractions, a pool, a clear-decoded dense; whole stages and bands), and a tfhe-rs compressed
// server key from node-tfhe. Redis never holds the client key; a key set that is not published
// fails the job by name; a Redis restarted mid-run (append-only file) resumes the run; a stopped
// Redis ends the run with a clear error. The HTTP service with a
// fleet (fhenet serve --redis) gives the same answer and reports the fleet in /v1/health.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circuitParameters, loadCircuit, quantizeInputs, simulate, type Circuit } from '@fhenet/circuit';
import { compile } from '@fhenet/compiler';
import { InferenceClient, InferenceHttpClient, loadNodeTfhe, nodeTfheServerKeyInWorker, TfheRsClient } from '@fhenet/client';
import { loadMnist } from '@fhenet/datasets';
import { expandTfheRsServerKeyAsync, readTfheRsCiphertextStream } from '@fhenet/engine';
import { InferenceServer, type StageProgress } from '@fhenet/executor';
import { Fleet, type FleetHealth } from '@fhenet/fleet';
import { createInferenceService } from '@fhenet/server';
import { convGraph, exactSibling, randomBytes, TINY_MNIST_CIRCUIT } from '@fhenet/testing';
import { startRedis, startWorker, type TestRedis, type TestWorker } from './processes.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

let redis: TestRedis;
let workers: TestWorker[] = [];
let fleet: Fleet;
const log: string[] = [];

beforeAll(async () => {
  redis = await startRedis(true);
  workers = await Promise.all(['w1', 'w2', 'w3'].map((n) => startWorker(redis.url, n, ['--no-sweeps'])));
  fleet = await Fleet.connect({ url: redis.url, log: (l) => log.push(l) });
});

afterAll(async () => {
  await fleet?.close();
  await Promise.all(workers.map((w) => w.stop('SIGKILL'))); // Redis may be gone (last test): no graceful wait for it
  await redis?.stop();
});

/** A small conv circuit compiled from the synthetic 6x6 conv graph, rounding 3 bits (bit extractions, some channels skip known-zero bits). */
let conv: Circuit | undefined;
function convCircuit(): Circuit {
  conv ??= compile(convGraph(4), { calibration: { raw: randomBytes(5, 300 * 36), count: 300 }, roundBits: 3 }).circuit;
  return conv;
}
const convInputs = (count: number) => quantizeInputs(convCircuit(), randomBytes(77, 36 * count), count);

/** Every value Redis holds (strings, hashes, lists, sets, sorted sets, streams), concatenated. */
async function redisContents(r: Redis): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const key of await r.keys('*')) {
    const type = await r.type(key);
    parts.push(Buffer.from(key));
    if (type === 'string') parts.push((await r.getBuffer(key))!);
    else if (type === 'hash') parts.push(...(await r.hgetallBuffer(key).then((h) => Object.values(h))));
    else if (type === 'list') parts.push(...(await r.lrangeBuffer(key, 0, -1)));
    else if (type === 'set') parts.push(...(await r.smembersBuffer(key)));
    else if (type === 'zset') parts.push(...(await r.zrangeBuffer(key, 0, -1)));
    else if (type === 'stream') parts.push(Buffer.from(JSON.stringify(await r.xrange(key, '-', '+'))));
  }
  return Buffer.concat(parts);
}

/** In process with `keys` vs on the fleet with the same keys' transfer form: the same output bytes. */
async function bothWays(circuit: Circuit, client: InferenceClient, q: Int32Array, count: number) {
  const { keys, seeded } = await client.generateBothEvaluationKeys();
  const inputs = client.encryptQuantized(q);
  const local = new InferenceServer(circuit, keys);
  const whole = await local.infer(inputs);
  const reference = whole.outputs.serialize();
  expect(Array.from(client.decode(whole.outputs).values)).toEqual(Array.from(simulate(circuit, q, count).outputs));
  whole.outputs.dispose();
  local.dispose();
  const seededBytes = seeded.serialize();
  seeded.dispose();
  const remote = InferenceServer.remote(circuit, await fleet.publishKeys('engine', seededBytes));
  return { inputs, reference, remote, seededBytes };
}

describe('a coordinator and 3 workers on loopback', () => {
  it('small conv circuit (1 sample): the same ciphertexts as in process, whole stages and bands; progress per stage in shards', async () => {
    expect(convCircuit().stages.map((s) => s.linear.kind)).toEqual(['conv2d', 'conv2d', 'dense']); // the pool is lowered to a strided conv
    expect(convCircuit().stages[0]!.roundBits).toBe(3);
    const circuit = convCircuit();
    const q = convInputs(1);
    const client = InferenceClient.generate(circuit);
    const { inputs, reference, remote, seededBytes } = await bothWays(circuit, client, q, 1);
    try {
      for (const bands of [undefined, { outputs: 7 }]) {
        const events: StageProgress[] = [];
        const r = await remote.infer(inputs, (e) => events.push(e), bands ? { bands } : {});
        expect(Buffer.compare(r.outputs.serialize(), reference), bands ? 'bands of 7' : 'whole stages').toBe(0);
        expect(Array.from(client.decode(r.outputs).values)).toEqual(Array.from(simulate(circuit, q, 1).outputs));
        r.outputs.dispose();
        // Each lookup call ends with all its shards done; the conv's 64 outputs are spread over the 3 workers' slots.
        const shardEvents = events.filter((e) => e.shards !== undefined);
        const finals = shardEvents.filter((e) => e.shardsDone === e.shards);
        expect(finals.length).toBeGreaterThan(0);
        for (const e of finals) expect(e.done).toBe(e.total);
        if (!bands) expect(shardEvents.find((e) => e.stage === 0)!.shards! % 3).toBe(0); // whole rounds of the 3 workers' slots
      }
      // The HTTP service with --redis: keys registered over HTTP are published to the fleet; the same answer.
      const app = createInferenceService(circuit, { fleet, maxSamplesPerRequest: 1 });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const http = new InferenceHttpClient(url);
        const keyId = await http.registerKeys(seededBytes);
        const answer = await http.infer(keyId, inputs.serialize());
        expect(Buffer.compare(answer.outputs, reference), 'fhenet serve --redis').toBe(0);
        const h = (await (await fetch(`${url}/v1/health`)).json()) as { fleet: FleetHealth };
        expect(h.fleet.workers.map((w) => w.id).sort()).toEqual(['w1', 'w2', 'w3']);
        expect(h.fleet.queue).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
      } finally {
        await app.close();
      }
      // The workers announced themselves and each holds the key set now.
      let health = await fleet.health();
      for (let i = 0; i < 40 && health.keysCached < 3; i++) {
        await new Promise((r) => setTimeout(r, 500));
        health = await fleet.health();
      }
      expect(health.workers.map((w) => w.id).sort()).toEqual(['w1', 'w2', 'w3']);
      expect(health.keysCached).toBe(3);
      expect(health.queue.waiting + health.queue.active).toBe(0);
      // The secret key is nowhere in Redis (keys, jobs, events, blobs).
      const secret = client.serializeKey();
      const contents = await redisContents(fleet.redis);
      expect(contents.length).toBeGreaterThan(1000);
      for (const at of [secret.length >> 2, secret.length >> 1, secret.length - 1024]) {
        expect(contents.indexOf(secret.subarray(at, at + 1024)), `client key bytes at ${at}`).toBe(-1);
      }
    } finally {
      inputs.dispose();
      remote.dispose();
    }
  }, 300_000);

  it('a tfhe-rs compressed server key (node-tfhe): published, expanded by the workers, the same ciphertexts', async () => {
    const circuit = loadCircuit(TINY_MNIST_CIRCUIT);
    const set = circuitParameters(circuit);
    const client = TfheRsClient.generate(loadNodeTfhe(), circuit);
    const serverKey = await nodeTfheServerKeyInWorker(client.serializeKey());
    const images = loadMnist({ split: 'test', limit: 1 });
    const wire = client.encryptRaw(images.images, 1);
    const inputs = readTfheRsCiphertextStream(wire, set, { compressed: true });
    const local = new InferenceServer(circuit, await expandTfheRsServerKeyAsync(serverKey, set));
    const remote = InferenceServer.remote(circuit, await fleet.publishKeys('tfhe-rs', serverKey));
    try {
      const a = await local.infer(inputs);
      const b = await remote.infer(inputs);
      expect(Buffer.compare(b.outputs.serialize(), a.outputs.serialize())).toBe(0);
      const q = quantizeInputs(circuit, images.images, 1);
      const { writeTfheRsCiphertextStream } = await import('@fhenet/engine');
      expect(Array.from(client.decode(writeTfheRsCiphertextStream(b.outputs, set)).values)).toEqual(Array.from(simulate(circuit, q, 1).outputs));
      a.outputs.dispose();
      b.outputs.dispose();
    } finally {
      inputs.dispose();
      local.dispose();
      remote.dispose();
    }
  }, 300_000);

  it('fhenet predict --redis (the CLI, its own process): exact against the simulation, fleet traffic reported', async () => {
    // Not spawnSync: the test runner's own messages must keep flowing meanwhile. Rejects on a non-zero exit.
    const cli = [join(ROOT, 'packages/cli/dist/main.js'), 'predict', '--circuit', TINY_MNIST_CIRCUIT, '--count', '1', '--redis', redis.url];
    const r = await promisify(execFile)(process.execPath, cli, { encoding: 'utf8', maxBuffer: 2 ** 24 });
    expect(r.stdout).toMatch(/1 sample\(s\): encrypted == simulated class 1\/1, all integers exact: true/);
    expect(r.stdout).toMatch(/fleet: \d+ shards, [\d.]+ [KM]iB to workers and [\d.]+ [KM]iB back per image; evaluation keys [\d.]+ MiB published/);
    expect(r.stderr).toMatch(/shards \d+\/\d+ \(\d+\/\d+ outputs\)/);
  }, 300_000);

  it('a key set that is not published fails the job by name (no retry of the hopeless)', async () => {
    const circuit = convCircuit();
    const client = InferenceClient.generate(circuit);
    const seeded = await client.generateSeededEvaluationKeys();
    const lookups = await fleet.publishKeys('engine', seeded.serialize());
    seeded.dispose();
    await lookups.close(); // last user: the key set is deleted from Redis
    const server = InferenceServer.remote(circuit, lookups);
    const inputs = client.encryptQuantized(convInputs(1));
    try {
      await expect(server.infer(inputs)).rejects.toThrow(/stage 1\/3 "conv1" shard 1\/\d+ .* failed: evaluation keys [0-9a-f]{12} are not published in Redis/);
    } finally {
      inputs.dispose();
    }
  }, 120_000);

  it('narrow-150 FCNN (1 MNIST image): byte-identical to in process; again with a worker SIGKILLed mid-shard, nothing lost', async () => {
    // The exact sibling of the published (approximately rounded) circuit: compared bit for bit with simulate().
    const circuit = exactSibling(loadCircuit(join(ROOT, 'models/mnist-fcnn-narrow-150/circuit.json')));
    const images = loadMnist({ split: 'test', limit: 1 });
    const q = quantizeInputs(circuit, images.images, 1);
    const client = InferenceClient.generate(circuit);
    const { inputs, reference, remote } = await bothWays(circuit, client, q, 1);
    try {
      const first = await remote.infer(inputs);
      expect(Buffer.compare(first.outputs.serialize(), reference)).toBe(0);
      first.outputs.dispose();

      // Second run: once a shard of dense1 is done, SIGKILL a worker that is running a job.
      let killed: string | null = null;
      let killing: Promise<void> | null = null;
      const r = await remote.infer(inputs, (e) => {
        if (killing || e.name !== 'dense1' || !e.shardsDone) return;
        killing = (async () => {
          const active = await fleet.lookupQueue.getActive();
          const victim = workers.find((w) => active.some((j) => j.processedBy === w.name));
          if (!victim) return;
          killed = victim.name;
          await victim.stop('SIGKILL');
        })();
      });
      await killing;
      expect(killed, 'a worker was running a shard when dense1 had its first shard back').not.toBeNull();
      expect(Buffer.compare(r.outputs.serialize(), reference)).toBe(0);
      expect(Array.from(client.decode(r.outputs).values)).toEqual(Array.from(simulate(circuit, q, 1).outputs));
      r.outputs.dispose();
      workers = workers.filter((w) => w.name !== killed);
    } finally {
      inputs.dispose();
      remote.dispose();
    }
  }, 600_000);

  it('Redis restarted mid-run (with its append-only file): the run resumes and ends with the same ciphertexts', async () => {
    const circuit = convCircuit();
    const q = convInputs(1);
    const client = InferenceClient.generate(circuit);
    const { inputs, reference, remote } = await bothWays(circuit, client, q, 1);
    let restarting: Promise<void> | null = null;
    try {
      const r = await remote.infer(inputs, (e) => {
        if (e.shardsDone) restarting ??= redis.restart();
      });
      await restarting;
      expect(restarting, 'Redis was restarted during the run').not.toBeNull();
      expect(Buffer.compare(r.outputs.serialize(), reference)).toBe(0);
      r.outputs.dispose();
    } finally {
      inputs.dispose();
      remote.dispose();
    }
  }, 300_000);

  it('Redis unreachable: a clear error at connection; Redis stopped mid-run: the run ends with a clear error, no answer', async () => {
    await expect(Fleet.connect({ url: 'redis://127.0.0.1:1', connectSeconds: 1 })).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1 within 1 s/);
    const impatient = await Fleet.connect({ url: redis.url, unreachableSeconds: 2 });
    const circuit = convCircuit();
    const client = InferenceClient.generate(circuit);
    const seeded = await client.generateSeededEvaluationKeys();
    const server = InferenceServer.remote(circuit, await impatient.publishKeys('engine', seeded.serialize()));
    seeded.dispose();
    const inputs = client.encryptQuantized(convInputs(2));
    let stopping: Promise<void> | null = null;
    try {
      await expect(
        server.infer(inputs, () => {
          stopping ??= redis.stop();
        }),
      ).rejects.toThrow(/Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable for \d+ s .*the run is abandoned and nothing partial is returned/);
      expect(stopping).not.toBeNull();
    } finally {
      inputs.dispose();
      await impatient.close();
    }
  }, 120_000);
});
