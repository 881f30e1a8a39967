import { describe, expect, it } from 'vitest';
import { withFingerprint } from '@fhenet/datasets';
import { circuitFromJson, circuitToJson, simulate } from '@fhenet/circuit';
import { circuitOf, denseFromRows, randInt, randomConv, randomDense, randomStage, rng } from '@fhenet/testing';

function sample() {
  const r = rng(7);
  const bits = 5;
  const conv = randomStage(r, 'conv', randomConv(r, 6, 6, 1, 3, 3, 1, 1), bits, -200, 200);
  const pool = randomStage(r, 'pool', { kind: 'sumPool', inputShape: [6, 6, 3], outputShape: [3, 3, 3], poolSize: [2, 2], strides: [2, 2] }, bits, 0, 3);
  const fc = randomStage(r, 'fc', randomDense(r, 27, 4), bits, 0, 0, false);
  return { r, circuit: circuitOf([conv, pool, fc], bits, [6, 6, 1], true) };
}

/** A JSON round trip through text, as on disk. */
const roundTrip = (json: unknown) => JSON.parse(JSON.stringify(json)) as Record<string, any>;

describe('circuit format', () => {
  it('round-trips every stage kind exactly and simulates identically', () => {
    const { r, circuit } = sample();
    const back = circuitFromJson(roundTrip(circuitToJson(circuit)));
    expect(back).toEqual(circuit);
    const inputs = Int32Array.from({ length: 36 * 10 }, () => randInt(r, 0, 3));
    expect(simulate(back, inputs, 10).outputs).toEqual(simulate(circuit, inputs, 10).outputs);
  });

  it('stores small integers narrowly', () => {
    const json = roundTrip(circuitToJson(sample().circuit));
    expect(json.stages[1].tables.dtype).toBe('int8');
    expect(json.stages[0].tables.dtype).toBe('int16');
  });

  it('names the field, expected and got on bad input', () => {
    const good = () => roundTrip(circuitToJson(sample().circuit));
    const cases: [(j: Record<string, any>) => void, RegExp][] = [
      [(j) => (j.version = 7), /f\.json: version: expected one of 1, 2, 3, 4, 5, 6, got 7/],
      [
        (j) => (j.stages[0].tables.base64 = j.stages[0].tables.base64.slice(8)),
        /stages\[0\]\.tables\.base64: expected 192 bytes \(96 x int16\), got \d+ bytes/,
      ],
      [(j) => (j.stages[1].tables.length = 5), /stages\[1\]\.tables\.length: expected 96, got 5/],
      [(j) => (j.stages[2].linear.inputSize = 28), /stages\[2\]\.linear: expected an input of 27 values \(the previous output\), got 28/],
      [(j) => (j.stages[0].linear.padBefore = [3, 1]), /stages\[0\]\.linear\.padBefore\[0\]: expected < kernelSize\[0\] = 3, got 3/],
      [(j) => (j.stages[1].tables = null), /stages\[1\]\.tables: expected lookup tables \(only the last stage may omit them\)/],
      [(j) => (j.output.kind = 'dequantize'), /output\.kind: expected "clearTable"/],
      [(j) => (j.stages[1].linear.kind = 'maxPool'), /stages\[1\]\.linear\.kind: expected "dense", "conv2d" or "sumPool", got "maxPool"/],
      [(j) => (j.inputQuantizer.zeroPoint = [9]), /inputQuantizer: expected a valid per-tensor quantizer/],
      [(j) => delete j.bits, /bits: expected an integer in \[1, 16\], got nothing \(field missing\)/],
    ];
    for (const [mutate, message] of cases) {
      const j = good();
      mutate(j);
      expect(() => circuitFromJson(j, 'f.json')).toThrow(message);
    }
  });

  it('v5: carries the input domain (class names, encoding), validated against the circuit', () => {
    const { circuit } = sample();
    expect(circuitToJson(circuit)).toMatchObject({ version: 3 });
    const data = withFingerprint({ origin: 'images', layout: 'image', sampleShape: [6, 6, 1], classNames: ['a', 'b', 'c', 'd'], encoding: { kind: 'bytes' } });
    const json = roundTrip(circuitToJson({ ...circuit, data }));
    expect(json.version).toBe(5);
    expect(circuitFromJson(json).data).toEqual(data);
    const cases: [(j: Record<string, any>) => void, RegExp][] = [
      [(j) => (j.version = 4), /f\.json: data: expected absent \(a v5 field\) in a version 4 file/],
      [(j) => (j.data.classNames = ['a', 'b']), /f\.json: data\.fingerprint: expected [0-9a-f]{64}/],
      [(j) => (j.data = { ...withFingerprint({ ...data, classNames: ['a', 'b'] }) }), /f\.json: data\.classNames: expected 4 names \(one per output\), got 2/],
      [(j) => (j.data = { ...withFingerprint({ ...data, sampleShape: [6, 6, 3] }) }), /f\.json: data\.sampleShape: expected \[6, 6, 1\] \(inputShape\)/],
    ];
    for (const [mutate, message] of cases) {
      const j = roundTrip(json);
      mutate(j);
      expect(() => circuitFromJson(j, 'f.json')).toThrow(message);
    }
  });

  it('rejects dense rows that point outside the input', () => {
    const r = rng(9);
    const dense = {
      ...denseFromRows(
        [
          [1, 1, 1],
          [1, 1, 1],
        ],
        3,
      ),
      cols: Int32Array.of(0, 1, 2, 3, 0, 1),
    };
    const j = roundTrip(circuitToJson(circuitOf([randomStage(r, 'fc', dense, 3, 0, 3)], 3, [3])));
    expect(() => circuitFromJson(j, 'f.json')).toThrow(/stages\[0\]\.linear\.cols\[3\]: expected an input index in \[0, 3\), got 3/);
  });
});
