/**
 * 3×3 max and average pooling, stride 2, 'same' padding (28 → 14 → 7 → 4).
 * The backward uses tfjs's own pooling gradients (MaxPoolGrad and AvgPoolGrad
 * exist on wasm), through tf.grad, which re-runs the cheap forward.
 */
import * as tf from '@tensorflow/tfjs';
import { Backward, BackwardOptions, Cache, Forward, Module } from './module';

export type PoolKind = 'max' | 'avg';

export class Pool implements Module {
  readonly name: string;
  constructor(
    readonly kind: PoolKind,
    readonly size = 3,
    readonly stride = 2,
  ) {
    this.name = `${kind}pool${size}`;
  }
  params(): tf.Variable[] {
    return [];
  }
  buffers(): tf.Variable[] {
    return [];
  }
  private apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.kind === 'max' ? tf.maxPool(x, this.size, this.stride, 'same') : tf.avgPool(x, this.size, this.stride, 'same');
  }
  forward(x: tf.Tensor): Forward {
    return { y: this.apply(x as tf.Tensor4D), cache: { x } };
  }
  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    if (!opts.dx) return { dx: null, grads: [] };
    const dx = tf.grad((x: tf.Tensor) => this.apply(x as tf.Tensor4D))(cache.x as tf.Tensor4D, dy);
    return { dx, grads: [] };
  }
  outputShape(inputShape: number[]): number[] {
    const [h, w, c] = inputShape;
    return [Math.ceil(h / this.stride), Math.ceil(w / this.stride), c];
  }
}
