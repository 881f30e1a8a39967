// Activation (and input) quantizer layer: bits, signed/unsigned, narrow/wide, with the scale either
// learned (LSQ), tracked from running min/max statistics, or fixed (imported graphs).

import * as tf from '@tensorflow/tfjs';
import { checkQuantConfig, qRange, single, type Kwargs, type LayerArgs, type RangeMode } from './common.js';
import { fixedQuantize, lsqQuantize, lsqScale } from './fake-quant.js';

export type ActScaleMode = 'lsq' | 'minmax' | 'fixed';

export interface ActQuantizerArgs extends LayerArgs {
  bits: number;
  signed: boolean;
  range: RangeMode;
  /** 'lsq': learned scale, zero point 0; 'minmax': EMA of batch min/max; 'fixed': given scale/zeroPoint. */
  mode: ActScaleMode;
  /** EMA momentum of the min/max statistics (minmax mode). Default 0.9. */
  momentum?: number;
  /** Fixed mode only. */
  scale?: number;
  zeroPoint?: number;
}

export class ActQuantizer extends tf.layers.Layer {
  static className = 'FhenetActQuantizer';
  readonly bits: number;
  readonly signed: boolean;
  readonly range: RangeMode;
  readonly mode: ActScaleMode;
  /** EMA momentum of the min/max statistics; statistics re-estimation (train/statistics.ts) sets it per batch. */
  momentum: number;
  readonly fixedScale: number;
  readonly fixedZeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
  private scaleVar?: tf.LayerVariable;
  private minVar?: tf.LayerVariable;
  private maxVar?: tf.LayerVariable;
  private initVar?: tf.LayerVariable;
  /** JS cache of initVar so the hot loop does not read it back every step. */
  private initialized = false;

  constructor(args: ActQuantizerArgs) {
    super(args);
    this.bits = args.bits;
    this.signed = args.signed;
    this.range = args.range;
    this.mode = args.mode;
    this.momentum = args.momentum ?? 0.9;
    this.fixedScale = args.scale ?? 1;
    this.fixedZeroPoint = args.zeroPoint ?? 0;
    checkQuantConfig(this.name, 'bits', this.bits, this.signed, this.range);
    if (!['lsq', 'minmax', 'fixed'].includes(this.mode))
      throw new RangeError(`layer ${this.name}: mode: expected lsq, minmax or fixed, got ${String(this.mode)}`);
    ({ qmin: this.qmin, qmax: this.qmax } = qRange(this.bits, this.signed, this.range));
    if (this.mode === 'fixed' && !(this.fixedScale > 0)) throw new RangeError(`layer ${this.name}: scale: expected > 0, got ${this.fixedScale}`);
  }

  override build(): void {
    const nonTrainable = (name: string, init: ReturnType<typeof tf.initializers.zeros>) => this.addWeight(name, [1], 'float32', init, undefined, false);
    if (this.mode === 'lsq') {
      this.scaleVar = this.addWeight('scale', [1], 'float32', tf.initializers.constant({ value: 1 / this.qmax }), undefined, true);
    } else if (this.mode === 'minmax') {
      this.minVar = nonTrainable('running_min', tf.initializers.zeros());
      this.maxVar = nonTrainable('running_max', tf.initializers.ones());
    }
    if (this.mode !== 'fixed') this.initVar = nonTrainable('initialized', tf.initializers.zeros());
    this.built = true;
  }

  private isInitialized(): boolean {
    if (!this.initialized && this.initVar !== undefined) this.initialized = this.initVar.read().dataSync()[0] === 1;
    return this.initialized || this.mode === 'fixed';
  }

  /** First training batch: LSQ scale = 2 mean|x| / sqrt(qmax); min/max = the batch's. */
  private initFrom(x: tf.Tensor): void {
    tf.tidy(() => {
      if (this.mode === 'lsq') {
        const s = tf.maximum(tf.div(tf.mul(2, tf.mean(tf.abs(x))), Math.sqrt(Math.max(Math.abs(this.qmin), this.qmax))), 1e-6);
        this.scaleVar!.write(tf.reshape(s, [1]));
      } else {
        this.minVar!.write(tf.reshape(tf.min(x), [1]));
        this.maxVar!.write(tf.reshape(tf.max(x), [1]));
      }
      this.initVar!.write(tf.ones([1]));
    });
    this.initialized = true;
  }

  /**
   * Scale and zero point in effect now, as float32 tensors of shape [1]. Export reads these
   * same tensors, so the exported values are bit-identical to the forward's.
   */
  scaleAndZeroPoint(): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      if (this.mode === 'fixed') return [tf.tensor1d([this.fixedScale]), tf.tensor1d([this.fixedZeroPoint])];
      if (this.mode === 'lsq') return [lsqScale(this.scaleVar!.read()), tf.zeros([1])];
      const lo = tf.minimum(this.minVar!.read(), 0);
      const hi = tf.maximum(this.maxVar!.read(), 0);
      const s = tf.maximum(tf.div(tf.sub(hi, lo), this.qmax - this.qmin), 1e-8);
      const zp = tf.clipByValue(tf.round(tf.sub(this.qmin, tf.div(lo, s))), this.qmin, this.qmax);
      return [s, zp];
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    const training = kwargs.training === true;
    if (training && this.mode !== 'fixed' && !this.isInitialized()) this.initFrom(x);
    return tf.tidy(() => {
      if (this.mode === 'lsq') {
        const n = x.size / (x.shape[0] ?? 1);
        const g = 1 / Math.sqrt(n * Math.max(this.qmax, 1));
        return lsqQuantize(x, this.scaleVar!.read(), this.qmin, this.qmax, g);
      }
      if (training && this.mode === 'minmax') {
        const m = this.momentum;
        this.minVar!.write(tf.add(tf.mul(this.minVar!.read(), m), tf.mul(tf.min(x), 1 - m)).reshape([1]));
        this.maxVar!.write(tf.add(tf.mul(this.maxVar!.read(), m), tf.mul(tf.max(x), 1 - m)).reshape([1]));
      }
      const [s, zp] = this.scaleAndZeroPoint();
      return fixedQuantize(x, s, zp, this.qmin, this.qmax);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      bits: this.bits,
      signed: this.signed,
      range: this.range,
      mode: this.mode,
      momentum: this.momentum,
      scale: this.fixedScale,
      zeroPoint: this.fixedZeroPoint,
    };
  }
}
tf.serialization.registerClass(ActQuantizer);
