// The parameter set of a compiled circuit as the exact arguments of node-tfhe's / tfhe's
// `Shortint.new_parameters` (tfhe-rs 1.7), so that a client using only Zama's packages makes keys
// and ciphertexts the fhenet server accepts (@fhenet/engine tfhe-rs formats, @fhenet/client TfheRsClient). Refuses, with the
// reason, every set that tfhe-rs (or its wasm build) would not accept or that our server could not
// compute with. Mapping and reasons: docs/tfhe-rs-formats.md.
import type { NoiseDistribution, TfheParameterSet } from '@fhenet/params';

/** A noise distribution as the tfhe-rs constructors take it. */
export type TfheRsNoise =
  /** `Shortint.try_new_t_uniform(boundLog2)` */
  | { readonly kind: 'tuniform'; readonly boundLog2: number }
  /** `Shortint.new_gaussian_from_std_dev(stdDev)`: standard deviation in torus units (sigma / 2^64). */
  | { readonly kind: 'gaussian'; readonly stdDev: number };

/** `Shortint.new_parameters` arguments, in call order (see `newParametersArgs`). */
export interface TfheRsShortintParameters {
  readonly lweDimension: number;
  readonly glweDimension: number;
  readonly polynomialSize: number;
  readonly lweNoise: TfheRsNoise;
  readonly glweNoise: TfheRsNoise;
  readonly pbsBaseLog: number;
  readonly pbsLevel: number;
  readonly ksBaseLog: number;
  readonly ksLevel: number;
  /** 2^bits of the circuit: one message slot per lookup-table entry. */
  readonly messageModulus: number;
  /** Always 1: fhenet circuits keep no carry space, so tfhe-rs's delta equals ours (2^63 / p). */
  readonly carryModulus: 1;
  /** tfhe-rs's bound on its own noise-level counter (a server-side check of tfhe-rs); the set's max nu, rounded up. */
  readonly maxNoiseLevel: number;
  readonly log2PFail: number;
  /** Always 64: the native modulus 2^64 (the only one the fhenet server reads). */
  readonly modulusPowerOf2Exponent: 64;
  /** Always 'Big': ciphertexts under the GLWE key of dimension k*N, keyswitch then PBS. */
  readonly encryptionKeyChoice: 'Big';
}

export class TfheRsParameterError extends Error {
  constructor(
    readonly setName: string,
    readonly reason: string,
  ) {
    super(`parameter set ${setName} cannot be used by a tfhe-rs (node-tfhe / tfhe) client: ${reason}`);
    this.name = 'TfheRsParameterError';
  }
}

/**
 * wasm32 linear memory ends at 4 GiB and node-tfhe holds the compressed server key and its
 * serialized copy at once, so a client can make and send keys only below about half of it.
 */
export const WASM_COMPRESSED_SERVER_KEY_LIMIT_BYTES = 2 * 1024 ** 3;

/** Serialized size of the tfhe-rs compressed server key (seeded bodies only, u64 each). */
export function compressedServerKeyBytes(set: TfheParameterSet): number {
  const bsk = set.lweDimension * (set.glweDimension + 1) * set.pbs.levelCount * set.polynomialSize;
  const ksk = set.glweDimension * set.polynomialSize * set.keyswitch.levelCount;
  return 8 * (bsk + ksk);
}

function noise(set: TfheParameterSet, which: 'lweNoise' | 'glweNoise'): TfheRsNoise {
  const n: NoiseDistribution = set[which];
  if (n.kind === 'tuniform') {
    // tfhe-rs: "Cannot create TUniform: bound_log2 + 2 is greater than the current type's bit width".
    if (!Number.isInteger(n.boundLog2) || n.boundLog2 < 0 || n.boundLog2 + 2 > 64)
      throw new TfheRsParameterError(set.name, `${which}: TUniform bound log2 must be an integer in 0..62, got ${n.boundLog2}`);
    return { kind: 'tuniform', boundLog2: n.boundLog2 };
  }
  const stdDev = 2 ** (n.stdDevLog2 - 64);
  if (!(stdDev > 0 && stdDev < 0.5)) throw new TfheRsParameterError(set.name, `${which}: Gaussian std dev 2^${n.stdDevLog2} is not in (0, 2^63)`);
  return { kind: 'gaussian', stdDev };
}

/** The tfhe-rs arguments for `set`, or a TfheRsParameterError naming why a tfhe-rs client cannot use it. */
export function tfheRsParameters(set: TfheParameterSet): TfheRsShortintParameters {
  const N = set.polynomialSize;
  const p = 2 ** set.messageBits;
  // tfhe-rs takes any message modulus; our server's limit is 16 bits (measured: node-tfhe
  // encrypts and decrypts with message modulus 512, carry 1, the rounded 9-bit FCNN circuits' set).
  if (!Number.isInteger(set.messageBits) || set.messageBits < 1 || set.messageBits > 16)
    throw new TfheRsParameterError(set.name, `message bits must be 1..16, got ${set.messageBits}`);
  if (!Number.isInteger(Math.log2(N)) || N < 2 * p)
    throw new TfheRsParameterError(set.name, `polynomial size ${N} must be a power of two >= 2 * 2^bits = ${2 * p} (padding bit)`);
  for (const [what, d] of [
    ['pbs', set.pbs],
    ['keyswitch', set.keyswitch],
  ] as const) {
    if (d.baseLog < 1 || d.levelCount < 1 || d.baseLog * d.levelCount > 64)
      throw new TfheRsParameterError(
        set.name,
        `${what} decomposition ${d.baseLog}/${d.levelCount}: tfhe-rs needs base log >= 1, levels >= 1, base log * levels <= 64`,
      );
  }
  const keyBytes = compressedServerKeyBytes(set);
  if (keyBytes > WASM_COMPRESSED_SERVER_KEY_LIMIT_BYTES)
    throw new TfheRsParameterError(
      set.name,
      `its compressed server key is ${(keyBytes / 1024 ** 3).toFixed(2)} GiB; the wasm client (4 GiB of memory, key and serialized copy at once) can make at most ${WASM_COMPRESSED_SERVER_KEY_LIMIT_BYTES / 1024 ** 3} GiB`,
    );
  return {
    lweDimension: set.lweDimension,
    glweDimension: set.glweDimension,
    polynomialSize: N,
    lweNoise: noise(set, 'lweNoise'),
    glweNoise: noise(set, 'glweNoise'),
    pbsBaseLog: set.pbs.baseLog,
    pbsLevel: set.pbs.levelCount,
    ksBaseLog: set.keyswitch.baseLog,
    ksLevel: set.keyswitch.levelCount,
    messageModulus: p,
    carryModulus: 1,
    maxNoiseLevel: Math.ceil(set.maxNu),
    log2PFail: set.log2PFail,
    modulusPowerOf2Exponent: 64,
    encryptionKeyChoice: 'Big',
  };
}

/** The subset of node-tfhe's / tfhe's API that `newParameters` calls (structural, no import). */
export interface TfheRsShortintApi<Noise, Params> {
  try_new_t_uniform(boundLog2: number): Noise;
  new_gaussian_from_std_dev(stdDev: number): Noise;
  new_parameters(
    lweDimension: number,
    glweDimension: number,
    polynomialSize: number,
    lweNoise: Noise,
    glweNoise: Noise,
    pbsBaseLog: number,
    pbsLevel: number,
    ksBaseLog: number,
    ksLevel: number,
    messageModulus: bigint,
    carryModulus: bigint,
    maxNoiseLevel: bigint,
    log2PFail: number,
    modulusPowerOf2Exponent: number,
    encryptionKeyChoice: number,
  ): Params;
}

/** The tfhe-rs release whose `Shortint.new_parameters` signature and byte layouts these arguments target. */
export const TFHE_RS_VERSION = '1.7';

/** One noise argument as the JavaScript expression that builds it. */
function noiseCall(n: TfheRsNoise): string {
  return n.kind === 'tuniform' ? `Shortint.try_new_t_uniform(${n.boundLog2})` : `Shortint.new_gaussian_from_std_dev(${n.stdDev})`;
}

/**
 * The `Shortint.new_parameters(...)` call for `p` as JavaScript source (what `fhenet compile`
 * prints): paste it into a node-tfhe / tfhe client to make keys the fhenet server accepts.
 */
export function newParametersCall(p: TfheRsShortintParameters): string {
  return (
    `Shortint.new_parameters(${p.lweDimension}, ${p.glweDimension}, ${p.polynomialSize}, ${noiseCall(p.lweNoise)}, ${noiseCall(p.glweNoise)}, ` +
    `${p.pbsBaseLog}, ${p.pbsLevel}, ${p.ksBaseLog}, ${p.ksLevel}, ${p.messageModulus}n, ${p.carryModulus}n, ${p.maxNoiseLevel}n, ` +
    `${p.log2PFail}, ${p.modulusPowerOf2Exponent}, ${TFHE_RS_KEY_CHOICE_BIG} /* EncryptionKeyChoice.Big */)`
  );
}

export const TFHE_RS_PARAMETERS_FORMAT = 'fhenet-tfhe-rs-parameters';
export const TFHE_RS_PARAMETERS_VERSION = 1;

/**
 * What `fhenet compile --tfhe-rs-params out.json` writes (docs/node-tfhe-client.md): the set's
 * tfhe-rs arguments, or the reason a tfhe-rs client cannot use it. Never throws for a refused set.
 */
export interface TfheRsParametersDocument {
  readonly format: typeof TFHE_RS_PARAMETERS_FORMAT;
  readonly version: typeof TFHE_RS_PARAMETERS_VERSION;
  readonly tfheRsVersion: typeof TFHE_RS_VERSION;
  readonly parameterSet: string;
  /** Present when a tfhe-rs client can use the set. */
  readonly newParameters?: TfheRsShortintParameters;
  /** The same as a JavaScript call. */
  readonly call?: string;
  /** Present instead when tfhe-rs (or its wasm build) or our server would refuse the set. */
  readonly refused?: string;
}

export function tfheRsParametersDocument(set: TfheParameterSet): TfheRsParametersDocument {
  const head = { format: TFHE_RS_PARAMETERS_FORMAT, version: TFHE_RS_PARAMETERS_VERSION, tfheRsVersion: TFHE_RS_VERSION, parameterSet: set.name } as const;
  try {
    const p = tfheRsParameters(set);
    return { ...head, newParameters: p, call: newParametersCall(p) };
  } catch (e) {
    if (e instanceof TfheRsParameterError) return { ...head, refused: e.reason };
    throw e;
  }
}

/** tfhe-rs's ShortintEncryptionKeyChoice enum value of 'Big'. */
export const TFHE_RS_KEY_CHOICE_BIG = 0;

/** Calls `Shortint.new_parameters` with the arguments of `p` (pass node-tfhe's or tfhe's `Shortint`). */
export function newParameters<Noise, Params>(S: TfheRsShortintApi<Noise, Params>, p: TfheRsShortintParameters): Params {
  const mk = (n: TfheRsNoise) => (n.kind === 'tuniform' ? S.try_new_t_uniform(n.boundLog2) : S.new_gaussian_from_std_dev(n.stdDev));
  return S.new_parameters(
    p.lweDimension,
    p.glweDimension,
    p.polynomialSize,
    mk(p.lweNoise),
    mk(p.glweNoise),
    p.pbsBaseLog,
    p.pbsLevel,
    p.ksBaseLog,
    p.ksLevel,
    BigInt(p.messageModulus),
    BigInt(p.carryModulus),
    BigInt(p.maxNoiseLevel),
    p.log2PFail,
    p.modulusPowerOf2Exponent,
    TFHE_RS_KEY_CHOICE_BIG,
  );
}
