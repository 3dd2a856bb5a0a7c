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
 * A gradient message must be addressed to this unit (`to`) and to a step in flight (`step`). The
 * unit keeps its steps in flight, with their caches, until their layer, synthesizer and input
 * steps are done, so a pipeline can run a forward before an earlier step's gradient arrives.
 * Tensors a unit makes belong to the caller's tf.tidy scope, open until the step is done.
 */
import type * as tf from '@tensorflow/tfjs';
import { Adam } from '../core/adam';
import { activationShapes, buildLayer } from '../networks/build';
import { inputShape } from '../networks/spec';
import { type Lambda, mix } from './mixture';
import type { Cache, Mode } from '../modules/module';
import type { Sequential } from '../modules/sequential';
import { Rng } from '../core/rng';
import type { SynthesizerSpec } from '../synthesizers/spec';
import { buildSynthesizer } from '../synthesizers/build';
import { FrozenSynthesizer } from '../synthesizers/frozen';
import type { SynthesizerForward, SynthesizerModel } from '../synthesizers/synthesizer';
import type { ActivationMessage, GradientMessage } from './messages';
import { updatesAt } from './seeds';
import { gradCosine } from './sg-quality';
import { SyntheticInput, type SyntheticInputForward } from '../synthesizers/synthetic-input';
import type { UnitRecord, UnitSpec } from './unit-spec';

export { emptyRecord } from './unit-spec';
export type { UnitRecord, UnitSpec } from './unit-spec';

interface Pending {
  step: number;
  cache: Cache;
  sg: SynthesizerForward | null;
  synthetic: tf.Tensor | null; // g_k, in gradient units
  /** The frozen copy's synthetic gradient, for the target sent down (null without a copy). */
  frozenSynthetic: tf.Tensor | null;
  layerDone: boolean;
  /** The synthetic input's forward, until its regression target arrives (null without one, or once done). */
  input: SyntheticInputForward | null;
  /** Does the unit update its layer, synthesizer and synthetic input at this step (p_update)? */
  update: boolean;
}

export class Unit {
  readonly index: number;
  readonly layer: Sequential;
  readonly synthesizer: SynthesizerModel | null;
  readonly layerOptimizer: Adam;
  readonly synthesizerOptimizer: Adam | null;
  /** The copy of the synthesizer that makes the targets sent down (only with targetRefresh > 0 and a unit below). */
  readonly frozen: FrozenSynthesizer | null;
  /** I_k, the synthetic-input model of complete unlock (null when off, and for unit 1). */
  readonly syntheticInput: SyntheticInput | null;
  readonly inputOptimizer: Adam | null;
  /** The steps in flight, by step. */
  private readonly pending = new Map<number, Pending>();

  constructor(readonly spec: UnitSpec) {
    this.index = spec.index;
    this.layer = buildLayer(spec.network, spec.index, Rng.at(spec.seed, spec.layerOffset));
    // h_k's shape from the spec alone: the unit below may live elsewhere.
    const hShape = activationShapes(spec.network)[spec.index];
    const s = spec.synthesizer;
    const build = (s: SynthesizerSpec, name: string) =>
      buildSynthesizer(hShape, s, spec.network.classes, new Rng(spec.synthesizerSeed), name);
    this.synthesizer = s ? build(s, `synthesizer${spec.index}`) : null;
    this.frozen =
      s && this.synthesizer && spec.targetRefresh > 0 && spec.sendsDown
        ? new FrozenSynthesizer(this.synthesizer, spec.targetRefresh, () => build(s, `synthesizer${spec.index}/frozen`))
        : null;
    this.layerOptimizer = new Adam(this.layer.params(), spec.optimizer);
    this.synthesizerOptimizer = this.synthesizer ? new Adam(this.synthesizer.params(), spec.optimizer) : null;
    if (spec.syntheticInput && spec.index === 1) throw new Error('unit 1 reads the data itself: it has no synthetic input');
    const inSize = inputShape(spec.network).reduce((a, b) => a * b, 1);
    const hBelow = activationShapes(spec.network)[spec.index - 1];
    this.syntheticInput = spec.syntheticInput
      ? new SyntheticInput(inSize, hBelow, spec.syntheticInput, new Rng(spec.inputSeed), `input${spec.index}`)
      : null;
    this.inputOptimizer = this.syntheticInput ? new Adam(this.syntheticInput.params(), spec.optimizer) : null;
    if (this.synthesizer?.contract.inputs === 'outputError')
      throw new Error(`unit ${this.index}: a unit feeds its synthesizer h (and the labels), not the output error`);
  }

  get lambda(): Lambda {
    return this.spec.lambda;
  }

  params(): tf.Variable[] {
    return [...this.layer.params(), ...(this.synthesizer?.params() ?? []), ...(this.syntheticInput?.params() ?? [])];
  }

  buffers(): tf.Variable[] {
    return [...this.layer.buffers(), ...(this.synthesizer?.buffers() ?? []), ...(this.syntheticInput?.buffers() ?? [])];
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
      const sg = this.synthesizer ? this.synthesizer.forward(f.y, msg.labels, mode) : null;
      const synthetic = sg && this.synthesizer ? this.synthesizer.syntheticGradient(sg.out) : null;
      let frozenSynthetic: tf.Tensor | null = null;
      if (this.frozen) {
        this.frozen.refreshAt(msg.step);
        frozenSynthetic = this.frozen.copy.syntheticGradient(this.frozen.copy.forward(f.y, msg.labels, mode).out);
      }
      const update = updatesAt(this.spec.updateSeed, msg.step, this.spec.updateProbability);
      this.pending.set(msg.step, { step: msg.step, cache: f.cache, sg, synthetic, frozenSynthetic, layerDone: false, input, update });
    }
    return { kind: 'activation', step: msg.step, from: this.index, h: f.y, labels: msg.labels };
  }

  /**
   * Update the layer with ḡ_k and return z̄_{k−1} for the unit below (null when it gets none).
   * `incoming` is z̄_k (∂L/∂h_K at the top); with λ = 0 it is not needed and may be null.
   * With a frozen copy the message also carries the target made with frozen copies (`target`).
   * Without a message, the step is the earliest in flight whose layer step is not done.
   */
  layerStep(incoming: GradientMessage | null, rec?: UnitRecord): GradientMessage | null {
    const p = incoming ? this.addressed(incoming, 'layerStep') : this.awaitingLayer();
    if (p.layerDone) throw new Error(`unit ${this.index}: the layer step of step ${p.step} was done already`);
    p.layerDone = true;
    const lambda = this.spec.lambda;
    if (lambda === 'none') {
      this.releaseIfDone(p);
      return null; // No Bprop: no gradient reaches this layer.
    }
    if (lambda > 0 && !incoming) throw new Error(`unit ${this.index}: λ = ${lambda} needs the gradient from above`);
    const gbar = mix(lambda, incoming?.grad ?? null, p.synthetic) as tf.Tensor;
    // A unit that skips this step and sends nothing down needs no backward pass at all.
    const b =
      p.update || this.spec.sendsDown
        ? this.layer.backward(p.cache, gbar, { dx: this.spec.sendsDown, params: p.update })
        : { dx: null, grads: [] };
    // The target for the synthesizers below, before this layer moves (the backward reads its weights).
    const gbarTarget = this.spec.sendsDown ? this.targetMixture(lambda, incoming, p, gbar) : gbar;
    const dxTarget = gbarTarget === gbar ? null : this.layer.backward(p.cache, gbarTarget, { dx: true, params: false }).dx;
    if (p.update) this.layerOptimizer.apply(b.grads);
    if (rec) Object.assign(rec, { dx: b.dx, gbar, synthetic: p.synthetic, layerGrads: b.grads });
    this.releaseIfDone(p);
    if (!b.dx) return null;
    return { kind: 'gradient', step: p.step, to: this.index - 1, grad: b.dx, ...(dxTarget ? { target: dxTarget } : {}) };
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
   * Regress the synthesizer onto `target` (z̄_k, or the true gradient in oracle mode). Returns
   * the regression loss, or null when the unit skips this step (p_update).
   */
  synthesizerStep(target: GradientMessage, rec?: UnitRecord): tf.Scalar | null {
    const p = this.addressed(target, 'synthesizerStep');
    if (!this.synthesizer) throw new Error(`unit ${this.index} has no synthesizer`);
    if (!p.sg) throw new Error(`unit ${this.index}: the synthesizer step of step ${p.step} was done already`);
    if (!p.update) {
      p.sg = null;
      this.releaseIfDone(p);
      return null;
    }
    // The target made with frozen copies above when there is one, else z̄_k.
    const z = target.target ?? target.grad;
    const r = this.synthesizer.regress(p.sg, z);
    this.synthesizerOptimizer!.apply(r.grads);
    if (rec) Object.assign(rec, { target: z, sgLoss: r.loss, synthetic: p.synthetic });
    p.sg = null;
    this.releaseIfDone(p);
    return r.loss;
  }

  /**
   * Complete unlock: regress I_k onto `real`, the output o_{k−1} the unit below produced in this
   * step, taken as a constant. Returns the regression loss, or null when the unit skips this
   * step (p_update: a layer, its synthesizer and its synthetic input update together).
   */
  inputStep(real: ActivationMessage, rec?: UnitRecord): tf.Scalar | null {
    const p = this.current('inputStep', real.step);
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
    this.releaseIfDone(p);
    return loss;
  }

  /** ∂L/∂h_{k−1} from ∂L/∂h_k through this layer at a step in flight (the only one by default), touching no parameter (oracle and analysis). */
  inputGradient(dy: tf.Tensor, step?: number): tf.Tensor {
    return this.layer.backward(this.current('inputGradient', step).cache, dy, { dx: true, params: false }).dx as tf.Tensor;
  }

  /** cos(g_k·∂h_k/∂θ_k, t·∂h_k/∂θ_k) at a step in flight, before any update: does the layer update g_k induces point where t's would (analysis; null without a synthesizer)? */
  updateCosine(t: tf.Tensor, step?: number): tf.Scalar | null {
    const p = this.current('updateCosine', step);
    const induced = (d: tf.Tensor) => this.layer.backward(p.cache, d, { dx: false, params: true }).grads;
    return p.synthetic ? gradCosine(induced(p.synthetic), induced(t)) : null;
  }

  /** The steps in flight, earliest first. */
  inFlight(): number[] {
    return [...this.pending.keys()].sort((a, b) => a - b);
  }

  /** Forget a step's caches (a step whose target never came); all steps without one. */
  release(step?: number): void {
    if (step === undefined) this.pending.clear();
    else this.pending.delete(step);
  }

  /** Drop the step once the layer step, the synthesizer's and the synthetic input's are all done. */
  private releaseIfDone(p: Pending): void {
    if (p.layerDone && !p.sg && !p.input) this.release(p.step);
  }

  /** The step a gradient message is for: it must be addressed to this unit and its step in flight. */
  private addressed(m: GradientMessage, what: string): Pending {
    if (m.to !== this.index) throw new Error(`unit ${this.index}: ${what} got a gradient addressed to unit ${m.to}`);
    return this.current(what, m.step);
  }

  private awaitingLayer(): Pending {
    for (const s of this.inFlight()) if (!this.pending.get(s)!.layerDone) return this.pending.get(s)!;
    throw new Error(`unit ${this.index}: layerStep with no step awaiting one (forward first)`);
  }

  /** A step in flight; without `step`, the only one. */
  private current(what: string, step?: number): Pending {
    if (step === undefined) {
      if (this.pending.size !== 1) throw new Error(`unit ${this.index}: ${what} needs a step: ${this.pending.size} in flight`);
      return this.pending.values().next().value as Pending;
    }
    const p = this.pending.get(step);
    if (!p)
      throw new Error(
        `unit ${this.index}: ${what} for step ${step}, which is not in flight (before forward, or after the step was done); in flight: [${this.inFlight()}]`,
      );
    return p;
  }

  dispose(): void {
    this.pending.clear();
    for (const v of [...this.params(), ...this.buffers()]) v.dispose();
    this.frozen?.dispose();
    this.layerOptimizer.dispose();
    this.synthesizerOptimizer?.dispose();
    this.inputOptimizer?.dispose();
  }
}
