/**
 * The weights of BP(λ)'s mixture (paper A.2): ḡ_k = Σ_{n=k..K} c_k^n·g_k^n, where
 * g_k^n unrolls the chain rule from h_k up to h_n and then applies the synthetic
 * gradient g_n (g_K being the true gradient ∂L/∂h_K), and
 *   c_k^n = (1 − λ_n)·Π_{j=k}^{n−1} λ_j  for n < K,   c_k^K = Π_{j=k}^{K−1} λ_j.
 * The weights sum to 1, like the λ-return of TD(λ). Unrolled, that is one mixture per
 * connection, ḡ_k = λ_k·z̄_k + (1 − λ_k)·g_k (`mix`), used by layers and by time alike.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * λ_k of connection k (between layer k and layer k + 1): a number in [0, 1] mixes the
 * backpropagated target with the synthetic gradient (0 = DNI, 1 = backprop), and 'none'
 * passes no gradient at all ("No Bprop").
 */
export type Lambda = number | 'none';

/**
 * ḡ = λ·z̄ + (1 − λ)·g, where z̄ is the gradient arriving from above (or from the future) and g
 * the synthetic gradient. null stands for a gradient that is zero (none arrives, or no
 * synthesizer): λ = 1 is z̄ itself and λ = 0 is g itself, as tensors, with no arithmetic; null
 * when the result is zero.
 */
export function mix(lambda: number, zbar: tf.Tensor | null, g: tf.Tensor | null): tf.Tensor | null {
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`λ must be in [0, 1], got ${lambda}`);
  if (lambda === 1) return zbar;
  if (lambda === 0) return g;
  if (zbar && g) return tf.add(tf.mul(zbar, lambda), tf.mul(g, 1 - lambda));
  if (zbar) return tf.mul(zbar, lambda);
  return g ? tf.mul(g, 1 - lambda) : null;
}

/**
 * c_k^n for n = k..K, given λ_1..λ_{K−1} (lambda[j − 1] = λ_j) and 1-based k < K.
 *
 *   mixtureWeights([0.5, 0.5, 0.5], 1)  // → [0.5, 0.25, 0.125, 0.125]
 */
export function mixtureWeights(lambda: number[], k: number): number[] {
  const K = lambda.length + 1;
  if (!Number.isInteger(k) || k < 1 || k >= K) throw new RangeError(`k must be an integer in 1..${K - 1}, got ${k}`);
  lambda.forEach((l, i) => {
    if (!(l >= 0 && l <= 1)) throw new RangeError(`lambda[${i}] must be in [0, 1], got ${l}`);
  });
  const c: number[] = [];
  let prod = 1;
  for (let n = k; n < K; n++) {
    c.push((1 - lambda[n - 1]) * prod);
    prod *= lambda[n - 1];
  }
  c.push(prod);
  return c;
}
