/**
 * Seeds of each unit, derived from the run seed and the network alone (no process-wide order),
 * so a unit built in another worker gets the same initial weights as in one process.
 *
 * The layers share one counter-based stream: layer k's draws start at offset
 * Σ_{j<k} layerDraws(j). Synthesizer k draws from its own generator, seeded by draw
 * T + k − 1 of the same stream (T: all layers' draws).
 */
import { layerDraws } from '../builders';
import { depth, NetworkSpec } from '../config';
import { Rng } from '../rng';

export interface UnitSeeds {
  seed: number;
  layerOffset: number;
  synthesizerSeed: number;
}

export function unitSeeds(network: NetworkSpec, seed: number): UnitSeeds[] {
  const K = depth(network);
  const offsets: number[] = [];
  let total = 0;
  for (let k = 1; k <= K; k++) {
    offsets.push(total);
    total += layerDraws(network, k);
  }
  return offsets.map((layerOffset, i) => ({
    seed,
    layerOffset,
    synthesizerSeed: Math.floor(Rng.at(seed, total + i).uniform() * 4294967296) | 0,
  }));
}
