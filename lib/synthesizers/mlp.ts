/** The MLP shape the paper uses for synthesizers and synthetic-input models on vector activations. */
import type { Rng } from '../core/rng';
import { ReLU } from '../modules/activation';
import { BatchNorm } from '../modules/batchnorm';
import { Linear } from '../modules/linear';
import type { Module } from '../modules/module';

/**
 * `hiddenLayers` Linear → BN → ReLU layers of `width` units from `inSize` inputs, then a Linear to
 * `outSize` outputs (zero weights and biases when `zeroOut`), drawing from `rng` in that order.
 */
export function mlpLayers(
  inSize: number,
  hiddenLayers: number,
  width: number,
  outSize: number,
  rng: Rng,
  name: string,
  zeroOut: boolean,
): Module[] {
  const mods: Module[] = [];
  let from = inSize;
  for (let i = 0; i < hiddenLayers; i++) {
    mods.push(
      new Linear(from, width, rng, { name: `${name}/hidden${i + 1}` }),
      new BatchNorm(width, { name: `${name}/bn${i + 1}` }),
      new ReLU(),
    );
    from = width;
  }
  mods.push(new Linear(from, outSize, rng, zeroOut ? { init: 'zero', name: `${name}/out` } : { name: `${name}/out` }));
  return mods;
}
