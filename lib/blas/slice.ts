/**
 * Slice, SplitV and Unpack that copy straight from the wasm heap. The stock wasm kernels first
 * read the whole input into a fresh JS array (readSync) for every piece: splitting the LSTM's
 * [306, 1024] weight gradient into its four gates' blocks copied the matrix five times and took
 * longer than the matmul that made it. Same elements, same order: a copy, so bit for bit the
 * stock result. Strings go to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArgs, WasmBackend } from './heap';

const ON_HEAP = new Set<tf.DataType>(['float32', 'int32', 'bool']);

/** x[begin : begin + size] into a new tensor: runs of contiguous elements copied with one set() each. */
export function sliceFromHeap(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = tf.util.sizeFromShape(size);
  if (n === 0) return out;
  // Views after makeOutput: an allocation may grow the heap and detach older views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const shape = x.shape;
  const rank = shape.length;
  const strides = [...tf.util.computeStrides(shape), 1];
  // The innermost run: axis d and every axis after it, which the slice covers whole.
  let d = Math.max(rank - 1, 0);
  while (d > 0 && size[d] === shape[d]) d--;
  const run = tf.util.sizeFromShape(size.slice(d));
  let base = 0;
  for (let i = 0; i < rank; i++) base += begin[i] * strides[i];
  const idx = new Array<number>(d).fill(0);
  for (let o = 0; o < n; o += run) {
    let off = base;
    for (let i = 0; i < d; i++) off += idx[i] * strides[i];
    dst.set(src.subarray(off, off + run), o);
    for (let i = d - 1; i >= 0; i--) {
      if (++idx[i] < size[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

export function heapSlice(stock: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const x = args.inputs.x!;
    if (!ON_HEAP.has(x.dtype)) return stock(args as never);
    const attrs = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
    return sliceFromHeap(args.backend as WasmBackend, x, begin, size);
  }) as KernelFunc;
}

export function heapSplitV(stock: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const x = args.inputs.x!;
    if (!ON_HEAP.has(x.dtype)) return stock(args as never);
    const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const piece = sliceFromHeap(args.backend as WasmBackend, x, begin, size);
      begin[axis] += s;
      return piece;
    });
  }) as KernelFunc;
}

export function heapUnpack(stock: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const value = args.inputs.value!;
    if (!ON_HEAP.has(value.dtype)) return stock(args as never);
    const rank = value.shape.length;
    const axis = ((args.attrs?.axis as number) + rank) % rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = value.shape.slice();
    size[axis] = 1;
    return Array.from({ length: value.shape[axis] }, (_, i) => {
      begin[axis] = i;
      const piece = sliceFromHeap(args.backend as WasmBackend, value, begin, size);
      return { ...piece, shape: outShape };
    });
  }) as KernelFunc;
}
