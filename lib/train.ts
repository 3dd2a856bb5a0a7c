/**
 * The run loop: train a BP(λ) trainer on a dataset for a number of steps,
 * evaluating at intervals. Everything a notebook needs to plot is in the history.
 *
 *   const run = await train({ trainer: spec, steps: 3000, batchSize: 256, evalEvery: 500 }, loadMnist());
 */
import * as tf from '@tensorflow/tfjs';
import { TrainerSpec, trainerSpec } from './config';
import { Batcher, batchTensors, Dataset, subset } from './data/dataset';
import { ConfigError } from './errors';
import { checkKeys } from './config';
import { BPLambdaTrainer } from './trainer';

export interface RunSpec {
  trainer: TrainerSpec;
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
}

export const RUN_DEFAULTS: Omit<RunSpec, 'trainer' | 'steps'> = { batchSize: 256, evalEvery: 1000, evalExamples: 0, trainEvalExamples: 10000, dataSeed: 0 };

export interface EvalRecord {
  step: number;
  /** Mean minibatch cross-entropy since the last evaluation (training mode, before each update). */
  trainLoss: number;
  /** Mean minibatch error since the last evaluation (training mode). */
  trainBatchError: number;
  /** Error on a fixed training subset in evaluation mode (NaN when trainEvalExamples = 0). */
  trainError: number;
  testLoss: number;
  testError: number;
  /** Mean synthesizer regression loss per connection since the last evaluation (NaN: no synthesizer). */
  sgLoss: number[];
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

/** Fill run defaults and validate. */
export function runSpec(partial: Partial<RunSpec> & Pick<RunSpec, 'trainer' | 'steps'>): RunSpec {
  checkKeys(partial, ['trainer', 'steps', 'batchSize', 'evalEvery', 'evalExamples', 'trainEvalExamples', 'dataSeed'], '');
  const spec: RunSpec = { ...RUN_DEFAULTS, ...partial, trainer: trainerSpec(partial.trainer) };
  for (const k of ['steps', 'batchSize', 'evalEvery'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] <= 0) throw new ConfigError(k, `must be a positive integer, got ${JSON.stringify(spec[k])}`);
  }
  for (const k of ['evalExamples', 'trainEvalExamples', 'dataSeed'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 0) throw new ConfigError(k, `must be a non-negative integer, got ${JSON.stringify(spec[k])}`);
  }
  return spec;
}

/** Loss and error of a trainer on a dataset, in evaluation mode. */
export function evaluate(trainer: BPLambdaTrainer, ds: Dataset, batchSize = 1000): { loss: number; error: number } {
  const shape = trainer.shapes[0];
  let loss = 0;
  let errors = 0;
  for (let start = 0; start < ds.n; start += batchSize) {
    const part = subset(ds, start, Math.min(batchSize, ds.n - start));
    const { x, y } = batchTensors(part, shape);
    const r = trainer.evaluateBatch(x, y);
    tf.dispose([x, y]);
    loss += r.loss;
    errors += r.errors;
  }
  return { loss: loss / ds.n, error: errors / ds.n };
}

/**
 * Train from scratch. `onEval` sees every record as it is made (progress lines).
 * The trainer is disposed at the end unless `keep` is set.
 */
export async function train(
  partial: Partial<RunSpec> & Pick<RunSpec, 'trainer' | 'steps'>,
  data: { train: Dataset; test: Dataset },
  opts: { onEval?: (r: EvalRecord, spec: RunSpec) => void; keep?: (t: BPLambdaTrainer) => void } = {},
): Promise<RunResult> {
  const spec = runSpec(partial);
  const trainer = new BPLambdaTrainer(spec.trainer);
  const shape = trainer.shapes[0];
  const batcher = new Batcher(data.train, spec.batchSize, spec.dataSeed, { dropRemainder: true });
  const trainEval = spec.trainEvalExamples > 0 ? subset(data.train, 0, Math.min(spec.trainEvalExamples, data.train.n)) : null;
  const testEval = spec.evalExamples > 0 && spec.evalExamples < data.test.n ? subset(data.test, 0, spec.evalExamples) : data.test;
  const K = trainer.units.length;
  // Read losses back on ~20 steps per interval: enough for a mean, few syncs on a GPU.
  const statsEvery = Math.max(1, Math.floor(spec.evalEvery / 20));

  const history: EvalRecord[] = [];
  let acc = { n: 0, loss: 0, error: 0, sg: new Array(K - 1).fill(0), sgN: new Array(K - 1).fill(0) };
  let trainMs = 0;
  const t0 = Date.now();
  try {
    for (let step = 1; step <= spec.steps; step++) {
      const { x, y } = batchTensors(batcher.next(), shape);
      const ts = performance.now();
      const stats = trainer.step(x, y, { stats: step % statsEvery === 0 });
      trainMs += performance.now() - ts;
      tf.dispose([x, y]);
      if (stats) {
        acc.n++;
        acc.loss += stats.loss;
        acc.error += stats.error;
        stats.sgLoss.forEach((v, i) => {
          if (!Number.isNaN(v)) {
            acc.sg[i] += v;
            acc.sgN[i]++;
          }
        });
        if (!Number.isFinite(stats.loss)) throw new Error(`training diverged at step ${step}: loss ${stats.loss}`);
      }
      const last = step === spec.steps;
      if (step % spec.evalEvery === 0 || last) {
        const test = evaluate(trainer, last ? data.test : testEval);
        const rec: EvalRecord = {
          step,
          trainLoss: acc.n ? acc.loss / acc.n : NaN,
          trainBatchError: acc.n ? acc.error / acc.n : NaN,
          trainError: trainEval ? evaluate(trainer, trainEval).error : NaN,
          testLoss: test.loss,
          testError: test.error,
          sgLoss: acc.sg.map((s, i) => (acc.sgN[i] ? s / acc.sgN[i] : NaN)),
          seconds: (Date.now() - t0) / 1000,
        };
        history.push(rec);
        opts.onEval?.(rec, spec);
        acc = { n: 0, loss: 0, error: 0, sg: new Array(K - 1).fill(0), sgN: new Array(K - 1).fill(0) };
        // Yield so a notebook kernel can flush progress output.
        await new Promise((r) => setImmediate(r));
      }
    }
    opts.keep?.(trainer);
  } finally {
    if (!opts.keep) trainer.dispose();
  }
  return { history, final: history[history.length - 1], msPerStep: trainMs / spec.steps };
}
