/**
 * Notebook 12's figures and table (paper A.4): test error of every method at every depth, how the
 * synthetic gradient of each A.4 method compares with the true one over training (the measures
 * of sg-quality.ts, mean over connections), and the table beside Table 2. Every number comes from
 * the runs.
 */
import type { GridConfig, GridRun } from '../experiments/grid';
import { methodLabel, table2Method, usesSynthesizers } from '../experiments/methods';
import { TABLE2 } from '../experiments/paper';
import { budgetText, cellError, cellRuns, LAST_EVALS, sgQualityAt, tailMean } from '../experiments/results';
import { type CriticsRuns, sgReferenceMethods } from '../experiments/sections/critics';
import { methodColor } from './colors';
import { type Figure, panelFigure } from './figures';
import { sgQualityFigure } from './grid';
import type { ResultRow } from './tables';

const own = (runs: GridRun[], depth: number, m: string) => runs.find((r) => r.depth === depth && r.method === m && r.seed === undefined);

/** Does a method's run carry synthetic-gradient measures (A.4's methods: critics, FA, DFA, Kickback)? */
const measured = (m: string) => usesSynthesizers(m) || m === 'fa' || m === 'kickback';

/** Test error against the training step, one panel per depth, a line per method. */
export function criticsCurves(cfg: GridConfig, r: CriticsRuns): Figure {
  return panelFigure({
    title: 'MNIST FCN, every connection: test error of scalar critics, FA, DFA and Kickback beside Bprop, No Bprop, DNI and cDNI',
    xTitle: 'training step',
    yTitle: 'test error (%)',
    logY: true,
    columns: 2,
    panels: cfg.depths.map((d) => ({
      title: `${d} layers`,
      series: cfg.methods.flatMap((m) => {
        const run = own(r.runs, d, m);
        return run
          ? [
              {
                name: methodLabel(m),
                x: run.run.history.map((h) => h.step),
                y: run.run.history.map((h) => 100 * h.testError),
                color: methodColor(m),
              },
            ]
          : [];
      }),
    })),
    height: 900,
  });
}

/** At one depth (the greatest by default): each synthetic-gradient method's measures over training, mean over connections. */
export function criticsSgFigure(cfg: GridConfig, r: CriticsRuns, depth = Math.max(...cfg.depths)): Figure {
  const lines = cfg.methods
    .filter((m) => measured(m) && m !== 'dni' && m !== 'cdni')
    .flatMap((m) => {
      const run = own(r.runs, depth, m);
      return run ? [{ name: methodLabel(m), run: run.run, connection: 'mean' as const, color: methodColor(m) }] : [];
    });
  const ref = sgReferenceMethods(depth).flatMap((m, i) => {
    const run = own(r.sgReference, depth, m);
    return run
      ? [
          {
            name: `${i ? 'cDNI' : 'DNI'} (notebook 06's run)`,
            run: run.run,
            connection: 'mean' as const,
            color: methodColor(i ? 'cdni' : 'dni'),
          },
        ]
      : [];
  });
  // Kickback's relative error runs to tens where the others' stay near 1: a log scale keeps both readable.
  return sgQualityFigure(
    [...lines, ...ref],
    `MNIST FCN, ${depth} layers: each synthetic gradient against the true gradient, mean over connections`,
    ['sgRelError'],
  );
}

/** The mean over connections of a measure's last evaluations, or null where a run has none. */
function sgReading(run: GridRun | undefined, key: string): number | null {
  if (!run) return null;
  const k = (run.run.history[0]?.series[key] ?? []).length;
  const per = Array.from({ length: k }, (_, i) => tailMean(sgQualityAt(run.run, key, i + 1))).filter(Number.isFinite);
  return per.length ? Number((per.reduce((a, b) => a + b, 0) / per.length).toPrecision(3)) : null;
}

/**
 * A row per depth and method: Table 2's number where there is one, our test error (averaged over
 * seeds where a cell has several), and the synthetic gradient's cosine and relative error (mean
 * over connections, last evaluations; DNI and cDNI only at the depth notebook 06 measured).
 */
export function criticsRows(cfg: GridConfig, r: CriticsRuns): ResultRow[] {
  const b = budgetText(cfg);
  const K = Math.max(...cfg.depths);
  return cfg.depths.flatMap((d) =>
    cfg.methods.map((m) => {
      const t2 = table2Method(m);
      const ref = d === K && (m === 'dni' || m === 'cdni') ? own(r.sgReference, d, sgReferenceMethods(K)[m === 'dni' ? 0 : 1]) : undefined;
      const run = ref ?? (measured(m) && !t2 ? own(r.runs, d, m) : undefined);
      return {
        layers: d,
        method: methodLabel(m),
        seeds: cellRuns(r.runs, d, m).length,
        cosine: sgReading(run, 'sgCosine') ?? '—',
        'relative error': sgReading(run, 'sgRelError') ?? '—',
        paper: (t2 && TABLE2[cfg.family][d]?.[t2]) ?? '—',
        ours: Number(cellError(r.runs, d, m).toFixed(2)),
        budget: `${b.ours} (paper: ${b.paper})`,
      };
    }),
  );
}

/** The measures' names in the table above, for the notebook's text. */
export const CRITICS_SG_NOTE = `cosine: mean over examples of cos(g_b, t_b); relative error: ‖g − t‖/‖t‖ of the batch; each the mean over connections of the last ${LAST_EVALS} evaluations`;
