// Batch normalization whose training step is fused: tfjs's stock layer computes moments with
// several reductions and its gradient tiles every per-channel term over the whole activation
// (~30 % of a conv training step, RESULTS.md). This subclass keeps the stock layer's weights,
// config, inference path and export, and in training mode on wasm runs one kernel forward
// (statistics, normalisation, moving averages) and one backward (backend/fused.ts).

import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN, fusedKernels } from '../backend/fused.js';
import { single, type Kwargs } from './common.js';

export type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];

/** The stock layer's fields this subclass uses (public at runtime, untyped in the d.ts). */
interface StockFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

// tfjs-layers does not export the class itself; its serialization registry has it.
const Stock = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization?.[0] as unknown as new (args: BatchNormArgs) => tf.layers.Layer;
if (Stock === undefined) throw new Error('@tensorflow/tfjs-layers registers no BatchNormalization class (version mismatch?)');

export class BatchNorm extends Stock {
  static className = 'FhenetBatchNorm';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = single(inputs);
    const f = this as unknown as StockFields;
    const lastAxis = f.axis === -1 || f.axis === x.rank - 1;
    if (kwargs.training !== true || !fusedKernels() || !lastAxis || !f.center || !f.scale || x.dtype !== 'float32') {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const [y, , , newMean, newVar] = tf
        .engine()
        .runKernel(
          BATCH_NORM_TRAIN,
          { x, gamma: f.gamma.read(), beta: f.beta.read(), movingMean: f.movingMean.read(), movingVariance: f.movingVariance.read() },
          { epsilon: f.epsilon, momentum: f.momentum },
        ) as tf.Tensor[];
      f.movingMean.write(newMean!);
      f.movingVariance.write(newVar!);
      return y!;
    });
  }
}
tf.serialization.registerClass(BatchNorm as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);

/** A fused-training batch norm with the stock layer's arguments. */
export function batchNorm(args: BatchNormArgs): BatchNorm {
  return new BatchNorm(args);
}
