/**
 * Early stopping (D.2, Penn Treebank): validation at regular intervals, and the network of the
 * best validation score is kept; its test score is the one reported.
 *
 *   const keep = new EarlyStopping<Float32Array[]>();
 *   keep.offer(step, validBpc, () => snapshot(params));   // snapshot taken only when it is a new best
 *   restore(keep.best!.state);
 */
export interface Checkpoint<S> {
  step: number;
  score: number;
  state: S;
}

export class EarlyStopping<S> {
  best: Checkpoint<S> | null = null;
  /** Every score offered, in order (for curves). */
  readonly history: { step: number; score: number }[] = [];

  /** Lower is better. `snapshot` runs only for a new best, so a model copy is taken only then. Returns whether it was one. */
  offer(step: number, score: number, snapshot: () => S): boolean {
    if (!Number.isFinite(score)) throw new Error(`EarlyStopping: score at step ${step} is ${score}`);
    this.history.push({ step, score });
    if (this.best !== null && score >= this.best.score) return false;
    this.best = { step, score, state: snapshot() };
    return true;
  }
}
