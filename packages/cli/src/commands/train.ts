// `fhenet train`: quantization-aware training with pruning; parses arguments and prints progress.
// All logic lives in @fhenet/training (runTraining).
import type { CommandModule } from 'yargs';
import { MODEL_NAMES, type ModelName } from '@fhenet/training/format';
import { DATASET_NAMES, type DatasetName, type TestSource } from '@fhenet/datasets';
import { DATA_FORMATS, dataSource } from '../data-args.js';

interface TrainArgs {
  model: string;
  dataset: string;
  data?: string;
  format?: string;
  labels?: string;
  'label-column'?: string;
  'test-data'?: string;
  'test-labels'?: string;
  'test-split'?: number;
  'weight-bits': number;
  'act-bits': number;
  'input-bits'?: number;
  range: string;
  'per-channel': boolean;
  width: number;
  active?: number;
  'accumulator-bits'?: number;
  'a2q-bits'?: number;
  'a2q-layer-bits'?: string;
  'a2q-ramp'?: number;
  'pool-quant': boolean;
  epochs: number;
  'batch-size': number;
  lr: number;
  seed: number;
  'train-limit'?: number;
  out?: string;
  checkpoint?: string;
  resume?: boolean;
  'statistics-batches': number;
  backend?: string;
  threads: string;
  'progress-seconds': number;
}

/** 1h 02m, 3m 05s, 42s. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h ${two(m)}m` : m > 0 ? `${m}m ${two(r)}s` : `${r}s`;
}

/** --a2q-layer-bits: "classifier=9,conv1=none" -> { classifier: 9, conv1: null }. */
export function parseLayerBits(v: string): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const part of v.split(',')) {
    const m = /^([\w.-]+)=(\d+|none)$/.exec(part.trim());
    if (!m) throw new Error(`--a2q-layer-bits: expected name=bits or name=none, comma-separated (e.g. classifier=9,conv1=none), got "${part}"`);
    out[m[1]!] = m[2] === 'none' ? null : Number(m[2]);
  }
  return out;
}

/** 'auto' or a thread count. */
function parseThreads(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`--threads: expected "auto" or an integer 1..8, got ${v}`);
  return n;
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train a quantized, pruned model and export its trained graph',
  builder: (y) =>
    y
      .option('model', { type: 'string', choices: [...MODEL_NAMES], default: 'fcnn', describe: 'Zoo model' })
      .option('dataset', { type: 'string', choices: [...DATASET_NAMES], default: 'mnist', describe: 'Built-in data set (unless --data)' })
      .option('data', {
        type: 'string',
        describe:
          'Your own training data: an IDX folder, a CSV/TSV table, an .npy of samples (with --labels), an .npz, or a folder of images with one sub-folder per class',
      })
      .option('format', { type: 'string', choices: [...DATA_FORMATS], describe: "Format of --data (default: from the extension, or the folder's contents)" })
      .option('labels', { type: 'string', describe: '.npy data: the labels .npy (one integer class per sample)' })
      .option('label-column', { type: 'string', describe: 'CSV data: the label column, by header name or 0-based index (default: the last column)' })
      .option('test-data', { type: 'string', describe: 'Test samples in the format of --data (default: its own test part, else --test-split)' })
      .option('test-labels', { type: 'string', describe: '.npy test samples: their labels .npy' })
      .option('test-split', {
        type: 'number',
        describe: 'Hold out this fraction of --data as the test set (seeded by --seed; default 0.2 when the data has no test part)',
      })
      .conflicts('test-data', 'test-split')
      .option('weight-bits', { type: 'number', default: 2, describe: 'Signed weight bits' })
      .option('act-bits', { type: 'number', default: 2, describe: 'Unsigned activation bits' })
      .option('input-bits', { type: 'number', describe: 'Input quantizer bits (default: --act-bits)' })
      .option('range', { type: 'string', choices: ['narrow', 'wide'], default: 'wide', describe: 'Quantizer integer range' })
      .option('per-channel', { type: 'boolean', default: false, describe: 'Per-output-channel weight scales' })
      .option('width', { type: 'number', default: 1, describe: 'Width multiplier of the conv and hidden dense layers (vgg9 at 0.25: conv 16..64, dense 128)' })
      .option('active', { type: 'number', describe: 'Active synapses per neuron after pruning' })
      .option('accumulator-bits', { type: 'number', describe: 'Prune until every worst-case accumulator fits this many bits' })
      .conflicts('active', 'accumulator-bits')
      .option('a2q-bits', {
        type: 'number',
        describe:
          "Accumulator-aware weights (A2Q): every dense/conv layer keeps each output channel's worst-case accumulator within this many bits (combines with --active)",
      })
      .option('a2q-layer-bits', {
        type: 'string',
        describe: 'Per-layer A2Q budgets overriding --a2q-bits, e.g. classifier=9 (decoded in the clear: one bit more is free) or conv1=none',
      })
      .implies('a2q-layer-bits', 'a2q-bits')
      .option('a2q-ramp', {
        type: 'number',
        describe: 'Fraction of the run over which the A2Q budget ramps down to its final value (default 0.5; 0 = from the first step)',
      })
      .implies('a2q-ramp', 'a2q-bits')
      .option('pool-quant', {
        type: 'boolean',
        default: false,
        describe: 'Requantize after every average pool (convnets): the next layer reads 2-bit values, not sums of 4 (2 accumulator bits less)',
      })
      .option('epochs', { type: 'number', default: 10 })
      .option('batch-size', { type: 'number', default: 128 })
      .option('lr', { type: 'number', default: 0.005, describe: 'Adam learning rate (cosine decay)' })
      .option('seed', { type: 'number', default: 1 })
      .option('train-limit', { type: 'number', describe: 'Use only the first N training images' })
      .option('out', { type: 'string', describe: 'Folder for graph.json, graph.bin and README.md' })
      .option('checkpoint', { type: 'string', describe: 'Folder for a checkpoint (model, optimizer, training state) saved every epoch' })
      .option('resume', { type: 'boolean', describe: 'Continue from the --checkpoint folder if it holds a checkpoint of this run (same settings)' })
      .implies('resume', 'checkpoint')
      .option('statistics-batches', {
        type: 'number',
        default: 100,
        describe:
          'After the last epoch, re-estimate batch-norm statistics and activation ranges from this many training batches with the final weights (quantized weights oscillate while training, so the moving averages describe a blur of recent networks); 0 keeps them as trained',
      })
      .option('backend', { type: 'string', choices: ['wasm', 'cpu', 'tensorflow'], describe: 'Force a tfjs backend' })
      .option('threads', {
        type: 'string',
        default: 'auto',
        describe: 'wasm threads: "auto" (2 for VGG-size convolutions on a machine with a free core, else 1; FHENET_WASM_THREADS overrides) or a count',
      })
      .option('progress-seconds', { type: 'number', default: 10, describe: 'Seconds between in-epoch progress lines (samples/s, ETA)' }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { runTraining } = await import('@fhenet/training');
    const command = `fhenet ${process.argv.slice(2).join(' ')}`;
    const fileOnly = (['format', 'labels', 'label-column', 'test-data', 'test-labels'] as const).filter((k) => a[k] !== undefined);
    if (a.data === undefined && fileOnly.length > 0) throw new Error(`--${fileOnly[0]}: only with --data (your own files)`);
    const statisticsBatches = a['statistics-batches'];
    if (!Number.isInteger(statisticsBatches) || statisticsBatches < 0)
      throw new Error(`--statistics-batches: expected an integer >= 0, got ${statisticsBatches}`);
    const data = a.data === undefined ? undefined : dataSource(a.data, a.format, a.labels, a['label-column']);
    const test: TestSource | undefined =
      a['test-data'] !== undefined
        ? { kind: 'files', source: dataSource(a['test-data'], data!.format, a['test-labels'], a['label-column']) }
        : a['test-split'] !== undefined
          ? { kind: 'split', fraction: a['test-split'], seed: a.seed }
          : undefined;
    const r = await runTraining({
      model: a.model as ModelName,
      ...(data ? { data } : { dataset: a.dataset as DatasetName }),
      ...(test ? { test } : {}),
      weightBits: a['weight-bits'],
      actBits: a['act-bits'],
      ...(a['input-bits'] !== undefined ? { inputBits: a['input-bits'] } : {}),
      range: a.range as 'narrow' | 'wide',
      perChannel: a['per-channel'],
      ...(a.width !== 1 ? { width: a.width } : {}),
      ...(a.active !== undefined ? { activeSynapses: a.active } : {}),
      ...(a['accumulator-bits'] !== undefined ? { accumulatorBits: a['accumulator-bits'] } : {}),
      ...(a['a2q-bits'] !== undefined
        ? {
            a2q: {
              accumulatorBits: a['a2q-bits'],
              ...(a['a2q-layer-bits'] !== undefined ? { layers: parseLayerBits(a['a2q-layer-bits']) } : {}),
            },
          }
        : {}),
      ...(a['a2q-ramp'] !== undefined ? { a2qRampFraction: a['a2q-ramp'] } : {}),
      ...(a['pool-quant'] ? { poolQuantizer: true } : {}),
      epochs: a.epochs,
      batchSize: a['batch-size'],
      learningRate: a.lr,
      seed: a.seed,
      ...(a['train-limit'] !== undefined ? { trainLimit: a['train-limit'] } : {}),
      ...(a.out !== undefined ? { out: a.out } : {}),
      ...(a.checkpoint !== undefined ? { checkpointDir: a.checkpoint } : {}),
      ...(a.resume ? { resume: true } : {}),
      statisticsBatches,
      ...(a.backend !== undefined ? { backend: a.backend as 'wasm' | 'cpu' | 'tensorflow' } : {}),
      threads: parseThreads(a.threads),
      progressSeconds: a['progress-seconds'],
      command,
      log: (line) => console.log(line),
      onProgress: (p) =>
        console.log(
          `  epoch ${p.epoch}/${p.epochs}  step ${p.step}/${p.stepsPerEpoch}  ${Math.round(p.samplesPerSecond)} samples/s  ` +
            `epoch ETA ${formatDuration(p.epochEtaSeconds)}  run ETA ${formatDuration(p.etaSeconds)}`,
        ),
      onEpoch: (e) =>
        console.log(
          `epoch ${e.epoch}/${e.epochs}  loss ${e.loss.toFixed(4)}  train ${(e.trainAccuracy * 100).toFixed(2)}%  ` +
            `test ${(e.testAccuracy * 100).toFixed(2)}%  ${e.seconds.toFixed(1)} s  ${Math.round(e.samplesPerSecond)} samples/s  ` +
            `ETA ${e.epoch === e.epochs ? 'done' : formatDuration(e.etaSeconds)}  ` +
            `active ${Object.entries(e.activeSynapses)
              .map(([k, v]) => `${k}:${v}`)
              .join(' ')}`,
        ),
    });
    console.log(`\n${r.name}: test accuracy ${(r.testAccuracy * 100).toFixed(2)}% (fake-quantized)`);
    for (const acc of r.accumulators) {
      console.log(
        `  ${acc.name}: <= ${acc.maxActiveSynapses} active synapses, L1 <= ${acc.maxL1}, accumulator [${acc.range.min}, ${acc.range.max}] = ${acc.bits} bits ` +
          `(${acc.spanBits} per channel${acc.accumulatorBits === undefined ? '' : `; A2Q budget ${acc.accumulatorBits}`})`,
      );
    }
  },
};
