/**
 * The LSTM with recurrent batch normalisation (Cooijmans et al. 2016, eqs. 6–8) of the paper's
 * D.3 networks A and B:
 *
 *   z_q = BN(h_{t−1}·W_hq; γ_hq) + BN(x_t·W_xq; γ_xq) + b_q        q = i, f, o, g
 *   c_t = σ(z_f) ⊙ c_{t−1} + σ(z_i) ⊙ tanh(z_g)
 *   h_t = σ(z_o) ⊙ tanh(BN(c_t; γ_c, β_c))
 *
 * The input and recurrent terms are normalised separately (so each keeps its own scale), with no
 * shift of their own (b_q is the shift), and every BN keeps statistics per time step
 * (recurrent-batchnorm.ts). The four gates are one [·, 4H] matmul and one BN over the 4H
 * features (BN treats each feature on its own, so this is one BN per gate), split afterwards:
 * fewer, larger ops, since a step's cost here is mostly per-op overhead.
 *
 * The step is written from differentiable ops: the backward through time is tfjs autodiff, with
 * the batch normalisations' own closed-form backward (batchNormOp). Initialisation: W ~ U(−1/√H,
 * 1/√H) as lstm.ts, γ = 0.1 (Cooijmans et al.), b = 0 but the forget gate's, 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { LstmState } from './lstm';
import { type Mode, makeVariable } from './module';
import { RecurrentBatchNorm } from './recurrent-batchnorm';

let counter = 0;

export class BnLstm {
  readonly name: string;
  /** Input weights [I, 4H] and recurrent weights [H, 4H], the gates' columns in the order i, f, o, g. */
  readonly Wx: tf.Variable;
  readonly Wh: tf.Variable;
  /** [4H]. */
  readonly b: tf.Variable;
  /** BN of x·W_x and of h·W_h over the 4H gate features (each feature on its own, so the same as one BN per gate). */
  readonly bnX: RecurrentBatchNorm;
  readonly bnH: RecurrentBatchNorm;
  readonly bnC: RecurrentBatchNorm;

  /** @param steps the time steps that keep their own BN statistics (a sequence's length). */
  constructor(
    readonly inputs: number,
    readonly hidden: number,
    readonly steps: number,
    rng: Rng,
    opts: { forgetBias?: number; gammaInit?: number; name?: string } = {},
  ) {
    this.name = opts.name ?? `bnlstm${counter++}`;
    const H = hidden;
    const bound = 1 / Math.sqrt(H);
    // Drawn gate by gate (i, f, o, g), each [rows, H], then laid side by side.
    const draw = (rows: number, kind: string) => {
      const w = new Float32Array(rows * 4 * H);
      for (let q = 0; q < 4; q++)
        for (let r = 0; r < rows; r++) for (let c = 0; c < H; c++) w[r * 4 * H + q * H + c] = (2 * rng.uniform() - 1) * bound;
      return makeVariable(() => tf.tensor2d(w, [rows, 4 * H]), true, `${this.name}/W${kind}`);
    };
    this.Wx = draw(inputs, 'x');
    this.Wh = draw(H, 'h');
    const b = new Float32Array(4 * H);
    b.fill(opts.forgetBias ?? 1, H, 2 * H);
    this.b = makeVariable(() => tf.tensor1d(b), true, `${this.name}/b`);
    const g = opts.gammaInit ?? 0.1;
    this.bnX = new RecurrentBatchNorm(4 * H, steps, { gammaInit: g, beta: false, name: `${this.name}/bnx` });
    this.bnH = new RecurrentBatchNorm(4 * H, steps, { gammaInit: g, beta: false, name: `${this.name}/bnh` });
    this.bnC = new RecurrentBatchNorm(H, steps, { gammaInit: g, name: `${this.name}/bnc` });
  }

  params(): tf.Variable[] {
    return [this.Wx, this.Wh, this.b, ...this.bnX.params(), ...this.bnH.params(), ...this.bnC.params()];
  }

  buffers(): tf.Variable[] {
    return [this.bnX, this.bnH, this.bnC].flatMap((n) => n.buffers());
  }

  zeroState(batch: number): LstmState {
    return { h: tf.zeros([batch, this.hidden]), c: tf.zeros([batch, this.hidden]) };
  }

  /** One step at time t (0-based) from state `prev`. */
  step(x: tf.Tensor2D, prev: LstmState, t: number, mode: Mode): LstmState {
    const hw = this.bnH.forward(tf.matMul(prev.h, this.Wh as tf.Tensor2D), t, mode);
    const xw = this.bnX.forward(tf.matMul(x, this.Wx as tf.Tensor2D), t, mode);
    const z = tf.add(tf.add(hw, xw), this.b);
    const [zi, zf, zo, zg] = tf.split(z, 4, 1);
    const c = tf.add(tf.mul(tf.sigmoid(zf), prev.c), tf.mul(tf.sigmoid(zi), tf.tanh(zg))) as tf.Tensor2D;
    const h = tf.mul(tf.sigmoid(zo), tf.tanh(this.bnC.forward(c, t, mode))) as tf.Tensor2D;
    return { h, c };
  }

  /** T steps from `s0` (default zeros), starting at time step `t0`; returns h_1 … h_T and the last state. */
  forward(xs: tf.Tensor2D[], mode: Mode, s0?: LstmState, t0 = 0): { hs: tf.Tensor2D[]; state: LstmState } {
    let s = s0 ?? this.zeroState(xs[0].shape[0]);
    const hs: tf.Tensor2D[] = [];
    xs.forEach((x, k) => {
      s = this.step(x, s, t0 + k, mode);
      hs.push(s.h);
    });
    return { hs, state: s };
  }
}
