/** What one step of the recurrent unit computed, for tests and analysis (recurrent-unit.ts). */
import type * as tf from '@tensorflow/tfjs';

/** What one step of the unit computed (tests and analysis; tensors in the caller's scope, clones of what the unit carries). */
export interface RecurrentRecord {
  /** θ's gradient as applied (before clipping), aligned with coreParams(): [W, b, W_out, b_out]. */
  grads: tf.Tensor[];
  /** The part of [∂W, ∂b] that the regression error brought through the kept core (sgToCore), else null. */
  coreFromSG: tf.Tensor[] | null;
  /** The synthetic gradient consumed at the chunk's end, [B, 2H] (h, then c), gradient units; null where none. */
  synthetic: tf.Tensor | null;
  /** The synthesizer's raw output there (the aux target of the previous boundary); null where none. */
  out: tf.Tensor | null;
  /** The gradient reaching the chunk's first state, [B, 2H] (h, then c): ḡ_1·∂s_1/∂s_0. */
  initial: tf.Tensor | null;
  /** z̄ of the synthetic gradient made at the chunk's first state, [B, 2H], gradient units; null when none was made there. */
  target: tf.Tensor | null;
  /** That synthetic gradient (the previous step's `synthetic`, regressed onto `target`). */
  regressed: tf.Tensor | null;
  /** The aux head's output at the chunk's first state and its target (the raw output at this chunk's end). */
  aux: tf.Tensor | null;
  auxTarget: tf.Tensor | null;
  sgLoss: tf.Scalar | null;
  auxLoss: tf.Scalar | null;
  /** φ's gradient, aligned with synthesizer.params(); empty when it did not train. */
  synthesizerGrads: tf.Tensor[];
}

export function emptyRecurrentRecord(): RecurrentRecord {
  return {
    grads: [],
    coreFromSG: null,
    synthetic: null,
    out: null,
    initial: null,
    target: null,
    regressed: null,
    aux: null,
    auxTarget: null,
    sgLoss: null,
    auxLoss: null,
    synthesizerGrads: [],
  };
}
