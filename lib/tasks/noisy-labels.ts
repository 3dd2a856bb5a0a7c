/**
 * Data whose labels are drawn with noise from a known p(y | x), the setting in which paper
 * section B's expected gradient E[∂L/∂h | h] is known in closed form:
 *
 *   x ~ N(0, I_D),   h = tanh(x·V)   (a fixed layer below, V [D, H] frozen),
 *   y ~ Categorical(softmax(h·A + a))   (a fixed teacher, A [H, C], a [C]).
 *
 * The label depends on x only through h, so p(y | h) = softmax(h·A + a) exactly: no other input
 * or target carries anything about y that h does not.
 *
 *   const task = new NoisyLabels({ inputs: 16, hidden: 16, classes: 10, teacherScale: 3, taskSeed: 1 });
 *   const { h, probs, labels } = task.batch(new Rng(7), 256);   // in the caller's tf.tidy
 */
import * as tf from '@tensorflow/tfjs';
import { checkKeys, inRange, join, posInt } from '../core/validators';
import { ConfigError } from '../core/errors';
import { Rng } from '../core/rng';

export interface NoisyLabelSpec {
  /** D, the size of x. */
  inputs: number;
  /** H, the size of h (what a synthesizer reads). */
  hidden: number;
  /** C, the number of classes. */
  classes: number;
  /** The teacher's logits are h·A + a with A, a ~ N(0, teacherScale²/H): larger is less label noise. */
  teacherScale: number;
  /** Seed of V, A and a (the problem itself). */
  taskSeed: number;
}

export const NOISY_LABEL_KEYS = ['inputs', 'hidden', 'classes', 'teacherScale', 'taskSeed'];

export function validateNoisyLabelSpec(s: NoisyLabelSpec, path = 'task'): void {
  checkKeys(s, NOISY_LABEL_KEYS, path);
  posInt(s.inputs, join(path, 'inputs'));
  posInt(s.hidden, join(path, 'hidden'));
  posInt(s.classes, join(path, 'classes'));
  if (s.classes < 2) throw new ConfigError(join(path, 'classes'), `must be at least 2, got ${s.classes}`);
  inRange(s.teacherScale, 0, Infinity, join(path, 'teacherScale'), true);
  if (!Number.isInteger(s.taskSeed)) throw new ConfigError(join(path, 'taskSeed'), `must be an integer, got ${JSON.stringify(s.taskSeed)}`);
}

/** A batch: the activations, the known p(y | h) and labels drawn from it. */
export interface NoisyBatch {
  h: tf.Tensor2D;
  /** p(y | h), [B, C]. */
  probs: tf.Tensor2D;
  labels: tf.Tensor1D;
}

export class NoisyLabels {
  /** The layer below, [D, H]. */
  readonly V: tf.Tensor2D;
  /** The teacher, [H, C] and [C]. */
  readonly A: tf.Tensor2D;
  readonly a: tf.Tensor1D;

  constructor(readonly spec: NoisyLabelSpec) {
    validateNoisyLabelSpec(spec);
    const { inputs: d, hidden: hh, classes: c, teacherScale: s } = spec;
    const rng = new Rng(spec.taskSeed);
    this.V = tf.tensor2d(rng.normals(d * hh, 1 / Math.sqrt(d)), [d, hh]);
    this.A = tf.tensor2d(rng.normals(hh * c, s / Math.sqrt(hh)), [hh, c]);
    this.a = tf.tensor1d(rng.normals(c, s / Math.sqrt(hh)));
  }

  /** h = tanh(x·V) for B inputs x ~ N(0, I) drawn from `rng`. */
  activations(rng: Rng, batch: number): tf.Tensor2D {
    return tf.tidy(
      () => tf.tanh(tf.matMul(tf.tensor2d(rng.normals(batch * this.spec.inputs), [batch, this.spec.inputs]), this.V)) as tf.Tensor2D,
    );
  }

  /** p(y | h) = softmax(h·A + a), [B, C]. */
  labelProbs(h: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(tf.add(tf.matMul(h, this.A), this.a)) as tf.Tensor2D);
  }

  /** B activations, their p(y | h) and one label each drawn from it (x and y both from `rng`). */
  batch(rng: Rng, batch: number): NoisyBatch {
    const h = this.activations(rng, batch);
    const probs = this.labelProbs(h);
    return { h, probs, labels: tf.tensor1d(sampleLabels(probs.dataSync() as Float32Array, this.spec.classes, rng), 'int32') };
  }

  dispose(): void {
    tf.dispose([this.V, this.A, this.a]);
  }
}

/** One label per row of p ([B·C], row-major) by inverting the cumulative distribution at a uniform draw. */
export function sampleLabels(p: Float32Array, classes: number, rng: Rng): Int32Array {
  const n = p.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    let acc = 0;
    let c = 0;
    // The last class takes whatever rounding leaves above the cumulative sum.
    for (; c < classes - 1; c++) {
      acc += p[i * classes + c];
      if (u < acc) break;
    }
    out[i] = c;
  }
  return out;
}
