/**
 * What units say to each other (paper Figure 9): activations go up, gradients come down.
 * A unit is driven only by these messages and never reads another unit's state, so units can
 * run in separate workers: `serialize` turns a message into plain typed arrays (what
 * postMessage copies) and `deserialize` turns it back.
 */
import * as tf from '@tensorflow/tfjs';

/** h_k from unit k to unit k + 1 (k = 0: the data), with the labels for conditioned synthesizers. */
export interface ActivationMessage {
  kind: 'activation';
  /** Training step the message belongs to. */
  step: number;
  /** The unit that produced h (0 for the input). */
  from: number;
  h: tf.Tensor;
  /** Class labels [B] (cDNI's context); null where no synthesizer needs them. */
  labels: tf.Tensor1D | null;
}

/**
 * A gradient for unit `to`: z̄_k = ḡ_{k+1}·∂h_{k+1}/∂h_k from the unit above, ∂L/∂h_K from the
 * loss for the top unit, or (analysis) the true gradient.
 */
export interface GradientMessage {
  kind: 'gradient';
  step: number;
  to: number;
  grad: tf.Tensor;
  /**
   * The same gradient made with frozen copies of the synthesizers above (targetRefresh > 0):
   * the regression target of the synthesizer below. Absent when it would equal `grad`.
   */
  target?: tf.Tensor;
}

export type Message = ActivationMessage | GradientMessage;

export interface SerializedTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export type SerializedMessage =
  | { kind: 'activation'; step: number; from: number; h: SerializedTensor; labels: SerializedTensor | null }
  | { kind: 'gradient'; step: number; to: number; grad: SerializedTensor; target?: SerializedTensor };

function toData(t: tf.Tensor): SerializedTensor {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`cannot serialize a ${t.dtype} tensor`);
  return { shape: t.shape.slice(), dtype: t.dtype, data: t.dataSync() as Float32Array | Int32Array };
}

function fromData(d: SerializedTensor): tf.Tensor {
  return tf.tensor(d.data, d.shape, d.dtype);
}

/** A message as plain data (copies the tensors' values). */
export function serialize(m: Message): SerializedMessage {
  if (m.kind === 'activation') return { kind: 'activation', step: m.step, from: m.from, h: toData(m.h), labels: m.labels ? toData(m.labels) : null };
  return { kind: 'gradient', step: m.step, to: m.to, grad: toData(m.grad), ...(m.target ? { target: toData(m.target) } : {}) };
}

/** Tensors again, owned by the caller's tf.tidy scope. */
export function deserialize(m: SerializedMessage): Message {
  if (m.kind === 'activation') return { kind: 'activation', step: m.step, from: m.from, h: fromData(m.h), labels: m.labels ? (fromData(m.labels) as tf.Tensor1D) : null };
  return { kind: 'gradient', step: m.step, to: m.to, grad: fromData(m.grad), ...(m.target ? { target: fromData(m.target) } : {}) };
}
