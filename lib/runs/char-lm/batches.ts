/**
 * Symbols as the recurrent trainer's batches: the input at step t is the one-hot vector of the
 * symbol read (V = 50 for character-level PTB, so no embedding is needed: a one-hot input times
 * W is a row lookup), the target is the one-hot of the next symbol (softmaxTask).
 *
 *   const batch = symbolBatch(chunk.inputs, chunk.targets, V, { starts: false, ends: false });
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceBatch } from '../../tasks/sequence';

/**
 * Rows of symbol ids (row b, step t) as a time-major batch [L, B, V]. Rows shorter than L (the
 * ragged end of an evaluation split) are padded: zero input, zero target and mask 0 there.
 */
export function symbolBatch(
  inputs: readonly Int32Array[],
  targets: readonly Int32Array[],
  V: number,
  flags: { starts: boolean; ends: boolean; length?: number },
): SequenceBatch {
  const B = inputs.length;
  if (targets.length !== B) throw new Error(`symbolBatch: ${B} input rows but ${targets.length} target rows`);
  const L = flags.length ?? Math.max(...inputs.map((r) => r.length));
  const x = new Float32Array(L * B * V);
  const y = new Float32Array(L * B * V);
  const mask = new Float32Array(L * B);
  for (let b = 0; b < B; b++) {
    const [xi, yi] = [inputs[b], targets[b]];
    if (xi.length !== yi.length || xi.length > L)
      throw new Error(`symbolBatch: row ${b} has ${xi.length} inputs and ${yi.length} targets for ${L} steps`);
    for (let t = 0; t < xi.length; t++) {
      const r = t * B + b;
      for (const [arr, id] of [
        [x, xi[t]],
        [y, yi[t]],
      ] as const) {
        if (!(id >= 0 && id < V)) throw new Error(`symbolBatch: symbol id ${id} (row ${b}, step ${t}) is outside the vocabulary of ${V}`);
        arr[r * V + id] = 1;
      }
      mask[r] = 1;
    }
  }
  return {
    x: tf.tensor3d(x, [L, B, V]),
    y: tf.tensor3d(y, [L, B, V]),
    mask: tf.tensor2d(mask, [L, B]),
    starts: flags.starts,
    ends: flags.ends,
  };
}
