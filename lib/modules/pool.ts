/**
 * 3×3 max and average pooling, stride 2, 'same' padding (28 → 14 → 7 → 4).
 *
 * tfjs 4.22's pooling gradients cannot be trusted off the native backend:
 * - wasm's MaxPoolGrad disagrees with finite differences once batch or channels
 *   exceed 1 (the cpu backend's is right);
 * - AvgPoolGrad (wasm and cpu) divides by the full window at the borders, while
 *   the forward averages only the in-image pixels of a 'same'-padded window.
 * So on wasm and cpu the backward is a plain loop over windows, written from the
 * forward's definition (in C++ on the native BLAS path, lib/blas/pool.ts); the native
 * TensorFlow backend keeps its own kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { POOL_GRAD_KERNEL, type PoolGradAttrs } from '../blas';
import type { Backward, BackwardOptions, Cache, Forward, Module } from './module';

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
    const x = cache.x as tf.Tensor4D;
    if (tf.getBackend() === 'tensorflow') return { dx: tf.grad((t: tf.Tensor) => this.apply(t as tf.Tensor4D))(x, dy), grads: [] };
    return { dx: poolGrad(this.kind, x, dy as tf.Tensor4D, this.size, this.stride), grads: [] };
  }
  outputShape(inputShape: number[]): number[] {
    const [h, w, c] = inputShape;
    return [Math.ceil(h / this.stride), Math.ceil(w / this.stride), c];
  }
}

/**
 * Gradient of a 'same'-padded pool. Max: each dy goes to the first maximum of its
 * window (TF's rule). Average: each dy is shared equally by the window's in-image pixels.
 */
export function poolGrad(kind: PoolKind, x: tf.Tensor4D, dy: tf.Tensor4D, size: number, stride: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const [, ho, wo] = dy.shape;
  // TF's 'same' padding: the odd pixel goes at the end.
  const padTop = Math.floor(Math.max((ho - 1) * stride + size - h, 0) / 2);
  const padLeft = Math.floor(Math.max((wo - 1) * stride + size - w, 0) / 2);
  if (tf.getKernel(POOL_GRAD_KERNEL, tf.getBackend())) {
    const attrs: PoolGradAttrs = { kind, size, stride, padTop, padLeft };
    return tf.engine().runKernel(POOL_GRAD_KERNEL, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  const xv = x.dataSync();
  const dyv = dy.dataSync();
  const dx = new Float32Array(x.size);
  for (let n = 0; n < b; n++) {
    for (let oi = 0; oi < ho; oi++) {
      const i0 = oi * stride - padTop;
      for (let oj = 0; oj < wo; oj++) {
        const j0 = oj * stride - padLeft;
        const out = ((n * ho + oi) * wo + oj) * c;
        if (kind === 'avg') {
          const iLo = Math.max(i0, 0),
            iHi = Math.min(i0 + size, h),
            jLo = Math.max(j0, 0),
            jHi = Math.min(j0 + size, w);
          const inv = 1 / ((iHi - iLo) * (jHi - jLo));
          for (let i = iLo; i < iHi; i++) {
            for (let j = jLo; j < jHi; j++) {
              const base = ((n * h + i) * w + j) * c;
              for (let ch = 0; ch < c; ch++) dx[base + ch] += dyv[out + ch] * inv;
            }
          }
          continue;
        }
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let i = Math.max(i0, 0); i < Math.min(i0 + size, h); i++) {
            for (let j = Math.max(j0, 0); j < Math.min(j0 + size, w); j++) {
              const idx = ((n * h + i) * w + j) * c + ch;
              if (xv[idx] > best) {
                best = xv[idx];
                at = idx;
              }
            }
          }
          if (at >= 0) dx[at] += dyv[out + ch];
        }
      }
    }
  }
  return tf.tensor4d(dx, x.shape);
}
