// Walks a sequential model to find, for every quantized linear layer, the quantizer that feeds it
// and any average pooling in between: what the accumulator bound of that layer depends on.

import type * as tf from '@tensorflow/tfjs';
import { ActQuantizer } from '../layers/act-quantizer.js';
import { QuantLinear } from '../layers/quant-linear.js';

export interface LinearInput {
  readonly layer: QuantLinear;
  /** The activation (or input) quantizer whose integers this layer consumes. */
  readonly quantizer: ActQuantizer;
  /** Product of the average-pooling window sizes between quantizer and layer (1 if none). */
  readonly poolArea: number;
}

export function linearInputs(model: tf.LayersModel): LinearInput[] {
  const out: LinearInput[] = [];
  let quantizer: ActQuantizer | undefined;
  let poolArea = 1;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (layer instanceof ActQuantizer) {
      quantizer = layer;
      poolArea = 1;
    } else if (layer instanceof QuantLinear) {
      if (quantizer === undefined) {
        throw new Error(`model ${model.name}: layer ${layer.name} has no quantizer before it; every dense/conv input must be quantized`);
      }
      out.push({ layer, quantizer, poolArea });
      quantizer = undefined;
    } else if (cls === 'AveragePooling2D') {
      const pool = (layer.getConfig().poolSize as number[]) ?? [2, 2];
      poolArea *= (pool[0] as number) * (pool[1] as number);
    } else if (cls !== 'Flatten' && cls !== 'Dropout' && cls !== 'InputLayer') {
      quantizer = undefined; // batch norm, activation...: values are float again
    }
  }
  return out;
}

/** Integer range of the (zero-point-centred) values entering a linear layer, pooling included. */
export function inputIntRange(li: LinearInput): { min: number; max: number } {
  const q = li.quantizer;
  const [, zpT] = q.scaleAndZeroPoint();
  const zp = zpT.dataSync()[0] as number;
  zpT.dispose();
  return { min: (q.qmin - zp) * li.poolArea + 0, max: (q.qmax - zp) * li.poolArea + 0 };
}
