/**
 * The LSTM cell's elementwise part (lib/modules/lstm.ts) as one native pass per step, forward and
 * backward, with the four gates side by side in one [B, 4H] tensor z: the sigmoids of one matmul
 * [x, h]·[W_i | W_f | W_o | 2W_g] (native/lstm_cell.cc). On the stock kernels each step is four
 * matmuls and about 10 ops forward and 25 backward over [B, H], which took a third of a Copy
 * chunk (256 units, batch 256). Kernels of this project's own, registered only on the native
 * path; the module asks for them by name and keeps its per-gate op chain elsewhere.
 *
 *   DniLstmCell     {z, cPrev} → [c, tc, h]
 *   DniLstmCellGrad {dh?, dc?, z, tc, cPrev} → [dz (B × 4H, ∂/∂ of the gates' pre-activations), dc_prev]
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { addonFunction, type BlasAddon } from './addon';
import { type KernelArgs, type WasmBackend, heapF32, offsetOf } from './heap';

export const LSTM_CELL_KERNEL = 'DniLstmCell';
export const LSTM_CELL_GRAD_KERNEL = 'DniLstmCellGrad';

/** B and H from z [B, 4H]; every [B, H] input checked against them. */
function sizes(kernel: string, z: TensorInfo | undefined, rest: Record<string, TensorInfo | undefined>): { B: number; H: number } {
  if (z?.dtype !== 'float32' || z.shape.length !== 2 || z.shape[1] % 4 !== 0)
    throw new Error(`${kernel}: z must be float32 [B, 4H], got ${z?.dtype} [${z?.shape}]`);
  const [B, H4] = z.shape;
  const H = H4 / 4;
  for (const [k, t] of Object.entries(rest)) {
    if (t && (t.dtype !== 'float32' || t.shape.length !== 2 || t.shape[0] !== B || t.shape[1] !== H))
      throw new Error(`${kernel}: input '${k}' must be float32 [${B}, ${H}], got ${t.dtype} [${t.shape}]`);
  }
  return { B, H };
}

export function nativeLstmCell(addon: BlasAddon): KernelFunc {
  const cell = addonFunction(addon, 'lstmCell');
  return ((args: KernelArgs) => {
    const { z, cPrev } = args.inputs;
    if (!cPrev) throw new Error(`${LSTM_CELL_KERNEL}: needs cPrev`);
    const { B, H } = sizes(LSTM_CELL_KERNEL, z, { cPrev });
    const backend = args.backend as WasmBackend;
    const outs = [0, 1, 2].map(() => backend.makeOutput([B, H], 'float32'));
    const [c, tc, h] = outs.map((t) => offsetOf(backend, t));
    cell(heapF32(backend), B, H, offsetOf(backend, z!), offsetOf(backend, cPrev), c, tc, h);
    return outs;
  }) as KernelFunc;
}

export function nativeLstmCellGrad(addon: BlasAddon): KernelFunc {
  const grad = addonFunction(addon, 'lstmCellGrad');
  return ((args: KernelArgs) => {
    const { dh, dc, z, tc, cPrev } = args.inputs;
    if (!tc || !cPrev) throw new Error(`${LSTM_CELL_GRAD_KERNEL}: needs tc and cPrev`);
    const { B, H } = sizes(LSTM_CELL_GRAD_KERNEL, z, { dh, dc, tc, cPrev });
    const backend = args.backend as WasmBackend;
    const dz = backend.makeOutput([B, 4 * H], 'float32');
    const dcPrev = backend.makeOutput([B, H], 'float32');
    const off = (t: TensorInfo | undefined) => (t ? offsetOf(backend, t) : 0);
    grad(heapF32(backend), B, H, dh ? 1 : 0, dc ? 1 : 0, off(dh), off(dc), off(z), off(tc), off(cPrev), off(dz), off(dcPrev));
    return [dz, dcPrev];
  }) as KernelFunc;
}
