// The key routes of both kinds (docs/http-api.md): POST a key set (engine seeded evaluation keys
// at /v1/keys, a tfhe-rs compressed server key at /v1/tfhe-rs/keys), POST ciphertexts to
// .../{keyId}/infer, DELETE .../{keyId}. The two kinds differ only in their body formats and
// sizes; authentication, limits and admission are the same code. Formats: docs/tfhe-rs-formats.md.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CircuitPlan } from '@fhenet/executor';
import { ciphertextBatchBytes, seededKeyBytes, tfheRsCiphertextBytes } from '@fhenet/engine';
import type { TfheRsInfo } from '@fhenet/client';
import { authorizedKey, bearerToken, keyIdOf } from './auth.js';
import type { BackendKeys, CiphertextForm, ExecutionBackend, KeyKind } from './backend.js';
import { bodyConfig, bodyReservation, type BodyRule } from './body.js';
import { BusyError } from './queue.js';
import { HttpError, OCTET } from './errors.js';
import type { KeyStore, Registration } from './key-store.js';
import type { Reservation } from './memory-account.js';

/** A registered key set as the store holds it: the backend's keys and their share of the memory account. */
export class HeldKeys implements BackendKeys {
  constructor(
    readonly keys: BackendKeys,
    readonly memory: Reservation,
  ) {}
  dispose(): void {
    this.keys.dispose();
    this.memory.release();
  }
}

export interface KeyRouteContext {
  readonly plan: CircuitPlan;
  readonly store: KeyStore<HeldKeys>;
  readonly backend: ExecutionBackend;
  readonly maxSamples: number;
  /** Key registrations per minute from one address (@fastify/rate-limit, per route). */
  readonly registrationsPerMinute: number;
  readonly tfheRs: TfheRsInfo;
}

const BASE: Record<KeyKind, string> = { engine: '/v1/keys', 'tfhe-rs': '/v1/tfhe-rs/keys' };
/** The key-store slot a registration took before its body was read (KeyStore.begin). */
const SLOT = Symbol('registrationSlot');
type SlotRequest = FastifyRequest & { [SLOT]?: Registration<HeldKeys> };
const KEYS_WHAT: Record<KeyKind, string> = { engine: 'evaluation keys', 'tfhe-rs': 'tfhe-rs compressed server key' };

/** `?ciphertexts=compressed` (default: 124-byte CompressedCiphertexts) or `?ciphertexts=full`; engine routes take none. */
function ciphertextForm(kind: KeyKind, query: unknown): CiphertextForm {
  const v = (query as { ciphertexts?: unknown } | undefined)?.ciphertexts;
  if (kind === 'engine' || v === undefined || v === 'compressed') return 'compressed';
  if (v === 'full') return 'full';
  throw new HttpError(
    400,
    'invalid-query',
    `ciphertexts must be "compressed" (serialize_compressed_ciphertext) or "full" (serialize_ciphertext), got ${JSON.stringify(v)}`,
  );
}

export function registerKeyRoutes(app: FastifyInstance, ctx: KeyRouteContext, kind: KeyKind): void {
  const { plan, store, backend, maxSamples } = ctx;
  const params = plan.params;
  const base = BASE[kind];
  const available = kind === 'engine' || ctx.tfheRs.available;
  const unavailable = (): void => {
    if (!available) throw new HttpError(501, 'tfhe-rs-unavailable', ctx.tfheRs.available ? 'unreachable' : ctx.tfheRs.reason);
  };
  const busy = (): void => {
    if (backend.busy()) throw new BusyError(undefined, 'server busy: the job queue is full; retry later');
  };
  // Body limits from the parameters: exactly one key set, or maxSamples samples of ciphertexts.
  // (Unavailable tfhe-rs routes: no limit, so that admit answers 501 rather than 413.)
  const keyBytes = kind === 'engine' ? seededKeyBytes(params) : ctx.tfheRs.available ? ctx.tfheRs.serverKeyBytes : Number.MAX_SAFE_INTEGER;
  const sampleBytes: Record<CiphertextForm, number> =
    kind === 'engine'
      ? { compressed: ciphertextBatchBytes(params, plan.inputSize), full: ciphertextBatchBytes(params, plan.inputSize) }
      : { compressed: tfheRsCiphertextBytes(params, true) * plan.inputSize, full: tfheRsCiphertextBytes(params, false) * plan.inputSize };
  const owner = (req: FastifyRequest): string => req.ip;

  const keyRule: BodyRule = {
    what: KEYS_WHAT[kind],
    limit: () => keyBytes,
    reserve: (_req, n) => n + backend.memory.registrationBytes(kind, n) + backend.memory.keySetBytes,
    admit: (req, reply) => {
      unavailable();
      busy();
      // The slot counts against the client's quota and the store from now on: uploads in
      // progress cannot exceed either. Given back if the request ends without keys.
      const slot = store.begin(owner(req), kind);
      (req as SlotRequest)[SLOT] = slot;
      reply.raw.once('close', slot.cancel);
    },
  };
  app.post(base, { config: { ...bodyConfig(keyRule), rateLimit: { max: ctx.registrationsPerMinute, timeWindow: 60_000 } } }, async (req, reply) => {
    const body = req.body as Buffer;
    const held = bodyReservation(req).split(backend.memory.keySetBytes); // the key set's share, kept while it is registered
    const slot = (req as SlotRequest)[SLOT]!;
    const t0 = performance.now();
    let credentials: { keyId: string; token: string };
    try {
      credentials = slot.complete(new HeldKeys(await backend.register(kind, body), held));
    } catch (e) {
      held.release();
      slot.cancel();
      throw e;
    }
    const ms = performance.now() - t0;
    req.log.info({ kind, setupMs: Math.round(ms) }, `${KEYS_WHAT[kind]} registered`);
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .send({ ...credentials, parameters: params.name, [kind === 'engine' ? 'decompressMs' : 'expandMs']: ms });
  });

  app.delete(`${base}/:keyId`, { onRequest: authorizedKey(store, kind) }, async (req, reply) => {
    store.delete(keyIdOf(req), bearerToken(req), kind);
    return reply.code(204).send();
  });

  const inferRule: BodyRule = {
    what: kind === 'engine' ? 'ciphertexts' : 'tfhe-rs ciphertexts',
    limit: (req) => sampleBytes[ciphertextForm(kind, req.query)] * maxSamples,
    reserve: (req, n) => n + backend.memory.inferenceBytes(kind, n, ciphertextForm(kind, req.query)),
    admit: () => {
      unavailable();
      busy();
    },
  };
  app.post(`${base}/:keyId/infer`, { onRequest: authorizedKey(store, kind), config: bodyConfig(inferRule) }, async (req, reply) => {
    const body = req.body as Buffer;
    const form = ciphertextForm(kind, req.query);
    if (kind === 'tfhe-rs' && body.length % sampleBytes[form] !== 0) {
      throw new HttpError(
        400,
        'invalid-ciphertexts',
        `tfhe-rs ciphertexts refused: ${body.length} bytes is not 1..${maxSamples} samples of ${plan.inputSize} ${form} ciphertexts (${sampleBytes[form]} bytes per sample)`,
      );
    }
    const answer = await store.use(keyIdOf(req), bearerToken(req), kind, (held) => backend.infer(held.keys, kind, body, form, req.log));
    return reply
      .type(OCTET)
      .header('x-fhenet-samples', String(answer.count))
      .header('x-fhenet-inference-ms', answer.totalMs.toFixed(1))
      .header('x-fhenet-stage-timings', JSON.stringify(answer.stages))
      .send(answer.body);
  });
}
