/**
 * The run loop: train any Trainer for a number of steps, evaluating at intervals, and keep a
 * history with everything a notebook plots. Each recipe feeds it its own batches and evaluations:
 * the classifier (train-classifier.ts), Copy (train-copy.ts), the character-level LM
 * (train-char-lm.ts).
 */
import { DivergenceError } from '../core/errors';
import type { Trainer } from '../trainers/trainer';

export interface EvalRecord {
  step: number;
  /** Mean minibatch loss since the last evaluation (training mode, before each update). */
  trainLoss: number;
  /** Mean minibatch error since the last evaluation (training mode). */
  trainBatchError: number;
  /** Error on a fixed training subset in evaluation mode (NaN when not measured). */
  trainError: number;
  testLoss: number;
  testError: number;
  /** The trainer's own statistics (StepStats.series), averaged since the last evaluation; e.g. sgLoss per connection. */
  series: Record<string, number[]>;
  /** Wall-clock seconds since the start of training. */
  seconds: number;
}

/** Where and how a run diverged (LoopOptions.recordDivergence); the value as text, since JSON has no NaN or infinity. */
export interface Divergence {
  step: number;
  quantity: string;
  value: string;
}

export interface RunResult {
  history: EvalRecord[];
  /** The last record: evaluated on the whole test set (of a diverged run: its last record before it diverged, if any). */
  final: EvalRecord;
  /** Mean milliseconds per training step, evaluation excluded. */
  msPerStep: number;
  /** Set when the run diverged and recordDivergence kept it as a result: its numbers are not results. */
  diverged?: Divergence;
}

/** What the run loop needs besides the trainer: batches, and the evaluations of a record. */
export interface LoopFeed<Batch> {
  /** The next training batch. */
  next(): Batch;
  /** Frees a batch after its step. */
  release(batch: Batch): void;
  /** Test loss and error; `final` on the last record (the whole test set). */
  test(final: boolean): { loss: number; error: number };
  /** Error on training data in evaluation mode (NaN when not measured). */
  trainError(): number;
}

export interface LoopOptions {
  steps: number;
  evalEvery: number;
  /** Passed to every step that reads statistics (see StepOptions.measureSG). */
  measureSG?: boolean;
  onEval?: (r: EvalRecord) => void;
  /** Asked after every evaluation: true ends the run there, with that record the last (a curriculum's goal reached). */
  stop?: () => boolean;
  /**
   * The loss of a model at chance (e.g. ln 10 for ten classes), now: with it, a loss over both
   * this and LOSS_GROWTH × the first loss read counts as diverged.
   */
  chance?: () => number;
  /**
   * A divergence ends the run with its history so far and `diverged` set, instead of an error:
   * for studies where diverging is an outcome (a learning-rate sweep).
   */
  recordDivergence?: boolean;
}

/** A training or evaluation loss this many times the first training loss (and above chance) means the run diverged. */
export const LOSS_GROWTH = 100;

/**
 * Throws a DivergenceError when a loss or a statistic is non-finite, or a loss is past its bound.
 * NaN statistics mean "not measured" (e.g. a connection without a synthesizer); only ±∞ counts there.
 */
class DivergenceCheck {
  private first = NaN;
  constructor(private readonly chance?: () => number) {}

  loss(step: number, quantity: string, v: number): void {
    if (!Number.isFinite(v)) throw new DivergenceError(step, quantity, v);
    if (Number.isNaN(this.first)) {
      if (quantity === 'trainLoss') this.first = v;
      return;
    }
    const chance = this.chance?.() ?? -Infinity;
    if (v > LOSS_GROWTH * this.first && v > chance)
      throw new DivergenceError(
        step,
        quantity,
        v,
        `over ${LOSS_GROWTH}× the first training loss, ${this.first}, and over chance, ${chance}`,
      );
  }

  series(step: number, series: Record<string, number[]>): void {
    for (const [key, values] of Object.entries(series)) {
      values.forEach((v, i) => {
        if (v === Infinity || v === -Infinity) throw new DivergenceError(step, `series.${key}[${i}]`, v);
      });
    }
  }
}

/** Train for `steps` steps, evaluating every `evalEvery` and at the end. Does not dispose the trainer. */
export async function runLoop<Batch>(trainer: Trainer<Batch>, feed: LoopFeed<Batch>, opts: LoopOptions): Promise<RunResult> {
  // Read statistics back on ~20 steps per interval: enough for a mean, few syncs on a GPU.
  const statsEvery = Math.max(1, Math.floor(opts.evalEvery / 20));
  const history: EvalRecord[] = [];
  type Acc = { n: number; loss: number; error: number; series: Record<string, { sum: number[]; n: number[] }> };
  const fresh = (): Acc => ({ n: 0, loss: 0, error: 0, series: {} });
  let acc = fresh();
  let trainMs = 0;
  const t0 = Date.now();
  let ran = 0;
  const diverged = new DivergenceCheck(opts.chance);
  try {
    for (let step = 1; step <= opts.steps; step++) {
      ran = step;
      const batch = feed.next();
      const ts = performance.now();
      const stats = trainer.step(batch, { stats: step % statsEvery === 0, measureSG: opts.measureSG });
      trainMs += performance.now() - ts;
      feed.release(batch);
      if (stats) {
        diverged.loss(step, 'trainLoss', stats.loss);
        diverged.series(step, stats.series);
        acc.n++;
        acc.loss += stats.loss;
        acc.error += stats.error;
        for (const [key, values] of Object.entries(stats.series)) {
          const s = (acc.series[key] ??= { sum: values.map(() => 0), n: values.map(() => 0) });
          values.forEach((v, i) => {
            if (!Number.isNaN(v)) {
              s.sum[i] += v;
              s.n[i]++;
            }
          });
        }
      }
      const last = step === opts.steps;
      if (step % opts.evalEvery === 0 || last) {
        const test = feed.test(last);
        diverged.loss(step, 'testLoss', test.loss);
        const rec: EvalRecord = {
          step,
          trainLoss: acc.n ? acc.loss / acc.n : NaN,
          trainBatchError: acc.n ? acc.error / acc.n : NaN,
          trainError: feed.trainError(),
          testLoss: test.loss,
          testError: test.error,
          series: Object.fromEntries(Object.entries(acc.series).map(([k, s]) => [k, s.sum.map((v, i) => (s.n[i] ? v / s.n[i] : NaN))])),
          seconds: (Date.now() - t0) / 1000,
        };
        history.push(rec);
        opts.onEval?.(rec);
        acc = fresh();
        // Yield so a notebook kernel can flush progress output.
        await new Promise((r) => setImmediate(r));
        if (opts.stop?.()) break;
      }
    }
  } catch (e) {
    if (!(opts.recordDivergence && e instanceof DivergenceError)) throw e;
    const d = { step: e.step, quantity: e.quantity, value: String(e.value) };
    // Diverged before its first evaluation: a record with nothing measured.
    const none: EvalRecord = {
      step: e.step,
      trainLoss: NaN,
      trainBatchError: NaN,
      trainError: NaN,
      testLoss: NaN,
      testError: NaN,
      series: {},
      seconds: (Date.now() - t0) / 1000,
    };
    return { history, final: history[history.length - 1] ?? none, msPerStep: trainMs / ran, diverged: d };
  }
  return { history, final: history[history.length - 1], msPerStep: trainMs / ran };
}
