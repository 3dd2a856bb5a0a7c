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
 * (recurrent-batchnorm.ts). Each gate is its own matmul and its own BN, which is the same as one
 * BN over the fused 4H features, without slicing a [B, 4H] result (slow on wasm, see lstm.ts).
 *
 * The step is written from differentiable ops: the backward through time is tfjs autodiff, with
 * the batch normalisations' own closed-form backward (batchNormOp). Initialisation: W ~ U(−1/√H,
 * 1/√H) as lstm.ts, γ = 0.1 (Cooijmans et al.), b = 0 but the forget gate's, 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import { LSTM_GATES, type LstmState } from './lstm';
import { type Mode, makeVariable } from './module';
import { RecurrentBatchNorm } from './recurrent-batchnorm';

let counter = 0;

export class BnLstm {
  readonly name: string;
  /** Per gate i, f, o, g: input weights [I, H] and recurrent weights [H, H]. */
  readonly Wx: tf.Variable[];
  readonly Wh: tf.Variable[];
  readonly b: tf.Variable[];
  readonly bnX: RecurrentBatchNorm[];
  readonly bnH: RecurrentBatchNorm[];
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
    const draw = (rows: number, q: string, kind: string) => {
      const w = new Float32Array(rows * H);
      for (let k = 0; k < w.length; k++) w[k] = (2 * rng.uniform() - 1) * bound;
      return makeVariable(() => tf.tensor2d(w, [rows, H]), true, `${this.name}/W${kind}_${q}`);
    };
    this.Wx = LSTM_GATES.map((q) => draw(inputs, q, 'x'));
    this.Wh = LSTM_GATES.map((q) => draw(H, q, 'h'));
    this.b = LSTM_GATES.map((q) => makeVariable(() => tf.fill([H], q === 'f' ? (opts.forgetBias ?? 1) : 0), true, `${this.name}/b_${q}`));
    const g = opts.gammaInit ?? 0.1;
    this.bnX = LSTM_GATES.map((q) => new RecurrentBatchNorm(H, steps, { gammaInit: g, beta: false, name: `${this.name}/bnx_${q}` }));
    this.bnH = LSTM_GATES.map((q) => new RecurrentBatchNorm(H, steps, { gammaInit: g, beta: false, name: `${this.name}/bnh_${q}` }));
    this.bnC = new RecurrentBatchNorm(H, steps, { gammaInit: g, name: `${this.name}/bnc` });
  }

  params(): tf.Variable[] {
    return [
      ...this.Wx,
      ...this.Wh,
      ...this.b,
      ...this.bnX.flatMap((n) => n.params()),
      ...this.bnH.flatMap((n) => n.params()),
      ...this.bnC.params(),
    ];
  }

  buffers(): tf.Variable[] {
    return [...this.bnX, ...this.bnH, this.bnC].flatMap((n) => n.buffers());
  }

  zeroState(batch: number): LstmState {
    return { h: tf.zeros([batch, this.hidden]), c: tf.zeros([batch, this.hidden]) };
  }

  /** One step at time t (0-based) from state `prev`. */
  step(x: tf.Tensor2D, prev: LstmState, t: number, mode: Mode): LstmState {
    const z = LSTM_GATES.map((_, q) =>
      tf.add(
        tf.add(
          this.bnH[q].forward(tf.matMul(prev.h, this.Wh[q] as tf.Tensor2D), t, mode),
          this.bnX[q].forward(tf.matMul(x, this.Wx[q] as tf.Tensor2D), t, mode),
        ),
        this.b[q],
      ),
    );
    const [i, f, o] = z.slice(0, 3).map((v) => tf.sigmoid(v));
    const c = tf.add(tf.mul(f, prev.c), tf.mul(i, tf.tanh(z[3]))) as tf.Tensor2D;
    const h = tf.mul(o, tf.tanh(this.bnC.forward(c, t, mode))) as tf.Tensor2D;
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
