/**
 * Display of experiment results: error curves, Table 2 beside the paper, claims, and a preset's
 * deviations from the paper. Pure presentation: every number comes from the runs.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import type { Claim } from '../experiments/claims';
import { FAMILY_NAMES, GridConfig, GridRun } from '../experiments/grid';
import { table2Method } from '../experiments/methods';
import { PAPER_STEPS, TABLE2 } from '../experiments/paper';
import { deviations, Preset } from '../experiments/presets';
import { RunResult } from '../train';
import { Figure, lineFigure } from './figures';
import { budget, ResultRow } from './tables';

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

/** Error curves of every method at one depth (a panel of Figures 13 and 15). */
export function depthCurves(cfg: GridConfig, runs: GridRun[], depth: number, metric: 'testError' | 'trainError' = 'testError'): Figure {
  const what = metric === 'testError' ? 'test' : 'training';
  return errorCurves(
    runs.filter((r) => r.depth === depth).map((r) => ({ name: r.name, run: r.run })),
    { metric, title: `${FAMILY_NAMES[cfg.family]}, ${depth} layers: ${what} error`, logY: true },
  );
}

/** Table 2 rows: model | layers | method | paper | ours | train err | budget (test error, %). */
export function table2Rows(cfg: GridConfig, runs: GridRun[]): ResultRow[] {
  return runs.map((r) => {
    const m = table2Method(r.method);
    return {
      model: FAMILY_NAMES[cfg.family],
      layers: r.depth,
      method: r.name,
      paper: (m && TABLE2[cfg.family][r.depth]?.[m]) ?? '—',
      ours: Number((100 * r.run.final.testError).toFixed(2)),
      'train err': Number((100 * r.run.final.trainError).toFixed(2)),
      budget: budget(PAPER_STEPS, cfg.run.steps),
    };
  });
}

/** Claims as a table (claim | criterion | our run | evidence). */
export function claimsTable(claims: Claim[]): ColumnTable {
  return aq.from(claims.map((c) => ({ claim: c.claim, criterion: c.criterion, 'our run': c.verdict, evidence: c.evidence })));
}

/** The cpu preset's deviations from the paper as a table (field | paper | cpu | why). */
export function deviationsTable<C>(preset: Preset<C>): ColumnTable {
  return aq.from(deviations(preset));
}
