// The inference service over HTTP (docs/http-api.md). The server holds one circuit and the
// evaluation keys clients register; it has no route, field or parser that accepts a secret key.
// Bodies are raw engine blobs (application/octet-stream) or, on /v1/tfhe-rs/*, tfhe-rs objects
// (tfhers-routes.ts), size-limited from the parameter set before they are read; every failure is a
// 4xx/503 JSON answer, never a crash.
import { tmpdir } from 'node:os';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Circuit } from '@fhenet/circuit';
import { SeededEvaluationKeys, threadCount, ciphertextBatchBytes, seededKeyBytes } from '@fhenet/engine';
import {
  InferenceServer,
  planCircuit,
  assertRegistrationBudget,
  defaultMemoryLimit,
  modelExecutionMemory,
  bandsModelOptions,
  chooseBands,
  type BandChoice,
  type ChosenBands,
} from '@fhenet/executor';
import type { CircuitPlan, EvaluationKeyKind, ExecutionResult, PublishKeys } from '@fhenet/executor';
import type { LweCiphertextBatch } from '@fhenet/engine';
import { BusyError, JobQueue } from './queue.js';
import { binaryBody, HttpError, OCTET } from './errors.js';
import { sendInferenceAnswer } from './answer.js';
import { KeyStore, knownKey } from './key-store.js';
import { circuitInfo, type ServiceCircuitInfo } from './circuit-info.js';
import { registerTfheRsRoutes } from './tfhe-rs-routes.js';
import { registerWebRoutes, type WebOptions } from './web.js';

export interface ServiceOptions {
  /** Jobs (key registrations, inferences) allowed to wait behind the running one (default 4). */
  readonly queueCapacity?: number;
  /**
   * Memory the service may use (bytes; default 80% of the machine): a key registration that would
   * not leave room for its keys and one maxSamplesPerRequest execution is refused (503).
   */
  readonly maxMemoryBytes?: number;
  /** Registered key sets kept at once (default 4; each holds the expanded keys in memory). */
  readonly maxKeys?: number;
  /**
   * When the key store is full, a registration evicts the least recently used key set that no
   * request has used for this long (default 600 s); none that idle: 503 key-store-full.
   */
  readonly keyIdleSeconds?: number;
  /** Samples accepted in one inference request (default 16). */
  readonly maxSamplesPerRequest?: number;
  /**
   * Output ciphertexts per band for every inference (banded execution, docs/streaming-plan.md).
   * Default: chosen at start from maxMemoryBytes, as predict does: whole stages when a key set
   * and one maxSamplesPerRequest execution fit, else the largest band that fits, in memory and
   * then spilled to spillDir.
   */
  readonly bandOutputs?: number;
  /** Folder for the spill files of banded inferences (default: os.tmpdir(), used only when in-memory bands do not fit). */
  readonly spillDir?: string;
  /** Serve the browser client at / and /app/* (docs/browser-client.md); off by default. */
  readonly web?: WebOptions;
  /**
   * Run the lookups on a worker fleet (@fhenet/fleet's Fleet; `fhenet serve --redis`): registered
   * keys are published there instead of expanded here, the service keeps the linear maps, and
   * /v1/health reports the fleet.
   */
  readonly fleet?: ServiceFleet;
  /** fastify logger option (default off). Bodies are never logged. */
  readonly logger?: FastifyServerOptions['logger'];
}

/** What the service needs of a worker fleet. */
export interface ServiceFleet {
  readonly publishKeys: PublishKeys;
  health(): Promise<unknown>;
}

export function createInferenceService(circuit: Circuit, options: ServiceOptions = {}): FastifyInstance {
  const plan = planCircuit(circuit); // refuses a circuit without parameters before listening
  if (plan.wopLookupsPerSample > 0) {
    // Key registration carries the seeded evaluation keys only; CRT lookups also need PFKS keys.
    throw new Error(
      `circuit "${circuit.name}" has CRT stages with WoP lookups: the HTTP service does not register packing keyswitching keys yet; ` +
        'run it in-process (fhenet predict without --server)',
    );
  }
  const params = plan.params;
  const queue = new JobQueue(options.queueCapacity ?? 4);
  const store = new KeyStore({ maxKeys: options.maxKeys ?? 4, idleMs: (options.keyIdleSeconds ?? 600) * 1000 });
  const maxSamples = options.maxSamplesPerRequest ?? 16;
  const keyLimit = seededKeyBytes(params);
  const inputLimit = ciphertextBatchBytes(params, maxSamples * plan.inputSize);
  const memoryLimit = options.maxMemoryBytes ?? defaultMemoryLimit();
  const execution = chooseServiceExecution(plan, {
    maxSamples,
    limitBytes: memoryLimit,
    inUseBytes: process.memoryUsage.rss(),
    ...(options.bandOutputs !== undefined ? { bandOutputs: options.bandOutputs } : {}),
    ...(options.spillDir !== undefined ? { spillDir: options.spillDir } : {}),
  });
  const memoryModel = execution.model;
  const info: ServiceCircuitInfo = circuitInfo(circuit, plan, maxSamples);
  /** 503 when one more key set plus one full-size execution would not fit (either key route). */
  const assertMemory = (): void => {
    if (options.fleet) return; // the keys live on the workers
    try {
      assertRegistrationBudget(memoryModel, { limitBytes: memoryLimit, inUseBytes: process.memoryUsage.rss(), limitName: "the service's maxMemoryBytes" });
    } catch (e) {
      throw new HttpError(503, 'insufficient-memory', (e as Error).message);
    }
  };

  const fleet = options.fleet;
  /** With a fleet: a server whose lookups run there on the published keys. */
  const remote = fleet && (async (kind: EvaluationKeyKind, bytes: Uint8Array) => InferenceServer.remote(circuit, await fleet.publishKeys(kind, bytes)));

  /** One inference on a registered key set, logging each stage. */
  const infer: ServiceInfer = (server, inputs, log) =>
    server.infer(
      inputs,
      (p) => {
        if (p.phase === 'done') log.info({ stage: p.name, ...p.timing }, `stage ${p.stage + 1}/${p.stages} done`);
      },
      execution.bands ? { bands: execution.bands } : {},
    );

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024, // default for anything else; the two binary routes set their own
    requestTimeout: 600_000, // receiving a request (not computing the answer)
  });
  // Only raw bytes are ever parsed: no JSON or text parser exists on any route, so a body of another
  // media type is refused (415) before a byte of it is read, and no body can become a huge object
  // graph (a 195 MB JSON array of {} once took a service from 70 MB to an out-of-memory death).
  app.removeAllContentTypeParsers();
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

  const executionInfo = execution.bands
    ? { bandOutputs: execution.bands.outputs, spilled: execution.bands.spillDir !== undefined }
    : { bandOutputs: null, spilled: false };
  app.get('/v1/health', async () => ({
    status: 'ok',
    queue: { running: queue.running, waiting: queue.waiting, capacity: queue.capacity },
    keys: store.size,
    keysEvicted: store.evicted,
    execution: executionInfo,
    ...(fleet ? { fleet: await fleet.health().catch((e: Error) => ({ error: e.message })) } : {}),
  }));

  app.get('/v1/circuit', async () => info);

  app.post('/v1/keys', { bodyLimit: keyLimit }, async (req, reply) => {
    const bytes = binaryBody(req.body, 'evaluation keys');
    assertMemory();
    let seeded: SeededEvaluationKeys;
    try {
      seeded = SeededEvaluationKeys.deserialize(bytes, params);
    } catch (e) {
      throw new HttpError(400, 'invalid-keys', `evaluation keys refused: ${(e as Error).message}`);
    }
    const t0 = performance.now();
    const keyId = await store
      .register('engine', () => queue.submit(() => (remote ? remote('engine', bytes) : InferenceServer.fromSeeded(circuit, seeded))))
      .finally(() => seeded.dispose());
    req.log.info({ keyId, decompressMs: Math.round(performance.now() - t0) }, 'evaluation keys registered');
    return reply.code(201).send({ keyId, parameters: params.name, decompressMs: performance.now() - t0 });
  });

  app.delete<{ Params: { keyId: string } }>('/v1/keys/:keyId', async (req, reply) => {
    store.delete(req.params.keyId, 'engine');
    return reply.code(204).send();
  });

  app.post<{ Params: { keyId: string } }>('/v1/keys/:keyId/infer', { bodyLimit: inputLimit, onRequest: knownKey(store, 'engine') }, async (req, reply) => {
    const bytes = binaryBody(req.body, 'ciphertexts');
    const result = await store.use(req.params.keyId, 'engine', async (server) => {
      let inputs: LweCiphertextBatch;
      try {
        inputs = server.readInputs(bytes);
      } catch (e) {
        throw new HttpError(400, 'invalid-ciphertexts', `ciphertexts refused: ${(e as Error).message}`);
      }
      return queue.submit(() => infer(server, inputs, req.log)).finally(() => inputs.dispose());
    });
    const body = result.outputs.serialize();
    result.outputs.dispose();
    return sendInferenceAnswer(reply, result, body);
  });

  registerTfheRsRoutes(app, { circuit, plan, queue, store, maxSamples, assertMemory, infer, ...(remote ? { remote } : {}) });
  if (execution.message) app.log.info(execution.message);
  if (options.web) registerWebRoutes(app, circuit, options.web);

  app.addHook('onClose', async () => store.clear());
  return app;
}

/** Runs one inference for a route (tfhers-routes.ts shares it). */
export type ServiceInfer = (server: InferenceServer, inputs: LweCiphertextBatch, log: FastifyBaseLogger) => Promise<ExecutionResult>;

export interface ServiceExecutionArgs {
  readonly maxSamples: number;
  readonly limitBytes: number;
  /** Resident now (the service adds one key set's seeded copy, as a registration holds it). */
  readonly inUseBytes: number;
  readonly bandOutputs?: number;
  readonly spillDir?: string;
}

/**
 * How every inference of a service runs: bands asked for, or chosen like predict's (chooseBands)
 * for one key set's registration (its seeded copy on top of what is resident) and one maxSamples
 * execution. When nothing fits, whole stages: registrations are then refused (503) naming the stage.
 */
export function chooseServiceExecution(plan: CircuitPlan, a: ServiceExecutionArgs): BandChoice {
  const model = (b?: ChosenBands) => modelExecutionMemory(plan, { count: a.maxSamples, threads: threadCount(), ...bandsModelOptions(b) });
  const choice = { plan, model, spillDir: a.spillDir ?? tmpdir(), spillDirGiven: a.spillDir !== undefined };
  // Forced bands: validated (band size, spill folder) here; the registration budget, not this
  // choice, refuses what does not fit.
  if (a.bandOutputs !== undefined) return chooseBands({ ...choice, bandOutputs: a.bandOutputs, budget: { limitBytes: Infinity, inUseBytes: 0 } });
  try {
    return chooseBands({
      ...choice,
      budget: { limitBytes: a.limitBytes, inUseBytes: a.inUseBytes + seededKeyBytes(plan.params), limitName: "the service's maxMemoryBytes" },
    });
  } catch {
    const m = model();
    return { model: m, neededBytes: m.peakBytes };
  }
}
