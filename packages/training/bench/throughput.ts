// Training throughput of every zoo model, QAT against plain-float baselines of the same
// architecture, measured in one process with the variants interleaved (so machine load hits them
// alike): samples/s of a full step (forward + backward + Adam; pruning masks applied, not
// recomputed) through the trainer's own TrainStep, on synthetic data of the real input shape.
//
//   qat           the zoo model as the trainer trains it (fused kernels on wasm, FusedAdam)
//   qat-composed  the same with the fused kernels off (tf-op compositions, stock batch norm and Adam)
//   qat-a2q, qat-a2q-composed  the QAT model with accumulator-aware weights (A2Q, 10-bit budgets)
//   float         stock tfjs layers, no batch norm: conv/dense + bias + relu, average pooling; tf.train.adam
//   float-bn      the same with stock BatchNormalization before each relu (no bias)
//
// Usage: pnpm --filter @fhenet/training bench [--models fcnn,lenet,cnn6,vgg9-0.25,vgg9-0.5,vgg9]
//          [--variants qat,float,float-bn] [--steps N] [--warmup N] [--rounds N] [--threads N] [--profile]
// Prints one line per model and variant: samples/s and ms/step from wall time, ms/step of process
// CPU time (less disturbed by other jobs on a shared machine; with threads it adds up the
// threads' time), and the ratios to float per round (paired medians); the load before and after.
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { ImageDataset } from '@fhenet/datasets';
import { buildModel, FusedAdam, initBackend, QuantConv2D, QuantDense, setFusedKernels, TrainStep, trainBatches, type ModelName } from '@fhenet/training';

interface Spec {
  readonly model: ModelName;
  readonly width: number;
  readonly shape: [number, number, number];
  readonly batch: number;
  /** Timed steps per variant per round (bounded run time). */
  readonly steps: number;
}
const SPECS: Record<string, Spec> = {
  fcnn: { model: 'fcnn', width: 1, shape: [28, 28, 1], batch: 128, steps: 40 },
  lenet: { model: 'lenet', width: 1, shape: [28, 28, 1], batch: 64, steps: 25 },
  cnn6: { model: 'cnn6', width: 1, shape: [28, 28, 1], batch: 64, steps: 15 },
  'vgg9-0.25': { model: 'vgg9', width: 0.25, shape: [32, 32, 3], batch: 64, steps: 6 },
  'vgg9-0.5': { model: 'vgg9', width: 0.5, shape: [32, 32, 3], batch: 64, steps: 3 },
  vgg9: { model: 'vgg9', width: 1, shape: [32, 32, 3], batch: 64, steps: 2 },
};
const VARIANTS = ['qat', 'qat-composed', 'qat-a2q', 'qat-a2q-composed', 'float', 'float-bn'] as const;
type Variant = (typeof VARIANTS)[number];

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: Object.keys(SPECS).join(',') },
    variants: { type: 'string', default: 'qat,float,float-bn' },
    steps: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});
const list = (s: string, allowed: readonly string[], what: string) =>
  s.split(',').map((m) => {
    if (!allowed.includes(m)) throw new RangeError(`--${what}: expected some of ${allowed.join(', ')}, got ${m}`);
    return m;
  });
const models = list(args.models!, Object.keys(SPECS), 'models');
const variants = list(args.variants!, VARIANTS, 'variants') as Variant[];
const rounds = Number(args.rounds);
const warmup = Number(args.warmup);

const info = await initBackend(args.threads === undefined ? {} : { threads: Number(args.threads) });
const load0 = loadavg();
console.log(
  `# ${new Date().toISOString()}  backend ${info.backend}, ${info.threads} thread(s)  load ${load0.map((l) => l.toFixed(2)).join(' ')}  ` +
    `rounds ${rounds}, warm-up ${warmup} steps`,
);

/** The zoo model's layer plan in stock float layers: conv/dense + bias + relu (or + BN + relu). */
function floatTwin(qat: tf.LayersModel, bn: boolean, seed: number): tf.Sequential {
  const m = tf.sequential({ name: `${qat.name}-float${bn ? '-bn' : ''}` });
  m.add(tf.layers.inputLayer({ inputShape: qat.inputs[0]!.shape.slice(1) as number[] }));
  const linears = qat.layers.filter((l) => l instanceof QuantDense || l instanceof QuantConv2D);
  for (const l of qat.layers) {
    const hidden = l !== linears[linears.length - 1];
    const common = {
      useBias: !(bn && hidden),
      activation: (hidden && !bn ? 'relu' : 'linear') as 'relu' | 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
    };
    if (l instanceof QuantConv2D) {
      m.add(tf.layers.conv2d({ filters: l.filters, kernelSize: l.kernelSize, strides: l.strides, padding: l.padding, ...common }));
    } else if (l instanceof QuantDense) {
      m.add(tf.layers.dense({ units: l.units, ...common }));
    } else if (l.getClassName() === 'AveragePooling2D') {
      m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid' }));
    } else if (l.getClassName() === 'Flatten') {
      m.add(tf.layers.flatten());
    } else continue;
    if (bn && hidden && (l instanceof QuantConv2D || l instanceof QuantDense)) {
      m.add(tf.layers.batchNormalization());
      m.add(tf.layers.activation({ activation: 'relu' }));
    }
  }
  return m;
}

function syntheticData(spec: Spec): ImageDataset {
  const [h, w, c] = spec.shape;
  const count = spec.batch * 4;
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  return {
    name: 'synthetic',
    split: 'train',
    count,
    height: h,
    width: w,
    channels: c,
    numClasses: 10,
    images: Uint8Array.from({ length: count * h * w * c }, () => next() >>> 24),
    labels: Uint8Array.from({ length: count }, () => next() % 10),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

for (const name of models) {
  const spec = SPECS[name]!;
  const steps = args.steps === undefined ? spec.steps : Number(args.steps);
  const data = syntheticData(spec);
  const qatModel = (a2q = false) =>
    buildModel({
      model: spec.model,
      inputShape: spec.shape,
      numClasses: 10,
      seed: 1,
      weightBits: 2,
      actBits: 2,
      range: 'wide',
      width: spec.width,
      ...(a2q ? { a2q: { accumulatorBits: 10 } } : {}),
    });
  const runners = variants.map((v) => {
    const qat = v.startsWith('qat');
    const model = qat ? qatModel(v.startsWith('qat-a2q')) : floatTwin(qatModel(), v === 'float-bn', 1);
    const optimizer = qat ? new FusedAdam(0.001) : tf.train.adam(0.001);
    return { v, model, optimizer, step: new TrainStep(model, optimizer), ms: [] as number[], cpu: [] as number[] };
  });
  let seed = 0;
  const runSteps = (r: (typeof runners)[number], n: number) => {
    setFusedKernels(!r.v.endsWith('-composed'));
    let k = 0;
    while (k < n) {
      for (const b of trainBatches(data, spec.batch, seed++)) {
        if (k++ >= n) break;
        r.step.run(b);
      }
    }
    r.step.takeTotals(); // the one host read, as at an epoch end
  };
  for (const r of runners) runSteps(r, warmup);
  for (let round = 0; round < rounds; round++) {
    for (const r of runners) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      runSteps(r, steps);
      const c = process.cpuUsage(c0);
      r.ms.push((performance.now() - t0) / steps);
      r.cpu.push((c.user + c.system) / 1000 / steps);
    }
  }
  const base = runners.find((r) => r.v === 'float');
  for (const r of runners) {
    const sps = (spec.batch * 1000) / median(r.ms);
    const ratio =
      base && r !== base
        ? `  ${r.v}/float ${median(r.ms.map((t, i) => t / base.ms[i]!)).toFixed(2)}x wall, ${median(r.cpu.map((t, i) => t / base.cpu[i]!)).toFixed(2)}x cpu`
        : '';
    console.log(
      `${name.padEnd(10)} ${r.v.padEnd(13)} ${sps.toFixed(0).padStart(7)} samples/s  ${median(r.ms).toFixed(1).padStart(7)} ms/step wall ${median(r.cpu).toFixed(1).padStart(7)} cpu  (batch ${spec.batch}, ${steps} steps x ${rounds} rounds)${ratio}`,
    );
  }
  if (args.profile) {
    for (const r of runners) {
      setFusedKernels(!r.v.endsWith('-composed'));
      const b = trainBatches(data, spec.batch, 999).next().value!;
      const prof = await tf.profile(() => r.step.run(b));
      r.step.takeTotals();
      const agg = new Map<string, [number, number]>();
      for (const k of prof.kernels) {
        const a = agg.get(k.name) ?? [0, 0];
        a[0] += k.kernelTimeMs as number;
        a[1]++;
        agg.set(k.name, a);
      }
      const top = [...agg]
        .sort((a, b) => b[1][0] - a[1][0])
        .slice(0, 8)
        .map(([n, [ms, c]]) => `${n} ${ms.toFixed(1)} ms/${c}`);
      console.log(`  profile ${r.v}: ${prof.kernels.length} kernels; ${top.join(', ')}`);
    }
  }
  setFusedKernels(true);
  for (const r of runners) {
    r.step.dispose();
    r.optimizer.dispose();
    r.model.dispose();
  }
}
console.log(
  `# load at end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
