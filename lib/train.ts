/**
 * The run loop: train any Trainer for a number of steps, evaluating at intervals, and keep a
 * history with everything a notebook plots. `train` wires it to a BP(λ) classifier and a
 * labelled dataset; other trainers (recurrent, multi-network, …) call `runLoop` with their own
 * batches and evaluations.
 *
 *   const run = await train(runSpec({ trainer: spec, steps: 3000, evalEvery: 500 }), loadMnist());
 */
import * as tf from '@tensorflow/tfjs';
import { bool, checkKeys, inputShape, join, nonNegInt, posInt } from './config';
import { Batcher, batchTensors, Dataset, subset } from './data/dataset';
import { ConfigError } from './errors';
import { BPLambdaTrainer, LabelledBatch } from './trainers/bplambda';
import { BPLambdaInput, BPLambdaSpec, bpLambdaSpec } from './trainers/spec';
import { EvalSums, Trainer } from './trainers/trainer';

export interface RunSpec {
  trainer: BPLambdaSpec;
  /** Optimisation steps (the paper: 500k). */
  steps: number;
  /** Minibatch size (the paper: 256). */
  batchSize: number;
  /** Steps between evaluations (a point of each curve). */
  evalEvery: number;
  /** Test examples per evaluation (the whole test set at the end regardless); 0 = all. */
  evalExamples: number;
  /** Training examples whose error is measured in evaluation mode (underfitting, paper C.1); 0 = none. */
  trainEvalExamples: number;
  /** Seed of the minibatch order. */
  dataSeed: number;
  /**
   * Measure synthetic-gradient quality (paper Figure 12): on the steps whose statistics are read
   * (every evalEvery/20-th), compare each synthetic gradient with the true backprop gradient.
   * Each EvalRecord then has series.sgDistance, sgCosine and sgSignError per connection (see
   * trainers/sgquality.ts), the mean over those steps since the previous evaluation, NaN (null
   * in JSON) where a connection has no synthesizer. It never changes an update.
   */
  measureSG: boolean;
}

export type RunInput = Partial<Omit<RunSpec, 'trainer'>> & Pick<RunSpec, 'steps'> & { trainer: BPLambdaInput };

export const RUN_DEFAULTS: Omit<RunSpec, 'trainer' | 'steps'> = { batchSize: 256, evalEvery: 1000, evalExamples: 0, trainEvalExamples: 10000, dataSeed: 0, measureSG: false };

export const RUN_KEYS = ['trainer', 'steps', ...Object.keys(RUN_DEFAULTS)];

const validated = new WeakSet<object>();

/** Fill run defaults and validate (the trainer spec too). `path` prefixes field names in errors. */
export function runSpec(partial: RunInput, path = ''): RunSpec {
  if (validated.has(partial)) return partial as RunSpec;
  checkKeys(partial, RUN_KEYS, path);
  if (partial.trainer === undefined) throw new ConfigError(join(path, 'trainer'), 'missing');
  const spec: RunSpec = { ...RUN_DEFAULTS, ...partial, trainer: bpLambdaSpec(partial.trainer, join(path, 'trainer')) };
  for (const k of ['steps', 'batchSize', 'evalEvery'] as const) posInt(spec[k], join(path, k));
  for (const k of ['evalExamples', 'trainEvalExamples', 'dataSeed'] as const) nonNegInt(spec[k], join(path, k));
  bool(spec.measureSG, join(path, 'measureSG'));
  validated.add(spec);
  return spec;
}

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

export interface RunResult {
  history: EvalRecord[];
  /** The last record: evaluated on the whole test set. */
  final: EvalRecord;
  /** Mean milliseconds per training step, evaluation excluded. */
  msPerStep: number;
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
  for (let step = 1; step <= opts.steps; step++) {
    ran = step;
    const batch = feed.next();
    const ts = performance.now();
    const stats = trainer.step(batch, { stats: step % statsEvery === 0, measureSG: opts.measureSG });
    trainMs += performance.now() - ts;
    feed.release(batch);
    if (stats) {
      if (!Number.isFinite(stats.loss)) throw new Error(`training diverged at step ${step}: loss ${stats.loss}`);
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
  return { history, final: history[history.length - 1], msPerStep: trainMs / ran };
}

/** Loss and error of a classifier on a dataset, in evaluation mode. */
export function evaluate(trainer: Trainer<LabelledBatch>, ds: Dataset, shape: number[], batchSize = 1000): { loss: number; error: number } {
  let sums: EvalSums = { n: 0, loss: 0, errors: 0 };
  for (let start = 0; start < ds.n; start += batchSize) {
    const part = subset(ds, start, Math.min(batchSize, ds.n - start));
    const { x, y } = batchTensors(part, shape);
    const r = trainer.evaluate({ x, y });
    tf.dispose([x, y]);
    sums = { n: sums.n + r.n, loss: sums.loss + r.loss, errors: sums.errors + r.errors };
  }
  return { loss: sums.loss / sums.n, error: sums.errors / sums.n };
}

/** Throws a ConfigError naming the network field when the data does not fit the network. */
export function checkDataFits(spec: BPLambdaSpec, data: { train: Dataset; test: Dataset }, path = 'trainer'): void {
  const want = inputShape(spec.network);
  for (const ds of [data.train, data.test]) {
    const got = ds.shape;
    const flat = (s: number[]) => s.reduce((a, b) => a * b, 1);
    // An FCN takes flattened images: only the size must agree.
    const fits = spec.network.kind === 'fcn' ? flat(got) === want[0] : got.length === 3 && got.every((d, i) => d === want[i]);
    if (!fits) {
      throw new ConfigError(`${path}.network.input`, `is ${JSON.stringify(spec.network.input)}, but ${ds.name} has examples of shape [${got}]${spec.network.kind === 'fcn' ? ` (${flat(got)} values)` : ''}`);
    }
    if (ds.numClasses !== spec.network.classes) {
      throw new ConfigError(`${path}.network.classes`, `is ${spec.network.classes}, but ${ds.name} has ${ds.numClasses} classes`);
    }
    let max = -1;
    let min = 0;
    for (let i = 0; i < ds.n; i++) {
      if (ds.y[i] > max) max = ds.y[i];
      if (ds.y[i] < min) min = ds.y[i];
    }
    if (max >= spec.network.classes || min < 0) {
      throw new ConfigError(`${path}.network.classes`, `is ${spec.network.classes}, but ${ds.name} has labels in [${min}, ${max}]`);
    }
  }
}

/**
 * Train a BP(λ) classifier from scratch. `onEval` sees every record as it is made (progress lines).
 * The trainer is disposed at the end unless `keep` takes it.
 */
export async function train(
  partial: RunInput,
  data: { train: Dataset; test: Dataset },
  opts: { onEval?: (r: EvalRecord, spec: RunSpec) => void; keep?: (t: BPLambdaTrainer) => void; trainerPath?: string } = {},
): Promise<RunResult> {
  const spec = runSpec(partial);
  checkDataFits(spec.trainer, data, opts.trainerPath);
  const trainer = new BPLambdaTrainer(spec.trainer);
  const shape = inputShape(spec.trainer.network);
  const batcher = new Batcher(data.train, spec.batchSize, spec.dataSeed, { dropRemainder: true });
  const trainEval = spec.trainEvalExamples > 0 ? subset(data.train, 0, Math.min(spec.trainEvalExamples, data.train.n)) : null;
  const testEval = spec.evalExamples > 0 && spec.evalExamples < data.test.n ? subset(data.test, 0, spec.evalExamples) : data.test;
  const feed: LoopFeed<LabelledBatch> = {
    next: () => batchTensors(batcher.next(), shape),
    release: (b) => tf.dispose([b.x, b.y]),
    test: (final) => evaluate(trainer, final ? data.test : testEval, shape),
    trainError: () => (trainEval ? evaluate(trainer, trainEval, shape).error : NaN),
  };
  try {
    const result = await runLoop(trainer, feed, { steps: spec.steps, evalEvery: spec.evalEvery, measureSG: spec.measureSG, onEval: (r) => opts.onEval?.(r, spec) });
    opts.keep?.(trainer);
    return result;
  } finally {
    if (!opts.keep) trainer.dispose();
  }
}
