/**
 * Two networks on two clocks talking through a DNI (paper D.3; main text, Figure 7).
 *
 * A ticks at every step of a sequence and sends B a message at each of B's ticks (every
 * `bPeriod` steps); B reads the messages and learns its own task. What reaches A's messages is
 * the method (two-clocks-spec.ts):
 *
 *   'dni'    A's step: forward, the synthetic gradient ĝ_k = scale·M(m_k) of each message
 *            (consumed at once), A's update from ∂L_A + Σ_k ⟨ĝ_k, m_k⟩. Then B's step on the
 *            messages A sent: B's update from L_B, and the true gradient g_k = ∂L_B/∂m_k comes
 *            back as the synthesizer's regression target (M's update).
 *   'bprop'  A and B as one graph: one backward of L_A + L_B, A's update waits for B's.
 *   'nograd' A's update from L_A alone; B's step as in 'dni'.
 *
 * A and B talk only in messages: A's step returns its messages (detached) and takes a callback
 * that gives, for each, the gradient to consume; B's step takes messages and returns, with its
 * own update, their true gradients. So `aStep` with the true gradients in place of the
 * synthetic ones is backprop through B (test/two-clocks.test.ts checks it against 'bprop').
 *
 * Losses: L_A is A's cross-entropy averaged over the batch and the sequence's steps, L_B B's
 * averaged over the batch and B's ticks. Backward passes are tfjs autodiff (through the batch
 * normalisations' own backward); the synthesizer is the paper's MLP with its hand-written
 * backward (lib/synthesizers/mlp.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../core/adam';
import { Rng } from '../core/rng';
import { type Cache, cacheTensors, type Module } from '../modules/module';
import { Sequential } from '../modules/sequential';
import { NetworkA, NetworkB } from '../networks/two-clocks';
import { consumedGradient, lossGradient, regressionLoss } from '../synthesizers/core';
import { mlpLayers } from '../synthesizers/mlp';
import { bTicks, type DigitCountBatch } from '../tasks/digit-counts';
import { type TwoClocksSpec, validateTwoClocksSpec } from './two-clocks-spec';

/** What one training step measured (training batch, before the updates). */
export interface TwoClocksStepStats {
  lossA: number;
  lossB: number;
  /** 'dni': the synthesizer's regression loss; NaN otherwise. */
  sgLoss: number;
  /** 'dni': cosine between the synthetic gradient and the true gradient of the messages, over the batch and ticks; NaN otherwise. */
  sgCosine: number;
  /** 'dni': ‖ĝ‖ / ‖∂L_B/∂m‖, the synthetic gradient as consumed (× scale) against the true one, over the batch and ticks; NaN otherwise. */
  sgNormRatio: number;
}

export interface TwoClocksEval {
  lossA: number;
  lossB: number;
  /** Share of A's predictions (every step of every sequence) that are right. */
  accA: number;
  /** Share of B's predictions (every tick of every sequence) that are right. */
  accB: number;
}

/** The batch's tensors: images per step, one-hot labels per step (A) and per tick (B). */
export interface BatchTensors {
  xs: tf.Tensor2D[];
  ya: tf.Tensor2D[];
  yb: tf.Tensor2D[];
}

/** x with a zero gradient: a constant to the tape (tfjs has no stopGradient op). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad(((v: tf.Tensor) => ({
    value: tf.clone(v),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}

/** Mean over the steps of the batch-mean cross-entropy of logits against one-hot labels. */
export function meanCrossEntropy(logits: tf.Tensor2D[], onehot: tf.Tensor2D[]): tf.Scalar {
  const per = logits.map((z, t) => tf.neg(tf.mean(tf.sum(tf.mul(onehot[t], tf.sub(z, tf.logSumExp(z, 1, true))), 1))));
  return tf.div(tf.addN(per), logits.length) as tf.Scalar;
}

/** Gradients of f with respect to xs; a tensor f does not depend on gets zeros. */
function gradients(f: () => tf.Scalar, xs: tf.Tensor[]): { value: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
  return { value, grads: grads.map((g, i) => g ?? tf.zerosLike(xs[i])) };
}

export class TwoClocksTrainer {
  readonly a: NetworkA;
  readonly b: NetworkB;
  /** The message synthesizer ('dni' only). */
  readonly synthesizer: Sequential | null;
  readonly ticks: number[];
  readonly optA: Adam;
  readonly optB: Adam;
  readonly optS: Adam | null;

  constructor(readonly spec: TwoClocksSpec) {
    validateTwoClocksSpec(spec);
    const d = spec.data;
    this.ticks = bTicks(d);
    this.a = new NetworkA(spec.net, d.sequenceLength, this.ticks, d.oddCap + 1, spec.seed * 3 + 1);
    this.b = new NetworkB(spec.net, this.ticks.length, d.threeCap + 1, spec.seed * 3 + 2);
    const s = spec.synthesizer;
    const M = spec.net.messageWidth;
    // Zero weights and biases in the last layer: a zero synthetic gradient at the start (paper D.1).
    this.synthesizer =
      spec.method === 'dni'
        ? new Sequential('M', mlpLayers(M, s.hiddenLayers, s.width, M, new Rng(spec.seed * 3 + 3), 'M', { zeroOut: true }) as Module[])
        : null;
    this.optA = new Adam(this.a.params(), spec.optimizer);
    this.optB = new Adam(this.b.params(), spec.optimizer);
    this.optS = this.synthesizer ? new Adam(this.synthesizer.params(), spec.optimizer) : null;
  }

  /** The batch as tensors (the caller disposes them). */
  tensors(batch: DigitCountBatch): BatchTensors {
    const B = batch.batch;
    const d = this.spec.data;
    return tf.tidy(() => ({
      xs: batch.x.map((x) => tf.tensor2d(x, [B, x.length / B])),
      ya: batch.a.map((y) => tf.oneHot(tf.tensor1d(y, 'int32'), d.oddCap + 1).toFloat() as tf.Tensor2D),
      yb: batch.b.map((y) => tf.oneHot(tf.tensor1d(y, 'int32'), d.threeCap + 1).toFloat() as tf.Tensor2D),
    }));
  }

  /**
   * A's gradients: L_A plus, for each message m_k, ⟨c_k, m_k⟩ with c = consume(messages) held
   * constant (a null c_k: nothing reaches m_k). `consume` is called once, with every message
   * (detached), when A's forward is done. Returns the gradients with L_A and the messages (kept).
   */
  aGradients(
    t: BatchTensors,
    consume: (messages: tf.Tensor2D[]) => (tf.Tensor | null)[],
  ): { grads: tf.Tensor[]; lossA: tf.Scalar; messages: tf.Tensor2D[] } {
    let lossA: tf.Scalar | null = null;
    let messages: tf.Tensor2D[] = [];
    const { value, grads } = gradients(() => {
      const out = this.a.forward(t.xs, 'train');
      const la = meanCrossEntropy(out.logits, t.ya);
      lossA = tf.keep(tf.clone(la));
      messages = out.messages.map((m) => tf.keep(stopGradient(m)));
      const c = consume(messages);
      const terms = out.messages.flatMap((m, k) => (c[k] ? [tf.sum(tf.mul(stopGradient(c[k]!), m))] : []));
      return (terms.length ? tf.add(la, tf.addN(terms)) : la) as tf.Scalar;
    }, this.a.params());
    value.dispose();
    return { grads, lossA: lossA as unknown as tf.Scalar, messages };
  }

  /** B's gradients from the messages it received at its ticks, and the true gradient of each message, ∂L_B/∂m_k. */
  bGradients(messages: tf.Tensor2D[], t: BatchTensors): { grads: tf.Tensor[]; messageGrads: tf.Tensor2D[]; lossB: tf.Scalar } {
    const params = this.b.params();
    const { value, grads } = gradients(() => meanCrossEntropy(this.b.forward(messages, 'train'), t.yb), [...params, ...messages]);
    return { grads: grads.slice(0, params.length), messageGrads: grads.slice(params.length) as tf.Tensor2D[], lossB: value };
  }

  /** 'bprop': A and B as one graph; the gradients of L_A + L_B with respect to A's and B's parameters. */
  jointGradients(t: BatchTensors): { gradsA: tf.Tensor[]; gradsB: tf.Tensor[]; lossA: tf.Scalar; lossB: tf.Scalar } {
    const pa = this.a.params();
    let lossA: tf.Scalar | null = null;
    let lossB: tf.Scalar | null = null;
    const { value, grads } = gradients(() => {
      const out = this.a.forward(t.xs, 'train');
      const la = meanCrossEntropy(out.logits, t.ya);
      const lb = meanCrossEntropy(this.b.forward(out.messages, 'train'), t.yb);
      lossA = tf.keep(tf.clone(la));
      lossB = tf.keep(tf.clone(lb));
      return tf.add(la, lb) as tf.Scalar;
    }, [...pa, ...this.b.params()]);
    value.dispose();
    return { gradsA: grads.slice(0, pa.length), gradsB: grads.slice(pa.length), lossA: lossA!, lossB: lossB! };
  }

  /** One training step on a batch, in the order of the method (see the file's comment). */
  step(batch: DigitCountBatch): TwoClocksStepStats {
    const t = this.tensors(batch);
    try {
      let stats: TwoClocksStepStats | null = null;
      tf.tidy(() => {
        stats = this.spec.method === 'bprop' ? this.bpropStep(t) : this.decoupledStep(t);
      });
      return stats!;
    } finally {
      tf.dispose([...t.xs, ...t.ya, ...t.yb]);
    }
  }

  private bpropStep(t: BatchTensors): TwoClocksStepStats {
    const g = this.jointGradients(t);
    this.optA.apply(g.gradsA);
    this.optB.apply(g.gradsB);
    const stats = {
      lossA: g.lossA.dataSync()[0],
      lossB: g.lossB.dataSync()[0],
      sgLoss: Number.NaN,
      sgCosine: Number.NaN,
      sgNormRatio: Number.NaN,
    };
    tf.dispose([g.lossA, g.lossB]); // kept past the gradient's scope
    return stats;
  }

  private decoupledStep(t: BatchTensors): TwoClocksStepStats {
    const syn = this.synthesizer;
    const spec = this.spec.synthesizer;
    let synOut: { y: tf.Tensor; cache: Cache } | null = null;
    let consumed: tf.Tensor[] = [];
    // The synthesizer reads every tick's message at once ([K·B, M]); its output, split per tick, is
    // consumed by A at once. Its forward is kept for its own update, when B's gradient arrives.
    // 'perExample' units (core.ts) count the K·B rows: L_B averages over ticks and examples alike,
    // so M predicts the gradient of one example's loss at one tick.
    const consume = (messages: tf.Tensor2D[]): (tf.Tensor | null)[] => {
      if (!syn) return messages.map(() => null);
      const out = syn.forward(tf.concat(messages, 0), 'train');
      for (const x of [out.y, ...cacheTensors(out.cache)]) tf.keep(x);
      synOut = out;
      consumed = tf.split(consumedGradient(spec, out.y), messages.length, 0).map((c) => tf.keep(c));
      return consumed;
    };
    const a = this.aGradients(t, consume);
    this.optA.apply(a.grads);
    const b = this.bGradients(a.messages, t);
    this.optB.apply(b.grads);
    let sgLoss = Number.NaN;
    let sgCosine = Number.NaN;
    let sgNormRatio = Number.NaN;
    if (syn && synOut) {
      const out = synOut as { y: tf.Tensor; cache: Cache };
      const target = tf.concat(b.messageGrads, 0);
      const r = regressionLoss(spec, out.y, { kind: 'gradient', value: target });
      sgLoss = r.loss.dataSync()[0];
      const sg = tf.concat(consumed, 0);
      sgCosine = cosine(sg, target);
      sgNormRatio = tf.div(tf.norm(sg), tf.maximum(tf.norm(target), 1e-30)).dataSync()[0];
      const back = syn.backward(out.cache, lossGradient(r), { dx: false, params: true });
      this.optS!.apply(back.grads);
    }
    const stats = { lossA: a.lossA.dataSync()[0], lossB: b.lossB.dataSync()[0], sgLoss, sgCosine, sgNormRatio };
    // What was kept past the gradient's scope.
    const out = synOut as { y: tf.Tensor; cache: Cache } | null;
    tf.dispose([a.lossA, ...a.messages, ...consumed, ...(out ? [out.y, ...cacheTensors(out.cache)] : [])]);
    return stats;
  }

  /** A's and B's losses and accuracies in evaluation mode (running statistics). */
  evaluate(batch: DigitCountBatch): TwoClocksEval {
    const t = this.tensors(batch);
    const r = tf.tidy(() => {
      const out = this.a.forward(t.xs, 'eval');
      const lb = this.b.forward(out.messages, 'eval');
      return [meanCrossEntropy(out.logits, t.ya), meanCrossEntropy(lb, t.yb), accuracy(out.logits, t.ya), accuracy(lb, t.yb)].map(
        (x) => x.dataSync()[0],
      );
    });
    tf.dispose([...t.xs, ...t.ya, ...t.yb]);
    return { lossA: r[0], lossB: r[1], accA: r[2], accB: r[3] };
  }
}

/** Share of right argmax predictions over every step. */
function accuracy(logits: tf.Tensor2D[], onehot: tf.Tensor2D[]): tf.Scalar {
  const right = logits.map((z, t) => tf.mean(tf.equal(tf.argMax(z, 1), tf.argMax(onehot[t], 1)).toFloat()));
  return tf.div(tf.addN(right), logits.length) as tf.Scalar;
}

/** Cosine of two tensors, flattened (0 when either is zero). */
export function cosine(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const n = tf.mul(tf.norm(a), tf.norm(b));
    return tf.div(tf.sum(tf.mul(a, b)), tf.maximum(n, 1e-30)).dataSync()[0];
  });
}
