/**
 * What a synthesizer is: its model (kind, depth, width, conditioning) and how its synthetic
 * gradients are trained and consumed (target units, loss reduction and weight, scale).
 * A trainer has one default spec and optional overrides per connection.
 */
import { bool, checkKeys, join, oneOf, posInt } from '../core/validators';
import { ConfigError } from '../core/errors';
import { type LossReduction, type TargetUnits, validateHiddenLayers, validateRegressionSpec } from './core';

export const SYNTHESIZER_KINDS = ['mlp', 'ema'] as const;
/**
 * 'mlp': Linear → BN → ReLU hidden layers for vector activations, Conv → BN → ReLU for images.
 * 'ema': the stale-gradient baseline of paper section C, no model at all: an exponential moving
 * average of past targets, the same for every example, or, conditioned, one per class (ema.ts).
 */
export type SynthesizerKind = (typeof SYNTHESIZER_KINDS)[number];

export interface SynthesizerSpec {
  kind: SynthesizerKind;
  /** 0 (linear), 1 or 2. */
  hiddenLayers: number;
  /** Units (FCN) or filters (CNN) of each hidden layer. */
  width: number;
  /** Kernel of the conv synthesizers. */
  kernel: number;
  /** cDNI: condition on the label (one-hot appended, or one label channel per class for CNNs); 'ema': one average per class. */
  conditioned: boolean;
  targetUnits: TargetUnits;
  lossReduction: LossReduction;
  /** Weight of the regression loss (the paper: 1). */
  lossWeight: number;
  /** Synthetic gradients are multiplied by this when consumed (feed-forward: 1; the paper's RNNs: 0.1). */
  scale: number;
  /** 'ema' only: avg ← decay·avg + (1 − decay)·target, in [0, 1) (the paper searched the whole range). */
  decay: number;
}

export const SYNTHESIZER_DEFAULTS: SynthesizerSpec = {
  kind: 'mlp',
  hiddenLayers: 2,
  width: 1024,
  kernel: 5,
  conditioned: false,
  targetUnits: 'perExample',
  lossReduction: 'sum',
  lossWeight: 1,
  scale: 1,
  decay: 0.9,
};

export const SYNTHESIZER_KEYS = Object.keys(SYNTHESIZER_DEFAULTS);

export function validateSynthesizerSpec(s: SynthesizerSpec, path = 'synthesizer'): void {
  checkKeys(s, SYNTHESIZER_KEYS, path);
  oneOf(s.kind, SYNTHESIZER_KINDS, join(path, 'kind'));
  validateHiddenLayers(s.hiddenLayers, path);
  if (s.hiddenLayers > 0) posInt(s.width, join(path, 'width'));
  posInt(s.kernel, join(path, 'kernel'));
  if (s.kernel % 2 !== 1) throw new ConfigError(join(path, 'kernel'), `must be odd, got ${s.kernel}`);
  bool(s.conditioned, join(path, 'conditioned'));
  validateRegressionSpec(s, path);
  // decay = 1 would never move from zero: the same as No Bprop, without saying so.
  if (typeof s.decay !== 'number' || !(s.decay >= 0 && s.decay < 1))
    throw new ConfigError(join(path, 'decay'), `must be a number in [0, 1), got ${JSON.stringify(s.decay)}`);
}

/** A full spec from defaults and partial overrides, later ones winning. Not validated. */
export function mergeSynthesizer(...parts: (Partial<SynthesizerSpec> | undefined)[]): SynthesizerSpec {
  return Object.assign({}, SYNTHESIZER_DEFAULTS, ...parts.filter(Boolean)) as SynthesizerSpec;
}
