/**
 * A synthesizer: the model M(h, c) that outputs a synthetic gradient g ≈ ∂L/∂h
 * for an activation h, optionally conditioned on a context c (cDNI: the label).
 * It is trained by regression, (g − z)², onto a target z that is a constant.
 * It owns the conversion between its own output units and gradient units (core.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm } from '../modules/batchnorm';
import { ReLU } from '../modules/activation';
import { Conv2d } from '../modules/conv2d';
import type { Cache, Mode, Module } from '../modules/module';
import { Sequential } from '../modules/sequential';
import type { Rng } from '../core/rng';
import { asTarget, checkTarget, consumedGradient, lossGradient, regressionLoss, type SynthesizerContract, type TargetInput } from './core';
import { mlpLayers } from './mlp';
import type { SynthesizerSpec } from './spec';

/** One forward pass: the raw output and what the regression needs. */
export interface SynthesizerForward {
  /** The raw output M(h, c), in the synthesizer's own units, shaped like h. */
  out: tf.Tensor;
  cache: Cache;
}

/** What a unit needs of a synthesizer, whatever its kind ('mlp' here, 'ema' in ema.ts). */
export interface SynthesizerModel {
  readonly spec: SynthesizerSpec;
  readonly name: string;
  /** What it reads and what kind of target it regresses onto. */
  readonly contract: SynthesizerContract;
  /** Trainable parameters (φ), for the unit's optimizer. */
  params(): tf.Variable[];
  /** State that is not trained by the optimizer (BN statistics, a running average). */
  buffers(): tf.Variable[];
  forward(h: tf.Tensor, labels: tf.Tensor1D | null, mode: Mode): SynthesizerForward;
  syntheticGradient(out: tf.Tensor): tf.Tensor;
  /** One regression step onto a constant target (a bare tensor: a gradient): the loss and the gradients of params(). */
  regress(f: SynthesizerForward, target: TargetInput): { loss: tf.Scalar; grads: tf.Tensor[] };
}

/**
 * The synthesizer's layers for an activation of the given per-example shape.
 * Input: h (and, for cDNI, the label context); output: a tensor of h's shape.
 */
function buildSynthesizerLayers(hShape: number[], spec: SynthesizerSpec, classes: number, rng: Rng, name: string): Sequential {
  const ctx = spec.conditioned ? classes : 0;
  const mods: Module[] = [];
  if (hShape.length === 1) {
    // Zero weights AND biases: the first synthetic gradients are exactly zero (paper D.1).
    mods.push(...mlpLayers(hShape[0] + ctx, spec.hiddenLayers, spec.width, hShape[0], rng, name, { zeroOut: true }));
  } else if (hShape.length === 3) {
    let channels = hShape[2] + ctx;
    for (let i = 0; i < spec.hiddenLayers; i++) {
      mods.push(
        new Conv2d(channels, spec.width, spec.kernel, rng, { name: `${name}/hidden${i + 1}` }),
        new BatchNorm(spec.width, { name: `${name}/bn${i + 1}` }),
        new ReLU(),
      );
      channels = spec.width;
    }
    mods.push(new Conv2d(channels, hShape[2], spec.kernel, rng, { init: 'zero', name: `${name}/out` }));
  } else {
    throw new Error(`no synthesizer for activations of shape [${hShape}]`);
  }
  return new Sequential(name, mods);
}

/** The 'mlp' synthesizer: a small network trained by gradient descent on the regression loss. */
export class Synthesizer implements SynthesizerModel {
  readonly net: Sequential;
  readonly contract: SynthesizerContract;

  constructor(
    readonly hShape: number[],
    readonly spec: SynthesizerSpec,
    readonly classes: number,
    rng: Rng,
    readonly name: string,
  ) {
    this.net = buildSynthesizerLayers(hShape, spec, classes, rng, name);
    this.contract = { inputs: spec.conditioned ? 'h+labels' : 'h', target: 'gradient' };
  }

  params(): tf.Variable[] {
    return this.net.params();
  }

  buffers(): tf.Variable[] {
    return this.net.buffers();
  }

  /**
   * M(h, c). `labels` ([B] int32) are required when conditioned: an FCN synthesizer sees
   * [h, onehot]; a CNN synthesizer sees h with `classes` extra channels, all ones on the
   * label's channel and zeros elsewhere.
   */
  forward(h: tf.Tensor, labels: tf.Tensor1D | null, mode: Mode): SynthesizerForward {
    let input = h;
    if (this.spec.conditioned) {
      if (!labels) throw new Error(`${this.name}: a conditioned (cDNI) synthesizer needs the labels`);
      const onehot = tf.oneHot(labels, this.classes).toFloat();
      if (h.rank === 2) {
        input = tf.concat([h, onehot], 1);
      } else {
        const [b, hh, ww] = h.shape;
        const maps = tf.mul(tf.ones([b, hh, ww, this.classes]), tf.reshape(onehot, [b, 1, 1, this.classes]));
        input = tf.concat([h, maps], 3);
      }
    }
    const f = this.net.forward(input, mode);
    return { out: f.y, cache: f.cache };
  }

  /** The synthetic gradient as consumed, in gradient units: scale·M(h, c), ÷B in 'perExample' units. */
  syntheticGradient(out: tf.Tensor): tf.Tensor {
    return consumedGradient(this.spec, out);
  }

  /** Regression of the output onto the constant target: the loss (core.ts) and the parameter gradients. */
  regress(f: SynthesizerForward, target: TargetInput): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const t = asTarget(target);
    checkTarget(this.contract, t, this.name);
    const r = regressionLoss(this.spec, f.out, t);
    // The input (h and the label) is data to the synthesizer: no input gradient.
    const { grads } = this.net.backward(f.cache, lossGradient(r), { dx: false, params: true });
    return { loss: r.loss, grads };
  }
}
