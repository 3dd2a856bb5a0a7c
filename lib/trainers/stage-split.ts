/**
 * Where to cut a network into pipeline stages (pipeline.ts, parallel-trainer.ts) so that the
 * stages' work is balanced: each unit's matmul FLOPs per training step, and the contiguous split
 * whose largest stage is smallest. FCNs: their work is their matmuls.
 *
 *   unitFlops(spec, 256);              // per unit k = 1..K
 *   balancedCuts(spec, 2, 256);        // e.g. [2]: units 1–2 | 3–K
 */
import { ConfigError } from '../core/errors';
import { depth } from '../networks/spec';
import { type BPLambdaSpec, synthesizerFor } from './spec';

/** Σ in·out over a chain of Linear layers of these widths. */
function chain(widths: number[]): number {
  let s = 0;
  for (let i = 1; i < widths.length; i++) s += widths[i - 1] * widths[i];
  return s;
}

/**
 * Matmul FLOPs of one training step of each unit k = 1..K at batch B: its layer's forward (2·B·in·out),
 * weight gradient (the same) and, above unit 1, input gradient (the same); its synthesizer's
 * forward, and its regression's weight and input gradients (×3 in all, ×2 for a linear one's
 * missing input gradient is ignored: small).
 */
export function unitFlops(spec: BPLambdaSpec, batch: number): number[] {
  const net = spec.network;
  if (net.kind !== 'fcn') throw new ConfigError('network.kind', `the stage split counts FCN matmuls; got '${net.kind}'`);
  const K = depth(net);
  const widths = [net.input, ...net.hidden, net.classes];
  return Array.from({ length: K }, (_, i) => {
    const k = i + 1;
    const layer = widths[i] * widths[i + 1] * (k === 1 ? 4 : 6);
    const lambda = k < K ? spec.lambda[k - 1] : 1;
    let synth = 0;
    if (k < K && typeof lambda === 'number' && lambda < 1) {
      const s = synthesizerFor(spec, k);
      if (s.kind === 'mlp') {
        const h = widths[k];
        const input = h + (s.conditioned ? net.classes : 0);
        synth = 6 * chain([input, ...Array(s.hiddenLayers).fill(s.width), h]);
      }
    }
    return batch * (layer + synth);
  });
}

/** The contiguous split of costs into `stages` parts whose largest part is smallest (ties: the earliest cuts). */
export function bestSplit(costs: number[], stages: number): number[] {
  const K = costs.length;
  if (!Number.isInteger(stages) || stages < 1 || stages > K)
    throw new ConfigError('workers', `must be 1..${K} (one unit per stage at most), got ${stages}`);
  const prefix = [0];
  for (const c of costs) prefix.push(prefix[prefix.length - 1] + c);
  let best: { cuts: number[]; max: number } = { cuts: [], max: Number.POSITIVE_INFINITY };
  const search = (from: number, left: number, cuts: number[], max: number) => {
    if (max >= best.max) return;
    if (left === 1) {
      const m = Math.max(max, prefix[K] - prefix[from]);
      if (m < best.max) best = { cuts, max: m };
      return;
    }
    for (let b = from + 1; b <= K - left + 1; b++) search(b, left - 1, [...cuts, b], Math.max(max, prefix[b] - prefix[from]));
  };
  search(0, stages, [], 0);
  return best.cuts;
}

/** Cuts for `stages` workers that balance the units' FLOPs, keeping only cuts a pipeline can run (λ = 0 with an 'mlp' synthesizer). */
export function balancedCuts(spec: BPLambdaSpec, stages: number, batch: number): number[] {
  const costs = unitFlops(spec, batch);
  const cuttable = (b: number) => spec.lambda[b - 1] === 0 && synthesizerFor(spec, b).kind === 'mlp';
  // Merge the units between cuttable connections into blocks, then split the blocks.
  const blocks: { last: number; cost: number }[] = [];
  costs.forEach((c, i) => {
    const k = i + 1;
    if (!blocks.length || cuttable(blocks[blocks.length - 1].last)) blocks.push({ last: k, cost: c });
    else Object.assign(blocks[blocks.length - 1], { last: k, cost: blocks[blocks.length - 1].cost + c });
  });
  if (stages > blocks.length)
    throw new ConfigError(
      'workers',
      `this network has ${blocks.length} stage(s) at most (cuts need λ = 0 with a learned synthesizer); got ${stages}`,
    );
  return bestSplit(
    blocks.map((b) => b.cost),
    stages,
  ).map((j) => blocks[j - 1].last);
}
