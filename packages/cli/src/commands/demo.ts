// `fhenet demo`: the main job end to end on real data — a pretrained MNIST network from models/,
// compiled to an integer circuit, keys generated, real test images encrypted, classified by a
// server half that holds evaluation keys only, decrypted, and compared with the clear simulation.
// Composition only: every step is a package call.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import type { Circuit } from '@fhenet/circuit';
import { loadDataset } from '@fhenet/datasets';
import { PUBLISHED_MODEL_NAMES } from '@fhenet/models';
import { loadTrainedGraph } from '@fhenet/training/format';

interface DemoArgs {
  model: string;
  images: number;
  index: number;
}

/** The compiled circuit of a model folder, compiled (and cached beside the model) on first use. */
async function circuitFor(modelDir: string): Promise<Circuit> {
  const { compile, formatReport } = await import('@fhenet/compiler');
  const { loadCircuit, saveCircuit } = await import('@fhenet/circuit');
  const cached = join(modelDir, 'circuit.json');
  if (existsSync(cached)) {
    console.log(`circuit: ${cached}`);
    return loadCircuit(cached);
  }
  const graph = loadTrainedGraph(modelDir);
  const calibration = loadDataset('mnist', { split: 'train', limit: 10000 });
  console.log(`compiling ${modelDir} (calibration: ${calibration.count} MNIST training images)...`);
  const { circuit, report } = compile(graph, { pError: 1e-6, calibration: { raw: calibration.images, count: calibration.count } });
  console.log(formatReport(report));
  saveCircuit(cached, circuit);
  return circuit;
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'The main job: classify real MNIST test images encrypted with a pretrained network',
  builder: (y) =>
    y
      .option('model', {
        type: 'string',
        default: 'mnist-fcnn-narrow-150',
        describe: `Published model (${PUBLISHED_MODEL_NAMES.join(', ')}) or a model folder`,
      })
      .option('images', { type: 'number', default: 2, describe: 'How many MNIST test images to classify encrypted' })
      .option('index', { type: 'number', default: 0, describe: 'First MNIST test image' }),
  handler: async (a) => {
    // Packages load here, not at module load: `fhenet --help` and light commands stay light.
    const { predict } = await import('@fhenet/client');
    const { isApproximate } = await import('@fhenet/circuit');
    const { modelDir } = await import('@fhenet/models');
    const circuit = await circuitFor(modelDir(a.model));
    const test = loadDataset('mnist', { split: 'test' });
    if (!Number.isInteger(a.images) || a.images < 1 || a.index < 0 || a.index + a.images > test.count) {
      throw new Error(`--index ${a.index} --images ${a.images}: need 1 or more images within the ${test.count} test images`);
    }
    const size = test.images.length / test.count;
    console.log(`circuit ${circuit.name}: ${circuit.bits}-bit, ${circuit.stages.length} stages, parameters ${circuit.parameters?.set.name ?? 'none'}`);
    const r = await predict({
      circuit,
      images: test.images.subarray(a.index * size, (a.index + a.images) * size),
      labels: test.labels.subarray(a.index, a.index + a.images),
      count: a.images,
      batchSize: 1,
      log: (line) => console.log(line),
    });
    console.log('\nindex  label  clear (simulated)  encrypted');
    for (const s of r.samples) {
      console.log(
        `${String(a.index + s.index).padStart(5)}  ${String(s.label).padStart(5)}  ${String(s.simulated).padStart(17)}  ${String(s.encrypted).padStart(9)}`,
      );
    }
    const perImage = r.batches.map((b) => b.wallMs / 1000 / b.samples).sort((x, y) => x - y);
    const approximate = circuit.stages.some(isApproximate);
    console.log(
      `\nencrypted == clear on every integer of every image: ${r.exact ? 'yes' : approximate ? 'no (approximate rounding: integers near bucket edges may differ)' : 'NO'}; ` +
        `keygen ${r.keygenSeconds.toFixed(1)} s; median ${perImage[perImage.length >> 1]!.toFixed(1)} s per encrypted image`,
    );
    if (!r.exact && !approximate) process.exitCode = 1;
  },
};
