/**
 * Decoupled units on parallel workers (paper Figure 9, update unlocking): each pipeline stage
 * (unit-group.ts) runs in its own worker thread with its own tfjs backend (stage-worker.ts), and
 * the stages talk only in serialized messages, activations up and synthetic-gradient targets
 * down, moved between threads without a copy. A stage updates its layers as soon as its own
 * synthesizer has spoken; the target of the synthesizer at a cut arrives `delay` steps later.
 * The arithmetic is PipelineTrainer's (pipeline.ts), step for step, so that one-process trainer
 * is this one's reference and its 1-worker baseline.
 *
 * `step` posts a batch and returns a promise of its statistics; the caller decides how many steps
 * may be in flight (await every one: no overlap between steps; keep a window of `stages + delay`:
 * every worker busy). A worker that throws or exits stops the trainer: every pending and later
 * call rejects with that worker's error, and the other workers are terminated. `close`
 * terminates them all.
 *
 *   const t = await ParallelTrainer.start(bpLambdaSpec({ network: mnistFcn(6), lambda: [0, 0, 0, 0, 0] }), [3]);
 *   const stats = await t.step({ x, y }, { stats: true });
 *   await t.flush();   await t.evaluate(testBatch);   await t.close();
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import { depth } from '../networks/spec';
import { type LabelledBatch, needsLabels } from './bp-lambda';
import { serialize } from './messages';
import { validatePipeline } from './pipeline';
import type { BPLambdaSpec } from './spec';
import { buffers, own, type StageInit, type StageWork } from './stage-worker';
import type { EvalSums, StepOptions, StepStats } from './trainer';
import { WorkerPool } from './worker-pool';

export interface ParallelOptions {
  /** Steps between a target's step and the step before which it is applied (≥ 1; 2 lets stages overlap). */
  delay?: number;
  /** OpenBLAS threads (the native kernels' setting is per process, so every worker shares it). */
  blasThreads?: number;
}

/** The labels the top stage needs for a step's or an evaluation's loss, when it is not the first stage. */
type LabelsMessage = { type: 'labels'; key: string; y: Int32Array };

export class ParallelTrainer {
  steps = 0;
  /** Units a..b of each stage. */
  readonly split: [number, number][];
  private readonly pool: WorkerPool;
  private ids = 0;
  private readonly needLabels: boolean;

  private constructor(
    readonly spec: BPLambdaSpec,
    readonly cuts: number[],
    readonly delay: number,
    blasThreads: number,
  ) {
    const K = depth(spec.network);
    const ends = [...cuts, K];
    this.split = ends.map((b, i) => [i ? ends[i - 1] + 1 : 1, b]);
    const channels = cuts.map(() => new MessageChannel()); // channel i joins stage i (port1) and stage i + 1 (port2)
    const inits = this.split.map(([first, last], i) => {
      const below = i > 0 ? channels[i - 1].port2 : null;
      const above = i < cuts.length ? channels[i].port1 : null;
      const init: StageInit = { spec, first, last, delay, below, above };
      return { data: { dniStage: init }, transfer: [below, above].filter((p): p is MessagePort => p !== null) };
    });
    const names = this.split.map(([a, b], i) => `stage ${i + 1} (units ${a}–${b})`);
    this.pool = new WorkerPool('stage-worker', inits, names, blasThreads, (m) =>
      m.type === 'ready' ? 'ready' : m.type === 'stats' ? `stats${m.step}` : `${m.type}${m.id}`,
    );
    this.needLabels = needsLabels(spec);
  }

  /** Start one worker per stage (cut after the units in `cuts`) and wait until every one is ready. */
  static async start(spec: BPLambdaSpec, cuts: number[], opts: ParallelOptions = {}): Promise<ParallelTrainer> {
    const delay = opts.delay ?? 2;
    validatePipeline(spec, cuts, delay);
    const t = new ParallelTrainer(spec, cuts, delay, opts.blasThreads ?? 1);
    await t.pool.expect('ready', t.pool.size);
    return t;
  }

  /** Post a training step; resolves with its statistics when the top stage has run it. */
  step({ x, y }: LabelledBatch, opts: StepOptions = {}): Promise<StepStats | null> {
    const s = this.steps++;
    const labels = y.dataSync().slice() as Int32Array;
    const act = serialize({ kind: 'activation', step: s, from: 0, h: x, labels: this.needLabels ? y : null });
    const done = this.pool.expect(`stats${s}`, 1);
    this.toTop({ type: 'labels', key: `run${s}`, y: labels });
    this.post(0, { type: 'run', step: s, act, y: this.pool.size === 1 ? labels : null });
    return done.then((r) => {
      const [{ loss, errors }] = r as { loss: number; errors: number }[];
      return opts.stats ? { loss, error: errors / x.shape[0], series: {} } : null;
    });
  }

  /** Loss and errors of a batch with every stage as it is after the steps posted so far. */
  async evaluate({ x, y }: LabelledBatch): Promise<EvalSums> {
    const id = this.ids++;
    const labels = y.dataSync().slice() as Int32Array;
    const done = this.pool.expect(`evaluated${id}`, 1);
    this.toTop({ type: 'labels', key: `eval${id}`, y: labels });
    const act = serialize({ kind: 'activation', step: this.steps, from: 0, h: x, labels: null });
    // One stage is also the top: the labels go with the work.
    this.post(0, { type: 'eval', id, act, y: this.pool.size === 1 ? labels.slice() : null });
    const [r] = (await done) as { n: number; loss: number; errors: number }[];
    return { n: r.n, loss: r.loss, errors: r.errors };
  }

  /** Apply every target still on its way (the last `delay` steps'), as at the end of training. */
  async flush(): Promise<void> {
    await this.request('flush');
  }

  /** Every trainable variable's values, unit by unit (PipelineTrainer.params' order). */
  async params(): Promise<Float32Array[]> {
    return ((await this.request('params')) as { values: Float32Array[] }[]).flatMap((r) => r.values);
  }

  /** Each worker's count of live tensors. */
  async memory(): Promise<number[]> {
    return ((await this.request('memory')) as { numTensors: number }[]).map((r) => r.numTensors);
  }

  /** Terminate every worker (also after a failure); later calls reject. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private request(type: 'flush' | 'params' | 'memory'): Promise<unknown[]> {
    const id = this.ids++;
    const done = this.pool.expect(`${type}${id}`, this.pool.size);
    this.post(0, { type, id });
    return done;
  }

  private toTop(m: LabelsMessage): void {
    if (this.pool.size > 1) this.post(this.pool.size - 1, m, [m.y.buffer as ArrayBuffer]);
  }

  /** Post to stage i, moving the message's arrays (copies first: a backend may own the ones it handed out). */
  private post(i: number, m: StageWork | LabelsMessage, transfer: ArrayBuffer[] = []): void {
    if ('act' in m) {
      const act = own(m.act)!;
      this.pool.post(i, { ...m, act }, buffers(act));
    } else this.pool.post(i, m, transfer);
  }
}

/** Train `n` steps of a worker trainer keeping at most `window` in flight (stages + delay keeps every stage busy); each batch is disposed once posted. */
export async function trainParallel(
  t: { step: (b: LabelledBatch, o: StepOptions) => Promise<StepStats | null> },
  n: number,
  batch: (step: number) => LabelledBatch,
  window: number,
): Promise<StepStats[]> {
  const inFlight: Promise<StepStats | null>[] = [];
  const out: StepStats[] = [];
  for (let s = 0; s < n; s++) {
    const b = batch(s);
    inFlight.push(t.step(b, { stats: true }));
    (b.x as tf.Tensor).dispose();
    b.y.dispose();
    if (inFlight.length >= window) out.push((await inFlight.shift()!) as StepStats);
  }
  for (const p of inFlight) out.push((await p) as StepStats);
  return out;
}
