import { describe, expect, it } from 'vitest';
import { maxActiveSynapses } from '@fhenet/quantization';
import { BitWidthError, compile } from '@fhenet/compiler';
import { convGraph, fcnnGraph, randomBytes } from '@fhenet/testing';

describe('--max-bits', () => {
  it('accepts a model within budget', () => {
    const { report } = compile(fcnnGraph(11), { sizing: 'worstCase', maxBits: 6 });
    expect(report.bits).toBe(6);
  });

  it('rejects an over-budget model naming the layer, its width and the active synapses that would fit', () => {
    // conv graph: "fc" needs 9 bits in the worst case (24 active synapses, 3-bit weights and inputs).
    let err: unknown;
    try {
      compile(convGraph(13), { sizing: 'worstCase', maxBits: 7 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BitWidthError);
    const fit = maxActiveSynapses(7, { min: -4, max: 3 }, { min: -5, max: 2 });
    expect((err as Error).message).toBe(
      `layer "fc": accumulator needs 9 bits (344 distinct values on the worst case), over the --max-bits 7 budget. ` +
        `At most ${fit} active synapses per neuron fit 7 bits in the worst case (weights in [-4, 3], inputs in [-5, 2]); this layer has up to 24.`,
    );
    expect(fit).toBeLessThan(24);
  });

  it('sizes on calibration data when asked, which can only be narrower', () => {
    const g = convGraph(13);
    const calibration = { raw: randomBytes(3, 200 * 36), count: 200 };
    const cal = compile(g, { calibration }).report;
    const wc = compile(g, { calibration, sizing: 'worstCase' }).report;
    expect(cal.sizing).toBe('calibration');
    for (const [i, s] of cal.stages.entries()) {
      expect(s.calibration!.bits).toBeLessThanOrEqual(s.worstCase.bits);
      expect(s.calibration!.range.min).toBeGreaterThanOrEqual(wc.stages[i]!.worstCase.range.min);
      expect(s.calibration!.range.max).toBeLessThanOrEqual(wc.stages[i]!.worstCase.range.max);
    }
    expect(cal.bits).toBeLessThanOrEqual(wc.bits);
  });
});
