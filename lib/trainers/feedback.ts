/**
 * How a unit sends its gradient down (BPLambdaSpec.feedback), the feedback rules that Czarnecki et
 * al. (2017, "Understanding Synthetic Gradients and Decoupled Neural Interfaces", arXiv
 * 1703.00522) frame as synthetic gradients (paper A.4):
 *
 *   'bp'        z̄_{k−1} = ḡ_k·∂h_k/∂h_{k−1}                 backprop through layer k (Wᵀ)
 *   'fa'        the same chain with a fixed random B_k in place of W_k (Lillicrap et al. 2016;
 *               modules/linear.ts): the layer's other modules (BN, ReLU) are differentiated as usual
 *   'kickback'  z̄_{k−1} = (β ⊙ a_k)·W_kᵀ (Balduzzi et al. 2014): each example's scalar error β_b,
 *               broadcast from the loss, times each unit's "kick", the sum of its outgoing weights
 *               into the units of layer k that are active (a_k = 1[h_k > 0]). Nothing propagates
 *               further than one layer: the error is a scalar, not a vector, everywhere below the top.
 *
 * Kickback is stated for a scalar output. For C classes we read it with the error on each
 * example's own class: β_b = ∂L/∂z_{b,y_b} = Σ_c min(e_bc, 0) (with softmax cross-entropy only the
 * labelled class's error is negative), and at the classifier the active output is the labelled
 * one, a_K = 1[e < 0]. So below the top, z̄_{k−1} = β_b·(kick), whose sign is backprop's wherever
 * the network is "coherent" in Balduzzi et al.'s sense; above the top hidden layer it is backprop
 * restricted to the labelled output.
 */
import * as tf from '@tensorflow/tfjs';
import { Linear } from '../modules/linear';
import type { Sequential } from '../modules/sequential';

export const FEEDBACKS = ['bp', 'fa', 'kickback'] as const;
export type Feedback = (typeof FEEDBACKS)[number];

/** Kickback's scalar error per example, β_b = Σ_c min(e_bc, 0), [B, 1], from the output error e = ∂L/∂h_K. */
export function scalarError(e: tf.Tensor): tf.Tensor {
  return tf.sum(tf.minimum(e, 0), 1, true);
}

/** The Linear of an FCN layer (its first module: Linear → BN → ReLU, or the classifier's Linear). */
export function layerLinear(layer: Sequential): Linear {
  const m = layer.modules[0];
  if (!(m instanceof Linear)) throw new Error(`${layer.name}: Kickback and FA need a layer that starts with a Linear (FCNs)`);
  return m;
}

/**
 * The gradient Kickback sends below layer k: (β ⊙ a_k)·W_kᵀ, with a_k = 1[h_k > 0] for a hidden
 * layer (its ReLU output) or 1[e < 0] for the classifier (`top`, where `dy` is e).
 */
export function kickbackGradient(layer: Sequential, out: tf.Tensor, dy: tf.Tensor, beta: tf.Tensor, top: boolean): tf.Tensor {
  const active = top ? tf.cast(tf.less(dy, 0), 'float32') : tf.step(out);
  const W = layerLinear(layer).W as tf.Tensor2D;
  return tf.matMul(tf.mul(beta, active) as tf.Tensor2D, W, false, true);
}
