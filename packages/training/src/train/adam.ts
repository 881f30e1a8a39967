// Adam with one fused kernel per variable on wasm (backend/fused.ts) instead of ~14 tfjs kernels:
// a QAT model has 2-3x the variables of its float counterpart (weight and activation scales,
// batch-norm gamma/beta), and for small models per-kernel overhead is most of the optimizer's
// time. Same state (tfjs AdamOptimizer's moments and beta powers, so getWeights/setWeights/dispose
// are the stock ones), same f32 op order; off wasm it is the stock optimizer.

import * as tf from '@tensorflow/tfjs';
import { ADAM, fusedKernels } from '../backend/fused.js';

/** The stock optimizer's private state, which this subclass shares. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

export class FusedAdam extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon);
  }

  /** Sets the learning rate for the next steps (the trainer's schedule). */
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!fusedKernels()) {
      super.applyGradients(variableGradients);
      return;
    }
    const st = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        const moment = () => tf.tidy(() => tf.zerosLike(value).variable(false));
        st.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: moment() };
        st.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: moment() };
        const g = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (g == null) return;
        const m = st.accumulatedFirstMoment[i]!.variable;
        const v = st.accumulatedSecondMoment[i]!.variable;
        const [w2, m2, v2] = tf
          .engine()
          .runKernel(
            ADAM,
            { w: value, g, m, v, accBeta1: st.accBeta1, accBeta2: st.accBeta2 },
            { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, learningRate: this.learningRate },
          ) as tf.Tensor[];
        m.assign(m2!);
        v.assign(v2!);
        value.assign(w2!);
      });
      st.accBeta1.assign(tf.mul(st.accBeta1, this.beta1));
      st.accBeta2.assign(tf.mul(st.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
