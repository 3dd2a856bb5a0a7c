/**
 * The spec of a recurrent BP(λ) trainer (paper A.3, D.2), filled with defaults and validated once.
 *
 *   const spec = recurrentSpec({ inputs: 9, outputs: 8, T: 5, method: 'dni' });
 *   const aux = recurrentSpec({ ...spec, method: 'dniAux' });
 */
import { type AdamSpec, ADAM_DEFAULTS, validateAdamSpec } from '../core/adam';
import { bool, checkKeys, finite, inRange, join, oneOf, posInt } from '../core/validators';
import { ConfigError } from '../core/errors';
import { unitsFactor } from '../synthesizers/core';
import {
  RECURRENT_SYNTHESIZER_DEFAULTS,
  RECURRENT_SYNTHESIZER_KEYS,
  type RecurrentSynthesizerSpec,
  validateRecurrentSynthesizerSpec,
} from '../synthesizers/recurrent';

/**
 * 'bptt': truncated BPTT, nothing crosses a chunk boundary (λ = 0 there with no synthesizer).
 * 'dni': a synthetic gradient for (h, c) at every chunk's end, backpropagated through the chunk.
 * 'dniAux': DNI plus the synthesizer's auxiliary task of predicting the synthetic gradient it
 * will produce at the next boundary (trainers/recurrent-unit.ts says which target exactly).
 */
export const RECURRENT_METHODS = ['bptt', 'dni', 'dniAux'] as const;
export type RecurrentMethod = (typeof RECURRENT_METHODS)[number];

/**
 * The regression target of the synthetic gradient g_k made at a boundary state k. A.3's formula and
 * Figure 10's description disagree on whether it includes the boundary step's own loss, so both are offered:
 *   'future'        z̄_k = ḡ_{k+1}·∂s_{k+1}/∂s_k: the gradient reaching the next chunk's first
 *                   state, the losses from step k+1 on (Figure 10's reading: g_k estimates the
 *                   gradient of the cumulative loss from step k+1 onwards);
 *   'withStepLoss'  z̄_k = ∂l_k/∂h_k + ḡ_{k+1}·∂s_{k+1}/∂s_k, A.3 as printed. The step's own loss
 *                   gradient then reaches θ twice: once directly, once through g_k.
 */
export const SG_TARGETS = ['future', 'withStepLoss'] as const;
export type SgTarget = (typeof SG_TARGETS)[number];

/**
 * What the bootstrapped target carries from the next boundary (the paper does not say):
 *   'consumed'  the synthetic gradient as θ consumed it, scale·g (D.2: 0.1·g): the target is the
 *               gradient θ's update used, so each chunk further away counts `scale` times less;
 *   'raw'       the synthesizer's own estimate g, unscaled: the target estimates the whole future
 *               gradient, as the synthesizer's output is meant to (costs one more backward pass
 *               through the chunk, without parameter gradients).
 */
export const SG_BOOTSTRAPS = ['consumed', 'raw'] as const;
export type SgBootstrap = (typeof SG_BOOTSTRAPS)[number];

export interface RecurrentSpec {
  /** Size of x_t. */
  inputs: number;
  /** Outputs per step: the linear layer on h_t that the task's loss reads. */
  outputs: number;
  /** LSTM units (D.2: 256 for Copy and Repeat Copy, 1024 for Penn Treebank). */
  hidden: number;
  /**
   * The BPTT unroll T: a batch's steps are cut into chunks of T and θ is updated after each
   * chunk. In BP(λ) terms λ_k = 0 at every T-th state and 1 inside a chunk (truncationLambdas).
   * 'full': one chunk per batch, λ = 1 everywhere: full BPTT over whole sequences.
   */
  T: number | 'full';
  method: RecurrentMethod;
  /** The synthesizer of 'dni' and 'dniAux' (unused by 'bptt'). */
  synthesizer: RecurrentSynthesizerSpec;
  sgTarget: SgTarget;
  sgBootstrap: SgBootstrap;
  /**
   * A control, not a method: each sequence consumes the synthetic gradient made for the next
   * sequence of the batch (rows rolled by one), so θ's update gets the synthesizer's output
   * with its statistics but without what it says about that sequence's state.
   */
  shuffleSG: boolean;
  /**
   * Backpropagate the synthesizer's regression error (and the aux error) into the LSTM core
   * (D.2 searched this). It reaches θ through the core that made the boundary's h, the one core
   * kept from the previous chunk (Figure 10's T+1-th core), and no further.
   */
  sgToCore: boolean;
  /**
   * With sgToCore, the weight of the synthesizer's regression loss in θ's objective, on the task
   * loss's footing: θ minimises the task loss (a batch mean of per-sequence losses) plus this
   * times the batch mean of the per-sequence squared errors of the synthesizer's output in
   * per-example gradient units (the synthesizer's lossWeight and auxWeight apply inside). So the
   * balance does not change with the batch size; our reading of D.2's "loss weights 1" is 1 here.
   * (Summed over the batch, as the synthesizer's own loss is, it would be B times stronger.)
   */
  sgToCoreWeight: number;
  /** Initial bias of the LSTM's forget gate. */
  forgetBias: number;
  /** Clip the global norm of θ's gradient (LSTM and output layer) per update to this; 0 = off (the paper mentions none). */
  clipNorm: number;
  /** Adam for θ, and for the synthesizer unless synthesizerOptimizer is set (D.2: lr 7e-5, no decay). */
  optimizer: AdamSpec;
  /** The synthesizer's own Adam (null: the same settings as θ's, as in D.2). */
  synthesizerOptimizer: AdamSpec | null;
  seed: number;
}

/** What recurrentSpec needs: the sizes, T and the method; everything else has a default. */
export type RecurrentInput = Pick<RecurrentSpec, 'inputs' | 'outputs' | 'T' | 'method'> &
  Partial<Omit<RecurrentSpec, 'inputs' | 'outputs' | 'T' | 'method' | 'synthesizer' | 'optimizer' | 'synthesizerOptimizer'>> & {
    synthesizer?: Partial<RecurrentSynthesizerSpec>;
    optimizer?: Partial<AdamSpec>;
    /** Fields that differ from θ's optimizer; null or absent: θ's settings. */
    synthesizerOptimizer?: Partial<AdamSpec> | null;
  };

export const RECURRENT_KEYS = [
  'inputs',
  'outputs',
  'hidden',
  'T',
  'method',
  'synthesizer',
  'sgTarget',
  'sgBootstrap',
  'shuffleSG',
  'sgToCore',
  'sgToCoreWeight',
  'forgetBias',
  'clipNorm',
  'optimizer',
  'synthesizerOptimizer',
  'seed',
];

/** Options added after recurrent runs were committed, at their off values (left out of cache keys there). */
export const RECURRENT_OPTIONS_OFF = { sgBootstrap: 'consumed', shuffleSG: false } as const;

/** D.2's optimizer: Adam, lr 7e-5, no decay. */
export const RECURRENT_ADAM: AdamSpec = { ...ADAM_DEFAULTS, lr: 7e-5, decaySteps: [] };

const validated = new WeakSet<object>();

/** Fill defaults (D.2's: 256 units, synthesizer as wide as the LSTM, scale 0.1, Adam 7e-5), then validate. */
export function recurrentSpec(partial: RecurrentInput, path = ''): RecurrentSpec {
  if (validated.has(partial)) return partial as RecurrentSpec;
  checkKeys(partial, RECURRENT_KEYS, path);
  if (partial.synthesizer !== undefined) checkKeys(partial.synthesizer, RECURRENT_SYNTHESIZER_KEYS, join(path, 'synthesizer'));
  for (const k of ['optimizer', 'synthesizerOptimizer'] as const) {
    const o = partial[k];
    if (o !== undefined && o !== null) checkKeys(o, Object.keys(ADAM_DEFAULTS), join(path, k));
  }
  const hidden = partial.hidden ?? 256;
  const optimizer = { ...RECURRENT_ADAM, ...partial.optimizer };
  const spec: RecurrentSpec = {
    hidden,
    sgTarget: 'future',
    sgBootstrap: 'consumed',
    shuffleSG: false,
    sgToCore: false,
    sgToCoreWeight: 1,
    forgetBias: 1,
    clipNorm: 0,
    seed: 0,
    ...partial,
    synthesizer: { ...RECURRENT_SYNTHESIZER_DEFAULTS, width: hidden, ...partial.synthesizer },
    optimizer,
    synthesizerOptimizer: partial.synthesizerOptimizer ? { ...optimizer, ...partial.synthesizerOptimizer } : null,
  };
  validateRecurrentSpec(spec, path);
  return spec;
}

export function validateRecurrentSpec(spec: RecurrentSpec, path = ''): void {
  if (validated.has(spec)) return;
  checkKeys(spec, RECURRENT_KEYS, path);
  posInt(spec.inputs, join(path, 'inputs'));
  posInt(spec.outputs, join(path, 'outputs'));
  posInt(spec.hidden, join(path, 'hidden'));
  if (spec.T !== 'full') {
    if (!Number.isInteger(spec.T) || (spec.T as number) < 1)
      throw new ConfigError(join(path, 'T'), `must be a positive integer (steps per chunk) or 'full', got ${JSON.stringify(spec.T)}`);
  }
  oneOf(spec.method, RECURRENT_METHODS, join(path, 'method'));
  validateRecurrentSynthesizerSpec(spec.synthesizer, join(path, 'synthesizer'));
  oneOf(spec.sgTarget, SG_TARGETS, join(path, 'sgTarget'));
  oneOf(spec.sgBootstrap, SG_BOOTSTRAPS, join(path, 'sgBootstrap'));
  bool(spec.shuffleSG, join(path, 'shuffleSG'));
  bool(spec.sgToCore, join(path, 'sgToCore'));
  inRange(spec.sgToCoreWeight, 0, Infinity, join(path, 'sgToCoreWeight'));
  finite(spec.forgetBias, join(path, 'forgetBias'));
  inRange(spec.clipNorm, 0, Infinity, join(path, 'clipNorm'));
  if (!Number.isInteger(spec.seed)) throw new ConfigError(join(path, 'seed'), `must be an integer, got ${JSON.stringify(spec.seed)}`);
  validateAdamSpec(spec.optimizer, join(path, 'optimizer'));
  if (spec.synthesizerOptimizer !== null) validateAdamSpec(spec.synthesizerOptimizer, join(path, 'synthesizerOptimizer'));
  validated.add(spec);
}

/**
 * λ_k for the states k = 1 … L of a batch cut into chunks of T (A.3): 0 where a chunk ends and
 * the future's gradient is a synthetic one (or, for 'bptt', none), 1 inside a chunk. The last
 * state is a boundary only when the sequences go on after the batch (`ends` false).
 */
export function truncationLambdas(L: number, T: number | 'full', ends = true): number[] {
  const t = T === 'full' ? L : T;
  return Array.from({ length: L }, (_, i) => {
    const k = i + 1;
    if (k === L) return ends ? 1 : 0;
    return k % t === 0 ? 0 : 1;
  });
}

/** The chunks [start, end) of a batch of L steps: boundaries where λ = 0. */
export function chunkBounds(L: number, T: number | 'full'): [number, number][] {
  const t = T === 'full' ? L : T;
  const out: [number, number][] = [];
  for (let s = 0; s < L; s += t) out.push([s, Math.min(s + t, L)]);
  return out;
}

/**
 * The factor from the synthesizer's regression loss (as its optimizer sees it: summed or
 * averaged, in its target units) to θ's share of it with sgToCore: sgToCoreWeight × the batch
 * mean of per-sequence squared errors in per-example units (RecurrentSpec.sgToCoreWeight).
 */
export function sgToCoreFactor(spec: RecurrentSpec, B: number): number {
  const s = spec.synthesizer;
  const perExample = B / unitsFactor(s, B);
  const perWeight = s.lossReduction === 'sum' ? 1 : 1 / (B * 2 * spec.hidden);
  return (spec.sgToCoreWeight * perExample * perExample) / (B * perWeight);
}
