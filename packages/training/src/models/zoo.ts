// The model zoo of the paper (Table 1): FCNN, LeNet, the 6-layer CNN and VGG-9, built from the
// fhenet quantized layers. Every linear layer is followed by batch norm, relu and an activation
// quantizer; pooling is average pooling placed after a quantizer (max pooling is not linear and
// has no place in the integer circuit).

import * as tf from '@tensorflow/tfjs';
import { ActQuantizer, type ActScaleMode } from '../layers/act-quantizer.js';
import { batchNorm } from '../layers/batch-norm.js';
import { qRange, type RangeMode } from '../layers/common.js';
import { QuantConv2D, QuantDense, type A2qConfig, type WeightScaleMode } from '../layers/quant-linear.js';

import { MODEL_NAMES, type ModelName } from './names.js';

export { MODEL_NAMES, type ModelName };

export interface QuantConfig {
  /** Weight bits (signed). Paper: 2. */
  readonly weightBits: number;
  /** Activation bits (unsigned, after relu). Paper: 2. */
  readonly actBits: number;
  /** Input quantizer bits (unsigned). Default: actBits. */
  readonly inputBits?: number;
  /** Narrow or wide range for weights and activations. */
  readonly range: RangeMode;
  readonly perChannel?: boolean;
  readonly weightScaleMode?: WeightScaleMode;
  readonly actScaleMode?: ActScaleMode;
  /** Accumulator-aware weights (A2Q) on every dense/conv layer; see `A2qOptions`. */
  readonly a2q?: A2qOptions;
  /**
   * Requantize after every average pool (an activation quantizer of actBits, learned scale): the
   * next layer then reads actBits-bit integers instead of sums of 4, so its accumulator is 2 bits
   * narrower (the compiler's sum-pool stage requantizes in its table instead of passing the sum
   * on: the same PBS). Default false (the published convnets pass the sum on).
   */
  readonly poolQuantizer?: boolean;
}

/**
 * Accumulator-aware training: every dense/conv layer keeps each output channel's worst-case
 * accumulator within `accumulatorBits` (P) bits, over the integer range of the quantizer feeding it
 * (the input quantizer's for the first layer; times 4 after a 2x2 average pool). `layers` overrides
 * P per layer name (`null`: that layer is unconstrained), e.g. one bit more for a classifier whose
 * accumulator is decoded in the clear, or none for a first layer computed in the clear.
 */
export interface A2qOptions {
  readonly accumulatorBits: number;
  readonly layers?: Readonly<Record<string, number | null>>;
}

export interface ModelConfig extends QuantConfig {
  readonly model: ModelName;
  /** Per-sample input shape: [h, w, c] images (every model), or [n] table rows (fcnn only). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Seed of all initializers (each layer gets seed + its index). */
  readonly seed: number;
  /** Batch-norm moving-statistics momentum (default 0.99; lower it for runs of a few steps). */
  readonly bnMomentum?: number;
  /** Dropout rate before each hidden dense layer (0 = none). */
  readonly dropout?: number;
  /**
   * Width multiplier of every conv and hidden dense layer (default 1 = the paper's widths; the
   * classifier keeps numClasses). VGG-9 at 0.25 is conv 16,16,32,32,64,64 + dense 128,128: ~16x
   * fewer MACs and 4x fewer neurons (PBS) than full width, which this 2-core machine can train.
   */
  readonly width?: number;
}

/** Channels or units of a layer of `base` width at multiplier `width` (at least 1). */
export function scaledWidth(base: number, width: number): number {
  return Math.max(1, Math.round(base * width));
}

/** Layer plan: c<filters> = conv 3x3 same, p = avg pool 2x2, f = flatten, d<units> = dense. */
const PLANS: Record<ModelName, readonly string[]> = {
  fcnn: ['f', 'd192', 'd192'],
  lenet: ['c6:5:same', 'p', 'c16:5:valid', 'p', 'f', 'd120', 'd84'],
  cnn6: ['c8', 'c8', 'p', 'c16', 'c16', 'p', 'f', 'd120'],
  vgg9: ['c64', 'c64', 'p', 'c128', 'c128', 'p', 'c256', 'c256', 'p', 'f', 'd512', 'd512'],
};

/**
 * Throws a RangeError naming the model, the input shape and why, unless `model`'s plan can read
 * samples of `inputShape` and `numClasses` classes: convnets need images whose every convolution
 * and 2x2 pooling still leaves at least one pixel; tables ([n]) fit only the fcnn.
 */
export function checkModelFits(model: ModelName, inputShape: readonly number[], numClasses: number): void {
  const plan = PLANS[model];
  const shape = `[${inputShape.join(', ')}]`;
  if (!Number.isSafeInteger(numClasses) || numClasses < 2) {
    throw new RangeError(`model ${model} cannot be trained on ${numClasses} class(es): a classifier needs at least 2`);
  }
  if (!inputShape.every((d) => Number.isSafeInteger(d) && d > 0) || (inputShape.length !== 1 && inputShape.length !== 3)) {
    throw new RangeError(`model ${model} cannot read inputs of shape ${shape}: expected [h, w, c] images or [n] table rows`);
  }
  const convs = plan.filter((s) => s.startsWith('c') || s === 'p');
  if (inputShape.length === 1) {
    if (convs.length > 0)
      throw new RangeError(
        `model ${model} cannot read inputs of shape ${shape}: it is a convnet, for [h, w, c] images; a table of ${inputShape[0]} features needs the fcnn`,
      );
    return;
  }
  let [h, w] = inputShape as [number, number, number];
  let n = 0;
  for (const step of plan) {
    if (step === 'p') {
      [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
      if (h < 1 || w < 1)
        throw new RangeError(
          `model ${model} cannot read inputs of shape ${shape}: its 2x2 average pooling after layer ${n} needs feature maps of at least 2x2 (the image is too small; it needs at least ${minimumSide(plan)} pixels a side)`,
        );
    } else if (step.startsWith('c')) {
      n++;
      const [, k, pad] = step.slice(1).split(':');
      if ((pad ?? 'same') === 'valid') {
        const kk = Number(k ?? 3);
        [h, w] = [h - kk + 1, w - kk + 1];
        if (h < 1 || w < 1)
          throw new RangeError(
            `model ${model} cannot read inputs of shape ${shape}: its ${kk}x${kk} 'valid' convolution conv${n} needs feature maps of at least ${kk}x${kk} (the image is too small; it needs at least ${minimumSide(plan)} pixels a side)`,
          );
      }
    } else if (step !== 'f') n++;
  }
}

/** The smallest image side a plan reads (every pooling and 'valid' convolution leaves >= 1 pixel). */
function minimumSide(plan: readonly string[]): number {
  let side = 1;
  for (const step of [...plan].reverse()) {
    if (step === 'p') side *= 2;
    else if (step.startsWith('c') && step.endsWith(':valid')) side += Number(step.split(':')[1]) - 1;
  }
  return side;
}

/** Builds a zoo model (uncompiled; train it with `train`). */
export function buildModel(cfg: ModelConfig): tf.Sequential {
  const plan = PLANS[cfg.model];
  if (plan === undefined) throw new RangeError(`model: expected one of ${MODEL_NAMES.join(', ')}, got ${String(cfg.model)}`);
  checkModelFits(cfg.model, cfg.inputShape, cfg.numClasses);
  const width = cfg.width ?? 1;
  if (!(Number.isFinite(width) && width > 0 && width <= 16)) {
    throw new RangeError(`model ${cfg.model}: width multiplier: expected a number in (0, 16], got ${String(cfg.width)}`);
  }
  const wq = {
    weightBits: cfg.weightBits,
    weightRange: cfg.range,
    perChannel: cfg.perChannel ?? false,
    weightScaleMode: cfg.weightScaleMode ?? 'lsq',
  };
  const actQ = (name: string, bits: number, mode: ActScaleMode) => new ActQuantizer({ name, bits, signed: false, range: cfg.range, mode });
  // A2Q: the width of the integers entering the next linear layer (quantizer range x pool area).
  const spanOf = (bits: number) => {
    const r = qRange(bits, false, cfg.range);
    return r.qmax - r.qmin;
  };
  let inputSpan = spanOf(cfg.inputBits ?? cfg.actBits);
  const a2qUsed = new Set<string>();
  const a2qOf = (name: string): { a2q?: A2qConfig } => {
    if (cfg.a2q === undefined) return {};
    const override = cfg.a2q.layers?.[name];
    if (override !== undefined) a2qUsed.add(name);
    const bits = override === undefined ? cfg.a2q.accumulatorBits : override;
    return bits === null ? {} : { a2q: { accumulatorBits: bits, inputSpan } };
  };
  const model = tf.sequential({ name: cfg.model });
  let seed = cfg.seed;
  model.add(tf.layers.inputLayer({ inputShape: [...cfg.inputShape], name: 'input' }));
  // Input pixels are in [0, 1]: track min/max so the input scale stays 1/(2^b - 1)-like and zp 0.
  model.add(actQ('input_quant', cfg.inputBits ?? cfg.actBits, 'minmax'));
  let n = 0;
  const post = () => {
    model.add(batchNorm({ name: `bn${n}`, axis: -1, momentum: cfg.bnMomentum ?? 0.99 }));
    model.add(tf.layers.activation({ name: `relu${n}`, activation: 'relu' }));
    model.add(actQ(`quant${n}`, cfg.actBits, cfg.actScaleMode ?? 'lsq'));
    inputSpan = spanOf(cfg.actBits);
  };
  for (const step of plan) {
    if (step === 'p') {
      model.add(tf.layers.averagePooling2d({ name: `pool${n}`, poolSize: 2, strides: 2, padding: 'valid' }));
      if (cfg.poolQuantizer) {
        model.add(actQ(`pool_quant${n}`, cfg.actBits, cfg.actScaleMode ?? 'lsq'));
        inputSpan = spanOf(cfg.actBits);
      } else inputSpan *= 4;
    } else if (step === 'f') {
      if (cfg.inputShape.length > 1) model.add(tf.layers.flatten({ name: 'flatten' })); // table rows are flat already
    } else if (step.startsWith('c')) {
      const [filters, k, pad] = step.slice(1).split(':');
      n++;
      model.add(
        new QuantConv2D({
          name: `conv${n}`,
          filters: scaledWidth(Number(filters), width),
          kernelSize: Number(k ?? 3),
          padding: (pad ?? 'same') as 'same' | 'valid',
          useBias: false, // batch norm follows: a bias would be redundant
          seed: seed++,
          ...wq,
          ...a2qOf(`conv${n}`),
        }),
      );
      post();
    } else {
      n++;
      if (cfg.dropout) model.add(tf.layers.dropout({ name: `dropout${n}`, rate: cfg.dropout, seed: seed++ }));
      model.add(
        new QuantDense({ name: `dense${n}`, units: scaledWidth(Number(step.slice(1)), width), useBias: false, seed: seed++, ...wq, ...a2qOf(`dense${n}`) }),
      );
      post();
    }
  }
  model.add(new QuantDense({ name: 'classifier', units: cfg.numClasses, useBias: true, seed: seed++, ...wq, ...a2qOf('classifier') }));
  const unknown = Object.keys(cfg.a2q?.layers ?? {}).filter((k) => !a2qUsed.has(k));
  if (unknown.length > 0) {
    const names = model.layers.filter((l) => l instanceof QuantDense || l instanceof QuantConv2D).map((l) => l.name);
    model.dispose();
    throw new RangeError(`a2q.layers: model ${cfg.model} has no dense/conv layer named ${unknown.join(', ')} (its layers: ${names.join(', ')})`);
  }
  return model;
}

/**
 * Multiply-accumulates of one sample's forward pass through a zoo model's conv and dense layers
 * (what the work of a training step scales with; initBackend's 'auto' threads use it).
 */
export function modelMacs(cfg: Pick<ModelConfig, 'model' | 'inputShape' | 'numClasses' | 'width'>): number {
  const plan = PLANS[cfg.model];
  if (plan === undefined) throw new RangeError(`model: expected one of ${MODEL_NAMES.join(', ')}, got ${String(cfg.model)}`);
  // A table row [features] counts as a 1x1 image with one channel per feature.
  let [h, w, c] = (cfg.inputShape.length === 1 ? [1, 1, cfg.inputShape[0]] : cfg.inputShape) as [number, number, number];
  let macs = 0;
  for (const step of plan) {
    if (step === 'p') [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    else if (step === 'f') [h, w, c] = [1, 1, h * w * c];
    else if (step.startsWith('c')) {
      const [filters, k = '3', pad = 'same'] = step.slice(1).split(':');
      const kk = Number(k);
      if (pad === 'valid') [h, w] = [h - kk + 1, w - kk + 1];
      const out = scaledWidth(Number(filters), cfg.width ?? 1);
      macs += h * w * kk * kk * c * out;
      c = out;
    } else {
      const out = scaledWidth(Number(step.slice(1)), cfg.width ?? 1);
      macs += c * out;
      c = out;
    }
  }
  return macs + c * cfg.numClasses;
}
