/**
 * Character-level language modelling (paper D.2, Penn Treebank, Figure 16): the run loop
 * (loop.ts, runLoop) with a RecurrentTrainer on the softmax task, the training split read as
 * contiguous streams, validation BPC at intervals, early stopping, and the test BPC of the best
 * checkpoint.
 *
 *   const corpus = loadPtb('char');
 *   const run = await trainCharLm({ trainer: { method: 'dni', T: 4, hidden: 256 }, steps: 3000, batchSize: 32, evalEvery: 250 }, corpus);
 *   run.history.map((r) => [r.samples, r.validBpc]);   // validation curve against characters consumed
 *   run.testBpc;                                        // the best checkpoint's, on the whole test split
 *
 * Training: the split is cut into `batchSize` contiguous streams (runs/char-lm/streams.ts), and every
 * training batch is the next chunk of T steps of every stream (one θ update each). Batches
 * continue each other (`starts: false`, `ends: false`), so the LSTM state, and with DNI the
 * pending synthetic gradient, carry from one batch to the next; both are reset where the streams
 * restart (a new epoch), and the chunk that reaches the streams' end uses no synthetic gradient
 * (nothing follows it).
 *
 * Validation (every `evalEvery` steps and after the last): BPC of the validation split, or of its
 * first `validChars` symbols, as defined in runs/char-lm/evaluate.ts: `evalStreams` contiguous pieces, the
 * state carried across chunks and reset to zero at the start of each evaluation. EarlyStopping
 * (runs/char-lm/early-stop.ts) keeps a copy of every parameter (θ and the synthesizer's φ) at the best
 * validation BPC; at the end that copy is restored and scored on the whole test split the same way.
 * With `patience`, training ends early once that many validations in a row bring no new best.
 * `generate` samples text from the best checkpoint, so a cached run keeps some (the model is not kept).
 */
import * as tf from '@tensorflow/tfjs';
import { checkKeys, join, nonNegInt, posInt } from '../core/validators';
import type { PtbCorpus } from '../data/ptb';
import { ConfigError } from '../core/errors';
import { symbolBatch } from './char-lm/batches';
import { EarlyStopping } from './char-lm/early-stop';
import { evaluateText } from './char-lm/evaluate';
import { checkSampleOptions, type SampleOptions, sampleText } from './char-lm/sample';
import { StreamBatcher } from './char-lm/streams';
import { disposeSequenceBatch } from '../tasks/copy';
import type { SequenceBatch } from '../tasks/sequence';
import { softmaxTask } from '../tasks/softmax';
import { type EvalRecord, type LoopFeed, runLoop } from './loop';
import { RecurrentTrainer } from '../trainers/recurrent';
import { type RecurrentInput, type RecurrentSpec, recurrentSpec } from '../trainers/recurrent-spec';
import type { Trainer } from '../trainers/trainer';
import { probeCharLm, probePieces } from './char-lm/probe';
import type { SynthesizerProbe } from '../trainers/recurrent-probe';

export interface CharLmSpec {
  /** The trainer; inputs and outputs are the vocabulary size (one-hot in, logits out), T a number. */
  trainer: RecurrentSpec;
  /** Training batches, each one chunk of T steps and one θ update (the paper's iterations). */
  steps: number;
  /** Streams, one per batch row (the paper: 256). */
  batchSize: number;
  /** Steps between validations (the paper: 5000). */
  evalEvery: number;
  /** Validate on the first validChars symbols of the validation split; 0 = all of it. */
  validChars: number;
  /** Contiguous pieces scored side by side at evaluation (runs/char-lm/evaluate.ts); 0 = batchSize. */
  evalStreams: number;
  /**
   * > 0: score both splits in pieces of this many characters instead (⌈N / evalPieceChars⌉ pieces
   * each), so validation (early stopping) and test are one protocol whatever their lengths.
   */
  evalPieceChars: number;
  /**
   * Stop after this many validations in a row without a new best (D.2 stops "once validation
   * error starts to increase": 1); 0 = run all the steps.
   */
  patience: number;
  /** Text to generate from the best checkpoint at the end (runs/char-lm/sample.ts), one string per entry of the result's `generated`. */
  generate: SampleOptions[];
  /** Future steps whose losses make the true gradient of the synthesizer probe (char-lm/probe.ts) at each validation; 0: no probe. */
  probeWindow: number;
}

export type CharLmInput = Partial<Omit<CharLmSpec, 'trainer'>> &
  Pick<CharLmSpec, 'steps'> & {
    trainer: Omit<RecurrentInput, 'inputs' | 'outputs'> & Partial<Pick<RecurrentInput, 'inputs' | 'outputs'>>;
  };

/** D.2's batch and validation interval; the whole validation split; no early end; no text generated. */
export const CHAR_LM_DEFAULTS: Omit<CharLmSpec, 'trainer' | 'steps'> = {
  batchSize: 256,
  evalEvery: 5000,
  validChars: 0,
  evalStreams: 0,
  evalPieceChars: 0,
  patience: 0,
  generate: [],
  probeWindow: 20,
};

export const CHAR_LM_KEYS = ['trainer', 'steps', ...Object.keys(CHAR_LM_DEFAULTS)];

/** Fill defaults (the trainer's sizes from the vocabulary) and validate; `path` prefixes field names in errors. */
export function charLmSpec(partial: CharLmInput, vocabSize: number, path = ''): CharLmSpec {
  checkKeys(partial, CHAR_LM_KEYS, path);
  if (partial.trainer === undefined) throw new ConfigError(join(path, 'trainer'), 'missing');
  const t = partial.trainer;
  for (const k of ['inputs', 'outputs'] as const) {
    if (t[k] !== undefined && t[k] !== vocabSize)
      throw new ConfigError(join(path, `trainer.${k}`), `is ${t[k]}, but the vocabulary has ${vocabSize} symbols`);
  }
  // A stream has no end to unroll to: BPTT is always truncated at T.
  if (t.T === 'full')
    throw new ConfigError(join(path, 'trainer.T'), "must be a number of steps for a language model ('full' has no end in a stream)");
  const trainer = recurrentSpec({ ...t, inputs: vocabSize, outputs: vocabSize } as RecurrentInput, join(path, 'trainer'));
  const spec: CharLmSpec = { ...CHAR_LM_DEFAULTS, ...partial, trainer };
  for (const k of ['steps', 'batchSize', 'evalEvery'] as const) posInt(spec[k], join(path, k));
  for (const k of ['validChars', 'evalStreams', 'evalPieceChars', 'patience', 'probeWindow'] as const) nonNegInt(spec[k], join(path, k));
  if (spec.validChars === 1) throw new ConfigError(join(path, 'validChars'), 'must be 0 (all) or at least 2 (one prediction)');
  if (!Array.isArray(spec.generate))
    throw new ConfigError(join(path, 'generate'), `must be a list of sampling options, got ${JSON.stringify(spec.generate)}`);
  spec.generate.forEach((g, i) => checkSampleOptions(g, join(path, `generate[${i}]`)));
  return spec;
}

/** One validation. */
export interface CharLmRecord {
  step: number;
  /** Training characters consumed so far (batch rows × steps read): Figure 16's x-axis in samples. */
  samples: number;
  /** Bits per character on the validation split (or its prefix). */
  validBpc: number;
  /**
   * Mean training loss in bits per character since the previous validation (training mode,
   * before each update), over the steps whose statistics were read (every evalEvery/20-th).
   */
  trainBpc: number;
  /** The trainer's statistics averaged since the previous validation (sgLoss, sgTargetCosine: the synthetic gradient's cosine with its target, auxLoss). */
  series: Record<string, number[]>;
  /** The synthesizer on the fixed probe batch of the validation split (null: none). */
  probe: SynthesizerProbe | null;
  /** Wall-clock seconds since the start, validations included. */
  seconds: number;
}

export interface CharLmResult {
  history: CharLmRecord[];
  final: CharLmRecord;
  /** The best validation (the checkpoint kept). */
  best: { step: number; samples: number; validBpc: number };
  /** BPC of the best checkpoint on the whole test split. */
  testBpc: number;
  /** Text generated by the best checkpoint, one per entry of spec.generate. */
  generated: string[];
  /** Predictions scored per validation and at the test (symbols − 1). */
  validChars: number;
  testChars: number;
  /** θ updates and training characters over the run. */
  updates: number;
  samples: number;
  /** Mean milliseconds per training step (one chunk), validations excluded. */
  msPerStep: number;
}

/**
 * The training batches: the next T steps of every stream (StreamBatcher), inputs one-hot at step
 * t and targets at t + 1. A batch starts the sequences only at the first chunk and where the
 * streams restart, and ends them only at the chunk that reaches the streams' end.
 */
export class CharLmBatches {
  private readonly streams: StreamBatcher;
  private first = true;
  /** Characters read so far (rows × steps). */
  chars = 0;

  constructor(
    train: Int32Array,
    readonly batch: number,
    readonly T: number,
    readonly vocabSize: number,
  ) {
    this.streams = new StreamBatcher(train, batch, { batch: 'batchSize', T: 'trainer.T', corpus: 'training split' });
  }

  next(): SequenceBatch {
    const c = this.streams.next(this.T);
    const b = symbolBatch(c.inputs, c.targets, this.vocabSize, { starts: this.first || c.restarted, ends: c.ends });
    this.first = false;
    this.chars += this.batch * c.inputs[0].length;
    return b;
  }
}

/** A copy of every parameter's values, in params() order. */
export function snapshotParams(trainer: RecurrentTrainer): Float32Array[] {
  return trainer.params().map((p) => (p.dataSync() as Float32Array).slice());
}

/** Set every parameter to a snapshot's values. */
function restoreParams(trainer: RecurrentTrainer, snapshot: Float32Array[]): void {
  const ps = trainer.params();
  if (ps.length !== snapshot.length) throw new Error(`restoreParams: ${snapshot.length} arrays for ${ps.length} parameters`);
  ps.forEach((p, i) => tf.tidy(() => p.assign(tf.tensor(snapshot[i], p.shape))));
}

/** The trainer as the run loop sees it: the step's loss in bits per character (÷ the chunk's length). */
function perCharacter(trainer: RecurrentTrainer): Trainer<SequenceBatch> {
  return {
    get steps() {
      return trainer.steps;
    },
    step(batch, opts) {
      const s = trainer.step(batch, opts);
      // The trainer's error counts rows with any wrong symbol: no use for a language model.
      return s && { ...s, loss: s.loss / batch.x.shape[0], error: NaN };
    },
    evaluate: (batch) => trainer.evaluate(batch),
    dispose: () => trainer.dispose(),
  };
}

/**
 * Train from scratch, validate, keep the best checkpoint, and score it on the test split. The
 * trainer is disposed at the end unless `keep` takes it: it then holds the best checkpoint's
 * parameters (the optimizers' moments are the last step's).
 */
export async function trainCharLm(
  partial: CharLmInput,
  corpus: Pick<PtbCorpus, 'train' | 'valid' | 'test' | 'vocab'>,
  opts: { onEval?: (r: CharLmRecord, spec: CharLmSpec) => void; keep?: (t: RecurrentTrainer) => void } = {},
): Promise<CharLmResult> {
  const V = corpus.vocab.itos.length;
  const spec = charLmSpec(partial, V);
  if (spec.validChars > corpus.valid.length)
    throw new ConfigError('validChars', `is ${spec.validChars}, but the validation split has ${corpus.valid.length} symbols`);
  for (const [split, ids] of [
    ['validation', corpus.valid],
    ['test', corpus.test],
  ] as const) {
    if (ids.length < 2) throw new Error(`trainCharLm: the ${split} split has ${ids.length} symbols, nothing to predict`);
  }
  spec.generate.forEach((g, i) => checkSampleOptions(g, `generate[${i}]`, corpus.vocab));
  // Before training, not at the first validation: the probe's pieces must fit the validation split.
  if (spec.probeWindow && spec.trainer.method !== 'bptt') probePieces(corpus.valid, spec.trainer.T as number, spec.probeWindow);
  const T = spec.trainer.T as number;
  const valid = spec.validChars ? corpus.valid.subarray(0, spec.validChars) : corpus.valid;
  const streamsFor = (text: Int32Array) =>
    spec.evalPieceChars ? Math.ceil((text.length - 1) / spec.evalPieceChars) : spec.evalStreams || spec.batchSize;
  const batches = new CharLmBatches(corpus.train, spec.batchSize, T, V);
  const trainer = new RecurrentTrainer(spec.trainer, softmaxTask);
  const keepBest = new EarlyStopping<Float32Array[]>();
  const feed: LoopFeed<SequenceBatch> = {
    next: () => batches.next(),
    release: disposeSequenceBatch,
    test: () => ({ loss: evaluateText(trainer, valid, { streams: streamsFor(valid), text: 'the validation split' }).bpc, error: NaN }),
    trainError: () => NaN,
  };
  const history: CharLmRecord[] = [];
  const onEval = (r: EvalRecord) => {
    const rec: CharLmRecord = {
      step: r.step,
      samples: batches.chars,
      validBpc: r.testLoss,
      trainBpc: r.trainLoss,
      series: r.series,
      probe: probeCharLm(trainer, corpus.valid, V, spec.probeWindow),
      seconds: r.seconds,
    };
    keepBest.offer(r.step, r.testLoss, () => snapshotParams(trainer));
    history.push(rec);
    opts.onEval?.(rec, spec);
  };
  let result: CharLmResult;
  try {
    const sinceBest = () => history.length - 1 - history.findIndex((h) => h.step === keepBest.best!.step);
    const stop = () => spec.patience > 0 && sinceBest() >= spec.patience;
    // Bits per character of a uniform guess over the vocabulary.
    const chance = () => Math.log2(V);
    const loop = { steps: spec.steps, evalEvery: spec.evalEvery, onEval, stop, chance };
    const { msPerStep } = await runLoop(perCharacter(trainer), feed, loop);
    const best = keepBest.best!;
    restoreParams(trainer, best.state);
    const test = evaluateText(trainer, corpus.test, { streams: streamsFor(corpus.test), text: 'the test split' });
    const at = history.find((h) => h.step === best.step)!;
    result = {
      history,
      final: history[history.length - 1],
      best: { step: best.step, samples: at.samples, validBpc: best.score },
      testBpc: test.bpc,
      generated: spec.generate.map((g) => sampleText(trainer, corpus.vocab, g)),
      validChars: valid.length - 1,
      testChars: test.count,
      updates: trainer.updates,
      samples: batches.chars,
      msPerStep,
    };
    opts.keep?.(trainer);
  } finally {
    if (!opts.keep) trainer.dispose();
  }
  return result;
}
