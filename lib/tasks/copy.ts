/**
 * Copy and Repeat Copy (paper D.2, Figure 17; the tasks of Graves et al. 2014), as seeded
 * generators of fresh sequences.
 *
 * The paper's supplementary gives no pattern width; we use 8-bit patterns, as in Graves et al.
 * Layout of one sequence (time-major, L = N + 1 + N·R steps; Copy is R = 1):
 *
 *   step t            inputs                                     target           mask
 *   0 … N−1           pattern row t on channels 0–7              0                0
 *   N                 delimiter: channel 8 = 1;                  0                0
 *                     Repeat Copy also channel 9 = R / 10
 *   N+1 … N+N·R       all zero                                   row (t−N−1) mod N  1
 *
 * Every pattern bit is 0 or 1 with probability ½. Copy has 9 input channels, Repeat Copy 10
 * (the count channel), both 8 outputs. There is no end marker to emit: the length is fixed by
 * N and R. The count is scaled by 1/10 so it stays of the order of the other inputs as R grows.
 *
 * The error in bits (the paper's measure, and the curriculum's): per sequence, the summed
 * binary cross-entropy in bits of every target bit of the output phase,
 *   −Σ_{t: mask} Σ_j [y_tj·log₂ p_tj + (1 − y_tj)·log₂(1 − p_tj)],   p = σ(logit),
 * averaged over the sequences. A net that outputs p = ½ everywhere scores 8·N·R bits.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import type { SequenceBatch } from './sequence';

export const PATTERN_BITS = 8;
/** The Repeat Copy count channel carries R / REPEAT_COUNT_SCALE. */
export const REPEAT_COUNT_SCALE = 10;

export type CopyKind = 'copy' | 'repeatCopy';
export const COPY_KINDS: readonly CopyKind[] = ['copy', 'repeatCopy'];

/** A level of the curriculum: N, the pattern length, and R, the repeats (1 for Copy). */
export interface CopyLevel {
  N: number;
  R: number;
}

export function copyInputs(kind: CopyKind): number {
  return PATTERN_BITS + (kind === 'repeatCopy' ? 2 : 1);
}

export const COPY_OUTPUTS = PATTERN_BITS;

export function copyLength(level: CopyLevel): number {
  return level.N + 1 + level.N * level.R;
}

/**
 * The time dependency a level asks for: N for Copy (the distance from reading a bit to writing
 * it is N + 1 steps), N·R for Repeat Copy (the length of the output it must hold the pattern
 * for). Our reading; the supplementary only calls the curriculum's axis "time dependency".
 */
export function timeDependency(kind: CopyKind, level: CopyLevel): number {
  return kind === 'copy' ? level.N : level.N * level.R;
}

/** One batch as plain time-major arrays ([L, B, inputs], [L, B, 8], [L, B]). */
export interface CopyArrays {
  L: number;
  B: number;
  x: Float32Array;
  y: Float32Array;
  mask: Float32Array;
  /** Blank steps before each sequence (all 0 without maxOffset). */
  offsets: Int32Array;
}

/**
 * B fresh sequences of a level, drawn from `rng`. With `maxOffset` > 0 each sequence starts
 * after 0 … maxOffset blank steps (zero inputs, no target; drawn after its pattern), so the
 * sequences of a batch meet the chunk boundaries at different phases; the batch is then
 * maxOffset steps longer, blank at the end where a sequence started early.
 */
export function copyArrays(kind: CopyKind, level: CopyLevel, B: number, rng: Rng, maxOffset = 0): CopyArrays {
  const { N, R } = level;
  if (!Number.isInteger(maxOffset) || maxOffset < 0) throw new RangeError(`maxOffset must be a non-negative integer, got ${maxOffset}`);
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`N must be a positive integer, got ${N}`);
  if (!Number.isInteger(R) || R < 1 || (kind === 'copy' && R !== 1))
    throw new RangeError(`R must be ${kind === 'copy' ? '1 for Copy' : 'a positive integer'}, got ${R}`);
  const I = copyInputs(kind);
  const O = COPY_OUTPUTS;
  const L0 = copyLength(level);
  const L = L0 + maxOffset;
  const x = new Float32Array(L * B * I);
  const y = new Float32Array(L * B * O);
  const mask = new Float32Array(L * B);
  const offsets = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const pattern = new Uint8Array(N * O);
    for (let k = 0; k < pattern.length; k++) pattern[k] = rng.uniform() < 0.5 ? 1 : 0;
    const o = maxOffset ? rng.int(maxOffset + 1) : 0;
    offsets[b] = o;
    for (let t = 0; t < N; t++) for (let j = 0; j < O; j++) x[((o + t) * B + b) * I + j] = pattern[t * O + j];
    x[((o + N) * B + b) * I + PATTERN_BITS] = 1;
    if (kind === 'repeatCopy') x[((o + N) * B + b) * I + PATTERN_BITS + 1] = R / REPEAT_COUNT_SCALE;
    for (let t = N + 1; t < L0; t++) {
      const row = (t - N - 1) % N;
      mask[(o + t) * B + b] = 1;
      for (let j = 0; j < O; j++) y[((o + t) * B + b) * O + j] = pattern[row * O + j];
    }
  }
  return { L, B, x, y, mask, offsets };
}

/**
 * The chunk boundaries between reading a pattern row and writing it (a boundary after step t
 * where (t + 1) % T = 0), for each output step t of each sequence b of `a`,
 * with row j mod N read at offset + (j mod N) and its j-th output written at offset + N + 1 + j.
 */
export function boundaryCrossings(a: CopyArrays, level: CopyLevel, T: number): { t: number; b: number; crossings: number }[] {
  const { N } = level;
  const out: { t: number; b: number; crossings: number }[] = [];
  const L0 = copyLength(level);
  for (let b = 0; b < a.B; b++) {
    const o = a.offsets[b];
    for (let j = 0; j < L0 - N - 1; j++) {
      const read = o + (j % N);
      const write = o + N + 1 + j;
      out.push({ t: write, b, crossings: Math.floor(write / T) - Math.floor(read / T) });
    }
  }
  return out;
}

/** B fresh sequences as tensors: whole sequences (starts and ends). */
export function copyBatch(kind: CopyKind, level: CopyLevel, B: number, rng: Rng, maxOffset = 0): SequenceBatch {
  return copyTensors(kind, copyArrays(kind, level, B, rng, maxOffset));
}

/** A batch's arrays as tensors: whole sequences (starts and ends). */
export function copyTensors(kind: CopyKind, a: CopyArrays): SequenceBatch {
  const B = a.B;
  return {
    x: tf.tensor3d(a.x, [a.L, B, copyInputs(kind)]),
    y: tf.tensor3d(a.y, [a.L, B, COPY_OUTPUTS]),
    mask: tf.tensor2d(a.mask, [a.L, B]),
    starts: true,
    ends: true,
  };
}

/** Frees a batch's tensors. */
export function disposeSequenceBatch(b: SequenceBatch): void {
  tf.dispose([b.x, b.y, b.mask]);
}

/**
 * An online stream of fresh sequences (nothing is ever seen twice), seeded: the same seed and
 * the same levels give the same batches.
 *
 *   const stream = new CopyStream('copy', 256, 0);
 *   const batch = stream.next({ N: 5, R: 1 });
 */
export class CopyStream {
  private readonly rng: Rng;
  /** Sequences drawn so far. */
  samples = 0;

  constructor(
    readonly kind: CopyKind,
    readonly batch: number,
    seed: number,
    readonly maxOffset = 0,
  ) {
    this.rng = new Rng(seed);
  }

  next(level: CopyLevel): SequenceBatch {
    return copyTensors(this.kind, this.nextArrays(level));
  }

  nextArrays(level: CopyLevel): CopyArrays {
    this.samples += this.batch;
    return copyArrays(this.kind, level, this.batch, this.rng, this.maxOffset);
  }
}

/**
 * The error in bits of plain logits, in double precision (a check on the trainer's, and a
 * worked example): Σ over masked steps and bits of the BCE in bits, averaged over sequences.
 * Arrays as in CopyArrays, logits shaped like y.
 */
export function bitsError(logits: ArrayLike<number>, y: ArrayLike<number>, mask: ArrayLike<number>, B: number): number {
  const O = y.length / mask.length;
  let sum = 0;
  for (let r = 0; r < mask.length; r++) {
    if (!mask[r]) continue;
    for (let j = 0; j < O; j++) {
      const z = logits[r * O + j];
      // −log₂ σ(z) for a 1, −log₂(1 − σ(z)) = −log₂ σ(−z) for a 0.
      const s = y[r * O + j] ? z : -z;
      sum += (Math.max(-s, 0) + Math.log1p(Math.exp(-Math.abs(s)))) / Math.LN2;
    }
  }
  return sum / B;
}
