/**
 * Training against the wall clock (lib/runs/train-wall-clock.ts): records count training time
 * only, at every evalEvery steps (or evalSeconds of training), up to a budget of seconds; the test
 * error is the trainer's on the whole test set after exactly those steps; a non-finite loss stops
 * the run at its step.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { DivergenceError } from '../lib/core/errors';
import { randomDataset } from '../lib/data/dataset';
import { methodSpec } from '../lib/experiments/methods';
import type { NetworkSpec } from '../lib/networks/spec';
import { trainWallClock } from '../lib/runs/train-wall-clock';
import { ParallelTrainer } from '../lib/trainers/parallel-trainer';
import { PipelineTrainer } from '../lib/trainers/pipeline';
import { bpLambdaSpec } from '../lib/trainers/spec';
import type { LabelledBatch } from '../lib/trainers/bp-lambda';
import { Batcher, batchTensors } from '../lib/data/dataset';

const FCN: NetworkSpec = { kind: 'fcn', input: 20, hidden: [16, 12, 10], classes: 5 };
const train = randomDataset([20], 5, 64, 1);
const test = randomDataset([20], 5, 30, 2);
const SPEC = { steps: 6, batchSize: 8, evalEvery: 3, window: 4, evalBatch: 7, dataSeed: 4 };

describe('training against the wall clock', function () {
  this.timeout(120000);

  it('seconds count the steps, not the evaluations; records every evalEvery steps', async () => {
    let clock = 0;
    const fake = {
      step: async () => {
        clock += 10; // each step takes 10 ms
        return { loss: 1, error: 0, series: {} };
      },
      evaluate: async (b: LabelledBatch) => {
        clock += 1000; // evaluations are slow, and not counted
        return { n: b.x.shape[0], loss: 2 * b.x.shape[0], errors: 1 };
      },
    };
    const r = await trainWallClock(fake, train, test, SPEC, () => clock);
    assert.deepEqual(
      r.history.map((h) => [h.step, h.seconds]),
      [
        [3, 0.03],
        [6, 0.06],
      ],
    );
    assert.equal(r.msPerStep, 10);
    assert.equal(r.history[0].testLoss, 2);
    assert.equal(r.history[0].testError, 5 / 30, 'one error per chunk of 7: 5 chunks');
  });

  it('with evalSeconds and seconds: a record per interval of training time, and the run stops at the budget', async () => {
    let clock = 0;
    const fake = {
      step: async () => {
        clock += 10;
        return { loss: 1, error: 0, series: {} };
      },
      evaluate: async (b: LabelledBatch) => {
        clock += 1000;
        return { n: b.x.shape[0], loss: 0, errors: 0 };
      },
    };
    const seen: number[] = [];
    const spec = { ...SPEC, steps: 100, evalEvery: 100, evalSeconds: 0.025, seconds: 0.05 };
    const r = await trainWallClock(
      fake,
      train,
      test,
      spec,
      () => clock,
      (h) => seen.push(h.step),
    );
    assert.deepEqual(
      r.history.map((h) => [h.step, h.seconds]),
      [
        [3, 0.03],
        [6, 0.06],
      ],
    );
    assert.deepEqual(seen, [3, 6]);
    assert.equal(r.steps, 6);
    assert.equal(r.msPerStep, 10);
  });

  it("the test error is the trainer's after exactly those steps (workers against the one-process pipeline)", async () => {
    const m = methodSpec('dni', 4);
    const spec = bpLambdaSpec({ network: FCN, ...m, synthesizer: { ...m.synthesizer, hiddenLayers: 1, width: 8 }, seed: 2 });
    const t = await ParallelTrainer.start(spec, [2]);
    const got = await trainWallClock(t, train, test, SPEC);
    await t.close();
    const ref = new PipelineTrainer(spec, [2]);
    const batcher = new Batcher(train, 8, 4, { dropRemainder: true });
    const want: number[] = [];
    for (let s = 1; s <= 6; s++) {
      const b = batchTensors(batcher.next(), [20]);
      ref.step(b);
      tf.dispose([b.x, b.y]);
      if (s % 3 === 0) {
        const all = batchTensors({ x: test.x, y: test.y }, [20]);
        want.push(ref.evaluate(all).errors / 30);
        tf.dispose([all.x, all.y]);
      }
    }
    ref.dispose();
    assert.deepEqual(
      got.history.map((h) => h.testError),
      want,
    );
  });

  it('a non-finite loss stops the run at its step', async () => {
    let n = 0;
    const fake = {
      step: async () => ({ loss: n++ === 4 ? Number.NaN : 1, error: 0, series: {} }),
      evaluate: async (b: LabelledBatch) => ({ n: b.x.shape[0], loss: 0, errors: 0 }),
    };
    await assert.rejects(trainWallClock(fake, train, test, SPEC), (e: unknown) => e instanceof DivergenceError && e.step === 4);
  });
});
