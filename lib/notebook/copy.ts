/**
 * Figure 17: the time dependency solved against the sequences consumed, per method and unroll T
 * (colour by method, dash by T), and the table of the highest level each reached.
 */
import type { CopyCell } from '../experiments/claims';
import { DASHES, RECURRENT_COLORS, RECURRENT_LABELS } from './colors';
import { Figure, lineFigure } from './figures';
import { ResultRow } from './tables';

export function copyCurves(cells: CopyCell[], kind: CopyCell['kind']): Figure {
  const mine = cells.filter((c) => c.kind === kind);
  const Ts = [...new Set(mine.map((c) => c.T))].sort((a, b) => a - b);
  return lineFigure({
    title: `${kind === 'copy' ? 'Copy' : 'Repeat Copy'}: time dependency solved (Figure 17)`,
    xTitle: 'sequences consumed (samples)',
    yTitle: kind === 'copy' ? 'time dependency solved (N)' : 'time dependency solved (N × R)',
    series: mine.map((c) => ({
      name: `${RECURRENT_LABELS[c.method]}, T = ${c.T}`,
      x: c.run.history.map((r) => r.samples),
      y: c.run.history.map((r) => r.dependency),
      color: RECURRENT_COLORS[c.method],
      line: { dash: DASHES[Ts.indexOf(c.T) % DASHES.length], shape: 'hv' },
    })),
  });
}

/** task | method | T | highest level | dependency | bits at the last check | paper | ours | budget. */
export function copyRows(cells: CopyCell[], budget: string): ResultRow[] {
  return cells.map((c) => {
    const lv = c.run.maxSolved;
    return {
      task: c.kind === 'copy' ? 'Copy' : 'Repeat Copy',
      method: RECURRENT_LABELS[c.method],
      T: c.T,
      'highest level solved': lv ? (c.kind === 'copy' ? `N = ${lv.N}` : `N = ${lv.N}, R = ${lv.R}`) : 'none',
      'last check': `${c.run.final.bits.toFixed(2)} bits at N = ${c.run.final.level.N}${c.kind === 'repeatCopy' ? `, R = ${c.run.final.level.R}` : ''}`,
      paper: '—',
      ours: c.run.maxDependency,
      budget,
    };
  });
}
