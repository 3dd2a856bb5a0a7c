/**
 * What a recurrent synthesizer was doing (trainers/recurrent-probe.ts), beside the task curves:
 * its cosine with the true future gradient and with its bootstrapped target over training, and
 * the tables of the settings study and of the fixed-level Copy runs.
 */
import type { FixedCopyRun } from '../experiments/sections/fixed-copy';
import { crossingCounts, lastBits, lastCrossingError } from '../experiments/sections/fixed-copy';
import type { StudyRow } from '../experiments/sections/recurrent-study';
import type { CopyCell } from '../experiments/sections/copy-repeat-copy';
import type { CharLmCell } from '../experiments/sections/penn-treebank';
import type { PtbStudyRow } from '../experiments/sections/ptb-study';
import type { CopyRunResult } from '../runs/train-copy';
import type { SynthesizerProbe } from '../trainers/recurrent-probe';
import { DASHES, METHOD_COLORS, RECURRENT_COLORS, RECURRENT_LABELS } from './colors';
import { type Figure, type Panel, panelFigure, type Series } from './figures';
import { probeCells, probeColumns, speedOf } from './recurrent-figures';
import type { ResultRow } from './tables';

type Probed = { samples: number; probe: SynthesizerProbe | null };

/** The mean over runs of a probe quantity at each check (runs of one cell share their checks). */
function meanProbe(histories: Probed[][], key: keyof SynthesizerProbe): { x: number[]; y: number[] } {
  const n = Math.min(...histories.map((h) => h.length));
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const vs = histories.map((h) => h[i].probe?.[key]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (!vs.length) continue;
    x.push(histories[0][i].samples);
    y.push(vs.reduce((a, b) => a + b, 0) / vs.length);
  }
  return { x, y };
}

/** Two panels: the cosine with the true future gradient, and with the bootstrapped target. */
function cosinePanels(title: string, xTitle: string, groups: { name: string; color: string; dash?: string; runs: Probed[][] }[]): Figure {
  const panel = (key: 'cosTrue' | 'cosTarget', t: string): Panel => ({
    title: t,
    series: groups.map((g) => ({ name: g.name, color: g.color, line: g.dash ? { dash: g.dash } : undefined, ...meanProbe(g.runs, key) })),
  });
  return panelFigure({
    title,
    xTitle,
    yTitle: 'cosine (mean over seeds)',
    panels: [panel('cosTrue', 'with the true future gradient'), panel('cosTarget', 'with its bootstrapped target')],
    columns: 2,
  });
}

/** The fixed-level runs' methods: BPTT blue, DNI variants red by dash, DNI+Aux purple, the controls brown. */
function fixedStyle(name: string, i: number): { color: string; dash?: string } {
  if (name.startsWith('BPTT')) return { color: RECURRENT_COLORS.bptt };
  // Controls brown, each with its own dash (never solid).
  if (name.startsWith('Control')) return { color: '#8c564b', dash: DASHES[1 + (i % (DASHES.length - 1))] };
  if (name.startsWith('DNI+Aux')) return { color: RECURRENT_COLORS.dniAux, dash: 'dash' };
  return { color: METHOD_COLORS.dni, dash: DASHES[i % DASHES.length] };
}

function byMethod(runs: FixedCopyRun[]): { name: string; runs: FixedCopyRun[] }[] {
  const names = [...new Set(runs.map((r) => r.method.name))];
  return names.map((name) => ({ name, runs: runs.filter((r) => r.method.name === name) }));
}

/** Bits per sequence against sequences, mean over seeds, one line per method (fixed-level Copy). */
export function fixedCopyCurves(runs: FixedCopyRun[]): Figure {
  const series: Series[] = byMethod(runs).map((g, i) => {
    const h = g.runs.map((r) => r.run.history);
    const n = Math.min(...h.map((x) => x.length));
    const x = h[0].slice(0, n).map((r) => r.samples);
    const y = x.map((_, j) => h.reduce((s, hh) => s + hh[j].bits, 0) / h.length);
    const st = fixedStyle(g.name, i);
    return { name: g.name, x, y, color: st.color, line: { ...(st.dash ? { dash: st.dash } : {}), width: g.name === 'BPTT' ? 4 : 2 } };
  });
  return panelFigure({
    title: 'Copy at a fixed N: bits per sequence (mean over seeds)',
    xTitle: 'sequences consumed (samples)',
    yTitle: 'bits per sequence (log scale)',
    panels: [{ title: 'fresh sequences at each check', series }],
    columns: 1,
    logY: true,
  });
}

/** The synthesizer's cosines over training, fixed-level Copy (DNI methods only). */
export function fixedCopyProbeCurves(runs: FixedCopyRun[]): Figure {
  const groups = byMethod(runs.filter((r) => r.method.trainer.method !== 'bptt')).map((g, i) => ({
    name: g.name,
    ...fixedStyle(g.name, i + 1),
    runs: g.runs.map((r) => r.run.history),
  }));
  return cosinePanels('Copy at a fixed N: what the synthetic gradient was doing', 'sequences consumed (samples)', groups);
}

/** The bit error over the last quarter by boundaries crossed, one column per count the run saw. */
function crossingCells(r: CopyRunResult): Record<string, number> {
  return Object.fromEntries(
    crossingCounts(r).map((n) => [`bit error, ${n} boundar${n === 1 ? 'y' : 'ies'}`, Number(lastCrossingError(r, n).toFixed(4))]),
  );
}

/** method | seed | bit error by crossings | probe | speed | bits over the last quarter (ours). */
export function fixedCopyRows(runs: FixedCopyRun[], budget: string): ResultRow[] {
  return runs.map((r) => ({
    method: r.method.name,
    seed: r.seed,
    ...crossingCells(r.run),
    ...probeCells(r.run),
    'ms per chunk': Number(speedOf(r.run, 1).msPerChunk.toFixed(2)),
    paper: '—',
    ours: Number(lastBits(r.run).toFixed(2)),
    budget,
  }));
}

/** variant | bit error by crossings | probe | ms per batch | bits over the last quarter (ours). */
export function copyStudyRows(rows: StudyRow[], budget: string): ResultRow[] {
  return rows.map((r) => ({
    variant: r.variant.name,
    ...crossingCells(r.run),
    ...probeColumns(r.run, r.variant.trainer.method !== 'bptt'),
    'ms per batch': Number(r.run.msPerStep.toFixed(1)),
    paper: '—',
    ours: Number(lastBits(r.run).toFixed(2)),
    budget,
  }));
}

/** Curriculum runs: the cosines per unroll T (mean over seeds), DNI and DNI+Aux. */
export function copyProbeCurves(cells: CopyCell[], kind: CopyCell['kind'], note = ''): Figure {
  const Ts = [...new Set(cells.map((c) => c.T))].sort((a, b) => a - b);
  // DNI+Aux narrower and dotted over DNI: where they coincide both stay visible.
  const lines = { dni: { width: 4 }, dniAux: { dash: 'dot', width: 2 } } as const;
  const panels: Panel[] = Ts.map((T) => ({
    title: `T = ${T}`,
    series: (['dni', 'dniAux'] as const).flatMap((m) => {
      const rs = cells.filter((c) => c.kind === kind && c.T === T && c.method === m);
      if (!rs.length) return [];
      return [
        {
          name: RECURRENT_LABELS[m],
          color: RECURRENT_COLORS[m],
          line: lines[m],
          ...meanProbe(
            rs.map((c) => c.run.history),
            'cosTrue',
          ),
        },
      ];
    }),
  }));
  return panelFigure({
    title: `${kind === 'copy' ? 'Copy' : 'Repeat Copy'}: the synthetic gradient's cosine with the true future gradient${note}`,
    xTitle: 'sequences consumed (samples)',
    yTitle: 'cosine (mean over seeds)',
    panels,
    columns: Ts.length,
  });
}

/** PTB: the cosines per unroll T (mean over seeds). */
/** `note`, when given, ends the title (which runs these are). */
export function charLmProbeCurves(cells: CharLmCell[], note = ''): Figure {
  const Ts = [...new Set(cells.map((c) => c.T))].sort((a, b) => a - b);
  const panels: Panel[] = Ts.map((T) => ({
    title: `T = ${T}`,
    series: (['dni', 'dniAux'] as const).flatMap((m) => {
      const rs = cells.filter((c) => c.T === T && c.method === m);
      if (!rs.length) return [];
      const line = m === 'dniAux' ? { dash: 'dot', width: 2 } : { width: 4 };
      return [
        {
          name: RECURRENT_LABELS[m],
          color: RECURRENT_COLORS[m],
          line,
          ...meanProbe(
            rs.map((c) => c.run.history),
            'cosTrue',
          ),
        },
      ];
    }),
  }));
  return panelFigure({
    title: `Penn Treebank: the synthetic gradient’s cosine with the true gradient of the next 20 steps${note}`,
    xTitle: 'characters consumed (samples)',
    yTitle: 'cosine (mean over seeds)',
    panels,
    columns: Ts.length,
    shareX: false,
  });
}

/** variant | best / last validation BPC | probe at the end | ms per chunk | best validation BPC (ours). */
export function ptbStudyRows(rows: PtbStudyRow[], budget: string): ResultRow[] {
  return rows.map((r) => {
    const p = r.run.final.probe;
    return {
      variant: r.variant.name,
      'at step': r.run.best.step,
      'last validation BPC': Number(r.run.final.validBpc.toFixed(3)),
      'cos, true gradient (end)': p ? Number(p.cosTrue.toFixed(3)) : '—',
      'ms per chunk': Number(speedOf(r.run, 1).msPerChunk.toFixed(2)),
      paper: '—',
      ours: Number(r.run.best.validBpc.toFixed(3)),
      budget,
    };
  });
}
