/**
 * Bits per character of a text under a recurrent language model (paper D.2: validation and test
 * BPC of Penn Treebank).
 *
 * Definition. A text of N symbols has N − 1 predictions: symbol i + 1 from symbols 0 … i. The
 * text is cut into `streams` contiguous pieces (piece b reads the inputs at positions
 * ⌊b·(N−1)/S⌋ … ⌊(b+1)·(N−1)/S⌋ − 1), run side by side as the rows of one batch, chunk after
 * chunk, with the state (h, c) carried from each chunk to the next, as in training. Each piece
 * starts from the zero state at the start of every evaluation (so S pieces start cold: more
 * pieces are faster, one piece is the single long pass). Every one of the N − 1 symbols is
 * predicted exactly once, and
 *
 *   BPC = −(1/(N−1)) Σ_i log₂ p(x_{i+1} | the piece's symbols up to x_i).
 *
 * The chunk length changes only the speed: carried state makes chunks of any length the same
 * computation as one pass over the whole piece (test/charlm.test.ts checks it).
 *
 *   const { bpc } = evaluateText(trainer, corpus.valid, { streams: 64 });
 *
 * Nothing of the training state is read or changed: evaluation uses the parameters only.
 */
import * as tf from '@tensorflow/tfjs';
import type { LstmState } from '../../modules/lstm';
import { targetLogLikelihoods } from '../../tasks/softmax';
import type { RecurrentTrainer } from '../../trainers/recurrent';
import { symbolBatch } from './batches';
import { bitsPerChar } from './streams';

/** Steps per evaluation chunk (the result does not depend on it): of 10, 25, 50 and 100 steps, 10 took the least CPU here (256 units, 16–128 pieces). */
export const EVAL_CHUNK = 10;

export interface TextEvaluation {
  /** −Σ ln p over the predictions (nats). */
  nats: number;
  /** Predictions made: N − 1. */
  count: number;
  /** Bits per character: nats / count / ln 2. */
  bpc: number;
  /** With `perChar`: ln p(x_{i+1} | …) for i = 0 … N − 2, in text order. */
  logProbs?: Float64Array;
}

/** The pieces [start, end) of input positions 0 … n − 1 for S streams (lengths differ by at most one). */
export function streamPieces(n: number, streams: number): [number, number][] {
  const S = Math.min(streams, n);
  return Array.from({ length: S }, (_, b) => [Math.floor((b * n) / S), Math.floor(((b + 1) * n) / S)]);
}

/**
 * Score `ids` under the trainer's model (see the definition above). The model's vocabulary is
 * its output size; `streams` is capped at N − 1.
 */
export function evaluateText(
  trainer: RecurrentTrainer,
  ids: Int32Array,
  opts: { streams: number; chunk?: number; perChar?: boolean; text?: string; streamsField?: string },
): TextEvaluation {
  const n = ids.length - 1;
  // Errors name what the caller calls the text and the streams (e.g. 'the validation split', 'evalStreams').
  if (n < 1) throw new Error(`evaluateText: ${opts.text ?? 'a text'} of ${ids.length} symbols has nothing to predict`);
  if (!Number.isInteger(opts.streams) || opts.streams < 1)
    throw new Error(`evaluateText: ${opts.streamsField ?? 'streams'} must be a positive integer, got ${opts.streams}`);
  const chunk = opts.chunk ?? EVAL_CHUNK;
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`evaluateText: chunk must be a positive integer, got ${chunk}`);
  const V = trainer.spec.outputs;
  const pieces = streamPieces(n, opts.streams);
  const B = pieces.length;
  const steps = Math.max(...pieces.map(([s, e]) => e - s));
  const logProbs = opts.perChar ? new Float64Array(n) : undefined;
  let sum = 0;
  let state: LstmState = trainer.lstm.zeroState(B);
  try {
    for (let t0 = 0; t0 < steps; t0 += chunk) {
      const t1 = Math.min(t0 + chunk, steps);
      const L = t1 - t0;
      // Row b reads positions s_b + t for t in [t0, t1) that are still inside its piece.
      const rows = pieces.map(([s, e]) => [Math.min(s + t0, e), Math.min(s + t1, e)]);
      const batch = symbolBatch(
        rows.map(([a, b]) => ids.subarray(a, b)),
        rows.map(([a, b]) => ids.subarray(a + 1, b + 1)),
        V,
        { starts: false, ends: false, length: L },
      );
      const prev = state;
      const out = tf.tidy(() => {
        const fw = trainer.lstm.forward(tf.unstack(batch.x) as tf.Tensor2D[], prev);
        const logits = trainer.output.forward(L === 1 ? fw.hs[0] : tf.concat(fw.hs, 0)).y as tf.Tensor2D;
        const ll = tf.mul(targetLogLikelihoods(logits, tf.reshape(batch.y, [L * B, V]) as tf.Tensor2D), tf.reshape(batch.mask, [L * B]));
        return { ll, h: fw.state.h, c: fw.state.c };
      });
      tf.dispose([batch.x, batch.y, batch.mask, prev.h, prev.c]);
      state = { h: out.h, c: out.c };
      // Read outside tidy and sum in double precision: a split is ~400k predictions.
      const ll = out.ll.dataSync();
      out.ll.dispose();
      for (let t = 0; t < L; t++) {
        for (let b = 0; b < B; b++) {
          const pos = pieces[b][0] + t0 + t;
          if (pos >= pieces[b][1]) continue;
          const v = ll[t * B + b];
          sum += v;
          if (logProbs) logProbs[pos] = v;
        }
      }
    }
  } finally {
    tf.dispose([state.h, state.c]);
  }
  return { nats: -sum, count: n, bpc: bitsPerChar(-sum, n), ...(logProbs ? { logProbs } : {}) };
}
