// A circuit with CRT stages (format v4, docs/crt.md) is refused by every runtime entry point that
// plans it or derives its keys: this runtime has no WoP lookup, and running the stage's M-entry
// tables as a padded PBS would compute something else without any error.
import { describe, expect, it } from 'vitest';
import { chooseParameters, circuitFromJson, circuitToJson, simulate, type Circuit, type Stage } from '@fhenet/compiler';
import { circuitParameters, InferenceClient, planCircuit } from '@fhenet/runtime';
import { dense } from './circuit-fixtures.js';

const bits = 3;
const p = 2 ** bits;

function circuits(): { padded: Circuit; crt: Circuit } {
  const lookup = (name: string, tables: Int32Array, crt?: number[]): Stage => ({
    name,
    linear: dense([[1]], 1),
    offset: Int32Array.of(0),
    tables,
    roundBits: 0,
    ...(crt ? { crt: { moduli: crt } } : {}),
    analysis: { shift: Int32Array.of(0), worstCase: { min: 0, max: crt ? 14 : p - 1 }, nu: 1 },
  });
  const base = {
    name: 'crt-refused',
    bits,
    inputShape: [1],
    inputScaling: { divisor: 1 },
    inputQuantizer: { bits: 2 as never, signed: false, range: 'wide' as const, scale: [1], zeroPoint: [0] },
    output: { kind: 'dequantize' as const, scale: 1, zeroPoint: 0 },
  };
  const last = lookup('out', Int32Array.from({ length: p }, (_, a) => a - 4));
  const padded: Circuit = { ...base, stages: [lookup('first', Int32Array.from({ length: p }, (_, a) => a)), last] };
  // The same circuit with a CRT first stage (moduli 5, 3), and even a parameter set attached.
  const crtStage = lookup('wide', Int32Array.from({ length: 15 }, (_, u) => u % p), [5, 3]);
  const crt: Circuit = { ...base, stages: [crtStage, last], parameters: chooseParameters(padded).parameters };
  return { padded, crt };
}

describe('runtime: circuits with CRT stages', () => {
  it('plans the padded circuit but refuses the CRT one in planning, key derivation and the client, naming the stage and moduli', () => {
    const { padded, crt } = circuits();
    expect(planCircuit({ ...padded, parameters: crt.parameters! }).stages).toHaveLength(2);
    // The compiler accepts it (v4, simulatable); only encrypted execution is missing.
    const loaded = circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(crt))));
    expect(Array.from(simulate(loaded, Int32Array.of(3), 1).outputs)).toEqual([-1]);
    const message = /circuit "crt-refused": stage wide is a CRT stage \(moduli 5, 3\); encrypted execution of CRT stages is not implemented yet in this runtime/;
    expect(() => planCircuit(loaded)).toThrow(message);
    expect(() => circuitParameters(loaded)).toThrow(message);
    expect(() => InferenceClient.generate(loaded)).toThrow(message);
    // Without parameters the CRT refusal comes first, not a misleading "no parameters".
    const { parameters: _, ...bare } = loaded;
    expect(() => planCircuit(bare)).toThrow(message);
  });
});
