// Measured encrypted latencies in a machine-readable, versioned file (docs/experiments.md):
// `fhenet bench --record FILE` and the inference benchmark (packages/client/bench/inference.ts)
// append one record per run; `fhenet report` and `fhenet sweep` read them, and the Markdown
// tables (README Table 1, BENCHMARKS.md) are rendered from them. Nothing reads Markdown back.
// One record = one circuit, N images, median seconds.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CostParams } from '@fhenet/params';

/** One measured encrypted inference as the report and the latency model read it. */
export interface MeasuredInference {
  /** Model folder name (or the circuit's name). */
  readonly model: string;
  readonly circuitBits: number;
  readonly pbsCount: number;
  /** Null where the results name no parameter set (then the row cannot calibrate the cost model). */
  readonly parameterSet: ({ readonly name: string } & CostParams) | null;
  /** Median seconds per encrypted image (compute only, or wall where `timing` says so). */
  readonly medianSeconds: number;
  readonly timing: 'compute' | 'wall';
  readonly images: number;
  /**
   * The run's check passed: decrypted outputs equal the clear simulation on every image, or, for an
   * approximately rounded circuit (checked statistically, not bit for bit), the run completed.
   */
  readonly exact: boolean;
  /** How the circuit's rounded stages round (records before approximate rounding: exact). */
  readonly rounding: 'exact' | 'approximate';
  readonly hardware: string;
  readonly date: string;
  readonly loadAverage: string;
  readonly source: string;
}

export const LATENCY_LOG_FORMAT = 'fhenet-encrypted-latency';
export const LATENCY_LOG_VERSION = 1;

export interface LatencyRecord {
  /** The circuit's name (its model's name for compiled published models). */
  readonly model: string;
  /** Circuit file as given on the command line. */
  readonly circuit: string;
  readonly bits: number;
  readonly pbsCount: number;
  /** Widest rounding of a stage (0 = none). */
  readonly roundBits: number;
  readonly parameterSet: ({ readonly name: string } & CostParams) | null;
  /** Median seconds per image of encrypted execution (encryption and decryption excluded). */
  readonly medianSeconds: number;
  readonly images: number;
  /** Images whose every decrypted integer equalled the clear simulation. */
  readonly exactImages: number;
  /** How the rounded stages round; absent in older records (exact). */
  readonly rounding?: 'exact' | 'approximate';
  /** Images whose encrypted class equalled the simulated one (the exactly rounded circuit's, for an approximate circuit). */
  readonly agreeingImages?: number;
  /** Images classified as their label. */
  readonly correctImages?: number;
  /** Approximate circuits: the class agreement the noise model predicts for these images (simulated, seeded). */
  readonly predictedAgreement?: number;
  readonly hardware: string;
  readonly date: string;
  /** 1-minute load average at start and end. */
  readonly loadAverage: readonly [number, number];
  readonly command: string;
}

export interface LatencyLog {
  readonly format: typeof LATENCY_LOG_FORMAT;
  readonly version: typeof LATENCY_LOG_VERSION;
  readonly records: readonly LatencyRecord[];
}

export function readLatencyLog(path: string): LatencyLog {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: not a readable JSON file (${(e as Error).message})`);
  }
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`${path}: field ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (o?.format !== LATENCY_LOG_FORMAT) fail('format', `"${LATENCY_LOG_FORMAT}"`, o?.format);
  if (o.version !== LATENCY_LOG_VERSION) fail('version', String(LATENCY_LOG_VERSION), o.version);
  if (!Array.isArray(o.records)) fail('records', 'an array', o.records);
  (o.records as Record<string, unknown>[]).forEach((r, i) => {
    if (typeof r?.model !== 'string') fail(`records[${i}].model`, 'a string', r?.model);
    for (const f of ['bits', 'pbsCount', 'roundBits', 'images', 'exactImages']) {
      if (!Number.isInteger(r[f]) || (r[f] as number) < 0) fail(`records[${i}].${f}`, 'an integer >= 0', r[f]);
    }
    if (!(typeof r.medianSeconds === 'number' && r.medianSeconds > 0)) fail(`records[${i}].medianSeconds`, 'seconds > 0', r.medianSeconds);
    if ((r.exactImages as number) > (r.images as number)) fail(`records[${i}].exactImages`, `<= images (${String(r.images)})`, r.exactImages);
    if (r.rounding !== undefined && r.rounding !== 'exact' && r.rounding !== 'approximate')
      fail(`records[${i}].rounding`, '"exact" or "approximate"', r.rounding);
    for (const f of ['agreeingImages', 'correctImages']) {
      if (r[f] !== undefined && !(Number.isInteger(r[f]) && (r[f] as number) >= 0 && (r[f] as number) <= (r.images as number)))
        fail(`records[${i}].${f}`, `an integer in [0, images = ${String(r.images)}]`, r[f]);
    }
    if (r.predictedAgreement !== undefined && !(typeof r.predictedAgreement === 'number' && r.predictedAgreement >= 0 && r.predictedAgreement <= 1))
      fail(`records[${i}].predictedAgreement`, 'a probability in [0, 1]', r.predictedAgreement);
  });
  return o as unknown as LatencyLog;
}

/** Appends a record (creating the file), written whole through a temporary file. */
export function appendLatencyRecord(path: string, record: LatencyRecord): void {
  const log: LatencyLog = existsSync(path) ? readLatencyLog(path) : { format: LATENCY_LOG_FORMAT, version: LATENCY_LOG_VERSION, records: [] };
  const next: LatencyLog = { ...log, records: [...log.records, record] };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(next, null, 1)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Records as measurements for the report (in file order: later records are newer). */
export function latencyLogMeasurements(log: LatencyLog, source: string): MeasuredInference[] {
  return log.records.map((r) => ({
    model: r.model,
    circuitBits: r.bits,
    pbsCount: r.pbsCount,
    parameterSet: r.parameterSet,
    medianSeconds: r.medianSeconds,
    timing: 'compute' as const,
    images: r.images,
    exact: r.rounding === 'approximate' || r.exactImages === r.images,
    rounding: r.rounding ?? 'exact',
    hardware: r.hardware,
    date: r.date,
    loadAverage: r.loadAverage[0].toFixed(2),
    source,
  }));
}
