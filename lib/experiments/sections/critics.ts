/**
 * Paper A.4 (notebook 12): scalar critics, and FA, DFA and Kickback as synthetic gradients, on
 * Table 2's every-layer MNIST FCNs, beside Bprop, No Bprop, DNI and cDNI at the same budget. The
 * A.4 methods run with the synthetic gradient measured against the true one (sg-quality.ts); the
 * Table 2 methods are notebook 02's runs, and every-layer DNI and cDNI with the same measurements
 * at the greatest depth are notebook 06's (all from the results cache while their settings are
 * the same as those notebooks').
 */
import { type Claim, shownText } from '../claim';
import { type GridConfig, type GridRun, gridConfig, runGrid } from '../grid';
import { CRITIC_METHODS, FEEDBACK_METHODS, type MethodName, methodLabel, TABLE2_METHODS } from '../methods';
import type { Preset } from '../preset';
import { budgetText, cellError, LAST_EVALS } from '../results';
import { scale } from '../scale';
import type { Section } from '../section';
import { runGridSeeded } from '../seeded';
import { criticsClaims } from './critics-claims';
import { table2SeedCells } from './table2-claims';
import { MNIST_FCN_PAPER, TABLE2_PRESETS } from './table2';

/** Every method of notebook 12: Table 2's four, then A.4's. */
export const A4_METHODS: MethodName[] = [...TABLE2_METHODS, ...FEEDBACK_METHODS, ...CRITIC_METHODS];

/** The paper gives no critic architecture: DNI's synthesizer shape (D.1: 2 hidden layers of 1024). */
const PAPER_CRITIC = { hiddenLayers: 2, width: 1024 };
/** The cpu scale's critics: as deep, 4× narrower. */
const CPU_CRITIC = { hiddenLayers: 2, width: 256 };

const withCritics = (grid: GridConfig, critic: object): GridConfig => ({
  ...grid,
  methods: A4_METHODS,
  methodSynthesizers: { ...grid.methodSynthesizers, critic, ccritic: critic },
});

/** Table 2's MNIST FCN grid with A.4's methods added: the same network, budget and optimizer for every method. */
export const CRITICS_PRESET: Preset<GridConfig> = {
  paper: withCritics(MNIST_FCN_PAPER, PAPER_CRITIC),
  cpu: withCritics(TABLE2_PRESETS.mnistFcn.cpu, CPU_CRITIC),
  smoke: withCritics(TABLE2_PRESETS.mnistFcn.smoke, { hiddenLayers: 1, width: 16 }),
  why: {
    ...TABLE2_PRESETS.mnistFcn.why,
    'trainer.optimizer.lr': `${TABLE2_PRESETS.mnistFcn.why['trainer.optimizer.lr']}; A.4's methods take the same rate, unstudied (no validation study of the rate for them at this budget)`,
    'methodSynthesizers.critic.width':
      'critics 2×1024 → 2×256: a 2×1024 critic took ~260 ms/step on the 6-layer network here (its ∂v/∂h is a second pass through it), 2×256 ~50 ms; the paper gives no critic architecture (we take DNI’s, D.1, as its preset)',
    'methodSynthesizers.ccritic.width': 'as the unconditioned critic',
  },
};

export interface CriticsRuns {
  /** Every cell of the grid (Table 2's with their extra seeds where notebook 02 ran them). */
  runs: GridRun[];
  /** Every-layer DNI and cDNI at the greatest depth, measured ('dni@1-p', 'cdni@1-p'): notebook 06's runs. */
  sgReference: GridRun[];
}

/** The reference DNI methods at depth K: DNI and cDNI on every connection, by their notebook 06 names. */
export const sgReferenceMethods = (K: number): MethodName[] => [`dni@1-${K - 1}`, `cdni@1-${K - 1}`];

async function runCritics(cfg: GridConfig): Promise<CriticsRuns> {
  const s = scale();
  const table2 = cfg.methods.filter((m) => (TABLE2_METHODS as readonly string[]).includes(m));
  const a4 = cfg.methods.filter((m) => !table2.includes(m));
  // Table 2's cells exactly as notebook 02 runs them (unmeasured), so its cached runs and seeds are these.
  const base = gridConfig({ ...cfg, methods: table2, run: { ...cfg.run, measureSG: false } });
  const baseRuns = table2.length ? await runGridSeeded(base, `table2-${s}`, (rs) => table2SeedCells(base, rs)) : [];
  const measured = { ...cfg.run, measureSG: true };
  const a4Runs = a4.length ? await runGrid(gridConfig({ ...cfg, methods: a4, run: measured }), `critics-${s}`) : [];
  const K = Math.max(...cfg.depths);
  const ref = gridConfig({ ...cfg, depths: [K], methods: sgReferenceMethods(K), run: measured });
  return { runs: [...baseRuns, ...a4Runs], sgReference: await runGrid(ref, `single-${s}`) };
}

export const CRITICS_SECTION: Section<GridConfig, CriticsRuns> = {
  paper: 'section A.4',
  settings: 'section D.1',
  preset: CRITICS_PRESET,
  check: gridConfig,
  run: runCritics,
  claims: (cfg, r) => criticsClaims(cfg, r.runs),
  summary: (cfg, r, claims: Claim[]) => {
    const b = budgetText(cfg);
    const at = (m: string) => `${methodLabel(m)} ${cfg.depths.map((d) => cellError(r.runs, d, m).toFixed(2)).join('/')}%`;
    return (
      `At ${b.ours} (the paper: ${b.paper}) on MNIST FCNs of ${cfg.depths.join('/')} layers, test error (mean of the last ${LAST_EVALS} evaluations) was ` +
      `${cfg.methods.map(at).join('; ')}; ${shownText(claims)}.`
    );
  },
};
