// Approximate rounding in the compiler (rounding-mode.ts, approximate-rates.ts, compile's
// `rounding` option): the approximate circuit computes what the exact one does without noise, for
// every input; both modes are priced; the predicted off-bucket rates are what the seeded noise
// simulation measures; the modes convert into each other exactly.
import { describe, expect, it } from 'vitest';
import {
  channelOfOutputs,
  circuitFromJson,
  circuitToJson,
  inputSize,
  isApproximate,
  outputSize,
  quantizeInputs,
  simulate,
  type Circuit,
} from '@fhenet/circuit';
import { APPROXIMATE_OFF_RATE, AUTO_OFF_RATE_MIN_GAIN, chooseParameters, compile, pbsCount, withRounding } from '@fhenet/compiler';
import { convGraph, fcnnGraph, randInt, randomBytes, rng } from '@fhenet/testing';

const lookups = (c: Circuit) => c.stages.reduce((n, s) => n + (s.tables ? outputSize(s.linear) : 0), 0);

describe('compile --rounding approximate', () => {
  for (const [name, graph, k, size] of [
    ['fcnn', fcnnGraph(21), 2, 16],
    ['conv + pool', convGraph(5), 3, 36],
  ] as const) {
    const count = 300;
    const raw = randomBytes(3, count * size);

    it(`${name}, k = ${k}: one PBS per neuron; without noise the same outputs as exact rounding on every input`, () => {
      const r = compile(graph, { calibration: { raw, count }, roundBits: k, rounding: 'approximate' });
      const c = r.circuit;
      expect(c.stages.every((s) => !s.tables || (isApproximate(s) && s.extractFrom === undefined))).toBe(true);
      expect(pbsCount(c)).toBe(lookups(c));
      expect(r.report.pbsCount).toBe(lookups(c));
      expect(r.report.stages.filter((s) => s.roundBits >= 2).every((s) => s.rounding === 'approximate' && s.pbsPerNeuron === 1)).toBe(true);
      const exact = r.roundingModes!.exact;
      expect(exact.stages.every((s) => s.rounding === undefined)).toBe(true);
      // Calibration-like inputs, and random integers of every residue (wraps included).
      const q = quantizeInputs(c, raw, count);
      expect(simulate(c, q, count).outputs).toEqual(simulate(exact, q, count).outputs);
      const g = rng(9);
      const n = 200;
      const p2 = 2 ** (c.bits + 1);
      const hostile = Int32Array.from({ length: n * inputSize(c.stages[0]!.linear) }, () => randInt(g, -p2, p2));
      expect(simulate(c, hostile, n).outputs).toEqual(simulate(exact, hostile, n).outputs);
      // Written as v6 and read back the same.
      const back = circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(c))));
      expect((circuitToJson(c) as { version: number }).version).toBe(6);
      expect(simulate(back, q, count).outputs).toEqual(simulate(c, q, count).outputs);
    });

    it(`${name}, k = ${k}: the modes convert into each other exactly; scaled channels sit mid-bucket`, () => {
      const approximate = compile(graph, { calibration: { raw, count }, roundBits: k, rounding: 'approximate' });
      const exact = compile(graph, { calibration: { raw, count }, roundBits: k });
      const { parameters: _, ...bare } = exact.circuit;
      expect(withRounding(approximate.circuit, 'exact')).toEqual(bare);
      const { parameters: __, ...bareApproximate } = approximate.circuit;
      expect(withRounding(exact.circuit, 'approximate')).toEqual(bareApproximate);
      expect(approximate.roundingModes!.exact).toEqual(exact.circuit);
      let centred = 0;
      for (const s of approximate.circuit.stages) {
        const channel = channelOfOutputs(s.linear);
        s.analysis.scale?.forEach((m, ch) => {
          if (m < 4) return;
          centred++;
          channel.forEach((c, o) => {
            c === ch && expect(((s.offset[o]! % m) + m) % m).toBe(m / 2 - 1);
          });
        });
      }
      expect(centred).toBeGreaterThan(0); // the fixture has scaled channels: the check ran
    });

    it(`${name}, k = ${k}: both modes priced; the predicted off-bucket rates are what the seeded simulation measures`, () => {
      const r = compile(graph, { calibration: { raw, count }, roundBits: k, rounding: 'approximate', approximateOffRate: 0.2 });
      const modes = r.report.roundingModes!;
      expect(modes.exact.pbsCount).toBe(pbsCount(r.roundingModes!.exact));
      expect(modes.approximate.pbsCount).toBe(lookups(r.circuit));
      expect(modes.approximate.pbsCount).toBeLessThan(modes.exact.pbsCount);
      expect(modes.approximate.inferenceMs!).toBeLessThan(modes.exact.inferenceMs!);
      // The circuit's inputs are the calibration data: the prediction is over exactly these accumulators
      // (of the unrounded network; the approximate stages see the rounded one's, nearly the same).
      const q = quantizeInputs(r.circuit, raw, count);
      let seeds = 0;
      let checked = 0;
      const measured = r.circuit.stages.map(() => ({ lookups: 0, off: 0 }));
      for (let seed = 1; seed <= 20; seed++, seeds++) {
        simulate(r.circuit, q, count, { noise: { seed } }).noise!.forEach((e, i) => {
          measured[i]!.lookups += e.lookups;
          measured[i]!.off += e.offBucket;
        });
      }
      modes.approximate.approximation!.forEach((a, i) => {
        if (!a) return;
        const m = measured[i]!;
        expect(m.lookups).toBe(seeds * a.lookups);
        const expected = a.offBucket * m.lookups;
        console.log(
          `${name} stage ${i}: off bucket predicted ${(100 * a.offBucket).toFixed(3)}%, simulated ${((100 * m.off) / m.lookups).toFixed(3)}% of ${m.lookups}`,
        );
        checked += expected;
        expect(Math.abs(m.off - expected)).toBeLessThan(0.1 * expected + 5 * Math.sqrt(expected) + 3);
      });
      expect(checked).toBeGreaterThan(50); // enough expected moves for the comparison to mean something
    });
  }

  it('auto picks k by exact pricing whatever the mode; a looser off rate never costs more; bad options are refused', () => {
    const graph = fcnnGraph(21);
    const count = 300;
    const raw = randomBytes(3, count * 16);
    const exact = compile(graph, { calibration: { raw, count }, roundBits: 'auto' });
    const approximate = compile(graph, { calibration: { raw, count }, roundBits: 'auto', rounding: 'approximate' });
    expect(approximate.circuit.stages.map((s) => s.roundBits)).toEqual(exact.circuit.stages.map((s) => s.roundBits));
    const centre = compile(graph, { calibration: { raw, count }, roundBits: 3, rounding: 'approximate' });
    const loose = compile(graph, { calibration: { raw, count }, roundBits: 3, rounding: 'approximate', approximateOffRate: 0.25 });
    const ms = (x: typeof centre) => (x.report.parameters as { predictedPbsMs: number }).predictedPbsMs;
    expect(ms(loose)).toBeLessThanOrEqual(ms(centre));
    expect(() => compile(graph, { calibration: { raw, count }, roundBits: 3, rounding: 'fast' as never })).toThrow(/rounding must be "exact" or "approximate"/);
    expect(() => compile(graph, { calibration: { raw, count }, roundBits: 3, rounding: ['approximate'] })).toThrow(/rounding needs one entry per stage/);
    expect(() => compile(graph, { calibration: { raw, count }, roundBits: 3, rounding: 'approximate', approximateOffRate: 0.7 })).toThrow(
      /approximateOffRate must be a probability in \(0, 0\.5\) or 'auto'/,
    );
    // 'auto': the off rate only when its set is AUTO_OFF_RATE_MIN_GAIN times cheaper than the centre rule's.
    for (const k of [2, 3]) {
      const modes = (approximateOffRate?: number | 'auto') =>
        compile(graph, { calibration: { raw, count }, roundBits: k, rounding: 'approximate', ...(approximateOffRate ? { approximateOffRate } : {}) }).report
          .roundingModes!.approximate;
      const [auto, centre, rate] = [modes('auto'), modes(), modes(APPROXIMATE_OFF_RATE)];
      const worth = rate.pbsMs! * AUTO_OFF_RATE_MIN_GAIN <= centre.pbsMs!;
      expect(auto.set).toBe(worth ? rate.set : centre.set);
      expect(auto.offRate).toBe(worth ? APPROXIMATE_OFF_RATE : undefined);
    }
    // Per stage: exact on the first lookup stage, approximate on the second.
    const mixed = compile(graph, { calibration: { raw, count }, roundBits: 3, rounding: ['exact', 'approximate', 'exact'] });
    expect(mixed.circuit.stages.map((s) => s.rounding ?? 'exact')).toEqual(['exact', 'approximate', 'exact']);
    const p = chooseParameters(mixed.circuit);
    expect(p.decisions.map((d) => d.kind)).toEqual(['extract', 'extract', 'lookup', 'approximate', 'clear']);
  });
});
