// tfjs model -> trained graph. Every number is read from the same tensors the fake-quantized
// forward uses (quantizer scales included), so the compiler reproduces the tfjs predictions.

import * as tf from '@tensorflow/tfjs';
import { bitWidth } from '@fhenet/quantization';
import { ActQuantizer } from '../layers/act-quantizer.js';
import { QuantConv2D, QuantDense, QuantLinear } from '../layers/quant-linear.js';
import { ACTIVATIONS, type ActivationName, type GraphLayer, type Shape, type TrainedGraph } from '../format/types.js';
import type { QuantParams } from '../format/vocab.js';
import { validateGraph } from '../format/validate.js';

function floats(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

function actParams(q: ActQuantizer): QuantParams {
  const [s, zp] = q.scaleAndZeroPoint();
  const p = { bits: bitWidth(q.bits), signed: q.signed, range: q.range, scale: [...s.dataSync()], zeroPoint: [...zp.dataSync()] };
  tf.dispose([s, zp]);
  return p;
}

function weightParams(l: QuantLinear): QuantParams {
  const s = l.currentWeightScale();
  const scale = [...s.dataSync()];
  s.dispose();
  const base = { bits: bitWidth(l.weightBits), signed: true, range: l.weightRange, scale, zeroPoint: scale.map(() => 0) };
  return scale.length > 1 ? { ...base, axis: l.kShape.length - 1 } : base;
}

/**
 * An accumulator-aware layer's weights as the forward uses them, q * s: its integers come from the
 * weight normalisation and round toward zero, which the format's quantizer (half to even, on the
 * stored weight) reproduces exactly from q * s, not from the raw kernel.
 */
function a2qWeights(l: QuantLinear): Float32Array {
  const w = l.quantizedKernel();
  const out = floats(w);
  w.dispose();
  return out;
}

function sampleShape(layer: tf.layers.Layer, which: 'in' | 'out'): Shape {
  const s = ((which === 'in' ? layer.input : layer.output) as tf.SymbolicTensor).shape as (number | null)[];
  const dims = s.slice(1);
  if (dims.some((d) => d === null)) throw new Error(`layer ${layer.name}: unknown dimension in shape [${s}]`);
  return dims as number[];
}

function weightByName(layer: tf.layers.Layer, suffix: string): Float32Array {
  const w = layer.weights.find((v) => v.originalName.endsWith(`/${suffix}`) || v.name.endsWith(suffix));
  if (w === undefined) throw new Error(`layer ${layer.name}: has no weight named ${suffix}`);
  return floats(w.read());
}

export interface ExportMeta {
  readonly name: string;
  /** Raw byte -> float input: x = byte / divisor (MNIST with 'unit' normalization: 255). */
  readonly inputDivisor: number;
  readonly training: Record<string, unknown>;
}

/** Converts a trained sequential model of fhenet layers to a validated TrainedGraph. */
export function modelToGraph(model: tf.LayersModel, meta: ExportMeta): TrainedGraph {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const first = layers[0];
  if (!(first instanceof ActQuantizer)) {
    throw new Error(`model ${model.name}: the first layer must be an input quantizer (FhenetActQuantizer), got ${first?.getClassName()} ${first?.name}`);
  }
  const out: GraphLayer[] = [];
  for (const l of layers.slice(1)) {
    const base = { name: l.name, inputShape: sampleShape(l, 'in'), outputShape: sampleShape(l, 'out') };
    const cls = l.getClassName();
    if (l instanceof ActQuantizer) {
      out.push({ ...base, type: 'quantizer', quantizer: actParams(l) });
    } else if (l instanceof QuantLinear) {
      const common = {
        weights: l.a2q === undefined ? floats(l.kernel!.read()) : a2qWeights(l),
        bias: l.bias ? floats(l.bias.read()) : null,
        mask: Uint8Array.from(l.mask!.read().dataSync(), (m) => (m !== 0 ? 1 : 0)),
        weightQuantizer: weightParams(l),
        // The budget is recorded once the ramp has reached it (an export mid-ramp keeps none).
        ...(l.a2q !== undefined && l.currentL1Budget() <= l.l1Budget ? { accumulatorBits: l.a2q.accumulatorBits } : {}),
      };
      if (l instanceof QuantDense) out.push({ ...base, type: 'dense', units: l.units, ...common });
      else if (l instanceof QuantConv2D) {
        out.push({ ...base, type: 'conv2d', filters: l.filters, kernelSize: l.kernelSize, strides: l.strides, padding: l.padding, ...common });
      }
    } else if (cls === 'BatchNormalization' || cls === 'FhenetBatchNorm') {
      const c = l.getConfig();
      if (c.center === false || c.scale === false) throw new Error(`layer ${l.name}: batch norm without center/scale is not exported; use the defaults`);
      if (c.axis !== -1 && c.axis !== base.inputShape.length) throw new Error(`layer ${l.name}: batch norm axis must be the last, got ${String(c.axis)}`);
      out.push({
        ...base,
        type: 'batchNorm',
        gamma: weightByName(l, 'gamma'),
        beta: weightByName(l, 'beta'),
        movingMean: weightByName(l, 'moving_mean'),
        movingVariance: weightByName(l, 'moving_variance'),
        epsilon: c.epsilon as number,
      });
    } else if (cls === 'Activation') {
      const a = String(l.getConfig().activation);
      if (!(ACTIVATIONS as readonly string[]).includes(a))
        throw new Error(`layer ${l.name}: activation ${a} is not univariate or not supported (supported: ${ACTIVATIONS.join(', ')})`);
      out.push({ ...base, type: 'activation', activation: a as ActivationName });
    } else if (cls === 'ReLU') {
      out.push({ ...base, type: 'activation', activation: 'relu' });
    } else if (cls === 'LeakyReLU') {
      out.push({ ...base, type: 'activation', activation: 'leakyRelu', alpha: l.getConfig().alpha as number });
    } else if (cls === 'AveragePooling2D') {
      const c = l.getConfig();
      if (c.padding !== 'valid') throw new Error(`layer ${l.name}: average pooling must use padding "valid", got ${String(c.padding)}`);
      const pool = c.poolSize as [number, number];
      const strides = (c.strides ?? pool) as [number, number];
      out.push({ ...base, type: 'avgPool2d', poolSize: [pool[0], pool[1]], strides: [strides[0], strides[1]], padding: 'valid' });
    } else if (cls === 'Flatten') {
      out.push({ ...base, type: 'flatten' });
    } else if (cls === 'Dropout') {
    } else {
      throw new Error(
        `layer ${l.name} (${cls}) cannot be exported: use FhenetQuantDense/FhenetQuantConv2D for linear layers and average pooling instead of max pooling`,
      );
    }
  }
  const inputShape = sampleShape(first, 'in');
  const numClasses = out[out.length - 1]!.outputShape[0] as number;
  const graph: TrainedGraph = {
    name: meta.name,
    inputShape,
    inputScaling: { divisor: meta.inputDivisor },
    numClasses,
    inputQuantizer: actParams(first),
    layers: out,
    training: meta.training,
  };
  validateGraph(graph, `export of model ${model.name}`);
  return graph;
}
