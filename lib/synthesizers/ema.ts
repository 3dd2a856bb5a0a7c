/**
 * The stale-gradient baseline of paper section C: instead of a synthetic gradient, an
 * exponential moving average of past gradients with respect to the activations. It has no
 * trainable parameters and sees neither h nor the label: its "prediction" is the running
 * average, one vector of h's per-example shape, the same for every example of the batch; its
 * "regression step" is the average's update from the target z the trainer gives it,
 *
 *   avg ← decay·avg + (1 − decay)·mean_over_batch(z),
 *
 * kept in the synthesizer's target units (×B in 'perExample' units) and consumed like any
 * synthetic gradient (÷B there, times the scale). The average starts at zero, as the paper's
 * synthesizers do.
 *
 * Which gradient is averaged: the target z̄_k = ḡ_{k+1}·∂h_{k+1}/∂h_k that BP(λ) gives every
 * synthesizer. With λ = 0 everywhere (the 'stale' method) that is the bootstrapped target,
 * computed from the average above; at the top connection it is the true one-step gradient
 * from the loss; in oracle mode it is the true backprop gradient. The paper says only
 * "historical gradients w.r.t. activations", gradients of other examples than the current ones.
 *
 * Below a layer that starts Linear → BatchNorm (every hidden FCN layer here), the batch mean of
 * ∂L/∂h_k is zero: training-mode BN removes the batch mean from its input gradient and the
 * Linear keeps it zero. So those averages stay at zero but for rounding, and only the top
 * connection (into the classifier) averages to something non-zero. Conv → BN zeroes only the
 * mean over batch and positions together, so CNN averages are not zero.
 *
 *   const s = new EmaSynthesizer([256], { ...SYNTHESIZER_DEFAULTS, kind: 'ema', decay: 0.99 }, 'synthesizer1');
 */
import * as tf from '@tensorflow/tfjs';
import { makeVariable, type Mode } from '../modules/module';
import { asTarget, checkTarget, consumedGradient, regressionLoss, type SynthesizerContract, type TargetInput, unitsFactor } from './core';
import type { SynthesizerSpec } from './spec';
import type { SynthesizerForward, SynthesizerModel } from './synthesizer';

export class EmaSynthesizer implements SynthesizerModel {
  /** The running average, shaped like one example's h, in target units. */
  readonly average: tf.Variable;
  /** It reads nothing: one average for every example. */
  readonly contract: SynthesizerContract = { inputs: 'none', target: 'gradient' };

  constructor(
    readonly hShape: number[],
    readonly spec: SynthesizerSpec,
    readonly name: string,
  ) {
    if (spec.kind !== 'ema') throw new Error(`${name}: EmaSynthesizer built from a '${spec.kind}' spec`);
    this.average = makeVariable(() => tf.zeros(hShape), false, `${name}/average`);
  }

  params(): tf.Variable[] {
    return [];
  }

  buffers(): tf.Variable[] {
    return [this.average];
  }

  /** The average, broadcast to every example of the batch (h's values and the labels are not used). */
  forward(h: tf.Tensor, _labels: tf.Tensor1D | null, _mode: Mode): SynthesizerForward {
    return { out: tf.add(tf.zerosLike(h), this.average), cache: {} };
  }

  syntheticGradient(out: tf.Tensor): tf.Tensor {
    return consumedGradient(this.spec, out);
  }

  /**
   * Moves the average towards the batch mean of z (gradient units, converted here) at once. The
   * loss is reported as an 'mlp' synthesizer's would be (a diagnostic: nothing minimises it).
   */
  regress(f: SynthesizerForward, target: TargetInput): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const t = asTarget(target);
    checkTarget(this.contract, t, this.name);
    const z = t.value;
    const { loss } = regressionLoss(this.spec, f.out, t);
    const d = this.spec.decay;
    const mean = tf.mul(tf.mean(z, 0), unitsFactor(this.spec, z.shape[0]));
    this.average.assign(tf.add(tf.mul(this.average, d), tf.mul(mean, 1 - d)));
    return { loss, grads: [] };
  }
}
