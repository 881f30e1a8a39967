// One optimizer step of the custom training loop, shared by the trainer and the throughput bench
// (which runs it on the QAT zoo models and on their float twins). Loss and correct counts
// accumulate on the device; the host reads them once, in takeTotals() (no round trip per step).

import * as tf from '@tensorflow/tfjs';
import type { TrainBatch } from './batches.js';

export interface StepTotals {
  readonly loss: number;
  readonly accuracy: number;
  readonly samples: number;
}

export class TrainStep {
  private lossSum: tf.Tensor | undefined;
  private correctSum: tf.Tensor | undefined;
  private samples = 0;
  private readonly shape: number[];
  private readonly numClasses: number;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
  ) {
    const inShape = model.inputs[0]!.shape.slice(1);
    // [h, w, c] for images, [features] for tables (the zoo's FCNN on rows).
    if (inShape.length === 0 || inShape.some((d) => typeof d !== 'number')) {
      throw new RangeError(`model ${model.name}: expected a known input shape, got [${inShape}]`);
    }
    this.shape = inShape as number[];
    this.numClasses = model.outputs[0]!.shape[1] as number;
  }

  /** Forward, backward and optimizer update on one batch. */
  run(b: TrainBatch): void {
    const x = tf.tensor(b.x, [b.size, ...this.shape]);
    const labels = tf.tensor1d(b.y, 'int32');
    const y = tf.oneHot(labels, this.numClasses);
    let correct: tf.Tensor | undefined;
    const cost = this.optimizer.minimize(() => {
      const logits = this.model.apply(x, { training: true }) as tf.Tensor;
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')));
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, true)!;
    const [l2, c2] = tf.tidy(() => {
      const l = tf.mul(cost, b.size);
      return this.lossSum === undefined ? [l, tf.clone(correct!)] : [tf.add(this.lossSum, l), tf.add(this.correctSum!, correct!)];
    });
    tf.dispose([this.lossSum, this.correctSum, cost, correct!, x, labels, y].filter((t) => t !== undefined) as tf.Tensor[]);
    this.lossSum = l2;
    this.correctSum = c2;
    this.samples += b.size;
  }

  /** Mean loss and accuracy over the steps since the last call; one host read. */
  takeTotals(): StepTotals {
    const n = this.samples;
    const loss = this.lossSum === undefined ? NaN : this.lossSum.dataSync()[0]! / n;
    const accuracy = this.correctSum === undefined ? NaN : this.correctSum.dataSync()[0]! / n;
    this.dispose();
    return { loss, accuracy, samples: n };
  }

  dispose(): void {
    tf.dispose([this.lossSum, this.correctSum].filter((t) => t !== undefined) as tf.Tensor[]);
    this.lossSum = this.correctSum = undefined;
    this.samples = 0;
  }
}
