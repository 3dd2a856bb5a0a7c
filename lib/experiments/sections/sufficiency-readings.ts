/**
 * Reading section B's runs (notebook 13): the three kinds of run, a measure over a run's last
 * measurements, its mean over seeds with the seeds' range (the tie rule's spread), and, with the
 * top moving, the errors over the drift phase and the lag that fits best.
 *
 * A cached result has been through JSON, where NaN is null: a measure that a record lacks (the
 * training error at step 0, the stopped copy's error before the top moves) reads as NaN here.
 */
import type { SufficiencyRecord, SufficiencyResult } from '../../runs/train-sufficiency';
import { LAST_EVALS } from '../results';
import { range } from '../tie-rule';

/** The unconditioned synthesizer M(h) and the conditioned one M(h, y) with the top frozen; M(h) with the top moving. */
export const SUFFICIENCY_KINDS = ['dni', 'cdni', 'drift'] as const;
export type SufficiencyKind = (typeof SUFFICIENCY_KINDS)[number];

export const SUFFICIENCY_LABELS: Record<SufficiencyKind, string> = {
  dni: 'DNI, M(h)',
  cdni: 'cDNI, M(h, y)',
  drift: 'DNI, M(h), moving top',
};

/** One run: its kind and seed. */
export interface SufficiencyCell {
  kind: SufficiencyKind;
  seed: number;
  run: SufficiencyResult;
}

type Measure = 'expectedError' | 'sampleError' | 'variance' | 'floorError' | 'expectedNorm' | 'cosine' | 'trainError' | 'stoppedError';

/** A record's measure, NaN where it has none (null after JSON). */
export function measureOf(r: SufficiencyRecord, m: Measure): number {
  const v = r[m] as number | null;
  return typeof v === 'number' ? v : Number.NaN;
}

/** A number with its mean over seeds and the seeds' range (one seed: the range of its last measurements). */
export interface SeedReading {
  mean: number;
  spread: number;
  each: number[];
}

function reading(each: number[], single: number[]): SeedReading {
  const mean = each.reduce((s, v) => s + v, 0) / each.length;
  return { mean, spread: each.length > 1 ? range(each) : range(single), each };
}

/** The runs of a kind, one per seed. */
export function cellsOf(cells: SufficiencyCell[], kind: SufficiencyKind): SufficiencyCell[] {
  return cells.filter((c) => c.kind === kind);
}

/** f of a run's records over its last LAST_EVALS measurements (mean), over seeds. */
export function finalReading(cells: SufficiencyCell[], kind: SufficiencyKind, f: (r: SufficiencyRecord) => number): SeedReading {
  const runs = cellsOf(cells, kind);
  if (!runs.length) return { mean: Number.NaN, spread: Number.NaN, each: [] };
  const tail = (c: SufficiencyCell) => c.run.history.slice(-LAST_EVALS).map(f);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  return reading(
    runs.map((c) => mean(tail(c))),
    tail(runs[0]),
  );
}

/** The drift phase: the measurements after the top has started to move. */
export function driftRecords(run: SufficiencyResult): SufficiencyRecord[] {
  return run.history.filter((r) => r.step > run.spec.drift.warmup);
}

/** The mean of f over records. */
export function meanOver(records: SufficiencyRecord[], f: (r: SufficiencyRecord) => number): number {
  return records.reduce((s, r) => s + f(r), 0) / records.length;
}

/**
 * f of a moving-top run's drift-phase records, over seeds; the spread of one seed is the range of
 * f over the phase's last measurements, each alone.
 */
export function driftReading(cells: SufficiencyCell[], f: (records: SufficiencyRecord[]) => number): SeedReading {
  const runs = cellsOf(cells, 'drift');
  if (!runs.length) return { mean: Number.NaN, spread: Number.NaN, each: [] };
  return reading(
    runs.map((c) => f(driftRecords(c.run))),
    driftRecords(runs[0].run)
      .slice(-LAST_EVALS)
      .map((r) => f([r])),
  );
}

/** Per seed, the online synthesizer's mean error against the current E[g|h] over the drift phase, over the stopped copy's. */
export function trackingReading(cells: SufficiencyCell[]): SeedReading {
  return driftReading(cells, (rs) => meanOver(rs, (r) => r.expectedError) / meanOver(rs, (r) => measureOf(r, 'stoppedError')));
}

/** The error against the expected gradient of k steps before the last update, mean over the drift phase and seeds, for each lag k. */
export function lagCurve(cells: SufficiencyCell[]): { lags: number[]; error: number[] } {
  const runs = cellsOf(cells, 'drift');
  if (!runs.length) return { lags: [], error: [] };
  const lags = runs[0].run.spec.lags;
  const error = lags.map((_, i) => driftReading(cells, (rs) => meanOver(rs, (r) => r.lagErrors[i])).mean);
  return { lags, error };
}

/** The lag whose expected gradient the synthesizer fits best over the drift phase (the first of equals), NaN without a lag. */
export function bestLag(cells: SufficiencyCell[]): number {
  const { lags, error } = lagCurve(cells);
  if (!lags.length) return Number.NaN;
  return lags[error.reduce((best, e, i) => (e < error[best] ? i : best), 0)];
}

/** The lags whose error is within `tol` (a share) of the best lag's: how sharply the runs fix the lag. */
export function nearBestLags(cells: SufficiencyCell[], tol = 0.05): number[] {
  const { lags, error } = lagCurve(cells);
  const best = Math.min(...error.filter(Number.isFinite));
  return lags.filter((_, i) => error[i] <= (1 + tol) * best);
}
