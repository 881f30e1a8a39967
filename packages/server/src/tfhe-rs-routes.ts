// Routes for clients that use only Zama's packages (node-tfhe in Node, `tfhe` in a browser):
// they register a tfhe-rs compressed server key and send tfhe-rs ciphertext streams; the answer
// is a tfhe-rs ciphertext stream their own Shortint.decrypt reads. Same key store, queue and
// error shape as the engine routes (docs/http-api.md); formats: docs/tfhe-rs-formats.md.
import type { FastifyInstance } from 'fastify';
import type { Circuit } from '@fhenet/circuit';
import { InferenceServer } from '@fhenet/executor';
import type { CircuitPlan } from '@fhenet/executor';
import type { EvaluationKeys, LweCiphertextBatch } from '@fhenet/engine';
import { expandTfheRsServerKeyAsync, readTfheRsCiphertextStream, tfheRsCiphertextBytes, writeTfheRsCiphertextStream } from '@fhenet/engine';
import { binaryBody, HttpError } from './errors.js';
import { sendInferenceAnswer } from './answer.js';
import { knownKey, type KeyStore } from './key-store.js';
import type { JobQueue } from './queue.js';
import { tfheRsInfo } from './circuit-info.js';
import type { ServiceInfer } from './service.js';

export interface TfheRsRouteContext {
  readonly circuit: Circuit;
  readonly plan: CircuitPlan;
  readonly queue: JobQueue;
  readonly store: KeyStore;
  readonly maxSamples: number;
  /** Throws a 503 HttpError when one more key set would not fit in the service's memory budget. */
  readonly assertMemory: () => void;
  /** Runs one inference the way the service chose (whole stages or bands). */
  readonly infer: ServiceInfer;
  /** With a worker fleet: publishes the key there instead of expanding it here (the workers check it). */
  readonly remote?: (kind: 'tfhe-rs', bytes: Uint8Array) => Promise<InferenceServer>;
}

/** `?ciphertexts=compressed` (default: 124-byte CompressedCiphertexts) or `?ciphertexts=full`. */
type CiphertextForm = 'compressed' | 'full';
function ciphertextForm(query: unknown): CiphertextForm {
  const v = (query as { ciphertexts?: unknown } | undefined)?.ciphertexts;
  if (v === undefined || v === 'compressed') return 'compressed';
  if (v === 'full') return 'full';
  throw new HttpError(
    400,
    'invalid-query',
    `ciphertexts must be "compressed" (serialize_compressed_ciphertext) or "full" (serialize_ciphertext), got ${JSON.stringify(v)}`,
  );
}

export function registerTfheRsRoutes(app: FastifyInstance, ctx: TfheRsRouteContext): void {
  const info = tfheRsInfo(ctx.circuit, ctx.plan);
  const params = ctx.plan.params;
  const unavailable = (): never => {
    throw new HttpError(501, 'tfhe-rs-unavailable', info.available ? 'unreachable' : info.reason);
  };
  // Limits from the parameters, checked against Content-Length before the body is read (fastify
  // also stops a streamed body at bodyLimit).
  const keyLimit = info.available ? info.serverKeyBytes : 1024;
  const perSample = { compressed: tfheRsCiphertextBytes(params, true) * ctx.plan.inputSize, full: tfheRsCiphertextBytes(params, false) * ctx.plan.inputSize };
  const inputLimit = perSample.full * ctx.maxSamples;

  app.post(
    '/v1/tfhe-rs/keys',
    { bodyLimit: keyLimit, preParsing: async (_req, _reply, payload) => (info.available ? payload : unavailable()) },
    async (req, reply) => {
      const bytes = binaryBody(req.body, 'tfhe-rs compressed server key');
      ctx.assertMemory();
      const t0 = performance.now();
      const keyId = await ctx.store.register('tfhe-rs', () =>
        ctx.queue.submit(async () => {
          if (ctx.remote) return ctx.remote('tfhe-rs', bytes);
          let keys: EvaluationKeys;
          try {
            keys = await expandTfheRsServerKeyAsync(bytes, params);
          } catch (e) {
            throw new HttpError(400, 'invalid-keys', `tfhe-rs compressed server key refused: ${(e as Error).message}`);
          }
          return new InferenceServer(ctx.circuit, keys);
        }),
      );
      const expandMs = performance.now() - t0;
      req.log.info({ keyId, expandMs: Math.round(expandMs) }, 'tfhe-rs server key registered');
      return reply.code(201).send({ keyId, parameters: params.name, expandMs });
    },
  );

  app.delete<{ Params: { keyId: string } }>('/v1/tfhe-rs/keys/:keyId', async (req, reply) => {
    ctx.store.delete(req.params.keyId, 'tfhe-rs');
    return reply.code(204).send();
  });

  app.post<{ Params: { keyId: string }; Querystring: { ciphertexts?: string } }>(
    '/v1/tfhe-rs/keys/:keyId/infer',
    {
      bodyLimit: inputLimit,
      onRequest: knownKey(ctx.store, 'tfhe-rs'),
      // Refuse from the declared length, for the declared form, before reading a byte of body.
      preParsing: async (req, _reply, payload) => {
        const form = ciphertextForm(req.query);
        const limit = perSample[form] * ctx.maxSamples;
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) {
          throw new HttpError(
            413,
            'body-too-large',
            `${declared} bytes declared; at most ${ctx.maxSamples} samples of ${perSample[form]} bytes (${form} tfhe-rs ciphertexts) = ${limit}`,
          );
        }
        return payload;
      },
    },
    async (req, reply) => {
      if (!info.available) unavailable();
      const form = ciphertextForm(req.query);
      const bytes = binaryBody(req.body, 'tfhe-rs ciphertexts');
      if (bytes.length % perSample[form] !== 0 || bytes.length / perSample[form] > ctx.maxSamples) {
        throw new HttpError(
          400,
          'invalid-ciphertexts',
          `tfhe-rs ciphertexts refused: ${bytes.length} bytes is not 1..${ctx.maxSamples} samples of ${ctx.plan.inputSize} ${form} ciphertexts (${perSample[form]} bytes per sample)`,
        );
      }
      const result = await ctx.store.use(req.params.keyId, 'tfhe-rs', async (server) => {
        let inputs: LweCiphertextBatch;
        try {
          inputs = readTfheRsCiphertextStream(bytes, params, { compressed: form === 'compressed' });
        } catch (e) {
          throw new HttpError(400, 'invalid-ciphertexts', `tfhe-rs ciphertexts refused: ${(e as Error).message}`);
        }
        return ctx.queue.submit(() => ctx.infer(server, inputs, req.log)).finally(() => inputs.dispose());
      });
      let body: Buffer;
      try {
        body = writeTfheRsCiphertextStream(result.outputs, params);
      } finally {
        result.outputs.dispose();
      }
      return sendInferenceAnswer(reply, result, body);
    },
  );
}
