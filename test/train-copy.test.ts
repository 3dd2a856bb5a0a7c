/** trainCopy: the run loop with the curriculum (lib/runs/train-copy.ts). */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { copyRunSpec, trainCopy } from '../lib/runs/train-copy';

describe('trainCopy', () => {
  afterEach(() => tf.disposeVariables());

  it('checks the level every evalEvery steps on fresh sequences and advances as the curriculum says; stopAfter ends the run', async () => {
    const before = tf.memory().numTensors;
    // A threshold no net misses: every check solves its level.
    const run = await trainCopy({
      trainer: { method: 'dniAux', T: 2, hidden: 8, synthesizer: { width: 4 } },
      curriculum: { kind: 'repeatCopy', threshold: 1e6 },
      steps: 20,
      batchSize: 3,
      evalEvery: 2,
      stopAfter: 3,
    });
    assert.equal(tf.memory().numTensors, before, 'the run frees everything');
    assert.deepEqual(
      run.history.map((r) => [r.step, r.samples, r.level.N, r.level.R, r.dependency]),
      [
        [2, 6, 1, 1, 1],
        [4, 12, 2, 1, 2],
        [6, 18, 2, 2, 4],
      ],
    );
    assert.deepEqual(run.maxSolved, { N: 2, R: 2 });
    assert.equal(run.maxDependency, 4);
    assert.equal(run.samples, 18);
    // Levels (1,1), (2,1), (2,2): L = 3, 5, 7, chunks of 2: 2 + 2 (+ 2 + 3) + (2 + 4) updates.
    assert.equal(run.updates, 2 * 2 + 2 * 3 + 2 * 4);
    assert.ok(Number.isFinite(run.final.bits) && run.final.bits > 0);
    assert.ok('sgLoss' in run.final.series);
    // DNI+Aux's aux head has a target once an episode outlives the next chunk (L = 5 and 7 at T = 2: 3 and 4 chunks).
    assert.ok(
      run.history.slice(1).every((r) => r.series.auxLoss[0] > 0),
      'the aux loss is non-zero where its target exists',
    );
  });

  it('the default threshold is 0.15 bits: an untrained net solves nothing', async () => {
    const run = await trainCopy({
      trainer: { method: 'bptt', T: 3, hidden: 8 },
      curriculum: { kind: 'copy' },
      steps: 4,
      batchSize: 4,
      evalEvery: 2,
    });
    assert.equal(run.history.length, 2);
    assert.equal(run.maxSolved, null);
    assert.equal(run.maxDependency, 0);
    assert.ok(run.history.every((r) => r.bits > 0.15 && r.level.N === 1));
  });

  it('every check probes the synthesizer (none for BPTT) and splits the error by boundaries crossed; a fixed level never advances', async () => {
    const before = tf.memory().numTensors;
    const input = {
      trainer: { method: 'dni' as const, T: 2, hidden: 8, synthesizer: { width: 4 } },
      curriculum: { kind: 'copy' as const, start: { N: 2, R: 1 }, threshold: 0 },
      steps: 6,
      batchSize: 4,
      evalEvery: 3,
      evalSequences: 8,
      probeSequences: 5,
      maxOffset: 1,
    };
    const run = await trainCopy(input);
    assert.equal(tf.memory().numTensors, before, 'the run frees everything');
    assert.deepEqual(
      run.history.map((r) => [r.level.N, r.dependency]),
      [
        [2, 0],
        [2, 0],
      ],
    );
    for (const r of run.history) {
      assert.ok(r.probe && Number.isFinite(r.probe.cosTrue) && Number.isFinite(r.probe.cosTarget));
      // N = 2, T = 2, offsets 0–1: read-to-write distance 3, so an item crosses 1 or 2 boundaries; 8 sequences × 2 items.
      assert.deepEqual(
        r.crossings.map((c) => c.crossings),
        [1, 2],
      );
      assert.equal(
        r.crossings.reduce((s, c) => s + c.items, 0),
        16,
      );
      assert.ok(r.crossings.every((c) => c.bitError >= 0 && c.bitError <= 1));
    }
    const bptt = await trainCopy({ ...input, trainer: { method: 'bptt' as const, T: 2, hidden: 8 } });
    assert.ok(bptt.history.every((r) => r.probe === null && r.crossings.length === 2));
  });

  it('bad run configs name the field', () => {
    const base = { trainer: { method: 'dni' as const, T: 5 }, curriculum: { kind: 'copy' as const }, steps: 10 };
    const cases: [() => unknown, string][] = [
      [() => copyRunSpec({ ...base, trainer: { ...base.trainer, inputs: 10 } }), 'trainer.inputs'],
      [() => copyRunSpec({ ...base, trainer: { ...base.trainer, T: -1 } }), 'trainer.T'],
      [() => copyRunSpec({ ...base, curriculum: { kind: 'copy', start: { N: 1, R: 3 } } }), 'curriculum.start.R'],
      [() => copyRunSpec({ ...base, steps: 0 }), 'steps'],
      [() => copyRunSpec({ ...base, evalSequences: -1 }), 'evalSequences'],
      [() => copyRunSpec({ ...base, maxOffset: 1.5 }), 'maxOffset'],
      [() => copyRunSpec({ ...base, probeSequences: -2 }), 'probeSequences'],
      [() => copyRunSpec({ ...base, batch: 4 } as any), 'batch'],
      [() => copyRunSpec({ trainer: base.trainer, steps: 1 } as any), 'curriculum'],
    ];
    for (const [f, field] of cases)
      assert.throws(f, (e: unknown) => e instanceof ConfigError && e.field === field, `expected a ConfigError on ${field}`);
    assert.equal(copyRunSpec(base).trainer.inputs, 9);
    assert.equal(copyRunSpec({ ...base, curriculum: { kind: 'repeatCopy' } }).trainer.inputs, 10);
  });
});
