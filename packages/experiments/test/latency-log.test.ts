// The latency log: appended records round-trip, bad files are refused naming file and field, and
// the report takes a logged measurement as the model's measured latency.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendLatencyRecord, latencyLogMeasurements, readLatencyLog, table1Rows, type LatencyRecord, type ModelFacts } from '@fhenet/experiments';

const dir = mkdtempSync(join(tmpdir(), 'fhenet-latency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (median: number, exact = 3): LatencyRecord => ({
  model: 'mnist-fcnn-wide-90',
  circuit: 'c.json',
  bits: 9,
  pbsCount: 1536,
  roundBits: 4,
  parameterSet: null,
  medianSeconds: median,
  images: 3,
  exactImages: exact,
  hardware: 'CPU x 2',
  date: '2026-01-01T00:00:00Z',
  loadAverage: [1.5, 2],
  command: 'fhenet bench',
});

describe('latency log', () => {
  it('appends records and reads them back; the newest exact measurement wins in the report', () => {
    const path = join(dir, 'log.json');
    appendLatencyRecord(path, record(40));
    appendLatencyRecord(path, record(20));
    appendLatencyRecord(path, record(10, 2)); // not exact: never quoted
    const log = readLatencyLog(path);
    expect(log.records.map((r) => r.medianSeconds)).toEqual([40, 20, 10]);
    const m = latencyLogMeasurements(log, 'log.json');
    expect(m.map((x) => x.exact)).toEqual([true, true, false]);
    const facts: ModelFacts = {
      name: 'mnist-fcnn-wide-90',
      network: '3-layer FCNN',
      dataset: 'mnist',
      weightBits: 2,
      actBits: 2,
      range: 'wide',
      active: 90,
      perChannel: true,
      accuracy: 0.97,
      testImages: 10000,
      epochs: 20,
      circuit: { bits: 9, pbsCount: 1536, source: 'c', parameters: null, roundBits: 4 },
    };
    expect(table1Rows([facts], m, null)[0]!.measured).toMatchObject({ medianSeconds: 20, loadAverage: '1.50', source: 'log.json' });
  });
  it('refuses files that are not latency logs, naming the field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'fhenet-encrypted-latency', version: 1, records: [{ ...record(1), exactImages: 4 }] }));
    expect(() => readLatencyLog(bad)).toThrow(/bad\.json: field records\[0\]\.exactImages: expected <= images \(3\), got 4/);
    writeFileSync(bad, '{"format":"x"}');
    expect(() => readLatencyLog(bad)).toThrow(/field format/);
  });
});
