// The committed models under models/: each loads through the validating reader, its fake-quantized
// forward (rebuilt from the graph alone) reproduces the accuracy recorded at training time on the
// full MNIST test set, it meets the paper's Table 1 accuracy, and its masks provably hold.
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadMnist, type ImageDataset } from '@fhenet/datasets';
import { quantRange, quantSpec, signedBits, worstCaseAccumulator } from '@fhenet/quantization';
import { evaluate, graphAccumulators, graphToModel, initBackend, loadTrainedGraph } from '@fhenet/training';

const MODELS_DIR = fileURLToPath(new URL('../../../models/', import.meta.url));

// name -> [active synapses, accuracy the model must reach: the paper's Table 1 for the FCNN rows
// (the issue's done criterion); the convnets are short runs, compared with the paper in RESULTS.md]
const TABLE1: Record<string, [number, number | null]> = {
  'mnist-fcnn-narrow-150': [150, 0.922],
  'mnist-fcnn-wide-90': [90, 0.965],
  'mnist-fcnn-wide-190': [190, 0.971],
  'mnist-lenet-wide-190': [190, null],
  'mnist-cnn6-wide-190': [190, null],
};

let testSet: ImageDataset;
beforeAll(async () => {
  await initBackend();
  testSet = loadMnist({ split: 'test' });
});

describe('committed models', () => {
  for (const [name, [active, paper]] of Object.entries(TABLE1)) {
    it(`${name}: recorded accuracy reproduces${paper === null ? '' : `, >= paper ${paper * 100}%`}, masks hold`, () => {
      const graph = loadTrainedGraph(`${MODELS_DIR}${name}`);
      expect(graph.name).toBe(name);
      const recorded = graph.training.testAccuracy as number;
      const model = graphToModel(graph);
      const acc = evaluate(model, testSet);
      model.dispose();
      expect(acc).toBe(recorded);
      if (paper !== null) expect(acc).toBeGreaterThanOrEqual(paper);
      for (const a of graphAccumulators(graph)) {
        const layer = graph.layers.find((l) => l.name === a.name)!;
        if (layer.type !== 'dense' && layer.type !== 'conv2d') throw new Error(`${a.name} is not linear`);
        const wRange = quantRange(quantSpec(layer.weightQuantizer.bits, true, layer.weightQuantizer.range));
        expect(a.maxActiveSynapses, a.name).toBeLessThanOrEqual(active);
        // exact accumulator within the closed-form worst case of `active` synapses
        const worst = worstCaseAccumulator(active, wRange, a.inputRange);
        expect(a.range.min).toBeGreaterThanOrEqual(worst.min);
        expect(a.range.max).toBeLessThanOrEqual(worst.max);
        expect(a.bits).toBeLessThanOrEqual(signedBits(worst));
      }
    });
  }
});
