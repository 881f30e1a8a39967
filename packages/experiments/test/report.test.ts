// Table 1 from a fixture latency log: measured latencies from its records, predicted ones from the
// cost model calibrated on one of them, the paper's row beside ours.
import { describe, expect, it } from 'vitest';
import { pbsCost } from '@fhenet/params';
import {
  LATENCY_LOG_FORMAT,
  LATENCY_LOG_VERSION,
  latencyLogMeasurements,
  latencyModel,
  secondsPerPbs,
  table1Markdown,
  table1Rows,
  type LatencyRecord,
  type ModelFacts,
} from '@fhenet/experiments';

const SET7 = {
  name: 'SET7',
  lweDimension: 998,
  glweDimension: 1,
  polynomialSize: 8192,
  pbs: { baseLog: 15, levelCount: 2 },
  keyswitch: { baseLog: 3, levelCount: 6 },
};
const SET_BIG = { ...SET7, name: 'BIG', polynomialSize: 32768 };
const record = (r: Partial<LatencyRecord>): LatencyRecord => ({
  model: 'mnist-fcnn-narrow-150',
  circuit: 'c.json',
  bits: 7,
  pbsCount: 384,
  roundBits: 0,
  parameterSet: SET7,
  medianSeconds: 20,
  images: 10,
  exactImages: 10,
  hardware: 'Test CPU x 2, engine threads 2, kernels avx2',
  date: '2026-01-02T03:04:05.000Z',
  loadAverage: [1.5, 1],
  command: 'fhenet bench',
  ...r,
});
const measured = latencyLogMeasurements({ format: LATENCY_LOG_FORMAT, version: LATENCY_LOG_VERSION, records: [record({})] }, 'fixture.json');

const base = { dataset: 'mnist', weightBits: 2, actBits: 2, perChannel: false, testImages: 10000, epochs: 20 } as const;
const facts: ModelFacts[] = [
  {
    ...base,
    name: 'mnist-fcnn-narrow-150',
    network: '3-layer FCNN',
    range: 'narrow',
    active: 150,
    accuracy: 0.9712,
    circuit: { bits: 7, pbsCount: 384, source: 'c.json', parameters: SET7, roundBits: 0 },
  },
  {
    ...base,
    name: 'mnist-fcnn-wide-190',
    network: '3-layer FCNN',
    range: 'wide',
    active: 190,
    accuracy: 0.9776,
    circuit: { bits: 9, pbsCount: 384, source: 'compile', parameters: SET_BIG, roundBits: 0 },
  },
  {
    ...base,
    name: 'mnist-lenet-wide-190',
    network: 'LeNet',
    range: 'wide',
    active: 190,
    accuracy: 0.99,
    circuit: { bits: 10, pbsCount: 8084, source: 'compile', parameters: null, roundBits: 0 },
  },
];

describe('latency log records as measurements', () => {
  it('reads every field the report needs', () => {
    expect(measured).toHaveLength(1);
    expect(measured[0]).toMatchObject({
      model: 'mnist-fcnn-narrow-150',
      circuitBits: 7,
      pbsCount: 384,
      medianSeconds: 20,
      images: 10,
      exact: true,
      hardware: 'Test CPU x 2, engine threads 2, kernels avx2',
      loadAverage: '1.50',
      timing: 'compute',
    });
    expect(measured[0]!.parameterSet).toEqual(SET7);
  });
  it('a measurement only matches the circuit it measured (same PBS count), and only if every image was exact', () => {
    const log = (rs: LatencyRecord[]) => latencyLogMeasurements({ format: LATENCY_LOG_FORMAT, version: LATENCY_LOG_VERSION, records: rs }, 't.json');
    const m = log([
      record({ model: 'mnist-fcnn-wide-190', bits: 9, pbsCount: 1536, medianSeconds: 53.9, images: 3, exactImages: 3, loadAverage: [6.11, 6.71] }),
    ]);
    const wide = (pbs: number): ModelFacts => ({
      ...base,
      name: 'mnist-fcnn-wide-190',
      network: '3-layer FCNN',
      range: 'wide',
      active: 190,
      accuracy: 0.97,
      circuit: { bits: 9, pbsCount: pbs, source: 'c', parameters: SET7, roundBits: 4 },
    });
    expect(table1Rows([wide(1536)], m, null)[0]!.measured?.medianSeconds).toBe(53.9);
    expect(table1Rows([wide(384)], m, null)[0]!.measured).toBeUndefined();
    const inexact = log([record({ model: 'mnist-fcnn-wide-190', bits: 9, pbsCount: 1536, images: 3, exactImages: 2 })]);
    expect(table1Rows([wide(1536)], inexact, null)[0]!.measured).toBeUndefined();
    const md = table1Markdown(table1Rows([wide(1536)], m, null), { date: 'D', command: 'c', latency: null });
    expect(md).toContain(
      '| 9 (rounds 4) / 8 | 97.00% / 97.10% | 53.9 (measured, median of 3) / 300 | Test CPU x 2, engine threads 2, kernels avx2; load 6.11 |',
    );
    // the circuit's own (simulated) accuracy, when scored, sits beside the fake-quantized one
    const scored = table1Markdown(table1Rows([{ ...wide(1536), simulatedAccuracy: 0.9649, simulatedImages: 10000 }], m, null), {
      date: 'D',
      command: 'c',
      latency: null,
    });
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
    expect(rows[1]!.predictedSeconds).toBeCloseTo(((384 * 20) / 384) * (pbsCost(SET_BIG).total / pbsCost(SET7).total), 6);
    expect(rows[0]!.predictedSeconds).toBeUndefined(); // measured rows are not predicted
    expect(rows[2]!.predictedSeconds).toBeUndefined(); // no parameter set, no prediction
  });
  it('puts our numbers beside the paper row by row', () => {
    expect(lines[0]).toMatch(/^\| network \| bits \(w\/a\) \| active \| range \| dataset \| circuit bits \(ours \/ paper\)/);
    expect(lines[2]).toBe(
      '| 3-layer FCNN | 2/2 | 150 | narrow | MNIST | 7 / 6 | 97.12% / 92.20% | 20 (measured, median of 10) / 31 | Test CPU x 2, engine threads 2, kernels avx2; load 1.50 |',
    );
    expect(lines[3]).toContain('| 9 / 8 | 97.76% / 97.10% | ~');
    expect(lines[3]).toContain('(predicted) / 300 |');
    expect(lines[4]).toContain('| LeNet | 2/2 | 190 | wide | MNIST | 10 (no parameter set) / 8 | 99.00% / 97.60% | not yet (no parameter set) / 2780 | — |');
    expect(md).toContain('Measured latencies: fixture.json (2026-01-02T03:04:05.000Z).');
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
