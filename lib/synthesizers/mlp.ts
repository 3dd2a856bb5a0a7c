/** The MLP shape the paper uses for synthesizers and synthetic-input models on vector activations. */
import type { Rng } from '../core/rng';
import { ReLU } from '../modules/activation';
import { BatchNorm } from '../modules/batchnorm';
import { Linear } from '../modules/linear';
import type { Module } from '../modules/module';

export interface MlpOptions {
  /** Zero weights and biases in the output layer (a synthesizer's output starts at 0). */
  zeroOut: boolean;
  /** BN between each hidden Linear and its ReLU (default true; a scalar critic has none, critic.ts). */
  batchNorm?: boolean;
  /** The output layer's name under `name` (default 'out'). */
  outName?: string;
}

/**
 * `hiddenLayers` Linear → BN → ReLU layers of `width` units from `inSize` inputs, then a Linear to
 * `outSize` outputs, drawing from `rng` in that order.
 */
export function mlpLayers(
  inSize: number,
  hiddenLayers: number,
  width: number,
  outSize: number,
  rng: Rng,
  name: string,
  { zeroOut, batchNorm = true, outName = 'out' }: MlpOptions,
): Module[] {
  const mods: Module[] = [];
  let from = inSize;
  for (let i = 0; i < hiddenLayers; i++) {
    mods.push(new Linear(from, width, rng, { name: `${name}/hidden${i + 1}` }));
    if (batchNorm) mods.push(new BatchNorm(width, { name: `${name}/bn${i + 1}` }));
    mods.push(new ReLU());
    from = width;
  }
  const out = `${name}/${outName}`;
  mods.push(new Linear(from, outSize, rng, zeroOut ? { init: 'zero', name: out } : { name: out }));
  return mods;
}
