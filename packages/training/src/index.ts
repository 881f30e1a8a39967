// @fhenet/training — public API. Each module re-exported here is documented in its own file.
export const PACKAGE_NAME = '@fhenet/training';
// The trained-graph format: types, reader, writer. Does not load TensorFlow.js.
export * from './format/index.js';
// Backend selection and the wasm gradient-kernel fixes (these load TensorFlow.js).
export { initBackend, currentBackend, type BackendOptions, type BackendInfo, type BackendName } from './backend/setup.js';
export { chooseThreads, THREADS_ENV, AUTO_THREADS_MACS, type ThreadChoice } from './backend/threads.js';
export { registerGradientFixes } from './backend/kernels.js';
export { fusedKernels, setFusedKernels, registerFusedKernels } from './backend/fused.js';
// Quantized layers (registered for tfjs serialization on import).
export { ActQuantizer, type ActQuantizerArgs, type ActScaleMode } from './layers/act-quantizer.js';
export {
  QuantLinear,
  QuantDense,
  QuantConv2D,
  type QuantLinearArgs,
  type QuantDenseArgs,
  type QuantConv2DArgs,
  type WeightScaleMode,
  type A2qConfig,
} from './layers/quant-linear.js';
export { a2qBudget, A2Q_MARGIN } from './layers/a2q.js';
export { lsqFakeQuant, fixedFakeQuant, lsqQuantize, fixedQuantize, type Rounding } from './layers/fake-quant.js';
export { BatchNorm, batchNorm, type BatchNormArgs } from './layers/batch-norm.js';
// Model zoo, training, pruning, evaluation, checkpoints.
export {
  buildModel,
  checkModelFits,
  modelMacs,
  scaledWidth,
  MODEL_NAMES,
  type ModelName,
  type ModelConfig,
  type QuantConfig,
  type A2qOptions,
} from './models/zoo.js';
export {
  train,
  pruneTargets,
  a2qBudgetAt,
  type TrainOptions,
  type TrainResult,
  type TrainProgress,
  type PruningTarget,
} from './train/trainer.js';
export type { EpochReport } from './train/epoch-report.js';
export { TrainStep, type StepTotals } from './train/step.js';
export { trainBatches, type TrainBatch } from './train/batches.js';
export { FusedAdam } from './train/adam.js';
export { cubicActiveSynapses, topKMask, maxActivePerNeuron } from './train/pruning.js';
export { linearInputs, inputIntRange, type LinearInput } from './train/structure.js';
export { evaluate } from './train/evaluate.js';
export { reestimateStatistics, statisticsLayers } from './train/statistics.js';
export { saveCheckpoint, loadCheckpoint } from './train/checkpoint.js';
// tfjs model <-> trained graph.
export { modelToGraph, type ExportMeta } from './export/to-graph.js';
export { graphToModel } from './export/from-graph.js';
// One end-to-end run (what `fhenet train` calls).
export { runTraining, runName, type RunOptions, type RunResult } from './run.js';
