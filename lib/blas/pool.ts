/**
 * The gradient of the networks' 'same'-padded pools (lib/modules/pool.ts) as one native pass over
 * the wasm heap: tfjs-backend-wasm's MaxPoolGrad is wrong there and its AvgPoolGrad divides by
 * the full window at the borders, so the module's fallback is a JS loop over windows, which took
 * 28% of an MNIST CNN step (batch 64). A kernel of this project's own, 'DniPoolGrad', registered
 * only on the native path; the module asks for it by name and keeps its loop elsewhere.
 */
import type { KernelFunc } from '@tensorflow/tfjs';
import { addonFunction, type BlasAddon } from './addon';
import { type KernelArgs, type WasmBackend, heapF32, offsetOf } from './heap';

export const POOL_GRAD_KERNEL = 'DniPoolGrad';

/** The attributes the module passes: the pool's kind, window, stride and TF 'same' padding. */
export interface PoolGradAttrs {
  kind: 'max' | 'avg';
  size: number;
  stride: number;
  padTop: number;
  padLeft: number;
}

export function nativePoolGrad(addon: BlasAddon): KernelFunc {
  const poolGrad = addonFunction(addon, 'poolGrad');
  return ((args: KernelArgs) => {
    const { x, dy } = args.inputs;
    const a = args.attrs as unknown as PoolGradAttrs;
    if (!x || !dy || x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4 || dy.shape.length !== 4) {
      throw new Error(
        `${POOL_GRAD_KERNEL}: float32 NHWC x and dy expected, got ${x?.dtype} ${JSON.stringify(x?.shape)} and ${dy?.dtype} ${JSON.stringify(dy?.shape)}`,
      );
    }
    const backend = args.backend as WasmBackend;
    const dx = backend.makeOutput(x.shape, 'float32');
    const [B, H, W, C] = x.shape;
    const [, Ho, Wo] = dy.shape;
    poolGrad(
      heapF32(backend),
      a.kind === 'max' ? 0 : 1,
      offsetOf(backend, x),
      offsetOf(backend, dy),
      offsetOf(backend, dx),
      B,
      H,
      W,
      C,
      Ho,
      Wo,
      a.size,
      a.stride,
      a.padTop,
      a.padLeft,
    );
    return dx;
  }) as KernelFunc;
}
