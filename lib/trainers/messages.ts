/**
 * What units say to each other (paper Figure 9): activations go up, gradients come down, and
 * the loss broadcasts its error ∂L/∂h_K. A unit is driven only by these messages and never reads
 * another unit's state, so units can run in separate workers: `serialize` turns a message into plain typed arrays (what
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
  /**
   * In time (recurrent BP(λ), paper A.3): λ at the state this span of steps ends in, 0 where a
   * chunk ends and the sequences go on, 1 where they end. Absent between layers, whose λ_k is
   * part of the unit's spec.
   */
  lambda?: number;
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
  /** Each example's loss L_b [B], passed down from the loss: the 'loss' value target of a critic below (critic.ts). */
  loss?: tf.Tensor;
  /**
   * The 'bootstrap' value target of a critic below [B]: the sender's critic value v_{k+1}(h_{k+1})
   * where it has a critic, else each example's loss (the top unit's: L is the exact value of h_K).
   */
  value?: tf.Tensor;
  /** Kickback: each example's scalar error β_b [B, 1], broadcast from the loss (feedback.ts). */
  scalarError?: tf.Tensor;
}

/**
 * ∂L/∂h_K from the loss, for every unit that reads the output error (addressed to none): the top
 * unit's gradient (see toUnit), and what direct feedback models (DFA, Kickback) read.
 */
export interface ErrorMessage {
  kind: 'error';
  step: number;
  /** The unit whose output h_K the loss read. */
  from: number;
  grad: tf.Tensor;
  /** Each example's loss L_b [B] (what critics regress onto), where the task gives it. */
  loss?: tf.Tensor;
}

export type Message = ActivationMessage | GradientMessage | ErrorMessage;

/** The error as the gradient message of unit `to` (the top unit: ḡ_K = ∂L/∂h_K), with each example's loss as both value targets. */
export function toUnit(e: ErrorMessage, to: number): GradientMessage {
  return { kind: 'gradient', step: e.step, to, grad: e.grad, ...(e.loss ? { loss: e.loss, value: e.loss } : {}) };
}

/**
 * The gradient message a unit sends down (`m`), with the target made with frozen copies (when it
 * differs), and what it passes on from `incoming`: the examples' losses, the bootstrap value (the
 * sender's critic value `value`, else the losses) and Kickback's scalar error.
 */
export function passDown(
  m: GradientMessage,
  target: tf.Tensor | null,
  incoming: GradientMessage | null,
  value: tf.Tensor | null,
): GradientMessage {
  if (target) m.target = target;
  if (incoming?.loss) Object.assign(m, { loss: incoming.loss, value: value ?? incoming.loss });
  if (incoming?.scalarError) m.scalarError = incoming.scalarError;
  return m;
}

/** A message's optional tensors, by name, for (de)serializing. */
const OPTIONAL = ['target', 'loss', 'value', 'scalarError'] as const;

export interface SerializedTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export type SerializedMessage =
  | { kind: 'activation'; step: number; from: number; h: SerializedTensor; labels: SerializedTensor | null; lambda?: number }
  | {
      kind: 'gradient';
      step: number;
      to: number;
      grad: SerializedTensor;
      target?: SerializedTensor;
      loss?: SerializedTensor;
      value?: SerializedTensor;
      scalarError?: SerializedTensor;
    }
  | { kind: 'error'; step: number; from: number; grad: SerializedTensor; loss?: SerializedTensor };

function toData(t: tf.Tensor): SerializedTensor {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`cannot serialize a ${t.dtype} tensor`);
  return { shape: t.shape.slice(), dtype: t.dtype, data: t.dataSync() as Float32Array | Int32Array };
}

function fromData(d: SerializedTensor): tf.Tensor {
  return tf.tensor(d.data, d.shape, d.dtype);
}

/** A message as plain data (copies the tensors' values). */
export function serialize(m: Message): SerializedMessage {
  if (m.kind === 'activation')
    return { kind: 'activation', step: m.step, from: m.from, h: toData(m.h), labels: m.labels ? toData(m.labels) : null, ...lambdaOf(m) };
  if (m.kind === 'error')
    return { kind: 'error', step: m.step, from: m.from, grad: toData(m.grad), ...(m.loss ? { loss: toData(m.loss) } : {}) };
  const extra = Object.fromEntries(OPTIONAL.filter((k) => m[k]).map((k) => [k, toData(m[k] as tf.Tensor)]));
  return { kind: 'gradient', step: m.step, to: m.to, grad: toData(m.grad), ...extra };
}

/** Tensors again, owned by the caller's tf.tidy scope. */
export function deserialize(m: SerializedMessage): Message {
  if (m.kind === 'activation')
    return {
      kind: 'activation',
      step: m.step,
      from: m.from,
      h: fromData(m.h),
      labels: m.labels ? (fromData(m.labels) as tf.Tensor1D) : null,
      ...lambdaOf(m),
    };
  if (m.kind === 'error')
    return { kind: 'error', step: m.step, from: m.from, grad: fromData(m.grad), ...(m.loss ? { loss: fromData(m.loss) } : {}) };
  const extra = Object.fromEntries(OPTIONAL.filter((k) => m[k]).map((k) => [k, fromData(m[k] as SerializedTensor)]));
  return { kind: 'gradient', step: m.step, to: m.to, grad: fromData(m.grad), ...extra };
}

function lambdaOf(m: { lambda?: number }): { lambda?: number } {
  return m.lambda === undefined ? {} : { lambda: m.lambda };
}
