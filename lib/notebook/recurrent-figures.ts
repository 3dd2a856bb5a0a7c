/**
 * Figure 17: the time dependency solved against the sequences consumed, per method and unroll T
 * (one panel per unroll T, colour by method), and the table of the highest level each reached.
 */
import type { CopyCell } from '../experiments/sections/copy-repeat-copy';
import { lastQuarter } from '../experiments/sections/recurrent-study';
import type { SynthesizerProbe } from '../trainers/recurrent-probe';
import type { CharLmCell } from '../experiments/sections/penn-treebank';
import { RECURRENT_LABELS } from '../experiments/methods';
import { RECURRENT_COLORS } from './colors';
import { type Figure, type Panel, panelFigure, type Series } from './figures';
import type { ResultRow } from './tables';

/** One panel per unroll T and seed (a row per seed), one series per run (named and coloured by its method). */
function unrollPanels<C extends { T: number; seed: number; method: keyof typeof RECURRENT_LABELS }>(
  cells: C[],
  series: (c: C) => Omit<Series, 'name' | 'color'>,
): Panel[] {
  const Ts = [...new Set(cells.map((c) => c.T))].sort((a, b) => a - b);
  const seeds = [...new Set(cells.map((c) => c.seed))].sort((a, b) => a - b);
  return seeds.flatMap((seed) =>
    Ts.map((T) => ({
      title: seeds.length > 1 ? `T = ${T}, seed ${seed}` : `T = ${T}`,
      series: cells
        .filter((c) => c.T === T && c.seed === seed)
        .map((c) => ({ name: RECURRENT_LABELS[c.method], color: RECURRENT_COLORS[c.method], ...series(c) })),
    })),
  );
}

/** Panels per row: one per unroll T. */
const unrolls = (cells: { T: number }[]) => new Set(cells.map((c) => c.T)).size;

/** Milliseconds per chunk (one θ update) and sequences (or characters) per second of a run's training steps. */
export function speedOf(
  run: { msPerStep: number; updates: number; final: { step: number } },
  perStep: number,
): { msPerChunk: number; perSecond: number } {
  return { msPerChunk: (run.msPerStep * run.final.step) / Math.max(1, run.updates), perSecond: (1000 * perStep) / run.msPerStep };
}

/** `note`, when given, ends the title (which runs these are, e.g. a variant's). */
export function copyCurves(cells: CopyCell[], kind: CopyCell['kind'], note = ''): Figure {
  // Methods often tie: wide lines under narrow ones, and DNI+Aux dotted on top, keep every method visible where they coincide.
  const line = { bptt: { width: 10 }, dni: { width: 6 }, dniAux: { width: 3, dash: 'dot' } } as const;
  const panels = unrollPanels(
    cells.filter((c) => c.kind === kind),
    (c) => ({
      x: c.run.history.map((r) => r.samples),
      y: c.run.history.map((r) => r.dependency),
      line: { ...line[c.method], shape: 'hv' },
    }),
  );
  return panelFigure({
    title: `${kind === 'copy' ? 'Copy' : 'Repeat Copy'}: time dependency solved (Figure 17)${note}`,
    xTitle: 'sequences consumed (samples)',
    yTitle: kind === 'copy' ? 'time dependency solved (N)' : 'time dependency solved (N × R)',
    columns: unrolls(cells),
    panels,
    height: 360 * (panels.length / unrolls(cells)) + 90,
    yDtick: 1, // a level is a whole number
  });
}

/**
 * Bits per sequence of each check's fresh sequences at the level being trained, against samples:
 * progress within a level, where Figure 17's solved level does not move (a level is solved below
 * 0.15 bits; the curve jumps up when the next level starts).
 */
export function copyBitsCurves(cells: CopyCell[], kind: CopyCell['kind'], note = ''): Figure {
  const line = { bptt: { width: 5 }, dni: { width: 3 }, dniAux: { width: 2, dash: 'dot' } } as const;
  const panels = unrollPanels(
    cells.filter((c) => c.kind === kind),
    (c) => ({ x: c.run.history.map((r) => r.samples), y: c.run.history.map((r) => r.bits), line: line[c.method] }),
  );
  return panelFigure({
    title: `${kind === 'copy' ? 'Copy' : 'Repeat Copy'}: bits per sequence at the level being trained${note}`,
    xTitle: 'sequences consumed (samples)',
    yTitle: 'bits per sequence (log scale)',
    logY: true,
    columns: unrolls(cells),
    panels,
    height: 360 * (panels.length / unrolls(cells)) + 90,
  });
}

/** The probe's numbers of a run over its last quarter of checks. */
export function probeCells(r: { history: { probe?: SynthesizerProbe | null }[] }): Record<string, number> {
  const q = (k: keyof SynthesizerProbe) => Number(lastQuarter(r, (h) => h.probe?.[k]).toFixed(3));
  return {
    'cos, true future gradient': q('cosTrue'),
    'cos, bootstrapped target': q('cosTarget'),
    'rel. error, true gradient': q('relErrTrue'),
    'dead units': q('dead'),
  };
}

/** probeCells, or '—' in each of its columns for a run without a synthesizer (BPTT), so the columns keep one order. */
export function probeColumns(r: { history: { probe?: SynthesizerProbe | null }[] }, synthesizer: boolean): Record<string, number | string> {
  const cells = probeCells(r);
  return synthesizer ? cells : Object.fromEntries(Object.keys(cells).map((k) => [k, '—']));
}

/** task | method | T | seed | highest level | last check | ms per chunk | sequences/s | paper | ours | budget. */
export function copyRows(cells: CopyCell[], budget: string): ResultRow[] {
  return cells.map((c) => {
    const lv = c.run.maxSolved;
    const speed = speedOf(c.run, c.run.samples / Math.max(1, c.run.final.step));
    return {
      task: c.kind === 'copy' ? 'Copy' : 'Repeat Copy',
      method: RECURRENT_LABELS[c.method],
      T: c.T,
      seed: c.seed,
      'highest level solved': lv ? (c.kind === 'copy' ? `N = ${lv.N}` : `N = ${lv.N}, R = ${lv.R}`) : 'none',
      'last check': `${c.run.final.bits.toFixed(2)} bits at N = ${c.run.final.level.N}${c.kind === 'repeatCopy' ? `, R = ${c.run.final.level.R}` : ''}`,
      ...probeColumns(c.run, c.method !== 'bptt'),
      'ms per chunk': Number(speed.msPerChunk.toFixed(2)),
      'sequences/s': Math.round(speed.perSecond),
      paper: '—',
      ours: c.run.maxDependency,
      budget,
    };
  });
}

/** Figure 16: validation BPC against characters consumed, one panel per T and seed (DNI solid, BPTT dashed, as the paper draws them). */
export function charLmCurves(cells: CharLmCell[]): Figure {
  const panels = unrollPanels(cells, (c) => ({
    x: c.run.history.map((r) => r.samples),
    y: c.run.history.map((r) => r.validBpc),
    line: c.method === 'bptt' ? { dash: 'dash', width: 3 } : c.method === 'dniAux' ? { dash: 'dot', width: 2 } : { width: 2 },
  }));
  return panelFigure({
    title: 'Penn Treebank, characters: validation BPC (Figure 16)',
    xTitle: 'characters consumed (samples)',
    yTitle: 'validation bits per character',
    // A run at T = 2 reads half the characters of one at T = 4 in as many steps: each panel spans its own.
    shareX: false,
    columns: unrolls(cells),
    panels,
    height: 360 * (panels.length / unrolls(cells)) + 90,
  });
}

/** method | T | seed | best validation | at step | last validation | ms per chunk | characters/s | test BPC of the best checkpoint | budget. */
export function charLmRows(cells: CharLmCell[], budget: string): ResultRow[] {
  return cells.map((c) => {
    const speed = speedOf(c.run, c.run.samples / Math.max(1, c.run.final.step));
    return {
      method: RECURRENT_LABELS[c.method],
      T: c.T,
      seed: c.seed,
      'best validation BPC': Number(c.run.best.validBpc.toFixed(3)),
      'at step': c.run.best.step,
      // A run that blew up reads well above its best here.
      'last validation BPC': Number(c.run.final.validBpc.toFixed(3)),
      ...probeColumns(c.run, c.method !== 'bptt'),
      'ms per chunk': Number(speed.msPerChunk.toFixed(2)),
      'characters/s': Math.round(speed.perSecond),
      paper: '—',
      ours: Number(c.run.testBpc.toFixed(3)),
      budget,
    };
  });
}
