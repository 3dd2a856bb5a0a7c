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
 * Conditioned (`conditioned: true`, the 'cstale' method), it keeps one average per class and
 * predicts the average of each example's own class, the stale counterpart of cDNI's label input:
 *
 *   avg_c ← decay·avg_c + (1 − decay)·mean over the batch's examples of class c (z),
 *
 * for each class c present in the batch (the others keep theirs). BN does not zero a per-class
 * mean, so this reading of "historical gradients" is not zero by construction.
 *
 *   const s = new EmaSynthesizer([256], { ...SYNTHESIZER_DEFAULTS, kind: 'ema', decay: 0.99 }, 10, 'synthesizer1');
 */
import * as tf from '@tensorflow/tfjs';
import { makeVariable, type Mode } from '../modules/module';
import { asTarget, checkTarget, consumedGradient, regressionLoss, type SynthesizerContract, type TargetInput, unitsFactor } from './core';
import type { SynthesizerSpec } from './spec';
import type { SynthesizerForward, SynthesizerModel } from './synthesizer';

export class EmaSynthesizer implements SynthesizerModel {
  /** The running average, shaped like one example's h, in target units; conditioned, one per class ([classes, …h's shape]). */
  readonly average: tf.Variable;
  /** It reads nothing (one average for every example), or, conditioned, the label alone. */
  readonly contract: SynthesizerContract;

  constructor(
    readonly hShape: number[],
    readonly spec: SynthesizerSpec,
    readonly classes: number,
    readonly name: string,
  ) {
    if (spec.kind !== 'ema') throw new Error(`${name}: EmaSynthesizer built from a '${spec.kind}' spec`);
    this.contract = { inputs: spec.conditioned ? 'labels' : 'none', target: 'gradient' };
    this.average = makeVariable(() => tf.zeros(spec.conditioned ? [classes, ...hShape] : hShape), false, `${name}/average`);
  }

  params(): tf.Variable[] {
    return [];
  }

  buffers(): tf.Variable[] {
    return [this.average];
  }

  /** The average, broadcast to every example of the batch (h's values are not used); conditioned, each example's class's. */
  forward(h: tf.Tensor, labels: tf.Tensor1D | null, _mode: Mode): SynthesizerForward {
    if (!this.spec.conditioned) return { out: tf.add(tf.zerosLike(h), this.average), cache: {} };
    if (!labels) throw new Error(`${this.name}: a conditioned (per-class) average needs the labels`);
    return { out: tf.gather(this.average, labels), cache: { labels } };
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
    const units = unitsFactor(this.spec, z.shape[0]);
    if (!this.spec.conditioned) {
      this.average.assign(tf.add(tf.mul(this.average, d), tf.mul(tf.mul(tf.mean(z, 0), units), 1 - d)));
      return { loss, grads: [] };
    }
    // Per class: the mean of its examples' targets; a class absent from the batch keeps its average.
    const onehot = tf.oneHot(f.cache.labels as tf.Tensor1D, this.classes).toFloat();
    const counts = tf.sum(onehot, 0);
    const sums = tf.matMul(onehot, tf.reshape(z, [z.shape[0], -1]), true, false);
    const mean = tf.mul(tf.div(sums, tf.reshape(tf.maximum(counts, 1), [-1, 1])), units);
    const present = tf.reshape(tf.greater(counts, 0), [-1, 1]);
    const moved = tf.add(tf.mul(tf.reshape(this.average, [this.classes, -1]), d), tf.mul(mean, 1 - d));
    this.average.assign(tf.reshape(tf.where(present, moved, tf.reshape(this.average, [this.classes, -1])), this.average.shape));
    return { loss, grads: [] };
  }
}
