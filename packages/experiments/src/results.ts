// The sweep's result files (docs/experiments.md): one JSON per finished point (points/<key>.json,
// what makes the sweep resumable), and the whole sweep as sweep.json + sweep.csv. Versioned and
// validated on read, like every file between stages.

import { readFileSync } from 'node:fs';
import type { SweepPoint, SweepSettings } from './grid.js';

export const POINT_FORMAT = 'fhenet-sweep-point';
export const SWEEP_FORMAT = 'fhenet-sweep';
export const SWEEP_FORMAT_VERSION = 1;

export interface LayerBits {
  readonly name: string;
  readonly activeSynapses: number;
  /** Bits of the accumulator sized on calibration data (the paper's sizing). */
  readonly calibrationBits: number | null;
  /** Bits of the exact worst case over every input. */
  readonly worstCaseBits: number;
}

/** Predicted encrypted latency: PBS count x seconds per PBS of the chosen parameters (latency.ts). */
export interface PredictedLatency {
  readonly seconds: number;
  readonly secondsPerPbs: number;
  readonly parameterSet: string;
  /** Which measurement calibrated the cost model. */
  readonly calibratedOn: string;
}

export interface PointResult {
  readonly format: typeof POINT_FORMAT;
  readonly version: typeof SWEEP_FORMAT_VERSION;
  readonly point: SweepPoint;
  readonly settings: SweepSettings;
  /** Largest active synapses per neuron over the layers, after training. */
  readonly maxActiveSynapses: number;
  /** Circuit bit-width: widest calibration-sized accumulator (the paper's "circuit bit-width"). */
  readonly circuitBits: number;
  /** Widest exact worst-case accumulator. */
  readonly worstCaseBits: number;
  readonly layers: readonly LayerBits[];
  /** Accuracy of the fake-quantized tfjs model on the full test set. */
  readonly fakeQuantAccuracy: number;
  /** Accuracy of the compiled integer circuit (clear simulation) on simulatedImages test images. */
  readonly simulatedAccuracy: number;
  readonly simulatedImages: number;
  readonly pbsCount: number;
  /** Null when no parameter set exists for the circuit (more than 8 bits needs CRT, unsupported). */
  readonly predictedLatency: PredictedLatency | null;
  readonly latencyNote?: string;
  readonly trainSeconds: number;
  readonly date: string;
  readonly loadAverage: readonly number[];
}

export interface SweepResults {
  readonly format: typeof SWEEP_FORMAT;
  readonly version: typeof SWEEP_FORMAT_VERSION;
  readonly date: string;
  readonly command: string;
  readonly points: readonly PointResult[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Validates a parsed point file; `where` names the file in every error. */
export function validatePoint(v: unknown, where: string): PointResult {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`${where}: field ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (typeof v !== 'object' || v === null) fail('(root)', 'an object', v);
  const o = v as Record<string, unknown>;
  if (o.format !== POINT_FORMAT) fail('format', `"${POINT_FORMAT}"`, o.format);
  if (o.version !== SWEEP_FORMAT_VERSION) fail('version', String(SWEEP_FORMAT_VERSION), o.version);
  const p = o.point as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null || typeof p.key !== 'string') fail('point.key', 'a string', p?.key);
  for (const f of ['circuitBits', 'worstCaseBits', 'maxActiveSynapses', 'pbsCount', 'simulatedImages'] as const) {
    if (!Number.isInteger(o[f]) || (o[f] as number) < 0) fail(f, 'an integer >= 0', o[f]);
  }
  if (!isNum(o.trainSeconds)) fail('trainSeconds', 'a number', o.trainSeconds);
  for (const f of ['fakeQuantAccuracy', 'simulatedAccuracy'] as const) {
    if (!isNum(o[f]) || (o[f] as number) < 0 || (o[f] as number) > 1) fail(f, 'a fraction in [0, 1]', o[f]);
  }
  if (!Array.isArray(o.layers) || o.layers.length === 0) fail('layers', 'a non-empty array', o.layers);
  const lat = o.predictedLatency as Record<string, unknown> | null;
  if (lat !== null && (typeof lat !== 'object' || !isNum(lat.seconds) || !isNum(lat.secondsPerPbs))) {
    fail('predictedLatency', 'null or {seconds, secondsPerPbs, ...}', lat);
  }
  return v as PointResult;
}

export function readPoint(path: string): PointResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not a readable JSON file (${(e as Error).message})`);
  }
  return validatePoint(parsed, path);
}

export function readSweep(path: string): SweepResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not a readable JSON file (${(e as Error).message})`);
  }
  const o = parsed as Record<string, unknown>;
  if (o?.format !== SWEEP_FORMAT) throw new Error(`${path}: field format: expected "${SWEEP_FORMAT}", got ${JSON.stringify(o?.format)}`);
  if (o.version !== SWEEP_FORMAT_VERSION) throw new Error(`${path}: field version: expected ${SWEEP_FORMAT_VERSION}, got ${JSON.stringify(o.version)}`);
  if (!Array.isArray(o.points)) throw new Error(`${path}: field points: expected an array`);
  o.points.forEach((p, i) => {
    validatePoint(p, `${path}: points[${i}]`);
  });
  return parsed as SweepResults;
}

export const CSV_COLUMNS = [
  'key',
  'model',
  'dataset',
  'range',
  'weight_bits',
  'act_bits',
  'active',
  'max_active_synapses',
  'circuit_bits',
  'worst_case_bits',
  'fake_quant_accuracy',
  'simulated_accuracy',
  'simulated_images',
  'pbs_count',
  'predicted_latency_s',
  'parameter_set',
  'epochs',
  'train_seconds',
  'load_1min',
] as const;

/** One row per point, columns CSV_COLUMNS; empty cells where a value does not exist. */
export function toCsv(points: readonly PointResult[]): string {
  const rows = points.map((r) =>
    [
      r.point.key,
      r.point.model,
      r.point.dataset,
      r.point.range,
      r.point.weightBits,
      r.point.actBits,
      r.point.active,
      r.maxActiveSynapses,
      r.circuitBits,
      r.worstCaseBits,
      r.fakeQuantAccuracy.toFixed(4),
      r.simulatedAccuracy.toFixed(4),
      r.simulatedImages,
      r.pbsCount,
      r.predictedLatency ? r.predictedLatency.seconds.toFixed(1) : '',
      r.predictedLatency?.parameterSet ?? '',
      r.settings.epochs,
      r.trainSeconds.toFixed(1),
      r.loadAverage[0]?.toFixed(2) ?? '',
    ]
      .map(String)
      .join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
