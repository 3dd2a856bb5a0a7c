/**
 * The Trainer interface the run loop consumes. A trainer owns its model and optimizers, takes
 * a step on a batch, evaluates a batch, reports its own statistics and frees its memory. What a
 * batch is (images and labels, a chunk of sequences, …) is the trainer's and its task's business.
 *
 *   class MyTrainer implements Trainer<MyBatch> { step(b, o) {…} evaluate(b) {…} dispose() {…} }
 *   await runLoop(new MyTrainer(…), feed, loopSpec);
 */

export interface StepOptions {
  /** Read the step's statistics back (a sync; only when logging). */
  stats?: boolean;
  /**
   * With `stats`: also compute the true backprop gradient ∂L/∂h_k at every connection with a
   * synthesizer and report how closely the synthetic gradient follows it (sg-quality.ts). For
   * measurement only: it never feeds an update.
   */
  measureSG?: boolean;
}

export interface StepStats {
  /** Mean training loss of the batch (before the update). */
  loss: number;
  /** Fraction of the batch predicted wrongly (NaN where the task has no error). */
  error: number;
  /**
   * The trainer's own statistics, averaged entry by entry over the steps of an evaluation
   * interval by the run loop (NaN entries are skipped), e.g. { sgLoss: [per connection] }.
   */
  series: Record<string, number[]>;
}

/** Sums over the examples of a batch, so the run loop can average over many batches. */
export interface EvalSums {
  n: number;
  loss: number;
  errors: number;
}

export interface Trainer<Batch> {
  /** Steps taken so far. */
  readonly steps: number;
  step(batch: Batch, opts?: StepOptions): StepStats | null;
  /** Loss and errors of a batch in evaluation mode (no parameter or statistic changes). */
  evaluate(batch: Batch): EvalSums;
  dispose(): void;
}
