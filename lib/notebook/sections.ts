/**
 * Figures and tables of single sections, built from their runs so the notebooks only call them:
 * BP(λ) (01), synthesizer depth and the deep network (05), single DNI and synthetic-gradient
 * quality (06), stale gradients and p_update (07), complete unlock (08). Every number comes from the runs; the paper's come from experiments/paper and the
 * section files.
 */
import type { GridConfig, GridRun } from '../experiments/grid';
import { methodLabel, type Table2Method } from '../experiments/methods';
import { FIGURE11, STALE, TABLE2 } from '../experiments/paper';
import {
  budgetText,
  cellError,
  cellRuns,
  inputErrorAt,
  LAST_EVALS,
  lastMean,
  sgQualityAt,
  stepsToReach,
  tailMean,
} from '../experiments/results';
import { UNLOCK_PAPER_ERROR } from '../experiments/sections/complete-unlock';
import {
  type DecayChoice,
  STALE_METHODS,
  type StaleConfig,
  type StaleMethod,
  type StaleRuns,
  staleMethods,
} from '../experiments/sections/stale-gradients';
import type { SynthDepthConfig } from '../experiments/sections/synthesizer-depth';
import { updateErrorAt, updatePoints, type UpdateProbabilityConfig, type UpdateRun } from '../experiments/sections/update-probability';
import { methodColor } from './colors';
import { type Figure, panelFigure, sweepFigure } from './figures';
import { errorCell, SG_QUALITY, sgQualityFigure, table2Rows } from './grid';
import type { ResultRow } from './tables';

/** Figure 14's runs beside Table 2, which reports the best synthesizer per method: 2 hidden layers for DNI, linear for cDNI (D.1). */
export function synthDepthRows(cfg: SynthDepthConfig, runs: GridRun[]): ResultRow[] {
  const depth = cfg.grid.depths[0];
  const paperRow = TABLE2.mnistFcn[depth];
  const b = budgetText(cfg.grid);
  const chosen = (r: GridRun) =>
    r.method === 'bprop' || (r.method === 'dni' && r.name.endsWith('2 hidden')) || (r.method === 'cdni' && r.name.endsWith('linear'));
  return runs.map((r) => ({
    method: r.name,
    paper: paperRow && chosen(r) ? paperRow[r.method as Table2Method] : '—',
    ours: Number(lastMean(r.run).toFixed(2)),
    budget: `${b.ours} (paper: ${b.paper})`,
  }));
}

/** The deep cDNI network's runs; section C's text gives 2% for Bprop and cDNI at 21 layers (nothing for No Bprop). */
export function deepRows(cfg: SynthDepthConfig, deep: GridConfig, runs: GridRun[]): ResultRow[] {
  const b = budgetText(deep);
  return runs.map((r) => ({
    layers: r.depth,
    method: r.name,
    paper: cfg.deepLayers === 21 && r.method !== 'nobprop' ? '2 (text of section C)' : '—',
    ours: Number(lastMean(r.run).toFixed(2)),
    budget: `${b.ours} (paper: ${b.paper})`,
  }));
}

/** Light to dark by depth: orange for the batch-mean stale baseline, brown for the per-class one (METHOD_COLORS). */
const DEPTH_COLORS: Record<StaleMethod, string[]> = {
  stale: ['#fdae6b', '#f16913', '#d94801', '#8c2d04'],
  cstale: ['#c49c94', '#a0786d', '#8c564b', '#5b3730'],
};

/** Each stale baseline's validation error against the decay rate, a line per method and depth (per class dashed). */
export function staleDecayFigure(cfg: StaleConfig, decays: DecayChoice): Figure {
  return sweepFigure({
    title: 'Stale-gradient baselines: validation error against the decay rate',
    xTitle: 'decay rate of the moving average',
    yTitle: `validation error (%, mean of the last ${LAST_EVALS} evaluations)`,
    x: cfg.decays.map(String),
    series: staleMethods(cfg.grid).flatMap((m) =>
      cfg.grid.depths.map((depth, i) => ({
        name: `${m === 'stale' ? 'stale' : 'stale per class'}, ${depth} layers`,
        y: cfg.decays.map((d) => decays.error(m, depth, d)),
        color: DEPTH_COLORS[m][i % DEPTH_COLORS[m].length],
        ...(m === 'cstale' ? { dash: 'dash' } : {}),
      })),
    ),
    logY: true,
  });
}

/** The stale baselines at their chosen decays beside section C's best, and No Bprop and cDNI beside Table 2. */
export function staleRows(cfg: StaleConfig, r: StaleRuns): ResultRow[] {
  const b = budgetText(cfg.grid);
  const stale = (m: string): m is StaleMethod => (STALE_METHODS as readonly string[]).includes(m);
  return r.runs
    .filter((x) => x.seed === undefined)
    .map((x) => ({
      layers: x.depth,
      method: x.name,
      decay: stale(x.method) ? r.decays.best(x.method, x.depth) : '—',
      seeds: cellRuns(r.runs, x.depth, x.method).length,
      // The paper's one stale baseline is the batch-mean reading.
      paper:
        (x.method === 'stale' ? STALE[x.depth] : stale(x.method) ? undefined : TABLE2.mnistFcn[x.depth]?.[x.method as Table2Method]) ?? '—',
      ours: Number(cellError(r.runs, x.depth, x.method).toFixed(2)),
      budget: `${b.ours} (paper: ${b.paper})`,
    }));
}

/** Test error against p_update, a line per method, and No Bprop with every layer updating as the floor. */
export function updateSweepFigure(cfg: UpdateProbabilityConfig, runs: UpdateRun[]): Figure {
  const points = updatePoints(runs);
  const floor = updateErrorAt(points, 'nobprop', 1)!;
  return sweepFigure({
    title: `MNIST FCN, ${cfg.grid.depths[0]} layers: test error when each layer updates with probability p_update`,
    xTitle: 'p_update (the chance that each layer updates)',
    yTitle: `test error (%, mean of the last ${LAST_EVALS} evaluations)`,
    x: cfg.probabilities.map(String),
    series: [
      ...cfg.grid.methods
        .filter((m) => m !== 'nobprop')
        .map((m) => ({ name: methodLabel(m), y: cfg.probabilities.map((p) => updateErrorAt(points, m, p)!), color: methodColor(m) })),
      { name: 'No Bprop, p_update 1', y: cfg.probabilities.map(() => floor), color: methodColor('nobprop'), dash: 'dash' },
    ],
    logY: true,
  });
}

/** Training curves, one panel per p_update. */
export function updateCurves(cfg: UpdateProbabilityConfig, runs: UpdateRun[]): Figure {
  return panelFigure({
    title: `MNIST FCN, ${cfg.grid.depths[0]} layers: test error by p_update`,
    xTitle: 'training step',
    yTitle: 'test error (%)',
    logY: true,
    columns: 3,
    panels: cfg.probabilities.map((p) => ({
      title: `p_update ${p}`,
      series: runs
        .filter((r) => r.p === p && r.method !== 'nobprop')
        .map((r) => ({
          name: methodLabel(r.method),
          x: r.run.history.map((h) => h.step),
          y: r.run.history.map((h) => 100 * h.testError),
          color: methodColor(r.method),
        })),
    })),
  });
}

export function updateRows(cfg: UpdateProbabilityConfig, runs: UpdateRun[]): ResultRow[] {
  return runs.map((r) => ({
    method: methodLabel(r.method),
    p_update: r.p,
    paper: '—',
    ours: Number(lastMean(r.run).toFixed(2)),
    budget: `${budgetText(cfg.grid).ours} (paper: not stated in our source)`,
  }));
}

/** Each synthetic input's regression error over training, a panel per method with complete unlock. */
export function inputErrorFigure(cfg: GridConfig, runs: GridRun[]): Figure {
  const layers = cfg.depths[0];
  const batch = cfg.run.batchSize ?? 256;
  const ks = Array.from({ length: layers - 1 }, (_, i) => i + 2);
  const shade = (base: string, i: number) =>
    base.startsWith('cdni')
      ? `hsl(122, 55%, ${25 + (35 * i) / Math.max(1, ks.length - 1)}%)`
      : `hsl(4, 70%, ${25 + (35 * i) / Math.max(1, ks.length - 1)}%)`;
  return panelFigure({
    title: `MNIST FCN, ${layers} layers: synthetic-input regression error over training`,
    xTitle: 'training step',
    yTitle: 'mean squared error per unit',
    logY: true,
    panels: runs
      .filter((r) => r.method.endsWith('+unlock'))
      .map((r) => ({
        title: r.name,
        series: ks.map((k, i) => ({
          name: `ĥ_${k - 1} = I_${k}(x) (${r.name})`,
          x: r.run.history.map((h) => h.step),
          y: inputErrorAt(r.run, k, batch, cfg.width),
          color: shade(r.method, i),
        })),
      })),
  });
}

/** Complete unlock's runs: steps to reach a fixed error, training and test error, beside the main text and Table 2. */
export function unlockRows(cfg: GridConfig, runs: GridRun[], threshold: number): ResultRow[] {
  const b = budgetText(cfg);
  return runs.map((r) => {
    const s = stepsToReach(r.run, threshold);
    return {
      method: r.name,
      [`steps to reach ${threshold}%`]: s === null ? 'not reached' : s,
      'train err': errorCell(lastMean(r.run, 'trainError')),
      paper:
        r.method === 'cdni+unlock'
          ? `${UNLOCK_PAPER_ERROR} (main text)`
          : r.method === 'bprop'
            ? (TABLE2.mnistFcn[cfg.depths[0]]?.bprop ?? '—')
            : '—',
      ours: Number(lastMean(r.run).toFixed(2)),
      budget: `${b.ours} (paper: ${b.paper})`,
    };
  });
}

/** Notebook 01: Table 2's columns for the BP(λ) runs, with each run's speed. */
export function lambdaRows(cfg: GridConfig, runs: GridRun[]): ResultRow[] {
  const own = runs.filter((r) => r.seed === undefined);
  return table2Rows(cfg, runs).map((row, i) => ({ ...row, 'ms/step': Number(own[i].run.msPerStep.toFixed(0)) }));
}

/** Figure 11's runs, a row per method, beside the numbers the text gives (6 layers only). */
export function figure11Rows(cfg: GridConfig, runs: GridRun[]): ResultRow[] {
  const layers = cfg.depths[0];
  const b = budgetText(cfg);
  return cfg.methods.map((m) => ({
    method: methodLabel(m),
    seeds: cellRuns(runs, layers, m).length,
    paper: layers === 6 ? (FIGURE11[m] ?? '—') : '—',
    ours: Number(cellError(runs, layers, m).toFixed(2)),
    budget: `${b.ours} (paper: ${b.paper})`,
  }));
}

/** The grid seed's run of a method. */
const own = (runs: GridRun[], m: string) => runs.find((r) => r.method === m && r.seed === undefined)!.run;

/** Figure 12: a single DNI's synthetic gradient against the true one, at each position (dark red at p = 1 to orange). */
export function singleDniSgFigure(cfg: GridConfig, runs: GridRun[]): Figure {
  const layers = cfg.depths[0];
  const ps = Array.from({ length: layers - 1 }, (_, i) => i + 1);
  // Dark red to orange: hue and lightness both step, so neighbouring positions stay apart.
  const shade = (i: number, n: number) => {
    const t = i / Math.max(1, n - 1);
    return `hsl(${Math.round(350 + 40 * t) % 360}, 80%, ${Math.round(25 + 30 * t)}%)`;
  };
  return sgQualityFigure(
    ps.map((p, i) => ({ name: `DNI after layer ${p}`, run: own(runs, `dni@${p}`), connection: p, color: shade(i, ps.length) })),
    `MNIST FCN, ${layers} layers: a single DNI's synthetic gradient against the true gradient (Figure 12)`,
  );
}

/** Every-layer DNI and cDNI (the runs on connections 1..K−1). */
const everyLayer = (layers: number) => [
  { name: 'DNI', method: `dni@1-${layers - 1}` },
  { name: 'cDNI', method: `cdni@1-${layers - 1}` },
];

/** The same measures for every-layer DNI and cDNI, as the mean over connections. */
export function everyLayerSgFigure(cfg: GridConfig, runs: GridRun[]): Figure {
  const layers = cfg.depths[0];
  return sgQualityFigure(
    everyLayer(layers).map((e) => ({
      name: `${e.name}, every connection (mean)`,
      run: own(runs, e.method),
      connection: 'mean' as const,
      color: methodColor(e.method),
    })),
    `MNIST FCN, ${layers} layers: every-layer DNI and cDNI, mean over connections`,
  );
}

/** Each measure per connection of every-layer DNI and cDNI (mean of the last evaluations); ours: the cosine similarity. */
export function sgQualityRows(cfg: GridConfig, runs: GridRun[]): ResultRow[] {
  const layers = cfg.depths[0];
  const ps = Array.from({ length: layers - 1 }, (_, i) => i + 1);
  const rows = everyLayer(layers).flatMap((e) =>
    ps.map((p) => ({
      method: e.name,
      connection: p,
      ...Object.fromEntries(SG_QUALITY.map((m) => [m.title, Number(tailMean(sgQualityAt(own(runs, e.method), m.key, p)).toPrecision(3))])),
    })),
  );
  return rows.map((r) => ({
    ...r,
    paper: '—',
    ours: (r as Record<string, unknown>)['cosine similarity'] as number,
    budget: budgetText(cfg).ours,
  }));
}
