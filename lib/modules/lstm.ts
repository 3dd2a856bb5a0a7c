/**
 * The LSTM core of the paper's RNN experiments (D.2), with a hand-written backward through
 * time (BPTT) over a chunk of steps.
 *
 *   z_t = [x_t, h_{t−1}]·W + b            one matmul per step for the four gates, order i, f, o, g
 *   i, f, o = σ(z_i), σ(z_f), σ(z_o)      g = tanh(z_g)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g             h_t = o ⊙ tanh(c_t)
 *
 * The state is (h, c). `forward` runs T steps from a given state and keeps what the backward
 * needs; `backward` takes ∂L/∂h_t for each step (the task's loss) and a gradient arriving at the
 * chunk's end state (∂/∂h_T and ∂/∂c_T: the synthetic gradient, D.2), and returns ∂L/∂W, ∂L/∂b
 * and the gradient that reaches the chunk's initial state (h_0, c_0).
 *
 * Initialisation: W ~ U(−1/√H, 1/√H) (PyTorch's LSTM default); b = 0 but the forget gate's
 * block, which starts at `forgetBias` (1 by default; Jozefowicz et al. 2015), so the cell keeps
 * its state at the start.
 *
 * Speed on wasm (TOOLCHAIN.md): the per-step gate gradients are kept and the weight gradient is
 * one matmul at the chunk's end, [x, h]ᵀ over all T steps times dZ over all T steps; the
 * recurrent input gradient dZ·W_hᵀ multiplies by W_hᵀ transposed once per chunk, so no step
 * runs a transposed matmul on the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { fastTransposedMatMul } from '../blas';
import { Rng } from '../rng';
import { makeVariable } from './module';

/** The recurrent state (h, c), each [B, H]. */
export interface LstmState {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
}

/** What one step keeps for the backward. */
export interface LstmStepCache {
  /** [x_t, h_{t−1}], [B, I + H]. */
  xh: tf.Tensor2D;
  /** σ(z) of the gates i, f, o side by side, [B, 3H]. */
  s: tf.Tensor2D;
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
  /** Aligned with params(): [∂L/∂W, ∂L/∂b]; empty when not requested. */
  grads: tf.Tensor[];
  /** The gradient reaching the chunk's initial state (h_0, c_0); null when not requested. */
  initial: LstmState | null;
}

let counter = 0;

export class Lstm {
  readonly name: string;
  /** [I + H, 4H]: the rows of x_t, then the rows of h_{t−1}; the columns of i, f, o, g. */
  readonly W: tf.Variable;
  readonly b: tf.Variable;

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
    const w = new Float32Array(rows * 4 * H);
    for (let k = 0; k < w.length; k++) w[k] = (2 * rng.uniform() - 1) * bound;
    const bias = new Float32Array(4 * H);
    bias.fill(opts.forgetBias ?? 1, H, 2 * H);
    this.W = makeVariable(() => tf.tensor2d(w, [rows, 4 * H]), true, `${this.name}/W`);
    this.b = makeVariable(() => tf.tensor1d(bias), true, `${this.name}/b`);
  }

  /** Uniform draws the initialisation takes (W only; b is fixed). */
  static draws(inputs: number, hidden: number): number {
    return (inputs + hidden) * 4 * hidden;
  }

  params(): tf.Variable[] {
    return [this.W, this.b];
  }

  zeroState(batch: number): LstmState {
    return { h: tf.zeros([batch, this.hidden]), c: tf.zeros([batch, this.hidden]) };
  }

  /** One step without a cache (evaluation). */
  step(x: tf.Tensor2D, s: LstmState): LstmState {
    return this.stepCached(x, s).state;
  }

  /** T steps from `s0`, each x_t [B, I], keeping what backward needs. */
  forward(xs: tf.Tensor2D[], s0: LstmState): LstmChunk {
    const hs: tf.Tensor2D[] = [];
    const cache: LstmStepCache[] = [];
    let s = s0;
    for (const x of xs) {
      const r = this.stepCached(x, s);
      cache.push(r.cache);
      hs.push(r.state.h);
      s = r.state;
    }
    return { hs, state: s, cache };
  }

  private stepCached(x: tf.Tensor2D, prev: LstmState): { state: LstmState; cache: LstmStepCache } {
    const H = this.hidden;
    const B = x.shape[0];
    const xh = tf.concat([x, prev.h], 1);
    const z = tf.fused.matMul({ a: xh, b: this.W as tf.Tensor2D, bias: this.b });
    const s = tf.sigmoid(tf.slice(z, [0, 0], [B, 3 * H])) as tf.Tensor2D;
    const g = tf.tanh(tf.slice(z, [0, 3 * H], [B, H])) as tf.Tensor2D;
    const [i, f, o] = tf.split(s, 3, 1) as tf.Tensor2D[];
    const c = tf.add(tf.mul(f, prev.c), tf.mul(i, g)) as tf.Tensor2D;
    const tc = tf.tanh(c) as tf.Tensor2D;
    const h = tf.mul(o, tc) as tf.Tensor2D;
    return { state: { h, c }, cache: { xh, s, i, f, o, g, cPrev: prev.c, tc } };
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
    const H = this.hidden;
    const I = this.inputs;
    const B = cache[0].xh.shape[0];
    // W_hᵀ once per chunk: every step's dZ·W_hᵀ is then an untransposed matmul.
    const Wh = tf.slice(this.W, [I, 0], [H, 4 * H]) as tf.Tensor2D;
    const fast = fastTransposedMatMul();
    const WhT = fast ? null : (tf.transpose(Wh) as tf.Tensor2D);
    const recurrent = (dZ: tf.Tensor2D): tf.Tensor => (fast ? tf.matMul(dZ, Wh, false, true) : tf.matMul(dZ, WhT!));

    let dh: tf.Tensor | null = end?.h ?? null;
    let dc: tf.Tensor | null = end?.c ?? null;
    const dZs: tf.Tensor2D[] = new Array(T);
    for (let t = T - 1; t >= 0; t--) {
      const k = cache[t];
      const dht = add(dhs[t], dh);
      // Through h_t = o ⊙ tanh(c_t) into c_t, plus what reaches c_t from the step above.
      const dct = dht ? add(dc, tf.mul(tf.mul(dht, k.o), tf.sub(1, tf.square(k.tc)))) : dc;
      if (!dht && !dct) {
        // Nothing reaches this step: all its gradients are zero.
        dZs[t] = tf.zeros([B, 4 * H]);
        dh = null;
        dc = null;
        continue;
      }
      const zero = () => tf.zerosLike(k.o);
      const dO = dht ? tf.mul(dht, k.tc) : zero();
      const dI = dct ? tf.mul(dct, k.g) : zero();
      const dF = dct ? tf.mul(dct, k.cPrev) : zero();
      const dG = dct ? tf.mul(dct, k.i) : zero();
      // σ' = σ(1 − σ) for i, f, o together; tanh' = 1 − g².
      const dS = tf.mul(tf.concat([dI, dF, dO], 1), tf.mul(k.s, tf.sub(1, k.s)));
      const dZ = tf.concat([dS, tf.mul(dG, tf.sub(1, tf.square(k.g)))], 1) as tf.Tensor2D;
      dZs[t] = dZ;
      dc = dct ? tf.mul(dct, k.f) : null;
      dh = t > 0 || opts.initial ? recurrent(dZ) : null;
    }

    const grads: tf.Tensor[] = [];
    if (opts.params) {
      // All T steps' weight gradients in one matmul: [x, h]ᵀ (I+H × TB) · dZ (TB × 4H).
      const XH = T === 1 ? cache[0].xh : tf.concat(cache.map((k) => k.xh), 0);
      const DZ = T === 1 ? dZs[0] : tf.concat(dZs, 0);
      grads.push(fast ? tf.matMul(XH, DZ, true, false) : tf.matMul(tf.transpose(XH), DZ), tf.sum(DZ, 0));
    }
    const initial = opts.initial ? { h: (dh ?? tf.zeros([B, H])) as tf.Tensor2D, c: (dc ?? tf.zeros([B, H])) as tf.Tensor2D } : null;
    return { grads, initial };
  }
}

/** a + b where either may be missing. */
function add(a: tf.Tensor | null, b: tf.Tensor | null): tf.Tensor | null {
  if (a && b) return tf.add(a, b);
  return a ?? b;
}
