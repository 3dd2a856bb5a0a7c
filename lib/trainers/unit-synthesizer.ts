/**
 * A unit's synthesizer M_k with what goes with it (unit.ts): its optimizer, its frozen copy for the
 * targets sent down (targetRefresh > 0), when it makes its synthetic gradient (at the forward from
 * h_k and the labels, or, reading the output error, when the loss broadcasts it), and which
 * message field is its regression target (a gradient z̄_k, or a critic's value).
 */
import type * as tf from '@tensorflow/tfjs';
import { Adam } from '../core/adam';
import { Rng } from '../core/rng';
import type { Mode } from '../modules/module';
import { buildSynthesizer } from '../synthesizers/build';
import type { TargetInput } from '../synthesizers/core';
import { FrozenSynthesizer } from '../synthesizers/frozen';
import { type SynthesizerSpec, valueTargetOf } from '../synthesizers/spec';
import type { SynthesizerForward, SynthesizerModel } from '../synthesizers/synthesizer';
import type { GradientMessage } from './messages';
import type { UnitSpec } from './unit-spec';

/** What the synthesizer made for one step. */
export interface SyntheticAtStep {
  sg: SynthesizerForward | null;
  /** g_k in gradient units (null until a synthesizer that reads the output error gets it). */
  synthetic: tf.Tensor | null;
  frozenSynthetic: tf.Tensor | null;
  /** A critic's value v_k(h_k) [B] (null for other kinds). */
  value: tf.Tensor | null;
}

export class UnitSynthesizer {
  readonly model: SynthesizerModel;
  readonly optimizer: Adam;
  /** The copy that makes the targets sent down (only with targetRefresh > 0 and a unit below). */
  readonly frozen: FrozenSynthesizer | null;
  /** DFA: g_k is made from the output error, once the loss broadcasts it (fromError). */
  readonly readsError: boolean;

  constructor(spec: UnitSpec, s: SynthesizerSpec, hShape: number[]) {
    const build = (name: string) => buildSynthesizer(hShape, s, spec.network.classes, new Rng(spec.synthesizerSeed), name);
    this.model = build(`synthesizer${spec.index}`);
    this.frozen =
      spec.targetRefresh > 0 && spec.sendsDown
        ? new FrozenSynthesizer(this.model, spec.targetRefresh, () => build(`synthesizer${spec.index}/frozen`))
        : null;
    this.optimizer = new Adam(this.model.params(), spec.optimizer);
    this.readsError = this.model.contract.inputs === 'outputError';
  }

  /** g_k = M_k(h_k, c) at the step's forward (nothing yet for a synthesizer that reads the output error). */
  atForward(h: tf.Tensor, labels: tf.Tensor1D | null, step: number, mode: Mode): SyntheticAtStep {
    if (this.readsError) return { sg: null, synthetic: null, frozenSynthetic: null, value: null };
    const sg = this.model.forward(h, labels, mode);
    let frozenSynthetic: tf.Tensor | null = null;
    if (this.frozen) {
      this.frozen.refreshAt(step);
      frozenSynthetic = this.frozen.copy.syntheticGradient(this.frozen.copy.forward(h, labels, mode).out);
    }
    const value = this.model.contract.target === 'value' ? (sg.cache.value as tf.Tensor) : null;
    return { sg, synthetic: this.model.syntheticGradient(sg.out), frozenSynthetic, value };
  }

  /** g_k from the output error e = ∂L/∂h_K (DFA). */
  fromError(e: tf.Tensor): { sg: SynthesizerForward; synthetic: tf.Tensor } {
    const sg = this.model.forward(e, null, 'train');
    return { sg, synthetic: this.model.syntheticGradient(sg.out) };
  }

  /**
   * The regression target a message carries for this synthesizer: a critic's value (the loss,
   * or the bootstrapped value of the critic above), else the gradient (the target made with
   * frozen copies above when there is one, else z̄_k).
   */
  targetOf(m: GradientMessage, unit: number): TargetInput {
    if (this.model.contract.target === 'gradient') return m.target ?? m.grad;
    const which = valueTargetOf(this.model.spec);
    const v = which === 'loss' ? m.loss : m.value;
    if (!v)
      throw new Error(
        `unit ${unit}: its critic regresses onto the ${which === 'loss' ? "examples' losses" : 'value from above'}, which this message lacks`,
      );
    return { kind: 'value', value: v };
  }

  /** One regression step onto `target`: the loss. */
  regress(sg: SynthesizerForward, target: TargetInput): tf.Scalar {
    const r = this.model.regress(sg, target);
    this.optimizer.apply(r.grads);
    return r.loss;
  }

  params(): tf.Variable[] {
    return this.model.params();
  }

  buffers(): tf.Variable[] {
    return this.model.buffers();
  }

  dispose(): void {
    for (const v of [...this.params(), ...this.buffers()]) v.dispose();
    this.frozen?.dispose();
    this.optimizer.dispose();
  }
}
