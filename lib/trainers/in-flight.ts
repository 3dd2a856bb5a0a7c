/**
 * A unit's steps in flight (unit.ts): what each step's forward left for its layer, synthesizer and
 * synthetic-input steps, kept until all three are done, so a pipeline can run a forward before an
 * earlier step's gradient arrives. Tensors belong to the caller's tf.tidy scope, unless `keep`
 * takes a step's out of it (a pipeline stage whose target comes in a later call): those are
 * disposed when the step is released.
 */
import * as tf from '@tensorflow/tfjs';
import type { Cache } from '../modules/module';
import type { SynthesizerForward } from '../synthesizers/synthesizer';
import type { SyntheticInputForward } from '../synthesizers/synthetic-input';
import type { GradientMessage } from './messages';

export interface Pending {
  step: number;
  cache: Cache;
  /** h_k, the layer's output (Kickback reads which units are active). */
  out: tf.Tensor;
  sg: SynthesizerForward | null;
  synthetic: tf.Tensor | null; // g_k, in gradient units
  /** The frozen copy's synthetic gradient, for the target sent down (null without a copy). */
  frozenSynthetic: tf.Tensor | null;
  /** A critic's value v_k(h_k) [B], the bootstrap target sent down (null without a critic). */
  value: tf.Tensor | null;
  layerDone: boolean;
  /** The synthetic input's forward, until its regression target arrives (null without one, or once done). */
  input: SyntheticInputForward | null;
  /** Does the unit update its layer, synthesizer and synthetic input at this step (p_update)? */
  update: boolean;
}

/** Tensors reachable from `x` with an id of at least `since` (made since then), not variables and not kept by anyone else. */
function madeSince(x: unknown, since: number, out: Set<tf.Tensor>, seen: Set<unknown>): void {
  if (x === null || typeof x !== 'object' || seen.has(x)) return;
  seen.add(x);
  if (x instanceof tf.Tensor) {
    // A module's own tensors (variables, kept constants) outlive every step: never ours to dispose.
    if (!(x instanceof tf.Variable) && !x.kept && !x.isDisposed && x.id >= since) out.add(x);
    return;
  }
  for (const v of Object.values(x)) madeSince(v, since, out, seen);
}

export class InFlight {
  private readonly pending = new Map<number, Pending>();
  /** Tensors taken out of their tidy scope by `keep`, by step. */
  private readonly kept = new Map<number, Set<tf.Tensor>>();

  /** `unit`: the index k, for messages. */
  constructor(private readonly unit: number) {}

  add(p: Pending): void {
    if (this.pending.has(p.step)) throw new Error(`unit ${this.unit}: step ${p.step} is already in flight`);
    this.pending.set(p.step, p);
  }

  has(step: number): boolean {
    return this.pending.has(step);
  }

  /** The steps in flight, earliest first. */
  steps(): number[] {
    return [...this.pending.keys()].sort((a, b) => a - b);
  }

  /**
   * Keep a step's tensors past the tf.tidy scope that made them, until the step is released: the
   * ones made since tensor id `since` (the scope's first), so that a module's own tensors that a
   * cache refers to are left alone.
   */
  keep(step: number, since: number): void {
    const own = this.kept.get(step) ?? new Set<tf.Tensor>();
    madeSince(this.current('keep', step), since, own, new Set());
    for (const t of own) if (!t.kept) tf.keep(t);
    this.kept.set(step, own);
  }

  /** Forget a step's caches (a step whose target never came), disposing what `keep` kept; all steps without one. */
  release(step?: number): void {
    for (const s of step === undefined ? [...this.kept.keys()] : [step]) {
      for (const t of this.kept.get(s) ?? []) t.dispose();
      this.kept.delete(s);
    }
    if (step === undefined) this.pending.clear();
    else this.pending.delete(step);
  }

  /** Drop the step once the layer step, the synthesizer's and the synthetic input's are all done. */
  releaseIfDone(p: Pending): void {
    if (p.layerDone && !p.sg && !p.input) this.release(p.step);
  }

  /** The step a gradient message is for: it must be addressed to this unit and its step in flight. */
  addressed(m: GradientMessage, what: string): Pending {
    if (m.to !== this.unit) throw new Error(`unit ${this.unit}: ${what} got a gradient addressed to unit ${m.to}`);
    return this.current(what, m.step);
  }

  /** The earliest step in flight whose layer step is not done. */
  awaitingLayer(): Pending {
    for (const s of this.steps()) if (!this.pending.get(s)!.layerDone) return this.pending.get(s)!;
    throw new Error(`unit ${this.unit}: layerStep with no step awaiting one (forward first)`);
  }

  /** A step in flight; without `step`, the only one. */
  current(what: string, step?: number): Pending {
    if (step === undefined) {
      if (this.pending.size !== 1) throw new Error(`unit ${this.unit}: ${what} needs a step: ${this.pending.size} in flight`);
      return this.pending.values().next().value as Pending;
    }
    const p = this.pending.get(step);
    if (!p)
      throw new Error(
        `unit ${this.unit}: ${what} for step ${step}, which is not in flight (before forward, or after the step was done); in flight: [${this.steps()}]`,
      );
    return p;
  }
}
