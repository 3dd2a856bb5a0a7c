/**
 * Networks A and B of paper D.3 (two networks on two clocks).
 *
 * - **A** reads one 28×28 digit per step through a 2-layer FCN (each layer Linear → BN → ReLU,
 *   `fcnWidth` units) into a BN-LSTM (Cooijmans et al. 2016; lib/modules/bn-lstm.ts). Its LSTM
 *   output goes to a linear classifier of the count of odd digits, and, at B's ticks, through
 *   Linear → BN to the message for B.
 * - **B** reads A's messages, one per tick, into its own BN-LSTM and classifies the count of 3s
 *   with a linear classifier.
 *
 * Both are written from differentiable ops (their backward is tfjs autodiff, through the batch
 * normalisations' own backward); the trainer (lib/trainers/two-clocks.ts) decides what gradient
 * reaches A's messages. The FCN sees all the sequence's digits as one batch (it is feed-forward,
 * so this is the same computation, with one set of BN statistics for all steps); the LSTMs and
 * the message BN keep statistics per step.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { BnLstm } from '../modules/bn-lstm';
import { Linear } from '../modules/linear';
import type { Mode } from '../modules/module';
import { RecurrentBatchNorm } from '../modules/recurrent-batchnorm';

export interface TwoClocksNetSpec {
  /** Units of each of A's two FCN layers (paper: 256). */
  fcnWidth: number;
  /** Units of A's and B's LSTMs (paper: 256). */
  hidden: number;
  /** Width of A's message to B (paper: 256). */
  messageWidth: number;
}

/** Network A: FCN → BN-LSTM → odd-count classifier, and → Linear → BN → message at B's ticks. */
export class NetworkA {
  readonly fc: Linear[];
  readonly bn: RecurrentBatchNorm[];
  readonly lstm: BnLstm;
  readonly classifier: Linear;
  readonly messageLinear: Linear;
  readonly messageBn: RecurrentBatchNorm;

  /**
   * @param steps the sequence's length; @param ticks the steps (1-based) at which a message is sent;
   * @param classes A's classes (counts 0 … oddCap).
   */
  constructor(
    readonly spec: TwoClocksNetSpec,
    readonly steps: number,
    readonly ticks: readonly number[],
    classes: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const W = spec.fcnWidth;
    this.fc = [new Linear(784, W, rng, { name: 'A/fc1' }), new Linear(W, W, rng, { name: 'A/fc2' })];
    this.bn = [1, 2].map((k) => new RecurrentBatchNorm(W, 1, { gammaInit: 1, name: `A/bn${k}` }));
    this.lstm = new BnLstm(W, spec.hidden, steps, rng, { name: 'A/lstm' });
    this.classifier = new Linear(spec.hidden, classes, rng, { name: 'A/classifier' });
    this.messageLinear = new Linear(spec.hidden, spec.messageWidth, rng, { name: 'A/message' });
    this.messageBn = new RecurrentBatchNorm(spec.messageWidth, ticks.length, { gammaInit: 1, name: 'A/messageBn' });
  }

  params(): tf.Variable[] {
    return [
      ...this.fc.flatMap((l) => l.params()),
      ...this.bn.flatMap((n) => n.params()),
      ...this.lstm.params(),
      ...this.classifier.params(),
      ...this.messageLinear.params(),
      ...this.messageBn.params(),
    ];
  }

  /** The sequence's L inputs [B, 784] → the logits at every step and the message at every tick. */
  forward(xs: tf.Tensor2D[], mode: Mode): { logits: tf.Tensor2D[]; messages: tf.Tensor2D[] } {
    const B = xs[0].shape[0];
    let h: tf.Tensor2D = xs.length === 1 ? xs[0] : tf.concat(xs, 0);
    this.fc.forEach((l, k) => {
      h = tf.relu(this.bn[k].forward(l.forward(h).y as tf.Tensor2D, 0, mode));
    });
    const inputs = tf.split(h, xs.length, 0) as tf.Tensor2D[];
    if (inputs[0].shape[0] !== B) throw new Error('A: split of the FCN output went wrong');
    const { hs } = this.lstm.forward(inputs, mode);
    const logits = hs.map((o) => this.classifier.forward(o).y as tf.Tensor2D);
    const messages = this.ticks.map((t, k) => this.messageBn.forward(this.messageLinear.forward(hs[t - 1]).y as tf.Tensor2D, k, mode));
    return { logits, messages };
  }
}

/** Network B: A's messages, one per tick → BN-LSTM → the count-of-3s classifier. */
export class NetworkB {
  readonly lstm: BnLstm;
  readonly classifier: Linear;

  constructor(
    readonly spec: TwoClocksNetSpec,
    readonly ticks: number,
    classes: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    this.lstm = new BnLstm(spec.messageWidth, spec.hidden, ticks, rng, { name: 'B/lstm' });
    this.classifier = new Linear(spec.hidden, classes, rng, { name: 'B/classifier' });
  }

  params(): tf.Variable[] {
    return [...this.lstm.params(), ...this.classifier.params()];
  }

  /** The logits at each tick, from the messages received at the ticks. */
  forward(messages: tf.Tensor2D[], mode: Mode): tf.Tensor2D[] {
    const { hs } = this.lstm.forward(messages, mode);
    return hs.map((o) => this.classifier.forward(o).y as tf.Tensor2D);
  }
}
