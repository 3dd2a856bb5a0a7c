/**
 * For the tests that hold the native kernels against the stock ones (blas.test.ts,
 * fused-kernels.test.ts): the suite's hooks (skip, saying why, where there is no native path; end
 * every test on the path the process started on), and running one computation on both paths.
 */
import * as tf from '@tensorflow/tfjs';
import { blasInfo, nativeBlasAvailable, setNativeBlas } from '../lib/blas';
import { describeBackend, initBackend } from '../lib/core/backend';
import { assertClose } from './assert';

/** Call inside a describe: its tests skip unless the backend is wasm and the addon loads. */
export function nativeSuite(opts: { logBackend?: boolean } = {}): void {
  // Tests switch paths; each ends on the path the process started on (DNI_BLAS decides it).
  let initial = false;
  afterEach(() => setNativeBlas(initial));
  before(async function () {
    const info = await initBackend();
    if (info.backend !== 'wasm') {
      console.log(`    skipped: the native kernels replace wasm kernels; the backend here is ${info.backend}`);
      this.skip();
    }
    const avail = nativeBlasAvailable();
    if (!avail.ok) {
      console.log(`    skipped: native BLAS unavailable: ${avail.reason}; ${avail.fix}`);
      this.skip();
    }
    initial = blasInfo().enabled;
    if (opts.logBackend) console.log(`    ${describeBackend(info)}`);
  });
}

/** Run f on the native path and on the stock path; leave the path as it was. */
export function bothPaths<T extends tf.Tensor | tf.Tensor[]>(f: () => T): { native: T; stock: T } {
  const was = blasInfo().enabled;
  try {
    setNativeBlas(true);
    const native = f();
    setNativeBlas(false);
    const stock = f();
    return { native, stock };
  } finally {
    setNativeBlas(was);
  }
}

/** The native path's f against the stock path's g (f itself unless the stock kernel is wrong there). */
export function compare(f: () => tf.Tensor, what: string, rtol = 1e-5, g: () => tf.Tensor = f): void {
  const was = blasInfo().enabled;
  let native: tf.Tensor | null = null;
  let stock: tf.Tensor | null = null;
  try {
    setNativeBlas(true);
    native = f();
    setNativeBlas(false);
    stock = g();
    assertClose(native, stock, rtol, what, 1e-5);
  } finally {
    setNativeBlas(was);
    tf.dispose([native, stock].filter((t): t is tf.Tensor => t !== null));
  }
}
