/**
 * What every synthesizer shares, whatever its model (the feed-forward 'mlp' and 'ema' kinds, the
 * LSTM's): how its output is consumed as a synthetic gradient, its regression loss onto a
 * target, the checks of those fields, and the contract it declares (what it reads, what kind of
 * target it regresses onto).
 *
 * Units of the output (paper A.2 leaves them open; see TargetUnits in spec.ts): in 'perExample'
 * units the output predicts B × the gradient of the batch-mean loss, so a gradient target is
 * multiplied by B before the regression and the output divided by B when consumed. A value
 * target (a scalar critic's return, DNI+Aux's future synthetic gradient) is already in the
 * synthesizer's own units and is regressed onto as it is.
 */
import * as tf from '@tensorflow/tfjs';
import { inRange, join, oneOf } from '../core/validators';
import { ConfigError } from '../core/errors';

export const TARGET_UNITS = ['perExample', 'batchMean'] as const;
/**
 * Units of the synthesizer's output. 'batchMean': it predicts ∂L/∂h_k of the batch-mean loss
 * (each example's entry is about 1/B of its own loss's gradient) and regresses onto z̄_k.
 * 'perExample': it predicts each example's own-loss gradient, regresses onto B·z̄_k, and is
 * divided by B when consumed. BP(λ) is the same either way; with Adam, whose steps have a fixed
 * size, the target's scale sets how finely the synthesizer can fit.
 */
export type TargetUnits = (typeof TARGET_UNITS)[number];

export const LOSS_REDUCTIONS = ['sum', 'mean'] as const;
/**
 * 'sum': Σ over batch and units of (g − z̄)²; 'mean': averaged over batch and units.
 * The paper does not say; with Adam the choice matters, and 'sum' is what reproduced the
 * paper's cDNI numbers in an independent implementation.
 */
export type LossReduction = (typeof LOSS_REDUCTIONS)[number];

/** Every synthesizer here has 0 (linear), 1 or 2 hidden layers. */
export const MAX_HIDDEN_LAYERS = 2;

/**
 * The ×B / ÷B conversion between gradient units (∂ of the batch-mean loss) and the
 * synthesizer's own units, in one place.
 */
export function unitsFactor(spec: { targetUnits: TargetUnits }, batch: number): number {
  return spec.targetUnits === 'perExample' ? batch : 1;
}

/** The fields of a spec that say how a synthesizer is trained and consumed. */
export interface RegressionSpec {
  targetUnits: TargetUnits;
  lossReduction: LossReduction;
  /** Weight of the regression loss (the paper: 1). */
  lossWeight: number;
  /** Synthetic gradients are multiplied by this when consumed. */
  scale: number;
}

/**
 * What a synthesizer reads: h; h and the labels (cDNI); the error ∂L/∂h_K the loss broadcasts
 * (what DFA-like models read, messages.ts ErrorMessage); the labels alone (a per-class running
 * average); or nothing (a running average).
 */
export const SYNTHESIZER_INPUTS = ['h', 'h+labels', 'outputError', 'labels', 'none'] as const;
export type SynthesizerInput = (typeof SYNTHESIZER_INPUTS)[number];

/**
 * What a synthesizer regresses onto: a gradient (in gradient units, converted to the
 * synthesizer's), or a value in its own units (e.g. a critic's return).
 */
export type TargetKind = 'gradient' | 'value';

/** A synthesizer's declaration of its inputs and its target's kind. */
export interface SynthesizerContract {
  inputs: SynthesizerInput;
  target: TargetKind;
}

/** A regression target: a constant tensor and what kind of thing it is. */
export interface RegressionTarget {
  kind: TargetKind;
  value: tf.Tensor;
}

/** The synthetic gradient as consumed, in gradient units: scale·out, ÷B in 'perExample' units. */
export function consumedGradient(spec: Pick<RegressionSpec, 'targetUnits' | 'scale'>, out: tf.Tensor): tf.Tensor {
  return tf.mul(out, spec.scale / unitsFactor(spec, out.shape[0]));
}

/** The loss of a regression, with what its gradient needs. */
export interface RegressionLoss {
  loss: tf.Scalar;
  /** out − target, in the output's units. */
  diff: tf.Tensor;
  /** The loss's factor: ∂loss/∂out = 2·norm·diff (see lossGradient). */
  norm: number;
}

/**
 * The regression loss of an output against a constant target: 'sum' sums (out − z)² over batch
 * and units, 'mean' averages; times `weight` (the spec's lossWeight unless given). A gradient
 * target is converted to the output's units here; a value target is taken as it is.
 */
export function regressionLoss(
  spec: Pick<RegressionSpec, 'targetUnits' | 'lossReduction' | 'lossWeight'>,
  out: tf.Tensor,
  target: RegressionTarget,
  weight = spec.lossWeight,
): RegressionLoss {
  const b = target.kind === 'gradient' ? unitsFactor(spec, out.shape[0]) : 1;
  const z = target.value;
  const diff = tf.sub(out, b === 1 ? z : tf.mul(z, b));
  const norm = spec.lossReduction === 'sum' ? weight : weight / diff.size;
  return { loss: tf.mul(tf.sum(tf.square(diff)), norm) as tf.Scalar, diff, norm };
}

/** ∂loss/∂out of a regression loss. */
export function lossGradient(r: RegressionLoss): tf.Tensor {
  return tf.mul(r.diff, 2 * r.norm);
}

/** A target as given: a bare tensor is a gradient (the common case: z̄_k of BP(λ), or the true gradient in oracle mode). */
export type TargetInput = RegressionTarget | tf.Tensor;

export function asTarget(t: TargetInput): RegressionTarget {
  return t instanceof tf.Tensor ? { kind: 'gradient', value: t } : t;
}

/** A synthesizer regresses only onto the kind of target it declares. */
export function checkTarget(contract: SynthesizerContract, t: RegressionTarget, name: string): void {
  if (t.kind !== contract.target) throw new Error(`${name} regresses onto a ${contract.target} target, got a ${t.kind}`);
}

/** Checks of the regression fields, with the errors naming the field. */
export function validateRegressionSpec(s: RegressionSpec, path: string): void {
  oneOf(s.targetUnits, TARGET_UNITS, join(path, 'targetUnits'));
  oneOf(s.lossReduction, LOSS_REDUCTIONS, join(path, 'lossReduction'));
  inRange(s.lossWeight, 0, Infinity, join(path, 'lossWeight'));
  // A negative scale consumes the synthetic gradient with its sign flipped: never meant.
  inRange(s.scale, 0, Infinity, join(path, 'scale'));
}

/** 0 (linear), 1 or 2 hidden layers, as every synthesizer here allows. */
export function validateHiddenLayers(n: unknown, path: string): void {
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > MAX_HIDDEN_LAYERS) {
    throw new ConfigError(join(path, 'hiddenLayers'), `must be 0 (linear), 1 or 2, got ${JSON.stringify(n)}`);
  }
}
