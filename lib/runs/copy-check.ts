/**
 * A Copy / Repeat Copy check's breakdown (paper D.2): the error of each output item split by how
 * many chunk boundaries of the unroll T lie between reading its pattern row and writing it. If a
 * method carries gradient across a boundary, items that cross one are where it shows first;
 * items that cross none are learnable by truncated BPTT alone.
 *
 *   const split = crossingErrors(trainer, arrays, level);   // [{ crossings: 0, items, bitError }, …]
 */
import * as tf from '@tensorflow/tfjs';
import { boundaryCrossings, COPY_OUTPUTS, type CopyArrays, type CopyLevel } from '../tasks/copy';
import type { RecurrentTrainer } from '../trainers/recurrent';

export interface CrossingError {
  /** Boundaries between read and write. */
  crossings: number;
  /** Output items (sequence × output step) with that many. */
  items: number;
  /** Fraction of their bits on the wrong side of ½. */
  bitError: number;
}

/** The error of the trainer's outputs on `a` (whole sequences from a zero state), by boundaries crossed; T = the trainer's unroll. */
export function crossingErrors(trainer: RecurrentTrainer, a: CopyArrays, level: CopyLevel): CrossingError[] {
  const T = trainer.spec.T === 'full' ? a.L : trainer.spec.T;
  const I = trainer.spec.inputs;
  const logits = tf.tidy(() => {
    const x = tf.tensor3d(a.x, [a.L, a.B, I]);
    const { hs } = trainer.lstm.forward(tf.unstack(x) as tf.Tensor2D[], trainer.lstm.zeroState(a.B));
    return trainer.output.forward(tf.concat(hs, 0)).y;
  });
  const z = logits.dataSync();
  logits.dispose();
  const by = new Map<number, { items: number; wrong: number }>();
  for (const { t, b, crossings } of boundaryCrossings(a, level, T)) {
    const row = (t * a.B + b) * COPY_OUTPUTS;
    let wrong = 0;
    for (let j = 0; j < COPY_OUTPUTS; j++) if (z[row + j] > 0 !== a.y[row + j] > 0.5) wrong++;
    const e = by.get(crossings) ?? { items: 0, wrong: 0 };
    e.items++;
    e.wrong += wrong;
    by.set(crossings, e);
  }
  return [...by.entries()]
    .sort((p, q) => p[0] - q[0])
    .map(([crossings, e]) => ({ crossings, items: e.items, bitError: e.wrong / (e.items * COPY_OUTPUTS) }));
}
