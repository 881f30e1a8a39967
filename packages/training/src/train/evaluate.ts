// Accuracy of the fake-quantized model (inference mode: running statistics, no dropout).

import * as tf from '@tensorflow/tfjs';
import { batches, sampleShape, type ImageDataset } from '@fhenet/datasets';

export function evaluate(model: tf.LayersModel, data: ImageDataset, batchSize = 1000): number {
  let correct = 0;
  for (const b of batches(data, batchSize, { shuffle: false })) {
    const pred = tf.tidy(() => {
      const x = tf.tensor(b.x, [b.size, ...sampleShape(data)]);
      // apply, not predict: predict re-batches by 32 with slice, which on wasm copies the whole
      // input tensor per batch (measured 5 s instead of 0.3 s for 1000 MNIST images).
      return tf.argMax(model.apply(x, { training: false }) as tf.Tensor, 1);
    });
    const p = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < b.size; i++) if (p[i] === b.y[i]) correct++;
  }
  return correct / data.count;
}
