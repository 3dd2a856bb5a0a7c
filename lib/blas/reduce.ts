/**
 * Sum and Mean over a tensor's leading axes (bias gradients, batch-norm statistics): one
 * pass in C++. The stock wasm kernels transpose the reduced axes to the end first, which
 * took as long as the DNI step's matmuls. Other reductions (inner axes, all axes, int32) go
 * to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from '@tensorflow/tfjs';
import type { BlasAddon } from './addon';
import { type KernelArgs, type WasmBackend, heapF32, offsetOf } from './heap';

/** rows × cols view of x when `axis` is a proper leading prefix of its axes; null otherwise. */
export function leadingReduction(shape: number[], axis: number | number[] | undefined): { rows: number; cols: number; k: number } | null {
  if (shape.length < 2) return null;
  const axes = [...new Set(tf.util.parseAxisParam(axis ?? shape.map((_, i) => i), shape))].sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= shape.length || axes.some((a, i) => a !== i)) return null;
  const rows = tf.util.sizeFromShape(shape.slice(0, k));
  const cols = tf.util.sizeFromShape(shape.slice(k));
  return rows > 0 && cols > 0 ? { rows, cols, k } : null;
}

function nativeReduce(addon: BlasAddon, stock: KernelFunc, mean: boolean): KernelFunc {
  return ((args: KernelArgs) => {
    const x = args.inputs.x;
    const attrs = args.attrs ?? {};
    const r = x && x.dtype === 'float32' ? leadingReduction(x.shape, attrs.axis as number | number[] | undefined) : null;
    if (!r) return stock(args as never);
    const backend = args.backend as WasmBackend;
    const shape = attrs.keepDims ? x!.shape.map((d, i) => (i < r.k ? 1 : d)) : x!.shape.slice(r.k);
    const out = backend.makeOutput(shape, 'float32');
    addon.reduceRows(heapF32(backend), offsetOf(backend, x!), r.rows, r.cols, offsetOf(backend, out), mean ? 1 / r.rows : 1);
    return out;
  }) as KernelFunc;
}

export const nativeSum = (addon: BlasAddon, stock: KernelFunc) => nativeReduce(addon, stock, false);
export const nativeMean = (addon: BlasAddon, stock: KernelFunc) => nativeReduce(addon, stock, true);
