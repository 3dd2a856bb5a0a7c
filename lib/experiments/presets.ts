/**
 * The paper's settings (section D.1) and our `cpu` and `smoke` scales of them, as library values:
 * a notebook picks one and overrides a field for an ablation. Every field where `cpu` differs from
 * `paper` carries its reason in `why`; `deviations` lists them for the notebook's config cell.
 *
 *   const config = gridConfig({ ...pick(TABLE2_PRESETS.mnistFcn), steps: 2000 });
 */
import { RunInput } from '../train';
import { BPLambdaInput } from '../trainers/spec';
import { Family, GridConfig } from './grid';
import { MethodName } from './methods';
import type { CopyKind } from '../tasks/copy';
import type { CopyRunInput } from '../train-copy';
import type { CharLmInput } from '../train-lm';
import type { RecurrentInput, RecurrentMethod } from '../trainers/recurrent-spec';
import { PAPER_ADAM, PAPER_BATCH, PAPER_STEPS } from './paper';

export interface Preset<C> {
  paper: C;
  cpu: C;
  smoke: C;
  /** Why `cpu` differs from `paper`, by dotted field path (e.g. 'run.steps'). */
  why: Record<string, string>;
}

/** Section D.1: what every feed-forward experiment shares. */
export const PAPER_TRAINER: Omit<BPLambdaInput, 'network' | 'lambda'> = {
  synthesizer: {
    // Not stated in the paper: synthesizers predict per-example gradients (÷B when used); on a
    // validation split (last 10k training images) this fit far better with Adam than batch-mean
    // units (cDNI, 3 layers, 1k steps: 2.5% vs 5.1% error).
    targetUnits: 'perExample',
    // Not stated in the paper: Σ over batch and units (EXPERIMENTS.md).
    lossReduction: 'sum',
    lossWeight: 1,
    scale: 1,
  },
  optimizer: PAPER_ADAM, // Adam, lr 3e-5, ÷10 at 300k and 400k steps
  seed: 1,
};

export const PAPER_RUN: Omit<RunInput, 'trainer'> = {
  steps: PAPER_STEPS,
  batchSize: PAPER_BATCH,
  evalEvery: 10_000,
  evalExamples: 0, // the whole test set at every evaluation
  trainEvalExamples: 10_000, // training error on 10k training images, evaluation mode
  dataSeed: 1,
};

/** The cpu scale's optimizer: 3e-5 barely moves a network in the ~1k steps we can afford. */
export const CPU_ADAM = { ...PAPER_ADAM, lr: 3e-4, decaySteps: [] };
const CPU_LR_WHY = 'lr 3e-5 barely moves a network in ~1k steps; 3e-4 trained stably on a validation split (last 10k training images); no decay within the budget';

function grid(family: Family, depths: number[], width: number, synthesizer: GridConfig['trainer']['synthesizer'], methodSynthesizers: GridConfig['methodSynthesizers']): GridConfig {
  return {
    family,
    depths,
    methods: ['nobprop', 'bprop', 'dni', 'cdni'],
    width,
    trainer: { ...PAPER_TRAINER, synthesizer: { ...PAPER_TRAINER.synthesizer, ...synthesizer } },
    methodSynthesizers,
    run: PAPER_RUN,
  };
}

function scaled(base: GridConfig, o: { run?: Partial<GridConfig['run']>; synthesizer?: GridConfig['trainer']['synthesizer']; methodSynthesizers?: GridConfig['methodSynthesizers']; width?: number; depths?: number[]; optimizer?: typeof CPU_ADAM }): GridConfig {
  return {
    ...base,
    depths: o.depths ?? base.depths,
    width: o.width ?? base.width,
    trainer: { ...base.trainer, synthesizer: { ...base.trainer.synthesizer, ...o.synthesizer }, optimizer: o.optimizer ?? base.trainer.optimizer },
    methodSynthesizers: o.methodSynthesizers ?? base.methodSynthesizers,
    run: { ...base.run, ...o.run },
  };
}

const SMOKE_RUN = { steps: 20, batchSize: 32, evalEvery: 10, evalExamples: 500, trainEvalExamples: 500 };

const mnistFcnPaper = grid('mnistFcn', [3, 4, 5, 6], 256, { hiddenLayers: 2, width: 1024 }, { cdni: { hiddenLayers: 0 } });
const cifarFcnPaper = grid('cifarFcn', [3, 4, 5, 6], 1000, { hiddenLayers: 1, width: 4000 }, {});
const mnistCnnPaper = grid('mnistCnn', [3, 4], 64, { hiddenLayers: 2, width: 64, kernel: 5 }, {});
const cifarCnnPaper = grid('cifarCnn', [3, 4], 128, { hiddenLayers: 2, width: 128, kernel: 5 }, {});

const CNN_CPU = {
  run: { steps: 800, batchSize: 64, evalEvery: 100, evalExamples: 2_000, trainEvalExamples: 2_000 },
  width: 16,
  synthesizer: { hiddenLayers: 2, width: 16, kernel: 5 },
  optimizer: CPU_ADAM,
};
const CNN_WHY = {
  'run.steps': '500k → 800 steps (0.85 epoch of MNIST, 1 of CIFAR-10 at batch 64): the 16 CNN runs take about 20 min on 2 cores with OpenBLAS',
  'run.batchSize': '256 → 64: a CNN step at 256 is ~4× slower',
  width: '64/128 → 16 filters, and synthesizers as wide: for time',
  'trainer.synthesizer.width': 'as wide as the layer (the paper does the same at 64/128)',
  'trainer.optimizer.lr': CPU_LR_WHY,
  'trainer.optimizer.decaySteps': CPU_LR_WHY,
  'run.evalEvery': 'a point every 100 steps: 8 points per curve',
  'run.evalExamples': 'curves on 2k test images (the final point on all 10k), for time',
  'run.trainEvalExamples': 'training error on 2k training images, for time',
};
const CNN_SMOKE = { depths: [3], width: 4, synthesizer: { hiddenLayers: 1, width: 4, kernel: 3 }, run: { steps: 4, batchSize: 8, evalEvery: 2, evalExamples: 100, trainEvalExamples: 100 } };

/** Table 2 (every-layer DNI) for each model family. */
export const TABLE2_PRESETS: Record<Family, Preset<GridConfig>> = {
  mnistFcn: {
    paper: mnistFcnPaper,
    // The paper's 2×1024 DNI synthesizer: on the validation split it beat 2×256 at either learning rate (notebook 02's study).
    cpu: scaled(mnistFcnPaper, { run: { steps: 1_000, evalEvery: 100 }, optimizer: CPU_ADAM }),
    smoke: scaled(mnistFcnPaper, { depths: [3, 4], width: 32, synthesizer: { hiddenLayers: 2, width: 32 }, run: SMOKE_RUN, optimizer: CPU_ADAM }),
    why: {
      'run.steps': '500k → 1k: the 16 runs take ~25 min on 2 cores',
      'run.evalEvery': 'a point every 100 steps, so the short curves have enough points',
      'trainer.optimizer.lr': `${CPU_LR_WHY}. One rate for every method, as in the paper: on the validation split 1e-4 helped DNI but hurt cDNI, Bprop and No Bprop (notebook 02's study)`,
      'trainer.optimizer.decaySteps': CPU_LR_WHY,
    },
  },
  cifarFcn: {
    paper: cifarFcnPaper,
    // Synthesizers 4× as wide as the layer, as the paper's (4000 for 1000); kept after notebook 03's validation study.
    cpu: scaled(cifarFcnPaper, { run: { steps: 2_000, evalEvery: 200 }, width: 256, synthesizer: { hiddenLayers: 1, width: 1024 }, optimizer: CPU_ADAM }),
    smoke: scaled(cifarFcnPaper, { depths: [3, 4], width: 32, synthesizer: { hiddenLayers: 1, width: 32 }, run: SMOKE_RUN, optimizer: CPU_ADAM }),
    why: {
      'run.steps': '500k → 2k steps (10 epochs): the 16 runs take ~10 min on 2 cores with OpenBLAS',
      'run.evalEvery': 'a point every 200 steps: 10 points per curve',
      width: '1000 → 256 units: a 1000-wide network with 4000-wide synthesizers is ~15× slower per step',
      'trainer.synthesizer.width': '4000 → 1024: 4× the layer, as in the paper',
      'trainer.optimizer.lr': CPU_LR_WHY,
      'trainer.optimizer.decaySteps': CPU_LR_WHY,
    },
  },
  mnistCnn: { paper: mnistCnnPaper, cpu: scaled(mnistCnnPaper, CNN_CPU), smoke: scaled(mnistCnnPaper, { ...CNN_SMOKE, optimizer: CPU_ADAM }), why: CNN_WHY },
  cifarCnn: { paper: cifarCnnPaper, cpu: scaled(cifarCnnPaper, CNN_CPU), smoke: scaled(cifarCnnPaper, { ...CNN_SMOKE, optimizer: CPU_ADAM }), why: CNN_WHY },
};

/** Dotted paths and values of a config's leaves (arrays are leaves). */
export function flatten(value: unknown, prefix = ''): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [prefix]: value };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) Object.assign(out, flatten(v, prefix ? `${prefix}.${k}` : k));
  return out;
}

export interface Deviation {
  field: string;
  paper: string;
  cpu: string;
  why: string;
}

/** Every field where `cpu` differs from `paper`, with its reason (a missing reason is an error). */
export function deviations<C>(preset: Preset<C>): Deviation[] {
  const p = flatten(preset.paper);
  const c = flatten(preset.cpu);
  const out: Deviation[] = [];
  for (const field of Object.keys({ ...p, ...c })) {
    const [a, b] = [JSON.stringify(p[field]), JSON.stringify(c[field])];
    if (a === b) continue;
    const why = preset.why[field];
    if (!why) throw new Error(`preset: cpu differs from paper in '${field}' (${a} → ${b}) with no reason given in 'why'`);
    out.push({ field, paper: a ?? '—', cpu: b ?? '—', why });
  }
  return out;
}

/** Notebook 01: one 4-layer MNIST FCN trained with DNI (λ = 0), λ = 0.5, backprop (λ = 1) and No Bprop. */
const lambdaPaper: GridConfig = { ...mnistFcnPaper, depths: [4], methods: ['lambda=0', 'lambda=0.5', 'lambda=1', 'nobprop'], methodSynthesizers: {} };
export const LAMBDA_PRESET: Preset<GridConfig> = {
  paper: lambdaPaper,
  // The paper's 2×1024 DNI synthesizer, as notebook 02 keeps after its validation study.
  cpu: scaled(lambdaPaper, { run: { steps: 2_000, evalEvery: 200 }, optimizer: CPU_ADAM }),
  smoke: scaled(lambdaPaper, { width: 32, synthesizer: { hiddenLayers: 2, width: 32 }, run: { steps: 40, batchSize: 64, evalEvery: 20, evalExamples: 1000, trainEvalExamples: 1000 }, optimizer: CPU_ADAM }),
  why: {
    'run.steps': '500k steps would take days here; 2k (8.5 epochs) take ~6 min for the 4 runs with OpenBLAS',
    'run.evalEvery': 'a point every 200 steps: 10 points per curve',
    'trainer.optimizer.lr': CPU_LR_WHY,
    'trainer.optimizer.decaySteps': CPU_LR_WHY,
  },
};

/** Figure 11's runs on a K-layer FCN: Bprop; at each connection p a single DNI and the same cut passing no gradient (a); DNI and cDNI on connections 1..p (b). */
export function singleDniMethods(layers: number): MethodName[] {
  const ps = Array.from({ length: layers - 1 }, (_, i) => i + 1);
  return [
    'bprop',
    ...ps.map((p) => `dni@${p}` as MethodName),
    ...ps.map((p) => `nobprop@${p}` as MethodName),
    ...ps.map((p) => `dni@1-${p}` as MethodName),
    ...ps.map((p) => `cdni@1-${p}` as MethodName),
  ];
}

/** Notebook 06: single DNI placement (Figure 11) on the 6-layer MNIST FCN, with Table 2's settings. */
const singlePaper: GridConfig = { ...mnistFcnPaper, depths: [6], methods: singleDniMethods(6) };
export const SINGLE_DNI_PRESET: Preset<GridConfig> = {
  paper: singlePaper,
  cpu: { ...TABLE2_PRESETS.mnistFcn.cpu, depths: [6], methods: singleDniMethods(6) },
  smoke: { ...TABLE2_PRESETS.mnistFcn.smoke, depths: [6], methods: singleDniMethods(6) },
  why: TABLE2_PRESETS.mnistFcn.why,
};

/** A preset's reasons under a prefix, for a config that nests a grid ('run.steps' → 'grid.run.steps'). */
function nested(why: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(why).map(([k, v]) => [`${prefix}.${k}`, v]));
}

export interface StaleConfig {
  /** The MNIST FCNs of Table 2 with No Bprop, the stale-gradient baseline and cDNI. */
  grid: GridConfig;
  /** Decay rates of the moving average searched, per depth, on a validation split (the paper: "the whole range"). */
  decays: number[];
}

/** Notebook 07: the stale-gradient baseline of section C. */
const stalePaper: StaleConfig = { grid: { ...mnistFcnPaper, methods: ['nobprop', 'stale', 'cdni'] }, decays: [0, 0.5, 0.9, 0.99, 0.999] };
export const STALE_PRESET: Preset<StaleConfig> = {
  paper: stalePaper,
  cpu: { ...stalePaper, grid: { ...TABLE2_PRESETS.mnistFcn.cpu, methods: stalePaper.grid.methods } },
  smoke: { grid: { ...TABLE2_PRESETS.mnistFcn.smoke, methods: stalePaper.grid.methods }, decays: [0, 0.9] },
  why: nested(TABLE2_PRESETS.mnistFcn.why, 'grid'),
};

export interface UpdateProbabilityConfig {
  /** One MNIST FCN (depths[0]) with Bprop, DNI and cDNI, and No Bprop as the floor. */
  grid: GridConfig;
  /** The probabilities p_update with which each layer updates at a step. */
  probabilities: number[];
}

/**
 * Notebook 07: every layer updates only with probability p_update (main text). The main text's
 * network and budget are not in our source: a 4-layer MNIST FCN with Table 2's settings.
 */
const updatePaper: UpdateProbabilityConfig = { grid: { ...mnistFcnPaper, depths: [4], methods: ['nobprop', 'bprop', 'dni', 'cdni'] }, probabilities: [1, 0.5, 0.2, 0.1, 0.05] };
export const UPDATE_PROBABILITY_PRESET: Preset<UpdateProbabilityConfig> = {
  paper: updatePaper,
  cpu: {
    ...updatePaper,
    grid: { ...TABLE2_PRESETS.mnistFcn.cpu, depths: [4], methods: updatePaper.grid.methods, run: { ...TABLE2_PRESETS.mnistFcn.cpu.run, steps: 2_000, evalEvery: 200 } },
  },
  smoke: { grid: { ...TABLE2_PRESETS.mnistFcn.smoke, depths: [3], methods: updatePaper.grid.methods }, probabilities: [1, 0.2] },
  why: {
    ...nested(TABLE2_PRESETS.mnistFcn.why, 'grid'),
    'grid.run.steps': '500k → 2k steps: a layer at p_update = 0.05 still gets ~100 updates; the 16 runs take ~15 min on 2 cores',
    'grid.run.evalEvery': 'a point every 200 steps: 10 points per curve',
  },
};

/**
 * Notebook 08: complete unlock (D.1; the main text's Figure 6) on a 4-layer MNIST FCN. D.1 gives
 * the synthesizers and synthetic-input models one hidden layer each; the runs without unlock use
 * the same synthesizers, so synthetic inputs are the only difference. The main text's network
 * depth is not in our source.
 */
const unlockPaper: GridConfig = {
  ...mnistFcnPaper,
  depths: [4],
  methods: ['bprop', 'dni', 'dni+unlock', 'cdni', 'cdni+unlock'],
  methodSynthesizers: { dni: { hiddenLayers: 1 }, cdni: { hiddenLayers: 1 } },
  syntheticInputs: { hiddenLayers: 1, width: 1024 },
};
export const UNLOCK_PRESET: Preset<GridConfig> = {
  paper: unlockPaper,
  cpu: { ...unlockPaper, run: { ...TABLE2_PRESETS.mnistFcn.cpu.run, steps: 3_000, evalEvery: 200 }, trainer: TABLE2_PRESETS.mnistFcn.cpu.trainer },
  smoke: { ...unlockPaper, depths: [3], width: 32, syntheticInputs: { hiddenLayers: 1, width: 32 }, methodSynthesizers: { dni: { hiddenLayers: 1, width: 32 }, cdni: { hiddenLayers: 1, width: 32 } }, run: TABLE2_PRESETS.mnistFcn.smoke.run, trainer: TABLE2_PRESETS.mnistFcn.smoke.trainer },
  why: {
    ...TABLE2_PRESETS.mnistFcn.why,
    'run.steps': '500k → 3k steps (12.8 epochs): the 5 runs take ~10 min on 2 cores',
    'run.evalEvery': 'a point every 200 steps: 15 points per curve',
  },
};

export interface CopyConfig {
  /** The tasks run (D.2: both). */
  kinds: CopyKind[];
  methods: RecurrentMethod[];
  /** The BPTT unrolls compared (Figure 17 uses several). */
  Ts: number[];
  /** Every run's settings, less the method, T and the task. */
  run: Omit<CopyRunInput, 'trainer' | 'curriculum'> & { trainer: Omit<RecurrentInput, 'method' | 'T' | 'inputs' | 'outputs'> };
}

/** Notebooks 09 and 10: Copy and Repeat Copy with truncated BPTT, DNI and DNI+Aux (D.2, Figure 17). */
const copyPaper: CopyConfig = {
  kinds: ['copy', 'repeatCopy'],
  methods: ['bptt', 'dni', 'dniAux'],
  Ts: [3, 5, 8],
  run: { trainer: { hidden: 256, optimizer: { lr: 7e-5 } }, steps: 2_500_000, batchSize: 256, evalEvery: 1000, evalSequences: 256 },
};
export const COPY_PRESET: Preset<CopyConfig> = {
  paper: copyPaper,
  cpu: { ...copyPaper, Ts: [2, 4], run: { trainer: { hidden: 128, optimizer: { lr: 1e-3 } }, steps: 6000, batchSize: 64, evalEvery: 150, evalSequences: 256 } },
  smoke: { ...copyPaper, Ts: [2], run: { trainer: { hidden: 8, optimizer: { lr: 1e-2 } }, steps: 20, batchSize: 8, evalEvery: 5, evalSequences: 16 } },
  why: {
    Ts: 'T = 2 and 4: at this budget the curriculum reaches sequences of 5–9 steps, which only unrolls shorter than that cut (at 4k batches, T = 6 never cut a solved Copy level, so DNI and BPTT were the same run)',
    'run.trainer.hidden': '256 → 128 LSTM units, for time',
    'run.trainer.optimizer.lr': '7e-5 → 1e-3: 7e-5 barely moves an LSTM in a few thousand steps; 1e-3 solved the first Copy levels within a few hundred steps here (3e-4 took ~1650 steps for N = 1 at 64 units)',
    'run.steps': '2.5M → 6k batches (0.06% of the sequences): the 12 runs take ~15 min on 2 cores',
    'run.batchSize': '256 → 64 sequences per batch, for time',
    'run.evalEvery': 'a curriculum check every 150 batches: 40 points per curve',
  },
};

export interface CharLmConfig {
  methods: RecurrentMethod[];
  /** The BPTT unrolls compared (Figure 16 starts at T = 2). */
  Ts: number[];
  /** Every run's settings, less the method and T. */
  run: Omit<CharLmInput, 'trainer'> & { trainer: Omit<RecurrentInput, 'method' | 'T' | 'inputs' | 'outputs'> };
}

/** The Penn Treebank notebook: character-level LM with truncated BPTT, DNI and DNI+Aux (D.2, Figure 16). */
const ptbPaper: CharLmConfig = {
  methods: ['bptt', 'dni', 'dniAux'],
  // The unrolls of the main text's Table 1 (Figure 16 plots several, from T = 2).
  Ts: [2, 3, 4, 5, 8],
  run: {
    trainer: { hidden: 1024, optimizer: { lr: 7e-5 } }, // D.2: 1024 units, Adam 7e-5, no decay, no regularisation
    // Not stated: the paper trains until validation gets worse (patience 1); the cap is ours.
    steps: 1_000_000,
    batchSize: 256,
    evalEvery: 5_000,
    validChars: 0, // the whole validation split
    evalStreams: 0, // as many pieces as training streams (256): not stated in the paper
    patience: 1, // "once validation error starts to increase we stop training"
  },
};
export const PTB_PRESET: Preset<CharLmConfig> = {
  paper: ptbPaper,
  cpu: {
    ...ptbPaper,
    Ts: [2, 4],
    run: { trainer: { hidden: 256, optimizer: { lr: 4e-3 } }, steps: 6_000, batchSize: 64, evalEvery: 500, validChars: 50_000, evalStreams: 0, patience: 0 },
  },
  smoke: { ...ptbPaper, Ts: [2], run: { trainer: { hidden: 8, optimizer: { lr: 1e-2 } }, steps: 10, batchSize: 4, evalEvery: 5, validChars: 500, evalStreams: 256, patience: 0 } },
  why: {
    Ts: 'T = 2 and 4: two unrolls keep the 6 runs within ~30 min',
    'run.trainer.hidden': '1024 → 256 LSTM units, for time',
    'run.trainer.optimizer.lr':
      '7e-5 → 4e-3, chosen for the BPTT baseline on validation as the paper did (T = 4, 6k steps, validation prefix): 1e-3 2.31, 2e-3 2.12, 4e-3 2.00, 8e-3 2.01 BPC. DNI is sensitive to it: at T = 4 DNI was 2.71 BPC at 6k steps with 4e-3 and 3.42 with 8e-3, but 2.19 against BPTT’s 2.26 at 4k steps with 2e-3',
    'run.steps': 'not stated (the paper stops when validation gets worse) → 6k steps of 64 × T characters (1.5M characters at T = 4, 0.3 epoch): ~2–4 min per run on 2 shared cores',
    'run.batchSize': '256 → 64 streams: more updates in the time',
    'run.evalEvery': 'a validation every 500 steps: 12 points per curve',
    'run.validChars': 'validation on the first 50k of the 393k validation characters, for time (the test BPC is on the whole test split)',
    'run.patience': 'no early end: the short budget is run to the end, and the best checkpoint is kept',
  },
};

export interface SynthDepthConfig {
  /** The 6-layer MNIST FCN runs: Bprop, and DNI and cDNI at each synthesizer depth. */
  grid: GridConfig;
  /** Hidden layers of the synthesizers compared (D.1 searched 0–2). */
  synthDepths: number[];
  /** Width of their hidden layers (D.1: 1024). */
  synthWidth: number;
  /** The deepest cDNI FCN of section C. */
  deepLayers: number;
  deepSteps: number;
}

/** Notebook 05: synthesizer depth (Figure 14) and a 21-layer FCN trained with linear cDNI. */
const synthPaper: SynthDepthConfig = { grid: { ...mnistFcnPaper, depths: [6], methods: ['bprop', 'dni', 'cdni'] }, synthDepths: [0, 1, 2], synthWidth: 1024, deepLayers: 21, deepSteps: PAPER_STEPS };
export const SYNTH_DEPTH_PRESET: Preset<SynthDepthConfig> = {
  paper: synthPaper,
  cpu: { ...synthPaper, grid: scaled(synthPaper.grid, { run: { steps: 1_000, evalEvery: 100 }, optimizer: CPU_ADAM }), deepSteps: 2_000 },
  smoke: {
    ...synthPaper,
    grid: scaled(synthPaper.grid, { depths: [3], width: 32, run: { steps: 10, batchSize: 32, evalEvery: 5, evalExamples: 500, trainEvalExamples: 500 }, optimizer: CPU_ADAM }),
    synthWidth: 16,
    deepLayers: 5,
    deepSteps: 10,
  },
  why: {
    'grid.run.steps': '500k → 1k steps, as notebook 02: the 7 runs take ~8 min on 2 cores with OpenBLAS',
    'grid.run.evalEvery': 'a point every 100 steps, so the short curves have enough points',
    'grid.trainer.optimizer.lr': CPU_LR_WHY,
    'grid.trainer.optimizer.decaySteps': CPU_LR_WHY,
    deepSteps: '500k → 2k steps (8.5 epochs) for the 21-layer runs: ~3 min for the two',
  },
};

/**
 * A config with fields replaced by dotted path, for ablations:
 *   override(pick(TABLE2_PRESETS.mnistFcn), { 'run.steps': 3000, 'trainer.synthesizer.targetUnits': 'batchMean' })
 * A path through a field that is not an object is an error naming it; unknown fields are caught
 * by the config's own validation.
 */
export function override<C>(config: C, changes: Record<string, unknown>): C {
  const out = structuredClone(config) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    let obj = out;
    keys.slice(0, -1).forEach((k, i) => {
      const next = obj[k] ?? (obj[k] = {});
      if (next === null || typeof next !== 'object' || Array.isArray(next)) throw new Error(`override: '${keys.slice(0, i + 1).join('.')}' is not an object, so '${path}' cannot be set`);
      obj = next as Record<string, unknown>;
    });
    obj[keys[keys.length - 1]] = value;
  }
  return out as C;
}
