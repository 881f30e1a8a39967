// One training run end to end, as the CLI and the scripts use it: load data, build a zoo model,
// train with pruning, export the trained graph (+ a README model card), report timings.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadData, type DataDescription, type DatasetName, type DataSource, type TestSource } from '@fhenet/datasets';
import { initBackend, type BackendName } from './backend/setup.js';
import { modelToGraph } from './export/to-graph.js';
import { graphAccumulators, type LayerAccumulator } from './format/accumulators.js';
import { saveTrainedGraph } from './format/files.js';
import { buildModel, modelMacs, type A2qOptions, type ModelName } from './models/zoo.js';
import type { EpochReport } from './train/epoch-report.js';
import { pruneTargets, train, type PruningTarget, type TrainProgress } from './train/trainer.js';
import type { RangeMode } from './layers/common.js';

export interface RunOptions {
  readonly model: ModelName;
  /** A built-in data set (default mnist), unless `data` names the user's files. */
  readonly dataset?: DatasetName;
  /** The user's data (docs/datasets.md, "Your own data"); recorded with the graph (format v2 `data`). */
  readonly data?: DataSource;
  /** Test samples: default the source's own test part, else a seeded 20% split (loadData). */
  readonly test?: TestSource;
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
  /** Accumulator-aware weights (A2Q) on every dense/conv layer (zoo.ts `A2qOptions`); combines with pruning. */
  readonly a2q?: A2qOptions;
  /** Fraction of the run over which the A2Q budget ramps down (trainer.ts; default the pruning ramp's, 0.5). */
  readonly a2qRampFraction?: number;
  /** Requantize after every average pool (zoo.ts `poolQuantizer`). */
  readonly poolQuantizer?: boolean;
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
  /** Re-estimate batch-norm statistics and activation ranges from this many training batches after the last epoch (trainer.ts; default 0). */
  readonly statisticsBatches?: number;
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

/**
 * `<data>-<model>[-w<width>][-pq]-<range>-<pruning>[-a2q<P>]` (`-pq`: requantized pools); `<data>` is
 * the data set name or the data file's name.
 */
export function runName(
  o: Pick<RunOptions, 'model' | 'range' | 'activeSynapses' | 'accumulatorBits' | 'width' | 'a2q' | 'poolQuantizer'> & { readonly dataset: string },
): string {
  const prune = o.activeSynapses !== undefined ? `${o.activeSynapses}` : o.accumulatorBits !== undefined ? `acc${o.accumulatorBits}` : 'all';
  const width = o.width === undefined || o.width === 1 ? '' : `-w${o.width}`;
  const a2q = o.a2q === undefined ? '' : `-a2q${o.a2q.accumulatorBits}`;
  return `${o.dataset}-${o.model}${width}${o.poolQuantizer ? '-pq' : ''}-${o.range}-${prune}${a2q}`;
}

export async function runTraining(o: RunOptions): Promise<RunResult> {
  const log = o.log ?? (() => {});
  if (o.activeSynapses !== undefined && o.accumulatorBits !== undefined) {
    throw new RangeError('give either activeSynapses or accumulatorBits, not both');
  }
  // The data first: the backend's thread choice depends on the model's work per sample.
  const loaded = loadData(o.data ?? { format: 'dataset', name: o.dataset ?? 'mnist' }, o.test, o.trainLimit ? { limit: o.trainLimit } : {});
  const { train: trainSet, test: testSet } = loaded;
  const data: DataDescription = loaded.description;
  const workMacs = modelMacs({
    model: o.model,
    inputShape: data.domain.sampleShape,
    numClasses: trainSet.numClasses,
    ...(o.width !== undefined ? { width: o.width } : {}),
  });
  const backend = await initBackend({ ...(o.backend ? { backend: o.backend } : {}), threads: o.threads ?? 'auto', workMacs });
  log(`backend: ${backend.backend} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}; ${backend.threadsReason})`);
  const name = runName({ ...o, dataset: trainSet.name });
  // Batch-norm moving statistics must settle within the run: a small data set trains few steps,
  // and at the zoo's 0.99 its test-time statistics would still be near their initial values.
  const steps = o.epochs * Math.ceil(trainSet.count / o.batchSize);
  const bnMomentum = Math.min(0.99, Math.max(0.5, 1 - 10 / steps));
  const model = buildModel({
    model: o.model,
    inputShape: data.domain.sampleShape,
    bnMomentum,
    numClasses: trainSet.numClasses,
    seed: o.seed,
    weightBits: o.weightBits,
    actBits: o.actBits,
    ...(o.inputBits !== undefined ? { inputBits: o.inputBits } : {}),
    range: o.range,
    perChannel: o.perChannel ?? false,
    ...(o.width !== undefined ? { width: o.width } : {}),
    ...(o.a2q !== undefined ? { a2q: o.a2q } : {}),
    ...(o.poolQuantizer ? { poolQuantizer: true } : {}),
  });
  const pruning: PruningTarget | undefined =
    o.activeSynapses !== undefined
      ? { activeSynapses: o.activeSynapses }
      : o.accumulatorBits !== undefined
        ? { accumulatorBits: o.accumulatorBits }
        : undefined;
  const what = data.domain.layout === 'table' ? `rows of ${data.domain.sampleShape[0]} features` : `${data.domain.sampleShape.join('x')} images`;
  log(`${name}: ${trainSet.count} training and ${testSet.count} test ${what}, ${data.domain.classNames.length} classes, ${model.countParams()} parameters`);
  // With `out`, the graph and card are exported after every epoch too (marked partial), so a run
  // cut off by a deadline still leaves the last finished epoch's model.
  const pruneTargetsOf = (m: typeof model) => Object.fromEntries([...pruneTargets(m, pruning)].map(([l, k]) => [l.name, k]));
  const exportEpoch = (e: EpochReport) => {
    if (o.out === undefined || e.epoch === e.epochs) return; // the final export follows at once
    const partial = { epochs: e.epoch, secondsPerEpoch: e.seconds, samplesPerSecond: e.samplesPerSecond };
    const t = trainingRecord(e.testAccuracy, pruneTargetsOf(model), partial, `partial: epoch ${e.epoch} of ${o.epochs}`);
    const g = { ...modelToGraph(model, { name, inputDivisor: 255, training: t }), data };
    saveTrainedGraph(o.out, g);
    writeFileSync(join(o.out, 'README.md'), modelCard(name, t, graphAccumulators(g), data));
    log(`epoch ${e.epoch}: exported ${o.out} (partial run)`);
  };
  const trainingRecord = (
    testAccuracy: number,
    targets: Record<string, number>,
    speed: { epochs: number; secondsPerEpoch: number; samplesPerSecond: number },
    status: string | null,
  ) => ({
    model: o.model,
    dataset: trainSet.name,
    width: o.width ?? 1,
    weightBits: o.weightBits,
    actBits: o.actBits,
    inputBits: o.inputBits ?? o.actBits,
    range: o.range,
    perChannel: o.perChannel ?? false,
    pruning: pruning ?? null,
    pruneTargets: targets,
    a2q: o.a2q === undefined ? null : { ...o.a2q, rampFraction: o.a2qRampFraction ?? 0.5 },
    poolQuantizer: o.poolQuantizer ?? false,
    epochs: speed.epochs,
    plannedEpochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    bnMomentum,
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
      ...(o.a2qRampFraction !== undefined ? { a2qRampFraction: o.a2qRampFraction } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.progressSeconds !== undefined ? { progressSeconds: o.progressSeconds } : {}),
      onEpoch: (e) => {
        o.onEpoch?.(e);
        exportEpoch(e);
      },
      ...(o.checkpointDir ? { checkpointDir: o.checkpointDir } : {}),
      ...(o.resume ? { resume: true } : {}),
      ...(o.statisticsBatches ? { statisticsBatches: o.statisticsBatches } : {}),
    });
    if (r.statistics) {
      log(
        `statistics re-estimated on ${r.statistics.batches} training batches with the final weights: test ${(r.statistics.testAccuracyBefore * 100).toFixed(2)}% -> ${(r.testAccuracy * 100).toFixed(2)}%`,
      );
    }
    const training = {
      ...trainingRecord(r.testAccuracy, r.pruneTargets, { epochs: o.epochs, secondsPerEpoch: r.secondsPerEpoch, samplesPerSecond: r.samplesPerSecond }, null),
      ...(r.statistics ? { statisticsBatches: r.statistics.batches, testAccuracyBeforeStatistics: r.statistics.testAccuracyBefore } : {}),
    };
    const graph = { ...modelToGraph(model, { name, inputDivisor: 255, training }), data };
    const accumulators = graphAccumulators(graph);
    let graphPath: string | undefined;
    if (o.out !== undefined) {
      graphPath = saveTrainedGraph(o.out, graph);
      writeFileSync(join(o.out, 'README.md'), modelCard(name, training, accumulators, data));
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

/** Where the data came from and what a sample is, for the model card. */
function dataLine(d: DataDescription): string {
  const s = d.source;
  const from = s.format === 'dataset' ? s.name : s.format === 'npy' ? `${s.path} (labels ${s.labels})` : `${s.path} (${s.format})`;
  const test =
    d.test.kind === 'included'
      ? 'its own test part'
      : d.test.kind === 'files'
        ? `test files ${'path' in d.test.source ? d.test.source.path : d.test.source.name}`
        : `a ${d.test.fraction} split (seed ${d.test.seed})`;
  const what = d.domain.layout === 'table' ? `rows of ${d.domain.sampleShape[0]} features` : `${d.domain.sampleShape.join('x')} images`;
  const enc = d.domain.encoding.kind === 'bytes' ? 'bytes / 255' : 'per-feature min-max to bytes, / 255';
  const names = d.domain.classNames.slice(0, 10).join(', ') + (d.domain.classNames.length > 10 ? ', ...' : '');
  return `- Data: ${from}, ${d.trainSamples} training and ${d.testSamples} test ${what} (test: ${test}); inputs ${enc}; classes: ${names} (domain ${d.domain.fingerprint.slice(0, 12)})`;
}

function modelCard(name: string, t: Record<string, unknown>, accs: LayerAccumulator[], data: DataDescription): string {
  const pct = ((t.testAccuracy as number) * 100).toFixed(2);
  return `# ${name}

Trained by \`@fhenet/training\` on ${String(t.date)}.

- Command: \`${String(t.command ?? '(library call)')}\`
${t.status ? `- **Status: ${String(t.status)}** (exported after the last finished epoch)\n` : ''}- Model: ${String(t.model)}${t.width !== undefined && t.width !== 1 ? ` (width x${String(t.width)})` : ''}${t.poolQuantizer ? ' with requantized pools' : ''} on ${String(t.dataset)}; ${String(t.weightBits)}-bit weights, ${String(t.actBits)}-bit activations, ${String(t.inputBits)}-bit input, ${String(t.range)} range
${dataLine(data)}
- Pruning: ${JSON.stringify(t.pruning)} → active synapses per layer ${JSON.stringify(t.pruneTargets)}
${t.a2q ? `- Accumulator-aware weights (A2Q): ${JSON.stringify(t.a2q)} (the budget each layer keeps: \`accumulatorBits\` below; docs/training.md)\n` : ''}- Training: ${String(t.epochs)} epochs${t.plannedEpochs !== t.epochs ? ` of ${String(t.plannedEpochs)} planned` : ''}, batch ${String(t.batchSize)}, Adam lr ${String(t.learningRate)} (cosine), seed ${String(t.seed)}, ${String(t.trainImages)} samples, backend ${String(t.backend)}
- **Test accuracy (fake-quantized, ${String(t.testImages)} test samples): ${pct}%**${t.statisticsBatches ? ` (batch-norm statistics and activation ranges re-estimated on ${String(t.statisticsBatches)} training batches with the final weights; ${((t.testAccuracyBeforeStatistics as number) * 100).toFixed(2)}% as trained)` : ''}
- Speed: ${(t.secondsPerEpoch as number).toFixed(1)} s/epoch, ${Math.round(t.samplesPerSecond as number)} samples/s (training step incl. pruning, excl. evaluation)

Worst-case accumulators (exact, from the integer weights and input ranges; "channel bits": the
widest channel's own range, what the compiler's worst-case sizing needs after its per-channel shift):

| layer | max active synapses | max L1 of a channel | input range | accumulator range | bits | channel bits | accumulatorBits |
|---|---|---|---|---|---|---|---|
${accs.map((a) => `| ${a.name} | ${a.maxActiveSynapses} | ${a.maxL1} | [${a.inputRange.min}, ${a.inputRange.max}] | [${a.range.min}, ${a.range.max}] | ${a.bits} | ${a.spanBits} | ${a.accumulatorBits ?? '-'} |`).join('\n')}

Files: \`graph.json\` + \`graph.bin\` (format: docs/trained-graph-format.md).
`;
}
