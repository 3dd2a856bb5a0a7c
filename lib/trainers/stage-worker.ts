/**
 * One pipeline stage (unit-group.ts) in its own worker thread, with its own tfjs backend: the
 * worker side of ParallelTrainer (parallel-trainer.ts). It follows pipeline.ts's schedule to the
 * letter, so its numbers are PipelineTrainer's:
 *
 *   for each step s, in order:   apply the target of step s − delay (waiting for it);   run step s
 *
 * Work arrives in one ordered stream (from the trainer for the first stage, from the stage below
 * otherwise): steps, evaluations, and the trainer's requests (flush, params, memory), which each
 * stage answers and passes up, so every stage answers at the same point of the stream. Targets
 * come from the stage above on their own port; the top stage gets the labels from the trainer.
 * Anything that throws here ends the worker with that error, which the trainer reports.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../core/backend';
import { depth } from '../networks/spec';
import { classification } from '../tasks/classification';
import { unitSpecs } from './bp-lambda';
import type { SerializedMessage } from './messages';
import type { BPLambdaSpec } from './spec';
import { Unit } from './unit';
import { UnitGroup } from './unit-group';

/** What the trainer hands a stage's worker (workerData). */
export interface StageInit {
  spec: BPLambdaSpec;
  /** Units a..b of this stage (1-based, inclusive). */
  first: number;
  last: number;
  delay: number;
  /** To the stage below (targets go down) and above (activations go up); null at the ends. */
  below: MessagePort | null;
  above: MessagePort | null;
}

/** An item of a stage's ordered stream. */
export type StageWork =
  | { type: 'run'; step: number; act: SerializedMessage; y: Int32Array | null }
  | { type: 'eval'; id: number; act: SerializedMessage; y: Int32Array | null }
  | { type: 'flush' | 'params' | 'memory'; id: number };

/** Typed arrays in a serialized message, to move without a copy. */
export function buffers(m: SerializedMessage | null): ArrayBuffer[] {
  if (!m) return [];
  const ts = Object.values(m as Record<string, unknown>).filter(
    (v): v is { data: Float32Array | Int32Array } => typeof v === 'object' && v !== null && 'data' in v,
  );
  return ts.map((t) => t.data.buffer as ArrayBuffer);
}

/** A copy that owns its buffer, so it can be transferred whatever the backend keeps. */
export function own(m: SerializedMessage | null): SerializedMessage | null {
  if (!m) return m;
  const copy: Record<string, unknown> = { ...m };
  for (const [k, v] of Object.entries(m)) if (typeof v === 'object' && v !== null && 'data' in v) copy[k] = { ...v, data: v.data.slice() };
  return copy as SerializedMessage;
}

async function serve(init: StageInit): Promise<void> {
  const port = parentPort!;
  const info = await initBackend();
  const K = depth(init.spec.network);
  const units = unitSpecs(init.spec)
    .slice(init.first - 1, init.last)
    .map((u) => new Unit(u));
  const stage = new UnitGroup(units, classification, K);
  const stream: StageWork[] = [];
  const targets = new Map<number, SerializedMessage>();
  const labels = new Map<string, Int32Array>();
  let nextTarget = 0; // the earliest step whose target is still to apply
  let lastRun = -1;

  const send = (to: MessagePort | null, m: SerializedMessage | null, work: (m: SerializedMessage) => unknown) => {
    const o = own(m);
    if (to && o) to.postMessage(work(o), buffers(o));
  };
  /** Apply targets in step order up to `upTo`; false when one has not come yet. */
  const applyUpTo = (upTo: number): boolean => {
    while (nextTarget <= upTo) {
      const t = targets.get(nextTarget);
      if (!t) return false;
      stage.target(t);
      targets.delete(nextTarget++);
    }
    return true;
  };
  const pump = () => {
    while (stream.length) {
      const w = stream[0];
      if (w.type === 'run') {
        const y = stage.top ? (w.y ?? labels.get(`run${w.step}`)) : null;
        if ((stage.top && !y) || (!stage.top && !applyUpTo(w.step - init.delay))) return;
        const r = stage.run(w.act, y ?? null);
        lastRun = w.step;
        labels.delete(`run${w.step}`);
        send(init.above, r.up, (act) => ({ type: 'run', step: w.step, act, y: null }));
        send(init.below, r.down, (grad) => ({ type: 'target', step: w.step, grad }));
        if (stage.top) port.postMessage({ type: 'stats', step: w.step, loss: r.loss, errors: r.errors });
      } else if (w.type === 'eval') {
        const y = stage.top ? (w.y ?? labels.get(`eval${w.id}`)) : null;
        if (stage.top && !y) return;
        const r = stage.evaluate(w.act, y ?? null);
        labels.delete(`eval${w.id}`);
        send(init.above, r.up, (act) => ({ type: 'eval', id: w.id, act, y: null }));
        if (stage.top) port.postMessage({ type: 'evaluated', id: w.id, n: y!.length, loss: r.loss, errors: r.errors });
      } else {
        if (w.type === 'flush' && !stage.top && !applyUpTo(lastRun)) return;
        const values = w.type === 'params' ? units.flatMap((u) => u.params()).map((v) => v.dataSync().slice() as Float32Array) : [];
        port.postMessage(
          { type: w.type, id: w.id, values, numTensors: tf.memory().numTensors },
          values.map((v) => v.buffer),
        );
        init.above?.postMessage(w);
      }
      stream.shift();
    }
  };
  const take = (w: StageWork) => {
    stream.push(w);
    pump();
  };
  if (init.first === 1)
    port.on('message', (m: StageWork | { type: 'labels'; key: string; y: Int32Array }) => (m.type === 'labels' ? null : take(m)));
  else init.below!.on('message', take);
  if (stage.top && init.first !== 1)
    port.on('message', (m: { type: string; key: string; y: Int32Array }) => {
      if (m.type !== 'labels') return;
      labels.set(m.key, m.y);
      pump();
    });
  init.above?.on('message', (m: { type: 'target'; step: number; grad: SerializedMessage }) => {
    targets.set(m.step, m.grad);
    pump();
  });
  port.postMessage({ type: 'ready', backend: describeBackend(info), units: [init.first, init.last] });
}

if (parentPort && (workerData as { dniStage?: StageInit } | null)?.dniStage) {
  serve((workerData as { dniStage: StageInit }).dniStage).catch((e) => {
    // Rethrown outside the promise, so the worker ends with it and the trainer's 'error' handler sees it.
    setImmediate(() => {
      throw e;
    });
  });
}
