/**
 * The LSTM cell's elementwise part (lib/modules/lstm.ts) as one native pass per step, forward and
 * backward: on the stock kernels each step dispatches about 10 ops forward and 25 backward over
 * [B, H], which took a third of a Copy chunk (256 units, batch 256). Kernels of this project's own,
 * registered only on the native path; the module asks for them by name and keeps its op chain
 * elsewhere.
 *
 *   DniLstmCell     {i, f, o, s, cPrev} → [g, c, tc, h]      (s = σ(2 z_g); g = 2s − 1)
 *   DniLstmCellGrad {dh?, dc?, o, tc, g, i, f, cPrev} → [dz_i, dz_f, dz_o, dz_g, dc_prev]
 */
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BlasAddon } from './addon';
import { type WasmBackend, heapF32, offsetOf } from './heap';

export const LSTM_CELL_KERNEL = 'DniLstmCell';
export const LSTM_CELL_GRAD_KERNEL = 'DniLstmCellGrad';

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: NamedAttrMap };

/** The named inputs, all float32 of one shape (a missing optional one is skipped). */
function check(kernel: string, inputs: Record<string, TensorInfo | undefined>, names: string[]): TensorInfo[] {
  const shape = inputs.o?.shape;
  return names.map((k) => {
    const t = inputs[k];
    if (!t || !shape || t.dtype !== 'float32' || t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j]))
      throw new Error(`${kernel}: input '${k}' must be float32 of shape [${shape}], got ${t?.dtype} [${t?.shape}]`);
    return t;
  });
}

export function nativeLstmCell(addon: BlasAddon): KernelFunc {
  const cell = addon.lstmCell;
  if (!cell) throw new Error('the native addon has no lstmCell; rebuild it: bash environment/install.sh');
  return ((args: Args) => {
    const ins = check(LSTM_CELL_KERNEL, args.inputs, ['i', 'f', 'o', 's', 'cPrev']);
    const backend = args.backend as WasmBackend;
    const outs = [0, 1, 2, 3].map(() => backend.makeOutput(ins[0].shape, 'float32'));
    const n = ins[0].shape.reduce((a, b) => a * b, 1);
    cell(heapF32(backend), n, ...([...ins, ...outs].map((t) => offsetOf(backend, t)) as Nine));
    return outs;
  }) as KernelFunc;
}

export function nativeLstmCellGrad(addon: BlasAddon): KernelFunc {
  const grad = addon.lstmCellGrad;
  if (!grad) throw new Error('the native addon has no lstmCellGrad; rebuild it: bash environment/install.sh');
  return ((args: Args) => {
    const { dh, dc } = args.inputs;
    const ins = check(LSTM_CELL_GRAD_KERNEL, args.inputs, [
      'o',
      'tc',
      'g',
      'i',
      'f',
      'cPrev',
      ...(dh ? ['dh'] : []),
      ...(dc ? ['dc'] : []),
    ]);
    const backend = args.backend as WasmBackend;
    const outs = [0, 1, 2, 3, 4].map(() => backend.makeOutput(ins[0].shape, 'float32'));
    const n = ins[0].shape.reduce((a, b) => a * b, 1);
    const off = (t: TensorInfo | undefined) => (t ? offsetOf(backend, t) : 0);
    grad(heapF32(backend), n, dh ? 1 : 0, dc ? 1 : 0, off(dh), off(dc), ...([...ins.slice(0, 6), ...outs].map(off) as Eleven));
    return outs;
  }) as KernelFunc;
}

type Nine = [number, number, number, number, number, number, number, number, number];
type Eleven = [number, number, number, number, number, number, number, number, number, number, number];
