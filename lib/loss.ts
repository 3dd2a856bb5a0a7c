/** Softmax cross-entropy (mean over the batch) with its gradient written out. */
import * as tf from '@tensorflow/tfjs';

export interface LossOut {
  /** Scalar mean cross-entropy. */
  loss: tf.Scalar;
  /** ∂loss/∂logits = (softmax − onehot) / B. */
  dlogits: tf.Tensor2D;
  /** Scalar count of misclassified examples. */
  errors: tf.Scalar;
}

export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): LossOut {
  const [b, c] = logits.shape;
  const onehot = tf.oneHot(labels, c).toFloat();
  const max = tf.max(logits, 1, true);
  const shifted = tf.sub(logits, max);
  const exp = tf.exp(shifted);
  const sum = tf.sum(exp, 1, true);
  const logp = tf.sub(shifted, tf.log(sum));
  const loss = tf.neg(tf.div(tf.sum(tf.mul(logp, onehot)), b)) as tf.Scalar;
  const dlogits = tf.div(tf.sub(tf.div(exp, sum), onehot), b) as tf.Tensor2D;
  const errors = tf.sum(tf.notEqual(tf.argMax(logits, 1), labels).toFloat()) as tf.Scalar;
  return { loss, dlogits, errors };
}
