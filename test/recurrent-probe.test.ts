/**
 * The synthesizer probe (lib/trainers/recurrent-probe.ts) against plain-ops autodiff: the true
 * future gradient at a boundary is ∂(the later losses)/∂(h_k, c_k) of the LSTM unrolled from that
 * state; the bootstrapped target is the same for the next chunk's losses plus the synthetic
 * gradient consumed at its end.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../lib/core/rng';
import { COPY_OUTPUTS, copyInputs, disposeSequenceBatch } from '../lib/tasks/copy';
import type { SequenceBatch } from '../lib/tasks/sequence';
import { RecurrentTrainer } from '../lib/trainers/recurrent';
import { probeSynthesizer } from '../lib/trainers/recurrent-probe';
import { recurrentSpec } from '../lib/trainers/recurrent-spec';
import { refBitLoss, refLstm } from '../lib/trainers/reference';
import { repeatCopyBatch } from './assert';

const H = 6;
const B = 3;
const level = { N: 3, R: 2 }; // L = 10 steps
const L = 10;

function setup(T: number, sgTarget: 'future' | 'withStepLoss' = 'future', sgBootstrap: 'consumed' | 'raw' = 'consumed') {
  const t = new RecurrentTrainer(
    recurrentSpec({
      inputs: copyInputs('repeatCopy'),
      outputs: COPY_OUTPUTS,
      hidden: H,
      T,
      method: 'dni',
      sgTarget,
      sgBootstrap,
      seed: 5,
      synthesizer: { width: 4 },
    }),
  );
  const rng = new Rng(9);
  for (const p of t.synthesizer!.params()) p.assign(tf.tensor(rng.normals(p.size, 0.4), p.shape));
  return t;
}

/** Σ of the losses of steps [from, to) of `bt` (nats per sequence) from (h, c), plus ⟨end, s_to⟩. */
function refLoss(t: RecurrentTrainer, bt: SequenceBatch, from: number, to: number, h: tf.Tensor, c: tf.Tensor, end: tf.Tensor | null) {
  const theta = t.coreParams();
  const xs = tf.unstack(bt.x).slice(from, to);
  const r = refLstm(theta.slice(0, 8), xs, h, c);
  const n = to - from;
  const logits = tf.add(tf.matMul(tf.concat(r.hs, 0) as tf.Tensor2D, theta[8] as tf.Tensor2D), theta[9]);
  const y = tf.reshape(tf.slice(bt.y, [from, 0, 0], [n, B, 8]), [n * B, 8]);
  const mask = tf.reshape(tf.slice(bt.mask, [from, 0], [n, B]), [n * B]);
  let loss = refBitLoss(logits, y, mask, B);
  if (end) loss = tf.add(loss, tf.sum(tf.mul(end, tf.concat([r.h, r.c], 1))));
  return loss as tf.Scalar;
}

/** The probe's numbers from autodiff, for boundaries `ends` (states after k steps). */
function reference(t: RecurrentTrainer, bt: SequenceBatch, T: number, ends: number[], window: number) {
  return tf.tidy(() => {
    const theta = t.coreParams();
    const xs = tf.unstack(bt.x);
    const s = t.synthesizer!;
    const state = (k: number) => refLstm(theta.slice(0, 8), xs.slice(0, k), tf.zeros([B, H]), tf.zeros([B, H]));
    const phi = s.params();
    const hidden = (h: tf.Tensor) => tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, phi[0] as tf.Tensor2D), phi[1]));
    const raw = (h: tf.Tensor) => tf.add(tf.matMul(hidden(h) as tf.Tensor2D, phi[2] as tf.Tensor2D), phi[3]);
    const g: tf.Tensor[] = [];
    const z: tf.Tensor[] = [];
    const tr: tf.Tensor[] = [];
    const hs: tf.Tensor[] = [];
    const ug: tf.Tensor[] = [];
    const ut: tf.Tensor[] = [];
    // ∂⟨end, s_k⟩/∂(LSTM weights) through the chunk [k − T, k), its first state a constant.
    const update = (k: number, end: tf.Tensor) => {
      const s0 = state(k - T);
      const [h0, c0] = [tf.clone(s0.h), tf.clone(s0.c)];
      const gs = tf.grads((...w: tf.Tensor[]) => {
        const r = refLstm(w, xs.slice(k - T, k), h0, c0);
        return tf.sum(tf.mul(end, tf.concat([r.h, r.c], 1))) as tf.Scalar;
      })(theta.slice(0, 8));
      return tf.concat(gs.map((x) => tf.reshape(x, [-1])));
    };
    for (const k of ends) {
      const { h, c } = state(k);
      g.push(tf.div(raw(h), B));
      hs.push(hidden(h));
      const next = Math.min(k + T, L);
      const consumed = t.spec.sgBootstrap === 'raw' ? 1 : 0.1;
      const boot = next < L ? tf.mul(tf.div(raw(state(next).h), B), consumed) : null;
      const grad = (to: number, end: tf.Tensor | null) => {
        const [dh, dc] = tf.grads((a: tf.Tensor, b: tf.Tensor) => refLoss(t, bt, k, to, a, b, end))([h, c]);
        const dStep = t.spec.sgTarget === 'withStepLoss' ? stepLossGrad(t, bt, k - 1, h) : tf.zerosLike(h);
        return tf.concat([tf.add(dh, dStep), dc], 1);
      };
      z.push(grad(next, boot));
      tr.push(grad(Math.min(L, k + window), null));
      // The update cosine compares the end gradients alone (no step-loss term).
      const truth =
        t.spec.sgTarget === 'withStepLoss'
          ? tf.sub(tr[tr.length - 1], tf.concat([stepLossGrad(t, bt, k - 1, h), tf.zerosLike(h)], 1))
          : tr[tr.length - 1];
      ug.push(update(k, g[g.length - 1]));
      ut.push(update(k, truth));
    }
    const [G, Z, R] = [g, z, tr].map((a) => tf.concat(a, 0));
    const num = (x: tf.Tensor) => x.dataSync()[0];
    const dot = (a: tf.Tensor, b: tf.Tensor) => num(tf.sum(tf.mul(a, b)));
    const dead = num(tf.mean(tf.cast(tf.equal(tf.max(tf.concat(hs, 0), 0), 0), 'float32')));
    const [UG, UT] = [tf.concat(ug), tf.concat(ut)];
    return {
      cosTarget: dot(G, Z) / Math.sqrt(dot(G, G) * dot(Z, Z)),
      cosTrue: dot(G, R) / Math.sqrt(dot(G, G) * dot(R, R)),
      cosTargetTrue: dot(Z, R) / Math.sqrt(dot(Z, Z) * dot(R, R)),
      cosUpdate: dot(UG, UT) / Math.sqrt(dot(UG, UG) * dot(UT, UT)),
      relErrTarget: Math.sqrt(dot(tf.sub(G, Z), tf.sub(G, Z)) / dot(Z, Z)),
      relErrTrue: Math.sqrt(dot(tf.sub(G, R), tf.sub(G, R)) / dot(R, R)),
      predNorm: Math.sqrt(dot(G, G) / (ends.length * B)),
      trueNorm: Math.sqrt(dot(R, R) / (ends.length * B)),
      dead,
    };
  });
}

/** ∂l_t/∂h_t of the step that made h (the 'withStepLoss' target's extra term). */
function stepLossGrad(t: RecurrentTrainer, bt: SequenceBatch, step: number, h: tf.Tensor): tf.Tensor {
  const theta = t.coreParams();
  const y = tf.reshape(tf.slice(bt.y, [step, 0, 0], [1, B, 8]), [B, 8]);
  const mask = tf.reshape(tf.slice(bt.mask, [step, 0], [1, B]), [B]);
  return tf.grad((a: tf.Tensor) => refBitLoss(tf.add(tf.matMul(a as tf.Tensor2D, theta[8] as tf.Tensor2D), theta[9]), y, mask, B))(h);
}

describe('the recurrent synthesizer probe', () => {
  afterEach(() => tf.disposeVariables());

  for (const [T, window, sgTarget, sgBootstrap, ends] of [
    [4, Infinity, 'future', 'consumed', [4, 8]],
    [3, Infinity, 'withStepLoss', 'consumed', [3, 6, 9]],
    [3, 4, 'future', 'consumed', [3, 6]],
    [3, Infinity, 'future', 'raw', [3, 6, 9]],
  ] as const) {
    it(`T = ${T}, window ${window}, ${sgTarget}, ${sgBootstrap} bootstrap: cosines, relative errors, norms and dead units equal autodiff's`, () => {
      const t = setup(T, sgTarget, sgBootstrap);
      const bt = repeatCopyBatch(level, B, 4);
      const before = tf.memory().numTensors;
      const p = probeSynthesizer(t, bt, { window })!;
      assert.equal(tf.memory().numTensors, before, 'the probe leaks no tensor');
      assert.equal(p.boundaries, ends.length);
      const ref = reference(t, bt, T, [...ends], window);
      for (const [k, v] of Object.entries(ref))
        assert.ok(Math.abs((p as any)[k] - v) < 1e-4 * Math.max(1, Math.abs(v)), `${k}: ${(p as any)[k]} vs ${v}`);
      assert.ok(Math.abs(p.cosTrue) > 0.01, 'a non-trivial case');
      disposeSequenceBatch(bt);
      t.dispose();
    });
  }

  it('where the next chunk reaches the sequence’s end, the bootstrapped target is the true future gradient', () => {
    const t = setup(8);
    const bt = repeatCopyBatch(level, B, 4);
    const p = probeSynthesizer(t, bt)!;
    assert.equal(p.boundaries, 1);
    assert.ok(Math.abs(p.cosTargetTrue - 1) < 1e-6);
    assert.ok(Math.abs(p.targetNorm - p.trueNorm) < 1e-6 * p.trueNorm);
    disposeSequenceBatch(bt);
    t.dispose();
  });

  it('no synthesizer, or no boundary: null', () => {
    const bptt = new RecurrentTrainer(recurrentSpec({ inputs: 10, outputs: 8, hidden: 4, T: 2, method: 'bptt' }));
    const long = setup(20);
    const bt = repeatCopyBatch(level, B, 4);
    assert.equal(probeSynthesizer(bptt, bt), null);
    assert.equal(probeSynthesizer(long, bt), null);
    disposeSequenceBatch(bt);
    bptt.dispose();
    long.dispose();
  });
});
