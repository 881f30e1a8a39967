// `fhenet demo`: the main job, end to end, on real data.
import type { CommandModule } from 'yargs';
import { loadMnist } from '@fhenet/datasets';
import {
  calibrateMinMax,
  maxActiveSynapses,
  quantRange,
  quantSpec,
  quantize,
  worstCaseAccumulator,
  signedBits,
} from '@fhenet/quantization';

interface DemoArgs {
  images: number;
}

const SHADES = [' ', '.', '+', '#'];

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'Run the main job on real MNIST test images',
  builder: (y) =>
    y.option('images', { type: 'number', default: 3, describe: 'How many MNIST test images to show' }),
  handler: (args) => {
    const test = loadMnist({ split: 'test' });
    const counts = new Array<number>(test.numClasses).fill(0);
    for (const label of test.labels) counts[label] = (counts[label] ?? 0) + 1;
    console.log(`MNIST test set: ${test.count} images ${test.height}x${test.width}, per class ${counts.join(' ')}`);

    // The client's first step: quantize pixels to the network's 2-bit unsigned input quantizer.
    const input = calibrateMinMax(quantSpec(2, false, 'wide'), 0, 1);
    const pixels = test.height * test.width;
    for (let i = 0; i < Math.min(args.images, test.count); i++) {
      const x = Float32Array.from(test.images.subarray(i * pixels, (i + 1) * pixels), (v) => v / 255);
      const q = quantize(x, input);
      console.log(`\nimage ${i}, label ${test.labels[i]}, quantized to 2 bits:`);
      for (let r = 0; r < test.height; r += 2) {
        let line = '';
        for (let c = 0; c < test.width; c++) line += SHADES[q[r * test.width + c] ?? 0];
        console.log('  ' + line);
      }
    }

    // Why pruning: the worst-case accumulator of one neuron grows with its active synapses.
    const act = quantRange(quantSpec(2, false, 'wide'));
    console.log('\nActive synapses per neuron that keep the worst-case accumulator within a budget');
    console.log('(2-bit weights, 2-bit unsigned activations):');
    console.log('  budget bits | narrow weights | wide weights');
    for (const bits of [6, 7, 8, 9, 10]) {
      const narrow = maxActiveSynapses(bits, quantRange(quantSpec(2, true, 'narrow')), act);
      const wide = maxActiveSynapses(bits, quantRange(quantSpec(2, true, 'wide')), act);
      console.log(`  ${String(bits).padStart(11)} | ${String(narrow).padStart(14)} | ${String(wide).padStart(12)}`);
    }
    const w = quantRange(quantSpec(2, true, 'wide'));
    const full = worstCaseAccumulator(784, w, act);
    console.log(`  a dense neuron over all 784 pixels needs ${signedBits(full)} bits in the worst case.`);
  },
};
