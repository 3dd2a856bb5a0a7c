/**
 * A run of paper D.3 (two networks on two clocks): the trainer (lib/trainers/two-clocks.ts) on
 * fresh sequences of training digits, with both tasks' accuracies measured on a fixed set of
 * test sequences (evaluation mode: per-step running statistics).
 *
 *   const run = await trainTwoClocks(spec, loadMnist(), { onEval: (r) => console.log(r.step, r.accA, r.accB) });
 *
 * A record at each measurement: the step, sequences seen, both tasks' test accuracy and loss,
 * the training losses since the last measurement, and ('dni') the synthetic gradient's mean
 * cosine with the true gradient of the messages over those steps (measured on each training
 * batch before the updates). A non-finite loss stops the run with a DivergenceError.
 */
import { ConfigError } from '../core/errors';
import { DivergenceError } from '../core/errors';
import { Rng } from '../core/rng';
import { checkKeys, posInt } from '../core/validators';
import type { Dataset } from '../data/dataset';
import { type DigitCountBatch, digitCountBatch } from '../tasks/digit-counts';
import { TwoClocksTrainer } from '../trainers/two-clocks';
import { type TwoClocksSpec, validateTwoClocksSpec } from '../trainers/two-clocks-spec';

export interface TwoClocksRunSpec {
  trainer: TwoClocksSpec;
  steps: number;
  /** Sequences per batch. */
  batchSize: number;
  evalEvery: number;
  /** Test sequences of the fixed evaluation set. */
  evalSequences: number;
  /** Seeds the training sequences and the evaluation set. */
  dataSeed: number;
}

export interface TwoClocksRecord {
  step: number;
  /** Training sequences seen. */
  sequences: number;
  accA: number;
  accB: number;
  lossA: number;
  lossB: number;
  /** Mean training losses over the steps since the last record (NaN at step 0). */
  trainLossA: number;
  trainLossB: number;
  /** 'dni': mean cosine of the synthetic and the true gradient of the messages since the last record; NaN otherwise. */
  sgCosine: number;
  /** 'dni': mean regression loss of the synthesizer since the last record; NaN otherwise. */
  sgLoss: number;
  /** 'dni': mean ‖ĝ‖ / ‖∂L_B/∂m‖ (ĝ as consumed, × scale) since the last record; NaN otherwise. */
  sgNormRatio: number;
}

export interface TwoClocksResult {
  history: TwoClocksRecord[];
  msPerStep: number;
}

export function validateTwoClocksRun(s: TwoClocksRunSpec, path = 'run'): void {
  checkKeys(s, ['trainer', 'steps', 'batchSize', 'evalEvery', 'evalSequences', 'dataSeed'], path);
  validateTwoClocksSpec(s.trainer, `${path}.trainer`);
  for (const k of ['steps', 'evalEvery', 'evalSequences'] as const) posInt(s[k], `${path}.${k}`);
  posInt(s.batchSize, `${path}.batchSize`);
  // Training-mode batch normalisation needs two sequences.
  if (s.batchSize < 2) throw new ConfigError(`${path}.batchSize`, `must be at least 2 (batch normalisation), got ${s.batchSize}`);
  if (!Number.isInteger(s.dataSeed)) throw new ConfigError(`${path}.dataSeed`, `must be an integer, got ${s.dataSeed}`);
}

/** The fixed evaluation set, drawn from its own stream of the data seed, in batches of at most 500 sequences. */
function evaluationSet(test: Dataset, s: TwoClocksRunSpec): DigitCountBatch[] {
  const rng = new Rng(s.dataSeed + 7919);
  const out: DigitCountBatch[] = [];
  for (let left = s.evalSequences; left > 0; left -= 500) out.push(digitCountBatch(test, Math.min(500, left), s.trainer.data, rng));
  return out;
}

export async function trainTwoClocks(
  s: TwoClocksRunSpec,
  data: { train: Dataset; test: Dataset },
  opts: { onEval?: (r: TwoClocksRecord) => void } = {},
): Promise<TwoClocksResult> {
  validateTwoClocksRun(s);
  const trainer = new TwoClocksTrainer(s.trainer);
  const evalSet = evaluationSet(data.test, s);
  const rng = new Rng(s.dataSeed);
  const history: TwoClocksRecord[] = [];
  const since = { lossA: 0, lossB: 0, cos: 0, sg: 0, ratio: 0, n: 0 };
  const measure = (step: number) => {
    let [lossA, lossB, accA, accB, n] = [0, 0, 0, 0, 0];
    for (const b of evalSet) {
      const e = trainer.evaluate(b);
      lossA += e.lossA * b.batch;
      lossB += e.lossB * b.batch;
      accA += e.accA * b.batch;
      accB += e.accB * b.batch;
      n += b.batch;
    }
    const mean = (v: number) => (since.n ? v / since.n : Number.NaN);
    const r: TwoClocksRecord = {
      step,
      sequences: step * s.batchSize,
      accA: accA / n,
      accB: accB / n,
      lossA: lossA / n,
      lossB: lossB / n,
      trainLossA: mean(since.lossA),
      trainLossB: mean(since.lossB),
      sgCosine: mean(since.cos),
      sgLoss: mean(since.sg),
      sgNormRatio: mean(since.ratio),
    };
    for (const [k, v] of Object.entries(r)) {
      if (!k.startsWith('sg') && !k.startsWith('train') && !Number.isFinite(v)) throw new DivergenceError(step, k, v);
    }
    Object.assign(since, { lossA: 0, lossB: 0, cos: 0, sg: 0, ratio: 0, n: 0 });
    history.push(r);
    opts.onEval?.(r);
  };
  measure(0);
  const t0 = Date.now();
  for (let step = 1; step <= s.steps; step++) {
    const st = trainer.step(digitCountBatch(data.train, s.batchSize, s.trainer.data, rng));
    if (!Number.isFinite(st.lossA)) throw new DivergenceError(step, 'training loss of A', st.lossA);
    if (!Number.isFinite(st.lossB)) throw new DivergenceError(step, 'training loss of B', st.lossB);
    since.lossA += st.lossA;
    since.lossB += st.lossB;
    since.cos += st.sgCosine;
    since.sg += st.sgLoss;
    since.ratio += st.sgNormRatio;
    since.n++;
    if (step % s.evalEvery === 0 || step === s.steps) measure(step);
    if (step % 20 === 0) await new Promise((r) => setImmediate(r)); // let a notebook's output through
  }
  return { history, msPerStep: (Date.now() - t0) / s.steps };
}
