/**
 * The data of paper D.3 (two networks on two clocks): streams of MNIST digits with two counting
 * tasks, Network A's (how many odd digits it has seen) and Network B's (how many 3s there were
 * in A's stream).
 *
 * The paper's figure (main text, Figure 7) is the only specification of windows and clocks: A
 * ticks at every step, B at every other step. We choose, and the D.3 notebook states:
 *
 * - **Sequences.** A stream is cut into sequences of `sequenceLength` digits; both networks start
 *   each from a zero state. A count is the count "seen so far" within the sequence (the figure's
 *   count of odd digits falls from 2 to 1 between two ticks, so its counts are over a window, not
 *   over the whole stream; a window that starts with the sequence keeps the whole dependency
 *   inside one unroll, so full backprop through B is exact BPTT and the synthetic gradient can be
 *   checked against the true one).
 * - **A's label at step t** (1-based): the number of odd digits among digits 1 … t, capped at
 *   `oddCap` (the class `oddCap` means "oddCap or more").
 * - **B's clock.** B ticks at the steps t = P, 2P, … (P = `bPeriod`, 2 in the figure), reading A's
 *   message of that step. **B's label at a tick** is the number of 3s among digits 1 … t, capped
 *   at `threeCap`.
 *
 * Digits are drawn uniformly (with replacement) from a split, so each class has its own
 * frequency (about 1/10).
 */
import type { Rng } from '../core/rng';
import { type Dataset, flatSize } from '../data/dataset';

export interface DigitCountSpec {
  /** Digits per sequence (A's steps). */
  sequenceLength: number;
  /** B ticks every bPeriod steps of A. */
  bPeriod: number;
  /** A's count of odd digits is capped here: classes 0 … oddCap. */
  oddCap: number;
  /** B's count of 3s is capped here: classes 0 … threeCap. */
  threeCap: number;
}

/** The steps (1-based) at which B ticks: P, 2P, … up to the sequence's length. */
export function bTicks(spec: Pick<DigitCountSpec, 'sequenceLength' | 'bPeriod'>): number[] {
  const out: number[] = [];
  for (let t = spec.bPeriod; t <= spec.sequenceLength; t += spec.bPeriod) out.push(t);
  return out;
}

/** A's labels at every step and B's at each tick, for one sequence of digits. */
export function digitCountLabels(digits: ArrayLike<number>, spec: DigitCountSpec): { a: number[]; b: number[] } {
  const a: number[] = [];
  const threesUpTo: number[] = [];
  let odd = 0;
  let threes = 0;
  for (let t = 0; t < digits.length; t++) {
    if (digits[t] % 2 === 1) odd++;
    if (digits[t] === 3) threes++;
    a.push(Math.min(odd, spec.oddCap));
    threesUpTo.push(threes);
  }
  const b = bTicks({ sequenceLength: digits.length, bPeriod: spec.bPeriod }).map((t) => Math.min(threesUpTo[t - 1], spec.threeCap));
  return { a, b };
}

/** A batch of sequences, time-major. */
export interface DigitCountBatch {
  /** Per step t: the B images, [B × 784] flattened row-major. */
  x: Float32Array[];
  /** Per step: the digits shown, [B]. */
  digits: Int32Array[];
  /** Per step: A's labels, [B]. */
  a: Int32Array[];
  /** Per tick of B: B's labels, [B]. */
  b: Int32Array[];
  batch: number;
}

/** `batch` sequences of digits drawn from `ds` with `rng`, with their labels. */
export function digitCountBatch(ds: Dataset, batch: number, spec: DigitCountSpec, rng: Rng): DigitCountBatch {
  const L = spec.sequenceLength;
  const picks = Array.from({ length: batch }, () => Array.from({ length: L }, () => rng.int(ds.n)));
  return batchFromIndices(ds, picks, spec);
}

/** The batch made of the given examples: `picks[b][t]` is the index in `ds` of sequence b's digit t. */
export function batchFromIndices(ds: Dataset, picks: number[][], spec: DigitCountSpec): DigitCountBatch {
  const D = flatSize(ds);
  const B = picks.length;
  const L = spec.sequenceLength;
  const ticks = bTicks(spec).length;
  const out: DigitCountBatch = {
    x: Array.from({ length: L }, () => new Float32Array(B * D)),
    digits: Array.from({ length: L }, () => new Int32Array(B)),
    a: Array.from({ length: L }, () => new Int32Array(B)),
    b: Array.from({ length: ticks }, () => new Int32Array(B)),
    batch: B,
  };
  picks.forEach((seq, b) => {
    if (seq.length !== L) throw new Error(`sequence ${b} has ${seq.length} digits, expected ${L}`);
    const digits = seq.map((i) => ds.y[i]);
    const labels = digitCountLabels(digits, spec);
    seq.forEach((i, t) => {
      out.x[t].set(ds.x.subarray(i * D, (i + 1) * D), b * D);
      out.digits[t][b] = digits[t];
      out.a[t][b] = labels.a[t];
    });
    labels.b.forEach((v, k) => {
      out.b[k][b] = v;
    });
  });
  return out;
}
