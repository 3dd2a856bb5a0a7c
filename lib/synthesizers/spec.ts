/**
 * What a synthesizer is: its model (kind, depth, width, conditioning) and how its synthetic
 * gradients are trained and consumed (target units, loss reduction and weight, scale).
 * A trainer has one default spec and optional overrides per connection.
 */
import { bool, checkKeys, join, oneOf, posInt } from '../core/validators';
import { ConfigError } from '../core/errors';
import { type LossReduction, type TargetUnits, validateHiddenLayers, validateRegressionSpec } from './core';

export const SYNTHESIZER_KINDS = ['mlp', 'ema', 'critic', 'dfa'] as const;
/**
 * 'mlp': Linear → BN → ReLU hidden layers for vector activations, Conv → BN → ReLU for images.
 * 'ema': the stale-gradient baseline of paper section C, no model at all: an exponential moving
 * average of past targets, the same for every example, or, conditioned, one per class (ema.ts).
 * 'critic': a scalar critic v(h; φ) ≈ E[L | h] (paper A.4) whose gradient ∂v/∂h is the synthetic
 * gradient, regressed onto a value (critic.ts; vector activations only).
 * 'dfa': Direct Feedback Alignment (Nøkland 2016), no trained model: a fixed random projection
 * of the output error ∂L/∂h_K (dfa.ts; vector activations only).
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
  /** 'critic' only: what v regresses onto (see ValueTarget); 'loss' when absent. */
  valueTarget?: ValueTarget;
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

export const VALUE_TARGETS = ['loss', 'bootstrap'] as const;
/**
 * What a critic regresses onto (the paper leaves it open): 'loss', each example's own loss L
 * (Monte Carlo: unbiased, as noisy as L given h); 'bootstrap', the value the critic of the next
 * layer gives h_{k+1} (L itself above the top hidden layer), as TD(0) bootstraps: E[L | h_k] =
 * E[v_{k+1}(h_{k+1}) | h_k] when v_{k+1} is exact, since L depends on h_k only through h_{k+1}.
 * The BP(λ) analogue for values: λ = 0 bootstraps at every layer.
 */
export type ValueTarget = (typeof VALUE_TARGETS)[number];

/**
 * A critic's value target (absent from every other kind's spec, so their cache keys are as
 * before): 'loss' unless set.
 */
export function valueTargetOf(s: Pick<SynthesizerSpec, 'valueTarget'>): ValueTarget {
  return s.valueTarget ?? 'loss';
}

/** The spec's fields: the defaults' and the optional ones. */
export const SYNTHESIZER_KEYS = [...Object.keys(SYNTHESIZER_DEFAULTS), 'valueTarget'];

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
  if (s.valueTarget !== undefined) {
    oneOf(s.valueTarget, VALUE_TARGETS, join(path, 'valueTarget'));
    if (s.kind !== 'critic')
      throw new ConfigError(join(path, 'valueTarget'), `only a 'critic' regresses onto a value; this synthesizer is '${s.kind}'`);
  }
  // A critic's value is each example's loss: its gradient is ÷B to become the batch-mean loss's.
  if (s.kind === 'critic' && s.targetUnits !== 'perExample')
    throw new ConfigError(join(path, 'targetUnits'), `a critic predicts each example's own loss: use 'perExample', got '${s.targetUnits}'`);
  // DFA's projection is fixed and reads the error, not the label.
  if (s.kind === 'dfa' && s.conditioned)
    throw new ConfigError(join(path, 'conditioned'), "a 'dfa' synthesizer reads the output error, not the labels: use false");
}

/** A full spec from defaults and partial overrides, later ones winning. Not validated. */
export function mergeSynthesizer(...parts: (Partial<SynthesizerSpec> | undefined)[]): SynthesizerSpec {
  return Object.assign({}, SYNTHESIZER_DEFAULTS, ...parts.filter(Boolean)) as SynthesizerSpec;
}
