/**
 * A unit: layer k with its synthesizer M_k for h_k, and its own optimizer state.
 *
 * A unit can run forward, update itself from an incoming gradient, and hand the
 * unit below its regression target. Nothing is shared between units but the
 * tensors passed along, so units could run in separate workers (paper Figure 9).
 *
 * BP(λ) at connection k (paper A.2), with z̄_k = ḡ_{k+1}·∂h_{k+1}/∂h_k arriving from above:
 *   ḡ_k = λ_k·z̄_k + (1 − λ_k)·s·g_k,       g_k = M_k(h_k, c)
 *   θ_k ← Adam(ḡ_k·∂h_k/∂θ_k),   φ_k ← Adam(∂(g_k − z̄_k)²/∂φ_k)
 * and the unit hands z̄_{k−1} = ḡ_k·∂h_k/∂h_{k−1} to the unit below.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, AdamSpec } from './adam';
import { Connection, SynthesizerSpec } from './config';
import { Cache, Mode } from './modules/module';
import { Sequential } from './modules/sequential';
import { Rng } from './rng';
import { Synthesizer } from './synthesizer';

export interface UnitOptions {
  /** λ_k of the connection above this layer; null for the top (classifier) layer. */
  connection: Connection | null;
  /** Per-example shape of h_k. */
  hShape: number[];
  synthesizer: SynthesizerSpec;
  classes: number;
  sgScale: number;
  sgTarget: 'batchMean' | 'perExample';
  sgLossWeight: number;
  sgLossReduction: 'sum' | 'mean';
  optimizer: AdamSpec;
}

/** What a unit's update computed (tensors owned by the caller's tidy). */
export interface UnitUpdate {
  /** z̄_{k−1} for the unit below, when requested. */
  dx: tf.Tensor | null;
  /** ḡ_k, the gradient the layer was updated with (null for 'none'). */
  gbar: tf.Tensor | null;
  /** The BP(λ) target z̄_k (or the true gradient in oracle mode), in gradient units; the synthesizer regresses onto B·target in 'perExample' units. */
  target: tf.Tensor | null;
  /** The synthetic gradient s·g_k used in the mixture (null without a synthesizer). */
  synthetic: tf.Tensor | null;
  /** Scalar regression loss of the synthesizer (null when it did not train). */
  sgLoss: tf.Scalar | null;
  /** Gradients applied to the layer's parameters, aligned with layer.params(). */
  layerGrads: tf.Tensor[];
}

export class Unit {
  readonly synthesizer: Synthesizer | null;
  readonly optimizer: Adam;
  /** Explicit state between forward and update: the caches of this step. */
  private pending: { cache: Cache; sg: { g: tf.Tensor; cache: Cache } | null } | null = null;

  constructor(
    readonly index: number,
    readonly layer: Sequential,
    readonly opts: UnitOptions,
    rng: Rng,
  ) {
    const c = opts.connection;
    // Only a connection that mixes in synthetic gradients (λ < 1) needs a synthesizer.
    this.synthesizer = typeof c === 'number' && c < 1 ? new Synthesizer(opts.hShape, opts.synthesizer, opts.classes, rng, `synthesizer${index}`) : null;
    this.optimizer = new Adam([...layer.params(), ...(this.synthesizer?.params() ?? [])], opts.optimizer);
  }

  get connection(): Connection | null {
    return this.opts.connection;
  }

  params(): tf.Variable[] {
    return this.optimizer.params;
  }

  buffers(): tf.Variable[] {
    return [...this.layer.buffers(), ...(this.synthesizer?.buffers() ?? [])];
  }

  /** Does this unit use a gradient from above (to mix in, or to regress onto)? */
  get wantsIncoming(): boolean {
    return typeof this.opts.connection === 'number' || this.opts.connection === null;
  }

  /** h_k = f_k(h_{k−1}); also computes the synthetic gradient g_k = M_k(h_k, c). */
  forward(hIn: tf.Tensor, onehot: tf.Tensor2D | null, mode: Mode): tf.Tensor {
    const f = this.layer.forward(hIn, mode);
    const sg = this.synthesizer && mode === 'train' ? this.synthesizer.forward(f.y, onehot, mode) : null;
    if (mode === 'train') this.pending = { cache: f.cache, sg };
    return f.y;
  }

  /** ∂L/∂h_{k−1} from ∂L/∂h_k through this layer, without touching any parameter (for the oracle and analysis). */
  inputGradient(dy: tf.Tensor): tf.Tensor {
    if (!this.pending) throw new Error(`unit ${this.index}: inputGradient before forward`);
    return this.layer.backward(this.pending.cache, dy, { dx: true, params: false }).dx as tf.Tensor;
  }

  /**
   * Update from the incoming gradient: z̄_k (or ∂L/∂h_K at the top). `target`
   * overrides the regression target (oracle mode). Returns z̄_{k−1} if `needDx`.
   */
  update(incoming: tf.Tensor | null, needDx: boolean, target: tf.Tensor | null = null): UnitUpdate {
    if (!this.pending) throw new Error(`unit ${this.index}: update before forward`);
    const { cache, sg } = this.pending;
    this.pending = null;
    const c = this.opts.connection;
    const out: UnitUpdate = { dx: null, gbar: null, target: null, synthetic: null, sgLoss: null, layerGrads: [] };
    if (c === 'none') return out; // No Bprop: no gradient reaches this layer.

    let synthGrads: tf.Tensor[] = [];
    if (sg && this.synthesizer) {
      // In 'perExample' units the synthesizer's output is B× a batch-mean gradient.
      const b = this.opts.sgTarget === 'perExample' ? sg.g.shape[0] : 1;
      out.synthetic = tf.mul(sg.g, this.opts.sgScale / b);
      out.target = target ?? incoming;
      if (out.target) {
        const z = b === 1 ? out.target : tf.mul(out.target, b);
        const r = this.synthesizer.regress(sg.cache, sg.g, z, this.opts.sgLossWeight, this.opts.sgLossReduction);
        out.sgLoss = r.loss;
        synthGrads = r.grads;
      } else {
        synthGrads = this.synthesizer.params().map((p) => tf.zerosLike(p));
      }
    }

    const lambda = c === null ? 1 : c;
    if (lambda === 1) out.gbar = incoming;
    else if (lambda === 0) out.gbar = out.synthetic;
    else out.gbar = incoming && out.synthetic ? tf.add(tf.mul(incoming, lambda), tf.mul(out.synthetic, 1 - lambda)) : null;
    if (!out.gbar) throw new Error(`unit ${this.index}: λ = ${lambda} needs the gradient from above`);

    const b = this.layer.backward(cache, out.gbar, { dx: needDx, params: true });
    out.dx = b.dx;
    out.layerGrads = b.grads;
    this.optimizer.apply([...b.grads, ...synthGrads]);
    return out;
  }

  dispose(): void {
    for (const v of [...this.params(), ...this.buffers()]) v.dispose();
    this.optimizer.dispose();
  }
}
