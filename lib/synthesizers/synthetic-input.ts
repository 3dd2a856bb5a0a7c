/**
 * Complete unlock (paper D.1; main text, Figure 6): the synthetic-input model I_k of unit k ≥ 2,
 * which predicts the unit's input from the data alone, ĥ_{k−1} = I_k(x). With it a unit runs
 * forward without waiting for the unit below (forward unlocking), as its synthesizer lets it
 * update without waiting for the unit above (update unlocking).
 *
 * It is trained by regression onto the real o_{k−1}, the output unit k − 1 produced in the same
 * step, as a constant: Σ over batch and units of (ĥ_{k−1} − o_{k−1})², weight 1 (as a
 * synthesizer's 'sum' loss; the paper: L2 losses weighted 1). Its input x is data, so no
 * gradient flows into x; and nothing flows from unit k into I_k: to unit k the synthetic input
 * is a constant, like the data, so I_k learns only to imitate h_{k−1}, never to help the layers
 * above (which would make ĥ something other than a stand-in for h, and evaluation connects the
 * real h). At evaluation synthetic inputs are not used: all layers are connected.
 *
 *   const I = new SyntheticInput(784, [256], { hiddenLayers: 1, width: 1024 }, new Rng(1), 'input2');
 *   const f = I.forward(x);                 // ĥ_1 = f.out
 *   const { loss, grads } = I.regress(f, h1); // Σ(ĥ_1 − h_1)², gradients of I.params()
 */
import * as tf from '@tensorflow/tfjs';
import { checkKeys, join, posInt } from '../core/validators';
import { ConfigError } from '../core/errors';
import type { Cache, Mode } from '../modules/module';
import { Sequential } from '../modules/sequential';
import type { Rng } from '../core/rng';
import { mlpLayers } from './mlp';

/** The shape of every synthetic-input model of a network. */
export interface SyntheticInputSpec {
  /** Linear → BN → ReLU hidden layers: 0 (linear), 1 (the paper) or 2. */
  hiddenLayers: number;
  /** Units of each hidden layer. */
  width: number;
}

/**
 * One hidden layer, as the paper's synthetic-input models (D.1). The paper gives no width; 1024
 * is its MNIST synthesizers'.
 */
export const SYNTHETIC_INPUT_DEFAULTS: SyntheticInputSpec = { hiddenLayers: 1, width: 1024 };

export const SYNTHETIC_INPUT_KEYS = Object.keys(SYNTHETIC_INPUT_DEFAULTS);

const MAX_HIDDEN_LAYERS = 2;

export function validateSyntheticInputSpec(s: SyntheticInputSpec, path: string): void {
  checkKeys(s, SYNTHETIC_INPUT_KEYS, path);
  if (!Number.isInteger(s.hiddenLayers) || s.hiddenLayers < 0 || s.hiddenLayers > MAX_HIDDEN_LAYERS) {
    throw new ConfigError(join(path, 'hiddenLayers'), `must be 0 (linear), 1 (the paper) or 2, got ${JSON.stringify(s.hiddenLayers)}`);
  }
  posInt(s.width, join(path, 'width'));
}

/**
 * The layers of a synthetic-input model (complete unlock): the flattened input x of `inSize`
 * values, `hiddenLayers` Linear → BN → ReLU layers of `width` units (as a synthesizer's), then a
 * Linear to the `outSize` units of the activation it predicts. Unlike a synthesizer's, the last
 * layer keeps the default initialisation: a zero output would feed the unit a constant input
 * that its BatchNorm maps to zero, so nothing above would learn until the model had moved.
 */
function buildSyntheticInputLayers(inSize: number, outSize: number, spec: SyntheticInputSpec, rng: Rng, name: string): Sequential {
  return new Sequential(name, mlpLayers(inSize, spec.hiddenLayers, spec.width, outSize, rng, name, { zeroOut: false }));
}

/** One forward pass of a synthetic-input model: ĥ and what the regression needs. */
export interface SyntheticInputForward {
  out: tf.Tensor;
  cache: Cache;
}

export class SyntheticInput {
  readonly net: Sequential;

  /** `inSize`: values of one (flattened) example; `hShape`: per-example shape of the activation predicted. */
  constructor(
    readonly inSize: number,
    readonly hShape: number[],
    readonly spec: SyntheticInputSpec,
    rng: Rng,
    readonly name: string,
  ) {
    if (hShape.length !== 1) throw new Error(`${name}: synthetic inputs are built for vector activations (FCNs), got shape [${hShape}]`);
    this.net = buildSyntheticInputLayers(inSize, hShape[0], spec, rng, name);
  }

  params(): tf.Variable[] {
    return this.net.params();
  }

  buffers(): tf.Variable[] {
    return this.net.buffers();
  }

  /** ĥ = I(x), from the flattened batch x. */
  forward(x: tf.Tensor, mode: Mode = 'train'): SyntheticInputForward {
    const flat = x.rank === 2 ? x : tf.reshape(x, [x.shape[0], -1]);
    const f = this.net.forward(flat, mode);
    return { out: f.y, cache: f.cache };
  }

  /** Regression onto the constant target o: the loss Σ(ĥ − o)² and the gradients of params(). */
  regress(f: SyntheticInputForward, target: tf.Tensor): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const diff = tf.sub(f.out, target);
    const loss = tf.sum(tf.square(diff)) as tf.Scalar;
    // x is data: no input gradient.
    const { grads } = this.net.backward(f.cache, tf.mul(diff, 2), { dx: false, params: true });
    return { loss, grads };
  }
}
