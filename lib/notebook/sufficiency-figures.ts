/**
 * Figures and the table of section B (notebook 13), built from its runs: the synthesizer's error
 * against the expected gradient and against per-example gradients over training, beside the
 * irreducible variance; the moving top, against a stopped copy; the error by lag. Curves are
 * means over seeds (the table gives each seed's range).
 */
import { LAST_EVALS } from '../experiments/results';
import { lagsText } from '../experiments/sections/sufficiency-claims';
import {
  bestLag,
  cellsOf,
  driftReading,
  finalReading,
  lagCurve,
  meanOver,
  measureOf,
  type SeedReading,
  SUFFICIENCY_LABELS,
  type SufficiencyCell,
  type SufficiencyKind,
  trackingReading,
} from '../experiments/sections/sufficiency-readings';
import type { SufficiencyRecord } from '../runs/train-sufficiency';
import { methodColor } from './colors';
import { type Figure, lineFigure, sweepFigure } from './figures';
import type { ResultRow } from './tables';

/** The references: the irreducible variance in black, the error of M = 0 in grey, the stopped copy in cyan. */
const VARIANCE_COLOR = '#000000';
const ZERO_COLOR = '#7f7f7f';
const STOPPED_COLOR = '#17becf';

/** A measure's mean over a kind's seeds at each measurement (the seeds share their steps). */
function meanCurve(cells: SufficiencyCell[], kind: SufficiencyKind, f: (r: SufficiencyRecord) => number): { x: number[]; y: number[] } {
  const runs = cellsOf(cells, kind);
  const steps = runs[0].run.history.map((r) => r.step);
  return { x: steps, y: steps.map((_, i) => runs.reduce((s, c) => s + f(c.run.history[i]), 0) / runs.length) };
}

const seedsText = (cells: SufficiencyCell[], kind: SufficiencyKind) => `mean of ${cellsOf(cells, kind).length} seeds`;

/** The frozen top: M(h)'s error against E[g|h] and against per-example gradients, M(h, y)'s against per-example gradients, and the references. */
export function sufficiencyErrorFigure(cells: SufficiencyCell[]): Figure {
  const dni = methodColor('dni');
  const line = (kind: SufficiencyKind, f: (r: SufficiencyRecord) => number) => meanCurve(cells, kind, f);
  const variance = line('dni', (r) => r.variance);
  const zero = line('dni', (r) => r.expectedNorm);
  return lineFigure({
    title: `Frozen top: the synthesizer's error over training (${seedsText(cells, 'dni')})`,
    xTitle: 'training step',
    yTitle: 'mean squared error per example',
    logY: true,
    series: [
      { name: `${SUFFICIENCY_LABELS.dni}: against E[g | h]`, ...line('dni', (r) => r.expectedError), color: dni },
      { name: `${SUFFICIENCY_LABELS.dni}: against per-example g`, ...line('dni', (r) => r.sampleError), color: dni, line: { dash: 'dot' } },
      {
        name: `${SUFFICIENCY_LABELS.cdni}: against per-example g`,
        ...line('cdni', (r) => r.sampleError),
        color: methodColor('cdni'),
        line: { dash: 'dot' },
      },
      { name: 'irreducible variance E‖g − E[g | h]‖²', ...variance, color: VARIANCE_COLOR, line: { dash: 'dash', width: 1 } },
      { name: '‖E[g | h]‖² (the error of M = 0)', ...zero, color: ZERO_COLOR, line: { dash: 'dash', width: 1 } },
    ],
  });
}

/** The moving top: the online synthesizer and the copy stopped at the warmup, each against the current E[g|h]. */
export function sufficiencyDriftFigure(cells: SufficiencyCell[]): Figure {
  const run = cellsOf(cells, 'drift')[0].run;
  const { warmup, period } = run.spec.drift;
  const stopped = meanCurve(cells, 'drift', (r) => measureOf(r, 'stoppedError'));
  const after = stopped.x.map((s) => s > warmup);
  return lineFigure({
    title: `Moving top (frozen until step ${warmup}, then one turn in ${period} steps): error against the current E[g | h] (${seedsText(cells, 'drift')})`,
    xTitle: 'training step',
    yTitle: 'mean squared error per example',
    logY: true,
    series: [
      { name: `${SUFFICIENCY_LABELS.drift}: online`, ...meanCurve(cells, 'drift', (r) => r.expectedError), color: methodColor('dni') },
      {
        name: `${SUFFICIENCY_LABELS.drift}: copy stopped at step ${warmup}`,
        x: stopped.x.filter((_, i) => after[i]),
        y: stopped.y.filter((_, i) => after[i]),
        color: STOPPED_COLOR,
      },
      {
        name: '‖E[g | h]‖² (the error of M = 0)',
        ...meanCurve(cells, 'drift', (r) => r.expectedNorm),
        color: ZERO_COLOR,
        line: { dash: 'dash', width: 1 },
      },
    ],
  });
}

/** The online synthesizer's error against the expected gradient of the top k steps before its last update, over the drift phase. */
export function sufficiencyLagFigure(cells: SufficiencyCell[]): Figure {
  const { lags, error } = lagCurve(cells);
  return sweepFigure({
    title: `Moving top: error against the expected gradient of k steps before (best: k = ${bestLag(cells)})`,
    xTitle: 'lag k (updates of the top back from the last one)',
    yTitle: 'mean squared error per example',
    x: lags.map(String),
    series: [{ name: `${SUFFICIENCY_LABELS.drift}: against E at lag k`, y: error, color: methodColor('dni') }],
    logY: true,
  });
}

const range = (r: SeedReading) =>
  r.each.length > 1 ? `${Math.min(...r.each).toPrecision(3)}–${Math.max(...r.each).toPrecision(3)} (${r.each.length} seeds)` : '1 seed';

/** The measures the claims read, beside what section B says of each; ratios to the irreducible variance unless named. */
export function sufficiencyRows(cells: SufficiencyCell[]): ResultRow[] {
  const spec = cells[0].run.spec;
  const budget = `${spec.steps} steps of ${spec.batchSize} (no experiment in the paper)`;
  const last = `last ${LAST_EVALS} measurements`;
  const row = (run: string, measure: string, r: SeedReading, paper: string): ResultRow => ({
    run,
    measure,
    seeds: range(r),
    paper,
    ours: Number(r.mean.toPrecision(3)),
    budget,
  });
  const { dni, cdni, drift } = SUFFICIENCY_LABELS;
  const ratio = (kind: SufficiencyKind, f: (r: SufficiencyRecord) => number) => finalReading(cells, kind, (r) => f(r) / r.variance);
  const lag = bestLag(cells);
  return [
    row(
      dni,
      `‖M − E[g|h]‖² / variance (${last})`,
      ratio('dni', (r) => r.expectedError),
      '→ 0 (frozen top)',
    ),
    row(
      dni,
      `cos(M, E[g|h]) (${last})`,
      finalReading(cells, 'dni', (r) => r.cosine),
      '→ 1 (frozen top)',
    ),
    row(
      dni,
      `‖M − g‖² / variance (${last})`,
      ratio('dni', (r) => r.sampleError),
      '→ 1 (no function of h does better)',
    ),
    row(
      cdni,
      `‖M − g‖² / variance (${last})`,
      ratio('cdni', (r) => r.sampleError),
      '—',
    ),
    row(
      cdni,
      `‖M − E[g|h]‖² / variance (${last})`,
      ratio('cdni', (r) => r.expectedError),
      '—',
    ),
    row(drift, '‖M − E[g|h]‖², online / stopped copy (drift phase)', trackingReading(cells), 'tracks online'),
    row(
      drift,
      '‖M − E[g|h]‖² / variance (drift phase)',
      driftReading(cells, (rs) => meanOver(rs, (r) => r.expectedError / r.variance)),
      '—',
    ),
    {
      run: drift,
      measure: `best-fitting lag k (steps, drift phase; within 5% of its error: ${lagsText(cells)})`,
      seeds: 'mean of seeds',
      paper: '—',
      ours: lag,
      budget,
    },
  ];
}
