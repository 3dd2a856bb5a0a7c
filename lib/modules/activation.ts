/** ReLU and Flatten: stateless modules with one-line backwards. */
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
