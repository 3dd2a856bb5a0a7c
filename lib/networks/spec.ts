/**
 * The networks of the paper's experiments as specs: fully connected nets and CNNs (section C),
 * their depth and input shape, and the check of a spec's fields.
 */
import { ConfigError } from '../core/errors';
import { checkKeys, join, oneOf, posInt } from '../core/validators';
import type { PoolKind } from '../modules/pool';

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

/** Number of layers K (hidden layers + classifier). */
export function depth(net: NetworkSpec): number {
  return (net.kind === 'fcn' ? net.hidden.length : net.filters.length) + 1;
}

/** Per-example shape of the network's input. */
export function inputShape(net: NetworkSpec): number[] {
  return net.kind === 'fcn' ? [net.input] : [...net.input];
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
    if (!Array.isArray(net.input) || net.input.length !== 3)
      throw new ConfigError(join(path, 'input'), `must be [H, W, C], got ${JSON.stringify(net.input)}`);
    net.input.forEach((d, i) => posInt(d, `${join(path, 'input')}[${i}]`));
    if (!Array.isArray(net.filters)) throw new ConfigError(join(path, 'filters'), 'must be an array of filter counts');
    net.filters.forEach((f, i) => posInt(f, `${join(path, 'filters')}[${i}]`));
    if (!Array.isArray(net.pools) || net.pools.length !== net.filters.length) {
      throw new ConfigError(
        join(path, 'pools'),
        `needs one pooling per conv layer (${net.filters.length}), got ${JSON.stringify(net.pools)}`,
      );
    }
    net.pools.forEach((p, i) => oneOf(p, ['max', 'avg'], `${join(path, 'pools')}[${i}]`));
    posInt(net.kernel, join(path, 'kernel'));
    if (net.kernel % 2 !== 1)
      throw new ConfigError(join(path, 'kernel'), `must be odd for resolution-preserving padding, got ${net.kernel}`);
  }
}
