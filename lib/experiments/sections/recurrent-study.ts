/**
 * The search over a recurrent synthesizer's settings (paper D.2: "we searched over … whether to
 * backpropagate the synthetic gradient error into the LSTM core"), on Copy at one fixed level
 * with a held-out task seed: every variant is the same run but for the fields it names, and is
 * scored by its error at the end and by what its synthesizer was doing (recurrent-probe.ts).
 * The main runs (copy-repeat-copy.ts, fixed-copy.ts) use other task seeds.
 */
import type { CopyRunInput, CopyRunResult } from '../../runs/train-copy';
import type { RecurrentInput } from '../../trainers/recurrent-spec';
import { runCopy } from '../run-copy';
import type { Preset } from '../preset';
import { scale } from '../scale';

export interface StudyVariant {
  /** What differs from the base, in words (the table's first column). */
  name: string;
  /** The trainer's fields that differ from the base (method included). */
  trainer: Omit<RecurrentInput, 'inputs' | 'outputs' | 'T'> | { method: 'bptt' };
  /**
   * A DNI variant the choice may pick: it keeps D.2's structure (one hidden layer, the SG scaled
   * by 0.1, loss weights 1) and BPTT's learning rate, and is not a control.
   */
  eligible?: true;
  /**
   * 2: added by the second search, for the tracking choice, after the first had fixed the main
   * runs' settings; studyChoice reads the first search's rows only (the notebook prints the best
   * of all rows beside it).
   */
  round?: 2;
}

export interface StudyConfig {
  /** Every variant's run but the trainer's differences: a fixed level (threshold 0), a held-out dataSeed. */
  base: Omit<CopyRunInput, 'trainer'> & { trainer: Omit<RecurrentInput, 'inputs' | 'outputs' | 'method'> };
  variants: StudyVariant[];
}

const DNI = { method: 'dni' } as const;
// Weight 1 written out (it is the default), so the chosen variant reads as CHOSEN_DNI does.
const CORE = { method: 'dni', sgToCore: true, sgToCoreWeight: 1 } as const;

/** The variants (D.2's search and the levers the paper leaves open). */
const VARIANTS: StudyVariant[] = [
  { name: 'BPTT', trainer: { method: 'bptt' } },
  { name: 'BPTT, LSTM lr ÷3', trainer: { method: 'bptt', optimizer: { lr: 3e-4 } } },
  { name: 'DNI (D.2 settings)', trainer: DNI, eligible: true },
  { name: 'DNI, SG error into the core (weight 1)', trainer: CORE, eligible: true },
  { name: 'DNI, into the core, weight 0.1', trainer: { ...CORE, sgToCoreWeight: 0.1 } },
  { name: 'DNI, into the core, weight 10', trainer: { ...CORE, sgToCoreWeight: 10 } },
  { name: 'DNI, into the core, synthesizer Adam 1e-4', trainer: { ...CORE, synthesizerOptimizer: { lr: 1e-4 } }, eligible: true },
  { name: 'DNI, into the core, synthesizer Adam 3e-3', trainer: { ...CORE, synthesizerOptimizer: { lr: 3e-3 } }, eligible: true },
  { name: 'DNI, into the core, LSTM lr ÷3', trainer: { ...CORE, optimizer: { lr: 3e-4 } } },
  { name: 'DNI, into the core, batch-mean target units', trainer: { ...CORE, synthesizer: { targetUnits: 'batchMean' } }, eligible: true },
  { name: 'DNI, into the core, linear synthesizer', trainer: { ...CORE, synthesizer: { hiddenLayers: 0 } } },
  { name: 'DNI, into the core, two hidden layers', trainer: { ...CORE, synthesizer: { hiddenLayers: 2 } } },
  { name: 'DNI, into the core, target with the step’s loss', trainer: { ...CORE, sgTarget: 'withStepLoss' }, eligible: true },
  { name: 'DNI, into the core, raw bootstrap', trainer: { ...CORE, sgBootstrap: 'raw' }, eligible: true },
  { name: 'DNI, raw bootstrap', trainer: { ...DNI, sgBootstrap: 'raw' }, eligible: true },
  { name: 'DNI, into the core, weight 10, raw bootstrap', trainer: { ...CORE, sgToCoreWeight: 10, sgBootstrap: 'raw' } },
  { name: 'DNI+Aux, into the core', trainer: { ...CORE, method: 'dniAux' } },
  { name: 'Control: DNI, SG rows shuffled', trainer: { ...DNI, shuffleSG: true } },
  { name: 'Control: DNI, into the core, SG rows shuffled', trainer: { ...CORE, shuffleSG: true } },
  // The second search, for the tracking choice (indices keep the cached runs': new variants go
  // last). Dead ReLUs were the synthesizer's failure in the runs above: units that cannot die.
  { name: 'DNI, into the core, leaky ReLU', trainer: { ...CORE, synthesizer: { activation: 'leakyRelu' } }, eligible: true, round: 2 },
  { name: 'DNI, into the core, tanh', trainer: { ...CORE, synthesizer: { activation: 'tanh' } }, eligible: true, round: 2 },
  {
    name: 'DNI, into the core, batch-mean units, leaky ReLU',
    trainer: { ...CORE, synthesizer: { targetUnits: 'batchMean', activation: 'leakyRelu' } },
    eligible: true,
    round: 2,
  },
  {
    name: 'DNI, into the core, batch-mean units, tanh',
    trainer: { ...CORE, synthesizer: { targetUnits: 'batchMean', activation: 'tanh' } },
    eligible: true,
    round: 2,
  },
  {
    name: 'DNI, batch-mean units, leaky ReLU',
    trainer: { ...DNI, synthesizer: { targetUnits: 'batchMean', activation: 'leakyRelu' } },
    eligible: true,
    round: 2,
  },
  {
    name: 'DNI, into the core, batch-mean units, synthesizer Adam 1e-4',
    trainer: { ...CORE, synthesizer: { targetUnits: 'batchMean' }, synthesizerOptimizer: { lr: 1e-4 } },
    eligible: true,
    round: 2,
  },
];

/**
 * The DNI settings the study first chose (notebook 10's table): of the variants that keep D.2's
 * structure (one hidden layer, SG scaled by 0.1, loss weights 1) and BPTT's learning rate, the
 * lowest validation bits over the last quarter: the regression error backpropagated into the
 * core (D.2's own search), weighted 1 as a batch mean (sgToCoreWeight). Recomputed with another
 * float rounding (the fused LSTM kernel), the one-seed study ranks another variant first: one seed
 * does not separate them, so the runs keep D.2's searched setting (notebook 10, section 1, gives
 * the numbers).
 */
export const CHOSEN_DNI_FIELDS = { sgToCore: true, sgToCoreWeight: 1 } as const;
export const CHOSEN_DNI = { method: 'dni', ...CHOSEN_DNI_FIELDS } as const;

/**
 * The settings the study chose for tracking (notebook 10's second choice): of the eligible
 * variants whose synthetic gradient's cosine with the true future gradient was at least 0.2 over
 * the last quarter, the fewest validation bits: batch-mean target units with a leaky ReLU
 * (ReLU units in batch-mean units died in one seed of the fixed-level runs as first computed), SG
 * error into the core.
 */
export const TRACKING_DNI = { ...CHOSEN_DNI, synthesizer: { targetUnits: 'batchMean', activation: 'leakyRelu' } } as const;

/** The cosine with the true future gradient, over the last quarter, that counts as tracking. */
export const TRACKING_COSINE = 0.2;

const studyCpu: StudyConfig = {
  base: {
    trainer: { T: 3, hidden: 128, optimizer: { lr: 1e-3 } },
    curriculum: { kind: 'copy', start: { N: 3, R: 1 }, threshold: 0 },
    maxOffset: 2,
    steps: 3000,
    batchSize: 64,
    evalEvery: 150,
    evalSequences: 256,
    dataSeed: 7,
  },
  variants: VARIANTS,
};

export const STUDY_PRESET: Preset<StudyConfig> = {
  // The paper gives no study to reproduce: at its scale the same search, at its settings.
  paper: {
    ...studyCpu,
    base: { ...studyCpu.base, trainer: { T: 3, hidden: 256, optimizer: { lr: 7e-5 } }, steps: 100_000, batchSize: 256 },
  },
  cpu: studyCpu,
  smoke: {
    base: {
      ...studyCpu.base,
      trainer: { T: 3, hidden: 8, optimizer: { lr: 1e-2 } },
      steps: 20,
      batchSize: 8,
      evalEvery: 10,
      evalSequences: 16,
    },
    variants: VARIANTS.slice(2, 4),
  },
  why: {
    'base.trainer.hidden': '256 → 128 LSTM units, for time (as in the Copy runs)',
    'base.trainer.optimizer.lr': '7e-5 → 1e-3, as in the Copy runs',
    'base.steps': '3k batches of 64 per variant: ~1 min each',
    'base.batchSize': '256 → 64 sequences per batch, as in the Copy runs',
  },
};

export interface StudyRow {
  variant: StudyVariant;
  run: CopyRunResult;
}

/** Every variant's run (cached under results/ like the others). */
export async function runStudy(cfg: StudyConfig): Promise<StudyRow[]> {
  const rows: StudyRow[] = [];
  for (const [i, v] of cfg.variants.entries()) {
    const input = { ...cfg.base, trainer: { ...cfg.base.trainer, ...v.trainer } } as CopyRunInput;
    rows.push({ variant: v, run: await runCopy(`study-${scale()}-copy-${i}`, input, { label: v.name }) });
  }
  return rows;
}

/**
 * The study's choice: the eligible variant with the lowest bits per sequence over the last quarter
 * of checks, of the first search's rows (`rounds`: which rounds to read; all, for the best overall).
 */
export function studyChoice(rows: StudyRow[], rounds: 'first' | 'all' = 'first'): StudyRow {
  const read = rows.filter((r) => rounds === 'all' || r.variant.round === undefined);
  const ok = read.filter((r) => r.variant.eligible && Number.isFinite(lastQuarter(r.run, (h) => h.bits)));
  if (!ok.length) throw new Error('studyChoice: no eligible variant has a result');
  return ok.reduce((a, b) => (lastQuarter(b.run, (h) => h.bits) < lastQuarter(a.run, (h) => h.bits) ? b : a));
}

/** The study's tracking choice: the eligible variant with the fewest bits among those whose cosine with the true future gradient reached TRACKING_COSINE (null: none did). */
export function trackingChoice(rows: StudyRow[]): StudyRow | null {
  const cos = (r: StudyRow) => lastQuarter(r.run, (h) => h.probe?.cosTrue);
  const tracking = rows.filter((r) => r.variant.eligible && cos(r) >= TRACKING_COSINE);
  return tracking.length ? studyChoice(tracking, 'all') : null;
}

/** The mean of a run's numbers over its last quarter of checks (NaN where missing). */
export function lastQuarter<H>(run: { history: H[] }, value: (r: H) => number | undefined): number {
  const h = run.history;
  const tail = h.slice(Math.floor((3 * h.length) / 4));
  const vs = tail.map(value).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : NaN;
}
