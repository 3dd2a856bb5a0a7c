/**
 * One replica of a backprop network in its own worker thread: the worker side of
 * DataParallelTrainer (data-parallel.ts). Every replica starts from the same seeds, takes its
 * shard of each batch, writes its gradients (weighted by its share of the batch) into its slot of
 * a shared buffer, waits until every replica has written (a barrier on a shared counter), then
 * sums the slots in replica order and applies the sum with its own Adam: the replicas stay
 * identical, bar BatchNorm's running statistics, which each keeps from its own shards (as data
 * parallelism without synchronised BN does). Two slots per replica alternate by step, so a
 * replica can write step s + 1 while the others still read step s.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../core/backend';
import { classification } from '../tasks/classification';
import { unitSpecs } from './bp-lambda';
import { evaluateUnits } from './evaluate-units';
import type { SerializedTensor } from './messages';
import type { BPLambdaSpec } from './spec';
import { Unit } from './unit';

export interface ReplicaInit {
  spec: BPLambdaSpec;
  index: number;
  replicas: number;
  /** 2 × replicas slots of every parameter's gradient, then nothing else. */
  grads: SharedArrayBuffer;
  /** [0]: how many replica-steps have written their gradients. */
  counter: SharedArrayBuffer;
}

export type ReplicaWork =
  | { type: 'step'; step: number; x: SerializedTensor; y: Int32Array; share: number }
  | { type: 'eval'; id: number; x: SerializedTensor; y: Int32Array }
  | { type: 'params'; id: number };

async function serve(init: ReplicaInit): Promise<void> {
  const port = parentPort!;
  const info = await initBackend();
  const units = unitSpecs(init.spec).map((u) => new Unit(u));
  const params = units.map((u) => u.layer.params());
  const sizes = params.flat().map((v) => v.size);
  const P = sizes.reduce((a, b) => a + b, 0);
  const grads = new Float32Array(init.grads);
  const counter = new Int32Array(init.counter);
  const R = init.replicas;

  const step = (w: Extract<ReplicaWork, { type: 'step' }>) => {
    const parity = w.step % 2;
    let loss = 0;
    let errors = 0;
    tf.tidy(() => {
      // Forward through every layer, the loss on this shard, then backward, collecting the layers' gradients.
      let h = tf.tensor(w.x.data, w.x.shape, w.x.dtype);
      const fwd = units.map((u) => {
        const f = u.layer.forward(h, 'train');
        h = f.y;
        return f.cache;
      });
      const r = classification.loss(h, tf.tensor1d(w.y, 'int32'));
      loss = r.loss.dataSync()[0];
      errors = r.errors.dataSync()[0];
      // The batch's mean loss is Σ_replicas share · (shard mean): scale this shard's gradient by its share.
      let d: tf.Tensor = tf.mul(r.dOutputs, w.share);
      let offset = (parity * R + init.index) * P;
      const own: tf.Tensor[][] = units.map(() => []);
      for (let k = units.length - 1; k >= 0; k--) {
        const b = units[k].layer.backward(fwd[k], d, { dx: k > 0, params: true });
        own[k] = b.grads;
        if (b.dx) d = b.dx;
      }
      for (const g of own.flat()) {
        grads.set(g.dataSync(), offset);
        offset += g.size;
      }
    });
    // Barrier: every replica has written step s (the counter reaches R·(s + 1)).
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
    for (let c = Atomics.load(counter, 0); c < R * (w.step + 1); c = Atomics.load(counter, 0)) Atomics.wait(counter, 0, c);
    tf.tidy(() => {
      let offset = 0;
      units.forEach((u, k) => {
        const summed = params[k].map((v) => {
          const sum = new Float32Array(v.size);
          for (let r = 0; r < R; r++) {
            const base = (parity * R + r) * P + offset;
            for (let j = 0; j < v.size; j++) sum[j] += grads[base + j];
          }
          offset += v.size;
          return tf.tensor(sum, v.shape);
        });
        u.layerOptimizer.apply(summed);
      });
    });
    port.postMessage({ type: 'stepped', step: w.step, loss, errors, n: w.y.length });
  };

  port.on('message', (w: ReplicaWork) => {
    if (w.type === 'step') step(w);
    else if (w.type === 'eval') {
      const x = tf.tensor(w.x.data, w.x.shape, w.x.dtype);
      const y = tf.tensor1d(w.y, 'int32');
      const r = evaluateUnits(units, classification, { x, y }, 0);
      tf.dispose([x, y]);
      port.postMessage({ type: 'evaluated', id: w.id, ...r });
    } else {
      const values = params.flat().map((v) => v.dataSync().slice() as Float32Array);
      port.postMessage(
        { type: 'params', id: w.id, values },
        values.map((v) => v.buffer),
      );
    }
  });
  port.postMessage({ type: 'ready', backend: describeBackend(info) });
}

if (parentPort && (workerData as { dniReplica?: ReplicaInit } | null)?.dniReplica) {
  serve((workerData as { dniReplica: ReplicaInit }).dniReplica).catch((e) => {
    setImmediate(() => {
      throw e;
    });
  });
}
