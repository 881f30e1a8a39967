// node-tfhe's compressed server key (Shortint.serialize_compressed_server_key) -> evaluation keys
// the engine computes with. The keyswitching and bootstrapping keys arrive seeded; their masks are
// regenerated with the tfhe-rs CSPRNG and fork structure, the layouts converted to ours
// (docs/tfhe-rs-formats.md). The server never sees the client key.
import { assertEngineParams, type TfheParameterSet } from '../parameters.js';
import { EvaluationKeys } from '../server-engine.js';
import { tfhersNative } from './native.js';
import { withProgress } from '../progress.js';

/**
 * Expands a node-tfhe CompressedServerKey made for `params` (the circuit's set, given to the
 * client as Shortint.new_parameters arguments). Every field is checked against `params`; a key
 * for other parameters, another atomic pattern or a foreign layout is refused with the field named.
 * Synchronous (blocks the event loop: 1.1 s for the 4-bit set, 2.3 s for the 6-bit N = 4096 set
 * at load ~6); servers use expandTfheRsServerKeyAsync.
 */
export function expandTfheRsServerKey(bytes: Uint8Array, params: TfheParameterSet): EvaluationKeys {
  assertEngineParams(params);
  return new EvaluationKeys(tfhersNative.tfhersExpandServerKey(bytes, params), params);
}

/**
 * expandTfheRsServerKey on a worker thread (the thread pool expands GGSWs in parallel). Do not
 * modify `bytes` until it settles. onProgress(done, total) reports work units (keyswitch-key
 * chunks, then GGSWs) about every 1%, increasing, ending with (total, total); an exception it
 * throws rejects the returned Promise once the expansion ends.
 */
export async function expandTfheRsServerKeyAsync(
  bytes: Uint8Array,
  params: TfheParameterSet,
  onProgress?: (done: number, total: number) => void,
): Promise<EvaluationKeys> {
  assertEngineParams(params);
  return withProgress(onProgress, async (report) => new EvaluationKeys(await tfhersNative.tfhersExpandServerKeyAsync(bytes, params, report), params));
}
