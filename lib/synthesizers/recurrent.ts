/**
 * The synthesizer of an LSTM (paper D.2): from the LSTM's output h at a chunk boundary, the
 * synthetic gradient for the whole state, the output h and the cell c.
 *
 *   h [B, H] → (Linear → ReLU) × hiddenLayers → Linear → [B, 2H] = (for h, for c)
 *
 * (ReLU is D.2's; `activation` may replace it by a leaky ReLU or tanh, whose units cannot die.)
 *
 * D.2: one hidden layer as wide as the LSTM, then a linear projection to 2× its width. The
 * output layer starts at zero weights AND biases, so the first synthetic gradients are exactly
 * zero (as D.1 says of every synthesizer). No BatchNorm: D.2 does not mention one. DNI+Aux adds
 * a second output layer (`aux`, also zero at the start) on the same hidden layer, predicting
 * the synthetic gradient the synthesizer will produce at the next boundary, T steps ahead
 * (its target: see trainers/recurrent-unit.ts).
 *
 * Units, consumption and the regression loss are the feed-forward synthesizers' (core.ts): in
 * 'perExample' units the output predicts B × the gradient of the batch-mean loss and is divided
 * by B when consumed; the consumed synthetic gradient is `scale` × that (D.2: 0.1). The aux
 * head's target is a value (a raw output of the synthesizer), regressed onto as it is.
 */
import * as tf from '@tensorflow/tfjs';
import { checkKeys, inRange, join, oneOf, posInt } from '../core/validators';
import { LeakyReLU, ReLU, Tanh } from '../modules/activation';
import { Linear } from '../modules/linear';
import type { Cache, Module } from '../modules/module';
import { Sequential } from '../modules/sequential';
import type { Rng } from '../core/rng';
import {
  asTarget,
  checkTarget,
  consumedGradient,
  lossGradient,
  type LossReduction,
  type RegressionLoss,
  regressionLoss,
  type SynthesizerContract,
  type TargetInput,
  type TargetUnits,
  validateHiddenLayers,
  validateRegressionSpec,
} from './core';

export interface RecurrentSynthesizerSpec {
  /** 0 (linear), 1 (the paper) or 2. */
  hiddenLayers: number;
  /** Units of each hidden layer (the paper: as wide as the LSTM). */
  width: number;
  /** The hidden layers' nonlinearity: 'relu' (D.2), 'leakyRelu' (slope 0.1) or 'tanh'. */
  activation: SynthesizerActivation;
  /** Synthetic gradients are multiplied by this when consumed (D.2: 0.1). */
  scale: number;
  /** Weight of the synthetic-gradient regression loss (D.2: 1). */
  lossWeight: number;
  /** Weight of the future-synthetic-gradient regression loss of DNI+Aux (D.2: 1). */
  auxWeight: number;
  targetUnits: TargetUnits;
  lossReduction: LossReduction;
}

export const SYNTHESIZER_ACTIVATIONS = ['relu', 'leakyRelu', 'tanh'] as const;
export type SynthesizerActivation = (typeof SYNTHESIZER_ACTIVATIONS)[number];

/** Fields added after recurrent runs were committed, at their off values (left out of cache keys there). */
export const RECURRENT_SYNTHESIZER_OFF = { activation: 'relu' } as const;

/** The defaults but the width, which is the LSTM's (see recurrentSpec). */
export const RECURRENT_SYNTHESIZER_DEFAULTS: Omit<RecurrentSynthesizerSpec, 'width'> = {
  hiddenLayers: 1,
  activation: 'relu',
  scale: 0.1,
  lossWeight: 1,
  auxWeight: 1,
  targetUnits: 'perExample',
  lossReduction: 'sum',
};

export const RECURRENT_SYNTHESIZER_KEYS = [...Object.keys(RECURRENT_SYNTHESIZER_DEFAULTS), 'width'];

export function validateRecurrentSynthesizerSpec(s: RecurrentSynthesizerSpec, path = 'synthesizer'): void {
  checkKeys(s, RECURRENT_SYNTHESIZER_KEYS, path);
  validateHiddenLayers(s.hiddenLayers, path);
  posInt(s.width, join(path, 'width'));
  oneOf(s.activation, SYNTHESIZER_ACTIVATIONS, join(path, 'activation'));
  inRange(s.auxWeight, 0, Infinity, join(path, 'auxWeight'));
  validateRegressionSpec(s, path);
}

/** One forward pass at a boundary. */
export interface RecurrentSynthesizerForward {
  /** The raw output, [B, 2H]: the synthetic gradient for h, then for c, in the synthesizer's units. */
  out: tf.Tensor2D;
  /** The aux head's raw output (DNI+Aux), [B, 2H]; null without it. */
  aux: tf.Tensor2D | null;
  cache: Cache;
}

export interface RecurrentRegression {
  /** Σ (or mean) of (out − target)², times lossWeight. */
  loss: tf.Scalar;
  /** The same for the aux head; null when it was not regressed. */
  auxLoss: tf.Scalar | null;
  /** Aligned with params(); zeros for the aux head when it was not regressed. */
  grads: tf.Tensor[];
  /** ∂(loss + auxLoss)/∂h, when asked for (backpropagating the regression error into the core). */
  dh: tf.Tensor2D | null;
}

function activation(kind: SynthesizerActivation): Module {
  if (kind === 'leakyRelu') return new LeakyReLU(0.1);
  return kind === 'tanh' ? new Tanh() : new ReLU();
}

export class RecurrentSynthesizer {
  readonly trunk: Sequential;
  readonly head: Linear;
  readonly auxHead: Linear | null;
  /** It reads h at a boundary and regresses onto the gradient reaching it (the aux head: onto a value). */
  readonly contract: SynthesizerContract = { inputs: 'h', target: 'gradient' };

  constructor(
    readonly hidden: number,
    readonly spec: RecurrentSynthesizerSpec,
    aux: boolean,
    rng: Rng,
    readonly name: string,
  ) {
    const mods: Module[] = [];
    let width = hidden;
    for (let i = 0; i < spec.hiddenLayers; i++) {
      mods.push(new Linear(width, spec.width, rng, { name: `${name}/hidden${i + 1}` }), activation(spec.activation));
      width = spec.width;
    }
    this.trunk = new Sequential(`${name}/trunk`, mods);
    // Zero weights AND biases: the first synthetic gradients are exactly zero.
    this.head = new Linear(width, 2 * hidden, rng, { init: 'zero', name: `${name}/out` });
    this.auxHead = aux ? new Linear(width, 2 * hidden, rng, { init: 'zero', name: `${name}/aux` }) : null;
  }

  params(): tf.Variable[] {
    return [...this.trunk.params(), ...this.head.params(), ...(this.auxHead?.params() ?? [])];
  }

  forward(h: tf.Tensor2D): RecurrentSynthesizerForward {
    const t = this.trunk.forward(h, 'train');
    const o = this.head.forward(t.y);
    const a = this.auxHead ? this.auxHead.forward(t.y) : null;
    return {
      out: o.y as tf.Tensor2D,
      aux: a ? (a.y as tf.Tensor2D) : null,
      cache: { trunk: t.cache, head: o.cache, ...(a ? { aux: a.cache } : {}) },
    };
  }

  /** The synthetic gradient as consumed, in gradient units: scale·out (÷B in 'perExample' units), split into (h, c). */
  syntheticGradient(out: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
    const g = this.consumed(out);
    const [h, c] = tf.split(g, 2, 1) as tf.Tensor2D[];
    return { h, c };
  }

  /** scale·out (÷B in 'perExample' units), [B, 2H]. */
  consumed(out: tf.Tensor2D): tf.Tensor2D {
    return consumedGradient(this.spec, out) as tf.Tensor2D;
  }

  /**
   * Regress the output onto z ([B, 2H], a constant gradient: ×B here in 'perExample' units) and,
   * when given, the aux head onto `auxTarget` (a value, raw output units, a constant).
   * `dh`: also return the regression error's gradient with respect to the input h.
   */
  regress(f: RecurrentSynthesizerForward, z: TargetInput, auxTarget: tf.Tensor | null, dh: boolean): RecurrentRegression {
    const target = asTarget(z);
    checkTarget(this.contract, target, this.name);
    const r = regressionLoss(this.spec, f.out, target);
    const head = this.head.backward(f.cache.head as Cache, lossGradient(r), { dx: true, params: true });
    let dHidden = head.dx!;
    let aux: RegressionLoss | null = null;
    let auxGrads: tf.Tensor[] = [];
    if (this.auxHead) {
      if (auxTarget && f.aux) {
        aux = regressionLoss(this.spec, f.aux, { kind: 'value', value: auxTarget }, this.spec.auxWeight);
        const ab = this.auxHead.backward(f.cache.aux as Cache, lossGradient(aux), { dx: true, params: true });
        dHidden = tf.add(dHidden, ab.dx!);
        auxGrads = ab.grads;
      } else {
        auxGrads = this.auxHead.params().map((p) => tf.zerosLike(p));
      }
    }
    const trunk = this.trunk.modules.length
      ? this.trunk.backward(f.cache.trunk as Cache, dHidden, { dx: dh, params: true })
      : { dx: dHidden, grads: [] };
    return {
      loss: r.loss,
      auxLoss: aux?.loss ?? null,
      grads: [...trunk.grads, ...head.grads, ...auxGrads],
      dh: dh ? (trunk.dx as tf.Tensor2D) : null,
    };
  }
}
