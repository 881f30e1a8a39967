// Encrypted rounded stages with per-channel known-zero bits (circuit format v3, extractFrom) ==
// the simulator: a 5-bit circuit whose first stage (k = 4) mixes channel scales 1, 2, 4, 8 and 16
// (first extracted bit 1, 1, 2, 3 and none), every channel seeing every residue its slots can take
// mod 2p (wraps included); the second stage (k = 2) mixes even and odd weights. Each extraction
// runs on only the outputs that need it; the others pass through untouched.
import { describe, expect, it } from 'vitest';
import { chooseParameters } from '@fhenet/compiler';
import { expandRoundedTable, provableExtractFrom, simulate, stagePbs, type Circuit, type DenseOp, type Stage } from '@fhenet/circuit';
import { InferenceClient } from '@fhenet/client';
import { InferenceServer, planCircuit, type StageProgress } from '@fhenet/executor';
import { rng, denseFromRows } from '@fhenet/testing';

const bits = 5;
const p = 2 ** bits;

function stage(name: string, linear: DenseOp, offset: number[], roundBits: number, values: () => number): Stage {
  const tables = new Int32Array(linear.outputSize * p);
  for (let c = 0; c < linear.outputSize; c++) tables.set(expandRoundedTable(values, roundBits, p), c * p);
  const off = Int32Array.from(offset);
  return {
    name,
    linear,
    offset: off,
    tables,
    roundBits,
    extractFrom: provableExtractFrom(linear, off, roundBits),
    analysis: {
      shift: new Int32Array(linear.outputSize),
      worstCase: { min: 0, max: p - 1 },
      nu: Math.max(...Array.from({ length: linear.outputSize }, (_, o) => Math.hypot(...linear.weights.subarray(linear.rowPtr[o], linear.rowPtr[o + 1])))),
    },
  };
}

/** Channel scales of stage a; channel of scale m has 8/m outputs (at least 1): with x in [0, 8) they reach every slot m*y + e mod 2p. */
const scales = [1, 2, 4, 8, 16];

function mixedCircuit(): Circuit {
  const r = rng(9);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const rows: number[][] = [];
  const offsets: number[] = [];
  for (const m of scales) {
    for (let j = 0; j < Math.max(1, 8 / m); j++) {
      rows.push([m]);
      offsets.push(m * 8 * j + (m === 2 || m === 16 ? 1 : m === 4 ? j : 0)); // bit 0 set on some
    }
  }
  const a = stage('a', denseFromRows(rows, 1), offsets, 4, () => int(-4, 4));
  const n = rows.length;
  // Stage b: outputs 0, 1 read with weights multiple of 4 (offsets 8, 12): bit 1 known zero at k = 2.
  const bRows = [0, 1, 2, 3].map((o) => Array.from({ length: n }, () => (o < 2 ? 4 : 1) * int(-1, 1)));
  const b = stage('b', denseFromRows(bRows, n), [8, 12, 9, 21], 2, () => int(-16, 15));
  const bare: Circuit = {
    name: 'extract-from-5bit',
    bits,
    inputShape: [1],
    inputScaling: { divisor: 1 },
    inputQuantizer: { bits: 3 as never, signed: false, range: 'wide', scale: [1], zeroPoint: [0] },
    stages: [a, b],
    output: { kind: 'dequantize', scale: 1, zeroPoint: 0 },
  };
  return { ...bare, parameters: chooseParameters(bare).parameters };
}

describe('encrypted rounded stages with per-channel extractFrom (5-bit circuit, k = 4 then k = 2)', () => {
  it('decrypted outputs equal simulate() and only the needed extractions run', async () => {
    const circuit = mixedCircuit();
    const [a, b] = circuit.stages as [Stage, Stage];
    // Scale 1, 2 -> from 1; 4 -> 2; 8 -> 3; 16 -> 4 (= k: no extraction).
    expect(Array.from(a.extractFrom!)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4]);
    expect(Array.from(b.extractFrom!)).toEqual([2, 2, 1, 1]);
    const count = 8;
    const inputs = Int32Array.from({ length: count }, (_, i) => i);
    const { outputs: sim, stages } = simulate(circuit, inputs, count, { trace: true });
    // Every channel group reaches every residue its scale allows: 2p / m of them.
    const slots = stages![0]!.slots;
    let o = 0;
    for (const m of scales) {
      const seen = new Set<number>();
      for (let j = 0; j < Math.max(1, 8 / m); j++, o++) for (let s = 0; s < count; s++) seen.add(slots[s * 16 + o]! & (2 * p - 1));
      expect(seen.size, `scale ${m}`).toBe((2 * p) / m);
    }
    // v2 semantics (every channel from bit 1) give the same result.
    const v2 = { ...circuit, stages: circuit.stages.map(({ extractFrom: _, ...s }) => s as Stage) };
    expect(simulate(v2, inputs, count).outputs).toEqual(sim);

    const plan = planCircuit(circuit);
    expect(plan.stages.map((s) => s.extractions.map((e) => `${e.bit}:${e.outputs ? e.outputs.length : 'all'}`))).toEqual([['1:12', '2:14', '3:15'], ['1:2']]);
    expect(plan.pbsPerSample).toBe(stagePbs(a) + stagePbs(b));
    expect(plan.pbsPerSample).toBe(16 + 12 + 14 + 15 + 4 + 2);

    const client = InferenceClient.generate(circuit);
    const { keys } = await client.generateBothEvaluationKeys();
    const server = new InferenceServer(circuit, keys);
    const events: StageProgress[] = [];
    const result = await server.infer(client.encryptQuantized(inputs), (e) => events.push(e));
    expect(Array.from(client.decode(result.outputs).values)).toEqual(Array.from(sim));
    const ends = events.filter((e) => e.done !== undefined && e.done === e.total).map((e) => `${e.name}:${e.phase}:${e.bit ?? ''}:${e.total}`);
    expect(ends).toEqual(['a:extract:1:96', 'a:extract:2:112', 'a:extract:3:120', 'a:pbs::128', 'b:extract:1:16', 'b:pbs::32']);
    expect(result.stages.map((s) => s.pbsCount)).toEqual([stagePbs(a) * count, stagePbs(b) * count]);
    console.log(
      `${count} samples, ${result.stages.reduce((n, s) => n + s.pbsCount, 0)} PBS (v2 semantics: ${(4 * 16 + 2 * 4) * count}): ${(result.totalMs / 1000).toFixed(1)} s`,
    );
    server.dispose();
  }, 180_000);
});
