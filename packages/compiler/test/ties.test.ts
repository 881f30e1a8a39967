import { describe, expect, it } from 'vitest';
import { analyzeRanges, compile, floatTies, lowerGraph } from '@fhenet/compiler';
import { validateGraph, type TrainedGraph } from '@fhenet/training';

/**
 * x = acc + b with b = 0.5 + 2^-24 (a float32 value) and unit scales: in float32, acc + b rounds to
 * exactly acc + 0.5 once acc >= 2, and round-half-to-even then goes down for even acc, while the
 * float64 value is just above the half and rounds up. Ties at acc = 2, 4, 6; none elsewhere.
 */
function tieGraph(): TrainedGraph {
  const q = (bits: number, signed: boolean) => ({ bits, signed, range: 'wide', scale: [1], zeroPoint: [0] }) as never;
  const g: TrainedGraph = {
    name: 'ties',
    inputShape: [2],
    inputScaling: { divisor: 1 },
    numClasses: 1,
    inputQuantizer: q(2, false),
    training: {},
    layers: [
      {
        type: 'dense',
        name: 'd',
        inputShape: [2],
        outputShape: [1],
        units: 1,
        weights: Float32Array.of(1, 1),
        bias: Float32Array.of(0.5 + 2 ** -24),
        mask: Uint8Array.of(1, 1),
        weightQuantizer: q(2, true),
      },
      { type: 'quantizer', name: 'out', inputShape: [1], outputShape: [1], quantizer: q(3, false) },
    ],
  };
  validateGraph(g, 'tieGraph');
  return g;
}

describe('float ties', () => {
  it('finds exactly the crafted half-way points', () => {
    const g = tieGraph();
    const f32 = lowerGraph(g, 'float32');
    const ties = floatTies(
      f32,
      lowerGraph(g, 'float64'),
      analyzeRanges(f32).map((r) => r.worstCase),
    );
    expect(ties.map((t) => [t.acc, t.float32, t.float64])).toEqual([
      [2, 2, 3],
      [4, 4, 5],
      [6, 6, 7],
    ]);
    expect(compile(g).report.floatTies).toBe(3);
  });
});
