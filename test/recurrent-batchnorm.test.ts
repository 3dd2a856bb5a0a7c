/**
 * Recurrent batch normalisation (lib/modules/recurrent-batchnorm.ts) and the BN-LSTM of D.3
 * (lib/modules/bn-lstm.ts). The BN op's hand-written backward is checked against central finite
 * differences of its forward and against tfjs autodiff of the same normalisation written from
 * plain ops; the BN-LSTM's gradients (autodiff through that backward) against finite
 * differences; per-step statistics; no leaks.
 *
 * The function differentiated is f = Σ ⟨r, y⟩ for a fixed random r, so ∂f/∂(input) is the
 * vector–Jacobian product the backward returns for dy = r.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { BnLstm } from '../lib/modules/bn-lstm';
import { RecurrentBatchNorm, batchNormOp } from '../lib/modules/recurrent-batchnorm';
import { Rng } from '../lib/core/rng';
import { assertClose, randn } from './assert';

/** The normalisation from plain ops, differentiated by tfjs itself. */
function plainBn(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const mean = tf.mean(x, 0);
  const v = tf.mean(tf.square(tf.sub(x, mean)), 0);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(v, eps))), g), b);
}

/** Central difference of f along v, with f accumulated in double precision. */
function directional(f: (eps: number) => number, eps: number): number {
  return (f(eps) - f(-eps)) / (2 * eps);
}

function dot(a: tf.Tensor, b: tf.Tensor): number {
  const [x, y] = [a.dataSync(), b.dataSync()];
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k] * y[k];
  return s;
}

describe('Recurrent batch normalisation (Cooijmans et al. 2016): its own backward', () => {
  afterEach(() => tf.disposeVariables());
  const B = 5;
  const F = 4;
  const eps = 1e-5;

  it('∂x, ∂γ, ∂β equal tfjs autodiff of the plain-ops normalisation', () => {
    const rng = new Rng(1);
    const [x, g, b, r] = [randn(rng, [B, F], 2), randn(rng, [F]), randn(rng, [F]), randn(rng, [B, F])];
    const ours = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(batchNormOp(xx as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, eps), r)),
    )([x, g, b]);
    const ref = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(plainBn(xx, gg, bb, eps), r)))([x, g, b]);
    ['x', 'gamma', 'beta'].forEach((n, i) => assertClose(ours[i], ref[i], 1e-5, n));
    // And the forward is the same normalisation.
    assertClose(batchNormOp(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, eps), plainBn(x, g, b, eps), 1e-5, 'y');
    tf.dispose([x, g, b, r, ...ours, ...ref]);
  });

  it('∂x, ∂γ, ∂β pass a central finite-difference check along random directions', () => {
    const rng = new Rng(2);
    const args = [randn(rng, [B, F], 2), randn(rng, [F]), randn(rng, [F])];
    const r = randn(rng, [B, F]);
    const f = (a: tf.Tensor[]) => {
      const y = tf.tidy(() => batchNormOp(a[0] as tf.Tensor2D, a[1] as tf.Tensor1D, a[2] as tf.Tensor1D, eps));
      const s = dot(y, r);
      y.dispose();
      return s;
    };
    const ours = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(batchNormOp(xx as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, eps), r)),
    )(args);
    ['x', 'gamma', 'beta'].forEach((n, j) => {
      const v = randn(rng, args[j].shape);
      const fd = directional((e) => f(args.map((a, i) => (i === j ? tf.add(a, tf.mul(v, e)) : a))), 1e-2);
      const an = dot(ours[j], v);
      const err = Math.abs(fd - an) / Math.max(Math.abs(fd), Math.abs(an), 1e-6);
      assert.ok(err < 5e-3, `${n}: finite differences ${fd} vs backward ${an} (relative error ${err.toExponential(2)})`);
    });
  });

  it('keeps statistics per time step: a training step moves only its own, evaluation reads them', () => {
    const bn = new RecurrentBatchNorm(F, 3, { momentum: 1 });
    const rng = new Rng(3);
    const x = randn(rng, [B, F], 3) as tf.Tensor2D;
    tf.tidy(() => bn.forward(x, 1, 'train'));
    const mean = tf.mean(x, 0);
    assertClose(bn.runningMean[1], mean, 1e-5, 'step 1 mean');
    assert.deepEqual(Array.from(bn.runningMean[0].dataSync()), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(bn.runningMean[2].dataSync()), [0, 0, 0, 0]);
    // In evaluation, step 1 normalises with those statistics: the batch itself comes out with mean β = 0.
    const y = tf.tidy(() => tf.mean(bn.forward(x, 1, 'eval'), 0));
    assertClose(y, tf.zeros([F]), 0, 'eval output mean', 1e-5);
    // A step past the last one kept reads the last one's statistics (Cooijmans et al.).
    bn.runningMean[2].assign(mean);
    bn.runningVar[2].assign(bn.runningVar[1]);
    assertClose(
      tf.tidy(() => bn.forward(x, 7, 'eval')),
      tf.tidy(() => bn.forward(x, 1, 'eval')),
      1e-6,
      'step 7 = step 2',
    );
    assert.throws(() => bn.forward(x, 3, 'train'), /statistics for 3 steps/);
    assert.deepEqual(
      Array.from(bn.gamma.dataSync()).map((v) => +v.toFixed(6)),
      [0.1, 0.1, 0.1, 0.1],
    );
  });
});

describe('BN-LSTM (Cooijmans et al. 2016) of D.3', () => {
  afterEach(() => tf.disposeVariables());
  const I = 3;
  const H = 4;
  const B = 6;
  const T = 3;

  function setup(seed: number) {
    const rng = new Rng(seed);
    const lstm = new BnLstm(I, H, T, rng);
    // Random γ, β and biases too, so no gradient is zero by its initial value.
    for (const p of lstm.params()) if (p.shape.length === 1) p.assign(tf.add(randn(rng, p.shape, 0.5), 0.3));
    const xs = Array.from({ length: T }, () => randn(rng, [B, I]) as tf.Tensor2D);
    const s0 = { h: randn(rng, [B, H], 0.5) as tf.Tensor2D, c: randn(rng, [B, H]) as tf.Tensor2D };
    const rs = Array.from({ length: T }, () => randn(rng, [B, H]));
    const loss = () => {
      const out = lstm.forward(xs, 'train', s0);
      return tf.addN(out.hs.map((h, t) => tf.sum(tf.mul(h, rs[t])))) as tf.Scalar;
    };
    return { lstm, loss, rng };
  }

  it('every parameter gradient (autodiff through the BN backward) passes a central finite-difference check', () => {
    const { lstm, loss, rng } = setup(4);
    const params = lstm.params();
    const { value, grads } = tf.variableGrads(loss, params);
    value.dispose();
    const f = () => tf.tidy(() => loss().dataSync()[0]);
    for (const p of params) {
      const v = randn(rng, p.shape);
      const base = tf.clone(p);
      const at = (e: number) => {
        p.assign(tf.tidy(() => tf.add(base, tf.mul(v, e))));
        return f();
      };
      const fd = directional(at, 1e-3);
      p.assign(base);
      const an = dot(grads[p.name], v);
      const err = Math.abs(fd - an) / Math.max(Math.abs(fd), Math.abs(an), 1e-4);
      assert.ok(err < 1e-2, `${p.name}: finite differences ${fd} vs autodiff ${an} (relative error ${err.toExponential(2)})`);
      tf.dispose([v, base]);
    }
    tf.dispose(Object.values(grads));
  });

  it('a training step leaks no tensors, and the forget gate alone starts with a bias (1)', () => {
    const { lstm, loss } = setup(5);
    const once = () => {
      const { value, grads } = tf.variableGrads(loss, lstm.params());
      tf.dispose([value, ...Object.values(grads)]);
    };
    once();
    const before = tf.memory().numTensors;
    once();
    assert.equal(tf.memory().numTensors, before);
    const fresh = new BnLstm(I, H, T, new Rng(1));
    assert.deepEqual(Array.from(fresh.b.dataSync()), [...Array(H).fill(0), ...Array(H).fill(1), ...Array(2 * H).fill(0)]);
  });
});
