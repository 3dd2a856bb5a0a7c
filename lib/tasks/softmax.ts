/**
 * Next-symbol prediction (paper D.2, Penn Treebank): the recurrent trainer's per-step outputs
 * are logits over a vocabulary of V symbols, and the target of step t is the symbol at t + 1,
 * one-hot in the batch's y ([L, B, V]).
 *
 *   l_t = −log p(y_t) = −z_t[y_t] + log Σ_j exp(z_t[j])      (nats)
 *
 * with the conventions of bitLoss (sequence.ts): summed over the masked steps of a sequence and
 * divided by the batch size B. Divided by ln 2 and by the number of predicted symbols it is
 * bits per character (runs/char-lm/streams.ts, bitsPerChar).
 *
 *   const trainer = new RecurrentTrainer(spec, softmaxTask);
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceLoss, SequenceTask } from './sequence';

/**
 * log softmax along the last axis, z − max z − log Σ exp(z − max z), from plain ops (the wasm
 * backend registers no LogSoftmax kernel). The max is subtracted so exp cannot overflow.
 */
function logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
  const shifted = tf.sub(logits, tf.max(logits, 1, true));
  return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true))) as tf.Tensor2D;
}

/** ln p of each row's target symbol, [rows]: Σ_j y_j·log softmax(z)_j for one-hot y. */
export function targetLogLikelihoods(logits: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(y, logSoftmax(logits)), 1) as tf.Tensor1D;
}

/**
 * Softmax cross-entropy against one-hot targets. dLogits = (softmax(z) − y)·mask/B, the usual
 * gradient of −log p(y) (test/softmax.test.ts checks it against tfjs autodiff). `wrong` counts,
 * per sequence, the masked steps whose argmax is not the target.
 */
export function softmaxLoss(logits: tf.Tensor2D, y: tf.Tensor2D, mask: tf.Tensor1D, batch: number): SequenceLoss {
  const logp = logSoftmax(logits);
  const loss = tf.div(tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(y, logp), 1), mask))), batch) as tf.Scalar;
  const dLogits = tf.mul(tf.sub(tf.exp(logp), y), tf.div(tf.expandDims(mask, 1), batch)) as tf.Tensor2D;
  const misses = tf.mul(tf.cast(tf.notEqual(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32'), mask);
  const wrong = tf.sum(tf.reshape(misses, [-1, batch]), 0) as tf.Tensor1D;
  return { loss, dLogits, wrong };
}

export const softmaxTask: SequenceTask = { name: 'softmax', loss: softmaxLoss };
