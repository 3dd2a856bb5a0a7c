/** Classification: softmax cross-entropy (mean over the batch) with its gradient written out. */
import * as tf from '@tensorflow/tfjs';
import type { Task, TaskLoss } from './task';

export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): TaskLoss {
  const [b, c] = logits.shape;
  const onehot = tf.oneHot(labels, c).toFloat();
  const max = tf.max(logits, 1, true);
  const shifted = tf.sub(logits, max);
  const exp = tf.exp(shifted);
  const sum = tf.sum(exp, 1, true);
  const logp = tf.sub(shifted, tf.log(sum));
  const loss = tf.neg(tf.div(tf.sum(tf.mul(logp, onehot)), b)) as tf.Scalar;
  const dOutputs = tf.div(tf.sub(tf.div(exp, sum), onehot), b) as tf.Tensor2D;
  const errors = tf.sum(tf.notEqual(tf.argMax(logits, 1), labels).toFloat()) as tf.Scalar;
  // Each example's own loss (what a scalar critic regresses onto, critic.ts).
  const perExample = tf.neg(tf.sum(tf.mul(logp, onehot), 1));
  return { loss, dOutputs, errors, perExample };
}

/** Targets are int32 class labels [B]; outputs are logits [B, classes]. */
export const classification: Task<tf.Tensor1D> = {
  name: 'classification',
  checkTargets(labels, _outputShape, batch) {
    if (labels.rank !== 1 || labels.shape[0] !== batch) throw new Error(`labels must have shape [${batch}], got [${labels.shape}]`);
    if (labels.dtype !== 'int32') throw new Error(`labels must be int32, got ${labels.dtype}`);
  },
  loss: (outputs, labels) => softmaxCrossEntropy(outputs as tf.Tensor2D, labels),
};
