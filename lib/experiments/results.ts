/**
 * Reading results: a run's error over its last evaluations, a grid cell's error over its seeds,
 * budgets in epochs, per-connection series, and when a run reached a level. Verdicts average
 * the last few evaluations, not one final point, so one noisy evaluation cannot decide them.
 */
import type { RunResult } from '../runs/loop';
import type { CopyRunResult } from '../runs/train-copy';
import { FAMILY_DATASETS, type GridConfig, type GridRun } from './grid';
import { PAPER_BATCH, PAPER_STEPS } from './paper';
import { range } from './tie-rule';

/** Evaluations a verdict averages over. */
export const LAST_EVALS = 3;

export type ErrorMetric = 'testError' | 'trainError';

/**
 * Mean of a metric (%) over the last `k` evaluations of a run; NaN for a run that diverged (its
 * numbers are no result) and for a metric the run did not measure (trainEvalExamples 0: the
 * cache stores the NaN as null, which must not average as 0).
 */
export function lastMean(run: RunResult, metric: ErrorMetric = 'testError', k = LAST_EVALS): number {
  if (run.diverged) return NaN;
  const tail = run.history.slice(-k).map((r) => r[metric]);
  if (!tail.length || tail.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return NaN;
  return (100 * tail.reduce((s, v) => s + v, 0)) / tail.length;
}

/** Every run of a cell (one per seed). */
export function cellRuns(runs: GridRun[], depth: number, method: string): GridRun[] {
  return runs.filter((r) => r.depth === depth && r.method === method);
}

/** A cell's error (%): lastMean, averaged over its seeds; NaN when the grid lacks it. */
export function cellError(runs: GridRun[], depth: number, method: string, metric: ErrorMetric = 'testError'): number {
  const rs = cellRuns(runs, depth, method);
  return rs.length ? rs.reduce((s, r) => s + lastMean(r.run, metric), 0) / rs.length : NaN;
}

/**
 * The run-to-run spread of a cell (the tie rule, tie-rule.ts): the range of its seeds' lastMean,
 * or with one seed the range of its last LAST_EVALS evaluations; NaN when the grid lacks it.
 */
export function cellSpread(runs: GridRun[], depth: number, method: string, metric: ErrorMetric = 'testError'): number {
  const rs = cellRuns(runs, depth, method);
  if (rs.length > 1) return range(rs.map((r) => lastMean(r.run, metric)));
  return rs.length ? lastRange(rs[0].run, metric) : NaN;
}

/** The range (points) of a run's last LAST_EVALS evaluations: the spread the tie rule uses for a single seed. */
export function lastRange(run: RunResult, metric: ErrorMetric = 'testError'): number {
  return range(run.history.slice(-LAST_EVALS).map((h) => 100 * h[metric]));
}

/** "2.57%", or "2.57% (2.50–2.63, 3 seeds)" for a cell run with several seeds. */
export function cellText(runs: GridRun[], depth: number, method: string, metric: ErrorMetric = 'testError'): string {
  const rs = cellRuns(runs, depth, method);
  const mean = `${cellError(runs, depth, method, metric).toFixed(2)}%`;
  if (rs.length < 2) return mean;
  const each = rs.map((r) => lastMean(r.run, metric));
  return `${mean} (${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)}, ${rs.length} seeds)`;
}

/**
 * Runs by name (the labels of a study or of seeds): the mean of lastMean over them, "(a–b, n seeds)"
 * when several, and their run-to-run spread (the tie rule: the seeds' range, or one run's lastRange).
 */
export function namedError(runs: GridRun[], name: string): { error: number; spread: string; width: number } {
  const rs = runs.filter((r) => r.name === name);
  const e = rs.map((r) => lastMean(r.run));
  const spread = e.length > 1 ? ` (${Math.min(...e).toFixed(2)}–${Math.max(...e).toFixed(2)}, ${e.length} seeds)` : '';
  const width = e.length > 1 ? range(e) : rs.length ? lastRange(rs[0].run) : NaN;
  return { error: e.reduce((s, x) => s + x, 0) / e.length, spread, width };
}

/** The run with the lowest lastMean, among those that did not diverge (if any did not). */
export function bestRun<T extends { run: RunResult }>(runs: T[]): T {
  const ok = runs.filter((r) => !r.run.diverged);
  return (ok.length ? ok : runs).reduce((a, b) => (lastMean(b.run) < lastMean(a.run) ? b : a));
}

/** Training examples of a family's dataset (epochs = steps × batch / this). */
export const TRAIN_EXAMPLES: Record<'mnist' | 'cifar10', number> = { mnist: 60_000, cifar10: 50_000 };

/** "1k steps, 4.3 epochs" for a grid's budget, and the paper's. */
export function budgetText(cfg: GridConfig, steps = cfg.run.steps): { ours: string; paper: string } {
  const n = TRAIN_EXAMPLES[FAMILY_DATASETS[cfg.family]];
  const ep = (s: number, b: number) => (s * b) / n;
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return {
    ours: `${steps} steps, ${fmt(ep(steps, cfg.run.batchSize ?? 256))} epochs`,
    paper: `${PAPER_STEPS / 1000}k steps, ${fmt(ep(PAPER_STEPS, PAPER_BATCH))} epochs`,
  };
}

/** Share (%) of the No Bprop → Bprop gap a method closes: 100 at Bprop's error, 0 at No Bprop's. */
export function gapClosed(nobprop: number, bprop: number, method: number): number {
  return (100 * (nobprop - method)) / (nobprop - bprop);
}

/**
 * Entry i of a record's series `key` (e.g. sgLoss per connection), NaN where it is missing:
 * cached histories store NaN (no synthesizer) as null.
 */
export function seriesAt(series: Record<string, number[]>, key: string, i: number): number {
  const v = series[key]?.[i];
  return typeof v === 'number' ? v : NaN;
}

/** A synthetic-gradient quality measure (RunSpec.measureSG; e.g. 'sgCosine') of connection k (1-based) at each evaluation, or its mean over the connections that have one. */
export function sgQualityAt(run: RunResult, key: string, connection: number | 'mean'): number[] {
  return run.history.map((h) => {
    if (connection !== 'mean') return seriesAt(h.series, key, connection - 1);
    const v = (h.series[key] ?? []).map((_, i) => seriesAt(h.series, key, i));
    const ok = v.filter(Number.isFinite);
    return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
  });
}

/** The mean of the finite values among the last LAST_EVALS of a series. */
export function tailMean(xs: number[]): number {
  const t = xs.slice(-LAST_EVALS).filter(Number.isFinite);
  return t.reduce((a, b) => a + b, 0) / t.length;
}

/** The first evaluation step at which a run's test error (%) is at or below `threshold`, or null. */
export function stepsToReach(run: RunResult, threshold: number): number | null {
  const hit = run.history.find((h) => 100 * h.testError <= threshold);
  return hit ? hit.step : null;
}

/**
 * The synthetic-input regression error of unit k (1-based, k ≥ 2) over training, as a mean
 * squared error per activation (series.inputLoss is a sum over the batch and units).
 */
export function inputErrorAt(run: RunResult, k: number, batch: number, units: number): number[] {
  return run.history.map((h) => seriesAt(h.series, 'inputLoss', k - 1) / (batch * units));
}

/** The first number of sequences at which a Copy run had solved a level of at least this time dependency, or null. */
export function samplesToDependency(run: CopyRunResult, dependency: number): number | null {
  const hit = run.history.find((r) => r.dependency >= dependency);
  return hit ? hit.samples : null;
}

/** Whether a Copy run's solved level still rose in the last quarter of its checks (it had not reached its limit). */
export function stillClimbing(run: CopyRunResult): boolean {
  const h = run.history;
  const q = h[Math.floor((3 * h.length) / 4)];
  return h[h.length - 1].dependency > (q?.dependency ?? 0);
}
