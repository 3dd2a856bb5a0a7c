/** Tensor assertions and fixtures for the tests. */
import * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from '../lib/networks/spec';
import { Rng } from '../lib/core/rng';

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
  if (d > rtol * scale + atol)
    throw new Error(`${what}: max |a − b| = ${d.toExponential(3)} exceeds ${rtol} × ${scale.toExponential(3)} + ${atol}`);
}

/** A seeded random batch for a network: uniform inputs and labels below its class count. */
export function randomBatch(net: NetworkSpec, b: number, seed: number): { x: tf.Tensor; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const shape = net.kind === 'fcn' ? [net.input] : net.input;
  const n = shape.reduce((a, c) => a * c, 1);
  const x = tf.tensor(
    Float32Array.from({ length: b * n }, () => rng.uniform()),
    [b, ...shape],
  );
  const y = tf.tensor1d(
    Int32Array.from({ length: b }, () => rng.int(net.classes)),
    'int32',
  );
  return { x, y };
}
