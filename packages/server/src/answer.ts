// The answer of both inference routes (engine and tfhe-rs ciphertexts): the serialized outputs and
// the same x-fhenet-* headers (docs/http-api.md), so the two routes cannot drift apart.
import type { FastifyReply } from 'fastify';
import type { StageTiming } from '@fhenet/executor';
import { OCTET } from './errors.js';

export interface InferenceAnswer {
  readonly count: number;
  readonly totalMs: number;
  readonly stages: readonly StageTiming[];
}

export function sendInferenceAnswer(reply: FastifyReply, result: InferenceAnswer, body: Uint8Array): FastifyReply {
  return reply
    .type(OCTET)
    .header('x-fhenet-samples', String(result.count))
    .header('x-fhenet-inference-ms', result.totalMs.toFixed(1))
    .header('x-fhenet-stage-timings', JSON.stringify(result.stages))
    .send(body);
}
