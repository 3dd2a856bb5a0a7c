/**
 * What the recurrent synthesizer is doing (paper A.3, D.2), measured on a probe batch of whole
 * sequences without training: at every chunk boundary k of the trainer's unroll T, its
 * prediction ĝ_k = M(h_k) in gradient units (the output before the 0.1 consumption scale, ÷B in
 * 'perExample' units) against
 *   - the bootstrapped target z̄_k it regresses onto: the next chunk's losses and the synthetic
 *     gradient at the next boundary (as consumed, or raw: spec.sgBootstrap), backpropagated to
 *     s_k (as the trainer computes it);
 *   - the true future gradient ∂(l_{k+1} + … + l_{k+W})/∂(h_k, c_k), by full backprop through the
 *     rest of the sequence (window W = Infinity: to its end; a finite W for long streams).
 * Both are gradients of the batch-mean loss; with sgTarget 'withStepLoss' both include ∂l_k/∂h_k.
 *
 * Cosines and relative errors ‖ĝ − t‖/‖t‖ are over all boundaries, sequences and units at once
 * (one vector per quantity). Norms are RMS per sequence and boundary. A hidden unit of the
 * synthesizer counts as dead when its ReLU is 0 for every probe sequence at every boundary (a
 * leaky ReLU's: ≤ 0, on its leaky side only, so it still passes 0.1 of its gradient).
 *
 *   const p = probeSynthesizer(trainer, copyBatch('copy', { N: 4, R: 1 }, 64, new Rng(7)));
 *   p.cosTrue;   // the synthetic gradient's cosine with the true future gradient
 */
import * as tf from '@tensorflow/tfjs';
import { matMulTransposeB } from '../modules/linear';
import { unitsFactor } from '../synthesizers/core';
import type { SequenceBatch } from '../tasks/sequence';
import type { RecurrentTrainer } from './recurrent';
import { chunkBounds } from './recurrent-spec';

export interface SynthesizerProbe {
  /** Boundaries measured (per sequence). */
  boundaries: number;
  /** ĝ against the bootstrapped target z̄. */
  cosTarget: number;
  relErrTarget: number;
  /** ĝ against the true future gradient. */
  cosTrue: number;
  relErrTrue: number;
  /** The bootstrapped target against the true future gradient: how much the target itself tells. */
  cosTargetTrue: number;
  /**
   * What θ's update uses: the cosine between the LSTM weight gradients that ĝ and the true future
   * gradient induce through the chunk that made each boundary state (summed over the batch, one
   * vector per boundary, all boundaries at once).
   */
  cosUpdate: number;
  /** RMS norms (per sequence and boundary) of ĝ, z̄ and the true gradient, batch-mean units. */
  predNorm: number;
  targetNorm: number;
  trueNorm: number;
  /** Fraction of the hidden units that are ≤ 0 on every probe input (NaN: no hidden layer, or tanh). */
  dead: number;
}

/** Measure the synthesizer at the boundaries of `batch` (whole sequences from a zero state); null without a synthesizer or a boundary. */
export function probeSynthesizer(trainer: RecurrentTrainer, batch: SequenceBatch, opts: { window?: number } = {}): SynthesizerProbe | null {
  const synth = trainer.synthesizer;
  const { spec, lstm, output, task } = trainer;
  if (!synth || spec.T === 'full') return null;
  const window = opts.window ?? Infinity;
  const [L, B] = batch.x.shape;
  const bounds = chunkBounds(L, spec.T);
  // A boundary is the end state of a chunk that is followed by a whole window of the sequence.
  const ends = bounds.map(([, t1]) => t1).filter((t1) => t1 < L && (window === Infinity || t1 + window <= L));
  if (!ends.length) return null;
  const v = tf.tidy(() => {
    const fw = lstm.forward(tf.unstack(batch.x) as tf.Tensor2D[], lstm.zeroState(B));
    const logits = output.forward(tf.concat(fw.hs, 0)).y as tf.Tensor2D;
    const l = task.loss(logits, tf.reshape(batch.y, [L * B, spec.outputs]), tf.reshape(batch.mask, [L * B]), B);
    const dhs = tf.split(l.dLogits, L, 0).map((d) => matMulTransposeB(d as tf.Tensor2D, output.W as tf.Tensor2D));
    const f = unitsFactor(synth.spec, B);
    const predict = (t: number) => {
      const out = synth.forward(fw.hs[t]).out;
      return tf.div(out, f);
    };
    const gradTo = (from: number, to: number, end: tf.Tensor | null) => {
      const [eh, ec] = end ? (tf.split(end, 2, 1) as tf.Tensor2D[]) : [null, null];
      const bw = lstm.backward(fw.cache.slice(from, to), dhs.slice(from, to), end ? { h: eh!, c: ec! } : null, {
        params: false,
        initial: true,
      });
      return tf.concat([bw.initial!.h, bw.initial!.c], 1);
    };
    const withStepLoss = (g: tf.Tensor, t: number) =>
      spec.sgTarget === 'withStepLoss' ? tf.add(g, tf.concat([dhs[t], tf.zerosLike(dhs[t])], 1)) : g;
    const preds: tf.Tensor[] = [];
    const targets: tf.Tensor[] = [];
    const trues: tf.Tensor[] = [];
    const hidden: tf.Tensor[] = [];
    // The LSTM weight gradient an end gradient induces through the chunk [k − T, k), flattened.
    const T = spec.T as number;
    const update = (k: number, end: tf.Tensor) => {
      const [eh, ec] = tf.split(end, 2, 1) as tf.Tensor2D[];
      const nulls = new Array<null>(T).fill(null);
      const bw = lstm.backward(fw.cache.slice(k - T, k), nulls, { h: eh, c: ec }, { params: true, initial: false });
      return tf.concat(bw.grads.map((x) => tf.reshape(x, [-1])));
    };
    const ug: tf.Tensor[] = [];
    const ut: tf.Tensor[] = [];
    for (const k of ends) {
      // State s_k is after step k − 1; the next chunk is steps [k, next), its end state a boundary when next < L.
      const next = Math.min(k + T, L);
      const boot = next < L ? (spec.sgBootstrap === 'raw' ? predict(next - 1) : synth.consumed(synth.forward(fw.hs[next - 1]).out)) : null;
      const pred = predict(k - 1);
      const truth = gradTo(k, Math.min(L, k + window), null);
      preds.push(pred);
      targets.push(withStepLoss(gradTo(k, next, boot), k - 1));
      trues.push(withStepLoss(truth, k - 1));
      ug.push(update(k, pred));
      ut.push(update(k, truth));
      if (synth.spec.hiddenLayers > 0) hidden.push(synth.trunk.forward(fw.hs[k - 1], 'train').y);
    }
    const g = tf.concat(preds, 0);
    const z = tf.concat(targets, 0);
    const t = tf.concat(trues, 0);
    const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b));
    const sq = (a: tf.Tensor) => tf.sum(tf.square(a));
    // Units ≤ 0 everywhere: a ReLU's dead units; a leaky ReLU's units that only ever leak. No reading for tanh.
    const counts = hidden.length && synth.spec.activation !== 'tanh';
    const dead = counts ? tf.mean(tf.cast(tf.lessEqual(tf.max(tf.concat(hidden, 0), 0), 0), 'float32')) : tf.scalar(NaN);
    const [uG, uT] = [tf.concat(ug), tf.concat(ut)];
    return tf.stack([
      dot(g, z),
      dot(g, t),
      dot(z, t),
      sq(g),
      sq(z),
      sq(t),
      sq(tf.sub(g, z)),
      sq(tf.sub(g, t)),
      dead,
      dot(uG, uT),
      sq(uG),
      sq(uT),
    ]);
  });
  const [gz, gt, zt, gg, zz, tt, dz, dt, dead, uu, ugg, utt] = Array.from(v.dataSync());
  v.dispose();
  const n = ends.length * B;
  const cos = (ab: number, aa: number, bb: number) => (aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0);
  return {
    boundaries: ends.length,
    cosTarget: cos(gz, gg, zz),
    relErrTarget: zz > 0 ? Math.sqrt(dz / zz) : NaN,
    cosTrue: cos(gt, gg, tt),
    relErrTrue: tt > 0 ? Math.sqrt(dt / tt) : NaN,
    cosTargetTrue: cos(zt, zz, tt),
    cosUpdate: cos(uu, ugg, utt),
    predNorm: Math.sqrt(gg / n),
    targetNorm: Math.sqrt(zz / n),
    trueNorm: Math.sqrt(tt / n),
    dead,
  };
}
