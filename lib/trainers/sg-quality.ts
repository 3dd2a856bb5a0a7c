/**
 * How closely a synthetic gradient g follows the true backprop gradient t = ∂L/∂h (paper
 * Figure 12: L2 distance, cosine similarity, sign error). Both come in gradient units, the
 * gradient of the batch-mean loss, as the layer consumes them (after ÷B and the scale), so an
 * example's entries are about 1/B of its own loss's gradient.
 *
 * Each number is a mean over the batch of a per-example quantity, with one example's gradient
 * flattened to a vector (every unit, and every position of a CNN's map):
 *
 *   distance  = mean_b ‖g_b − t_b‖₂
 *   cosine    = mean_b ⟨g_b, t_b⟩ / (‖g_b‖₂·‖t_b‖₂), counted as 0 for an example where g_b or
 *               t_b is all zeros (a zero synthetic gradient has no direction, e.g. at step 0)
 *   signError = mean_b (fraction of entries i with sign(g_bi) ≠ sign(t_bi)), where sign(0) = 0,
 *               so a zero entry is right only where the true gradient is exactly zero too
 *   trueNorm  = mean_b ‖t_b‖₂, the scale to read the distance against: a falling distance may
 *               only mean that the true gradient shrank
 *
 * and two numbers of the whole batch, which an average over examples cannot stand in for:
 *
 *   relError     = ‖g − t‖_F / ‖t‖_F (1 for a zero synthetic gradient; 0 when it is exact)
 *   updateCosine = cos(∂θ(g), ∂θ(t)), with ∂θ(d) = d·∂h/∂θ the layer gradient that d induces
 *                  (summed over the batch, every parameter of the layer flattened into one
 *                  vector): the direction the layer's update actually takes (gradCosine)
 *
 *   const q = sgQuality(synthetic, trueGrad);   // scalars, in the caller's tf.tidy
 */
import * as tf from '@tensorflow/tfjs';

export interface SGQuality {
  distance: tf.Scalar;
  cosine: tf.Scalar;
  signError: tf.Scalar;
  trueNorm: tf.Scalar;
  relError: tf.Scalar;
}

/** The names under which the numbers appear in StepStats.series: SGQuality's, in order, then the update cosine. */
export const SG_QUALITY_SERIES = ['sgDistance', 'sgCosine', 'sgSignError', 'sgTrueNorm', 'sgRelError', 'sgUpdateCosine'] as const;

/** [B, …] → [B, D]: one row per example. */
function rows(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0], -1]);
}

function check(g: tf.Tensor, t: tf.Tensor): void {
  if (g.shape.join() !== t.shape.join())
    throw new Error(`sgQuality: the synthetic gradient has shape [${g.shape}], the true gradient [${t.shape}]`);
}

/** mean_b ‖g_b − t_b‖₂. */
export function sgDistance(g: tf.Tensor, t: tf.Tensor): tf.Scalar {
  check(g, t);
  return tf.tidy(() => tf.mean(tf.sqrt(tf.sum(tf.square(tf.sub(rows(g), rows(t))), 1))) as tf.Scalar);
}

/** mean_b cos(g_b, t_b), 0 for an example where either vector is zero. */
export function sgCosine(g: tf.Tensor, t: tf.Tensor): tf.Scalar {
  check(g, t);
  return tf.tidy(() => {
    const [a, b] = [rows(g), rows(t)];
    const dot = tf.sum(tf.mul(a, b), 1);
    const norms = tf.mul(tf.norm(a, 'euclidean', 1), tf.norm(b, 'euclidean', 1));
    const cos = tf.where(tf.greater(norms, 0), tf.div(dot, norms), tf.zerosLike(dot));
    return tf.mean(cos) as tf.Scalar;
  });
}

/** The fraction of entries whose signs differ (sign(0) = 0), averaged over examples. */
export function sgSignError(g: tf.Tensor, t: tf.Tensor): tf.Scalar {
  check(g, t);
  // Every example has the same number of entries, so the mean over all entries is the mean over examples.
  return tf.tidy(() => tf.mean(tf.cast(tf.notEqual(tf.sign(g), tf.sign(t)), 'float32')) as tf.Scalar);
}

/** mean_b ‖t_b‖₂. */
export function sgTrueNorm(t: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.norm(rows(t), 'euclidean', 1)) as tf.Scalar);
}

/** ‖g − t‖_F / ‖t‖_F over the whole batch (NaN when t is all zeros). */
export function sgRelError(g: tf.Tensor, t: tf.Tensor): tf.Scalar {
  check(g, t);
  return tf.tidy(() => tf.div(tf.norm(tf.sub(g, t)), tf.norm(t)) as tf.Scalar);
}

/** The cosine between two gradients given as lists of tensors (each flattened, then concatenated); 0 when either is all zeros. */
export function gradCosine(a: tf.Tensor[], b: tf.Tensor[]): tf.Scalar {
  if (a.length !== b.length || a.some((x, i) => x.shape.join() !== b[i].shape.join()))
    throw new Error(`gradCosine: the gradients have shapes [${a.map((x) => `[${x.shape}]`)}] and [${b.map((x) => `[${x.shape}]`)}]`);
  return tf.tidy(() => {
    const [u, v] = [a, b].map((xs) => tf.concat(xs.map((x) => tf.reshape(x, [-1]))));
    const norms = tf.mul(tf.norm(u), tf.norm(v));
    return tf.where(tf.greater(norms, 0), tf.div(tf.sum(tf.mul(u, v)), norms), tf.scalar(0)) as tf.Scalar;
  });
}

export function sgQuality(g: tf.Tensor, t: tf.Tensor): SGQuality {
  return {
    distance: sgDistance(g, t),
    cosine: sgCosine(g, t),
    signError: sgSignError(g, t),
    trueNorm: sgTrueNorm(t),
    relError: sgRelError(g, t),
  };
}
