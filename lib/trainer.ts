/**
 * BP(λ) training of a feed-forward network (paper A.1–A.2) as a chain of units.
 *
 * One step reads in the paper's order: forward through every layer (each unit
 * also produces its synthetic gradient), the loss gives ḡ_K = ∂L/∂h_K, then top
 * down each unit regresses its synthesizer onto z̄_k, mixes ḡ_k, updates itself
 * and hands z̄_{k−1} below. All λ = 0 is every-layer DNI, all λ = 1 is backprop,
 * 'none' passes no gradient ("No Bprop").
 *
 *   const trainer = new BPLambdaTrainer(trainerSpec({ network: mnistFcn(4), lambda: [0, 0, 0] }));
 *   const stats = trainer.step(x, labels, { stats: true });
 */
import * as tf from '@tensorflow/tfjs';
import { activationShapes, buildNetwork } from './builders';
import { TrainerSpec, validateTrainerSpec } from './config';
import { ConfigError } from './errors';
import { softmaxCrossEntropy } from './loss';
import { Rng } from './rng';
import { Unit, UnitUpdate } from './unit';

export interface StepStats {
  /** Mean cross-entropy of the batch (before the update). */
  loss: number;
  /** Fraction of the batch misclassified (before the update). */
  error: number;
  /** Regression loss of each synthesizer, by connection index k = 1..K−1 (NaN where none trained). */
  sgLoss: number[];
}

/** Tensors of one step, for tests and analysis; the caller disposes them (see disposeCapture). */
export interface StepCapture {
  loss: tf.Scalar;
  /** ∂L/∂h_K. */
  dlogits: tf.Tensor;
  /** Per unit k = 1..K (index k − 1). */
  units: UnitUpdate[];
  /** True backprop gradients ∂L/∂h_k for k = 1..K−1 (index k − 1), when requested. */
  trueGrads: tf.Tensor[] | null;
}

export interface StepOptions {
  /** Read loss, error and synthesizer losses back (a sync; only when logging). */
  stats?: boolean;
  /** Keep the step's tensors (tests and analysis). */
  capture?: boolean;
  /** Also compute the true backprop gradients (SG quality analysis). */
  trueGrads?: boolean;
}

export class BPLambdaTrainer {
  readonly units: Unit[];
  readonly shapes: number[][];
  /** Number of steps taken. */
  steps = 0;

  constructor(readonly spec: TrainerSpec) {
    validateTrainerSpec(spec);
    const rng = new Rng(spec.seed);
    const layers = buildNetwork(spec.network, rng);
    this.shapes = activationShapes(spec.network, layers);
    this.units = layers.map(
      (layer, i) =>
        new Unit(
          i + 1,
          layer,
          {
            connection: i < layers.length - 1 ? spec.lambda[i] : null,
            hShape: this.shapes[i + 1],
            synthesizer: spec.synthesizer,
            classes: spec.network.classes,
            sgScale: spec.sgScale,
            sgTarget: spec.sgTarget,
            sgLossWeight: spec.sgLossWeight,
            sgLossReduction: spec.sgLossReduction,
            optimizer: spec.optimizer,
          },
          rng.fork(),
        ),
    );
  }

  /** All trainable variables: layers and synthesizers. */
  params(): tf.Variable[] {
    return this.units.flatMap((u) => u.params());
  }

  /** Layer parameters only (θ), unit by unit. */
  layerParams(): tf.Variable[][] {
    return this.units.map((u) => u.layer.params());
  }

  private checkInput(x: tf.Tensor, labels: tf.Tensor): void {
    const want = this.shapes[0];
    const got = x.shape.slice(1);
    if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
      throw new ConfigError('network.input', `the network expects examples of shape [${want}], got [${got}] (batch shape [${x.shape}])`);
    }
    if (labels.rank !== 1 || labels.shape[0] !== x.shape[0]) throw new Error(`labels must be [${x.shape[0]}], got [${labels.shape}]`);
  }

  /** One BP(λ) training step on a batch. */
  step(x: tf.Tensor, labels: tf.Tensor1D, opts: StepOptions = {}): StepStats | null {
    this.checkInput(x, labels);
    const kept: { stats: StepStats | null } = { stats: null };
    tf.tidy(() => {
      const cap = this.stepTensors(x, labels, opts.trueGrads || this.spec.oracle);
      if (opts.stats) {
        const { loss, errors } = cap;
        kept.stats = {
          loss: loss.dataSync()[0],
          error: errors.dataSync()[0] / x.shape[0],
          sgLoss: cap.units.slice(0, -1).map((u) => (u.sgLoss ? u.sgLoss.dataSync()[0] : NaN)),
        };
      }
    });
    this.steps++;
    return kept.stats;
  }

  /** Like step, but returns the step's tensors (kept out of tidy; dispose with disposeCapture). */
  stepCapture(x: tf.Tensor, labels: tf.Tensor1D, trueGrads = false): StepCapture {
    this.checkInput(x, labels);
    let out: StepCapture | null = null;
    tf.tidy(() => {
      const cap = this.stepTensors(x, labels, trueGrads || this.spec.oracle);
      const keep = <T extends tf.Tensor | null>(t: T): T => (t ? (tf.keep(t) as T) : t);
      out = {
        loss: keep(cap.loss),
        dlogits: keep(cap.dlogits),
        units: cap.units.map((u) => ({
          dx: keep(u.dx),
          gbar: keep(u.gbar),
          target: keep(u.target),
          synthetic: keep(u.synthetic),
          sgLoss: keep(u.sgLoss),
          layerGrads: u.layerGrads.map((g) => keep(g)),
        })),
        trueGrads: cap.trueGrads ? cap.trueGrads.map((g) => keep(g)) : null,
      };
    });
    this.steps++;
    return out as unknown as StepCapture;
  }

  private stepTensors(x: tf.Tensor, labels: tf.Tensor1D, wantTrue: boolean): StepCapture & { errors: tf.Scalar } {
    const K = this.units.length;
    const onehot = this.spec.synthesizer.conditioned ? (tf.oneHot(labels, this.spec.network.classes).toFloat() as tf.Tensor2D) : null;

    // Forward: h_k = f_k(h_{k−1}), and each unit's synthetic gradient g_k.
    let h = x;
    for (const u of this.units) h = u.forward(h, onehot, 'train');
    const { loss, dlogits, errors } = softmaxCrossEntropy(h as tf.Tensor2D, labels);

    // True gradients ∂L/∂h_k by plain backprop, before any parameter moves.
    let trueGrads: tf.Tensor[] | null = null;
    if (wantTrue) {
      trueGrads = new Array(K - 1);
      let d: tf.Tensor = dlogits;
      for (let k = K; k >= 2; k--) {
        d = this.units[k - 1].inputGradient(d);
        trueGrads[k - 2] = d;
      }
    }

    // Top down: ḡ_K = ∂L/∂h_K; each unit updates and hands z̄_{k−1} below.
    const updates: UnitUpdate[] = new Array(K);
    let incoming: tf.Tensor | null = dlogits;
    for (let k = K; k >= 1; k--) {
      const below = k > 1 ? this.units[k - 2] : null;
      const needDx = below !== null && below.wantsIncoming;
      const target = this.spec.oracle && trueGrads && k < K ? trueGrads[k - 1] : null;
      const u = this.units[k - 1].update(incoming, needDx, target);
      updates[k - 1] = u;
      incoming = u.dx;
    }
    return { loss, dlogits, errors, units: updates, trueGrads };
  }

  /** Loss and error of a batch in evaluation mode (running BatchNorm statistics). */
  evaluateBatch(x: tf.Tensor, labels: tf.Tensor1D): { loss: number; errors: number } {
    this.checkInput(x, labels);
    return tf.tidy(() => {
      let h = x;
      for (const u of this.units) h = u.forward(h, null, 'eval');
      const r = softmaxCrossEntropy(h as tf.Tensor2D, labels);
      return { loss: r.loss.dataSync()[0] * x.shape[0], errors: r.errors.dataSync()[0] };
    });
  }

  dispose(): void {
    for (const u of this.units) u.dispose();
  }
}

/** Dispose every tensor a stepCapture returned. */
export function disposeCapture(c: StepCapture): void {
  const all: (tf.Tensor | null)[] = [c.loss, c.dlogits, ...(c.trueGrads ?? [])];
  for (const u of c.units) all.push(u.dx, u.gbar, u.target, u.synthetic, u.sgLoss, ...u.layerGrads);
  // A tensor can appear twice (ḡ_K is dlogits; ḡ_k is s·g_k when λ = 0).
  for (const t of new Set(all)) if (t && !t.isDisposed) t.dispose();
}
