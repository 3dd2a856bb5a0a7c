/**
 * A stage of a pipelined BP(λ) network (paper Figure 9): the consecutive units k = a..b, which
 * talk to the stages beside them only in serialized messages, so a stage can live in a worker.
 *
 * `run` takes step s's activation h_{a−1} (the data for the first stage): every unit runs forward
 * and then, top down, updates its layer and regresses its synthesizer onto the z̄_k the unit above
 * sends, as BPLambdaTrainer's step does. The top stage starts the down pass from the loss. Any
 * other stage starts it from its top unit's own synthetic gradient (λ_b = 0: update unlocked), and
 * that unit's synthesizer waits for its target z̄_b, which comes from the stage above as a later
 * `target` call; meanwhile the step's tensors stay in flight (Unit.keep). `run` returns h_b for
 * the stage above and z̄_{a−1} for the stage below, both serialized.
 *
 *   const g = new UnitGroup(units.slice(0, 2), classification, 4);   // units 1–2 of a 4-layer net
 *   const r = g.run(serialize(data), null);   // r.up to the next stage; r.down: none below unit 1
 *   g.target(zbar2);                          // later: z̄_2 for step s, from the stage above
 */
import * as tf from '@tensorflow/tfjs';
import type { Task } from '../tasks/task';
import {
  type ActivationMessage,
  deserialize,
  type ErrorMessage,
  type GradientMessage,
  type SerializedMessage,
  serialize,
  toUnit,
} from './messages';
import type { Unit } from './unit';

export interface StageResult {
  /** h_b for the stage above (none from the top stage). */
  up: SerializedMessage | null;
  /** z̄_{a−1} for the stage below (none from the first stage, or where the connection is cut). */
  down: SerializedMessage | null;
  /** The top stage's batch-mean loss and count of errors; NaN elsewhere. */
  loss: number;
  errors: number;
}

export class UnitGroup {
  /** Is this the top stage (it holds the classifier, unit K)? */
  readonly top: boolean;

  constructor(
    readonly units: Unit[],
    readonly task: Task<tf.Tensor1D>,
    /** K, the network's depth. */
    readonly depth: number,
  ) {
    if (!units.length) throw new Error('a pipeline stage needs at least one unit');
    units.forEach((u, i) => {
      if (i > 0 && u.index !== units[i - 1].index + 1) throw new Error(`a stage holds consecutive units, got ${units.map((v) => v.index)}`);
    });
    this.top = units[units.length - 1].index === depth;
  }

  /** Step s on h_{a−1} (`y`: the labels, which the top stage needs for the loss). */
  run(activation: SerializedMessage, y: Int32Array | null): StageResult {
    const first = tf.scalar(0);
    const since = first.id; // every tensor this step makes has an id from here on
    first.dispose();
    let result: StageResult | null = null;
    tf.tidy(() => {
      let msg = deserialize(activation) as ActivationMessage;
      if (msg.kind !== 'activation') throw new Error(`a stage runs on an activation, got a ${msg.kind} message`);
      const step = msg.step;
      for (const u of this.units) msg = u.forward(msg);
      let incoming: GradientMessage | null = null;
      let loss = NaN;
      let errors = NaN;
      if (this.top) {
        if (!y) throw new Error('the top stage needs the labels for the loss');
        const r = this.task.loss(msg.h, tf.tensor1d(y, 'int32'));
        const error: ErrorMessage = {
          kind: 'error',
          step,
          from: this.depth,
          grad: r.dOutputs,
          ...(r.perExample ? { loss: r.perExample } : {}),
        };
        for (const u of this.units) u.receiveError(error);
        incoming = toUnit(error, this.depth);
        loss = r.loss.dataSync()[0];
        errors = r.errors.dataSync()[0];
      }
      // Top down through the stage, as BPLambdaTrainer's step; below the top stage the first unit has no z̄ yet.
      for (let i = this.units.length - 1; i >= 0; i--) {
        const u = this.units[i];
        const target = incoming;
        const down = u.layerStep(incoming);
        if (u.synthesizer && target) u.synthesizerStep(target);
        incoming = down;
      }
      const waiting = this.top ? null : this.units[this.units.length - 1];
      if (waiting) waiting.keep(step, since);
      for (const u of this.units) if (u !== waiting) u.release(step);
      result = { up: this.top ? null : serialize(msg), down: incoming ? serialize(incoming) : null, loss, errors };
    });
    return result as unknown as StageResult;
  }

  /** z̄_b for a step in flight, from the stage above: the top unit's synthesizer regresses onto it. Returns its regression loss (NaN when it skipped the step). */
  target(gradient: SerializedMessage): number {
    if (this.top) throw new Error('the top stage takes no target: its gradient is the loss');
    return tf.tidy(() => {
      const m = deserialize(gradient) as GradientMessage;
      if (m.kind !== 'gradient') throw new Error(`a stage's target is a gradient message, got a ${m.kind} message`);
      const loss = this.units[this.units.length - 1].synthesizerStep(m);
      return loss ? loss.dataSync()[0] : NaN;
    });
  }

  /** Evaluation mode on h_{a−1}: h_b for the stage above, or, at the top, the batch's summed loss and errors (no parameter moves). */
  evaluate(activation: SerializedMessage, y: Int32Array | null): { up: SerializedMessage | null; loss: number; errors: number } {
    let result: { up: SerializedMessage | null; loss: number; errors: number } | null = null;
    tf.tidy(() => {
      let msg = deserialize(activation) as ActivationMessage;
      for (const u of this.units) msg = u.forward(msg, 'eval');
      if (!this.top) {
        result = { up: serialize(msg), loss: NaN, errors: NaN };
        return;
      }
      if (!y) throw new Error('the top stage needs the labels for the loss');
      const r = this.task.loss(msg.h, tf.tensor1d(y, 'int32'));
      result = { up: null, loss: r.loss.dataSync()[0] * y.length, errors: r.errors.dataSync()[0] };
    });
    return result as unknown as { up: SerializedMessage | null; loss: number; errors: number };
  }

  /** The steps whose target has not come yet. */
  inFlight(): number[] {
    return this.top ? [] : this.units[this.units.length - 1].inFlight();
  }

  dispose(): void {
    for (const u of this.units) u.dispose();
  }
}
