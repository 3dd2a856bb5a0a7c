/**
 * The weights of BP(λ)'s mixture (paper A.2): ḡ_k = Σ_{n=k..K} c_k^n·g_k^n, where
 * g_k^n unrolls the chain rule from h_k up to h_n and then applies the synthetic
 * gradient g_n (g_K being the true gradient ∂L/∂h_K), and
 *   c_k^n = (1 − λ_n)·Π_{j=k}^{n−1} λ_j  for n < K,   c_k^K = Π_{j=k}^{K−1} λ_j.
 * The weights sum to 1, like the λ-return of TD(λ).
 */

/**
 * c_k^n for n = k..K, given λ_1..λ_{K−1} (lambda[j − 1] = λ_j) and 1-based k < K.
 *
 *   mixtureWeights([0.5, 0.5, 0.5], 1)  // → [0.5, 0.25, 0.125, 0.125]
 */
export function mixtureWeights(lambda: number[], k: number): number[] {
  const K = lambda.length + 1;
  if (!Number.isInteger(k) || k < 1 || k >= K) throw new RangeError(`k must be an integer in 1..${K - 1}, got ${k}`);
  lambda.forEach((l, i) => {
    if (!(l >= 0 && l <= 1)) throw new RangeError(`lambda[${i}] must be in [0, 1], got ${l}`);
  });
  const c: number[] = [];
  let prod = 1;
  for (let n = k; n < K; n++) {
    c.push((1 - lambda[n - 1]) * prod);
    prod *= lambda[n - 1];
  }
  c.push(prod);
  return c;
}
