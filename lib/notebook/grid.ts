/**
 * Display of experiment results: error curves, Table 2 beside the paper, claims, and a preset's
 * deviations from the paper. Pure presentation: every number comes from the runs.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import type { Claim } from '../experiments/claim';
import { budgetText, cellError, cellRuns, gapClosed, LAST_EVALS, lastMean, seriesAt, sgQualityAt } from '../experiments/results';
import { FAMILY_NAMES, type GridConfig, type GridRun } from '../experiments/grid';
import { methodLabel, parseMethod, table2Method } from '../experiments/methods';
import { TABLE2 } from '../experiments/paper';
import { deviations, type Preset } from '../experiments/preset';
import { divergedText } from '../experiments/run-classifier';
import type { RunResult } from '../runs/loop';
import { DASHES, methodColor, methodDash } from './colors';
import { type Figure, lineFigure, panelFigure, type Series } from './figures';
import type { ResultRow } from './tables';

/**
 * Error (%) curves of several runs against the training step, coloured by method; variants of
 * one method (e.g. synthesizer depths) are told apart by dash.
 */
export function errorCurves(
  runs: { name: string; run: RunResult; method?: string }[],
  opts: { metric?: 'testError' | 'trainError'; title: string; logY?: boolean; yTitle?: string },
): Figure {
  const metric = opts.metric ?? 'testError';
  const seen = new Map<string, number>();
  return lineFigure({
    title: opts.title,
    xTitle: 'training step',
    yTitle: opts.yTitle ?? `${metric === 'testError' ? 'test' : 'training'} error (%)`,
    logY: opts.logY,
    series: runs.map(({ name, run, method }) => {
      const color = method ? methodColor(method) : undefined;
      const variant = color ? (seen.get(color) ?? 0) : 0;
      if (color) seen.set(color, variant + 1);
      const dash = variant > 0 ? DASHES[variant % DASHES.length] : method && methodDash(method);
      return {
        name: run.diverged ? `${name} (${divergedText(run)})` : name,
        x: run.history.map((r) => r.step),
        y: run.history.map((r) => 100 * (r[metric] as number)),
        color,
        ...(dash ? { line: { dash } } : {}),
      };
    }),
  });
}

/** A series' line style for a method with its own dash (complete unlock), else nothing. */
function dashOf(method: string): { line?: { dash: string } } {
  const dash = methodDash(method);
  return dash ? { line: { dash } } : {};
}

/** Error curves of every method at one depth (a panel of Figures 13 and 15). */
export function depthCurves(cfg: GridConfig, runs: GridRun[], depth: number, metric: 'testError' | 'trainError' = 'testError'): Figure {
  const what = metric === 'testError' ? 'test' : 'training';
  return errorCurves(
    runs.filter((r) => r.depth === depth && r.seed === undefined).map((r) => ({ name: r.name, run: r.run, method: r.method })),
    { metric, title: `${FAMILY_NAMES[cfg.family]}, ${depth} layers: ${what} error`, logY: true },
  );
}

/**
 * Figure 13 as a grid: one panel per depth with shared axes, every method's error curve in its
 * colour (the grid's own seed; runSeeds' extra seeds are in the tables).
 */
export function gridCurves(cfg: GridConfig, runs: GridRun[], metric: 'testError' | 'trainError' = 'testError', title?: string): Figure {
  const what = metric === 'testError' ? 'test' : 'training';
  const depths = [...cfg.depths].sort((a, b) => a - b);
  return panelFigure({
    title: title ?? `${FAMILY_NAMES[cfg.family]}: ${what} error by depth`,
    xTitle: 'training step',
    yTitle: `${what} error (%)`,
    logY: true,
    panels: depths.map((d) => ({
      title: `${d} layers`,
      series: runs
        .filter((r) => r.depth === d && r.seed === undefined)
        .map(
          (r): Series => ({
            name: r.name,
            x: r.run.history.map((h) => h.step),
            y: r.run.history.map((h) => 100 * h[metric]),
            color: methodColor(r.method),
            ...dashOf(r.method),
          }),
        ),
    })),
  });
}

/**
 * Error curves in panels, one per group of methods at one depth; each series is named by its
 * method's base ('DNI', 'No Bprop', …) so the legend lists each method once.
 */
export function methodPanels(
  runs: GridRun[],
  depth: number,
  groups: { title: string; methods: string[] }[],
  title: string,
  metric: 'testError' | 'trainError' = 'testError',
): Figure {
  const what = metric === 'testError' ? 'test' : 'training';
  return panelFigure({
    title,
    xTitle: 'training step',
    yTitle: `${what} error (%)`,
    logY: true,
    columns: groups.length > 4 ? 3 : 2,
    panels: groups.map((g) => ({
      title: g.title,
      series: g.methods.map((m): Series => {
        const r = runs.find((x) => x.depth === depth && x.method === m && x.seed === undefined);
        if (!r) throw new Error(`methodPanels: no run of '${m}' at ${depth} layers`);
        const p = parseMethod(m);
        return {
          name: methodLabel(p.unlock ? m : p.base),
          x: r.run.history.map((h) => h.step),
          y: r.run.history.map((h) => 100 * h[metric]),
          color: methodColor(m),
          ...dashOf(m),
        };
      }),
    })),
  });
}

/**
 * Figure 11: final test error (mean of the last evaluations, over seeds) against the position p,
 * for (a) a single DNI after layer p and the same cut passing no gradient, or (b) DNI and cDNI on
 * connections 1..p; Bprop as a flat reference.
 */
export function placementFigure(cfg: GridConfig, runs: GridRun[], panel: 'a' | 'b'): Figure {
  const K = cfg.depths[0];
  const ps = Array.from({ length: K - 1 }, (_, i) => i + 1);
  const line = (name: string, method: (p: number) => string, color: string): Series => ({
    name,
    x: ps,
    y: ps.map((p) => cellError(runs, K, method(p))),
    color,
  });
  const series =
    panel === 'a'
      ? [line('DNI', (p) => `dni@${p}`, methodColor('dni')), line('No Bprop', (p) => `nobprop@${p}`, methodColor('nobprop'))]
      : [line('DNI', (p) => `dni@1-${p}`, methodColor('dni')), line('cDNI', (p) => `cdni@1-${p}`, methodColor('cdni'))];
  series.push({ ...line('Bprop', () => 'bprop', methodColor('bprop')), line: { dash: 'dash' } });
  return lineFigure({
    title:
      panel === 'a'
        ? `${FAMILY_NAMES[cfg.family]}, ${K} layers: one DNI (or no gradient) after layer p (Figure 11a)`
        : `${FAMILY_NAMES[cfg.family]}, ${K} layers: DNI on connections 1..p (Figure 11b)`,
    xTitle: panel === 'a' ? 'p: the layer after which the DNI or the cut sits' : 'p: DNI on every connection up to layer p',
    yTitle: `test error (%, mean of the last ${LAST_EVALS} evaluations)`,
    logY: true,
    markers: true,
    series,
  });
}

/** Figure 12's measures of a synthetic gradient against the true one (RunSpec.measureSG). */
export const SG_QUALITY = [
  { key: 'sgDistance', title: 'L2 distance', yTitle: 'L2 distance to the true gradient', logY: true },
  { key: 'sgTrueNorm', title: '‖true gradient‖', yTitle: 'norm of the true gradient', logY: true },
  { key: 'sgRelError', title: 'relative error', yTitle: '‖g − t‖ / ‖t‖', logY: false },
  { key: 'sgCosine', title: 'cosine similarity', yTitle: 'cosine similarity (per example)', logY: false },
  { key: 'sgUpdateCosine', title: 'update cosine', yTitle: 'cosine of the layer gradients', logY: false },
  { key: 'sgSignError', title: 'sign error', yTitle: 'sign error (fraction of dimensions)', logY: false },
] as const;

/** Figure 12's three measures over training and three more (sg-quality.ts), one panel each, for the given runs and connections. */
export function sgQualityFigure(
  lines: { name: string; run: RunResult; connection: number | 'mean'; color: string; dash?: string }[],
  title: string,
  /** Measures drawn on a log scale besides the usual ones (a relative error that spans decades). */
  logKeys: string[] = [],
): Figure {
  return panelFigure({
    title,
    xTitle: 'training step',
    yTitle: '',
    shareY: false,
    columns: 3,
    panels: SG_QUALITY.map((m) => ({
      title: m.title,
      yTitle: m.yTitle,
      logY: m.logY || logKeys.includes(m.key),
      series: lines.map(
        (l): Series => ({
          name: l.name,
          x: l.run.history.map((h) => h.step),
          y: sgQualityAt(l.run, m.key, l.connection),
          color: l.color,
          ...(l.dash ? { line: { dash: l.dash } } : {}),
        }),
      ),
    })),
    width: 1250,
    height: 760,
  });
}

/** The smallest No Bprop → Bprop gap (points) whose closed share is reported. */
export const MIN_GAP = 0.5;

/**
 * Table 2 rows: model | layers | method | gap closed (ours, paper) | train err | paper | ours | seeds | budget.
 * Errors are the mean of the last few evaluations, averaged over a cell's seeds where it has
 * more than one (runSeeds); "gap closed" is the share of the No Bprop → Bprop gap a method
 * closes (100% = backprop's error; '—' where the gap is under MIN_GAP points).
 */
export function table2Rows(cfg: GridConfig, runs: GridRun[]): ResultRow[] {
  const b = budgetText(cfg);
  return runs
    .filter((r) => r.seed === undefined)
    .map((r) => {
      const m = table2Method(r.method);
      const paperRow = TABLE2[cfg.family][r.depth];
      // A Table 2 method's run at this depth under any name ('bprop', or 'lambda=1' in notebook 01).
      const err = (method: string) =>
        cellError(
          runs,
          r.depth,
          runs.find((x) => x.depth === r.depth && table2Method(x.method) === table2Method(method))?.method ?? method,
        );
      const ours = err(r.method);
      // A share of a gap under half a point says nothing (the paper's 3-layer MNIST CNN: 0.9% vs 0.8%).
      const share = (nobprop: number, bprop: number, x: number) =>
        Number.isFinite(nobprop - bprop) && nobprop - bprop >= MIN_GAP ? gapClosed(nobprop, bprop, x) : null;
      const closed = m && m !== 'nobprop' && m !== 'bprop' ? share(err('nobprop'), err('bprop'), ours) : null;
      const paperClosed = paperRow && m && m !== 'nobprop' && m !== 'bprop' ? share(paperRow.nobprop, paperRow.bprop, paperRow[m]) : null;
      return {
        model: FAMILY_NAMES[cfg.family],
        layers: r.depth,
        method: r.name,
        'gap closed': closed === null ? '—' : `${closed.toFixed(0)}%`,
        'paper gap closed': paperClosed === null ? '—' : `${paperClosed.toFixed(0)}%`,
        'train err': errorCell(cellError(runs, r.depth, r.method, 'trainError')),
        paper: (m && paperRow?.[m]) ?? '—',
        ours: Number(ours.toFixed(2)),
        seeds: cellRuns(runs, r.depth, r.method).length,
        budget: `${b.ours} (paper: ${b.paper})`,
      };
    });
}

/**
 * Rows of a study of variants (runVariants): variant | named synthesizer losses | train err |
 * paper | ours | budget, where `sgLoss` maps a column title to a connection index (0-based).
 */
export function studyRows(runs: GridRun[], budget: string, sgLoss: Record<string, number> = {}): ResultRow[] {
  return runs.map((r) => {
    const sg: Record<string, number | string> = {};
    for (const [title, k] of Object.entries(sgLoss)) {
      const v = seriesAt(r.run.final.series, 'sgLoss', k);
      sg[title] = Number.isFinite(v) ? Number(v.toPrecision(3)) : '—';
    }
    return {
      variant: r.name,
      ...sg,
      // A diverged variant is shown as such, never as a number.
      'train err': r.run.diverged ? 'diverged' : errorCell(lastMean(r.run, 'trainError')),
      paper: '—',
      ours: r.run.diverged ? divergedText(r.run) : Number(lastMean(r.run).toFixed(2)),
      budget,
    };
  });
}

/** An error (%) to two decimals, or '—' where it was not measured (NaN). */
export function errorCell(v: number): number | string {
  return Number.isFinite(v) ? Number(v.toFixed(2)) : '—';
}

/** Claims as a table (claim | criterion | our run | evidence). */
export function claimsTable(claims: Claim[]): ColumnTable {
  return aq.from(claims.map((c) => ({ claim: c.claim, criterion: c.criterion, 'our run': c.verdict, evidence: c.evidence })));
}

/** The cpu preset's deviations from the paper as a table (field | paper | cpu | why). */
export function deviationsTable<C>(preset: Preset<C>): ColumnTable {
  return aq.from(deviations(preset));
}
