/**
 * What the LSTM's two BPTT paths (lib/modules/lstm.ts per gate, lstm-fused.ts with the gates side
 * by side) share: stacking a chunk's steps for the weight gradients, adding gradients either of
 * which may be missing, and the gradient reaching the chunk's initial state.
 */
import * as tf from '@tensorflow/tfjs';

/** The steps' [B, n] tensors stacked over time, [T·B, n] (the one tensor itself when T = 1, no copy). */
export function overTime<T extends tf.Tensor>(steps: T[]): T {
  return steps.length === 1 ? steps[0] : (tf.concat(steps, 0) as T);
}

/** a + b where either may be missing. */
export function addPresent(a: tf.Tensor | null, b: tf.Tensor | null): tf.Tensor | null {
  if (a && b) return tf.add(a, b);
  return a ?? b;
}

/** The gradient reaching (h_0, c_0): what BPTT left there, zeros where nothing reached. */
export function initialGradient(dh: tf.Tensor | null, dc: tf.Tensor | null, B: number, H: number): { h: tf.Tensor2D; c: tf.Tensor2D } {
  return { h: (dh ?? tf.zeros([B, H])) as tf.Tensor2D, c: (dc ?? tf.zeros([B, H])) as tf.Tensor2D };
}
