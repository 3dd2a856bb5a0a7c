/**
 * Sections A.1–A.2, the unified view BP(λ) (notebook 01): one 4-layer MNIST FCN trained with DNI (λ = 0),
 * λ = 0.5, backprop (λ = 1) and No Bprop, at Table 2's settings. The notebook checks BP(1)
 * against autodiff; the paper makes no numerical claim here, so the section has none.
 */
import { gridConfig, type GridConfig, type GridRun, runGrid } from '../grid';
import { CPU_ADAM, CPU_LR_WHY, type Preset, scaled } from '../preset';
import { budgetText, LAST_EVALS, lastMean } from '../results';
import { scale } from '../scale';
import type { Section } from '../section';
import { MNIST_FCN_PAPER } from './table2';

const lambdaPaper: GridConfig = {
  ...MNIST_FCN_PAPER,
  depths: [4],
  methods: ['lambda=0', 'lambda=0.5', 'lambda=1', 'nobprop'],
  methodSynthesizers: {},
};
export const LAMBDA_PRESET: Preset<GridConfig> = {
  paper: lambdaPaper,
  // The paper's 2×1024 DNI synthesizer, as notebook 02 keeps after its validation study.
  cpu: scaled(lambdaPaper, { run: { steps: 2_000, evalEvery: 200 }, optimizer: CPU_ADAM }),
  smoke: scaled(lambdaPaper, {
    width: 32,
    synthesizer: { hiddenLayers: 2, width: 32 },
    run: { steps: 40, batchSize: 64, evalEvery: 20, evalExamples: 1000, trainEvalExamples: 1000 },
    optimizer: CPU_ADAM,
  }),
  why: {
    'run.steps': '500k steps would take days here; 2k (8.5 epochs) take ~6 min for the 4 runs with OpenBLAS',
    'run.evalEvery': 'a point every 200 steps: 10 points per curve',
    'trainer.optimizer.lr': CPU_LR_WHY,
    'trainer.optimizer.decaySteps': CPU_LR_WHY,
  },
};

export const LAMBDA_SECTION: Section<GridConfig, GridRun[]> = {
  paper: 'sections A.1–A.2 (BP(λ))',
  settings: 'section D.1',
  preset: LAMBDA_PRESET,
  check: gridConfig,
  run: (cfg) => runGrid(cfg, `01-${scale()}`),
  claims: () => [],
  summary: (cfg, runs) => {
    const b = budgetText(cfg);
    return (
      `After ${b.ours} (the paper: ${b.paper}) of a ${cfg.depths[0]}-layer MNIST FCN, test error (mean of the last ${LAST_EVALS} evaluations) was ` +
      runs.map(({ name, run }) => `${lastMean(run).toFixed(2)}% for ${name}`).join(', ') +
      '.'
    );
  },
};
