// `fhenet predict --circuit c.json [--server URL] [--keys dir] (--input FILE | --dataset mnist --count N)`:
// the whole loop (keys, encrypt, run locally or over HTTP, decrypt) on the user's own samples or
// test images, compared with the clear simulation; classes printed with their names.
// `--client node-tfhe`: keys, encryption and decryption by Zama's node-tfhe, the same server.
import type { CommandModule } from 'yargs';

import { DATASET_NAMES, loadDataset, type DatasetName } from '@fhenet/datasets';
import { circuitDomain, className, readInputs } from '../data-args.js';

interface PredictArgs {
  circuit: string;
  server?: string;
  keys?: string;
  input?: string;
  dataset: string;
  index: number;
  count: number;
  batch: number;
  client: string;
  maxMemory?: string;
  bandOutputs?: number;
  spillDir?: string;
  redis?: string;
  fleetPrefix?: string;
  shardOutputs?: number;
}

export const predictCommand: CommandModule<object, PredictArgs> = {
  command: 'predict',
  describe: 'Encrypted predictions end to end, compared with the clear simulation',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('server', { type: 'string', describe: 'URL of an `fhenet serve` service (default: run in this process)' })
      .option('keys', { type: 'string', describe: 'Key folder to reuse or create (default: fresh keys in memory)' })
      .option('input', {
        type: 'string',
        describe:
          "Your own samples (all of them): an image, a folder of images, a .npy (one sample or N), or a CSV of rows; read with the circuit's training-data encoding (instead of --dataset test images)",
      })
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
      .option('max-memory', {
        type: 'string',
        describe:
          'Memory this process may use, e.g. 20G (default 80% of the machine); runs whose modelled peak exceeds it run in bands, or are refused before keygen',
      })
      .option('band-outputs', {
        type: 'number',
        describe:
          'Run padded stages in bands of this many output ciphertexts even if whole stages fit (default: only when they do not; docs/streaming-plan.md)',
      })
      .option('redis', {
        type: 'string',
        describe: 'Run the lookups on a worker fleet through this Redis (fhenet worker --redis URL; docs/deployment.md): this process keeps the linear maps',
      })
      .option('fleet-prefix', { type: 'string', default: 'fhenet', describe: "The fleet's queue and key prefix (with --redis)" })
      .option('shard-outputs', {
        type: 'number',
        describe: 'With --redis: output ciphertexts per shard (default: about 1 s of work per shard, from the cost model)',
      })
      .option('spill-dir', {
        type: 'string',
        describe:
          "Folder for banded runs' spill files (default: the OS temp folder, used only when in-memory bands do not fit); with --band-outputs: spill there",
      }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { isApproximate, loadCircuit, outputSize } = await import('@fhenet/circuit');
    const { predict } = await import('@fhenet/client');
    const { formatBytes, parseByteSize } = await import('@fhenet/executor');
    const circuit = loadCircuit(a.circuit);
    const domain = circuitDomain(circuit, outputSize(circuit.stages[circuit.stages.length - 1]!.linear));
    let samples: { images: Uint8Array; labels?: Uint8Array; count: number; names: readonly string[] };
    if (a.input !== undefined) {
      const s = readInputs(a.input, circuit, domain.classNames.length);
      samples = { images: s.raw, ...(s.labels ? { labels: s.labels } : {}), count: s.count, names: s.names };
    } else {
      const data = loadDataset(a.dataset as DatasetName, { split: 'test' });
      if (!Number.isInteger(a.count) || a.count < 1 || a.index < 0 || a.index + a.count > data.count) {
        throw new Error(`--index ${a.index} --count ${a.count}: need 1 or more images within the ${data.count} test images`);
      }
      const size = data.images.length / data.count;
      samples = {
        images: data.images.subarray(a.index * size, (a.index + a.count) * size),
        labels: data.labels.subarray(a.index, a.index + a.count),
        count: a.count,
        names: Array.from({ length: a.count }, (_, i) => String(a.index + i)),
      };
    }
    const common = {
      circuit,
      images: samples.images,
      ...(samples.labels ? { labels: samples.labels } : {}),
      count: samples.count,
      batchSize: a.batch,
      ...(a.keys ? { keysDir: a.keys } : {}),
      log: (l: string) => console.error(l),
    };
    if (a.maxMemory && a.client === 'node-tfhe') throw new Error('--max-memory: only with --client fhenet (node-tfhe runs are not budgeted yet)');
    if ((a.bandOutputs !== undefined || a.spillDir !== undefined) && a.client === 'node-tfhe')
      throw new Error('--band-outputs / --spill-dir: only with --client fhenet');
    if (a.redis && a.server) throw new Error('--redis and --server: give one (the fleet, or an HTTP service)');
    if (a.shardOutputs !== undefined && !a.redis) throw new Error('--shard-outputs: only with --redis');
    const fleet = a.redis
      ? await (await import('@fhenet/fleet')).Fleet.connect({
          url: a.redis,
          prefix: a.fleetPrefix ?? 'fhenet',
          ...(a.shardOutputs !== undefined ? { shardOutputs: a.shardOutputs } : {}),
          log: (l: string) => console.error(l),
        })
      : null;
    // With node-tfhe and --server: the service's /v1/tfhe-rs routes (docs/http-api.md).
    const r = await predict({
      ...common,
      client: a.client === 'node-tfhe' ? 'node-tfhe' : 'fhenet',
      ...(a.server ? { serverUrl: a.server } : {}),
      ...(a.maxMemory ? { maxMemoryBytes: parseByteSize(a.maxMemory) } : {}),
      ...(a.bandOutputs !== undefined ? { bandOutputs: a.bandOutputs } : {}),
      ...(a.spillDir !== undefined ? { spillDir: a.spillDir } : {}),
      ...(fleet ? { lookups: fleet.publishKeys } : {}),
    }).finally(() => fleet?.close());
    const n = samples.count;
    const agree = r.samples.filter((s) => s.encrypted === s.simulated).length;
    const correct = r.samples.filter((s) => s.encrypted === s.label).length;
    const perImage = r.batches.map((b) => b.wallMs / 1000 / b.samples).sort((x, y) => x - y);
    const rows = [['sample', 'label', 'simulated', 'encrypted', 'exact']];
    const cls = (k: number | undefined) => (k === undefined || k < 0 ? '-' : className(domain, k));
    for (const s of r.samples)
      rows.push([samples.names[s.index]!, samples.labels ? cls(s.label) : '-', cls(s.simulated), cls(s.encrypted), s.exact ? 'yes' : 'NO']);
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
    for (const row of rows) console.log(row.map((v, c) => v.padEnd(widths[c]!)).join('  '));
    const approximate = circuit.stages.some(isApproximate);
    console.log(
      `${n} sample(s): encrypted == simulated class ${agree}/${n}, all integers exact: ${r.exact}` +
        (approximate ? ' (approximate rounding: the simulation is the exact rounding; integers near bucket edges may differ)' : '') +
        `${samples.labels ? `, accuracy ${correct}/${n}` : ''}; ` +
        `keygen ${r.keygenSeconds.toFixed(1)} s, key setup ${r.keySetupSeconds.toFixed(1)} s, median ${perImage[perImage.length >> 1]!.toFixed(1)} s per image (wall)`,
    );
    const m = r.memory;
    if (m?.model)
      console.log(
        `memory: peak RSS ${formatBytes(m.peakRssBytes)} measured, ${formatBytes(m.predictedPeakRssBytes)} modelled (limit ${formatBytes(m.limitBytes)})`,
      );
    if (fleet) {
      const f = fleet.stats;
      console.log(
        `fleet: ${f.shards} shards, ${formatBytes(f.bytesToWorkers / n)} to workers and ${formatBytes(f.bytesFromWorkers / n)} back per image; ` +
          `evaluation keys ${formatBytes(f.keyBytesPublished)} published in ${(f.keyPublishMs / 1000).toFixed(1)} s`,
      );
    }
    if (!r.exact && !approximate) process.exitCode = 1;
  },
};
