/**
 * The modules' native-path code against their stock-path code: the Conv2d module's gradients
 * through the backend's own backprop kernels, and the project's fused kernels (lib/blas/pool.ts,
 * lstm-cell.ts, batchnorm.ts, adam.ts, slice.ts) against the op chains and loops they replace, on random inputs.
 *
 * Skips, saying why, only when the backend is not wasm or the addon is genuinely unavailable.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../lib/core/rng';
import { setNativeBlas } from '../lib/blas';
import { Adam, ADAM_DEFAULTS } from '../lib/core/adam';
import { BatchNorm } from '../lib/modules/batchnorm';
import { Conv2d } from '../lib/modules/conv2d';
import { Lstm } from '../lib/modules/lstm';
import { poolGrad } from '../lib/modules/pool';
import { assertClose } from './assert';
import { bothPaths, compare, nativeSuite } from './native-paths';

let seed = 101;
const randn = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);
const randnSeeded = (shape: number[], s: number) => tf.randomNormal(shape, 0, 1, 'float32', 1000 + s);

/** f with the named fused kernels unregistered (the native path's op chains instead), then registered again; each must be registered. */
function withoutKernels<T>(names: string[], f: () => T): T {
  const kernels = names.map((k) => tf.getKernel(k, 'wasm'));
  kernels.forEach((k, i) => assert.ok(k, `the fused kernel ${names[i]} is registered on the native path`));
  for (const k of kernels) tf.unregisterKernel(k!.kernelName, 'wasm');
  try {
    return f();
  } finally {
    for (const k of kernels) tf.registerKernel(k!);
  }
}

describe('fused native kernels against the stock path (wasm + OpenBLAS)', () => {
  nativeSuite();

  it("the Conv2d module's backward on the native path (the backend's backprop kernels) matches the stock path (forward convolutions)", () => {
    const conv = new Conv2d(6, 9, 5, new Rng(3));
    const x = randn([3, 11, 11, 6]);
    const dy = randn([3, 11, 11, 9]);
    const back = () => {
      const b = conv.backward(conv.forward(x).cache, dy, { dx: true, params: true });
      return [b.dx as tf.Tensor, ...b.grads];
    };
    const r = bothPaths(back);
    ['dx', 'dW', 'db'].forEach((what, i) => assertClose(r.native[i], r.stock[i], 1e-5, `Conv2d.backward ${what}`, 1e-5));
    tf.dispose([x, dy, ...r.native, ...r.stock, ...conv.params()]);
  });

  it("the pools' gradient (max and average, odd sizes, ties) matches the JS loop it replaces", () => {
    // Rounded values make ties, where the first maximum of a window must take the gradient.
    const shapes: [number[], number, number][] = [
      [[2, 7, 7, 3], 3, 2],
      [[3, 28, 28, 5], 3, 2],
      [[1, 9, 6, 2], 2, 3],
    ];
    for (const [xs, size, stride] of shapes) {
      const x = tf.tidy(() => tf.round(tf.mul(randn(xs), 2))) as tf.Tensor4D;
      const ho = Math.ceil(xs[1] / stride);
      const wo = Math.ceil(xs[2] / stride);
      const dy = randn([xs[0], ho, wo, xs[3]]) as tf.Tensor4D;
      for (const kind of ['max', 'avg'] as const) {
        setNativeBlas(true);
        assert.ok(tf.getKernel('DniPoolGrad', 'wasm'), 'the native pool gradient is registered on the native path');
        compare(() => poolGrad(kind, x, dy, size, stride), `${kind} pool gradient x[${xs}] size ${size} stride ${stride}`, 1e-6);
      }
      tf.dispose([x, dy]);
    }
    setNativeBlas(false);
    assert.equal(tf.getKernel('DniPoolGrad', 'wasm'), undefined, 'the stock path has no DniPoolGrad');
  });

  it("the LSTM's forward and BPTT on the native path (its fused cell kernels) match the stock path, with and without gradients at the end", () => {
    const lstm = new Lstm(5, 7, new Rng(4));
    const xs = [0, 1, 2].map(() => randn([6, 5]) as tf.Tensor2D);
    const s0 = { h: randn([6, 7]) as tf.Tensor2D, c: randn([6, 7]) as tf.Tensor2D };
    const dh = randn([6, 7]);
    const dc = randn([6, 7]);
    // Output gradients at some steps only, and every combination of gradients at the chunk's end.
    const ends = [null, { h: dh, c: null }, { h: null, c: dc }, { h: dh, c: dc }];
    for (const [e, end] of ends.entries()) {
      const run = () => {
        const f = lstm.forward(xs, s0);
        const b = lstm.backward(f.cache, [dh, null, e === 0 ? dh : null], end, { params: true, initial: true });
        return [...f.hs, f.state.c, ...b.grads, b.initial!.h, b.initial!.c];
      };
      setNativeBlas(true);
      assert.ok(tf.getKernel('DniLstmCellGrad', 'wasm'), 'the fused cell kernels are registered on the native path');
      const r = bothPaths(run);
      r.native.forEach((t, j) => assertClose(t, r.stock[j], 1e-5, `LSTM output ${j}, end gradient case ${e}`, 1e-6));
      tf.dispose([...r.native, ...r.stock]);
    }
    tf.dispose([...xs, s0.h, s0.c, dh, dc, ...lstm.params()]);
  });

  it('batch norm on the native path (its fused kernels) matches the stock path: output, running statistics and gradients, FCN and NHWC', () => {
    for (const shape of [
      [9, 13],
      [3, 5, 4, 6],
    ]) {
      const C = shape[shape.length - 1];
      const x = tf.tidy(() => tf.add(tf.mul(randn(shape), 3), 1));
      const dy = randn(shape);
      for (const dx of [true, false]) {
        const run = () => {
          const bn = new BatchNorm(C);
          bn.gamma.assign(tf.linspace(0.5, 1.5, C));
          const f = bn.forward(x, 'train');
          const b = bn.backward(f.cache, dy, { dx, params: true });
          const out = [f.y, ...(b.dx ? [b.dx] : []), ...b.grads, bn.runningMean.clone(), bn.runningVar.clone()];
          bn.params()
            .concat(bn.buffers())
            .forEach((v) => v.dispose());
          return out;
        };
        setNativeBlas(true);
        assert.ok(tf.getKernel('DniBatchNormGrad', 'wasm'), 'the fused batch-norm kernels are registered on the native path');
        const r = bothPaths(run);
        assert.equal(r.native.length, r.stock.length);
        r.native.forEach((t, j) => assertClose(t, r.stock[j], 1e-5, `batch norm [${shape}] dx=${dx}, output ${j}`, 1e-5));
        tf.dispose([...r.native, ...r.stock]);
      }
      tf.dispose([x, dy]);
    }
  });
  it('batch norm: the fused kernels give the same floats as the op chain they replace on the native path, and tf.grad goes through them', () => {
    setNativeBlas(true);
    const shape = [4, 6, 5, 7];
    const x = tf.tidy(() => tf.add(tf.mul(randn(shape), 2), 0.5));
    const dy = randn(shape);
    const run = () => {
      const bn = new BatchNorm(7);
      bn.gamma.assign(tf.linspace(0.5, 1.5, 7));
      const f = bn.forward(x, 'train');
      const b = bn.backward(f.cache, dy, { dx: true, params: true });
      const loss = (a: tf.Tensor) => tf.sum(tf.mul(bn.forward(a, 'train').y, dy)) as tf.Scalar;
      const g = [tf.grad(loss)(x), tf.variableGrads(() => loss(x), [bn.gamma]).grads[bn.gamma.name]];
      const out = [f.y, b.dx as tf.Tensor, ...b.grads, ...g, bn.runningMean.clone(), bn.runningVar.clone()];
      bn.params()
        .concat(bn.buffers())
        .forEach((v) => v.dispose());
      return out;
    };
    const fused = run();
    const chain = withoutKernels(['DniBatchNorm', 'DniBatchNormGrad'], run);
    fused.forEach((t, j) => {
      const a = Array.from(t.dataSync());
      const b = Array.from(chain[j].dataSync());
      const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
      // y, dx, dγ, dβ and the running statistics are the same floats; tf.grad's (through the
      // registered gradient) agree to rounding.
      assertClose(
        t,
        chain[j],
        j >= 4 && j < 6 ? 1e-5 : 0,
        `batch norm output ${j} (largest difference ${worst})`,
        j >= 4 && j < 6 ? 1e-6 : 0,
      );
    });
    tf.dispose([x, dy, ...fused, ...chain]);
  });
  it("Adam's fused update gives the same floats as its op chain, step after step", () => {
    setNativeBlas(true);
    const run = () => {
      const p = [tf.variable(randnSeeded([17, 5], 1)), tf.variable(randnSeeded([5], 2))];
      const opt = new Adam(p, { ...ADAM_DEFAULTS, lr: 1e-3 });
      for (let s = 0; s < 3; s++) tf.tidy(() => opt.apply(p.map((v, i) => randnSeeded(v.shape, 10 * s + i))));
      const out = p.map((v) => v.clone());
      opt.dispose();
      tf.dispose(p);
      return out;
    };
    const fused = run();
    const chain = withoutKernels(['DniAdam'], run);
    fused.forEach((t, j) => assertClose(t, chain[j], 0, `Adam parameter ${j} after 3 steps`, 0));
    tf.dispose([...fused, ...chain]);
  });
  it("Slice, SplitV and Unpack from the heap give the stock kernels' elements: every rank, axis and dtype, empty and whole slices", () => {
    const x4 = randn([3, 4, 5, 6]);
    const cases: [string, () => tf.Tensor[]][] = [
      ['slice rank 1', () => [tf.slice(tf.range(0, 10), [2], [5])]],
      ['row slice', () => [tf.slice(x4.reshape([12, 30]), [3, 0], [5, 30])]],
      ['column slice', () => [tf.slice(x4.reshape([12, 30]), [1, 7], [4, 9])]],
      ['rank 4, inner axes whole', () => [tf.slice(x4, [1, 1, 0, 0], [2, 2, -1, -1])]],
      ['rank 4, every axis partial', () => [tf.slice(x4, [1, 1, 2, 3], [2, 3, 2, 3])]],
      ['rank 5', () => [tf.slice(x4.reshape([3, 2, 2, 5, 6]), [0, 1, 0, 1, 2], [3, 1, 2, 3, 4])]],
      ['empty slice', () => [tf.slice(x4, [0, 0, 0, 0], [3, 0, 5, 6])]],
      ['int32 slice', () => [tf.slice(tf.range(0, 60, 1, 'int32').reshape([6, 10]), [1, 2], [3, 5])]],
      ['bool slice', () => [tf.slice(tf.greater(x4, 0), [0, 1, 1, 0], [2, 2, 3, 6])]],
      ['split in 4 along columns', () => tf.split(x4.reshape([12, 30]), [6, 9, 10, 5], 1)],
      ['split along the last axis, negative', () => tf.split(x4, 3, -1)],
      ['split along the first axis', () => tf.split(x4, 3, 0)],
      ['unstack along axis 0', () => tf.unstack(x4)],
      ['unstack along axis 2', () => tf.unstack(x4, 2)],
      ['unstack along the last axis, negative', () => tf.unstack(x4, -1)],
    ];
    for (const [what, f] of cases) {
      const { native, stock } = bothPaths(f);
      assert.equal(native.length, stock.length, what);
      native.forEach((t, j) => {
        assert.deepEqual(t.shape, stock[j].shape, `${what}: piece ${j}'s shape`);
        assert.equal(t.dtype, stock[j].dtype, `${what}: piece ${j}'s dtype`);
        assert.deepEqual(Array.from(t.dataSync()), Array.from(stock[j].dataSync()), `${what}: piece ${j}`);
      });
      tf.dispose([...native, ...stock]);
    }
    assert.ok(tf.getKernel('Slice', 'wasm') && tf.getKernel('SplitV', 'wasm') && tf.getKernel('Unpack', 'wasm'));
    tf.dispose(x4);
  });
});
