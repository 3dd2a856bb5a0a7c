/**
 * BatchNorm over every axis but the last (features of an FCN, channels of a CNN).
 *
 * Training mode normalises with the batch statistics and updates running
 * statistics (momentum 0.1, unbiased variance, as PyTorch); evaluation mode uses
 * the running statistics. Written from broadcasting ops with a hand-derived
 * backward, because tfjs's autodiff of BN hits a slow Tile kernel on wasm. On the native
 * BLAS path the training-mode forward and the backward are one kernel call each
 * (lib/blas/batchnorm.ts), the same formulas.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_KERNEL } from '../blas';
import { type Backward, type BackwardOptions, type Cache, type Forward, type Mode, type Module, makeVariable } from './module';

let counter = 0;

export class BatchNorm implements Module {
  readonly name: string;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(
    readonly features: number,
    readonly opts: { eps?: number; momentum?: number; name?: string } = {},
  ) {
    this.name = opts.name ?? `bn${counter++}`;
    this.gamma = makeVariable(() => tf.ones([features]), true, `${this.name}/gamma`);
    this.beta = makeVariable(() => tf.zeros([features]), true, `${this.name}/beta`);
    this.runningMean = makeVariable(() => tf.zeros([features]), false, `${this.name}/runningMean`);
    this.runningVar = makeVariable(() => tf.ones([features]), false, `${this.name}/runningVar`);
  }

  get eps(): number {
    return this.opts.eps ?? 1e-5;
  }

  params(): tf.Variable[] {
    return [this.gamma, this.beta];
  }

  buffers(): tf.Variable[] {
    return [this.runningMean, this.runningVar];
  }

  forward(x: tf.Tensor, mode: Mode): Forward {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    if (mode === 'eval') {
      const invstd = tf.rsqrt(tf.add(this.runningVar, this.eps));
      const xhat = tf.mul(tf.sub(x, this.runningMean), invstd);
      return { y: tf.add(tf.mul(xhat, this.gamma), this.beta), cache: { xhat, invstd, train: false } };
    }
    const n = x.size / this.features;
    if (n < 2) throw new Error(`${this.name}: training-mode BatchNorm needs at least 2 values per feature, got ${n}`);
    const m = this.opts.momentum ?? 0.1;
    const track = (mean: tf.Tensor, variance: tf.Tensor) => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * n) / (n - 1))));
    };
    if (tf.getKernel(BATCH_NORM_KERNEL, tf.getBackend())) {
      const inputs = { x, gamma: this.gamma, beta: this.beta };
      const [y, xhat, mean, variance, invstd] = tf.engine().runKernel(BATCH_NORM_KERNEL, inputs, { eps: this.eps }) as tf.Tensor[];
      track(mean, variance);
      return { y, cache: { xhat, invstd, train: true } };
    }
    const mean = tf.mean(x, axes);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), axes);
    const invstd = tf.rsqrt(tf.add(variance, this.eps));
    const xhat = tf.mul(xc, invstd);
    track(mean, variance);
    return { y: tf.add(tf.mul(xhat, this.gamma), this.beta), cache: { xhat, invstd, train: true } };
  }

  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    const xhat = cache.xhat as tf.Tensor;
    const invstd = cache.invstd as tf.Tensor;
    if (cache.train && tf.getKernel(BATCH_NORM_GRAD_KERNEL, tf.getBackend())) {
      const inputs = { dy, xhat, gamma: this.gamma, invstd };
      const out = tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, inputs, { dx: opts.dx }) as tf.Tensor[];
      const [dx, dgamma, dbeta] = opts.dx ? out : [null, ...out];
      return { dx, grads: opts.params ? [dgamma as tf.Tensor, dbeta as tf.Tensor] : [] };
    }
    const axes = dy.shape.slice(0, -1).map((_, i) => i);
    const dgamma = tf.sum(tf.mul(dy, xhat), axes);
    const dbeta = tf.sum(dy, axes);
    let dx: tf.Tensor | null = null;
    if (opts.dx) {
      const scale = tf.mul(this.gamma, invstd);
      if (cache.train) {
        // dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂)); the two means are dβ/N and dγ/N.
        const n = dy.size / this.features;
        dx = tf.mul(scale, tf.sub(tf.sub(dy, tf.div(dbeta, n)), tf.mul(xhat, tf.div(dgamma, n))));
      } else {
        dx = tf.mul(dy, scale);
      }
    }
    return { dx, grads: opts.params ? [dgamma, dbeta] : [] };
  }

  outputShape(inputShape: number[]): number[] {
    if (inputShape[inputShape.length - 1] !== this.features) {
      throw new Error(`${this.name}: expects ${this.features} features in the last axis, got [${inputShape}]`);
    }
    return inputShape;
  }
}
