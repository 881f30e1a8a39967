// Where a predict loop's ciphertexts are computed: an InferenceServer in this process or an HTTP
// inference service. A session is generic over the client's ciphertext type (our
// LweCiphertextBatch, or node-tfhe bytes); a codec turns it into what the transport carries.
import type { LweCiphertextBatch } from '@fhenet/engine';
import type { InferenceProgress, InferenceServer, StageTiming } from '@fhenet/executor';
import type { InferenceHttpClient } from '../http/client.js';

/** Per-stage timing of one batch, as a session reports it. */
export type StageSummary = Pick<StageTiming, 'name' | 'linearMs' | 'pbsMs' | 'pbsCount'>;

export interface SessionAnswer<Ct> {
  readonly outputs: Ct;
  /** Server-side compute time (excludes transfer and queueing). */
  readonly computeMs: number;
  readonly stages: readonly StageSummary[];
}

export interface InferenceSession<Ct> {
  /** One batch of encrypted samples; the inputs stay the caller's (it disposes of them). */
  infer(inputs: Ct, onProgress?: InferenceProgress): Promise<SessionAnswer<Ct>>;
  /** Frees the evaluation keys (in process) or deletes the registration (remote). */
  close(): Promise<void>;
}

/** How a client's ciphertexts become engine batches (in process) or bytes (HTTP), and back. */
export interface CiphertextCodec<Ct> {
  toBatch(inputs: Ct): LweCiphertextBatch;
  /** Consumes `outputs` (disposes of the batch unless it is returned as the client's type). */
  fromBatch(outputs: LweCiphertextBatch): Ct;
  toWire(inputs: Ct): Uint8Array;
  fromWire(outputs: Uint8Array): Ct;
}

/**
 * Runs batches on `server` in this process. `run` executes one batch (the caller may choose bands
 * and observe progress); by default `server.infer`.
 */
export function localSession<Ct>(
  server: InferenceServer,
  codec: CiphertextCodec<Ct>,
  run: (server: InferenceServer, inputs: LweCiphertextBatch, onProgress?: InferenceProgress) => ReturnType<InferenceServer['infer']> = (s, i, p) =>
    s.infer(i, p),
): InferenceSession<Ct> {
  return {
    async infer(inputs, onProgress) {
      const batch = codec.toBatch(inputs);
      try {
        const r = await run(server, batch, onProgress);
        return { outputs: codec.fromBatch(r.outputs), computeMs: r.totalMs, stages: r.stages };
      } finally {
        if ((batch as unknown) !== inputs) batch.dispose();
      }
    },
    async close() {
      server.dispose();
    },
  };
}

/** The two key kinds of the HTTP service: their registration, inference and deletion routes. */
export type RemoteRoutes = 'engine' | 'tfhe-rs';

/** Registers `keys` on the service (engine seeded keys or a tfhe-rs compressed server key) and runs batches there. */
export async function remoteSession<Ct>(
  http: InferenceHttpClient,
  routes: RemoteRoutes,
  keys: Uint8Array,
  codec: CiphertextCodec<Ct>,
): Promise<InferenceSession<Ct>> {
  // The key's id and bearer token: every request on it and its DELETE carry the token.
  const key = routes === 'engine' ? await http.registerKeys(keys) : await http.registerTfheRsKey(keys);
  return {
    async infer(inputs) {
      const wire = codec.toWire(inputs);
      const r = routes === 'engine' ? await http.infer(key, wire) : await http.inferTfheRs(key, wire, { compressed: true });
      return { outputs: codec.fromWire(r.outputs), computeMs: r.serverMs, stages: r.stages };
    },
    async close() {
      await (routes === 'engine' ? http.deleteKeys(key) : http.deleteTfheRsKey(key)).catch(() => {});
    },
  };
}
