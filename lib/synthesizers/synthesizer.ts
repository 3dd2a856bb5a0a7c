/**
 * A synthesizer: the model M(h, c) that outputs a synthetic gradient g ≈ ∂L/∂h
 * for an activation h, optionally conditioned on a context c (cDNI: the label).
 * It is trained by regression, (g − z)², onto a target z that is a constant.
 * It owns the conversion between its own output units and gradient units (see TargetUnits).
 */
import * as tf from '@tensorflow/tfjs';
import { buildSynthesizerLayers } from '../builders';
import { Cache, Mode } from '../modules/module';
import { Sequential } from '../modules/sequential';
import { Rng } from '../rng';
import { SynthesizerSpec, unitsFactor } from './spec';

/** One forward pass: the raw output and what the regression needs. */
export interface SynthesizerForward {
  /** The raw output M(h, c), in the synthesizer's own units, shaped like h. */
  out: tf.Tensor;
  cache: Cache;
}

/** What a unit needs of a synthesizer, whatever its kind ('mlp' here, 'ema' in ema.ts). */
export interface SynthesizerModel {
  readonly spec: SynthesizerSpec;
  readonly name: string;
  /** Trainable parameters (φ), for the unit's optimizer. */
  params(): tf.Variable[];
  /** State that is not trained by the optimizer (BN statistics, a running average). */
  buffers(): tf.Variable[];
  forward(h: tf.Tensor, labels: tf.Tensor1D | null, mode: Mode): SynthesizerForward;
  syntheticGradient(out: tf.Tensor): tf.Tensor;
  /** One regression step onto the constant target z (gradient units): the loss and the gradients of params(). */
  regress(f: SynthesizerForward, z: tf.Tensor): { loss: tf.Scalar; grads: tf.Tensor[] };
}

/** The synthetic gradient as consumed, in gradient units: scale·out, ÷B in 'perExample' units. */
export function consumedGradient(spec: SynthesizerSpec, out: tf.Tensor): tf.Tensor {
  return tf.mul(out, spec.scale / unitsFactor(spec, out.shape[0]));
}

/**
 * The regression loss of an output against the target z (given in gradient units, converted
 * here): 'sum' sums (out − z)² over batch and units, 'mean' averages; times the loss weight.
 * Also returns out − z and the factor, for the loss's gradient 2·factor·(out − z).
 */
export function regressionLoss(spec: SynthesizerSpec, out: tf.Tensor, z: tf.Tensor): { loss: tf.Scalar; diff: tf.Tensor; norm: number } {
  const b = unitsFactor(spec, out.shape[0]);
  const diff = tf.sub(out, b === 1 ? z : tf.mul(z, b));
  const w = spec.lossWeight;
  const norm = spec.lossReduction === 'sum' ? w : w / diff.size;
  return { loss: tf.mul(tf.sum(tf.square(diff)), norm) as tf.Scalar, diff, norm };
}

/** The 'mlp' synthesizer: a small network trained by gradient descent on the regression loss. */
export class Synthesizer implements SynthesizerModel {
  readonly net: Sequential;

  constructor(
    readonly hShape: number[],
    readonly spec: SynthesizerSpec,
    readonly classes: number,
    rng: Rng,
    readonly name: string,
  ) {
    this.net = buildSynthesizerLayers(hShape, spec, classes, rng, name);
  }

  params(): tf.Variable[] {
    return this.net.params();
  }

  buffers(): tf.Variable[] {
    return this.net.buffers();
  }

  /**
   * M(h, c). `labels` ([B] int32) are required when conditioned: an FCN synthesizer sees
   * [h, onehot]; a CNN synthesizer sees h with `classes` extra channels, all ones on the
   * label's channel and zeros elsewhere.
   */
  forward(h: tf.Tensor, labels: tf.Tensor1D | null, mode: Mode): SynthesizerForward {
    let input = h;
    if (this.spec.conditioned) {
      if (!labels) throw new Error(`${this.name}: a conditioned (cDNI) synthesizer needs the labels`);
      const onehot = tf.oneHot(labels, this.classes).toFloat();
      if (h.rank === 2) {
        input = tf.concat([h, onehot], 1);
      } else {
        const [b, hh, ww] = h.shape;
        const maps = tf.mul(tf.ones([b, hh, ww, this.classes]), tf.reshape(onehot, [b, 1, 1, this.classes]));
        input = tf.concat([h, maps], 3);
      }
    }
    const f = this.net.forward(input, mode);
    return { out: f.y, cache: f.cache };
  }

  /** The synthetic gradient as consumed, in gradient units: scale·M(h, c), ÷B in 'perExample' units. */
  syntheticGradient(out: tf.Tensor): tf.Tensor {
    return consumedGradient(this.spec, out);
  }

  /**
   * Regression of the output onto the constant target z (given in gradient units, converted
   * here): returns the loss and the parameter gradients. 'sum' sums (M − z)² over batch and
   * units; 'mean' averages.
   */
  regress(f: SynthesizerForward, z: tf.Tensor): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const { loss, diff, norm } = regressionLoss(this.spec, f.out, z);
    const dg = tf.mul(diff, 2 * norm);
    // The input (h and the label) is data to the synthesizer: no input gradient.
    const { grads } = this.net.backward(f.cache, dg, { dx: false, params: true });
    return { loss, grads };
  }
}
