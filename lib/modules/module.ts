/**
 * The module contract: an explicit forward that returns what its backward needs,
 * and an explicit backward (vector–Jacobian product). Writing backward by hand
 * keeps transposed matmuls and BatchNorm's Tile kernel out of the hot path on
 * wasm (tfjs-backend-wasm sends transposed matmuls to a scalar loop), and lets BP(λ) reuse one forward for every gradient.
 */
import * as tf from '@tensorflow/tfjs';

export type Mode = 'train' | 'eval';

/** Tensors saved by forward for backward; owned by the enclosing tf.tidy. */
export type Cache = { [key: string]: tf.Tensor | Cache | Cache[] | boolean | undefined };

export interface Forward {
  y: tf.Tensor;
  cache: Cache;
}

export interface Backward {
  /** ∂(dy·y)/∂x, or null when not requested. */
  dx: tf.Tensor | null;
  /** Gradients aligned with params(); empty when not requested. */
  grads: tf.Tensor[];
}

export interface BackwardOptions {
  /** Compute the input gradient (false for the first layer: nothing below needs it). */
  dx: boolean;
  /** Compute the parameter gradients. */
  params: boolean;
  /** Send dx down through each Linear's fixed feedback matrix B instead of Wᵀ where it has one (Feedback Alignment). */
  feedback?: boolean;
}

export interface Module {
  readonly name: string;
  /** Trainable parameters, in a fixed order. */
  params(): tf.Variable[];
  /** Non-trainable state (BatchNorm running statistics). */
  buffers(): tf.Variable[];
  forward(x: tf.Tensor, mode: Mode): Forward;
  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward;
  /** Output shape (without batch) for an input shape (without batch). */
  outputShape(inputShape: number[]): number[];
}

export const ALL: BackwardOptions = { dx: true, params: true };

/** Number of trainable scalars. */
export function countParams(m: { params(): tf.Variable[] }): number {
  return m.params().reduce((s, p) => s + p.size, 0);
}

/**
 * tfjs registers variables by name, process-wide: a second network built with
 * the same layer names (a notebook comparing four runs) would collide. This
 * returns `base`, or `base#2`, `base#3`, … for the first unused name.
 */
function uniqueVariableName(base: string): string {
  const taken = tf.engine().registeredVariables;
  if (!(base in taken)) return base;
  for (let i = 2; ; i++) if (!(`${base}#${i}` in taken)) return `${base}#${i}`;
}

/** A variable from an initial value that is freed at once (tf.variable alone keeps the initial tensor alive). */
export function makeVariable(init: () => tf.Tensor, trainable: boolean, name: string): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable, uniqueVariableName(name)));
}

/** Every tensor of a module cache. */
export function cacheTensors(c: Cache): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (v: unknown) => {
    if (v instanceof tf.Tensor) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(c);
  return out;
}
