/**
 * One call per training run in a notebook: cached, with progress lines.
 *
 *   const run = await runExperiment('01-dni', { trainer, steps: 3000, evalEvery: 250 }, () => loadMnist());
 */
import { Dataset } from '../data/dataset';
import { RunResult, RunSpec, runSpec, train } from '../train';
import { cachedRun } from './cache';
import { lineFigure, Figure } from './figures';
import { Progress } from './progress';

/**
 * Train (or reuse the cached result of) one run. `data` is called only on a cache
 * miss, so re-executing a notebook does not even load the dataset.
 */
export async function runExperiment(
  name: string,
  partial: Partial<RunSpec> & Pick<RunSpec, 'trainer' | 'steps'>,
  data: () => { train: Dataset; test: Dataset },
  opts: { label?: string } = {},
): Promise<RunResult> {
  const spec = runSpec(partial);
  return cachedRun(name, spec, async () => {
    const progress = new Progress(spec.steps, { label: opts.label ?? name });
    const result = await train(spec, data(), {
      onEval: (r) => {
        const extra: Record<string, string> = {};
        if (Number.isFinite(r.trainError)) extra.trainErr = `${(100 * r.trainError).toFixed(2)}%`;
        progress.log({ step: r.step, loss: r.trainLoss, error: r.testError, ...extra });
      },
    });
    progress.done();
    return result;
  });
}

/** Error (%) curves of several runs against the training step. */
export function errorCurves(runs: { name: string; run: RunResult }[], opts: { metric?: 'testError' | 'trainError'; title: string; logY?: boolean }): Figure {
  const metric = opts.metric ?? 'testError';
  return lineFigure({
    title: opts.title,
    xTitle: 'training step',
    yTitle: `${metric === 'testError' ? 'test' : 'training'} error (%)`,
    logY: opts.logY,
    series: runs.map(({ name, run }) => ({ name, x: run.history.map((r) => r.step), y: run.history.map((r) => 100 * (r[metric] as number)) })),
  });
}
