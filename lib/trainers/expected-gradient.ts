/**
 * Paper section B's expected gradient for a linear–softmax top, in closed form. The top is the
 * project's Linear (y = h·W + b, W stored [H, C]), so with s(h) = softmax(h·W + b) and the
 * cross-entropy L = −log s(h)[y], an example's gradient is the row vector
 *
 *   g = ∂L/∂h = (s(h) − onehot(y))·Wᵀ                          [H]
 *
 * and, with labels drawn from a known p(y | h),
 *
 *   E[g | h] = (s(h) − p(y | h))·Wᵀ                             (E[onehot(y) | h] = p(y | h))
 *   E‖g − E[g | h]‖² = Σ_c p_c‖W_c‖² − ‖p·Wᵀ‖²                  (W_c: column c of W)
 *
 * the second from Cov(onehot(y) | h) = diag(p) − p pᵀ: the variance no function of h alone can
 * remove (test/sufficiency.test.ts checks both against Monte Carlo over labels, with the
 * per-example gradients taken by autodiff).
 *
 *   const g = perExampleGradients(h, W, b, labels);  // [B, H], in the caller's tf.tidy
 *   const e = expectedGradient(h, W, b, probs);      // [B, H]
 *   const v = irreducibleVariance(W, probs);         // [B]
 */
import * as tf from '@tensorflow/tfjs';
import { targetLogLikelihoods } from '../tasks/softmax';

/** Each example's own-loss gradient ∂L_i/∂h_i of L_i = −log softmax(h_i·W + b)[y_i], by tfjs autodiff: [B, H]. */
export function perExampleGradients(h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, labels: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels, W.shape[1]).toFloat() as tf.Tensor2D;
    // Σ_i L_i: each L_i depends on h_i alone, so its gradient's row i is ∂L_i/∂h_i.
    const total = (x: tf.Tensor) =>
      tf.neg(tf.sum(targetLogLikelihoods(tf.add(tf.matMul(x as tf.Tensor2D, W), b) as tf.Tensor2D, onehot))) as tf.Scalar;
    return tf.grad(total)(h) as tf.Tensor2D;
  });
}

/** E[∂L/∂h | h] = (softmax(h·W + b) − p(y | h))·Wᵀ: [B, H]. */
export function expectedGradient(h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, probs: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(tf.sub(tf.softmax(tf.add(tf.matMul(h, W), b)), probs), W, false, true));
}

/** E‖g − E[g | h]‖² per example, Σ_c p_c‖W_c‖² − ‖p·Wᵀ‖²: [B]. */
export function irreducibleVariance(W: tf.Tensor2D, probs: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const columns = tf.sum(tf.square(W), 0); // ‖W_c‖², [C]
    const mean = tf.matMul(probs, W, false, true); // p·Wᵀ, [B, H]
    return tf.sub(tf.sum(tf.mul(probs, columns), 1), tf.sum(tf.square(mean), 1)) as tf.Tensor1D;
  });
}

/** Mean over examples of ‖a_i − b_i‖², a scalar. */
export function meanSquaredDistance(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sum(tf.square(tf.sub(a, b)), 1)) as tf.Scalar);
}

/** Mean over examples of cos(a_i, b_i), counted as 0 where either row is all zeros (no direction). */
export function meanCosine(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const norms = tf.mul(tf.norm(a, 'euclidean', 1), tf.norm(b, 'euclidean', 1));
    const dot = tf.sum(tf.mul(a, b), 1);
    const ok = tf.greater(norms, 0);
    return tf.mean(tf.where(ok, tf.div(dot, tf.where(ok, norms, tf.onesLike(norms))), tf.zerosLike(norms))) as tf.Scalar;
  });
}
