/**
 * Decoupled units on parallel workers (lib/trainers/parallel-trainer.ts): every stage in its own
 * worker thread gives exactly the one-process pipeline's numbers (PipelineTrainer, the same
 * schedule), with every worker busy at once; a worker that fails stops the run with its error;
 * closing ends every worker; workers keep no tensors beyond the steps in flight.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { methodSpec } from '../lib/experiments/methods';
import type { NetworkSpec } from '../lib/networks/spec';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import { ParallelTrainer, trainParallel } from '../lib/trainers/parallel-trainer';
import { PipelineTrainer } from '../lib/trainers/pipeline';
import { type BPLambdaSpec, bpLambdaSpec } from '../lib/trainers/spec';
import { randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 20, hidden: [16, 12, 10], classes: 5 };
const spec = (method: 'dni' | 'cdni'): BPLambdaSpec => {
  const m = methodSpec(method, 4);
  return bpLambdaSpec({ network: FCN, ...m, synthesizer: { ...m.synthesizer, hiddenLayers: 1, width: 8 }, seed: 5 });
};
const batch = (s: number) => randomBatch(FCN, 6, 200 + s);

describe('parallel trainer (pipeline stages on worker threads)', function () {
  this.timeout(120000);

  for (const method of ['dni', 'cdni'] as const) {
    it(`${method}: three workers give the one-process pipeline's losses, parameters and evaluation exactly`, async () => {
      const ref = new PipelineTrainer(spec(method), [1, 3], 2);
      const refLoss: number[] = [];
      for (let s = 0; s < 7; s++) {
        const b = batch(s);
        refLoss.push(ref.step(b, { stats: true })!.loss);
        tf.dispose([b.x, b.y]);
      }
      const t = await ParallelTrainer.start(spec(method), [1, 3], { delay: 2 });
      try {
        assert.deepEqual(t.split, [
          [1, 1],
          [2, 3],
          [4, 4],
        ]);
        // A window of stages + delay steps in flight: every worker has work.
        const stats = await trainParallel(t, 7, batch, 5);
        assert.deepEqual(
          stats.map((r) => r.loss),
          refLoss,
        );
        const test = batch(99);
        assert.deepEqual(await t.evaluate(test), ref.evaluate(test), 'evaluation after the same steps');
        await t.flush();
        ref.flush();
        const got = await t.params();
        const want = ref.params().map((v) => v.dataSync());
        assert.equal(got.length, want.length);
        got.forEach((v, i) => assert.deepEqual(v, want[i], `variable ${ref.params()[i].name}`));
        tf.dispose([test.x, test.y]);
      } finally {
        await t.close();
        ref.dispose();
      }
    });
  }

  it('one worker (no cut) is the in-process trainer: the same losses and evaluation', async () => {
    const ref = new BPLambdaTrainer(spec('cdni'));
    const t = await ParallelTrainer.start(spec('cdni'), []);
    try {
      const want: number[] = [];
      for (let s = 0; s < 3; s++) {
        const b = batch(s);
        want.push(ref.step(b, { stats: true })!.loss);
        tf.dispose([b.x, b.y]);
      }
      const got = await trainParallel(t, 3, batch, 3);
      assert.deepEqual(
        got.map((r) => r.loss),
        want,
      );
      const test = batch(50);
      assert.deepEqual(await t.evaluate(test), ref.evaluate(test));
      tf.dispose([test.x, test.y]);
    } finally {
      await t.close();
      ref.dispose();
    }
  });

  it('keeps no tensors beyond the steps in flight, in any worker', async () => {
    const t = await ParallelTrainer.start(spec('dni'), [2], { delay: 2 });
    try {
      await trainParallel(t, 4, batch, 4);
      const steady = await t.memory();
      await trainParallel(t, 4, (s) => batch(s + 4), 4);
      assert.deepEqual(await t.memory(), steady);
    } finally {
      await t.close();
    }
  });

  it('a worker that throws stops the run with its error, and every worker ends', async () => {
    const t = await ParallelTrainer.start(spec('dni'), [2], { delay: 2 });
    const bad = randomBatch({ ...FCN, input: 7 }, 6, 1); // the first layer expects 20 features
    await assert.rejects(t.step(bad), /stage 1 \(units 1–2\) failed/);
    await assert.rejects(t.step(batch(0)), /stage 1 \(units 1–2\) failed/, 'later calls fail with the same error');
    await t.close();
    tf.dispose([bad.x, bad.y]);
  });

  it('close ends every worker; a closed trainer refuses work', async () => {
    const t = await ParallelTrainer.start(spec('cdni'), [1, 2], { delay: 2 });
    await trainParallel(t, 2, batch, 2);
    await t.close();
    await assert.rejects(t.step(batch(0)), /closed/);
  });
});
