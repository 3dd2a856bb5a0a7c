/**
 * Seeds of each unit, derived from the run seed and the network alone (no process-wide order),
 * so a unit built in another worker gets the same initial weights as in one process.
 *
 * The layers share one counter-based stream: layer k's draws start at offset
 * Σ_{j<k} layerDraws(j). Synthesizer k draws from its own generator, seeded by draw
 * T + k − 1 of the same stream (T: all layers' draws). Unit k's update draws (p_update) come
 * from a generator seeded by draw T + K + k − 1, after every existing seed, so adding them
 * changed no initial weight. Likewise unit k's synthetic-input model (complete unlock) draws its
 * initial weights from a generator seeded by draw T + 2K + k − 1, and its fixed feedback
 * matrices (Feedback Alignment, DFA) from one seeded by draw T + 3K + k − 1.
 */
import { layerDraws } from '../networks/build';
import { depth, type NetworkSpec } from '../networks/spec';
import { Rng } from '../core/rng';

export interface UnitSeeds {
  seed: number;
  layerOffset: number;
  synthesizerSeed: number;
  /** Seed of the unit's per-step update draws (see updatesAt). */
  updateSeed: number;
  /** Seed of the initial weights of the unit's synthetic-input model (complete unlock). */
  inputSeed: number;
  /** Seed of the unit's fixed random feedback matrices (FA's B_k, DFA's projection). */
  feedbackSeed: number;
}

export function unitSeeds(network: NetworkSpec, seed: number): UnitSeeds[] {
  const K = depth(network);
  const offsets: number[] = [];
  let total = 0;
  for (let k = 1; k <= K; k++) {
    offsets.push(total);
    total += layerDraws(network, k);
  }
  const seedAt = (n: number) => Math.floor(Rng.at(seed, n).uniform() * 4294967296) | 0;
  return offsets.map((layerOffset, i) => ({
    seed,
    layerOffset,
    synthesizerSeed: seedAt(total + i),
    updateSeed: seedAt(total + K + i),
    inputSeed: seedAt(total + 2 * K + i),
    feedbackSeed: seedAt(total + 3 * K + i),
  }));
}

/**
 * Does a unit update at `step`, with update probability p (paper, main text: every layer
 * updates only with probability p_update at each step)? Draw number `step` of the unit's own
 * generator: every unit draws independently, a run is reproducible from its seed, and a unit in
 * another worker draws the same without asking anyone. p = 1 draws nothing.
 */
export function updatesAt(updateSeed: number, step: number, p: number): boolean {
  return p >= 1 || Rng.at(updateSeed, step).uniform() < p;
}
