/**
 * Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (which tfjs-backend-wasm lacks), NHWC, any
 * stride and padding, in place on the wasm heap: oneDNN's direct convolutions where the addon was
 * built with it (native/conv_dnnl.cc; twice as fast as im2col on the CNNs' 5×5 layers), else
 * im2col + OpenBLAS sgemm; convPath() in index.ts switches between them.
 * Dilations other than 1 and NCHW go to the stock kernel (the filter gradient, having none,
 * refuses them with a clear error).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BlasAddon } from './addon';
import { type KernelArgs, type WasmBackend, heapF32, offsetOf } from './heap';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type Shape4 = [number, number, number, number];

/** Conv geometry from tfjs's own shape logic, or null when the native kernel cannot run it. */
function geometry(xShape: number[], filterShape: number[], attrs: NamedAttrMap, dilations: unknown): Conv2DInfo | null {
  if (xShape.length !== 4 || filterShape.length !== 4) return null;
  const format = tf.backend_util.convertConv2DDataFormat(String(attrs.dataFormat ?? 'NHWC') as 'NHWC' | 'NCHW');
  if (format !== 'channelsLast') return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides as [number, number] | number,
    (dilations ?? 1) as [number, number] | number,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    format,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  return info;
}

function call(addon: BlasAddon, backend: WasmBackend, mode: 0 | 1 | 2, c: Conv2DInfo, x: TensorInfo, f: TensorInfo, y: TensorInfo): void {
  addon.conv2d(
    heapF32(backend),
    mode,
    offsetOf(backend, x),
    offsetOf(backend, f),
    offsetOf(backend, y),
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.filterHeight,
    c.filterWidth,
    c.outChannels,
    c.outHeight,
    c.outWidth,
    c.strideHeight,
    c.strideWidth,
    c.padInfo.top,
    c.padInfo.left,
  );
}

const floats = (...ts: (TensorInfo | undefined)[]) => ts.every((t) => t && t.dtype === 'float32');
const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export function nativeConv2D(addon: BlasAddon, stock: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const { x, filter } = args.inputs;
    const attrs = args.attrs ?? {};
    const c = floats(x, filter) ? geometry(x!.shape, filter!.shape, attrs, attrs.dilations) : null;
    if (!c) return stock(args as never);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(c.outShape, 'float32');
    call(addon, backend, 0, c, x!, filter!, out);
    return out;
  }) as KernelFunc;
}

export function nativeConv2DBackpropInput(addon: BlasAddon, stock: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const { dy, filter } = args.inputs;
    const attrs = args.attrs ?? {};
    const c = floats(dy, filter) ? geometry(attrs.inputShape as number[], filter!.shape, attrs, 1) : null;
    if (!c || !sameShape(dy!.shape, c.outShape)) return stock(args as never);
    const backend = args.backend as WasmBackend;
    const dx = backend.makeOutput(c.inShape, 'float32');
    call(addon, backend, 1, c, dx, filter!, dy!);
    return dx;
  }) as KernelFunc;
}

/** tfjs-backend-wasm has no Conv2DBackpropFilter, so there is no stock kernel to fall back to. */
export function nativeConv2DBackpropFilter(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const { x, dy } = args.inputs;
    const attrs = args.attrs ?? {};
    const c = floats(x, dy) ? geometry(x!.shape, attrs.filterShape as number[], attrs, 1) : null;
    if (!c || !sameShape(dy!.shape, c.outShape)) {
      throw new Error(
        `Conv2DBackpropFilter on wasm + native BLAS supports float32 NHWC only (got ${x?.dtype}/${dy?.dtype}, ` +
          `dataFormat ${attrs.dataFormat}, x ${JSON.stringify(x?.shape)}, dy ${JSON.stringify(dy?.shape)}); use dataFormat 'NHWC' or the tensorflow/cpu backend`,
      );
    }
    const backend = args.backend as WasmBackend;
    const df = backend.makeOutput(attrs.filterShape as number[], 'float32');
    call(addon, backend, 2, c, x!, df, dy!);
    return df;
  }) as KernelFunc;
}
