/**
 * Adam with explicit state and the paper's step schedule.
 *
 *   const opt = new Adam(params, { lr: 3e-5, decaySteps: [300000, 400000], decayFactor: 0.1 });
 *   opt.apply(grads);   // grads aligned with params
 *
 * The paper trains every feed-forward model with Adam, lr 3e-5 divided by 10 at
 * 300k and 400k steps (section D.1).
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_KERNEL, type AdamAttrs } from '../blas';
import { checkKeys, inRange, posInt } from './validators';
import { ConfigError } from './errors';

export interface AdamSpec {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Steps at which the learning rate is multiplied by decayFactor. */
  decaySteps: number[];
  decayFactor: number;
}

export const ADAM_DEFAULTS: AdamSpec = { lr: 3e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, decaySteps: [300000, 400000], decayFactor: 0.1 };

export const ADAM_KEYS = ['lr', 'beta1', 'beta2', 'eps', 'decaySteps', 'decayFactor'];

export function validateAdamSpec(o: AdamSpec, path = 'optimizer'): void {
  checkKeys(o, ADAM_KEYS, path);
  inRange(o.lr, 0, Infinity, `${path}.lr`, true);
  inRange(o.beta1, 0, 1, `${path}.beta1`);
  inRange(o.beta2, 0, 1, `${path}.beta2`);
  inRange(o.eps, 0, Infinity, `${path}.eps`, true);
  if (!Array.isArray(o.decaySteps)) throw new ConfigError(`${path}.decaySteps`, 'must be an array of step numbers');
  o.decaySteps.forEach((s, i) => posInt(s, `${path}.decaySteps[${i}]`));
  inRange(o.decayFactor, 0, 1, `${path}.decayFactor`, true);
}

/** The learning rate in force at (0-based) step t. */
export function learningRate(spec: AdamSpec, t: number): number {
  return spec.decaySteps.reduce((lr, s) => (t >= s ? lr * spec.decayFactor : lr), spec.lr);
}

export class Adam {
  /** Number of updates applied so far. */
  t = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    readonly params: tf.Variable[],
    readonly spec: AdamSpec,
  ) {
    this.m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** One update; call inside tf.tidy (the gradients are not disposed here). */
  apply(grads: tf.Tensor[]): void {
    if (grads.length !== this.params.length) throw new Error(`Adam: ${grads.length} gradients for ${this.params.length} parameters`);
    const { beta1: b1, beta2: b2, eps } = this.spec;
    const lr = learningRate(this.spec, this.t);
    this.t++;
    // Bias correction folded into the step size, as in TensorFlow's Adam.
    const alpha = (lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    // On the native path one kernel call per parameter, with the same floats (lib/blas/adam.ts).
    const fused = !!tf.getKernel(ADAM_KERNEL, tf.getBackend());
    const attrs: AdamAttrs = { beta1: b1, beta2: b2, eps, alpha };
    tf.tidy(() => {
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (fused) {
          const inputs = { g, m: this.m[i], v: this.v[i], p: this.params[i] };
          const [m, v, p] = tf.engine().runKernel(ADAM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
          this.m[i].assign(m);
          this.v[i].assign(v);
          this.params[i].assign(p);
          continue;
        }
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        this.params[i].assign(tf.sub(this.params[i], tf.mul(tf.div(m, tf.add(tf.sqrt(v), eps)), alpha)));
      }
    });
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
