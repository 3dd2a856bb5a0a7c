/**
 * Typed configs for networks, synthesizers and BP(λ) training, and their checks.
 * Unknown fields and out-of-range values throw a ConfigError naming the field.
 */
import { AdamSpec, ADAM_DEFAULTS } from './adam';
import { ConfigError } from './errors';
import { PoolKind } from './modules/pool';

/** A fully connected net: `hidden.length` layers of Linear → BN → ReLU, then a Linear classifier. */
export interface FcnSpec {
  kind: 'fcn';
  /** Input size (784 for MNIST, 3072 for CIFAR-10). */
  input: number;
  /** Width of each hidden layer. */
  hidden: number[];
  classes: number;
}

/** A CNN: per layer Conv k×k → BN → ReLU → 3×3 pool, then Flatten → Linear classifier. */
export interface CnnSpec {
  kind: 'cnn';
  /** [H, W, C]. */
  input: [number, number, number];
  /** Filters of each conv layer. */
  filters: number[];
  /** Pooling after each conv layer (the paper: max in the first, average in the others). */
  pools: PoolKind[];
  kernel: number;
  classes: number;
}

export type NetworkSpec = FcnSpec | CnnSpec;

/**
 * A synthetic-gradient model. FCN activations get Linear → BN → ReLU hidden layers;
 * CNN activations get Conv → BN → ReLU hidden layers (resolution-preserving).
 * The last layer starts at zero (weights and biases), so the first synthetic gradients are zero.
 */
export interface SynthesizerSpec {
  /** 0 (linear), 1 or 2. */
  hiddenLayers: number;
  /** Units (FCN) or filters (CNN) of each hidden layer. */
  width: number;
  /** cDNI: condition on the label (one-hot appended, or 10 label channels for CNNs). */
  conditioned: boolean;
  /** Kernel of the conv synthesizers. */
  kernel: number;
}

/** λ_k of connection k (between layer k and k+1), or 'none' for no gradient at all ("No Bprop"). */
export type Connection = number | 'none';

export interface TrainerSpec {
  network: NetworkSpec;
  /** One entry per connection: K − 1 entries for K layers. */
  lambda: Connection[];
  synthesizer: SynthesizerSpec;
  /** Weight of the synthesizer's regression loss (the paper: 1). */
  sgLossWeight: number;
  /**
   * 'sum': Σ over batch and units of (g − z̄)²; 'mean': averaged over batch and units.
   * The paper does not say; with Adam the choice matters (EXPERIMENTS.md), and 'sum'
   * is what reproduced the paper's cDNI numbers in an independent implementation.
   */
  sgLossReduction: 'sum' | 'mean';
  /**
   * Units of the synthesizer's output. 'batchMean': it predicts ∂L/∂h_k of the batch-mean loss
   * (each example's entry is about 1/B of its own loss's gradient) and regresses onto z̄_k.
   * 'perExample': it predicts each example's own-loss gradient, regresses onto B·z̄_k, and is
   * divided by B when consumed. BP(λ) is the same either way; with Adam, whose steps have a fixed
   * size, the target's scale sets how finely the synthesizer can fit (EXPERIMENTS.md).
   */
  sgTarget: 'batchMean' | 'perExample';
  /** Synthetic gradients are multiplied by this when consumed (feed-forward: 1). */
  sgScale: number;
  /** Analysis only: regress synthesizers onto the true backprop gradient instead of z̄. */
  oracle: boolean;
  optimizer: AdamSpec;
  seed: number;
}

export type Method = 'bprop' | 'dni' | 'cdni' | 'nobprop';
export const METHODS: readonly Method[] = ['nobprop', 'bprop', 'dni', 'cdni'];

/** Number of layers K (hidden layers + classifier). */
export function depth(net: NetworkSpec): number {
  return (net.kind === 'fcn' ? net.hidden.length : net.filters.length) + 1;
}

/** λ per connection for a method applied at every layer (every-layer DNI, etc.). */
export function lambdasFor(method: Method, layers: number): Connection[] {
  const c: Connection = method === 'bprop' ? 1 : method === 'nobprop' ? 'none' : 0;
  return Array.from({ length: layers - 1 }, () => c);
}

/** A TrainerSpec for a method on a network, with a synthesizer and optimizer. */
export function methodSpec(
  method: Method,
  base: Omit<TrainerSpec, 'lambda' | 'synthesizer'> & { synthesizer: Omit<SynthesizerSpec, 'conditioned'> },
): TrainerSpec {
  return {
    ...base,
    lambda: lambdasFor(method, depth(base.network)),
    synthesizer: { ...base.synthesizer, conditioned: method === 'cdni' },
  };
}

export const SYNTH_DEFAULTS: SynthesizerSpec = { hiddenLayers: 2, width: 1024, conditioned: false, kernel: 5 };

/** What trainerSpec needs: the network and λ; everything else has a default. */
export type TrainerSpecInput = Pick<TrainerSpec, 'network' | 'lambda'> &
  Partial<Omit<TrainerSpec, 'network' | 'lambda' | 'synthesizer' | 'optimizer'>> & {
    synthesizer?: Partial<SynthesizerSpec>;
    optimizer?: Partial<AdamSpec>;
  };

/** Fill defaults for everything but the network and λ, then validate. */
export function trainerSpec(partial: TrainerSpecInput): TrainerSpec {
  checkKeys(partial, TRAINER_KEYS, '');
  const spec: TrainerSpec = {
    sgLossWeight: 1,
    sgLossReduction: 'sum',
    sgTarget: 'perExample',
    sgScale: 1,
    oracle: false,
    seed: 0,
    ...partial,
    synthesizer: { ...SYNTH_DEFAULTS, ...partial.synthesizer },
    optimizer: { ...ADAM_DEFAULTS, ...partial.optimizer },
  };
  validateTrainerSpec(spec);
  return spec;
}

const TRAINER_KEYS = ['network', 'lambda', 'synthesizer', 'sgLossWeight', 'sgLossReduction', 'sgTarget', 'sgScale', 'oracle', 'optimizer', 'seed'];
const FCN_KEYS = ['kind', 'input', 'hidden', 'classes'];
const CNN_KEYS = ['kind', 'input', 'filters', 'pools', 'kernel', 'classes'];
const SYNTH_KEYS = ['hiddenLayers', 'width', 'conditioned', 'kernel'];
const ADAM_KEYS = ['lr', 'beta1', 'beta2', 'eps', 'decaySteps', 'decayFactor'];

/** Throw on any key of obj not in allowed. */
export function checkKeys(obj: object, allowed: string[], path: string): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ConfigError(path || '(root)', `expected an object, got ${JSON.stringify(obj)}`);
  }
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(join(path, k), `unknown field; expected one of ${allowed.join(', ')}`);
  }
}

function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

function posInt(v: unknown, field: string): void {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new ConfigError(field, `must be a positive integer, got ${JSON.stringify(v)}`);
}

function inRange(v: unknown, lo: number, hi: number, field: string, loOpen = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v > hi || v < lo || (loOpen && v === lo)) {
    throw new ConfigError(field, `must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
}

function oneOf<T>(v: unknown, choices: readonly T[], field: string): void {
  if (!choices.includes(v as T)) throw new ConfigError(field, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(v)}`);
}

export function validateNetworkSpec(net: NetworkSpec, path = 'network'): void {
  if (net === null || typeof net !== 'object') throw new ConfigError(path, 'missing');
  oneOf(net.kind, ['fcn', 'cnn'], join(path, 'kind'));
  posInt(net.classes, join(path, 'classes'));
  if (net.kind === 'fcn') {
    checkKeys(net, FCN_KEYS, path);
    posInt(net.input, join(path, 'input'));
    if (!Array.isArray(net.hidden)) throw new ConfigError(join(path, 'hidden'), 'must be an array of layer widths');
    net.hidden.forEach((w, i) => posInt(w, `${join(path, 'hidden')}[${i}]`));
  } else {
    checkKeys(net, CNN_KEYS, path);
    if (!Array.isArray(net.input) || net.input.length !== 3) throw new ConfigError(join(path, 'input'), `must be [H, W, C], got ${JSON.stringify(net.input)}`);
    net.input.forEach((d, i) => posInt(d, `${join(path, 'input')}[${i}]`));
    if (!Array.isArray(net.filters)) throw new ConfigError(join(path, 'filters'), 'must be an array of filter counts');
    net.filters.forEach((f, i) => posInt(f, `${join(path, 'filters')}[${i}]`));
    if (!Array.isArray(net.pools) || net.pools.length !== net.filters.length) {
      throw new ConfigError(join(path, 'pools'), `needs one pooling per conv layer (${net.filters.length}), got ${JSON.stringify(net.pools)}`);
    }
    net.pools.forEach((p, i) => oneOf(p, ['max', 'avg'], `${join(path, 'pools')}[${i}]`));
    posInt(net.kernel, join(path, 'kernel'));
    if (net.kernel % 2 !== 1) throw new ConfigError(join(path, 'kernel'), `must be odd for resolution-preserving padding, got ${net.kernel}`);
  }
}

export function validateTrainerSpec(spec: TrainerSpec): void {
  checkKeys(spec, TRAINER_KEYS, '');
  validateNetworkSpec(spec.network);
  const k = depth(spec.network);
  if (!Array.isArray(spec.lambda)) throw new ConfigError('lambda', 'must be an array with one λ per connection');
  if (spec.lambda.length !== k - 1) {
    throw new ConfigError('lambda', `has ${spec.lambda.length} entries but a ${k}-layer network has ${k - 1} connections`);
  }
  spec.lambda.forEach((l, i) => {
    if (l !== 'none') inRange(l, 0, 1, `lambda[${i}]`);
  });
  const s = spec.synthesizer;
  checkKeys(s, SYNTH_KEYS, 'synthesizer');
  if (!Number.isInteger(s.hiddenLayers) || s.hiddenLayers < 0) throw new ConfigError('synthesizer.hiddenLayers', `must be 0 (linear), 1 or 2, got ${JSON.stringify(s.hiddenLayers)}`);
  if (s.hiddenLayers > 0) posInt(s.width, 'synthesizer.width');
  if (typeof s.conditioned !== 'boolean') throw new ConfigError('synthesizer.conditioned', `must be true or false, got ${JSON.stringify(s.conditioned)}`);
  posInt(s.kernel, 'synthesizer.kernel');
  if (s.kernel % 2 !== 1) throw new ConfigError('synthesizer.kernel', `must be odd, got ${s.kernel}`);
  inRange(spec.sgLossWeight, 0, Infinity, 'sgLossWeight');
  oneOf(spec.sgLossReduction, ['sum', 'mean'], 'sgLossReduction');
  oneOf(spec.sgTarget, ['batchMean', 'perExample'], 'sgTarget');
  if (typeof spec.sgScale !== 'number' || !Number.isFinite(spec.sgScale)) throw new ConfigError('sgScale', `must be a finite number, got ${JSON.stringify(spec.sgScale)}`);
  if (typeof spec.oracle !== 'boolean') throw new ConfigError('oracle', `must be true or false, got ${JSON.stringify(spec.oracle)}`);
  if (!Number.isInteger(spec.seed)) throw new ConfigError('seed', `must be an integer, got ${JSON.stringify(spec.seed)}`);
  const o = spec.optimizer;
  checkKeys(o, ADAM_KEYS, 'optimizer');
  inRange(o.lr, 0, Infinity, 'optimizer.lr', true);
  inRange(o.beta1, 0, 1, 'optimizer.beta1');
  inRange(o.beta2, 0, 1, 'optimizer.beta2');
  inRange(o.eps, 0, Infinity, 'optimizer.eps', true);
  if (!Array.isArray(o.decaySteps)) throw new ConfigError('optimizer.decaySteps', 'must be an array of step numbers');
  o.decaySteps.forEach((s, i) => posInt(s, `optimizer.decaySteps[${i}]`));
  inRange(o.decayFactor, 0, 1, 'optimizer.decayFactor', true);
}
