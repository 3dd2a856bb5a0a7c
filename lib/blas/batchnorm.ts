/**
 * Training-mode batch norm (lib/modules/batchnorm.ts) as one native pass forward and one backward
 * over the [n, C] view of the input: on the stock kernels the forward is about eight ops and the
 * backward seven, each a pass over the whole activation (for the CNNs, the largest tensors of the
 * step). Kernels of this project's own, registered only on the native path.
 *
 *   DniBatchNorm     {x, gamma, beta}, {eps} → [y, xhat, mean, variance (biased), invstd]
 *   DniBatchNormGrad {dy, xhat, gamma, invstd}, {dx} → [dx, dgamma, dbeta] ([dgamma, dbeta] when dx is false)
 *
 * DniBatchNorm has a gradient for autodiff (tf.grad through a network, as notebook 14's
 * reference does) through y only: its other outputs are the module's cache and the running
 * statistics' inputs, which no loss reads.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { addonFunction, type BlasAddon } from './addon';
import { type KernelArgs, type WasmBackend, heapF32, offsetOf } from './heap';

export const BATCH_NORM_KERNEL = 'DniBatchNorm';
export const BATCH_NORM_GRAD_KERNEL = 'DniBatchNormGrad';

/** n rows of C channels: the input's shape, all float32, the vectors of length C. */
function rowsOf(kernel: string, full: TensorInfo[], vectors: TensorInfo[]): { n: number; C: number } {
  const shape = full[0].shape;
  const C = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1) / C;
  const bad =
    full.some((t) => t.dtype !== 'float32' || t.shape.join() !== shape.join()) ||
    vectors.some((t) => t.dtype !== 'float32' || t.shape.length !== 1 || t.shape[0] !== C);
  if (bad || !(n >= 1)) throw new Error(`${kernel}: float32 inputs of one shape [..., C] and vectors of length C expected, got [${shape}]`);
  return { n, C };
}

export function nativeBatchNorm(addon: BlasAddon): KernelFunc {
  const bn = addonFunction(addon, 'batchNorm');
  return ((args: KernelArgs) => {
    const { x, gamma, beta } = args.inputs;
    if (!x || !gamma || !beta) throw new Error(`${BATCH_NORM_KERNEL}: needs x, gamma and beta`);
    const { n, C } = rowsOf(BATCH_NORM_KERNEL, [x], [gamma, beta]);
    const backend = args.backend as WasmBackend;
    const outs = [x.shape, x.shape, [C], [C], [C]].map((s) => backend.makeOutput(s, 'float32'));
    const off = (t: TensorInfo) => offsetOf(backend, t);
    const [y, xhat, mean, variance, invstd] = outs.map(off);
    bn(heapF32(backend), n, C, Number(args.attrs?.eps), off(x), off(gamma), off(beta), y, xhat, mean, variance, invstd);
    return outs;
  }) as KernelFunc;
}

export function nativeBatchNormGrad(addon: BlasAddon): KernelFunc {
  const grad = addonFunction(addon, 'batchNormGrad');
  return ((args: KernelArgs) => {
    const { dy, xhat, gamma, invstd } = args.inputs;
    if (!dy || !xhat || !gamma || !invstd) throw new Error(`${BATCH_NORM_GRAD_KERNEL}: needs dy, xhat, gamma and invstd`);
    const { n, C } = rowsOf(BATCH_NORM_GRAD_KERNEL, [dy, xhat], [gamma, invstd]);
    const backend = args.backend as WasmBackend;
    const wantDx = args.attrs?.dx !== false;
    const outs = [...(wantDx ? [dy.shape] : []), [C], [C]].map((s) => backend.makeOutput(s, 'float32'));
    const off = (t: TensorInfo) => offsetOf(backend, t);
    const [dx, dg, db] = wantDx ? outs.map(off) : [-1, ...outs.map(off)];
    grad(heapF32(backend), n, C, off(dy), off(xhat), off(gamma), off(invstd), dx, dg, db);
    return outs;
  }) as KernelFunc;
}

/** ∂/∂(x, γ, β) of y, the formulas of the module's backward, as ops (so tapes can differentiate them again). */
export const batchNormGradConfig: GradConfig = {
  kernelName: BATCH_NORM_KERNEL,
  inputsToSave: ['gamma'],
  outputsToSave: [false, true, false, false, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const dy = Array.isArray(dys) ? dys[0] : dys;
    const [gamma, xhat, invstd] = saved;
    const axes = dy.shape.slice(0, -1).map((_, i) => i);
    const n = dy.size / gamma.size;
    const dgamma = () => tf.sum(tf.mul(dy, xhat), axes);
    const dbeta = () => tf.sum(dy, axes);
    const x = () =>
      tf.mul(
        tf.mul(gamma, invstd),
        tf.sub(tf.sub(dy, tf.div(tf.sum(dy, axes), n)), tf.mul(xhat, tf.div(tf.sum(tf.mul(dy, xhat), axes), n))),
      );
    return { x, gamma: dgamma, beta: dbeta };
  },
};
