/**
 * BatchMatMul and _FusedMatMul on OpenBLAS sgemm, reading and writing the wasm heap in place.
 * Every transpose combination is one sgemm (the stock kernel runs transposed operands through
 * a scalar loop). Batch dims broadcast as in numpy: equal batches or a batch of one are one
 * strided sgemm call; other broadcasts (e.g. [2,1]·[3] → [2,3]) one call per output batch entry
 * (the stock kernel gets those wrong). Any dtype but float32 goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BlasAddon } from './addon';
import { type KernelArgs, type WasmBackend, heapF32, offsetOf } from './heap';

/** tfjs activation names the addon applies, and its codes for them. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };

interface Plan {
  M: number;
  N: number;
  K: number;
  batch: number;
  strideA: number;
  strideB: number;
  outShape: number[];
  /** Per output batch entry, the batch entries of a and b, when no single stride does. */
  pairs: [number, number][] | null;
}

/** For each entry of the broadcast batch, the entries of a and b it reads (numpy broadcasting). */
function broadcastPairs(aOuter: number[], bOuter: number[], outer: number[]): [number, number][] {
  const pairs: [number, number][] = [];
  const total = tf.util.sizeFromShape(outer);
  const index = (dims: number[], coords: number[]) => {
    let k = 0;
    const shift = coords.length - dims.length; // dims align on the right
    dims.forEach((d, i) => (k = k * d + (d === 1 ? 0 : coords[i + shift])));
    return k;
  };
  for (let e = 0; e < total; e++) {
    const coords = new Array<number>(outer.length);
    for (let i = outer.length - 1, r = e; i >= 0; i--) {
      coords[i] = r % outer[i];
      r = Math.floor(r / outer[i]);
    }
    pairs.push([index(aOuter, coords), index(bOuter, coords)]);
  }
  return pairs;
}

/** The sgemm call for a (batched) matmul, or null when it is not one sgemm per batch entry. */
export function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): Plan | null {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const Kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (K !== Kb || M === 0 || N === 0 || K === 0) return null; // the stock kernel reports the mismatch
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
  } catch {
    return null;
  }
  const batchA = tf.util.sizeFromShape(aShape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(bShape.slice(0, -2));
  const batch = tf.util.sizeFromShape(outer);
  const outShape = [...outer, M, N];
  // A side with every batch entry maps one-to-one (its shape can differ from the output's only
  // by size-1 dims); one with a single entry broadcasts by a zero stride.
  if ((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1)) {
    return { M, N, K, batch, strideA: batchA === 1 ? 0 : M * K, strideB: batchB === 1 ? 0 : K * N, outShape, pairs: null };
  }
  return {
    M,
    N,
    K,
    batch,
    strideA: M * K,
    strideB: K * N,
    outShape,
    pairs: broadcastPairs(aShape.slice(0, -2), bShape.slice(0, -2), outer),
  };
}

function run(
  addon: BlasAddon,
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  tA: boolean,
  tB: boolean,
  p: Plan,
  bias: TensorInfo | null,
  act: number,
  actAlpha: number,
): TensorInfo {
  const out = backend.makeOutput(p.outShape, 'float32');
  const heap = heapF32(backend); // after makeOutput: the allocation may have grown the heap
  const [aOff, bOff, cOff] = [offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out)];
  const biasOff = bias ? offsetOf(backend, bias) : -1;
  const lda = tA ? p.M : p.K;
  const ldb = tB ? p.K : p.N;
  const mn = p.M * p.N;
  // One strided batch call, or one call per broadcast pair: they differ only in offsets and strides.
  const sgemm = (aAt: number, bAt: number, cAt: number, batch: number, strideA: number, strideB: number) =>
    addon.sgemm(heap, tA, tB, p.M, p.N, p.K, 1, aAt, lda, bAt, ldb, 0, cAt, p.N, batch, strideA, strideB, mn, biasOff, act, actAlpha);
  if (!p.pairs) sgemm(aOff, bOff, cOff, p.batch, p.strideA, p.strideB);
  else p.pairs.forEach(([ia, ib], e) => sgemm(aOff + ia * p.strideA, bOff + ib * p.strideB, cOff + e * mn, 1, 0, 0));
  return out;
}

export function nativeBatchMatMul(addon: BlasAddon, stock: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const tA = Boolean(args.attrs?.transposeA);
    const tB = Boolean(args.attrs?.transposeB);
    const p = a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a.shape, b.shape, tA, tB) : null;
    if (!p) return stock(args as never);
    return run(addon, args.backend as WasmBackend, a, b, tA, tB, p, null, 0, 0);
  }) as KernelFunc;
}

export function nativeFusedMatMul(addon: BlasAddon, stock: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const attrs = args.attrs ?? {};
    const tA = Boolean(attrs.transposeA);
    const tB = Boolean(attrs.transposeB);
    const act = ACTIVATIONS[String(attrs.activation ?? 'linear')];
    const p = a && b && a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a.shape, b.shape, tA, tB) : null;
    // A rank-1 length-N float bias only; prelu (per-element weights) stays with the stock kernel.
    const biasOk = bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === p?.N);
    if (!p || act === undefined || preluActivationWeights != null || !biasOk) return stock(args as never);
    return run(addon, args.backend as WasmBackend, a!, b!, tA, tB, p, bias ?? null, act, Number(attrs.leakyreluAlpha) || 0);
  }) as KernelFunc;
}
