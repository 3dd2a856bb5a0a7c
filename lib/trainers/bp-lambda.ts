/**
 * BP(λ) training of a feed-forward network (paper A.1–A.2) as a chain of units that talk in
 * messages, in one process.
 *
 * One step reads in the paper's order: activations go up through every unit (each also makes
 * its synthetic gradient), the task's loss gives ḡ_K = ∂L/∂h_K, then top down each unit
 * updates its layer with ḡ_k, regresses its synthesizer onto z̄_k and sends z̄_{k−1} below.
 * All λ = 0 is every-layer DNI, all λ = 1 is backprop, 'none' passes no gradient ("No Bprop").
 * With syntheticInputs (complete unlock), every unit k ≥ 2 runs forward on its synthetic input
 * I_k(x) instead of waiting for h_{k−1}, and I_k regresses onto the o_{k−1} that arrives (spec.ts).
 *
 *   const trainer = new BPLambdaTrainer(bpLambdaSpec({ network: mnistFcn(4), lambda: [0, 0, 0] }));
 *   const stats = trainer.step({ x, y }, { stats: true });
 *   trainer.step({ x, y }, { stats: true, measureSG: true }).series.sgCosine;   // per connection
 */
import * as tf from '@tensorflow/tfjs';
import { activationShapes } from '../networks/build';
import { depth, inputShape } from '../networks/spec';
import { ConfigError } from '../core/errors';
import { classification } from '../tasks/classification';
import type { Task } from '../tasks/task';
import { type ActivationMessage, type ErrorMessage, type GradientMessage, toUnit } from './messages';
import { scalarError } from './feedback';
import { unitSeeds } from './seeds';
import { type BPLambdaSpec, synthesizerFor, targetArrives, validateBPLambdaSpec } from './spec';
import { sgQuality, SG_QUALITY_SERIES } from './sg-quality';
import type { EvalSums, StepOptions, StepStats, Trainer } from './trainer';
import { emptyRecord, Unit, type UnitRecord, type UnitSpec } from './unit';
import { evaluateUnits } from './evaluate-units';

/** Inputs and class labels. */
export interface LabelledBatch {
  x: tf.Tensor;
  y: tf.Tensor1D;
}

/** Tensors of one step, for tests and analysis; the caller disposes them (see disposeCapture). */
export interface StepCapture {
  loss: tf.Scalar;
  /** ∂L/∂h_K. */
  dlogits: tf.Tensor;
  /** The loss's error message: ∂L/∂h_K (the same tensor as dlogits), broadcast to whoever reads it. */
  error: ErrorMessage;
  /** Per unit k = 1..K (index k − 1). */
  units: UnitRecord[];
  /** True backprop gradients ∂L/∂h_k for k = 1..K−1 (index k − 1), when requested. */
  trueGrads: tf.Tensor[] | null;
}

/** The plain-data specs of the K units of a BP(λ) network. */
export function unitSpecs(spec: BPLambdaSpec): UnitSpec[] {
  const K = depth(spec.network);
  const seeds = unitSeeds(spec.network, spec.seed);
  return seeds.map((s, i) => {
    const k = i + 1;
    const lambda = k < K ? spec.lambda[k - 1] : 1;
    // Only a connection that mixes in synthetic gradients (λ < 1) needs a synthesizer.
    const synth = typeof lambda === 'number' && lambda < 1 ? synthesizerFor(spec, k) : null;
    // The unit below wants z̄_{k−1} unless its connection is cut, and it arrives unless this unit gets no gradient.
    const sendsDown = k > 1 && spec.lambda[k - 2] !== 'none' && targetArrives(spec, k - 1);
    // Unit 1 reads x itself: only units above it get a synthetic input.
    const syntheticInput = k > 1 ? spec.syntheticInputs : null;
    return {
      index: k,
      network: spec.network,
      lambda,
      synthesizer: synth,
      sendsDown,
      updateProbability: spec.updateProbability,
      targetRefresh: spec.targetRefresh,
      syntheticInput,
      feedback: spec.feedback,
      optimizer: spec.optimizer,
      ...s,
    };
  });
}

/** Do the labels travel with the activations (some synthesizer is conditioned on them, cDNI)? */
export function needsLabels(spec: BPLambdaSpec): boolean {
  return unitSpecs(spec).some((u) => u.synthesizer?.conditioned);
}

export class BPLambdaTrainer implements Trainer<LabelledBatch> {
  readonly units: Unit[];
  /** Per-example shape of every h_k, k = 0..K. */
  readonly shapes: number[][];
  steps = 0;
  private readonly needLabels: boolean;

  constructor(
    readonly spec: BPLambdaSpec,
    readonly task: Task<tf.Tensor1D> = classification,
  ) {
    validateBPLambdaSpec(spec);
    this.shapes = activationShapes(spec.network);
    this.units = unitSpecs(spec).map((u) => new Unit(u));
    this.needLabels = needsLabels(spec);
  }

  /** All trainable variables: layers, synthesizers and synthetic inputs, unit by unit. */
  params(): tf.Variable[] {
    return this.units.flatMap((u) => u.params());
  }

  /** Layer parameters only (θ), unit by unit. */
  layerParams(): tf.Variable[][] {
    return this.units.map((u) => u.layer.params());
  }

  private checkBatch({ x, y }: LabelledBatch): void {
    const want = inputShape(this.spec.network);
    const got = x.shape.slice(1);
    if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
      throw new ConfigError('network.input', `the network expects examples of shape [${want}], got [${got}] (batch shape [${x.shape}])`);
    }
    this.task.checkTargets(y, this.shapes[this.shapes.length - 1], x.shape[0]);
  }

  step(batch: LabelledBatch, opts: StepOptions = {}): StepStats | null {
    this.checkBatch(batch);
    const kept: { stats: StepStats | null } = { stats: null };
    const measure = !!(opts.stats && opts.measureSG);
    tf.tidy(() => {
      // Measuring needs each unit's synthetic gradient (its record) and the true gradients.
      const records = measure ? this.units.map(() => emptyRecord()) : null;
      const r = this.stepTensors(batch, this.spec.oracle || measure, records, measure);
      if (opts.stats) {
        kept.stats = {
          loss: r.loss.dataSync()[0],
          error: r.errors.dataSync()[0] / batch.x.shape[0],
          series: { sgLoss: r.sgLoss.slice(0, -1).map((l) => (l ? l.dataSync()[0] : NaN)) },
        };
        // Per unit k = 1..K (entry k − 1: the loss of ĥ_{k−1}); NaN for unit 1 and a unit that skipped the step.
        // Only with complete unlock, so other runs' series (and fingerprints) are as before.
        if (this.spec.syntheticInputs) kept.stats.series.inputLoss = r.inputLoss.map((l) => (l ? l.dataSync()[0] : NaN));
        if (records) Object.assign(kept.stats.series, this.sgQualitySeries(records, r.trueGrads!, r.updateCosine, r.sent));
      }
    });
    this.steps++;
    return kept.stats;
  }

  /**
   * The SG_QUALITY_SERIES per connection k = 1..K−1; NaN where there is no synthesizer. With a
   * feedback rule (FA, Kickback) every connection's "synthetic gradient" is the gradient that rule
   * sends down (`sent`), the framing of Czarnecki et al. (2017).
   */
  private sgQualitySeries(
    records: UnitRecord[],
    trueGrads: tf.Tensor[],
    updateCosine: (tf.Scalar | null)[],
    sent: tf.Tensor[] | null,
  ): Record<string, number[]> {
    const K = this.units.length;
    const n = SG_QUALITY_SERIES.length;
    const rows = trueGrads.map((t, i) => {
      const g = sent ? sent[i] : this.units[i].synthesizer ? records[i].synthetic : null;
      const u = updateCosine[i];
      if (!g || !u) return tf.fill([n], NaN);
      const q = sgQuality(g, t);
      return tf.stack([q.distance, q.cosine, q.signError, q.trueNorm, q.relError, u]);
    });
    // One read-back for all connections.
    const v = K > 1 ? tf.stack(rows).dataSync() : new Float32Array(0);
    return Object.fromEntries(SG_QUALITY_SERIES.map((name, j) => [name, Array.from({ length: K - 1 }, (_, i) => v[n * i + j])]));
  }

  /** Like step, but returns the step's tensors (kept out of tidy; dispose with disposeCapture). */
  stepCapture(batch: LabelledBatch, trueGrads = false): StepCapture {
    this.checkBatch(batch);
    let out: StepCapture | null = null;
    tf.tidy(() => {
      const records = this.units.map(() => emptyRecord());
      const r = this.stepTensors(batch, trueGrads || this.spec.oracle, records);
      const keep = <T extends tf.Tensor | null>(t: T): T => (t ? (tf.keep(t) as T) : t);
      out = {
        loss: keep(r.loss),
        dlogits: keep(r.dlogits),
        error: r.error.loss ? { ...r.error, loss: keep(r.error.loss) } : r.error,
        units: records.map((u) => ({
          dx: keep(u.dx),
          gbar: keep(u.gbar),
          target: keep(u.target),
          synthetic: keep(u.synthetic),
          sgLoss: keep(u.sgLoss),
          layerGrads: u.layerGrads.map((g) => keep(g)),
          syntheticInput: keep(u.syntheticInput),
          inputTarget: keep(u.inputTarget),
          inputLoss: keep(u.inputLoss),
        })),
        trueGrads: r.trueGrads ? r.trueGrads.map((g) => keep(g)) : null,
      };
    });
    this.steps++;
    return out as unknown as StepCapture;
  }

  private stepTensors(
    { x, y }: LabelledBatch,
    wantTrue: boolean,
    records: UnitRecord[] | null,
    measure = false,
  ): {
    loss: tf.Scalar;
    errors: tf.Scalar;
    dlogits: tf.Tensor;
    error: ErrorMessage;
    sgLoss: (tf.Scalar | null)[];
    inputLoss: (tf.Scalar | null)[];
    trueGrads: tf.Tensor[] | null;
    updateCosine: (tf.Scalar | null)[];
    sent: tf.Tensor[] | null;
  } {
    const K = this.units.length;
    const step = this.steps;

    // Up: h_k = f_k(h_{k−1}), and each unit's synthetic gradient g_k. With complete unlock unit
    // k ≥ 2 runs on I_k(x) from the data instead, and the real o_{k−1} from below is only I_k's
    // regression target (a unit could take it whenever it arrives; here it is at once).
    const data: ActivationMessage = { kind: 'activation', step, from: 0, h: x, labels: this.needLabels ? y : null };
    const inputLoss: (tf.Scalar | null)[] = new Array(K).fill(null);
    let msg = data;
    for (const u of this.units) {
      const up = u.forward(u.syntheticInput ? data : msg);
      if (u.syntheticInput) inputLoss[u.index - 1] = u.inputStep(msg, records?.[u.index - 1]);
      msg = up;
    }
    const { loss, dOutputs, errors, perExample } = this.task.loss(msg.h, y);
    // The loss broadcasts ∂L/∂h_K (and each example's loss, for critics); the top unit takes it as
    // its gradient, and a synthesizer that reads it (DFA) makes its synthetic gradient from it.
    const error: ErrorMessage = { kind: 'error', step, from: K, grad: dOutputs, ...(perExample ? { loss: perExample } : {}) };
    for (const u of this.units) u.receiveError(error);
    // Kickback: each example's scalar error, broadcast with it (feedback.ts).
    const beta = this.spec.feedback === 'kickback' ? scalarError(dOutputs) : null;

    // True gradients ∂L/∂h_k by plain backprop, before any parameter moves. With complete unlock,
    // through the layers above as they ran, each on its synthetic input (see BPLambdaSpec).
    let trueGrads: tf.Tensor[] | null = null;
    if (wantTrue) {
      trueGrads = new Array(K - 1);
      let d: tf.Tensor = dOutputs;
      for (let k = K; k >= 2; k--) {
        d = this.units[k - 1].inputGradient(d);
        trueGrads[k - 2] = d;
      }
    }
    // With a feedback rule, the gradients it sends down, measured as synthetic gradients (the same chain the down pass makes).
    let sent: tf.Tensor[] | null = null;
    if (measure && this.spec.feedback !== 'bp') {
      sent = new Array(K - 1);
      let d: tf.Tensor = dOutputs;
      for (let k = K; k >= 2; k--) {
        d = this.units[k - 1].feedbackGradient(d, beta);
        sent[k - 2] = d;
      }
    }
    // What each synthetic gradient's layer update has in common with the true gradient's, read before any layer moves.
    const updateCosine = trueGrads && measure ? trueGrads.map((t, i) => this.units[i].updateCosine(t, undefined, sent?.[i])) : [];

    // Down: ḡ_K = ∂L/∂h_K; each unit updates its layer, sends z̄_{k−1} below, and regresses its synthesizer.
    // Null where a connection has no synthesizer, or its unit skipped this step (updateProbability).
    const sgLoss: (tf.Scalar | null)[] = new Array(K).fill(null);
    let incoming: GradientMessage | null = { ...toUnit(error, K), ...(beta ? { scalarError: beta } : {}) };
    for (let k = K; k >= 1; k--) {
      const u = this.units[k - 1];
      const rec = records?.[k - 1];
      const target: GradientMessage | null =
        this.spec.oracle && trueGrads && k < K ? { kind: 'gradient', step, to: k, grad: trueGrads[k - 1] } : incoming;
      const down = u.layerStep(incoming, rec);
      if (u.synthesizer && target) sgLoss[k - 1] = u.synthesizerStep(target, rec);
      incoming = down;
    }
    // The step's scope ends here: a unit whose target never comes (a cut connection above) forgets it.
    for (const u of this.units) u.release(step);
    return { loss, errors, dlogits: dOutputs, error, sgLoss, inputLoss, trueGrads, updateCosine, sent };
  }

  evaluate(batch: LabelledBatch): EvalSums {
    this.checkBatch(batch);
    return evaluateUnits(this.units, this.task, batch, this.steps);
  }

  dispose(): void {
    for (const u of this.units) u.dispose();
  }
}

/** Dispose every tensor a stepCapture returned. */
export function disposeCapture(c: StepCapture): void {
  const all: (tf.Tensor | null)[] = [c.loss, c.dlogits, c.error.loss ?? null, ...(c.trueGrads ?? [])];
  for (const u of c.units)
    all.push(u.dx, u.gbar, u.target, u.synthetic, u.sgLoss, ...u.layerGrads, u.syntheticInput, u.inputTarget, u.inputLoss);
  // A tensor can appear twice (ḡ_K is dlogits; ḡ_k is g_k when λ = 0).
  for (const t of new Set(all)) if (t && !t.isDisposed) t.dispose();
}
