// The training loop: seeded, custom (faster than fit, and free to use customGrad), data kept in
// typed arrays and uploaded one batch at a time, Adam with a cosine learning-rate schedule,
// gradual pruning to a synapse or accumulator budget, per-epoch progress and checkpoints.

import type * as tf from '@tensorflow/tfjs';
import { sampleShape, type ImageDataset } from '@fhenet/datasets';
import { maxActiveSynapses, quantRange, quantSpec } from '@fhenet/quantization';
import { QuantLinear } from '../layers/quant-linear.js';
import { FusedAdam } from './adam.js';
import { trainBatches } from './batches.js';
import { hasTrainingState, loadTrainingState, saveTrainingCheckpoint } from './resume.js';
import { TrainStep } from './step.js';
import { evaluate } from './evaluate.js';
import { reestimateStatistics } from './statistics.js';
import { cubicActiveSynapses, maxActivePerNeuron, topKMask } from './pruning.js';
import { inputIntRange, linearInputs } from './structure.js';
import type { EpochReport } from './epoch-report.js';

/** Prune to k active synapses per neuron, or to the largest k whose worst-case accumulator fits. */
export type PruningTarget = { readonly activeSynapses: number } | { readonly accumulatorBits: number };

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** 'cosine' (default) decays to 0 over the run; 'constant' keeps it. */
  readonly lrSchedule?: 'cosine' | 'constant';
  readonly seed: number;
  readonly pruning?: PruningTarget;
  /** Fraction of the run over which pruning ramps up (cubic); default 0.5. */
  readonly pruneRampFraction?: number;
  /** Recompute masks every this many steps during the ramp; default 50. */
  readonly pruneEvery?: number;
  /**
   * Accumulator-aware layers (A2Q, built with `a2q`): fraction of the run over which their L1
   * budget ramps down (cubic, like pruning) from the largest L1 norm the weights can have to the
   * final budget, which holds from then on. Default: pruneRampFraction. 0: the final budget from
   * the first step (the paper's A2Q; with 2-bit weights and a tight budget every integer weight
   * truncates to 0 at the start).
   */
  readonly a2qRampFraction?: number;
  readonly onEpoch?: (report: EpochReport) => void;
  /** Called during an epoch at most every `progressSeconds` (default 10) with speed and ETA. */
  readonly onProgress?: (progress: TrainProgress) => void;
  readonly progressSeconds?: number;
  /**
   * Save a checkpoint here after every epoch: the tfjs model (loadCheckpoint), the optimizer state
   * and the training state (resume.ts).
   */
  readonly checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir if it holds one (same settings required). */
  readonly resume?: boolean;
  /**
   * After the last epoch, re-estimate the batch-norm statistics and activation ranges from this
   * many training batches with the final weights (statistics.ts); the checkpoint and the result
   * then hold them. Default 0 (the statistics as trained).
   */
  readonly statisticsBatches?: number;
}

export interface TrainProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** Steps done in this epoch, of stepsPerEpoch. */
  readonly step: number;
  readonly stepsPerEpoch: number;
  readonly samplesPerSecond: number;
  /** Estimated seconds to the end of this epoch and of the run (training steps only). */
  readonly epochEtaSeconds: number;
  readonly etaSeconds: number;
}

function progressOf(
  epoch: number,
  epochs: number,
  inEpoch: number,
  stepsPerEpoch: number,
  stepsThisRun: number,
  stepsLeft: number,
  samples: number,
  epochSeconds: number,
  runSeconds: number,
): TrainProgress {
  const perStep = runSeconds / stepsThisRun;
  return {
    epoch,
    epochs,
    step: inEpoch,
    stepsPerEpoch,
    samplesPerSecond: samples / epochSeconds,
    epochEtaSeconds: (epochSeconds / inEpoch) * (stepsPerEpoch - inEpoch),
    etaSeconds: perStep * stepsLeft,
  };
}

export interface TrainResult {
  readonly history: EpochReport[];
  /** Fake-quantized test accuracy of the final model (after statistics re-estimation, if any). */
  readonly testAccuracy: number;
  /** With statisticsBatches: the batches used, and the last epoch's test accuracy before them. */
  readonly statistics?: { readonly batches: number; readonly testAccuracyBefore: number };
  /** Final per-layer active-synapse target. */
  readonly pruneTargets: Record<string, number>;
  readonly secondsPerEpoch: number;
  readonly samplesPerSecond: number;
}

/** Per-layer k from the pruning target (capped at the layer's fan-in). */
export function pruneTargets(model: tf.LayersModel, target: PruningTarget | undefined): Map<QuantLinear, number> {
  const out = new Map<QuantLinear, number>();
  for (const li of linearInputs(model)) {
    const fanIn = li.layer.fanIn;
    if (target === undefined) {
      out.set(li.layer, fanIn);
    } else if ('activeSynapses' in target) {
      if (!Number.isInteger(target.activeSynapses) || target.activeSynapses < 1) {
        throw new RangeError(`pruning.activeSynapses: expected a positive integer, got ${target.activeSynapses}`);
      }
      out.set(li.layer, Math.min(fanIn, target.activeSynapses));
    } else {
      const l = li.layer;
      const wRange = quantRange(quantSpec(l.weightBits, true, l.weightRange));
      const k = maxActiveSynapses(target.accumulatorBits, wRange, inputIntRange(li));
      if (k < 1) {
        throw new RangeError(
          `layer ${l.name}: an accumulator of ${target.accumulatorBits} bits cannot hold even one synapse with ${l.weightBits}-bit weights; raise the budget`,
        );
      }
      out.set(l, Math.min(fanIn, k));
    }
  }
  return out;
}

function applyPruning(targets: Map<QuantLinear, number>, step: number, rampEnd: number): void {
  for (const [layer, k] of targets) {
    const kNow = cubicActiveSynapses(step, layer.fanIn, k, 0, rampEnd);
    if (kNow >= layer.fanIn) continue;
    const w = layer.kernel!.read().dataSync() as Float32Array;
    const m = layer.mask!.read().dataSync() as Float32Array;
    layer.setMask(topKMask(w, m, layer.outChannels, kNow));
  }
}

/** The accumulator-aware layers, checked against the model's structure: their input span must be the one feeding them. */
function a2qLayers(model: tf.LayersModel): QuantLinear[] {
  const out: QuantLinear[] = [];
  for (const li of linearInputs(model)) {
    const a = li.layer.a2q;
    if (a === undefined) continue;
    const span = (li.quantizer.qmax - li.quantizer.qmin) * li.poolArea;
    if (a.inputSpan !== span) {
      throw new RangeError(
        `layer ${li.layer.name}: a2q.inputSpan ${a.inputSpan} is not the span of its inputs, ${span} (quantizer ${li.quantizer.name}, [${li.quantizer.qmin}, ${li.quantizer.qmax}], pool area ${li.poolArea})`,
      );
    }
    out.push(li.layer);
  }
  return out;
}

/** The L1 budget of an accumulator-aware layer at `step`: cubic from the largest L1 its integer weights can have down to l1Budget. */
export function a2qBudgetAt(layer: QuantLinear, step: number, rampEnd: number): number {
  const largest = layer.fanIn * Math.max(-layer.qmin, layer.qmax);
  return Math.max(layer.l1Budget, cubicActiveSynapses(step, largest, layer.l1Budget, 0, rampEnd));
}

function activeCounts(model: tf.LayersModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of model.layers) {
    if (l instanceof QuantLinear) out[l.name] = maxActivePerNeuron(l.mask!.read().dataSync(), l.outChannels);
  }
  return out;
}

/** Trains `model` in place. Deterministic for a given seed, data and backend. */
export async function train(model: tf.LayersModel, trainSet: ImageDataset, testSet: ImageDataset, opts: TrainOptions): Promise<TrainResult> {
  const { epochs, batchSize, learningRate, seed } = opts;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs: expected a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize: expected a positive integer, got ${batchSize}`);
  if (!(learningRate > 0)) throw new RangeError(`learningRate: expected > 0, got ${learningRate}`);
  const inShape = model.inputs[0]!.shape.slice(1);
  const dataShape = sampleShape(trainSet);
  if (inShape.join(',') !== dataShape.join(',')) {
    throw new RangeError(`model ${model.name} expects inputs [${inShape}] but dataset ${trainSet.name} has images [${dataShape}]`);
  }
  const numClasses = model.outputs[0]!.shape[1] as number;
  if (numClasses !== trainSet.numClasses)
    throw new RangeError(`model ${model.name} has ${numClasses} outputs but dataset ${trainSet.name} has ${trainSet.numClasses} classes`);

  const targets = pruneTargets(model, opts.pruning);
  const stepsPerEpoch = Math.ceil(trainSet.count / batchSize);
  const totalSteps = epochs * stepsPerEpoch;
  const rampEnd = Math.max(1, Math.round(totalSteps * (opts.pruneRampFraction ?? 0.5)));
  const a2q = a2qLayers(model);
  const a2qRampFraction = opts.a2qRampFraction ?? opts.pruneRampFraction ?? 0.5;
  if (!(a2qRampFraction >= 0 && a2qRampFraction <= 1)) throw new RangeError(`a2qRampFraction: expected a number in [0, 1], got ${a2qRampFraction}`);
  const a2qRampEnd = Math.round(totalSteps * a2qRampFraction);
  const a2qBudgets = new Map<QuantLinear, number>();
  /** Sets each A2Q layer's budget for `step` (one small write, only when it changes). */
  const applyA2q = (at: number) => {
    for (const l of a2q) {
      const b = a2qRampEnd === 0 ? l.l1Budget : a2qBudgetAt(l, at, a2qRampEnd);
      if (a2qBudgets.get(l) !== b) {
        l.setL1Budget(b);
        a2qBudgets.set(l, b);
      }
    }
  };
  const pruneEvery = opts.pruneEvery ?? 50;
  const statisticsBatches = opts.statisticsBatches ?? 0;
  if (!Number.isInteger(statisticsBatches) || statisticsBatches < 0)
    throw new RangeError(`statisticsBatches: expected an integer >= 0, got ${statisticsBatches}`);
  const optimizer = new FusedAdam(learningRate);
  const lrOf = (step: number) => (opts.lrSchedule === 'constant' ? learningRate : learningRate * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)));
  let history: EpochReport[] = [];
  let step = 0;
  let firstEpoch = 1;
  const settings = {
    model: model.name,
    epochs,
    batchSize,
    learningRate,
    lrSchedule: opts.lrSchedule ?? 'cosine',
    seed,
    pruning: opts.pruning ?? null,
    pruneRampFraction: opts.pruneRampFraction ?? 0.5,
    pruneEvery,
    trainImages: trainSet.count,
    // Only with A2Q layers, so checkpoints of runs without them still match.
    ...(a2q.length > 0 ? { a2q: Object.fromEntries(a2q.map((l) => [l.name, l.a2q!.accumulatorBits])), a2qRampFraction } : {}),
  };
  if (opts.resume === true) {
    if (opts.checkpointDir === undefined) throw new RangeError('resume: needs checkpointDir (the folder to resume from)');
    if (hasTrainingState(opts.checkpointDir)) {
      const st = await loadTrainingState(opts.checkpointDir, model, optimizer, settings);
      ({ step, history } = st);
      history = [...history];
      firstEpoch = st.epoch + 1;
    }
  }
  const stepper = new TrainStep(model, optimizer);
  let statistics: TrainResult['statistics'];
  let testAccuracy = Number.NaN; // the last epoch's, or after statistics re-estimation
  const progressEvery = (opts.progressSeconds ?? 10) * 1000;
  const t00 = performance.now();
  try {
    for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      let lastReport = t0;
      let inEpoch = 0;
      for (const b of trainBatches(trainSet, batchSize, seed * 1000 + epoch)) {
        if (targets.size > 0 && step <= rampEnd && step % pruneEvery === 0) applyPruning(targets, step, rampEnd);
        if (step === rampEnd) applyPruning(targets, step, rampEnd);
        if (a2q.length > 0 && (step <= a2qRampEnd || a2qBudgets.size === 0)) applyA2q(step);
        optimizer.setLearningRate(lrOf(step));
        stepper.run(b);
        step++;
        inEpoch++;
        const now = performance.now();
        if (opts.onProgress !== undefined && now - lastReport >= progressEvery && inEpoch < stepsPerEpoch) {
          lastReport = now;
          opts.onProgress(
            progressOf(
              epoch,
              epochs,
              inEpoch,
              stepsPerEpoch,
              step - (firstEpoch - 1) * stepsPerEpoch,
              totalSteps - step,
              Math.min(inEpoch * batchSize, trainSet.count),
              (now - t0) / 1000,
              (now - t00) / 1000,
            ),
          );
        }
      }
      const { loss, accuracy: trainAccuracy, samples: seen } = stepper.takeTotals();
      const seconds = (performance.now() - t0) / 1000;
      if (!Number.isFinite(loss)) throw new Error(`epoch ${epoch}: loss is ${loss}; lower the learning rate (now ${learningRate})`);
      const testAccuracy = evaluate(model, testSet);
      const report: EpochReport = {
        epoch,
        epochs,
        loss,
        trainAccuracy,
        testAccuracy,
        learningRate: lrOf(step - 1),
        seconds,
        samplesPerSecond: seen / seconds,
        etaSeconds: ((performance.now() - t00) / 1000 / (epoch - firstEpoch + 1)) * (epochs - epoch),
        activeSynapses: activeCounts(model),
      };
      history.push(report);
      // Checkpoint first: whatever onEpoch does (exports, prints) cannot lose the epoch.
      if (opts.checkpointDir !== undefined) await saveTrainingCheckpoint(opts.checkpointDir, model, optimizer, { epoch, step, settings, history });
      opts.onEpoch?.(report);
    }
    const last = history[history.length - 1];
    if (last === undefined) throw new Error('train: no epoch ran');
    testAccuracy = last.testAccuracy;
    if (statisticsBatches > 0) {
      // A fresh, seeded order; a run resumed after its last epoch recomputes the same statistics.
      const batches = reestimateStatistics(model, trainBatches(trainSet, batchSize, seed * 1000 + epochs + 1), statisticsBatches);
      statistics = { batches, testAccuracyBefore: testAccuracy };
      testAccuracy = evaluate(model, testSet);
      if (opts.checkpointDir !== undefined) await saveTrainingCheckpoint(opts.checkpointDir, model, optimizer, { epoch: epochs, step, settings, history });
    }
  } finally {
    stepper.dispose();
    optimizer.dispose();
  }
  const secondsPerEpoch = history.reduce((a, h) => a + h.seconds, 0) / history.length;
  return {
    history,
    testAccuracy,
    ...(statistics ? { statistics } : {}),
    pruneTargets: Object.fromEntries([...targets].map(([l, k]) => [l.name, k])),
    secondsPerEpoch,
    samplesPerSecond: history.reduce((a, h) => a + h.samplesPerSecond, 0) / history.length,
  };
}
