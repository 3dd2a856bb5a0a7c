/**
 * Figures and the table of section D.3 (notebook 14), built from its runs: both tasks' test
 * accuracy over training for the three ways A learns from B, the synthetic gradient's cosine with
 * the true gradient of the message, and the final accuracies beside what the paper shows. Curves
 * are means over seeds (the table gives the spread the claims use).
 */
import { LAST_EVALS } from '../experiments/results';
import type { TwoClocksConfig } from '../experiments/sections/two-clocks';
import {
  TWO_CLOCKS_LABELS,
  type TwoClocksCell,
  type TwoClocksReading,
  twoClocksReading,
} from '../experiments/sections/two-clocks-readings';
import type { TwoClocksRecord } from '../runs/train-two-clocks';
import { TWO_CLOCKS_METHODS, type TwoClocksMethod } from '../trainers/two-clocks-spec';
import { methodColor } from './colors';
import { type Figure, panelFigure } from './figures';
import type { ResultRow } from './tables';

/** DNI red, full backprop blue, no gradient grey: the colours of DNI, Bprop and No Bprop everywhere. */
export const TWO_CLOCKS_COLORS: Record<TwoClocksMethod, string> = {
  dni: methodColor('dni'),
  bprop: methodColor('bprop'),
  nograd: methodColor('nobprop'),
};

/** A measure's mean over a method's seeds at each measurement, against training sequences seen (NaN where unmeasured). */
function curve(cells: TwoClocksCell[], method: TwoClocksMethod, f: (r: TwoClocksRecord) => number): { x: number[]; y: number[] } {
  const runs = cells.filter((c) => c.method === method);
  const h = runs[0].run.history;
  // A cached NaN is null (JSON): no number, never 0.
  const value = (r: TwoClocksRecord) => f(r) ?? Number.NaN;
  return { x: h.map((r) => r.sequences), y: h.map((_, i) => runs.reduce((s, c) => s + value(c.run.history[i]), 0) / runs.length) };
}

const methodsIn = (cells: TwoClocksCell[]) => TWO_CLOCKS_METHODS.filter((m) => cells.some((c) => c.method === m));

/** Two panels, A's task and B's: test accuracy against training sequences, one line per method. */
export function twoClocksAccuracyFigure(cfg: TwoClocksConfig, cells: TwoClocksCell[]): Figure {
  const d = cfg.run.trainer.data;
  const series = (f: (r: TwoClocksRecord) => number) =>
    methodsIn(cells).map((m) => ({ name: TWO_CLOCKS_LABELS[m], ...curve(cells, m, f), color: TWO_CLOCKS_COLORS[m] }));
  return panelFigure({
    title: `Two networks on two clocks: test accuracy (${d.sequenceLength} digits per sequence, B every ${d.bPeriod} steps)`,
    xTitle: 'training sequences seen',
    yTitle: 'share of predictions right',
    panels: [
      { title: `A: odd digits seen so far (every step, 0–${d.oddCap})`, series: series((r) => r.accA) },
      { title: `B: 3s seen so far (at B's ticks, 0–${d.threeCap}+)`, series: series((r) => r.accB) },
    ],
  });
}

/**
 * The synthetic gradient against B's true gradient of each message, on the training batches
 * ('dni' only): their cosine, and the size of ĝ as A consumes it (× scale) relative to the true one.
 */
export function twoClocksSyntheticGradientFigure(cfg: TwoClocksConfig, cells: TwoClocksCell[]): Figure {
  const finite = (f: (r: TwoClocksRecord) => number) => {
    const c = curve(cells, 'dni', f);
    const keep = c.y.map((v) => Number.isFinite(v));
    return { x: c.x.filter((_, i) => keep[i]), y: c.y.filter((_, i) => keep[i]) };
  };
  const color = TWO_CLOCKS_COLORS.dni;
  return panelFigure({
    title: 'DNI: the synthetic gradient ĝ against the true gradient of the message (training batches, mean since the last point)',
    xTitle: 'training sequences seen',
    yTitle: 'cosine',
    shareY: false,
    panels: [
      {
        title: 'cos(ĝ, ∂L_B/∂m)',
        yTitle: 'cosine',
        series: [{ name: `${TWO_CLOCKS_LABELS.dni}: cos(ĝ, ∂L_B/∂m)`, ...finite((r) => r.sgCosine), color }],
      },
      {
        title: `‖ĝ‖ / ‖∂L_B/∂m‖, ĝ as consumed (× ${cfg.run.trainer.synthesizer.scale})`,
        yTitle: 'norm ratio',
        series: [{ name: `${TWO_CLOCKS_LABELS.dni}: ‖ĝ‖ / ‖∂L_B/∂m‖`, ...finite((r) => r.sgNormRatio), color, line: { dash: 'dot' } }],
      },
    ],
  });
}

const spreadText = (r: TwoClocksReading) =>
  r.each.length > 1
    ? `range over ${r.each.length} seeds ${(100 * r.spread).toFixed(1)} pts`
    : `last ${LAST_EVALS}: ±${(50 * r.spread).toFixed(1)} pts`;

/** Final test accuracies of both tasks per method (mean of the last measurements), beside Figure 7, which gives only curves. */
export function twoClocksRows(cfg: TwoClocksConfig, cells: TwoClocksCell[]): ResultRow[] {
  const r = cfg.run;
  const budget = `${r.steps} steps × ${r.batchSize} sequences (paper: not given; D.1 runs 500k × 256)`;
  const paper: Record<TwoClocksMethod, string> = {
    dni: 'similar to full backprop (Figure 7, curves)',
    bprop: 'reference (Figure 7)',
    nograd: 'B performs poorly (Figure 7)',
  };
  const rows: ResultRow[] = [];
  for (const m of methodsIn(cells)) {
    for (const [task, f] of [
      ['A: odd digits', (x: TwoClocksRecord) => x.accA],
      ['B: 3s', (x: TwoClocksRecord) => x.accB],
    ] as const) {
      const reading = twoClocksReading(cells, m, f);
      rows.push({
        task,
        method: TWO_CLOCKS_LABELS[m],
        spread: spreadText(reading),
        paper: task.startsWith('B') ? paper[m] : '—',
        ours: `${(100 * reading.mean).toFixed(1)}%`,
        budget,
      });
    }
  }
  const cos = twoClocksReading(cells, 'dni', (x) => x.sgCosine);
  const ratio = twoClocksReading(cells, 'dni', (x) => x.sgNormRatio);
  if (Number.isFinite(cos.mean)) {
    rows.push({ task: 'message', method: 'DNI: cos(ĝ, ∂L_B/∂m)', spread: spreadText(cos), paper: '—', ours: cos.mean.toFixed(3), budget });
    rows.push({
      task: 'message',
      method: 'DNI: ‖ĝ‖ / ‖∂L_B/∂m‖ (ĝ × scale)',
      spread: spreadText(ratio),
      paper: '—',
      ours: ratio.mean.toFixed(2),
      budget,
    });
  }
  return rows;
}
