/**
 * The settings of a section B run (train-sufficiency.ts): the data with a known p(y | h), the
 * synthesizer and its optimizer, the top's motion, the budget and the measurements. Every field
 * is checked here, and a bad one gets an error naming it.
 */
import { type AdamSpec, validateAdamSpec } from '../core/adam';
import { ConfigError } from '../core/errors';
import { checkKeys, join, nonNegInt, oneOf, posInt } from '../core/validators';
import { type SynthesizerSpec, validateSynthesizerSpec } from '../synthesizers/spec';
import { type NoisyLabelSpec, validateNoisyLabelSpec } from '../tasks/noisy-labels';

export const TOP_MOTIONS = ['frozen', 'drift'] as const;
/**
 * 'frozen': the top (W, b) never changes. 'drift': it is frozen for `warmup` steps, then turns
 * on a circle between two draws, W(t) = W_a·cos θ + W_b·sin θ (b likewise), θ = 2π(t − warmup)/period,
 * so the expected gradient moves at a steady pace and is known at every step.
 */
export type TopMotion = (typeof TOP_MOTIONS)[number];

export interface DriftSpec {
  /** Steps with the top frozen before it starts to move. */
  warmup: number;
  /** Steps of one full turn. */
  period: number;
}

export interface SufficiencySpec {
  task: NoisyLabelSpec;
  /** The synthesizer M(h) (or M(h, y) when conditioned); it predicts each example's gradient ('perExample' units, scale 1). */
  synthesizer: SynthesizerSpec;
  optimizer: AdamSpec;
  topMotion: TopMotion;
  drift: DriftSpec;
  steps: number;
  batchSize: number;
  /** Steps between measurements (a point of each curve). */
  evalEvery: number;
  /** Examples of the fixed evaluation set (drawn once from the task seed, never trained on). */
  evalExamples: number;
  /** Drift: the synthesizer is also scored against the expected gradient of the top k steps before its last update, for each k. */
  lags: number[];
  /** Seed of the synthesizer's initial weights and of the training stream. */
  seed: number;
}

export const SUFFICIENCY_KEYS = [
  'task',
  'synthesizer',
  'optimizer',
  'topMotion',
  'drift',
  'steps',
  'batchSize',
  'evalEvery',
  'evalExamples',
  'lags',
  'seed',
];

export function validateSufficiencySpec(s: SufficiencySpec, path = ''): SufficiencySpec {
  checkKeys(s, SUFFICIENCY_KEYS, path);
  validateNoisyLabelSpec(s.task, join(path, 'task'));
  const sp = join(path, 'synthesizer');
  validateSynthesizerSpec(s.synthesizer, sp);
  // The measurements read the raw output as an example's own gradient (core.ts: 'perExample' units).
  if (s.synthesizer.targetUnits !== 'perExample')
    throw new ConfigError(
      join(sp, 'targetUnits'),
      `must be 'perExample' here (its output is read as an example's gradient), got '${s.synthesizer.targetUnits}'`,
    );
  if (s.synthesizer.scale !== 1)
    throw new ConfigError(join(sp, 'scale'), `must be 1 here (its output is read as an example's gradient), got ${s.synthesizer.scale}`);
  validateAdamSpec(s.optimizer, join(path, 'optimizer'));
  oneOf(s.topMotion, TOP_MOTIONS, join(path, 'topMotion'));
  checkKeys(s.drift, ['warmup', 'period'], join(path, 'drift'));
  nonNegInt(s.drift.warmup, join(path, 'drift.warmup'));
  posInt(s.drift.period, join(path, 'drift.period'));
  posInt(s.steps, join(path, 'steps'));
  if (s.topMotion === 'drift' && s.drift.warmup >= s.steps)
    throw new ConfigError(join(path, 'drift.warmup'), `must be below steps (${s.steps}) for the top to move at all, got ${s.drift.warmup}`);
  // Training-mode BatchNorm in the synthesizer needs two examples.
  posInt(s.batchSize, join(path, 'batchSize'));
  if (s.batchSize < 2) throw new ConfigError(join(path, 'batchSize'), `must be at least 2, got ${s.batchSize}`);
  posInt(s.evalEvery, join(path, 'evalEvery'));
  posInt(s.evalExamples, join(path, 'evalExamples'));
  if (!Array.isArray(s.lags)) throw new ConfigError(join(path, 'lags'), `must be an array of step counts, got ${JSON.stringify(s.lags)}`);
  s.lags.forEach((k, i) => nonNegInt(k, join(path, `lags[${i}]`)));
  if (!Number.isInteger(s.seed)) throw new ConfigError(join(path, 'seed'), `must be an integer, got ${JSON.stringify(s.seed)}`);
  return s;
}
