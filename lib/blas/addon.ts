/**
 * The native addon (native/dni_blas.cc and beside it): OpenBLAS sgemm, convolutions (oneDNN
 * where the addon was built with it, else im2col + sgemm) and a few fused elementwise kernels on Float32Array views. Loading it never throws: when it is absent the answer says why
 * and how to get it, and everything runs on plain wasm.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BlasAddon {
  /**
   * Row-major C[i] = alpha·op(A[i])·op(B[i]) + beta·C[i], i < batch, all offsets in elements of
   * `heap`; a batch stride of 0 broadcasts that operand. biasOff ≥ 0 adds a length-N bias to
   * every row (dense C, beta 0), then `act` is applied (0 linear, 1 relu, 2 relu6, 3 leakyrelu
   * with actAlpha, 4 sigmoid, 5 elu).
   */
  sgemm(
    heap: Float32Array,
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    aOff: number,
    lda: number,
    bOff: number,
    ldb: number,
    beta: number,
    cOff: number,
    ldc: number,
    batch?: number,
    strideA?: number,
    strideB?: number,
    strideC?: number,
    biasOff?: number,
    act?: number,
    actAlpha?: number,
  ): void;
  /**
   * NHWC convolution, filter [kh, kw, Cin, Cout], through oneDNN or im2col + sgemm. mode 0 writes y
   * (forward), 1 writes x from y = dy (input gradient), 2 writes the filter from y = dy.
   */
  conv2d(
    heap: Float32Array,
    mode: 0 | 1 | 2,
    xOff: number,
    fOff: number,
    yOff: number,
    B: number,
    H: number,
    W: number,
    Cin: number,
    kh: number,
    kw: number,
    Cout: number,
    Ho: number,
    Wo: number,
    strideH: number,
    strideW: number,
    padTop: number,
    padLeft: number,
  ): void;
  /** out[c] = scale·Σ_r x[r·cols + c]: a sum or mean over leading axes. */
  reduceRows(heap: Float32Array, xOff: number, rows: number, cols: number, outOff: number, scale: number): void;
  /** dx of a 'same'-padded size×size pool (kind 0 max, 1 average), NHWC; see native/pool.cc. Missing from addons built before it. */
  poolGrad?(
    heap: Float32Array,
    kind: 0 | 1,
    xOff: number,
    dyOff: number,
    dxOff: number,
    B: number,
    H: number,
    W: number,
    C: number,
    Ho: number,
    Wo: number,
    size: number,
    stride: number,
    padTop: number,
    padLeft: number,
  ): void;
  /** The LSTM cell forward over z [B, 4H] (native/lstm_cell.cc): offsets of z, cPrev, then c, tc, h. Missing from older builds. */
  lstmCell?(heap: Float32Array, B: number, H: number, zOff: number, cPrevOff: number, cOff: number, tcOff: number, hOff: number): void;
  /** Its backward: hasDh, hasDc, then offsets of dh, dc, z, tc, cPrev, dz [B, 4H], dcPrev. */
  lstmCellGrad?(
    heap: Float32Array,
    B: number,
    H: number,
    hasDh: 0 | 1,
    hasDc: 0 | 1,
    ...offsets: [number, number, number, number, number, number, number]
  ): void;
  /** Training-mode batch norm over [n, C]: offsets of x, γ, β, then y, xhat, mean, variance, invstd (native/batchnorm.cc). Missing from older builds. */
  batchNorm?(
    heap: Float32Array,
    n: number,
    C: number,
    eps: number,
    ...offsets: [number, number, number, number, number, number, number, number]
  ): void;
  /** Its backward: offsets of dy, xhat, γ, invstd, dx (−1: not wanted), dγ, dβ. */
  batchNormGrad?(heap: Float32Array, n: number, C: number, ...offsets: [number, number, number, number, number, number, number]): void;
  /** Adam's update (native/adam.cc): offsets of g, m, v, p, then m', v', p'; then β1, 1 − β1, β2, 1 − β2, ε, α. Missing from older builds. */
  adam?(
    heap: Float32Array,
    n: number,
    ...args: [number, number, number, number, number, number, number, number, number, number, number, number, number]
  ): void;
  /** Sets OpenBLAS's threads, and oneDNN's OpenMP threads for the calling thread. */
  setThreads(n: number): void;
  getThreads(): number;
  /** conv: the convolutions conv2d runs now; onednn: oneDNN's version when built with it, else ''. Both missing from older builds. */
  info(): { config: string; corename: string; parallel: 'serial' | 'pthreads' | 'openmp'; procs: number; conv?: ConvPath; onednn?: string };
  /** Switches conv2d between oneDNN (where built with it) and im2col + sgemm; returns the path in use. Missing from older builds. */
  setConvPath?(path?: ConvPath): ConvPath;
}

/** How the native path runs convolutions: oneDNN's direct convolutions, or im2col + sgemm. */
export type ConvPath = 'onednn' | 'im2col';

/** One of the addon's optional functions (an addon built before it lacks it), or an error saying to rebuild. */
export function addonFunction<K extends keyof BlasAddon>(addon: BlasAddon, name: K): NonNullable<BlasAddon[K]> {
  const f = addon[name];
  if (!f) throw new Error(`the native addon has no ${name}; rebuild it: bash environment/install.sh`);
  return f as NonNullable<BlasAddon[K]>;
}

export type AddonLoad = { ok: true; addon: BlasAddon; file: string } | { ok: false; reason: string; fix: string };

export const ADDON_FILE = path.join('native', 'build', 'Release', 'dni_blas.node');

export const HOW_TO_BUILD =
  'for the fast path run `bash environment/install.sh` (as root on Debian: it installs libopenblas-dev and builds native/; ' +
  'elsewhere install OpenBLAS with cblas.h, a C++ compiler, make and python3 first)';

/** Where the built addon may be: beside lib/ (tsx) or beside dist/lib/ (compiled). */
function addonCandidates(): string[] {
  return [path.resolve(__dirname, '..', '..', ADDON_FILE), path.resolve(__dirname, '..', '..', '..', ADDON_FILE)];
}

let loaded: AddonLoad | null = null;

/** Load once per process. OpenBLAS reads its thread variables when this first runs. */
export function loadAddon(): AddonLoad {
  if (loaded) return loaded;
  const file = addonCandidates().find((f) => fs.existsSync(f));
  if (!file) {
    loaded = { ok: false, reason: `the addon ${ADDON_FILE} is not built`, fix: HOW_TO_BUILD };
    return loaded;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(file) as BlasAddon;
    loaded = { ok: true, addon, file };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    loaded = { ok: false, reason: `the addon ${ADDON_FILE} does not load (${why})`, fix: HOW_TO_BUILD };
  }
  return loaded;
}
