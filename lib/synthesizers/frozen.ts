/**
 * A frozen copy of a synthesizer, for bootstrapped targets (an option; issue 9). With λ = 0 the
 * target of synthesizer k, z̄_k = g_{k+1}·∂h_{k+1}/∂h_k, is made by synthesizer k + 1, which is
 * itself moving: a target that chases itself. As target networks do in TD learning, the gradient
 * sent down as that target can be made by a copy of synthesizer k + 1 that is refreshed from
 * the live one only every `every` steps, while layer k + 1 still updates with the live one.
 *
 *   const frozen = new FrozenSynthesizer(live, 100, () => buildSynthesizer(…));
 *   frozen.refreshAt(step);   // copies live → copy when step is a multiple of 100
 *   frozen.copy.forward(h, labels, 'train');
 */
import * as tf from '@tensorflow/tfjs';
import type { SynthesizerModel } from './synthesizer';

export class FrozenSynthesizer {
  readonly copy: SynthesizerModel;

  /** `build` makes a synthesizer of the live one's spec; its initial values are overwritten at once. */
  constructor(
    readonly live: SynthesizerModel,
    readonly every: number,
    build: () => SynthesizerModel,
  ) {
    if (!Number.isInteger(every) || every < 1) throw new Error(`${live.name}: a frozen copy is refreshed every N ≥ 1 steps, got ${every}`);
    this.copy = build();
    this.refresh();
  }

  /** Copies the live synthesizer in when `step` is a multiple of `every` (at the start of that step). */
  refreshAt(step: number): void {
    if (step % this.every === 0) this.refresh();
  }

  /** Parameters and buffers (BN statistics, an average) alike: the copy computes exactly what the live one did then. */
  private refresh(): void {
    const from = [...this.live.params(), ...this.live.buffers()];
    const to = this.variables();
    tf.tidy(() => to.forEach((v, i) => v.assign(tf.clone(from[i]))));
  }

  variables(): tf.Variable[] {
    return [...this.copy.params(), ...this.copy.buffers()];
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
