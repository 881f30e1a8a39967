// What the trainer reports after each epoch (train/trainer.ts) and a checkpoint keeps as its
// history (train/resume.ts): its own module, so that resume.ts need not import the trainer back.
export interface EpochReport {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly trainAccuracy: number;
  /** Fake-quantized accuracy on the test set (inference mode). */
  readonly testAccuracy: number;
  readonly learningRate: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
  /** Estimated seconds left for the remaining epochs (mean wall time per epoch so far, evaluation included). */
  readonly etaSeconds: number;
  /** Largest active-synapse count of any neuron, per linear layer. */
  readonly activeSynapses: Record<string, number>;
}
