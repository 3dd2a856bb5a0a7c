/**
 * The LSTM core's hand-written BPTT (lib/modules/lstm.ts) against two references that share
 * none of its backward code: central finite differences of its own forward, and tfjs autodiff
 * of the chunk unrolled with plain ops (lib/trainers/reference.ts, refLstm, one fused 4H matmul there).
 *
 * The function differentiated is f = Σ_t ⟨r_t, h_t⟩ + ⟨e_h, h_T⟩ + ⟨e_c, c_T⟩: r_t stands for the
 * loss gradients reaching each step's output, (e_h, e_c) for a (synthetic) gradient at the
 * chunk's end state. Its gradients with respect to every parameter, h_0 and c_0 are what
 * backward returns.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Lstm, type LstmState } from '../lib/modules/lstm';
import { refLstm } from '../lib/trainers/reference';
import { Rng } from '../lib/core/rng';
import { assertClose, randn } from './assert';

const I = 5;
const H = 6;
const B = 3;
const T = 4;

interface Problem {
  lstm: Lstm;
  xs: tf.Tensor2D[];
  s0: LstmState;
  r: (tf.Tensor | null)[];
  end: { h: tf.Tensor; c: tf.Tensor } | null;
}

/** A random chunk; biases are randomised too, so every gate works away from its initial value. */
function problem(seed: number, opts: { end?: boolean; skip?: readonly number[] } = {}): Problem {
  const rng = new Rng(seed);
  const lstm = new Lstm(I, H, rng);
  for (const p of lstm.params()) p.assign(randn(rng, p.shape, 0.5));
  const xs = Array.from({ length: T }, () => randn(rng, [B, I]) as tf.Tensor2D);
  const s0 = { h: randn(rng, [B, H], 0.5) as tf.Tensor2D, c: randn(rng, [B, H]) as tf.Tensor2D };
  const r = Array.from({ length: T }, (_, t) => (opts.skip?.includes(t) ? null : randn(rng, [B, H])));
  const end = opts.end === false ? null : { h: randn(rng, [B, H]), c: randn(rng, [B, H]) };
  return { lstm, xs, s0, r, end };
}

/** f at parameter values `ps` (aligned with params()) and initial state (h0, c0), in double precision, from the library's forward. */
function f(p: Problem, ps: tf.Tensor[], h0: tf.Tensor, c0: tf.Tensor): number {
  const params = p.lstm.params();
  const saved = params.map((v) => tf.clone(v));
  params.forEach((v, i) => v.assign(ps[i]));
  const pairs = tf.tidy(() => {
    const out = p.lstm.forward(p.xs, { h: h0 as tf.Tensor2D, c: c0 as tf.Tensor2D });
    const list: tf.Tensor[][] = [];
    out.hs.forEach((h, t) => p.r[t] && list.push([h, p.r[t]!]));
    if (p.end) list.push([out.state.h, p.end.h], [out.state.c, p.end.c]);
    return list;
  });
  params.forEach((v, i) => v.assign(saved[i]));
  tf.dispose(saved);
  // Double-precision accumulation in JS keeps the difference quotient accurate.
  let s = 0;
  for (const [x, y] of pairs) {
    const [a, bb] = [x.dataSync(), y.dataSync()];
    for (let k = 0; k < a.length; k++) s += a[k] * bb[k];
  }
  tf.dispose(pairs.map(([x]) => x));
  return s;
}

/** backward's gradients: every parameter (params() order), then h_0 and c_0. */
function libraryGrads(p: Problem): tf.Tensor[] {
  return tf.tidy(() => {
    const out = p.lstm.forward(p.xs, p.s0);
    const b = p.lstm.backward(out.cache, p.r, p.end, { params: true, initial: true });
    return [...b.grads, b.initial!.h, b.initial!.c];
  });
}

const names = (p: Problem) => [...p.lstm.params().map((v) => v.name.split('/').pop()!), 'h_0', 'c_0'];

function dispose(p: Problem): void {
  tf.dispose([...p.xs, p.s0.h, p.s0.c, ...p.r.filter((x): x is tf.Tensor => !!x), ...(p.end ? [p.end.h, p.end.c] : [])]);
}

describe('LSTM core: hand-written BPTT', () => {
  afterEach(() => tf.disposeVariables());

  for (const [what, opts] of [
    ['with a gradient at the end state', {}],
    ['without one (plain truncation), some steps without a loss gradient', { end: false, skip: [1, 3] }],
  ] as const) {
    it(`every parameter gradient and ∂/∂h_0, ∂/∂c_0 pass a central finite-difference check, one random direction per tensor (${what})`, () => {
      const p = problem(1, opts);
      const ours = libraryGrads(p);
      const base = [...p.lstm.params(), p.s0.h, p.s0.c].map((t) => tf.clone(t));
      const rng = new Rng(99);
      // Small enough that the O(ε²) term stays below the tolerance for these weights, large enough for float32.
      const eps = 3e-3;
      names(p).forEach((name, j) => {
        const v = randn(rng, base[j].shape);
        const at = (sign: number) => {
          const args = base.map((t, i) => (i === j ? tf.add(t, tf.mul(v, sign * eps)) : t));
          const y = f(p, args.slice(0, -2), args[args.length - 2], args[args.length - 1]);
          tf.dispose(args[j]);
          return y;
        };
        const fd = (at(1) - at(-1)) / (2 * eps);
        const analytic = tf.tidy(() => tf.sum(tf.mul(ours[j], v)).dataSync()[0]);
        const err = Math.abs(fd - analytic) / Math.max(Math.abs(fd), Math.abs(analytic), 1e-6);
        assert.ok(err < 2e-3, `${name}: finite differences ${fd} vs backward ${analytic} (relative error ${err.toExponential(2)})`);
        v.dispose();
      });
      tf.dispose([...ours, ...base]);
      dispose(p);
    });

    it(`every gradient equals tfjs autodiff of the unrolled chunk, entry by entry (${what})`, () => {
      const p = problem(2, opts);
      const ours = libraryGrads(p);
      const n = p.lstm.params().length;
      const ref = tf.tidy(() =>
        tf.grads((...args: tf.Tensor[]) => {
          const out = refLstm(args.slice(0, n), p.xs, args[n], args[n + 1]);
          let s = tf.scalar(0);
          out.hs.forEach((h, t) => p.r[t] && (s = tf.add(s, tf.sum(tf.mul(h, p.r[t]!)))));
          if (p.end) s = tf.add(s, tf.add(tf.sum(tf.mul(out.h, p.end.h)), tf.sum(tf.mul(out.c, p.end.c))));
          return s;
        })([...p.lstm.params(), p.s0.h, p.s0.c]),
      );
      names(p).forEach((name, j) => assertClose(ours[j], ref[j], 1e-5, name));
      tf.dispose([...ours, ...ref]);
      dispose(p);
    });
  }

  it('the forward equals the plain-ops reference, and only the forget gate starts with a bias (1)', () => {
    const rng = new Rng(3);
    const lstm = new Lstm(I, H, rng);
    lstm.b.forEach((b, q) => assert.deepEqual(Array.from(b.dataSync()), Array(H).fill(q === 1 ? 1 : 0), b.name));
    const xs = Array.from({ length: T }, () => randn(rng, [B, I], 2) as tf.Tensor2D);
    const s0 = lstm.zeroState(B);
    const ours = lstm.forward(xs, s0);
    const ref = refLstm(lstm.params(), xs, s0.h, s0.c);
    ours.hs.forEach((h, t) => assertClose(h, ref.hs[t], 1e-6, `h_${t + 1}`));
    assertClose(ours.state.c, ref.c, 1e-6, 'c_T');
  });

  it('a zero end gradient and no end gradient give the same result; nothing reaching a chunk gives zeros', () => {
    const p = problem(4);
    const a = tf.tidy(() => {
      const out = p.lstm.forward(p.xs, p.s0);
      const zero = { h: tf.zeros([B, H]), c: tf.zeros([B, H]) };
      const x = p.lstm.backward(out.cache, p.r, zero, { params: true, initial: true });
      const y = p.lstm.backward(out.cache, p.r, null, { params: true, initial: true });
      const none = p.lstm.backward(
        out.cache,
        p.r.map(() => null),
        null,
        { params: true, initial: true },
      );
      return [tf.sub(x.grads[0], y.grads[0]), tf.sub(x.initial!.c, y.initial!.c), none.grads[0], none.initial!.h].map((t) =>
        tf.max(tf.abs(t)),
      );
    });
    for (const t of a) assert.equal(t.dataSync()[0], 0);
    tf.dispose(a);
    dispose(p);
  });
});
