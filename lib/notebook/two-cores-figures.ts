/**
 * Notebook 15's figure and tables, built from its wall-clock runs: test error against training
 * seconds (one colour per method as everywhere, 1 worker solid, several dashed), the time each
 * run took to reach the config's test errors with its ms per step, speed-up and split, and the
 * machine that timed them.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { TABLE2 } from '../experiments/paper';
import type { TwoCoresConfig } from '../experiments/sections/two-cores';
import {
  commonBudget,
  coresSplitText,
  errorAtBudget,
  msReading,
  stepSpeedup,
  TWO_CORES_METHODS,
  type TwoCoresCell,
  timeReading,
  twoCoresLabel,
} from '../experiments/sections/two-cores-readings';
import { methodColor } from './colors';
import { type Figure, lineFigure } from './figures';
import type { ResultRow } from './tables';

/** The method × workers pairs present, in the section's order (1 worker first). */
function pairs(cells: TwoCoresCell[]): { method: (typeof TWO_CORES_METHODS)[number]; workers: number }[] {
  const ws = [...new Set(cells.map((c) => c.workers))].sort((a, b) => a - b);
  return TWO_CORES_METHODS.flatMap((method) => ws.map((workers) => ({ method, workers }))).filter((p) =>
    cells.some((c) => c.method === p.method && c.workers === p.workers),
  );
}

/** Test error against training seconds, every run (seeds share their pair's name and style). */
export function twoCoresCurveFigure(cfg: TwoCoresConfig, cells: TwoCoresCell[]): Figure {
  return lineFigure({
    title: `MNIST FCN, ${cfg.depth} layers, batch ${cfg.run.batchSize}: test error against wall-clock training time`,
    xTitle: 'training seconds (evaluations not counted)',
    yTitle: 'test error (%)',
    logY: true,
    series: pairs(cells).flatMap(({ method, workers }) =>
      cells
        .filter((c) => c.method === method && c.workers === workers)
        .map((c) => ({
          name: twoCoresLabel(method, workers),
          x: c.run.history.map((h) => h.seconds),
          y: c.run.history.map((h) => 100 * h.testError),
          color: methodColor(method),
          ...(workers > 1 ? { line: { dash: 'dash' } } : {}),
        })),
    ),
  });
}

/** Seconds, with the spread the claims use (the gap since the evaluation before; the range over seeds with several). */
const timeCell = (t: number, spread: number) => (Number.isNaN(t) ? '—' : `${t.toFixed(1)} s (spread ${spread.toFixed(1)})`);

/**
 * A row per method and workers: the split, steps made, ms per step, the speed-up of W workers
 * over one, the seconds to each test error of the config ('—': not reached within the common
 * budget), and the test error at that budget beside Table 2 (500k steps, untimed).
 */
export function twoCoresRows(cfg: TwoCoresConfig, cells: TwoCoresCell[]): ResultRow[] {
  const budget = commonBudget(cells);
  return pairs(cells).map(({ method, workers }) => {
    const runs = cells.filter((c) => c.method === method && c.workers === workers);
    const ms = msReading(cells, method, workers);
    const times = Object.fromEntries(
      cfg.thresholds.map((e) => {
        const t = timeReading(cells, method, workers, e / 100, budget);
        return [`s to ${e}%`, timeCell(t.mean, t.spread)];
      }),
    );
    const err = runs.reduce((a, c) => a + errorAtBudget(c.run, budget), 0) / runs.length;
    return {
      run: twoCoresLabel(method, workers),
      split: coresSplitText(runs[0], cfg.depth),
      steps: runs.map((c) => c.run.steps).join(', '),
      'ms/step': Number(ms.mean.toFixed(1)),
      'speed-up': workers === 1 ? '—' : `${stepSpeedup(cells, method, workers).toFixed(2)}×`,
      ...times,
      paper: `${TABLE2.mnistFcn[cfg.depth]?.[method] ?? '—'} (Table 2, 500k steps, untimed)`,
      ours: Number.isNaN(err) ? '—' : `${(100 * err).toFixed(2)}%`,
      budget: `${budget.toFixed(1)} s of training`,
    };
  });
}

/** Where each run was timed: the CPU, and how many cores other processes kept busy meanwhile (an idle machine reads near 0). */
export function twoCoresMachineTable(cells: TwoCoresCell[]): ColumnTable {
  return aq.from(
    cells.map((c) => ({
      run: `${twoCoresLabel(c.method, c.workers)}, seed ${c.seed}`,
      cpu: `${c.run.machine.cpus} × ${c.run.machine.cpuModel}`,
      node: c.run.machine.node,
      'cores busy with other work': c.run.machine.otherCores.toFixed(2),
    })),
  );
}

/** Above this many cores busy with other work, a run's seconds are not its method's alone. */
export const BUSY_CORES = 0.1;

/** A warning naming the runs timed while other processes used the cores, else a line saying none were. */
export function twoCoresMachineNote(cells: TwoCoresCell[]): string {
  const busy = cells.filter((c) => c.run.machine.otherCores > BUSY_CORES);
  const most = Math.max(...cells.map((c) => c.run.machine.otherCores));
  if (!busy.length)
    return `Other processes kept at most ${most.toFixed(2)} cores busy during any run: the machine was idle enough for these timings.`;
  const names = busy.map((c) => `${twoCoresLabel(c.method, c.workers)}, seed ${c.seed} (${c.run.machine.otherCores.toFixed(2)} cores)`);
  return `Warning: other processes used the cores during ${busy.length} of ${cells.length} runs (${names.join('; ')}): their seconds are not the method's alone; delete their entries under results/ and re-run on an idle machine.`;
}
