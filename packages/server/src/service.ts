// The inference service over HTTP (docs/http-api.md, threat model and limits: docs/security.md).
// The server holds one circuit and the evaluation keys clients register; it has no route, field
// or parser that accepts a secret key. This file assembles the HTTP side: connection caps and
// timeouts (connections.ts), per-client rate limits (@fastify/rate-limit), the body reader and
// its admission checks (body.ts, memory-account.ts), the key store with bearer tokens
// (key-store.ts, auth.ts) and the routes; the computation is a backend's (backend.ts; in process
// by default, local-backend.ts). Every failure is a 4xx/5xx JSON answer, never a crash.
import { constants as bufferConstants } from 'node:buffer';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Circuit } from '@fhenet/circuit';
import { ciphertextBatchBytes, seededKeyBytes } from '@fhenet/engine';
import { defaultMemoryLimit, formatBytes, planCircuit, type CircuitPlan, type PublishKeys } from '@fhenet/executor';
import type { ExecutionBackend } from './backend.js';
import { installBodyReader } from './body.js';
import { circuitInfo, type ServiceCircuitInfo } from './circuit-info.js';
import { capConnections, serverTimeouts } from './connections.js';
import { HttpError } from './errors.js';
import { registerKeyRoutes, type HeldKeys } from './key-routes.js';
import { KeyStore } from './key-store.js';
import { resolveLimits, type ServiceLimits } from './limits.js';
import { LocalBackend } from './local-backend.js';
import { loggerOption, redactUrl } from './logging.js';
import { MemoryAccount } from './memory-account.js';
import { BusyError } from './queue.js';
import { registerWebRoutes, type WebOptions } from './web.js';

export interface ServiceOptions {
  /** Jobs (key registrations, inferences) allowed to wait behind the running one (default 4). */
  readonly queueCapacity?: number;
  /**
   * Memory the service may use (bytes; default 80% of the machine). Requests are admitted from
   * accounted memory (memory-account.ts): the process baseline at start, the one execution that
   * runs at a time, every key set held and every request in flight. Over it: 503.
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
  /** Connection, timeout, rate and per-client limits (limits.ts, docs/security.md); defaults for those not given. */
  readonly limits?: Partial<ServiceLimits>;
  /**
   * fastify's trustProxy: behind a reverse proxy, the client address (per-client rate limits and
   * key quotas) is read from X-Forwarded-For. Off by default: a client could forge the header.
   */
  readonly trustProxy?: FastifyServerOptions['trustProxy'];
  /** Serve the browser client at / and /app/* (docs/browser-client.md); off by default. */
  readonly web?: WebOptions;
  /**
   * Run the lookups on a worker fleet (@fhenet/fleet's Fleet; `fhenet serve --redis`): registered
   * keys are published there instead of expanded here, the service keeps the linear maps, and
   * /v1/health reports the fleet. Ignored when `backend` is given.
   */
  readonly fleet?: ServiceFleet;
  /** fastify logger option (default off). Bodies, headers and key ids are never logged. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Where the computation runs (default: in this process, LocalBackend). */
  readonly backend?: (setup: BackendSetup) => ExecutionBackend;
}

/** What the service needs of a worker fleet. */
export interface ServiceFleet {
  readonly publishKeys: PublishKeys;
  health(): Promise<unknown>;
}

/** What a backend factory is given. */
export interface BackendSetup {
  readonly circuit: Circuit;
  readonly plan: CircuitPlan;
  readonly maxSamples: number;
  readonly queueCapacity: number;
  readonly limitBytes: number;
  /** The process's resident bytes at start, before any key. */
  readonly baselineBytes: number;
  readonly bandOutputs?: number;
  readonly spillDir?: string;
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
  const maxKeys = options.maxKeys ?? 4;
  const maxSamples = options.maxSamplesPerRequest ?? 16;
  if (!Number.isInteger(maxSamples) || maxSamples < 1) throw new RangeError(`maxSamplesPerRequest must be an integer >= 1, got ${maxSamples}`);
  const limits = resolveLimits(options.limits, maxKeys);
  // Bodies are read into one buffer each: a circuit whose key or request would not fit one is
  // refused now, with the numbers, rather than failing at the first upload.
  const largest = Math.max(seededKeyBytes(params), ciphertextBatchBytes(params, maxSamples * plan.inputSize));
  if (largest > bufferConstants.MAX_LENGTH) {
    throw new Error(
      `circuit "${circuit.name}": a request body would need ${formatBytes(largest)} (keys of ${params.name}, or ${maxSamples} samples of ${plan.inputSize} ciphertexts), ` +
        `above the largest buffer Node allocates (${formatBytes(bufferConstants.MAX_LENGTH)}); lower --max-samples`,
    );
  }
  const limitBytes = options.maxMemoryBytes ?? defaultMemoryLimit();
  const setup: BackendSetup = {
    circuit,
    plan,
    maxSamples,
    queueCapacity: options.queueCapacity ?? 4,
    limitBytes,
    baselineBytes: process.memoryUsage.rss(),
    ...(options.bandOutputs !== undefined ? { bandOutputs: options.bandOutputs } : {}),
    ...(options.spillDir !== undefined ? { spillDir: options.spillDir } : {}),
  };
  const backend = options.backend ? options.backend(setup) : localBackend(setup, options.fleet);
  const account = new MemoryAccount(limitBytes, backend.memory.fixedBytes);
  const store = new KeyStore<HeldKeys>({ maxKeys, maxPerClient: limits.maxKeysPerClient, idleMs: (options.keyIdleSeconds ?? 600) * 1000 });
  const info: ServiceCircuitInfo = circuitInfo(circuit, plan, maxSamples);

  const fleet = options.backend ? undefined : options.fleet;
  const timeouts = serverTimeouts(limits);
  const app = Fastify({
    logger: loggerOption(options.logger),
    http: timeouts,
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    bodyLimit: 1, // no route reads a body but through body.ts, which sets its own limits
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
  });
  const connections = capConnections(app.server, limits);
  installBodyReader(app, account, { minBytesPerSecond: limits.minBodyBytesPerSecond, graceSeconds: limits.bodyGraceSeconds });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof BusyError) {
      return reply.code(503).header('retry-after', '10').send({ error: 'busy', message: err.message });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err: err.message }, 'request failed');
    if (status === 503) reply.header('retry-after', '10');
    // A refusal may leave a body unread: close the connection rather than read it.
    if (status === 408 || status === 411 || status === 413 || status === 415) reply.header('connection', 'close');
    return reply.code(status).send({ error: err.code ?? 'error', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not-found', message: `no route ${req.method} ${redactUrl(req.url)}` }));

  // Per-client request rates; registrations have a stricter limit of their own (key-routes.ts).
  app.register(rateLimit, {
    global: true,
    max: limits.requestsPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_req, c) =>
      new HttpError(429, 'rate-limited', `more than ${c.max} requests of this kind from this client in a minute; retry in ${c.after}`),
  });
  app.register(async (routes) => {
    routes.get('/v1/health', async () => ({
      status: 'ok',
      ...backend.health(),
      keys: store.size,
      keysEvicted: store.evicted,
      memory: { limitBytes: account.limitBytes, accountedBytes: account.usedBytes },
      connectionsRefused: connections.refused(),
      ...(fleet ? { fleet: await fleet.health().catch((e: Error) => ({ error: e.message })) } : {}),
    }));
    routes.get('/v1/circuit', async () => info);
    const keyContext = { plan, store, backend, maxSamples, registrationsPerMinute: limits.registrationsPerMinute, tfheRs: info.tfheRs };
    registerKeyRoutes(routes, keyContext, 'engine');
    registerKeyRoutes(routes, keyContext, 'tfhe-rs');
    if (options.web) registerWebRoutes(routes, circuit, options.web);
  });
  if (backend instanceof LocalBackend && backend.execution.message) app.log.info(backend.execution.message);

  app.addHook('onClose', async () => {
    store.clear();
    await backend.close();
  });
  return app;
}

function localBackend(s: BackendSetup, fleet: ServiceFleet | undefined): LocalBackend {
  return new LocalBackend(s.circuit, s.plan, {
    ...(fleet ? { publishKeys: fleet.publishKeys } : {}),
    queueCapacity: s.queueCapacity,
    maxSamples: s.maxSamples,
    limitBytes: s.limitBytes,
    baselineBytes: s.baselineBytes,
    ...(s.bandOutputs !== undefined ? { bandOutputs: s.bandOutputs } : {}),
    ...(s.spillDir !== undefined ? { spillDir: s.spillDir } : {}),
  });
}
