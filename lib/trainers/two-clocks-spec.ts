/**
 * The config of the two-clock trainer (paper D.3): the method, the data's windows and clocks,
 * the networks' sizes, the message synthesizer and the optimizer. Every field has a default (the
 * paper's, where it gives one); an unknown field or a bad value throws a ConfigError naming it.
 */
import { ADAM_DEFAULTS, type AdamSpec, validateAdamSpec } from '../core/adam';
import { ConfigError } from '../core/errors';
import { checkKeys, join, nonNegInt, oneOf, posInt } from '../core/validators';
import type { TwoClocksNetSpec } from '../networks/two-clocks';
import { type RegressionSpec, validateRegressionSpec } from '../synthesizers/core';
import type { DigitCountSpec } from '../tasks/digit-counts';

/**
 * What reaches A's messages from B:
 * - 'dni': the message synthesizer's synthetic gradient (× scale), at once: A never waits for B;
 *   B returns the true gradient later, as the synthesizer's regression target.
 * - 'bprop': the true gradient, by backprop through B: A's update waits for B's.
 * - 'nograd': nothing: A learns from its own task only; B learns from whatever A sends.
 */
export const TWO_CLOCKS_METHODS = ['dni', 'bprop', 'nograd'] as const;
export type TwoClocksMethod = (typeof TWO_CLOCKS_METHODS)[number];

/** The message synthesizer: Linear → BN → ReLU hidden layers, then a Linear (zero at the start) to the message's width. */
export interface MessageSynthesizerSpec extends RegressionSpec {
  /** Paper D.3: 1. */
  hiddenLayers: number;
  /** Paper D.3: 256. */
  width: number;
}

export interface TwoClocksSpec {
  method: TwoClocksMethod;
  data: DigitCountSpec;
  net: TwoClocksNetSpec;
  synthesizer: MessageSynthesizerSpec;
  /** One Adam per network (A, B) and one for the synthesizer (paper D.3: lr 1e-5 for all). */
  optimizer: AdamSpec;
  /** Seeds A's, B's and the synthesizer's initial weights. */
  seed: number;
}

export const TWO_CLOCKS_DEFAULTS: TwoClocksSpec = {
  method: 'dni',
  // B every other step, as the paper's figure; 8 digits per sequence (our choice, see digit-counts.ts).
  data: { sequenceLength: 8, bPeriod: 2, oddCap: 8, threeCap: 3 },
  net: { fcnWidth: 256, hidden: 256, messageWidth: 256 },
  // Paper D.3: one hidden layer of 256; the SG multiplied by 10 before it is backpropagated through A.
  synthesizer: { hiddenLayers: 1, width: 256, targetUnits: 'perExample', lossReduction: 'sum', lossWeight: 1, scale: 10 },
  optimizer: { ...ADAM_DEFAULTS, lr: 1e-5, decaySteps: [] },
  seed: 1,
};

const SYNTH_KEYS = ['hiddenLayers', 'width', 'targetUnits', 'lossReduction', 'lossWeight', 'scale'];

/** The defaults with `o`'s fields (one level deep per group). Not validated. */
export function twoClocksSpec(
  o: Partial<{ [K in keyof TwoClocksSpec]: Partial<TwoClocksSpec[K]> | TwoClocksSpec[K] }> = {},
): TwoClocksSpec {
  const d = TWO_CLOCKS_DEFAULTS;
  return {
    method: (o.method as TwoClocksMethod) ?? d.method,
    data: { ...d.data, ...(o.data as object) },
    net: { ...d.net, ...(o.net as object) },
    synthesizer: { ...d.synthesizer, ...(o.synthesizer as object) },
    optimizer: { ...d.optimizer, ...(o.optimizer as object) },
    seed: (o.seed as number) ?? d.seed,
  };
}

export function validateTwoClocksSpec(s: TwoClocksSpec, path = ''): void {
  checkKeys(s, Object.keys(TWO_CLOCKS_DEFAULTS), path);
  oneOf(s.method, TWO_CLOCKS_METHODS, join(path, 'method'));
  const data = join(path, 'data');
  checkKeys(s.data, Object.keys(TWO_CLOCKS_DEFAULTS.data), data);
  posInt(s.data.sequenceLength, join(data, 'sequenceLength'));
  posInt(s.data.bPeriod, join(data, 'bPeriod'));
  if (s.data.bPeriod > s.data.sequenceLength)
    throw new ConfigError(
      join(data, 'bPeriod'),
      `B must tick at least once in a sequence of ${s.data.sequenceLength} steps, got ${s.data.bPeriod}`,
    );
  posInt(s.data.oddCap, join(data, 'oddCap'));
  posInt(s.data.threeCap, join(data, 'threeCap'));
  const net = join(path, 'net');
  checkKeys(s.net, Object.keys(TWO_CLOCKS_DEFAULTS.net), net);
  for (const k of ['fcnWidth', 'hidden', 'messageWidth'] as const) posInt(s.net[k], join(net, k));
  const syn = join(path, 'synthesizer');
  checkKeys(s.synthesizer, SYNTH_KEYS, syn);
  nonNegInt(s.synthesizer.hiddenLayers, join(syn, 'hiddenLayers'));
  if (s.synthesizer.hiddenLayers > 2)
    throw new ConfigError(join(syn, 'hiddenLayers'), `must be 0, 1 or 2, got ${s.synthesizer.hiddenLayers}`);
  posInt(s.synthesizer.width, join(syn, 'width'));
  validateRegressionSpec(s.synthesizer, syn);
  validateAdamSpec(s.optimizer, join(path, 'optimizer'));
  if (!Number.isInteger(s.seed)) throw new ConfigError(join(path, 'seed'), `must be an integer, got ${JSON.stringify(s.seed)}`);
}
