/**
 * npx tsx bench/kernels.ts [--json]
 *
 * The native BLAS path against the stock wasm kernels, kernel by kernel: raw sgemm, the
 * calibration matmul, a 256×784×256 matmul in every transpose combination, and the CNNs'
 * convolutions forward and backward (on the native path with oneDNN and with im2col + sgemm). Milliseconds are medians of plain calls read back
 * with dataSync.
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../lib/core/backend';
import { blasAddon, type ConvPath, convPath, setBlasThreads } from '../lib/blas';
import { conv2dFilterGrad } from '../lib/modules/conv2d';
import { availablePaths, calibrationGflops, describePath, usePath } from './paths';

const json = process.argv.includes('--json');
const rows: Record<string, unknown>[] = [];
function report(row: Record<string, unknown>): void {
  rows.push(row);
  if (json) console.log(JSON.stringify(row));
}

/** Median ms of f (after warm-up); f returns the tensors to read back and dispose. */
function time(f: () => tf.Tensor | tf.Tensor[], reps = 9): number {
  const once = () => {
    const t0 = performance.now();
    const out = f();
    const ts = Array.isArray(out) ? out : [out];
    ts.forEach((t) => t.dataSync());
    const ms = performance.now() - t0;
    tf.dispose(ts);
    return ms;
  };
  once();
  once();
  const times = Array.from({ length: reps }, once).sort((a, b) => a - b);
  return times[Math.floor(reps / 2)];
}

function rawSgemm(): void {
  const addon = blasAddon();
  if (!addon) return;
  const n = 1024;
  const heap = new Float32Array(3 * n * n).map(() => Math.random());
  const threads = addon.getThreads();
  for (const t of [1, threads > 1 ? threads : 2]) {
    setBlasThreads(t);
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      addon.sgemm(heap, false, false, n, n, n, 1, 0, n, n * n, n, 0, 2 * n * n, n);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    report({ what: 'raw sgemm 1024³ (GFLOP/s)', threads: t, value: Number(((2 * n ** 3) / (times[4] * 1e6)).toFixed(1)) });
  }
  setBlasThreads(threads);
}

async function main(): Promise<void> {
  const info = await initBackend();
  if (!json) console.log(describeBackend(info));
  rawSgemm();
  const a = tf.randomNormal([256, 784]);
  const aT = tf.randomNormal([784, 256]);
  const b = tf.randomNormal([784, 256]);
  const bT = tf.randomNormal([256, 784]);
  // The CNNs' convolutions at batch 64 (Table 2's filters: 64 for MNIST, 128 for CIFAR-10).
  const convs = [
    { name: '64×28×28×1 → 64, 5×5', x: tf.randomNormal([64, 28, 28, 1]) as tf.Tensor4D, f: tf.randomNormal([5, 5, 1, 64]) as tf.Tensor4D },
    {
      name: '64×14×14×64 → 64, 5×5',
      x: tf.randomNormal([64, 14, 14, 64]) as tf.Tensor4D,
      f: tf.randomNormal([5, 5, 64, 64]) as tf.Tensor4D,
    },
    {
      name: '64×16×16×128 → 128, 5×5',
      x: tf.randomNormal([64, 16, 16, 128]) as tf.Tensor4D,
      f: tf.randomNormal([5, 5, 128, 128]) as tf.Tensor4D,
    },
  ];
  const convCases = (path: string, x: tf.Tensor4D, f: tf.Tensor4D, dy: tf.Tensor4D): [string, () => tf.Tensor | tf.Tensor[]][] => {
    const cases: [string, () => tf.Tensor | tf.Tensor[]][] = [
      ['forward conv2d', () => tf.conv2d(x, f, 1, 'same')],
      ['dx: Conv2DBackpropInput', () => tf.conv2dTranspose(dy, f, x.shape as [number, number, number, number], 1, 'same')],
    ];
    if (path === 'wasm+blas') {
      cases.push([
        'dW: Conv2DBackpropFilter',
        () => tf.tidy(() => tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), dy)))(f)),
      ]);
    } else {
      cases.push(['dW: library (forward conv over transposed tensors)', () => tf.tidy(() => conv2dFilterGrad(x, dy, 5))]);
    }
    return cases;
  };
  for (const path of availablePaths()) {
    usePath(path);
    const label = describePath();
    report({ what: 'calibration matmul 1024³ (GFLOP/s)', path: label, value: Number(calibrationGflops().toFixed(1)) });
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const ms = time(() => tf.matMul(tA ? aT : a, tB ? bT : b, tA, tB));
      report({ what: `matmul 256×784×256 ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} (ms)`, path: label, value: Number(ms.toFixed(2)) });
    }
    // On the native path, the convolutions on each of its conv paths (oneDNN where built, im2col + sgemm).
    const convPaths: (ConvPath | null)[] = path === 'wasm+blas' ? (convPath() === 'onednn' ? ['onednn', 'im2col'] : ['im2col']) : [null];
    for (const cp of convPaths) {
      if (cp) convPath(cp);
      const where = cp ? `${label}, ${cp === 'onednn' ? 'oneDNN' : 'im2col + sgemm'} convolutions` : label;
      for (const { name, x, f } of convs) {
        const dy = tf.randomNormal([x.shape[0], x.shape[1], x.shape[2], f.shape[3]]) as tf.Tensor4D;
        for (const [what, g] of convCases(path, x, f, dy))
          report({ what: `${name} ${what} (ms)`, path: where, value: Number(time(g, 7).toFixed(2)) });
        dy.dispose();
      }
    }
    if (convPaths[0]) convPath(convPaths[0]);
  }
  tf.dispose([a, aT, b, bT, ...convs.flatMap((c) => [c.x, c.f])]);
  if (!json) {
    const paths = [...new Set(rows.filter((r) => r.path).map((r) => r.path as string))];
    const whats = [...new Set(rows.map((r) => r.what as string))];
    console.log(`| kernel | ${paths.join(' | ')} |\n|---|${paths.map(() => '---|').join('')}`);
    for (const w of whats) {
      if (w.startsWith('raw')) continue;
      console.log(`| ${w} | ${paths.map((p) => rows.find((r) => r.what === w && r.path === p)?.value ?? '—').join(' | ')} |`);
    }
    for (const r of rows.filter((r) => String(r.what).startsWith('raw'))) console.log(`${r.what}, ${r.threads} thread(s): ${r.value}`);
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
