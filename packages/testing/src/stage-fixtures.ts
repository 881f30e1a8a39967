// Hand-made circuit pieces shared by the encrypted-vs-simulated inference tests.
import type { Circuit, Stage } from '@fhenet/circuit';

/** Analysis of a hand-made stage on p slots: no shift, the whole slot range, the given nu. */
export function stageAnalysis(outputs: number, nu: number, p: number): Stage['analysis'] {
  return { shift: new Int32Array(outputs), worstCase: { min: 0, max: p - 1 }, nu };
}

/**
 * Per-channel tables of p entries, (slot x (c + 1)) mod 4, constant on runs of 2^round slots (the
 * shape a rounded stage's tables must have; round 0 leaves them as they are).
 */
export function runTables(channels: number, round: number, p: number): Int32Array {
  const t = new Int32Array(channels * p);
  for (let c = 0; c < channels; c++) {
    const base = Int32Array.from({ length: p }, (_, s) => (s * (c + 1)) % 4);
    if (round) for (let i = 0; i < p; i++) base[i] = base[i - (i % 2 ** round)]!;
    t.set(base, c * p);
  }
  return t;
}

/**
 * A hand-made circuit (no parameters yet) on a 4x4x1 image of 2-bit wide inputs whose last stage,
 * of `outputs` neurons, is decoded by a clear table (2 entries per slot, zeros).
 */
export function clearTableImageCircuit(name: string, bits: number, stages: Stage[], outputs: number): Circuit {
  return {
    name,
    bits,
    inputShape: [4, 4, 1],
    inputScaling: { divisor: 1 },
    inputQuantizer: { bits: 2 as never, signed: false, range: 'wide', scale: [1], zeroPoint: [0] },
    stages,
    output: { kind: 'clearTable', values: new Float64Array(outputs * 2 * 2 ** bits) },
  };
}
