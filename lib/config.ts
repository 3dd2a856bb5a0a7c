/**
 * Network specs and the checks every config uses. Unknown fields and out-of-range values throw
 * a ConfigError naming the field (with its path, e.g. `trainer.synthesizer.width`).
 */
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
 * λ_k of connection k (between layer k and layer k + 1): a number in [0, 1] mixes the
 * backpropagated target with the synthetic gradient (0 = DNI, 1 = backprop), and 'none'
 * passes no gradient at all ("No Bprop").
 */
export type Lambda = number | 'none';

/** Number of layers K (hidden layers + classifier). */
export function depth(net: NetworkSpec): number {
  return (net.kind === 'fcn' ? net.hidden.length : net.filters.length) + 1;
}

/** Per-example shape of the network's input. */
export function inputShape(net: NetworkSpec): number[] {
  return net.kind === 'fcn' ? [net.input] : [...net.input];
}

/** `path.k`, or `k` at the root. */
export function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

/** Throw on any key of obj not in allowed. */
export function checkKeys(obj: unknown, allowed: readonly string[], path: string): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ConfigError(path || '(root)', `expected an object, got ${JSON.stringify(obj)}`);
  }
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(join(path, k), `unknown field; expected one of ${allowed.join(', ')}`);
  }
}

export function posInt(v: unknown, field: string): void {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new ConfigError(field, `must be a positive integer, got ${JSON.stringify(v)}`);
}

export function nonNegInt(v: unknown, field: string): void {
  if (!Number.isInteger(v) || (v as number) < 0) throw new ConfigError(field, `must be a non-negative integer, got ${JSON.stringify(v)}`);
}

export function inRange(v: unknown, lo: number, hi: number, field: string, loOpen = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v > hi || v < lo || (loOpen && v === lo)) {
    throw new ConfigError(field, `must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
}

export function finite(v: unknown, field: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(field, `must be a finite number, got ${JSON.stringify(v)}`);
}

export function bool(v: unknown, field: string): void {
  if (typeof v !== 'boolean') throw new ConfigError(field, `must be true or false, got ${JSON.stringify(v)}`);
}

export function oneOf<T>(v: unknown, choices: readonly T[], field: string): void {
  if (!choices.includes(v as T)) throw new ConfigError(field, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(v)}`);
}

const FCN_KEYS = ['kind', 'input', 'hidden', 'classes'];
const CNN_KEYS = ['kind', 'input', 'filters', 'pools', 'kernel', 'classes'];

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
