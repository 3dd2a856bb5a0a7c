/**
 * Paper section B as an experiment: a synthesizer trained online on per-example gradients of a
 * linear–softmax top whose expected gradient E[∂L/∂h | h] is known in closed form
 * (trainers/expected-gradient.ts), on data with a known p(y | h) (tasks/noisy-labels.ts).
 *
 * A step reads in the paper's order: draw a batch (h, y); the top's loss gives each example's
 * gradient g = ∂L/∂h (autodiff); the synthesizer M(h) (cDNI: M(h, y)) regresses onto it, as a
 * constant target, and Adam updates M. Nothing below h learns: the question is only what a
 * function of h can represent. At each measurement, on a fixed evaluation set:
 *
 *   expectedError = mean ‖M − E[g | h]‖²   (→ 0 if M represents the expected gradient)
 *   sampleError   = mean ‖M − g‖²          (≥ the irreducible variance for any M(h), on average)
 *   variance      = mean E‖g − E[g | h]‖²  (closed form), floorError: the same on the set's labels
 *   expectedNorm  = mean ‖E[g | h]‖²       (the error of M = 0, where M starts)
 *
 * and, with the top moving, the error against the expected gradient of the top k steps before
 * the last update (lagErrors) and that of a copy of M stopped when the top started to move.
 *
 *   const run = await trainSufficiency(spec, { onEval: (r) => console.log(r.step, r.expectedError) });
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../core/adam';
import { DivergenceError } from '../core/errors';
import { Rng } from '../core/rng';
import { Linear } from '../modules/linear';
import { buildSynthesizer } from '../synthesizers/build';
import type { SynthesizerModel } from '../synthesizers/synthesizer';
import { type NoisyBatch, NoisyLabels } from '../tasks/noisy-labels';
import { expectedGradient, irreducibleVariance, meanCosine, meanSquaredDistance, perExampleGradients } from '../trainers/expected-gradient';
import { type SufficiencySpec, validateSufficiencySpec } from './sufficiency-spec';

export interface SufficiencyRecord {
  /** Steps done. */
  step: number;
  expectedError: number;
  sampleError: number;
  variance: number;
  floorError: number;
  expectedNorm: number;
  /** Mean cos(M, E[g | h]) over the evaluation set. */
  cosine: number;
  /** Mean regression loss per example, ‖M − g‖² on the training batches since the last measurement (NaN at step 0). */
  trainError: number;
  /** Drift: mean ‖M − E_{t−k}[g | h]‖² for each k of spec.lags (empty when frozen). */
  lagErrors: number[];
  /** Drift: the stopped copy's mean ‖M_stop − E[g | h]‖² (NaN before the top moves, and when frozen). */
  stoppedError: number;
}

export interface SufficiencyResult {
  spec: SufficiencySpec;
  history: SufficiencyRecord[];
  msPerStep: number;
}

/** Offsets into the task seed's stream past every draw NoisyLabels makes, for the top and the evaluation set. */
const TOP_STREAM = 1 << 24;
const EVAL_STREAM = 1 << 25;

export class SufficiencyRun {
  readonly task: NoisyLabels;
  /** The top's two draws (drift: the ends of its circle); the project's Linear, so W is [H, C]. */
  readonly tops: [Linear, Linear];
  readonly synthesizer: SynthesizerModel;
  private stopped: SynthesizerModel | null = null;
  private readonly adam: Adam;
  private readonly rng: Rng;
  private readonly evalSet: NoisyBatch;
  /** Steps done. */
  t = 0;

  constructor(readonly spec: SufficiencySpec) {
    validateSufficiencySpec(spec);
    this.task = new NoisyLabels(spec.task);
    const { hidden, classes, taskSeed } = spec.task;
    const topRng = Rng.at(taskSeed, TOP_STREAM);
    this.tops = [new Linear(hidden, classes, topRng, { name: 'top/a' }), new Linear(hidden, classes, topRng, { name: 'top/b' })];
    this.rng = new Rng(spec.seed);
    this.synthesizer = buildSynthesizer([hidden], spec.synthesizer, classes, this.rng.fork(), 'synthesizer');
    this.adam = new Adam(this.synthesizer.params(), spec.optimizer);
    this.evalSet = this.task.batch(Rng.at(taskSeed, EVAL_STREAM), spec.evalExamples);
  }

  /** The top's angle at step t: 0 while frozen, then 2π(t − warmup)/period. */
  angle(t: number): number {
    const { warmup, period } = this.spec.drift;
    return this.spec.topMotion === 'drift' && t > warmup ? (2 * Math.PI * (t - warmup)) / period : 0;
  }

  /** The top's W ([H, C]) and b at step t (0-based), in the caller's tf.tidy. */
  topAt(t: number): { W: tf.Tensor2D; b: tf.Tensor1D } {
    const [a, b] = this.tops;
    const th = this.angle(Math.max(0, t));
    const mix = (x: tf.Tensor, y: tf.Tensor) => tf.add(tf.mul(x, Math.cos(th)), tf.mul(y, Math.sin(th)));
    return { W: mix(a.W, b.W) as tf.Tensor2D, b: mix(a.b!, b.b!) as tf.Tensor1D };
  }

  /** One online step; returns ‖M − g‖² averaged over the batch (before the update). */
  step(): number {
    const B = this.spec.batchSize;
    if (this.spec.topMotion === 'drift' && this.t === this.spec.drift.warmup && !this.stopped) this.stopped = this.copyOfSynthesizer();
    const loss = tf.tidy(() => {
      const { W, b } = this.topAt(this.t);
      const { h, labels } = this.task.batch(this.rng, B);
      const g = perExampleGradients(h, W, b, labels);
      const f = this.synthesizer.forward(h, labels, 'train');
      // The target as DNI gives it, the batch-mean loss's gradient g/B; in 'perExample' units M regresses onto B·(g/B) = g.
      const r = this.synthesizer.regress(f, tf.div(g, B));
      this.adam.apply(r.grads);
      return meanSquaredDistance(f.out as tf.Tensor2D, g);
    });
    this.t++;
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  }

  /** A copy of the synthesizer as it is now, which never learns again. */
  private copyOfSynthesizer(): SynthesizerModel {
    const { hidden, classes } = this.spec.task;
    const copy = buildSynthesizer([hidden], this.spec.synthesizer, classes, new Rng(0), 'synthesizer-stopped');
    const from = [...this.synthesizer.params(), ...this.synthesizer.buffers()];
    [...copy.params(), ...copy.buffers()].forEach((v, i) => {
      v.assign(from[i]);
    });
    return copy;
  }

  /** The measurements on the evaluation set (trainError is the caller's). */
  evaluate(): Omit<SufficiencyRecord, 'trainError'> {
    const { h, probs, labels } = this.evalSet;
    const last = this.t - 1;
    const numbers = tf.tidy(() => {
      const { W, b } = this.topAt(last);
      const m = this.synthesizer.forward(h, labels, 'eval').out as tf.Tensor2D;
      const e = expectedGradient(h, W, b, probs);
      const g = perExampleGradients(h, W, b, labels);
      const lags = this.spec.topMotion === 'drift' ? this.spec.lags : [];
      const lagged = lags.map((k) => {
        const old = this.topAt(last - k);
        return meanSquaredDistance(m, expectedGradient(h, old.W, old.b, probs));
      });
      const stopped = this.stopped
        ? meanSquaredDistance(this.stopped.forward(h, labels, 'eval').out as tf.Tensor2D, e)
        : tf.scalar(Number.NaN);
      return tf.stack([
        meanSquaredDistance(m, e),
        meanSquaredDistance(m, g),
        tf.mean(irreducibleVariance(W, probs)),
        meanSquaredDistance(e, g),
        tf.mean(tf.sum(tf.square(e), 1)),
        meanCosine(m, e),
        stopped,
        ...lagged,
      ]);
    });
    const v = Array.from(numbers.dataSync());
    numbers.dispose();
    return {
      step: this.t,
      expectedError: v[0],
      sampleError: v[1],
      variance: v[2],
      floorError: v[3],
      expectedNorm: v[4],
      cosine: v[5],
      stoppedError: v[6],
      lagErrors: v.slice(7),
    };
  }

  dispose(): void {
    this.task.dispose();
    this.adam.dispose();
    const own = (m: SynthesizerModel | null) => (m ? [...m.params(), ...m.buffers()] : []);
    tf.dispose([...this.tops.flatMap((l) => l.params()), ...own(this.synthesizer), ...own(this.stopped)]);
    tf.dispose([this.evalSet.h, this.evalSet.probs, this.evalSet.labels]);
  }
}

/** The whole run: a measurement at step 0 and every evalEvery steps (and at the end). Non-finite numbers stop it. */
export async function trainSufficiency(
  spec: SufficiencySpec,
  hooks: { onEval?: (r: SufficiencyRecord) => void } = {},
): Promise<SufficiencyResult> {
  const run = new SufficiencyRun(spec);
  try {
    const history: SufficiencyRecord[] = [];
    const record = (trainError: number) => {
      const r = { ...run.evaluate(), trainError };
      for (const [k, v] of Object.entries(r))
        if (typeof v === 'number' && k !== 'stoppedError' && k !== 'trainError' && !Number.isFinite(v))
          throw new DivergenceError(r.step, k, v);
      history.push(r);
      hooks.onEval?.(r);
    };
    record(Number.NaN);
    const t0 = Date.now();
    let sum = 0;
    let n = 0;
    for (let s = 1; s <= spec.steps; s++) {
      const loss = run.step();
      if (!Number.isFinite(loss)) throw new DivergenceError(s, 'synthesizer regression loss', loss);
      sum += loss;
      n++;
      if (s % spec.evalEvery === 0 || s === spec.steps) {
        record(sum / n);
        sum = 0;
        n = 0;
      }
    }
    return { spec, history, msPerStep: (Date.now() - t0) / spec.steps };
  } finally {
    run.dispose();
  }
}
