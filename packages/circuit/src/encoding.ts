// What the client does around the circuit: raw data -> quantized integers (through the clear
// stages, if any) to encrypt, and the decrypted last-stage values -> float logits -> class.

import { quantize } from '@fhenet/quantization';
import { runClearStages } from './clear.js';
import { crtProduct } from './crt.js';
import { channelOfOutputs, outputSize } from './linear.js';
import type { Circuit } from './types.js';

/**
 * Raw samples (e.g. MNIST bytes) -> the integers the encrypted stages read (what the client
 * encrypts and `simulate` takes): x = fround(raw / divisor), then the input quantizer, then the
 * circuit's clear stages when it has any (v3 clearStages: the first layer computed in the clear).
 */
export function quantizeInputs(
  circuit: Pick<Circuit, 'inputShape' | 'inputScaling' | 'inputQuantizer'> & Pick<Partial<Circuit>, 'clearStages'>,
  raw: ArrayLike<number>,
  count: number,
): Int32Array {
  const size = circuit.inputShape.reduce((a, b) => a * b, 1);
  if (raw.length !== count * size) throw new RangeError(`quantizeInputs: expected ${count} x ${size} raw values, got ${raw.length}`);
  const x = new Float32Array(raw.length);
  const d = Math.fround(circuit.inputScaling.divisor);
  for (let i = 0; i < raw.length; i++) x[i] = Math.fround(raw[i] as number) / d;
  const q = quantize(x, circuit.inputQuantizer);
  return circuit.clearStages && circuit.clearStages.length > 0 ? runClearStages(circuit.clearStages, q, count) : q;
}

/** Float logits (count x outputs) from the decrypted last-stage values. */
export function decodeOutputs(circuit: Circuit, outputs: Int32Array, count: number): Float64Array {
  const last = circuit.stages[circuit.stages.length - 1]!;
  const n = outputSize(last.linear);
  if (outputs.length !== count * n) throw new RangeError(`decodeOutputs: expected ${count} x ${n} values, got ${outputs.length}`);
  const logits = new Float64Array(outputs.length);
  const dec = circuit.output;
  if (dec.kind === 'dequantize') {
    for (let i = 0; i < outputs.length; i++) logits[i] = dec.scale * ((outputs[i] as number) - dec.zeroPoint);
    return logits;
  }
  // A padded last stage decodes its 2p residues; a CRT one the u in [0, M) its residues determine.
  const width = last.crt ? crtProduct(last.crt.moduli) : 2 * 2 ** circuit.bits;
  const channel = channelOfOutputs(last.linear);
  for (let i = 0; i < outputs.length; i++) {
    logits[i] = dec.values[(channel[i % n] as number) * width + (outputs[i] as number)] as number;
  }
  return logits;
}

/** Index of the largest logit per sample (first one on ties, as tf.argMax). */
export function argmax(values: ArrayLike<number>, count: number): Int32Array {
  const n = values.length / count;
  const out = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    let best = 0;
    for (let k = 1; k < n; k++) if ((values[s * n + k] as number) > (values[s * n + best] as number)) best = k;
    out[s] = best;
  }
  return out;
}
