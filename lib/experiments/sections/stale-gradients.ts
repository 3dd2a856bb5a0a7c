/**
 * Section C's stale-gradient baseline (notebook 07): each synthetic gradient replaced by a moving
 * average of past targets, its decay chosen per depth on a validation split, against No Bprop
 * and cDNI on Table 2's MNIST FCNs. Two readings of the paper's "historical gradients": the
 * batch-mean average, one for every example ('stale'), which batch norm makes zero below every
 * hidden layer, and one average per class ('cstale'), which it does not (ema.ts).
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

/** The stale baselines: the batch-mean average, and one average per class. */
export const STALE_METHODS = ['stale', 'cstale'] as const;
export type StaleMethod = (typeof STALE_METHODS)[number];

/** The stale methods a grid runs, in STALE_METHODS order. */
export function staleMethods(grid: GridConfig): StaleMethod[] {
  return STALE_METHODS.filter((m) => grid.methods.includes(m));
}

export interface StaleConfig {
  /** The MNIST FCNs of Table 2 with No Bprop, the stale-gradient baselines and cDNI. */
  grid: GridConfig;
  /** Decay rates of the moving average searched, per depth, on a validation split (the paper: "the whole range"). */
  decays: number[];
}

const stalePaper: StaleConfig = {
  grid: { ...MNIST_FCN_PAPER, methods: ['nobprop', 'stale', 'cstale', 'cdni'] },
  // The whole range, to an average over ~10k steps: the per-class average preferred 0.999, the slowest of an earlier grid, at every depth.
  decays: [0, 0.5, 0.9, 0.99, 0.999, 0.9999],
};
export const STALE_PRESET: Preset<StaleConfig> = {
  paper: stalePaper,
  cpu: { ...stalePaper, grid: { ...TABLE2_PRESETS.mnistFcn.cpu, methods: stalePaper.grid.methods } },
  smoke: { grid: { ...TABLE2_PRESETS.mnistFcn.smoke, methods: stalePaper.grid.methods }, decays: [0, 0.9] },
  why: nested(TABLE2_PRESETS.mnistFcn.why, 'grid'),
};

/** The decay search: every decay at every depth on the validation split, for each stale method, and the one chosen. */
export interface DecayChoice {
  sweep: GridRun[];
  /** Validation error (%, lastMean) of a stale method at decay d and a depth. */
  error(method: StaleMethod, depth: number, decay: number): number;
  /** The decay with the lowest validation error (the first of equals). */
  best(method: StaleMethod, depth: number): number;
}

/** A DecayChoice from its sweep (runs named `decay d`). */
export function decayChoice(cfg: StaleConfig, sweep: GridRun[]): DecayChoice {
  const error = (method: StaleMethod, depth: number, d: number) => {
    const r = sweep.find((x) => x.method === method && x.depth === depth && x.name === `decay ${d}`);
    if (!r) throw new Error(`stale decay search: no run of ${method} at ${depth} layers and decay ${d}`);
    return lastMean(r.run);
  };
  const best = (method: StaleMethod, depth: number) =>
    cfg.decays.reduce((a, b) => (error(method, depth, b) < error(method, depth, a) ? b : a));
  return { sweep, error, best };
}

/** Runs each stale method at every decay and depth on the validation split and picks the best decay per depth. */
export async function chooseStaleDecays(cfg: StaleConfig): Promise<DecayChoice> {
  const val = gridConfig(override(cfg.grid, { validation: true }));
  const sweep: GridRun[] = [];
  for (const method of staleMethods(cfg.grid)) {
    for (const depth of val.depths) {
      sweep.push(
        ...(await runVariants(
          val,
          depth,
          method,
          cfg.decays.map((d) => ({ name: `decay ${d}`, changes: { 'trainer.synthesizer.decay': d } })),
          `stale-val-${scale()}`,
        )),
      );
    }
  }
  return decayChoice(cfg, sweep);
}

export interface StaleRuns {
  decays: DecayChoice;
  /** No Bprop, each stale method (at its depth's chosen decay) and cDNI at every depth, and extra seeds of close calls. */
  runs: GridRun[];
}

const isStale = (m: string): m is StaleMethod => (STALE_METHODS as readonly string[]).includes(m);

/**
 * The test runs at each depth's chosen decay; No Bprop and cDNI are notebook 02's runs (the same
 * configs). Cells whose claim is decided by less than about a point run two more seeds.
 */
export async function runStale(cfg: StaleConfig, decays: DecayChoice): Promise<StaleRuns> {
  const configAt = (method: string, depth: number) =>
    isStale(method) ? gridConfig(override(cfg.grid, { 'trainer.synthesizer.decay': decays.best(method, depth) })) : cfg.grid;
  const runs: GridRun[] = [];
  for (const depth of cfg.grid.depths) {
    for (const method of cfg.grid.methods) {
      runs.push({
        depth,
        method,
        name: methodLabel(method),
        run: await runGridCell(configAt(method, depth), depth, method, `stale-${scale()}-${cfg.grid.family}-${depth}-${method}`),
      });
    }
  }
  for (const c of closeCells(staleClaims(cfg.grid, runs))) {
    runs.push(...(await runSeeds(configAt(c.method, c.depth), [c], EXTRA_SEEDS, `stale-${scale()}`)));
  }
  return { decays, runs };
}

/** How a claim names each stale method's reading of "historical gradients". */
const READING: Record<StaleMethod, string> = { stale: 'the batch mean, one average for every example', cstale: 'one average per class' };

/**
 * Section C's stale-gradient baseline against No Bprop and cDNI, by depth (runs of 'nobprop',
 * each stale method at its chosen decay, and 'cdni'): the paper's two claims for each reading.
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
  return staleMethods(cfg).flatMap((s): Claim[] => {
    const better = depths.map((d) => judged([cell(d, s), cell(d, 'nobprop')], e(d, 'nobprop') - e(d, s)));
    // Far worse than cDNI: it closes less than half of the gap from No Bprop down to cDNI.
    const worse = depths.map((d) =>
      judged([cell(d, s), cell(d, 'nobprop'), cell(d, 'cdni')], e(d, s) - e(d, 'cdni') - (e(d, 'nobprop') - e(d, 'cdni')) / 2),
    );
    return [
      {
        claim: `Stale gradients are marginally better than no gradient (No Bprop); reading: ${READING[s]}`,
        criterion: `${methodLabel(s)} below No Bprop at every depth (${means})`,
        verdict: verdictOf(better),
        evidence: depths.map((d) => `${d}L: ${cellText(runs, d, s)} vs ${cellText(runs, d, 'nobprop')}`).join('; '),
        tests: better,
      },
      {
        claim: `Stale gradients are far worse than cDNI; reading: ${READING[s]}`,
        criterion: `at every depth ${methodLabel(s)} closes less than half of the gap from No Bprop to cDNI (${means})`,
        verdict: verdictOf(worse),
        evidence: depths
          .map((d) => `${d}L: stale ${cellText(runs, d, s)}, cDNI ${cellText(runs, d, 'cdni')}, No Bprop ${cellText(runs, d, 'nobprop')}`)
          .join('; '),
        tests: worse,
      },
    ];
  });
}

/** What the stale baselines measured, in one sentence (without the count of claims shown). */
export function staleSentence(cfg: StaleConfig, r: StaleRuns): string {
  const depths = cfg.grid.depths;
  const each = (m: string) => depths.map((d) => cellError(r.runs, d, m).toFixed(2)).join(' / ');
  const reached = (s: StaleMethod) =>
    `${methodLabel(s)} ${depths.map((d) => `${cellError(r.runs, d, s).toFixed(2)}% (${d} layers, decay ${r.decays.best(s, d)})`).join(', ')}`;
  return (
    `At ${budgetText(cfg.grid).ours}, the stale-gradient baselines reached: ${staleMethods(cfg.grid).map(reached).join('; ')}; ` +
    `against No Bprop ${each('nobprop')}% and cDNI ${each('cdni')}%.`
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

/** The decay chosen per depth on the validation split, and its validation error, for each stale method of the sweep. */
export function decaysSentence(d: DecayChoice): string {
  const methods = STALE_METHODS.filter((m) => d.sweep.some((r) => r.method === m));
  const depths = (m: StaleMethod) => [...new Set(d.sweep.filter((r) => r.method === m).map((r) => r.depth))];
  const one = (m: StaleMethod) =>
    `${methodLabel(m)}: ${depths(m)
      .map((depth) => `${depth} layers: decay ${d.best(m, depth)} (${d.error(m, depth, d.best(m, depth)).toFixed(2)}%)`)
      .join('; ')}`;
  return `Chosen on the validation split: ${methods.map(one).join('. ')}.`;
}
