// L1 unstructured pruning to a number of active synapses per output neuron (the paper's "active
// neurons"), applied gradually with a cubic schedule (Zhu & Gupta 2017). Masks are computed from
// |w * mask| outside the differentiated function (tf.topk has no gradient), so once pruned a
// synapse stays pruned.

/** Cubic schedule: k goes from fanIn at `start` to `target` at `end` (steps), then stays. */
export function cubicActiveSynapses(step: number, fanIn: number, target: number, start: number, end: number): number {
  if (target >= fanIn) return fanIn;
  if (step <= start) return fanIn;
  if (step >= end || end <= start) return target;
  const frac = (step - start) / (end - start);
  return Math.round(target + (fanIn - target) * (1 - frac) ** 3);
}

/**
 * Mask keeping, for each output neuron o (the last kernel axis, `outC` wide), the k synapses of
 * largest |kernel * oldMask|; ties go to the lower index, so the result is deterministic and has
 * exactly min(k, fanIn) ones per neuron (fewer if fewer were still active).
 */
export function topKMask(kernel: Float32Array, oldMask: Float32Array, outC: number, k: number): Float32Array {
  const fanIn = kernel.length / outC;
  if (!Number.isInteger(fanIn)) throw new RangeError(`topKMask: kernel of ${kernel.length} values is not a multiple of ${outC} output channels`);
  const mask = new Float32Array(kernel.length);
  const idx = new Int32Array(fanIn);
  const score = new Float64Array(fanIn);
  for (let o = 0; o < outC; o++) {
    for (let i = 0; i < fanIn; i++) {
      idx[i] = i;
      score[i] = Math.abs((kernel[i * outC + o] as number) * (oldMask[i * outC + o] as number));
    }
    const order = Array.from(idx).sort((a, b) => (score[b] as number) - (score[a] as number) || a - b);
    const keep = Math.min(k, fanIn);
    for (let j = 0; j < keep; j++) {
      const i = order[j] as number;
      if ((score[i] as number) > 0 || (oldMask[i * outC + o] as number) !== 0) mask[i * outC + o] = 1;
    }
  }
  return mask;
}

/** Largest count of active synapses over the output neurons of a kernel-layout mask. */
export function maxActivePerNeuron(mask: ArrayLike<number>, outC: number): number {
  const counts = new Int32Array(outC);
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) counts[i % outC]!++;
  return counts.reduce((a, b) => Math.max(a, b), 0);
}
