import { describe, expect, it } from 'vitest';
import { accumulate, simulate, type Conv2dOp, type SumPoolOp } from '@fhenet/circuit';
import { circuitOf, denseFromRows, randInt, randomConv, randomDense, randomStage, rng } from '@fhenet/testing';

/** Naive conv straight from the definition (zero contribution outside the input). */
function naiveConv(op: Conv2dOp | SumPoolOp, x: Int32Array): Int32Array {
  const [h, w, cin] = op.inputShape;
  const [oh, ow, cout] = op.outputShape;
  const [kh, kw] = op.kind === 'conv2d' ? op.kernelSize : op.poolSize;
  const [ph, pw] = op.kind === 'conv2d' ? op.padBefore : [0, 0];
  const out = new Int32Array(oh * ow * cout);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let f = 0; f < cout; f++) {
        let s = 0;
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const y = i * op.strides[0] + a - ph;
            const xx = j * op.strides[1] + b - pw;
            if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
            if (op.kind === 'sumPool') s += x[(y * w + xx) * cin + f]!;
            else for (let c = 0; c < cin; c++) s += op.weights[((a * kw + b) * cin + c) * cout + f]! * x[(y * w + xx) * cin + c]!;
          }
        out[(i * ow + j) * cout + f] = s;
      }
  return out;
}

describe('accumulate', () => {
  it('conv2d with stride and padding equals the naive definition', () => {
    const r = rng(1);
    for (const [k, stride, pad] of [
      [3, 1, 1],
      [3, 2, 1],
      [5, 2, 2],
      [2, 2, 0],
    ] as const) {
      const op = randomConv(r, 9, 7, 3, 4, k, stride, pad);
      const x = Int32Array.from({ length: 9 * 7 * 3 * 2 }, () => randInt(r, -3, 3));
      const out = new Int32Array(2 * op.outputShape[0] * op.outputShape[1] * 4);
      accumulate(op, x, 2, out);
      const n = out.length / 2;
      expect(Array.from(out.subarray(0, n))).toEqual(Array.from(naiveConv(op, x.subarray(0, 9 * 7 * 3))));
      expect(Array.from(out.subarray(n))).toEqual(Array.from(naiveConv(op, x.subarray(9 * 7 * 3))));
    }
  });

  it('sumPool sums each channel over its window', () => {
    const op: SumPoolOp = { kind: 'sumPool', inputShape: [6, 6, 2], outputShape: [3, 3, 2], poolSize: [2, 2], strides: [2, 2] };
    const r = rng(2);
    const x = Int32Array.from({ length: 72 }, () => randInt(r, 0, 3));
    const out = new Int32Array(18);
    accumulate(op, x, 1, out);
    expect(Array.from(out)).toEqual(Array.from(naiveConv(op, x)));
  });
});

describe('simulate: padding-bit semantics', () => {
  // One input, one output: slot = w * x + offset; bits 3 so p = 8, residues mod 16.
  const bits = 3;
  const table = Int32Array.from([10, 1, 2, 3, -4, 5, 6, 7].map((v) => v)); // 10 is out of [-8, 8): wraps
  const stage = (w: number, offset: number) => ({
    name: 'l',
    linear: denseFromRows([[w]], 1),
    offset: Int32Array.of(offset),
    tables: table,
    roundBits: 0,
    analysis: { shift: Int32Array.of(0), worstCase: { min: 0, max: 7 }, nu: Math.abs(w) },
  });
  const run = (w: number, offset: number, x: number) => simulate(circuitOf([stage(w, offset)], bits, [1]), Int32Array.of(x), 1).outputs[0];

  it('reads the table inside [0, p)', () => {
    expect(run(1, 0, 3)).toBe(3);
    expect(run(1, 2, 2)).toBe(-4);
  });
  it('negates the table in the negacyclic half [p, 2p)', () => {
    expect(run(1, 0, 9)).toBe(-1); // slot 9 -> -T[1]
    expect(run(1, 0, 12)).toBe(4); // slot 12 -> -T[4] = 4
  });
  it('wraps negative slots mod 2p and then negates', () => {
    expect(run(1, 0, -1)).toBe(-7); // residue 15 -> -T[7]
    expect(run(-1, 0, 8)).toBe(-10 + 16); // residue 8 -> -T[0] = -10 -> canonical in [-8, 8): 6
  });
  it('keeps PBS outputs as residues mod 2p in [-p, p)', () => {
    expect(run(1, 0, 0)).toBe(10 - 16);
  });
});

describe('simulate: a random multi-stage circuit', () => {
  it('equals an independent BigInt reference of the modular semantics, and traces every stage', () => {
    const r = rng(3);
    const bits = 4;
    const p = 2n ** BigInt(bits);
    const s1 = randomStage(r, 'a', randomDense(r, 12, 9), bits, -8, 7);
    const s2 = randomStage(r, 'b', randomDense(r, 9, 5), bits, -3, 3, false);
    const circuit = circuitOf([s1, s2], bits, [12], true);
    const count = 50;
    const inputs = Int32Array.from({ length: count * 12 }, () => randInt(r, -40, 40));
    const { outputs, stages } = simulate(circuit, inputs, count, { trace: true });
    expect(stages).toHaveLength(2);
    const mod = (v: bigint, m: bigint) => ((v % m) + m) % m;
    for (let n = 0; n < count; n++) {
      let x = Array.from(inputs.subarray(n * 12, n * 12 + 12), BigInt);
      for (const st of [s1, s2]) {
        const op = st.linear as ReturnType<typeof randomDense>;
        const y: bigint[] = [];
        for (let o = 0; o < op.outputSize; o++) {
          let s = BigInt(st.offset[o]!);
          for (let k = op.rowPtr[o]!; k < op.rowPtr[o + 1]!; k++) s += BigInt(op.weights[k]!) * x[op.cols[k]!]!;
          const a = mod(s, 2n * p);
          if (st.tables === null) y.push(a);
          else {
            const t = a < p ? BigInt(st.tables[o * Number(p) + Number(a)]!) : -BigInt(st.tables[o * Number(p) + Number(a - p)]!);
            y.push(mod(t + p, 2n * p) - p);
          }
        }
        x = y;
      }
      expect(Array.from(outputs.subarray(n * 5, n * 5 + 5), BigInt)).toEqual(x);
    }
  });

  it('rejects inputs of the wrong length, naming the expected size', () => {
    const r = rng(4);
    const circuit = circuitOf([randomStage(r, 'a', randomDense(r, 4, 2), 3, 0, 3)], 3, [4]);
    expect(() => simulate(circuit, new Int32Array(7), 2)).toThrow(/count x 4 integers; got 7 for count 2/);
  });
});
