/**
 * Recurrent batch normalisation (Cooijmans et al. 2016), as the paper's D.3 networks use it.
 *
 *   BN(x; γ, β) = γ ⊙ (x − E[x]) / √(Var[x] + ε) + β
 *
 * over the batch, with statistics kept separately for each time step t (Cooijmans et al., §3:
 * "separate statistics for each time step"; at evaluation a step past the last one kept uses the
 * last one's), and γ shared across time, initialised to 0.1 (their §4: a small γ keeps the
 * gradient of tanh and σ from vanishing). Training mode normalises with the batch statistics and
 * moves the running ones (momentum 0.1, unbiased variance, as lib/modules/batchnorm.ts).
 *
 * The normalisation is one op, `batchNormOp`, with a hand-written backward registered through
 * tf.customGrad, so that tfjs autodiff of a whole LSTM (lib/modules/bn-lstm.ts) takes this
 * backward rather than differentiating the broadcasting ops (which hits a slow Tile kernel on
 * wasm):
 *
 *   x̂ = (x − μ)·σ⁻¹,   ∂γ = Σ_b dy ⊙ x̂,   ∂β = Σ_b dy,
 *   ∂x = γ σ⁻¹ ⊙ (dy − mean_b(dy) − x̂ ⊙ mean_b(dy ⊙ x̂)).
 */
import * as tf from '@tensorflow/tfjs';
import type { Mode } from './module';
import { makeVariable } from './module';

/**
 * γ ⊙ x̂ + β with x̂ normalised by the batch statistics of x [B, F]; its gradient with respect to
 * x, γ and β is the closed form above, not autodiff.
 */
export function batchNormOp(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  onStatistics?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor2D {
  // tfjs types customGrad's arguments as one rest list of tensors and the save function.
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = tf.mean(xIn, 0);
    const xc = tf.sub(xIn, mean);
    const variance = tf.mean(tf.square(xc), 0);
    const invstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(xc, invstd);
    save([xhat, invstd, g]);
    onStatistics?.(mean as tf.Tensor1D, variance as tf.Tensor1D);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, si, sg] = saved;
        const n = dy.shape[0];
        const dgamma = tf.sum(tf.mul(dy, sx), 0);
        const dbeta = tf.sum(dy, 0);
        const dx = tf.mul(tf.mul(sg, si), tf.sub(tf.sub(dy, tf.div(dbeta, n)), tf.mul(sx, tf.div(dgamma, n))));
        return [dx, dgamma, dbeta];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta) as tf.Tensor2D;
}

let counter = 0;

/** Batch normalisation of F features with per-time-step statistics (steps 0 … steps − 1). */
export class RecurrentBatchNorm {
  readonly name: string;
  readonly gamma: tf.Variable;
  /** null when the layer has no shift (the LSTM's gate BNs: the gate bias is the shift). */
  readonly beta: tf.Variable | null;
  /** Per time step: running mean and variance, [F] each. */
  readonly runningMean: tf.Variable[];
  readonly runningVar: tf.Variable[];
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly features: number,
    readonly steps: number,
    opts: { gammaInit?: number; beta?: boolean; eps?: number; momentum?: number; name?: string } = {},
  ) {
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`RecurrentBatchNorm: steps must be a positive integer, got ${steps}`);
    this.name = opts.name ?? `rbn${counter++}`;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.gamma = makeVariable(() => tf.fill([features], opts.gammaInit ?? 0.1), true, `${this.name}/gamma`);
    this.beta = opts.beta === false ? null : makeVariable(() => tf.zeros([features]), true, `${this.name}/beta`);
    this.runningMean = Array.from({ length: steps }, (_, t) => makeVariable(() => tf.zeros([features]), false, `${this.name}/mean${t}`));
    this.runningVar = Array.from({ length: steps }, (_, t) => makeVariable(() => tf.ones([features]), false, `${this.name}/var${t}`));
  }

  params(): tf.Variable[] {
    return this.beta ? [this.gamma, this.beta] : [this.gamma];
  }

  buffers(): tf.Variable[] {
    return [...this.runningMean, ...this.runningVar];
  }

  /** BN of x [B, F] at time step t (0-based). Training mode also moves step t's running statistics. */
  forward(x: tf.Tensor2D, t: number, mode: Mode): tf.Tensor2D {
    const k = Math.min(t, this.steps - 1);
    if (mode === 'eval') {
      const xhat = tf.mul(tf.sub(x, this.runningMean[k]), tf.rsqrt(tf.add(this.runningVar[k], this.eps)));
      const y = tf.mul(xhat, this.gamma);
      return (this.beta ? tf.add(y, this.beta) : y) as tf.Tensor2D;
    }
    const n = x.shape[0];
    if (n < 2) throw new Error(`${this.name}: training-mode batch normalisation needs a batch of at least 2, got ${n}`);
    if (t >= this.steps) throw new Error(`${this.name}: keeps statistics for ${this.steps} steps, asked to train at step ${t}`);
    // The running statistics move with the batch statistics the op computes (assign is not taped).
    const m = this.momentum;
    const move = (mean: tf.Tensor1D, variance: tf.Tensor1D) => {
      this.runningMean[k].assign(tf.add(tf.mul(this.runningMean[k], 1 - m), tf.mul(mean, m)));
      this.runningVar[k].assign(tf.add(tf.mul(this.runningVar[k], 1 - m), tf.mul(variance, (m * n) / (n - 1))));
    };
    return batchNormOp(x, this.gamma as tf.Tensor1D, (this.beta ?? tf.zeros([this.features])) as tf.Tensor1D, this.eps, move);
  }
}
