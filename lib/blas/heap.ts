/**
 * Zero-copy access to the wasm backend's memory: every float32 tensor lives in the wasm
 * heap at `dataIdMap.get(dataId).memoryOffset`. A view of the heap is detached when the
 * heap grows (any allocation may grow it), so views are made after allocating outputs.
 */
import type { DataType, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/** What tfjs passes a kernel function. */
export type KernelArgs = { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: NamedAttrMap };

/** The parts of tfjs-backend-wasm's BackendWasm the native kernels use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** A view of a float32, int32 or bool tensor's heap memory (slice.ts). */
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Element offset of a float32 tensor in the heap as seen by `heapF32`. */
export function offsetOf(backend: WasmBackend, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error(`native BLAS kernel: tensor ${JSON.stringify(t.shape)} has no data on the wasm backend (disposed?)`);
  return d.memoryOffset >>> 2;
}

/** A Float32Array over the whole current heap. */
export function heapF32(backend: WasmBackend): Float32Array {
  const buf = backend.wasm.HEAPU8.buffer;
  return new Float32Array(buf, 0, buf.byteLength >>> 2);
}
