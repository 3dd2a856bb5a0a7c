/** ReLU, leaky ReLU, tanh and Flatten: stateless modules with one-line backwards. */
import * as tf from '@tensorflow/tfjs';
import type { Backward, BackwardOptions, Cache, Forward, Module } from './module';

export class ReLU implements Module {
  readonly name = 'relu';
  params(): tf.Variable[] {
    return [];
  }
  buffers(): tf.Variable[] {
    return [];
  }
  forward(x: tf.Tensor): Forward {
    const y = tf.relu(x);
    return { y, cache: { y } };
  }
  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    // step(y) is 1 where y > 0, else 0: the ReLU derivative read off its output.
    return { dx: opts.dx ? tf.mul(dy, tf.step(cache.y as tf.Tensor)) : null, grads: [] };
  }
  outputShape(inputShape: number[]): number[] {
    return inputShape;
  }
}

/** max(x, slope·x): a unit whose gradient never vanishes, so it cannot die as a ReLU can. */
export class LeakyReLU implements Module {
  readonly name = 'leakyRelu';
  constructor(readonly slope = 0.1) {}
  params(): tf.Variable[] {
    return [];
  }
  buffers(): tf.Variable[] {
    return [];
  }
  forward(x: tf.Tensor): Forward {
    const y = tf.leakyRelu(x, this.slope);
    return { y, cache: { y } };
  }
  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    if (!opts.dx) return { dx: null, grads: [] };
    // The sign of y is the sign of x (slope > 0): 1 where y > 0, slope elsewhere.
    const d = tf.where(tf.greater(cache.y as tf.Tensor, 0), tf.onesLike(dy), tf.fill(dy.shape, this.slope));
    return { dx: tf.mul(dy, d), grads: [] };
  }
  outputShape(inputShape: number[]): number[] {
    return inputShape;
  }
}

export class Tanh implements Module {
  readonly name = 'tanh';
  params(): tf.Variable[] {
    return [];
  }
  buffers(): tf.Variable[] {
    return [];
  }
  forward(x: tf.Tensor): Forward {
    const y = tf.tanh(x);
    return { y, cache: { y } };
  }
  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    const y = cache.y as tf.Tensor;
    return { dx: opts.dx ? tf.mul(dy, tf.sub(1, tf.square(y))) : null, grads: [] };
  }
  outputShape(inputShape: number[]): number[] {
    return inputShape;
  }
}

export class Flatten implements Module {
  readonly name = 'flatten';
  params(): tf.Variable[] {
    return [];
  }
  buffers(): tf.Variable[] {
    return [];
  }
  forward(x: tf.Tensor): Forward {
    return { y: tf.reshape(x, [x.shape[0], -1]), cache: { x } };
  }
  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    return { dx: opts.dx ? tf.reshape(dy, (cache.x as tf.Tensor).shape) : null, grads: [] };
  }
  outputShape(inputShape: number[]): number[] {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }
}
