import { describe, expect, it } from 'vitest';
import { circuitFromJson, circuitToJson } from '@fhenet/circuit';
import { compile, formatReport, pbsCount } from '@fhenet/compiler';
import { fcnnGraph } from '@fhenet/testing';

describe('parameters', () => {
  it('picks a set for the circuit width whose predicted error per inference meets the budget', () => {
    const { circuit, report } = compile(fcnnGraph(11), { pError: 1e-6 });
    const p = circuit.parameters!;
    expect(p.set.messageBits).toBe(circuit.bits);
    expect(p.pErrorPerInference).toBeLessThanOrEqual(1e-6);
    expect(p.pErrorPerInference).toBeGreaterThan(0);
    expect(pbsCount(circuit)).toBe(24);
    // A looser budget can only allow a cheaper (or the same) set.
    const loose = compile(fcnnGraph(11), { pError: 1e-2 }).report.parameters;
    if ('error' in loose || 'error' in report.parameters) throw new Error('no parameters');
    expect(loose.pbsCost.total).toBeLessThanOrEqual(report.parameters.pbsCost.total);
    // The chosen set survives the circuit file.
    expect(circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(circuit)))).parameters).toEqual(p);
  });

  it('rejects a p-error that is not a probability', () => {
    expect(() => compile(fcnnGraph(11), { pError: 2 })).toThrow(/pError must be a probability in \(0, 1\), got 2/);
  });

  it('prints one row per stage, the width and the parameters', () => {
    const { report } = compile(fcnnGraph(11));
    const text = formatReport(report);
    for (const s of ['dense1', 'dense2', 'logits', 'circuit bit-width: 6', 'PBS per inference: 24', 'per inference', 'bootstrapping'])
      expect(text).toContain(s);
  });

  it("gives a tfhe-rs client's exact Shortint.new_parameters call for the chosen set", () => {
    const { report } = compile(fcnnGraph(11));
    if ('error' in report.parameters) throw new Error('no parameters');
    const set = report.parameters.parameters.set;
    const line = formatReport(report)
      .split('\n')
      .find((l) => l.startsWith('tfhe-rs 1.7 client'));
    expect(line).toContain(`Shortint.new_parameters(${set.lweDimension}, ${set.glweDimension}, ${set.polynomialSize}, Shortint.try_new_t_uniform(`);
    expect(line).toContain(`${2 ** set.messageBits}n, 1n, ${Math.ceil(set.maxNu)}n`);
  });
});
