/**
 * Central finite differences along a random direction agree with every
 * hand-written backward (Linear, BatchNorm, Conv2d, pooling), on the active backend.
 *
 * For f(x, θ) = Σ r ⊙ module(x; θ) and a random direction (u, v):
 *   [f(x + εu, θ + εv) − f(x − εu, θ − εv)] / 2ε  ≈  ⟨∂f/∂x, u⟩ + ⟨∂f/∂θ, v⟩,
 * and the right side comes from module.backward(r).
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { Module } from '../lib/modules/module';
import { Linear } from '../lib/modules/linear';
import { BatchNorm } from '../lib/modules/batchnorm';
import { Conv2d, conv2dFilterGrad } from '../lib/modules/conv2d';
import { poolGrad, Pool } from '../lib/modules/pool';
import { Rng } from '../lib/core/rng';
import { assertClose, randn } from './assert';

/** Directional derivative by central differences vs. by the module's backward. */
function checkModule(
  m: Module,
  xShape: number[],
  seed: number,
  opts: { eps?: number; params?: boolean } = {},
): { fd: number; analytic: number } {
  const rng = new Rng(seed);
  const eps = opts.eps ?? 1e-2;
  const x = randn(rng, xShape);
  const params = opts.params === false ? [] : m.params();
  const y0 = tf.tidy(() => m.forward(x, 'train').y);
  const r = randn(rng, y0.shape);
  const u = randn(rng, xShape);
  const vs = params.map((p) => randn(rng, p.shape));
  const saved = params.map((p) => tf.clone(p));

  const f = (sign: number): number =>
    tf.tidy(() => {
      params.forEach((p, i) => p.assign(tf.add(saved[i], tf.mul(vs[i], sign * eps))));
      const y = m.forward(tf.add(x, tf.mul(u, sign * eps)), 'train').y;
      // Double-precision accumulation in JS keeps the difference quotient accurate.
      const a = y.dataSync();
      const b = r.dataSync();
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * b[i];
      return s;
    });
  const fd = (f(1) - f(-1)) / (2 * eps);
  params.forEach((p, i) => p.assign(saved[i]));

  const analytic = tf.tidy(() => {
    const fw = m.forward(x, 'train');
    const b = m.backward(fw.cache, r, { dx: true, params: params.length > 0 });
    let s = tf.sum(tf.mul(b.dx!, u));
    b.grads.forEach((g, i) => (s = tf.add(s, tf.sum(tf.mul(g, vs[i])))));
    return s.dataSync()[0];
  });
  tf.dispose([x, y0, r, u, ...vs, ...saved]);
  return { fd, analytic };
}

function assertAgree({ fd, analytic }: { fd: number; analytic: number }, what: string, rtol = 2e-3): void {
  const err = Math.abs(fd - analytic) / Math.max(Math.abs(fd), Math.abs(analytic), 1e-6);
  assert.ok(err < rtol, `${what}: finite differences ${fd} vs backward ${analytic} (relative error ${err.toExponential(2)})`);
}

describe('modules: backward vs central finite differences', () => {
  afterEach(() => tf.disposeVariables());

  it('Linear', () => {
    assertAgree(checkModule(new Linear(7, 5, new Rng(1)), [6, 7], 1), 'Linear');
    // Large square W takes the transpose-the-other-side path of matMulTransposeB.
    assertAgree(checkModule(new Linear(40, 40, new Rng(2)), [3, 40], 2), 'Linear (a·bᵀ via (b·aᵀ)ᵀ)');
  });

  it('BatchNorm, training mode, on [B, D] and [B, H, W, C]', () => {
    const bn = new BatchNorm(5);
    bn.gamma.assign(tf.tensor1d([0.5, 1.5, -1, 2, 0.8]));
    bn.beta.assign(tf.tensor1d([0.1, -0.2, 0.3, 0, 1]));
    assertAgree(checkModule(bn, [8, 5], 3), 'BatchNorm [B, D]');
    assertAgree(checkModule(new BatchNorm(3), [2, 4, 4, 3], 4), 'BatchNorm [B, H, W, C]');
  });

  it('BatchNorm, evaluation mode, uses the running statistics', () => {
    const bn = new BatchNorm(4, { momentum: 1 });
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [3, 6, 9, 12],
    ]);
    bn.forward(x, 'train');
    // momentum 1: the running stats are this batch's mean and unbiased variance.
    assertClose(bn.runningMean, tf.tensor1d([2, 4, 6, 8]), 1e-6, 'running mean');
    assertClose(bn.runningVar, tf.tensor1d([2, 8, 18, 32]), 1e-6, 'running variance');
    const y = bn.forward(tf.tensor2d([[2, 4, 6, 8]]), 'eval').y;
    assertClose(y, tf.zeros([1, 4]), 1e-6, 'eval output at the mean');
  });

  it('Conv2d 5×5, resolution-preserving', () => {
    assertAgree(checkModule(new Conv2d(2, 3, 5, new Rng(5)), [2, 6, 6, 2], 5), 'Conv2d');
  });

  it('conv filter gradient on the active backend equals the cpu backend’s Conv2DBackpropFilter', async () => {
    const rng = new Rng(6);
    const xv = rng.normals(3 * 7 * 7 * 4);
    const dyv = rng.normals(3 * 7 * 7 * 5);
    const ours = tf.tidy(() => conv2dFilterGrad(tf.tensor4d(xv, [3, 7, 7, 4]), tf.tensor4d(dyv, [3, 7, 7, 5]), 5).dataSync());
    const before = tf.getBackend();
    await tf.setBackend('cpu');
    let ref: tf.TypedArray;
    try {
      // The filter gradient of a convolution does not depend on the filter's value.
      ref = tf.tidy(() => {
        const x = tf.tensor4d(xv, [3, 7, 7, 4]);
        return tf
          .grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, 'same'))(tf.zeros([5, 5, 4, 5]), tf.tensor4d(dyv, [3, 7, 7, 5]))
          .dataSync();
      });
    } finally {
      await tf.setBackend(before);
    }
    assertClose(tf.tensor(ours), tf.tensor(ref), 1e-5, 'filter gradient');
  });

  it('max and average pooling 3×3 stride 2', () => {
    // A small step keeps every window's maximum where it is (max pooling is piecewise linear).
    for (const kind of ['max', 'avg'] as const)
      assertAgree(checkModule(new Pool(kind), [2, 7, 7, 3], 7, { eps: 1e-3 }), `${kind} pool`, 5e-3);
  });

  it('max-pool gradient equals the cpu backend’s MaxPoolGrad (wasm’s is wrong for batch or channels > 1)', async () => {
    const rng = new Rng(8);
    const shape: [number, number, number, number] = [3, 28, 28, 4];
    const xv = rng.normals(3 * 28 * 28 * 4);
    const dyv = rng.normals(3 * 14 * 14 * 4);
    const ours = tf.tidy(() => poolGrad('max', tf.tensor4d(xv, shape), tf.tensor4d(dyv, [3, 14, 14, 4]), 3, 2).dataSync());
    const before = tf.getBackend();
    await tf.setBackend('cpu');
    let ref: tf.TypedArray;
    try {
      ref = tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'))(tf.tensor4d(xv, shape), tf.tensor4d(dyv, [3, 14, 14, 4]))
          .dataSync(),
      );
    } finally {
      await tf.setBackend(before);
    }
    assertClose(tf.tensor(ours), tf.tensor(ref), 1e-6, 'max-pool gradient');
  });
});
