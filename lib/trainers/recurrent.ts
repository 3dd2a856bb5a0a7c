/**
 * Recurrent BP(λ) (paper A.3, Figure 10; D.2): an LSTM with a linear output layer trained on a
 * loss l_t at every step, in chunks of T steps, with θ (LSTM and output layer) and φ (the
 * synthesizer) shared across steps. The state carries from chunk to chunk; only the gradient is
 * cut at a boundary (λ = 0 there, 1 inside a chunk).
 *
 * The algorithm is the recurrent unit's (recurrent-unit.ts: BPTT through a chunk, the synthetic
 * gradient at its end, the regression of the pass kept at its start); this trainer drives it
 * with messages, as BPLambdaTrainer drives its layer units: per chunk, the data with λ at the
 * chunk's end state (truncationLambdas: 0 where the sequences go on, 1 where they end), the
 * loss's error message, the unit's layer step, and its synthesizer step on the target it sent
 * to the previous chunk. It also keeps the statistics and capture records.
 *
 *   const t = new RecurrentTrainer(recurrentSpec({ inputs: 9, outputs: 8, T: 5, method: 'dni' }));
 *   const stats = t.step(copyBatch('copy', { N: 10, R: 1 }, 256, rng), { stats: true });
 */
import * as tf from '@tensorflow/tfjs';
import type { Adam } from '../core/adam';
import { ConfigError } from '../core/errors';
import type { Linear } from '../modules/linear';
import type { Lstm, LstmState } from '../modules/lstm';
import type { RecurrentSynthesizer } from '../synthesizers/recurrent';
import { bitTask, type SequenceBatch, type SequenceTask } from '../tasks/sequence';
import { type ErrorMessage, toUnit } from './messages';
import { chunkBounds, type RecurrentSpec, truncationLambdas, validateRecurrentSpec } from './recurrent-spec';
import { RecurrentUnit } from './recurrent-unit';
import { emptyRecurrentRecord, type RecurrentRecord } from './recurrent-record';
import type { EvalSums, StepOptions, StepStats, Trainer } from './trainer';

/** One chunk's tensors, for tests and analysis (see stepCapture; dispose with disposeChunkRecords). */
export interface ChunkRecord extends RecurrentRecord {
  /** Steps [start, end) of the batch. */
  start: number;
  end: number;
  /** The chunk's loss, nats per sequence. */
  loss: tf.Scalar;
}

/** Per-chunk scalars kept for the step's statistics. */
interface ChunkStats {
  loss: tf.Scalar;
  wrong: tf.Tensor1D;
  sgLoss: tf.Scalar | null;
  auxLoss: tf.Scalar | null;
  /** Cosine of the synthetic gradient with the target it regressed onto (not with the true gradient). */
  sgTargetCosine: tf.Scalar | null;
}

export class RecurrentTrainer implements Trainer<SequenceBatch> {
  /** θ (LSTM and readout) and φ (the boundary synthesizer), with their optimizers. */
  readonly unit: RecurrentUnit;
  readonly lstm: Lstm;
  /** The task's linear layer on h_t. */
  readonly output: Linear;
  readonly synthesizer: RecurrentSynthesizer | null;
  readonly optimizer: Adam;
  readonly synthesizerOptimizer: Adam | null;
  /** Batches (step calls) so far. */
  steps = 0;
  /** θ updates so far (one per chunk); also the unit's step counter. */
  updates = 0;
  /** Sequences consumed so far (the x-axis of Figure 17): B for every batch that starts sequences. */
  samples = 0;

  constructor(
    readonly spec: RecurrentSpec,
    readonly task: SequenceTask = bitTask,
  ) {
    validateRecurrentSpec(spec);
    this.unit = new RecurrentUnit(spec);
    ({
      lstm: this.lstm,
      output: this.output,
      synthesizer: this.synthesizer,
      optimizer: this.optimizer,
      synthesizerOptimizer: this.synthesizerOptimizer,
    } = this.unit);
  }

  /** θ: the LSTM's W, b and the output layer's W, b. */
  coreParams(): tf.Variable[] {
    return this.unit.coreParams();
  }

  /** θ and φ. */
  params(): tf.Variable[] {
    return this.unit.params();
  }

  /** The state carried to the next batch (null after sequences ended); owned by the trainer. */
  get state(): LstmState | null {
    return this.unit.state;
  }

  private checkBatch(b: SequenceBatch): void {
    const { x, y, mask } = b;
    if (x.rank !== 3 || x.shape[2] !== this.spec.inputs)
      throw new ConfigError(
        'inputs',
        `is ${this.spec.inputs}, but the batch's x has shape [${x.shape}] (expected [L, B, ${this.spec.inputs}])`,
      );
    const [L, B] = x.shape;
    if (y.rank !== 3 || y.shape[0] !== L || y.shape[1] !== B || y.shape[2] !== this.spec.outputs)
      throw new ConfigError(
        'outputs',
        `is ${this.spec.outputs}, but the batch's y has shape [${y.shape}] (expected [${L}, ${B}, ${this.spec.outputs}])`,
      );
    if (mask.rank !== 2 || mask.shape[0] !== L || mask.shape[1] !== B)
      throw new Error(`the batch's mask must have shape [${L}, ${B}], got [${mask.shape}]`);
    if (b.starts === false && this.state && this.state.h.shape[0] !== B)
      throw new Error(`a continuing batch must keep the batch size ${this.state.h.shape[0]}, got ${B}`);
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
    if (batch.starts !== false) this.unit.drop();
    const ends = batch.ends !== false;
    // λ per state: 0 at every chunk's end where the sequences go on, 1 inside a chunk and where they end.
    const lambdas = truncationLambdas(L, this.spec.T, ends);
    for (const [t0, t1] of chunkBounds(L, this.spec.T)) this.chunk(batch, t0, t1, lambdas[t1 - 1], stats, records);
    if (ends) this.unit.drop();
    this.steps++;
    if (batch.starts !== false) this.samples += B;
  }

  /** One chunk, one step of the unit, in the unit's scope: only what it carries and what the caller asked for outlive it. */
  private chunk(
    batch: SequenceBatch,
    t0: number,
    t1: number,
    lambda: number,
    stats: ChunkStats[] | null,
    records: ChunkRecord[] | null,
  ): void {
    const { spec, unit } = this;
    unit.scope(() => {
      const B = batch.x.shape[1];
      const n = t1 - t0;
      const step = this.updates;
      const x = tf.slice(batch.x, [t0, 0, 0], [n, B, spec.inputs]);
      const y = tf.reshape(tf.slice(batch.y, [t0, 0, 0], [n, B, spec.outputs]), [n * B, spec.outputs]) as tf.Tensor2D;
      const mask = tf.reshape(tf.slice(batch.mask, [t0, 0], [n, B]), [n * B]) as tf.Tensor1D;

      const up = unit.forward({ kind: 'activation', step, from: 0, h: x, labels: null, lambda });
      const l = this.task.loss(up.h as tf.Tensor2D, y, mask, B);
      const error: ErrorMessage = { kind: 'error', step, from: unit.index, grad: l.dLogits };
      const rec = stats || records ? emptyRecurrentRecord() : undefined;
      const down = unit.layerStep(toUnit(error, unit.index), rec);
      if (down) unit.synthesizerStep(down, rec);
      this.updates++;

      if (stats) {
        const cos = rec!.regressed ? cosine(rec!.regressed, rec!.target!) : null;
        stats.push(keepAll({ loss: l.loss, wrong: l.wrong, sgLoss: rec!.sgLoss, auxLoss: rec!.auxLoss, sgTargetCosine: cos }));
      }
      if (records) records.push(keepAll({ start: t0, end: t1, loss: l.loss, ...rec! }));
    });
  }

  private readStats(chunks: ChunkStats[], B: number): StepStats {
    const r = tf.tidy(() => {
      const sum = (xs: tf.Tensor[]) => (xs.length ? tf.addN(xs) : tf.scalar(NaN));
      const mean = (xs: (tf.Tensor | null)[]) => {
        const v = xs.filter((x): x is tf.Tensor => !!x);
        return v.length ? tf.div(tf.addN(v), v.length) : tf.scalar(NaN);
      };
      const wrongSeqs = tf.sum(tf.cast(tf.greater(sum(chunks.map((c) => c.wrong)), 0), 'float32'));
      return tf.stack([
        sum(chunks.map((c) => c.loss)),
        wrongSeqs,
        mean(chunks.map((c) => c.sgLoss)),
        mean(chunks.map((c) => c.auxLoss)),
        mean(chunks.map((c) => c.sgTargetCosine)),
      ]);
    });
    const v = r.dataSync();
    r.dispose();
    for (const c of chunks) for (const t of [c.loss, c.wrong, c.sgLoss, c.auxLoss, c.sgTargetCosine]) t?.dispose();
    const series: Record<string, number[]> = {};
    if (this.synthesizer) {
      series.sgLoss = [v[2]];
      series.sgTargetCosine = [v[4]];
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
    this.unit.dispose();
  }
}

/** cos(a, b) over all entries (0 when either is zero). */
function cosine(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(a, b)), tf.sqrt(tf.add(tf.mul(tf.sum(tf.square(a)), tf.sum(tf.square(b))), 1e-30))) as tf.Scalar;
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
