/**
 * Complete unlock (main text, Figure 6; settings in D.1; notebook 08): every layer above the first
 * runs on a synthetic input as well as a synthetic gradient, on a 4-layer MNIST FCN.
 */
import { shownText, type Claim } from '../claim';
import { gridConfig, type GridConfig, type GridRun, runGrid } from '../grid';
import { methodLabel } from '../methods';
import type { Preset } from '../preset';
import { budgetText, cellError, cellText, LAST_EVALS, lastMean, seriesAt, stepsToReach } from '../results';
import { scale } from '../scale';
import type { Section } from '../section';
import { MNIST_FCN_PAPER, TABLE2_PRESETS } from './table2';

/**
 * D.1 gives the synthesizers and synthetic-input models one hidden layer each; the runs without
 * unlock use the same synthesizers, so synthetic inputs are the only difference. The main text's
 * network depth is not in our source.
 */
const unlockPaper: GridConfig = {
  ...MNIST_FCN_PAPER,
  depths: [4],
  methods: ['bprop', 'dni', 'dni+unlock', 'cdni', 'cdni+unlock'],
  methodSynthesizers: { dni: { hiddenLayers: 1 }, cdni: { hiddenLayers: 1 } },
  syntheticInputs: { hiddenLayers: 1, width: 1024 },
};
export const UNLOCK_PRESET: Preset<GridConfig> = {
  paper: unlockPaper,
  cpu: {
    ...unlockPaper,
    run: { ...TABLE2_PRESETS.mnistFcn.cpu.run, steps: 3_000, evalEvery: 200 },
    trainer: TABLE2_PRESETS.mnistFcn.cpu.trainer,
  },
  smoke: {
    ...unlockPaper,
    depths: [3],
    width: 32,
    syntheticInputs: { hiddenLayers: 1, width: 32 },
    methodSynthesizers: { dni: { hiddenLayers: 1, width: 32 }, cdni: { hiddenLayers: 1, width: 32 } },
    run: TABLE2_PRESETS.mnistFcn.smoke.run,
    trainer: TABLE2_PRESETS.mnistFcn.smoke.trainer,
  },
  why: {
    ...TABLE2_PRESETS.mnistFcn.why,
    'run.steps': '500k → 3k steps (12.8 epochs): the 5 runs take ~10 min on 2 cores',
    'run.evalEvery': 'a point every 200 steps: 15 points per curve',
  },
};

/** The fixed test error (%) whose first reaching, with and without synthetic inputs, is compared. */
export const UNLOCK_THRESHOLD = 3;

/** The main text's test error (%) of cDNI with complete unlock. */
export const UNLOCK_PAPER_ERROR = 2;

/**
 * Complete unlock (main text, Figure 6): with synthetic inputs as well as synthetic gradients,
 * cDNI still reaches the main text's 2% test error, but needs more steps to reach a fixed error
 * than without them; the synthetic inputs learn their targets.
 */
export function unlockClaims(cfg: GridConfig, runs: GridRun[], threshold = UNLOCK_THRESHOLD): Claim[] {
  const K = cfg.depths[0];
  const get = (m: string) => runs.find((r) => r.depth === K && r.method === m && r.seed === undefined)?.run;
  const claims: Claim[] = [];
  const cu = get('cdni+unlock');
  const c = get('cdni');
  if (cu) {
    const e = cellError(runs, K, 'cdni+unlock');
    claims.push({
      claim: `cDNI with complete unlock reaches ${UNLOCK_PAPER_ERROR}% test error (main text)`,
      criterion: `cDNI, complete unlock, at or below ${UNLOCK_PAPER_ERROR}% (mean of the last ${LAST_EVALS} evaluations)`,
      verdict: e <= UNLOCK_PAPER_ERROR ? 'shown' : 'not shown',
      evidence: `cDNI, complete unlock ${cellText(runs, K, 'cdni+unlock')}; cDNI ${c ? cellText(runs, K, 'cdni') : '—'}; Bprop ${cellText(runs, K, 'bprop')}`,
    });
  }
  for (const base of ['dni', 'cdni']) {
    const [with_, without] = [get(`${base}+unlock`), get(base)];
    if (!with_ || !without) continue;
    const [a, b] = [stepsToReach(with_, threshold), stepsToReach(without, threshold)];
    const label = methodLabel(base);
    claims.push({
      claim: `${label} reaches a fixed error more slowly with complete unlock (main text)`,
      criterion: `the first evaluation at or below ${threshold}% test error comes later with synthetic inputs than without; if neither reaches it: not testable at this budget`,
      verdict: a === null && b === null ? 'not testable at this budget' : b !== null && (a === null || a > b) ? 'shown' : 'not shown',
      evidence: `with synthetic inputs: ${a === null ? 'not reached' : `step ${a}`}; without: ${b === null ? 'not reached' : `step ${b}`}`,
    });
  }
  const unlocked = runs.filter((r) => r.depth === K && r.seed === undefined && /\+unlock$/.test(r.method));
  if (unlocked.length) {
    const falls = unlocked.map((r) => {
      const ks = Array.from({ length: K - 1 }, (_, i) => i + 2);
      const mean = (i: number) => ks.reduce((s, k) => s + seriesAt(r.run.history[i].series, 'inputLoss', k - 1), 0) / ks.length;
      const n = r.run.history.length;
      return { name: r.name, first: mean(0), last: mean(n - 1) };
    });
    claims.push({
      claim: 'The synthetic inputs learn the real activations',
      criterion: 'their regression loss (mean over units) at the last evaluation is under half of that at the first',
      verdict: falls.every((f) => f.last < f.first / 2) ? 'shown' : 'not shown',
      evidence: falls.map((f) => `${f.name}: ${f.first.toPrecision(3)} → ${f.last.toPrecision(3)}`).join('; '),
    });
  }
  return claims;
}

export const UNLOCK_SECTION: Section<GridConfig, GridRun[]> = {
  paper: 'main text, Figure 6 (complete unlock)',
  settings: 'section D.1',
  preset: UNLOCK_PRESET,
  check: gridConfig,
  run: (cfg) => runGrid(cfg, `unlock-${scale()}`),
  claims: (cfg, runs) => unlockClaims(cfg, runs),
  summary: (cfg, runs, claims) => {
    const b = budgetText(cfg);
    return (
      `At ${b.ours} (the paper: ${b.paper}), a ${cfg.depths[0]}-layer MNIST FCN reached ` +
      runs.map((r) => `${lastMean(r.run).toFixed(2)}% with ${r.name}`).join(', ') +
      `; ${shownText(claims)}.`
    );
  },
};
