// `fhenet encrypt --circuit c.json --keys dir (--input FILE | --dataset mnist --index N [--count K]) --out f`:
// quantize and encrypt the user's own samples (an image, a folder of images, a .npy, CSV rows,
// encoded as the circuit's training data) or test images, with the key folder's client (ours, or
// node-tfhe: compressed node-tfhe ciphertexts in a container, docs/node-tfhe-client.md). Logic in
// @fhenet/client.
import type { CommandModule } from 'yargs';

import { DATASET_NAMES, loadDataset, type DatasetName } from '@fhenet/datasets';
import { circuitDomain, className, readInputs } from '../data-args.js';

interface EncryptArgs {
  circuit: string;
  keys: string;
  input?: string;
  dataset: string;
  index: number;
  count: number;
  out: string;
  client?: string;
}

export const encryptCommand: CommandModule<object, EncryptArgs> = {
  command: 'encrypt',
  describe: 'Quantize and encrypt dataset test images into a ciphertext file',
  builder: (y) =>
    y
      .option('circuit', { type: 'string', demandOption: true, describe: 'Circuit file' })
      .option('keys', { type: 'string', default: 'keys', describe: 'Key folder (fhenet keygen)' })
      .option('input', {
        type: 'string',
        describe:
          "Your own samples: an image, a folder of images, a .npy (one sample or N), or a CSV of rows; read with the circuit's training-data encoding (instead of --dataset test images)",
      })
      .option('dataset', { type: 'string', choices: [...DATASET_NAMES], default: 'mnist', describe: 'Dataset (test split)' })
      .option('index', { type: 'number', default: 0, describe: 'First test image' })
      .option('count', { type: 'number', default: 1, describe: 'Number of images' })
      .option('out', { type: 'string', default: 'inputs.ct', describe: 'Ciphertext file to write' })
      .option('client', {
        type: 'string',
        choices: ['fhenet', 'node-tfhe'],
        describe: 'Expected client of the key folder (default: whichever made it, from its keys.json)',
      }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { loadCircuit, outputSize } = await import('@fhenet/circuit');
    const { keyDirClient, keySetOf, loadClient, loadTfheRsClient, writeCiphertexts, writeTfheRsCiphertextFile } = await import('@fhenet/client');
    if (!Number.isInteger(a.index) || a.index < 0 || !Number.isInteger(a.count) || a.count < 1) {
      throw new Error(`--index must be an integer >= 0 and --count >= 1, got ${a.index} and ${a.count}`);
    }
    const circuit = loadCircuit(a.circuit);
    const kind = keyDirClient(a.keys);
    if (a.client !== undefined && a.client !== kind)
      throw new Error(`--client ${a.client}: the key folder ${a.keys} was made by ${kind === 'node-tfhe' ? 'node-tfhe' : "fhenet's own client"}`);
    // Every input is read and checked before anything is written.
    let raw: Uint8Array;
    let count: number;
    let what: string;
    if (a.input !== undefined) {
      const classes = outputSize(circuit.stages[circuit.stages.length - 1]!.linear);
      const domain = circuitDomain(circuit, classes);
      const s = readInputs(a.input, circuit, classes);
      ({ raw, count } = s);
      const labels = s.labels;
      what = `${count} sample(s) of ${a.input} (${s.names.slice(0, 5).join(', ')}${count > 5 ? ', ...' : ''}${labels ? `; labels ${Array.from(labels.subarray(0, 5), (l) => className(domain, l)).join(', ')}${count > 5 ? ', ...' : ''}` : ''})`;
    } else {
      const data = loadDataset(a.dataset as DatasetName, { split: 'test' });
      if (a.index + a.count > data.count) throw new Error(`--index ${a.index} --count ${a.count}: the ${a.dataset} test split has ${data.count} images`);
      const size = data.images.length / data.count;
      raw = data.images.subarray(a.index * size, (a.index + a.count) * size);
      count = a.count;
      what = `${a.dataset} test images ${a.index}..${a.index + a.count - 1} (labels ${Array.from(data.labels.subarray(a.index, a.index + a.count)).join(' ')})`;
    }
    // The ciphertexts carry the key folder's key-set id: `run` and `decrypt` refuse them with another folder's keys.
    if (kind === 'node-tfhe') {
      const client = loadTfheRsClient(a.keys, circuit);
      writeTfheRsCiphertextFile(a.out, client.params, client.encryptRaw(raw, count), true, keySetOf(a.keys).keySetId);
    } else {
      writeCiphertexts(a.out, loadClient(a.keys, circuit).encryptRaw(raw, count), keySetOf(a.keys).keySetId);
    }
    console.log(`encrypted ${what} with ${kind} -> ${a.out}`);
  },
};
