/**
 * The main text's random update probability (notebook 07): every layer updates only with
 * probability p_update at each step; DNI still trains at 0.2 and cDNI at 0.05.
 */
import { shownText, type Claim } from '../claim';
import { gridConfig, type GridConfig, type GridRun } from '../grid';
import { methodLabel } from '../methods';
import { nested, type Preset } from '../preset';
import { budgetText, gapClosed, LAST_EVALS, lastMean, lastRange } from '../results';
import { TIE_RULE_TEXT, verdictOf } from '../tie-rule';
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
  /** Its run-to-run spread under the tie rule (one seed: the range of its last evaluations). */
  spread: number;
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
  return runs.map((r) => ({ method: r.method, p: r.p, error: lastMean(r.run), spread: lastRange(r.run) }));
}

/** A method's error at p, or undefined when the sweep lacks it. */
export function updateErrorAt(points: UpdatePoint[], method: string, p: number): number | undefined {
  return points.find((x) => x.method === method && x.p === p)?.error;
}

const pct = (x: number) => `${x.toFixed(2)}%`;

/**
 * The main text on random update probability: DNI still trains at p_update = 0.2 and cDNI at
 * 0.05. Rare updates slow backprop too, so "still trains" is judged against Bprop at the same
 * p_update: the method keeps at least half of its standing at p = 1, its standing being the share
 * of the gap from No Bprop (every layer updating) to Bprop that it closes. In points: favour =
 * (No Bprop − X at p) − ½ · share at p = 1 · (No Bprop − Bprop at p), under the tie rule.
 */
export function updateProbabilityClaims(points: UpdatePoint[]): Claim[] {
  const at = (m: string, p: number) => points.find((x) => x.method === m && x.p === p);
  const floor = at('nobprop', 1);
  const one = (m: 'dni' | 'cdni', p: number): Claim => {
    const used = [floor, at(m, p), at('bprop', p), at(m, 1), at('bprop', 1)];
    const claim = `${methodLabel(m)} still trains when each layer updates with probability ${p} (main text)`;
    const criterion = `against Bprop at the same p_update: ${methodLabel(m)} at p_update = ${p} closes at least half the share of the gap from No Bprop (every layer updating) to Bprop that it closes at p_update = 1 (mean of the last ${LAST_EVALS} evaluations; one seed); ${TIE_RULE_TEXT}`;
    if (used.some((u) => u === undefined)) {
      const missing = [
        'No Bprop at p = 1',
        `${methodLabel(m)} at p = ${p}`,
        `Bprop at p = ${p}`,
        `${methodLabel(m)} at p = 1`,
        'Bprop at p = 1',
      ];
      return {
        claim,
        criterion,
        verdict: 'not testable at this budget',
        evidence: `the sweep has no ${missing.filter((_, i) => used[i] === undefined).join(', ')} run`,
      };
    }
    const [nob, x, bp, x1, bp1] = used as UpdatePoint[];
    const share1 = gapClosed(nob.error, bp1.error, x1.error) / 100;
    const share = gapClosed(nob.error, bp.error, x.error) / 100;
    const favour = nob.error - x.error - (share1 / 2) * (nob.error - bp.error);
    return {
      claim,
      criterion,
      verdict: verdictOf([{ favour, spread: Math.max(...used.map((u) => u!.spread)), inclusive: true }]),
      evidence: `${methodLabel(m)} ${pct(x.error)} and Bprop ${pct(bp.error)} at p = ${p} (share of the gap closed ${(100 * share).toFixed(0)}%); at p = 1: ${pct(x1.error)} and ${pct(bp1.error)} (${(100 * share1).toFixed(0)}%); No Bprop ${pct(nob.error)}`,
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
