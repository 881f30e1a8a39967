// Server side: evaluation keys (bootstrapping + keyswitching), linear operations and batched PBS.
// Nothing here can accept or reach a secret key.
import { constants as bufferConstants } from 'node:buffer';
import { LweCiphertextBatch } from './ciphertext.js';
import { NativeObject } from './handle.js';
import { withProgress } from './progress.js';
import { native, type NativeHandle } from './native.js';
import {
  assertEngineParams,
  assertWopEngineParams,
  engineFingerprint,
  messageModulus,
  wopEngineFingerprint,
  type TfheParameterSet,
  type WopParameterSet,
} from './parameters.js';

const BUFFER_MAX_LENGTH = bufferConstants.MAX_LENGTH;

/** Key generation / expansion progress; 'packing-keyswitching-key' only for circuits with CRT stages (one step: started, done). */
export type ProgressCallback = (done: number, total: number, phase: 'bootstrapping-key' | 'keyswitching-key' | 'packing-keyswitching-key') => void;

/** Runs a key session in chunks so that progress is reported and the event loop stays live. */
export async function runKeySession(session: NativeHandle, onProgress?: ProgressCallback): Promise<{ evaluationKeys?: NativeHandle; seeded?: NativeHandle }> {
  const { bskUnits, kskUnits } = native.sessionSizes(session);
  const total = bskUnits + kskUnits;
  const bskChunk = Math.max(1, Math.ceil(bskUnits / 50));
  for (let s = 0; s < bskUnits; s += bskChunk) {
    await native.sessionRun(session, 0, s, Math.min(bskUnits, s + bskChunk));
    onProgress?.(Math.min(bskUnits, s + bskChunk), total, 'bootstrapping-key');
  }
  const kskChunk = Math.max(1, Math.ceil(kskUnits / 10));
  for (let s = 0; s < kskUnits; s += kskChunk) {
    await native.sessionRun(session, 1, s, Math.min(kskUnits, s + kskChunk));
    onProgress?.(bskUnits + Math.min(kskUnits, s + kskChunk), total, 'keyswitching-key');
  }
  return native.sessionTake(session);
}

/** Evaluation keys ready to compute: Fourier bootstrapping key + keyswitching key. */
export class EvaluationKeys extends NativeObject {
  readonly params: TfheParameterSet;
  /** @internal */
  constructor(handle: NativeHandle, params: TfheParameterSet) {
    super(handle);
    this.params = params;
  }
  /**
   * Plain (uncompressed, Fourier-domain) form: fast to load; see SeededEvaluationKeys for transfer.
   * Refused with a clear error when it would exceed Node's Buffer limit (the 8-bit set's plain
   * keys are ~10 GiB; its seeded form, ~3.4 GiB, fits).
   */
  serialize(): Buffer {
    assertPlainKeysSerializable(this.params);
    return native.serializeEvaluationKeys(this.handle, engineFingerprint(this.params));
  }
  static deserialize(bytes: Uint8Array, params: TfheParameterSet): EvaluationKeys {
    assertEngineParams(params);
    return new EvaluationKeys(native.deserializeEvaluationKeys(bytes, params, engineFingerprint(params)), params);
  }
}

/** Bytes of the plain serialized evaluation keys: Fourier BSK + full KSK + header and checksum. */
export function plainEvaluationKeyBytes(set: TfheParameterSet): number {
  const n = set.lweDimension,
    k = set.glweDimension,
    N = set.polynomialSize;
  const bsk = n * (k + 1) * set.pbs.levelCount * (k + 1) * N;
  const ksk = k * N * set.keyswitch.levelCount * (n + 1);
  return 8 * (bsk + ksk) + 136;
}

/** Throws (naming the sizes and the way out) if the plain form cannot fit in one Buffer. */
export function assertPlainKeysSerializable(set: TfheParameterSet, maxBytes: number = BUFFER_MAX_LENGTH): void {
  const bytes = plainEvaluationKeyBytes(set);
  if (bytes > maxBytes) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
    throw new Error(
      `plain evaluation keys of ${set.name} are ${gib(bytes)}, above Node's Buffer limit of ${gib(maxBytes)}: ` +
        'serialize the seeded form instead (generateSeededEvaluationKeys() + SeededEvaluationKeys.serialize(), ' +
        'decompressed by the server with decompress())',
    );
  }
}

/** Compressed transfer form: bodies only, masks regenerated from a public seed. */
export class SeededEvaluationKeys extends NativeObject {
  readonly params: TfheParameterSet;
  /** @internal */
  constructor(handle: NativeHandle, params: TfheParameterSet) {
    super(handle);
    this.params = params;
  }
  serialize(): Buffer {
    return native.serializeSeededKeys(this.handle, engineFingerprint(this.params));
  }
  static deserialize(bytes: Uint8Array, params: TfheParameterSet): SeededEvaluationKeys {
    assertEngineParams(params);
    return new SeededEvaluationKeys(native.deserializeSeededKeys(bytes, params, engineFingerprint(params)), params);
  }
  /** Regenerates the masks and converts to Fourier form (server side). */
  async decompress(onProgress?: ProgressCallback): Promise<EvaluationKeys> {
    const out = await runKeySession(native.sessionExpand(this.handle), onProgress);
    if (!out.evaluationKeys) throw new Error('internal: expansion produced no evaluation keys');
    return new EvaluationKeys(out.evaluationKeys, this.params);
  }
}

/**
 * Packing keyswitching (PFKS) keys of a WoP-PBS set (docs/crt.md section 4): k+1 keys, expanded,
 * as the server uses them for circuit bootstrapping. Secret-key derived, made by the client.
 */
export class PackingKeys extends NativeObject {
  readonly params: WopParameterSet;
  /** @internal */
  constructor(handle: NativeHandle, params: WopParameterSet) {
    super(handle);
    this.params = params;
  }
  /** Bytes held natively (k+1 keys x inputs x l_pfks GLWEs of (k+1)N words). */
  get bytes(): number {
    return native.pfksInfo(this.handle).bytes;
  }
}

/**
 * Seeded transfer form of the PFKS keys (GLWE bodies + a public mask seed; object kind 5 of
 * docs/key-and-ciphertext-formats.md), what the client sends; the server expands it.
 */
export class SeededPackingKeys extends NativeObject {
  readonly params: WopParameterSet;
  /** @internal */
  constructor(handle: NativeHandle, params: WopParameterSet) {
    super(handle);
    this.params = params;
  }
  /** Header carries the WoP fingerprint (base fields + circuitBootstrap + packingKeyswitch). */
  serialize(): Buffer {
    return native.serializePfksSeeded(this.handle, wopEngineFingerprint(this.params));
  }
  /**
   * Refuses bytes made for other parameters (fingerprint, decompositions), truncated or corrupt
   * ones (lengths, checksum), each with the engine's message.
   */
  static deserialize(bytes: Uint8Array, params: WopParameterSet): SeededPackingKeys {
    const p = assertWopEngineParams(params);
    try {
      return new SeededPackingKeys(native.deserializePfksSeeded(bytes, p, wopEngineFingerprint(params)), params);
    } catch (e) {
      const d = (x: { baseLog: number; levelCount: number }) => `${x.baseLog}/${x.levelCount}`;
      throw new Error(
        `packing keyswitching keys: ${(e as Error).message}; expected keys for WoP set ${params.name} ` +
          `(circuitBootstrap ${d(params.circuitBootstrap)}, packingKeyswitch ${d(params.packingKeyswitch)}, ${bytes.length} bytes read)`,
      );
    }
  }
  /** Regenerates the masks from the seed (server side). */
  async expand(): Promise<PackingKeys> {
    return new PackingKeys(await native.pfksExpand(this.handle), this.params);
  }
}

/** Sparse integer weights in CSR form (row r uses entries indptr[r] .. indptr[r+1]). */
export interface CsrWeights {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Uint32Array;
  readonly indices: Uint32Array;
  readonly values: Int32Array;
}

/** Dense row-major integer weights. */
export interface DenseWeights {
  readonly rows: number;
  readonly cols: number;
  readonly values: Int32Array;
}

/**
 * Homomorphic operations over one parameter set. Linear operations need only the parameters;
 * PBS needs evaluation keys of the same set.
 */
export class ServerEngine {
  readonly params: TfheParameterSet;
  readonly keys: EvaluationKeys | null;
  /** PFKS keys for WoP lookups (circuits with CRT stages), or null. */
  readonly packingKeys: PackingKeys | null;
  constructor(params: TfheParameterSet, keys: EvaluationKeys | null = null, packingKeys: PackingKeys | null = null) {
    assertEngineParams(params);
    if (keys && engineFingerprint(keys.params).compare(engineFingerprint(params)) !== 0) {
      throw new Error(`evaluation keys are for parameter set ${keys.params.name}, engine uses ${params.name}`);
    }
    if (packingKeys) {
      const wop = assertWopEngineParams(params as WopParameterSet);
      if (wopEngineFingerprint(packingKeys.params).compare(wopEngineFingerprint(wop as WopParameterSet)) !== 0) {
        throw new Error(`packing keyswitching keys are for WoP parameter set ${packingKeys.params.name}, engine uses ${params.name}`);
      }
    }
    this.params = params;
    this.keys = keys;
    this.packingKeys = packingKeys;
  }
  private check(b: LweCiphertextBatch, what = 'batch'): NativeHandle {
    if (engineFingerprint(b.params).compare(engineFingerprint(this.params)) !== 0) {
      throw new Error(`${what}: ciphertexts are for parameter set ${b.params.name}, engine uses ${this.params.name}`);
    }
    return NativeObject.handleOf(b);
  }
  private wrap(h: NativeHandle): LweCiphertextBatch {
    return new LweCiphertextBatch(h, this.params);
  }
  add(a: LweCiphertextBatch, b: LweCiphertextBatch): LweCiphertextBatch {
    return this.wrap(native.add(this.check(a, 'a'), this.check(b, 'b')));
  }
  sub(a: LweCiphertextBatch, b: LweCiphertextBatch): LweCiphertextBatch {
    return this.wrap(native.sub(this.check(a, 'a'), this.check(b, 'b')));
  }
  /** Adds clear integer messages (one per ciphertext, or one for all). */
  addClear(a: LweCiphertextBatch, values: ArrayLike<number>): LweCiphertextBatch {
    return this.wrap(native.addClear(this.params, this.check(a), Int32Array.from(values)));
  }
  /** Multiplies by clear integers (one per ciphertext, or one for all). */
  mulClear(a: LweCiphertextBatch, values: ArrayLike<number>): LweCiphertextBatch {
    return this.wrap(native.mulClear(this.check(a), Int32Array.from(values)));
  }
  /** out[r] = sum_c W[r][c] * in[c] + bias[r] (dense weights; zeros are skipped). */
  dot(input: LweCiphertextBatch, w: DenseWeights, bias?: ArrayLike<number>): LweCiphertextBatch {
    return this.wrap(native.dotDense(this.params, this.check(input), w.values, w.rows, w.cols, bias ? Int32Array.from(bias) : null));
  }
  /** Same with CSR weights (pruned layers). */
  dotSparse(input: LweCiphertextBatch, w: CsrWeights, bias?: ArrayLike<number>): LweCiphertextBatch {
    return this.wrap(native.dotCsr(this.params, this.check(input), w.indptr, w.indices, w.values, w.rows, w.cols, bias ? Int32Array.from(bias) : null));
  }
  private pbsArgs(input: LweCiphertextBatch, tableIndex: ArrayLike<number>, tables: readonly ArrayLike<number>[]) {
    if (!this.keys) throw new Error('PBS needs evaluation keys: construct ServerEngine(params, keys)');
    const p = messageModulus(this.params);
    const flat = new Int32Array(tables.length * p);
    tables.forEach((t, i) => {
      if (t.length !== p) {
        throw new Error(`table ${i}: expected ${p} entries (${this.params.messageBits}-bit set), got ${t.length}`);
      }
      flat.set(Array.from(t), i * p);
    });
    return [NativeObject.handleOf(this.keys), this.check(input), Uint32Array.from(tableIndex), flat] as const;
  }
  /**
   * Keyswitch + programmable bootstrapping of every ciphertext: ciphertext i becomes an
   * encryption of tables[tableIndex[i]][m_i]. Runs on the thread pool; blocks the caller.
   */
  pbs(
    input: LweCiphertextBatch,
    tableIndex: ArrayLike<number>,
    tables: readonly ArrayLike<number>[],
    options: Pick<PbsOptions, 'groupSize'> = {},
  ): LweCiphertextBatch {
    return this.wrap(native.pbs(...this.pbsArgs(input, tableIndex, tables), nativePbsOptions(options)));
  }
  /**
   * Same as pbs() on a libuv worker: the event loop stays responsive. options.onProgress(done,
   * total) reports finished ciphertexts as the batch advances (in steps of one group) and ends
   * with (total, total); an exception thrown by it rejects the returned Promise once the batch ends.
   */
  async pbsAsync(
    input: LweCiphertextBatch,
    tableIndex: ArrayLike<number>,
    tables: readonly ArrayLike<number>[],
    options: PbsOptions = {},
  ): Promise<LweCiphertextBatch> {
    const args = this.pbsArgs(input, tableIndex, tables);
    return withProgress(options.onProgress, async (onProgress) => this.wrap(await native.pbsAsync(...args, { ...nativePbsOptions(options), onProgress })));
  }
  /**
   * Multi-value PBS: several functions of the same input in ONE blind rotation (tfhe-rs's
   * apply_many_lookup_table). tables[t] holds F functions (F a power of two <= p), each of p/F
   * entries; for a message x < p/F (the input must leave the top of the message space free: that
   * is the caller's promise, an encrypted input cannot be checked), output j of ciphertext i
   * encrypts tables[tableIndex[i]][j][x]. Returns input.count * F ciphertexts, ciphertext-major
   * ([i][j] at i * F + j). Each output has the noise of one PBS output (docs/engine.md,
   * "Multi-value PBS"); F - 1 blind rotations are saved per ciphertext.
   */
  pbsMany(
    input: LweCiphertextBatch,
    tableIndex: ArrayLike<number>,
    tables: readonly (readonly ArrayLike<number>[])[],
    options: Pick<PbsOptions, 'groupSize'> = {},
  ): LweCiphertextBatch {
    const [keys, batch, index, packed, functions] = this.pbsManyArgs(input, tableIndex, tables);
    return this.wrap(native.pbsMany(keys, batch, index, packed, functions, nativePbsOptions(options)));
  }
  /** pbsMany() on a libuv worker, with progress (ciphertexts done, input.count) as pbsAsync. */
  async pbsManyAsync(
    input: LweCiphertextBatch,
    tableIndex: ArrayLike<number>,
    tables: readonly (readonly ArrayLike<number>[])[],
    options: PbsOptions = {},
  ): Promise<LweCiphertextBatch> {
    const args = this.pbsManyArgs(input, tableIndex, tables);
    return withProgress(options.onProgress, async (onProgress) => this.wrap(await native.pbsManyAsync(...args, { ...nativePbsOptions(options), onProgress })));
  }
  private pbsManyArgs(input: LweCiphertextBatch, tableIndex: ArrayLike<number>, tables: readonly (readonly ArrayLike<number>[])[]) {
    const p = messageModulus(this.params);
    const functions = tables[0]?.length ?? 0;
    if (!(functions >= 1 && functions <= p && (functions & (functions - 1)) === 0)) {
      throw new Error(`pbsMany: tables[0] must hold a power of two of functions in 1..${p} (p of the ${this.params.messageBits}-bit set), got ${functions}`);
    }
    const width = p / functions;
    // Function j of a table at entries [j p/F, (j+1) p/F) of an ordinary p-entry table.
    const packed = tables.map((fns, t) => {
      if (fns.length !== functions) throw new Error(`pbsMany: table ${t}: expected ${functions} functions (as table 0), got ${fns.length}`);
      const flat = new Array<number>(p);
      fns.forEach((f, j) => {
        if (f.length !== width) throw new Error(`pbsMany: table ${t} function ${j}: expected ${width} entries (p/${functions}), got ${f.length}`);
        for (let x = 0; x < width; x++) flat[j * width + x] = f[x]!;
      });
      return flat;
    });
    return [...this.pbsArgs(input, tableIndex, packed), functions] as const;
  }
}

export interface WopLookupOptions {
  /** (neurons done, neurons) as the batch advances (JS thread). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface WopLookupArgs {
  /** Residues, neuron-major: ciphertext k * moduli.length + i is residue i of neuron k. */
  readonly residues: LweCiphertextBatch;
  readonly moduli: readonly number[];
  /** Table of every neuron. */
  readonly tableIndex: Uint32Array;
  /** [table][output][2^t] torus words (selector index: bits of r_1 low, then r_2, ...). */
  readonly luts: BigUint64Array;
  readonly outputsPerTable: number;
}

/**
 * WoP-PBS lookup of CRT neurons (docs/crt.md section 3): circuit bootstrapping of every neuron's
 * residues, then one vertical packing per output encoding; returns [neuron][output] LWEs. Runs on
 * a libuv worker + the engine's thread pool. A method of the engine's keys, kept here next to pbsAsync.
 */
export async function wopLookup(engine: ServerEngine, args: WopLookupArgs, options: WopLookupOptions = {}): Promise<LweCiphertextBatch> {
  const { keys, packingKeys } = engine;
  if (!keys) throw new Error('WoP lookup needs evaluation keys: construct ServerEngine(params, keys, packingKeys)');
  if (!packingKeys) {
    throw new Error(
      'WoP lookup needs packing keyswitching (PFKS) keys: the circuit has CRT stages; generate them with the client (key folder v2) and pass them to the server',
    );
  }
  if (engineFingerprint(args.residues.params).compare(engineFingerprint(engine.params)) !== 0) {
    throw new Error(`residues: ciphertexts are for parameter set ${args.residues.params.name}, engine uses ${engine.params.name}`);
  }
  return withProgress(
    options.onProgress,
    async (onProgress) =>
      new LweCiphertextBatch(
        await native.wopLookup(
          NativeObject.handleOf(keys),
          NativeObject.handleOf(packingKeys),
          NativeObject.handleOf(args.residues),
          Uint32Array.from(args.moduli),
          args.tableIndex,
          args.luts,
          args.outputsPerTable,
          { onProgress },
        ),
        engine.params,
      ),
  );
}

/** Options of ServerEngine.pbs / pbsAsync. */
export interface PbsOptions {
  /** Called with (ciphertexts done, batch size) while a pbsAsync batch runs (JS thread). */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Ciphertexts evaluated together, each key read from memory once per group (default: automatic,
   * 8 or fewer so that every thread has work). Only speed depends on it, never the result bits.
   */
  readonly groupSize?: number;
}

function nativePbsOptions(o: PbsOptions): { groupSize?: number } {
  if (o.groupSize === undefined) return {};
  const max = native.limits.pbsMaxGroupSize;
  if (!Number.isInteger(o.groupSize) || o.groupSize < 1 || o.groupSize > max) {
    throw new Error(`pbs options.groupSize: expected an integer in 1..${max}, got ${o.groupSize}`);
  }
  return { groupSize: o.groupSize };
}

/** Worker threads used by PBS, keygen and dot products (default: number of cores). */
export function setThreadCount(n: number): void {
  native.setThreads(n);
}
export function threadCount(): number {
  return native.getThreads();
}
/** The SIMD kernel variant in use ('avx512', 'avx2' or 'generic'). */
export function kernelVariant(): string {
  return native.kernelsName();
}
