/** ReLU, leaky ReLU, tanh and Flatten: stateless modules with one-line backwards. */
import * as tf from '@tensorflow/tfjs';
import type { Backward, BackwardOptions, Cache, Forward, Module } from './module';

/** A stateless elementwise y = f(x) whose derivative is read off its output y. */
abstract class Pointwise implements Module {
  abstract readonly name: string;
  protected abstract f(x: tf.Tensor): tf.Tensor;
  /** f'(x), from y = f(x). */
  protected abstract derivative(y: tf.Tensor): tf.Tensor;
  params(): tf.Variable[] {
    return [];
  }
  buffers(): tf.Variable[] {
    return [];
  }
  forward(x: tf.Tensor): Forward {
    const y = this.f(x);
    return { y, cache: { y } };
  }
  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    return { dx: opts.dx ? tf.mul(dy, this.derivative(cache.y as tf.Tensor)) : null, grads: [] };
  }
  outputShape(inputShape: number[]): number[] {
    return inputShape;
  }
}

export class ReLU extends Pointwise {
  readonly name = 'relu';
  protected f(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
  protected derivative(y: tf.Tensor): tf.Tensor {
    return tf.step(y); // 1 where y > 0, else 0
  }
}

/** max(x, slope·x): a unit whose gradient never vanishes, so it cannot die as a ReLU can. */
export class LeakyReLU extends Pointwise {
  readonly name = 'leakyRelu';
  constructor(readonly slope = 0.1) {
    super();
  }
  protected f(x: tf.Tensor): tf.Tensor {
    return tf.leakyRelu(x, this.slope);
  }
  protected derivative(y: tf.Tensor): tf.Tensor {
    // The sign of y is the sign of x (slope > 0): 1 where y > 0, slope elsewhere.
    return tf.where(tf.greater(y, 0), tf.onesLike(y), tf.fill(y.shape, this.slope));
  }
}

export class Tanh extends Pointwise {
  readonly name = 'tanh';
  protected f(x: tf.Tensor): tf.Tensor {
    return tf.tanh(x);
  }
  protected derivative(y: tf.Tensor): tf.Tensor {
    return tf.sub(1, tf.square(y));
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
