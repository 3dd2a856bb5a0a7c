/**
 * Adam's update of one parameter tensor (lib/core/adam.ts) as one native pass: the op chain
 * dispatches 12 ops per parameter each step (about 260 for a 6-layer FCN), most of a small
 * network's step. The same float arithmetic in the same order (native/adam.cc), so the same
 * floats. A kernel of this project's own, registered only on the native path.
 *
 *   DniAdam {g, m, v, p}, {beta1, beta2, eps, alpha} → [m', v', p']
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { addonFunction, type BlasAddon } from './addon';
import { type KernelArgs, type WasmBackend, heapF32, offsetOf } from './heap';

export const ADAM_KERNEL = 'DniAdam';

/** The scalars of one update: α is the step size with the bias correction folded in. */
export interface AdamAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  alpha: number;
}

export function nativeAdam(addon: BlasAddon): KernelFunc {
  const adam = addonFunction(addon, 'adam');
  return ((args: KernelArgs) => {
    const { g, m, v, p } = args.inputs;
    const shape = p?.shape;
    for (const [k, t] of Object.entries({ g, m, v, p })) {
      if (t?.dtype !== 'float32' || !shape || t.shape.join() !== shape.join())
        throw new Error(`${ADAM_KERNEL}: input '${k}' must be float32 of the parameter's shape [${shape}], got ${t?.dtype} [${t?.shape}]`);
    }
    const a = args.attrs as unknown as AdamAttrs;
    const backend = args.backend as WasmBackend;
    const outs = [0, 1, 2].map(() => backend.makeOutput(shape!, 'float32'));
    const n = shape!.reduce((x, y) => x * y, 1);
    const [mo, vo, po] = outs.map((t) => offsetOf(backend, t));
    const off = (t: TensorInfo | undefined) => offsetOf(backend, t!);
    adam(heapF32(backend), n, off(g), off(m), off(v), off(p), mo, vo, po, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.eps, a.alpha);
    return outs;
  }) as KernelFunc;
}
