// `fhenet predict --circuit c.json [--server URL] [--keys dir] --dataset mnist --count N`: the whole
// loop (keys, encrypt, run locally or over HTTP, decrypt) compared with the clear simulation.
import type { CommandModule } from 'yargs';

import { DATASET_NAMES, loadDataset, type DatasetName } from '@fhenet/datasets';

interface PredictArgs {
  circuit: string;
  server?: string;
  keys?: string;
  dataset: string;
  index: number;
  count: number;
  batch: number;
}

export const predictCommand: CommandModule<object, PredictArgs> = {
  command: 'predict',
  describe: 'Encrypted predictions end to end, compared with the clear simulation',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('server', { type: 'string', describe: 'URL of an `fhenet serve` service (default: run in this process)' })
      .option('keys', { type: 'string', describe: 'Key folder to reuse or create (default: fresh keys in memory)' })
      .option('dataset', { type: 'string', choices: [...DATASET_NAMES], default: 'mnist', describe: 'Dataset (test split)' })
      .option('index', { type: 'number', default: 0, describe: 'First test image' })
      .option('count', { type: 'number', default: 1, describe: 'Number of images' })
      .option('batch', { type: 'number', default: 1, describe: 'Images per encrypted execution / request' }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/compiler');
    const { predict } = await import('@fhenet/runtime');
    const circuit = loadCircuit(a.circuit);
    const data = loadDataset(a.dataset as DatasetName, { split: 'test' });
    if (!Number.isInteger(a.count) || a.count < 1 || a.index < 0 || a.index + a.count > data.count) {
      throw new Error(`--index ${a.index} --count ${a.count}: need 1 or more images within the ${data.count} test images`);
    }
    const size = data.images.length / data.count;
    const r = await predict({
      circuit,
      images: data.images.subarray(a.index * size, (a.index + a.count) * size),
      labels: data.labels.subarray(a.index, a.index + a.count),
      count: a.count,
      batchSize: a.batch,
      ...(a.keys ? { keysDir: a.keys } : {}),
      ...(a.server ? { serverUrl: a.server } : {}),
      log: (l) => console.error(l),
    });
    const agree = r.samples.filter((s) => s.encrypted === s.simulated).length;
    const correct = r.samples.filter((s) => s.encrypted === s.label).length;
    const perImage = r.batches.map((b) => b.wallMs / 1000 / b.samples).sort((x, y) => x - y);
    console.log(`index  label  simulated  encrypted  exact`);
    for (const s of r.samples) console.log(`${String(a.index + s.index).padStart(5)}  ${String(s.label).padStart(5)}  ${String(s.simulated).padStart(9)}  ${String(s.encrypted).padStart(9)}  ${s.exact ? 'yes' : 'NO'}`);
    console.log(
      `${a.count} image(s): encrypted == simulated class ${agree}/${a.count}, all integers exact: ${r.exact}, accuracy ${correct}/${a.count}; ` +
        `keygen ${r.keygenSeconds.toFixed(1)} s, key setup ${r.keySetupSeconds.toFixed(1)} s, median ${perImage[perImage.length >> 1]!.toFixed(1)} s per image (wall)`,
    );
    if (!r.exact) process.exitCode = 1;
  },
};
