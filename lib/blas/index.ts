/**
 * Native BLAS for the wasm backend: OpenBLAS sgemm behind BatchMatMul, _FusedMatMul and the
 * convolutions, through the project's addon (native/). Optional: without the addon everything
 * runs on the stock wasm kernels, and the report says why and how to get the fast path.
 *
 *   DNI_BLAS=off          stock wasm kernels (the addon is not even loaded)
 *   DNI_BLAS=on           native kernels or an error saying why not
 *   DNI_BLAS unset        native kernels when the addon loads
 *   DNI_BLAS_THREADS=n    OpenBLAS threads (else OMP_NUM_THREADS, else all cores)
 */
import * as tf from '@tensorflow/tfjs';
import { type AddonLoad, type BlasAddon, type ConvPath, loadAddon } from './addon';
import { installNativeKernels, kernelsOn, switchKernels } from './register';
import { blasThreadsFromEnv, exportThreadEnv } from './threads';

export { planMatMul } from './matmul';
export { leadingReduction } from './reduce';
export { POOL_GRAD_KERNEL, type PoolGradAttrs } from './pool';
export { LSTM_CELL_GRAD_KERNEL, LSTM_CELL_KERNEL } from './lstm-cell';
export { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_KERNEL } from './batchnorm';
export { ADAM_KERNEL, type AdamAttrs } from './adam';
export { NATIVE_KERNELS } from './register';
export { blasThreadsFromEnv } from './threads';
export type { BlasAddon, ConvPath } from './addon';

export interface BlasInfo {
  /** The native kernels are registered now. */
  enabled: boolean;
  /** e.g. 'OpenBLAS 0.3.21 (pthreads, Haswell)'; null when the addon is not loaded. */
  library: string | null;
  threads: number | null;
  /** e.g. 'oneDNN 2.6.3' or 'im2col + sgemm': how convolutions run; null when the addon is not loaded. */
  conv: string | null;
  /** Why the native path is off, and how to get it; null when on. */
  reason: string | null;
  fix: string | null;
}

let addonLoad: AddonLoad | null = null;
/** What initNativeBlas decided without loading the addon (DNI_BLAS=off). */
let offInfo: BlasInfo | null = null;

/** Load the addon once, with OpenBLAS's thread variables exported first (its pool is sized at load). */
function ensureAddon(): AddonLoad {
  if (addonLoad) return addonLoad;
  const { threads } = blasThreadsFromEnv();
  exportThreadEnv(threads);
  addonLoad = loadAddon();
  if (addonLoad.ok) {
    addonLoad.addon.setThreads(threads);
    installNativeKernels(addonLoad.addon);
  }
  return addonLoad;
}

function mode(): 'on' | 'off' | 'auto' {
  const v = (process.env.DNI_BLAS ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (['off', '0', 'false', 'no'].includes(v)) return 'off';
  if (['on', '1', 'true', 'yes'].includes(v)) return 'on';
  throw new Error(
    `DNI_BLAS='${process.env.DNI_BLAS}' is not understood; use DNI_BLAS=off (plain wasm), DNI_BLAS=on (native or fail), or leave it unset`,
  );
}

/**
 * Called once the wasm backend is active: switch the native kernels on unless DNI_BLAS=off.
 * Throws only for DNI_BLAS=on without a working addon, or a malformed DNI_BLAS/DNI_BLAS_THREADS.
 */
export function initNativeBlas(): BlasInfo {
  const m = mode();
  if (m === 'off') {
    offInfo = { enabled: false, library: null, threads: null, conv: null, reason: 'DNI_BLAS=off', fix: 'unset DNI_BLAS for OpenBLAS' };
    return offInfo;
  }
  const load = ensureAddon();
  if (!load.ok) {
    if (m === 'on') throw new Error(`DNI_BLAS=on but ${load.reason}; ${load.fix}`);
    return blasInfo();
  }
  setNativeBlas(true);
  return blasInfo();
}

/** Switch between the native kernels (true) and the stock wasm kernels (false) at run time. */
export function setNativeBlas(on: boolean): void {
  if (!on) {
    if (addonLoad?.ok) switchKernels(false);
    return;
  }
  if (tf.getBackend() !== 'wasm') {
    throw new Error(
      `native BLAS replaces wasm kernels, but the active backend is '${tf.getBackend()}'; select wasm first (DNI_BACKEND=wasm)`,
    );
  }
  const load = ensureAddon();
  if (!load.ok) throw new Error(`native BLAS is unavailable: ${load.reason}; ${load.fix}`);
  switchKernels(true);
}

/**
 * Whether transposed matmuls are as fast as untransposed ones now (the native kernels are
 * on): modules then pass transpose flags instead of transposing explicitly.
 */
export function fastTransposedMatMul(): boolean {
  return kernelsOn();
}

/** Whether the addon loads (loading it on first call); the reason when not. */
export function nativeBlasAvailable(): { ok: boolean; reason: string | null; fix: string | null } {
  const load = ensureAddon();
  return load.ok ? { ok: true, reason: null, fix: null } : { ok: false, reason: load.reason, fix: load.fix };
}

/** The loaded addon, for direct sgemm calls (bench); null when it is not loaded. */
export function blasAddon(): BlasAddon | null {
  return addonLoad?.ok ? addonLoad.addon : null;
}

export function setBlasThreads(n: number): void {
  const a = blasAddon();
  if (!a) throw new Error('native BLAS is not loaded; nothing to set the thread count of');
  a.setThreads(n);
}

/** The native path's state now. */
export function blasInfo(): BlasInfo {
  if (!addonLoad)
    return offInfo ?? { enabled: false, library: null, threads: null, conv: null, reason: 'not initialised', fix: 'call initBackend()' };
  if (!addonLoad.ok) return { enabled: false, library: null, threads: null, conv: null, reason: addonLoad.reason, fix: addonLoad.fix };
  const a = addonLoad.addon;
  const i = a.info();
  const version = /OpenBLAS\s+(\S+)/.exec(i.config)?.[1] ?? '?';
  return {
    enabled: kernelsOn(),
    library: `OpenBLAS ${version} (${i.parallel}, ${i.corename})`,
    threads: a.getThreads(),
    conv: i.conv === 'onednn' ? `oneDNN ${i.onednn}` : 'im2col + sgemm',
    reason: kernelsOn() ? null : (offInfo?.reason ?? 'switched off by setNativeBlas(false)'),
    fix: kernelsOn() ? null : (offInfo?.fix ?? 'setNativeBlas(true) switches it on'),
  };
}

/**
 * Switches the native convolutions between oneDNN and im2col + sgemm (tests and the bench hold
 * one against the other); with no argument, says which runs. An error names what this build has.
 */
export function convPath(path?: ConvPath): ConvPath {
  const a = blasAddon();
  if (!a) throw new Error('native BLAS is not loaded; its convolutions cannot be switched');
  if (!a.setConvPath) {
    if (path === undefined || path === 'im2col') return 'im2col';
    throw new Error('this build of the native addon has only im2col convolutions; rebuild it: bash environment/install.sh');
  }
  return path === undefined ? a.setConvPath() : a.setConvPath(path);
}

/** 'wasm + OpenBLAS sgemm (2 threads), oneDNN 2.6.3 convolutions' or 'wasm (native BLAS off: <reason>; <fix>)'. */
export function describeWasmPath(info: BlasInfo): string {
  if (info.enabled) {
    const conv = info.conv?.startsWith('oneDNN') ? `, ${info.conv} convolutions` : '';
    return `wasm + OpenBLAS sgemm (${info.threads} thread${info.threads === 1 ? '' : 's'})${conv}`;
  }
  return `wasm (native BLAS off: ${info.reason}; ${info.fix})`;
}
