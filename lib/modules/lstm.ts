/**
 * The LSTM core of the paper's RNN experiments (D.2), with a hand-written backward through
 * time (BPTT) over a chunk of steps.
 *
 *   z_q = [x_t, h_{t−1}]·W_q + b_q      for the gates q = i, f, o, g
 *   i, f, o = σ(z_i), σ(z_f), σ(z_o)     g = tanh(z_g)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g            h_t = o ⊙ tanh(c_t)
 *
 * This is the usual fused LSTM, [x, h]·W → 4H with W = [W_i | W_f | W_o | W_g], with W kept as
 * its four column blocks: on the wasm backend a column slice of a [B, 4H] result copies the
 * whole input in JS (its readSync), which cost more than the matmul saved, so each gate is its
 * own matmul with the bias and the sigmoid fused in (one sgemm each on the native path).
 * tanh is computed as 2σ(2x) − 1: wasm's Tanh kernel was ~8× slower than its Sigmoid. On the
 * native BLAS path, where column blocks cost nothing, the four gates are one matmul and the cell
 * one kernel call per step instead (lib/modules/lstm-fused.ts), the same formulas.
 *
 * The state is (h, c). `forward` runs T steps from a given state and keeps what the backward
 * needs; `backward` takes ∂L/∂h_t for each step (the task's loss) and a gradient arriving at the
 * chunk's end state (∂/∂h_T and ∂/∂c_T: the synthetic gradient, D.2), and returns the parameter
 * gradients and the gradient that reaches the chunk's initial state (h_0, c_0). The weight
 * gradients of all T steps are one matmul per gate at the chunk's end: [x, h]ᵀ over the T steps
 * times dz_q over the T steps (both concatenated over time, which is a cheap copy).
 *
 * Initialisation: W ~ U(−1/√H, 1/√H) (PyTorch's LSTM default), drawn for W_i, W_f, W_o, W_g in
 * that order; b = 0 but the forget gate's, which starts at `forgetBias` (1 by default;
 * Jozefowicz et al. 2015), so the cell keeps its state at the start.
 */
import * as tf from '@tensorflow/tfjs';
import { fastTransposedMatMul } from '../blas';
import type { Rng } from '../core/rng';
import { addPresent, initialGradient, overTime } from './lstm-chunk';
import { type FusedStepCache, fusedBackward, fusedKernelsPresent, fusedStep, fusedWeights } from './lstm-fused';
import { makeVariable } from './module';

/** The gates, in the order of params(): input, forget, output, cell candidate. */
export const LSTM_GATES = ['i', 'f', 'o', 'g'] as const;

/** The recurrent state (h, c), each [B, H]. */
export interface LstmState {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
}

/** What one step keeps for the backward: per gate, or the gates side by side on the native path. */
export type LstmStepCache = GateStepCache | FusedStepCache;

/** What one step of the per-gate path keeps. */
export interface GateStepCache {
  /** [x_t, h_{t−1}], [B, I + H]. */
  xh: tf.Tensor2D;
  i: tf.Tensor2D;
  f: tf.Tensor2D;
  o: tf.Tensor2D;
  g: tf.Tensor2D;
  cPrev: tf.Tensor2D;
  /** tanh(c_t). */
  tc: tf.Tensor2D;
}

export interface LstmChunk {
  /** h_1 … h_T. */
  hs: tf.Tensor2D[];
  /** (h_T, c_T). */
  state: LstmState;
  /** One entry per step, first step first. */
  cache: LstmStepCache[];
}

export interface LstmBackward {
  /** Aligned with params(): [∂W_i, ∂b_i, ∂W_f, ∂b_f, ∂W_o, ∂b_o, ∂W_g, ∂b_g]; empty when not requested. */
  grads: tf.Tensor[];
  /** The gradient reaching the chunk's initial state (h_0, c_0); null when not requested. */
  initial: LstmState | null;
}

let counter = 0;

export class Lstm {
  readonly name: string;
  /** Per gate i, f, o, g: [I + H, H], the rows of x_t, then the rows of h_{t−1}. */
  readonly W: tf.Variable[];
  /** Per gate: [H]. */
  readonly b: tf.Variable[];

  constructor(
    readonly inputs: number,
    readonly hidden: number,
    rng: Rng,
    opts: { forgetBias?: number; name?: string } = {},
  ) {
    this.name = opts.name ?? `lstm${counter++}`;
    const H = hidden;
    const rows = inputs + H;
    const bound = 1 / Math.sqrt(H);
    this.W = LSTM_GATES.map((q) => {
      const w = new Float32Array(rows * H);
      for (let k = 0; k < w.length; k++) w[k] = (2 * rng.uniform() - 1) * bound;
      return makeVariable(() => tf.tensor2d(w, [rows, H]), true, `${this.name}/W_${q}`);
    });
    this.b = LSTM_GATES.map((q) => makeVariable(() => tf.fill([H], q === 'f' ? (opts.forgetBias ?? 1) : 0), true, `${this.name}/b_${q}`));
  }

  /** [W_i, b_i, W_f, b_f, W_o, b_o, W_g, b_g]. */
  params(): tf.Variable[] {
    return this.W.flatMap((w, q) => [w, this.b[q]]);
  }

  zeroState(batch: number): LstmState {
    return { h: tf.zeros([batch, this.hidden]), c: tf.zeros([batch, this.hidden]) };
  }

  /** T steps from `s0`, each x_t [B, I], keeping what backward needs. */
  forward(xs: tf.Tensor2D[], s0: LstmState): LstmChunk {
    const hs: tf.Tensor2D[] = [];
    const cache: LstmStepCache[] = [];
    const fused = fusedKernelsPresent() ? fusedWeights(this.W as tf.Variable<tf.Rank.R2>[], this.b as tf.Variable<tf.Rank.R1>[]) : null;
    const w = fused ? null : this.weights();
    let s = s0;
    for (const x of xs) {
      const r = fused ? fusedStep(x, s, fused) : this.stepCached(x, s, w!);
      cache.push(r.cache);
      hs.push(r.state.h);
      s = r.state;
    }
    return { hs, state: s, cache };
  }

  /** The weights a step multiplies by: the g gate's doubled, for tanh(z) = 2σ(2z) − 1 with the sigmoid fused into the matmul. */
  private weights(): { W: tf.Tensor2D[]; b: tf.Tensor1D[] } {
    return {
      W: this.W.map((w, q) => (q === 3 ? tf.mul(w, 2) : w) as tf.Tensor2D),
      b: this.b.map((b, q) => (q === 3 ? tf.mul(b, 2) : b) as tf.Tensor1D),
    };
  }

  private stepCached(
    x: tf.Tensor2D,
    prev: LstmState,
    w: { W: tf.Tensor2D[]; b: tf.Tensor1D[] },
  ): { state: LstmState; cache: GateStepCache } {
    const xh = tf.concat([x, prev.h], 1);
    const [i, f, o, s2g] = w.W.map((W, q) => tf.fused.matMul({ a: xh, b: W, bias: w.b[q], activation: 'sigmoid' }) as tf.Tensor2D);
    const g = tanhFromSigmoid2(s2g);
    const c = tf.add(tf.mul(f, prev.c), tf.mul(i, g)) as tf.Tensor2D;
    const tc = tanhFromSigmoid2(tf.sigmoid(tf.mul(c, 2)));
    const h = tf.mul(o, tc) as tf.Tensor2D;
    return { state: { h, c }, cache: { xh, i, f, o, g, cPrev: prev.c, tc } };
  }

  /**
   * BPTT through the chunk. `dhs[t]` is the loss gradient ∂L/∂h_{t+1} reaching step t's output
   * from outside the recurrence (null: none); `end` the gradient arriving at the end state
   * (null: none, plain truncated BPTT). Any of `end.h`, `end.c` may be null.
   */
  backward(
    cache: LstmStepCache[],
    dhs: (tf.Tensor | null)[],
    end: { h: tf.Tensor | null; c: tf.Tensor | null } | null,
    opts: { params: boolean; initial: boolean },
  ): LstmBackward {
    const T = cache.length;
    if (dhs.length !== T) throw new Error(`${this.name}: ${dhs.length} output gradients for a chunk of ${T} steps`);
    if ('z' in cache[0]) return fusedBackward(this.W as tf.Variable<tf.Rank.R2>[], this.inputs, cache as FusedStepCache[], dhs, end, opts);
    const steps = cache as GateStepCache[];
    const H = this.hidden;
    const I = this.inputs;
    const B = cache[0].xh.shape[0];
    // The recurrent rows W_h of each gate (a contiguous slice), transposed once per chunk on the
    // stock kernels, so that every step's dz·W_hᵀ is an untransposed matmul there.
    const fast = fastTransposedMatMul();
    const Wh = this.W.map((w) => tf.slice(w, [I, 0], [H, H]) as tf.Tensor2D);
    const WhT = fast ? null : Wh.map((w) => tf.transpose(w) as tf.Tensor2D);
    const recurrent = (dz: tf.Tensor2D[]): tf.Tensor =>
      tf.addN(dz.map((d, q) => (fast ? tf.matMul(d, Wh[q], false, true) : tf.matMul(d, WhT![q]))));

    let dh: tf.Tensor | null = end?.h ?? null;
    let dc: tf.Tensor | null = end?.c ?? null;
    // dz per gate and step, [q][t].
    const dZs: tf.Tensor2D[][] = LSTM_GATES.map(() => new Array(T));
    for (let t = T - 1; t >= 0; t--) {
      const k = steps[t];
      const dht = addPresent(dhs[t], dh);
      // Through h_t = o ⊙ tanh(c_t) into c_t, plus what reaches c_t from the step above.
      const dct = dht ? addPresent(dc, tf.mul(tf.mul(dht, k.o), tf.sub(1, tf.square(k.tc)))) : dc;
      if (!dht && !dct) {
        // Nothing reaches this step: all its gradients are zero.
        for (const d of dZs) d[t] = tf.zeros([B, H]);
        dh = null;
        dc = null;
        continue;
      }
      const zero = () => tf.zerosLike(k.o);
      // σ' = σ(1 − σ) for i, f, o; tanh' = 1 − g².
      const dsig = (d: tf.Tensor, s: tf.Tensor) => tf.mul(d, tf.mul(s, tf.sub(1, s))) as tf.Tensor2D;
      dZs[0][t] = dct ? dsig(tf.mul(dct, k.g), k.i) : zero();
      dZs[1][t] = dct ? dsig(tf.mul(dct, k.cPrev), k.f) : zero();
      dZs[2][t] = dht ? dsig(tf.mul(dht, k.tc), k.o) : zero();
      dZs[3][t] = dct ? (tf.mul(tf.mul(dct, k.i), tf.sub(1, tf.square(k.g))) as tf.Tensor2D) : zero();
      dc = dct ? tf.mul(dct, k.f) : null;
      dh = t > 0 || opts.initial ? recurrent(dZs.map((d) => d[t])) : null;
    }

    const grads: tf.Tensor[] = [];
    if (opts.params) {
      // All T steps' weight gradients in one matmul per gate: [x, h]ᵀ (I+H × TB) · dz (TB × H).
      const XH = overTime(steps.map((k) => k.xh));
      const XHT = fast ? null : tf.transpose(XH);
      for (const d of dZs) {
        const DZ = overTime(d);
        grads.push(fast ? tf.matMul(XH, DZ, true, false) : tf.matMul(XHT!, DZ), tf.sum(DZ, 0));
      }
    }
    const initial = opts.initial ? initialGradient(dh, dc, B, H) : null;
    return { grads, initial };
  }
}

/** tanh(x) from s = σ(2x): 2s − 1. */
function tanhFromSigmoid2(s: tf.Tensor): tf.Tensor2D {
  return tf.sub(tf.mul(s, 2), 1) as tf.Tensor2D;
}
