// Trained graph -> tfjs model with fixed quantizers: runs the exact fake-quantized forward the graph
// describes. Used to check committed models and as the reference for the compiler's simulator.

import * as tf from '@tensorflow/tfjs';
import { ActQuantizer } from '../layers/act-quantizer.js';
import { QuantConv2D, QuantDense, type QuantLinear } from '../layers/quant-linear.js';
import type { DenseLayer, Conv2dLayer, TrainedGraph } from '../format/types.js';
import type { QuantParams } from '../format/vocab.js';

function fixedQuantizer(name: string, q: QuantParams): ActQuantizer {
  return new ActQuantizer({
    name,
    bits: q.bits,
    signed: q.signed,
    range: q.range,
    mode: 'fixed',
    scale: q.scale[0] as number,
    zeroPoint: q.zeroPoint[0] as number,
  });
}

function setLinear(layer: QuantLinear, g: DenseLayer | Conv2dLayer): void {
  const shape = layer.kShape;
  layer.kernel!.write(tf.tensor(g.weights, shape));
  if (g.bias !== null) layer.bias!.write(tf.tensor1d(g.bias));
  layer.mask!.write(tf.tensor(Float32Array.from(g.mask), shape));
  layer.weightScale!.write(tf.tensor1d(g.weightQuantizer.scale as number[]));
}

/** Builds a tfjs model computing exactly the graph's fake-quantized forward (inference mode). */
export function graphToModel(graph: TrainedGraph): tf.Sequential {
  const model = tf.sequential({ name: graph.name });
  model.add(tf.layers.inputLayer({ inputShape: [...graph.inputShape], name: 'input' }));
  model.add(fixedQuantizer('input_quant', graph.inputQuantizer));
  const pending: [QuantLinear, DenseLayer | Conv2dLayer][] = [];
  const bns: [tf.layers.Layer, Float32Array[]][] = [];
  for (const l of graph.layers) {
    switch (l.type) {
      case 'quantizer':
        model.add(fixedQuantizer(l.name, l.quantizer));
        break;
      case 'dense':
      case 'conv2d': {
        const wq = {
          name: l.name,
          weightBits: l.weightQuantizer.bits,
          weightRange: l.weightQuantizer.range,
          perChannel: l.weightQuantizer.scale.length > 1,
          weightScaleMode: 'fixed' as const,
          useBias: l.bias !== null,
        };
        const layer =
          l.type === 'dense'
            ? new QuantDense({ ...wq, units: l.units })
            : new QuantConv2D({
                ...wq,
                filters: l.filters,
                kernelSize: [...l.kernelSize] as [number, number],
                strides: [...l.strides] as [number, number],
                padding: l.padding,
              });
        model.add(layer);
        pending.push([layer, l]);
        break;
      }
      case 'batchNorm': {
        const bn = tf.layers.batchNormalization({ name: l.name, axis: -1, epsilon: l.epsilon });
        model.add(bn);
        bns.push([bn, [l.gamma, l.beta, l.movingMean, l.movingVariance]]);
        break;
      }
      case 'activation':
        model.add(
          l.activation === 'leakyRelu'
            ? tf.layers.leakyReLU({ name: l.name, alpha: l.alpha! })
            : tf.layers.activation({ name: l.name, activation: l.activation as 'relu' }),
        );
        break;
      case 'avgPool2d':
        model.add(
          tf.layers.averagePooling2d({
            name: l.name,
            poolSize: [...l.poolSize] as [number, number],
            strides: [...l.strides] as [number, number],
            padding: 'valid',
          }),
        );
        break;
      case 'flatten':
        model.add(tf.layers.flatten({ name: l.name }));
        break;
    }
  }
  tf.tidy(() => {
    for (const [layer, g] of pending) setLinear(layer, g);
    for (const [bn, ws] of bns) bn.setWeights(ws.map((w) => tf.tensor1d(w)));
  });
  return model;
}
