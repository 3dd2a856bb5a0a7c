/**
 * Paper section D.3 (notebook 14): two recurrent networks on two clocks. A reads a digit at every
 * step and counts odd digits; B ticks every other step, reads A's message and counts 3s. Three
 * ways for A to learn from B: a DNI on the message (a synthetic gradient, A never waits), full
 * backprop through B (one graph, A waits), and no gradient from B.
 *
 * The paper gives the networks, the synthesizer, Adam's rate (1e-5) and the SG scale (10); the
 * sequence length, the counts' caps, the step count and the batch are not given: our `paper`
 * preset takes section D.1's 500k steps and batch of 256 and this section's own choices of data.
 */
import { ConfigError } from '../../core/errors';
import { checkKeys, seedList } from '../../core/validators';
import { type TwoClocksRunSpec, validateTwoClocksRun } from '../../runs/train-two-clocks';
import { TWO_CLOCKS_DEFAULTS, TWO_CLOCKS_METHODS, type TwoClocksMethod, type TwoClocksSpec } from '../../trainers/two-clocks-spec';
import { PAPER_BATCH, PAPER_STEPS } from '../paper';
import type { Preset } from '../preset';
import { runTwoClocks } from '../run-two-clocks';
import { scale } from '../scale';
import type { Section } from '../section';
import { twoClocksClaims, twoClocksSentence } from './two-clocks-claims';
import { TWO_CLOCKS_LABELS, type TwoClocksCell } from './two-clocks-readings';

/** Every run's settings but the method. */
export type TwoClocksBase = Omit<TwoClocksRunSpec, 'trainer'> & { trainer: Omit<TwoClocksSpec, 'method' | 'seed'> };

export interface TwoClocksConfig {
  run: TwoClocksBase;
  /** Every method once per seed; the claims read the seeds' range (one seed: its last evaluations') as the spread. */
  seeds: number[];
}

const { method: _m, seed: _s, ...PAPER_TRAINER } = TWO_CLOCKS_DEFAULTS; // D.3's sizes, synthesizer, SG × 10 and Adam 1e-5

const twoClocksPaper: TwoClocksConfig = {
  run: {
    trainer: PAPER_TRAINER,
    steps: PAPER_STEPS,
    batchSize: PAPER_BATCH,
    evalEvery: 10_000,
    evalSequences: 2000,
    dataSeed: 1,
  },
  seeds: [1],
};

const LR_WHY =
  "1e-5 is a rate for hundreds of thousands of steps (D.3 gives no budget); in 1000 steps we use 1e-3, at which A's count goes from 12% to over 80% right, for every network and the synthesizer, with no decay";

export const TWO_CLOCKS_PRESET: Preset<TwoClocksConfig> = {
  paper: twoClocksPaper,
  cpu: {
    ...twoClocksPaper,
    run: {
      ...twoClocksPaper.run,
      trainer: { ...PAPER_TRAINER, optimizer: { ...PAPER_TRAINER.optimizer, lr: 1e-3 } },
      steps: 1000,
      batchSize: 64,
      evalEvery: 100,
      evalSequences: 1000,
    },
    seeds: [1, 2],
  },
  smoke: {
    run: {
      ...twoClocksPaper.run,
      trainer: {
        ...PAPER_TRAINER,
        net: { fcnWidth: 16, hidden: 16, messageWidth: 16 },
        synthesizer: { ...PAPER_TRAINER.synthesizer, width: 16 },
        optimizer: { ...PAPER_TRAINER.optimizer, lr: 1e-3 },
      },
      steps: 4,
      batchSize: 8,
      evalEvery: 2,
      evalSequences: 20,
    },
    seeds: [1],
  },
  why: {
    'run.steps':
      'a step of the three networks (batch 64, 8 digits per sequence) takes about 0.2 s on one core here: 1000 steps keep the six runs (three methods, two seeds) within about 25 minutes',
    'run.batchSize':
      'a step costs mostly per-op overhead, so 64 sequences (512 digits) per step rather than 256 keeps 1000 steps within the budget',
    'run.trainer.optimizer.lr': LR_WHY,
    'run.evalEvery': 'a measurement every 100 steps: 11 points per curve',
    seeds:
      'D.3 shows one curve per method; two seeds here, so the claims read the range over seeds as the spread (a run costs about 4 minutes)',
    'run.evalSequences': '1000 test sequences (8000 of A’s predictions, 4000 of B’s) per measurement: a point costs a few seconds',
  },
};

/** The run spec of a method and seed. */
export function twoClocksRunSpec(cfg: TwoClocksConfig, method: TwoClocksMethod, seed: number): TwoClocksRunSpec {
  return { ...cfg.run, trainer: { ...cfg.run.trainer, method, seed } };
}

/** Checks a config, naming the field: the seeds, the fields each run sets, and every run's spec. */
export function checkTwoClocks(cfg: TwoClocksConfig): TwoClocksConfig {
  checkKeys(cfg, ['run', 'seeds'], '');
  seedList(cfg.seeds, 'seeds');
  if (cfg.run && typeof cfg.run.trainer === 'object' && cfg.run.trainer) {
    if ('method' in cfg.run.trainer) throw new ConfigError('run.trainer.method', 'is not a setting here: the section runs every method');
    if ('seed' in cfg.run.trainer) throw new ConfigError('run.trainer.seed', "is not a setting here: the runs take theirs from 'seeds'");
  }
  for (const method of TWO_CLOCKS_METHODS) validateTwoClocksRun(twoClocksRunSpec(cfg, method, cfg.seeds[0]), 'run');
  return cfg;
}

/** Every method at every seed (cached under results/). */
export async function runTwoClocksSection(cfg: TwoClocksConfig): Promise<TwoClocksCell[]> {
  const cells: TwoClocksCell[] = [];
  for (const method of TWO_CLOCKS_METHODS) {
    for (const seed of cfg.seeds) {
      const run = await runTwoClocks(`14-${scale()}-${method}-s${seed}`, twoClocksRunSpec(cfg, method, seed), {
        label: `${TWO_CLOCKS_LABELS[method]}, seed ${seed}`,
      });
      cells.push({ method, seed, run });
    }
  }
  return cells;
}

export const TWO_CLOCKS_SECTION: Section<TwoClocksConfig, TwoClocksCell[]> = {
  paper: 'section D.3 (multi-network system; main text, Figure 7)',
  settings: 'section D.3',
  preset: TWO_CLOCKS_PRESET,
  check: checkTwoClocks,
  run: runTwoClocksSection,
  claims: (_c, cells) => twoClocksClaims(cells),
  summary: (_c, cells, claims) => twoClocksSentence(cells, claims),
};
