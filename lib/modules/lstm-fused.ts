/**
 * The LSTM's chunk forward and BPTT on the native BLAS path (lib/modules/lstm.ts dispatches here
 * when the backend has the fused cell kernels, lib/blas/lstm-cell.ts). The same model and the
 * same formulas as the per-gate path, with the four gates side by side: one matmul
 * [x, h]·[W_i | W_f | W_o | 2W_g] with the sigmoid fused (N = 4H instead of four of N = H), one
 * cell kernel call per step forward and backward, one matmul dz·W_hᵀ per step for the recurrent
 * gradient (no addN of four), and one matmul [x, h]ᵀ·dz over the chunk for the weight gradients,
 * split into the gates' blocks at the end. Measured on Copy (256 units, batch 256, T = 8, wasm +
 * OpenBLAS on 2 threads): 43 ms per chunk with BPTT, against 49 for the per-gate native path with
 * the cell kernels and 59 for it without them.
 */
import * as tf from '@tensorflow/tfjs';
import { LSTM_CELL_GRAD_KERNEL, LSTM_CELL_KERNEL } from '../blas';
import { addPresent, initialGradient, overTime } from './lstm-chunk';

/** What one step keeps for the backward on this path. */
export interface FusedStepCache {
  /** [x_t, h_{t−1}], [B, I + H]. */
  xh: tf.Tensor2D;
  /** The gates after their sigmoids, [B, 4H]: i, f, o and σ(2 z_g). */
  z: tf.Tensor2D;
  cPrev: tf.Tensor2D;
  /** tanh(c_t). */
  tc: tf.Tensor2D;
}

/** The weights as the fused path needs them: in one [I + H, 4H] matrix (W_g doubled) and one bias. */
export interface FusedWeights {
  W: tf.Tensor2D;
  b: tf.Tensor1D;
}

export function fusedKernelsPresent(): boolean {
  return !!tf.getKernel(LSTM_CELL_KERNEL, tf.getBackend()) && !!tf.getKernel(LSTM_CELL_GRAD_KERNEL, tf.getBackend());
}

export function fusedWeights(W: tf.Tensor2D[], b: tf.Tensor1D[]): FusedWeights {
  return {
    W: tf.concat(
      W.map((w, q) => (q === 3 ? tf.mul(w, 2) : w)),
      1,
    ) as tf.Tensor2D,
    b: tf.concat(b.map((v, q) => (q === 3 ? tf.mul(v, 2) : v))) as tf.Tensor1D,
  };
}

/** One step from (h, c): the new state and its cache. */
export function fusedStep(x: tf.Tensor2D, prev: { h: tf.Tensor2D; c: tf.Tensor2D }, w: FusedWeights) {
  const xh = tf.concat([x, prev.h], 1) as tf.Tensor2D;
  const z = tf.fused.matMul({ a: xh, b: w.W, bias: w.b, activation: 'sigmoid' }) as tf.Tensor2D;
  const [c, tc, h] = tf.engine().runKernel(LSTM_CELL_KERNEL, { z, cPrev: prev.c }) as tf.Tensor2D[];
  const cache: FusedStepCache = { xh, z, cPrev: prev.c, tc };
  return { state: { h, c }, cache };
}

/**
 * BPTT through a chunk on this path, as Lstm.backward (same arguments, same results): the
 * parameter gradients in params() order and the gradient reaching (h_0, c_0).
 */
export function fusedBackward(
  W: tf.Tensor2D[],
  inputs: number,
  cache: FusedStepCache[],
  dhs: (tf.Tensor | null)[],
  end: { h: tf.Tensor | null; c: tf.Tensor | null } | null,
  opts: { params: boolean; initial: boolean },
): { grads: tf.Tensor[]; initial: { h: tf.Tensor2D; c: tf.Tensor2D } | null } {
  const T = cache.length;
  const [B, H4] = cache[0].z.shape;
  const H = H4 / 4;
  // The recurrent rows of [W_i | W_f | W_o | W_g] (undoubled: dz_g is with respect to z_g).
  const Wh = tf.concat(
    W.map((w) => tf.slice(w, [inputs, 0], [H, H])),
    1,
  ) as tf.Tensor2D;
  let dh: tf.Tensor | null = end?.h ?? null;
  let dc: tf.Tensor | null = end?.c ?? null;
  const dZ: tf.Tensor2D[] = new Array(T);
  for (let t = T - 1; t >= 0; t--) {
    const k = cache[t];
    const dht = addPresent(dhs[t], dh);
    if (!dht && !dc) {
      // Nothing reaches this step: all its gradients are zero.
      dZ[t] = tf.zeros([B, H4]);
      dh = null;
      continue;
    }
    const ins = { z: k.z, tc: k.tc, cPrev: k.cPrev, ...(dht ? { dh: dht } : {}), ...(dc ? { dc } : {}) };
    const [dz, dcPrev] = tf.engine().runKernel(LSTM_CELL_GRAD_KERNEL, ins) as tf.Tensor2D[];
    dZ[t] = dz;
    dc = dcPrev;
    dh = t > 0 || opts.initial ? tf.matMul(dz, Wh, false, true) : null;
  }
  const grads: tf.Tensor[] = [];
  if (opts.params) {
    // All T steps' weight gradients in one matmul: [x, h]ᵀ (I+H × TB) · dz (TB × 4H), then the gates' blocks.
    const XH = overTime(cache.map((k) => k.xh));
    const DZ = overTime(dZ);
    const dW = tf.split(tf.matMul(XH, DZ, true, false), 4, 1);
    const db = tf.split(tf.sum(DZ, 0), 4);
    dW.forEach((w, q) => grads.push(w, db[q]));
  }
  const initial = opts.initial ? initialGradient(dh, dc, B, H) : null;
  return { grads, initial };
}
