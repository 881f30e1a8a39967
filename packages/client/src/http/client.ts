// Client of the HTTP inference service (docs/http-api.md). Uses node:http rather than fetch: an
// encrypted inference can take minutes before the response headers come, longer than fetch's
// default headers timeout. Sends only evaluation keys and ciphertexts (engine or tfhe-rs ones).
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import type { KeyRegistration, ServiceCircuitInfo } from './types.js';

export type { KeyRegistration, ServiceCircuitInfo } from './types.js';

/**
 * A key set registered on the service: its id (a name) and its bearer token (the credential,
 * returned once by the registration; every use and the DELETE present it). Keep the token as
 * secret as the key set's use should be; never log it.
 */
export interface RemoteKey {
  readonly keyId: string;
  readonly token: string;
}

export interface RemoteInferenceResult {
  readonly outputs: Buffer;
  readonly samples: number;
  /** Server-side compute time (excludes transfer and queueing). */
  readonly serverMs: number;
  readonly stages: readonly { name: string; linearMs: number; pbsMs: number; pbsCount: number }[];
}

export class HttpServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`HTTP ${status} ${code}: ${message}`);
    this.name = 'HttpServiceError';
  }
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export class InferenceHttpClient {
  readonly base: URL;
  constructor(baseUrl: string) {
    this.base = new URL(baseUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new Error(`server URL must be http(s)://..., got ${baseUrl}`);
    }
  }
  private send(method: string, path: string, body?: Uint8Array, key?: RemoteKey): Promise<RawResponse> {
    const url = new URL(path, this.base);
    const fn = url.protocol === 'https:' ? requestTls : request;
    const headers: Record<string, string | number> = body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {};
    if (key) headers.authorization = `Bearer ${key.token}`;
    return new Promise((resolve, reject) => {
      // A connection per request (agent: false): the service closes idle keep-alive connections
      // after seconds, and a request racing that close would fail; requests are large and few.
      const req = fn(url, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  private static check(r: RawResponse, ok: number): RawResponse {
    if (r.status === ok) return r;
    let code = 'error';
    let message = r.body.toString('utf8').slice(0, 500);
    try {
      const j = JSON.parse(message) as { error?: string; message?: string };
      code = j.error ?? code;
      message = j.message ?? message;
    } catch {
      // not JSON: keep the raw text
    }
    throw new HttpServiceError(r.status, code, message);
  }
  async circuit(): Promise<ServiceCircuitInfo> {
    const r = InferenceHttpClient.check(await this.send('GET', 'v1/circuit'), 200);
    return JSON.parse(r.body.toString('utf8')) as ServiceCircuitInfo;
  }
  /** Registers serialized seeded evaluation keys; returns the key id and token to infer with. */
  async registerKeys(seededKeys: Uint8Array): Promise<RemoteKey> {
    return InferenceHttpClient.key(InferenceHttpClient.check(await this.send('POST', 'v1/keys', seededKeys), 201));
  }
  async deleteKeys(key: RemoteKey): Promise<void> {
    InferenceHttpClient.check(await this.send('DELETE', `v1/keys/${encodeURIComponent(key.keyId)}`, undefined, key), 204);
  }
  /** Sends a serialized input ciphertext batch; returns the serialized output batch. */
  async infer(key: RemoteKey, ciphertexts: Uint8Array): Promise<RemoteInferenceResult> {
    return InferenceHttpClient.result(
      InferenceHttpClient.check(await this.send('POST', `v1/keys/${encodeURIComponent(key.keyId)}/infer`, ciphertexts, key), 200),
    );
  }

  /**
   * Registers a tfhe-rs compressed server key (node-tfhe / tfhe
   * `Shortint.serialize_compressed_server_key`, made with the circuit's `tfheRs.newParameters`);
   * returns the key id and token for inferTfheRs. Resolves once the server has expanded it (seconds).
   */
  async registerTfheRsKey(compressedServerKey: Uint8Array): Promise<RemoteKey> {
    return InferenceHttpClient.key(InferenceHttpClient.check(await this.send('POST', 'v1/tfhe-rs/keys', compressedServerKey), 201));
  }
  async deleteTfheRsKey(key: RemoteKey): Promise<void> {
    InferenceHttpClient.check(await this.send('DELETE', `v1/tfhe-rs/keys/${encodeURIComponent(key.keyId)}`, undefined, key), 204);
  }
  /**
   * Sends concatenated tfhe-rs input ciphertexts (samples x inputSize; compressed 124-byte ones
   * unless `compressed: false`); `outputs` is the concatenated tfhe-rs output ciphertexts
   * (`Shortint.deserialize_ciphertext` each; TfheRsClient.decode reads the whole stream).
   */
  async inferTfheRs(key: RemoteKey, ciphertexts: Uint8Array, options: { compressed?: boolean } = {}): Promise<RemoteInferenceResult> {
    const form = options.compressed === false ? 'full' : 'compressed';
    const path = `v1/tfhe-rs/keys/${encodeURIComponent(key.keyId)}/infer?ciphertexts=${form}`;
    return InferenceHttpClient.result(InferenceHttpClient.check(await this.send('POST', path, ciphertexts, key), 200));
  }

  private static key(r: RawResponse): RemoteKey {
    const { keyId, token } = JSON.parse(r.body.toString('utf8')) as KeyRegistration;
    if (typeof keyId !== 'string' || typeof token !== 'string')
      throw new HttpServiceError(r.status, 'invalid-answer', 'the registration answer has no keyId and token');
    return { keyId, token };
  }

  private static result(r: RawResponse): RemoteInferenceResult {
    const header = (name: string): string => String(r.headers[name] ?? '');
    return {
      outputs: r.body,
      samples: Number(header('x-fhenet-samples')),
      serverMs: Number(header('x-fhenet-inference-ms')),
      stages: JSON.parse(header('x-fhenet-stage-timings') || '[]') as RemoteInferenceResult['stages'],
    };
  }
}
