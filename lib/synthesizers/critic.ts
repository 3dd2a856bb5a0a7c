/**
 * A scalar critic (paper A.4): v(h, c; φ) ≈ E[L | h] (c: the label, conditioned), and its
 * gradient as the synthetic gradient,
 *
 *   g = scale · ∂v/∂h / B          (v in units of one example's loss; ÷B: the batch-mean loss's gradient)
 *
 * "a scalar approximation of the loss, or a vector approximation of the loss gradient, similar to
 * the scalar and vector critics suggested by Fairbank (2014)": the 'mlp' synthesizer is the vector
 * critic, this the scalar one. v is an MLP of Linear → ReLU hidden layers and a zero-initialised
 * Linear to one output (so v = 0 and g = 0 at the start, as the paper's synthesizers). It has no
 * BatchNorm: with BN in training mode v_b would depend on the other examples of the batch and ∂v/∂h
 * would not be each example's own gradient. Its regression target is a value (a tensor [B] in
 * loss units, ValueTarget): Σ_b (v_b − target_b)², or the mean, times lossWeight.
 *
 *   const c = new CriticSynthesizer([256], { ...spec, kind: 'critic' }, 10, rng, 'critic1');
 *   const f = c.forward(h, labels, 'train');      // f.out = ∂v/∂h, f.cache.value = v
 *   c.regress(f, { kind: 'value', value: lossPerExample });
 */
import * as tf from '@tensorflow/tfjs';
import type { Cache, Mode } from '../modules/module';
import { Sequential } from '../modules/sequential';
import type { Rng } from '../core/rng';
import { asTarget, checkTarget, consumedGradient, lossGradient, regressionLoss, type SynthesizerContract, type TargetInput } from './core';
import type { SynthesizerSpec } from './spec';
import { mlpLayers } from './mlp';
import type { SynthesizerForward, SynthesizerModel } from './synthesizer';

export class CriticSynthesizer implements SynthesizerModel {
  readonly net: Sequential;
  readonly contract: SynthesizerContract;

  constructor(
    readonly hShape: number[],
    readonly spec: SynthesizerSpec,
    readonly classes: number,
    rng: Rng,
    readonly name: string,
  ) {
    if (spec.kind !== 'critic') throw new Error(`${name}: CriticSynthesizer built from a '${spec.kind}' spec`);
    if (hShape.length !== 1) throw new Error(`${name}: a critic reads vector activations, got shape [${hShape}]`);
    const inSize = hShape[0] + (spec.conditioned ? classes : 0);
    this.net = new Sequential(
      name,
      mlpLayers(inSize, spec.hiddenLayers, spec.width, 1, rng, name, { zeroOut: true, batchNorm: false, outName: 'value' }),
    );
    this.contract = { inputs: spec.conditioned ? 'h+labels' : 'h', target: 'value' };
  }

  params(): tf.Variable[] {
    return this.net.params();
  }

  buffers(): tf.Variable[] {
    return [];
  }

  /**
   * v(h, c) and ∂v/∂h: `out` is ∂(Σ_b v_b)/∂h, each example's own gradient (no BN couples the
   * batch), in the synthesizer's units; `cache.value` is v [B].
   */
  forward(h: tf.Tensor, labels: tf.Tensor1D | null, mode: Mode): SynthesizerForward {
    let input = h;
    if (this.spec.conditioned) {
      if (!labels) throw new Error(`${this.name}: a conditioned critic needs the labels`);
      input = tf.concat([h, tf.oneHot(labels, this.classes).toFloat()], 1);
    }
    const f = this.net.forward(input, mode);
    const [b, d] = h.shape;
    const dInput = this.net.backward(f.cache, tf.ones([b, 1]), { dx: true, params: false }).dx as tf.Tensor;
    const out = this.spec.conditioned ? tf.slice(dInput, [0, 0], [b, d]) : dInput;
    return { out, cache: { net: f.cache, value: tf.reshape(f.y, [b]) } };
  }

  /** scale·∂v/∂h ÷ B: the batch-mean loss's gradient when v predicts each example's loss. */
  syntheticGradient(out: tf.Tensor): tf.Tensor {
    return consumedGradient(this.spec, out);
  }

  /** Regression of v onto a constant value target [B]: the loss and the gradients of params(). */
  regress(f: SynthesizerForward, target: TargetInput): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const t = asTarget(target);
    checkTarget(this.contract, t, this.name);
    const v = f.cache.value as tf.Tensor;
    if (t.value.shape.join() !== v.shape.join())
      throw new Error(`${this.name}: a value target has one number per example, shape [${v.shape}], got [${t.value.shape}]`);
    const r = regressionLoss(this.spec, v, t);
    const dv = tf.reshape(lossGradient(r), [v.shape[0], 1]);
    const { grads } = this.net.backward(f.cache.net as Cache, dv, { dx: false, params: true });
    return { loss: r.loss, grads };
  }
}
