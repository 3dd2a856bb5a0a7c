/**
 * Recurrent BP(λ) (paper A.3, Figure 10; D.2): an LSTM with a linear output layer trained on a
 * loss l_t at every step, in chunks of T steps, with θ (LSTM and output layer) and φ (the
 * synthesizer) shared across steps. The state carries from chunk to chunk; only the gradient is
 * cut at a boundary (λ = 0 there, 1 inside a chunk).
 *
 * One chunk reads in the paper's order:
 *   1. forward T fresh cores from the carried state s_0 = (h_0, c_0); the output layer and the
 *      task's loss give ∂l_t/∂h_t at every step;
 *   2. at the chunk's end state s_T the synthesizer makes g_T = scale·M(h_T) for (h, c)
 *      ('dni', 'dniAux'; none for 'bptt', and none where the sequences end: nothing comes after,
 *      so the true gradient there is zero);
 *   3. BPTT through the chunk from ∂l_t/∂h_t and g_T gives θ's gradient and the gradient that
 *      reaches s_0, ḡ_1·∂s_1/∂s_0 — which is the (one chunk stale) target z̄ of the synthetic
 *      gradient made at s_0 at the end of the previous chunk. That synthesizer pass was kept
 *      (with, for sgToCore, the core that made h_0): the T+1 cores of Figure 10. Its regression
 *      updates φ;
 *   4. θ is updated (Adam) and the chunk's cores are dropped; s_T and the pending synthesizer
 *      pass at s_T carry to the next chunk.
 *
 * The target z̄ (spec.sgTarget): 'future' (default) is the gradient reaching s_0 alone, the
 * losses from the next step on (Figure 10); 'withStepLoss' adds ∂l_0/∂h_0, the boundary step's
 * own loss gradient (A.3 as printed, which then counts that loss twice).
 *
 * DNI+Aux: the synthesizer's aux head at s_0 predicts the synthetic gradient the synthesizer
 * makes T steps ahead, at the end of the next chunk: its target is the main head's raw output
 * M(h_T) at this chunk's end (in the synthesizer's own units, before the scale; a constant),
 * so it arrives one chunk later, with z̄. At the sequences' last chunk there is no next
 * synthetic gradient and the aux head is not regressed (its gradient is zero there).
 *
 *   const t = new RecurrentTrainer(recurrentSpec({ inputs: 9, outputs: 8, T: 5, method: 'dni' }));
 *   const stats = t.step(copyBatch('copy', { N: 10, R: 1 }, 256, rng), { stats: true });
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../adam';
import { ConfigError } from '../errors';
import { Linear, matMulTransposeB } from '../modules/linear';
import { Lstm, LstmState, LstmStepCache } from '../modules/lstm';
import { Cache } from '../modules/module';
import { Rng } from '../rng';
import { RecurrentSynthesizer, RecurrentSynthesizerForward } from '../synthesizers/recurrent';
import { bitTask, SequenceBatch, SequenceTask } from '../tasks/sequence';
import { chunkBounds, RecurrentSpec, validateRecurrentSpec } from './recurrent-spec';
import { EvalSums, StepOptions, StepStats, Trainer } from './trainer';

/** What carries from one chunk to the next besides the state: the synthesizer pass at the boundary. */
interface Pending {
  sg: RecurrentSynthesizerForward;
  /** The core that made the boundary's h (only for sgToCore). */
  core: LstmStepCache | null;
  /** ∂l/∂h at the boundary step (only for sgTarget 'withStepLoss'). */
  stepLoss: tf.Tensor | null;
}

/** One chunk's tensors, for tests and analysis (see stepCapture; dispose with disposeChunkRecords). */
export interface ChunkRecord {
  /** Steps [start, end) of the batch. */
  start: number;
  end: number;
  /** The chunk's loss, nats per sequence. */
  loss: tf.Scalar;
  /** θ's gradient as applied (before clipping), aligned with coreParams(): [W, b, W_out, b_out]. */
  grads: tf.Tensor[];
  /** The part of [∂W, ∂b] that the regression error brought through the kept core (sgToCore), else null. */
  coreFromSG: tf.Tensor[] | null;
  /** The synthetic gradient consumed at the chunk's end, [B, 2H] (h, then c), gradient units; null where none. */
  synthetic: tf.Tensor | null;
  /** The synthesizer's raw output there (the aux target of the previous boundary); null where none. */
  out: tf.Tensor | null;
  /** The gradient reaching the chunk's first state, [B, 2H] (h, then c): ḡ_1·∂s_1/∂s_0; null when not computed. */
  initial: tf.Tensor | null;
  /** z̄ of the synthetic gradient made at the chunk's first state, [B, 2H], gradient units; null when none was made there. */
  target: tf.Tensor | null;
  /** That synthetic gradient (the previous chunk's `synthetic`, regressed onto `target`). */
  regressed: tf.Tensor | null;
  /** The aux head's output at the chunk's first state and its target (the raw output at this chunk's end). */
  aux: tf.Tensor | null;
  auxTarget: tf.Tensor | null;
  sgLoss: tf.Scalar | null;
  auxLoss: tf.Scalar | null;
  /** φ's gradient, aligned with synthesizer.params(); empty when it did not train. */
  synthesizerGrads: tf.Tensor[];
}

/** Per-chunk scalars kept for the step's statistics. */
interface ChunkStats {
  loss: tf.Scalar;
  wrong: tf.Tensor1D;
  sgLoss: tf.Scalar | null;
  auxLoss: tf.Scalar | null;
  sgCosine: tf.Scalar | null;
}

export class RecurrentTrainer implements Trainer<SequenceBatch> {
  readonly lstm: Lstm;
  /** The task's linear layer on h_t. */
  readonly output: Linear;
  readonly synthesizer: RecurrentSynthesizer | null;
  readonly optimizer: Adam;
  readonly synthesizerOptimizer: Adam | null;
  /** Batches (step calls) so far. */
  steps = 0;
  /** θ updates so far (one per chunk). */
  updates = 0;
  /** Sequences consumed so far (the x-axis of Figure 17): B for every batch that starts sequences. */
  samples = 0;
  private carried: LstmState | null = null;
  private pending: Pending | null = null;

  constructor(
    readonly spec: RecurrentSpec,
    readonly task: SequenceTask = bitTask,
  ) {
    validateRecurrentSpec(spec);
    // θ first, then φ from a generator of its own: 'bptt' and 'dni' of one seed start from the same θ.
    const rng = new Rng(spec.seed);
    this.lstm = new Lstm(spec.inputs, spec.hidden, rng, { forgetBias: spec.forgetBias, name: 'lstm' });
    this.output = new Linear(spec.hidden, spec.outputs, rng, { name: 'output' });
    this.synthesizer = spec.method === 'bptt' ? null : new RecurrentSynthesizer(spec.hidden, spec.synthesizer, spec.method === 'dniAux', rng.fork(), 'synthesizer');
    this.optimizer = new Adam(this.coreParams(), spec.optimizer);
    this.synthesizerOptimizer = this.synthesizer ? new Adam(this.synthesizer.params(), spec.optimizer) : null;
  }

  /** θ: the LSTM's W, b and the output layer's W, b. */
  coreParams(): tf.Variable[] {
    return [...this.lstm.params(), ...this.output.params()];
  }

  /** θ and φ. */
  params(): tf.Variable[] {
    return [...this.coreParams(), ...(this.synthesizer?.params() ?? [])];
  }

  /** The state carried to the next batch (null after sequences ended); owned by the trainer. */
  get state(): LstmState | null {
    return this.carried;
  }

  private checkBatch(b: SequenceBatch): void {
    const { x, y, mask } = b;
    if (x.rank !== 3 || x.shape[2] !== this.spec.inputs) throw new ConfigError('inputs', `is ${this.spec.inputs}, but the batch's x has shape [${x.shape}] (expected [L, B, ${this.spec.inputs}])`);
    const [L, B] = x.shape;
    if (y.rank !== 3 || y.shape[0] !== L || y.shape[1] !== B || y.shape[2] !== this.spec.outputs) throw new ConfigError('outputs', `is ${this.spec.outputs}, but the batch's y has shape [${y.shape}] (expected [${L}, ${B}, ${this.spec.outputs}])`);
    if (mask.rank !== 2 || mask.shape[0] !== L || mask.shape[1] !== B) throw new Error(`the batch's mask must have shape [${L}, ${B}], got [${mask.shape}]`);
    if (b.starts === false && this.carried && this.carried.h.shape[0] !== B) throw new Error(`a continuing batch must keep the batch size ${this.carried.h.shape[0]}, got ${B}`);
  }

  step(batch: SequenceBatch, opts: StepOptions = {}): StepStats | null {
    const chunks: ChunkStats[] = [];
    this.run(batch, opts.stats ? chunks : null, null);
    if (!opts.stats) return null;
    return this.readStats(chunks, batch.x.shape[1]);
  }

  /** Like step, but returns every chunk's tensors (kept; dispose with disposeChunkRecords). */
  stepCapture(batch: SequenceBatch): ChunkRecord[] {
    const records: ChunkRecord[] = [];
    this.run(batch, null, records);
    return records;
  }

  private run(batch: SequenceBatch, stats: ChunkStats[] | null, records: ChunkRecord[] | null): void {
    this.checkBatch(batch);
    const [L, B] = batch.x.shape;
    if (batch.starts !== false) this.drop();
    const ends = batch.ends !== false;
    const bounds = chunkBounds(L, this.spec.T);
    bounds.forEach(([t0, t1], j) => this.chunk(batch, t0, t1, ends && j === bounds.length - 1, stats, records));
    if (ends) this.drop();
    this.steps++;
    if (batch.starts !== false) this.samples += B;
  }

  /** One chunk, in its own scope: only the carried state, the pending pass and what the caller asked for outlive it. */
  private chunk(batch: SequenceBatch, t0: number, t1: number, last: boolean, stats: ChunkStats[] | null, records: ChunkRecord[] | null): void {
    const before = this.carriedTensors();
    tf.tidy(() => {
      const { spec, lstm, synthesizer } = this;
      const B = batch.x.shape[1];
      const n = t1 - t0;
      const xs = tf.unstack(tf.slice(batch.x, [t0, 0, 0], [n, B, spec.inputs])) as tf.Tensor2D[];
      const y = tf.reshape(tf.slice(batch.y, [t0, 0, 0], [n, B, spec.outputs]), [n * B, spec.outputs]) as tf.Tensor2D;
      const mask = tf.reshape(tf.slice(batch.mask, [t0, 0], [n, B]), [n * B]) as tf.Tensor1D;

      // 1. Forward T fresh cores; the output layer and the loss at every step.
      const fw = lstm.forward(xs, this.carried ?? lstm.zeroState(B));
      const out = this.output.forward(n === 1 ? fw.hs[0] : tf.concat(fw.hs, 0));
      const l = this.task.loss(out.y as tf.Tensor2D, y, mask, B);
      const ob = this.output.backward(out.cache, l.dLogits, { dx: false, params: true });
      // ∂l_t/∂h_t step by step from the (narrow) logit gradients: splitting [nB, H] would copy it n times on wasm.
      const dhs = (n === 1 ? [l.dLogits] : tf.split(l.dLogits, n, 0)).map((d) => matMulTransposeB(d as tf.Tensor2D, this.output.W as tf.Tensor2D));

      // 2. λ = 0 at the chunk's end: the synthetic gradient for (h_T, c_T) stands in for the future's.
      const sg = synthesizer && !last ? synthesizer.forward(fw.state.h) : null;
      const synthetic = sg ? synthesizer!.syntheticGradient(sg.out) : null;

      // 3. BPTT through the chunk; the gradient reaching s_0 is the target of the pass made there.
      const pending = this.pending;
      const bw = lstm.backward(fw.cache, dhs, synthetic, { params: true, initial: !!pending || !!records });
      let lstmGrads = bw.grads;
      let target: tf.Tensor | null = null;
      let reg: ReturnType<RecurrentSynthesizer['regress']> | null = null;
      let coreFromSG: tf.Tensor[] | null = null;
      if (pending && synthesizer) {
        const zh = spec.sgTarget === 'withStepLoss' ? tf.add(bw.initial!.h, pending.stepLoss!) : bw.initial!.h;
        target = tf.concat([zh, bw.initial!.c], 1);
        reg = synthesizer.regress(pending.sg, target, sg ? sg.out : null, spec.sgToCore);
        this.synthesizerOptimizer!.apply(reg.grads);
        if (reg.dh) {
          // The regression error reaches θ through the kept core that made h_0, and no further.
          coreFromSG = lstm.backward([pending.core!], [reg.dh], null, { params: true, initial: false }).grads;
          lstmGrads = lstmGrads.map((g, i) => tf.add(g, coreFromSG![i]));
        }
      }

      // 4. Update θ; carry s_T and the pass at s_T.
      const grads = [...lstmGrads, ...ob.grads];
      this.optimizer.apply(this.clip(grads));
      this.updates++;
      this.carried = last ? null : fw.state;
      this.pending = sg ? { sg, core: spec.sgToCore ? fw.cache[n - 1] : null, stepLoss: spec.sgTarget === 'withStepLoss' ? dhs[n - 1] : null } : null;
      for (const t of this.carriedTensors()) tf.keep(t);

      if (stats) {
        const cos = reg ? cosine(synthesizer!.consumed(pending!.sg.out), target!) : null;
        stats.push(keepAll({ loss: l.loss, wrong: l.wrong, sgLoss: reg?.loss ?? null, auxLoss: reg?.auxLoss ?? null, sgCosine: cos }));
      }
      if (records) {
        records.push(
          keepAll({
            start: t0,
            end: t1,
            loss: l.loss,
            grads,
            coreFromSG,
            synthetic: sg ? synthesizer!.consumed(sg.out) : null,
            // Clones of anything the trainer carries: disposing a record must not touch its state.
            out: sg ? tf.clone(sg.out) : null,
            initial: tf.concat([bw.initial!.h, bw.initial!.c], 1),
            target,
            regressed: pending && synthesizer ? synthesizer.consumed(pending.sg.out) : null,
            aux: pending?.sg.aux ? tf.clone(pending.sg.aux) : null,
            auxTarget: pending?.sg.aux && sg ? tf.clone(sg.out) : null,
            sgLoss: reg?.loss ?? null,
            auxLoss: reg?.auxLoss ?? null,
            synthesizerGrads: reg?.grads ?? [],
          }),
        );
      }
    });
    const now = new Set(this.carriedTensors());
    for (const t of before) if (!now.has(t)) t.dispose();
  }

  /** Global-norm clipping of θ's gradient (spec.clipNorm; off at 0). */
  private clip(grads: tf.Tensor[]): tf.Tensor[] {
    if (!this.spec.clipNorm) return grads;
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.minimum(1, tf.div(this.spec.clipNorm, tf.add(norm, 1e-12)));
    return grads.map((g) => tf.mul(g, factor));
  }

  /** Every tensor that outlives a chunk: the state and the pending synthesizer pass. */
  private carriedTensors(): tf.Tensor[] {
    const out: tf.Tensor[] = [];
    if (this.carried) out.push(this.carried.h, this.carried.c);
    const p = this.pending;
    if (p) {
      out.push(p.sg.out, ...(p.sg.aux ? [p.sg.aux] : []), ...cacheTensors(p.sg.cache));
      if (p.core) out.push(...Object.values(p.core));
      if (p.stepLoss) out.push(p.stepLoss);
    }
    return [...new Set(out)];
  }

  /** Forget the state and the pending pass (new sequences). */
  private drop(): void {
    const ts = this.carriedTensors();
    this.carried = null;
    this.pending = null;
    for (const t of ts) t.dispose();
  }

  private readStats(chunks: ChunkStats[], B: number): StepStats {
    const r = tf.tidy(() => {
      const sum = (xs: tf.Tensor[]) => (xs.length ? tf.addN(xs) : tf.scalar(NaN));
      const mean = (xs: (tf.Tensor | null)[]) => {
        const v = xs.filter((x): x is tf.Tensor => !!x);
        return v.length ? tf.div(tf.addN(v), v.length) : tf.scalar(NaN);
      };
      const wrongSeqs = tf.sum(tf.cast(tf.greater(sum(chunks.map((c) => c.wrong)), 0), 'float32'));
      return tf.stack([sum(chunks.map((c) => c.loss)), wrongSeqs, mean(chunks.map((c) => c.sgLoss)), mean(chunks.map((c) => c.auxLoss)), mean(chunks.map((c) => c.sgCosine))]);
    });
    const v = r.dataSync();
    r.dispose();
    for (const c of chunks) for (const t of [c.loss, c.wrong, c.sgLoss, c.auxLoss, c.sgCosine]) t?.dispose();
    const series: Record<string, number[]> = {};
    if (this.synthesizer) {
      series.sgLoss = [v[2]];
      series.sgCosine = [v[4]];
      if (this.synthesizer.auxHead) series.auxLoss = [v[3]];
    }
    return { loss: v[0] / Math.LN2, error: v[1] / B, series };
  }

  /**
   * Loss (bits per sequence, summed over the batch) and errors (sequences with any output on the
   * wrong side of ½) of whole sequences from a zero state, without training; the training state
   * is left alone.
   */
  evaluate(batch: SequenceBatch): EvalSums {
    this.checkBatch(batch);
    const [L, B] = batch.x.shape;
    const r = tf.tidy(() => {
      const { hs } = this.lstm.forward(tf.unstack(batch.x) as tf.Tensor2D[], this.lstm.zeroState(B));
      const logits = this.output.forward(tf.concat(hs, 0)).y as tf.Tensor2D;
      const l = this.task.loss(logits, tf.reshape(batch.y, [L * B, this.spec.outputs]), tf.reshape(batch.mask, [L * B]), B);
      return tf.stack([l.loss, tf.sum(tf.cast(tf.greater(l.wrong, 0), 'float32'))]);
    });
    const v = r.dataSync();
    r.dispose();
    return { n: B, loss: (v[0] / Math.LN2) * B, errors: v[1] };
  }

  dispose(): void {
    this.drop();
    for (const v of this.params()) v.dispose();
    this.optimizer.dispose();
    this.synthesizerOptimizer?.dispose();
  }
}

/** cos(a, b) over all entries (0 when either is zero). */
function cosine(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(a, b)), tf.sqrt(tf.add(tf.mul(tf.sum(tf.square(a)), tf.sum(tf.square(b))), 1e-30))) as tf.Scalar;
}

/** Every tensor of a module cache. */
function cacheTensors(c: Cache): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (v: unknown) => {
    if (v instanceof tf.Tensor) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(c);
  return out;
}

/** tf.keep every tensor of a record (arrays included); returns the record. */
function keepAll<T extends object>(r: T): T {
  for (const v of Object.values(r)) {
    if (v instanceof tf.Tensor) tf.keep(v);
    else if (Array.isArray(v)) for (const t of v) if (t instanceof tf.Tensor) tf.keep(t);
  }
  return r;
}

/** Dispose every tensor stepCapture returned. */
export function disposeChunkRecords(records: ChunkRecord[]): void {
  const all = new Set<tf.Tensor>();
  for (const r of records) {
    for (const v of Object.values(r)) {
      if (v instanceof tf.Tensor) all.add(v);
      else if (Array.isArray(v)) for (const t of v) if (t instanceof tf.Tensor) all.add(t);
    }
  }
  for (const t of all) if (!t.isDisposed) t.dispose();
}
