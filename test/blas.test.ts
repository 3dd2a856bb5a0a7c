/**
 * The native BLAS kernels (lib/blas/) against the stock wasm kernels on random inputs:
 * every transpose, odd sizes, batch dims, fused bias + activation, the convolutions with the
 * paddings and strides the networks use, and tf.grad through them. The filter gradient has
 * no stock wasm kernel, so it is checked against a plain loop.
 *
 * Skips, saying why, only when the backend is not wasm or the addon is genuinely unavailable.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../lib/core/backend';
import { type ConvPath, NATIVE_KERNELS, blasInfo, convPath, leadingReduction, planMatMul, setNativeBlas } from '../lib/blas';
import { Linear } from '../lib/modules/linear';
import { conv2dFilterGrad } from '../lib/modules/conv2d';
import { Rng } from '../lib/core/rng';
import { assertClose } from './assert';
import { bothPaths, compare, nativeSuite } from './native-paths';

const SIZES = [1, 7, 33, 257];
const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

let seed = 1;
const randn = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);

/** Conv2DBackpropFilter by definition, in float64: the reference where wasm has no kernel. */
function filterGradReference(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number,
  pad: 'same' | 'valid',
): tf.Tensor4D {
  const c = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad);
  const xs = x.dataSync();
  const ds = dy.dataSync();
  const [kh, kw, ci, co] = filterShape;
  const out = new Float64Array(kh * kw * ci * co);
  for (let b = 0; b < c.batchSize; b++)
    for (let oy = 0; oy < c.outHeight; oy++)
      for (let ox = 0; ox < c.outWidth; ox++)
        for (let fy = 0; fy < kh; fy++) {
          const iy = oy * c.strideHeight - c.padInfo.top + fy;
          if (iy < 0 || iy >= c.inHeight) continue;
          for (let fx = 0; fx < kw; fx++) {
            const ix = ox * c.strideWidth - c.padInfo.left + fx;
            if (ix < 0 || ix >= c.inWidth) continue;
            for (let i = 0; i < ci; i++) {
              const xv = xs[((b * c.inHeight + iy) * c.inWidth + ix) * ci + i];
              const dBase = ((b * c.outHeight + oy) * c.outWidth + ox) * co;
              const oBase = ((fy * kw + fx) * ci + i) * co;
              for (let o = 0; o < co; o++) out[oBase + o] += xv * ds[dBase + o];
            }
          }
        }
  return tf.tensor4d(Float32Array.from(out), filterShape);
}

describe('native BLAS kernels (wasm + OpenBLAS)', () => {
  nativeSuite({ logBackend: true });

  it('plans batched matmuls: one strided call for equal batches or a batch of one, per-entry calls otherwise', () => {
    assert.deepEqual(planMatMul([3, 7, 5], [5, 2], false, false)?.strideB, 0);
    assert.deepEqual(planMatMul([1, 7, 5], [4, 5, 2], false, false)?.outShape, [4, 7, 2]);
    assert.deepEqual(planMatMul([2, 1, 7, 5], [3, 5, 2], false, false)?.pairs, [
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    assert.equal(planMatMul([7, 5], [4, 2], false, false), null); // inner mismatch: the stock kernel reports it
  });

  for (const [tA, tB] of TRANSPOSES) {
    it(`BatchMatMul transposeA=${tA} transposeB=${tB}, sizes ${SIZES.join('/')} in every combination`, () => {
      for (const M of SIZES)
        for (const N of SIZES)
          for (const K of SIZES) {
            const a = randn(tA ? [K, M] : [M, K]);
            const b = randn(tB ? [N, K] : [K, N]);
            compare(() => tf.matMul(a, b, tA, tB), `matMul ${M}×${K}×${N} tA=${tA} tB=${tB}`);
            tf.dispose([a, b]);
          }
    });
  }

  it('BatchMatMul with batch dims: equal, broadcast from one, rank 4, and a two-sided broadcast', () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[3, 7, 33], [3, 33, 5], false, false],
      [[3, 33, 7], [3, 5, 33], true, true],
      [[3, 7, 33], [33, 5], false, false],
      [[7, 33], [4, 5, 33], false, true],
      [[1, 7, 33], [4, 33, 5], false, false],
      [[2, 3, 7, 33], [2, 3, 33, 5], false, false],
      [[2, 1, 7, 33], [3, 33, 5], false, false], // batch [2, 3] from [2, 1] and [3]
      [[3, 1, 33, 7], [1, 2, 5, 33], true, true],
    ];
    for (const [sa, sb, tA, tB] of cases) {
      const a = randn(sa);
      const b = randn(sb);
      // The stock kernel gets two-sided broadcasts wrong: it sees the operands broadcast explicitly.
      const outer = tf.broadcast_util.assertAndGetBroadcastShape(sa.slice(0, -2), sb.slice(0, -2));
      const full = (t: tf.Tensor) => tf.broadcastTo(t, [...outer, ...t.shape.slice(-2)]);
      compare(
        () => tf.matMul(a, b, tA, tB),
        `matMul [${sa}]·[${sb}] tA=${tA} tB=${tB}`,
        1e-5,
        () => tf.tidy(() => tf.matMul(full(a), full(b), tA, tB)),
      );
      tf.dispose([a, b]);
    }
  });

  it('_FusedMatMul: every transpose with bias + relu, and linear, relu6, leakyrelu, sigmoid, elu; prelu left to stock', () => {
    // The stock _FusedMatMul is wrong with a transposed operand (tfjs-backend-wasm 4.22): the
    // reference is the same computation unfused on the stock kernels.
    for (const [tA, tB] of TRANSPOSES) {
      for (const [M, K, N] of [
        [1, 7, 33],
        [33, 257, 7],
        [64, 100, 10],
      ]) {
        const a = randn(tA ? [K, M] : [M, K]) as tf.Tensor2D;
        const b = randn(tB ? [N, K] : [K, N]) as tf.Tensor2D;
        const bias = randn([N]);
        const what = `${M}×${K}×${N} tA=${tA} tB=${tB}`;
        compare(
          () => tf.fused.matMul({ a, b, transposeA: tA, transposeB: tB, bias, activation: 'relu' }),
          `fused relu ${what}`,
          1e-5,
          () => tf.tidy(() => tf.relu(tf.add(tf.matMul(a, b, tA, tB), bias))),
        );
        compare(
          () => tf.fused.matMul({ a, b, transposeA: tA, transposeB: tB }),
          `fused linear ${what}`,
          1e-5,
          () => tf.matMul(a, b, tA, tB),
        );
        tf.dispose([a, b, bias]);
      }
    }
    const a = randn([9, 17]) as tf.Tensor2D;
    const b = randn([17, 6]) as tf.Tensor2D;
    const bias = randn([6]);
    for (const activation of ['relu6', 'leakyrelu', 'sigmoid', 'elu'] as const) {
      compare(() => tf.fused.matMul({ a, b, bias, activation, leakyreluAlpha: 0.3 }), `fused ${activation}`);
    }
    const alpha = tf.fill([6], 0.25);
    compare(() => tf.fused.matMul({ a, b, bias, activation: 'prelu', preluActivationWeights: alpha }), 'fused prelu (stock)');
    tf.dispose([a, b, bias, alpha]);
  });

  it('tf.grad through matMul (transposed matmuls in the backward) matches the stock path', () => {
    for (const [tA, tB] of TRANSPOSES) {
      const a = randn(tA ? [33, 7] : [7, 33]);
      const b = randn(tB ? [5, 33] : [33, 5]);
      const w = randn([7, 5]);
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), w)));
      const { native, stock } = bothPaths(() => g([a, b]));
      assertClose(native[0], stock[0], 1e-5, `d/da tA=${tA} tB=${tB}`);
      assertClose(native[1], stock[1], 1e-5, `d/db tA=${tA} tB=${tB}`);
      tf.dispose([a, b, w, ...native, ...stock]);
    }
  });

  // [x shape, filter shape, stride, pad]: the networks' 'same' 5×5 and 3×3, plus valid and strided.
  const CONVS: [number[], number[], number, 'same' | 'valid'][] = [
    [[2, 9, 11, 3], [5, 5, 3, 4], 1, 'same'],
    [[3, 8, 8, 16], [3, 3, 16, 16], 1, 'same'],
    [[2, 9, 11, 3], [3, 3, 3, 5], 1, 'valid'],
    [[2, 9, 11, 3], [3, 3, 3, 5], 2, 'same'],
    [[2, 10, 7, 2], [5, 5, 2, 3], 2, 'valid'],
    [[1, 4, 4, 3], [1, 1, 3, 7], 1, 'valid'],
    [[8, 28, 28, 1], [5, 5, 1, 16], 1, 'same'],
  ];

  it('Conv2D forward matches the stock kernel (same/valid, stride 1/2, 1×1)', () => {
    for (const [xs, fs, s, pad] of CONVS) {
      const x = randn(xs) as tf.Tensor4D;
      const f = randn(fs) as tf.Tensor4D;
      compare(() => tf.conv2d(x, f, s, pad), `conv2d x[${xs}] f[${fs}] stride ${s} ${pad}`);
      tf.dispose([x, f]);
    }
    // The library's filter gradient as a forward convolution over transposed tensors (lib/modules/conv2d.ts).
    const x = randn([4, 14, 14, 16]) as tf.Tensor4D;
    const dy = randn([4, 14, 14, 16]) as tf.Tensor4D;
    compare(() => conv2dFilterGrad(x, dy, 5), 'conv2dFilterGrad (valid conv with a 14×14 filter)');
    tf.dispose([x, dy]);
  });

  it('oneDNN convolutions match im2col + sgemm: output, input and filter gradients, every geometry above', function () {
    setNativeBlas(true);
    if (convPath() !== 'onednn') {
      console.log(
        '    skipped: the addon was built without oneDNN (Debian: apt-get install libdnnl-dev, then bash environment/install.sh)',
      );
      this.skip();
    }
    const inputs = CONVS.map(([xs, fs, s, pad]) => {
      const x = randn(xs) as tf.Tensor4D;
      const f = randn(fs) as tf.Tensor4D;
      return { x, f, s, pad, w: randn(tf.conv2d(x, f, s, pad).shape) };
    });
    const run = () =>
      inputs.map(({ x, f, s, pad, w }) => {
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), w));
        return [tf.conv2d(x, f, s, pad), ...tf.grads(loss)([x, f])];
      });
    try {
      const dnnl = run();
      assert.equal(convPath('im2col'), 'im2col');
      const im2col = run();
      dnnl.forEach((outs, i) =>
        outs.forEach((t, j) =>
          assertClose(
            t,
            im2col[i][j],
            1e-5,
            `${['y', 'dx', 'dfilter'][j]} of conv x[${CONVS[i][0]}] f[${CONVS[i][1]}] stride ${CONVS[i][2]} ${CONVS[i][3]}`,
          ),
        ),
      );
      tf.dispose([...dnnl.flat(), ...im2col.flat()]);
    } finally {
      convPath('onednn');
      tf.dispose(inputs.flatMap((c) => [c.x, c.f, c.w]));
    }
    assert.throws(() => convPath('winograd' as ConvPath), /'winograd' is not available/);
    assert.match(blasInfo().conv ?? '', /^oneDNN \d/);
  });

  it('tf.grad through conv2d: input gradient matches the stock kernel, filter gradient a float64 loop', () => {
    for (const [xs, fs, s, pad] of CONVS) {
      const x = randn(xs) as tf.Tensor4D;
      const f = randn(fs) as tf.Tensor4D;
      const y0 = tf.conv2d(x, f, s, pad);
      const w = randn(y0.shape);
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), w));
      const dx = bothPaths(() => tf.grad((a: tf.Tensor) => loss(a, f))(x));
      assertClose(dx.native, dx.stock, 1e-5, `conv2d d/dx x[${xs}] f[${fs}] stride ${s} ${pad}`);
      setNativeBlas(true);
      const [gx, gf] = tf.grads(loss)([x, f]);
      const ref = filterGradReference(x, w as tf.Tensor4D, fs as [number, number, number, number], s, pad);
      assertClose(gf, ref, 1e-5, `conv2d d/dfilter x[${xs}] f[${fs}] stride ${s} ${pad}`);
      assertClose(gx, dx.stock, 1e-5, 'conv2d d/dx via tf.grads');
      tf.dispose([x, f, y0, w, dx.native, dx.stock, gx, gf, ref]);
    }
  });

  it('Sum and Mean over leading axes (bias gradients, batch-norm statistics) match the stock kernels; others stay stock', () => {
    assert.deepEqual(leadingReduction([256, 1024], 0), { rows: 256, cols: 1024, k: 1 });
    assert.deepEqual(leadingReduction([8, 5, 5, 16], [2, 0, 1]), { rows: 200, cols: 16, k: 3 });
    assert.equal(leadingReduction([8, 5], 1), null);
    assert.equal(leadingReduction([8, 5], [0, 1]), null);
    const x2 = randn([257, 33]);
    const x4 = randn([8, 5, 7, 16]);
    for (const keepDims of [false, true]) {
      compare(() => tf.sum(x2, 0, keepDims), `sum axis 0 keepDims=${keepDims}`);
      compare(() => tf.mean(x2, 0, keepDims), `mean axis 0 keepDims=${keepDims}`);
      compare(() => tf.sum(x4, [0, 1, 2], keepDims), `sum axes 0,1,2 keepDims=${keepDims}`);
      compare(() => tf.mean(x4, [0, 1], keepDims), `mean axes 0,1 keepDims=${keepDims}`);
      compare(() => tf.sum(x4, -1, keepDims), `sum last axis (stock) keepDims=${keepDims}`);
      compare(() => tf.mean(x4, undefined, keepDims), `mean of all (stock) keepDims=${keepDims}`);
    }
    const xi = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const { native, stock } = bothPaths(() => tf.sum(xi, 0));
    assert.deepEqual([native.dtype, Array.from(native.dataSync())], ['int32', Array.from(stock.dataSync())]);
    tf.dispose([x2, x4, xi, native, stock]);
  });

  it('Linear passes transpose flags on the native path, with the same gradients as the stock path', () => {
    const lin = new Linear(33, 7, new Rng(3));
    const x = randn([5, 33]);
    const dy = randn([5, 7]);
    const run = () => {
      const fw = lin.forward(x);
      const b = lin.backward(fw.cache, dy, { dx: true, params: true });
      tf.dispose(fw.y);
      return [b.dx!, ...b.grads];
    };
    const { native, stock } = bothPaths(run);
    native.forEach((t, i) => assertClose(t, stock[i], 1e-5, `Linear backward output ${i}`));
    tf.dispose([x, dy, ...native, ...stock, ...lin.params()]);
  });

  it('writes into a heap that grew during the call (views made after allocating the output)', () => {
    setNativeBlas(true);
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
    const before = backend.wasm.HEAPU8.buffer.byteLength;
    // An outer product whose output alone is larger than the whole heap forces it to grow.
    const n = 512;
    const m = Math.ceil(before / 4 / n) + 1024;
    const a = tf.range(1, n + 1).reshape([n, 1]);
    const b = tf.range(1, m + 1).reshape([1, m]);
    const c = tf.matMul(a, b);
    assert.ok(backend.wasm.HEAPU8.buffer.byteLength > before, 'the heap did not grow; the test did not test growth');
    const v = c.dataSync();
    for (const [i, j] of [
      [0, 0],
      [n - 1, m - 1],
      [17, m - 5],
      [n - 2, 3],
    ])
      assert.equal(v[i * m + j], (i + 1) * (j + 1), `c[${i},${j}]`);
    tf.dispose([a, b, c]);
  });

  it('leaves no tensors or wasm buffers behind', () => {
    setNativeBlas(true);
    const a = randn([16, 24]);
    const b = randn([24, 8]);
    const x = randn([2, 6, 6, 3]) as tf.Tensor4D;
    const f = randn([3, 3, 3, 4]) as tf.Tensor4D;
    const run = () => {
      tf.dispose(tf.matMul(a, b, false, false));
      tf.dispose(tf.matMul(a, a, true, false));
      tf.dispose([tf.sum(a, 0), tf.mean(a, 0, true)]);
      tf.dispose(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: tf.zeros([8]), activation: 'relu' }));
      tf.dispose(tf.grads((u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.conv2d(u as tf.Tensor4D, v as tf.Tensor4D, 1, 'same')))([x, f]));
    };
    tf.tidy(run); // warm up: first calls may cache
    const tensors = tf.memory().numTensors;
    const ids = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) tf.tidy(run);
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked');
    assert.equal(tf.engine().backend.numDataIds(), ids, 'wasm buffers leaked');
    tf.dispose([a, b, x, f]);
  });

  it('setNativeBlas(false) restores the stock kernels exactly (what DNI_BLAS=off gives)', () => {
    const was = blasInfo().enabled;
    try {
      setNativeBlas(false);
      const stock = NATIVE_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
      assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined, 'stock wasm has no Conv2DBackpropFilter');
      assert.equal(blasInfo().enabled, false);
      setNativeBlas(true);
      NATIVE_KERNELS.forEach((k, i) => assert.notEqual(tf.getKernel(k, 'wasm')?.kernelFunc, stock[i], `${k} is not replaced`));
      assert.match(
        describeBackend({ backend: 'wasm', reason: 'test', versions: {}, missing: [], blas: blasInfo() }),
        /wasm \+ OpenBLAS sgemm \(\d+ threads?\)/,
      );
      setNativeBlas(false);
      NATIVE_KERNELS.forEach((k, i) => assert.equal(tf.getKernel(k, 'wasm')?.kernelFunc, stock[i], `${k} is not the stock kernel`));
      assert.match(
        describeBackend({ backend: 'wasm', reason: 'test', versions: {}, missing: [], blas: blasInfo() }),
        /^backend: wasm \(native BLAS off: /,
      );
    } finally {
      setNativeBlas(was);
    }
  });

  it('DNI_BLAS=off starts on the stock kernels; otherwise on the native ones', async () => {
    const info = await initBackend();
    if (process.env.DNI_BLAS === 'off') {
      assert.equal(info.blas?.enabled, false);
      assert.match(describeBackend(info), /native BLAS off: DNI_BLAS=off/);
    } else {
      assert.equal(info.blas?.enabled, true, `native BLAS did not start: ${info.blas?.reason}`);
    }
  });
});
