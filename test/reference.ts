/**
 * Reference forward passes written with plain tfjs ops, differentiated by tfjs's
 * own autodiff: the trusted side of every gradient test. They read the same
 * variables as the library's modules but share none of its backward code.
 */
import * as tf from '@tensorflow/tfjs';
import { Flatten, ReLU } from '../lib/modules/activation';
import { BatchNorm } from '../lib/modules/batchnorm';
import { Conv2d } from '../lib/modules/conv2d';
import { Linear } from '../lib/modules/linear';
import { Module } from '../lib/modules/module';
import { Pool } from '../lib/modules/pool';
import { Sequential } from '../lib/modules/sequential';

/** Training-mode forward of one module with autodiff-able ops. */
export function refModule(m: Module, x: tf.Tensor): tf.Tensor {
  if (m instanceof Linear) {
    const y = tf.matMul(x as tf.Tensor2D, m.W as tf.Tensor2D);
    return m.b ? tf.add(y, m.b) : y;
  }
  if (m instanceof BatchNorm) {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, m.eps))), m.gamma), m.beta);
  }
  if (m instanceof ReLU) return tf.relu(x);
  if (m instanceof Flatten) return tf.reshape(x, [x.shape[0], -1]);
  if (m instanceof Conv2d) return tf.add(tf.conv2d(x as tf.Tensor4D, m.W as tf.Tensor4D, 1, 'same'), m.b);
  if (m instanceof Pool) return m.kind === 'max' ? tf.maxPool(x as tf.Tensor4D, m.size, m.stride, 'same') : refAvgPool(x as tf.Tensor4D, m.size, m.stride);
  if (m instanceof Sequential) return m.modules.reduce((h, mm) => refModule(mm, h), x);
  throw new Error(`no reference for ${m.name}`);
}

/**
 * 'same' average pooling (the mean of a window's in-image pixels) built as a
 * 'valid' pool over a zero-padded input, rescaled by window size / in-image count.
 * tfjs's own AvgPoolGrad for 'same' divides by the full window at the borders.
 */
function refAvgPool(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const pads = (n: number): [number, number] => {
    const total = Math.max((Math.ceil(n / stride) - 1) * stride + size - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [pt, pb] = pads(h);
  const [pl, pr] = pads(w);
  const ho = Math.ceil(h / stride);
  const wo = Math.ceil(w / stride);
  const scale = new Float32Array(ho * wo);
  for (let i = 0; i < ho; i++) {
    for (let j = 0; j < wo; j++) {
      const rows = Math.min(i * stride - pt + size, h) - Math.max(i * stride - pt, 0);
      const cols = Math.min(j * stride - pl + size, w) - Math.max(j * stride - pl, 0);
      scale[i * wo + j] = (size * size) / (rows * cols);
    }
  }
  const pooled = tf.avgPool(tf.pad(x, [[0, 0], [pt, pb], [pl, pr], [0, 0]]), size, stride, 'valid');
  return tf.mul(pooled, tf.tensor4d(scale, [1, ho, wo, 1]));
}

/** Mean softmax cross-entropy through tfjs's own ops. */
export function refLoss(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1] as number), logits as tf.Tensor2D) as tf.Scalar;
}

/** Vector–Jacobian product v·∂f/∂x by autodiff. */
export function vjp(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.grad(f)(x, v);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

export function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
}

/**
 * Assert a ≈ b elementwise: |a − b| ≤ rtol·max|·| + atol. The absolute floor is
 * for gradients that are exactly zero in theory (a bias feeding BatchNorm).
 */
export function assertClose(a: tf.Tensor, b: tf.Tensor, rtol: number, what: string, atol = 1e-5): void {
  if (a.shape.join() !== b.shape.join()) throw new Error(`${what}: shapes differ [${a.shape}] vs [${b.shape}]`);
  const scale = Math.max(maxAbs(a), maxAbs(b), 1e-12);
  const d = maxAbsDiff(a, b);
  if (d > rtol * scale + atol) throw new Error(`${what}: max |a − b| = ${d.toExponential(3)} exceeds ${rtol} × ${scale.toExponential(3)} + ${atol}`);
}
