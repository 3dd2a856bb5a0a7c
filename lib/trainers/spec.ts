/**
 * The spec of a feed-forward BP(λ) trainer, filled with defaults and validated once.
 *
 *   const spec = bpLambdaSpec({ network: mnistFcn(4), lambda: [0, 0, 0], synthesizer: { hiddenLayers: 0, conditioned: true } });
 */
import { type AdamSpec, ADAM_DEFAULTS, validateAdamSpec } from '../core/adam';
import { bool, checkKeys, inRange, join, nonNegInt, oneOf } from '../core/validators';
import { type Feedback, FEEDBACKS } from './feedback';
import type { Lambda } from './mixture';
import { depth, type NetworkSpec, validateNetworkSpec } from '../networks/spec';
import { ConfigError } from '../core/errors';
import { mergeSynthesizer, type SynthesizerSpec, SYNTHESIZER_KEYS, validateSynthesizerSpec } from '../synthesizers/spec';
import {
  type SyntheticInputSpec,
  SYNTHETIC_INPUT_DEFAULTS,
  SYNTHETIC_INPUT_KEYS,
  validateSyntheticInputSpec,
} from '../synthesizers/synthetic-input';

export interface BPLambdaSpec {
  network: NetworkSpec;
  /** λ_k per connection k = 1..K−1 (index k − 1): K − 1 entries for K layers. */
  lambda: Lambda[];
  /** The synthesizer of every connection with λ < 1, unless overridden below. */
  synthesizer: SynthesizerSpec;
  /**
   * Per-connection overrides, keyed by the connection k = 1..K−1 (as a string: JSON keys):
   * e.g. { '2': { hiddenLayers: 0 } }. Resolved with synthesizerFor.
   */
  synthesizers: Record<string, Partial<SynthesizerSpec>>;
  /** Analysis only: regress synthesizers onto the true backprop gradient instead of z̄. */
  oracle: boolean;
  /**
   * p_update (paper, main text): at each step every layer, the classifier included, updates only
   * with this probability, each drawing independently (seeds.ts, updatesAt). A layer that does
   * not update skips its parameter update and its synthesizer's regression step: in the paper's
   * asynchronous setting a layer and its synthesizer update together. It still runs forward
   * (BatchNorm's running statistics move) and still sends z̄_{k−1} down, so the layers below
   * draw for themselves. 1 (the default) is plain training.
   */
  updateProbability: number;
  /**
   * A frozen target copy (off at 0, the default): the targets sent down to the synthesizers
   * below are made with copies of the synthesizers above, refreshed from the live ones at every
   * step that is a multiple of this, as target networks in TD learning; layers still update with
   * the live synthetic gradients (synthesizers/frozen.ts). 1 refreshes at every step: the same
   * run as 0.
   */
  targetRefresh: number;
  /**
   * Complete unlock (paper D.1, main text Figure 6; off at null, the default). Every unit k ≥ 2
   * gets a synthetic-input model I_k(x) of this shape (synthesizers/synthetic-input.ts); unit 1 reads x itself.
   * In training, unit k runs forward on ĥ_{k−1} = I_k(x), made from the batch's x without waiting
   * for unit k − 1, and everything else is BP(λ) as usual around that input: its synthesizer
   * predicts at its output o_k, the classifier gets ∂L/∂o_K, and the gradient a unit sends down
   * is computed at its own input ĥ_{k−1} and is the target of the synthesizer below, which
   * predicted at o_{k−1}. The paper uses λ = 0 (DNI, cDNI); any λ makes a valid message flow.
   * I_k regresses onto the real o_{k−1} of the same step (a constant; Σ(ĥ − o)², its own Adam
   * with the layers' settings); nothing flows from unit k into I_k, nor into x. At evaluation
   * all layers are connected and synthetic inputs are unused. FCNs only, as in the paper.
   * Why these choices: a unit that waited for nothing but the data must take its input from
   * I_k alone; a target from the same step keeps I_k's target as fresh as an asynchronous unit
   * could have it; and an I_k trained only to imitate h_{k−1} stays a stand-in for the real
   * input that evaluation connects (one trained by the loss above could drift away from it).
   * It composes with the other options: with updateProbability a unit that skips a step also
   * skips its synthetic input's update (a unit's models update together); targetRefresh acts on
   * synthesizers only; with measureSG and oracle the "true" gradient at h_k is backprop's chain
   * of each layer's Jacobian at the synthetic input it ran on (what λ = 1 would send down in
   * the same step, at the points z̄_k is made at), not the connected network's gradient.
   * Step statistics then hold series.inputLoss, per unit (entry k − 1: the loss of ĥ_{k−1}).
   */
  syntheticInputs: SyntheticInputSpec | null;
  /**
   * How every unit sends its gradient down (feedback.ts; 'bp', the default, is backprop):
   * 'fa', Feedback Alignment (Lillicrap et al. 2016), backprop's chain with a fixed random matrix
   * B_k in place of each layer's W_k; 'kickback' (Balduzzi et al. 2014), each example's scalar
   * error times each unit's sum of outgoing weights into active units. With λ = 1 everywhere these
   * are the whole method; under Czarnecki et al. (2017) both are synthetic gradients made by a
   * fixed rule. FCNs only; no frozen target copies (targetRefresh).
   */
  feedback: Feedback;
  optimizer: AdamSpec;
  seed: number;
}

/** What bpLambdaSpec needs: the network and λ; everything else has a default. */
export type BPLambdaInput = Pick<BPLambdaSpec, 'network' | 'lambda'> &
  Partial<Omit<BPLambdaSpec, 'network' | 'lambda' | 'synthesizer' | 'syntheticInputs' | 'optimizer'>> & {
    synthesizer?: Partial<SynthesizerSpec>;
    /** null (off) or the fields that differ from SYNTHETIC_INPUT_DEFAULTS ({} is the paper's shape). */
    syntheticInputs?: Partial<SyntheticInputSpec> | null;
    optimizer?: Partial<AdamSpec>;
  };

/**
 * Options added after runs were committed, at their off values. A spec with an option off is the
 * code before the option existed, and the results cache keys it as before (the option left out);
 * a new option goes here, so its default and its cache key come from one place.
 */
export const BPLAMBDA_OPTIONS_OFF = { updateProbability: 1, targetRefresh: 0, syntheticInputs: null, feedback: 'bp' } as const;

export const BPLAMBDA_KEYS = [
  'network',
  'lambda',
  'synthesizer',
  'synthesizers',
  'oracle',
  'updateProbability',
  'targetRefresh',
  'syntheticInputs',
  'feedback',
  'optimizer',
  'seed',
];

// Specs that passed validation, so a spec handed from runSpec to the trainer is checked once.
const validated = new WeakSet<object>();

/** Fill defaults for everything but the network and λ, then validate. */
export function bpLambdaSpec(partial: BPLambdaInput, path = ''): BPLambdaSpec {
  if (validated.has(partial)) return partial as BPLambdaSpec;
  checkKeys(partial, BPLAMBDA_KEYS, path);
  if (partial.synthesizer !== undefined) checkKeys(partial.synthesizer, SYNTHESIZER_KEYS, join(path, 'synthesizer'));
  const inputs = partial.syntheticInputs;
  if (inputs !== undefined && inputs !== null) checkKeys(inputs, SYNTHETIC_INPUT_KEYS, join(path, 'syntheticInputs'));
  const spec: BPLambdaSpec = {
    oracle: false,
    ...BPLAMBDA_OPTIONS_OFF,
    seed: 0,
    synthesizers: {},
    ...partial,
    syntheticInputs: inputs ? { ...SYNTHETIC_INPUT_DEFAULTS, ...inputs } : null,
    synthesizer: mergeSynthesizer(partial.synthesizer),
    optimizer: { ...ADAM_DEFAULTS, ...partial.optimizer },
  };
  validateBPLambdaSpec(spec, path);
  return spec;
}

/** The resolved synthesizer of connection k (1-based): the default with its override applied. */
export function synthesizerFor(spec: BPLambdaSpec, k: number): SynthesizerSpec {
  return mergeSynthesizer(spec.synthesizer, spec.synthesizers[String(k)]);
}

/** Does unit k + 1 send z̄_k down? (It does unless it gets no gradient itself.) k = 1..K−1. */
export function targetArrives(spec: Pick<BPLambdaSpec, 'lambda'>, k: number): boolean {
  const above = k + 1;
  const K = spec.lambda.length + 1;
  return above === K || spec.lambda[above - 1] !== 'none';
}

export function validateBPLambdaSpec(spec: BPLambdaSpec, path = ''): void {
  if (validated.has(spec)) return;
  checkKeys(spec, BPLAMBDA_KEYS, path);
  validateNetworkSpec(spec.network, join(path, 'network'));
  const K = depth(spec.network);
  const lp = join(path, 'lambda');
  if (!Array.isArray(spec.lambda)) throw new ConfigError(lp, 'must be an array with one λ per connection');
  if (spec.lambda.length !== K - 1)
    throw new ConfigError(lp, `has ${spec.lambda.length} entries but a ${K}-layer network has ${K - 1} connections`);
  spec.lambda.forEach((l, i) => {
    if (l !== 'none') inRange(l, 0, 1, `${lp}[${i}]`);
    // λ > 0 mixes in z̄_k, which only arrives if the connection above passes a gradient.
    if (l !== 'none' && l > 0 && !targetArrives(spec, i + 1)) {
      throw new ConfigError(
        `${lp}[${i}]`,
        `λ = ${l} needs the gradient from above, but connection ${i + 2} (lambda[${i + 1}]) is 'none' and passes none; use 0 (DNI) or 'none' here`,
      );
    }
  });
  validateSynthesizerSpec(spec.synthesizer, join(path, 'synthesizer'));
  const sp = join(path, 'synthesizers');
  checkKeys(
    spec.synthesizers,
    Array.from({ length: K - 1 }, (_, i) => String(i + 1)),
    sp,
  );
  for (const [k, o] of Object.entries(spec.synthesizers)) {
    checkKeys(o, SYNTHESIZER_KEYS, `${sp}.${k}`);
    validateSynthesizerSpec(synthesizerFor(spec, Number(k)), `${sp}.${k}`);
  }
  bool(spec.oracle, join(path, 'oracle'));
  inRange(spec.updateProbability, 0, 1, join(path, 'updateProbability'));
  nonNegInt(spec.targetRefresh, join(path, 'targetRefresh'));
  const sip = join(path, 'syntheticInputs');
  if (spec.syntheticInputs !== null) {
    if (spec.syntheticInputs === undefined) throw new ConfigError(sip, 'missing: null (off) or { hiddenLayers, width } (complete unlock)');
    validateSyntheticInputSpec(spec.syntheticInputs, sip);
    if (spec.network.kind !== 'fcn') {
      throw new ConfigError(
        sip,
        `complete unlock is built for FCNs only: the paper did complete unlock on MNIST FCNs only (D.1), and this network is a ${spec.network.kind.toUpperCase()}; use null`,
      );
    }
  }
  validateFeedback(spec, path);
  if (!Number.isInteger(spec.seed)) throw new ConfigError(join(path, 'seed'), `must be an integer, got ${JSON.stringify(spec.seed)}`);
  validateAdamSpec(spec.optimizer, join(path, 'optimizer'));
  validated.add(spec);
}

/**
 * The feedback rule and the synthesizer kinds that need more than h: FA, Kickback, critics and DFA
 * are built for FCNs; critics regress onto values (no oracle gradient, no frozen copy), DFA reads
 * the output error (no frozen copy: its g_k exists only once the loss broadcasts it).
 */
function validateFeedback(spec: BPLambdaSpec, path: string): void {
  const fp = join(path, 'feedback');
  oneOf(spec.feedback, FEEDBACKS, fp);
  const fcn = spec.network.kind === 'fcn';
  if (spec.feedback !== 'bp') {
    if (!fcn) throw new ConfigError(fp, `'${spec.feedback}' is built for FCNs only; this network is a ${spec.network.kind.toUpperCase()}`);
    if (spec.targetRefresh > 0)
      throw new ConfigError(join(path, 'targetRefresh'), `frozen target copies are not built for feedback '${spec.feedback}': use 0`);
  }
  spec.lambda.forEach((l, i) => {
    if (l === 'none' || l >= 1) return;
    const s = synthesizerFor(spec, i + 1);
    if (s.kind !== 'critic' && s.kind !== 'dfa') return;
    const where = spec.synthesizers[String(i + 1)]?.kind ? `${join(path, 'synthesizers')}.${i + 1}.kind` : join(path, 'synthesizer.kind');
    if (!fcn)
      throw new ConfigError(
        where,
        `a '${s.kind}' synthesizer reads vector activations (FCNs); this network is a ${spec.network.kind.toUpperCase()}`,
      );
    if (spec.targetRefresh > 0)
      throw new ConfigError(join(path, 'targetRefresh'), `frozen target copies are not built for '${s.kind}' synthesizers: use 0`);
    if (s.kind === 'critic' && spec.oracle)
      throw new ConfigError(
        join(path, 'oracle'),
        'a critic regresses onto a value, not onto the true gradient the oracle gives: use false',
      );
  });
}
