// Quantized dense and conv2d layers: weights fake-quantized (signed, zero point 0, per tensor or per
// output channel) after multiplying by a pruning mask. The mask is a non-trainable weight, so
// pruned synapses are zero in the forward pass and get zero gradient in the backward pass.
// Optionally accumulator-aware (A2Q, Colbert et al. 2023): every output channel's integer weights
// keep an L1 norm that bounds its worst-case accumulator (see `A2qConfig`).

import * as tf from '@tensorflow/tfjs';
import { checkQuantConfig, qRange, single, type Kwargs, type LayerArgs, type RangeMode } from './common.js';
import { A2Q_WEIGHTS, fusedKernels } from '../backend/fused.js';
import { fixedQuantize, lsqQuantize, lsqScale } from './fake-quant.js';
import { a2qBudget, a2qCheck, A2Q_MARGIN, scaleGradient, type A2qConfig } from './a2q.js';

export type { A2qConfig };

/** 'lsq': learned scale; 'maxabs': max|w|/qmax each step; 'fixed': given (imported graphs). */
export type WeightScaleMode = 'lsq' | 'maxabs' | 'fixed';

export interface QuantLinearArgs extends LayerArgs {
  weightBits: number;
  weightRange: RangeMode;
  perChannel?: boolean;
  weightScaleMode?: WeightScaleMode;
  useBias?: boolean;
  /** Seed of the glorot-uniform kernel initializer. */
  seed?: number;
  /** Accumulator-aware weights (A2Q): the worst-case accumulator budget; needs weightScaleMode 'lsq'. */
  a2q?: A2qConfig;
}

export abstract class QuantLinear extends tf.layers.Layer {
  readonly weightBits: number;
  readonly weightRange: RangeMode;
  readonly perChannel: boolean;
  readonly weightScaleMode: WeightScaleMode;
  readonly useBias: boolean;
  readonly seed: number | undefined;
  readonly qmin: number;
  readonly qmax: number;
  readonly a2q: A2qConfig | undefined;
  /** The L1 budget of each channel's integer weights that `a2q` gives (Infinity without a2q). */
  readonly l1Budget: number;
  kernel?: tf.LayerVariable;
  bias?: tf.LayerVariable;
  mask?: tf.LayerVariable;
  weightScale?: tf.LayerVariable;
  /** A2Q: the learned per-channel norm g (trainable) and the L1 budget in force (the trainer ramps it). */
  a2qNorm?: tf.LayerVariable;
  a2qBudget?: tf.LayerVariable;
  /** Kernel shape, known after build; the last axis is the output channel. */
  kShape: number[] = [];

  constructor(args: QuantLinearArgs) {
    super(args);
    this.weightBits = args.weightBits;
    this.weightRange = args.weightRange;
    this.perChannel = args.perChannel ?? false;
    this.weightScaleMode = args.weightScaleMode ?? 'lsq';
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
    checkQuantConfig(this.name, 'weightBits', this.weightBits, true, this.weightRange);
    if (!['lsq', 'maxabs', 'fixed'].includes(this.weightScaleMode)) {
      throw new RangeError(`layer ${this.name}: weightScaleMode: expected lsq, maxabs or fixed, got ${String(this.weightScaleMode)}`);
    }
    ({ qmin: this.qmin, qmax: this.qmax } = qRange(this.weightBits, true, this.weightRange));
    this.a2q = args.a2q;
    this.l1Budget = Infinity;
    if (this.a2q !== undefined) {
      a2qCheck(this.name, this.a2q);
      if (this.weightScaleMode !== 'lsq') {
        throw new RangeError(`layer ${this.name}: a2q needs a learned weight scale (weightScaleMode 'lsq'), got '${this.weightScaleMode}'`);
      }
      this.l1Budget = a2qBudget(this.a2q);
    }
  }

  /** Kernel shape for an input of this many channels; the last axis is the output channel. */
  abstract kernelShape(inChannels: number): number[];
  /** The linear op on (quantized input, quantized masked kernel). */
  protected abstract linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor;

  get outChannels(): number {
    if (this.kShape.length === 0) throw new Error(`layer ${this.name}: not built yet`);
    return this.kShape[this.kShape.length - 1] as number;
  }

  /** Synapses per output neuron (product of all kernel axes but the last). */
  get fanIn(): number {
    return this.kShape.slice(0, -1).reduce((a, b) => a * b, 1);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inC = shape[shape.length - 1];
    if (typeof inC !== 'number') throw new Error(`layer ${this.name}: the input's last axis must be known, got ${JSON.stringify(shape)}`);
    const ks = this.kernelShape(inC);
    const outC = ks[ks.length - 1] as number;
    this.kShape = ks;
    this.kernel = this.addWeight('kernel', ks, 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    if (this.useBias) this.bias = this.addWeight('bias', [outC], 'float32', tf.initializers.zeros());
    this.mask = this.addWeight('mask', ks, 'float32', tf.initializers.ones(), undefined, false);
    const scaleShape = [this.perChannel ? outC : 1];
    const trainableScale = this.weightScaleMode === 'lsq';
    if (this.weightScaleMode !== 'maxabs') {
      this.weightScale = this.addWeight('weight_scale', scaleShape, 'float32', tf.initializers.ones(), undefined, trainableScale);
      if (trainableScale) {
        // LSQ init: s = 2 mean|w| / sqrt(qmax), per channel or per tensor. Rounding toward zero
        // (A2Q) has its thresholds at the integers instead of the half-integers: half that scale
        // gives the same initial non-zero weights.
        const kernel = this.kernel;
        tf.tidy(() => {
          const a = tf.abs(kernel.read());
          const m = this.perChannel
            ? tf.mean(
                a,
                Array.from({ length: ks.length - 1 }, (_, i) => i),
              )
            : tf.reshape(tf.mean(a), [1]);
          this.weightScale!.write(tf.div(tf.mul(m, this.a2q ? 1 : 2), Math.sqrt(this.qmax)));
        });
      }
    }
    if (this.a2q !== undefined) {
      // g starts at each channel's L1 norm: unconstrained by it, the layer starts as plain LSQ.
      const kernel = this.kernel;
      this.a2qNorm = this.addWeight('a2q_norm', [outC], 'float32', tf.initializers.ones(), undefined, true);
      this.a2qBudget = this.addWeight('a2q_budget', [1], 'float32', tf.initializers.constant({ value: this.l1Budget }), undefined, false);
      tf.tidy(() => {
        this.a2qNorm!.write(tf.sum(tf.abs(kernel.read()), this.fanInAxes()));
      });
    }
    this.built = true;
  }

  /** LSQ's gradient scale of the weight scale: 1/sqrt(weights per scale * qmax). */
  private lsqGradScale(): number {
    return 1 / Math.sqrt(this.fanIn * (this.perChannel ? 1 : this.outChannels) * this.qmax);
  }

  /** Every kernel axis but the last (the output channel). */
  private fanInAxes(): number[] {
    return Array.from({ length: this.kShape.length - 1 }, (_, i) => i);
  }

  /** The L1 budget in force now (the trainer ramps it down to l1Budget); Infinity without a2q. */
  currentL1Budget(): number {
    return this.a2qBudget === undefined ? Infinity : (this.a2qBudget.read().dataSync()[0] as number);
  }

  /** Sets the L1 budget in force: between l1Budget (the final one) and any larger value. */
  setL1Budget(budget: number): void {
    if (this.a2qBudget === undefined) throw new Error(`layer ${this.name}: has no a2q budget`);
    if (!(budget >= this.l1Budget)) throw new RangeError(`layer ${this.name}: a2q budget: expected >= ${this.l1Budget}, got ${budget}`);
    tf.tidy(() => {
      this.a2qBudget!.write(tf.tensor1d([budget]));
    });
  }

  /** The weight scale in effect now: [1] or [outChannels]. Export reads this same tensor. */
  currentWeightScale(): tf.Tensor {
    return tf.tidy(() => {
      if (this.weightScaleMode === 'lsq') return lsqScale(this.weightScale!.read());
      if (this.weightScaleMode === 'fixed') return this.weightScale!.read().clone();
      const a = tf.abs(tf.mul(this.kernel!.read(), this.mask!.read()));
      const r = this.kShape.length;
      const m = this.perChannel
        ? tf.max(
            a,
            Array.from({ length: r - 1 }, (_, i) => i),
          )
        : tf.reshape(tf.max(a), [1]);
      return tf.maximum(tf.div(m, this.qmax), 1e-8);
    });
  }

  /** mask * kernel, fake-quantized: what the forward multiplies the input by. */
  quantizedKernel(): tf.Tensor {
    return tf.tidy(() => {
      const kernel = this.kernel!.read();
      const mask = this.mask!.read();
      if (this.a2q !== undefined) return this.a2qKernel(kernel, mask);
      if (this.weightScaleMode === 'lsq') {
        return lsqQuantize(kernel, this.weightScale!.read(), this.qmin, this.qmax, this.lsqGradScale(), mask);
      }
      return fixedQuantize(kernel, this.currentWeightScale(), tf.zeros([1]), this.qmin, this.qmax, mask);
    });
  }

  /**
   * A2Q's weight normalisation: per output channel c, with u = kernel * mask, s the weight scale,
   * g the learned norm and B the L1 budget in force,
   *   q = clamp(trunc(u * min(|g|, B' s) / (||u_c||_1 s)), qmin, qmax),   out = q * s,
   * B' = B (1 - A2Q_MARGIN). The argument of trunc has L1 norm min(|g|/s, B') <= B' per channel, and
   * trunc never grows a magnitude, so ||q_c||_1 <= B (the margin absorbs float32 rounding). Every
   * path to the scale gets LSQ's gradient scale. On wasm one fused kernel (backend/fused.ts, two
   * passes forward, two backward); elsewhere these tf ops, with the same values and gradients.
   */
  private a2qKernel(kernel: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    const raw = this.weightScale!.read();
    const gs = this.lsqGradScale();
    if (fusedKernels()) {
      const inputs = { x: kernel, mask, s: raw, g: this.a2qNorm!.read(), budget: this.a2qBudget!.read() };
      const attrs = { qmin: this.qmin, qmax: this.qmax, gradScale: gs, margin: A2Q_MARGIN };
      return (tf.engine().runKernel(A2Q_WEIGHTS, inputs, attrs) as tf.Tensor[])[0]!;
    }
    const u = tf.mul(kernel, mask);
    const norm = tf.maximum(tf.sum(tf.abs(u), this.fanInAxes()), 1e-30);
    // broadcastTo: tfjs's Minimum gradient does not reduce a broadcast input (a per-tensor scale).
    const cap = tf.broadcastTo(tf.mul(tf.mul(this.a2qBudget!.read(), 1 - A2Q_MARGIN), scaleGradient(lsqScale(raw), gs)), [this.outChannels]);
    const gain = tf.div(tf.minimum(tf.abs(this.a2qNorm!.read()), cap), norm);
    return lsqQuantize(tf.mul(u, gain), raw, this.qmin, this.qmax, gs, undefined, 'towardZero');
  }

  /** Replaces the pruning mask (values 0/1, kernel layout). */
  setMask(mask: Float32Array): void {
    const n = this.kShape.reduce((a, b) => a * b, 1);
    if (mask.length !== n) throw new RangeError(`layer ${this.name}: mask: expected ${n} values (${this.kShape.join('x')}), got ${mask.length}`);
    tf.tidy(() => {
      this.mask!.write(tf.tensor(mask, this.kShape));
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const y = this.linear(single(inputs), this.quantizedKernel());
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      weightBits: this.weightBits,
      weightRange: this.weightRange,
      perChannel: this.perChannel,
      weightScaleMode: this.weightScaleMode,
      useBias: this.useBias,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      ...(this.a2q === undefined ? {} : { a2q: { ...this.a2q } }),
    };
  }
}

export interface QuantDenseArgs extends QuantLinearArgs {
  units: number;
}

export class QuantDense extends QuantLinear {
  static className = 'FhenetQuantDense';
  readonly units: number;

  constructor(args: QuantDenseArgs) {
    super(args);
    this.units = args.units;
    if (!Number.isInteger(this.units) || this.units < 1) throw new RangeError(`layer ${this.name}: units: expected a positive integer, got ${this.units}`);
  }

  kernelShape(inChannels: number): number[] {
    return [inChannels, this.units];
  }

  protected linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    if (x.rank !== 2) throw new Error(`layer ${this.name}: expected a rank-2 input [batch, features] (add a flatten layer), got shape [${x.shape}]`);
    return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...s.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}
tf.serialization.registerClass(QuantDense);

export interface QuantConv2DArgs extends QuantLinearArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'same' | 'valid';
}

const pair = (v: number | [number, number]): [number, number] => (Array.isArray(v) ? [v[0], v[1]] : [v, v]);

export class QuantConv2D extends QuantLinear {
  static className = 'FhenetQuantConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';

  constructor(args: QuantConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    if (!Number.isInteger(this.filters) || this.filters < 1)
      throw new RangeError(`layer ${this.name}: filters: expected a positive integer, got ${this.filters}`);
    if (this.padding !== 'same' && this.padding !== 'valid')
      throw new RangeError(`layer ${this.name}: padding: expected same or valid, got ${String(this.padding)}`);
  }

  kernelShape(inChannels: number): number[] {
    return [this.kernelSize[0], this.kernelSize[1], inChannels, this.filters];
  }

  protected linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    if (x.rank !== 4) throw new Error(`layer ${this.name}: expected a rank-4 NHWC input, got shape [${x.shape}]`);
    return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, this.strides, this.padding);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const out = [1, 2].map((a, i) => {
      const n = s[a];
      if (n === null || n === undefined) return null;
      const k = this.kernelSize[i] as number,
        st = this.strides[i] as number;
      return this.padding === 'same' ? Math.ceil(n / st) : Math.floor((n - k) / st) + 1;
    });
    return [s[0] ?? null, out[0] ?? null, out[1] ?? null, this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding };
  }
}
tf.serialization.registerClass(QuantConv2D);
