/**
 * The recurrent unit (paper A.3, Figure 10): an LSTM core with its readout (θ) and the boundary
 * synthesizer (φ), each with its own optimizer, driven by messages like the feed-forward Unit.
 * A step here is a chunk of T time steps; BP(λ) in time is BP(λ) between chunks:
 *
 *   forward(x_{t0..t1}, λ)   the chunk's cores from the carried state s_0, the readout's outputs,
 *                            and where λ < 1 at the end state s_T the synthetic gradient
 *                            g_T = scale·M(h_T) for (h_T, c_T);
 *   layerStep(∂L/∂y)         BPTT through the chunk from the loss's error and the gradient
 *                            arriving at s_T, ḡ_T = mix(λ, z̄_T, g_T) with z̄_T = 0 (the future's
 *                            true gradient never reaches a chunk: it is zero where the sequences
 *                            end, λ = 1, and cut off where λ = 0); updates θ and sends
 *                            z̄_0 = ḡ_1·∂s_1/∂s_0 to the previous step, whose pass at s_0 it is;
 *   synthesizerStep(z̄_0)     regresses that pass (kept one step: the pending map) onto z̄_0,
 *                            and, DNI+Aux, its aux head onto a value: the raw output M(h_T) of
 *                            this step's pass, the synthetic gradient made T steps later.
 *
 * The target z̄_0 (spec.sgTarget): 'future' is the gradient reaching s_0 alone; 'withStepLoss'
 * adds ∂l_0/∂h_0, the boundary step's own loss gradient (A.3 as printed). With sgToCore the
 * regression error also reaches θ through the core that made h_0 (Figure 10's T+1-th core), and
 * no further: θ's update then waits for that step's synthesizer step, so both gradients are in
 * it and the kept core is differentiated at the weights that made it.
 *
 * Tensors belong to the caller's scope; `scope` runs a step's calls in one tf.tidy that keeps
 * what the unit carries to the next step (the state, the boundary pass) and frees the rest.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../core/adam';
import { mix } from './mixture';
import { Linear, matMulTransposeB } from '../modules/linear';
import { Lstm, type LstmState, type LstmStepCache } from '../modules/lstm';
import { type Cache, cacheTensors } from '../modules/module';
import { Rng } from '../core/rng';
import { RecurrentSynthesizer, type RecurrentSynthesizerForward } from '../synthesizers/recurrent';
import type { ActivationMessage, GradientMessage } from './messages';
import type { RecurrentRecord } from './recurrent-record';
import { type RecurrentSpec, sgToCoreFactor, validateRecurrentSpec } from './recurrent-spec';

const RAW = { params: false, initial: true };

/** A step in flight: a chunk from its forward until its boundary pass has been regressed. */
interface Pending {
  step: number;
  /** λ at the chunk's end state. */
  lambda: number;
  /** The chunk's cores and the readout's cache, until the layer step. */
  cores: LstmStepCache[] | null;
  readout: Cache | null;
  /** The consumed synthetic gradient at s_T, [B, 2H], until the layer step. */
  synthetic: tf.Tensor | null;
  /** The synthesizer's pass at s_T, until it is regressed one step later (null where λ = 1, or none). */
  sg: RecurrentSynthesizerForward | null;
  /** sgToCore: the core that made h_T; 'withStepLoss': ∂l/∂h at s_T. Kept with the pass. */
  core: LstmStepCache | null;
  stepLoss: tf.Tensor | null;
  layerDone: boolean;
  /** θ's gradient waiting for the regression error through the previous step's kept core (sgToCore). */
  waiting: { grads: tf.Tensor[]; rec?: RecurrentRecord } | null;
}

export class RecurrentUnit {
  /** The unit's address: the chunks of one sequence talk to themselves one step apart. */
  readonly index = 1;
  readonly lstm: Lstm;
  /** The task's linear layer on h_t. */
  readonly output: Linear;
  readonly synthesizer: RecurrentSynthesizer | null;
  readonly optimizer: Adam;
  readonly synthesizerOptimizer: Adam | null;
  private carried: LstmState | null = null;
  private readonly pending = new Map<number, Pending>();

  constructor(readonly spec: RecurrentSpec) {
    validateRecurrentSpec(spec);
    // θ first, then φ from a generator of its own: 'bptt' and 'dni' of one seed start from the same θ.
    const rng = new Rng(spec.seed);
    this.lstm = new Lstm(spec.inputs, spec.hidden, rng, { forgetBias: spec.forgetBias, name: 'lstm' });
    this.output = new Linear(spec.hidden, spec.outputs, rng, { name: 'output' });
    this.synthesizer =
      spec.method === 'bptt'
        ? null
        : new RecurrentSynthesizer(spec.hidden, spec.synthesizer, spec.method === 'dniAux', rng.fork(), 'synthesizer');
    this.optimizer = new Adam(this.coreParams(), spec.optimizer);
    this.synthesizerOptimizer = this.synthesizer ? new Adam(this.synthesizer.params(), spec.synthesizerOptimizer ?? spec.optimizer) : null;
  }

  /** θ: the LSTM's W, b and the output layer's W, b. */
  coreParams(): tf.Variable[] {
    return [...this.lstm.params(), ...this.output.params()];
  }

  /** θ and φ. */
  params(): tf.Variable[] {
    return [...this.coreParams(), ...(this.synthesizer?.params() ?? [])];
  }

  /** The state carried to the next step (null after sequences ended). */
  get state(): LstmState | null {
    return this.carried;
  }

  /** The steps in flight, earliest first. */
  inFlight(): number[] {
    return [...this.pending.keys()].sort((a, b) => a - b);
  }

  /**
   * The chunk's x, [n, B, I], from the data (unit 0), with λ at its end state: forward n cores
   * from the carried state, the readout on every h_t (the message returned: [nB, outputs]),
   * and the synthesizer's pass at s_T where λ < 1.
   */
  forward(msg: ActivationMessage): ActivationMessage {
    if (msg.from !== 0) throw new Error(`the recurrent unit runs on the data (a message from unit 0), got one from unit ${msg.from}`);
    const lambda = msg.lambda;
    if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1))
      throw new Error(`the recurrent unit needs λ in [0, 1] at the chunk's end state, got ${JSON.stringify(lambda)}`);
    if (this.pending.has(msg.step)) throw new Error(`the recurrent unit: step ${msg.step} is already in flight`);
    const [n, B] = msg.h.shape;
    const fw = this.lstm.forward(tf.unstack(msg.h) as tf.Tensor2D[], this.carried ?? this.lstm.zeroState(B));
    const out = this.output.forward(n === 1 ? fw.hs[0] : tf.concat(fw.hs, 0));
    const sg = this.synthesizer && lambda < 1 ? this.synthesizer.forward(fw.state.h) : null;
    const synthetic = sg ? rolled(this.synthesizer!.consumed(sg.out), this.spec.shuffleSG) : null;
    this.carried = fw.state;
    this.pending.set(msg.step, {
      step: msg.step,
      lambda,
      cores: fw.cache,
      readout: out.cache,
      synthetic,
      sg,
      core: null,
      stepLoss: null,
      layerDone: false,
      waiting: null,
    });
    return { kind: 'activation', step: msg.step, from: this.index, h: out.y, labels: null };
  }

  /**
   * BPTT through the chunk from the loss's error ∂L/∂y (the readout's outputs) and ḡ_T, then θ's
   * update (after the previous step's synthesizer step with sgToCore). Returns z̄_0 for the
   * previous step's boundary pass, or null where there is none.
   */
  layerStep(incoming: GradientMessage, rec?: RecurrentRecord): GradientMessage | null {
    const p = this.addressed(incoming, 'layerStep');
    if (p.layerDone) throw new Error(`the recurrent unit: the layer step of step ${p.step} was done already`);
    const { spec, lstm } = this;
    const cores = p.cores!;
    const n = cores.length;
    const dy = incoming.grad;
    const ob = this.output.backward(p.readout!, dy, { dx: false, params: true });
    // ∂l_t/∂h_t step by step from the (narrow) output gradients: splitting [nB, H] would copy it n times on wasm.
    const dhs = (n === 1 ? [dy] : tf.split(dy, n, 0)).map((d) => matMulTransposeB(d as tf.Tensor2D, this.output.W as tf.Tensor2D));
    const end = mix(p.lambda, null, p.synthetic);
    const [eh, ec] = end ? (tf.split(end, 2, 1) as tf.Tensor2D[]) : [null, null];
    const prev = this.pending.get(p.step - 1);
    const awaiting = !!prev?.sg;
    const bw = lstm.backward(cores, dhs, end ? { h: eh, c: ec } : null, { params: true, initial: awaiting || !!rec });
    const grads = [...bw.grads, ...ob.grads];
    // 'raw': bootstrap from g itself, not the scale·g θ consumed (one more backward, before θ's update).
    const k = spec.sgBootstrap === 'raw' && end && spec.synthesizer.scale > 0 ? 1 / spec.synthesizer.scale : 1;
    const s0 = !awaiting || k === 1 ? bw.initial! : lstm.backward(cores, dhs, { h: tf.mul(eh!, k), c: tf.mul(ec!, k) }, RAW).initial!;
    if (rec)
      Object.assign(rec, {
        synthetic: p.synthetic,
        out: p.sg ? tf.clone(p.sg.out) : null,
        initial: tf.concat([bw.initial!.h, bw.initial!.c], 1),
      });
    // Kept with the pass at s_T until its target arrives, one step later.
    p.core = spec.sgToCore && p.sg ? cores[n - 1] : null;
    p.stepLoss = spec.sgTarget === 'withStepLoss' && p.sg ? dhs[n - 1] : null;
    Object.assign(p, { cores: null, readout: null, synthetic: null, layerDone: true });
    if (awaiting && spec.sgToCore) p.waiting = { grads, rec };
    else this.update(grads, null, rec);
    this.releaseIfDone(p);
    if (!awaiting) return null;
    const zh = spec.sgTarget === 'withStepLoss' ? tf.add(s0.h, prev!.stepLoss!) : s0.h;
    return { kind: 'gradient', step: prev!.step, to: this.index, grad: tf.concat([zh, s0.c], 1) };
  }

  /**
   * Regress the boundary pass of `target.step` onto z̄ (a gradient) and, DNI+Aux, its aux head
   * onto the next step's raw output (a value). Returns the regression loss.
   */
  synthesizerStep(target: GradientMessage, rec?: RecurrentRecord): tf.Scalar {
    const p = this.addressed(target, 'synthesizerStep');
    const synthesizer = this.synthesizer;
    if (!synthesizer) throw new Error('the recurrent unit has no synthesizer');
    if (!p.sg) throw new Error(`the recurrent unit: step ${p.step} has no boundary pass to regress (none made, or done)`);
    const next = this.pending.get(p.step + 1);
    const auxTarget = next?.sg?.out ?? null;
    const reg = synthesizer.regress(p.sg, target.grad, auxTarget, this.spec.sgToCore);
    this.synthesizerOptimizer!.apply(reg.grads);
    // The regression error reaches θ through the kept core that made h_0, and no further.
    const coreFromSG = reg.dh
      ? this.lstm.backward([p.core!], [tf.mul(reg.dh, sgToCoreFactor(this.spec, reg.dh.shape[0]))], null, { params: true, initial: false })
          .grads
      : null;
    if (rec) {
      const aux = p.sg.aux ? tf.clone(p.sg.aux) : null;
      Object.assign(rec, {
        coreFromSG,
        target: target.grad,
        regressed: synthesizer.consumed(p.sg.out),
        aux,
        auxTarget: aux && auxTarget ? tf.clone(auxTarget) : null,
      });
      Object.assign(rec, { sgLoss: reg.loss, auxLoss: reg.auxLoss, synthesizerGrads: reg.grads });
    }
    p.sg = null;
    this.releaseIfDone(p);
    if (next?.waiting) {
      const w = next.waiting;
      next.waiting = null;
      this.update(w.grads, coreFromSG, w.rec);
      this.releaseIfDone(next);
    }
    return reg.loss;
  }

  /** θ ← Adam(clip(∂θ)), with the part through the kept core added to the LSTM's. */
  private update(grads: tf.Tensor[], coreFromSG: tf.Tensor[] | null, rec?: RecurrentRecord): void {
    const all = coreFromSG ? grads.map((g, i) => (i < coreFromSG.length ? tf.add(g, coreFromSG[i]) : g)) : grads;
    this.optimizer.apply(this.clip(all));
    if (rec) rec.grads = all;
  }

  /** Global-norm clipping of θ's gradient (spec.clipNorm; off at 0). */
  private clip(grads: tf.Tensor[]): tf.Tensor[] {
    if (!this.spec.clipNorm) return grads;
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.minimum(1, tf.div(this.spec.clipNorm, tf.add(norm, 1e-12)));
    return grads.map((g) => tf.mul(g, factor));
  }

  /** A step is done once its layer step, its θ update and its pass's regression are. */
  private releaseIfDone(p: Pending): void {
    if (p.layerDone && !p.sg && !p.waiting) this.pending.delete(p.step);
  }

  private addressed(m: GradientMessage, what: string): Pending {
    if (m.to !== this.index) throw new Error(`the recurrent unit: ${what} got a gradient addressed to unit ${m.to}`);
    const p = this.pending.get(m.step);
    if (!p) throw new Error(`the recurrent unit: ${what} for step ${m.step}, which is not in flight; in flight: [${this.inFlight()}]`);
    return p;
  }

  /** Every tensor the unit carries from one step to the next: the state and the kept passes. */
  retained(): tf.Tensor[] {
    const out: tf.Tensor[] = [];
    if (this.carried) out.push(this.carried.h, this.carried.c);
    for (const p of this.pending.values()) {
      if (p.sg) out.push(p.sg.out, ...(p.sg.aux ? [p.sg.aux] : []), ...cacheTensors(p.sg.cache));
      if (p.core) out.push(...Object.values(p.core));
      if (p.stepLoss) out.push(p.stepLoss);
    }
    return [...new Set(out)];
  }

  /**
   * Run one step's calls in one tf.tidy scope: what the unit carries on outlives it, what it no
   * longer carries is freed. `fn` may tf.keep what its caller wants.
   */
  scope(fn: () => void): void {
    const before = this.retained();
    tf.tidy(() => {
      fn();
      for (const t of this.retained()) tf.keep(t);
    });
    const now = new Set(this.retained());
    for (const t of before) if (!now.has(t)) t.dispose();
  }

  /** Forget the state and every step in flight (new sequences, or their end). */
  drop(): void {
    const ts = this.retained();
    this.carried = null;
    this.pending.clear();
    for (const t of ts) t.dispose();
  }

  dispose(): void {
    this.drop();
    for (const v of this.params()) v.dispose();
    this.optimizer.dispose();
    this.synthesizerOptimizer?.dispose();
  }
}

/** Rows rolled by one when `roll` (the shuffleSG control): row b gets row b + 1's. */
function rolled(g: tf.Tensor2D, roll: boolean): tf.Tensor2D {
  const B = g.shape[0];
  return roll && B > 1 ? tf.concat([tf.slice(g, [1, 0], [B - 1, -1]), tf.slice(g, [0, 0], [1, -1])], 0) : g;
}
