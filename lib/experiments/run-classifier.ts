/**
 * One training run of an experiment: cached, fingerprinted, with progress lines.
 *
 *   const run = await runExperiment('01-dni', { dataset: 'mnist', run: { trainer, steps: 3000, evalEvery: 250 } });
 */
import { checkKeys, join } from '../core/validators';
import { withoutOff } from './canonical-json';
import { BPLAMBDA_OPTIONS_OFF, synthesizerFor } from '../trainers/spec';
import { ConfigError } from '../core/errors';
import { Progress } from '../core/progress';
import { RUN_OPTIONS_OFF, type RunInput, type RunSpec, runSpec, train } from '../runs/train-classifier';
import type { RunResult } from '../runs/loop';
import { cachedRun } from './cache';
import { checkDatasetName, type DatasetName, loadDataset, prepareDataset } from './datasets';
import { fingerprint } from './fingerprint';

/** What the cache keys a run on: the dataset it reads and its resolved run spec. */
export interface ExperimentSpec {
  dataset: DatasetName;
  run: RunSpec;
}

export type ExperimentInput = { dataset: DatasetName; run: RunInput };

/** Fill defaults and validate once; `path` prefixes field names in errors. */
export function experimentSpec(input: ExperimentInput, path = ''): ExperimentSpec {
  checkKeys(input, ['dataset', 'run'], path);
  checkDatasetName(input.dataset, join(path, 'dataset'));
  if (input.run === undefined) throw new ConfigError(join(path, 'run'), 'missing');
  return { dataset: input.dataset, run: runSpec(input.run, join(path, 'run')) };
}

/**
 * The config a run is cached under: the resolved spec with what cannot change its numbers left
 * out, so e.g. a new DNI synthesizer width does not invalidate the backprop runs beside it.
 * Synthesizers are listed per connection that has one, without `width` when they are linear,
 * without `kernel` for vector activations, without `decay` unless they are 'ema' averages, and
 * without the model's shape (`hiddenLayers`, `width`, `kernel`) when they are, or 'dfa'
 * projections. The trainer's `feedback` is listed only when it is not backprop. Synthetic inputs
 * (complete unlock) are listed only when on, without `width` when they are linear.
 */
export function cacheConfig(spec: ExperimentSpec): { dataset: DatasetName; run: object } {
  const { synthesizer: _default, synthesizers: _overrides, ...trainer } = spec.run.trainer;
  const fcn = spec.run.trainer.network.kind === 'fcn';
  const used: Record<string, object> = {};
  spec.run.trainer.lambda.forEach((l, i) => {
    if (l === 'none' || l >= 1) return;
    const { width, kernel, hiddenLayers, decay, ...s } = synthesizerFor(spec.run.trainer, i + 1);
    const shape = { hiddenLayers, ...(hiddenLayers > 0 ? { width } : {}), ...(fcn ? {} : { kernel }) };
    // A DFA projection has no model shape; a critic's valueTarget is in `s` (absent from the other kinds).
    const model = s.kind === 'ema' ? { decay } : s.kind === 'dfa' ? {} : shape;
    used[String(i + 1)] = { ...s, ...model };
  });
  const inputs = trainer.syntheticInputs;
  const keyed = {
    ...trainer,
    syntheticInputs: inputs && { hiddenLayers: inputs.hiddenLayers, ...(inputs.hiddenLayers > 0 ? { width: inputs.width } : {}) },
  };
  const run = withoutOff({ ...spec.run, trainer: undefined }, RUN_OPTIONS_OFF);
  return { dataset: spec.dataset, run: { ...run, trainer: { ...withoutOff(keyed, BPLAMBDA_OPTIONS_OFF), synthesizers: used } } };
}

/** An experiment input that resolves to the cache config `cfg` again (the inverse of cacheConfig). */
export function inputFromCacheConfig(cfg: ReturnType<typeof cacheConfig>): ExperimentInput {
  const c = cfg as { dataset: DatasetName; run: RunSpec & { trainer: RunSpec['trainer'] } };
  return { dataset: c.dataset, run: { ...c.run, trainer: { ...c.run.trainer, synthesizer: {} } } };
}

/** "diverged at step 40 (trainLoss = Infinity)": what tables and summaries show for a diverged run. */
export function divergedText(run: RunResult): string {
  const d = run.diverged;
  return d ? `diverged at step ${d.step} (${d.quantity} = ${d.value})` : '';
}

/**
 * Train (or reuse the cached result of) one run. The dataset is loaded only to fingerprint the
 * run and on a cache miss. With `recordDivergence` (a sweep where diverging is an outcome), a run
 * that diverges is stored marked `diverged` (not in the cache key: a run that does not diverge is
 * the same either way); otherwise it is an error.
 */
export async function runExperiment(
  name: string,
  input: ExperimentInput | ExperimentSpec,
  opts: { label?: string; quiet?: boolean; recordDivergence?: boolean } = {},
): Promise<RunResult> {
  const spec = experimentSpec(input);
  await prepareDataset(spec.dataset); // fetched on first use: the fingerprint reads it even on a cache hit
  return cachedRun(
    name,
    cacheConfig(spec),
    async () => {
      const data = loadDataset(spec.dataset);
      const progress = new Progress(spec.run.steps, { label: opts.label ?? name });
      const result = await train(spec.run, data, {
        trainerPath: 'run.trainer',
        recordDivergence: opts.recordDivergence,
        onEval: (r) => {
          const extra: Record<string, string> = {};
          if (Number.isFinite(r.trainError)) extra.trainErr = `${(100 * r.trainError).toFixed(2)}%`;
          progress.log({ step: r.step, loss: r.trainLoss, error: r.testError, ...extra });
        },
      });
      progress.done();
      if (result.diverged) console.log(`${opts.label ?? name}: ${divergedText(result)}; stored as diverged`);
      return result;
    },
    {
      fingerprint: () => fingerprint(spec.dataset, spec.run),
      quiet: true,
      // A cached run reads like the original: one summary line instead of its progress lines.
      onHit: (r: RunResult, createdAt: string) => {
        if (opts.quiet) return;
        if (r.diverged) return console.log(`${opts.label ?? name}: cached run of ${createdAt.slice(0, 10)}: ${divergedText(r)}`);
        const f = r.final;
        const train = Number.isFinite(f.trainError) ? `, training error ${(100 * f.trainError).toFixed(2)}%` : '';
        // The last evaluation alone (tables and claims use the mean of the last few), on the split the run was scored on.
        const held = spec.dataset.endsWith('-validation') ? 'validation' : 'test';
        console.log(
          `${opts.label ?? name}: cached run of ${createdAt.slice(0, 10)}: ${f.step} steps at ${r.msPerStep.toFixed(0)} ms/step; at the last evaluation ${held} error ${(100 * f.testError).toFixed(2)}%${train}`,
        );
      },
    },
  );
}
