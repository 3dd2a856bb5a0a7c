/**
 * Training on Copy or Repeat Copy with the curriculum (paper D.2, Figure 17): the run loop
 * (loop.ts, runLoop) with a RecurrentTrainer, fresh sequences at the curriculum's current level
 * for every batch, and a curriculum check at every evaluation.
 *
 *   const run = await trainCopy({
 *     trainer: { method: 'dni', T: 5, hidden: 256 },
 *     curriculum: { kind: 'copy' },
 *     steps: 2000, batchSize: 64, evalEvery: 50,
 *   });
 *   run.history.map((r) => [r.samples, r.dependency]);   // Figure 17's axes
 *
 * The check: every `evalEvery` steps, `evalSequences` fresh sequences of the current level (from
 * a stream of their own, never trained on) are scored in bits per sequence; below the threshold
 * (0.15 bits) the level counts as solved and the next batch is of the next level.
 */
import { checkKeys, join, nonNegInt, posInt } from '../core/validators';
import { ConfigError } from '../core/errors';
import { Rng } from '../core/rng';
import {
  COPY_OUTPUTS,
  copyBatch,
  copyInputs,
  type CopyLevel,
  CopyStream,
  copyTensors,
  disposeSequenceBatch,
  PATTERN_BITS,
  timeDependency,
} from '../tasks/copy';
import { probeSynthesizer, type SynthesizerProbe } from '../trainers/recurrent-probe';
import { type CrossingError, crossingErrors } from './copy-check';
import { type Advance, Curriculum, CURRICULUM_KEYS, type CurriculumSpec, curriculumSpec } from '../tasks/curriculum';
import type { SequenceBatch } from '../tasks/sequence';
import { type EvalRecord, type LoopFeed, runLoop } from './loop';
import { RecurrentTrainer } from '../trainers/recurrent';
import { type RecurrentInput, type RecurrentSpec, recurrentSpec } from '../trainers/recurrent-spec';

export interface CopyRunSpec {
  /** The trainer; its inputs and outputs are the task's. */
  trainer: RecurrentSpec;
  curriculum: CurriculumSpec;
  /** Batches of fresh sequences (one or more θ updates each: one per chunk). The paper: 2.5M. */
  steps: number;
  /** Sequences per batch (the paper: 256). */
  batchSize: number;
  /** Steps between curriculum checks (a point of each curve). */
  evalEvery: number;
  /** Fresh sequences scored at each check; 0 = batchSize. */
  evalSequences: number;
  /** Seed of the training and checking streams. */
  dataSeed: number;
  /** Stop at the first check after this many levels are solved (0: run all the steps). */
  stopAfter: number;
  /** Sequences start after 0 … maxOffset blank steps, so they meet the chunk boundaries at varied phases (0: all at step 0). */
  maxOffset: number;
  /** Sequences of the fixed probe batch of the synthesizer (recurrent-probe.ts) at each check; 0: no probe. */
  probeSequences: number;
}

export type CopyRunInput = Partial<Omit<CopyRunSpec, 'trainer' | 'curriculum'>> &
  Pick<CopyRunSpec, 'steps'> & {
    trainer: Omit<RecurrentInput, 'inputs' | 'outputs'> & Partial<Pick<RecurrentInput, 'inputs' | 'outputs'>>;
    curriculum: Partial<CurriculumSpec> & Pick<CurriculumSpec, 'kind'>;
  };

export const COPY_RUN_DEFAULTS = {
  batchSize: 256,
  evalEvery: 100,
  evalSequences: 0,
  dataSeed: 0,
  stopAfter: 0,
  maxOffset: 0,
  probeSequences: 64,
};

export const COPY_RUN_KEYS = ['trainer', 'curriculum', 'steps', ...Object.keys(COPY_RUN_DEFAULTS)];

/** Fill defaults (the trainer's sizes from the task) and validate; `path` prefixes field names in errors. */
export function copyRunSpec(partial: CopyRunInput, path = ''): CopyRunSpec {
  checkKeys(partial, COPY_RUN_KEYS, path);
  if (partial.curriculum === undefined) throw new ConfigError(join(path, 'curriculum'), 'missing');
  if (partial.trainer === undefined) throw new ConfigError(join(path, 'trainer'), 'missing');
  checkKeys(partial.curriculum, CURRICULUM_KEYS, join(path, 'curriculum'));
  const curriculum = curriculumSpec(partial.curriculum, join(path, 'curriculum'));
  const kind = curriculum.kind;
  const t = partial.trainer;
  for (const [k, want] of [
    ['inputs', copyInputs(kind)],
    ['outputs', COPY_OUTPUTS],
  ] as const) {
    if (t[k] !== undefined && t[k] !== want) throw new ConfigError(join(path, `trainer.${k}`), `is ${t[k]}, but ${kind} has ${want}`);
  }
  const trainer = recurrentSpec({ ...t, inputs: copyInputs(kind), outputs: COPY_OUTPUTS } as RecurrentInput, join(path, 'trainer'));
  const spec: CopyRunSpec = { ...COPY_RUN_DEFAULTS, ...partial, trainer, curriculum };
  for (const k of ['steps', 'batchSize', 'evalEvery'] as const) posInt(spec[k], join(path, k));
  for (const k of ['evalSequences', 'dataSeed', 'stopAfter', 'maxOffset', 'probeSequences'] as const) nonNegInt(spec[k], join(path, k));
  return spec;
}

/** One curriculum check. */
export interface CopyRecord {
  step: number;
  /** Sequences trained on so far (Figure 17's x-axis). */
  samples: number;
  /** The level being trained at the check. */
  level: CopyLevel;
  /** Bits per sequence of the check's fresh sequences at that level. */
  bits: number;
  /** Fraction of those sequences with a wrong bit. */
  error: number;
  /** Mean training bits per sequence since the previous check (training mode, before each update). */
  trainBits: number;
  /** The last level solved after the check (null before the first) and its time dependency (Figure 17's y-axis; 0 before). */
  solved: CopyLevel | null;
  dependency: number;
  /** The trainer's statistics averaged since the previous check (sgLoss, sgTargetCosine: the synthetic gradient's cosine with its target, auxLoss). */
  series: Record<string, number[]>;
  /** The synthesizer on the fixed probe batch at the check's level (null: none, or no boundary). */
  probe: SynthesizerProbe | null;
  /** The check's bit error by chunk boundaries crossed between read and write. */
  crossings: CrossingError[];
  seconds: number;
}

export interface CopyRunResult {
  history: CopyRecord[];
  final: CopyRecord;
  advances: Advance[];
  /** The highest level solved (null: none) and its time dependency. */
  maxSolved: CopyLevel | null;
  maxDependency: number;
  /** θ updates (chunks) and sequences over the run. */
  updates: number;
  samples: number;
  /** Mean milliseconds per batch, checks excluded. */
  msPerStep: number;
}

/** Train from scratch through the curriculum. The trainer is disposed at the end unless `keep` takes it. */
export async function trainCopy(
  partial: CopyRunInput,
  opts: { onEval?: (r: CopyRecord, spec: CopyRunSpec) => void; keep?: (t: RecurrentTrainer) => void } = {},
): Promise<CopyRunResult> {
  const spec = copyRunSpec(partial);
  const trainer = new RecurrentTrainer(spec.trainer);
  const curriculum = new Curriculum(spec.curriculum.kind, spec.curriculum);
  const kind = spec.curriculum.kind;
  // Two streams: what is trained on is never checked on.
  const train = new CopyStream(kind, spec.batchSize, spec.dataSeed, spec.maxOffset);
  const check = new CopyStream(kind, spec.evalSequences || spec.batchSize, spec.dataSeed + 1_000_003, spec.maxOffset);
  // The probe batch is the same at every check of a level: a generator restarted from one seed.
  const probeAt = (level: CopyLevel) => {
    if (!spec.probeSequences || !trainer.synthesizer) return null;
    const b = copyBatch(kind, level, spec.probeSequences, new Rng(spec.dataSeed + 2_000_003), spec.maxOffset);
    const p = probeSynthesizer(trainer, b);
    disposeSequenceBatch(b);
    return p;
  };
  let crossings: CrossingError[] = [];
  const feed: LoopFeed<SequenceBatch> = {
    next: () => train.next(curriculum.level),
    release: disposeSequenceBatch,
    test: () => {
      const a = check.nextArrays(curriculum.level);
      const b = copyTensors(kind, a);
      const r = trainer.evaluate(b);
      disposeSequenceBatch(b);
      crossings = crossingErrors(trainer, a, curriculum.level);
      return { loss: r.loss / r.n, error: r.errors / r.n };
    },
    trainError: () => NaN,
  };
  const history: CopyRecord[] = [];
  const onEval = (r: EvalRecord) => {
    const level = { ...curriculum.level };
    curriculum.report(r.testLoss, r.step);
    const rec: CopyRecord = {
      step: r.step,
      samples: r.step * spec.batchSize,
      level,
      bits: r.testLoss,
      error: r.testError,
      trainBits: r.trainLoss,
      solved: curriculum.solved,
      dependency: curriculum.solvedDependency,
      series: r.series,
      probe: probeAt(level),
      crossings,
      seconds: r.seconds,
    };
    history.push(rec);
    opts.onEval?.(rec, spec);
  };
  const stop = () => spec.stopAfter > 0 && curriculum.advances.length >= spec.stopAfter;
  // Bits per sequence of a coin toss for every output bit of the current level.
  const chance = () => PATTERN_BITS * curriculum.level.N * curriculum.level.R;
  let msPerStep: number;
  try {
    msPerStep = (await runLoop(trainer, feed, { steps: spec.steps, evalEvery: spec.evalEvery, onEval, stop, chance })).msPerStep;
    opts.keep?.(trainer);
  } finally {
    if (!opts.keep) trainer.dispose();
  }
  const maxSolved = curriculum.solved;
  return {
    history,
    final: history[history.length - 1],
    advances: curriculum.advances,
    maxSolved,
    maxDependency: maxSolved ? timeDependency(kind, maxSolved) : 0,
    updates: trainer.updates,
    samples: trainer.samples,
    msPerStep,
  };
}
