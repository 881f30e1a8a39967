// Where the service's computation happens, seen from the HTTP side. The HTTP layer (routes,
// authentication, limits, memory admission: service.ts) knows nothing of engines or queues: it
// hands a backend the bytes of a key registration or of an inference and gets back something to
// hold (a registered key set) or the answer's bytes. The in-process backend (local-backend.ts)
// expands keys here and runs them on the executor; another backend (e.g. a worker fleet) can
// plug in behind the same interface without touching routes or limits.
import type { StageTiming } from '@fhenet/executor';

/** The two key kinds: our engine's seeded evaluation keys, or a tfhe-rs compressed server key. */
export type KeyKind = 'engine' | 'tfhe-rs';

/** How tfhe-rs input ciphertexts are sent (`?ciphertexts=`): 124-byte compressed ones, or full ones. */
export type CiphertextForm = 'compressed' | 'full';

/** A registered key set, as a backend holds it; disposed when the key store forgets it. */
export interface BackendKeys {
  dispose(): void;
}

/** One inference's answer: the serialized outputs and what the x-fhenet-* headers report. */
export interface BackendAnswer {
  readonly body: Uint8Array;
  readonly count: number;
  readonly totalMs: number;
  readonly stages: readonly StageTiming[];
}

/**
 * Memory a backend uses in this process, in bytes, for the service's admission control
 * (memory-account.ts): every registration and inference is admitted from these figures before a
 * byte of its body is read, never from the process's resident size.
 */
export interface BackendMemory {
  /** Held from the start: the one execution that runs at a time (its modelled peak beyond the keys). */
  readonly fixedBytes: number;
  /** Held per registered key set for as long as it is registered (expanded keys, plan). */
  readonly keySetBytes: number;
  /** Transient bytes of a registration whose body has `bodyBytes`, beyond the body and the key set. */
  registrationBytes(kind: KeyKind, bodyBytes: number): number;
  /** Bytes an inference request holds while it waits or runs, beyond its body (its deserialized inputs). */
  inferenceBytes(kind: KeyKind, bodyBytes: number, form: CiphertextForm): number;
}

export interface ExecutionBackend {
  readonly memory: BackendMemory;
  /** True when a job submitted now would be refused (503 busy): checked before a body is read. */
  busy(): boolean;
  /** Expands a key registration; throws an HttpError 400 for bytes that are not valid keys. */
  register(kind: KeyKind, body: Buffer): Promise<BackendKeys>;
  /** Runs one inference; throws an HttpError 400 for ciphertexts that do not fit the keys or circuit. */
  infer(keys: BackendKeys, kind: KeyKind, body: Buffer, form: CiphertextForm, log: BackendLog): Promise<BackendAnswer>;
  /** What /v1/health reports of the backend (queue, execution mode). */
  health(): Record<string, unknown>;
  close(): Promise<void>;
}

/** The logger a backend may write progress to (the request's, so lines carry its request id). */
export interface BackendLog {
  info(obj: object, msg?: string): void;
}
