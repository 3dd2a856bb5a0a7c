/**
 * Synthetic-gradient quality (paper Figure 12) against numbers worked out by hand.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { sgCosine, sgDistance, sgQuality, sgSignError } from '../lib/trainers/sgquality';

// Three examples of three entries; the true gradient t and a synthetic gradient g.
//   b = 1: g = (3, 4, 0),  t = (0, 4, 3):  ‖g − t‖ = ‖(3, 0, −3)‖ = √18; cos = 16 / (5·5) = 0.64;
//          signs (+, +, 0) vs (0, +, +): 2 of 3 differ.
//   b = 2: g = (1, −1, 0), t = (−2, 2, 0): ‖(3, −3, 0)‖ = √18; cos = −4 / (√2·√8) = −1;
//          signs (+, −, 0) vs (−, +, 0): 2 of 3 differ (both zero in the last entry: right).
//   b = 3: g = 0,          t = (1, 2, 2):  ‖t‖ = 3; cos counted as 0; all 3 signs differ.
const G = [3, 4, 0, 1, -1, 0, 0, 0, 0];
const T = [0, 4, 3, -2, 2, 0, 1, 2, 2];
const DISTANCE = (2 * Math.sqrt(18) + 3) / 3;
const COSINE = (0.64 - 1 + 0) / 3;
const SIGN_ERROR = (2 / 3 + 2 / 3 + 1) / 3;

function close(got: tf.Scalar, want: number, what: string): void {
  const v = got.dataSync()[0];
  got.dispose();
  assert.ok(Math.abs(v - want) < 1e-6, `${what}: got ${v}, want ${want}`);
}

describe('synthetic-gradient quality', function () {
  it('distance, cosine and sign error are per-example means (hand-computed, FCN-shaped)', () => {
    const g = tf.tensor(G, [3, 3]);
    const t = tf.tensor(T, [3, 3]);
    close(sgDistance(g, t), DISTANCE, 'distance');
    close(sgCosine(g, t), COSINE, 'cosine');
    close(sgSignError(g, t), SIGN_ERROR, 'sign error');
    // The whole-batch norm would differ: ‖g − t‖ over all 9 entries is √45, not the per-example mean.
    assert.ok(Math.abs(DISTANCE - Math.sqrt(45)) > 0.5);
    tf.dispose([g, t]);
  });

  it('an example’s gradient is flattened over every axis but the batch (CNN-shaped maps)', () => {
    const g = tf.tensor(G, [3, 1, 3, 1]);
    const t = tf.tensor(T, [3, 1, 3, 1]);
    const q = sgQuality(g, t);
    close(q.distance, DISTANCE, 'distance');
    close(q.cosine, COSINE, 'cosine');
    close(q.signError, SIGN_ERROR, 'sign error');
    tf.dispose([g, t]);
  });

  it('identical gradients: distance 0, cosine 1, sign error 0; scale does not change the cosine', () => {
    const t = tf.tensor(T, [3, 3]);
    const q = sgQuality(t, t);
    close(q.distance, 0, 'distance');
    close(q.cosine, 1, 'cosine');
    close(q.signError, 0, 'sign error');
    const g = tf.mul(t, 1e-3);
    close(sgCosine(g, t), 1, 'cosine of a scaled copy');
    tf.dispose([t, g]);
  });

  it('rejects mismatched shapes and leaks no tensors', () => {
    const g = tf.tensor(G, [3, 3]);
    const t = tf.tensor(T, [3, 3]);
    assert.throws(() => sgDistance(g, tf.reshape(t, [9, 1])), /shape \[3,3\].*\[9,1\]/);
    const before = tf.memory().numTensors;
    const q = sgQuality(g, t);
    assert.equal(tf.memory().numTensors, before + 3);
    tf.dispose([q.distance, q.cosine, q.signError, g, t]);
  });
});
