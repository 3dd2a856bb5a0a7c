/**
 * Backprop on parallel workers, data-parallel (lib/trainers/data-parallel.ts), the baseline for
 * decoupled units: one replica is the in-process backprop step exactly; several split each batch
 * and apply the same summed gradient (without BatchNorm, the full batch's gradient), so the
 * replicas stay identical; a failing replica stops the run with its error; only backprop is taken.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import type { NetworkSpec } from '../lib/networks/spec';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import { DataParallelTrainer } from '../lib/trainers/data-parallel';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 20, hidden: [16, 12, 10], classes: 5 };
const LINEAR: NetworkSpec = { kind: 'fcn', input: 20, hidden: [], classes: 5 }; // no BatchNorm anywhere

async function both(
  net: NetworkSpec,
  replicas: number,
  steps: number,
): Promise<{ want: Float32Array[]; got: Float32Array[][]; losses: [number, number][] }> {
  const spec = bpLambdaSpec({ network: net, lambda: (net as { hidden: number[] }).hidden.map(() => 1), seed: 9 });
  const ref = new BPLambdaTrainer(spec);
  const t = await DataParallelTrainer.start(spec, replicas);
  const losses: [number, number][] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const b = randomBatch(net, 7, 300 + s); // 7 examples: shares of 3 and 4
      const r = await t.step(b, { stats: true });
      losses.push([ref.step(b, { stats: true })!.loss, r!.loss]);
      tf.dispose([b.x, b.y]);
    }
    return {
      want: ref
        .layerParams()
        .flat()
        .map((v) => v.dataSync() as Float32Array),
      got: await t.params(),
      losses,
    };
  } finally {
    ref.dispose();
    await t.close();
  }
}

describe('data-parallel backprop (replicas on worker threads)', function () {
  this.timeout(120000);

  it('one replica is the in-process backprop step exactly', async () => {
    const { want, got, losses } = await both(FCN, 1, 5);
    for (const [a, b] of losses) assert.equal(a, b);
    got[0].forEach((v, i) => assert.deepEqual(v, want[i]));
  });

  it('two replicas apply the full batch gradient (no BatchNorm: to rounding) and stay identical', async () => {
    const { want, got, losses } = await both(LINEAR, 2, 5);
    for (const [a, b] of losses) assert.ok(Math.abs(a - b) < 1e-5, `loss ${a} vs ${b}`);
    got[0].forEach((v, i) => {
      assert.deepEqual(got[1][i], v, 'the replicas are the same');
      const d = Math.max(...v.map((x, j) => Math.abs(x - want[i][j])));
      assert.ok(d < 1e-5, `parameter ${i} differs from full-batch backprop by ${d}`);
    });
  });

  it('with BatchNorm, two replicas still move together', async () => {
    const { got } = await both(FCN, 2, 3);
    got[0].forEach((v, i) => assert.deepEqual(got[1][i], v));
  });

  it('a replica that throws stops the run with its error (the other is not left waiting)', async () => {
    const t = await DataParallelTrainer.start(bpLambdaSpec({ network: FCN, lambda: [1, 1, 1] }), 2);
    const bad = randomBatch({ ...FCN, input: 7 }, 6, 1);
    await assert.rejects(t.step(bad), /replica \d of 2 failed/);
    await t.close();
    tf.dispose([bad.x, bad.y]);
  });

  it('takes backprop only, naming the field', async () => {
    await assert.rejects(
      DataParallelTrainer.start(bpLambdaSpec({ network: FCN, lambda: [1, 0, 1] }), 2),
      (e: unknown) => e instanceof ConfigError && e.field === 'lambda[1]',
    );
    await assert.rejects(
      DataParallelTrainer.start(bpLambdaSpec({ network: FCN, lambda: [1, 1, 1] }), 0),
      (e: unknown) => e instanceof ConfigError && e.field === 'workers',
    );
  });
});
