/**
 * Sequence tasks: a batch of sequences, time-major, with a target at some steps, and the loss
 * of the recurrent trainer's per-step outputs against them.
 *
 * The loss is summed over the steps of a sequence and averaged over the sequences of the batch:
 * L = (1/B)·Σ_b Σ_t l_t(b), so every step's loss l_t counts (paper A.3: L = Σ_k l_k). It is in
 * nats; the trainer reports it in bits (÷ ln 2), the paper's measure for Copy and Repeat Copy.
 */
import * as tf from '@tensorflow/tfjs';

/** A batch of sequences, time-major: step t of sequence b is row t·B + b once flattened. */
export interface SequenceBatch {
  /** Inputs x_t, [L, B, inputs]. */
  x: tf.Tensor3D;
  /** Targets, [L, B, outputs] (bits, 0 or 1, for bitTask; one-hot symbols for softmaxTask). */
  y: tf.Tensor3D;
  /** 1 at the steps that have a target, 0 elsewhere, [L, B]. */
  mask: tf.Tensor2D;
  /**
   * The sequences start with this batch (default true): the state starts at zero and no
   * synthetic gradient is pending. false continues the previous batch's sequences (a stream
   * cut into batches): the state, and the synthesizer's pending target, carry over.
   */
  starts?: boolean;
  /**
   * The sequences end with this batch (default true): no loss comes after, so the gradient at
   * the last state is exactly zero and no synthetic gradient is used there. false: the stream
   * goes on, and the batch's last step is a chunk boundary like any other.
   */
  ends?: boolean;
}

/** The loss of one chunk of a batch (rows: the chunk's steps × B, time-major). */
export interface SequenceLoss {
  /** Σ over the chunk's steps of mask·l_t, averaged over the batch, in nats. */
  loss: tf.Scalar;
  /** ∂loss/∂logits, [rows, outputs]. */
  dLogits: tf.Tensor2D;
  /** Wrong outputs per sequence in this chunk, [B] (bits predicted on the wrong side of ½). */
  wrong: tf.Tensor1D;
}

export interface SequenceTask {
  readonly name: string;
  loss(logits: tf.Tensor2D, targets: tf.Tensor2D, mask: tf.Tensor1D, batch: number): SequenceLoss;
}

/**
 * Independent bits: each output unit is the logit of one target bit, l_t = Σ_j BCE(y_tj, σ(z_tj))
 * at the steps with a target. Summed over the output phase of a sequence and divided by ln 2,
 * this is the paper's "error in bits" (see bitsError in copy.ts).
 */
export function bitLoss(logits: tf.Tensor2D, y: tf.Tensor2D, mask: tf.Tensor1D, batch: number): SequenceLoss {
  const m = tf.expandDims(mask, 1);
  // BCE from logits, stably: max(z, 0) − y·z + log(1 + e^−|z|).
  const perBit = tf.add(tf.sub(tf.relu(logits), tf.mul(y, logits)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  const loss = tf.div(tf.sum(tf.mul(perBit, m)), batch) as tf.Scalar;
  const dLogits = tf.mul(tf.sub(tf.sigmoid(logits), y), tf.div(m, batch)) as tf.Tensor2D;
  const wrongBits = tf.mul(tf.notEqual(tf.cast(tf.greater(logits, 0), 'float32'), y).toFloat(), m);
  const wrong = tf.sum(tf.reshape(wrongBits, [-1, batch, y.shape[1]]), [0, 2]) as tf.Tensor1D;
  return { loss, dLogits, wrong };
}

export const bitTask: SequenceTask = { name: 'bits', loss: bitLoss };
