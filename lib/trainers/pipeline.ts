/**
 * BP(λ) as a pipeline of stages (unit-group.ts), the schedule that decoupled units on parallel
 * workers follow (paper Figure 9), here run in one process: it defines their arithmetic.
 *
 * The network's units are cut into stages after the units in `cuts` (e.g. [2]: units 1–2, then
 * 3–K). At a cut the connection must be λ = 0 with a learned synthesizer: the stage below updates
 * as soon as its own synthesizer has spoken, and the target z̄_b of that synthesizer arrives
 * `delay` steps later, for the synthesizer only. Each stage's work is one fixed sequence,
 *
 *   for step s = 0, 1, …:   target(z̄_b of step s − delay), if it exists;   run(step s)
 *
 * so with delay ≥ 2 a stage never waits for the one above in a worker: the stage above runs step
 * s − 1 while this one runs step s, and step s − 2's target is ready by then. Any interleaving of
 * the stages that keeps each stage's sequence gives the same numbers, so this one-process order
 * (all stages through step s, bottom up) is the reference for the workers. With no cuts it is
 * BPLambdaTrainer's step exactly; `flush` applies the targets still waiting.
 *
 *   const t = new PipelineTrainer(bpLambdaSpec({ network: mnistFcn(6), lambda: [0, 0, 0, 0, 0] }), [3]);
 *   t.step({ x, y }, { stats: true });   t.flush();   t.dispose();
 */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../core/errors';
import { depth } from '../networks/spec';
import { classification } from '../tasks/classification';
import type { Task } from '../tasks/task';
import { type ActivationMessage, type SerializedMessage, serialize } from './messages';
import { type BPLambdaSpec, synthesizerFor, targetArrives, validateBPLambdaSpec } from './spec';
import { type LabelledBatch, needsLabels, unitSpecs } from './bp-lambda';
import { evaluateUnits } from './evaluate-units';
import type { EvalSums, StepOptions, StepStats, Trainer } from './trainer';
import { Unit } from './unit';
import { UnitGroup } from './unit-group';

/** Check that `cuts` split this network into stages a pipeline can run; errors name the field. */
export function validatePipeline(spec: BPLambdaSpec, cuts: number[], delay: number): void {
  validateBPLambdaSpec(spec);
  const K = depth(spec.network);
  cuts.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 1 || b > K - 1 || (i > 0 && b <= cuts[i - 1]))
      throw new ConfigError(`cuts[${i}]`, `must be increasing units 1..${K - 1} after which a stage ends, got ${b}`);
    if (spec.lambda[b - 1] !== 0)
      throw new ConfigError(
        `lambda[${b - 1}]`,
        `a cut after unit ${b} needs λ = 0 there (the stage below does not wait), got ${spec.lambda[b - 1]}`,
      );
    if (!targetArrives(spec, b))
      throw new ConfigError(
        `lambda[${b}]`,
        `unit ${b + 1} gets no gradient ('none'), so the synthesizer at the cut after unit ${b} would wait for a target forever`,
      );
    const kind = synthesizerFor(spec, b).kind;
    if (kind !== 'mlp') throw new ConfigError(`synthesizers.${b}.kind`, `a cut needs a learned 'mlp' synthesizer, got '${kind}'`);
  });
  if (!Number.isInteger(delay) || delay < 1) throw new ConfigError('delay', `must be a whole number of steps ≥ 1, got ${delay}`);
  if (!cuts.length) return;
  // What a stage below a cut would need from above within the same step.
  const sameStep: [keyof BPLambdaSpec, boolean][] = [
    ['oracle', spec.oracle],
    ['targetRefresh', spec.targetRefresh > 0],
    ['syntheticInputs', spec.syntheticInputs !== null],
    ['feedback', spec.feedback !== 'bp'],
  ];
  for (const [field, on] of sameStep)
    if (on) throw new ConfigError(field, 'is not supported in a pipeline with cuts (it needs the stages above in the same step)');
  for (let k = 1; k < K; k++)
    if (synthesizerFor(spec, k).kind === 'dfa')
      throw new ConfigError(
        `synthesizers.${k}.kind`,
        "'dfa' reads the output error of the same step, which a stage below a cut does not have",
      );
}

export class PipelineTrainer implements Trainer<LabelledBatch> {
  readonly stages: UnitGroup[];
  steps = 0;
  private readonly needLabels: boolean;
  /** Targets that came down a cut, per stage below it, waiting for their turn: [step, message]. */
  private readonly waiting: [number, SerializedMessage][][];

  constructor(
    readonly spec: BPLambdaSpec,
    readonly cuts: number[] = [],
    readonly delay = 2,
    readonly task: Task<tf.Tensor1D> = classification,
  ) {
    validatePipeline(spec, cuts, delay);
    const units = unitSpecs(spec).map((u) => new Unit(u));
    const ends = [...cuts, units.length];
    this.stages = ends.map((b, i) => new UnitGroup(units.slice(i ? ends[i - 1] : 0, b), task, units.length));
    this.waiting = this.stages.map(() => []);
    this.needLabels = needsLabels(spec);
  }

  /** All trainable variables, unit by unit. */
  params(): tf.Variable[] {
    return this.stages.flatMap((g) => g.units.flatMap((u) => u.params()));
  }

  step({ x, y }: LabelledBatch, opts: StepOptions = {}): StepStats | null {
    if (opts.measureSG)
      throw new ConfigError('measureSG', 'is not measured in a pipeline (the true gradient would need every stage at once)');
    const s = this.steps;
    const labels = y.dataSync() as Int32Array;
    const data: ActivationMessage = { kind: 'activation', step: s, from: 0, h: x, labels: this.needLabels ? y : null };
    let msg: SerializedMessage | null = serialize(data);
    let top = { loss: NaN, errors: NaN };
    this.stages.forEach((g, i) => {
      this.applyTargets(i, s - this.delay);
      const r = g.run(msg!, g.top ? labels : null);
      if (r.down) this.waiting[i - 1].push([s, r.down]);
      msg = r.up;
      if (g.top) top = r;
    });
    this.steps++;
    return opts.stats ? { loss: top.loss, error: top.errors / x.shape[0], series: {} } : null;
  }

  /** Apply every waiting target of stage `i` up to step `upTo`, in step order. */
  private applyTargets(i: number, upTo: number): void {
    const q = this.waiting[i];
    while (q.length && q[0][0] <= upTo) this.stages[i].target(q.shift()![1]);
  }

  /** Apply the targets still waiting (the last `delay` steps'), as a worker would when training ends. */
  flush(): void {
    this.stages.forEach((_, i) => this.applyTargets(i, Number.POSITIVE_INFINITY));
  }

  evaluate(batch: LabelledBatch): EvalSums {
    return evaluateUnits(
      this.stages.flatMap((g) => g.units),
      this.task,
      batch,
      this.steps,
    );
  }

  dispose(): void {
    for (const g of this.stages) g.dispose();
  }
}
