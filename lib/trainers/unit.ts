/**
 * A unit: layer k with its synthesizer M_k for h_k, each with its own optimizer state, driven
 * only by messages (paper Figure 9). Built from a plain-data UnitSpec and its own seeds, so the
 * same unit can be built in another worker.
 *
 * BP(λ) at connection k (paper A.2), with z̄_k = ḡ_{k+1}·∂h_{k+1}/∂h_k arriving from above:
 *   ḡ_k = λ_k·z̄_k + (1 − λ_k)·g_k,       g_k = M_k(h_k, c) in gradient units
 *   θ_k ← Adam(ḡ_k·∂h_k/∂θ_k)                      layerStep: sends z̄_{k−1} = ḡ_k·∂h_k/∂h_{k−1} down
 *   φ_k ← Adam(∂(M_k − z̄_k)²/∂φ_k)                 synthesizerStep, when z̄_k arrives
 * With λ_k = 0 the layer step needs nothing from above: the unit can update its layer and send
 * z̄_{k−1} down as soon as its forward pass is done (update unlocking).
 *
 * With a frozen target copy (targetRefresh > 0), a second gradient goes down beside z̄: the BP(λ)
 * mixture made with frozen copies of the synthesizers, which the synthesizers below regress onto
 * instead of z̄. Layers are still updated with the live mixture ḡ_k.
 *
 * With complete unlock (a synthetic-input model I_k, unit k ≥ 2), training runs on ĥ_{k−1} = I_k(x)
 * from the data message instead of on h_{k−1}, everything else unchanged around it (z̄_{k−1} is
 * taken at ĥ_{k−1}). The real o_{k−1} from below, whenever it arrives, is I_k's target (inputStep):
 *   ψ_k ← Adam(∂(I_k(x) − o_{k−1})²/∂ψ_k)          inputStep, when o_{k−1} arrives
 *
 * A synthesizer that reads the output error (DFA) makes g_k when the loss broadcasts it
 * (receiveError), not at the forward; a critic regresses onto a value the message carries
 * (unit-synthesizer.ts). With spec.feedback 'fa' or 'kickback' the gradient sent down is made by
 * that rule instead of backprop through the layer (feedback.ts).
 *
 * A gradient message must be addressed to this unit (`to`) and to a step in flight (`step`). The
 * unit keeps its steps in flight, with their caches, until their layer, synthesizer and input
 * steps are done (in-flight.ts), so a pipeline can run a forward before an earlier step's
 * gradient arrives. Tensors a unit makes belong to the caller's tf.tidy scope, open until the
 * step is done.
 */
import type * as tf from '@tensorflow/tfjs';
import { Adam } from '../core/adam';
import { activationShapes, buildLayer } from '../networks/build';
import { depth, inputShape } from '../networks/spec';
import { type Lambda, mix } from './mixture';
import type { Mode } from '../modules/module';
import type { Sequential } from '../modules/sequential';
import { Rng } from '../core/rng';
import type { FrozenSynthesizer } from '../synthesizers/frozen';
import type { SynthesizerModel } from '../synthesizers/synthesizer';
import { kickbackGradient } from './feedback';
import { InFlight, type Pending } from './in-flight';
import { type ActivationMessage, type ErrorMessage, type GradientMessage, passDown } from './messages';
import { updatesAt } from './seeds';
import { gradCosine } from './sg-quality';
import { SyntheticInput, type SyntheticInputForward } from '../synthesizers/synthetic-input';
import { UnitSynthesizer } from './unit-synthesizer';
import type { UnitRecord, UnitSpec } from './unit-spec';

export { emptyRecord } from './unit-spec';
export type { UnitRecord, UnitSpec } from './unit-spec';

export class Unit {
  readonly index: number;
  readonly layer: Sequential;
  /** M_k with its optimizer and frozen copy (null without a synthesizer). */
  readonly synth: UnitSynthesizer | null;
  readonly layerOptimizer: Adam;
  /** I_k, the synthetic-input model of complete unlock (null when off, and for unit 1). */
  readonly syntheticInput: SyntheticInput | null;
  readonly inputOptimizer: Adam | null;
  /** The steps in flight. */
  private readonly pending: InFlight;

  constructor(readonly spec: UnitSpec) {
    this.index = spec.index;
    this.pending = new InFlight(spec.index);
    // FA: every Linear also draws its fixed feedback matrix, from the unit's own seed.
    const feedbackRng = spec.feedback === 'fa' ? new Rng(spec.feedbackSeed) : undefined;
    this.layer = buildLayer(spec.network, spec.index, Rng.at(spec.seed, spec.layerOffset), feedbackRng);
    // h_k's shape from the spec alone: the unit below may live elsewhere.
    const hShape = activationShapes(spec.network)[spec.index];
    this.synth = spec.synthesizer ? new UnitSynthesizer(spec, spec.synthesizer, hShape) : null;
    this.layerOptimizer = new Adam(this.layer.params(), spec.optimizer);
    if (spec.syntheticInput && spec.index === 1) throw new Error('unit 1 reads the data itself: it has no synthetic input');
    const inSize = inputShape(spec.network).reduce((a, b) => a * b, 1);
    const hBelow = activationShapes(spec.network)[spec.index - 1];
    this.syntheticInput = spec.syntheticInput
      ? new SyntheticInput(inSize, hBelow, spec.syntheticInput, new Rng(spec.inputSeed), `input${spec.index}`)
      : null;
    this.inputOptimizer = this.syntheticInput ? new Adam(this.syntheticInput.params(), spec.optimizer) : null;
  }

  get lambda(): Lambda {
    return this.spec.lambda;
  }

  /** The synthesizer model M_k (null without one). */
  get synthesizer(): SynthesizerModel | null {
    return this.synth?.model ?? null;
  }

  get synthesizerOptimizer(): Adam | null {
    return this.synth?.optimizer ?? null;
  }

  /** The copy of the synthesizer that makes the targets sent down (only with targetRefresh > 0 and a unit below). */
  get frozen(): FrozenSynthesizer | null {
    return this.synth?.frozen ?? null;
  }

  params(): tf.Variable[] {
    return [...this.layer.params(), ...(this.synth?.params() ?? []), ...(this.syntheticInput?.params() ?? [])];
  }

  buffers(): tf.Variable[] {
    return [...this.layer.buffers(), ...(this.synth?.buffers() ?? []), ...(this.syntheticInput?.buffers() ?? [])];
  }

  /**
   * h_k = f_k(h_{k−1}); in training mode also g_k = M_k(h_k, c), kept for this step. With a
   * synthetic input, training runs on ĥ_{k−1} = I_k(x) instead, from the data message (from
   * unit 0), and returns o_k = f_k(ĥ_{k−1}); evaluation takes h_{k−1} from the unit below.
   */
  forward(msg: ActivationMessage, mode: Mode = 'train'): ActivationMessage {
    let input: SyntheticInputForward | null = null;
    if (this.syntheticInput && mode === 'train') {
      if (msg.from !== 0)
        throw new Error(
          `unit ${this.index} has a synthetic input (complete unlock): in training it runs on the data (a message from unit 0), got one from unit ${msg.from}`,
        );
      input = this.syntheticInput.forward(msg.h, mode);
    } else if (msg.from !== this.index - 1) {
      throw new Error(`unit ${this.index} runs on h_${this.index - 1}, got an activation from unit ${msg.from}`);
    }
    if (mode === 'train' && this.pending.has(msg.step)) throw new Error(`unit ${this.index}: step ${msg.step} is already in flight`);
    const f = this.layer.forward(input ? input.out : msg.h, mode);
    if (mode === 'train') {
      const s = this.synth?.atForward(f.y, msg.labels, msg.step, mode) ?? { sg: null, synthetic: null, frozenSynthetic: null, value: null };
      const update = updatesAt(this.spec.updateSeed, msg.step, this.spec.updateProbability);
      this.pending.add({ step: msg.step, cache: f.cache, out: f.y, ...s, layerDone: false, input, update });
    }
    return { kind: 'activation', step: msg.step, from: this.index, h: f.y, labels: msg.labels };
  }

  /** The loss's broadcast of ∂L/∂h_K: a synthesizer that reads the output error (DFA) makes g_k from it; others ignore it. */
  receiveError(e: ErrorMessage): void {
    if (!this.synth?.readsError) return;
    const p = this.pending.current('receiveError', e.step);
    if (p.synthetic) throw new Error(`unit ${this.index}: the output error of step ${e.step} was delivered already`);
    Object.assign(p, this.synth.fromError(e.grad));
  }

  /**
   * Update the layer with ḡ_k and return z̄_{k−1} for the unit below (null when it gets none).
   * `incoming` is z̄_k (∂L/∂h_K at the top); with λ = 0 it is not needed and may be null.
   * With a frozen copy the message also carries the target made with frozen copies (`target`).
   * Without a message, the step is the earliest in flight whose layer step is not done.
   */
  layerStep(incoming: GradientMessage | null, rec?: UnitRecord): GradientMessage | null {
    const p = incoming ? this.pending.addressed(incoming, 'layerStep') : this.pending.awaitingLayer();
    if (p.layerDone) throw new Error(`unit ${this.index}: the layer step of step ${p.step} was done already`);
    const lambda = this.spec.lambda;
    if (lambda !== 'none' && lambda < 1 && !p.synthetic && this.synth?.readsError)
      throw new Error(`unit ${this.index}: its synthesizer reads the output error; deliver it (receiveError) before the layer step`);
    p.layerDone = true;
    if (lambda === 'none') {
      this.pending.releaseIfDone(p);
      return null; // No Bprop: no gradient reaches this layer.
    }
    if (lambda > 0 && !incoming) throw new Error(`unit ${this.index}: λ = ${lambda} needs the gradient from above`);
    const gbar = mix(lambda, incoming?.grad ?? null, p.synthetic) as tf.Tensor;
    const fb = this.spec.feedback;
    // A unit that skips this step and sends nothing down needs no backward pass at all.
    const b =
      p.update || this.spec.sendsDown
        ? this.layer.backward(p.cache, gbar, { dx: this.spec.sendsDown && fb !== 'kickback', params: p.update, feedback: fb === 'fa' })
        : { dx: null, grads: [] };
    const dx = this.spec.sendsDown && fb === 'kickback' ? this.feedbackGradient(gbar, incoming?.scalarError ?? null, p.step) : b.dx;
    // The target for the synthesizers below, before this layer moves (the backward reads its weights).
    const gbarTarget = this.spec.sendsDown ? this.targetMixture(lambda, incoming, p, gbar) : gbar;
    const dxTarget = gbarTarget === gbar ? null : this.layer.backward(p.cache, gbarTarget, { dx: true, params: false }).dx;
    if (p.update) this.layerOptimizer.apply(b.grads);
    if (rec) Object.assign(rec, { dx, gbar, synthetic: p.synthetic, layerGrads: b.grads });
    this.pending.releaseIfDone(p);
    return dx ? passDown({ kind: 'gradient', step: p.step, to: this.index - 1, grad: dx }, dxTarget, incoming, p.value) : null;
  }

  /**
   * ḡ_k made with the frozen copies: λ_k·z̄ᵀ_k + (1 − λ_k)·g′_k, where z̄ᵀ_k is the target stream
   * from above (z̄_k where none differs) and g′_k the frozen copy's synthetic gradient. It is
   * `gbar` itself (the same tensor) when nothing frozen took part, so no second backward is made.
   */
  private targetMixture(lambda: number, incoming: GradientMessage | null, p: Pending, gbar: tf.Tensor): tf.Tensor {
    const above = incoming?.target ?? incoming?.grad ?? null;
    const g = p.frozenSynthetic ?? p.synthetic;
    if (above === (incoming?.grad ?? null) && g === p.synthetic) return gbar;
    return mix(lambda, above, g) as tf.Tensor;
  }

  /**
   * Regress the synthesizer onto `target` (z̄_k, or the true gradient in oracle mode; a critic
   * onto the value the message carries). Returns the regression loss, or null when the unit
   * skips this step (p_update).
   */
  synthesizerStep(target: GradientMessage, rec?: UnitRecord): tf.Scalar | null {
    const p = this.pending.addressed(target, 'synthesizerStep');
    if (!this.synth) throw new Error(`unit ${this.index} has no synthesizer`);
    if (!p.sg)
      throw new Error(`unit ${this.index}: the synthesizer step of step ${p.step} was done already (or its output error never came)`);
    if (!p.update) {
      p.sg = null;
      this.pending.releaseIfDone(p);
      return null;
    }
    const t = this.synth.targetOf(target, this.index);
    const loss = this.synth.regress(p.sg, t);
    if (rec) Object.assign(rec, { target: 'kind' in t ? t.value : t, sgLoss: loss, synthetic: p.synthetic });
    p.sg = null;
    this.pending.releaseIfDone(p);
    return loss;
  }

  /**
   * Complete unlock: regress I_k onto `real`, the output o_{k−1} the unit below produced in this
   * step, taken as a constant. Returns the regression loss, or null when the unit skips this
   * step (p_update: a layer, its synthesizer and its synthetic input update together).
   */
  inputStep(real: ActivationMessage, rec?: UnitRecord): tf.Scalar | null {
    const p = this.pending.current('inputStep', real.step);
    if (!this.syntheticInput || !p.input)
      throw new Error(`unit ${this.index} has no synthetic input to regress (none, or its step was done)`);
    if (real.from !== this.index - 1)
      throw new Error(
        `unit ${this.index}: a synthetic input regresses onto the output of unit ${this.index - 1}, got one from unit ${real.from}`,
      );
    const f = p.input;
    p.input = null;
    let loss: tf.Scalar | null = null;
    if (p.update) {
      const r = this.syntheticInput.regress(f, real.h);
      this.inputOptimizer!.apply(r.grads);
      loss = r.loss;
    }
    if (rec) Object.assign(rec, { syntheticInput: f.out, inputTarget: real.h, inputLoss: loss });
    this.pending.releaseIfDone(p);
    return loss;
  }

  /** ∂L/∂h_{k−1} from ∂L/∂h_k through this layer at a step in flight (the only one by default), touching no parameter (oracle and analysis). */
  inputGradient(dy: tf.Tensor, step?: number): tf.Tensor {
    return this.layer.backward(this.pending.current('inputGradient', step).cache, dy, { dx: true, params: false }).dx as tf.Tensor;
  }

  /**
   * What this unit's feedback rule (spec.feedback) sends down for `dy` at a step in flight, touching
   * no parameter (analysis): backprop's input gradient, FA's through B, or Kickback's, which needs
   * the loss's scalar error `beta`.
   */
  feedbackGradient(dy: tf.Tensor, beta: tf.Tensor | null, step?: number): tf.Tensor {
    const p = this.pending.current('feedbackGradient', step);
    if (this.spec.feedback !== 'kickback')
      return this.layer.backward(p.cache, dy, { dx: true, params: false, feedback: this.spec.feedback === 'fa' }).dx as tf.Tensor;
    if (!beta) throw new Error(`unit ${this.index}: Kickback needs the scalar error broadcast from the loss`);
    return kickbackGradient(this.layer, p.out, dy, beta, this.index === depth(this.spec.network));
  }

  /**
   * cos(g·∂h_k/∂θ_k, t·∂h_k/∂θ_k) at a step in flight, before any update, for g the unit's synthetic
   * gradient g_k unless given: does the layer update g induces point where t's would (analysis;
   * null without a g)?
   */
  updateCosine(t: tf.Tensor, step?: number, g?: tf.Tensor): tf.Scalar | null {
    const p = this.pending.current('updateCosine', step);
    const induced = (d: tf.Tensor) => this.layer.backward(p.cache, d, { dx: false, params: true }).grads;
    const d = g ?? p.synthetic;
    return d ? gradCosine(induced(d), induced(t)) : null;
  }

  /** The steps in flight, earliest first. */
  inFlight(): number[] {
    return this.pending.steps();
  }

  /** Forget a step's caches (a step whose target never came); all steps without one. */
  release(step?: number): void {
    this.pending.release(step);
  }

  /** Keep a step's tensors made since tensor id `since` past the caller's tf.tidy, until the step is done (a pipeline stage: in-flight.ts). */
  keep(step: number, since: number): void {
    this.pending.keep(step, since);
  }

  dispose(): void {
    this.pending.release();
    const own = [this.layer, ...(this.syntheticInput ? [this.syntheticInput] : [])];
    for (const v of own.flatMap((m) => [...m.params(), ...m.buffers()])) v.dispose();
    this.synth?.dispose();
    this.layerOptimizer.dispose();
    this.inputOptimizer?.dispose();
  }
}
