/** The softmax (next-symbol) sequence task (lib/tasks/softmax.ts) against hand-computed values and tfjs autodiff. */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../lib/core/rng';
import { softmaxLoss, targetLogLikelihoods } from '../lib/tasks/softmax';
import { assertClose } from './assert';

const oneHot = (ids: number[], V: number) => tf.tidy(() => tf.oneHot(tf.tensor1d(ids, 'int32'), V).toFloat() as tf.Tensor2D);

describe('softmax sequence task', () => {
  it('uniform logits over V symbols cost exactly log2 V bits per character', () => {
    for (const V of [2, 50]) {
      const L = 3;
      const B = 2;
      const rng = new Rng(V);
      // Each row's logits are one constant (a different one per row): p = 1/V whatever the target.
      const rows = Array.from({ length: L * B }, () => rng.normal() * 10);
      const logits = tf.tensor2d(
        rows.flatMap((c) => new Array<number>(V).fill(c)),
        [L * B, V],
      );
      const y = oneHot(
        Array.from({ length: L * B }, () => rng.int(V)),
        V,
      );
      const l = softmaxLoss(logits, y, tf.ones([L * B]) as tf.Tensor1D, B);
      // The loss is Σ over steps ÷ B: L characters per sequence.
      const bpc = l.loss.dataSync()[0] / L / Math.LN2;
      assert.ok(Math.abs(bpc - Math.log2(V)) < 1e-5, `V = ${V}: ${bpc} bits per char, expected log2 V = ${Math.log2(V)}`);
      tf.dispose([logits, y, l.loss, l.dLogits, l.wrong]);
    }
  });

  it('a hand-built logit table for "abca": 1 + log2(4/3) + log2 6 = 4 bits over 3 predictions; masked rows do not count', () => {
    // Vocabulary a, b, c. Predictions: b after a, c after b, a after c (one sequence, B = 1).
    //   z = [0, ln 2, 0]      p(b) = 2/4 = 1/2   → 1 bit,          argmax b: right
    //   z = [0, 0, ln 6]      p(c) = 6/8 = 3/4   → log2(4/3) bits, argmax c: right
    //   z = [0, ln 3, ln 2]   p(a) = 1/6         → log2 6 bits,    argmax b: wrong
    // Σ = 1 + log2(4/3 · 6) = 1 + log2 8 = 4 bits; BPC = 4/3. A fourth, masked row must not count.
    const z = [
      [0, Math.log(2), 0],
      [0, 0, Math.log(6)],
      [0, Math.log(3), Math.log(2)],
      [50, -50, 0],
    ];
    const logits = tf.tensor2d(z);
    const y = oneHot([1, 2, 0, 1], 3);
    const mask = tf.tensor1d([1, 1, 1, 0]);
    const l = softmaxLoss(logits, y, mask, 1);
    const bits = l.loss.dataSync()[0] / Math.LN2;
    assert.ok(Math.abs(bits - 4) < 1e-5, `${bits} bits`);
    assert.ok(Math.abs(bits / 3 - 4 / 3) < 1e-5);
    assert.deepEqual(Array.from(l.wrong.dataSync()), [1]);
    // Per-row log-likelihoods: ln ½, ln ¾, ln ⅙ (the masked row is not masked here).
    const ll = targetLogLikelihoods(logits, y).dataSync();
    [Math.log(1 / 2), Math.log(3 / 4), Math.log(1 / 6)].forEach((v, i) =>
      assert.ok(Math.abs(ll[i] - v) < 1e-6, `row ${i}: ${ll[i]} vs ${v}`),
    );
    tf.dispose([logits, y, mask, l.loss, l.dLogits, l.wrong]);
  });

  it('the loss equals tfjs’s softmax cross-entropy, and dLogits equals autodiff of it (large logits included)', () => {
    const [L, B, V] = [4, 3, 7];
    const rng = new Rng(11);
    const logits = tf.tensor2d(rng.normals(L * B * V, 30), [L * B, V]); // large: a naive exp would overflow
    const y = oneHot(
      Array.from({ length: L * B }, () => rng.int(V)),
      V,
    );
    const mask = tf.tensor1d(Array.from({ length: L * B }, (_, i) => (i % 5 === 2 ? 0 : 1)));
    // Reference: tfjs's own loss, per row, masked, Σ ÷ B.
    const ref = (zz: tf.Tensor) =>
      tf.div(tf.sum(tf.mul(tf.losses.softmaxCrossEntropy(y, zz as tf.Tensor2D, undefined, 0, tf.Reduction.NONE), mask)), B) as tf.Scalar;
    const ours = softmaxLoss(logits, y, mask, B);
    assertClose(ours.loss, ref(logits), 1e-5, 'loss');
    const g = tf.grad(ref)(logits);
    assertClose(ours.dLogits, g, 1e-5, 'dLogits');
    // The per-sequence misses: row r = t·B + b belongs to sequence b.
    const argmax = tf.argMax(logits, 1).dataSync();
    const target = tf.argMax(y, 1).dataSync();
    const m = mask.dataSync();
    const want = [0, 0, 0];
    for (let r = 0; r < L * B; r++) if (m[r] && argmax[r] !== target[r]) want[r % B]++;
    assert.deepEqual(Array.from(ours.wrong.dataSync()), want);
    tf.dispose([logits, y, mask, ours.loss, ours.dLogits, ours.wrong, g]);
  });
});
