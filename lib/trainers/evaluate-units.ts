import * as tf from '@tensorflow/tfjs';
import type { Task } from '../tasks/task';
import type { ActivationMessage } from './messages';
import type { EvalSums } from './trainer';
import type { Unit } from './unit';

/** Loss and errors of a batch through the units in evaluation mode, in order (every trainer of units evaluates so). */
export function evaluateUnits(units: Unit[], task: Task<tf.Tensor1D>, batch: { x: tf.Tensor; y: tf.Tensor1D }, step: number): EvalSums {
  return tf.tidy(() => {
    let msg: ActivationMessage = { kind: 'activation', step, from: 0, h: batch.x, labels: null };
    for (const u of units) msg = u.forward(msg, 'eval');
    const r = task.loss(msg.h, batch.y);
    const n = batch.x.shape[0];
    return { n, loss: r.loss.dataSync()[0] * n, errors: r.errors.dataSync()[0] };
  });
}
