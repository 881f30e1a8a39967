// Accuracy run for one zoo configuration (not a unit test). Usage:
//   pnpm tsx scripts/train-run.ts <model> <range> <active|all> <epochs> [outDir] [lr] [batch] [perChannel true|false]
import { runTraining, type ModelName } from '../src/index.js';
import type { RangeMode } from '../src/layers/common.js';

const [model = 'fcnn', range = 'wide', active = '90', epochs = '10', out, lr = '0.005', batch = '128', perChannel = 'false'] = process.argv.slice(2);
const r = await runTraining({
  model: model as ModelName,
  dataset: 'mnist',
  weightBits: 2,
  actBits: 2,
  range: range as RangeMode,
  perChannel: perChannel === 'true',
  ...(active === 'all' ? {} : { activeSynapses: Number(active) }),
  epochs: Number(epochs),
  batchSize: Number(batch),
  learningRate: Number(lr),
  seed: 1,
  ...(out ? { out } : {}),
  command: `fhenet train --model ${model} --weight-bits 2 --act-bits 2 --range ${range} --active ${active} --epochs ${epochs} --lr ${lr} --batch-size ${batch} --seed 1${perChannel === 'true' ? ' --per-channel' : ''}${out ? ` --out ${out}` : ''}`,
  log: (l) => console.log(l),
  onEpoch: (e) =>
    console.log(
      `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} train ${(e.trainAccuracy * 100).toFixed(2)}% test ${(e.testAccuracy * 100).toFixed(2)}% ` +
        `${e.seconds.toFixed(1)}s ${Math.round(e.samplesPerSecond)}/s active ${JSON.stringify(e.activeSynapses)}`,
    ),
});
console.log(
  JSON.stringify({
    name: r.name,
    testAccuracy: r.testAccuracy,
    secondsPerEpoch: r.secondsPerEpoch,
    samplesPerSecond: r.samplesPerSecond,
    accumulators: r.accumulators,
  }),
);
