// CRT stages (circuit format v4, compile crt, docs/crt.md): the simulator's exact integer
// semantics on a hand-made circuit (wraps past M, plain integers into a CRT stage), the reader's
// rejections, and compiled CRT circuits against the padded, unrounded circuit sized on the same
// exact worst case. The moduli chooser is @fhenet/params chooseCrtModuli (tested there).
import { describe, expect, it } from 'vitest';
import { chooseCrtModuli } from '@fhenet/params';
import { circuitFromJson, circuitToJson, crtProduct, decodeOutputs, quantizeInputs, simulate, type Circuit, type Stage } from '@fhenet/circuit';
import { compile } from '@fhenet/compiler';
import { circuitOf, denseFromRows, convGraph, fcnnGraph, randomBytes } from '@fhenet/testing';

/**
 * padded (4 bits: p = 16, residues mod 32) -> CRT (moduli 5, 3: M = 15) -> padded.
 * s0: slot = x + 8, T[a] = 3a - 20 (values up to 25, outside [-16, 16): handed on as plain integers).
 * s1: two outputs, slots 3y + 1 and -2y + 7; T_0[u] = u - 7, T_1[u] = 2u.
 * s2: slot = y0 + y1, T[a] = a - 8.
 */
function handMade(exact = false): Circuit {
  const bits = 4;
  const p = 16;
  const stage = (name: string, rows: number[][], inputSize: number, offset: number[], tables: Int32Array, crt?: number[]): Stage => ({
    name,
    linear: denseFromRows(rows, inputSize),
    offset: Int32Array.from(offset),
    tables,
    roundBits: 0,
    ...(crt ? { crt: { moduli: crt } } : {}),
    analysis: { shift: new Int32Array(rows.length), worstCase: { min: 0, max: crt ? crtProduct(crt) - 1 : p - 1 }, nu: 3 },
  });
  return circuitOf(
    [
      stage(
        's0',
        [[1]],
        1,
        [8],
        Int32Array.from({ length: p }, (_, a) => 3 * a - 20),
      ),
      stage(
        's1',
        exact ? [[1], [-1]] : [[3], [-2]],
        1,
        exact ? [0, 13] : [1, 7],
        Int32Array.from({ length: 30 }, (_, i) => (i < 15 ? i - 7 : 2 * (i - 15))),
        [5, 3],
      ),
      stage(
        's2',
        [[1, 1]],
        2,
        [0],
        Int32Array.from({ length: p }, (_, a) => a - 8),
      ),
    ],
    bits,
    [1],
  );
}

describe('simulate: CRT stages', () => {
  const circuit = handMade();
  const run = (x: number) => simulate(circuit, Int32Array.of(x), 1, { trace: true });

  it('looks up T_c[slot mod M] exactly (known answers)', () => {
    // x = 2: s0 a = 10 -> 10; s1 slots 31, -13 -> u = 1, 2 -> -6, 4; s2 slot -2 -> residue 30 -> -T[14] = -6.
    const a = run(2);
    expect(Array.from(a.stages![1]!.slots)).toEqual([31, -13]);
    expect(Array.from(a.stages![1]!.lookupInputs!)).toEqual([1, 2]);
    expect(Array.from(a.stages![1]!.values)).toEqual([-6, 4]);
    expect(a.outputs[0]).toBe(-6);
    // x = 6: s0 a = 14 -> 22; s1 slots 67, -37 -> u = 7, 8 -> 0, 16; s2 slot 16 -> -T[0] = 8.
    const b = run(6);
    expect(Array.from(b.stages![0]!.values)).toEqual([22]);
    expect(Array.from(b.stages![1]!.lookupInputs!)).toEqual([7, 8]);
    expect(Array.from(b.stages![1]!.values)).toEqual([0, 16]);
    expect(b.outputs[0]).toBe(8);
  });

  it('wraps past M and below 0 exactly (mod M, no clamping)', () => {
    // Slots 3 * 22 + 1 = 67 = 4 * 15 + 7 and -2 * 22 + 7 = -37 = -3 * 15 + 8.
    for (const x of [0, 3, 6, 7, 9, 12, 15]) {
      const t = run(x).stages!;
      const y = t[0]!.values[0]!;
      expect(Array.from(t[1]!.lookupInputs!)).toEqual([(((3 * y + 1) % 15) + 15) % 15, (((-2 * y + 7) % 15) + 15) % 15]);
    }
  });

  it("feeds a CRT stage the producing lookup's integer itself, not its residue mod 2p", () => {
    // x = 9: s0 residue 17 >= p -> -T[1] = 17 (its residue mod 32 would be -15: slot 3 * -15 + 1 = -44 -> u = 1).
    const t = run(9).stages!;
    expect(t[0]!.values[0]).toBe(17);
    expect(Array.from(t[1]!.lookupInputs!)).toEqual([7, 3]); // 52 mod 15, -27 mod 15
    expect(run(9).outputs[0]).toBe(-2); // s2: 0 + 6 -> T[6]
  });
});

describe('circuit format v4', () => {
  // The reader recomputes each stage's worst case and requires a CRT stage's inside [0, M): the
  // same circuit with s1's slots y and 13 - y (inside [0, 15) for the input quantizer's [0, 3]).
  const circuit = handMade(true);
  const json = () => JSON.parse(JSON.stringify(circuitToJson(circuit))) as Record<string, any>;

  it('writes v4 with crt stages and v3 without; round-trips exactly', () => {
    expect(json().version).toBe(4);
    expect(json().stages[1].crt).toEqual({ moduli: [5, 3] });
    expect(circuitFromJson(json())).toEqual(circuit);
    const plain = circuitOf([circuit.stages[0]!], circuit.bits, [1]);
    expect((circuitToJson(plain) as { version: number }).version).toBe(3);
  });

  it('rejects bad moduli, M below the span, wrong table lengths and v4 fields in older files', () => {
    const cases: [(j: Record<string, any>) => void, RegExp][] = [
      [(j) => (j.stages[1].crt.moduli = [5, 4]), /c\.json: stages\[1\]\.crt\.moduli: expected moduli\[1\] = 4: an odd modulus .*, got \[5,4\]/],
      [
        (j) => (j.stages[1].crt.moduli = [9, 3]),
        /stages\[1\]\.crt\.moduli: expected moduli\[0\] = 9 and moduli\[1\] = 3: pairwise coprime moduli \(both are multiples of 3\)/,
      ],
      [(j) => (j.stages[1].crt.moduli = [5, 1]), /stages\[1\]\.crt\.moduli\[1\]: expected an integer in \[3, Infinity\], got 1/],
      [(j) => (j.stages[1].crt.moduli = []), /stages\[1\]\.crt\.moduli: expected a non-empty array of integers, got \[\]/],
      [
        (j) => (j.stages[1].crt.moduli = [1025, 1027]),
        /stages\[1\]\.crt\.moduli: expected a product of at most 2\^20 = 1048576 \(tables hold M entries per channel\), got 1052675/,
      ],
      [
        (j) => (j.stages[1].analysis.worstCase = { min: 0, max: 15 }),
        /stages\[1\]\.analysis\.worstCase: expected a slot range inside \[0, M\) = \[0, 15\) \(M = 5 x 3 must cover/,
      ],
      [(j) => (j.stages[1].analysis.worstCase = { min: -1, max: 13 }), /stages\[1\]\.analysis\.worstCase: expected a slot range inside \[0, M\) = \[0, 15\)/],
      [(j) => (j.stages[1].analysis.worstCase = { min: 0, max: 10 }), /stages\[1\]\.analysis\.worstCase: expected a range containing \[0, 13\] \(recomputed/],
      [(j) => (j.stages[1].crt.moduli = [7, 3]), /stages\[1\]\.tables\.length: expected 42, got 30/],
      [
        (j) => (j.stages[1].roundBits = 2),
        /stages\[1\]\.roundBits: expected 0 \(a CRT stage looks up its exact slot; rounding and CRT exclude each other\), got 2/,
      ],
      [(j) => (j.version = 3), /stages\[1\]\.crt: expected absent \(a v4 field\) in a version 3 file, got "\(present\)"/],
      [(j) => (j.version = 7), /version: expected one of 1, 2, 3, 4, 5, 6, got 7/],
    ];
    for (const [mutate, message] of cases) {
      const j = json();
      mutate(j);
      expect(() => circuitFromJson(j, 'c.json')).toThrow(message);
    }
  });

  it('sizes the clear table of a CRT last stage by M', () => {
    const c = {
      ...circuit,
      stages: [circuit.stages[0]!, { ...circuit.stages[1]!, tables: null }],
      output: { kind: 'clearTable' as const, values: Float64Array.from({ length: 30 }, (_, i) => i / 2) },
    };
    const back = circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(c))));
    expect(back).toEqual(c);
    // The client reads values[c * M + u]: x = 2 -> y = 10 -> u = 10, 3 -> values[10] = 5 and values[15 + 3] = 9.
    const { outputs } = simulate(back, Int32Array.of(2), 1);
    expect(Array.from(decodeOutputs(back, outputs, 1))).toEqual([5, 9]);
    const j = JSON.parse(JSON.stringify(circuitToJson(c)));
    j.output.values.length = 32;
    expect(() => circuitFromJson(j, 'c.json')).toThrow(/output\.values\.length: expected 30, got 32/);
  });
});

describe('compile crt', () => {
  const cases = [
    ['fcnn, every stage CRT', fcnnGraph(11), 4],
    ['fcnn, last stage padded (clear decode)', fcnnGraph(11), 5],
    ['conv + pool, CRT -> padded -> CRT', convGraph(13), 5],
    ['conv + pool, every stage CRT', convGraph(13), 4],
  ] as const;
  for (const [name, graph, crtBits] of cases) {
    it(`${name}: equals the padded, unrounded circuit on the same exact worst case`, () => {
      const padded = compile(graph, { sizing: 'worstCase' }).circuit;
      const { circuit, report } = compile(graph, { sizing: 'worstCase', crt: true, maxBits: crtBits });
      const wide = report.stages.map((s) => s.worstCase.bits > crtBits);
      expect(circuit.stages.map((s) => s.crt !== undefined)).toEqual(wide);
      expect(wide.some((w) => w)).toBe(true);
      // Never a padded set: its decisions would not rate the WoP lookups (a WoP set, or none).
      if (circuit.parameters) expect('circuitBootstrap' in circuit.parameters.set).toBe(true);
      expect(circuit.bits).toBeLessThanOrEqual(crtBits);
      // Property: on every in-range slot a CRT stage's table equals the padded lookup of the same accumulator.
      circuit.stages.forEach((s, i) => {
        if (!s.crt) return;
        const m = crtProduct(s.crt.moduli);
        expect(Math.max(...s.crt.moduli)).toBeLessThanOrEqual(2 ** circuit.bits - 1);
        expect(report.stages[i]!.crt!.span).toBeLessThanOrEqual(m);
        expect(s.analysis.worstCase.min).toBe(0);
        const ps = padded.stages[i]!;
        const pp = 2 ** padded.bits;
        for (let c = 0; c < s.analysis.shift.length; c++) {
          // The channel's accumulators: slot - shift over [0, span_c) of the CRT stage.
          for (let u = 0; u < m; u++) {
            const acc = u - s.analysis.shift[c]!;
            const a = acc + ps.analysis.shift[c]!;
            if (a < 0 || a >= pp) continue; // outside the padded lookup's boxes
            if (s.tables && ps.tables) expect(s.tables[c * m + u]).toBe(ps.tables[c * pp + a]);
          }
        }
      });
      // And end to end, on random inputs: every stage's values and the decoded outputs agree.
      const size = graph.inputShape.reduce((a, b) => a * b, 1);
      const count = 200;
      const raw = randomBytes(17, count * size);
      const q = quantizeInputs(circuit, raw, count);
      const mine = simulate(circuit, q, count, { trace: true });
      const base = simulate(padded, q, count, { trace: true });
      mine.stages!.forEach((t, i) => {
        if (circuit.stages[i]!.tables) expect(Array.from(t.values)).toEqual(Array.from(base.stages![i]!.values));
        if (circuit.stages[i]!.crt) for (const u of t.lookupInputs!) expect(u).toBeLessThan(crtProduct(circuit.stages[i]!.crt!.moduli));
      });
      expect(Array.from(decodeOutputs(circuit, mine.outputs, count))).toEqual(Array.from(decodeOutputs(padded, base.outputs, count)));
      // The circuit file carries it unchanged.
      const back = circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(circuit))));
      expect(back).toEqual(circuit);
      expect(report.crtLookups).toBe(circuit.stages.reduce((n, s, i) => n + (s.crt && s.tables ? report.stages[i]!.outputs : 0), 0));
      expect(report.pbsCount).toBe(circuit.stages.reduce((n, s, i) => n + (!s.crt && s.tables ? report.stages[i]!.outputs : 0), 0));
    });
  }

  it('on calibration sizing: CRT stages still cover the exact worst case, padded stages use calibration', () => {
    const graph = fcnnGraph(21);
    const count = 300;
    const raw = randomBytes(3, count * 16);
    const { circuit } = compile(graph, { calibration: { raw, count }, crt: true, maxBits: 5 });
    const crt = circuit.stages.filter((s) => s.crt);
    expect(crt.length).toBeGreaterThan(0);
    for (const s of crt) expect(s.analysis.worstCase.max).toBeLessThan(crtProduct(s.crt!.moduli));
    const { stages } = simulate(circuit, quantizeInputs(circuit, raw, count), count, { trace: true });
    circuit.stages.forEach((s, i) => {
      if (s.crt) expect(Array.from(stages![i]!.lookupInputs!)).toEqual(Array.from(stages![i]!.slots)); // never wraps
    });
  });

  it('refuses rounding forced on a CRT stage and auto rounding; one k rounds the padded stages only', () => {
    const graph = convGraph(13);
    expect(() => compile(graph, { sizing: 'worstCase', crt: true, maxBits: 5, roundBits: [2, 0, 0] })).toThrow(
      /layer "conv1": it becomes a CRT stage .* rounding and CRT exclude each other on a stage: give it round bits 0 .*, got 2/,
    );
    expect(() => compile(graph, { sizing: 'worstCase', crt: true, maxBits: 5, roundBits: 'auto' })).toThrow(
      /roundBits 'auto' .* a circuit with CRT stages \(conv1, fc\) does not get/,
    );
    const { circuit } = compile(graph, { sizing: 'worstCase', crt: true, maxBits: 5, roundBits: 2 });
    expect(circuit.stages.map((s) => [s.crt !== undefined, s.roundBits])).toEqual([
      [true, 0],
      [false, 2],
      [true, 0],
    ]);
  });

  it('takes moduli up to 2^maxBits - 1 by default, up to crtMaxModulus when given', () => {
    const graph = convGraph(13);
    const by = (o: { crtMaxModulus?: number }) =>
      compile(graph, { sizing: 'worstCase', crt: true, maxBits: 5, ...o }).circuit.stages.flatMap((s) => (s.crt ? [s.crt.moduli] : []));
    // Spans 64 and 344 (worked out by hand): t = 7 and 9, each the pair with the smallest maximum (15 x 23 = 345).
    expect(by({})).toEqual([
      [7, 11],
      [15, 23],
    ]);
    expect(by({})).toEqual([64, 344].map((span) => chooseCrtModuli(span, { maxModulus: 31 }).moduli));
    expect(by({ crtMaxModulus: 15 })).toEqual([
      [7, 11],
      [5, 7, 11],
    ]); // no pair <= 15 reaches 344 (13 x 15 = 195)
    expect(() => by({ crtMaxModulus: 7 })).toThrow(
      /layer "fc": CRT stage of worst-case span 344: no pairwise coprime odd moduli <= 7 reach a product >= span 344/,
    );
  });
});
