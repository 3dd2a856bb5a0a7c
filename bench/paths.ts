/**
 * Kernel paths a benchmark can time in one process, and the calibration matmul.
 *
 *   const info = await initBackend();
 *   for (const p of availablePaths()) { usePath(p); console.log(p, calibrationGflops()); ... }
 *
 * On wasm with the native addon the paths are 'wasm' (stock kernels) and 'wasm+blas'
 * (OpenBLAS); otherwise the one backend in use ('wasm', 'tensorflow' or 'cpu').
 */
import * as tf from '@tensorflow/tfjs';
import { blasInfo, describeWasmPath, nativeBlasAvailable, setNativeBlas } from '../lib/blas';

export type KernelPath = 'wasm' | 'wasm+blas' | 'tensorflow' | 'cpu';

/** The paths this process can switch between; call after initBackend(). */
export function availablePaths(): KernelPath[] {
  const backend = tf.getBackend();
  if (backend !== 'wasm') return [backend as KernelPath];
  // DNI_BLAS=off means plain wasm everywhere, the bench included.
  if ((process.env.DNI_BLAS ?? '').trim().toLowerCase() === 'off') return ['wasm'];
  return nativeBlasAvailable().ok ? ['wasm', 'wasm+blas'] : ['wasm'];
}

/** Switch the kernels to `path`; only wasm ↔ wasm+blas can change within a process. */
export function usePath(path: KernelPath): void {
  const paths = availablePaths();
  if (!paths.includes(path)) {
    const why = path === 'wasm+blas' ? ` (${nativeBlasAvailable().reason})` : '';
    throw new Error(`kernel path '${path}' is not available here${why}; available: ${paths.join(', ')}`);
  }
  if (path === 'wasm' || path === 'wasm+blas') setNativeBlas(path === 'wasm+blas');
}

export function currentPath(): KernelPath {
  const backend = tf.getBackend();
  if (backend !== 'wasm') return backend as KernelPath;
  return blasInfo().enabled ? 'wasm+blas' : 'wasm';
}

/** 'wasm (stock kernels)', 'wasm + OpenBLAS sgemm (2 threads)', or the backend's name. */
export function describePath(): string {
  const path = currentPath();
  if (path === 'wasm') return 'wasm (stock kernels)';
  return path === 'wasm+blas' ? describeWasmPath(blasInfo()) : path;
}

/**
 * n³ matmul GFLOP/s on the current path (median of `reps`). Plain calls read back with
 * dataSync: timed inside tf.tidy the same matmul ran ~10× slower.
 */
export function calibrationGflops(n = 1024, reps = 7): number {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const once = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  once();
  once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return (2 * n ** 3) / (times[Math.floor(reps / 2)] * 1e6);
}
