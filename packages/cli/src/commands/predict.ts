// `fhenet predict --circuit c.json [--server URL] [--keys dir] --dataset mnist --count N`: the whole
// loop (keys, encrypt, run locally or over HTTP, decrypt) compared with the clear simulation.
// `--client node-tfhe`: keys, encryption and decryption by Zama's node-tfhe, the same server.
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
  client: string;
  maxMemory?: string;
  bandOutputs?: number;
  spillDir?: string;
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
      .option('batch', { type: 'number', default: 1, describe: 'Images per encrypted execution / request' })
      .option('client', {
        type: 'string',
        choices: ['fhenet', 'node-tfhe'],
        default: 'fhenet',
        describe: "Client library holding the secret key: fhenet's engine, or Zama's node-tfhe (tfhe-rs 1.7; docs/node-tfhe-client.md)",
      })
      .option('max-memory', { type: 'string', describe: 'Memory this process may use, e.g. 20G (default 80% of the machine); runs whose modelled peak exceeds it run in bands, or are refused before keygen' })
      .option('band-outputs', { type: 'number', describe: 'Run padded stages in bands of this many output ciphertexts even if whole stages fit (default: only when they do not; docs/streaming-plan.md)' })
      .option('spill-dir', { type: 'string', describe: "Folder for banded runs' spill files (default: the OS temp folder, used only when in-memory bands do not fit); with --band-outputs: spill there" }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit } = await import('@fhenet/circuit');
    const { predict } = await import('@fhenet/client');
    const { formatBytes, parseByteSize } = await import('@fhenet/executor');
    const circuit = loadCircuit(a.circuit);
    const data = loadDataset(a.dataset as DatasetName, { split: 'test' });
    if (!Number.isInteger(a.count) || a.count < 1 || a.index < 0 || a.index + a.count > data.count) {
      throw new Error(`--index ${a.index} --count ${a.count}: need 1 or more images within the ${data.count} test images`);
    }
    const size = data.images.length / data.count;
    const common = {
      circuit,
      images: data.images.subarray(a.index * size, (a.index + a.count) * size),
      labels: data.labels.subarray(a.index, a.index + a.count),
      count: a.count,
      batchSize: a.batch,
      ...(a.keys ? { keysDir: a.keys } : {}),
      log: (l: string) => console.error(l),
    };
    if (a.maxMemory && a.client === 'node-tfhe') throw new Error('--max-memory: only with --client fhenet (node-tfhe runs are not budgeted yet)');
    if ((a.bandOutputs !== undefined || a.spillDir !== undefined) && a.client === 'node-tfhe') throw new Error('--band-outputs / --spill-dir: only with --client fhenet');
    // With node-tfhe and --server: the service's /v1/tfhe-rs routes (docs/http-api.md).
    const r = await predict({
      ...common,
      client: a.client === 'node-tfhe' ? 'node-tfhe' : 'fhenet',
      ...(a.server ? { serverUrl: a.server } : {}),
      ...(a.maxMemory ? { maxMemoryBytes: parseByteSize(a.maxMemory) } : {}),
      ...(a.bandOutputs !== undefined ? { bandOutputs: a.bandOutputs } : {}),
      ...(a.spillDir !== undefined ? { spillDir: a.spillDir } : {}),
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
    const m = r.memory;
    if (m?.model) console.log(`memory: peak RSS ${formatBytes(m.peakRssBytes)} measured, ${formatBytes(m.predictedPeakRssBytes)} modelled (limit ${formatBytes(m.limitBytes)})`);
    if (!r.exact) process.exitCode = 1;
  },
};
