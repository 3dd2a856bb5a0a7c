/**
 * Direct Feedback Alignment (Nøkland 2016) as a synthesizer (the framing of Czarnecki et al.
 * 2017): each hidden layer's synthetic gradient is a fixed random projection of the output error
 * e = ∂L/∂h_K that the loss broadcasts (messages.ts, ErrorMessage),
 *
 *   g_k = scale · e·D_k,        D_k ∈ R^{classes × |h_k|}, entries U(−1/√classes, 1/√classes), never trained
 *
 * e is in gradient units already (the batch-mean loss's), so g_k is too: no ÷B. It has no
 * parameters; its "regression step" changes nothing and reports (g − z̄)² in the synthesizer's
 * units as a diagnostic, as the 'ema' kind does.
 *
 *   const s = new DfaSynthesizer([256], { ...spec, kind: 'dfa' }, 10, rng, 'dfa1');
 *   s.syntheticGradient(s.forward(e, null, 'train').out);   // e·D_k
 */
import * as tf from '@tensorflow/tfjs';
import { makeVariable, type Mode } from '../modules/module';
import type { Rng } from '../core/rng';
import { asTarget, checkTarget, regressionLoss, type SynthesizerContract, type TargetInput } from './core';
import type { SynthesizerSpec } from './spec';
import type { SynthesizerForward, SynthesizerModel } from './synthesizer';

export class DfaSynthesizer implements SynthesizerModel {
  /** D_k, the fixed projection [classes, |h_k|]. */
  readonly projection: tf.Variable;
  readonly contract: SynthesizerContract = { inputs: 'outputError', target: 'gradient' };

  constructor(
    readonly hShape: number[],
    readonly spec: SynthesizerSpec,
    readonly classes: number,
    rng: Rng,
    readonly name: string,
  ) {
    if (spec.kind !== 'dfa') throw new Error(`${name}: DfaSynthesizer built from a '${spec.kind}' spec`);
    if (hShape.length !== 1) throw new Error(`${name}: DFA projects onto vector activations, got shape [${hShape}]`);
    const bound = 1 / Math.sqrt(classes);
    const draw = () => Float32Array.from({ length: classes * hShape[0] }, () => (2 * rng.uniform() - 1) * bound);
    this.projection = makeVariable(() => tf.tensor2d(draw(), [classes, hShape[0]]), false, `${name}/projection`);
  }

  params(): tf.Variable[] {
    return [];
  }

  buffers(): tf.Variable[] {
    return [this.projection];
  }

  /** e·D_k for the output error e [B, classes] (what this synthesizer reads in place of h). */
  forward(error: tf.Tensor, _labels: tf.Tensor1D | null, _mode: Mode): SynthesizerForward {
    if (error.rank !== 2 || error.shape[1] !== this.classes)
      throw new Error(`${this.name}: DFA reads the output error [B, ${this.classes}], got [${error.shape}]`);
    return { out: tf.matMul(error, this.projection), cache: {} };
  }

  /** scale·e·D_k, already in gradient units. */
  syntheticGradient(out: tf.Tensor): tf.Tensor {
    return tf.mul(out, this.spec.scale);
  }

  /** Nothing to train: the diagnostic (g − z̄)², with the target in the output's units (batch-mean gradients). */
  regress(f: SynthesizerForward, target: TargetInput): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const t = asTarget(target);
    checkTarget(this.contract, t, this.name);
    const { loss } = regressionLoss({ ...this.spec, targetUnits: 'batchMean' }, f.out, t);
    return { loss, grads: [] };
  }
}
