// One training run end to end, as the CLI and the scripts use it: load data, build a zoo model,
// train with pruning, export the trained graph (+ a README model card), report timings.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, type DatasetName } from '@fhenet/datasets';
import { initBackend, type BackendName } from './backend/setup.js';
import { modelToGraph } from './export/to-graph.js';
import { graphAccumulators, type LayerAccumulator } from './format/accumulators.js';
import { saveTrainedGraph } from './format/files.js';
import { buildModel, modelMacs, type ModelName } from './models/zoo.js';
import { pruneTargets, train, type EpochReport, type PruningTarget, type TrainProgress } from './train/trainer.js';
import type { RangeMode } from './layers/common.js';

export interface RunOptions {
  readonly model: ModelName;
  readonly dataset: DatasetName;
  readonly weightBits: number;
  readonly actBits: number;
  readonly inputBits?: number;
  readonly range: RangeMode;
  readonly perChannel?: boolean;
  /** Width multiplier of the zoo model's conv and hidden dense layers (default 1; zoo.ts). */
  readonly width?: number;
  /** Active synapses per neuron, or an accumulator bit budget; neither = no pruning. */
  readonly activeSynapses?: number;
  readonly accumulatorBits?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /** Limit the training set (quick runs). */
  readonly trainLimit?: number;
  /** Output folder for graph.json/graph.bin/README.md; omitted = no export. */
  readonly out?: string;
  readonly checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir, if any (same settings). */
  readonly resume?: boolean;
  readonly backend?: BackendName;
  /** wasm threads, or 'auto' (default; see initBackend). */
  readonly threads?: number | 'auto';
  /** The command line to record in the model card. */
  readonly command?: string;
  readonly onEpoch?: (r: EpochReport) => void;
  /** In-epoch speed and ETA, at most every progressSeconds (default 10). */
  readonly onProgress?: (p: TrainProgress) => void;
  readonly progressSeconds?: number;
  readonly log?: (line: string) => void;
}

export interface RunResult {
  readonly name: string;
  readonly testAccuracy: number;
  readonly history: EpochReport[];
  readonly secondsPerEpoch: number;
  readonly samplesPerSecond: number;
  readonly accumulators: LayerAccumulator[];
  readonly backend: string;
  readonly graphPath?: string;
}

export function runName(o: Pick<RunOptions, 'dataset' | 'model' | 'range' | 'activeSynapses' | 'accumulatorBits' | 'width'>): string {
  const prune = o.activeSynapses !== undefined ? `${o.activeSynapses}` : o.accumulatorBits !== undefined ? `acc${o.accumulatorBits}` : 'all';
  const width = o.width === undefined || o.width === 1 ? '' : `-w${o.width}`;
  return `${o.dataset}-${o.model}${width}-${o.range}-${prune}`;
}

export async function runTraining(o: RunOptions): Promise<RunResult> {
  const log = o.log ?? (() => {});
  if (o.activeSynapses !== undefined && o.accumulatorBits !== undefined) {
    throw new RangeError('give either activeSynapses or accumulatorBits, not both');
  }
  const trainSet = loadDataset(o.dataset, { split: 'train', ...(o.trainLimit ? { limit: o.trainLimit } : {}) });
  const testSet = loadDataset(o.dataset, { split: 'test' });
  const workMacs = modelMacs({ model: o.model, inputShape: [trainSet.height, trainSet.width, trainSet.channels], numClasses: trainSet.numClasses, ...(o.width !== undefined ? { width: o.width } : {}) });
  const backend = await initBackend({ ...(o.backend ? { backend: o.backend } : {}), threads: o.threads ?? 'auto', workMacs });
  log(`backend: ${backend.backend} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}; ${backend.threadsReason})`);
  const name = runName(o);
  const model = buildModel({
    model: o.model,
    inputShape: [trainSet.height, trainSet.width, trainSet.channels],
    numClasses: trainSet.numClasses,
    seed: o.seed,
    weightBits: o.weightBits,
    actBits: o.actBits,
    ...(o.inputBits !== undefined ? { inputBits: o.inputBits } : {}),
    range: o.range,
    perChannel: o.perChannel ?? false,
    ...(o.width !== undefined ? { width: o.width } : {}),
  });
  const pruning: PruningTarget | undefined =
    o.activeSynapses !== undefined ? { activeSynapses: o.activeSynapses } : o.accumulatorBits !== undefined ? { accumulatorBits: o.accumulatorBits } : undefined;
  log(`${name}: ${trainSet.count} training images, ${testSet.count} test images, ${model.countParams()} parameters`);
  // With `out`, the graph and card are exported after every epoch too (marked partial), so a run
  // cut off by a deadline still leaves the last finished epoch's model.
  const pruneTargetsOf = (m: typeof model) => Object.fromEntries([...pruneTargets(m, pruning)].map(([l, k]) => [l.name, k]));
  const exportEpoch = (e: EpochReport) => {
    if (o.out === undefined || e.epoch === e.epochs) return; // the final export follows at once
    const partial = { epochs: e.epoch, secondsPerEpoch: e.seconds, samplesPerSecond: e.samplesPerSecond };
    const t = trainingRecord(e.testAccuracy, pruneTargetsOf(model), partial, `partial: epoch ${e.epoch} of ${o.epochs}`);
    const g = modelToGraph(model, { name, inputDivisor: 255, training: t });
    saveTrainedGraph(o.out, g);
    writeFileSync(join(o.out, 'README.md'), modelCard(name, t, graphAccumulators(g)));
    log(`epoch ${e.epoch}: exported ${o.out} (partial run)`);
  };
  const trainingRecord = (
    testAccuracy: number,
    targets: Record<string, number>,
    speed: { epochs: number; secondsPerEpoch: number; samplesPerSecond: number },
    status: string | null,
  ) => ({
    model: o.model,
    dataset: o.dataset,
    width: o.width ?? 1,
    weightBits: o.weightBits,
    actBits: o.actBits,
    inputBits: o.inputBits ?? o.actBits,
    range: o.range,
    perChannel: o.perChannel ?? false,
    pruning: pruning ?? null,
    pruneTargets: targets,
    epochs: speed.epochs,
    plannedEpochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    trainImages: trainSet.count,
    testAccuracy,
    testImages: testSet.count,
    secondsPerEpoch: speed.secondsPerEpoch,
    samplesPerSecond: speed.samplesPerSecond,
    backend: backend.backend,
    command: o.command ?? null,
    status,
    date: new Date().toISOString(),
  });
  try {
    const r = await train(model, trainSet, testSet, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      seed: o.seed,
      ...(pruning ? { pruning } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.progressSeconds !== undefined ? { progressSeconds: o.progressSeconds } : {}),
      onEpoch: (e) => {
        o.onEpoch?.(e);
        exportEpoch(e);
      },
      ...(o.checkpointDir ? { checkpointDir: o.checkpointDir } : {}),
      ...(o.resume ? { resume: true } : {}),
    });
    const training = trainingRecord(r.testAccuracy, r.pruneTargets, { epochs: o.epochs, secondsPerEpoch: r.secondsPerEpoch, samplesPerSecond: r.samplesPerSecond }, null);
    const graph = modelToGraph(model, { name, inputDivisor: 255, training });
    const accumulators = graphAccumulators(graph);
    let graphPath: string | undefined;
    if (o.out !== undefined) {
      graphPath = saveTrainedGraph(o.out, graph);
      writeFileSync(join(o.out, 'README.md'), modelCard(name, training, accumulators));
      log(`wrote ${graphPath}`);
    }
    return {
      name,
      testAccuracy: r.testAccuracy,
      history: r.history,
      secondsPerEpoch: r.secondsPerEpoch,
      samplesPerSecond: r.samplesPerSecond,
      accumulators,
      backend: backend.backend,
      ...(graphPath ? { graphPath } : {}),
    };
  } finally {
    model.dispose();
  }
}

function modelCard(name: string, t: Record<string, unknown>, accs: LayerAccumulator[]): string {
  const pct = ((t.testAccuracy as number) * 100).toFixed(2);
  return `# ${name}

Trained by \`@fhenet/training\` on ${String(t.date)}.

- Command: \`${String(t.command ?? '(library call)')}\`
${t.status ? `- **Status: ${String(t.status)}** (exported after the last finished epoch)\n` : ''}- Model: ${String(t.model)}${t.width !== undefined && t.width !== 1 ? ` (width x${String(t.width)})` : ''} on ${String(t.dataset)}; ${String(t.weightBits)}-bit weights, ${String(t.actBits)}-bit activations, ${String(t.inputBits)}-bit input, ${String(t.range)} range
- Pruning: ${JSON.stringify(t.pruning)} → active synapses per layer ${JSON.stringify(t.pruneTargets)}
- Training: ${String(t.epochs)} epochs${t.plannedEpochs !== t.epochs ? ` of ${String(t.plannedEpochs)} planned` : ''}, batch ${String(t.batchSize)}, Adam lr ${String(t.learningRate)} (cosine), seed ${String(t.seed)}, ${String(t.trainImages)} images, backend ${String(t.backend)}
- **Test accuracy (fake-quantized, ${String(t.testImages)} test images): ${pct}%**
- Speed: ${(t.secondsPerEpoch as number).toFixed(1)} s/epoch, ${Math.round(t.samplesPerSecond as number)} samples/s (training step incl. pruning, excl. evaluation)

Worst-case accumulators (exact, from the integer weights and input ranges):

| layer | max active synapses | input range | accumulator range | bits |
|---|---|---|---|---|
${accs.map((a) => `| ${a.name} | ${a.maxActiveSynapses} | [${a.inputRange.min}, ${a.inputRange.max}] | [${a.range.min}, ${a.range.max}] | ${a.bits} |`).join('\n')}

Files: \`graph.json\` + \`graph.bin\` (format: docs/trained-graph-format.md).
`;
}
