// Training throughput of each zoo model on the current backend: samples/s of a full QAT step
// (forward + backward + Adam + pruning masks), measured on the second of two short epochs so
// backend warm-up is excluded. Prints one JSON line per model plus the load average.
// Usage: node --import tsx bench/throughput.ts [models...]   (VGG-9 needs FHENET_CIFAR10_DIR)
import { loadavg } from 'node:os';
import { loadDataset, subset, type ImageDataset } from '@fhenet/datasets';
import { buildModel, initBackend, train, type ModelName } from '@fhenet/training';

const STEPS: Record<ModelName, [number, number]> = { fcnn: [40, 128], lenet: [20, 64], cnn6: [15, 64], vgg9: [3, 64] }; // [steps, batch]
const models = (process.argv.slice(2).length ? process.argv.slice(2) : ['fcnn', 'lenet', 'cnn6', 'vgg9']) as ModelName[];
const info = await initBackend();

function first(d: ImageDataset, n: number): ImageDataset {
  return subset(
    d,
    Uint32Array.from({ length: Math.min(n, d.count) }, (_, i) => i),
  );
}

for (const name of models) {
  const dataset = name === 'vgg9' ? 'cifar10' : 'mnist';
  let trainSet: ImageDataset;
  try {
    trainSet = loadDataset(dataset, { split: 'train', limit: 5000 });
  } catch (e) {
    console.log(JSON.stringify({ model: name, skipped: (e as Error).message }));
    continue;
  }
  const [steps, batch] = STEPS[name];
  const data = first(trainSet, steps * batch);
  const test = first(loadDataset(dataset, { split: 'test', limit: 100 }), 100);
  const model = buildModel({
    model: name,
    inputShape: [data.height, data.width, data.channels],
    numClasses: data.numClasses,
    seed: 1,
    weightBits: 2,
    actBits: 2,
    range: 'wide',
  });
  const load = loadavg()[0];
  const r = await train(model, data, test, { epochs: 2, batchSize: batch, learningRate: 0.001, seed: 1, pruning: { activeSynapses: 190 } });
  const sps = r.history[1]!.samplesPerSecond;
  const epochImages = dataset === 'mnist' ? 60000 : 50000;
  console.log(
    JSON.stringify({
      model: name,
      dataset,
      backend: info.backend,
      threads: info.threads,
      batch,
      steps,
      samplesPerSecond: Math.round(sps),
      secondsPerEpoch: +(epochImages / sps).toFixed(1),
      loadavg1: +(load ?? 0).toFixed(2),
      date: new Date().toISOString(),
    }),
  );
  model.dispose();
}
