/**
 * Section D.3's runs and what the claims and the notebook read from them: a method's final reading
 * of a measure (the mean of its last LAST_EVALS measurements, over seeds) and its spread (the
 * range over seeds; one seed: the range of those measurements, tie-rule.ts).
 */
import type { TwoClocksRecord, TwoClocksResult } from '../../runs/train-two-clocks';
import type { TwoClocksMethod } from '../../trainers/two-clocks-spec';
import { LAST_EVALS } from '../results';
import { range } from '../tie-rule';

/** One run: a method and a seed. */
export interface TwoClocksCell {
  method: TwoClocksMethod;
  seed: number;
  run: TwoClocksResult;
}

export const TWO_CLOCKS_LABELS: Record<TwoClocksMethod, string> = {
  dni: 'DNI',
  bprop: 'Full backprop through B',
  nograd: 'No gradient from B',
};

export interface TwoClocksReading {
  /** Mean over seeds of each seed's mean of its last evaluations. */
  mean: number;
  spread: number;
  each: number[];
}

/** A method's final reading of a measure (NaN when the runs lack the method). */
export function twoClocksReading(
  cells: TwoClocksCell[],
  method: TwoClocksMethod,
  measure: (r: TwoClocksRecord) => number,
): TwoClocksReading {
  const runs = cells.filter((c) => c.method === method);
  const each = runs.map((c) => {
    const last = c.run.history.slice(-LAST_EVALS).map((r) => measure(r) ?? Number.NaN); // a cached NaN is null
    return last.reduce((a, b) => a + b, 0) / last.length;
  });
  if (!each.length) return { mean: Number.NaN, spread: Number.NaN, each };
  const spread = each.length > 1 ? range(each) : range(runs[0].run.history.slice(-LAST_EVALS).map((r) => measure(r) ?? Number.NaN));
  return { mean: each.reduce((a, b) => a + b, 0) / each.length, spread, each };
}
