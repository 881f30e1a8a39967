// The inference service over HTTP (docs/http-api.md). The server holds one circuit and the
// evaluation keys clients register; it has no route, field or parser that accepts a secret key.
// Bodies are raw engine blobs (application/octet-stream), size-limited from the parameter set
// before they are read; every failure is a 4xx/503 JSON answer, never a crash.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Circuit } from '@fhenet/compiler';
import { parameterFingerprint } from '@fhenet/params';
import { SeededEvaluationKeys } from '../server.js';
import { InferenceServer } from '../inference/server.js';
import { planCircuit } from '../inference/plan.js';
import { ciphertextBatchBytes, seededKeyBytes } from '../inference/sizes.js';
import { BusyError, JobQueue } from './queue.js';

export interface ServiceOptions {
  /** Jobs (key registrations, inferences) allowed to wait behind the running one (default 4). */
  readonly queueCapacity?: number;
  /** Registered key sets kept at once (default 4; each holds the expanded keys in memory). */
  readonly maxKeys?: number;
  /** Samples accepted in one inference request (default 16). */
  readonly maxSamplesPerRequest?: number;
  /** fastify logger option (default off). Bodies are never logged. */
  readonly logger?: FastifyServerOptions['logger'];
}

class HttpError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

const OCTET = 'application/octet-stream';

export function createInferenceService(circuit: Circuit, options: ServiceOptions = {}): FastifyInstance {
  const plan = planCircuit(circuit); // refuses a circuit without parameters before listening
  const params = plan.params;
  const queue = new JobQueue(options.queueCapacity ?? 4);
  const maxKeys = options.maxKeys ?? 4;
  const maxSamples = options.maxSamplesPerRequest ?? 16;
  const keyLimit = seededKeyBytes(params);
  const inputLimit = ciphertextBatchBytes(params, maxSamples * plan.inputSize);
  const servers = new Map<string, InferenceServer>();
  let registering = 0; // registrations in flight count against maxKeys too

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024, // default for anything else; the two binary routes set their own
    requestTimeout: 600_000, // receiving a request (not computing the answer)
  });
  app.addContentTypeParser(OCTET, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof BusyError) {
      return reply.code(503).header('retry-after', '10').send({ error: 'busy', message: err.message });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err: err.message }, 'request failed');
    return reply.code(status).send({ error: err.code ?? 'error', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not-found', message: `no route ${req.method} ${req.url}` }));

  const binaryBody = (body: unknown, what: string): Buffer => {
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new HttpError(415, 'unsupported-media-type', `${what}: send the bytes with Content-Type: ${OCTET}`);
    }
    return body;
  };
  const serverFor = (keyId: string): InferenceServer => {
    const s = servers.get(keyId);
    if (!s) throw new HttpError(404, 'unknown-key', `no evaluation keys registered under id "${keyId}"`);
    return s;
  };

  app.get('/v1/health', async () => ({ status: 'ok', queue: { running: queue.running, waiting: queue.waiting, capacity: queue.capacity }, keys: servers.size }));

  app.get('/v1/circuit', async () => ({
    name: circuit.name,
    bits: circuit.bits,
    inputShape: circuit.inputShape,
    inputSize: plan.inputSize,
    outputSize: plan.outputSize,
    pbsPerSample: plan.pbsPerSample,
    parameters: { name: params.name, fingerprint: parameterFingerprint(params) },
    limits: { seededKeyBytes: keyLimit, maxSamplesPerRequest: maxSamples, inputBytesPerSample: ciphertextBatchBytes(params, plan.inputSize) },
  }));

  app.post('/v1/keys', { bodyLimit: keyLimit }, async (req, reply) => {
    const bytes = binaryBody(req.body, 'evaluation keys');
    if (servers.size + registering >= maxKeys) {
      throw new HttpError(503, 'key-store-full', `key store full (${maxKeys} key sets); DELETE /v1/keys/<id> a finished one`);
    }
    let seeded: SeededEvaluationKeys;
    try {
      seeded = SeededEvaluationKeys.deserialize(bytes, params);
    } catch (e) {
      throw new HttpError(400, 'invalid-keys', `evaluation keys refused: ${(e as Error).message}`);
    }
    const t0 = performance.now();
    registering++;
    const server = await queue.submit(() => InferenceServer.fromSeeded(circuit, seeded)).finally(() => {
      registering--;
      seeded.dispose();
    });
    const keyId = randomUUID();
    servers.set(keyId, server);
    req.log.info({ keyId, decompressMs: Math.round(performance.now() - t0) }, 'evaluation keys registered');
    return reply.code(201).send({ keyId, parameters: params.name, decompressMs: performance.now() - t0 });
  });

  app.delete<{ Params: { keyId: string } }>('/v1/keys/:keyId', async (req, reply) => {
    const s = serverFor(req.params.keyId);
    servers.delete(req.params.keyId);
    s.dispose();
    return reply.code(204).send();
  });

  app.post<{ Params: { keyId: string } }>('/v1/keys/:keyId/infer', { bodyLimit: inputLimit }, async (req, reply) => {
    const server = serverFor(req.params.keyId);
    const bytes = binaryBody(req.body, 'ciphertexts');
    let inputs;
    try {
      inputs = server.readInputs(bytes);
    } catch (e) {
      throw new HttpError(400, 'invalid-ciphertexts', `ciphertexts refused: ${(e as Error).message}`);
    }
    const result = await queue
      .submit(() =>
        server.infer(inputs, (p) => {
          if (p.phase === 'done') req.log.info({ stage: p.name, ...p.timing }, `stage ${p.stage + 1}/${p.stages} done`);
        }),
      )
      .finally(() => inputs.dispose());
    const body = result.outputs.serialize();
    result.outputs.dispose();
    return reply
      .type(OCTET)
      .header('x-fhenet-samples', String(result.count))
      .header('x-fhenet-inference-ms', result.totalMs.toFixed(1))
      .header('x-fhenet-stage-timings', JSON.stringify(result.stages))
      .send(body);
  });

  app.addHook('onClose', async () => {
    for (const s of servers.values()) s.dispose();
    servers.clear();
  });
  return app;
}
