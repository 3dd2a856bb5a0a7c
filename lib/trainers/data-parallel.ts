/**
 * Backprop on parallel workers, data-parallel: the fair baseline for decoupled units
 * (parallel-trainer.ts) on the same cores. Backprop cannot be update-unlocked, but each of R
 * replicas (replica-worker.ts) can take a share of every batch; their gradients, weighted by their
 * share, are summed in a shared buffer and every replica applies the same sum, so the replicas
 * move together. With one replica it is BPLambdaTrainer's backprop step exactly; with more,
 * BatchNorm normalises each shard by its own statistics (no synchronised BN).
 *
 *   const t = await DataParallelTrainer.start(bpLambdaSpec({ network: mnistFcn(6), lambda: [1, 1, 1, 1, 1] }), 2);
 *   await t.step({ x, y }, { stats: true });   await t.evaluate(test);   await t.close();
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../core/errors';
import type { LabelledBatch } from './bp-lambda';
import { unitSpecs } from './bp-lambda';
import type { SerializedTensor } from './messages';
import type { ReplicaInit, ReplicaWork } from './replica-worker';
import { type BPLambdaSpec, validateBPLambdaSpec } from './spec';
import type { EvalSums, StepOptions, StepStats } from './trainer';
import { Unit } from './unit';
import { WorkerPool } from './worker-pool';

/** A tensor's values as an array of its own (transferable whatever the backend keeps). */
function data(t: tf.Tensor): SerializedTensor {
  return { shape: t.shape.slice(), dtype: t.dtype as 'float32' | 'int32', data: (t.dataSync() as Float32Array | Int32Array).slice() };
}

export class DataParallelTrainer {
  steps = 0;
  private ids = 0;

  private constructor(
    readonly spec: BPLambdaSpec,
    private readonly pool: WorkerPool,
  ) {}

  /** Start `replicas` workers with the same backprop network and wait until every one is ready. */
  static async start(spec: BPLambdaSpec, replicas: number, opts: { blasThreads?: number } = {}): Promise<DataParallelTrainer> {
    validateBPLambdaSpec(spec);
    spec.lambda.forEach((l, i) => {
      if (l !== 1) throw new ConfigError(`lambda[${i}]`, `data parallelism is for backprop (λ = 1 everywhere), got ${l}`);
    });
    if (!Number.isInteger(replicas) || replicas < 1) throw new ConfigError('workers', `must be a whole number ≥ 1, got ${replicas}`);
    // The gradient slots' size: every layer parameter (built once here to count them).
    const units = unitSpecs(spec).map((u) => new Unit(u));
    const P = units.flatMap((u) => u.layer.params()).reduce((a, v) => a + v.size, 0);
    for (const u of units) u.dispose();
    const grads = new SharedArrayBuffer(4 * 2 * replicas * P);
    const counter = new SharedArrayBuffer(4);
    const inits = Array.from({ length: replicas }, (_, index) => {
      const init: ReplicaInit = { spec, index, replicas, grads, counter };
      return { data: { dniReplica: init }, transfer: [] };
    });
    const names = inits.map((_, i) => `replica ${i + 1} of ${replicas}`);
    const pool = new WorkerPool('replica-worker', inits, names, opts.blasThreads ?? 1, (m) =>
      m.type === 'ready' ? 'ready' : m.type === 'stepped' ? `stepped${m.step}` : `${m.type}${m.id}`,
    );
    await pool.expect('ready', replicas);
    return new DataParallelTrainer(spec, pool);
  }

  /** Post a step: each replica gets a contiguous share of the batch. Resolves when every replica has applied it. */
  step({ x, y }: LabelledBatch, opts: StepOptions = {}): Promise<StepStats | null> {
    const s = this.steps++;
    const R = this.pool.size;
    const B = x.shape[0];
    const done = this.pool.expect(`stepped${s}`, R);
    for (let r = 0; r < R; r++) {
      const [from, to] = [Math.floor((r * B) / R), Math.floor(((r + 1) * B) / R)];
      const shard = tf.slice(x, from, to - from);
      const xs = data(shard);
      shard.dispose();
      const ys = (y.dataSync() as Int32Array).slice(from, to);
      const work: ReplicaWork = { type: 'step', step: s, x: xs, y: ys, share: (to - from) / B };
      this.pool.post(r, work, [xs.data.buffer, ys.buffer]);
    }
    return done.then((parts) => {
      const rs = parts as { loss: number; errors: number; n: number }[];
      const loss = rs.reduce((a, r) => a + r.loss * r.n, 0) / B;
      return opts.stats ? { loss, error: rs.reduce((a, r) => a + r.errors, 0) / B, series: {} } : null;
    });
  }

  /** Evaluation on the first replica (the replicas' weights are the same; BN's running statistics are its own). */
  async evaluate({ x, y }: LabelledBatch): Promise<EvalSums> {
    const id = this.ids++;
    const done = this.pool.expect(`evaluated${id}`, 1);
    const xs = data(x);
    const ys = (y.dataSync() as Int32Array).slice();
    this.pool.post(0, { type: 'eval', id, x: xs, y: ys } satisfies ReplicaWork, [xs.data.buffer, ys.buffer]);
    const [r] = (await done) as EvalSums[];
    return { n: r.n, loss: r.loss, errors: r.errors };
  }

  /** Every layer parameter's values, unit by unit, from each replica. */
  async params(): Promise<Float32Array[][]> {
    const id = this.ids++;
    const done = this.pool.expect(`params${id}`, this.pool.size);
    for (let r = 0; r < this.pool.size; r++) this.pool.post(r, { type: 'params', id } satisfies ReplicaWork);
    return ((await done) as { values: Float32Array[] }[]).map((p) => p.values);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
