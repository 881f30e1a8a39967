import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';
// Issue 16, finding 7: hostile circuit files. Deep nesting gave "Maximum call stack size exceeded"
// without naming the file; `inputShape [2^40]` loaded (and `serve` advertised a 1.8e16-byte body
// limit); derived metadata (nu, p_fail, worst-case ranges) was trusted, so a negative nu or a
// p_fail of 2^32 passed. Each now gets an error naming the file and the field.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { circuitFromJson, loadCircuit, MAX_CIRCUIT_FILE_BYTES } from '@fhenet/circuit';

const dir = mkdtempSync(join(tmpdir(), 'fhenet-hostile-circuit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = readFileSync(TINY_MNIST_CIRCUIT, 'utf8');
const good = () => JSON.parse(text) as Record<string, any>;

/** Writes `json` (or text) to a file and loads it: the error must name that file. */
function refused(name: string, json: unknown, pattern: RegExp): void {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  let error: unknown;
  try {
    loadCircuit(path);
  } catch (e) {
    error = e;
  }
  expect(error, name).toBeInstanceOf(Error);
  expect((error as Error).message, name).toContain(path);
  expect((error as Error).message, name).toMatch(pattern);
}

describe('hostile circuit files (issue 16, finding 7)', () => {
  it('the committed fixture still loads', () => {
    expect(loadCircuit(TINY_MNIST_CIRCUIT).stages).toHaveLength(3);
  });

  it('deep nesting and huge JSON are refused by shape before parsing, naming the file', () => {
    const deep = `{"format":"fhenet-circuit","version":3,"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    refused('deep', deep, /\(file\): expected a circuit's JSON \(32 levels, 1048576 values at most\), got arrays and objects nested deeper than 32/);
    // Handed an already parsed deep value, the reader still names the file and field (its error
    // message printed the value recursively before).
    const j = good();
    j.name = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(() => circuitFromJson(j, 'x.json')).toThrow(/x\.json: name: expected a non-empty string, got an array \(too deeply nested to print\)/);
    refused('many', `[${'{},'.repeat(1_100_000)}{}]`, /more than 1048576 values/);
    const big = join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, MAX_CIRCUIT_FILE_BYTES + 1); // sparse: nothing is written
    expect(() => loadCircuit(big)).toThrow(
      new RegExp(`big\\.json: \\(file\\): .*${MAX_CIRCUIT_FILE_BYTES + 1} bytes, more than the ${MAX_CIRCUIT_FILE_BYTES}`),
    );
  });

  it('shapes are bounded: inputShape [2^40] does not load', () => {
    refused('shape-2-40', { ...good(), inputShape: [2 ** 40] }, /inputShape: expected at most 4194304 values \(2\^22\), got "1099511627776 = 1099511627776"/);
    refused('shape-rank', { ...good(), inputShape: [1, 1, 1, 1, 1, 1, 1, 1, 1] }, /inputShape: expected an array of 1 to 8 positive integers/);
    const j = good();
    j.stages[0].linear.outputSize = 2 ** 30;
    refused('dense-2-30', j, /stages\[0\]\.linear\.outputSize: expected an integer in \[1, 4194304\]/);
  });

  it('a window op whose gather plan would be huge is refused although it has no weights', () => {
    const j = good();
    j.inputShape = [2048, 2048, 1];
    j.stages[0].linear = { kind: 'sumPool', inputShape: [2048, 2048, 1], outputShape: [1025, 1025, 1], poolSize: [1024, 1024], strides: [1, 1] };
    refused('pool-taps', j, /stages\[0\]\.linear: expected at most 33554432 \(output pixel, window tap\) pairs, got "1025 x 1025 x 1024 x 1024 = \d+"/);
  });

  it('nu is recomputed: a negative or understated nu is refused', () => {
    for (const [name, nu] of [
      ['nu-negative', -1],
      ['nu-small', 1],
    ] as const) {
      const j = good();
      j.stages[1].analysis.nu = nu;
      refused(
        name,
        j,
        new RegExp(`stages\\[1\\]\\.analysis\\.nu: expected 3\\.74165\\d* \\(the largest 2-norm of one channel's weights, recomputed\\), got ${nu}`),
      );
    }
  });

  it('worst-case ranges are recomputed: a range that does not hold every reachable slot is refused', () => {
    const j = good();
    const w = j.stages[0].analysis.worstCase;
    j.stages[0].analysis.worstCase = { min: w.min + 1, max: w.max };
    refused(
      'worst-case',
      j,
      /stages\[0\]\.analysis\.worstCase: expected a range containing \[-?\d+, -?\d+\] \(recomputed from the weights, the offsets and what the previous stage hands on\)/,
    );
    const c = good();
    c.stages[2].analysis.calibration = { min: c.stages[2].analysis.worstCase.min - 5, max: c.stages[2].analysis.worstCase.max };
    refused('calibration', c, /stages\[2\]\.analysis\.calibration: expected a range inside the worst case/);
  });

  it('failure probabilities are recomputed: p_fail 2^32, or one better than the noise model gives, is refused', () => {
    const j = good();
    j.parameters.log2PFailPerPbs = 32;
    refused('pfail-positive', j, /parameters\.log2PFailPerPbs: expected <= 0 \(log2 of a probability\), got 32/);
    const k = good();
    k.parameters.log2PFailPerPbs = -80;
    refused('pfail-optimistic', k, /parameters\.log2PFailPerPbs: expected >= -29\.3\d* \(the worst decision of the circuit, recomputed\), got -80/);
    const s = good();
    s.parameters.set.log2PFail = -80;
    refused('set-pfail-optimistic', s, /parameters\.set\.log2PFail: expected >= -29\.3/);
    const e = good();
    e.parameters.pErrorPerInference = 1e-30;
    refused('perror-optimistic', e, /parameters\.pErrorPerInference: expected >= \d\.\d+e-7 \(recomputed from every decision of the circuit\), got 1e-30/);
    const n = good();
    n.parameters.set.maxNu = 2;
    refused('max-nu', n, /parameters\.set\.maxNu: expected >= 5\.656\d* \(the largest nu of the circuit's stages\), got 2/);
  });
});
