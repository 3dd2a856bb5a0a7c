/**
 * A BP(λ) classifier on a labelled dataset, trained by the run loop (loop.ts): the run's spec, its
 * batches and evaluations.
 *
 *   const run = await train(runSpec({ trainer: spec, steps: 3000, evalEvery: 500 }), loadMnist());
 */
import * as tf from '@tensorflow/tfjs';
import { bool, checkKeys, join, nonNegInt, posInt } from '../core/validators';
import { inputShape } from '../networks/spec';
import { Batcher, batchTensors, type Dataset, subset } from '../data/dataset';
import { ConfigError } from '../core/errors';
import { BPLambdaTrainer, type LabelledBatch } from '../trainers/bp-lambda';
import { type BPLambdaInput, type BPLambdaSpec, bpLambdaSpec } from '../trainers/spec';
import type { EvalSums, Trainer } from '../trainers/trainer';
import { type EvalRecord, type LoopFeed, runLoop, type RunResult } from './loop';

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
   * trainers/sg-quality.ts), the mean over those steps since the previous evaluation, NaN (null
   * in JSON) where a connection has no synthesizer. It never changes an update.
   */
  measureSG: boolean;
}

export type RunInput = Partial<Omit<RunSpec, 'trainer'>> & Pick<RunSpec, 'steps'> & { trainer: BPLambdaInput };

/** Run options added after runs were committed, at their off values (see BPLAMBDA_OPTIONS_OFF). */
export const RUN_OPTIONS_OFF = { measureSG: false } as const;

export const RUN_DEFAULTS: Omit<RunSpec, 'trainer' | 'steps'> = {
  batchSize: 256,
  evalEvery: 1000,
  evalExamples: 0,
  trainEvalExamples: 10000,
  dataSeed: 0,
  ...RUN_OPTIONS_OFF,
};

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
function checkDataFits(spec: BPLambdaSpec, data: { train: Dataset; test: Dataset }, path = 'trainer'): void {
  const want = inputShape(spec.network);
  for (const ds of [data.train, data.test]) {
    const got = ds.shape;
    const flat = (s: number[]) => s.reduce((a, b) => a * b, 1);
    // An FCN takes flattened images: only the size must agree.
    const fits = spec.network.kind === 'fcn' ? flat(got) === want[0] : got.length === 3 && got.every((d, i) => d === want[i]);
    if (!fits) {
      throw new ConfigError(
        `${path}.network.input`,
        `is ${JSON.stringify(spec.network.input)}, but ${ds.name} has examples of shape [${got}]${spec.network.kind === 'fcn' ? ` (${flat(got)} values)` : ''}`,
      );
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
  opts: {
    onEval?: (r: EvalRecord, spec: RunSpec) => void;
    keep?: (t: BPLambdaTrainer) => void;
    trainerPath?: string;
    /** Return a diverged run marked `diverged` instead of throwing (LoopOptions.recordDivergence). */
    recordDivergence?: boolean;
  } = {},
): Promise<RunResult> {
  const spec = runSpec(partial);
  checkDataFits(spec.trainer, data, opts.trainerPath);
  // The run's fields sit beside its trainer ('run.trainer' → 'run.evalExamples').
  const runPath = (opts.trainerPath ?? 'trainer').replace(/\.?trainer$/, '');
  if (spec.evalExamples > data.test.n)
    throw new ConfigError(
      join(runPath, 'evalExamples'),
      `is ${spec.evalExamples}, but ${data.test.name} has ${data.test.n} examples (0: all of them)`,
    );
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
    const result = await runLoop(trainer, feed, {
      steps: spec.steps,
      evalEvery: spec.evalEvery,
      measureSG: spec.measureSG,
      recordDivergence: opts.recordDivergence,
      // Cross-entropy (nats) of a uniform guess over the classes.
      chance: () => Math.log(spec.trainer.network.classes),
      onEval: (r) => opts.onEval?.(r, spec),
    });
    opts.keep?.(trainer);
    return result;
  } finally {
    if (!opts.keep) trainer.dispose();
  }
}
