// Encrypted rounded stages == the simulator, for every slot residue: a 5-bit circuit whose first
// stage (round 3 bits: 2 extractions + lookup) sees all 64 residues mod 2p, padding-bit wraps
// included, and whose second stage (round 2 bits) reads PBS outputs through signed weights.
import { describe, expect, it } from 'vitest';
import { chooseParameters, circuitDecisions } from '@fhenet/compiler';
import { expandRoundedTable, simulate, type Circuit, type DenseOp, type Stage } from '@fhenet/circuit';
import { InferenceClient } from '@fhenet/client';
import { InferenceServer, type StageProgress } from '@fhenet/executor';
import { rng, denseFromRows } from '@fhenet/testing';

const bits = 5;
const p = 2 ** bits;

function stage(name: string, linear: DenseOp, offset: number[], roundBits: number, values: (c: number, t: number) => number): Stage {
  const rows = Array.from({ length: linear.outputSize }, (_, o) => linear.weights.slice(linear.rowPtr[o], linear.rowPtr[o + 1]));
  const tables = new Int32Array(linear.outputSize * p);
  for (let c = 0; c < linear.outputSize; c++)
    tables.set(
      expandRoundedTable((t) => values(c, t), roundBits, p),
      c * p,
    );
  return {
    name,
    linear,
    offset: Int32Array.from(offset),
    tables,
    roundBits,
    analysis: {
      shift: new Int32Array(linear.outputSize),
      worstCase: { min: 0, max: p - 1 },
      nu: Math.max(...rows.map((r) => Math.hypot(...r))),
    },
  };
}

function roundedCircuit(): Circuit {
  const r = rng(5);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  // Stage a: input x in [0, 8), output j = x + 8j: the 8 samples x 8 outputs hit every residue in [0, 2p).
  const a = stage(
    'a',
    denseFromRows(
      Array.from({ length: 8 }, () => [1]),
      1,
    ),
    Array.from({ length: 8 }, (_, j) => 8 * j),
    3,
    () => int(-4, 4),
  );
  const b = stage(
    'b',
    denseFromRows(
      Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => int(-1, 1))),
      8,
    ),
    [9, 12, 16, 20],
    2,
    () => int(-16, 15),
  );
  const bare: Circuit = {
    name: 'rounded-5bit',
    bits,
    inputShape: [1],
    inputScaling: { divisor: 1 },
    inputQuantizer: { bits: 3 as never, signed: false, range: 'wide', scale: [1], zeroPoint: [0] },
    stages: [a, b],
    output: { kind: 'dequantize', scale: 1, zeroPoint: 0 },
  };
  return { ...bare, parameters: chooseParameters(bare).parameters };
}

describe('encrypted rounded stages (5-bit circuit, k = 3 then k = 2)', () => {
  it('decrypted outputs equal simulate() for every input, every residue of the rounded stage', async () => {
    const circuit = roundedCircuit();
    const set = circuit.parameters!.set;
    expect(circuitDecisions(circuit).map((d) => d.kind)).toEqual(['extract', 'extract', 'lookup', 'extract', 'lookup', 'clear']); // the client decrypts the last lookups
    console.log(
      `set ${set.name}: n=${set.lweDimension} k=${set.glweDimension} N=${set.polynomialSize}, p_error ${circuit.parameters!.pErrorPerInference.toExponential(2)}`,
    );
    const count = 8;
    const inputs = Int32Array.from({ length: count }, (_, i) => i);
    const { outputs: sim, stages } = simulate(circuit, inputs, count, { trace: true });
    // Stage a's slots cover all residues mod 2p (wraps into the padding half included).
    expect(new Set(Array.from(stages![0]!.slots, (s) => s & (2 * p - 1))).size).toBe(2 * p);

    const client = InferenceClient.generate(circuit);
    const { keys } = await client.generateBothEvaluationKeys();
    const server = new InferenceServer(circuit, keys);
    const events: StageProgress[] = [];
    const result = await server.infer(client.encryptQuantized(inputs), (e) => events.push(e));
    expect(Array.from(client.decode(result.outputs).values)).toEqual(Array.from(sim));
    const opened = events.filter((e) => e.done === undefined);
    expect(opened.filter((e) => e.phase === 'extract').map((e) => `${e.name}:${e.bit}`)).toEqual(['a:1', 'a:2', 'b:1']);
    // Within-batch PBS progress: counts rise and every batch reports its own end (done = total).
    const ticks = events.filter((e) => e.done !== undefined);
    const ends = ticks.filter((e) => e.done === e.total).map((e) => `${e.name}:${e.phase}:${e.total}`);
    expect(ends).toEqual(['a:extract:64', 'a:extract:64', 'a:pbs:64', 'b:extract:32', 'b:pbs:32']);
    for (let i = 1; i < ticks.length; i++) {
      const [a, b] = [ticks[i - 1]!, ticks[i]!];
      if (a.name === b.name && a.phase === b.phase && a.bit === b.bit && a.done! < a.total!) expect(b.done!).toBeGreaterThanOrEqual(a.done!);
    }
    expect(result.stages.map((s) => s.pbsCount)).toEqual([3 * 8 * count, 2 * 4 * count]);
    expect(result.stages.every((s) => s.extractMs > 0 && s.extractMs < s.pbsMs)).toBe(true);
    console.log(`${count} samples, ${result.stages.reduce((n, s) => n + s.pbsCount, 0)} PBS: ${(result.totalMs / 1000).toFixed(1)} s`);
    server.dispose();
  }, 120_000);
});
