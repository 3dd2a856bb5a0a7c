/** Tensor assertions for the tests. */
import * as tf from '@tensorflow/tfjs';

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
