// Table 1 from fixture results: measured latencies parsed from a benchmark file, predicted ones
// from the cost model calibrated on it, the paper's row beside ours.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pbsCost } from '@fhenet/params';
import { latencyModel, parseCircuitTables, parseInferenceResults, secondsPerPbs, table1Markdown, table1Rows, type ModelFacts } from '@fhenet/experiments';

const FIXTURE = fileURLToPath(new URL('./fixtures/INFERENCE-RESULTS.md', import.meta.url));
const measured = parseInferenceResults(readFileSync(FIXTURE, 'utf8'), 'fixture.md');
const SET7 = { name: 'SET7', lweDimension: 998, glweDimension: 1, polynomialSize: 8192, pbs: { baseLog: 15, levelCount: 2 }, keyswitch: { baseLog: 3, levelCount: 6 } };
const SET_BIG = { ...SET7, name: 'BIG', polynomialSize: 32768 };

const base = { dataset: 'mnist', weightBits: 2, actBits: 2, perChannel: false, testImages: 10000, epochs: 20 } as const;
const facts: ModelFacts[] = [
  { ...base, name: 'mnist-fcnn-narrow-150', network: '3-layer FCNN', range: 'narrow', active: 150, accuracy: 0.9712, circuit: { bits: 7, pbsCount: 384, source: 'c.json', parameters: SET7, roundBits: 0 } },
  { ...base, name: 'mnist-fcnn-wide-190', network: '3-layer FCNN', range: 'wide', active: 190, accuracy: 0.9776, circuit: { bits: 9, pbsCount: 384, source: 'compile', parameters: SET_BIG, roundBits: 0 } },
  { ...base, name: 'mnist-lenet-wide-190', network: 'LeNet', range: 'wide', active: 190, accuracy: 0.99, circuit: { bits: 10, pbsCount: 8084, source: 'compile', parameters: null, roundBits: 0 } },
];

describe('parseInferenceResults', () => {
  it('reads measured sections and skips the skipped ones', () => {
    expect(measured).toHaveLength(1);
    const m = measured[0]!;
    expect(m).toMatchObject({ model: 'mnist-fcnn-narrow-150', circuitBits: 7, pbsCount: 384, medianSeconds: 20, images: 10, exact: true, hardware: 'Test CPU x 2, engine threads 2, kernels avx2', loadAverage: '1.50 / 1.00 / 0.50' });
    expect(m.parameterSet).toEqual(SET7);
  });
  it('names the line it cannot read', () => {
    expect(() => parseInferenceResults('## m\n\nCircuit: seven bits\n', 'bad.md')).toThrow(/bad\.md:3: section m: unreadable circuit line/);
  });
});

describe('parseCircuitTables (several committed circuits in one table)', () => {
  const text = [
    '## Rounded circuits',
    '',
    '- Date: 2026-01-03, 10:00 UTC; Test CPU x 2, engine threads 2.',
    '',
    '| model | circuit | PBS / image | s per image (3 images, wall) | median | exact == simulate | class (label) | keygen | load avg (start / end) |',
    '|---|---|---|---|---|---|---|---|---|',
    '| mnist-fcnn-wide-190 | committed (k = 4) | 1536 | 53.9 / 53.1 / 60.0 | **53.9** | 3/3 | 7 2 1 (3/3) | 2.3 s | 6.11 / 6.71 |',
    '| mnist-fcnn-wide-190 | k = 4, before scaling | 1536 | 62.2 / 52.6 / 52.2 | 52.6 | 3/3 | 7 2 1 (3/3) | 1.9 s | 7.40 / 8.93 |',
  ].join('\n');
  it('reads the committed rows only, wall-clock medians, with the section date and hardware', () => {
    const rows = parseCircuitTables(text, 't.md');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: 'mnist-fcnn-wide-190', pbsCount: 1536, medianSeconds: 53.9, timing: 'wall', images: 3, exact: true, date: '2026-01-03, 10:00 UTC', hardware: 'Test CPU x 2, engine threads 2', loadAverage: '6.11', parameterSet: null });
  });
  it('a measured row only matches the circuit it measured (same PBS count)', () => {
    const m = parseCircuitTables(text, 't.md');
    const wide = (pbs: number): ModelFacts => ({ ...base, name: 'mnist-fcnn-wide-190', network: '3-layer FCNN', range: 'wide', active: 190, accuracy: 0.97, circuit: { bits: 9, pbsCount: pbs, source: 'c', parameters: SET7, roundBits: 4 } });
    expect(table1Rows([wide(1536)], m, null)[0]!.measured?.medianSeconds).toBe(53.9);
    expect(table1Rows([wide(384)], m, null)[0]!.measured).toBeUndefined();
    const md = table1Markdown(table1Rows([wide(1536)], m, null), { date: 'D', command: 'c', latency: null });
    expect(md).toContain('| 9 (rounds 4) / 8 | 97.00% / 97.10% | 53.9 (measured, median of 3, wall) / 300 | Test CPU x 2, engine threads 2; load 6.11 |');
    // the circuit's own (simulated) accuracy, when scored, sits beside the fake-quantized one
    const scored = table1Markdown(table1Rows([{ ...wide(1536), simulatedAccuracy: 0.9649, simulatedImages: 10000 }], m, null), { date: 'D', command: 'c', latency: null });
    expect(scored).toContain('| 97.00% (96.49%) / 97.10% |');
  });
});

describe('Table 1 regenerated', () => {
  const latency = latencyModel(measured[0]!);
  const rows = table1Rows(facts, measured, latency);
  const md = table1Markdown(rows, { date: 'D', command: 'fhenet report', latency });
  const lines = md.split('\n');

  it('predicted latency scales the measured seconds per PBS by the cost model', () => {
    expect(secondsPerPbs(latency, SET7)).toBeCloseTo(20 / 384, 10);
    expect(rows[1]!.predictedSeconds).toBeCloseTo((384 * 20) / 384 * (pbsCost(SET_BIG).total / pbsCost(SET7).total), 6);
    expect(rows[0]!.predictedSeconds).toBeUndefined(); // measured rows are not predicted
    expect(rows[2]!.predictedSeconds).toBeUndefined(); // no parameter set, no prediction
  });
  it('puts our numbers beside the paper row by row', () => {
    expect(lines[0]).toMatch(/^\| network \| bits \(w\/a\) \| active \| range \| dataset \| circuit bits \(ours \/ paper\)/);
    expect(lines[2]).toBe('| 3-layer FCNN | 2/2 | 150 | narrow | MNIST | 7 / 6 | 97.12% / 92.20% | 20 (measured, median of 10) / 31 | Test CPU x 2, engine threads 2, kernels avx2; load 1.50 |');
    expect(lines[3]).toContain('| 9 / 8 | 97.76% / 97.10% | ~');
    expect(lines[3]).toContain('(predicted) / 300 |');
    expect(lines[4]).toContain('| LeNet | 2/2 | 190 | wide | MNIST | 10 (no parameter set) / 8 | 99.00% / 97.60% | not yet (no parameter set) / 2780 | — |');
    expect(md).toContain('Measured latencies: fixture.md (2026-01-02T03:04:05.000Z).');
    expect(md).toContain('calibrated on mnist-fcnn-narrow-150: 20 s per image over 384 PBS with SET7');
  });
});

describe("the paper's row for a qualified network name", () => {
  it('matches "VGG-9 (width x0.25)" to the paper\'s VGG-9 row of the same configuration, and nothing else', async () => {
    const { paperRow } = await import('@fhenet/experiments');
    expect(paperRow('VGG-9 (width x0.25)', 2, 2, 'all', 'narrow', 'cifar10')?.accuracy).toBe(0.623);
    expect(paperRow('VGG-9', 2, 2, 'all', 'narrow', 'cifar10')?.seconds).toBe(624);
    expect(paperRow('VGG-9 (width x0.25)', 2, 2, 190, 'narrow', 'cifar10')).toBeUndefined();
    expect(paperRow('VGG-11 (width x0.25)', 2, 2, 'all', 'narrow', 'cifar10')).toBeUndefined();
  });
});
