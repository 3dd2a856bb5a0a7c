/**
 * The plain data of a feed-forward unit (unit.ts): its spec, from which it is built anywhere, and
 * the record of what one of its steps computed.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AdamSpec } from '../core/adam';
import type { Feedback } from './feedback';
import type { Lambda } from './mixture';
import type { NetworkSpec } from '../networks/spec';
import type { SynthesizerSpec } from '../synthesizers/spec';
import type { SyntheticInputSpec } from '../synthesizers/synthetic-input';

/** Everything needed to build unit k, as plain data. */
export interface UnitSpec {
  /** k, 1-based; unit K holds the classifier. */
  index: number;
  /** The whole network: the unit builds its layer k and knows h_k's shape from it. */
  network: NetworkSpec;
  /** λ_k of the connection above (1 for the top unit, which gets ∂L/∂h_K). */
  lambda: Lambda;
  /** The synthesizer of h_k; null unless 0 ≤ λ_k < 1. */
  synthesizer: SynthesizerSpec | null;
  /** Whether this unit sends z̄_{k−1} to the unit below (it wants it, and this unit gets a gradient). */
  sendsDown: boolean;
  /** p_update: the probability that the unit updates its layer and synthesizer at a step (see BPLambdaSpec). */
  updateProbability: number;
  /** Refresh a frozen copy of the synthesizer for the targets sent down every this many steps; 0 = no copy (see BPLambdaSpec). */
  targetRefresh: number;
  /** The shape of the unit's synthetic-input model I_k (complete unlock); null when off, and always for unit 1, which reads x. */
  syntheticInput: SyntheticInputSpec | null;
  /** How the unit sends its gradient down: backprop, FA's fixed random matrices, or Kickback (feedback.ts). */
  feedback: Feedback;
  optimizer: AdamSpec;
  /** Seeds: the layer draws from the run's stream at `layerOffset`; the synthesizer, the update draws and the synthetic input from their own seeds. */
  seed: number;
  layerOffset: number;
  synthesizerSeed: number;
  updateSeed: number;
  inputSeed: number;
  /** FA's feedback matrices B_k are drawn from this seed. */
  feedbackSeed: number;
}

/** What one unit's step computed (for tests and analysis; tensors in the caller's scope). */
export interface UnitRecord {
  /** z̄_{k−1} sent down (null when none). */
  dx: tf.Tensor | null;
  /** ḡ_k, the gradient the layer was updated with (null for 'none'). */
  gbar: tf.Tensor | null;
  /**
   * The regression target z̄_k (or the true gradient in oracle mode; or made with frozen copies
   * above), in gradient units; for a critic, its value target [B] (a loss, or the critic above's value).
   */
  target: tf.Tensor | null;
  /** The synthetic gradient g_k as consumed, in gradient units (null without a synthesizer). */
  synthetic: tf.Tensor | null;
  /** Scalar regression loss of the synthesizer (null when it did not train). */
  sgLoss: tf.Scalar | null;
  /** Gradients applied to the layer's parameters, aligned with layer.params() (none when the unit skipped the step). */
  layerGrads: tf.Tensor[];
  /** Complete unlock: the synthetic input ĥ_{k−1} = I_k(x) the layer ran on (null without one). */
  syntheticInput: tf.Tensor | null;
  /** Complete unlock: I_k's regression target, the real o_{k−1} of the unit below. */
  inputTarget: tf.Tensor | null;
  /** Complete unlock: I_k's regression loss Σ(ĥ_{k−1} − o_{k−1})² (null when it did not train). */
  inputLoss: tf.Scalar | null;
}

export function emptyRecord(): UnitRecord {
  return {
    dx: null,
    gbar: null,
    target: null,
    synthetic: null,
    sgLoss: null,
    layerGrads: [],
    syntheticInput: null,
    inputTarget: null,
    inputLoss: null,
  };
}
