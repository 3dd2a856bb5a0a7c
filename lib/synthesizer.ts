/**
 * A synthesizer: the model M(h, c) that outputs a synthetic gradient g ≈ ∂L/∂h
 * for an activation h, optionally conditioned on a context c (cDNI: the label).
 * It is trained by regression, (g − z)², onto a target z that is a constant.
 */
import * as tf from '@tensorflow/tfjs';
import { buildSynthesizerLayers } from './builders';
import { SynthesizerSpec } from './config';
import { Cache, Mode } from './modules/module';
import { Sequential } from './modules/sequential';
import { Rng } from './rng';

export interface SynthesizerForward {
  /** The synthetic gradient (unscaled), shaped like h. */
  g: tf.Tensor;
  cache: Cache;
}

export class Synthesizer {
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
   * g = M(h, c). `onehot` ([B, classes]) is required when conditioned: an FCN
   * synthesizer sees [h, onehot]; a CNN synthesizer sees h with `classes` extra
   * channels, all ones on the label's channel and zeros elsewhere.
   */
  forward(h: tf.Tensor, onehot: tf.Tensor2D | null, mode: Mode): SynthesizerForward {
    let input = h;
    if (this.spec.conditioned) {
      if (!onehot) throw new Error(`${this.name}: a conditioned (cDNI) synthesizer needs the labels`);
      if (h.rank === 2) {
        input = tf.concat([h, onehot], 1);
      } else {
        const [b, hh, ww] = h.shape;
        const maps = tf.mul(tf.ones([b, hh, ww, this.classes]), tf.reshape(onehot, [b, 1, 1, this.classes]));
        input = tf.concat([h, maps], 3);
      }
    }
    const f = this.net.forward(input, mode);
    return { g: f.y, cache: f.cache };
  }

  /**
   * Regression of g onto the constant target z: returns the loss and the
   * parameter gradients. 'sum' sums (g − z)² over batch and units; 'mean' averages.
   */
  regress(cache: Cache, g: tf.Tensor, z: tf.Tensor, weight: number, reduction: 'sum' | 'mean'): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const diff = tf.sub(g, z);
    const norm = reduction === 'sum' ? weight : weight / diff.size;
    const loss = tf.mul(tf.sum(tf.square(diff)), norm) as tf.Scalar;
    const dg = tf.mul(diff, 2 * norm);
    // The input (h and the label) is data to the synthesizer: no input gradient.
    const { grads } = this.net.backward(cache, dg, { dx: false, params: true });
    return { loss, grads };
  }
}
