// One sweep point end to end: train (quantization-aware, pruned), compile with calibration sizing
// as the paper, score the integer circuit by clear simulation, predict its encrypted latency.

import { loadavg } from 'node:os';
import { argmax, DEFAULT_NOISE_SEED, decodeOutputs, isApproximate, quantizeInputs, simulate } from '@fhenet/circuit';
import { compile } from '@fhenet/compiler';
import type { ImageDataset } from '@fhenet/datasets';
import { loadTrainedGraph } from '@fhenet/training/format';
import type { SweepPoint, SweepSettings } from './grid.js';
import { secondsPerPbs, type LatencyModel } from './latency.js';
import { POINT_FORMAT, SWEEP_FORMAT_VERSION, type PointResult } from './results.js';

export interface PointData {
  /** Training-split images that size the circuit (settings.calibrationCount of them). */
  readonly calibration: ImageDataset;
  /** Test images the simulated circuit is scored on. */
  readonly test: ImageDataset;
}

export interface PointOptions {
  readonly settings: SweepSettings;
  readonly data: PointData;
  readonly latency: LatencyModel | null;
  /** Folder for the point's trained graph (graph.json + graph.bin + README.md). */
  readonly graphDir?: string;
  readonly log?: (line: string) => void;
}

/** Fraction of `data` the compiled circuit classifies right (clear integer simulation). */
export function simulatedAccuracy(circuit: Parameters<typeof simulate>[0], data: ImageDataset): number {
  const q = quantizeInputs(circuit, data.images, data.count);
  // Approximately rounded stages with their bootstrap noise simulated (seeded): what encryption gives on average.
  const noise = circuit.stages.some(isApproximate) ? { noise: { seed: DEFAULT_NOISE_SEED } } : {};
  const classes = argmax(decodeOutputs(circuit, simulate(circuit, q, data.count, noise).outputs, data.count), data.count);
  let right = 0;
  for (let i = 0; i < data.count; i++) if (classes[i] === data.labels[i]) right++;
  return right / data.count;
}

export async function runPoint(point: SweepPoint, o: PointOptions): Promise<PointResult> {
  const log = o.log ?? (() => {});
  const s = o.settings;
  // Loaded here, not at the top: reading results or drawing plots must not load TensorFlow.js.
  const { runTraining } = await import('@fhenet/training');
  const started = Date.now();
  const r = await runTraining({
    model: point.model,
    dataset: point.dataset,
    weightBits: point.weightBits,
    actBits: point.actBits,
    range: point.range,
    ...(point.active === 'all' ? {} : { activeSynapses: point.active }),
    epochs: s.epochs,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    seed: s.seed,
    ...(s.trainLimit !== undefined ? { trainLimit: s.trainLimit } : {}),
    ...(o.graphDir !== undefined ? { out: o.graphDir } : {}),
    command: `fhenet sweep (point ${point.key})`,
    onEpoch: (e) => log(`  ${point.key}: epoch ${e.epoch}/${e.epochs} test ${(e.testAccuracy * 100).toFixed(2)}% ${e.seconds.toFixed(1)} s`),
  });
  const trainSeconds = (Date.now() - started) / 1000;
  if (r.graphPath === undefined) throw new Error(`sweep point ${point.key}: training wrote no graph (graphDir missing)`);
  const graph = loadTrainedGraph(r.graphPath);
  const { circuit, report } = compile(graph, {
    pError: s.pError,
    calibration: { raw: o.data.calibration.images, count: o.data.calibration.count },
    sizing: 'calibration',
  });
  const accuracy = simulatedAccuracy(circuit, o.data.test);
  let predictedLatency: PointResult['predictedLatency'] = null;
  let latencyNote: string | undefined;
  if ('error' in report.parameters) {
    latencyNote = `no parameter set: ${report.parameters.error}`;
  } else if (o.latency === null) {
    latencyNote = 'no measured inference to calibrate the cost model on';
  } else {
    const set = report.parameters.parameters.set;
    const perPbs = secondsPerPbs(o.latency, set);
    predictedLatency = { seconds: perPbs * report.pbsCount, secondsPerPbs: perPbs, parameterSet: set.name, calibratedOn: o.latency.calibratedOn };
  }
  const result: PointResult = {
    format: POINT_FORMAT,
    version: SWEEP_FORMAT_VERSION,
    point,
    settings: s,
    maxActiveSynapses: Math.max(...report.stages.map((x) => x.activeSynapses)),
    circuitBits: report.bits,
    worstCaseBits: Math.max(...report.stages.map((x) => x.worstCase.bits)),
    layers: report.stages.map((x) => ({
      name: x.name,
      activeSynapses: x.activeSynapses,
      calibrationBits: x.calibration?.bits ?? null,
      worstCaseBits: x.worstCase.bits,
    })),
    fakeQuantAccuracy: r.testAccuracy,
    simulatedAccuracy: accuracy,
    simulatedImages: o.data.test.count,
    pbsCount: report.pbsCount,
    predictedLatency,
    ...(latencyNote ? { latencyNote } : {}),
    trainSeconds,
    date: new Date().toISOString(),
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  };
  log(
    `${point.key}: ${result.circuitBits} bits (worst case ${result.worstCaseBits}), fake-quant ${(r.testAccuracy * 100).toFixed(2)}%, ` +
      `simulated ${(accuracy * 100).toFixed(2)}%, ${result.pbsCount} PBS, ` +
      `${predictedLatency ? `${predictedLatency.seconds.toFixed(1)} s predicted` : latencyNote}, ${trainSeconds.toFixed(0)} s`,
  );
  return result;
}
