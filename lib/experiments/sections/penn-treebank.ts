/**
 * Penn Treebank at the character level (main text, Figure 16; settings in D.2; notebook 11): an
 * LSTM language model trained with truncated BPTT, DNI and DNI+Aux at a few unrolls T, scored by
 * the test BPC of each run's best validation checkpoint.
 */
import type { CharLmInput, CharLmResult } from '../../runs/train-char-lm';
import type { RecurrentInput, RecurrentMethod } from '../../trainers/recurrent-spec';
import { runTag } from '../../core/validators';
import { shownText, type Claim } from '../claim';
import { runCharLm } from '../run-char-lm';
import { RECURRENT_LABELS } from '../methods';
import type { Preset } from '../preset';
import { LAST_EVALS } from '../results';
import { scale } from '../scale';
import { range, TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import type { Section } from '../section';
import { CHOSEN_DNI_FIELDS } from './recurrent-study';

/** Global-norm gradient clipping for every method (chosen on validation: PTB_STUDY in ptb-study.ts). */
export const PTB_CLIP = 1;

export interface CharLmConfig {
  methods: RecurrentMethod[];
  /** The BPTT unrolls compared (Figure 16 starts at T = 2). */
  Ts: number[];
  /** Trainer seeds: one run per seed and cell. */
  seeds: number[];
  /** Goes into the runs' names, so a variant's runs (other trainer fields) are cached apart ('': the main runs). */
  tag: string;
  /** Every run's settings, less the method and T. */
  run: Omit<CharLmInput, 'trainer'> & { trainer: Omit<RecurrentInput, 'method' | 'T' | 'inputs' | 'outputs'> };
}

const ptbPaper: CharLmConfig = {
  methods: ['bptt', 'dni', 'dniAux'],
  // The unrolls of the main text's Table 1 (Figure 16 plots several, from T = 2).
  Ts: [2, 3, 4, 5, 8],
  seeds: [0],
  tag: '',
  run: {
    // D.2: 1024 units, Adam 7e-5, no decay, no regularisation; the SG error into the core, one side of D.2's search (chosen in notebook 10).
    trainer: { ...CHOSEN_DNI_FIELDS, hidden: 1024, optimizer: { lr: 7e-5 } },
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
    Ts: [2, 4, 8],
    seeds: [0, 1],
    run: {
      trainer: { ...CHOSEN_DNI_FIELDS, hidden: 256, optimizer: { lr: 4e-3 }, clipNorm: PTB_CLIP },
      steps: 6_000,
      batchSize: 64,
      evalEvery: 500,
      validChars: 50_000,
      evalStreams: 0,
      evalPieceChars: 1000,
      patience: 0,
    },
  },
  smoke: {
    ...ptbPaper,
    Ts: [2],
    run: {
      trainer: { ...CHOSEN_DNI_FIELDS, hidden: 8, optimizer: { lr: 1e-2 }, clipNorm: PTB_CLIP },
      steps: 10,
      batchSize: 4,
      evalEvery: 5,
      validChars: 500,
      evalStreams: 256,
      patience: 0,
    },
  },
  why: {
    Ts: 'T = 2, 4 and 8 (the paper: 2–8): three unrolls keep the 18 runs within ~15 min on 2 cores',
    seeds: 'the paper shows one run per cell; 2 seeds here, for the tie rule',
    'run.trainer.sgToCore':
      'the paper searched it (D.2); chosen on Copy’s validation study (notebook 10) and kept on PTB’s (the table in notebook 11)',
    'run.trainer.clipNorm':
      'the paper mentions no clipping; a global norm of 1 for every method, chosen on the validation split (the study in notebook 11), after a DNI run at T = 2 without clipping had blown up in an earlier version of this notebook',
    'run.evalPieceChars':
      'not stated: validation and test both in pieces of 1,000 characters, each from a zero state, so early stopping selects on the protocol that is reported',
    'run.trainer.hidden': '1024 → 256 LSTM units, for time',
    'run.trainer.optimizer.lr':
      '7e-5 → 4e-3, chosen for the BPTT baseline on validation as the paper did (T = 4, 6k steps, validation prefix, no clipping): 1e-3 2.31, 2e-3 2.12, 4e-3 2.00, 8e-3 2.01 BPC',
    'run.steps':
      'not stated (the paper stops when validation gets worse) → 6k steps of 64 × T characters (1.5M characters at T = 4, 0.3 epoch): ~1–3 min per run, two runs at a time on 2 cores',
    'run.batchSize': '256 → 64 streams: more updates in the time',
    'run.evalEvery': 'a validation every 500 steps: 12 points per curve',
    'run.validChars': 'validation on the first 50k of the 393k validation characters, for time (the test BPC is on the whole test split)',
    'run.patience': 'no early end: the short budget is run to the end, and the best checkpoint is kept',
  },
};

/** The sample each run draws from its best checkpoint (part of the run's spec, so of its cache key). */
export const PTB_SAMPLE = { prime: 'the_', length: 300, temperature: 0.8, seed: 1 };

/** A Penn Treebank character-LM run of a method at an unroll T and a seed. */
export interface CharLmCell {
  method: 'bptt' | 'dni' | 'dniAux';
  T: number;
  seed: number;
  run: CharLmResult;
}

/** Every T × method of the config, in order, each drawing `sample`. */
async function runCharLmCells(cfg: CharLmConfig, sample = PTB_SAMPLE): Promise<CharLmCell[]> {
  const cells: CharLmCell[] = [];
  for (const T of cfg.Ts) {
    for (const method of cfg.methods) {
      for (const seed of cfg.seeds) {
        const run = await runCharLm(
          `ptb-${scale()}-${cfg.tag ? `${cfg.tag}-` : ''}${method}-T${T}-s${seed}`,
          { ...cfg.run, trainer: { ...cfg.run.trainer, method, T, seed }, generate: [sample] },
          { label: `PTB ${method} T=${T} seed ${seed}` },
        );
        cells.push({ method, T, seed, run });
      }
    }
  }
  return cells;
}

/** The run with the lowest test BPC. */
export function bestCharLm(cells: CharLmCell[]): CharLmCell {
  return cells.reduce((a, b) => (b.run.testBpc < a.run.testBpc ? b : a));
}

/** A run's spread under the tie rule with one seed: the range of its last LAST_EVALS validation BPCs. */
export function bpcSpread(run: CharLmResult): number {
  return range(run.history.slice(-LAST_EVALS).map((h) => h.validBpc));
}

/** The spread of a cell: the range of its seeds' test BPCs, or with one seed its bpcSpread. */
function cellSpread(runs: CharLmResult[]): number {
  return runs.length > 1 ? range(runs.map((r) => r.testBpc)) : bpcSpread(runs[0]);
}

const meanBpc = (runs: CharLmResult[]) => runs.reduce((s, r) => s + r.testBpc, 0) / runs.length;

/**
 * The main text on Penn Treebank (Figure 16): at a given T, DNI improves the test BPC over
 * truncated BPTT, and DNI+Aux more so. Judged on the test BPC of each run's best validation
 * checkpoint (mean over seeds) by the tie rule (tie-rule.ts): the spread is the larger of the
 * two cells' ranges over seeds.
 */
export function charLmClaims(cells: CharLmCell[]): Claim[] {
  const Ts = [...new Set(cells.map((c) => c.T))].sort((a, b) => a - b);
  const runs = (m: CharLmCell['method'], T: number) => cells.filter((c) => c.method === m && c.T === T).map((c) => c.run);
  const better = (a: CharLmCell['method'], b: CharLmCell['method'], claim: string): Claim => {
    const d = Ts.map((T) => ({ T, a: runs(a, T), b: runs(b, T) })).filter((x) => x.a.length && x.b.length);
    const name = RECURRENT_LABELS;
    const spread = (x: (typeof d)[number]) => Math.max(cellSpread(x.a), cellSpread(x.b));
    return {
      claim,
      criterion: `${name[a]}'s test BPC (best validation checkpoint, mean over seeds) below ${name[b]}'s at every T; ${TIE_RULE_TEXT}`,
      verdict: verdictOf(d.map((x) => ({ favour: meanBpc(x.b) - meanBpc(x.a), spread: spread(x) }))),
      evidence: d
        .map(
          (x) =>
            `T = ${x.T}: ${name[a]} ${meanBpc(x.a).toFixed(3)}, ${name[b]} ${meanBpc(x.b).toFixed(3)} (spread ${spread(x).toFixed(3)})`,
        )
        .join('; '),
    };
  };
  return [
    better('dni', 'bptt', 'DNI improves BPC at a given T (main text, Figure 16)'),
    better('dniAux', 'dni', 'DNI+Aux improves it further (main text, Figure 16)'),
  ];
}

export const PTB_SECTION: Section<CharLmConfig, CharLmCell[]> = {
  paper: 'main text (Penn Treebank), Figure 16',
  settings: 'section D.2',
  preset: PTB_PRESET,
  check: (c) => {
    runTag(c.tag, 'tag'); // each run's spec is validated by runCharLm, naming the field
    return c;
  },
  run: (c) => runCharLmCells(c),
  claims: (_, cells) => charLmClaims(cells),
  summary: (c, cells, claims) =>
    `After ${c.run.steps} steps of ${c.run.batchSize} streams, the test BPC of the best checkpoints was ` +
    cells.map((x) => `${RECURRENT_LABELS[x.method]} T=${x.T} seed ${x.seed}: ${x.run.testBpc.toFixed(3)}`).join(', ') +
    ` (a 1000-unit LSTM reaches about 1.3–1.4 in the literature); ${shownText(claims)}.`,
};
