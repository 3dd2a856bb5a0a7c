/**
 * A task says what a network's output is scored against: the loss, its gradient with respect
 * to the output (where BP(λ)'s top-down pass starts), and the target format. Trainers take a
 * task instead of fixing a loss, so a language model or a copy task can reuse them.
 */
import type * as tf from '@tensorflow/tfjs';

export interface TaskLoss {
  /** Scalar mean loss over the batch. */
  loss: tf.Scalar;
  /** ∂loss/∂outputs. */
  dOutputs: tf.Tensor;
  /** Scalar count of wrong predictions (NaN where the task has no notion of error). */
  errors: tf.Scalar;
  /** Each example's own loss [B] (the loss is their mean), where the task has one per example. */
  perExample?: tf.Tensor;
}

export interface Task<Targets extends tf.Tensor = tf.Tensor> {
  readonly name: string;
  /** Throws, naming the problem, when targets do not fit outputs of the given shape. */
  checkTargets(targets: Targets, outputShape: number[], batch: number): void;
  loss(outputs: tf.Tensor, targets: Targets): TaskLoss;
}
