/**
 * Section C's stale-gradient baseline (notebook 07): each synthetic gradient replaced by a moving
 * average of past targets, its decay chosen per depth on a validation split, against No Bprop
 * and cDNI on Table 2's MNIST FCNs.
 */
import { closeCells, shownText, type Cell, type Claim } from '../claim';
import { gridConfig, type GridConfig, type GridRun, runGridCell, runSeeds } from '../grid';
import { type MethodName, methodLabel } from '../methods';
import { nested, override, type Preset } from '../preset';
import { budgetText, cellError, cellSpread, cellText, LAST_EVALS, lastMean } from '../results';
import { TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import { scale } from '../scale';
import type { Section } from '../section';
import { EXTRA_SEEDS } from '../seeded';
import { runVariants } from '../variants';
import { MNIST_FCN_PAPER, TABLE2_PRESETS } from './table2';

export interface StaleConfig {
  /** The MNIST FCNs of Table 2 with No Bprop, the stale-gradient baseline and cDNI. */
  grid: GridConfig;
  /** Decay rates of the moving average searched, per depth, on a validation split (the paper: "the whole range"). */
  decays: number[];
}

const stalePaper: StaleConfig = { grid: { ...MNIST_FCN_PAPER, methods: ['nobprop', 'stale', 'cdni'] }, decays: [0, 0.5, 0.9, 0.99, 0.999] };
export const STALE_PRESET: Preset<StaleConfig> = {
  paper: stalePaper,
  cpu: { ...stalePaper, grid: { ...TABLE2_PRESETS.mnistFcn.cpu, methods: stalePaper.grid.methods } },
  smoke: { grid: { ...TABLE2_PRESETS.mnistFcn.smoke, methods: stalePaper.grid.methods }, decays: [0, 0.9] },
  why: nested(TABLE2_PRESETS.mnistFcn.why, 'grid'),
};

/** The decay search: every decay at every depth on the validation split, and the one chosen per depth. */
export interface DecayChoice {
  sweep: GridRun[];
  /** Validation error (%, lastMean) of decay d at a depth. */
  error(depth: number, decay: number): number;
  /** The decay with the lowest validation error, by depth. */
  best: Map<number, number>;
}

/** Runs the stale baseline at every decay and depth on the validation split and picks the best decay per depth. */
export async function chooseStaleDecays(cfg: StaleConfig): Promise<DecayChoice> {
  const val = gridConfig(override(cfg.grid, { validation: true }));
  const sweep: GridRun[] = [];
  for (const depth of val.depths) {
    sweep.push(
      ...(await runVariants(
        val,
        depth,
        'stale',
        cfg.decays.map((d) => ({ name: `decay ${d}`, changes: { 'trainer.synthesizer.decay': d } })),
        `stale-val-${scale()}`,
      )),
    );
  }
  const error = (depth: number, d: number) => lastMean(sweep.find((r) => r.depth === depth && r.name === `decay ${d}`)!.run);
  const best = new Map(val.depths.map((depth) => [depth, cfg.decays.reduce((a, b) => (error(depth, b) < error(depth, a) ? b : a))]));
  return { sweep, error, best };
}

export interface StaleRuns {
  decays: DecayChoice;
  /** No Bprop, stale (at its depth's chosen decay) and cDNI at every depth, and extra seeds of close calls. */
  runs: GridRun[];
}

/**
 * The test runs at each depth's chosen decay; No Bprop and cDNI are notebook 02's runs (the same
 * configs). Cells whose claim is decided by less than about a point run two more seeds.
 */
export async function runStale(cfg: StaleConfig, decays: DecayChoice): Promise<StaleRuns> {
  const staleAt = (depth: number) => gridConfig(override(cfg.grid, { 'trainer.synthesizer.decay': decays.best.get(depth) }));
  const runs: GridRun[] = [];
  for (const depth of cfg.grid.depths) {
    for (const method of cfg.grid.methods) {
      const c = method === 'stale' ? staleAt(depth) : cfg.grid;
      runs.push({
        depth,
        method,
        name: methodLabel(method),
        run: await runGridCell(c, depth, method, `stale-${scale()}-${cfg.grid.family}-${depth}-${method}`),
      });
    }
  }
  for (const c of closeCells(staleClaims(cfg.grid, runs))) {
    runs.push(...(await runSeeds(c.method === 'stale' ? staleAt(c.depth) : cfg.grid, [c], EXTRA_SEEDS, `stale-${scale()}`)));
  }
  return { decays, runs };
}

/**
 * Section C's stale-gradient baseline against No Bprop and cDNI, by depth (runs of 'nobprop',
 * 'stale' at its chosen decay, and 'cdni').
 */
export function staleClaims(cfg: GridConfig, runs: GridRun[]): Claim[] {
  const depths = [...cfg.depths].sort((a, b) => a - b);
  const e = (d: number, m: string) => cellError(runs, d, m);
  const cell = (d: number, m: string): Cell => ({ depth: d, method: m as MethodName });
  const means = `mean of the last ${LAST_EVALS} evaluations; ${TIE_RULE_TEXT}`;
  const judged = (cells: Cell[], margin: number) => ({
    cells,
    margin,
    favour: margin,
    spread: Math.max(...cells.map((c) => cellSpread(runs, c.depth, c.method))),
  });
  const better = depths.map((d) => judged([cell(d, 'stale'), cell(d, 'nobprop')], e(d, 'nobprop') - e(d, 'stale')));
  // Far worse than cDNI: it closes less than half of the gap from No Bprop down to cDNI.
  const worse = depths.map((d) =>
    judged([cell(d, 'stale'), cell(d, 'nobprop'), cell(d, 'cdni')], e(d, 'stale') - e(d, 'cdni') - (e(d, 'nobprop') - e(d, 'cdni')) / 2),
  );
  return [
    {
      claim: 'Stale gradients are marginally better than no gradient (No Bprop)',
      criterion: `the stale baseline below No Bprop at every depth (${means})`,
      verdict: verdictOf(better),
      evidence: depths.map((d) => `${d}L: ${cellText(runs, d, 'stale')} vs ${cellText(runs, d, 'nobprop')}`).join('; '),
      tests: better,
    },
    {
      claim: 'Stale gradients are far worse than cDNI',
      criterion: `at every depth the stale baseline closes less than half of the gap from No Bprop to cDNI (${means})`,
      verdict: verdictOf(worse),
      evidence: depths
        .map(
          (d) => `${d}L: stale ${cellText(runs, d, 'stale')}, cDNI ${cellText(runs, d, 'cdni')}, No Bprop ${cellText(runs, d, 'nobprop')}`,
        )
        .join('; '),
      tests: worse,
    },
  ];
}

/** What the stale baseline measured, in one sentence (without the count of claims shown). */
export function staleSentence(cfg: StaleConfig, r: StaleRuns): string {
  const depths = cfg.grid.depths;
  const each = (m: string) => depths.map((d) => cellError(r.runs, d, m).toFixed(2)).join(' / ');
  return (
    `At ${budgetText(cfg.grid).ours}, the stale-gradient baseline reached ` +
    depths.map((d) => `${cellError(r.runs, d, 'stale').toFixed(2)}% (${d} layers, decay ${r.decays.best.get(d)})`).join(', ') +
    ` against No Bprop ${each('nobprop')}% and cDNI ${each('cdni')}%.`
  );
}

export const STALE_SECTION: Section<StaleConfig, StaleRuns> = {
  paper: 'section C (stale gradients)',
  settings: 'section D.1',
  preset: STALE_PRESET,
  check: (c) => {
    gridConfig(c.grid);
    return c;
  },
  run: async (c) => runStale(c, await chooseStaleDecays(c)),
  claims: (c, r) => staleClaims(c.grid, r.runs),
  summary: (c, r, claims) => `${staleSentence(c, r)} ${shownText(claims)}.`,
};

/** The decay chosen per depth on the validation split, and its validation error. */
export function decaysSentence(d: DecayChoice): string {
  return `Chosen on the validation split: ${[...d.best].map(([depth, decay]) => `${depth} layers: decay ${decay} (${d.error(depth, decay).toFixed(2)}%)`).join('; ')}.`;
}
