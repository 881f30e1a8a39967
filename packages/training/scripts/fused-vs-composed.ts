// Trains the same zoo configuration twice in one process, same seed and schedule: once with the
// fused wasm kernels (what the trainer uses) and once with them off (the tf-op compositions,
// stock batch norm and stock Adam: the code before the fused kernels). Prints both histories, so
// a change of training meaning would show. Usage:
//   node --import tsx scripts/fused-vs-composed.ts [model=fcnn] [epochs=3] [active=190|all] [range=wide] [batch=128] [lr=0.005]
import { loadDataset } from '@fhenet/datasets';
import { buildModel, initBackend, setFusedKernels, train, type ModelName } from '../src/index.js';
import type { RangeMode } from '../src/layers/common.js';

const [model = 'fcnn', epochs = '3', active = '190', range = 'wide', batch = '128', lr = '0.005'] = process.argv.slice(2);
const info = await initBackend({ threads: 1 });
const trainSet = loadDataset('mnist', { split: 'train' });
const testSet = loadDataset('mnist', { split: 'test' });
for (const fused of [true, false]) {
  setFusedKernels(fused);
  const m = buildModel({ model: model as ModelName, inputShape: [28, 28, 1], numClasses: 10, seed: 1, weightBits: 2, actBits: 2, range: range as RangeMode });
  const r = await train(m, trainSet, testSet, {
    epochs: Number(epochs),
    batchSize: Number(batch),
    learningRate: Number(lr),
    seed: 1,
    ...(active === 'all' ? {} : { pruning: { activeSynapses: Number(active) } }),
    onEpoch: (e) =>
      console.log(
        `${fused ? 'fused   ' : 'composed'} epoch ${e.epoch}/${e.epochs}  loss ${e.loss.toFixed(4)}  train ${(e.trainAccuracy * 100).toFixed(2)}%  test ${(e.testAccuracy * 100).toFixed(2)}%  ${Math.round(e.samplesPerSecond)} samples/s`,
      ),
  });
  console.log(
    `${fused ? 'fused   ' : 'composed'} ${model} ${range} ${active}: test accuracy ${(r.testAccuracy * 100).toFixed(2)}%  (${info.backend}, ${info.threads} thread)`,
  );
  m.dispose();
}
