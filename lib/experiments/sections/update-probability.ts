/**
 * The main text's random update probability (notebook 07): every layer updates only with
 * probability p_update at each step; DNI still trains at 0.2 and cDNI at 0.05.
 */
import { shownText, type Claim } from '../claim';
import { gridConfig, type GridConfig, type GridRun } from '../grid';
import { methodLabel } from '../methods';
import { nested, type Preset } from '../preset';
import { budgetText, LAST_EVALS, lastMean } from '../results';
import { scale } from '../scale';
import type { Section } from '../section';
import { runVariants } from '../variants';
import { MNIST_FCN_PAPER, TABLE2_PRESETS } from './table2';

export interface UpdateProbabilityConfig {
  /** One MNIST FCN (depths[0]) with Bprop, DNI and cDNI, and No Bprop as the floor. */
  grid: GridConfig;
  /** The probabilities p_update with which each layer updates at a step. */
  probabilities: number[];
}

/** The main text's network and budget are not in our source: a 4-layer MNIST FCN with Table 2's settings. */
const updatePaper: UpdateProbabilityConfig = {
  grid: { ...MNIST_FCN_PAPER, depths: [4], methods: ['nobprop', 'bprop', 'dni', 'cdni'] },
  probabilities: [1, 0.5, 0.2, 0.1, 0.05],
};
export const UPDATE_PROBABILITY_PRESET: Preset<UpdateProbabilityConfig> = {
  paper: updatePaper,
  cpu: {
    ...updatePaper,
    grid: {
      ...TABLE2_PRESETS.mnistFcn.cpu,
      depths: [4],
      methods: updatePaper.grid.methods,
      run: { ...TABLE2_PRESETS.mnistFcn.cpu.run, steps: 2_000, evalEvery: 200 },
    },
  },
  smoke: { grid: { ...TABLE2_PRESETS.mnistFcn.smoke, depths: [3], methods: updatePaper.grid.methods }, probabilities: [1, 0.2] },
  why: {
    ...nested(TABLE2_PRESETS.mnistFcn.why, 'grid'),
    'grid.run.steps': '500k → 2k steps: a layer at p_update = 0.05 still gets ~100 updates; the 16 runs take ~15 min on 2 cores',
    'grid.run.evalEvery': 'a point every 200 steps: 10 points per curve',
  },
};

/** A run of the sweep: a method with each layer updating with probability p. */
export type UpdateRun = GridRun & { p: number };

/** One point of a p_update sweep: a method's test error (%) when each layer updates with probability p. */
export interface UpdatePoint {
  method: string;
  p: number;
  error: number;
}

/** Every method at every probability (No Bprop only at p = 1, the floor). */
export async function runUpdateProbability(cfg: UpdateProbabilityConfig): Promise<UpdateRun[]> {
  const g = gridConfig(cfg.grid);
  const depth = g.depths[0];
  const out: UpdateRun[] = [];
  for (const method of g.methods) {
    for (const p of method === 'nobprop' ? [1] : cfg.probabilities) {
      const [r] = await runVariants(
        g,
        depth,
        method,
        [{ name: `${methodLabel(method)}, p_update ${p}`, changes: { 'trainer.updateProbability': p } }],
        `update-${scale()}`,
      );
      out.push({ ...r, p });
    }
  }
  return out;
}

/** The sweep's points: each run's test error (mean of the last evaluations). */
export function updatePoints(runs: UpdateRun[]): UpdatePoint[] {
  return runs.map((r) => ({ method: r.method, p: r.p, error: lastMean(r.run) }));
}

/** A method's error at p, or undefined when the sweep lacks it. */
export function updateErrorAt(points: UpdatePoint[], method: string, p: number): number | undefined {
  return points.find((x) => x.method === method && x.p === p)?.error;
}

const pct = (x: number) => `${x.toFixed(2)}%`;

/**
 * The main text on random update probability: DNI still trains at p_update = 0.2 and cDNI at
 * 0.05. "Trains" is judged against No Bprop with every layer updating (p = 1): below it, the
 * layers under the classifier learned something from their synthetic gradients.
 */
export function updateProbabilityClaims(points: UpdatePoint[]): Claim[] {
  const floor = updateErrorAt(points, 'nobprop', 1);
  const one = (m: 'dni' | 'cdni', p: number): Claim => {
    const err = updateErrorAt(points, m, p);
    const claim = `${methodLabel(m)} still trains when each layer updates with probability ${p} (main text)`;
    const criterion = `${methodLabel(m)}'s test error at p_update = ${p} below No Bprop's with every layer updating (mean of the last ${LAST_EVALS} evaluations)`;
    if (err === undefined || floor === undefined)
      return {
        claim,
        criterion,
        verdict: 'not testable at this budget',
        evidence: `the sweep has no ${err === undefined ? `${methodLabel(m)} run at p = ${p}` : 'No Bprop run at p = 1'}`,
      };
    return {
      claim,
      criterion,
      verdict: err < floor ? 'shown' : 'not shown',
      evidence: `${methodLabel(m)} ${pct(err)} at p = ${p}; No Bprop ${pct(floor)} at p = 1`,
    };
  };
  return [one('dni', 0.2), one('cdni', 0.05)];
}

/** What the sweep measured, in one sentence (without the count of claims shown). */
export function updateSentence(cfg: UpdateProbabilityConfig, runs: UpdateRun[]): string {
  const points = updatePoints(runs);
  const floor = updateErrorAt(points, 'nobprop', 1)!;
  const ps = cfg.probabilities;
  return (
    `At ${budgetText(cfg.grid).ours} with p_update ${ps.join(' / ')}: ` +
    cfg.grid.methods
      .filter((m) => m !== 'nobprop')
      .map((m) => `${methodLabel(m)} ${ps.map((p) => updateErrorAt(points, m, p)!.toFixed(2)).join(' / ')}%`)
      .join(', ') +
    ` (No Bprop ${floor.toFixed(2)}% with every layer updating).`
  );
}

export const UPDATE_PROBABILITY_SECTION: Section<UpdateProbabilityConfig, UpdateRun[]> = {
  paper: 'main text (random update probability)',
  settings: 'section D.1',
  preset: UPDATE_PROBABILITY_PRESET,
  check: (c) => {
    gridConfig(c.grid);
    return c;
  },
  run: runUpdateProbability,
  claims: (_, runs) => updateProbabilityClaims(updatePoints(runs)),
  summary: (c, runs, claims) => `${updateSentence(c, runs)} ${shownText(claims)}.`,
};
