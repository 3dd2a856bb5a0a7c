/**
 * Section B, "synthetic gradients are sufficient" (notebook 13): where the expected gradient
 * E[∂L/∂h | h] is known in closed form (a frozen linear–softmax top over data with a known
 * p(y | h)), a synthesizer trained online on per-example gradients learns that expectation, its
 * error against the per-example gradients stays at their irreducible variance, a label-conditioned
 * one fits the per-example gradient instead, and with the top moving it tracks the expectation.
 *
 * The paper runs no experiment for section B: its `paper` preset takes section D.1's
 * synthesizer, optimizer, batch and step count, and this section's own data and drift.
 */
import { ConfigError } from '../../core/errors';
import { checkKeys, seedList } from '../../core/validators';
import { SUFFICIENCY_KEYS, type SufficiencySpec, validateSufficiencySpec } from '../../runs/sufficiency-spec';
import { SYNTHESIZER_DEFAULTS, SYNTHESIZER_KEYS, type SynthesizerSpec } from '../../synthesizers/spec';
import { PAPER_ADAM, PAPER_BATCH, PAPER_STEPS } from '../paper';
import { CPU_ADAM, type Preset } from '../preset';
import { runSufficiency } from '../run-sufficiency';
import { scale } from '../scale';
import type { Section } from '../section';
import { sufficiencyClaims, sufficiencySentence } from './sufficiency-claims';
import { SUFFICIENCY_KINDS, SUFFICIENCY_LABELS, type SufficiencyCell, type SufficiencyKind } from './sufficiency-readings';

/** What every run shares; each run sets the synthesizer's conditioning, the top's motion and the seed. */
export type SufficiencyBase = Omit<SufficiencySpec, 'topMotion' | 'seed' | 'synthesizer'> & {
  synthesizer: Omit<SynthesizerSpec, 'conditioned'>;
};

export interface SufficiencyConfig {
  run: SufficiencyBase;
  /** Each kind of run (DNI, cDNI, moving top) once per seed; the claims read the seeds' range as the spread. */
  seeds: number[];
}

const LR_WHY =
  'lr 3e-5 barely moves a synthesizer in 3k steps; 3e-4, as at the cpu scale of the other sections, with no decay within the budget';

const { conditioned: _, ...D1_SYNTHESIZER } = SYNTHESIZER_DEFAULTS; // D.1: 2 hidden layers of 1024 units, zero-initialised output

const sufficiencyPaper: SufficiencyConfig = {
  run: {
    // 16 inputs, h of 16 units, 10 classes; the teacher's scale leaves the labels noisy (ours: the paper has no such data).
    task: { inputs: 16, hidden: 16, classes: 10, teacherScale: 3, taskSeed: 1 },
    synthesizer: D1_SYNTHESIZER,
    optimizer: PAPER_ADAM,
    // The top is frozen for the first 30% of training, then turns once over the rest.
    drift: { warmup: 150_000, period: 350_000 },
    steps: PAPER_STEPS,
    batchSize: PAPER_BATCH,
    evalEvery: 10_000,
    evalExamples: 4096,
    lags: [0, 50, 100, 500, 1000, 5000, 10_000, 35_000],
  },
  seeds: [1, 2, 3],
};

export const SUFFICIENCY_PRESET: Preset<SufficiencyConfig> = {
  paper: sufficiencyPaper,
  cpu: {
    ...sufficiencyPaper,
    run: {
      ...sufficiencyPaper.run,
      synthesizer: { ...D1_SYNTHESIZER, width: 256 },
      optimizer: CPU_ADAM,
      drift: { warmup: 1000, period: 2000 },
      steps: 3000,
      evalEvery: 100,
      lags: [0, 2, 5, 10, 20, 50, 100, 200],
    },
  },
  smoke: {
    run: {
      ...sufficiencyPaper.run,
      synthesizer: { ...D1_SYNTHESIZER, width: 16 },
      optimizer: CPU_ADAM,
      drift: { warmup: 10, period: 20 },
      steps: 30,
      batchSize: 32,
      evalEvery: 5,
      evalExamples: 256,
      lags: [0, 2, 5],
    },
    seeds: [1, 2],
  },
  why: {
    'run.steps': '500k steps of a 2×1024 synthesizer would take hours per run here; 3k steps take about 20 s per run',
    'run.synthesizer.width': 'h has only 16 units; 256 hidden units keep a step to a few milliseconds',
    'run.optimizer.lr': LR_WHY,
    'run.optimizer.decaySteps': LR_WHY,
    'run.drift.warmup': 'the same share of training as in the paper preset (the top frozen for the first third), at 3k steps',
    'run.drift.period': 'one turn over the rest of training, as in the paper preset',
    'run.evalEvery': 'a measurement every 100 steps: 31 points per curve',
    'run.lags': 'from 0 to a tenth of the turn (200 of its 2000 steps), as in the paper preset (35k of 350k)',
  },
};

/** The run spec of a kind and seed. */
export function sufficiencySpec(cfg: SufficiencyConfig, kind: SufficiencyKind, seed: number): SufficiencySpec {
  return {
    ...cfg.run,
    synthesizer: { ...cfg.run.synthesizer, conditioned: kind === 'cdni' },
    topMotion: kind === 'drift' ? 'drift' : 'frozen',
    seed,
  };
}

/** Checks a config, naming the field: the seeds, the per-run fields left to the runs, and every run's spec. */
export function checkSufficiency(cfg: SufficiencyConfig): SufficiencyConfig {
  checkKeys(cfg, ['run', 'seeds'], '');
  seedList(cfg.seeds, 'seeds');
  checkKeys(cfg.run, SUFFICIENCY_KEYS, 'run');
  checkKeys(cfg.run.synthesizer, SYNTHESIZER_KEYS, 'run.synthesizer');
  // Set per run, so a value here would be overwritten without a word.
  if ('conditioned' in cfg.run.synthesizer)
    throw new ConfigError('run.synthesizer.conditioned', 'is not a setting here: each run sets it (DNI: false, cDNI: true)');
  if ('topMotion' in cfg.run)
    throw new ConfigError('run.topMotion', "is not a setting here: each run sets it (the moving-top run: 'drift')");
  if ('seed' in cfg.run) throw new ConfigError('run.seed', "is not a setting here: the runs take theirs from 'seeds'");
  for (const kind of SUFFICIENCY_KINDS) validateSufficiencySpec(sufficiencySpec(cfg, kind, cfg.seeds[0]), 'run');
  return cfg;
}

/** Every kind of run at every seed (cached under results/). */
export async function runSufficiencySection(cfg: SufficiencyConfig): Promise<SufficiencyCell[]> {
  const cells: SufficiencyCell[] = [];
  for (const kind of SUFFICIENCY_KINDS) {
    for (const seed of cfg.seeds) {
      const run = await runSufficiency(`13-${scale()}-${kind}-s${seed}`, sufficiencySpec(cfg, kind, seed), {
        label: `${SUFFICIENCY_LABELS[kind]}, seed ${seed}`,
      });
      cells.push({ kind, seed, run });
    }
  }
  return cells;
}

export const SUFFICIENCY_SECTION: Section<SufficiencyConfig, SufficiencyCell[]> = {
  paper: 'section B (synthetic gradients are sufficient)',
  settings: 'section D.1',
  preset: SUFFICIENCY_PRESET,
  check: checkSufficiency,
  run: runSufficiencySection,
  claims: (_c, cells) => sufficiencyClaims(cells),
  summary: (_c, cells, claims) => sufficiencySentence(cells, claims),
};
