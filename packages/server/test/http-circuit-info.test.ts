import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';
import { expect, it } from 'vitest';
import { compressedServerKeyBytes, loadCircuit } from '@fhenet/circuit';
import { circuitInfo, tfheRsInfo } from '../src/circuit-info.js';
import { planCircuit } from '@fhenet/executor';

const circuit = loadCircuit(TINY_MNIST_CIRCUIT);
const plan = planCircuit(circuit);

it('promises the exact key and ciphertext sizes and the Shortint.new_parameters arguments', () => {
  const info = circuitInfo(circuit, plan, 3);
  if (!info.tfheRs.available) throw new Error(info.tfheRs.reason);
  const set = plan.params;
  expect(info.tfheRs.serverKeyBytes).toBe(compressedServerKeyBytes(set) + 256);
  expect(info.tfheRs.ciphertextBytes).toEqual({ compressed: 124, full: 8 * (set.glweDimension * set.polynomialSize + 1) + 72 });
  expect(info.tfheRs.outputMessageModulus).toBe(2 ** (circuit.bits + 1));
  expect(info.tfheRs.newParameters).toMatchObject({
    lweDimension: set.lweDimension,
    polynomialSize: set.polynomialSize,
    messageModulus: 2 ** circuit.bits,
    carryModulus: 1,
  });
  expect(JSON.parse(JSON.stringify(info))).toEqual(info); // plain JSON: no typed arrays
});

it('reports a set tfhe-rs cannot use as unavailable, with the reason', () => {
  const small = { ...plan, params: { ...plan.params, polynomialSize: 64 } }; // no room for 2^bits slots plus padding
  const info = tfheRsInfo(circuit, small);
  expect(info.available).toBe(false);
  if (info.available) return;
  expect(info.reason).toMatch(/polynomial size 64 must be a power of two >= 2 \* 2\^bits/);
});

it('tells clients how many stages they must evaluate in the clear before encrypting', () => {
  expect(circuitInfo(circuit, plan, 3).clearStages).toBe(0);
  // Only the count is read here; the stages' content is the compiler's (clear-prefix tests).
  const withPrefix = { ...circuit, clearStages: [circuit.stages[0]] } as unknown as typeof circuit;
  expect(circuitInfo(withPrefix, plan, 3).clearStages).toBe(1);
});
