/**
 * Training against the wall clock, for the trainers on worker threads (parallel-trainer.ts,
 * data-parallel.ts), whose steps return promises: `window` steps stay in flight (stages + delay
 * keeps every stage busy), and at every `evalEvery` steps the loop waits for them, stops the
 * clock, scores the whole test set (in chunks of `evalBatch`) and starts the clock again, so a
 * record's `seconds` is training time only. A non-finite training loss stops the run with a
 * DivergenceError naming the step. With `evalSeconds` a record is also taken once that much
 * training time has passed since the last one, and with `seconds` the run stops at the first
 * record past that budget: runs of methods whose steps cost different times then share a
 * budget and a cadence in seconds (the x axis of a wall-clock comparison).
 *
 *   const t = await ParallelTrainer.start(spec, [2]);
 *   const r = await trainWallClock(t, mnist.train, mnist.test, { steps: 1000, batchSize: 256, evalEvery: 100, window: 4, evalBatch: 2000, dataSeed: 0 });
 *   r.history.map((h) => [h.seconds, h.testError]);
 */
import * as tf from '@tensorflow/tfjs';
import { DivergenceError } from '../core/errors';
import { Batcher, batchTensors, type Dataset, subset } from '../data/dataset';
import type { LabelledBatch } from '../trainers/bp-lambda';
import type { EvalSums, StepOptions, StepStats } from '../trainers/trainer';

/** A trainer whose steps and evaluations finish later (on workers). */
export interface AsyncTrainer {
  step(batch: LabelledBatch, opts?: StepOptions): Promise<StepStats | null>;
  evaluate(batch: LabelledBatch): Promise<EvalSums>;
}

export interface WallClockSpec {
  steps: number;
  batchSize: number;
  evalEvery: number;
  /** Steps in flight at most. */
  window: number;
  /** Test examples per evaluation call. */
  evalBatch: number;
  dataSeed: number;
  /** Also record once this many training seconds have passed since the last record. */
  evalSeconds?: number;
  /** Stop at the first record with at least this many training seconds (the budget); `steps` stays the cap. */
  seconds?: number;
}

export interface WallClockRecord {
  step: number;
  /** Training seconds so far (evaluations not counted). */
  seconds: number;
  /** Mean training loss of the steps since the last record. */
  trainLoss: number;
  testLoss: number;
  testError: number;
}

export interface WallClockResult {
  history: WallClockRecord[];
  /** Training milliseconds per step over the whole run. */
  msPerStep: number;
  /** Steps trained (fewer than `steps` when the `seconds` budget ended the run). */
  steps: number;
}

/** The whole of `test`, in chunks. */
async function score(t: AsyncTrainer, test: Dataset, chunk: number): Promise<{ loss: number; error: number }> {
  let n = 0;
  let loss = 0;
  let errors = 0;
  for (let from = 0; from < test.n; from += chunk) {
    const part = subset(test, from, Math.min(chunk, test.n - from));
    const b = batchTensors({ x: part.x, y: part.y }, test.shape);
    const r = await t.evaluate(b);
    tf.dispose([b.x, b.y]);
    n += r.n;
    loss += r.loss;
    errors += r.errors;
  }
  return { loss: loss / n, error: errors / n };
}

export async function trainWallClock(
  t: AsyncTrainer,
  train: Dataset,
  test: Dataset,
  spec: WallClockSpec,
  now: () => number = () => performance.now(),
  onRecord?: (r: WallClockRecord) => void,
): Promise<WallClockResult> {
  const batcher = new Batcher(train, spec.batchSize, spec.dataSeed, { dropRemainder: true });
  const history: WallClockRecord[] = [];
  const inFlight: { step: number; stats: Promise<StepStats | null> }[] = [];
  let trained = 0; // milliseconds
  let lossSum = 0;
  let lossCount = 0;
  const settle = async () => {
    const { step, stats } = inFlight.shift()!;
    const loss = (await stats)!.loss;
    if (!Number.isFinite(loss)) throw new DivergenceError(step, 'trainLoss', loss);
    lossSum += loss;
    lossCount++;
  };
  const timeUp = (ms: number) => spec.evalSeconds !== undefined && ms >= spec.evalSeconds * 1000;
  let steps = 0;
  let t0 = now();
  for (let s = 0; s < spec.steps; s++) {
    const b = batchTensors(batcher.next(), train.shape);
    inFlight.push({ step: s, stats: t.step(b, { stats: true }) });
    tf.dispose([b.x, b.y]);
    steps = s + 1;
    if (inFlight.length >= spec.window) await settle();
    if ((s + 1) % spec.evalEvery === 0 || s + 1 === spec.steps || timeUp(now() - t0)) {
      while (inFlight.length) await settle();
      trained += now() - t0;
      const r = await score(t, test, spec.evalBatch);
      const record = { step: s + 1, seconds: trained / 1000, trainLoss: lossSum / lossCount, testLoss: r.loss, testError: r.error };
      history.push(record);
      onRecord?.(record);
      lossSum = 0;
      lossCount = 0;
      if (spec.seconds !== undefined && trained >= spec.seconds * 1000) break;
      t0 = now();
    }
  }
  return { history, msPerStep: trained / steps, steps };
}
