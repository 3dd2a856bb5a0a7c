/**
 * Switching the wasm backend's kernels between the stock ones and the native ones at run time
 * (bench times both paths in one process). The stock configs are kept as tfjs registered them;
 * switching off re-registers exactly those, and removes Conv2DBackpropFilter, which wasm lacks,
 * and the project's own fused kernels (DniPoolGrad, DniLstmCell(Grad), DniBatchNorm(Grad), DniAdam).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { ADAM_KERNEL, nativeAdam } from './adam';
import type { BlasAddon } from './addon';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_KERNEL, batchNormGradConfig, nativeBatchNorm, nativeBatchNormGrad } from './batchnorm';
import { nativeConv2D, nativeConv2DBackpropFilter, nativeConv2DBackpropInput } from './conv';
import { nativeBatchMatMul, nativeFusedMatMul } from './matmul';
import { LSTM_CELL_GRAD_KERNEL, LSTM_CELL_KERNEL, nativeLstmCell, nativeLstmCellGrad } from './lstm-cell';
import { nativePoolGrad, POOL_GRAD_KERNEL } from './pool';
import { nativeMean, nativeSum } from './reduce';
import { heapSlice, heapSplitV, heapUnpack } from './slice';

export const NATIVE_KERNELS = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'Sum',
  'Mean',
  'Slice',
  'SplitV',
  'Unpack',
  POOL_GRAD_KERNEL,
  LSTM_CELL_KERNEL,
  LSTM_CELL_GRAD_KERNEL,
  BATCH_NORM_KERNEL,
  BATCH_NORM_GRAD_KERNEL,
  ADAM_KERNEL,
] as const;

let stock: Map<string, KernelConfig | undefined> | null = null;
let native: KernelConfig[] | null = null;
let on = false;

function replace(name: string, config: KernelConfig | undefined): void {
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  if (config) tf.registerKernel(config);
}

/** Build the native kernel configs once, around the stock kernels they fall back to. */
export function installNativeKernels(addon: BlasAddon): void {
  if (native) return;
  stock = new Map(NATIVE_KERNELS.map((k) => [k, tf.getKernel(k, 'wasm')]));
  const fallback = (k: string): KernelFunc => {
    const s = stock!.get(k);
    if (!s) throw new Error(`the wasm backend has no stock '${k}' kernel to fall back to; is tfjs-backend-wasm 4.22 loaded?`);
    return s.kernelFunc;
  };
  const wrap = (kernelName: string, kernelFunc: KernelFunc): KernelConfig => ({ kernelName, backendName: 'wasm', kernelFunc });
  native = [
    wrap('BatchMatMul', nativeBatchMatMul(addon, fallback('BatchMatMul'))),
    wrap('_FusedMatMul', nativeFusedMatMul(addon, fallback('_FusedMatMul'))),
    wrap('Conv2D', nativeConv2D(addon, fallback('Conv2D'))),
    wrap('Conv2DBackpropInput', nativeConv2DBackpropInput(addon, fallback('Conv2DBackpropInput'))),
    wrap('Conv2DBackpropFilter', nativeConv2DBackpropFilter(addon)),
    wrap('Sum', nativeSum(addon, fallback('Sum'))),
    wrap('Mean', nativeMean(addon, fallback('Mean'))),
    wrap('Slice', heapSlice(fallback('Slice'))),
    wrap('SplitV', heapSplitV(fallback('SplitV'))),
    wrap('Unpack', heapUnpack(fallback('Unpack'))),
  ];
  // An addon built before these existed: the modules keep their op chains.
  if (addon.poolGrad) native.push(wrap(POOL_GRAD_KERNEL, nativePoolGrad(addon)));
  if (addon.lstmCell && addon.lstmCellGrad)
    native.push(wrap(LSTM_CELL_KERNEL, nativeLstmCell(addon)), wrap(LSTM_CELL_GRAD_KERNEL, nativeLstmCellGrad(addon)));
  if (addon.batchNorm && addon.batchNormGrad) {
    native.push(wrap(BATCH_NORM_KERNEL, nativeBatchNorm(addon)), wrap(BATCH_NORM_GRAD_KERNEL, nativeBatchNormGrad(addon)));
    // Gradients are per kernel name, not per backend: registered once.
    if (!tf.getGradient(BATCH_NORM_KERNEL)) tf.registerGradient(batchNormGradConfig);
  }
  if (addon.adam) native.push(wrap(ADAM_KERNEL, nativeAdam(addon)));
}

/** Route the kernels to OpenBLAS (true) or back to the stock wasm kernels (false). */
export function switchKernels(enable: boolean): void {
  if (!native || !stock) throw new Error('native BLAS kernels are not installed (the addon did not load); see describeBackend()');
  if (enable === on) return;
  for (const cfg of native) replace(cfg.kernelName, enable ? cfg : stock.get(cfg.kernelName));
  on = enable;
}

export function kernelsOn(): boolean {
  return on;
}
