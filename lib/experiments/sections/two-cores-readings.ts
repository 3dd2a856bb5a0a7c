/**
 * Notebook 15's runs and what the claims, the table and the figure read from them: the seconds a
 * run took to reach a test error (at the resolution of its evaluations), its error at a budget of
 * seconds, its ms per step and how much that moved, and the speed-up of W workers over one.
 * Every reading stops at the common budget: the training seconds of the shortest run, so every
 * method is read after the same time.
 */
import type { WallClockRecord } from '../../runs/train-wall-clock';
import { LAST_EVALS } from '../results';
import type { WallClockRun } from '../run-wall-clock';
import { range } from '../tie-rule';

export const TWO_CORES_METHODS = ['bprop', 'dni', 'cdni'] as const;
export type TwoCoresMethod = (typeof TWO_CORES_METHODS)[number];

/** One run: a method on some workers, at a seed. */
export interface TwoCoresCell {
  method: TwoCoresMethod;
  workers: number;
  seed: number;
  /** The units each stage ends with, but the last (decoupled runs on several workers; [] otherwise). */
  cuts: number[];
  run: WallClockRun;
}

const NAMES: Record<TwoCoresMethod, string> = { bprop: 'Bprop', dni: 'DNI', cdni: 'cDNI' };

/** 'Bprop, 1 worker', 'Bprop data-parallel, 2 workers', 'DNI decoupled, 2 workers'. */
export function twoCoresLabel(method: TwoCoresMethod, workers: number): string {
  if (workers === 1) return `${NAMES[method]}, 1 worker`;
  return `${NAMES[method]} ${method === 'bprop' ? 'data-parallel' : 'decoupled'}, ${workers} workers`;
}

/** The stages as unit ranges ('units 1–2 | 3–6'), or the replicas for backprop. */
export function coresSplitText(cell: Pick<TwoCoresCell, 'method' | 'workers' | 'cuts'>, depth: number): string {
  if (cell.method === 'bprop') return cell.workers === 1 ? 'one replica' : `${cell.workers} replicas, ${cell.workers} shares of each batch`;
  const ends = [...cell.cuts, depth];
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}–${b}`);
  return `units ${ends.map((b, i) => range(i ? ends[i - 1] + 1 : 1, b)).join(' | ')}`;
}

/** The runs of a method on some workers (one per seed). */
export function coresCells(cells: TwoCoresCell[], method: TwoCoresMethod, workers: number): TwoCoresCell[] {
  return cells.filter((c) => c.method === method && c.workers === workers);
}

/** The training seconds every run lasted: the shortest run's. */
export function commonBudget(cells: TwoCoresCell[]): number {
  return Math.min(...cells.map((c) => c.run.history[c.run.history.length - 1].seconds));
}

/** A run's records within `budget` seconds of training. */
export function withinBudget(run: WallClockRun, budget: number): WallClockRecord[] {
  return run.history.filter((h) => h.seconds <= budget + 1e-9);
}

/** Seconds to the first record at or below `error` (a fraction) within the budget, and the gap since the record before (its resolution); null when not reached. */
export function secondsToReach(run: WallClockRun, error: number, budget: number): { seconds: number; resolution: number } | null {
  const h = withinBudget(run, budget);
  const i = h.findIndex((r) => r.testError <= error);
  if (i < 0) return null;
  return { seconds: h[i].seconds, resolution: h[i].seconds - (i ? h[i - 1].seconds : 0) };
}

/** The test error of a run's last record within the budget (NaN: no record that early). */
export function errorAtBudget(run: WallClockRun, budget: number): number {
  const h = withinBudget(run, budget);
  return h.length ? h[h.length - 1].testError : Number.NaN;
}

export interface CoresReading {
  /** Mean over seeds (NaN when a seed lacks it). */
  mean: number;
  /** Range over seeds, or with one seed the measure's own resolution or late movement. */
  spread: number;
  each: number[];
}

/** Mean over seeds and the spread the tie rule uses: the range over seeds, at least the largest one-run spread. */
export function coresReading(values: { value: number; spread: number }[]): CoresReading {
  const each = values.map((v) => v.value);
  if (!each.length) return { mean: Number.NaN, spread: Number.NaN, each };
  const mean = each.reduce((a, b) => a + b, 0) / each.length;
  return { mean, spread: Math.max(range(each), ...values.map((v) => v.spread)), each };
}

/** Seconds a method on some workers took to reach `error` (NaN where a seed did not), with the evaluations' resolution as the spread. */
export function timeReading(cells: TwoCoresCell[], method: TwoCoresMethod, workers: number, error: number, budget: number): CoresReading {
  return coresReading(
    coresCells(cells, method, workers).map((c) => {
      const t = secondsToReach(c.run, error, budget);
      return t ? { value: t.seconds, spread: t.resolution } : { value: Number.NaN, spread: 0 };
    }),
  );
}

/** Ms per step of each of a run's last LAST_EVALS intervals between records. */
function intervalMs(run: WallClockRun): number[] {
  const h = run.history;
  const out: number[] = [];
  for (let i = 1; i < h.length; i++) out.push((1000 * (h[i].seconds - h[i - 1].seconds)) / (h[i].step - h[i - 1].step));
  return out.slice(-LAST_EVALS);
}

/** Ms per step over the whole run, spread: how much it moved between the last intervals. */
export function msReading(cells: TwoCoresCell[], method: TwoCoresMethod, workers: number): CoresReading {
  return coresReading(coresCells(cells, method, workers).map((c) => ({ value: c.run.msPerStep, spread: range(intervalMs(c.run)) })));
}

/** How many times faster a step is on `workers` than on one. */
export function stepSpeedup(cells: TwoCoresCell[], method: TwoCoresMethod, workers: number): number {
  return msReading(cells, method, 1).mean / msReading(cells, method, workers).mean;
}
